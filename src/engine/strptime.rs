//! `expect_column_values_to_match_strftime_format`: whether a string parses
//! with a format the way Python's `datetime.strptime` parses it (GX's pandas
//! engine calls it per value). Python's rules, restated: each directive
//! accepts a fixed pattern (numbers may drop leading zeros), letters match
//! without regard to case, a run of white space in the format matches one or
//! more white-space characters, the first match must consume the whole
//! string, and the fields must form a real date (31 April fails; 29 February
//! without a year passes).

use regex::Regex;

/// English names, as in the C locale Python uses by default.
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A compiled strftime format.
#[derive(Debug, Clone)]
pub struct Format {
    pub text: String,
    regex: Regex,
}

fn names(full: &[&str], abbreviated: bool) -> String {
    let mut names: Vec<String> = full
        .iter()
        .map(|n| {
            if abbreviated {
                n[..3].to_string()
            } else {
                n.to_string()
            }
        })
        .collect();
    // Longest first, so "june" is not read as "jun" + leftover.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.join("|")
}

/// The pattern a directive accepts; `None` for a directive Python rejects.
fn directive(c: char) -> Option<String> {
    Some(match c {
        'd' => r"(?P<d>3[01]|[12]\d|0[1-9]|[1-9]| [1-9])".into(),
        'f' => r"(?P<f>[0-9]{1,6})".into(),
        'H' => r"(?P<H>2[0-3]|[0-1]\d|\d)".into(),
        'I' => r"(?P<I>1[0-2]|0[1-9]|[1-9])".into(),
        'G' => r"(?P<G>\d\d\d\d)".into(),
        'j' => r"(?P<j>36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])".into(),
        'm' => r"(?P<m>1[0-2]|0[1-9]|[1-9])".into(),
        'M' => r"(?P<M>[0-5]\d|\d)".into(),
        'S' => r"(?P<S>6[0-1]|[0-5]\d|\d)".into(),
        'U' => r"(?P<U>5[0-3]|[0-4]\d|\d)".into(),
        'W' => r"(?P<W>5[0-3]|[0-4]\d|\d)".into(),
        'V' => r"(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)".into(),
        'w' => r"(?P<w>[0-6])".into(),
        'u' => r"(?P<u>[1-7])".into(),
        'y' => r"(?P<y>\d\d)".into(),
        'Y' => r"(?P<Y>\d\d\d\d)".into(),
        'z' => r"(?P<z>[+-]\d\d:?[0-5]\d(?::?[0-5]\d(?:\.\d{1,6})?)?|(?-i:Z))".into(),
        'A' => format!("(?P<A>{})", names(&DAYS, false)),
        'a' => format!("(?P<a>{})", names(&DAYS, true)),
        'B' => format!("(?P<B>{})", names(&MONTHS, false)),
        'b' | 'h' => format!("(?P<b>{})", names(&MONTHS, true)),
        'p' => "(?P<p>am|pm)".into(),
        'Z' => "(?P<Z>utc|gmt)".into(),
        _ => return None,
    })
}

/// Python's locale-defined composites, in the C locale.
fn composite(c: char) -> Option<&'static str> {
    match c {
        'c' => Some("%a %b %d %H:%M:%S %Y"),
        'x' => Some("%m/%d/%y"),
        'X' => Some("%H:%M:%S"),
        _ => None,
    }
}

