//! Every root on real object stores: moto's S3 server and Azurite, started
//! by `scripts/test` (`scripts/test-services`), plus local disk. The whole
//! pipeline, concurrent sharded ingests, `kill -9` at random points, and a
//! store that stops answering mid-run. Without the servers the test says it
//! skipped, unless `AIMS_DQ_REQUIRE_SERVICES` is set, when it fails.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aims_dq::store::Store;
use serde_json::Value;

use common::{Run, Workspace};

/// One place to put roots: a URL prefix on a server, or local folders.
#[derive(Clone)]
struct Backend {
    name: &'static str,
    /// `None` for local disk.
    base: Option<String>,
}

fn backends() -> Vec<Backend> {
    let mut out = vec![Backend {
        name: "local",
        base: None,
    }];
    for (name, var) in [("s3", "AIMS_DQ_TEST_S3"), ("azure", "AIMS_DQ_TEST_AZURE")] {
        match std::env::var(var) {
            Ok(base) => out.push(Backend {
                name,
                base: Some(base),
            }),
            Err(_) => {
                assert!(
                    std::env::var_os("AIMS_DQ_REQUIRE_SERVICES").is_none(),
                    "{var} is not set but AIMS_DQ_REQUIRE_SERVICES is: run scripts/test"
                );
                eprintln!("SKIPPED {name}: {var} is not set (scripts/test starts the server)");
            }
        }
    }
    out
}

fn unique(label: &str) -> String {
    format!(
        "{label}-{}-{:x}",
        std::process::id(),
        aims_dq::util::random_u64() & 0xffff_ffff
    )
}

/// A workspace whose roots live on a backend, each run under a fresh prefix.
struct Site {
    ws: Workspace,
    roots: BTreeMap<&'static str, String>,
}

const ROOTS: [&str; 5] = ["bronze", "suites", "state", "quarantine", "silver"];

impl Site {
    fn new(backend: &Backend, label: &str) -> Site {
        Site::with(backend, label, &[])
    }

    /// `local_roots` stay on local disk whatever the backend (mixed setups).
    fn with(backend: &Backend, label: &str, local_roots: &[&str]) -> Site {
        let ws = Workspace::new();
        let prefix = unique(label);
        let roots: BTreeMap<&'static str, String> = ROOTS
            .iter()
            .map(|r| {
                let url = match &backend.base {
                    Some(base) if !local_roots.contains(r) => format!("{base}/{prefix}/{r}"),
                    _ => ws.path(r).to_string_lossy().into_owned(),
                };
                (*r, url)
            })
            .collect();
        let site = Site { ws, roots };
        site.write_config("");
        site
    }

    fn write_config(&self, extra: &str) {
        let mut text = String::new();
        for (k, v) in &self.roots {
            text.push_str(&format!("{k}: {v}\n"));
        }
        text.push_str(extra);
        std::fs::write(self.ws.config(), text).unwrap();
    }

    fn store(&self, root: &str) -> Store {
        Store::open(&self.roots[root], true).unwrap()
    }

