//! Azure Policy's condition operators on JSON values.
//!
//! Sources (PR-doc = learn.microsoft.com/azure/governance/policy/concepts/
//! definition-structure-policy-rule; notes = shared design semantics notes):
//! * string comparison is `InvariantCultureIgnoreCase` except `match`/`notMatch` (PR-doc);
//! * bools and numbers compare as strings for equality: `true` equals `"True"`,
//!   `"1"` equals `1`, `1` does not equal `true` (notes §2, MicrosoftDocs PR #41628);
//! * a missing field equals nothing, so `notEquals`/`notIn`/`notContains`/
//!   `notLike`/`notMatch` hold on it (notes §1, PR-doc "exists");
//! * `like` takes `*` wildcards, `match` takes `#` digit, `?` letter, `.` any
//!   character, the whole string (PR-doc; notes §11);
//! * ordering operators need operands of one type; a mismatch is an error
//!   in Azure (PR-doc), reported here as unknown; on a missing field they are
//!   false (regorus `greater_on_missing_field`; Azure undocumented, notes §12);
//! * `location` values are normalised: `East US 2` equals `eastus2` (PR-doc, Fields).
#![allow(clippy::indexing_slicing)] // not yet worked down: 3 sites

use super::Unknown;
use crate::inputs::{Part, as_unknown, has_unknown, parts, parts_could_contain};
use crate::ir::Op;
use serde_json::Value;
use std::cmp::Ordering;

/// How the left-hand value is to be read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lhs {
    Plain,
    /// The `location` field: compared after normalisation.
    Location,
}

/// A left-hand value as the operators see it. Inputs mark what they could
/// not resolve inside strings; this is where those marks become a type
/// (Cedar's partial values are the model), so no operator reads them.
#[derive(Debug)]
pub enum Seen<'v> {
    /// The field is missing (or `null`).
    Missing,
    /// Fully known.
    Known(&'v Value),
    /// A string with unknown spans, maybe with known text around them
    /// (`concat('acr-', <unknown>)`); `reason` is the first span's.
    Text {
        parts: Vec<Part<'v>>,
        reason: &'v str,
    },
    /// An array or object with unknown parts inside: it exists, and nothing
    /// else is known about it.
    Structure,
}

impl<'v> Seen<'v> {
    /// Reads an input value once: marks become `Text` or `Structure`.
    pub fn of(v: Option<&'v Value>) -> Seen<'v> {
        match v {
            None => Seen::Missing,
            Some(v) if !has_unknown(v) => Seen::Known(v),
            Some(v @ Value::String(s)) => Seen::Text {
                parts: parts(s),
                reason: as_unknown(v).unwrap_or_default(),
            },
            Some(_) => Seen::Structure,
        }
    }

    fn known(&self) -> Option<Option<&'v Value>> {
        match self {
            Seen::Missing => Some(None),
            Seen::Known(v) => Some(Some(v)),
            _ => None,
        }
    }
}

/// Evaluates `lhs <op> rhs`.
pub fn compare(op: Op, lhs: &Seen, rhs: &Value, how: Lhs) -> Result<bool, Unknown> {
    let Some(lhs) = lhs.known() else {
        return partly_known(op, lhs, rhs);
    };
    let normalised;
    let (lhs, rhs) = if how == Lhs::Location {
        normalised = (lhs.map(normalise_location), normalise_location(rhs));
        (normalised.0.as_ref(), &normalised.1)
    } else {
        (lhs, rhs)
    };
    if let Some(base) = negated(op) {
        return known(base, lhs, rhs).map(|b| !b);
    }
    known(op, lhs, rhs)
}

/// The operator a `not…` operator negates (every input: a missing value
/// satisfies `notEquals`, PR-doc).
fn negated(op: Op) -> Option<Op> {
    Some(match op {
        Op::NotEquals => Op::Equals,
        Op::NotIn => Op::In,
        Op::NotLike => Op::Like,
        Op::NotMatch => Op::Match,
        Op::NotMatchInsensitively => Op::MatchInsensitively,
        Op::NotContains => Op::Contains,
        Op::NotContainsKey => Op::ContainsKey,
        _ => return None,
    })
}

