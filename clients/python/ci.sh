#!/usr/bin/env bash
# CI for the Python package: a venv with pytest and mypy (pip, else apt-get),
# mypy --strict on the package, the pytest suite against the real daemon, and
# the GenreUpdater example run twice against a generated library.
# Needs target/debug/trackcached (or $TRACKCACHED); `cargo test --workspace` builds it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
export TRACKCACHED=${TRACKCACHED:-$repo/${CARGO_TARGET_DIR:-target}/debug/trackcached}
work=$(mktemp -d /tmp/tcpy-ci.XXXXXX)   # short: socket paths are limited to ~100 bytes
daemon_pid=
cleanup() { [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
apt_get() { if [[ $(id -u) -ne 0 ]]; then sudo apt-get "$@"; else apt-get "$@"; fi; }

venv=$work/venv
if ! python3 -m venv "$venv" 2>/dev/null; then
  apt_get update -qq && DEBIAN_FRONTEND=noninteractive apt_get install -y -qq python3-venv
  python3 -m venv "$venv"
fi
if ! "$venv/bin/pip" install -q pytest 'mypy>=1.10,<2'; then
  echo "pip could not install pytest and mypy: using apt-get's"
  apt_get update -qq && DEBIAN_FRONTEND=noninteractive apt_get install -y -qq python3-pytest mypy
  rm -rf "$venv" && python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/pip" install -q --no-deps ./clients/python || export PYTHONPATH=$repo/clients/python/src
py=$venv/bin/python

echo "--- mypy --strict (Python 3.9 rules)"
(cd clients/python && "$py" -m mypy --strict src/trackcache)

echo "--- pytest against $TRACKCACHED"
"$py" -m pytest -q -p no:cacheprovider clients/python/tests

echo "--- the GenreUpdater example on a generated library"
cargo run -q --locked -p trackcache-tests --bin gen-library -- --tracks 2000 --seed 7 -o "$work/Library.xml"
printf '' > "$work/config.toml"
"$TRACKCACHED" --socket "$work/tc.sock" --data-dir "$work/data" --config "$work/config.toml" \
  --library "$work/Library.xml" --log-level warn &
daemon_pid=$!
"$py" - "$work/tc.sock" <<'EOF'
import sys, time, trackcache
deadline = time.monotonic() + 30
while True:  # bounded poll until the daemon answers
    try:
        trackcache.Client(sys.argv[1]).ping()
        break
    except trackcache.ConnectionError:
        if time.monotonic() > deadline:
            sys.exit("trackcached did not answer within 30 s")
        time.sleep(0.02)
EOF
TRACKCACHE_SOCKET=$work/tc.sock "$py" clients/python/examples/genreupdater_run.py --check --wait 60
