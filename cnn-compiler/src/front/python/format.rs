//! Python's string formatting, as layer names use it: f-strings'
//! `{i:02d}`, `"conv%d" % i` and `"block{}_{}".format(a, b)`.

use super::value::{float_repr, to_str, Value};

/// `format(value, spec)`: `[[fill]align][sign][0][width][,][.precision][type]`.
pub fn format_spec(value: &Value, spec: &str) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(to_str(value, false, 0));
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    let (mut fill, mut align) = (' ', None);
    if chars.len() >= 2 && is_align(chars[1]) {
        (fill, align) = (chars[0], Some(chars[1]));
        i = 2;
    } else if chars.first().copied().is_some_and(is_align) {
        align = Some(chars[0]);
        i = 1;
    }
    let mut sign = '-';
    if let Some(&c @ ('+' | '-' | ' ')) = chars.get(i) {
        sign = c;
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        if align.is_none() {
            (fill, align) = ('0', Some('='));
        }
        i += 1;
    }
    let number = |i: &mut usize| {
        let start = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        chars[start..*i]
            .iter()
            .collect::<String>()
            .parse::<usize>()
            .ok()
    };
    let width = number(&mut i).unwrap_or(0).min(10_000);
    let grouping = matches!(chars.get(i), Some(',' | '_'));
    if grouping {
        i += 1;
    }
    let precision = if chars.get(i) == Some(&'.') {
        i += 1;
        Some(number(&mut i).ok_or("a format's precision must be a number")?)
    } else {
        None
    };
    let kind = chars.get(i).copied();
    if chars.len() > i + 1 {
        return Err(format!("the format `{spec}` is not one the reader knows"));
    }
    let precision = precision.map(|p| p.min(100));
    let (negative, digits) = match (kind, value) {
        (None | Some('s'), Value::Str(s)) => {
            let s: String = match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            return Ok(pad(&s, "", fill, align.unwrap_or('<'), width));
        }
        (Some('d' | 'n') | None, v) if v.as_int().is_some() && !matches!(v, Value::Float(_)) => {
            let n = v.as_int().unwrap_or(0);
            (n < 0, group(&n.unsigned_abs().to_string(), grouping))
        }
        (Some(k @ ('x' | 'X' | 'o' | 'b')), v) if v.as_int().is_some() => {
            let n = v.as_int().unwrap_or(0);
            let m = n.unsigned_abs();
            let text = match k {
                'x' => format!("{m:x}"),
                'X' => format!("{m:X}"),
                'o' => format!("{m:o}"),
                _ => format!("{m:b}"),
            };
            (n < 0, text)
        }
        (k @ (Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%') | None), v)
            if v.as_float().is_some() =>
        {
            let x = v.as_float().unwrap_or(0.0);
            let magnitude = x.abs();
            let text = match k {
                Some('f' | 'F') => format!("{magnitude:.*}", precision.unwrap_or(6)),
                Some('%') => format!("{:.*}%", precision.unwrap_or(6), magnitude * 100.0),
                Some('e' | 'E') => exponent(magnitude, precision.unwrap_or(6), k == Some('E')),
                Some('g' | 'G') => general(magnitude, precision.unwrap_or(6)),
                _ => match precision {
                    Some(p) => general(magnitude, p),
                    None => float_repr(magnitude),
                },
            };
            (x.is_sign_negative() && x != 0.0, group(&text, grouping))
        }
        (_, v) => {
            return Err(format!(
                "the format `{spec}` does not apply to a {}",
                v.type_name()
            ))
        }
    };
    let sign_text = match (negative, sign) {
        (true, _) => "-",
        (false, '+') => "+",
        (false, ' ') => " ",
        _ => "",
    };
    Ok(pad(&digits, sign_text, fill, align.unwrap_or('>'), width))
}

fn group(digits: &str, grouping: bool) -> String {
    if !grouping {
        return digits.to_string();
    }
    let (whole, rest) = digits.split_at(digits.find('.').unwrap_or(digits.len()));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + rest
}

fn exponent(x: f64, precision: usize, upper: bool) -> String {
    let text = format!("{x:.precision$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{sign}{:02}", exp.unsigned_abs())
}

/// `g`: `precision` significant digits, trailing zeros dropped.
fn general(x: f64, precision: usize) -> String {
    let p = precision.max(1);
    if x == 0.0 {
        return "0".to_string();
    }
    let exp = x.log10().floor() as i32;
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if exp < -4 || exp >= p as i32 {
        let text = exponent(x, p - 1, false);
        let (mantissa, e) = text.split_once('e').unwrap_or((&text, ""));
        format!("{}e{e}", trim(mantissa.to_string()))
    } else {
        let decimals = usize::try_from(p as i32 - 1 - exp).unwrap_or(0);
        trim(format!("{x:.decimals$}"))
    }
}

fn pad(text: &str, sign: &str, fill: char, align: char, width: usize) -> String {
    let len = text.chars().count() + sign.len();
    let missing = width.saturating_sub(len);
    let fill = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
    match align {
        '<' => format!("{sign}{text}{}", fill(missing)),
        '^' => format!(
            "{}{sign}{text}{}",
            fill(missing / 2),
            fill(missing - missing / 2)
        ),
        '=' => format!("{sign}{}{text}", fill(missing)),
        _ => format!("{}{sign}{text}", fill(missing)),
    }
}

/// `template % args`.
pub fn percent(template: &str, args: &Value) -> Result<String, String> {
    let mut values = match args {
        Value::Tuple(items) => items.to_vec(),
        other => vec![other.clone()],
    }
    .into_iter();
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        let kind = loop {
            match chars.next() {
                Some(k) if k.is_ascii_alphabetic() || k == '%' => break k,
                Some(k) => spec.push(k),
                None => return Err("a `%` at the end of the format".to_string()),
            }
        };
        if kind == '%' {
            out.push('%');
            continue;
        }
        let value = values
            .next()
            .ok_or("not enough values for the `%` format")?;
        // `%-5d` aligns left; the rest is the format mini-language.
        let spec = match spec.strip_prefix('-') {
            Some(rest) => format!("<{rest}"),
            None => spec,
        };
        out.push_str(&match kind {
            's' => format_spec(&Value::str(&to_str(&value, false, 0)), &spec)?,
            'r' => format_spec(&Value::str(&to_str(&value, true, 0)), &spec)?,
            'i' | 'u' => format_spec(&value, &format!("{spec}d"))?,
            'd' => match value.as_float() {
                Some(x) if matches!(value, Value::Float(_)) => {
                    format_spec(&Value::Int(x.trunc() as i128), &format!("{spec}d"))?
                }
                _ => format_spec(&value, &format!("{spec}d"))?,
            },
            k => format_spec(&value, &format!("{spec}{k}"))?,
        });
    }
    if values.next().is_some() {
        return Err("not all values were used by the `%` format".to_string());
    }
    Ok(out)
}

