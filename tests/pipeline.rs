//! The pipeline end to end on local storage, through the real binaries.

mod common;

use common::{statuses, Workspace};

const DEFECTIVE: [(&str, &str); 7] = [
    ("aims_assets_20260102.parquet", "FAILED"),
    ("aims_attributedomains_20260103.parquet", "FAILED"),
    ("aims_consents_20260104.parquet", "FAILED"),
    ("aims_links_20260103.parquet", "FAILED"),
    ("aims_people_20260104.parquet", "FAILED"),
    ("aims_organisations_20260105.parquet", "ERROR"),
    ("aims_routes_20260105.parquet", "ERROR"),
];

#[test]
fn first_run_gates_the_demo_and_second_run_skips_everything() {
    let ws = Workspace::with_demo(true);
    let r = ws.run(&["run-all"]);
    // Unreadable files are quarantined like failed ones: the run completed.
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("Profile: wrote 68 suites"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("76 files found, 0 already processed, 76 validated: 69 passed, 5 failed, 2 errors, 0 without suite; 7 quarantined"),
        "{}",
        r.stdout
    );

    let records = ws.log_records();
    assert_eq!(records.len(), 76);
    let st = statuses(&records);
    for (file, status) in DEFECTIVE {
        assert_eq!(st[file], status, "{file}");
        // Moved, with its sidecar, and gone from bronze.
        assert!(
            ws.quarantine().join(file).is_file(),
            "{file} not in quarantine"
        );
        let sidecar: serde_json::Value = serde_json::from_slice(
            &std::fs::read(ws.quarantine().join(format!("{file}.dq.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(sidecar["status"], status);
        assert!(!sidecar["reason"].as_str().unwrap().is_empty());
        assert!(!ws.bronze().join(file).exists());
        // The reason is printed.
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains(file) && l.contains("[quarantined]")),
            "{file}"
        );
    }
    assert_eq!(st.values().filter(|s| *s == "PASSED").count(), 69);
    assert!(r.stdout.contains("Corrupt footer"), "{}", r.stdout);
    assert!(r.stdout.contains("expect_column_values_to_be_unique(ID)"));

    // Every log line carries the documented fields.
    for rec in &records {
        for key in [
            "timestamp",
            "run_id",
            "file",
            "path",
            "status",
            "score",
            "threshold",
            "rows",
            "bytes",
            "duration_ms",
            "suite",
            "details",
            "action",
            "lineage",
        ] {
            assert!(rec.get(key).is_some(), "log line lacks {key}: {rec}");
        }
        for key in [
            "source_path",
            "config_path",
            "etag",
            "file_size_bytes",
            "modification_time",
            "host",
        ] {
            assert!(rec["lineage"].get(key).is_some(), "lineage lacks {key}");
        }
    }
    let people = records
        .iter()
        .find(|r| r["path"] == "aims_people_20260104.parquet")
        .unwrap();
    assert_eq!(people["action"], "quarantined");
    assert_eq!(
        people["details"]["failures"][0]["expectation"],
        "expect_column_values_to_not_be_null"
    );
    assert!(people["details"]["threshold_failures"][0]
        .as_str()
        .unwrap()
        .contains("below the threshold"));

    let marks = ws.watermarks();
    assert_eq!(marks["version"], 1);
    assert_eq!(marks["files"].as_object().unwrap().len(), 76);
    assert_eq!(marks["files"]["aims_assets.parquet"]["status"], "PASSED");

    let report = ws.latest_report();
    assert_eq!(report["summary"]["total_validations"], 76);
    assert_eq!(report["summary"]["passed"], 69);
    assert_eq!(report["summary"]["failed"], 5);
    assert_eq!(report["summary"]["errors"], 2);
    assert_eq!(report["failed_files"].as_array().unwrap().len(), 7);
    assert_eq!(report["passed_files"].as_array().unwrap().len(), 69);
    for section in [
        "freshness",
        "failure_analysis",
        "performance",
        "daily_trends",
        "alerts",
        "watermarks",
    ] {
        assert!(report.get(section).is_some(), "report lacks {section}");
    }
    assert!(report["performance"]["rows_per_second"].as_f64().unwrap() > 0.0);
    assert!(report["performance"]["p95_duration_ms"].is_u64());
    assert_eq!(report["latest_results"].as_array().unwrap().len(), 76);
    assert!(
        report["latest_results"][0]["duration_ms"].is_u64(),
        "duration per file"
    );
    assert!(report["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["kind"] == "quarantine"));
    assert!(
        report["failure_analysis"]["by_severity"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );

    // Second run: nothing new, nothing done, exit 0.
    let before = ws.snapshot();
    let r2 = ws.run(&["run-all"]);
    assert_eq!(r2.code, 0, "{}\n{}", r2.stdout, r2.stderr);
    assert!(
        r2.stdout
            .contains("69 files found, 69 already processed, 0 validated"),
        "{}",
        r2.stdout
    );
    assert!(r2.stdout.contains("68 already present"), "{}", r2.stdout);
    assert_eq!(ws.log_records().len(), 76, "no new log lines");
    let after = ws.snapshot();
    for (path, bytes) in &before {
        if !path.to_string_lossy().contains("/reports/") {
            assert_eq!(after.get(path), Some(bytes), "{} changed", path.display());
        }
    }

    // --force reprocesses every file.
    let r3 = ws.run(&["ingest", "--force"]);
    assert_eq!(r3.code, 0, "{}", r3.stdout);
    assert!(
        r3.stdout
            .contains("69 files found, 0 already processed, 69 validated: 69 passed"),
        "{}",
        r3.stdout
    );
}

#[test]
fn dry_run_changes_nothing_and_says_what_it_would_do() {
    let ws = Workspace::with_demo(true);
    let before = ws.snapshot();
    let r = ws.run(&["run-all", "--dry-run"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(ws.snapshot(), before, "a dry run changed files");
    for dir in [ws.suites(), ws.state(), ws.quarantine()] {
        assert!(!dir.exists(), "{} was created", dir.display());
    }
    assert!(
        r.stdout.contains("Profile: would write 68 suites"),
        "{}",
        r.stdout
    );
    // Ingest validates with the suites profile would have written.
    assert!(
        r.stdout
            .contains("69 passed, 5 failed, 2 errors, 0 without suite; 7 quarantined"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Report: not written (dry run)"));

    // With suites in place, a dry run names the quarantines it would make.
    assert_eq!(ws.run(&["profile"]).code, 0);
    let before = ws.snapshot();
    let r = ws.run(&["ingest", "--dry-run"]);
    assert_eq!(ws.snapshot(), before);
    assert!(
        r.stdout.contains("Ingest (dry run, nothing written)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("aims_assets_20260102.parquet score 97.20 [would be quarantined]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("aims_tracks.parquet [would be watermarked]"),
        "{}",
        r.stdout
    );
}

#[test]
fn changed_file_is_reprocessed_and_unchanged_is_skipped() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["run-all"]).code, 0);
    // Re-deliver one table with different content under the same name.
    let src = ws.bronze().join("aims_tracks.parquet");
    let bytes = std::fs::read(ws.bronze().join("aims_stages.parquet")).unwrap();
    std::fs::write(&src, bytes).unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("68 files found, 67 already processed, 1 validated: 0 passed, 1 failed"),
        "{}",
        r.stdout
    );
    assert!(ws.quarantine().join("aims_tracks.parquet").exists());
}

#[test]
fn workers_and_threshold_flags() {
    let ws = Workspace::with_demo(true);
    assert_eq!(ws.run(&["profile"]).code, 0);
    // The empty delivery fails only on score (99.0%): a 98% threshold lets it pass.
    let r = ws.run(&["ingest", "--workers", "1", "--threshold", "98"]);
    let st = statuses(&ws.log_records());
    assert_eq!(
        st["aims_consents_20260104.parquet"], "PASSED",
        "{}",
        r.stdout
    );
    assert_eq!(st["aims_assets_20260102.parquet"], "FAILED");
    let lines = ws.log_records();
    let consents = lines
        .iter()
        .find(|l| l["path"] == "aims_consents_20260104.parquet")
        .unwrap();
    assert_eq!(consents["threshold"], 98.0);

    let bad = ws.run(&["ingest", "--workers", "0"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("workers"), "{}", bad.stderr);
    let bad = ws.run(&["ingest", "--threshold", "150"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("threshold 150"), "{}", bad.stderr);
}

#[test]
fn environment_variables_configure_the_run() {
    let ws = Workspace::with_demo(true);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let out = ws
        .command("aims-dq")
        .args(["ingest"])
        .env("AIMS_DQ_THRESHOLD", "98")
        .env("AIMS_DQ_DRY_RUN", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("dry run"), "{stdout}");
    assert!(
        stdout.contains("aims_consents_20260104.parquet [would be watermarked]"),
        "{stdout}"
    );
    // A flag beats the environment.
    let out = ws
        .command("aims-dq")
        .args(["ingest", "--threshold", "100"])
        .env("AIMS_DQ_THRESHOLD", "98")
        .env("AIMS_DQ_DRY_RUN", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("aims_consents_20260104.parquet score 98.")
                && l.contains("[would be quarantined]")),
        "{stdout}"
    );
}

#[test]
fn exit_codes_per_outcome() {
    // Clean data: 0.
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["run-all"]).code, 0);

    // Quarantines only: 0, or 3 with --fail-on-quarantine.
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let bytes = std::fs::read(ws.bronze().join("aims_stages.parquet")).unwrap();
    std::fs::write(ws.bronze().join("aims_tracks_20260301.parquet"), &bytes).unwrap();
    std::fs::write(ws.bronze().join("aims_phases_20260301.parquet"), &bytes).unwrap();
    let r = ws.run(&["ingest", "--fail-on-quarantine", "--dry-run"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("2 quarantined"), "{}", r.stdout);

    // An unreadable file is quarantined: 0, or 3 with --fail-on-quarantine.
    std::fs::write(
        ws.bronze().join("aims_tracks_20260302.parquet"),
        b"PAR1 not really",
    )
    .unwrap();
    let r = ws.run(&["ingest", "--fail-on-quarantine"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("ERROR             aims_tracks_20260302.parquet [quarantined]"),
        "{}",
        r.stdout
    );

    // A file that cannot be moved to quarantine stays in bronze, logged as ERROR: 1.
    std::fs::create_dir_all(ws.bronze().join("late")).unwrap();
    std::fs::write(
        ws.bronze().join("late/aims_tracks_20260303.parquet"),
        b"not parquet",
    )
    .unwrap();
    std::fs::write(
        ws.quarantine().join("late"),
        b"a file where quarantine needs a folder",
    )
    .unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("moving it to quarantine failed"),
        "{}",
        r.stdout
    );
    assert!(
        ws.bronze()
            .join("late/aims_tracks_20260303.parquet")
            .exists(),
        "the file was lost"
    );
    let rec = ws
        .log_records()
        .into_iter()
        .rev()
        .find(|r| r["path"] == "late/aims_tracks_20260303.parquet")
        .unwrap();
    assert_eq!(rec["status"], "ERROR");
    assert_eq!(rec["action"], "none");
    assert!(
        ws.watermarks()["files"]
            .get("late/aims_tracks_20260303.parquet")
            .is_none(),
        "retried next run"
    );
    std::fs::remove_file(ws.quarantine().join("late")).unwrap();
    assert_eq!(ws.run(&["ingest"]).code, 0);
    assert!(ws
        .quarantine()
        .join("late/aims_tracks_20260303.parquet")
        .exists());

    // Configuration errors: 2.
    ws.write_config("workerz: 3\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("workerz"), "{}", r.stderr);
    ws.write_config("");
    let r = ws
        .command("aims-dq")
        .args(["ingest", "--config", "/nonexistent/pipeline.yaml"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    let r = ws.run(&["ingest", "--bronze", "/nonexistent/bronze"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/bronze"), "{}", r.stderr);
    let r = ws.run(&["ingest", "--shard", "4/4"]);
    assert_eq!(r.code, 2);
    let r = ws.run(&["no-such-command"]);
    assert_eq!(r.code, 2);
}

#[test]
fn invalid_suite_is_a_config_error_and_the_file_stays() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let suite = ws.suites().join("aims_tracks_validation.yml");
    let text = std::fs::read_to_string(&suite).unwrap();
    std::fs::write(
        &suite,
        text.replacen("expect_column_to_exist", "expect_column_to_levitate", 1),
    )
    .unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("aims_tracks_validation.yml"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("expect_column_to_levitate"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("#2"),
        "the expectation index is named: {}",
        r.stdout
    );
    assert!(ws.bronze().join("aims_tracks.parquet").exists());
    assert!(!ws.quarantine().join("aims_tracks.parquet").exists());
    // Not watermarked, so it is tried again once the suite is fixed.
    assert!(ws.watermarks()["files"]
        .get("aims_tracks.parquet")
        .is_none());
    std::fs::write(&suite, text).unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("1 validated: 1 passed"), "{}", r.stdout);

    // Invalid YAML is a config error too.
    std::fs::write(&suite, "expectations: [unclosed").unwrap();
    let r = ws.run(&["ingest", "--force"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("not valid suite YAML"), "{}", r.stdout);
}

#[test]
fn file_without_suite_is_skipped_with_a_hint_and_retried() {
    let ws = Workspace::with_demo(false);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("68 without suite"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("no validation suite for aims_tracks.parquet; run profile"),
        "{}",
        r.stdout
    );
    let recs = ws.log_records();
    assert!(recs
        .iter()
        .all(|r| r["status"] == "SKIPPED_NO_CONFIG" && r["action"] == "none"));
    assert!(ws.bronze().join("aims_tracks.parquet").exists());
    assert!(ws.watermarks()["files"]
        .as_object()
        .is_none_or(|f| f.is_empty()));
    // Next run: still waiting, still reported.
    let r = ws.run(&["ingest"]);
    assert!(r.stdout.contains("68 without suite"), "{}", r.stdout);
}

#[test]
fn dated_and_foldered_deliveries_find_their_suite() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let bytes = std::fs::read(ws.bronze().join("aims_tracks.parquet")).unwrap();
    std::fs::create_dir_all(ws.bronze().join("aims_tracks")).unwrap();
    std::fs::write(ws.bronze().join("aims_tracks/part-0001.parquet"), &bytes).unwrap();
    std::fs::write(
        ws.bronze().join("aims_tracks_2026-03-01T10:00:00.parquet"),
        &bytes,
    )
    .unwrap();
    std::fs::write(ws.bronze().join("tracks_export.parquet"), &bytes).unwrap();
    ws.write_config("suite_map:\n  tracks_export: aims_tracks\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let recs = ws.log_records();
    for key in [
        "aims_tracks/part-0001.parquet",
        "aims_tracks_2026-03-01T10:00:00.parquet",
        "tracks_export.parquet",
    ] {
        let rec = recs
            .iter()
            .find(|r| r["path"] == key)
            .unwrap_or_else(|| panic!("{key} not logged"));
        assert_eq!(rec["status"], "PASSED", "{key}");
        assert_eq!(rec["suite"], "aims_tracks_validation.yml");
    }
}

#[test]
fn legacy_flat_watermarks_are_read_and_upgraded() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    std::fs::create_dir_all(ws.state()).unwrap();
    // The Python pipeline's form: bare file names and a processing time after the files were written.
    std::fs::write(
        ws.state().join("watermarks.json"),
        r#"{"aims_tracks.parquet": "2999-01-01T00:00:00.000000", "aims_stages.parquet": "2999-01-01T00:00:00"}"#,
    )
    .unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("68 files found, 2 already processed, 66 validated"),
        "{}",
        r.stdout
    );
    let marks = ws.watermarks();
    assert_eq!(marks["version"], 1);
    assert_eq!(marks["files"].as_object().unwrap().len(), 68);
}

#[test]
fn passed_files_can_be_promoted_to_silver() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let r = ws.run(&["ingest", "--on-pass", "copy"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(ws.silver().join("aims_tracks.parquet").exists());
    assert!(ws.bronze().join("aims_tracks.parquet").exists());
    assert!(ws.log_records().iter().all(|r| r["action"] == "promoted"));

    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let before = std::fs::read(ws.bronze().join("aims_tracks.parquet")).unwrap();
    assert_eq!(ws.run(&["ingest", "--on-pass", "move"]).code, 0);
    assert_eq!(
        std::fs::read(ws.silver().join("aims_tracks.parquet")).unwrap(),
        before
    );
    assert!(!ws.bronze().join("aims_tracks.parquet").exists());
}

#[test]
fn profile_never_overwrites_a_suite_without_force() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let suite = ws.suites().join("aims_tracks_validation.yml");
    std::fs::write(&suite, "expectations: []\n").unwrap();
    let r = ws.run(&["profile"]);
    assert!(
        r.stdout.contains("wrote 0 suites, 68 already present"),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&suite).unwrap(),
        "expectations: []\n"
    );
    let r = ws.run(&["profile", "--force"]);
    assert!(r.stdout.contains("wrote 68 suites"), "{}", r.stdout);
    assert!(std::fs::read_to_string(&suite)
        .unwrap()
        .contains("expect_table_row_count_to_be_between"));
    assert!(ws.state().join("profiles/aims_tracks.json").is_file());
}

#[test]
fn per_stage_binaries_run_their_stage() {
    let ws = Workspace::with_demo(true);
    let r = ws.run_bin("dq-profile", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Profile: wrote 68 suites"));
    let r = ws.run_bin("dq-ingest", &["--workers", "2"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("69 passed, 5 failed, 2 errors"),
        "{}",
        r.stdout
    );
    let r = ws.run_bin("dq-monitor", &[]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("Latest per file: 76 files, 69 passed, 5 failed, 2 errors"),
        "{}",
        r.stdout
    );
    let v = ws.run_bin("dq-ingest", &["--version"]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.starts_with("dq-ingest "), "{}", v.stdout);
}

#[test]
fn logs_are_json_lines_off_a_terminal_and_text_on_request() {
    let ws = Workspace::with_demo(false);
    let r = ws.run(&["profile"]);
    let lines = r.log_lines();
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|l| l["level"].is_string() && l["timestamp"].is_string()));
    assert!(lines.iter().any(|l| l["stage"] == "profile"));
    // Text logs show every file when asked to with RUST_LOG.
    let o = ws
        .command("aims-dq")
        .args(["ingest", "--log-format", "text"])
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let r = common::Run::from(o);
    assert!(r.log_lines().is_empty());
    assert!(
        r.stderr.contains("aims_tracks.parquet passed"),
        "{}",
        r.stderr
    );
}

#[test]
fn shards_split_the_files_without_overlap() {
    let ws = Workspace::with_demo(false);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let a = ws.run(&["ingest", "--shard", "0/2"]);
    let n0 = ws.log_records().len();
    let b = ws
        .command("aims-dq")
        .args(["ingest", "--shards", "2"])
        .env("JOB_COMPLETION_INDEX", "1")
        .output()
        .unwrap();
    assert_eq!(a.code, 0);
    assert_eq!(b.status.code(), Some(0));
    let recs = ws.log_records();
    assert!(n0 > 0 && n0 < 68, "shard 0 took {n0} of 68");
    assert_eq!(recs.len(), 68);
    assert_eq!(statuses(&recs).len(), 68, "no file processed twice");
    let segments = common::files_under(&ws.state().join("dq_logs"));
    assert!(segments
        .iter()
        .any(|p| p.to_string_lossy().contains("_s0of2")));
    assert!(segments
        .iter()
        .any(|p| p.to_string_lossy().contains("_s1of2")));
}

#[test]
fn sample_of_some_tables_writes_only_their_files_and_deliveries() {
    let ws = Workspace::new();
    let out = ws.path("some");
    let r = ws.run(&[
        "sample",
        "--out",
        out.to_str().unwrap(),
        "--table",
        "aims_assets",
        "--table",
        "aims_links",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2 tables, 4 files"), "{}", r.stdout);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "aims_assets.parquet",
            "aims_assets_20260102.parquet",
            "aims_links.parquet",
            "aims_links_20260103.parquet"
        ]
    );
}
