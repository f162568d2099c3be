//! Entry points shared by the `cargo fuzz` targets in `fuzz/` and the test
//! that replays their saved corpus, so CI exercises every saved input.

use bytes::Bytes;

use crate::engine;
use crate::store::Store;
use crate::suite::CompiledSuite;

/// A suite touching every kind of check, on columns the seed files have.
pub const FUZZ_SUITE: &str = r#"
quality_thresholds: {critical: 100, high: 90, medium: 80, low: 50}
expectations:
- {expectation_type: expect_table_row_count_to_be_between, kwargs: {min_value: 1}, meta: {severity: critical}}
- {expectation_type: expect_table_column_count_to_equal, kwargs: {value: 3}}
- {expectation_type: expect_column_to_exist, kwargs: {column: ID, column_index: 0}}
- {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: ID}}
- {expectation_type: expect_column_values_to_be_unique, kwargs: {column: ID}}
- {expectation_type: expect_column_values_to_match_regex, kwargs: {column: ID, regex: '^\d+$', mostly: 0.9}}
- {expectation_type: expect_column_values_to_be_in_set, kwargs: {column: STATUS, value_set: [Open, Closed, 1, true]}}
- {expectation_type: expect_column_value_lengths_to_be_between, kwargs: {column: STATUS, min_value: 1, max_value: 10}}
- {expectation_type: expect_column_values_to_be_between, kwargs: {column: AMOUNT, min_value: 0, max_value: 1000}}
- {expectation_type: expect_column_values_to_be_between, kwargs: {column: STATUS, min_value: a, max_value: z}}
"#;

/// Parses and compiles arbitrary bytes as a suite.
pub fn suite_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(suite) = CompiledSuite::load(&text, "fuzz_validation.yml") {
        // A suite that loads must also write back out.
        let _ = suite.suite.to_yaml();
    }
}

/// Validates arbitrary bytes as a parquet file with `FUZZ_SUITE`.
pub fn validate_bytes(data: &[u8]) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    runtime.block_on(async {
        let store = Store::memory();
        if store
            .put("f.parquet", Bytes::copy_from_slice(data))
            .await
            .is_err()
        {
            return;
        }
        let Ok(Some(entry)) = store.head("f.parquet").await else {
            return;
        };
        let Ok(suite) = CompiledSuite::load(FUZZ_SUITE, "fuzz") else {
            return;
        };
        let _ = engine::validate(&store, &entry, &suite).await;
        // Profiling reads every column, so every type's decoding is exercised.
        let settings = crate::config::Settings::resolve(Default::default(), Default::default());
        if let Ok(settings) = settings {
            let _ = crate::profile::profile_file(&store, &entry, "f", &settings).await;
        }
    });
}