    /// The binary with the test servers' endpoints and credentials.
    fn command(&self) -> Command {
        let mut c = self.ws.command("aims-dq");
        common::with_cloud_env(&mut c);
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command().args(args).output().unwrap())
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// The tests of this file share the servers and, in one case, the process
/// environment: they run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Writes sample data locally and uploads it to the site's bronze root.
fn upload_sample(site: &Site, tables: &[&str]) -> Vec<String> {
    let local = site.ws.path("sample");
    let _ = std::fs::remove_dir_all(&local);
    let mut args = vec!["sample", "--out", local.to_str().unwrap()];
    for t in tables {
        args.extend(["--table", t]);
    }
    let r = site.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    upload(site, &local, "bronze")
}

fn upload(site: &Site, local: &std::path::Path, root: &str) -> Vec<String> {
    common::upload_dir(local, &site.roots[root])
}

/// Everything a check needs to know about a site's state, read through the store.
struct Snapshot {
    bronze: BTreeSet<String>,
    quarantine: BTreeSet<String>,
    watermarks: BTreeSet<String>,
    /// Per run's segment: the paths it logged, in order.
    segments: Vec<Vec<(String, String)>>,
    /// Latest status per path.
    latest: BTreeMap<String, String>,
}

fn snapshot(site: &Site) -> Snapshot {
    rt().block_on(async {
        let keys = |store: Store| async move {
            store
                .list("")
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.key)
                .collect::<BTreeSet<String>>()
        };
        let bronze = keys(site.store("bronze")).await;
        let quarantine = keys(site.store("quarantine")).await;
        let state = site.store("state");
        let watermarks = match state.get("watermarks.json").await.unwrap() {
            Some(b) => {
                let v: Value = serde_json::from_slice(&b).unwrap();
                v["files"].as_object().unwrap().keys().cloned().collect()
            }
            None => BTreeSet::new(),
        };
        let mut segments = Vec::new();
        let mut records: Vec<(String, String, String)> = Vec::new();
        for e in state.list("dq_logs").await.unwrap() {
            let text =
                String::from_utf8(state.get(&e.key).await.unwrap().unwrap().to_vec()).unwrap();
            let mut seg = Vec::new();
            for line in text.lines().filter(|l| !l.is_empty()) {
                let v: Value = serde_json::from_str(line).unwrap();
                let path = v["path"].as_str().unwrap().to_string();
                let status = v["status"].as_str().unwrap().to_string();
                records.push((
                    v["timestamp"].as_str().unwrap().to_string(),
                    path.clone(),
                    status.clone(),
                ));
                seg.push((path, status));
            }
            segments.push(seg);
        }
        records.sort();
        let latest = records.into_iter().map(|(_, p, s)| (p, s)).collect();
        Snapshot {
            bronze,
            quarantine,
            watermarks,
            segments,
            latest,
        }
    })
}

/// The invariant after any run that was allowed to finish: every file in
/// exactly one place (in bronze with a watermark, or in quarantine with its
/// sidecar), with a log line; nothing lost, nothing counted twice.
fn assert_each_file_in_one_place(site: &Site, files: &[String], context: &str) {
    let s = snapshot(site);
    let parquet_in_quarantine: Vec<&String> = s
        .quarantine
        .iter()
        .filter(|k| k.ends_with(".parquet"))
        .collect();
    for q in &parquet_in_quarantine {
        assert!(
            s.quarantine.contains(&format!("{q}.dq.json")),
            "{context}: quarantined {q} has no sidecar"
        );
    }
    assert!(
        !s.quarantine
            .iter()
            .chain(&s.bronze)
            .any(|k| k.ends_with(".dq-partial")),
        "{context}: a partial copy was left"
    );
    for f in files {
        let stem = f.strip_suffix(".parquet").unwrap_or(f);
        let copies = parquet_in_quarantine
            .iter()
            .filter(|q| **q == f || q.starts_with(&format!("{stem}.")))
            .count();
        let in_bronze = s.bronze.contains(f);
        let status = s
            .latest
            .get(f)
            .unwrap_or_else(|| panic!("{context}: {f} has no log line"));
        if in_bronze {
            assert_eq!(copies, 0, "{context}: {f} is in bronze and in quarantine");
            assert!(
                s.watermarks.contains(f),
                "{context}: {f} in bronze without a watermark"
            );
            assert_eq!(status, "PASSED", "{context}: {f}");
        } else {
            assert_eq!(copies, 1, "{context}: {f} is in quarantine {copies} times");
            assert!(
                status == "FAILED" || status == "ERROR",
                "{context}: {f} {status}"
            );
        }
    }
    for seg in &s.segments {
        let paths: BTreeSet<&String> = seg.iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths.len(),
            seg.len(),
            "{context}: a run logged a file twice"
        );
    }
}

