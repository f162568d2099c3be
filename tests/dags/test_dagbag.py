"""The aims-dq DAGs in a real Airflow: DagBag imports them; tasks, order,
images, arguments, trigger rules and secrets are what the README says.

With AIMS_DQ_BIN (a folder holding dq-ingest) and AIMS_DQ_DATA (a workspace
with pipeline.yaml, suites and sample data), the ingest task's arguments and
rendered environment are also run through the real binary, which must accept
them and write the XCom summary.

Run: AIRFLOW_HOME=$(mktemp -d) python tests/dags/test_dagbag.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DAGS = os.path.normpath(os.path.join(HERE, "..", "..", "dags"))
# As on a real deployment: Airflow puts its DAGs folder on sys.path, so the
# DAGs can import their shared module.
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = DAGS
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow.dag_processing.dagbag import DagBag  # noqa: E402
XCOM = "/airflow/xcom/return.json"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def env_of(env_vars):
    """env_vars as a dict (a dict until the task runs, V1EnvVar objects after)."""
    if isinstance(env_vars, dict):
        return dict(env_vars)
    return {e.name: e.value for e in env_vars}


def env_names(op):
    return {s.deploy_target or f"<all of {s.secret}>": s for s in op.secrets}


def check_pod_task(op, binary):
    expect(op.image.startswith("ghcr.io/aims-dq/aims-dq:"), f"{op.task_id}: image {op.image}")
    expect(op.cmds == [f"/usr/local/bin/{binary}"], f"{op.task_id}: cmds {op.cmds}")
    expect(op.namespace == "data-quality", f"{op.task_id}: namespace {op.namespace}")
    sec = env_names(op)
    expect("<all of aims-dq-credentials>" in sec, f"{op.task_id}: credentials Secret missing: {list(sec)}")
    expect("AIMS_DQ_SLACK_WEBHOOK_URL" in sec, f"{op.task_id}: webhook Secret missing")
    env = env_of(op.env_vars)
    for k in ["AIMS_DQ_THRESHOLD", "AIMS_DQ_FORCE", "AIMS_DQ_DRY_RUN", "AIMS_DQ_CONFIG"]:
        expect(k in env, f"{op.task_id}: env {k} missing")
    expect(op.container_security_context["readOnlyRootFilesystem"] is True, f"{op.task_id}: read-only root")
    expect(op.security_context["runAsNonRoot"] is True, f"{op.task_id}: non-root")
    expect(any(m.mount_path == "/tmp" for m in op.volume_mounts), f"{op.task_id}: /tmp mount")
    expect(op.retries >= 1 and op.execution_timeout is not None, f"{op.task_id}: retries/timeout")
    expect(op.startup_timeout_seconds >= 120, f"{op.task_id}: startup timeout")
    return env


def render_env(env, params):
    """The task's env as Airflow renders it for a run with these params."""
    import jinja2

    t = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {k: t.from_string(v).render(params=params) for k, v in env.items()}


def run_ingest(arguments, env, label):
    """Runs the real dq-ingest with the task's arguments; the XCom file is
    redirected into a temporary folder. Returns the summary document."""
    bindir, data = os.environ.get("AIMS_DQ_BIN"), os.environ.get("AIMS_DQ_DATA")
    if not (bindir and data):
        print(f"skip {label}: AIMS_DQ_BIN/AIMS_DQ_DATA not set, arguments not run through the binary")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        xcom = os.path.join(tmp, "return.json")
        args = [xcom if a == XCOM else a for a in arguments]
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_DQ_")}
        run_env.update(env)
        run_env["AIMS_DQ_CONFIG"] = os.path.join(data, "pipeline.yaml")
        r = subprocess.run([os.path.join(bindir, "dq-ingest"), *args], cwd=data, env=run_env,
                           capture_output=True, text=True)
        expect(r.returncode == 0, f"{label}: dq-ingest {args} exited {r.returncode}: {r.stderr[-2000:]}")
        expect(os.path.exists(xcom), f"{label}: no summary written at the XCom path")
        return json.load(open(xcom))


