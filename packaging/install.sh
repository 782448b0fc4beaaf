#!/usr/bin/env bash
# Installs trackcached as a per-user service: a systemd user unit on Linux,
# a launchd agent on macOS. Run from anywhere, as the user (not root).
#
#   packaging/install.sh                 # install the unit and start it
#   packaging/install.sh --uninstall     # stop it and remove the unit
#   TRACKCACHED=/path/to/trackcached packaging/install.sh
#   DRY_RUN=1 packaging/install.sh       # print what would be done
#
# The binary is taken from $TRACKCACHED, else from PATH, else from
# ~/.cargo/bin (`cargo install --path daemon --locked` puts it there).
# Configure the library in ~/.config/trackcache/config.toml first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
uninstall=0
[[ ${1:-} == --uninstall ]] && uninstall=1

run() {
  if [[ -n ${DRY_RUN:-} ]]; then printf '+ %s\n' "$*"; else "$@"; fi
}

find_binary() {
  local bin=${TRACKCACHED:-}
  [[ -z $bin ]] && bin=$(command -v trackcached || true)
  [[ -z $bin && -x $HOME/.cargo/bin/trackcached ]] && bin=$HOME/.cargo/bin/trackcached
  if [[ -z $bin || ! -x $bin ]]; then
    echo "trackcached not found: run 'cargo install --path daemon --locked' or set TRACKCACHED=/path/to/trackcached" >&2
    exit 1
  fi
  echo "$bin"
}

case "$(uname -s)" in
Linux)
  unit_dir=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user
  unit=$unit_dir/trackcached.service
  if ((uninstall)); then
    run systemctl --user disable --now trackcached.service || true
    run rm -f "$unit"
    run systemctl --user daemon-reload
    exit 0
  fi
  bin=$(find_binary)
  run mkdir -p "$unit_dir"
  if [[ $bin == "$HOME/.cargo/bin/trackcached" ]]; then
    run install -m 0644 "$here/systemd/trackcached.service" "$unit"
  else
    # The unit names %h/.cargo/bin/trackcached; point it at this binary.
    if [[ -n ${DRY_RUN:-} ]]; then
      printf '+ write %s with ExecStart=%s\n' "$unit" "$bin"
    else
      sed "s|^ExecStart=.*|ExecStart=$bin|" "$here/systemd/trackcached.service" >"$unit"
      chmod 0644 "$unit"
    fi
  fi
  run systemctl --user daemon-reload
  run systemctl --user enable --now trackcached.service
  echo "installed $unit; logs: journalctl --user -u trackcached"
  ;;
Darwin)
  label=org.trackcache.trackcached
  plist=$HOME/Library/LaunchAgents/$label.plist
  if ((uninstall)); then
    run launchctl bootout "gui/$(id -u)/$label" || true
    run rm -f "$plist"
    exit 0
  fi
  bin=$(find_binary)
  run mkdir -p "$HOME/Library/LaunchAgents" "$HOME/Library/Logs"
  if [[ -n ${DRY_RUN:-} ]]; then
    printf '+ write %s for %s\n' "$plist" "$bin"
  else
    sed -e "s|@TRACKCACHED@|$bin|g" -e "s|@HOME@|$HOME|g" \
      "$here/launchd/$label.plist.in" >"$plist"
  fi
  run launchctl bootout "gui/$(id -u)/$label" 2>/dev/null || true
  run launchctl bootstrap "gui/$(id -u)" "$plist"
  echo "installed $plist; logs: ~/Library/Logs/trackcached.log"
  ;;
*)
  echo "no service manager support for $(uname -s): run trackcached directly" >&2
  exit 1
  ;;
esac
