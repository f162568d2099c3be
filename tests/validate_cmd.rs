//! `aims-dq validate FILE --suite SUITE` and `aims-dq suite export --gx`:
//! the GX-shaped result, the exit codes, and GX suite JSON in and out.

mod common;

use serde_json::Value;

use common::Workspace;

fn demo_with_suites() -> Workspace {
    let ws = Workspace::with_demo(true);
    let r = ws.run(&["profile"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    ws
}

fn arg(p: std::path::PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn json_result_has_gx_shape_and_exit_code_follows_the_gate() {
    let ws = demo_with_suites();
    let suite = arg(ws.suites().join("aims_assets_validation.yml"));

    // The delivery with duplicated IDs fails its gate: exit 3.
    let bad = arg(ws.bronze().join("aims_assets_20260102.parquet"));
    let r = ws.run(&["validate", &bad, "--suite", &suite, "--format", "json"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    let doc = json_of(&r.stdout);
    assert_eq!(doc["success"], false);
    let stats = &doc["statistics"];
    assert!(stats["unsuccessful_expectations"].as_u64().unwrap() >= 1);
    assert_eq!(
        stats["evaluated_expectations"].as_u64().unwrap(),
        stats["successful_expectations"].as_u64().unwrap()
            + stats["unsuccessful_expectations"].as_u64().unwrap()
    );
    let unique = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["expectation_config"]["expectation_type"] == "expect_column_values_to_be_unique"
                && r["success"] == false
        })
        .expect("a failed uniqueness result");
    assert_eq!(unique["expectation_config"]["kwargs"]["column"], "ID");
    let res = &unique["result"];
    assert!(res["unexpected_count"].as_u64().unwrap() > 0);
    for key in [
        "element_count",
        "missing_count",
        "missing_percent",
        "unexpected_percent",
        "unexpected_percent_total",
        "unexpected_percent_nonmissing",
        "partial_unexpected_list",
        "partial_unexpected_counts",
    ] {
        assert!(res.get(key).is_some(), "result lacks {key}: {res}");
    }
    assert_eq!(unique["exception_info"]["raised_exception"], false);

    // The first delivery passes: exit 0, and the text form says so.
    let good = arg(ws.bronze().join("aims_assets.parquet"));
    let r = ws.run(&["validate", &good, "--suite", &suite]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("PASSED"), "{}", r.stdout);

    // A file that cannot be read: exit 1, the file and the reason named.
    let broken = arg(ws.bronze().join("aims_routes_20260105.parquet"));
    let routes = arg(ws.suites().join("aims_routes_validation.yml"));
    let r = ws.run(&["validate", &broken, "--suite", &routes]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("aims_routes_20260105.parquet"),
        "{}",
        r.stderr
    );
}

#[test]
fn gx_json_suites_round_trip_through_export() {
    let ws = demo_with_suites();
    let yaml = arg(ws.suites().join("aims_assets_validation.yml"));
    let out = ws.path("aims_assets.json");
    let r = ws.run(&["suite", "export", "--gx", &yaml, "--out", &arg(out.clone())]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let gx: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(gx["name"].as_str().is_some_and(|n| !n.is_empty()));
    let first = &gx["expectations"][0];
    assert!(first["type"].as_str().unwrap().starts_with("expect_"));
    assert!(first["kwargs"].is_object());

    // The same file through the YAML suite and through its GX export: same results.
    let file = arg(ws.bronze().join("aims_assets_20260102.parquet"));
    let run = |suite: &str| {
        let r = ws.run(&["validate", &file, "--suite", suite, "--format", "json"]);
        assert_eq!(r.code, 3, "{}", r.stderr);
        json_of(&r.stdout)["results"].clone()
    };
    let (a, b) = (run(&yaml), run(&arg(out)));
    assert_eq!(
        a.as_array().unwrap().len(),
        gx["expectations"].as_array().unwrap().len()
    );
    assert_eq!(a, b);
}

#[test]
fn suite_problems_are_configuration_errors_and_missing_columns_are_exceptions() {
    let ws = demo_with_suites();
    let file = arg(ws.bronze().join("aims_assets.parquet"));

    // A wrong kwarg type: exit 2, naming the suite file, index and problem.
    let bad = ws.path("bad.json");
    std::fs::write(
        &bad,
        r#"{"name": "bad", "expectations": [
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {"type": "expect_column_values_to_match_regex_list", "kwargs": {"column": "ID", "regex_list": "^A"}}]}"#,
    )
    .unwrap();
    let r = ws.run(&["validate", &file, "--suite", &arg(bad.clone())]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("bad.json"), "{}", r.stderr);
    assert!(r.stderr.contains("#1"), "{}", r.stderr);
    assert!(r.stderr.contains("regex_list"), "{}", r.stderr);
    let r = ws.run(&["suite", "export", "--gx", &arg(bad)]);
    assert_eq!(r.code, 2, "a suite that does not compile is not exported");

    // A column the file lacks: unsuccessful with exception_info, not a crash.
    let missing = ws.path("missing.json");
    std::fs::write(
        &missing,
        r#"{"name": "m", "expectations": [
            {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "NoSuchColumn", "min_value": 0}},
            {"type": "expect_column_pair_values_to_be_equal", "kwargs": {"column_A": "ID", "column_B": "Nope"}}]}"#,
    )
    .unwrap();
    let r = ws.run(&[
        "validate",
        &file,
        "--suite",
        &arg(missing),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    let doc = json_of(&r.stdout);
    for result in doc["results"].as_array().unwrap() {
        assert_eq!(result["success"], false);
        assert_eq!(result["exception_info"]["raised_exception"], true);
        let msg = result["exception_info"]["exception_message"]
            .as_str()
            .unwrap();
        assert!(msg.contains("not in the file"), "{msg}");
    }
}
