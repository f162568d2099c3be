//! Expectation semantics on small files written here, against the facts
//! measured on Great Expectations 1.x (pandas engine) in DESIGN §4.

use std::sync::Arc;

use aims_dq::engine::{self, ExpectationResult};
use aims_dq::store::Store;
use aims_dq::suite::CompiledSuite;
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use serde_json::json;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
}

/// Writes one parquet file `t.parquet` with the given columns.
fn fixture(columns: Vec<(&str, ArrayRef)>) -> Fixture {
    fixture_with(columns, None)
}

/// The same, with the writer's properties (row groups, statistics).
fn fixture_with(
    columns: Vec<(&str, ArrayRef)>,
    props: Option<parquet::file::properties::WriterProperties>,
) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(dir.path().join("t.parquet")).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), props).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let store = Store::open(dir.path().to_str().unwrap(), false).unwrap();
    Fixture { _dir: dir, store }
}

fn strings(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

async fn run(f: &Fixture, expectations: &str) -> Vec<ExpectationResult> {
    let yaml = format!("expectations:\n{expectations}");
    let suite = CompiledSuite::load(&yaml, "test_validation.yml").unwrap();
    let entry = f.store.head("t.parquet").await.unwrap().unwrap();
    engine::validate(&f.store, &entry, &suite)
        .await
        .unwrap()
        .results
}

fn one(kind: &str, kwargs: &str) -> String {
    format!("- expectation_type: {kind}\n  kwargs: {kwargs}\n")
}

#[tokio::test]
async fn uniqueness_counts_every_row_of_a_repeated_value() {
    let f = fixture(vec![(
        "A",
        strings(&[
            Some("a"),
            Some("a"),
            Some("b"),
            None,
            Some("c"),
            Some("c"),
            Some("c"),
        ]),
    )]);
    let r = &run(&f, &one("expect_column_values_to_be_unique", "{column: A}")).await[0];
    assert!(!r.success);
    assert_eq!(
        r.result.unexpected_count,
        Some(5),
        "GX counts rows, not count - distinct"
    );
    assert_eq!(r.result.missing_count, Some(1));
    assert_eq!(r.result.element_count, Some(7));
    assert_eq!(
        r.result.partial_unexpected_list.as_ref().unwrap(),
        &vec![json!("a"), json!("a"), json!("c"), json!("c"), json!("c")]
    );
    let counts = r.result.partial_unexpected_counts.as_ref().unwrap();
    assert_eq!(counts[0].value, json!("c"));
    assert_eq!(counts[0].count, 3);
    // unexpected_percent is of the non-missing values.
    assert!((r.result.unexpected_percent.unwrap() - 5.0 / 6.0 * 100.0).abs() < 1e-9);
    assert!((r.result.unexpected_percent_total.unwrap() - 5.0 / 7.0 * 100.0).abs() < 1e-9);
}

#[tokio::test]
async fn not_null_counts_nulls_and_float_nan_as_missing() {
    let f = fixture(vec![
        ("S", strings(&[Some("x"), None, Some("None"), None])),
        (
            "F",
            Arc::new(Float64Array::from(vec![
                Some(1.0),
                Some(f64::NAN),
                None,
                Some(2.0),
            ])) as ArrayRef,
        ),
    ]);
    let rs = run(
        &f,
        &[
            one("expect_column_values_to_not_be_null", "{column: S}"),
            one("expect_column_values_to_not_be_null", "{column: F}"),
            one(
                "expect_column_values_to_not_be_null",
                "{column: S, mostly: 0.5}",
            ),
            one("expect_column_values_to_be_null", "{column: S}"),
        ]
        .concat(),
    )
    .await;
    // The sentinel string "None" is a value for GX.
    assert_eq!(rs[0].result.unexpected_count, Some(2));
    assert_eq!(
        rs[1].result.unexpected_count,
        Some(2),
        "NaN counts as missing"
    );
    assert!(!rs[0].success && !rs[1].success);
    assert!(rs[2].success, "2 of 4 present meets mostly 0.5");
    assert_eq!(rs[3].result.unexpected_count, Some(2));
}

#[tokio::test]
async fn regex_searches_and_lengths_count_characters() {
    let f = fixture(vec![(
        "A",
        strings(&[Some("abc"), Some("xbz"), Some("é"), Some("ßü"), None]),
    )]);
    let rs = run(
        &f,
        &[
            one(
                "expect_column_values_to_match_regex",
                "{column: A, regex: b}",
            ),
            one(
                "expect_column_values_to_match_regex",
                "{column: A, regex: '^b'}",
            ),
            one(
                "expect_column_values_to_match_regex",
                r"{column: A, regex: '^\w+$'}",
            ),
            one(
                "expect_column_values_to_not_match_regex",
                "{column: A, regex: 'b'}",
            ),
            one(
                "expect_column_value_lengths_to_be_between",
                "{column: A, min_value: 1, max_value: 2}",
            ),
            one(
                "expect_column_value_lengths_to_equal",
                "{column: A, value: 3}",
            ),
        ]
        .concat(),
    )
    .await;
    assert_eq!(
        rs[0].result.unexpected_count,
        Some(2),
        "search, not match: 'abc' and 'xbz' contain b"
    );
    assert_eq!(rs[1].result.unexpected_count, Some(4));
    assert_eq!(rs[2].result.unexpected_count, Some(0), r"\w is Unicode");
    assert_eq!(rs[3].result.unexpected_count, Some(2));
    assert_eq!(
        rs[4].result.unexpected_count,
        Some(2),
        "é and ßü are 1 and 2 characters"
    );
    assert_eq!(
        rs[4].result.partial_unexpected_list.as_ref().unwrap(),
        &vec![json!("abc"), json!("xbz")]
    );
    assert_eq!(rs[5].result.unexpected_count, Some(2));
    assert_eq!(rs[0].result.missing_count, Some(1));
}

#[tokio::test]
async fn sets_compare_without_type_coercion() {
    let f = fixture(vec![
        (
            "I",
            Arc::new(Int64Array::from(vec![Some(1), Some(2), None])) as ArrayRef,
        ),
        ("S", strings(&[Some("1"), Some("2"), Some("3")])),
    ]);
    let rs = run(
        &f,
        &[
            one(
                "expect_column_values_to_be_in_set",
                "{column: I, value_set: ['1', '2']}",
            ),
            one(
                "expect_column_values_to_be_in_set",
                "{column: I, value_set: [1, 2]}",
            ),
            one(
                "expect_column_values_to_be_in_set",
                "{column: S, value_set: [1, 2, 3]}",
            ),
            one(
                "expect_column_values_to_not_be_in_set",
                "{column: S, value_set: ['3']}",
            ),
            one(
                "expect_column_values_to_be_in_set",
                "{column: S, value_set: ['1', '2'], mostly: 0.6}",
            ),
        ]
        .concat(),
    )
    .await;
    assert_eq!(rs[0].result.unexpected_count, Some(2));
    assert!(rs[1].success);
    assert_eq!(rs[1].result.missing_count, Some(1));
    assert_eq!(rs[2].result.unexpected_count, Some(3));
    assert_eq!(rs[3].result.unexpected_count, Some(1));
    assert!(rs[4].success, "2 of 3 meets mostly 0.6");
}

#[tokio::test]
async fn numbers_become_text_for_regex_as_python_prints_them() {
    let f = fixture(vec![
        (
            "F",
            Arc::new(Float64Array::from(vec![517.0, 2.5])) as ArrayRef,
        ),
        ("I", Arc::new(Int64Array::from(vec![42, 7])) as ArrayRef),
    ]);
    let rs = run(
        &f,
        &[
            one(
                "expect_column_values_to_match_regex",
                r"{column: F, regex: '^\d+\.\d+$'}",
            ),
            one(
                "expect_column_values_to_match_regex",
                r"{column: I, regex: '^\d+$'}",
            ),
            one(
                "expect_column_value_lengths_to_be_between",
                "{column: F, min_value: 5, max_value: 5}",
            ),
        ]
        .concat(),
    )
    .await;
    assert!(rs[0].success, "517.0 prints as '517.0'");
    assert!(rs[1].success);
    assert_eq!(
        rs[2].result.unexpected_count,
        Some(1),
        "'517.0' has 5 characters, '2.5' has 3"
    );
}

#[tokio::test]
async fn between_compares_like_python_and_reports_type_errors() {
    let f = fixture(vec![
        (
            "N",
            Arc::new(Float64Array::from(vec![
                Some(1.0),
                Some(5.0),
                Some(10.0),
                Some(f64::NAN),
            ])) as ArrayRef,
        ),
        (
            "S",
            strings(&[
                Some("2024-01-01"),
                Some("2025-06-01"),
                None,
                Some("2024-07-01"),
            ]),
        ),
    ]);
    let rs = run(
        &f,
        &[
            one(
                "expect_column_values_to_be_between",
                "{column: N, min_value: 1, max_value: 10}",
            ),
            one(
                "expect_column_values_to_be_between",
                "{column: N, min_value: 1, max_value: 10, strict_min: true, strict_max: true}",
            ),
            one(
                "expect_column_values_to_be_between",
                "{column: S, min_value: '2024-01-01', max_value: '2024-12-31'}",
            ),
            one(
                "expect_column_values_to_be_between",
                "{column: S, min_value: 0}",
            ),
        ]
        .concat(),
    )
    .await;
    assert!(rs[0].success);
    assert_eq!(
        rs[0].result.missing_count,
        Some(1),
        "NaN is skipped as missing"
    );
    assert_eq!(rs[1].result.unexpected_count, Some(2));
    assert_eq!(rs[2].result.unexpected_count, Some(1));
    assert!(!rs[3].success);
    let msg = &rs[3].exception_info.as_ref().unwrap().exception_message;
    assert!(
        msg.contains("not supported between instances of 'str' and 'float'"),
        "{msg}"
    );
}

#[tokio::test]
async fn empty_and_all_null_columns_pass_map_expectations() {
    let f = fixture(vec![("A", strings(&[None, None]))]);
    let rs = run(
        &f,
        &[
            one(
                "expect_column_values_to_be_in_set",
                "{column: A, value_set: [x]}",
            ),
            one(
                "expect_column_values_to_match_regex",
                "{column: A, regex: '^x$'}",
            ),
            one("expect_column_values_to_be_unique", "{column: A}"),
        ]
        .concat(),
    )
    .await;
    assert!(rs.iter().all(|r| r.success));
    assert_eq!(rs[0].result.unexpected_percent, None);
    assert_eq!(rs[0].result.missing_percent, Some(100.0));
}

#[tokio::test]
async fn partial_unexpected_list_keeps_the_first_twenty_in_row_order() {
    let values: Vec<Option<String>> = (0..100).map(|i| Some(format!("v{i:03}"))).collect();
    let arr: ArrayRef = Arc::new(StringArray::from(values));
    let f = fixture(vec![("A", arr)]);
    let r = &run(
        &f,
        &one(
            "expect_column_values_to_be_in_set",
            "{column: A, value_set: [v050]}",
        ),
    )
    .await[0];
    assert_eq!(r.result.unexpected_count, Some(99));
    let list = r.result.partial_unexpected_list.as_ref().unwrap();
    assert_eq!(list.len(), 20);
    assert_eq!(list[0], json!("v000"));
    assert_eq!(list[19], json!("v019"));
}

#[tokio::test]
async fn table_expectations_and_a_missing_column() {
    let f = fixture(vec![
        ("A", strings(&[Some("x"), Some("y")])),
        ("B", strings(&[Some("1"), None])),
    ]);
    let rs = run(
        &f,
        &[
            one(
                "expect_table_row_count_to_be_between",
                "{min_value: 1, max_value: null}",
            ),
            one("expect_table_row_count_to_be_between", "{min_value: 3}"),
            one("expect_table_row_count_to_equal", "{value: 2}"),
            one("expect_table_column_count_to_equal", "{value: 3}"),
            one(
                "expect_table_column_count_to_be_between",
                "{min_value: 1, max_value: 2}",
            ),
            one("expect_table_columns_to_match_set", "{column_set: [B, A]}"),
            one(
                "expect_table_columns_to_match_set",
                "{column_set: [A], exact_match: false}",
            ),
            one(
                "expect_table_columns_to_match_ordered_list",
                "{column_list: [B, A]}",
            ),
            one("expect_column_to_exist", "{column: B, column_index: 1}"),
            one("expect_column_to_exist", "{column: C}"),
            one("expect_column_values_to_not_be_null", "{column: C}"),
        ]
        .concat(),
    )
    .await;
    let ok: Vec<bool> = rs.iter().map(|r| r.success).collect();
    assert_eq!(
        ok,
        vec![true, false, true, false, true, true, true, false, true, false, false]
    );
    assert_eq!(rs[0].result.observed_value, Some(json!(2)));
    assert_eq!(rs[3].result.observed_value, Some(json!(2)));
    let e = rs[10]
        .exception_info
        .as_ref()
        .expect("missing column is an exception, not a crash");
    assert!(
        e.exception_message.contains("\"C\" is not in the file"),
        "{}",
        e.exception_message
    );
}

#[tokio::test]
async fn only_the_columns_a_suite_names_are_fetched() {
    // A wide file: a suite on one column fetches a small part of it.
    let big: Vec<Option<String>> = (0..20_000)
        .map(|i| Some(format!("{i:08}-padding-padding-padding")))
        .collect();
    let mut cols: Vec<(&str, ArrayRef)> = Vec::new();
    let names: Vec<String> = (0..10).map(|i| format!("C{i}")).collect();
    for n in &names {
        cols.push((
            n.as_str(),
            Arc::new(StringArray::from(big.clone())) as ArrayRef,
        ));
    }
    let f = fixture(cols);
    let yaml = format!(
        "expectations:\n{}",
        one("expect_column_values_to_not_be_null", "{column: C3}")
    );
    let suite = CompiledSuite::load(&yaml, "t").unwrap();
    let entry = f.store.head("t.parquet").await.unwrap().unwrap();
    let v = engine::validate(&f.store, &entry, &suite).await.unwrap();
    assert!(v.results[0].success);
    assert!(
        v.bytes_fetched < entry.size / 5,
        "fetched {} of {} bytes",
        v.bytes_fetched,
        entry.size
    );
    // A footer-only suite fetches the footer only.
    let yaml = format!(
        "expectations:\n{}",
        one("expect_table_row_count_to_equal", "{value: 20000}")
    );
    let suite = CompiledSuite::load(&yaml, "t").unwrap();
    let v = engine::validate(&f.store, &entry, &suite).await.unwrap();
    assert!(v.results[0].success);
    assert!(
        v.bytes_fetched <= 64 * 1024 + 8,
        "fetched {}",
        v.bytes_fetched
    );
}

#[tokio::test]
async fn a_file_that_vanished_is_a_storage_error_not_bad_bytes() {
    let f = fixture(vec![("A", strings(&[Some("x")]))]);
    let mut entry = f.store.head("t.parquet").await.unwrap().unwrap();
    entry.key = "gone.parquet".into();
    let suite = CompiledSuite::load(
        &format!(
            "expectations:\n{}",
            one("expect_column_values_to_not_be_null", "{column: A}")
        ),
        "t",
    )
    .unwrap();
    let err = engine::validate(&f.store, &entry, &suite)
        .await
        .unwrap_err();
    assert_eq!(
        err.kind,
        engine::ReadErrorKind::Transient,
        "{}",
        err.message
    );
    assert!(err.message.contains("gone.parquet"), "{}", err.message);
    // Bad bytes are not retried: they are corrupt.
    std::fs::write(f._dir.path().join("bad.parquet"), b"PAR1garbagePAR1").unwrap();
    let bad = f.store.head("bad.parquet").await.unwrap().unwrap();
    let err = engine::validate(&f.store, &bad, &suite).await.unwrap_err();
    assert_eq!(err.kind, engine::ReadErrorKind::Corrupt, "{}", err.message);
}

/// Writes `t.parquet` with row groups of `group_rows`.
fn fixture_groups(columns: Vec<(&str, ArrayRef)>, group_rows: usize) -> Fixture {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .build();
    fixture_with(columns, Some(props))
}

/// Both validations gave the same results, as JSON.
fn assert_same_results(a: &[ExpectationResult], b: &[ExpectationResult]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(
            serde_json::to_value(x).unwrap(),
            serde_json::to_value(y).unwrap()
        );
    }
}

