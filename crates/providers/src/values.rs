//! Lenient readers for JSON fields, timestamps and decimal money.
//!
//! Both APIs are loose about types (numbers sometimes arrive as strings, fields go missing or
//! `null`), so typed records are extracted field by field with these helpers rather than with a
//! strict serde derive; the raw JSON is kept next to them for storage.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

/// An integer from a JSON number or a numeric string.
pub(crate) fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            // Integral floats such as 150000.0.
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn i64_at(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(as_i64)
}

/// A string field; numbers are rendered (ids arrive as both).
pub(crate) fn str_at(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn bool_at(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

/// Parse a Pancake timestamp as UTC. Accepted shapes (reference §Conventions):
/// `2026-05-07T11:04:38.590469` (no offset, UTC), `2020-05-12 04:51:42` (no offset, UTC) and
/// `2024-01-01 00:00:00+00:00` / RFC 3339 with an offset.
pub fn parse_pancake_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc());
        }
    }
    None
}

pub(crate) fn time_at(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(parse_pancake_timestamp)
}

/// Decimal digits of a currency's minor unit as Meta reports amounts (ISO 4217 exponent).
/// VND and other zero-decimal currencies have none. Unknown codes default to 2.
pub fn currency_exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "VND" | "JPY" | "KRW" | "CLP" | "ISK" | "PYG" | "UGX" | "XAF" | "XOF" | "KMF" | "RWF"
        | "VUV" | "XPF" | "GNF" | "DJF" | "BIF" => 0,
        "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

/// Parse an exact decimal string (e.g. `"125430.50"`) to integer minor units with `exponent`
/// digits, without floating point. Extra digits are rounded half away from zero (Meta sends at
/// most the currency's digits in practice). Returns `None` for anything that is not a plain
/// decimal or that overflows.
pub fn decimal_to_minor_units(s: &str, exponent: u32) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let exp = exponent as usize;
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..exp {
        let d = frac.get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(d)?;
    }
    if frac.get(exp).is_some_and(|b| *b >= b'5') {
        value = value.checked_add(1)?;
    }
    Some(if neg { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_pancake_timestamp_shapes_parse_as_utc() {
        let a = parse_pancake_timestamp("2026-05-07T11:04:38.590469").unwrap();
        assert_eq!(a.to_rfc3339(), "2026-05-07T11:04:38.590469+00:00");
        let b = parse_pancake_timestamp("2020-05-12 04:51:42").unwrap();
        assert_eq!(b.to_rfc3339(), "2020-05-12T04:51:42+00:00");
        let c = parse_pancake_timestamp("2024-01-01 00:00:00+00:00").unwrap();
        assert_eq!(c.to_rfc3339(), "2024-01-01T00:00:00+00:00");
        let d = parse_pancake_timestamp("2024-01-01 07:00:00+07:00").unwrap();
        assert_eq!(d.to_rfc3339(), "2024-01-01T00:00:00+00:00");
        assert!(parse_pancake_timestamp("yesterday").is_none());
    }

    #[test]
    fn decimal_strings_become_exact_minor_units() {
        assert_eq!(decimal_to_minor_units("125430", 0), Some(125_430));
        assert_eq!(decimal_to_minor_units("125430.4", 0), Some(125_430));
        assert_eq!(decimal_to_minor_units("125430.5", 0), Some(125_431));
        assert_eq!(decimal_to_minor_units("12.34", 2), Some(1234));
        assert_eq!(decimal_to_minor_units("12.3", 2), Some(1230));
        assert_eq!(decimal_to_minor_units("0.105", 2), Some(11));
        assert_eq!(decimal_to_minor_units("-1.5", 0), Some(-2));
        assert_eq!(decimal_to_minor_units("1.234", 3), Some(1234));
        assert_eq!(decimal_to_minor_units("abc", 0), None);
        assert_eq!(decimal_to_minor_units("", 0), None);
        assert_eq!(decimal_to_minor_units("1e5", 0), None);
        assert_eq!(decimal_to_minor_units("99999999999999999999", 0), None);
        assert_eq!(currency_exponent("vnd"), 0);
        assert_eq!(currency_exponent("USD"), 2);
        assert_eq!(currency_exponent("KWD"), 3);
    }
}