fn profile_and_share_suites(site: &Site) {
    let r = site.run(&["profile"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn the_pipeline_runs_on_every_backend_and_mixed() {
    let _serial = serial();
    let mut sites: Vec<(String, Site)> = Vec::new();
    for b in backends().into_iter().filter(|b| b.base.is_some()) {
        sites.push((b.name.to_string(), Site::new(&b, "pipeline")));
        // Mixed: bronze (and quarantine) in the cloud, state on local disk.
        sites.push((
            format!("{} + local state", b.name),
            Site::with(&b, "mixed", &["state", "suites"]),
        ));
    }
    for (name, site) in &sites {
        let files = upload_sample(site, &[]);
        assert_eq!(files.len(), 76);
        let r = site.run(&["run-all"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(
            r.stdout.contains("76 files found, 0 already processed, 76 validated: 69 passed, 5 failed, 2 errors, 0 without suite; 7 quarantined"),
            "{name}: {}",
            r.stdout
        );
        assert!(
            r.stdout
                .contains(&format!("Report: {}", site.roots["state"])),
            "{name}: {}",
            r.stdout
        );
        assert_each_file_in_one_place(site, &files, name);
        // A second run finds everything done.
        let r = site.run(&["ingest"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(
            r.stdout
                .contains("69 files found, 69 already processed, 0 validated"),
            "{name}: {}",
            r.stdout
        );
        // Ranged reads: a suite on one column of a wide table fetches a fraction of it.
        let one = site.ws.path("one_column.yml");
        std::fs::write(
            &one,
            "expectations:\n- expectation_type: expect_column_values_to_not_be_null\n  kwargs: {column: ID}\n",
        )
        .unwrap();
        let file = format!("{}/aims_assets.parquet", site.roots["bronze"]);
        let r = site.run(&[
            "validate",
            &file,
            "--suite",
            one.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let doc: Value = serde_json::from_str(&r.stdout).unwrap();
        let (fetched, size) = (
            doc["meta"]["bytes_fetched"].as_u64().unwrap(),
            doc["meta"]["file_bytes"].as_u64().unwrap(),
        );
        eprintln!("{name}: one column of aims_assets.parquet: {fetched} of {size} bytes fetched");
        assert!(fetched < size / 2, "{name}: fetched {fetched} of {size}");
    }
}

const SUBSET: [&str; 8] = [
    "aims_assets",
    "aims_links",
    "aims_routes",
    "aims_organisations",
    "aims_people",
    "aims_consents",
    "aims_tracks",
    "aims_attributedomains",
];

#[test]
fn four_sharded_ingests_process_each_file_once() {
    let _serial = serial();
    for b in backends() {
        let site = Site::new(&b, "shards");
        let files = upload_sample(&site, &SUBSET);
        profile_and_share_suites(&site);
        let children: Vec<Child> = (0..4)
            .map(|i| site.spawn(&["ingest", "--shard", &format!("{i}/4")]))
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}: {}",
                b.name,
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let s = snapshot(&site);
        let logged: Vec<&String> = s.segments.iter().flatten().map(|(p, _)| p).collect();
        assert_eq!(
            logged.len(),
            files.len(),
            "{}: every file logged exactly once",
            b.name
        );
        assert_eq!(
            s.watermarks.len(),
            files.len(),
            "{}: a watermark per file",
            b.name
        );
        assert_eq!(s.segments.len(), 4, "{}: one log segment per shard", b.name);
        assert_each_file_in_one_place(&site, &files, b.name);
    }
}

/// Runs ingest and kills it with SIGKILL after `delay`; true when it was
/// still running then.
fn ingest_killed_after(site: &Site, delay: Duration) -> bool {
    let mut child = site.spawn(&["ingest", "--workers", "2"]);
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    true
}

#[test]
fn kill_9_at_random_points_loses_nothing() {
    let _serial = serial();
    let trials: usize = std::env::var("AIMS_DQ_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    for b in backends() {
        // Suites profiled once, shared by every trial.
        let origin = Site::new(&b, "crash-suites");
        upload_sample(&origin, &SUBSET);
        profile_and_share_suites(&origin);
        // How long an uninterrupted ingest takes here: kills land inside it.
        let probe = Site::new(&b, "crash-probe");
        let mut probe_site = probe;
        probe_site
            .roots
            .insert("suites", origin.roots["suites"].clone());
        probe_site.write_config("");
        upload_sample(&probe_site, &SUBSET);
        let t = Instant::now();
        assert_eq!(probe_site.run(&["ingest", "--workers", "2"]).code, 0);
        let full = t.elapsed();
        let mut killed = 0;
        for trial in 0..trials {
            let mut site = Site::new(&b, "crash");
            site.roots.insert("suites", origin.roots["suites"].clone());
            site.write_config("");
            let files = upload_sample(&site, &SUBSET);
            let delay = full.mul_f64((aims_dq::util::random_u64() % 1000) as f64 / 1000.0);
            if ingest_killed_after(&site, delay) {
                killed += 1;
            }
            let r = site.run(&["ingest"]);
            assert_eq!(r.code, 0, "{} trial {trial}: {}", b.name, r.stderr);
            assert_each_file_in_one_place(
                &site,
                &files,
                &format!("{} trial {trial} (kill after {delay:?})", b.name),
            );
        }
        eprintln!("{}: {trials} trials, {killed} killed mid-run (full run {full:?}), invariant held in all", b.name);
        assert!(
            killed >= trials / 2,
            "{}: only {killed} of {trials} kills landed mid-run",
            b.name
        );
    }
}

/// Sets a variable of this process until dropped (even when the test
/// fails), then puts the old value back; the tests of this file are serial.
struct EnvOverride {
    name: &'static str,
    old: Option<std::ffi::OsString>,
}

impl EnvOverride {
    fn set(name: &'static str, value: &str) -> EnvOverride {
        let old = std::env::var_os(name);
        std::env::set_var(name, value);
        EnvOverride { name, old }
    }
}

impl Drop for EnvOverride {
    fn drop(&mut self) {
        match &self.old {
            Some(v) => std::env::set_var(self.name, v),
            None => std::env::remove_var(self.name),
        }
    }
}

/// A server process that goes when the test does, pass or fail.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free local port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_store_that_stops_answering_fails_clearly_and_recovers() {
    let _serial = serial();
    let Ok(moto) = std::env::var("AIMS_DQ_TEST_MOTO_SERVER") else {
        assert!(
            std::env::var_os("AIMS_DQ_REQUIRE_SERVICES").is_none(),
            "AIMS_DQ_TEST_MOTO_SERVER is not set"
        );
        eprintln!("SKIPPED: AIMS_DQ_TEST_MOTO_SERVER is not set (scripts/test provides moto)");
        return;
    };
    // A server of this test's own, so that it can be frozen and thawed.
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let server = KillOnDrop(
        Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let up = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(up.elapsed() < Duration::from_secs(30), "moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Bucket creation: one plain HTTP request.
    {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "PUT /frozen HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    let backend = Backend {
        name: "s3 (own server)",
        base: Some("s3://frozen".into()),
    };
    let site = Site::new(&backend, "freeze");
    // Short timeouts so the test does not wait minutes.
    let storage = "storage:\n  request_retries: 1\n  retry_timeout_seconds: 2\n  timeout_seconds: 2\n  connect_timeout_seconds: 1\nretries: 0\n";
    site.write_config(storage);
    let with_endpoint = |c: &mut Command| {
        c.env("AWS_ENDPOINT_URL", &endpoint);
    };
    let _endpoint = EnvOverride::set("AWS_ENDPOINT_URL", &endpoint);
    let files = upload_sample(&site, &SUBSET);
    let mut c = site.command();
    with_endpoint(&mut c);
    assert_eq!(Run::from(c.args(["profile"]).output().unwrap()).code, 0);

    // Freeze the server once ingest is under way.
    let mut c = site.command();
    with_endpoint(&mut c);
    let child = c
        .args(["ingest", "--workers", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    let o = child.wait_with_output().unwrap();
    let r = Run::from(o);
    assert_ne!(
        r.code, 0,
        "a run against a frozen store must not succeed: {}",
        r.stdout
    );
    let errors: Vec<Value> = r
        .log_lines()
        .into_iter()
        .filter(|l| l["level"] == "ERROR")
        .collect();
    assert!(!errors.is_empty(), "no ERROR line: {}", r.stderr);
    assert!(
        errors.iter().any(|e| {
            let m = e.to_string();
            m.contains("s3://frozen") || m.contains("storage")
        }),
        "the errors name the store: {errors:?}"
    );

    // Back again: no file is lost (each is still in bronze, or quarantined
    // with its sidecar; a copy whose sidecar could not be written is an
    // interrupted move that the next run redoes), and a re-run completes.
    assert!(Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    let s = snapshot(&site);
    for f in &files {
        let quarantined =
            s.quarantine.contains(f) && s.quarantine.contains(&format!("{f}.dq.json"));
        assert!(
            s.bronze.contains(f) || quarantined,
            "{f} is neither in bronze nor quarantined with its sidecar"
        );
    }
    let mut c = site.command();
    with_endpoint(&mut c);
    let r = Run::from(c.args(["ingest"]).output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_each_file_in_one_place(&site, &files, "after the store came back");
}