/// Equal as JSON, floats within a relative 1e-12.
fn same(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
                "{at}: {x} vs {y}"
            );
        }
        (Array(x), Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: {a} vs {b}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same(x, y, &format!("{at}[{i}]"));
            }
        }
        (Object(x), Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, v) in x {
                same(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// A file large enough to be scanned in parts on several threads gives the
/// same results as one scan of the same rows, for every kind of check, with
/// duplicates, order breaks and partial lists across the parts' seams.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_scanned_in_parallel_parts_gives_the_results_of_one_scan() {
    let n: usize = 1_200_000;
    // Row groups of 300,000: parts begin at row 600,000 (two parts) or at
    // 600,000 and 900,000 (three or more).
    let seams = [600_000usize, 900_000];
    let mut id: Vec<i64> = (0..n as i64).collect();
    id[599_999] = 42; // a duplicate of row 42 in the first part …
    id[600_000] = 7; // … and of row 7 across a seam
    id[900_001] = 7;
    let mut ord: Vec<i64> = (0..n as i64).map(|i| i * 2).collect();
    for s in seams {
        ord[s] = 5; // out of order at each seam
    }
    ord[1_000] = 1; // and inside the first part
    let s: Vec<Option<String>> = (0..n)
        .map(|i| match i % 97 {
            0 => None,
            1 if i > 1_100_000 => Some("zz".to_string()),
            _ => Some(["a", "b", "c", "d", "e"][i % 5].to_string()),
        })
        .collect();
    let f: Vec<Option<f64>> = (0..n)
        .map(|i| match i % 101 {
            0 => None,
            1 => Some(f64::NAN),
            _ => Some((i % 1000) as f64 * 0.25 - 3.0),
        })
        .collect();
    let a: Vec<i64> = (0..n as i64).map(|i| i % 50).collect();
    let b: Vec<i64> = (0..n as i64).map(|i| (i + 7) % 50).collect();
    // The ids as text: integers in the first part, not all in the second
    // ("07" is not "7"), so the parts collect them in different ways.
    let sid: Vec<String> = id
        .iter()
        .enumerate()
        .map(|(i, v)| match i {
            1_150_000 => "07".to_string(),
            1_150_001 => "x".to_string(),
            _ => v.to_string(),
        })
        .collect();
    let columns = |_: ()| -> Vec<(&str, ArrayRef)> {
        vec![
            ("id", Arc::new(Int64Array::from(id.clone())) as ArrayRef),
            ("ord", Arc::new(Int64Array::from(ord.clone()))),
            ("s", Arc::new(StringArray::from(s.clone()))),
            ("f", Arc::new(Float64Array::from(f.clone()))),
            ("a", Arc::new(Int64Array::from(a.clone()))),
            ("b", Arc::new(Int64Array::from(b.clone()))),
            ("sid", Arc::new(StringArray::from(sid.clone()))),
        ]
    };
    let whole = fixture_groups(columns(()), n);
    let split = fixture_groups(columns(()), 300_000);
    let suite = [
        one("expect_column_values_to_be_unique", "{column: id}"),
        one("expect_compound_columns_to_be_unique", "{column_list: [id, s]}"),
        one("expect_column_values_to_be_increasing", "{column: ord}"),
        one("expect_column_values_to_be_increasing", "{column: ord, strictly: true}"),
        one("expect_column_values_to_be_in_set", "{column: s, value_set: [a, b, c, d, e]}"),
        one("expect_column_values_to_not_be_null", "{column: f}"),
        one("expect_column_values_to_be_between", "{column: f, min_value: -2, max_value: 200}"),
        one("expect_column_values_to_match_regex", "{column: s, regex: '^[a-e]$'}"),
        one("expect_column_value_lengths_to_equal", "{column: s, value: 1}"),
        one("expect_column_mean_to_be_between", "{column: f, min_value: 0}"),
        one("expect_column_stdev_to_be_between", "{column: f, min_value: 0}"),
        one("expect_column_median_to_be_between", "{column: f, min_value: 0}"),
        one("expect_column_sum_to_be_between", "{column: id, min_value: 0}"),
        one("expect_column_min_to_be_between", "{column: ord, min_value: 0}"),
        one("expect_column_max_to_be_between", "{column: s, max_value: zz}"),
        one(
            "expect_column_quantile_values_to_be_between",
            "{column: f, quantile_ranges: {quantiles: [0.1, 0.5, 0.9], value_ranges: [[null, null], [null, null], [null, null]]}}",
        ),
        one("expect_column_distinct_values_to_be_in_set", "{column: s, value_set: [a, b, c, d, e]}"),
        one("expect_column_unique_value_count_to_be_between", "{column: s, min_value: 1}"),
        one("expect_column_proportion_of_unique_values_to_be_between", "{column: a, min_value: 0}"),
        one("expect_column_values_to_be_of_type", "{column: s, type_: str}"),
        one("expect_column_pair_values_a_to_be_greater_than_b", "{column_A: a, column_B: b}"),
        one("expect_column_values_to_be_unique", "{column: sid}"),
    ]
    .concat();
    let one_scan = run(&whole, &suite).await;
    let in_parts = run(&split, &suite).await;
    assert_eq!(one_scan.len(), in_parts.len());
    for (x, y) in one_scan.iter().zip(&in_parts) {
        let (x, y) = (
            serde_json::to_value(x).unwrap(),
            serde_json::to_value(y).unwrap(),
        );
        same(&x, &y, x["expectation_type"].as_str().unwrap());
    }
    // The seams really were crossed: duplicates and order breaks from both sides.
    let unique = serde_json::to_value(&in_parts[0]).unwrap();
    assert_eq!(unique["result"]["unexpected_count"], 5, "{unique}");
    let ordered = serde_json::to_value(&in_parts[2]).unwrap();
    assert_eq!(ordered["result"]["unexpected_count"], 3, "{ordered}");
    let text_ids = serde_json::to_value(in_parts.last().unwrap()).unwrap();
    assert_eq!(text_ids["result"]["unexpected_count"], 5, "{text_ids}");
    assert_eq!(
        text_ids["result"]["partial_unexpected_list"],
        json!(["7", "42", "42", "7", "7"])
    );
}

/// Not-null and integer ranges that the row groups' statistics settle read
/// only the footer; without statistics, or when a range could fail, the
/// pages are decoded, with the same results.
#[tokio::test]
async fn statistics_settle_what_they_can_without_decoding_a_page() {
    let n = 200_000usize;
    let columns = || -> Vec<(&str, ArrayRef)> {
        vec![
            (
                "id",
                Arc::new(Int64Array::from((0..n as i64).collect::<Vec<_>>())) as ArrayRef,
            ),
            (
                "k",
                Arc::new(Int64Array::from(
                    (0..n)
                        .map(|i| (i % 10 != 0).then_some((i % 7) as i64))
                        .collect::<Vec<_>>(),
                )),
            ),
            (
                "x",
                Arc::new(Float64Array::from(
                    (0..n).map(|i| i as f64).collect::<Vec<_>>(),
                )),
            ),
        ]
    };
    let write = |stats: bool| {
        let level = if stats {
            parquet::file::properties::EnabledStatistics::Chunk
        } else {
            parquet::file::properties::EnabledStatistics::None
        };
        let props = parquet::file::properties::WriterProperties::builder()
            .set_statistics_enabled(level)
            .set_max_row_group_row_count(Some(50_000))
            .build();
        fixture_with(columns(), Some(props))
    };
    let settled = [
        one("expect_column_values_to_not_be_null", "{column: id}"),
        one(
            "expect_column_values_to_be_between",
            "{column: id, min_value: 0, max_value: 200000}",
        ),
        one(
            "expect_column_values_to_be_between",
            "{column: k, min_value: 0, max_value: 6}",
        ),
    ]
    .concat();
    let validate = |f: &Fixture, expectations: &str| {
        let yaml = format!("expectations:\n{expectations}");
        let suite = CompiledSuite::load(&yaml, "test_validation.yml").unwrap();
        let store = f.store.clone();
        async move {
            let entry = store.head("t.parquet").await.unwrap().unwrap();
            engine::validate(&store, &entry, &suite).await.unwrap()
        }
    };
    let with = write(true);
    let without = write(false);
    let a = validate(&with, &settled).await;
    let b = validate(&without, &settled).await;
    // The footer read (the last 64 KiB, one request) and nothing else.
    let size = with.store.head("t.parquet").await.unwrap().unwrap().size;
    assert!(
        a.bytes_fetched <= 65_536 && a.bytes_fetched * 10 < size,
        "{} of {size} bytes fetched with statistics",
        a.bytes_fetched
    );
    assert!(
        b.bytes_fetched * 2 > size,
        "without statistics the pages are read"
    );
    assert_same_results(&a.results, &b.results);
    assert!(a.results.iter().all(|x| x.success));
    assert_eq!(a.results[2].result.missing_count, Some(20_000));

    // Not settled: a range that some rows break, not-null on a column with
    // nulls, and floats (a NaN is missing for GX): decoded, the same verdicts.
    let open = [
        one(
            "expect_column_values_to_be_between",
            "{column: id, min_value: 10}",
        ),
        one("expect_column_values_to_not_be_null", "{column: k}"),
        one("expect_column_values_to_not_be_null", "{column: x}"),
    ]
    .concat();
    let a = validate(&with, &open).await;
    let b = validate(&without, &open).await;
    assert!(
        a.bytes_fetched * 2 > size,
        "undecided checks decode the pages"
    );
    assert_same_results(&a.results, &b.results);
    assert_eq!(a.results[0].result.unexpected_count, Some(10));
    assert_eq!(a.results[1].result.unexpected_count, Some(20_000));
}

/// A uniqueness check over a budget of memory runs in passes, one hash
/// partition of the values each: the same counts and partial list as one
/// pass holding every value.
#[tokio::test]
async fn uniqueness_in_hash_partitions_matches_one_pass() {
    let n = 200_000usize;
    let id: Vec<Option<i64>> = (0..n)
        .map(|i| match i {
            _ if i % 1000 == 0 => None,
            _ if i % 777 == 0 => Some(5),
            _ if i % 501 == 0 => Some((i / 10_000) as i64 * 3),
            _ => Some(i as i64),
        })
        .collect();
    let name: Vec<Option<String>> = (0..n)
        .map(|i| (i % 3 != 0).then(|| format!("n{}", i % 90_000)))
        .collect();
    let f = fixture_groups(
        vec![
            ("id", Arc::new(Int64Array::from(id)) as ArrayRef),
            ("name", Arc::new(StringArray::from(name))),
        ],
        50_000,
    );
    let yaml = format!(
        "expectations:\n{}{}{}",
        one("expect_column_values_to_be_unique", "{column: id}"),
        one("expect_column_values_to_be_unique", "{column: name}"),
        one(
            "expect_compound_columns_to_be_unique",
            "{column_list: [id, name], ignore_row_if: any_value_is_missing}"
        ),
    );
    let suite = CompiledSuite::load(&yaml, "test_validation.yml").unwrap();
    let entry = f.store.head("t.parquet").await.unwrap().unwrap();
    let one_pass = engine::validate(&f.store, &entry, &suite).await.unwrap();
    let tight = aims_dq::config::Limits {
        unique_memory_mb: 1, // 200,000 rows × 96 bytes: 19 partitions
        ..Default::default()
    };
    let passes = engine::validate_with(&f.store, &entry, &suite, &tight)
        .await
        .unwrap();
    assert!(
        passes.bytes_fetched > 10 * one_pass.bytes_fetched,
        "the partitions re-read the columns: {} vs {} bytes",
        passes.bytes_fetched,
        one_pass.bytes_fetched
    );
    assert_same_results(&one_pass.results, &passes.results);
    assert!(!one_pass.results[0].success && !one_pass.results[1].success);
    assert!(one_pass.results[0].result.unexpected_count > Some(200));
    // A limit on distinct values still applies across partitions.
    let few = aims_dq::config::Limits {
        unique_memory_mb: 1,
        unique_max_values: 1_000,
        ..Default::default()
    };
    let r = engine::validate_with(&f.store, &entry, &suite, &few)
        .await
        .unwrap();
    let e = r.results[0].exception_info.as_ref().expect("limit reached");
    assert!(
        e.exception_message.contains("limits.unique_max_values"),
        "{e:?}"
    );
}

/// String ids are collected as integers while each is one written the way
/// Python prints it; "007" is not "7". A non-canonical value part-way moves
/// what was collected into the general map. Counts and partial lists are
/// those of an independent count, in one pass and in hash partitions.
#[tokio::test]
async fn uniqueness_of_integer_strings_is_exact() {
    let n = 120_000usize;
    let canonical = |i: usize| -> Option<String> {
        match i {
            _ if i.is_multiple_of(997) => None,
            _ if i.is_multiple_of(613) => Some(format!("{}", i / 613 % 50)),
            _ if i.is_multiple_of(401) => Some(format!("-{}", i / 401 % 40 + 1)),
            _ => Some(i.to_string()),
        }
    };
    // Only canonical integers; and the same with other strings from row 70,000.
    let ints: Vec<Option<String>> = (0..n).map(canonical).collect();
    let mixed: Vec<Option<String>> = (0..n)
        .map(|i| match i {
            _ if i >= 70_000 && i.is_multiple_of(311) => Some(format!("0{}", i / 311 % 30)),
            _ if i >= 70_000 && i.is_multiple_of(257) => Some("-0".to_string()),
            _ => canonical(i),
        })
        .collect();
    let expected = |values: &[Option<String>]| {
        let mut counts: std::collections::HashMap<&str, usize> = Default::default();
        for v in values.iter().flatten() {
            *counts.entry(v).or_default() += 1;
        }
        let dup: Vec<&str> = values
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|v| counts[v] > 1)
            .collect();
        (
            dup.len() as u64,
            json!(dup.iter().take(20).collect::<Vec<_>>()),
        )
    };
    let f = fixture_groups(
        vec![
            (
                "ints",
                Arc::new(StringArray::from(ints.clone())) as ArrayRef,
            ),
            ("mixed", Arc::new(StringArray::from(mixed.clone()))),
        ],
        30_000,
    );
    let yaml = format!(
        "expectations:\n{}{}",
        one("expect_column_values_to_be_unique", "{column: ints}"),
        one("expect_column_values_to_be_unique", "{column: mixed}"),
    );
    let suite = CompiledSuite::load(&yaml, "test_validation.yml").unwrap();
    let entry = f.store.head("t.parquet").await.unwrap().unwrap();
    let one_pass = engine::validate(&f.store, &entry, &suite).await.unwrap();
    for (r, values) in one_pass.results.iter().zip([&ints, &mixed]) {
        let (count, partial) = expected(values);
        assert_eq!(r.result.unexpected_count, Some(count), "{r:?}");
        assert_eq!(
            r.result.partial_unexpected_list,
            Some(partial.as_array().unwrap().clone())
        );
        assert_eq!(r.result.missing_count, Some((n / 997 + 1) as u64));
    }
    let tight = aims_dq::config::Limits {
        unique_memory_mb: 1, // 120,000 pairs × 16 bytes: more than one pass
        ..Default::default()
    };
    let passes = engine::validate_with(&f.store, &entry, &suite, &tight)
        .await
        .unwrap();
    assert!(passes.bytes_fetched > 2 * one_pass.bytes_fetched);
    assert_same_results(&one_pass.results, &passes.results);
}

