//! String functions (template-functions-string.md): searching, slicing, casing, hashing
//! (`uniqueString`, `guid`); positions and lengths in UTF-16 units, as .NET counts.

use super::logic::json_eq;
use super::{
    MAX_LEN, arg, arity, from_utf16, get_key, int_arg, invalid, len16, str_arg, to_text, type_name,
    utf16,
};
use crate::expr::hash;
use crate::expr::{Context, EvalError};
use serde_json::Value;

/// concat: all arrays → one array; otherwise strings (integers print in decimal, as in
/// the common `concat('vm', copyIndex())`).
pub(super) fn concat(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("concat", args, 1, usize::MAX)?;
    if args.iter().all(|a| a.is_array() || a.is_null()) && args.iter().any(Value::is_array) {
        let items = args
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .cloned()
            .collect();
        return Ok(Value::Array(items));
    }
    let mut out = String::new();
    for arg in args {
        match arg {
            Value::String(s) => out.push_str(s),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::Null => {}
            other => {
                return invalid(format!(
                    "concat expects strings or arrays, got {}",
                    type_name(other)
                ));
            }
        }
    }
    Ok(Value::String(out))
}

/// contains: substring (case-sensitive), array element (deep equality), or object key
/// (case-insensitive), per template-functions-string.md#contains.
pub(super) fn contains(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("contains", args, 2, 2)?;
    let found = match (arg(args, 0), arg(args, 1)) {
        (Value::String(s), item) => s.contains(to_text(item).as_str()),
        (Value::Array(items), item) => items.iter().any(|x| json_eq(x, item)),
        (Value::Object(map), Value::String(key)) => get_key(map, key).is_some(),
        (container, _) => {
            return invalid(format!(
                "contains expects a string, array or object, got {}",
                type_name(container)
            ));
        }
    };
    Ok(Value::Bool(found))
}

/// empty: null, "", [] and {} are empty.
pub(super) fn empty(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("empty", args, 1, 1)?;
    let is_empty = match arg(args, 0) {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        other => {
            return invalid(format!(
                "empty expects a string, array or object, got {}",
                type_name(other)
            ));
        }
    };
    Ok(Value::Bool(is_empty))
}

/// Case-insensitive comparisons (startsWith, endsWith) fold as .NET's invariant culture
/// does: one character to one character.
fn fold(s: &str) -> String {
    simple_case(s, false)
}

pub(super) fn ends_with(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("endsWith", args, 2, 2)?;
    let (s, suffix) = (
        str_arg("endsWith", arg(args, 0))?,
        str_arg("endsWith", arg(args, 1))?,
    );
    Ok(Value::Bool(fold(s).ends_with(&fold(suffix))))
}

pub(super) fn starts_with(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("startsWith", args, 2, 2)?;
    let (s, prefix) = (
        str_arg("startsWith", arg(args, 0))?,
        str_arg("startsWith", arg(args, 1))?,
    );
    Ok(Value::Bool(fold(s).starts_with(&fold(prefix))))
}

pub(super) fn first(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("first", args, 1, 1)?;
    match arg(args, 0) {
        Value::Array(a) => Ok(a.first().cloned().unwrap_or(Value::Null)),
        Value::String(s) => Ok(Value::String(
            s.chars().next().map(String::from).unwrap_or_default(),
        )),
        other => invalid(format!(
            "first expects an array or string, got {}",
            type_name(other)
        )),
    }
}

pub(super) fn last(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("last", args, 1, 1)?;
    match arg(args, 0) {
        Value::Array(a) => Ok(a.last().cloned().unwrap_or(Value::Null)),
        Value::String(s) => Ok(Value::String(
            s.chars().last().map(String::from).unwrap_or_default(),
        )),
        other => invalid(format!(
            "last expects an array or string, got {}",
            type_name(other)
        )),
    }
}

pub(super) fn guid(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("guid", args, 1, usize::MAX)?;
    Ok(Value::String(hash::guid(&joined_strings("guid", args)?)))
}

pub(super) fn unique_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uniqueString", args, 1, usize::MAX)?;
    Ok(Value::String(hash::unique_string(&joined_strings(
        "uniqueString",
        args,
    )?)))
}

