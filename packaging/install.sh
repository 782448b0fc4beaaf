#!/usr/bin/env bash
# Installs trackcached as a per-user service. A thin wrapper around
# `trackcache service install --now` (systemd user unit on Linux, launchd
# agent on macOS), which writes the unit, starts it, and says "running" only
# once the daemon answers.
#
#   packaging/install.sh                      # install and start
#   packaging/install.sh --library ~/Music/Music/Library.xml
#   packaging/install.sh --dry-run            # print what it would do
#   packaging/install.sh --uninstall [--dry-run]
#
# trackcache is taken from $TRACKCACHE_BIN, else PATH, else ~/.cargo/bin
# (`cargo install --path client --locked` puts it there).
set -euo pipefail
bin=${TRACKCACHE_BIN:-$(command -v trackcache || true)}
[[ -z $bin && -x $HOME/.cargo/bin/trackcache ]] && bin=$HOME/.cargo/bin/trackcache
if [[ -z $bin || ! -x $bin ]]; then
  echo "trackcache not found: run 'cargo install --path client --locked' (and --path daemon), or set TRACKCACHE_BIN" >&2
  exit 1
fi
if [[ ${1:-} == --uninstall ]]; then
  shift
  exec "$bin" service uninstall "$@"
fi
exec "$bin" service install --now "$@"