/// A string column is read as a dictionary only when parquet stores every
/// page of it that way; stored as a dictionary, as plain pages, or as a
/// dictionary that overflowed into plain pages, it gives the same results.
#[tokio::test]
async fn string_checks_agree_however_the_column_is_encoded() {
    use parquet::file::properties::WriterProperties;
    let n = 40_000usize;
    let values: Vec<Option<String>> = (0..n)
        .map(|i| match i {
            _ if i.is_multiple_of(101) => None,
            _ if i.is_multiple_of(7) => Some(format!("bad value {i}")),
            _ if i >= 30_000 => Some(format!("id-{i}")),
            _ => Some(["alpha", "beta", "ÿamma"][i % 3].to_string()),
        })
        .collect();
    let yaml = format!(
        "expectations:\n{}{}{}{}",
        one(
            "expect_column_values_to_be_in_set",
            "{column: s, value_set: [alpha, beta, ÿamma]}"
        ),
        one(
            "expect_column_value_lengths_to_be_between",
            "{column: s, min_value: 4, max_value: 5}"
        ),
        one(
            "expect_column_values_to_match_regex",
            "{column: s, regex: '^[a-zÿ]+$'}"
        ),
        one("expect_column_values_to_be_unique", "{column: s}"),
    );
    let suite = CompiledSuite::load(&yaml, "test_validation.yml").unwrap();
    let encodings = [
        ("dictionary", WriterProperties::builder().build()),
        (
            "plain",
            WriterProperties::builder()
                .set_dictionary_enabled(false)
                .build(),
        ),
        (
            "dictionary overflowing into plain pages",
            WriterProperties::builder()
                .set_dictionary_page_size_limit(64)
                .set_data_page_row_count_limit(1_000)
                .set_write_batch_size(1_000)
                .build(),
        ),
    ];
    let mut results = Vec::new();
    for (name, props) in encodings {
        let column = Arc::new(StringArray::from(values.clone())) as ArrayRef;
        let f = fixture_with(vec![("s", column)], Some(props));
        let entry = f.store.head("t.parquet").await.unwrap().unwrap();
        let r = engine::validate(&f.store, &entry, &suite).await.unwrap();
        results.push((name, r.results));
    }
    let (_, first) = &results[0];
    assert!(first
        .iter()
        .all(|r| !r.success && r.exception_info.is_none()));
    assert!(first[0].result.unexpected_count > Some(10_000));
    for (name, r) in &results[1..] {
        eprintln!("comparing {name}");
        assert_same_results(first, r);
    }
}

