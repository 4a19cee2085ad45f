//! Numeric functions (template-functions-numeric.md): 64-bit integers; overflow and
//! division by zero are errors.

use super::{arg, arity, int_arg, invalid, to_text, type_name};
use crate::expr::{Context, EvalError};
use serde_json::Value;

fn int_pair(name: &str, args: &[Value]) -> Result<(i64, i64), EvalError> {
    arity(name, args, 2, 2)?;
    Ok((int_arg(name, arg(args, 0))?, int_arg(name, arg(args, 1))?))
}

fn checked(name: &str, r: Option<i64>) -> Result<Value, EvalError> {
    r.map(Value::from)
        .ok_or_else(|| EvalError::Invalid(format!("{name}: integer overflow or division by zero")))
}

pub(super) fn add(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("add", args)?;
    checked("add", a.checked_add(b))
}

pub(super) fn sub(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("sub", args)?;
    checked("sub", a.checked_sub(b))
}

pub(super) fn mul(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("mul", args)?;
    checked("mul", a.checked_mul(b))
}

/// div: integer division truncating toward zero, as C#.
pub(super) fn div(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("div", args)?;
    checked("div", a.checked_div(b))
}

/// mod: remainder with the sign of the dividend, as C# `%`.
pub(super) fn mod_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("mod", args)?;
    checked("mod", a.checked_rem(b))
}

/// int: an integer, an integral number, or a string of digits.
pub(super) fn int(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("int", args, 1, 1)?;
    match arg(args, 0) {
        Value::Number(n) if n.is_i64() => Ok(arg(args, 0).clone()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(Value::from(f as i64)),
            _ => invalid(format!("int cannot convert {n}")),
        },
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| EvalError::Invalid(format!("int cannot convert '{s}'"))),
        other => invalid(format!("int cannot convert {}", type_name(other))),
    }
}

/// float: a number or a decimal string (invariant culture).
pub(super) fn float(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("float", args, 1, 1)?;
    let x = match arg(args, 0) {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    };
    x.and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| {
            EvalError::Invalid(format!("float cannot convert {}", to_text(arg(args, 0))))
        })
}
