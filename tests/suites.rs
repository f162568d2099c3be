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
use serde_json::json;

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

/// A large file is profiled in parts read in parallel; merged, they give
/// the statistics of one read of the same rows, with the distinct values
/// tracked in full, overflowing in one part, or overflowing only together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_profiled_in_parallel_parts_gives_the_statistics_of_one_read() {
    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let n: usize = 1_200_000;
    let id = Int64Array::from_iter_values((0..n as i64).map(|i| i * 3));
    let code = StringArray::from(
        (0..n)
            .map(|i| match i % 89 {
                0 => None,
                1 => Some("None".to_string()),
                2 if i > 900_000 => Some("late@example.org".to_string()),
                _ => Some(format!("{}", i % 600)),
            })
            .collect::<Vec<_>>(),
    );
    // Ties of the smallest and largest value across the seams, ±0 as one key.
    let x = Float64Array::from(
        (0..n)
            .map(|i| match i {
                10 => Some(0.0),
                700_000 => Some(-0.0),
                _ if i % 101 == 0 => None,
                _ if i % 97 == 0 => Some(-5.5),
                _ => Some((i % 1_000) as f64 * 0.5),
            })
            .collect::<Vec<_>>(),
    );
    let text = StringArray::from_iter_values((0..n).map(|i| format!("t{}é", i % 650_000)));
    let batch = RecordBatch::try_from_iter(vec![
        ("id", Arc::new(id) as ArrayRef),
        ("code", Arc::new(code)),
        ("x", Arc::new(x)),
        ("text", Arc::new(text)),
    ])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, group_rows) in [("parts.parquet", 300_000), ("one.parquet", n)] {
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(group_rows))
            .build();
        let file = std::fs::File::create(dir.path().join(name)).unwrap();
        let mut w =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }
    let store = Store::open(dir.path().to_str().unwrap(), false).unwrap();
    let parts = store.head("parts.parquet").await.unwrap().unwrap();
    let one = store.head("one.parquet").await.unwrap().unwrap();
    // 2 M: all tracked; 1,000: `id` and `text` overflow in every part;
    // 700,000: `text` (650,000 values) fits each part, not the parts together.
    for max in [2_000_000, 1_000, 700_000] {
        let mut settings = settings();
        settings.sample_rows = 0;
        settings.profile.max_distinct_tracked = max;
        let a = profile::profile_file(&store, &parts, "t", &settings)
            .await
            .unwrap();
        let b = profile::profile_file(&store, &one, "t", &settings)
            .await
            .unwrap();
        assert_eq!(a.sampled_rows, n as u64);
        let a = serde_json::to_value(&a.columns).unwrap();
        let b = serde_json::to_value(&b.columns).unwrap();
        assert_eq!(a, b, "max_distinct_tracked {max}");
        let text = &a[3];
        assert_eq!(
            text["distinct"],
            if max > 650_000 {
                json!(650_000)
            } else {
                json!(null)
            }
        );
        assert_eq!(a[2]["min_value"], json!(-5.5));
        assert_eq!(a[1]["sentinels"], json!((n / 89) as u64 + 1));
    }
}
