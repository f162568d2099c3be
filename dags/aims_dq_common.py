"""What the aims-dq DAGs share: image, namespace, credentials, pod hardening.

Settings come from the Airflow workers' environment so that parsing the DAGs
needs no metadata database:
  AIMS_DQ_IMAGE            image with the aims-dq binaries
  AIMS_DQ_NAMESPACE        namespace the pods run in
  AIMS_DQ_CONFIGMAP        ConfigMap holding pipeline.yaml (key pipeline.yaml)
  AIMS_DQ_SECRET           Secret whose keys become the pods' environment
                           (storage credentials, AIMS_DQ_* roots)
  AIMS_DQ_WEBHOOK_SECRET   Secret holding the alert webhook URLs
  AIMS_DQ_SERVICE_ACCOUNT  service account (IRSA / Azure workload identity)
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from kubernetes.client import models as k8s

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from airflow.sdk import Param

IMAGE = os.environ.get("AIMS_DQ_IMAGE", "ghcr.io/aims-dq/aims-dq:0.1.0")
NAMESPACE = os.environ.get("AIMS_DQ_NAMESPACE", "data-quality")
CONFIGMAP = os.environ.get("AIMS_DQ_CONFIGMAP", "aims-dq-config")
SECRET = os.environ.get("AIMS_DQ_SECRET", "aims-dq-credentials")
WEBHOOK_SECRET = os.environ.get("AIMS_DQ_WEBHOOK_SECRET", "aims-dq-webhooks")
SERVICE_ACCOUNT = os.environ.get("AIMS_DQ_SERVICE_ACCOUNT", "aims-dq")

# KubernetesPodOperator reads /airflow/xcom/return.json from the pod when
# do_xcom_push is on; the binaries write their summary there when asked.
XCOM_FILE = "/airflow/xcom/return.json"

def params() -> dict:
    """The run parameters every aims-dq DAG takes (Trigger DAG w/ config)."""
    return {
        "threshold": Param(100, type="number", minimum=0, maximum=100,
                           description="Score threshold in percent; wins over every suite's own."),
        "force": Param(False, type="boolean",
                       description="Reprocess files already watermarked and rewrite existing suites."),
        "dry_run": Param(False, type="boolean",
                         description="Write, move and send nothing; print what would happen."),
    }


# Run parameters reach the binaries as AIMS_DQ_* variables (rendered by Jinja).
PARAM_ENV = {
    "AIMS_DQ_THRESHOLD": "{{ params.threshold }}",
    "AIMS_DQ_FORCE": "{{ 'true' if params.force else 'false' }}",
    "AIMS_DQ_DRY_RUN": "{{ 'true' if params.dry_run else 'false' }}",
    "AIMS_DQ_CONFIG": "/etc/aims-dq/pipeline.yaml",
    "AIMS_DQ_LOG_FORMAT": "json",
}

SECRETS = [
    Secret("env", None, SECRET),
    Secret("env", "AIMS_DQ_SLACK_WEBHOOK_URL", WEBHOOK_SECRET, "slack-webhook-url"),
    Secret("env", "AIMS_DQ_TEAMS_WEBHOOK_URL", WEBHOOK_SECRET, "teams-webhook-url"),
]

POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 65532,
    "runAsGroup": 65532,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}

VOLUMES = [
    k8s.V1Volume(name="config", config_map=k8s.V1ConfigMapVolumeSource(name=CONFIGMAP)),
    k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="256Mi")),
]
VOLUME_MOUNTS = [
    k8s.V1VolumeMount(name="config", mount_path="/etc/aims-dq", read_only=True),
    k8s.V1VolumeMount(name="tmp", mount_path="/tmp"),
]

RESOURCES = k8s.V1ResourceRequirements(
    requests={"cpu": "500m", "memory": "512Mi"},
    limits={"cpu": "2", "memory": "1Gi"},
)

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(hours=1),
}


def dag_settings(doc: str) -> dict:
    """What every aims-dq DAG is given besides its id and description."""
    return dict(
        schedule="*/30 * * * *",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["data-quality", "aims-dq"],
        params=params(),
        doc_md=doc,
    )


def stage(task_id: str, binary: str, arguments: list[str] | None = None, **kwargs) -> dict:
    """Keyword arguments of a KubernetesPodOperator running one stage binary."""
    kw = dict(
        task_id=task_id,
        name=f"aims-dq-{task_id.replace('_', '-')}",
        namespace=NAMESPACE,
        image=IMAGE,
        cmds=[f"/usr/local/bin/{binary}"],
        env_vars=dict(PARAM_ENV),
        secrets=SECRETS,
        service_account_name=SERVICE_ACCOUNT,
        security_context=POD_SECURITY,
        container_security_context=CONTAINER_SECURITY,
        xcom_sidecar_container_security_context=CONTAINER_SECURITY,
        volumes=VOLUMES,
        volume_mounts=VOLUME_MOUNTS,
        container_resources=RESOURCES,
        labels={"app.kubernetes.io/name": "aims-dq", "app.kubernetes.io/component": task_id},
        startup_timeout_seconds=300,
        active_deadline_seconds=3600,
        on_finish_action="delete_succeeded_pod",
        get_logs=True,
        **kwargs,
    )
    # Mapped tasks give their arguments in expand(), not here.
    if arguments is not None:
        kw["arguments"] = arguments
    return kw


__all__ = [
    "DEFAULT_ARGS",
    "KubernetesPodOperator",
    "dag_settings",
    "params",
    "XCOM_FILE",
    "stage",
]