/// A positive operator on a known (or missing) value.
fn known(op: Op, lhs: Option<&Value>, rhs: &Value) -> Result<bool, Unknown> {
    match op {
        Op::Equals => Ok(lhs.is_some_and(|l| loose_eq(l, rhs))),
        Op::In => {
            let list = rhs
                .as_array()
                .ok_or_else(|| Unknown::new("the value of `in` is not an array"))?;
            Ok(lhs.is_some_and(|l| list.iter().any(|x| loose_eq(l, x))))
        }
        Op::Like => Ok(lhs
            .and_then(scalar_text)
            .is_some_and(|l| rhs.as_str().is_some_and(|p| like(&l, p)))),
        Op::Match => Ok(lhs
            .and_then(scalar_text)
            .is_some_and(|l| rhs.as_str().is_some_and(|p| matches(&l, p, false)))),
        Op::MatchInsensitively => Ok(lhs
            .and_then(scalar_text)
            .is_some_and(|l| rhs.as_str().is_some_and(|p| matches(&l, p, true)))),
        Op::Contains => Ok(contains(lhs, rhs)),
        Op::ContainsKey => Ok(lhs.and_then(Value::as_object).is_some_and(|o| {
            rhs.as_str()
                .is_some_and(|k| o.keys().any(|x| fold_eq(x, k)))
        })),
        Op::Exists => Ok(lhs.is_some() == exists_wanted(rhs)?),
        Op::Less | Op::LessOrEquals | Op::Greater | Op::GreaterOrEquals => {
            let Some(l) = lhs else { return Ok(false) };
            let ord = order(l, rhs)?;
            Ok(match op {
                Op::Less => ord == Ordering::Less,
                Op::LessOrEquals => ord != Ordering::Greater,
                Op::Greater => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            })
        }
        // The `not…` operators are read through `negated`.
        Op::NotEquals
        | Op::NotIn
        | Op::NotLike
        | Op::NotMatch
        | Op::NotMatchInsensitively
        | Op::NotContains
        | Op::NotContainsKey => known(negated(op).unwrap_or(op), lhs, rhs).map(|b| !b),
    }
}

fn exists_wanted(rhs: &Value) -> Result<bool, Unknown> {
    rhs.as_bool()
        .or_else(|| rhs.as_str().and_then(parse_bool))
        .ok_or_else(|| Unknown::new("the value of `exists` is not a boolean"))
}

/// A value with unknown parts: it exists, and a string may contain what its
/// known parts contain; anything else is unknown.
fn partly_known(op: Op, l: &Seen, rhs: &Value) -> Result<bool, Unknown> {
    let reason = || match l {
        Seen::Text { reason, .. } => Unknown::new(*reason),
        _ => Unknown::new("the value is only partly known before deployment"),
    };
    let known_text = |parts: &[Part]| -> Vec<String> {
        parts
            .iter()
            .filter_map(|p| match p {
                Part::Known(k) if !k.is_empty() => Some(k.to_lowercase()),
                _ => None,
            })
            .collect()
    };
    match (op, l) {
        (Op::Exists, Seen::Structure) => exists_wanted(rhs),
        // Only a string with known parts surely exists; a wholly unknown
        // value could be null.
        (Op::Exists, Seen::Text { parts, .. }) => {
            let want = exists_wanted(rhs)?;
            if known_text(parts).is_empty() {
                Err(reason())
            } else {
                Ok(want)
            }
        }
        (Op::Contains | Op::NotContains, Seen::Text { parts, .. }) => {
            let Some(needle) = scalar_text(rhs) else {
                return Err(reason());
            };
            let lower = needle.to_lowercase();
            if known_text(parts).iter().any(|p| p.contains(&lower)) {
                Ok(op == Op::Contains)
            } else if !parts_could_contain(parts, &needle) {
                // The unknown parts are id segments, which cannot hold it.
                Ok(op == Op::NotContains)
            } else {
                Err(reason())
            }
        }
        _ => Err(reason()),
    }
}

/// Location normalisation: lower case without spaces.
fn normalise_location(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace(' ', "").to_lowercase()),
        Value::Array(a) => Value::Array(a.iter().map(normalise_location).collect()),
        other => other.clone(),
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Case-insensitive string equality with Unicode simple folding, as
/// `InvariantCultureIgnoreCase` compares.
pub fn fold_eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || (!a.is_ascii() || !b.is_ascii()) && a.to_lowercase() == b.to_lowercase()
}

