//! Numbers as people read them in tables and sentences: hours with a fixed number of
//! decimals (never `-0.0`), thousands separators, intervals, percentages and signed
//! percentage points, counts with their noun.

/// A value given in `tenths`, rounded to a whole tenth and shown by `show`; one that rounds
/// to zero (either sign) is `0.0`.
fn tenths(tenths: f64, show: impl Fn(f64) -> String) -> String {
    let r = tenths.round() / 10.0;
    if r == 0.0 { "0.0".into() } else { show(r) }
}

/// Hours for sentences: one decimal, never `-0.0`.
pub fn hours(h: f64) -> String {
    tenths(h * 10.0, |r| format!("{r:.1}"))
}

/// A whole number with thousands separators (`15,600`).
pub fn thousands(n: u64) -> String {
    grouped(n, ',')
}

/// `n` in groups of three digits with `separator` between them (`9 481 032`).
pub fn grouped(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// An interval for sentences: `10.6 to 11.4`, `-0.2 to 0.8`.
pub fn interval(lo: f64, hi: f64) -> String {
    format!("{} to {}", hours(lo), hours(hi))
}

/// A rate as a percentage with one decimal.
pub fn percent(rate: f64) -> String {
    let p = (rate * 1000.0).round() / 10.0;
    format!("{:.1}%", if p == 0.0 { 0.0 } else { p })
}

/// A difference of rates in percentage points, signed (`+8.7`, `-0.4`).
pub fn signed_points(delta: f64) -> String {
    tenths(delta * 1000.0, |p| format!("{p:+.1}"))
}

/// `n` with the singular or plural noun.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Hours with `digits` decimals, `–` when absent, never `-0.00`.
pub fn opt_hours(h: Option<f64>, digits: usize) -> String {
    match h {
        None => "–".into(),
        Some(h) => {
            let scale = 10f64.powi(digits as i32);
            let r = (h * scale).round() / scale;
            format!("{:.digits$}", if r == 0.0 { 0.0 } else { r })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(7800), "7,800");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(hours(-0.04), "0.0");
        assert_eq!(interval(-0.24, 0.81), "-0.2 to 0.8");
        assert_eq!(signed_points(0.087), "+8.7");
        assert_eq!(percent(0.912), "91.2%");
    }
    #[test]
    fn regression_hours_never_print_minus_zero() {
        assert_eq!(opt_hours(Some(-0.001), 2), "0.00");
        assert_eq!(opt_hours(Some(-0.04), 1), "0.0");
        assert_eq!(opt_hours(Some(-0.06), 1), "-0.1");
        assert_eq!(opt_hours(None, 2), "–");
        assert_eq!(plural(1, "seed", "seeds"), "1 seed");
        assert_eq!(plural(2, "seed", "seeds"), "2 seeds");
    }
}
