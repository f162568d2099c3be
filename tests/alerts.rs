//! Alert webhooks against a real local HTTP receiver: the payload of each
//! kind, the signature, retries on 500, timeouts, not repeating a
//! condition, nothing in a dry run, and a failing receiver never failing
//! the run.

mod common;

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use common::{Answer, Receiver, Run, Workspace};

const FAST: &str = "alerts:\n  retry_backoff_seconds: 0.05\n  timeout_seconds: 2\n";

fn run_with(ws: &Workspace, env: &[(&str, String)], args: &[&str]) -> Run {
    let mut c = ws.command("aims-dq");
    for (k, v) in env {
        c.env(k, v);
    }
    Run::from(c.args(args).output().unwrap())
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn an_ingest_summary_reaches_slack_teams_and_a_signed_json_receiver() {
    let ws = Workspace::with_demo(true);
    ws.write_config(FAST);
    let rx = Receiver::start(vec![]);
    let env = [
        (
            "AIMS_DQ_SLACK_WEBHOOK_URL",
            format!("{}/slack/T000/B000/secretpath", rx.url),
        ),
        (
            "AIMS_DQ_TEAMS_WEBHOOK_URL",
            format!("{}/teams/workflow", rx.url),
        ),
        ("AIMS_DQ_WEBHOOK_URL", format!("{}/hook", rx.url)),
        ("AIMS_DQ_WEBHOOK_SECRET", "s3cret".to_string()),
    ];
    let r = run_with(&ws, &env, &["run-all"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = rx.wait_for(3);
    assert_eq!(got.len(), 3, "one summary per receiver: {got:?}");
    let by = |p: &str| {
        got.iter()
            .find(|g| g.path.starts_with(p))
            .unwrap_or_else(|| panic!("nothing at {p}"))
    };

    let slack = by("/slack").json();
    assert_eq!(slack["blocks"][0]["type"], "header");
    assert!(slack["text"].as_str().unwrap().contains("ingest run"));
    let listing = slack["blocks"][2]["text"]["text"].as_str().unwrap();
    assert!(
        listing.contains("aims_assets_20260102.parquet"),
        "{listing}"
    );

    let teams = by("/teams").json();
    assert_eq!(teams["type"], "message");
    let card = &teams["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["body"][2]["type"], "FactSet");
    assert!(card["content"]["body"][2]["facts"][0]["title"].is_string());

    let hook = by("/hook");
    let doc = hook.json();
    assert_eq!(doc["kind"], "ingest");
    assert_eq!(doc["severity"], "critical", "two files could not be read");
    assert_eq!(
        doc["items"].as_array().unwrap().len(),
        7,
        "the 7 quarantined files"
    );
    let failed_assets = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == "aims_assets_20260102.parquet")
        .unwrap();
    assert!(failed_assets["score"].as_f64().unwrap() < 100.0);
    assert!(failed_assets["failed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "expect_column_values_to_be_unique(ID)"));
    assert_eq!(
        hook.headers["x-aims-dq-signature"],
        format!("sha256={}", hmac_hex("s3cret", &hook.body))
    );
    // Chat receivers are not signed.
    assert!(!by("/slack").headers.contains_key("x-aims-dq-signature"));
    // The URLs are credentials: never printed.
    for out in [&r.stdout, &r.stderr] {
        assert!(
            !out.contains("secretpath") && !out.contains("/teams/workflow"),
            "{out}"
        );
    }

    // A second run with nothing new sends nothing.
    let r = run_with(&ws, &env, &["run-all"]);
    assert_eq!(r.code, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.received().len(), 3);
}

#[test]
fn legacy_teams_connectors_get_a_message_card() {
    let ws = Workspace::with_demo(true);
    ws.write_config(&format!("{FAST}  teams_format: messagecard\n"));
    let rx = Receiver::start(vec![]);
    let env = [("AIMS_DQ_TEAMS_WEBHOOK_URL", format!("{}/connector", rx.url))];
    assert_eq!(run_with(&ws, &env, &["run-all"]).code, 0);
    let got = rx.wait_for(1);
    let card = got[0].json();
    assert_eq!(card["@type"], "MessageCard");
    assert_eq!(card["themeColor"], "D7263D");
    assert_eq!(card["sections"][0]["facts"].as_array().unwrap().len(), 7);
    assert!(card["sections"][0]["facts"][0]["name"].is_string());
}

#[test]
fn a_500_is_retried_and_a_receiver_that_keeps_failing_never_fails_the_run() {
    // 500 then 200: delivered on the retry.
    let ws = Workspace::with_demo(true);
    ws.write_config(FAST);
    let rx = Receiver::start(vec![Answer::Status(500)]);
    let metrics = ws.path("metrics.prom");
    let env = [("AIMS_DQ_WEBHOOK_URL", format!("{}/hook", rx.url))];
    let r = run_with(
        &ws,
        &env,
        &["run-all", "--metrics-file", metrics.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = rx.wait_for(2);
    assert_eq!(got.len(), 2, "one failed attempt, one retry");
    assert_eq!(got[0].body, got[1].body, "the retry sends the same alert");

    // Always 503, and a receiver slower than the timeout: logged, counted, exit 0.
    let ws = Workspace::with_demo(true);
    ws.write_config(
        "alerts:\n  retry_backoff_seconds: 0.05\n  timeout_seconds: 0.5\n  retries: 2\n",
    );
    let failing = Receiver::start(vec![Answer::Status(503); 10]);
    let slow = Receiver::start(vec![Answer::Slow(Duration::from_secs(3)); 10]);
    let env = [
        ("AIMS_DQ_WEBHOOK_URL", format!("{}/hook", failing.url)),
        ("AIMS_DQ_SLACK_WEBHOOK_URL", format!("{}/slack", slow.url)),
    ];
    let r = run_with(
        &ws,
        &env,
        &["run-all", "--metrics-file", metrics.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        failing.wait_for(3).len(),
        3,
        "the first attempt and two retries"
    );
    let warnings: Vec<Value> = r
        .log_lines()
        .into_iter()
        .filter(|l| {
            l["level"] == "WARN"
                && l["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("alert not delivered")
        })
        .collect();
    assert_eq!(warnings.len(), 2, "{}", r.stderr);
    assert!(warnings
        .iter()
        .any(|w| w["message"].as_str().unwrap().contains("503")));
    assert!(
        !r.stderr.contains(&failing.url) && !r.stderr.contains(&slow.url),
        "URLs printed"
    );
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        text.contains("dq_alert_failures_total{stage=\"ingest\",channel=\"webhook\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("dq_alert_failures_total{stage=\"ingest\",channel=\"slack\"} 1"),
        "{text}"
    );
}

#[test]
fn stale_tables_are_told_once_and_dry_runs_send_nothing() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["run-all"]).code, 0);
    // Every table is stale a moment after it was processed.
    let config = format!("{FAST}freshness:\n  stale_hours: 0.00001\n  notice_hours: 0.000005\n");
    ws.write_config(&config);
    let rx = Receiver::start(vec![]);
    let env = [("AIMS_DQ_WEBHOOK_URL", format!("{}/hook", rx.url))];
    // Ages are whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    // A dry run sends nothing.
    assert_eq!(run_with(&ws, &env, &["monitor", "--dry-run"]).code, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.received().len(), 0);
    // One alert per stale table.
    let r = run_with(&ws, &env, &["monitor"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = rx.wait_for(68);
    assert_eq!(got.len(), 68, "one per table");
    assert!(got.iter().all(|g| g.json()["kind"] == "stale"));
    // Still stale on the next run: not repeated within repeat_after_hours.
    assert_eq!(run_with(&ws, &env, &["monitor"]).code, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.received().len(), 68);
    // With the interval passed, it is told again.
    ws.write_config(&format!("{FAST}  repeat_after_hours: 0\nfreshness:\n  stale_hours: 0.00001\n  notice_hours: 0.000005\n"));
    assert_eq!(run_with(&ws, &env, &["monitor"]).code, 0);
    assert_eq!(rx.wait_for(136).len(), 136);
}
