#!/usr/bin/env bash
# Full-scale run: the 68 AIMS-shaped tables at their real row counts
# (≈ 70 M rows), profiled and ingested by the release binary. Prints wall
# time and peak memory of one run-all. Run by hand, not in CI.
#
#   bench/full_scale.sh [WORK_DIR]      (default bench/work; needs ~10 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-bench/work}
# The same static release build as the image's and bench/run.sh's.
RUSTFLAGS='-C target-feature=+crt-static' \
  cargo build --release --quiet --locked --target x86_64-unknown-linux-gnu --bin aims-dq
bin=target/x86_64-unknown-linux-gnu/release/aims-dq
mkdir -p "$work"
if [ ! -f "$work/bronze/aims_assetattributes.parquet" ]; then
  /usr/bin/time -f "generate: %e s, peak %M KB" "$bin" sample --scale full --no-deliveries --out "$work/bronze"
fi
rm -rf "$work/suites" "$work/state" "$work/quarantine"
cat > "$work/pipeline.yaml" <<YAML
bronze: $work/bronze
suites: $work/suites
state: $work/state
quarantine: $work/quarantine
workers: ${WORKERS:-2}
YAML
export AIMS_DQ_CONFIG="$work/pipeline.yaml" AIMS_DQ_LOG_FORMAT=json
du -sh "$work/bronze"
# run-all = profile → ingest → monitor, as a scheduled run would do it.
/usr/bin/time -f "run-all: %e s wall, peak RSS %M KB" "$bin" run-all 2>"$work/run-all.log" \
  | grep -E '^(Profile|Ingest|Latest|run-all)'
tail -1 "$work/run-all.log"
