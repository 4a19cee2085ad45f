//! Array and object functions (template-functions-array.md, template-functions-object.md).

use super::logic::{culture_key, json_eq};
use super::{arg, arity, get_key, int_arg, invalid, str_arg, type_name};
use crate::expr::{Context, EvalError};
use serde_json::{Map, Value};

/// array(x): an array stays as it is; anything else becomes a one-element array.
pub(super) fn array(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("array", args, 1, 1)?;
    Ok(match arg(args, 0) {
        Value::Array(_) => arg(args, 0).clone(),
        other => Value::Array(vec![other.clone()]),
    })
}

pub(super) fn create_array(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Array(args.to_vec()))
}

pub(super) fn create_object(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    if !args.len().is_multiple_of(2) {
        return invalid("createObject expects an even number of arguments (key, value pairs)");
    }
    let mut map = Map::new();
    for pair in args.chunks_exact(2) {
        if let [key, value] = pair {
            map.insert(str_arg("createObject", key)?.to_string(), value.clone());
        }
    }
    Ok(Value::Object(map))
}

pub(super) fn flatten(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("flatten", args, 1, 1)?;
    let Value::Array(outer) = arg(args, 0) else {
        return invalid(format!(
            "flatten expects an array, got {}",
            type_name(arg(args, 0))
        ));
    };
    let mut out = Vec::new();
    for inner in outer {
        match inner {
            Value::Array(a) => out.extend(a.iter().cloned()),
            other => {
                return invalid(format!(
                    "flatten expects an array of arrays, found {}",
                    type_name(other)
                ));
            }
        }
    }
    Ok(Value::Array(out))
}

/// intersection: elements (or key/value pairs) present in every argument, in the order
/// of the first.
pub(super) fn intersection(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("intersection", args, 2, usize::MAX)?;
    match arg(args, 0) {
        Value::Array(first) => {
            let others = args
                .get(1..)
                .unwrap_or_default()
                .iter()
                .map(|a| a.as_array().ok_or(()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    EvalError::Invalid("intersection expects all arguments to be arrays".into())
                })?;
            let mut out: Vec<Value> = Vec::new();
            for x in first {
                if others.iter().all(|o| o.iter().any(|y| json_eq(x, y)))
                    && !out.iter().any(|y| json_eq(x, y))
                {
                    out.push(x.clone());
                }
            }
            Ok(Value::Array(out))
        }
        Value::Object(first) => {
            let others = args
                .get(1..)
                .unwrap_or_default()
                .iter()
                .map(|a| a.as_object().ok_or(()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    EvalError::Invalid("intersection expects all arguments to be objects".into())
                })?;
            let out = first
                .iter()
                .filter(|(k, v)| {
                    others
                        .iter()
                        .all(|o| o.get(*k).is_some_and(|w| json_eq(v, w)))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Value::Object(out))
        }
        other => invalid(format!(
            "intersection expects arrays or objects, got {}",
            type_name(other)
        )),
    }
}

/// union: arrays are concatenated without duplicates; objects are merged, later values
/// winning, nested objects merged recursively (template-functions-object.md#union).
pub(super) fn union(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("union", args, 2, usize::MAX)?;
    match arg(args, 0) {
        Value::Array(_) => {
            let mut out: Vec<Value> = Vec::new();
            for arg in args {
                let Value::Array(items) = arg else {
                    return invalid("union expects all arguments to be arrays");
                };
                for x in items {
                    if !out.iter().any(|y| json_eq(x, y)) {
                        out.push(x.clone());
                    }
                }
            }
            Ok(Value::Array(out))
        }
        Value::Object(_) => {
            let mut out = Map::new();
            for arg in args {
                let Value::Object(map) = arg else {
                    return invalid("union expects all arguments to be objects");
                };
                merge(&mut out, map);
            }
            Ok(Value::Object(out))
        }
        other => invalid(format!(
            "union expects arrays or objects, got {}",
            type_name(other)
        )),
    }
}

fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// items(object): `[{key, value}]`, sorted by key (template-functions-object.md#items).
pub(super) fn items(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("items", args, 1, 1)?;
    let Value::Object(map) = arg(args, 0) else {
        return invalid(format!(
            "items expects an object, got {}",
            type_name(arg(args, 0))
        ));
    };
    let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
    pairs.sort_by_cached_key(|(k, _)| culture_key(k));
    let out = pairs.into_iter().map(|(k, v)| {
        let mut entry = Map::new();
        entry.insert("key".into(), Value::String(k.clone()));
        entry.insert("value".into(), v.clone());
        Value::Object(entry)
    });
    Ok(Value::Array(out.collect()))
}

/// json(text): ARM parses with Newtonsoft.Json, which also reads single-quoted strings
/// and bare property names (the docs' base64ToJson example decodes
/// `{'one': 'a', 'two': 'b'}`); strict JSON is tried first.
pub(super) fn json(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("json", args, 1, 1)?;
    let text = str_arg("json", arg(args, 0))?;
    serde_json::from_str(text)
        .or_else(|e| {
            relaxed_json(text)
                .and_then(|t| serde_json::from_str(&t).ok())
                .ok_or(e)
        })
        .map_err(|e| EvalError::Invalid(format!("json: '{text}' is not valid JSON: {e}")))
}

/// Rewrites Newtonsoft's relaxed syntax into strict JSON: `'single'` strings become
/// `"double"` ones and bare property names get quotes. `None` when nothing changed.
fn relaxed_json(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    let mut changed = false;
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                changed |= c == '\'';
                out.push('"');
                loop {
                    match chars.next()? {
                        '\\' => match chars.next()? {
                            '\'' => out.push('\''),
                            escaped => {
                                out.push('\\');
                                out.push(escaped);
                            }
                        },
                        d if d == c => break,
                        '"' => out.push_str("\\\""),
                        d => out.push(d),
                    }
                }
                out.push('"');
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let mut word = String::from(c);
                while let Some(&d) = chars
                    .peek()
                    .filter(|d| d.is_alphanumeric() || **d == '_' || **d == '$')
                {
                    word.push(d);
                    chars.next();
                }
                let before_colon = chars.clone().find(|d| !d.is_whitespace()) == Some(':');
                if before_colon {
                    out.push('"');
                    out.push_str(&word);
                    out.push('"');
                    changed = true;
                } else {
                    out.push_str(&word);
                }
            }
            c => out.push(c),
        }
    }
    changed.then_some(out)
}

