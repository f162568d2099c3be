//! `aims-dq validate FILE --suite SUITE`: one file, one suite, the result
//! printed as text or as a GX-shaped validation result.

use serde_json::json;

use crate::cli::OutputFormat;
use crate::config::Settings;
use crate::engine;
use crate::error::{config_err, exit};
use crate::gate;
use crate::store::Store;
use crate::suite::CompiledSuite;

/// Splits `dir/name` (path or URL) into a store root and a key.
fn split(location: &str) -> (String, String) {
    match location.rsplit_once('/') {
        Some((dir, name)) if !dir.is_empty() && !dir.ends_with(':') && !dir.ends_with("//") => {
            (dir.to_string(), name.to_string())
        }
        Some(("", name)) => ("/".to_string(), name.to_string()),
        _ => (".".to_string(), location.to_string()),
    }
}

/// Reads a suite file (YAML or GX JSON) from a path or URL.
async fn read_suite(suite: &str) -> anyhow::Result<String> {
    let (suite_dir, suite_key) = split(suite);
    let suite_store = Store::open(&suite_dir, false)?;
    let text = suite_store
        .get(&suite_key)
        .await?
        .ok_or_else(|| config_err(format!("suite {suite} does not exist")))?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// `aims-dq suite export --gx SUITE [--out FILE]`.
pub async fn export_gx(suite: &str, out: Option<&std::path::Path>) -> anyhow::Result<i32> {
    // Compiling first: a suite that would not run is not exported.
    let compiled = CompiledSuite::load(&read_suite(suite).await?, suite)?;
    let fallback = crate::suite::table_of_suite_file(&compiled.name)
        .unwrap_or(&compiled.name)
        .to_string();
    let text = serde_json::to_string_pretty(&compiled.suite.to_gx_json(&fallback))? + "\n";
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            anyhow::anyhow!(
                "cannot write {}: {e}; check the folder exists and is writable",
                path.display()
            )
        })?,
        None => print!("{text}"),
    }
    Ok(exit::OK)
}

pub async fn run(
    file: &str,
    suite: &str,
    format: OutputFormat,
    settings: &Settings,
) -> anyhow::Result<i32> {
    let compiled = CompiledSuite::load(&read_suite(suite).await?, suite)?;

    let (dir, key) = split(file);
    let store = Store::open(&dir, false)?;
    let entry = store
        .head(&key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{file} does not exist"))?;
    let validation = match engine::validate_with(&store, &entry, &compiled, &settings.limits).await
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "error: {}: {}",
                crate::util::redact_url(file),
                crate::util::redact_secrets(&e.to_string())
            );
            return Ok(exit::FAILURE);
        }
    };
    let threshold = settings.threshold_for(compiled.suite.threshold);
    let verdict = gate::judge(
        &validation.results,
        threshold,
        &compiled.severity_thresholds,
    );
    match format {
        OutputFormat::Json => {
            let results: Vec<_> = validation
                .results
                .iter()
                .map(|r| {
                    json!({
                        "expectation_config": {
                            "expectation_type": r.expectation_type,
                            "kwargs": r.kwargs,
                            "meta": r.meta,
                        },
                        "success": r.success,
                        "result": r.result,
                        "exception_info": r.exception_info.clone().unwrap_or(engine::ExceptionInfo {
                            raised_exception: false,
                            exception_message: String::new(),
                        }),
                    })
                })
                .collect();
            let doc = json!({
                "success": verdict.passed,
                "statistics": {
                    "evaluated_expectations": verdict.evaluated,
                    "successful_expectations": verdict.successful,
                    "unsuccessful_expectations": verdict.evaluated - verdict.successful,
                    "success_percent": verdict.score,
                },
                "results": results,
                "meta": {
                    "file": file,
                    "suite": compiled.name,
                    "rows": validation.rows,
                    "file_bytes": entry.size,
                    "bytes_fetched": validation.bytes_fetched,
                    "threshold": verdict.threshold,
                    "threshold_failures": verdict.threshold_failures,
                },
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Text => {
            for r in &validation.results {
                let mark = if r.success { "ok  " } else { "FAIL" };
                let col = r
                    .column
                    .as_ref()
                    .map(|c| format!("({c})"))
                    .unwrap_or_default();
                if r.success {
                    println!("{mark} #{} {}{}", r.index, r.expectation_type, col);
                } else {
                    println!(
                        "{mark} #{} {}{} [{}]: {}",
                        r.index,
                        r.expectation_type,
                        col,
                        r.severity.as_str(),
                        r.summary()
                    );
                }
            }
            println!(
                "{}: {} rows, score {:.1}% ({}/{}), threshold {:.1}% -> {}",
                file,
                validation.rows,
                verdict.score,
                verdict.successful,
                verdict.evaluated,
                verdict.threshold,
                if verdict.passed { "PASSED" } else { "FAILED" }
            );
            for f in &verdict.threshold_failures {
                println!("  {f}");
            }
        }
    }
    Ok(if verdict.passed {
        exit::OK
    } else {
        exit::QUARANTINED
    })
}
