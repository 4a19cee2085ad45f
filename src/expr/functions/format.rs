//! `format()`: .NET composite formatting (template-functions-string.md#format).

use super::{arg, arity, invalid, str_arg, to_text, type_name, unknown_self};
use crate::expr::{Context, EvalError};
use serde_json::Value;

/// format(fmt, args...): `{index[,alignment][:spec]}` with `{{` / `}}` escapes. Numeric
/// specs N, D, F, X (with precision) are supported; others are not evaluated statically.
pub(super) fn format(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("format", args, 1, usize::MAX)?;
    let fmt = str_arg("format", arg(args, 0))?;
    let values = args.get(1..).unwrap_or_default();
    let mut out = String::new();
    let mut rest = fmt;
    // `{` and `}` are ASCII, so every split below is at a character boundary.
    while let Some(i) = rest.find(['{', '}']) {
        let (text, brace) = rest.split_at(i);
        out.push_str(text);
        let c = if brace.starts_with('{') { '{' } else { '}' };
        if let Some(after) = brace
            .strip_prefix(['{', '}'])
            .and_then(|b| b.strip_prefix(c))
        {
            out.push(c);
            rest = after;
            continue;
        }
        if c == '}' {
            return invalid(format!("format string '{fmt}' has an unmatched '}}'"));
        }
        let Some((item, after)) = brace.get(1..).and_then(|b| b.split_once('}')) else {
            return invalid(format!("format string '{fmt}' has an unmatched '{{'"));
        };
        out.push_str(&format_item(item, values, fmt)?);
        rest = after;
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn format_item(item: &str, values: &[Value], fmt: &str) -> Result<String, EvalError> {
    let (head, spec) = item.split_once(':').unwrap_or((item, ""));
    let (index, align) = head.split_once(',').unwrap_or((head, ""));
    let bad = || {
        EvalError::Invalid(format!(
            "format string '{fmt}' has an invalid item '{{{item}}}'"
        ))
    };
    let index: usize = index.trim().parse().map_err(|_| bad())?;
    let value = values.get(index).ok_or_else(|| {
        EvalError::Invalid(format!(
            "format string '{fmt}' refers to argument {index}, but only {} given",
            values.len()
        ))
    })?;
    let text = format_value(value, spec)?;
    if align.is_empty() {
        return Ok(text);
    }
    let width: i64 = align.trim().parse().map_err(|_| bad())?;
    // .NET refuses alignments of a million or more (String.Format's width limit).
    if width.unsigned_abs() >= 1_000_000 {
        return Err(bad());
    }
    let pad = (width.unsigned_abs() as usize).saturating_sub(text.chars().count());
    Ok(if width < 0 {
        format!("{text}{}", " ".repeat(pad))
    } else {
        format!("{}{text}", " ".repeat(pad))
    })
}

fn format_value(value: &Value, spec: &str) -> Result<String, EvalError> {
    if spec.is_empty() {
        return Ok(to_text(value));
    }
    let not_static = || {
        unknown_self(&format!(
            "uses the format '{spec}' on {}, which is not evaluated statically",
            type_name(value)
        ))
    };
    let Value::Number(n) = value else {
        return Err(not_static());
    };
    let mut chars = spec.chars();
    let kind = chars.next().unwrap_or('G');
    let digits = chars.as_str();
    let precision: Option<usize> = match digits {
        "" => None,
        d => Some(d.parse().ok().filter(|p| *p <= 99).ok_or_else(not_static)?),
    };
    let text = match (kind.to_ascii_uppercase(), n.as_i64()) {
        // Integers keep every digit (no detour through f64).
        ('N', Some(i)) => with_decimals(&group_thousands(&i.to_string()), precision.unwrap_or(2)),
        ('F', Some(i)) => with_decimals(&i.to_string(), precision.unwrap_or(2)),
        ('N', None) => group_thousands(&format!(
            "{:.*}",
            precision.unwrap_or(2),
            n.as_f64().unwrap_or(0.0)
        )),
        ('F', None) => format!("{:.*}", precision.unwrap_or(2), n.as_f64().unwrap_or(0.0)),
        ('D', Some(i)) => {
            let p = precision.unwrap_or(0);
            let sign = if i < 0 { "-" } else { "" };
            format!("{sign}{:0>p$}", i.unsigned_abs())
        }
        ('X', Some(i)) if kind == 'X' => format!("{:0>1$X}", i, precision.unwrap_or(0)),
        ('X', Some(i)) => format!("{:0>1$x}", i, precision.unwrap_or(0)),
        // .NET rejects D and X for non-integers.
        ('D' | 'X', None) => {
            return invalid(format!(
                "format specifier '{spec}' requires an integer, got {n}"
            ));
        }
        _ => return Err(not_static()),
    };
    Ok(text)
}

/// `1,234` with 2 decimals → `1,234.00`.
fn with_decimals(int: &str, decimals: usize) -> String {
    if decimals == 0 {
        int.to_string()
    } else {
        format!("{int}.{}", "0".repeat(decimals))
    }
}

/// `1234567.50` → `1,234,567.50` (invariant culture).
fn group_thousands(number: &str) -> String {
    let (sign, body) = number.strip_prefix('-').map_or(("", number), |b| ("-", b));
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}