/// uniqueString and guid hash their (string) arguments joined by `-`.
fn joined_strings(name: &str, args: &[Value]) -> Result<String, EvalError> {
    let parts = args
        .iter()
        .map(|a| str_arg(name, a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.join("-"))
}

/// indexOf / lastIndexOf: a string position (case-insensitive, UTF-16 units) or an array
/// position (deep equality); -1 when absent.
pub(super) fn index_of(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("indexOf", args, 2, 2)?;
    position("indexOf", arg(args, 0), arg(args, 1), false)
}

pub(super) fn last_index_of(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("lastIndexOf", args, 2, 2)?;
    position("lastIndexOf", arg(args, 0), arg(args, 1), true)
}

fn position(
    name: &str,
    haystack: &Value,
    needle: &Value,
    from_end: bool,
) -> Result<Value, EvalError> {
    let found = match haystack {
        Value::Array(items) => {
            let hit = |x: &Value| json_eq(x, needle);
            if from_end {
                items.iter().rposition(hit)
            } else {
                items.iter().position(hit)
            }
        }
        Value::String(s) => {
            let (hay, pat) = (fold16(s), fold16(str_arg(name, needle)?));
            if pat.is_empty() {
                Some(if from_end { hay.len() } else { 0 })
            } else {
                let mut windows = hay.windows(pat.len());
                if from_end {
                    windows.rposition(|w| w == pat.as_slice())
                } else {
                    windows.position(|w| w == pat.as_slice())
                }
            }
        }
        other => {
            return invalid(format!(
                "{name} expects a string or array, got {}",
                type_name(other)
            ));
        }
    };
    Ok(Value::from(found.map_or(-1, |i| i as i64)))
}

/// UTF-16 units of `s` with each character lower-cased where that keeps one character,
/// so positions in the folded text are positions in the original.
fn fold16(s: &str) -> Vec<u16> {
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u16; 2];
    for c in s.chars() {
        let mut lower = c.to_lowercase();
        let folded = match (lower.next(), lower.next()) {
            (Some(l), None) if l.len_utf16() == c.len_utf16() => l,
            _ => c,
        };
        out.extend_from_slice(folded.encode_utf16(&mut buf));
    }
    out
}

pub(super) fn join(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("join", args, 2, 2)?;
    let Value::Array(items) = arg(args, 0) else {
        return invalid(format!(
            "join expects an array, got {}",
            type_name(arg(args, 0))
        ));
    };
    let sep = str_arg("join", arg(args, 1))?;
    let parts: Vec<String> = items.iter().map(to_text).collect();
    Ok(Value::String(parts.join(sep)))
}

/// length: UTF-16 units of a string, elements of an array, properties of an object.
pub(super) fn length(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("length", args, 1, 1)?;
    let n = match arg(args, 0) {
        Value::String(s) => len16(s),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        other => {
            return invalid(format!(
                "length expects a string, array or object, got {}",
                type_name(other)
            ));
        }
    };
    Ok(Value::from(n as i64))
}

pub(super) fn pad_left(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("padLeft", args, 2, 3)?;
    let text = match arg(args, 0) {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_i64() => n.to_string(),
        other => {
            return invalid(format!(
                "padLeft expects a string or integer, got {}",
                type_name(other)
            ));
        }
    };
    let total = int_arg("padLeft", arg(args, 1))?;
    let pad = match args.get(2) {
        None => ' ',
        Some(v) => {
            let s = str_arg("padLeft", v)?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return invalid("padLeft expects a single padding character"),
            }
        }
    };
    let total = usize::try_from(total)
        .map_err(|_| EvalError::Invalid("padLeft expects a non-negative length".into()))?;
    if total > MAX_LEN {
        return invalid(format!("padLeft length {total} is too large"));
    }
    let missing = total.saturating_sub(len16(&text));
    Ok(Value::String(
        std::iter::repeat_n(pad, missing)
            .chain(text.chars())
            .collect(),
    ))
}

pub(super) fn replace(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("replace", args, 3, 3)?;
    let s = str_arg("replace", arg(args, 0))?;
    let old = str_arg("replace", arg(args, 1))?;
    let new = str_arg("replace", arg(args, 2))?;
    if old.is_empty() {
        return invalid("replace expects a non-empty string to replace");
    }
    Ok(Value::String(s.replace(old, new)))
}

