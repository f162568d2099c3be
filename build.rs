//! Embeds Plotly.js for the dashboard, compressed: the `plotly` crate's
//! offline bundle (Plotly.js plus MathJax, which the dashboard does not use)
//! would add 6.8 MB to every binary; Plotly.js alone, deflated, adds 1.4 MB.

use std::io::Write;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let all = plotly::Plot::offline_js_sources();
    // The sources are `<script …>plotly.js</script>` followed by MathJax.
    let start = all.find('>').map(|i| i + 1).unwrap_or(0);
    let end = all.find("</script>").unwrap_or(all.len());
    let js = &all[start..end];
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(js.as_bytes()).expect("compress plotly.js");
    let bytes = enc.finish().expect("compress plotly.js");
    std::fs::write(out.join("plotly.min.js.deflate"), bytes).expect("write plotly.js");
}
