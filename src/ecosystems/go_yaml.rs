//! Numbers as Go's YAML decoders type a plain scalar: go-yaml v2 (kubectl, through
//! sigs.k8s.io/yaml) and go-yaml v3 (compose-go, which Docker Compose loads files with)
//! resolve a number the same way (`resolve.go`), so `010` is octal 8, `0x10` 16, `1_0`
//! 10 and `1e1` the float 10; and the text Go writes for such a number when a string is
//! wanted ([`GoYamlNumber::go_text`]: Compose's `environment: {POOL: 010}` is `"8"`).

/// A number as go-yaml types a plain scalar (`resolve.go`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum GoYamlNumber {
    Int(i128),
    Float(f64),
}

impl GoYamlNumber {
    /// The text Go's `fmt.Sprint` writes for the number, as compose-go turns a number
    /// into the string a container's environment holds: an int in decimal; a float as
    /// `strconv.FormatFloat(f, 'g', -1, 64)`, the shortest digits that read back the
    /// same, with an exponent (two digits at least) below 1e-4 or from 1e6 on (`10.0`
    /// is `10`, `1e6` is `1e+06`), and `+Inf`, `-Inf`, `NaN`.
    pub(crate) fn go_text(self) -> String {
        let value = match self {
            GoYamlNumber::Int(n) => return n.to_string(),
            GoYamlNumber::Float(f) => f,
        };
        if value.is_nan() {
            return "NaN".to_owned();
        }
        if value.is_infinite() {
            return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
        }
        // Rust's `{:e}` writes the same shortest digits: `1.234567e6`, `-1.5e-7`.
        let scientific = format!("{value:e}");
        let (mantissa, exponent) = scientific
            .split_once('e')
            .unwrap_or((scientific.as_str(), "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        if (-4..6).contains(&exponent) {
            // Rust's `Display` writes those shortest digits without an exponent.
            return value.to_string();
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

/// A plain scalar as go-yaml's `resolve` (v2 and v3) types it, when it is a number: one that
/// starts with a digit or a sign is, with its `_` removed, an int as Go's
/// `strconv.ParseInt(s, 0, 64)` (then `ParseUint`) reads it, with a base prefix `0x`,
/// `0o` or `0b` (either case) or a leading `0` for octal (`010` is 8), else a float
/// matching `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (so `08`, not
/// octal, is the float 8); one that starts with `.` is a float (`.5`, `.inf`, `.nan`).
/// Other text (`yes`, `~`, `25%`) is not a number, nor is a float beyond Go's `float64`
/// (`1e400`: `ParseFloat` fails, and the scalar stays a string). YAML 1.2's parsers
/// read `010` as 10 and `0x1`, `0o1` as numbers only in some schemas: the Go tools'
/// reading decides.
pub(crate) fn go_yaml_number(text: &str) -> Option<GoYamlNumber> {
    match text.bytes().next()? {
        b'.' => go_yaml_special_float(text).or_else(|| go_float(text)),
        b'+' | b'-' | b'0'..=b'9' => {
            if let Some(special) = go_yaml_special_float(text) {
                return Some(special);
            }
            let plain = text.replace('_', "");
            go_parse_int(&plain).map(GoYamlNumber::Int).or_else(|| {
                yaml11_float_syntax(&plain)
                    .then(|| go_float(&plain))
                    .flatten()
            })
        }
        _ => None,
    }
}

/// go-yaml's map of special floats (`.inf`, `-.Inf`, `.NaN`, ...).
fn go_yaml_special_float(text: &str) -> Option<GoYamlNumber> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    match rest {
        ".inf" | ".Inf" | ".INF" => Some(GoYamlNumber::Float(sign * f64::INFINITY)),
        ".nan" | ".NaN" | ".NAN" if rest.len() == text.len() => Some(GoYamlNumber::Float(f64::NAN)),
        _ => None,
    }
}

/// Go's `strconv.ParseFloat` of text the YAML 1.1 float pattern matched: a value
/// beyond `float64` is an error (`ErrRange`), not an infinity.
fn go_float(text: &str) -> Option<GoYamlNumber> {
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(GoYamlNumber::Float)
}

/// go-yaml's `yamlStyleFloat`:
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml11_float_syntax(text: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && fraction.bytes().all(|b| b.is_ascii_digit()),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseInt(s, 0, 64)`, else `strconv.ParseUint(s, 0, 64)`: an optional
/// sign (ParseInt only), a base prefix (`0b`, `0o`, `0x` in either case, or a lone
/// leading `0` for octal), and digits of that base.
fn go_parse_int(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x").filter(|d| !d.is_empty()) {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o").filter(|d| !d.is_empty()) {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b").filter(|d| !d.is_empty()) {
        (2, d)
    } else if let Some(d) = lower.strip_prefix('0') {
        (8, d)
    } else {
        (10, lower.as_str())
    };
    if (digits.is_empty() && radix != 8) || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = if digits.is_empty() {
        0
    } else {
        u64::from_str_radix(digits, radix).ok()?
    };
    let value = i128::from(magnitude);
    match negative {
        // ParseInt's range: down to -2^63.
        true => (value <= 1i128 << 63).then_some(-value),
        // ParseUint takes what ParseInt cannot: up to 2^64 - 1.
        false => Some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each text as Docker Compose 2.40.3 writes it for an `environment:` value
    /// (`docker compose config`): the number go-yaml reads, written as Go writes it.
    #[test]
    fn numbers_are_written_back_as_go_writes_them() {
        for (written, text) in [
            ("010", "8"),
            ("0o10", "8"),
            ("0_10", "8"),
            ("0x10", "16"),
            ("0b11", "3"),
            ("1_0", "10"),
            ("+5", "5"),
            ("-0", "0"),
            ("08", "8"),
            ("1e1", "10"),
            ("10.0", "10"),
            ("1.", "1"),
            (".5", "0.5"),
            ("1.5", "1.5"),
            ("-0.0", "-0"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            ("-1.5e-7", "-1.5e-07"),
            ("123456.5", "123456.5"),
            ("1234567.0", "1.234567e+06"),
            ("1e6", "1e+06"),
            ("1e21", "1e+21"),
            ("1e100", "1e+100"),
            ("99999999999999999999", "1e+20"),
            ("18446744073709551615", "18446744073709551615"),
            ("-9223372036854775809", "-9.223372036854776e+18"),
            (".inf", "+Inf"),
            ("-.inf", "-Inf"),
            (".NaN", "NaN"),
        ] {
            let number = go_yaml_number(written);
            assert_eq!(
                number.map(GoYamlNumber::go_text).as_deref(),
                Some(text),
                "{written}"
            );
        }
        for written in ["1e400", "0o", "0b", "1e", "yes", "0x"] {
            assert_eq!(go_yaml_number(written), None, "{written}");
        }
    }
}
