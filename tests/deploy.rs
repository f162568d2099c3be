//! Shipping: the stage summary for orchestrators, the multi-call binary, the
//! Helm chart and Kubernetes manifests (tests/deploy/check_k8s.py), the
//! Airflow DAGs in real Airflow (tests/dags/test_dagbag.py), the Dockerfile
//! (hadolint) and the image built and run with podman.
//!
//! The tools come from `scripts/test` (virtualenvs, podman, the static build
//! and image); without them each test says it skipped, unless
//! `AIMS_DQ_REQUIRE_SERVICES` is set.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use common::{Run, Workspace};

fn tool(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var_os("AIMS_DQ_REQUIRE_SERVICES").is_none(),
                "{var} is not set but AIMS_DQ_REQUIRE_SERVICES is: run scripts/test"
            );
            eprintln!("SKIPPED: {var} is not set, so {what} cannot run (scripts/test sets it up)");
            None
        }
    }
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn run(c: &mut Command) -> Run {
    Run::from(c.output().expect("start command"))
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("summary file")).expect("json")
}

#[test]
fn run_all_writes_one_summary_of_every_stage_when_asked() {
    let ws = Workspace::with_demo(true);
    let path = ws.path("summary.json");
    let r = ws.run(&["run-all", "--summary-file", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = read_json(&path);
    let stages: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(stages, ["profile", "ingest", "monitor"]);
    assert_eq!(doc["profile"]["exit_code"], 0);
    assert!(doc["profile"]["suites_written"].as_u64().unwrap() >= 60);
    let ingest = &doc["ingest"];
    let records = ws.log_records();
    let count = |s: &str| records.iter().filter(|r| r["status"] == s).count() as u64;
    assert_eq!(ingest["passed"].as_u64(), Some(count("PASSED")));
    assert_eq!(ingest["failed"].as_u64(), Some(count("FAILED")));
    assert_eq!(ingest["errors"].as_u64(), Some(count("ERROR")));
    let quarantined: Vec<&str> = ingest["quarantined_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        quarantined.len() as u64,
        ingest["quarantined"].as_u64().unwrap()
    );
    assert!(!quarantined.is_empty());
    for f in &quarantined {
        assert!(!ws.bronze().join(f).exists(), "{f} still in bronze");
    }
    let not_passed = ingest["not_passed"].as_array().unwrap();
    assert!(not_passed
        .iter()
        .all(|p| p["status"] != "PASSED" && !p["reason"].as_str().unwrap().is_empty()));
    assert_eq!(doc["monitor"]["exit_code"], 0);
    assert!(doc["monitor"]["report"]
        .as_str()
        .unwrap()
        .contains("dq_report_"));

    // A second, single-stage process writes only its own stage.
    let r = ws.run_bin("dq-ingest", &["--summary-file", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = read_json(&path);
    assert_eq!(doc.as_object().unwrap().len(), 1);
    assert_eq!(doc["ingest"]["validated"], 0);
    assert!(doc["ingest"]["already_processed"].as_u64().unwrap() > 0);
}

#[test]
fn a_summary_file_that_cannot_be_written_warns_and_changes_nothing_else() {
    let ws = Workspace::with_demo(false);
    let path = ws.path("no/such/folder/summary.json");
    let r = ws.run(&["run-all", "--summary-file", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let warnings: Vec<String> = r
        .log_lines()
        .iter()
        .filter(|l| l["level"] == "WARN")
        .map(|l| l["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(warnings.len(), 3, "one warning per stage: {warnings:?}");
    assert!(
        warnings[0].contains("could not write the summary") && warnings[0].contains("summary.json"),
        "{warnings:?}"
    );
    assert!(!ws.log_records().is_empty(), "the run itself went on");
}

#[test]
fn the_binary_called_by_a_stage_name_is_that_stage() {
    let dir = tempfile::tempdir().unwrap();
    for stage in ["dq-profile", "dq-ingest", "dq-monitor"] {
        let link = dir.path().join(stage);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_aims-dq"), &link).unwrap();
        let r = run(Command::new(&link).arg("--help"));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains(&format!("Usage: {stage} [OPTIONS]")),
            "{}",
            r.stdout
        );
        assert!(!r.stdout.contains("run-all"), "{stage} lists subcommands");
    }
    let r = run(Command::new(env!("CARGO_BIN_EXE_aims-dq")).arg("--help"));
    assert!(r.stdout.contains("run-all"));
}

#[test]
fn helm_chart_and_kubernetes_manifests_render_and_validate() {
    let Some(python) = tool("AIMS_DQ_K8S_PYTHON", "the Helm and manifest checks") else {
        return;
    };
    let ws = Workspace::with_demo(false);
    let rendered = ws.path("rendered-pipeline.yaml");
    let venv_bin = Path::new(&python).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        venv_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let r = run(Command::new(&python)
        .arg(repo("tests/deploy/check_k8s.py"))
        .arg(KUBERNETES_VERSION)
        .current_dir(repo(""))
        .env("PATH", path)
        .env("AIMS_DQ_RENDERED_CONFIG", &rendered));
    println!("{}", r.stdout);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("deploy/k8s/overlays/sharded-pvc"));

    // The chart's pipeline.yaml is one the binary accepts (roots come from
    // the pod's AIMS_DQ_* variables, here the workspace's).
    let r = run(ws
        .command("aims-dq")
        .env("AIMS_DQ_CONFIG", &rendered)
        .env("AIMS_DQ_BRONZE", ws.bronze())
        .env("AIMS_DQ_SUITES", ws.suites())
        .env("AIMS_DQ_STATE", ws.state())
        .env("AIMS_DQ_QUARANTINE", ws.quarantine())
        .args(["profile", "--dry-run"]));
    assert_eq!(r.code, 0, "rendered config refused: {}", r.stderr);
    assert!(r.stdout.contains("would write 68 suites"), "{}", r.stdout);
}

/// The Kubernetes version the manifests are validated against.
const KUBERNETES_VERSION: &str = "1.35.0";

#[test]
fn dockerfile_is_hadolint_clean() {
    let Some(python) = tool("AIMS_DQ_K8S_PYTHON", "hadolint") else {
        return;
    };
    let hadolint = Path::new(&python).parent().unwrap().join("hadolint");
    let r = run(Command::new(hadolint).arg(repo("Dockerfile")));
    assert_eq!(r.code, 0, "hadolint:\n{}{}", r.stdout, r.stderr);
}

#[test]
fn airflow_imports_the_dags_and_their_arguments_run() {
    let Some(python) = tool("AIMS_DQ_AIRFLOW_PYTHON", "the Airflow DAG tests") else {
        return;
    };
    let ws = Workspace::with_demo(true);
    let r = ws.run(&["profile"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let home = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_dq-ingest")).parent().unwrap();
    let mut c = Command::new(&python);
    c.arg(repo("tests/dags/test_dagbag.py"))
        .env("AIRFLOW_HOME", home.path())
        .env("AIMS_DQ_BIN", bin)
        .env("AIMS_DQ_DATA", ws.dir.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("AIMS_DQ_") && k != "AIMS_DQ_BIN" && k != "AIMS_DQ_DATA" {
            c.env_remove(k);
        }
    }
    let r = run(&mut c);
    println!("{}", r.stdout);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("skip"), "{}", r.stdout);
    assert!(
        r.stdout.contains("4 shard summaries add up"),
        "{}",
        r.stdout
    );
    // Dry runs moved nothing.
    assert!(!ws.quarantine().exists() || common::files_under(&ws.quarantine()).is_empty());
}

/// `podman` with the options `scripts/podman-env` chose.
fn podman() -> Option<Command> {
    let cmd = tool("AIMS_DQ_PODMAN", "podman")?;
    let mut parts = cmd.split_whitespace();
    let mut c = Command::new(parts.next()?);
    c.args(parts);
    Some(c)
}

fn in_image(image: &str, entry: &str, args: &[&str]) -> Run {
    let mut c = podman().unwrap();
    c.args(["run", "--rm", "--read-only", "--read-only-tmpfs=false"])
        .args(["--user", "65532:65532", "--network", "none"])
        .args(["--entrypoint", &format!("/usr/local/bin/{entry}"), image])
        .args(args);
    run(&mut c)
}

#[test]
fn static_binaries_and_an_image_of_only_them() {
    let (Some(image), Some(bin)) = (
        tool("AIMS_DQ_IMAGE", "the container tests"),
        tool("AIMS_DQ_STATIC_BIN", "the static binary checks"),
    ) else {
        return;
    };
    for b in ["aims-dq", "dq-profile", "dq-ingest", "dq-monitor"] {
        let path = Path::new(&bin).join(b);
        let r = run(Command::new("ldd").arg(&path));
        let text = format!("{}{}", r.stdout, r.stderr);
        assert!(
            text.contains("statically linked") || text.contains("not a dynamic executable"),
            "{b}: ldd says {text}"
        );
        let size = std::fs::metadata(&path).unwrap().len();
        println!("{b}: {size} bytes, ldd: {}", text.trim());
    }

    // What the image holds: the binary, its three stage names, the CA bundle.
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("fs.tar");
    let r = run(podman()
        .unwrap()
        .args(["create", "--name"])
        .arg(format!("aims-dq-export-{}", std::process::id()))
        .arg(&image));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let id = r.stdout.trim().to_string();
    let r = run(podman().unwrap().args(["export", "-o"]).arg(&tar).arg(&id));
    assert_eq!(r.code, 0, "{}", r.stderr);
    run(podman().unwrap().args(["rm", &id]));
    let r = run(Command::new("tar").arg("-tvf").arg(&tar));
    let files: Vec<String> = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with('d'))
        .map(|l| {
            let name = l.split_whitespace().skip(5).collect::<Vec<_>>().join(" ");
            name
        })
        .filter(|n| {
            !n.starts_with("dev/")
                && !n.starts_with("proc/")
                && !n.starts_with("run/")
                && !n.starts_with("etc/hosts")
                && !n.starts_with("etc/hostname")
                && !n.starts_with("etc/resolv.conf")
        })
        .collect();
    println!("image files: {files:?}");
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(files
        .iter()
        .any(|f| f == "etc/ssl/certs/ca-certificates.crt"));
    assert!(files.iter().any(|f| f == "usr/local/bin/aims-dq"));
    for s in ["dq-profile", "dq-ingest", "dq-monitor"] {
        assert!(
            files
                .iter()
                .any(|f| f == &format!("usr/local/bin/{s} -> aims-dq")),
            "{s} is not a link to aims-dq: {files:?}"
        );
    }
    let r = run(podman()
        .unwrap()
        .args(["image", "inspect", "--format", "{{.Size}} {{.Config.User}} {{index .Config.Labels \"org.opencontainers.image.title\"}}"])
        .arg(&image));
    println!("image size, user, title: {}", r.stdout.trim());
    assert!(
        r.stdout.trim().ends_with("65532:65532 aims-dq"),
        "{}",
        r.stdout
    );

    // Every binary starts in it: read-only root, no tmp, user 65532, no network.
    for b in ["aims-dq", "dq-profile", "dq-ingest", "dq-monitor"] {
        for flag in ["--version", "--help"] {
            let r = in_image(&image, b, &[flag]);
            assert_eq!(r.code, 0, "{b} {flag}: {}", r.stderr);
            assert!(r.stdout.contains(b), "{b} {flag}: {}", r.stdout);
        }
    }
}

/// A workspace the container's user 65532 may write in, with a config whose
/// roots are where the workspace is mounted (/data).
fn container_workspace(deliveries: bool) -> Workspace {
    let ws = Workspace::with_demo(deliveries);
    let text = "bronze: /data/bronze\nsuites: /data/suites\nstate: /data/state\nquarantine: /data/quarantine\nsilver: /data/silver\n";
    std::fs::write(ws.path("container.yaml"), text).unwrap();
    let r = run(Command::new("chmod")
        .arg("-R")
        .arg("a+rwX")
        .arg(ws.dir.path()));
    assert_eq!(r.code, 0);
    ws
}

#[test]
fn run_all_inside_the_container_on_mounted_data_and_on_s3() {
    let Some(image) = tool("AIMS_DQ_IMAGE", "the container tests") else {
        return;
    };
    let ws = container_workspace(true);
    let host = ws.run(&["sample", "--out", ws.path("expected").to_str().unwrap()]);
    assert_eq!(host.code, 0);
    let mut c = podman().unwrap();
    c.args(["run", "--rm", "--read-only", "--read-only-tmpfs=false"])
        .args(["--user", "65532:65532", "--network", "none"])
        .arg("-v")
        .arg(format!("{}:/data", ws.dir.path().display()))
        .args(["-e", "AIMS_DQ_CONFIG=/data/container.yaml"])
        .args([&image, "run-all", "--summary-file", "/data/summary.json"]);
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    println!("{}", r.stdout);
    let doc = read_json(&ws.path("summary.json"));
    assert_eq!(doc["profile"]["suites_written"], 68);
    let q = doc["ingest"]["quarantined"].as_u64().unwrap();
    assert!(
        q > 0 && doc["ingest"]["passed"].as_u64().unwrap() > 60,
        "{doc}"
    );
    assert_eq!(
        common::files_under(&ws.quarantine())
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .count() as u64,
        q
    );
    assert!(
        ws.latest_report()["summary"]["latest"]["files"]
            .as_u64()
            .unwrap()
            > 60
    );
    // JSON log lines on stderr (the image's default), as a log collector wants.
    assert!(!r.log_lines().is_empty(), "{}", r.stderr);

    // The same image against moto's S3 over the host network.
    let Some(base) = tool("AIMS_DQ_TEST_S3", "the container's S3 run") else {
        return;
    };
    let prefix = format!(
        "{base}/container-{}-{:x}",
        std::process::id(),
        aims_dq::util::random_u64() & 0xffff
    );
    let local = ws.path("s3-sample");
    let r = ws.run(&[
        "sample",
        "--out",
        local.to_str().unwrap(),
        "--table",
        "aims_assets",
        "--table",
        "aims_links",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let uploaded = common::upload_dir(&local, &format!("{prefix}/bronze"));
    let mut c = podman().unwrap();
    c.args(["run", "--rm", "--read-only", "--read-only-tmpfs=false"])
        .args(["--user", "65532:65532", "--network", "host"]);
    for (k, v) in std::env::vars() {
        if common::is_cloud_var(&k) {
            c.arg("-e").arg(format!("{k}={v}"));
        }
    }
    for root in ["bronze", "suites", "state", "quarantine", "silver"] {
        c.arg("-e")
            .arg(format!("AIMS_DQ_{}={prefix}/{root}", root.to_uppercase()));
    }
    c.args([&image, "run-all"]);
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    println!("{}", r.stdout);
    assert!(r.stdout.contains("wrote 2 suites"), "{}", r.stdout);
    let store = aims_dq::store::Store::open(&format!("{prefix}/state"), true).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let marks = rt
        .block_on(store.get("watermarks.json"))
        .unwrap()
        .expect("watermarks on S3");
    let marks: Value = serde_json::from_slice(&marks).unwrap();
    let marked = marks["files"].as_object().expect("files").len();
    assert_eq!(marked, uploaded.len(), "watermarks for every uploaded file");
}

#[test]
fn the_adf_custom_activity_wrapper_runs_a_stage_from_activity_json() {
    // The pipeline: WebhookUrl → Profile → Ingest → Monitor, Monitor whatever
    // Ingest's outcome, every stage through run-stage.sh.
    let text = std::fs::read_to_string(repo("deploy/adf/pipeline.json")).unwrap();
    let pipeline: Value = serde_json::from_str(&text).expect("pipeline.json is JSON");
    let acts = pipeline["properties"]["activities"].as_array().unwrap();
    let by_name = |n: &str| acts.iter().find(|a| a["name"] == n).expect(n).clone();
    for (name, stage, after, cond) in [
        ("Profile", "profile", "WebhookUrl", "Succeeded"),
        ("Ingest", "ingest", "Profile", "Succeeded"),
        ("Monitor", "monitor", "Ingest", "Completed"),
    ] {
        let a = by_name(name);
        assert_eq!(a["type"], "Custom");
        assert_eq!(
            a["typeProperties"]["command"],
            format!("sh run-stage.sh {stage}")
        );
        assert_eq!(a["dependsOn"][0]["activity"], after);
        assert_eq!(a["dependsOn"][0]["dependencyConditions"][0], cond);
        assert_eq!(a["policy"]["secureInput"], true, "{name} hides its inputs");
    }
    assert_eq!(by_name("WebhookUrl")["policy"]["secureOutput"], true);

    // The wrapper on a node: activity.json's extendedProperties become the
    // stage's environment, the summary lands in outputs.json.
    let ws = Workspace::with_demo(true);
    let node = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo("deploy/adf/run-stage.sh"),
        node.path().join("run-stage.sh"),
    )
    .unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_aims-dq"), node.path().join("aims-dq")).unwrap();
    let props = serde_json::json!({
        "AIMS_DQ_BRONZE": ws.bronze(),
        "AIMS_DQ_SUITES": ws.suites(),
        "AIMS_DQ_STATE": ws.state(),
        "AIMS_DQ_QUARANTINE": ws.quarantine(),
        "AIMS_DQ_THRESHOLD": "100",
        "AIMS_DQ_FORCE": "False",
        "AIMS_DQ_DRY_RUN": "False",
        "AIMS_DQ_TEAMS_WEBHOOK_URL": {"type": "SecureString", "value": ""},
        "NOT_OURS": "ignored; $(touch injected)",
        "AIMS_DQ_BAD NAME": "x",
    });
    let activity =
        serde_json::json!({"name": "Ingest", "typeProperties": {"extendedProperties": props}});
    std::fs::write(node.path().join("activity.json"), activity.to_string()).unwrap();
    for stage in ["profile", "ingest"] {
        let mut c = Command::new("sh");
        c.arg("run-stage.sh").arg(stage).current_dir(node.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("AIMS_DQ_") || common::is_cloud_var(&k) {
                c.env_remove(k);
            }
        }
        // No config file on the node: everything comes from activity.json.
        let r = run(&mut c);
        assert_eq!(r.code, 0, "{stage}: {}\n{}", r.stdout, r.stderr);
        let out = read_json(&node.path().join("outputs.json"));
        assert_eq!(out[stage]["exit_code"], 0, "{out}");
    }
    let out = read_json(&node.path().join("outputs.json"));
    assert!(out["ingest"]["quarantined"].as_u64().unwrap() > 0, "{out}");
    assert_eq!(
        ws.log_records().len() as u64,
        out["ingest"]["validated"].as_u64().unwrap()
    );
    assert!(!node.path().join("injected").exists());
}
