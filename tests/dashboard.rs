//! The HTML dashboard in a real browser: headless Chromium (Debian package,
//! installed by `scripts/test`) opens the file, every chart is drawn, no
//! error reaches the console, and values from the data are shown as text,
//! never run. A screenshot is saved to `target/dashboard.png`.

mod common;

use std::process::Command;

use common::{files_under, Workspace};

fn chromium() -> Option<&'static str> {
    if Command::new("chromium").arg("--version").output().is_ok() {
        return Some("chromium");
    }
    assert!(
        std::env::var_os("AIMS_DQ_REQUIRE_SERVICES").is_none(),
        "chromium is missing: scripts/test installs it (Debian package chromium)"
    );
    eprintln!("SKIPPED: chromium is not installed (Debian package chromium)");
    None
}

fn browser(bin: &str, profile: &std::path::Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--virtual-time-budget=20000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

const EVIL_COLUMN: &str = "<script>document.body.setAttribute('data-pwned','1')</script>";
const EVIL_VALUE: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">";

#[test]
fn the_dashboard_draws_every_chart_in_chromium_and_shows_data_as_text() {
    let Some(bin) = chromium() else {
        return;
    };
    let ws = Workspace::with_demo(true);
    assert_eq!(ws.run(&["profile"]).code, 0);
    // A suite naming a hostile column and a hostile value: both end up in
    // the failure details, the heat map and the embedded report.
    let suite = ws.suites().join("aims_tracks_validation.yml");
    let mut text = std::fs::read_to_string(&suite).unwrap();
    text.push_str(&format!(
        "- expectation_type: expect_column_values_to_not_be_null\n  kwargs:\n    column: {:?}\n  meta: {{severity: critical}}\n- expectation_type: expect_column_values_to_be_in_set\n  kwargs:\n    column: ID\n    value_set: [{:?}]\n  meta: {{severity: low}}\n",
        EVIL_COLUMN, EVIL_VALUE
    ));
    std::fs::write(&suite, text).unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = ws.run(&["monitor"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = files_under(&ws.state().join("reports"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "html"))
        .expect("a dashboard was written");
    assert!(r.stdout.contains("Dashboard: "), "{}", r.stdout);
    let source = std::fs::read_to_string(&html).unwrap();
    assert!(
        !source.contains(EVIL_COLUMN) && !source.contains(EVIL_VALUE),
        "raw markup in the file"
    );
    // Self-contained: no script or style is fetched.
    assert!(
        !source.contains("<script src") && !source.contains("<link "),
        "the file must work offline"
    );
    eprintln!("dashboard: {} bytes", source.len());

    let dom = browser(bin, &ws.path("chrome-a"))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    let body = dom
        .split("<body")
        .nth(1)
        .and_then(|b| b.split('>').next())
        .unwrap_or_default();
    assert!(
        body.contains(&format!(
            "data-charts-drawn=\"{}\"",
            aims_dq::monitor::dashboard::CHARTS
        )),
        "not every chart was drawn: <body{body}>"
    );
    assert!(
        body.contains(&format!(
            "data-charts-rendered=\"{}\"",
            aims_dq::monitor::dashboard::CHARTS
        )),
        "not every chart has its SVG: <body{body}>"
    );
    assert!(
        body.contains("data-errors=\"\""),
        "console errors: <body{body}>"
    );
    assert!(
        !body.contains("data-pwned"),
        "data from the files ran as code: <body{body}>"
    );
    // The hostile names are there, as text.
    assert!(
        dom.contains("&lt;script&gt;document.body.setAttribute"),
        "the hostile column is not shown"
    );
    for id in [
        "t-watermarks",
        "t-latest",
        "t-failures",
        "t-freshness",
        "t-daily",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "table {id} missing");
    }

    let shot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard.png");
    let o = browser(bin, &ws.path("chrome-b"))
        .args(["--window-size=1400,3600"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 50_000,
        "an empty screenshot"
    );
}
