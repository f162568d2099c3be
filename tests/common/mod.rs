//! Shared helpers: a workspace in a temporary folder with its own roots,
//! the real binaries, and the shared corpus when it is present.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub struct Workspace {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Log lines (JSON, as the binary writes when stderr is not a terminal).
    pub fn log_lines(&self) -> Vec<Value> {
        self.stderr
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Workspace {
    /// An empty workspace with a config whose roots all live inside it.
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = Workspace { dir };
        std::fs::create_dir_all(ws.bronze()).unwrap();
        ws.write_config("");
        ws
    }

    /// A workspace with the demo sample (and its defective deliveries).
    pub fn with_demo(deliveries: bool) -> Workspace {
        let ws = Workspace::new();
        aims_dq::sample::generate(&ws.bronze(), aims_dq::sample::Scale::Demo, deliveries)
            .expect("sample");
        ws
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn bronze(&self) -> PathBuf {
        self.path("bronze")
    }
    pub fn suites(&self) -> PathBuf {
        self.path("suites")
    }
    pub fn state(&self) -> PathBuf {
        self.path("state")
    }
    pub fn quarantine(&self) -> PathBuf {
        self.path("quarantine")
    }
    pub fn silver(&self) -> PathBuf {
        self.path("silver")
    }
    pub fn config(&self) -> PathBuf {
        self.path("pipeline.yaml")
    }

    /// Writes the workspace config: roots inside the workspace, plus `extra` YAML.
    pub fn write_config(&self, extra: &str) {
        let d = self.dir.path().display();
        let text = format!(
            "bronze: {d}/bronze\nsuites: {d}/suites\nstate: {d}/state\nquarantine: {d}/quarantine\nsilver: {d}/silver\n{extra}"
        );
        std::fs::write(self.config(), text).unwrap();
    }

    pub fn command(&self, bin: &str) -> Command {
        let exe = match bin {
            "aims-dq" => env!("CARGO_BIN_EXE_aims-dq"),
            "dq-profile" => env!("CARGO_BIN_EXE_dq-profile"),
            "dq-ingest" => env!("CARGO_BIN_EXE_dq-ingest"),
            "dq-monitor" => env!("CARGO_BIN_EXE_dq-monitor"),
            other => panic!("unknown binary {other}"),
        };
        let mut c = Command::new(exe);
        c.current_dir(self.dir.path());
        // Nothing from the caller's environment may steer the run (storage
        // tests hand the cloud variables back with `with_cloud_env`).
        for (k, _) in std::env::vars() {
            if k.starts_with("AIMS_DQ_")
                || k == "JOB_COMPLETION_INDEX"
                || k == "RUST_LOG"
                || is_cloud_var(&k)
            {
                c.env_remove(k);
            }
        }
        c.env("AIMS_DQ_CONFIG", self.config());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_bin("aims-dq", args)
    }

    pub fn run_bin(&self, bin: &str, args: &[&str]) -> Run {
        Run::from(self.command(bin).args(args).output().expect("run binary"))
    }

    pub fn watermarks(&self) -> Value {
        let text = std::fs::read_to_string(self.state().join("watermarks.json"))
            .unwrap_or_else(|_| "{}".into());
        serde_json::from_str(&text).unwrap()
    }

    /// Every dq log line written so far.
    pub fn log_records(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for f in files_under(&self.state().join("dq_logs")) {
            for line in std::fs::read_to_string(&f).unwrap().lines() {
                out.push(serde_json::from_str(line).expect("log line is JSON"));
            }
        }
        out
    }

    pub fn latest_report(&self) -> Value {
        let mut reports: Vec<PathBuf> = files_under(&self.state().join("reports"))
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("dq_report_")
            })
            .collect();
        reports.sort();
        let last = reports.last().expect("a report was written");
        serde_json::from_str(&std::fs::read_to_string(last).unwrap()).unwrap()
    }

    /// path → bytes of every file in the workspace (except the config).
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        files_under(self.dir.path())
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p, bytes)
            })
            .collect()
    }
}

/// Copies every `*.parquet` file of `from` into `to`; returns their names.
pub fn copy_parquet(from: &Path, to: &Path) -> Vec<String> {
    std::fs::create_dir_all(to).unwrap();
    let mut names = Vec::new();
    for f in files_under(from) {
        if f.extension().is_some_and(|e| e == "parquet") {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            std::fs::copy(&f, to.join(&name)).unwrap();
            names.push(name);
        }
    }
    names
}

/// Variables that point a process at a cloud store or its credentials.
pub fn is_cloud_var(name: &str) -> bool {
    ["AWS_", "AZURE_", "AZURITE_", "GOOGLE_"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Gives a command the test process's cloud variables (endpoints and
/// credentials of the test servers).
pub fn with_cloud_env(c: &mut Command) -> &mut Command {
    for (k, v) in std::env::vars() {
        if is_cloud_var(&k) {
            c.env(k, v);
        }
    }
    c
}

/// Puts every file under `local` into the store at `root` (a URL); returns the keys.
pub fn upload_dir(local: &Path, root: &str) -> Vec<String> {
    let store = aims_dq::store::Store::open(root, true).expect("open store");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut keys = Vec::new();
    rt.block_on(async {
        for f in files_under(local) {
            let key = f
                .strip_prefix(local)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            store
                .put(&key, std::fs::read(&f).unwrap().into())
                .await
                .unwrap();
            keys.push(key);
        }
    });
    keys.sort();
    keys
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The shared folder next to the project (corpus and reference suites), if present.
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: ../shared is absent, so the corpus and reference suites cannot be read"
        );
        None
    }
}

/// Statuses of the dq log lines by file name.
pub fn statuses(records: &[Value]) -> BTreeMap<String, String> {
    records
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A real HTTP server on a local port that records what it receives and
/// answers each request as told (by the order of arrival).
pub struct Receiver {
    pub url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Waits this long, then answers 200.
    Slow(std::time::Duration),
}

impl Receiver {
    /// Answers from `script` in turn, then 200 for ever.
    pub fn start(script: Vec<Answer>) -> Receiver {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let answer = script.next().unwrap_or(Answer::Status(200));
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let mut headers = BTreeMap::new();
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    let len: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).unwrap();
                    log.lock().unwrap().push(Received {
                        path,
                        headers,
                        body,
                    });
                    let status = match answer {
                        Answer::Status(s) => s,
                        Answer::Slow(d) => {
                            std::thread::sleep(d);
                            200
                        }
                    };
                    let mut stream = stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    );
                });
            }
        });
        Receiver { url, requests }
    }

    pub fn received(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits (briefly) until `n` requests arrived.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = std::time::Instant::now();
        while self.received().len() < n && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.received()
    }
}
