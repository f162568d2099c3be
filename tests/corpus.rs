//! Real parquet files from other writers, read in place from the shared
//! corpus: bad files are ERROR and quarantined with the reader's reason,
//! the run goes on, and no file is lost.

mod common;

use common::{files_under, statuses, Workspace};

const ANY_SUITE: &str = "expectations:\n- expectation_type: expect_table_row_count_to_be_between\n  kwargs: {min_value: 0}\n  meta: {severity: critical}\n";

#[test]
fn corpus_files_end_as_one_clear_outcome_each() {
    let Some(shared) = common::shared() else {
        return;
    };
    let corpus = shared.join("corpus/parquet-testing");
    let ws = Workspace::new();
    // Every corpus file under one folder, validated with a footer-only suite.
    let dir = ws.bronze().join("corpus");
    let sources = common::copy_parquet(&corpus.join("data"), &dir);
    std::fs::create_dir_all(ws.suites()).unwrap();
    std::fs::write(ws.suites().join("corpus_validation.yml"), ANY_SUITE).unwrap();
    // The bad files with a suite that reads their columns, so their pages are decoded.
    let bad_dir = ws.bronze().join("bad");
    let bad = common::copy_parquet(&corpus.join("bad_data"), &bad_dir);
    let mut bad_suite = String::from("expectations:\n");
    for c in [
        "boolean",
        "string",
        "x",
        "nation_key",
        "name",
        "comment_col",
    ] {
        bad_suite.push_str(&format!(
            "- expectation_type: expect_column_values_to_not_be_null\n  kwargs: {{column: {c}}}\n"
        ));
    }
    std::fs::write(ws.suites().join("bad_validation.yml"), bad_suite).unwrap();

    let r = ws.run(&["ingest"]);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let recs = ws.log_records();
    let st = statuses(&recs);
    assert_eq!(
        recs.len(),
        sources.len() + bad.len(),
        "one log line per file"
    );
    for name in &sources {
        let key = format!("corpus/{name}");
        let status = st.get(&key).unwrap_or_else(|| panic!("{key} not logged"));
        let in_bronze = dir.join(name).exists();
        let in_quarantine = ws.quarantine().join(&key).exists();
        // Exactly one place: bronze when it passed, quarantine otherwise.
        assert!(
            in_bronze ^ in_quarantine,
            "{key}: bronze {in_bronze}, quarantine {in_quarantine}"
        );
        match status.as_str() {
            "PASSED" => assert!(in_bronze),
            "ERROR" => {
                assert!(in_quarantine);
                let rec = recs.iter().find(|x| x["path"] == key.as_str()).unwrap();
                let err = rec["details"]["error"].as_str().unwrap();
                assert!(err.contains("parquet"), "{key}: {err}");
            }
            other => panic!("{key}: unexpected status {other}"),
        }
    }
    // Every bad file ends in quarantine; those whose bytes fail to decode say why.
    let mut bad_errors = 0;
    for name in &bad {
        let key = format!("bad/{name}");
        assert!(ws.quarantine().join(&key).exists(), "{key} not quarantined");
        assert!(!bad_dir.join(name).exists());
        if st[&key] == "ERROR" {
            bad_errors += 1;
            let rec = recs.iter().find(|x| x["path"] == key.as_str()).unwrap();
            let err = rec["details"]["error"].as_str().unwrap();
            assert!(
                err.contains("parquet") || err.contains("corrupt"),
                "{key}: {err}"
            );
        }
    }
    assert!(
        bad_errors >= 3,
        "only {bad_errors} bad files were read as bad bytes"
    );
    let passed = st.values().filter(|s| *s == "PASSED").count();
    assert!(
        passed >= 50,
        "only {passed} of {} corpus files read",
        sources.len()
    );
}

#[test]
fn corpus_files_profile_without_crashing_the_run() {
    let Some(shared) = common::shared() else {
        return;
    };
    let ws = Workspace::new();
    let mut n = 0;
    for sub in ["data", "bad_data"] {
        for f in files_under(&shared.join("corpus/parquet-testing").join(sub)) {
            if f.extension().is_some_and(|e| e == "parquet") {
                std::fs::copy(
                    &f,
                    ws.bronze().join(format!(
                        "{sub}_{}",
                        f.file_name().unwrap().to_string_lossy()
                    )),
                )
                .unwrap();
                n += 1;
            }
        }
    }
    let r = ws.run(&["profile", "--workers", "2"]);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let written = common::files_under(&ws.suites()).len();
    let failed = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  could not profile"))
        .count();
    assert!(
        written + failed >= 1 && written >= 50,
        "{written} suites, {failed} failures of {n}\n{}",
        r.stdout
    );
    // Each failure names its file and the reader's reason; every bad file is one.
    for line in r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  could not profile"))
    {
        assert!(line.contains(".parquet: "), "{line}");
    }
    for f in files_under(&shared.join("corpus/parquet-testing/bad_data")) {
        let table = format!("bad_data_{}", f.file_stem().unwrap().to_string_lossy());
        assert!(
            r.stdout.contains(&format!("could not profile {table}: ")),
            "{table} was not reported\n{}",
            r.stdout
        );
    }
    // And the suites written validate their own files.
    let r = ws.run(&["ingest"]);
    let recs = ws.log_records();
    let failed: Vec<_> = recs
        .iter()
        .filter(|r| r["status"] == "FAILED")
        .map(|r| (r["path"].clone(), r["details"]["failures"].clone()))
        .collect();
    assert!(
        failed.is_empty(),
        "profiled suites failed their own files: {failed:?}\n{}",
        r.stdout
    );
}
