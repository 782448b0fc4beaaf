#!/usr/bin/env bash
# Checks the service definitions without installing them (CI runs this):
# the systemd units with `systemd-analyze verify` (pointed at a built
# trackcached) and the service's sandbox with `systemd-analyze security`
# (exposure 3.0 or lower), the launchd template for well-formed XML, and install.sh's
# Linux path as a dry run. Installs systemd / libxml2-utils from Debian if
# the tools are missing.
#
#   packaging/check.sh path/to/trackcached
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:?usage: packaging/check.sh path/to/trackcached}")

need() {
  command -v "$1" >/dev/null 2>&1 && return
  echo "$1 not found: installing $2 from Debian" >&2
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >&2
}
need systemd-analyze systemd
need xmllint libxml2-utils

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Both units as user units. No user manager runs on CI, so `--user` gets a
# runtime dir of its own, and `security` reads the file (--offline=yes)
# instead of asking a running manager.
export XDG_RUNTIME_DIR=$tmp/runtime
mkdir -p "$XDG_RUNTIME_DIR" "$tmp/units"
sed "s|^ExecStart=.*|ExecStart=$bin|" "$here/systemd/trackcached.service" >"$tmp/units/trackcached.service"
cp "$here/systemd/trackcached.socket" "$tmp/units/"
(cd "$tmp/units" && systemd-analyze verify --user --man=no trackcached.service trackcached.socket)
echo "systemd units: verify ok"
# --threshold is exposure x 10: fail above 3.0.
(cd "$tmp/units" && systemd-analyze security --user --offline=yes --threshold=30 trackcached.service) \
  >"$tmp/security.txt" || { cat "$tmp/security.txt"; echo "exposure above 3.0" >&2; exit 1; }
grep "Overall exposure level" "$tmp/security.txt"

xmllint --noout "$here/launchd/org.trackcache.trackcached.plist.in"
sed -e "s|@TRACKCACHED@|$bin|g" -e "s|@HOME@|$HOME|g" \
  "$here/launchd/org.trackcache.trackcached.plist.in" >"$tmp/agent.plist"
if grep -q '@[A-Z]*@' "$tmp/agent.plist"; then
  echo "launchd plist: a placeholder was left unreplaced" >&2
  exit 1
fi
xmllint --noout "$tmp/agent.plist"
echo "launchd plist: ok"

bash -n "$here/install.sh"
out=$(DRY_RUN=1 TRACKCACHED="$bin" HOME="$tmp" XDG_CONFIG_HOME="$tmp/config" "$here/install.sh")
grep -q "systemctl --user enable --now trackcached.service" <<<"$out"
[[ ! -e $tmp/config ]] || { echo "install.sh wrote files in a dry run" >&2; exit 1; }
echo "install.sh dry run: ok"
