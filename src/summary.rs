//! A stage's outcome as one small JSON document, for orchestrators that read
//! a file rather than logs: Airflow's KubernetesPodOperator pushes
//! `/airflow/xcom/return.json` to XCom, Azure Data Factory custom activities
//! read `outputs.json`. Written only when `--summary-file` asks for it; run-all
//! writes all three stages into the same document.

use serde_json::{json, Map, Value};

use crate::ingest::{Action, IngestSummary, Status};
use crate::monitor::Report;
use crate::profile::ProfileOutcome;

/// At most this many file entries per list: XCom values live in Airflow's
/// metadata database and should stay small.
const MAX_FILES: usize = 100;

/// Stages written by this process so far, in the order they ran.
static STAGES: std::sync::Mutex<Vec<(&'static str, Value)>> = std::sync::Mutex::new(Vec::new());

/// Records a stage and rewrites the file with every stage recorded so far.
pub fn write(path: Option<&str>, stage: &'static str, value: Value) {
    let Some(path) = path else { return };
    let doc = {
        let mut stages = STAGES.lock().unwrap_or_else(|e| e.into_inner());
        stages.retain(|(s, _)| *s != stage);
        stages.push((stage, value));
        let mut m = Map::new();
        for (s, v) in stages.iter() {
            m.insert(s.to_string(), v.clone());
        }
        Value::Object(m)
    };
    let text = match serde_json::to_string_pretty(&doc) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("could not encode the summary: {e}");
            return;
        }
    };
    if let Err(e) = crate::util::write_local_atomic(path, &text) {
        tracing::warn!(
            "could not write the summary to {path}: {e}; check that its folder exists and is writable"
        );
    }
}

pub fn profile(
    outcomes: &[ProfileOutcome],
    written: usize,
    existing: usize,
    exit_code: i32,
) -> Value {
    let failed: Vec<Value> = outcomes
        .iter()
        .filter_map(|o| match o {
            ProfileOutcome::Failed { table, error } => {
                Some(json!({"table": table, "error": crate::util::redact_secrets(error)}))
            }
            _ => None,
        })
        .take(MAX_FILES)
        .collect();
    json!({
        "exit_code": exit_code,
        "suites_written": written,
        "suites_existing": existing,
        "tables_failed": failed.len(),
        "failures": failed,
    })
}

pub fn ingest(s: &IngestSummary, shard: Option<String>, dry_run: bool, exit_code: i32) -> Value {
    let problems: Vec<Value> = s
        .outcomes
        .iter()
        .filter(|o| o.status != Status::Passed)
        .take(MAX_FILES)
        .map(|o| {
            json!({
                "file": o.entry.key,
                "status": o.status.as_str(),
                "action": o.action.as_str(),
                "score": o.verdict.as_ref().map(|v| v.score),
                "moved_to": o.moved_to,
                "reason": crate::util::redact_secrets(&o.reason()),
            })
        })
        .collect();
    let quarantined: Vec<&str> = s
        .outcomes
        .iter()
        .filter(|o| o.action == Action::Quarantined)
        .map(|o| o.entry.key.as_str())
        .take(MAX_FILES)
        .collect();
    json!({
        "exit_code": exit_code,
        "run_id": s.run_id,
        "shard": shard,
        "dry_run": dry_run,
        "discovered": s.discovered,
        "already_processed": s.already_processed,
        "validated": s.outcomes.len() - s.count(Status::SkippedNoConfig),
        "passed": s.count(Status::Passed),
        "failed": s.count(Status::Failed),
        "errors": s.count(Status::Error),
        "skipped_no_config": s.count(Status::SkippedNoConfig),
        "quarantined": s.quarantined(),
        "rows": s.rows(),
        "state_errors": s.state_errors.len(),
        "quarantined_files": quarantined,
        "not_passed": problems,
    })
}

pub fn monitor(r: &Report, report: Option<&str>, dashboard: Option<&str>, exit_code: i32) -> Value {
    let stale: Vec<&str> = r
        .freshness
        .iter()
        .filter(|f| f.state == "stale")
        .map(|f| f.table.as_str())
        .take(MAX_FILES)
        .collect();
    json!({
        "exit_code": exit_code,
        "report": report,
        "dashboard": dashboard,
        "latest_files": r.summary.latest.files,
        "latest_passed": r.summary.latest.passed,
        "latest_failed": r.summary.latest.failed,
        "latest_errors": r.summary.latest.errors,
        "pass_rate": r.summary.latest.pass_rate,
        "average_score": r.summary.latest.average_score,
        "alerts": r.alerts.len(),
        "stale_tables": stale,
    })
}
