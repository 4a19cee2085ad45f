//! Logical (template-functions-logical.md) and comparison
//! (template-functions-comparison.md) functions; `if`, `and`, `or` and `coalesce` are in
//! `eval.rs`.

use super::{arg, arity, bool_arg, invalid, to_text, type_name};
use crate::expr::{Context, EvalError};
use serde_json::Value;

/// bool: a boolean, 'true'/'false' (any case), or an integer (0 is false).
pub(super) fn bool_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("bool", args, 1, 1)?;
    match arg(args, 0) {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        Value::Number(n) if n.is_i64() => Ok(Value::Bool(n.as_i64() != Some(0))),
        other => invalid(format!(
            "bool cannot convert {} '{}'",
            type_name(other),
            to_text(other)
        )),
    }
}

pub(super) fn true_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("true", args, 0, 0)?;
    Ok(Value::Bool(true))
}

pub(super) fn false_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("false", args, 0, 0)?;
    Ok(Value::Bool(false))
}

pub(super) fn not(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("not", args, 1, 1)?;
    Ok(Value::Bool(!bool_arg("not", arg(args, 0))?))
}

// ---------------------------------------------------------------------------------
// Comparison

/// Deep equality; numbers compare by value (1 equals 1.0); strings case-sensitively.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

pub(super) fn equals(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("equals", args, 2, 2)?;
    Ok(Value::Bool(json_eq(arg(args, 0), arg(args, 1))))
}

/// Orders two integers or two strings (ordinal: ARM compares strings case-sensitively).
fn order(name: &str, args: &[Value]) -> Result<std::cmp::Ordering, EvalError> {
    arity(name, args, 2, 2)?;
    match (arg(args, 0), arg(args, 1)) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => Ok(i.cmp(&j)),
            _ => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .ok_or_else(|| EvalError::Invalid(format!("{name}: incomparable numbers"))),
        },
        (Value::String(x), Value::String(y)) => Ok(culture_cmp(x, y)),
        (a, b) => invalid(format!(
            "{name} expects two integers or two strings, got {} and {}",
            type_name(a),
            type_name(b)
        )),
    }
}

/// String order as .NET's culture-aware comparison sees it (the docs' `greater('A', 'a')`
/// is True): alphabetical ignoring case first, with whitespace, then punctuation, then
/// digits, then letters; then, at the first difference in case, lower case first.
/// An approximation of the invariant culture's collation, exact for ASCII letters and digits.
fn culture_cmp(x: &str, y: &str) -> std::cmp::Ordering {
    culture_key(x).cmp(&culture_key(y))
}

/// The sort key behind [`culture_cmp`]: a plain tuple, so the order is total (sorting
/// with it can never see an inconsistent comparison).
pub(super) fn culture_key(s: &str) -> (Vec<(u8, char)>, Vec<bool>, &str) {
    fn class(c: char) -> u8 {
        match c {
            c if c.is_alphabetic() => 3,
            c if c.is_numeric() => 2,
            c if c.is_whitespace() => 0,
            _ => 1,
        }
    }
    let primary = s
        .chars()
        .flat_map(|c| c.to_lowercase().map(move |l| (class(c), l)))
        .collect();
    let case = s.chars().map(char::is_uppercase).collect();
    (primary, case, s)
}

pub(super) fn greater(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("greater", args)?.is_gt()))
}

pub(super) fn greater_or_equals(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("greaterOrEquals", args)?.is_ge()))
}

pub(super) fn less(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("less", args)?.is_lt()))
}

pub(super) fn less_or_equals(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("lessOrEquals", args)?.is_le()))
}