/// Uniqueness of integers past the memory budget: when no value comes
/// twice, the first pass proves it with one bit per value and the file is
/// read once; a value that does come twice (in one part or across the
/// parts' seam), or values too sparse for the bits, send the check back to
/// partitioned passes, with exact counts either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uniqueness_past_the_budget_is_proved_in_one_pass_when_no_value_repeats() {
    let n: usize = 1_200_000;
    let id: Vec<i64> = (0..n as i64).map(|i| i * 7_919 % n as i64).collect();
    let sid: Vec<Option<String>> = (0..n)
        .map(|i| (i % 1_000 != 0).then(|| (i + 1_000_000).to_string()))
        .collect();
    let sparse: Vec<i64> = (0..n as i64).map(|i| i << 20).collect();
    let mut early: Vec<i64> = (0..n as i64).collect();
    early[200_000] = 100_000; // twice within the first part, after the pairs went
    let mut late: Vec<i64> = (0..n as i64).collect();
    late[n - 1] = 3; // twice across the seam at row 600,000
    let f = fixture_groups(
        vec![
            ("id", Arc::new(Int64Array::from(id)) as ArrayRef),
            ("sid", Arc::new(StringArray::from(sid.clone()))),
            ("sparse", Arc::new(Int64Array::from(sparse))),
            ("early", Arc::new(Int64Array::from(early))),
            ("late", Arc::new(Int64Array::from(late))),
        ],
        300_000,
    );
    let entry = f.store.head("t.parquet").await.unwrap().unwrap();
    let suite_of = |columns: &[&str]| {
        let body: String = columns
            .iter()
            .map(|c| {
                one(
                    "expect_column_values_to_be_unique",
                    &format!("{{column: {c}}}"),
                )
            })
            .collect();
        CompiledSuite::load(&format!("expectations:\n{body}"), "test_validation.yml").unwrap()
    };
    // 1.2 M pairs of 16 bytes are ~18 MB: 1 MiB cannot hold them.
    let tight = aims_dq::config::Limits {
        unique_memory_mb: 1,
        ..Default::default()
    };
    let roomy = aims_dq::config::Limits::default();

    let unique = suite_of(&["id", "sid"]);
    let once = engine::validate_with(&f.store, &entry, &unique, &roomy)
        .await
        .unwrap();
    let proved = engine::validate_with(&f.store, &entry, &unique, &tight)
        .await
        .unwrap();
    assert_same_results(&once.results, &proved.results);
    for r in &proved.results {
        assert!(r.success, "{r:?}");
        assert_eq!(r.result.unexpected_count, Some(0));
    }
    assert_eq!(proved.results[1].result.missing_count, Some(1_200));
    assert_eq!(proved.bytes_fetched, once.bytes_fetched, "read once");
    // Settled by the bits, a check still keeps to limits.unique_max_values.
    let capped = aims_dq::config::Limits {
        unique_max_values: 1_000,
        ..tight.clone()
    };
    let refused = engine::validate_with(&f.store, &entry, &unique, &capped)
        .await
        .unwrap();
    for r in &refused.results {
        let e = r.exception_info.as_ref().expect("an exception");
        assert!(
            e.exception_message.contains("limits.unique_max_values"),
            "{}",
            e.exception_message
        );
        assert!(!r.success);
    }

    let repeated = suite_of(&["sparse", "early", "late"]);
    let once = engine::validate_with(&f.store, &entry, &repeated, &roomy)
        .await
        .unwrap();
    let passes = engine::validate_with(&f.store, &entry, &repeated, &tight)
        .await
        .unwrap();
    assert_same_results(&once.results, &passes.results);
    assert!(passes.bytes_fetched > 2 * once.bytes_fetched);
    let counts: Vec<_> = passes
        .results
        .iter()
        .map(|r| {
            (
                r.success,
                r.result.unexpected_count,
                r.result.partial_unexpected_list.clone(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            (true, Some(0), Some(vec![])),
            (false, Some(2), Some(vec![json!(100_000), json!(100_000)])),
            (false, Some(2), Some(vec![json!(3), json!(3)])),
        ]
    );
}

/// A reader opened with the offset index (as the profiler's sampler is)
/// fetches only the pages of the rows it selects; without it, whole column
/// chunks.
#[tokio::test]
async fn a_sampled_read_fetches_only_the_pages_of_its_rows() {
    use futures::TryStreamExt;
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, RowSelection, RowSelector};
    use parquet::file::metadata::PageIndexPolicy;
    let n = 200_000usize;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_data_page_row_count_limit(1_000)
        .set_write_batch_size(1_000)
        .set_dictionary_enabled(false)
        .build();
    let f = fixture_with(
        vec![
            (
                "id",
                Arc::new(Int64Array::from_iter_values(0..n as i64)) as ArrayRef,
            ),
            (
                "s",
                Arc::new(StringArray::from_iter_values(
                    (0..n).map(|i| format!("value number {i}")),
                )),
            ),
        ],
        Some(props),
    );
    let entry = f.store.head("t.parquet").await.unwrap().unwrap();
    let mut fetched = Vec::new();
    for policy in [PageIndexPolicy::Optional, PageIndexPolicy::Skip] {
        let options = ArrowReaderOptions::new().with_offset_index_policy(policy);
        let (builder, reader) = engine::open_with(&f.store, &entry, options).await.unwrap();
        assert_eq!(
            builder
                .metadata()
                .page_index()
                .is_some_and(|p| p.has_offset_indexes()),
            policy == PageIndexPolicy::Optional
        );
        let counter = reader.fetched_counter();
        let before = counter.load(std::sync::atomic::Ordering::Relaxed);
        let selection = RowSelection::from(vec![
            RowSelector::skip(100_000),
            RowSelector::select(500),
            RowSelector::skip(n - 100_500),
        ]);
        let batches: Vec<_> = builder
            .with_row_selection(selection)
            .build()
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 500);
        fetched.push(counter.load(std::sync::atomic::Ordering::Relaxed) - before);
    }
    assert!(
        fetched[0] * 20 < entry.size && fetched[1] > entry.size / 2,
        "fetched with the offset index {}, without {}, file {}",
        fetched[0],
        fetched[1],
        entry.size
    );
}
