//! Bad input never crashes a run or loses a file: hostile files made here,
//! bad suites, bad configuration, per-file limits, secrets and key escapes.

mod common;

use std::sync::Arc;

use arrow_array::builder::{Int32Builder, ListBuilder, MapBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, Float64Array, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema};
use common::{files_under, statuses, Run, Workspace};
use parquet::arrow::ArrowWriter;

fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
    out
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

fn strings(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn simple() -> RecordBatch {
    batch(vec![
        ("ID", strings(&[Some("1"), Some("2"), Some("3")])),
        ("NAME", strings(&[Some("a"), Some("b"), None])),
    ])
}

fn nested() -> RecordBatch {
    let mut lists = ListBuilder::new(ListBuilder::new(ListBuilder::new(Int32Builder::new())));
    for i in 0..3 {
        lists.values().values().values().append_value(i);
        lists.values().values().append(true);
        lists.values().append(true);
        lists.append(i != 1);
    }
    let lists = Arc::new(lists.finish()) as ArrayRef;
    let mut maps = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
    for i in 0..3 {
        maps.keys().append_value(format!("k{i}"));
        maps.values().append_value(i);
        maps.append(true).unwrap();
    }
    let maps = Arc::new(maps.finish()) as ArrayRef;
    let st = StructArray::from(vec![
        (
            Arc::new(Field::new("lists", lists.data_type().clone(), true)),
            lists.clone(),
        ),
        (
            Arc::new(Field::new("maps", maps.data_type().clone(), true)),
            maps.clone(),
        ),
    ]);
    batch(vec![
        ("ID", strings(&[Some("1"), Some("2"), Some("3")])),
        ("deep", Arc::new(st) as ArrayRef),
        ("lists", lists),
        ("maps", maps),
    ])
}

/// Valid but hostile files, each profiled and then validated with its own suite.
fn valid_hostile() -> Vec<(&'static str, RecordBatch)> {
    let wide: Vec<(String, ArrayRef)> = (0..10_000)
        .map(|i| (format!("c{i}"), strings(&[Some("x"), None, Some("yy")])))
        .collect();
    let wide =
        RecordBatch::try_from_iter(wide.iter().map(|(n, a)| (n.as_str(), a.clone()))).unwrap();
    let dup_schema = Arc::new(Schema::new(vec![
        Field::new("A", DataType::Utf8, true),
        Field::new("A", DataType::Utf8, true),
    ]));
    let dups = RecordBatch::try_new(
        dup_schema,
        vec![
            strings(&[Some("1"), Some("2")]),
            strings(&[Some("x"), Some("x")]),
        ],
    )
    .unwrap();
    let odd = batch(vec![
        ("with space", strings(&[Some("1"), Some("2")])),
        ("dot.name", strings(&[Some("a"), Some("b")])),
        ("quote'\"", strings(&[Some("'"), Some("\"")])),
        ("ünïcödé ✓", strings(&[Some("é"), Some("✓")])),
        (
            "<script>alert(1)</script>",
            strings(&[Some("<b>"), Some("</b>")]),
        ),
    ]);
    let floats = batch(vec![(
        "F",
        Arc::new(Float64Array::from(vec![
            Some(1.5),
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            None,
            Some(-0.0),
            Some(0.0),
        ])) as ArrayRef,
    )]);
    let decimals = batch(vec![(
        "D",
        Arc::new(
            Decimal128Array::from(vec![Some(12345), None, Some(-5)])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        ) as ArrayRef,
    )]);
    let ts = batch(vec![(
        "T",
        Arc::new(
            TimestampMicrosecondArray::from(vec![Some(1_700_000_000_000_000), None])
                .with_timezone("Europe/London"),
        ) as ArrayRef,
    )]);
    let all_null = batch(vec![
        ("N", strings(&[None, None, None])),
        (
            "F",
            Arc::new(Float64Array::from(vec![None, None, None])) as ArrayRef,
        ),
    ]);
    let zero_rows = batch(vec![
        ("ID", strings(&[])),
        (
            "F",
            Arc::new(Float64Array::from(Vec::<f64>::new())) as ArrayRef,
        ),
    ]);
    let huge = "é".repeat(5_000_000); // 10 MB in one value
    let huge = batch(vec![(
        "BIG",
        Arc::new(StringArray::from(vec![Some(huge.as_str()), Some("small")])) as ArrayRef,
    )]);
    vec![
        ("wide_10000_columns", wide),
        ("nested_deep", nested()),
        ("duplicate_names", dups),
        ("odd_names", odd),
        ("nan_and_inf", floats),
        ("decimals", decimals),
        ("timezone_timestamps", ts),
        ("all_null", all_null),
        ("zero_rows", zero_rows),
        ("huge_value", huge),
    ]
}

/// Bytes that are not a readable parquet file, delivered for a table that has a suite.
fn broken_deliveries() -> Vec<(&'static str, Vec<u8>)> {
    let good = parquet_bytes(&simple());
    let mut lying = good.clone();
    let n = lying.len();
    // The footer length field (4 bytes before the trailing magic) claims 2 GB.
    lying[n - 8..n - 4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let mut random = Vec::with_capacity(4096);
    let mut x = 0x1234_5678_9abc_def0u64;
    for _ in 0..4096 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        random.push((x >> 56) as u8);
    }
    vec![
        ("simple_20260101.parquet", Vec::new()),
        ("simple_20260102.parquet", random),
        ("simple_20260103.parquet", good[..good.len() / 2].to_vec()),
        ("simple_20260104.parquet", lying),
        ("simple_20260105.parquet", b"ID,NAME\n1,a\n".to_vec()),
    ]
}

#[test]
fn hostile_files_each_get_a_clear_outcome_and_the_run_goes_on() {
    let ws = Workspace::new();
    for (name, b) in valid_hostile() {
        std::fs::write(
            ws.bronze().join(format!("{name}.parquet")),
            parquet_bytes(&b),
        )
        .unwrap();
    }
    std::fs::write(ws.bronze().join("simple.parquet"), parquet_bytes(&simple())).unwrap();
    let r = ws.run(&["profile"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("wrote 11 suites"), "{}", r.stdout);
    let odd = std::fs::read_to_string(ws.suites().join("odd_names_validation.yml")).unwrap();
    assert!(odd.contains("<script>alert(1)</script>"));

    // Broken deliveries arrive after profiling.
    for (name, bytes) in broken_deliveries() {
        std::fs::write(ws.bronze().join(name), bytes).unwrap();
    }
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let recs = ws.log_records();
    let st = statuses(&recs);
    assert_eq!(recs.len(), 16);
    // Every valid hostile file passes the suite profiled from it.
    for (name, _) in valid_hostile() {
        let key = format!("{name}.parquet");
        let rec = recs.iter().find(|r| r["path"] == key.as_str()).unwrap();
        assert_eq!(rec["status"], "PASSED", "{key}: {}", rec["details"]);
    }
    for (name, _) in broken_deliveries() {
        assert_eq!(st[name], "ERROR", "{name}");
        assert!(
            ws.quarantine().join(name).exists(),
            "{name} not quarantined"
        );
        assert!(!ws.bronze().join(name).exists());
        let rec = recs.iter().find(|r| r["path"] == name).unwrap();
        let err = rec["details"]["error"].as_str().unwrap();
        assert!(err.contains("parquet"), "{name}: {err}");
        assert!(r.stdout.contains(name), "{name} not reported");
    }
    let empty = recs
        .iter()
        .find(|r| r["path"] == "simple_20260101.parquet")
        .unwrap();
    assert!(empty["details"]["error"]
        .as_str()
        .unwrap()
        .contains("empty (0 bytes)"));
}

#[test]
fn per_file_limits_give_clear_outcomes() {
    let ws = Workspace::new();
    let huge = "x".repeat(2_000_000);
    let b = batch(vec![
        (
            "ID",
            Arc::new(StringArray::from(
                (0..200_000)
                    .map(|i| Some(i.to_string()))
                    .collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        (
            "BIG",
            Arc::new(StringArray::from(
                (0..200_000)
                    .map(|i| Some(if i == 4321 { huge.as_str() } else { "s" }))
                    .collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
    ]);
    std::fs::write(ws.bronze().join("t.parquet"), parquet_bytes(&b)).unwrap();
    assert_eq!(ws.run(&["profile"]).code, 0);

    // Uniqueness memory and value size.
    ws.write_config("limits:\n  unique_max_values: 100\n  max_value_bytes: 1000000\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let sidecar = std::fs::read_to_string(ws.quarantine().join("t.parquet.dq.json")).unwrap();
    assert!(
        sidecar.contains("stopped after 100 distinct values (limits.unique_max_values)"),
        "{sidecar}"
    );
    assert!(
        sidecar
            .contains("the value in row 4321 is 2000000 bytes, more than limits.max_value_bytes"),
        "{sidecar}"
    );

    // Time: the file stays in place with a clear reason, exit 1.
    std::fs::write(ws.bronze().join("t.parquet"), parquet_bytes(&b)).unwrap();
    ws.write_config("limits:\n  file_timeout_seconds: 0.000001\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("limits.file_timeout_seconds"),
        "{}",
        r.stdout
    );
    assert!(ws.bronze().join("t.parquet").exists());
}

#[test]
fn bad_configuration_is_reported_before_any_work() {
    let ws = Workspace::with_demo(false);
    let before = ws.snapshot();
    // A state root that cannot be a folder: clear message, nothing moved or written.
    std::fs::write(ws.path("state-file"), b"x").unwrap();
    let r = ws.run(&[
        "run-all",
        "--state",
        ws.path("state-file").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not a directory"), "{}", r.stderr);
    let mut after = ws.snapshot();
    after.remove(&ws.path("state-file"));
    assert_eq!(after, before, "a failed start changed files");
    // A cloud root whose endpoint does not answer: exit 1 naming the root.
    ws.write_config("storage:\n  request_retries: 0\n  retry_timeout_seconds: 1\n  connect_timeout_seconds: 1\n");
    let mut c = ws.command("aims-dq");
    for (k, v) in [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "unused"),
        ("AWS_SECRET_ACCESS_KEY", "unused"),
        ("AWS_REGION", "us-east-1"),
    ] {
        c.env(k, v);
    }
    let r = Run::from(
        c.args(["ingest", "--bronze", "s3://bucket/bronze"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("s3://bucket/bronze"), "{}", r.stderr);
    // An Azure root with no account configured: a configuration error.
    let mut c = ws.command("aims-dq");
    for k in [
        "AZURE_STORAGE_USE_EMULATOR",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_STORAGE_ACCOUNT",
    ] {
        c.env_remove(k);
    }
    let r = Run::from(
        c.args(["ingest", "--bronze", "az://container/bronze"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("az://container/bronze"), "{}", r.stderr);
    // Nothing in bronze moved or changed.
    for (path, bytes) in before.iter().filter(|(p, _)| p.starts_with(ws.bronze())) {
        assert_eq!(
            &std::fs::read(path).unwrap(),
            bytes,
            "{} changed",
            path.display()
        );
    }
    ws.write_config("");
    // Unknown keys in nested sections too.
    ws.write_config("limits:\n  file_timeout: 3\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("file_timeout"), "{}", r.stderr);
    ws.write_config("bronze: [not, a, path]\n");
    assert_eq!(ws.run(&["ingest"]).code, 2);
}

#[test]
fn secrets_never_reach_logs_or_reports() {
    let secrets = [
        "AKIAFAKESECRETKEY123",
        "fake/secret+aws/key0123456789abcdefghij",
        "sv=2024-11-04&sig=FAKESASSIGNATURE0123",
        "ZmFrZS1henVyZS1hY2NvdW50LWtleQ==",
        "https://hooks.slack.com/services/T000/B000/FAKEWEBHOOK",
    ];
    let ws = Workspace::with_demo(true);
    let set = |c: &mut std::process::Command| {
        c.env("AWS_ACCESS_KEY_ID", secrets[0])
            .env("AWS_SECRET_ACCESS_KEY", secrets[1])
            .env("AZURE_STORAGE_SAS_TOKEN", secrets[2])
            .env("AZURE_STORAGE_ACCOUNT_KEY", secrets[3])
            .env("AIMS_DQ_SLACK_WEBHOOK_URL", secrets[4]);
    };
    let mut out = String::new();
    let mut c = ws.command("aims-dq");
    set(&mut c);
    let o = c.args(["run-all"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    out.push_str(&String::from_utf8_lossy(&o.stdout));
    out.push_str(&String::from_utf8_lossy(&o.stderr));
    // A root URL that carries a SAS token and a password.
    let mut c = ws.command("aims-dq");
    set(&mut c);
    let o = c
        .args([
            "ingest",
            "--state",
            &format!("az://user:{}@container/state?{}", secrets[3], secrets[2]),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    out.push_str(&String::from_utf8_lossy(&o.stdout));
    out.push_str(&String::from_utf8_lossy(&o.stderr));
    for f in files_under(ws.dir.path()) {
        if f.extension().is_none_or(|e| e != "parquet") {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&f).unwrap()));
        }
    }
    for s in secrets {
        assert!(!out.contains(s), "secret {s} was printed");
    }
    assert!(out.contains("sig=***"), "the redacted root is still named");
}

#[tokio::test]
async fn keys_cannot_escape_their_root() {
    let ws = Workspace::new();
    let root = ws.path("root");
    std::fs::create_dir_all(&root).unwrap();
    let store = aims_dq::store::Store::open(root.to_str().unwrap(), true).unwrap();
    for key in [
        "../escape.txt",
        "a/../../escape2.txt",
        "/etc/escape3.txt",
        "./x/../../escape4.txt",
    ] {
        store
            .put(key, bytes::Bytes::from_static(b"x"))
            .await
            .unwrap();
    }
    // Nothing was written outside the root.
    let outside: Vec<_> = files_under(ws.dir.path())
        .into_iter()
        .filter(|p| !p.starts_with(&root))
        .collect();
    assert!(
        outside
            .iter()
            .all(|p| !p.to_string_lossy().contains("escape")),
        "{outside:?}"
    );
    assert_eq!(files_under(&root).len(), 4);

    // Odd file names are quarantined inside the quarantine root.
    let ws = Workspace::new();
    let names = ["a b ü.parquet", "sub dir/ä%20b.parquet"];
    std::fs::create_dir_all(ws.bronze().join("sub dir")).unwrap();
    for n in names {
        std::fs::write(ws.bronze().join(n), b"not parquet").unwrap();
    }
    ws.write_config("suite_map:\n  a b ü: t\n  ä%20b: t\n");
    std::fs::create_dir_all(ws.suites()).unwrap();
    std::fs::write(ws.suites().join("t_validation.yml"), "expectations: []\n").unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let quarantined = files_under(&ws.quarantine());
    assert_eq!(
        quarantined
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .count(),
        2,
        "{quarantined:?}"
    );
    assert!(quarantined.iter().all(|p| p.starts_with(ws.quarantine())));
}

/// Unmounts on drop, so a failing assertion leaves no mount behind.
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_state_root_stops_the_run_before_any_file_moves() {
    let ws = Workspace::with_demo(true);
    assert_eq!(ws.run(&["profile"]).code, 0);
    let ro = ws.path("ro-state");
    std::fs::create_dir_all(&ro).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs"])
        .arg(&ro)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("SKIPPED: cannot mount a read-only file system here (needs root)");
        return;
    }
    let _guard = Mount(ro.clone());
    let before = common::files_under(&ws.bronze());
    let r = ws.run(&["ingest", "--state", ro.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("is not writable"), "{}", r.stderr);
    assert_eq!(
        common::files_under(&ws.bronze()),
        before,
        "files moved although state cannot be written"
    );
    assert!(!ws.quarantine().exists() || common::files_under(&ws.quarantine()).is_empty());
}
