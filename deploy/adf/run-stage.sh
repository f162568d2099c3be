#!/bin/sh
# Runs one aims-dq stage as an Azure Data Factory Custom activity on an Azure
# Batch node. ADF copies this folder (the static aims-dq binary and this
# script) into the task's working directory together with activity.json;
# every extendedProperties entry whose name starts with AIMS_DQ_ or AZURE_ (roots,
# threshold, webhook URLs from Key Vault, ...) becomes an environment
# variable, and the stage's summary is written to outputs.json, which ADF
# shows as the activity's output (@activity('Ingest').output.customOutput).
#
#   sh run-stage.sh profile|ingest|monitor|run-all [more aims-dq flags]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
stage=${1:?usage: run-stage.sh profile|ingest|monitor|run-all [flags]}
shift

if [ -f activity.json ]; then
  # Export AIMS_DQ_* and AZURE_* extended properties (python3 is on ADF's Batch images).
  eval "$(python3 - <<'PY'
import json, shlex
props = json.load(open("activity.json")).get("typeProperties", {}).get("extendedProperties", {})
for k, v in sorted(props.items()):
    if k.startswith(("AIMS_DQ_", "AZURE_")) and k.replace("_", "").isalnum():
        if isinstance(v, dict):  # a SecureString: {"type": "SecureString", "value": ...}
            v = v.get("value", "")
        if isinstance(v, bool):
            v = "true" if v else "false"
        print(f"export {k}={shlex.quote(str(v))}")
PY
)"
fi

chmod +x "$here/aims-dq" 2>/dev/null || true
exec "$here/aims-dq" "$stage" --summary-file outputs.json "$@"