def check_pipeline(bag):
    dag = bag.dags["aims_dq_pipeline"]
    ids = sorted(t.task_id for t in dag.tasks)
    expect(ids == ["ingest", "monitor", "profile"], f"pipeline tasks {ids}")
    profile, ingest, monitor = (dag.get_task(i) for i in ["profile", "ingest", "monitor"])
    expect(profile.downstream_task_ids == {"ingest"}, f"profile → {profile.downstream_task_ids}")
    expect(ingest.downstream_task_ids == {"monitor"}, f"ingest → {ingest.downstream_task_ids}")
    expect(monitor.trigger_rule == "all_done", f"monitor trigger rule {monitor.trigger_rule}")
    expect(ingest.trigger_rule == "all_success", f"ingest trigger rule {ingest.trigger_rule}")
    for op, b in [(profile, "dq-profile"), (ingest, "dq-ingest"), (monitor, "dq-monitor")]:
        check_pod_task(op, b)
    expect(ingest.do_xcom_push is True and not profile.do_xcom_push, "only ingest pushes XCom")
    expect(ingest.arguments == ["--summary-file", XCOM], f"ingest arguments {ingest.arguments}")
    params = {k: v.value for k, v in dag.params.items()} if hasattr(dag.params, "items") else dict(dag.params)
    params = {k: getattr(v, "value", v) for k, v in params.items()}
    expect(params == {"threshold": 100, "force": False, "dry_run": False}, f"params {params}")
    print("ok   aims_dq_pipeline: profile → ingest → monitor (all_done), XCom from ingest, secrets, hardening")
    # Dry run as a user would trigger it: nothing moves, the summary says so.
    env = render_env(env_of(ingest.env_vars), {**params, "dry_run": True, "threshold": 90})
    doc = run_ingest(ingest.arguments, env, "pipeline ingest (dry run)")
    if doc is not None:
        s = doc["ingest"]
        expect(s["dry_run"] is True and s["exit_code"] == 0, f"summary {s}")
        expect(s["validated"] > 0 and s["quarantined"] > 0 and s["quarantined_files"], f"summary counts {s}")
        print(f"ok   ingest task's arguments run by dq-ingest: {s['validated']} validated, "
              f"{s['quarantined']} would be quarantined, summary at the XCom path")


def check_sharded(bag):
    dag = bag.dags["aims_dq_sharded"]
    ids = sorted(t.task_id for t in dag.tasks)
    expect(ids == ["collect", "ingest", "monitor", "profile"], f"sharded tasks {ids}")
    ingest = dag.get_task("ingest")
    expect(type(ingest).__name__ == "MappedOperator", f"ingest is {type(ingest).__name__}, not mapped")
    expanded = ingest.expand_input.value["arguments"]
    n = len(expanded)
    expect(n == 4, f"{n} shards")
    expect([a[:2] for a in expanded] == [["--shard", f"{i}/4"] for i in range(4)], f"shard args {expanded}")
    expect(all(a[2:] == ["--summary-file", XCOM] for a in expanded), "every shard pushes its summary")
    partial = ingest.partial_kwargs
    expect(partial["image"].startswith("ghcr.io/aims-dq/aims-dq:") and partial["cmds"] == ["/usr/local/bin/dq-ingest"],
           f"mapped ingest image/cmds {partial.get('image')} {partial.get('cmds')}")
    expect(partial.get("do_xcom_push") is True, "mapped ingest pushes XCom")
    expect(dag.get_task("profile").downstream_task_ids == {"ingest"}, "profile → ingest")
    expect(ingest.downstream_task_ids == {"collect"}, f"ingest → {ingest.downstream_task_ids}")
    expect(dag.get_task("collect").downstream_task_ids == {"monitor"}, "collect → monitor")
    for t in ["collect", "monitor"]:
        expect(dag.get_task(t).trigger_rule == "all_done", f"{t} trigger rule")
    check_pod_task(dag.get_task("monitor"), "dq-monitor")
    print(f"ok   aims_dq_sharded: profile → ingest × {n} (mapped, --shard i/{n}) → collect → monitor (all_done)")

    # The shards' real summaries add up to the whole.
    sys.path.insert(0, DAGS)
    from aims_dq_sharded import add_up

    params = {"threshold": 100, "force": False, "dry_run": True}
    env = render_env(env_of(dag.get_task("monitor").env_vars), params)
    docs = [run_ingest(a, env, f"shard {i}") for i, a in enumerate(expanded)]
    whole = run_ingest(["--summary-file", XCOM], env, "unsharded")
    if whole is None:
        return
    total = add_up(docs + [None])
    w = whole["ingest"]
    for k in ["discovered", "validated", "passed", "failed", "errors", "quarantined", "rows"]:
        expect(total[k] == w[k] if k != "discovered" else total[k] == 4 * w[k], f"{k}: shards {total[k]}, whole {w[k]}")
    expect(sorted(total["quarantined_files"]) == sorted(w["quarantined_files"]), "quarantined files differ")
    expect(total["shards_reported"] == 4, "a missing shard summary is skipped")
    print(f"ok   4 shard summaries add up to the unsharded run: {total['validated']} validated, "
          f"{total['quarantined']} quarantined, {total['rows']} rows")


def main():
    bag = DagBag(dag_folder=DAGS)
    expect(not bag.import_errors, f"import errors: {bag.import_errors}")
    expect(sorted(bag.dags) == ["aims_dq_pipeline", "aims_dq_sharded"], f"DAGs {sorted(bag.dags)}")
    print(f"ok   DagBag: {len(bag.dags)} DAGs, no import errors")
    check_pipeline(bag)
    check_sharded(bag)


if __name__ == "__main__":
    main()
