//! Suites: the Python pipeline's 68 suites load unchanged and validate the
//! sample tables; a suite profiled from a file validates that file with 100.

mod common;

use aims_dq::config::{FileConfig, Overrides, Settings};
use aims_dq::engine;
use aims_dq::gate;
use aims_dq::profile;
use aims_dq::store::Store;
use aims_dq::suite::{CompiledSuite, Suite};
use common::Workspace;

fn settings() -> Settings {
    Settings::resolve(FileConfig::default(), Overrides::default()).unwrap()
}

#[tokio::test]
async fn original_suites_load_unchanged_and_validate_the_sample_tables() {
    let Some(shared) = common::shared() else {
        return;
    };
    let dir = shared.join("reference/original-configs");
    let ws = Workspace::with_demo(false);
    let bronze = Store::open(ws.bronze().to_str().unwrap(), false).unwrap();
    let mut suites = 0;
    let mut expectations = 0;
    let mut passed_files = 0;
    let shapes = aims_dq::sample::shapes();
    for path in common::files_under(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let compiled =
            CompiledSuite::load(&text, &name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        // Unchanged: every expectation and key survives a read and a rewrite.
        let raw: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        let rewritten: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&compiled.suite.to_yaml().unwrap()).unwrap();
        assert_eq!(raw, rewritten, "{name} changed in a round trip");

        let table = name.strip_suffix("_validation.yml").unwrap();
        let entry = bronze
            .head(&format!("{table}.parquet"))
            .await
            .unwrap()
            .expect("sample table exists");
        let v = engine::validate(&bronze, &entry, &compiled).await.unwrap();
        assert_eq!(v.results.len(), compiled.checks.len());
        for r in &v.results {
            assert!(
                r.exception_info.is_none(),
                "{name} #{}: {:?}",
                r.index,
                r.exception_info
            );
        }
        let verdict = gate::judge(&v.results, 100.0, &compiled.severity_thresholds);
        if verdict.passed {
            passed_files += 1;
        }
        // Every failure is one the reference shapes predict: an empty table
        // fails "not empty", a column with real nulls fails "not null".
        let shape = shapes.iter().find(|t| t.name == table).expect("shape");
        for f in v.failures() {
            let expected = match f.expectation_type.as_str() {
                "expect_table_row_count_to_be_between" => shape.rows == 0,
                "expect_column_values_to_not_be_null" => shape.columns.iter().any(|c| {
                    Some(c.name.as_str()) == f.column.as_deref() && c.null_pct.unwrap_or(0.0) > 0.0
                }),
                _ => false,
            };
            assert!(
                expected,
                "{name} #{} {} {:?}: {}",
                f.index,
                f.expectation_type,
                f.column,
                f.summary()
            );
        }
        suites += 1;
        expectations += v.results.len();
    }
    assert_eq!(suites, 68);
    assert_eq!(expectations, 3039);
    eprintln!("original suites: {passed_files} of 68 sample tables pass at threshold 100");
    assert!(
        passed_files >= 45,
        "only {passed_files} sample tables pass their original suite"
    );
}

#[tokio::test]
async fn a_profiled_suite_validates_its_own_file_with_score_100() {
    let ws = Workspace::with_demo(false);
    let bronze = Store::open(ws.bronze().to_str().unwrap(), false).unwrap();
    let settings = settings();
    let entries = aims_dq::discover::bronze_files(&bronze).await.unwrap();
    assert_eq!(entries.len(), 68);
    for entry in entries {
        let table = aims_dq::discover::table_of(&entry.key);
        let p = profile::profile_file(&bronze, &entry, &table, &settings)
            .await
            .unwrap();
        let suite: Suite = profile::suite_for(&p, &settings.profile);
        // Through YAML, as it is stored.
        let yaml = suite.to_yaml().unwrap();
        let compiled = CompiledSuite::load(&yaml, &table).unwrap();
        let v = engine::validate(&bronze, &entry, &compiled).await.unwrap();
        let failing: Vec<String> = v
            .failures()
            .map(|f| {
                format!(
                    "#{} {} {:?}: {}",
                    f.index,
                    f.expectation_type,
                    f.column,
                    f.summary()
                )
            })
            .collect();
        assert!(failing.is_empty(), "{table}: {failing:?}");
        let verdict = gate::judge(&v.results, 100.0, &compiled.severity_thresholds);
        assert_eq!(verdict.score, 100.0, "{table}");
        assert!(verdict.passed);
    }
}

#[tokio::test]
async fn profiled_rules_cover_the_expected_types() {
    let ws = Workspace::with_demo(false);
    let bronze = Store::open(ws.bronze().to_str().unwrap(), false).unwrap();
    let settings = settings();
    let mut seen = std::collections::BTreeSet::new();
    for entry in aims_dq::discover::bronze_files(&bronze).await.unwrap() {
        let table = aims_dq::discover::table_of(&entry.key);
        let p = profile::profile_file(&bronze, &entry, &table, &settings)
            .await
            .unwrap();
        let suite = profile::suite_for(&p, &settings.profile);
        for e in &suite.expectations {
            seen.insert(e.expectation_type.clone());
        }
        if p.total_rows == 0 {
            let row_rule = &suite.expectations[0];
            assert_eq!(
                row_rule.kwargs["min_value"], 0,
                "{table}: an empty table must not fail for being empty"
            );
        }
    }
    for t in [
        "expect_table_row_count_to_be_between",
        "expect_table_column_count_to_equal",
        "expect_column_to_exist",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_in_set",
        "expect_column_value_lengths_to_be_between",
        "expect_column_values_to_match_regex",
    ] {
        assert!(seen.contains(t), "no suite uses {t}");
    }
}
