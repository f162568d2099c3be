//! Value generators per column hint. Deterministic: the same table,
//! column and row always give the same value.

use super::ColumnShape;
use crate::util::{splitmix64, stable_hash};

const FIRST: &[&str] = &[
    "Ken", "Juliet", "Jordan", "Alex", "Neil", "Muneebah", "Katarina", "James", "Ian", "Davies",
    "Sarah", "Priya", "Tom", "Olu", "Grace", "Marek",
];
const LAST: &[&str] = &[
    "Lee",
    "Miah",
    "Harvey",
    "Bradley",
    "Blackett",
    "Quyyam",
    "Hrinikova",
    "Dodd",
    "Rush",
    "Mukonoweshuro",
    "Patel",
    "Nowak",
    "Okafor",
    "Smith",
    "Evans",
    "Khan",
];
const WORDS: &[&str] = &[
    "asset",
    "class",
    "bridge",
    "culvert",
    "drainage",
    "survey",
    "consent",
    "track",
    "route",
    "viaduct",
    "tunnel",
    "portal",
    "ecology",
    "pond",
    "fence",
    "signal",
    "cable",
    "earthworks",
    "embankment",
    "cutting",
    "structure",
    "inspection",
    "record",
    "baseline",
    "design",
    "stage",
    "north",
    "south",
    "phase",
    "one",
    "retaining",
    "wall",
];

pub struct Gen {
    seed: u64,
    shape: ColumnShape,
    /// Share of rows that are null, in 1/10,000.
    null_per_10k: u64,
    /// Share of present rows that carry a sentinel, in 1/10,000.
    sentinel_per_10k: u64,
    sentinel: &'static str,
}

impl Gen {
    pub fn new(table: &str, shape: &ColumnShape, _rows: u64) -> Gen {
        let null_pct = match (shape.not_null, shape.null_pct) {
            (true, Some(p)) => p,
            (true, None) => 0.0,
            // The profiler wrote no not-null rule: many values are missing.
            (false, _) => 40.0,
        };
        // Short minimum lengths in the real data come from sentinel strings.
        let (sentinel, sentinel_per_10k) = match (shape.values.is_some(), shape.min_len) {
            (false, Some(3)) if shape.max_len.unwrap_or(0) > 3 => ("NaT", 500),
            (false, Some(4)) if shape.max_len.unwrap_or(0) > 4 => ("None", 500),
            _ => ("", 0),
        };
        Gen {
            seed: stable_hash(&format!("{table}.{}", shape.name)),
            shape: shape.clone(),
            null_per_10k: (null_pct * 100.0).round() as u64,
            sentinel_per_10k,
            sentinel,
        }
    }

    pub fn batch(&mut self, start: u64, n: u64) -> Vec<Option<String>> {
        (start..start + n).map(|row| self.value(row)).collect()
    }

    fn rand(&self, row: u64, salt: u64) -> u64 {
        splitmix64(self.seed ^ row.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt)
    }

    fn value(&self, row: u64) -> Option<String> {
        if self.null_per_10k > 0 && self.rand(row, 1) % 10_000 < self.null_per_10k {
            return None;
        }
        if let Some(values) = &self.shape.values {
            // The first value is the most common, as in real categorical data.
            let r = self.rand(row, 2);
            let i = if r.is_multiple_of(2) {
                0
            } else {
                (r / 2) as usize % values.len()
            };
            return Some(values[i].clone());
        }
        if self.sentinel_per_10k > 0 && self.rand(row, 3) % 10_000 < self.sentinel_per_10k {
            return Some(self.sentinel.to_string());
        }
        let (min, max) = (self.shape.min_len, self.shape.max_len);
        let r = self.rand(row, 4);
        let v = self.by_hint(row, r, min, max);
        Some(fit_length(v, r, &self.shape.hint, min, max))
    }

