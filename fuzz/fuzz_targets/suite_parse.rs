//! Any bytes as a suite: a configuration error or a suite, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aims_dq::fuzzing::suite_parse(data);
});
