//! Prometheus: the metrics file, pushes read back from a real Pushgateway
//! (started by `scripts/test`), a gateway that is down, and the alert rules
//! checked and unit-tested with promtool. The Grafana dashboard queries
//! only metrics that exist.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{Run, Workspace};

fn gateway() -> Option<String> {
    match std::env::var("AIMS_DQ_TEST_PUSHGATEWAY") {
        Ok(g) => Some(g),
        Err(_) => {
            assert!(
                std::env::var_os("AIMS_DQ_REQUIRE_SERVICES").is_none(),
                "AIMS_DQ_TEST_PUSHGATEWAY is not set: run scripts/test"
            );
            eprintln!(
                "SKIPPED: AIMS_DQ_TEST_PUSHGATEWAY is not set (scripts/test starts a Pushgateway)"
            );
            None
        }
    }
}

fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = std::net::TcpStream::connect(host).unwrap();
    // HTTP/1.0: the body comes whole, not in chunks whose size lines would
    // cut series in two.
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// The value of the one series with all these label pairs.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn the_metrics_file_holds_every_stage_of_run_all() {
    let ws = Workspace::with_demo(true);
    let file = ws.path("aims_dq.prom");
    let r = ws.run(&["run-all", "--metrics-file", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    let v = |name, labels: &[(&str, &str)]| {
        value(&text, name, labels).unwrap_or_else(|| panic!("{name} {labels:?} missing:\n{text}"))
    };
    assert_eq!(
        v(
            "dq_files_total",
            &[("stage", "ingest"), ("status", "PASSED")]
        ),
        69.0
    );
    assert_eq!(
        v(
            "dq_files_total",
            &[("stage", "ingest"), ("status", "FAILED")]
        ),
        5.0
    );
    assert_eq!(
        v(
            "dq_files_total",
            &[("stage", "ingest"), ("status", "ERROR")]
        ),
        2.0
    );
    assert_eq!(v("dq_files_quarantined_total", &[("stage", "ingest")]), 7.0);
    assert_eq!(
        v("dq_rows_validated_total", &[("stage", "ingest")]),
        52878.0
    );
    assert!(
        v(
            "dq_expectations_failed_total",
            &[
                ("severity", "critical"),
                ("type", "expect_column_values_to_be_unique")
            ]
        ) >= 1.0
    );
    assert_eq!(v("dq_suites_written_total", &[("stage", "profile")]), 68.0);
    for stage in ["profile", "ingest", "monitor"] {
        assert_eq!(v("dq_run_success", &[("stage", stage)]), 1.0, "{stage}");
        assert!(v("dq_last_success_timestamp_seconds", &[("stage", stage)]) > 1.7e9);
    }
    let tables: BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("dq_freshness_age_seconds{"))
        .filter_map(|l| l.split("table=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(tables.len(), 68, "one freshness series per table");
    // Each metric is described once, whatever the number of stages.
    let helps: Vec<&str> = text.lines().filter(|l| l.starts_with("# HELP ")).collect();
    let unique: BTreeSet<&&str> = helps.iter().collect();
    assert_eq!(helps.len(), unique.len());
    // The format is what Prometheus parses (when promtool is at hand).
    if let Some(promtool) = promtool() {
        let mut c = Command::new(promtool);
        c.args(["check", "metrics"])
            .stdin(std::fs::File::open(&file).unwrap());
        let o = Run::from(c.output().unwrap());
        assert!(
            !o.stdout.contains("error") && !o.stderr.contains("error"),
            "promtool: {}{}",
            o.stdout,
            o.stderr
        );
    }
}

#[test]
fn stages_push_to_the_pushgateway_grouped_by_job_stage_and_shard() {
    let Some(gw) = gateway() else {
        return;
    };
    // Unique per run, even if the gateway outlives the test process.
    let job = format!(
        "aims-dq-test-{}-{:x}",
        std::process::id(),
        aims_dq::util::random_u64() & 0xffff_ffff
    );
    let ws = Workspace::with_demo(true);
    ws.write_config(&format!(
        "metrics:\n  pushgateway_url: {gw}\n  job: {job}\n"
    ));
    let r = ws.run(&["run-all"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = ws.run(&["ingest", "--shard", "1/2", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = http_get(&format!("{gw}/metrics"));
    let mine: String = text
        .lines()
        .filter(|l| l.contains(&format!("job=\"{job}\"")))
        .map(|l| format!("{l}\n"))
        .collect();
    let v = |name, labels: &[(&str, &str)]| {
        value(&mine, name, labels)
            .unwrap_or_else(|| panic!("{name} {labels:?} not at the gateway:\n{mine}"))
    };
    assert_eq!(
        v(
            "dq_files_total",
            &[("stage", "ingest"), ("shard", "all"), ("status", "FAILED")]
        ),
        5.0
    );
    assert_eq!(
        v(
            "dq_files_quarantined_total",
            &[("stage", "ingest"), ("shard", "all")]
        ),
        7.0
    );
    assert_eq!(
        v("dq_run_success", &[("stage", "monitor"), ("shard", "all")]),
        1.0
    );
    assert!(
        v(
            "dq_freshness_age_seconds",
            &[("stage", "monitor"), ("table", "aims_assets")]
        ) >= 0.0
    );
    assert_eq!(
        v(
            "dq_suites_written_total",
            &[("stage", "profile"), ("shard", "all")]
        ),
        68.0
    );
    // The shard's run is its own group: both are there.
    let shard_files: f64 = ["PASSED", "FAILED", "ERROR", "SKIPPED_NO_CONFIG"]
        .iter()
        .map(|s| {
            v(
                "dq_files_total",
                &[("stage", "ingest"), ("shard", "s1of2"), ("status", s)],
            )
        })
        .sum();
    assert!(
        shard_files > 0.0 && shard_files < 69.0,
        "shard 1 of 2 took {shard_files}"
    );
    assert!(value(
        &mine,
        "push_time_seconds",
        &[("stage", "ingest"), ("shard", "s1of2")]
    )
    .is_some());
}

#[test]
fn a_gateway_that_is_down_only_warns() {
    let ws = Workspace::with_demo(false);
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    ws.write_config(&format!(
        "metrics:\n  pushgateway_url: http://127.0.0.1:{port}\n"
    ));
    let r = ws.run(&["run-all"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let warnings: Vec<String> = r
        .log_lines()
        .into_iter()
        .filter(|l| l["level"] == "WARN")
        .filter_map(|l| l["message"].as_str().map(String::from))
        .filter(|m| m.contains("could not push metrics"))
        .collect();
    assert_eq!(warnings.len(), 3, "one per stage: {}", r.stderr);
}

fn promtool() -> Option<String> {
    let found = Command::new("promtool").arg("--version").output().is_ok();
    if found {
        return Some("promtool".into());
    }
    assert!(
        std::env::var_os("AIMS_DQ_REQUIRE_SERVICES").is_none(),
        "promtool is missing: scripts/test installs it (Debian package prometheus)"
    );
    eprintln!("SKIPPED: promtool is not installed (Debian package prometheus)");
    None
}

#[test]
fn alert_rules_pass_promtool_check_and_unit_tests() {
    let Some(promtool) = promtool() else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus");
    let check = Run::from(
        Command::new(&promtool)
            .args(["check", "rules", "aims-dq-rules.yml"])
            .current_dir(&dir)
            .output()
            .unwrap(),
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("SUCCESS: 6 rules found"),
        "{}",
        check.stdout
    );
    let test = Run::from(
        Command::new(&promtool)
            .args(["test", "rules", "aims-dq-rules.test.yml"])
            .current_dir(&dir)
            .output()
            .unwrap(),
    );
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    assert!(test.stdout.contains("SUCCESS"), "{}", test.stdout);
}

#[test]
fn the_grafana_dashboard_queries_metrics_that_exist() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dashboard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("deploy/grafana/aims-dq.json")).unwrap())
            .unwrap();
    let source = std::fs::read_to_string(dir.join("src/metrics.rs")).unwrap()
        + &std::fs::read_to_string(dir.join("src/cli.rs")).unwrap();
    let mut exprs = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().into_iter().flatten() {
            exprs.push(t["expr"].as_str().unwrap().to_string());
        }
    }
    assert!(exprs.len() >= 8, "{} queries", exprs.len());
    let re = regex::Regex::new(r"\b(dq_[a-z_]+)").unwrap();
    for e in &exprs {
        for m in re.captures_iter(e) {
            assert!(
                source.contains(&format!("\"{}\"", &m[1])),
                "{} in {e} is not a metric aims-dq writes",
                &m[1]
            );
        }
    }
}
