"""aims-dq with ingest fanned out over N shards (dynamic task mapping), then monitor.

Each mapped ingest pod takes `--shard i/N` of the new files (the split is by a
stable hash of the file name, so every file lands in exactly one shard) and
pushes its summary to XCom; `collect` adds them up. Set AIMS_DQ_SHARDS on the
workers to change N.
"""

from __future__ import annotations

import os
import sys

from airflow.sdk import DAG, TriggerRule, task

# The shared module sits beside this file; Airflow puts only the DAGs folder
# itself on sys.path, which misses it when the DAGs live in a subfolder.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aims_dq_common import XCOM_FILE, KubernetesPodOperator, dag_settings, stage  # noqa: E402

SHARDS = int(os.environ.get("AIMS_DQ_SHARDS", "4"))

COUNTS = ["discovered", "validated", "passed", "failed", "errors", "quarantined", "rows"]


def add_up(summaries) -> dict:
    """The shards' ingest summaries as one (a missing one means that shard failed)."""
    got = [s["ingest"] for s in summaries if s and "ingest" in s]
    total = {k: sum(s.get(k, 0) for s in got) for k in COUNTS}
    total["shards_reported"] = len(got)
    total["quarantined_files"] = [f for s in got for f in s.get("quarantined_files", [])]
    return total


with DAG(
    dag_id="aims_dq_sharded",
    description="aims-dq ingest over N shards, then monitor",
    **dag_settings(__doc__),
) as dag:
    profile = KubernetesPodOperator(**stage("profile", "dq-profile", []))
    ingest = KubernetesPodOperator.partial(
        **stage("ingest", "dq-ingest", do_xcom_push=True, max_active_tis_per_dag=SHARDS)
    ).expand(
        arguments=[["--shard", f"{i}/{SHARDS}", "--summary-file", XCOM_FILE] for i in range(SHARDS)]
    )

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def collect(summaries) -> dict:
        return add_up(summaries)

    monitor = KubernetesPodOperator(
        **stage("monitor", "dq-monitor", [], trigger_rule=TriggerRule.ALL_DONE, retries=1)
    )
    total = collect(ingest.output)
    profile >> ingest
    total >> monitor