/// The text Azure compares for a scalar: strings as they are, booleans as
/// `True`/`False`, numbers in their shortest form.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Azure's equality: strings ignore case; a bool or number equals the string
/// that spells it; number vs bool never; arrays and objects element-wise.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => fold_eq(x, y),
        (Value::Bool(x), Value::String(y)) | (Value::String(y), Value::Bool(x)) => {
            parse_bool(y) == Some(*x)
        }
        (Value::Number(x), Value::String(y)) | (Value::String(y), Value::Number(x)) => {
            y.trim().parse::<f64>().ok() == x.as_f64()
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| loose_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| fold_eq(k, k2))
                        .is_some_and(|(_, v2)| loose_eq(v, v2))
                })
        }
        _ => a == b,
    }
}

/// `contains`: substring of a string (ignoring case), element of an array.
fn contains(lhs: Option<&Value>, rhs: &Value) -> bool {
    match lhs {
        Some(Value::String(s)) => {
            scalar_text(rhs).is_some_and(|n| s.to_lowercase().contains(&n.to_lowercase()))
        }
        Some(Value::Array(a)) => a.iter().any(|x| loose_eq(x, rhs)),
        _ => false,
    }
}

/// `like`: `*` matches any run of characters; case-insensitive, whole value.
/// Azure allows one `*`; more are matched the same way (a superset).
pub fn like(value: &str, pattern: &str) -> bool {
    let (v, p) = (value.to_lowercase(), pattern.to_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return v == p;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !v.starts_with(first) || v.len() < first.len() + last.len() || !v.ends_with(last) {
        return false;
    }
    let mut rest = &v[first.len()..v.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// `match`: `#` a digit, `?` a letter, `.` any character, others themselves;
/// the pattern covers the whole value.
pub fn matches(value: &str, pattern: &str, insensitive: bool) -> bool {
    let v: Vec<char> = value.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    v.len() == p.len()
        && v.iter().zip(&p).all(|(c, pc)| match pc {
            '#' => c.is_ascii_digit(),
            '?' => c.is_alphabetic(),
            '.' => true,
            _ if insensitive => c.to_lowercase().eq(pc.to_lowercase()),
            _ => c == pc,
        })
}

/// Ordering of two values of one type (numbers, numeric strings against
/// numbers, strings ignoring case, which orders ISO 8601 dates correctly).
fn order(l: &Value, r: &Value) -> Result<Ordering, Unknown> {
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (l, r) {
        (Value::String(a), Value::String(b)) => Ok(a.to_lowercase().cmp(&b.to_lowercase())),
        _ => match (num(l), num(r)) {
            (Some(a), Some(b)) => a
                .partial_cmp(&b)
                .ok_or_else(|| Unknown::new("numbers that cannot be ordered")),
            _ => Err(Unknown::new(format!(
                "ordering {l} against {r}: Azure fails the evaluation when the types differ"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(name: &str) -> Op {
        Op::parse(name).unwrap()
    }

    fn try_cmp(name: &str, l: Option<&Value>, r: &Value, how: Lhs) -> Result<bool, Unknown> {
        compare(op(name), &Seen::of(l), r, how)
    }

    fn cmp(name: &str, l: Option<Value>, r: Value) -> bool {
        try_cmp(name, l.as_ref(), &r, Lhs::Plain).unwrap()
    }

    #[test]
    fn missing_fields_match_only_negative_operators() {
        // PR-doc: a condition on a missing field compares against nothing.
        assert!(!cmp("equals", None, json!("x")));
        assert!(cmp("notEquals", None, json!("x")));
        assert!(!cmp("in", None, json!(["x"])));
        assert!(cmp("notIn", None, json!(["x"])));
        assert!(cmp("notLike", None, json!("x*")));
        assert!(cmp("notContains", None, json!("x")));
        assert!(cmp("exists", None, json!(false)));
        assert!(cmp("exists", None, json!("False")));
        // notes §12 / regorus: ordering on a missing field is false.
        assert!(!cmp("greater", None, json!(1)));
        assert!(!cmp("lessOrEquals", None, json!(1)));
    }

    #[test]
    fn operator_keys_are_case_insensitive() {
        // PR-doc lists camelCase; Azure accepts any case (regorus casing.yaml).
        assert!(cmp("EQUALS", Some(json!("a")), json!("A")));
        assert!(cmp("NotIn", Some(json!("a")), json!(["b"])));
    }

    #[test]
    fn strings_compare_ignoring_case_with_unicode_folding() {
        // PR-doc: InvariantCultureIgnoreCase.
        assert!(cmp("equals", Some(json!("Disabled")), json!("disabled")));
        assert!(cmp("equals", Some(json!("ÄRGER")), json!("ärger")));
        // notes §6: no trimming.
        assert!(!cmp("equals", Some(json!("Disabled ")), json!("Disabled")));
    }

    #[test]
    fn bools_and_numbers_compare_as_their_text() {
        // notes §2 (MicrosoftDocs PR #41628; regorus type_coercion.yaml).
        assert!(cmp("equals", Some(json!(true)), json!("True")));
        assert!(cmp("equals", Some(json!("1")), json!(1)));
        assert!(!cmp("equals", Some(json!(1)), json!(true)));
        assert!(cmp("in", Some(json!("443")), json!([80, 443])));
    }

    #[test]
    fn like_and_match_follow_the_documented_wildcards() {
        // PR-doc: like `*`; match `#` digit, `?` letter, `.` any, whole string.
        assert!(like("prod-acr", "PROD*"));
        assert!(like("prod-acr", "*acr"));
        assert!(!like("dev-acr", "prod*"));
        assert!(!like("prod?", "prod."));
        assert!(matches("ab1-", "??#.", false));
        assert!(!matches("ab1", "??#.", false));
        assert!(!matches("AB1", "ab#", false));
        assert!(matches("AB1", "ab#", true));
        assert!(cmp("notMatch", Some(json!("x")), json!("#")));
    }

    #[test]
    fn contains_reads_strings_and_arrays() {
        // PR-doc: contains on a string is a substring test, on an array membership.
        assert!(cmp("contains", Some(json!("Hello World")), json!("world")));
        assert!(cmp("contains", Some(json!(["a", "B"])), json!("b")));
        assert!(!cmp("contains", Some(json!(["a"])), json!("ab")));
        assert!(cmp("containsKey", Some(json!({"Env": 1})), json!("env")));
        assert!(cmp("notContainsKey", Some(json!({})), json!("env")));
    }

    #[test]
    fn ordering_needs_one_type() {
        // PR-doc: "if the property type doesn't match the condition type, an error is thrown".
        assert!(cmp("greaterOrEquals", Some(json!(7)), json!(7)));
        assert!(cmp("greater", Some(json!("8080")), json!(1024)));
        assert!(cmp("less", Some(json!("2024-01-01")), json!("2025-01-01")));
        assert!(try_cmp("less", Some(&json!(true)), &json!(1), Lhs::Plain).is_err());
    }

    #[test]
    fn partly_known_strings_exist_and_contain_their_known_parts() {
        let id = Value::String(format!(
            "/subscriptions/{}/providers/Microsoft.ContainerRegistry/registries/acr/scopeMaps/_repositories_pull",
            crate::inputs::unknown_value("subscription")
                .as_str()
                .unwrap()
        ));
        assert!(cmp("exists", Some(id.clone()), json!(true)));
        assert!(cmp(
            "contains",
            Some(id.clone()),
            json!("/scopeMaps/_repositories_")
        ));
        assert!(!cmp(
            "notContains",
            Some(id.clone()),
            json!("/SCOPEMAPS/_repositories_")
        ));
        // The unknown part is a whole value here (not a segment): anything may hide in it.
        assert!(try_cmp("contains", Some(&id), &json!("/other/"), Lhs::Plain).is_err());
        assert!(try_cmp("equals", Some(&id), &json!("x"), Lhs::Plain).is_err());
        let whole = crate::inputs::unknown_value("reference()");
        assert!(try_cmp("exists", Some(&whole), &json!(true), Lhs::Plain).is_err());
    }

    #[test]
    fn locations_are_normalised() {
        // PR-doc, Fields: `East US 2` is considered equal to `eastus2`.
        let l = json!("East US 2");
        assert!(try_cmp("equals", Some(&l), &json!("eastus2"), Lhs::Location).unwrap());
        assert!(
            try_cmp(
                "in",
                Some(&l),
                &json!(["westeurope", "EastUS2"]),
                Lhs::Location
            )
            .unwrap()
        );
        assert!(!try_cmp("equals", Some(&l), &json!("eastus2"), Lhs::Plain).unwrap());
    }
}
