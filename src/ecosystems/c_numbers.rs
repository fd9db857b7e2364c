//! C's number parsing as the servers' own parsers use it: PostgreSQL's `parse_int` and
//! `parse_real` (guc.c) and PgBouncer's libusual (`cf_set_int`, `parse_time`) read
//! settings with `strtol` and `strtod`, so `0x10`, `010` and `1e3` mean what C makes
//! of them. One implementation of each, checked against glibc.

/// The characters C's `isspace` accepts in the C locale.
pub(crate) fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// C's `strtol(text, &end, 0)`: the value (None when it overflows a `long`, which
/// PostgreSQL then reads with `strtod`) and the text after it; None when no digit is
/// read. PgBouncer's counts are read with it too (libusual's `cf_set_int`).
pub(crate) fn strtol(text: &str) -> Option<(Option<i64>, &str)> {
    let body = text.trim_start_matches(is_c_space);
    let (negative, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    let hex = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0X"))
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (digits, radix) = match hex {
        Some(rest) => (rest, 16),
        None if body.starts_with('0') => (body, 8),
        None => (body, 10),
    };
    let len = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if len == 0 {
        return None;
    }
    let (number, rest) = digits.split_at(len);
    let value =
        i64::from_str_radix(number, radix)
            .ok()
            .map(|magnitude| if negative { -magnitude } else { magnitude });
    Some((value, rest))
}

/// What C's `strtod` reads from the start of a text.
#[derive(Debug, PartialEq)]
pub(crate) struct CDouble<'t> {
    pub value: f64,
    /// The text after the number.
    pub rest: &'t str,
    /// `errno` is `ERANGE`: the number overflows a `double`, or underflows it inexactly
    /// (glibc sets it for a result that is zero or subnormal and not exact).
    pub out_of_range: bool,
}

/// C's `strtod` in the C locale (glibc): leading white space, a sign, then `inf` or
/// `infinity`, `nan` with an optional `(chars)`, `0x` hexadecimal digits with an
/// optional `.` and binary exponent (`p-2`), or decimal digits with an optional `.` and
/// exponent (`e3`), all letters in any case. None when no number is read.
pub(crate) fn strtod(text: &str) -> Option<CDouble<'_>> {
    let body = text.trim_start_matches(is_c_space);
    let (negative, unsigned) = match body.as_bytes().first() {
        Some(b'-') => (true, body.get(1..)?),
        Some(b'+') => (false, body.get(1..)?),
        _ => (false, body),
    };
    let (magnitude, len, out_of_range) = special(unsigned)
        .or_else(|| hexadecimal(unsigned))
        .or_else(|| decimal(unsigned))?;
    let value = if negative { -magnitude } else { magnitude };
    Some(CDouble {
        value,
        rest: unsigned.get(len..).unwrap_or(""),
        out_of_range,
    })
}

/// `inf`, `infinity` or `nan`, `nan(chars)`: the value and the length read.
fn special(text: &str) -> Option<(f64, usize, bool)> {
    let starts = |word: &str| {
        text.get(..word.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(word))
    };
    if starts("infinity") {
        return Some((f64::INFINITY, 8, false));
    }
    if starts("inf") {
        return Some((f64::INFINITY, 3, false));
    }
    if !starts("nan") {
        return None;
    }
    let after = text.get(3..).unwrap_or("");
    let chars = after.strip_prefix('(').map(|inner| {
        inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len())
    });
    let len = match chars {
        Some(n) if after.get(1 + n..).is_some_and(|t| t.starts_with(')')) => 3 + n + 2,
        _ => 3,
    };
    Some((f64::NAN, len, false))
}

