#!/usr/bin/env bash
# Checks the service definitions without installing them (CI runs this):
# the systemd units with `systemd-analyze verify` (pointed at a built
# trackcached, man pages generated from it on MANPATH) and the service's
# sandbox with `systemd-analyze security` (exposure 3.0 or lower), the
# launchd agent as `trackcache service install` writes it (parsed with
# python3's plistlib), and install.sh as a dry run. Installs systemd,
# libxml2-utils, man-db and python3 from Debian if the tools are missing.
#
#   packaging/check.sh path/to/trackcached   (trackcache must be beside it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:?usage: packaging/check.sh path/to/trackcached}")
client=$(dirname "$bin")/trackcache

need() {
  command -v "$1" >/dev/null 2>&1 && return
  echo "$1 not found: installing $2 from Debian" >&2
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >&2
}
need systemd-analyze systemd
need xmllint libxml2-utils
need man man-db
need python3 python3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Both units as user units. No user manager runs on CI, so `--user` gets a
# runtime dir of its own, and `security` reads the file (--offline=yes)
# instead of asking a running manager.
export XDG_RUNTIME_DIR=$tmp/runtime
mkdir -p "$XDG_RUNTIME_DIR" "$tmp/units"
sed "s|^ExecStart=.*|ExecStart=$bin|" "$here/systemd/trackcached.service" >"$tmp/units/trackcached.service"
cp "$here/systemd/trackcached.socket" "$tmp/units/"
# Documentation=man:... must resolve: point man at the generated pages.
"$bin" generate-docs "$tmp/docs/trackcached"
"$client" generate-docs "$tmp/docs/trackcache"
mkdir -p "$tmp/manpath/man1"
cp "$tmp"/docs/*/man/*.1 "$tmp/manpath/man1/"
(cd "$tmp/units" && MANPATH="$tmp/manpath" systemd-analyze verify --user trackcached.service trackcached.socket)
echo "systemd units: verify ok"
# --threshold is exposure x 10: fail above 3.0.
(cd "$tmp/units" && systemd-analyze security --user --offline=yes --threshold=30 trackcached.service) \
  >"$tmp/security.txt" || { cat "$tmp/security.txt"; echo "exposure above 3.0" >&2; exit 1; }
grep "Overall exposure level" "$tmp/security.txt"

xmllint --noout "$here/launchd/org.trackcache.trackcached.plist.in"
# The agent as the installer writes it (macOS path, no --now: nothing runs).
HOME="$tmp/home" "$client" service install --platform macos --daemon "$bin" >/dev/null
python3 - "$tmp/home/Library/LaunchAgents/org.trackcache.trackcached.plist" "$bin" "$tmp/home" <<'PY'
import plistlib, sys
path, daemon, home = sys.argv[1:]
with open(path, "rb") as f:
    agent = plistlib.load(f)
assert agent["ProgramArguments"] == [daemon], agent["ProgramArguments"]
assert agent["KeepAlive"] == {"Crashed": True}, agent["KeepAlive"]
assert agent["StandardErrorPath"] == home + "/Library/Logs/trackcache/trackcached.log"
assert agent["RunAtLoad"] is True
PY
echo "launchd plist: ok (plistlib)"

bash -n "$here/install.sh"
out=$(TRACKCACHE_BIN="$client" HOME="$tmp/dry" XDG_CONFIG_HOME= "$here/install.sh" --dry-run --daemon "$bin")
grep -q "would run: systemctl --user enable --now trackcached.service" <<<"$out"
[[ ! -e $tmp/dry ]] || { echo "install.sh wrote files in a dry run" >&2; exit 1; }
echo "install.sh dry run: ok"
