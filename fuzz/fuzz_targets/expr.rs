//! The ARM template expression language: parse and evaluate any string,
//! as `"[...]"` and as written, with the built-ins and a context that
//! defines `parameters` and `variables`. Errors are fine; panics, hangs and
//! memory blow-ups are not.
#![no_main]

use acrpc::expr::{EvalError, eval_string};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fn context(name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
    let key = args.first().and_then(Value::as_str).unwrap_or_default();
    match name {
        "parameters" => Some(match key {
            "name" => Ok(json!("acr1")),
            "list" => Ok(json!([1, "two", {"three": 3}, null])),
            "object" => Ok(json!({"a": {"b": [true, 1.5]}})),
            _ => Err(EvalError::Unknown(format!("parameter {key}"))),
        }),
        "variables" => Some(Ok(json!(key))),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = eval_string(&format!("[{text}]"), &context);
    let _ = eval_string(text, &context);
});
