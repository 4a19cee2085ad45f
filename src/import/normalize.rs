//! The equivalence under which an imported definition must compile back to
//! its original. Each step is a place where Azure itself does not distinguish
//! the two forms (moved here from `tests/builtins.rs`, which uses it too):
//! - object keys compared case-insensitively: Azure reads operator keys and
//!   property names without regard to case (`anyof` = `anyOf`);
//! - `exists: "false"` equals `exists: false` (Azure accepts both);
//! - nested `allOf` inside `allOf` (and `anyOf` inside `anyOf`) flattened,
//!   single-member `allOf`/`anyOf` collapsed, members sorted: order and
//!   grouping do not change a conjunction or disjunction;
//! - alias names, resource types, role definition ids and the string values
//!   of case-insensitive operators lower-cased: "String comparisons are made
//!   using InvariantCultureIgnoreCase" (definition-structure-policy-rule);
//! - deployment `mode` compared case-insensitively (`incremental` is what
//!   the built-ins write, `Incremental` what the ARM schema lists);
//! - template expressions (`"[concat(a, b)]"`) compared after parsing, with
//!   function names lower-cased: ARM ignores whitespace between tokens and
//!   the case of function names (template-expressions.md). Strings that do
//!   not parse are compared as written.

use crate::expr::{self, Expr};
use serde_json::{Map, Value};

/// Operators whose string values Azure compares case-insensitively.
const CASE_INSENSITIVE_OPS: &[&str] = &[
    "equals",
    "notequals",
    "in",
    "notin",
    "like",
    "notlike",
    "contains",
    "notcontains",
    "containskey",
    "notcontainskey",
];

fn lower_strings(v: &Value) -> Value {
    match v {
        Value::String(s) if !s.starts_with('[') => Value::String(s.to_ascii_lowercase()),
        Value::Array(a) => Value::Array(a.iter().map(lower_strings).collect()),
        other => canonical_expressions(other),
    }
}

fn canonical_key(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Normalises a policy rule (or any fragment of one) as described above.
pub fn norm(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, val) in o {
                let key = k.to_ascii_lowercase();
                let nv = match key.as_str() {
                    "allof" | "anyof" => Value::Array(junction_members(&key, val)),
                    "exists" => match val {
                        Value::String(s) => Value::Bool(s.eq_ignore_ascii_case("true")),
                        other => other.clone(),
                    },
                    "field" | "type" | "roledefinitionids" | "mode" => lower_strings(val),
                    k if CASE_INSENSITIVE_OPS.contains(&k) => lower_strings(val),
                    _ => norm(val),
                };
                out.insert(key, nv);
            }
            // Collapse single-member allOf / anyOf.
            if out.len() == 1
                && let Some((k, Value::Array(items))) = out.iter().next()
                && (k == "allof" || k == "anyof")
                && let [only] = items.as_slice()
            {
                return only.clone();
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
        other => canonical_expressions(other),
    }
}

/// Members of an `allOf`/`anyOf`, normalised, same-kind nesting flattened, sorted.
fn junction_members(key: &str, val: &Value) -> Vec<Value> {
    let mut items = Vec::new();
    for item in val.as_array().into_iter().flatten() {
        let n = norm(item);
        let nested = n
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.get(key))
            .and_then(Value::as_array);
        match nested {
            Some(inner) => items.extend(inner.iter().cloned()),
            None => items.push(n),
        }
    }
    items.sort_by_key(canonical_key);
    items
}

/// A string holding a template expression in its canonical spelling.
fn canonical_expressions(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']') => {
            let inner = s.get(1..s.len() - 1).unwrap_or_default();
            match expr::parse(inner) {
                Ok(e) => Value::String(format!("[{}]", canonical(&e))),
                Err(_) => v.clone(),
            }
        }
        other => other.clone(),
    }
}

fn canonical(e: &Expr) -> String {
    match e {
        Expr::String(s) => format!("'{}'", s.replace('\'', "''")),
        Expr::Int(i) => i.to_string(),
        Expr::Float(f) => f.to_string(),
        Expr::Bool(b) => b.to_string(),
        Expr::Null => "null".into(),
        Expr::Call { name, args } => {
            let args: Vec<String> = args.iter().map(canonical).collect();
            format!("{}({})", name.to_ascii_lowercase(), args.join(","))
        }
        Expr::Property { target, name } => format!("{}.{}", canonical(target), name),
        Expr::Index { target, index } => format!("{}[{}]", canonical(target), canonical(index)),
    }
}

/// The JSON pointer of the first place where `a` and `b` differ (in key
/// order of `a`, then keys only `b` has), or `None` when they are equal.
pub fn first_difference(a: &Value, b: &Value) -> Option<String> {
    fn escape(k: &str) -> String {
        k.replace('~', "~0").replace('/', "~1")
    }
    if a == b {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => {
                        if let Some(p) = first_difference(va, vb) {
                            return Some(format!("/{}{p}", escape(k)));
                        }
                    }
                    None => return Some(format!("/{}", escape(k))),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("/{}", escape(k)))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(va, vb).map(|p| format!("/{i}{p}"))),
        _ => Some(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalisation_is_not_vacuous() {
        // Different operators, values or structure must stay different.
        let a =
            json!({"allOf": [{"field": "x", "equals": "a"}, {"field": "y", "exists": "false"}]});
        let b =
            json!({"allOf": [{"field": "x", "notEquals": "a"}, {"field": "y", "exists": false}]});
        let c = json!({"anyOf": [{"field": "x", "equals": "a"}, {"field": "y", "exists": false}]});
        let d = json!({"ALLOF": [{"field": "Y", "exists": false}, {"allOf": [{"field": "X", "EQUALS": "A"}]}]});
        assert_ne!(norm(&a), norm(&b));
        assert_ne!(norm(&a), norm(&c));
        assert_eq!(norm(&a), norm(&d));
    }

    #[test]
    fn expressions_compare_by_meaning_of_spelling_only() {
        let a = json!({"value": "[concat(parameters('a'), 'x')]", "equals": "[Field('b')]"});
        let b = json!({"value": "[CONCAT( parameters('a') ,'x' )]", "equals": "[field('b')]"});
        let c = json!({"value": "[concat(parameters('a'), 'X')]", "equals": "[field('b')]"});
        assert_eq!(norm(&a), norm(&b));
        // String arguments keep their case: 'x' and 'X' are different values.
        assert_ne!(norm(&a), norm(&c));
        // An escaped literal is not an expression.
        assert_ne!(norm(&json!("[[x]")), norm(&json!("[x]")));
    }

    #[test]
    fn first_difference_points_at_the_first_change() {
        let a = json!({"if": {"allOf": [{"field": "a", "equals": 1}, {"field": "b"}]}, "then": 1});
        let b = json!({"if": {"allOf": [{"field": "a", "equals": 2}, {"field": "b"}]}, "then": 1});
        assert_eq!(
            first_difference(&a, &b).as_deref(),
            Some("/if/allOf/0/equals")
        );
        assert_eq!(first_difference(&a, &a), None);
        assert_eq!(
            first_difference(&json!({"a/b": 1}), &json!({})).as_deref(),
            Some("/a~1b")
        );
    }
}
