//! Replays the fuzzers' saved inputs (`fuzz/corpus/<target>/`) through the
//! same entry points the fuzz targets call, so every saved input — seeds and
//! past findings — is checked in CI without a nightly toolchain.

use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Float64Array, Int64Array, ListArray, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;

fn corpus(target: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

#[test]
fn suite_parse_corpus_replays_without_panic() {
    let files = corpus("suite_parse");
    assert!(files.len() >= 5, "the seed corpus is missing");
    for f in files {
        aims_dq::fuzzing::suite_parse(&std::fs::read(&f).unwrap());
    }
}

#[test]
fn validate_parquet_corpus_replays_without_panic() {
    let files = corpus("validate_parquet");
    assert!(files.len() >= 5, "the seed corpus is missing");
    for f in files {
        aims_dq::fuzzing::validate_bytes(&std::fs::read(&f).unwrap());
    }
}

fn parquet_bytes(columns: Vec<(&str, ArrayRef)>) -> Vec<u8> {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// Writes the seed inputs. Run by hand after changing the fuzz suite:
/// `AIMS_DQ_WRITE_FUZZ_SEEDS=1 cargo test --test fuzz_corpus write_seeds -- --ignored`
#[test]
#[ignore]
fn write_seeds() {
    if std::env::var("AIMS_DQ_WRITE_FUZZ_SEEDS").is_err() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let pq = root.join("validate_parquet");
    std::fs::create_dir_all(&pq).unwrap();
    let ids: ArrayRef = Arc::new(StringArray::from(vec![
        Some("1"),
        Some("2"),
        Some("2"),
        None,
        Some("x"),
    ]));
    let status: ArrayRef = Arc::new(StringArray::from(vec![
        Some("Open"),
        Some("Closed"),
        Some("Other"),
        None,
        Some(""),
    ]));
    let amount: ArrayRef = Arc::new(Float64Array::from(vec![
        Some(1.5),
        Some(f64::NAN),
        Some(2000.0),
        None,
        Some(f64::INFINITY),
    ]));
    std::fs::write(
        pq.join("seed_strings"),
        parquet_bytes(vec![
            ("ID", ids.clone()),
            ("STATUS", status.clone()),
            ("AMOUNT", amount.clone()),
        ]),
    )
    .unwrap();
    let int_ids: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5]));
    std::fs::write(
        pq.join("seed_ints"),
        parquet_bytes(vec![
            ("ID", int_ids),
            ("STATUS", status.clone()),
            ("AMOUNT", amount),
        ]),
    )
    .unwrap();
    let lists: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1), None]),
        None,
        Some(vec![]),
        Some(vec![Some(3)]),
        Some(vec![Some(4), Some(5)]),
    ]));
    std::fs::write(
        pq.join("seed_nested"),
        parquet_bytes(vec![("ID", ids), ("STATUS", lists)]),
    )
    .unwrap();
    std::fs::write(pq.join("seed_empty"), b"").unwrap();
    std::fs::write(pq.join("seed_magic_only"), b"PAR1PAR1").unwrap();

    let sp = root.join("suite_parse");
    std::fs::create_dir_all(&sp).unwrap();
    std::fs::write(sp.join("seed_fuzz_suite"), aims_dq::fuzzing::FUZZ_SUITE).unwrap();
    std::fs::write(sp.join("seed_empty"), "").unwrap();
    std::fs::write(sp.join("seed_bad_regex"), "expectations:\n- expectation_type: expect_column_values_to_match_regex\n  kwargs: {column: A, regex: '(['}\n").unwrap();
    std::fs::write(
        sp.join("seed_unknown"),
        "expectations:\n- expectation_type: expect_magic\n  kwargs: {}\n",
    )
    .unwrap();
    std::fs::write(
        sp.join("seed_thresholds"),
        "quality_thresholds: {critical: 101, urgent: 5}\nthreshold: -1\nexpectations: []\n",
    )
    .unwrap();
    std::fs::write(sp.join("seed_original_style"), "validation_name: t\ndata_source: {type: runtime_dataframe}\nexpectations:\n- expectation_type: expect_column_values_to_be_in_set\n  kwargs:\n    column: A\n    value_set:\n    - None\n    - '0'\n  meta: {severity: medium}\n").unwrap();
}