    fn by_hint(&self, row: u64, r: u64, min: Option<usize>, max: Option<usize>) -> String {
        match self.shape.hint.as_str() {
            "id_pk" => id(row + 1, min),
            _ if self.shape.unique => id(row + 1, min),
            "id_ref" => id(r % 100_000 + 1, min),
            "datetime" => datetime(r),
            "time" => format!("{:02}:{:02}:{:02}", r % 24, (r >> 8) % 60, (r >> 16) % 60),
            "user" => email(r, max),
            "numeric" => {
                if r.is_multiple_of(3) {
                    format!("{}", r % 1000)
                } else {
                    format!("{}.{}", r % 1000, (r >> 12) % 10)
                }
            }
            "flag" => if r.is_multiple_of(2) { "0.0" } else { "-1.0" }.to_string(),
            "code" => code(r, min.unwrap_or(4), max.unwrap_or(8)),
            "categorical" => format!("Category {}", (b'A' + (r % 6) as u8) as char),
            "text" => words(r, min.unwrap_or(20), max.unwrap_or(200)),
            _ => words(r, min.unwrap_or(4), max.unwrap_or(40)),
        }
    }
}

/// Brings a value into the shape's length range, the way the real data
/// does: very short ranges are sentinels, numbers get the digits they need.
fn fit_length(v: String, r: u64, hint: &str, min: Option<usize>, max: Option<usize>) -> String {
    let len = v.chars().count();
    let (lo, hi) = (min.unwrap_or(0), max.unwrap_or(usize::MAX));
    if (lo..=hi).contains(&len) {
        return v;
    }
    if hi <= 4 {
        if let Some(s) = ["None", "NaT", " - ", " "]
            .into_iter()
            .find(|s| (lo..=hi).contains(&s.len()))
        {
            if !matches!(hint, "numeric" | "id_ref" | "id_pk" | "code") {
                return s.to_string();
            }
        }
    }
    let target = lo + (r as usize % (hi.min(lo + 12) - lo + 1));
    if matches!(hint, "numeric" | "id_ref" | "id_pk" | "flag")
        || v.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        let mut digits: String = (0..target)
            .map(|i| char::from(b'0' + (splitmix64(r ^ i as u64) % 10) as u8))
            .collect();
        if target > 1 && digits.starts_with('0') {
            digits.replace_range(0..1, "1");
        }
        return digits;
    }
    if len > hi {
        return v.chars().take(hi).collect();
    }
    let mut out = v;
    while out.chars().count() < lo {
        out.push('x');
    }
    out
}

/// A numeric id; a fixed length in the shape means zero-padded digits.
fn id(n: u64, min_len: Option<usize>) -> String {
    match min_len {
        Some(w) if w > 1 => {
            let base = 10u64.saturating_pow(w as u32 - 1);
            format!("{}", base + n % (base * 9).max(1))
        }
        _ => n.to_string(),
    }
}

fn datetime(r: u64) -> String {
    let year = 2019 + r % 7;
    let month = 1 + (r >> 4) % 12;
    let day = 1 + (r >> 8) % 28;
    format!(
        "{year}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        (r >> 13) % 24,
        (r >> 18) % 60,
        (r >> 24) % 60
    )
}

fn email(r: u64, max: Option<usize>) -> String {
    let first = FIRST[(r % FIRST.len() as u64) as usize];
    let last = LAST[((r >> 8) % LAST.len() as u64) as usize];
    let e = format!("{first}.{last}@hs2.org.uk");
    match max {
        Some(m) if e.chars().count() > m && m > 12 => {
            format!("{}@hs2.org.uk", &first[..first.len().min(m - 11)])
        }
        _ => e,
    }
}

fn code(r: u64, min: usize, max: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let len = min + (r as usize % (max.saturating_sub(min) + 1));
    (0..len)
        .map(|i| CHARS[(splitmix64(r ^ i as u64) % CHARS.len() as u64) as usize] as char)
        .collect()
}

/// Words up to a length drawn from [min, max], cut to exactly that length.
fn words(r: u64, min: usize, max: usize) -> String {
    let min = min.max(1);
    let target = min + (r as usize % (max.saturating_sub(min) + 1));
    let mut s = String::new();
    let mut i = 0u64;
    while s.chars().count() < target {
        if !s.is_empty() {
            s.push(' ');
        }
        let w = WORDS[(splitmix64(r ^ i) % WORDS.len() as u64) as usize];
        s.push_str(w);
        i += 1;
    }
    let mut out: String = s.chars().take(target).collect();
    // A cut that ends in a space would shorten the value once trimmed by readers.
    if out.ends_with(' ') {
        out.pop();
        out.push('x');
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => out,
    }
}
