//! Any bytes as a parquet file validated with a fixed suite: a result or a
//! read error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aims_dq::fuzzing::validate_bytes(data);
});