impl Format {
    /// Compiles a format; a directive Python rejects, or one used twice, is
    /// an error (GX would fail every value).
    pub fn parse(format: &str) -> Result<Format, String> {
        let mut expanded = String::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                expanded.push(c);
                continue;
            }
            match chars.next() {
                Some(d) => match composite(d) {
                    Some(s) => expanded.push_str(s),
                    None => {
                        expanded.push('%');
                        expanded.push(d);
                    }
                },
                None => return Err(format!("strftime_format {format:?} ends with a lone %")),
            }
        }
        let mut pattern = String::from("(?i)^");
        let mut chars = expanded.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%' {
                let d = chars.next().unwrap_or('%');
                if d == '%' {
                    pattern.push('%');
                    continue;
                }
                let p = directive(d).ok_or_else(|| {
                    format!("strftime_format {format:?}: %{d} is not a directive Python's strptime accepts")
                })?;
                pattern.push_str(&p);
            } else if c.is_whitespace() {
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                pattern.push_str(r"\s+");
            } else {
                pattern.push_str(&regex::escape(&c.to_string()));
            }
        }
        let regex = Regex::new(&pattern).map_err(|e| {
            format!("strftime_format {format:?} cannot be used (a directive repeated?): {e}")
        })?;
        Ok(Format {
            text: format.to_string(),
            regex,
        })
    }

    /// Whether `value` parses with the format.
    pub fn matches(&self, value: &str) -> bool {
        let Some(caps) = self.regex.captures(value) else {
            return false;
        };
        // The first match must consume everything ("unconverted data remains").
        if caps.get(0).map(|m| m.end()) != Some(value.len()) {
            return false;
        }
        let num = |name: &str| {
            caps.name(name)
                .and_then(|m| m.as_str().trim().parse::<i64>().ok())
        };
        let year = num("Y").or_else(|| num("y").map(|y| if y <= 68 { 2000 + y } else { 1900 + y }));
        let month = num("m").or_else(|| {
            caps.name("B").or(caps.name("b")).and_then(|m| {
                let n = m.as_str().to_lowercase();
                MONTHS
                    .iter()
                    .position(|full| full.starts_with(&n[..n.len().min(3)]))
                    .map(|i| i as i64 + 1)
            })
        });
        if let Some(j) = num("j") {
            // A day of the year past the year's end rolls over in Python: no error.
            return j >= 1;
        }
        let day = num("d").unwrap_or(1);
        let month = month.unwrap_or(1);
        // Python reads 29 February without a year in a leap year.
        let year = year.unwrap_or(if month == 2 && day == 29 { 1904 } else { 1900 });
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        // time.strptime takes seconds 60 and 61; datetime refuses them.
        let second_ok = num("S").is_none_or(|s| s <= 59);
        (1..=9999).contains(&year) && day >= 1 && day <= days_in_month && second_ok
    }
}

#[cfg(test)]
mod tests {
    use super::Format;

    fn ok(format: &str, value: &str) -> bool {
        Format::parse(format).unwrap().matches(value)
    }

    #[test]
    fn follows_python_strptime() {
        assert!(ok("%Y-%m-%d", "2024-01-31"));
        assert!(ok("%Y-%m-%d", "2024-1-5"));
        assert!(!ok("%Y-%m-%d", "2024-02-30"));
        assert!(!ok("%Y-%m-%d", "2023-02-29"));
        assert!(ok("%Y-%m-%d", "2024-02-29"));
        assert!(ok("%m-%d", "02-29"));
        assert!(!ok("%Y-%m-%d", "2024-01-31 "));
        assert!(!ok("%Y-%m-%d", "24-01-31"));
        assert!(ok("%d %B %Y", "5 MARCH  2020"));
        assert!(ok("%b %d", "Sep 01"));
        assert!(ok("%H:%M:%S.%f", "23:59:59.123456"));
        assert!(!ok("%H:%M:%S", "23:59:60"));
        assert!(!ok("%H:%M", "24:00"));
        assert!(ok("%Y-%m-%dT%H:%M:%S%z", "2024-01-31T10:00:00+01:00"));
        assert!(ok("%Y-%m-%dT%H:%M:%S%z", "2024-01-31T10:00:00Z"));
        assert!(ok("%I %p", "12 am"));
        assert!(ok("100%%", "100%"));
        assert!(ok("%x", "12/31/99"));
    }

    #[test]
    fn bad_formats_are_refused() {
        assert!(Format::parse("%Y-%e").is_err());
        assert!(Format::parse("%Y %Y").is_err());
        assert!(Format::parse("%Y%").is_err());
    }
}
