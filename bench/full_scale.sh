#!/usr/bin/env bash
# Full-scale run: the 68 AIMS-shaped tables at their real row counts
# (≈ 70 M rows), profiled and ingested by the release binary. Prints wall
# time, peak memory and rows per second. Run by hand, not in CI.
#
#   bench/full_scale.sh [WORK_DIR]      (default bench/work; needs ~10 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-bench/work}
cargo build --release --quiet
bin=target/release/aims-dq
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
/usr/bin/time -f "profile: %e s wall, peak RSS %M KB" "$bin" profile 2>"$work/profile.log" | tail -1
tail -1 "$work/profile.log"
/usr/bin/time -f "ingest: %e s wall, peak RSS %M KB" "$bin" ingest 2>"$work/ingest.log" | grep '^Ingest'
tail -1 "$work/ingest.log"
"$bin" monitor | grep -E '^(Latest|Performance)'