/// skip / take on an array or a string (UTF-16 units); counts outside the range clamp.
pub(super) fn skip(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("skip", args, 2, 2)?;
    slice("skip", arg(args, 0), int_arg("skip", arg(args, 1))?, true)
}

pub(super) fn take(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("take", args, 2, 2)?;
    slice("take", arg(args, 0), int_arg("take", arg(args, 1))?, false)
}

fn slice(name: &str, v: &Value, n: i64, skip: bool) -> Result<Value, EvalError> {
    let cut = |len: usize| usize::try_from(n.max(0)).unwrap_or(usize::MAX).min(len);
    match v {
        Value::Array(a) => {
            let (head, tail) = a.split_at(cut(a.len()));
            Ok(Value::Array(if skip { tail } else { head }.to_vec()))
        }
        Value::String(s) => {
            let units = utf16(s);
            let (head, tail) = units.split_at(cut(units.len()));
            Ok(Value::String(from_utf16(if skip { tail } else { head })))
        }
        other => invalid(format!(
            "{name} expects an array or string, got {}",
            type_name(other)
        )),
    }
}

/// split: on a delimiter or any of an array of delimiters; empty pieces are kept (.NET
/// `String.Split(string[], StringSplitOptions.None)`), empty delimiters ignored.
pub(super) fn split(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("split", args, 2, 2)?;
    let s = str_arg("split", arg(args, 0))?;
    let delims: Vec<&str> = match arg(args, 1) {
        Value::String(d) => vec![d.as_str()],
        Value::Array(ds) => ds
            .iter()
            .map(|d| str_arg("split", d))
            .collect::<Result<_, _>>()?,
        other => {
            return invalid(format!(
                "split expects a string or array delimiter, got {}",
                type_name(other)
            ));
        }
    };
    let delims: Vec<&str> = delims.into_iter().filter(|d| !d.is_empty()).collect();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < s.len() {
        // At each position the first delimiter in the list that matches wins, as in .NET.
        match delims.iter().find(|d| s[i..].starts_with(**d)) {
            Some(d) => {
                parts.push(Value::String(s[start..i].to_string()));
                i += d.len();
                start = i;
            }
            None => i += s[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    parts.push(Value::String(s[start..].to_string()));
    Ok(Value::Array(parts))
}

pub(super) fn string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("string", args, 1, 1)?;
    Ok(Value::String(to_text(arg(args, 0))))
}

/// substring(text, start, length?): positions in UTF-16 units; out of range is an error,
/// as in .NET.
pub(super) fn substring(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("substring", args, 1, 3)?;
    let units = utf16(str_arg("substring", arg(args, 0))?);
    let len = units.len();
    let start = match args.get(1) {
        Some(v) => int_arg("substring", v)?,
        None => 0,
    };
    let start = usize::try_from(start)
        .ok()
        .filter(|s| *s <= len)
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "substring start index {start} is out of range for a string of length {len}"
            ))
        })?;
    let count = match args.get(2) {
        Some(v) => int_arg("substring", v)?,
        None => (len - start) as i64,
    };
    let end = usize::try_from(count)
        .ok()
        .and_then(|c| start.checked_add(c))
        .filter(|e| *e <= len)
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "substring: the index {start} and length {count} must refer to a location within the string of length {len}"
            ))
        })?;
    Ok(Value::String(from_utf16(
        units.get(start..end).unwrap_or_default(),
    )))
}

/// toLower / toUpper: .NET's invariant casing maps one character to one character
/// (`toUpper('ß')` stays `ß`, no final-sigma rule), unlike Rust's full Unicode mapping.
pub(super) fn to_lower(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("toLower", args, 1, 1)?;
    Ok(Value::String(simple_case(
        str_arg("toLower", arg(args, 0))?,
        false,
    )))
}

pub(super) fn to_upper(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("toUpper", args, 1, 1)?;
    Ok(Value::String(simple_case(
        str_arg("toUpper", arg(args, 0))?,
        true,
    )))
}

/// Each character's case mapping where it is a single character; others stay as they are.
fn simple_case(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mapped: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            match mapped[..] {
                [one] => one,
                _ => c,
            }
        })
        .collect()
}

pub(super) fn trim(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("trim", args, 1, 1)?;
    Ok(Value::String(
        str_arg("trim", arg(args, 0))?.trim().to_string(),
    ))
}