/// `template.format(*positional, **named)`.
pub fn format_method<'a>(
    template: &str,
    positional: &[Value<'a>],
    named: &[(String, Value<'a>)],
) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(k) => field.push(k),
                        None => return Err("a `{` without its `}` in the format".to_string()),
                    }
                }
                let (field, spec) = field.split_once(':').unwrap_or((&field, ""));
                let (key, conversion) = field.split_once('!').unwrap_or((field, ""));
                let value = if key.is_empty() {
                    next += 1;
                    positional.get(next - 1)
                } else if let Ok(i) = key.parse::<usize>() {
                    positional.get(i)
                } else {
                    named.iter().find(|(k, _)| k == key).map(|(_, v)| v)
                };
                let value =
                    value.ok_or_else(|| format!("the format's field `{{{key}}}` has no value"))?;
                let value = match conversion {
                    "r" => Value::str(&to_str(value, true, 0)),
                    "s" => Value::str(&to_str(value, false, 0)),
                    _ => value.clone(),
                };
                out.push_str(&format_spec(&value, spec)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_name_formats_give_what_python_gives() {
        assert_eq!(format_spec(&Value::Int(7), "02d").unwrap(), "07");
        assert_eq!(format_spec(&Value::Int(-7), "03").unwrap(), "-07");
        assert_eq!(format_spec(&Value::Float(0.25), ".2f").unwrap(), "0.25");
        assert_eq!(format_spec(&Value::Float(1e-5), "").unwrap(), "1e-05");
        assert_eq!(format_spec(&Value::Float(0.5), "g").unwrap(), "0.5");
        assert_eq!(format_spec(&Value::str("a"), ">3").unwrap(), "  a");
        assert_eq!(format_spec(&Value::Int(1234567), ",").unwrap(), "1,234,567");
        let args = Value::tuple(vec![Value::str("conv"), Value::Int(3)]);
        assert_eq!(percent("%s_%02d", &args).unwrap(), "conv_03");
        assert_eq!(percent("%d%%", &Value::Int(5)).unwrap(), "5%");
        assert_eq!(
            format_method(
                "block{}_{name}_{0}",
                &[Value::Int(2)],
                &[("name".to_string(), Value::str("bn"))]
            )
            .unwrap(),
            "block2_bn_2"
        );
        assert!(percent("%d %d", &Value::Int(1)).is_err());
    }
}