pub(super) fn null(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("null", args, 0, 0)?;
    Ok(Value::Null)
}

/// range(start, count): ARM requires count ≥ 0, count ≤ 10000 and start + count ≤ 2^31 - 1.
pub(super) fn range(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("range", args, 2, 2)?;
    let start = int_arg("range", arg(args, 0))?;
    let count = int_arg("range", arg(args, 1))?;
    if !(0..=10_000).contains(&count) {
        return invalid(format!("range count {count} must be between 0 and 10000"));
    }
    if start
        .checked_add(count)
        .is_none_or(|end| end > i64::from(i32::MAX))
    {
        return invalid("range start + count must not exceed 2147483647");
    }
    Ok(Value::Array(
        (start..start + count).map(Value::from).collect(),
    ))
}

/// min / max over integers given as arguments or as one array.
pub(super) fn min(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    extreme("min", args, std::cmp::Ordering::Less)
}

pub(super) fn max(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    extreme("max", args, std::cmp::Ordering::Greater)
}

fn extreme(name: &str, args: &[Value], want: std::cmp::Ordering) -> Result<Value, EvalError> {
    arity(name, args, 1, usize::MAX)?;
    let items = match args {
        [Value::Array(a)] => a.as_slice(),
        _ => args,
    };
    let mut best: Option<i64> = None;
    for v in items {
        let n = int_arg(name, v)?;
        if best.is_none_or(|b| n.cmp(&b) == want) {
            best = Some(n);
        }
    }
    best.map(Value::from)
        .ok_or_else(|| EvalError::Invalid(format!("{name} of an empty array")))
}

pub(super) fn try_get(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("tryGet", args, 2, 2)?;
    Ok(match (arg(args, 0), arg(args, 1)) {
        (Value::Object(map), Value::String(k)) => get_key(map, k).cloned().unwrap_or(Value::Null),
        (Value::Array(a), Value::Number(n)) => n
            .as_u64()
            .and_then(|i| a.get(i as usize))
            .cloned()
            .unwrap_or(Value::Null),
        // Null in, null out: Bicep compiles `x.?y` on a nullable `x` to
        // tryGet(x, 'y'), and the Azure Verified Modules deploy their
        // minimal test cases with such parameters left null (e.g.
        // tryGet(parameters('managedIdentities'), 'userAssignedResourceIds')).
        (Value::Null, _) => Value::Null,
        (container, _) => {
            return invalid(format!(
                "tryGet expects an object or array, got {}",
                type_name(container)
            ));
        }
    })
}

/// objectKeys(object): the property names, in order (Bicep's objectKeys).
pub(super) fn object_keys(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("objectKeys", args, 1, 1)?;
    let Value::Object(map) = arg(args, 0) else {
        return invalid(format!(
            "objectKeys expects an object, got {}",
            type_name(arg(args, 0))
        ));
    };
    Ok(Value::Array(
        map.keys().cloned().map(Value::String).collect(),
    ))
}

/// shallowMerge(arrayOfObjects): later objects' top-level properties replace earlier ones
/// (unlike union, nested objects are not merged).
pub(super) fn shallow_merge(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("shallowMerge", args, 1, 1)?;
    let Value::Array(items) = arg(args, 0) else {
        return invalid(format!(
            "shallowMerge expects an array of objects, got {}",
            type_name(arg(args, 0))
        ));
    };
    let mut out = Map::new();
    for item in items {
        let Value::Object(map) = item else {
            return invalid(format!(
                "shallowMerge expects objects, found {}",
                type_name(item)
            ));
        };
        out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Ok(Value::Object(out))
}