/// `0x` hexadecimal digits with an optional `.`, then an optional `p` exponent.
fn hexadecimal(text: &str) -> Option<(f64, usize, bool)> {
    let bytes = text.as_bytes();
    if !(bytes.first() == Some(&b'0') && matches!(bytes.get(1), Some(b'x' | b'X'))) {
        return None;
    }
    let mut i = 2;
    let mut mantissa: u64 = 0;
    // Powers of 2 to apply, and whether digits beyond 60 bits were dropped.
    let mut exponent: i64 = 0;
    let (mut digits, mut dot, mut inexact) = (0, false, false);
    loop {
        match bytes.get(i) {
            Some(b'.') if !dot => dot = true,
            Some(c) if c.is_ascii_hexdigit() => {
                let digit = u64::from(char::from(*c).to_digit(16).unwrap_or(0));
                digits += 1;
                if mantissa >> 56 == 0 {
                    mantissa = mantissa * 16 + digit;
                    if dot {
                        exponent -= 4;
                    }
                } else {
                    inexact |= digit != 0;
                    if !dot {
                        exponent += 4;
                    }
                }
            }
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        // `0x` without a digit: C reads the `0` alone.
        return None;
    }
    if let Some((written, len)) = binary_exponent(bytes.get(i..).unwrap_or(&[])) {
        exponent = exponent.saturating_add(written);
        i += len;
    }
    let value = scale(mantissa as f64, exponent);
    let exact = !inexact && scale(value, -exponent) == mantissa as f64;
    let out_of_range =
        value.is_infinite() || (mantissa != 0 && value.abs() < f64::MIN_POSITIVE && !exact);
    Some((value, i, out_of_range))
}

/// `p` or `P`, a sign and decimal digits: the exponent and its length (None: not one).
fn binary_exponent(bytes: &[u8]) -> Option<(i64, usize)> {
    if !matches!(bytes.first(), Some(b'p' | b'P')) {
        return None;
    }
    let sign = usize::from(matches!(bytes.get(1), Some(b'+' | b'-')));
    let digits = bytes
        .iter()
        .skip(1 + sign)
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |n, b| {
            n.saturating_mul(10).saturating_add(i64::from(b - b'0'))
        });
    let count = bytes
        .iter()
        .skip(1 + sign)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if count == 0 {
        return None;
    }
    let value = if bytes.get(1) == Some(&b'-') {
        -digits
    } else {
        digits
    };
    Some((value, 1 + sign + count))
}

/// `value` × 2^`exponent`, in steps that stay within a `double`'s exponent range.
fn scale(mut value: f64, mut exponent: i64) -> f64 {
    const STEP: i32 = 1000;
    while exponent > i64::from(STEP) && value.is_finite() && value != 0.0 {
        value *= 2f64.powi(STEP);
        exponent -= i64::from(STEP);
    }
    while exponent < -i64::from(STEP) && value != 0.0 {
        value *= 2f64.powi(-STEP);
        exponent += i64::from(STEP);
    }
    value * 2f64.powi(i32::try_from(exponent).unwrap_or(0))
}

/// Decimal digits with an optional `.`, then an optional `e` exponent.
fn decimal(text: &str) -> Option<(f64, usize, bool)> {
    let bytes = text.as_bytes();
    let digits_from = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let int_end = digits_from(0);
    let mut end = int_end;
    let mut digits = int_end;
    if bytes.get(end) == Some(&b'.') {
        let frac_end = digits_from(end + 1);
        digits += frac_end - end - 1;
        end = frac_end;
    }
    if digits == 0 {
        return None;
    }
    let mantissa_end = end;
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'-' | b'+')));
        let exp_end = digits_from(end + 1 + sign);
        if exp_end > end + 1 + sign {
            end = exp_end;
        }
    }
    let number = text.get(..end)?;
    let value: f64 = number.parse().ok()?;
    let nonzero = text
        .get(..mantissa_end)
        .is_some_and(|m| m.bytes().any(|b| matches!(b, b'1'..=b'9')));
    // A subnormal written in decimal is inexact unless it has hundreds of digits: glibc
    // sets ERANGE.
    let out_of_range = value.is_infinite() || (nonzero && value < f64::MIN_POSITIVE);
    Some((value, end, out_of_range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_reads_what_glibc_reads() {
        // An exact subnormal written in hexadecimal is no ERANGE for glibc.
        assert_eq!(strtod("0x1p-1074").map(|r| r.out_of_range), Some(false));
        assert_eq!(strtod("0x1.8p-1074").map(|r| r.out_of_range), Some(true));
        assert_eq!(strtod("1_0").map(|r| r.rest), Some("_0"));
        assert_eq!(strtod("0x").map(|r| r.rest), Some("x"));
        assert_eq!(strtod("in"), None);
        assert_eq!(
            strtod(" 1.5e2ms").map(|r| (r.value, r.rest)),
            Some((150.0, "ms"))
        );
    }
}
