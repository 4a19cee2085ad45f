//! TEMPORARY shim of the expression interface, replaced by the full ARM
//! expression evaluator (branch `expr`) at merge. Only `name('arg')` calls
//! with string-literal arguments are understood.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    Unknown(String),
    Invalid(String),
}

pub trait Context {
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>>;
}

pub struct NoContext;
impl Context for NoContext {
    fn call(&self, _: &str, _: &[Value]) -> Option<Result<Value, EvalError>> {
        None
    }
}

pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

pub fn eval_string(s: &str, ctx: &dyn Context) -> Result<Value, EvalError> {
    if let Some(rest) = s.strip_prefix("[[") {
        return Ok(Value::String(format!("[{rest}")));
    }
    if !is_expression(s) {
        return Ok(Value::String(s.to_string()));
    }
    let inner = &s[1..s.len() - 1];
    let (name, rest) = inner
        .split_once('(')
        .ok_or_else(|| EvalError::Unknown(s.to_string()))?;
    let args = rest
        .strip_suffix(')')
        .ok_or_else(|| EvalError::Unknown(s.to_string()))?;
    let args: Vec<Value> = if args.trim().is_empty() {
        vec![]
    } else {
        vec![Value::String(
            args.trim().trim_matches('\'').to_string(),
        )]
    };
    ctx.call(&name.trim().to_ascii_lowercase(), &args)
        .unwrap_or_else(|| Err(EvalError::Unknown(s.to_string())))
}
