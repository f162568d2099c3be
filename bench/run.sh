#!/usr/bin/env bash
# aims-dq vs DuckDB, polars and Great Expectations (bench/run.py): builds the
# release binary and the decode floor, installs the peer tools once in
# .venv-bench, makes the data, prints the table. Run by hand, not in CI.
#
#   bench/run.sh [--rows N] [--runs K] [--gx-runs K] [--skip-gx] [--only TASK]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-venv
install_venv .venv-bench bench/requirements.txt
# The same static release build as the image's (one release build to keep).
target=x86_64-unknown-linux-gnu
RUSTFLAGS='-C target-feature=+crt-static' \
  cargo build --release --locked --target "$target" --bin aims-dq --example decode_columns
export AIMS_DQ_BIN="target/$target/release/aims-dq"
export AIMS_DQ_DECODE="target/$target/release/examples/decode_columns"
exec .venv-bench/bin/python bench/run.py "$@"
