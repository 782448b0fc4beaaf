#!/usr/bin/env bash
# Builds the Debian package with cargo-deb (metadata: [package.metadata.deb]
# in daemon/Cargo.toml): both binaries in release mode, then the man pages and
# completions they generate from their own clap definitions, then the .deb
# with both binaries stripped (the release profile keeps line tables for the
# benchmarks' profiles). Prints the package's path.
#
#   packaging/deb/build.sh        # needs: cargo install cargo-deb --locked
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -p trackcache-daemon -p trackcache-client >&2
rm -rf "$target/release/docs"
"$target/release/trackcached" generate-docs "$target/release/docs"
"$target/release/trackcache" generate-docs "$target/release/docs"
gzip -9n "$target"/release/docs/man/*.1   # Debian ships man pages compressed
# cargo deb prints the package's path on stdout.
cargo deb --locked --no-build --strip -p trackcache-daemon
