"""Offline checks of helm/aims-dq and deploy/k8s.

Renders the chart with its defaults and every values file in helm/aims-dq/ci,
asserts what each render must contain, validates every manifest with
kubernetes-validate --strict, checks that deploy/k8s/base is the chart's
default render (`--update` rewrites it), applies each overlay's JSON patches
and validates the result. Prints one line per check; exits 1 on the first
failure with the reason.

Usage: check_k8s.py [--update] KUBERNETES_VERSION
"""

import copy
import glob
import os
import subprocess
import sys
import tempfile

import helm_python as helm
import jsonpatch
import yaml

CHART = "helm/aims-dq"
BASE = "deploy/k8s/base"
OVERLAYS = "deploy/k8s/overlays"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def render(values, name="aims-dq", namespace="data-quality"):
    with helm.Chart.load(CHART) as chart:
        out = chart.render(values, name=name, namespace=namespace)
    docs = []
    for path, text in sorted(out.items()):
        if path.endswith(".yaml"):
            docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


def validate(docs, version, label):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump_all(docs, f, sort_keys=False)
        path = f.name
    try:
        r = subprocess.run(
            ["kubernetes-validate", "--strict", "--quiet", "-k", version, path],
            capture_output=True, text=True,
        )
    finally:
        os.unlink(path)
    if r.returncode != 0:
        fail(f"{label}: kubernetes-validate --strict -k {version}:\n{r.stdout}{r.stderr}")
    print(f"ok   {label}: {len(docs)} manifests valid for Kubernetes {version} (strict)")


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def pod(cronjob):
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def check_common(docs, label):
    """What every render must hold, whatever the values."""
    cronjobs = by_kind(docs, "CronJob")
    if not cronjobs:
        fail(f"{label}: no CronJob rendered")
    for cj in cronjobs:
        name = cj["metadata"]["name"]
        spec = cj["spec"]
        job = spec["jobTemplate"]["spec"]
        p = pod(cj)
        c = p["containers"][0]
        checks = {
            "concurrencyPolicy Forbid": spec["concurrencyPolicy"] == "Forbid",
            "backoffLimit": isinstance(job.get("backoffLimit"), int),
            "activeDeadlineSeconds": job.get("activeDeadlineSeconds", 0) > 0,
            "successfulJobsHistoryLimit": "successfulJobsHistoryLimit" in spec,
            "restartPolicy Never": p["restartPolicy"] == "Never",
            "runAsNonRoot": p["securityContext"]["runAsNonRoot"] is True,
            "runAsUser 65532": p["securityContext"]["runAsUser"] == 65532,
            "seccomp RuntimeDefault": p["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault",
            "readOnlyRootFilesystem": c["securityContext"]["readOnlyRootFilesystem"] is True,
            "no privilege escalation": c["securityContext"]["allowPrivilegeEscalation"] is False,
            "drop ALL": c["securityContext"]["capabilities"]["drop"] == ["ALL"],
            "resources": "limits" in c["resources"] and "requests" in c["resources"],
            "writable /tmp": any(m["mountPath"] == "/tmp" for m in c["volumeMounts"]),
            "config mounted": any(m["mountPath"] == "/etc/aims-dq/pipeline.yaml" for m in c["volumeMounts"]),
            "AIMS_DQ_CONFIG": {"name": "AIMS_DQ_CONFIG", "value": "/etc/aims-dq/pipeline.yaml"} in c["env"],
            "binary path": c["command"][0].startswith("/usr/local/bin/"),
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            fail(f"{label}: CronJob {name}: {', '.join(bad)}")
    print(f"ok   {label}: {len(cronjobs)} CronJobs hardened (non-root, read-only, no capabilities, Forbid)")


def env_of(cj):
    return {e["name"]: e for e in pod(cj)["containers"][0]["env"]}


def cron(docs, suffix):
    found = [d for d in by_kind(docs, "CronJob") if d["metadata"]["name"].endswith(suffix)]
    if len(found) != 1:
        fail(f"expected one CronJob *{suffix}, found {[d['metadata']['name'] for d in by_kind(docs, 'CronJob')]}")
    return found[0]


def expect(cond, label, what):
    if not cond:
        fail(f"{label}: {what}")


def check_defaults(docs):
    label = "defaults"
    names = sorted(d["metadata"]["name"] for d in by_kind(docs, "CronJob"))
    expect(names == ["aims-dq-ingest", "aims-dq-monitor", "aims-dq-profile"], label, f"CronJobs {names}")
    for stage in ["profile", "ingest", "monitor"]:
        c = pod(cron(docs, stage))["containers"][0]
        expect(c["command"] == [f"/usr/local/bin/dq-{stage}"], label, f"{stage} command {c['command']}")
        expect("args" not in c, label, f"{stage} has args {c.get('args')}")
    ingest = cron(docs, "ingest")["spec"]["jobTemplate"]["spec"]
    expect("completionMode" not in ingest, label, "ingest is Indexed without sharding")
    sa = by_kind(docs, "ServiceAccount")
    expect(len(sa) == 1 and "annotations" not in sa[0]["metadata"], label, "one ServiceAccount without annotations")
    print(f"ok   {label}: profile, ingest, monitor CronJobs with the stage binaries")


def check_s3(docs):
    label = "s3-irsa"
    sa = by_kind(docs, "ServiceAccount")[0]
    expect(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::"), label, "IRSA annotation")
    env = env_of(cron(docs, "ingest"))
    expect(env["AIMS_DQ_BRONZE"]["value"] == "s3://acme-bronze/aims", label, "bronze root")
    expect(env["AIMS_DQ_PUSHGATEWAY_URL"]["value"].startswith("http://"), label, "pushgateway")
    hook = env["AIMS_DQ_SLACK_WEBHOOK_URL"]["valueFrom"]["secretKeyRef"]
    expect(hook["name"] == "aims-dq-webhooks" and hook["optional"] is True, label, "webhook from secret")
    expect(all("AWS_SECRET_ACCESS_KEY" != n for n in env), label, "no static AWS key with IRSA")
    print(f"ok   {label}: IRSA role on the ServiceAccount, S3 roots, webhooks from a Secret, Pushgateway")


def check_azure(docs):
    label = "azure-workload-identity"
    names = [d["metadata"]["name"] for d in by_kind(docs, "CronJob")]
    expect(names == ["aims-dq-run-all"], label, f"CronJobs {names}")
    cj = cron(docs, "run-all")
    c = pod(cj)["containers"][0]
    expect(c["command"] == ["/usr/local/bin/aims-dq"] and c["args"] == ["run-all", "--threshold", "90"], label, f"run-all args {c.get('args')}")
    labels = cj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    expect(labels.get("azure.workload.identity/use") == "true", label, "workload identity pod label")
    sa = by_kind(docs, "ServiceAccount")[0]
    expect("azure.workload.identity/client-id" in sa["metadata"]["annotations"], label, "client-id annotation")
    expect(env_of(cj)["AIMS_DQ_STATE"]["value"].startswith("abfss://"), label, "ADLS state root")
    print(f"ok   {label}: one run-all CronJob, workload identity label and annotation, abfss roots")


def check_sharded(docs):
    label = "sharded"
    cj = cron(docs, "ingest")
    job = cj["spec"]["jobTemplate"]["spec"]
    expect(job.get("completionMode") == "Indexed" and job["completions"] == 8 and job["parallelism"] == 4, label, f"Indexed job {job}")
    c = pod(cj)["containers"][0]
    expect(c["args"] == ["--shards", "8", "--fail-on-quarantine"], label, f"ingest args {c.get('args')}")
    expect(env_of(cj)["AIMS_DQ_SUITES"]["value"] == "/etc/aims-dq/suites", label, "suites from the ConfigMap")
    expect(pod(cj)["containers"][0]["envFrom"] == [{"secretRef": {"name": "aims-dq-credentials"}}], label, "credentials secret")
    claims = [v for v in pod(cj)["volumes"] if "persistentVolumeClaim" in v]
    expect(claims and claims[0]["persistentVolumeClaim"]["claimName"] == "aims-dq-data", label, "data claim")
    suites = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-suites")]
    expect(len(suites) == 1 and "aims_assets_validation.yml" in suites[0]["data"], label, "suites ConfigMap")
    print(f"ok   {label}: Indexed Job of 8 completions, --shards 8, suites ConfigMap, PVC, credentials Secret")


def check_schema_rejects():
    for values, why in [
        ({"sharding": {"enabled": True, "shards": 0}}, "zero shards"),
        ({"job": {"concurrencyPolicy": "Sometimes"}}, "unknown concurrencyPolicy"),
        ({"roots": {"bronze": "s3://b", "lake": "x"}}, "unknown root"),
        ({"metrics": {"pushgatewayUrl": "gateway:9091"}}, "pushgateway URL without scheme"),
        ({"unknownKey": 1}, "unknown top-level key"),
    ]:
        try:
            render(values)
        except helm.HelmError as e:
            if "schema" not in str(e):
                fail(f"values with {why}: refused, but not by the schema: {e}")
            continue
        fail(f"values with {why} were accepted by values.schema.json")
    print("ok   values.schema.json refuses 5 kinds of bad values")


def strip_helm(docs):
    """The chart's render without what only Helm adds (chart label, checksum)."""
    out = copy.deepcopy(docs)
    for d in out:
        for meta in [d["metadata"], *nested_metas(d)]:
            labels = meta.get("labels", {})
            labels.pop("helm.sh/chart", None)
            if labels.get("app.kubernetes.io/managed-by") == "Helm":
                labels["app.kubernetes.io/managed-by"] = "kustomize"
            ann = meta.get("annotations")
            if ann is not None:
                ann.pop("checksum/config", None)
                if not ann:
                    del meta["annotations"]
        d["metadata"].pop("namespace", None)
    return out


def nested_metas(d):
    if d["kind"] == "CronJob":
        jt = d["spec"]["jobTemplate"]
        return [jt["metadata"], jt["spec"]["template"]["metadata"]]
    return []


def base_file(d):
    kind = d["kind"].lower()
    name = d["metadata"]["name"].removeprefix("aims-dq-").removeprefix("aims-dq")
    return f"{kind}-{name}.yaml" if name else f"{kind}.yaml"


def load_base():
    docs = {}
    kustomization = yaml.safe_load(open(os.path.join(BASE, "kustomization.yaml")))
    for res in kustomization["resources"]:
        docs[res] = yaml.safe_load(open(os.path.join(BASE, res)))
    return kustomization, docs


def check_base(defaults, version, update):
    want = {base_file(d): d for d in strip_helm(defaults)}
    if update:
        os.makedirs(BASE, exist_ok=True)
        for f in glob.glob(os.path.join(BASE, "*.yaml")):
            if not f.endswith("kustomization.yaml"):
                os.unlink(f)
        for f, d in want.items():
            with open(os.path.join(BASE, f), "w") as out:
                out.write("# Generated from helm/aims-dq with its default values\n")
                out.write("# (tests/deploy/check_k8s.py --update); keep the two equal.\n")
                yaml.safe_dump(d, out, sort_keys=False)
    kustomization, have = load_base()
    if sorted(have) != sorted(want):
        fail(f"deploy/k8s/base lists {sorted(have)}, the chart renders {sorted(want)}; run check_k8s.py --update")
    for f in want:
        if have[f] != want[f]:
            fail(f"deploy/k8s/base/{f} differs from the chart's default render; run check_k8s.py --update")
    validate(list(have.values()), version, "deploy/k8s/base")
    print(f"ok   deploy/k8s/base equals the chart's default render ({len(have)} manifests)")
    return kustomization, have


def check_overlays(base, version):
    overlays = sorted(glob.glob(os.path.join(OVERLAYS, "*", "kustomization.yaml")))
    if not overlays:
        fail("no overlays in deploy/k8s/overlays")
    for k in overlays:
        folder = os.path.dirname(k)
        spec = yaml.safe_load(open(k))
        docs = copy.deepcopy(list(base.values()))
        for p in spec.get("patches", []):
            ops = yaml.safe_load(open(os.path.join(folder, p["path"])))
            t = p["target"]
            hits = [d for d in docs if d["kind"] == t["kind"] and d["metadata"]["name"] == t["name"]]
            if len(hits) != 1:
                fail(f"{folder}: patch {p['path']} targets {t}, which is not in the base")
            i = docs.index(hits[0])
            try:
                docs[i] = jsonpatch.apply_patch(hits[0], ops)
            except jsonpatch.JsonPatchException as e:
                fail(f"{folder}: patch {p['path']}: {e}")
        for extra in spec.get("resources", []):
            if not extra.startswith("../"):
                docs.append(yaml.safe_load(open(os.path.join(folder, extra))))
        for d in docs:
            if "namespace" in spec:
                d["metadata"]["namespace"] = spec["namespace"]
        validate(docs, version, folder)


def main():
    args = sys.argv[1:]
    update = "--update" in args
    args = [a for a in args if a != "--update"]
    version = args[0] if args else "1.35.0"
    lint = helm.lint(CHART)
    if lint["errors"] or any(m["severity"] > 1 for m in lint["messages"]):
        fail(f"helm lint: {lint}")
    print(f"ok   helm lint {CHART}: {len(lint['messages'])} info messages, no warnings or errors")
    defaults = render({})
    check_common(defaults, "defaults")
    check_defaults(defaults)
    validate(defaults, version, "chart defaults")
    checks = {"s3-irsa-values.yaml": check_s3, "azure-workload-identity-values.yaml": check_azure,
              "sharded-values.yaml": check_sharded}
    found = sorted(os.path.basename(f) for f in glob.glob(os.path.join(CHART, "ci", "*.yaml")))
    if sorted(checks) != found:
        fail(f"values files {found} and checks {sorted(checks)} differ")
    for f, check in checks.items():
        docs = render(yaml.safe_load(open(os.path.join(CHART, "ci", f))))
        check_common(docs, f)
        check(docs)
        validate(docs, version, f"chart with {f}")
    check_schema_rejects()
    _, base = check_base(defaults, version, update)
    check_overlays(base, version)
    # The rendered pipeline.yaml goes to the binary in the test that calls us.
    cm = [d for d in defaults if d["kind"] == "ConfigMap"][0]
    with open(os.environ.get("AIMS_DQ_RENDERED_CONFIG", "/dev/null"), "w") as f:
        f.write(cm["data"]["pipeline.yaml"])


if __name__ == "__main__":
    main()
