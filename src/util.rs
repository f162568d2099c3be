//! Small shared helpers: time stamps, run ids, stable hashing.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};

/// Writes a local file whole or not at all (a reader never sees half of it).
pub fn write_local_atomic(path: &str, text: &str) -> std::io::Result<()> {
    let tmp = format!("{path}.tmp.{}", std::process::id());
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// UTC now as RFC 3339 with microseconds.
pub fn now_rfc3339() -> String {
    rfc3339(Utc::now())
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A pseudo-random number, good enough for run ids and jitter (not for secrets).
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
    let seed = nanos
        ^ (std::process::id() as u64).rotate_left(32)
        ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    splitmix64(seed)
}

pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A run id that sorts by time: `20260126T101500Z-3f9a1c`.
pub fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        Utc::now().format("%Y%m%dT%H%M%SZ"),
        random_u64() & 0xff_ffff
    )
}

/// FNV-1a: a hash that stays the same across releases and platforms, for
/// splitting the file list between shards.
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Rounds down to three decimals, so a `mostly` derived from data still holds on it.
pub fn floor3(x: f64) -> f64 {
    (x * 1000.0).floor() / 1000.0
}

/// Python's `repr` of a float, which is what Great Expectations compares
/// against when it turns numbers into text (e.g. `517.0`, `1e+16`).
pub fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let abs = x.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Scientific notation with the shortest round-trip mantissa.
        let s = format!("{x:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    let s = format!("{x:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// A URL fit for logs: passwords and query values (SAS tokens, signed-URL
/// signatures) are masked. Text that is not a URL is returned as it is.
pub fn redact_url(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text) else {
        return text.to_string();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.query().is_some() {
        let masked: Vec<String> = url.query_pairs().map(|(k, _)| format!("{k}=***")).collect();
        url.set_query(Some(&masked.join("&")));
    }
    url.to_string()
}

/// Masks credentials in free text (an error message): every URL is shown
/// through [`redact_url`], and SAS-style `sig=` values anywhere are hidden.
pub fn redact_secrets(text: &str) -> String {
    static URL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static SIG: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let url = URL.get_or_init(|| {
        regex::Regex::new(r#"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+"#).expect("static regex")
    });
    let sig = SIG.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|code)=[^&\s\x22']+").expect("static regex")
    });
    let masked = url.replace_all(text, |c: &regex::Captures| redact_url(&c[0]));
    sig.replace_all(&masked, "$1=***").into_owned()
}

/// Reads an ISO 8601 date (`2024-01-31`) or date-time (`2024-01-31T10:00:00`,
/// a space instead of `T`, fractions, `Z` or `+01:00`) as nanoseconds since the
/// epoch, UTC for zoned times; says whether it was a bare date.
pub fn parse_iso_instant(s: &str) -> Option<(i64, bool)> {
    use chrono::{NaiveDate, NaiveDateTime};
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some((
            d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt()?,
            true,
        ));
    }
    if s.len() < 16 || !s.is_char_boundary(10) {
        return None;
    }
    // `T` or space between date and time; chrono wants one of them.
    let normalized = format!("{}T{}", &s[..10], &s[11..]);
    if let Ok(t) = DateTime::parse_from_rfc3339(&normalized) {
        return Some((t.timestamp_nanos_opt()?, false));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&normalized, fmt) {
            return Some((t.and_utc().timestamp_nanos_opt()?, false));
        }
    }
    None
}

/// Python's `str()` of a pandas Timestamp: `2013-01-01 05:00:00`, with the
/// fraction only when there is one.
pub fn py_timestamp_text(nanos: i64) -> String {
    let t = DateTime::<Utc>::from_timestamp_nanos(nanos);
    let frac = nanos.rem_euclid(1_000_000_000);
    if frac == 0 {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    } else if frac % 1000 == 0 {
        t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.9f").to_string()
    }
}

/// A date as days since the epoch, shown as `2024-01-31`.
pub fn date_text(days: i32) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)))
        .map(|d| d.to_string())
        .unwrap_or_else(|| format!("{days} days after 1970-01-01"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_free_text_are_masked() {
        let t = super::redact_secrets(
            "PUT https://acct.blob.core.windows.net/c/x?sv=1&sig=SECRETSIG failed; also sig=OTHER and http://u:pw@host/p",
        );
        assert!(
            !t.contains("SECRETSIG") && !t.contains("OTHER") && !t.contains(":pw@"),
            "{t}"
        );
        assert!(t.contains("acct.blob.core.windows.net/c/x"), "{t}");
    }

    use super::*;

    #[test]
    fn urls_lose_their_secrets() {
        let r = redact_url("https://acct.blob.core.windows.net/c/p?sv=2024&sig=S3CR3T%2Bsig");
        assert!(!r.contains("S3CR3T"), "{r}");
        assert!(r.contains("sig=***"), "{r}");
        let r = redact_url("s3://AKIAKEY:topsecret@bucket/prefix");
        assert!(!r.contains("topsecret"), "{r}");
        assert_eq!(redact_url("data/bronze"), "data/bronze");
    }

    #[test]
    fn python_float_repr() {
        assert_eq!(py_float_repr(517.0), "517.0");
        assert_eq!(py_float_repr(0.1), "0.1");
        assert_eq!(py_float_repr(-2.5), "-2.5");
        assert_eq!(py_float_repr(1e16), "1e+16");
        assert_eq!(py_float_repr(1.5e-5), "1.5e-05");
        assert_eq!(py_float_repr(123456789.0), "123456789.0");
    }

    #[test]
    fn floor3_never_rounds_up() {
        assert_eq!(floor3(0.9999), 0.999);
        assert!(floor3(2.0 / 3.0) <= 2.0 / 3.0);
    }

    #[test]
    fn stable_hash_is_fixed() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_ne!(stable_hash("a.parquet"), stable_hash("b.parquet"));
    }
}
