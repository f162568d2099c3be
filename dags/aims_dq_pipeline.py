"""aims-dq: profile → ingest → monitor, one KubernetesPodOperator per stage.

Ingest's summary (counts, quarantined files) is pushed to XCom. Monitor runs
whatever ingest's outcome, so the dashboard and the freshness alerts stay
current when files were quarantined or ingest failed. Exit codes: 0 ok,
1 failure (retried), 2 configuration error, 3 quarantined (only with
fail_on_quarantine).
"""

from __future__ import annotations

import os
import sys

from airflow.sdk import DAG, TriggerRule

# The shared module sits beside this file; Airflow puts only the DAGs folder
# itself on sys.path, which misses it when the DAGs live in a subfolder.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aims_dq_common import XCOM_FILE, KubernetesPodOperator, dag_settings, stage  # noqa: E402

with DAG(
    dag_id="aims_dq_pipeline",
    description="Data-quality gate for bronze parquet: profile, validate and quarantine, monitor",
    **dag_settings(__doc__),
) as dag:
    profile = KubernetesPodOperator(**stage("profile", "dq-profile", []))
    ingest = KubernetesPodOperator(
        **stage("ingest", "dq-ingest", ["--summary-file", XCOM_FILE], do_xcom_push=True)
    )
    monitor = KubernetesPodOperator(
        **stage("monitor", "dq-monitor", [], trigger_rule=TriggerRule.ALL_DONE, retries=1)
    )
    profile >> ingest >> monitor
