//! Azure Policy conditions (JSON) as acrp conditions, and the exact negation
//! the `require` form relies on.

use super::Gap;
use super::text::{Scope, literal, operand};
use crate::catalog::catalog;
use crate::ir::Op;
use serde_json::{Map, Value, json};

/// Operator keys and their acrp spelling.
const OPS: &[(Op, &str)] = &[
    (Op::Equals, "=="),
    (Op::NotEquals, "!="),
    (Op::Like, "like"),
    (Op::NotLike, "not like"),
    (Op::Match, "matches"),
    (Op::NotMatch, "not matches"),
    (Op::MatchInsensitively, "imatches"),
    (Op::NotMatchInsensitively, "not imatches"),
    (Op::Contains, "contains"),
    (Op::NotContains, "not contains"),
    (Op::In, "in"),
    (Op::NotIn, "not in"),
    (Op::ContainsKey, "contains key"),
    (Op::NotContainsKey, "not contains key"),
    (Op::Less, "<"),
    (Op::LessOrEquals, "<="),
    (Op::Greater, ">"),
    (Op::GreaterOrEquals, ">="),
];

fn op_of(key: &str) -> Option<Op> {
    OPS.iter()
        .map(|(op, _)| *op)
        .chain([Op::Exists])
        .find(|op| op.as_azure_str().eq_ignore_ascii_case(key))
}

fn acrp_op(op: Op) -> &'static str {
    OPS.iter().find(|(o, _)| *o == op).map_or("==", |(_, s)| s)
}

/// The operator of a leaf condition and its operand.
fn operator(o: &Map<String, Value>, at: &str) -> Result<(Op, String, Value), Gap> {
    let mut found = None;
    for (k, v) in o {
        if matches!(k.to_ascii_lowercase().as_str(), "field" | "value" | "count") {
            continue;
        }
        match op_of(k) {
            Some(op) if found.is_none() => found = Some((op, k.clone(), v.clone())),
            Some(_) => return Err(Gap::new(at, "a condition with two operators")),
            None => {
                return Err(Gap::new(
                    &format!("{at}/{k}"),
                    format!("the operator `{k}`"),
                ));
            }
        }
    }
    found.ok_or_else(|| Gap::new(at, "a condition without an operator"))
}

fn key<'a>(o: &'a Map<String, Value>, name: &str) -> Option<(&'a String, &'a Value)> {
    o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// Binding strength of a printed condition: or < and < atom.
#[derive(PartialEq, PartialOrd, Clone, Copy)]
enum Prec {
    Or,
    And,
    Atom,
}

/// A condition as acrp text.
pub fn condition(c: &Value, scope: &Scope, at: &str) -> Result<String, Gap> {
    Ok(cond(c, scope, at)?.0)
}

/// Lines longer than this are broken before their top-level `and`/`or`.
const LONG: usize = 80;

/// A condition as acrp text, a long top-level `and`/`or` one operand per
/// line (the formatter aligns them).
pub fn condition_lines(c: &Value, scope: &Scope, at: &str) -> Result<String, Gap> {
    let one_line = condition(c, scope, at)?;
    if one_line.len() <= LONG {
        return Ok(one_line);
    }
    let Some(o) = c.as_object().filter(|o| o.len() == 1) else {
        return Ok(one_line);
    };
    let Some((k, Value::Array(items))) = o.iter().next() else {
        return Ok(one_line);
    };
    let (word, prec) = match k.to_ascii_lowercase().as_str() {
        "allof" => ("and", Prec::And),
        "anyof" => ("or", Prec::Or),
        _ => return Ok(one_line),
    };
    if items.len() < 2 {
        return Ok(one_line);
    }
    let parts = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (t, p) = cond(item, scope, &format!("{at}/{k}/{i}"))?;
            Ok(if p < prec || (prec == Prec::Or && p == Prec::And) {
                format!("({t})")
            } else {
                t
            })
        })
        .collect::<Result<Vec<_>, Gap>>()?;
    Ok(join_lines(&parts, word))
}

/// Operands joined by `word`, on one line when short, one per line otherwise.
pub fn join_lines(parts: &[String], word: &str) -> String {
    let one = parts.join(&format!(" {word} "));
    if one.len() <= LONG {
        one
    } else {
        parts.join(&format!("\n{word} "))
    }
}

fn cond(c: &Value, scope: &Scope, at: &str) -> Result<(String, Prec), Gap> {
    let Some(o) = c.as_object() else {
        return Err(Gap::new(at, "a condition that is not an object"));
    };
    if o.len() == 1
        && let Some((k, v)) = o.iter().next()
    {
        let k_lower = k.to_ascii_lowercase();
        let here = format!("{at}/{k}");
        match k_lower.as_str() {
            "allof" | "anyof" => {
                let Some(items) = v.as_array() else {
                    return Err(Gap::new(&here, "a logical operator without an array"));
                };
                let (word, prec, empty) = if k_lower == "allof" {
                    ("and", Prec::And, "true")
                } else {
                    ("or", Prec::Or, "false")
                };
                if items.is_empty() {
                    return Ok((empty.into(), Prec::Atom));
                }
                let parts = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let (t, p) = cond(item, scope, &format!("{here}/{i}"))?;
                        // `a and b or c` parses right, but reads better bracketed.
                        Ok(if p < prec || (prec == Prec::Or && p == Prec::And) {
                            format!("({t})")
                        } else {
                            t
                        })
                    })
                    .collect::<Result<Vec<_>, Gap>>()?;
                return Ok(if parts.len() == 1 {
                    (parts.concat(), Prec::Atom)
                } else {
                    (parts.join(&format!(" {word} ")), prec)
                });
            }
            "not" => {
                let (t, p) = cond(v, scope, &here)?;
                let t = if p < Prec::Atom { format!("({t})") } else { t };
                return Ok((format!("not {t}"), Prec::Atom));
            }
            _ => {}
        }
    }
    leaf(o, scope, at).map(|t| (t, Prec::Atom))
}

fn leaf(o: &Map<String, Value>, scope: &Scope, at: &str) -> Result<String, Gap> {
    let (op, op_key, rhs) = operator(o, at)?;
    let rhs_at = format!("{at}/{op_key}");
    if let Some((_, f)) = key(o, "field") {
        let Some(f) = f.as_str() else {
            return Err(Gap::new(
                &format!("{at}/field"),
                "a field that is not a string",
            ));
        };
        let path = scope.leaf_field(f, &format!("{at}/field"))?;
        return compare(&path, op, &rhs, scope, &rhs_at);
    }
    if let Some((k, v)) = key(o, "value") {
        let lhs = operand(v, scope, &format!("{at}/{k}"))?;
        // A value-count name is read with current() by acrp, as here.
        if looks_like_path(&lhs) && !scope.names.contains(&lhs) {
            // `path op x` in acrp is a field condition, not this value condition.
            return Err(Gap::new(
                &format!("{at}/{k}"),
                "a value condition on a field read with field() (acrp writes it as a field condition)",
            ));
        }
        return compare(&lhs, op, &rhs, scope, &rhs_at);
    }
    if let Some((k, v)) = key(o, "count") {
        // `any(a[*], c)` is acrp's spelling of `count(a[*] where c) > 0`.
        if op == Op::Greater
            && rhs.as_u64() == Some(0)
            && let Some(text) = count(v, scope, &format!("{at}/{k}"))?
                .strip_prefix("count(")
                .filter(|_| v.get("where").is_some() && v.get("field").is_some())
        {
            return Ok(format!("any({text}"));
        }
        let c = count(v, scope, &format!("{at}/{k}"))?;
        if op == Op::Exists {
            return Err(Gap::new(&rhs_at, "`exists` on a count"));
        }
        return Ok(format!(
            "{c} {} {}",
            acrp_op(op),
            operand(&rhs, scope, &rhs_at)?
        ));
    }
    Err(Gap::new(at, "a condition without field, value or count"))
}

/// Paths (and `it`) are read as fields by acrp's comparison rule.
fn looks_like_path(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && !text.contains('(')
        && !text.starts_with("param.")
        && !matches!(text, "true" | "false" | "null")
}

fn compare(lhs: &str, op: Op, rhs: &Value, scope: &Scope, at: &str) -> Result<String, Gap> {
    if op == Op::Exists {
        let yes = match rhs {
            Value::Bool(b) => *b,
            Value::String(s) if s.eq_ignore_ascii_case("true") => true,
            Value::String(s) if s.eq_ignore_ascii_case("false") => false,
            _ => {
                return Err(Gap::new(
                    at,
                    "`exists` with a value other than true or false",
                ));
            }
        };
        return Ok(format!("{lhs} {}", if yes { "exists" } else { "missing" }));
    }
    let r = match (op, rhs) {
        // `contains key "x"` takes a literal key.
        (Op::ContainsKey | Op::NotContainsKey, Value::String(s)) if !s.starts_with('[') => {
            literal(rhs, at)?
        }
        _ => operand(rhs, scope, at)?,
    };
    Ok(format!("{lhs} {} {r}", acrp_op(op)))
}

fn count(c: &Value, scope: &Scope, at: &str) -> Result<String, Gap> {
    let Some(o) = c.as_object() else {
        return Err(Gap::new(at, "a count that is not an object"));
    };
    let mut inner = scope.clone();
    let source = if let Some((_, f)) = key(o, "field") {
        let Some(f) = f.as_str() else {
            return Err(Gap::new(
                &format!("{at}/field"),
                "a count field that is not a string",
            ));
        };
        let path = scope.field_path(f, &format!("{at}/field"))?;
        let full = catalog_path(scope, f).ok_or_else(|| {
            Gap::new(
                &format!("{at}/field"),
                format!("a count over `{f}`, which is not an array alias of the target"),
            )
        })?;
        inner.elements.push((f.to_string(), full));
        path
    } else if let Some((k, v)) = key(o, "value") {
        let Some((_, name)) = key(o, "name") else {
            return Err(Gap::new(
                at,
                "a value count without `name` (acrp always names the element)",
            ));
        };
        let Some(name) = name.as_str().filter(|n| super::text::is_ident(n)) else {
            return Err(Gap::new(
                &format!("{at}/name"),
                "a count name that is not an identifier",
            ));
        };
        inner.names.push(name.to_string());
        format!("{name} in {}", operand(v, scope, &format!("{at}/{k}"))?)
    } else {
        return Err(Gap::new(at, "a count without field or value"));
    };
    match key(o, "where") {
        Some((k, w)) => Ok(format!(
            "count({source}, {})",
            condition(w, &inner, &format!("{at}/{k}"))?
        )),
        None => Ok(format!("count({source})")),
    }
}

fn catalog_path(scope: &Scope, alias: &str) -> Option<String> {
    catalog()
        .property_by_alias(alias)
        .filter(|(k, _)| {
            k.resource_type
                .eq_ignore_ascii_case(scope.kind.resource_type)
        })
        .map(|(_, p)| p.path.to_string())
}

/// Whether a condition mentions Azure's applicability fields `name`/`kind`
/// (acrp keeps those as gates only in `when`).
pub fn mentions_gate_field(c: &Value) -> bool {
    match c {
        Value::Object(o) => o.iter().any(|(k, v)| {
            (k.eq_ignore_ascii_case("field") && v.as_str().is_some_and(super::text::is_gate_field))
                || mentions_gate_field(v)
        }),
        Value::Array(a) => a.iter().any(mentions_gate_field),
        _ => false,
    }
}

/// Whether a condition reads any alias (a `field` that is not a generic field).
pub fn reads_aliases(c: &Value) -> bool {
    match c {
        Value::Object(o) => o.iter().any(|(k, v)| {
            (k.eq_ignore_ascii_case("field")
                && v.as_str()
                    .is_some_and(|f| super::text::generic_path(f).is_none()))
                || reads_aliases(v)
        }),
        Value::Array(a) => a.iter().any(reads_aliases),
        Value::String(s) => s.starts_with('[') && s.to_ascii_lowercase().contains("field("),
        _ => false,
    }
}

/// `not c` pushed inward the way acrp's compiler does it, where that is
/// exact; `None` where a `not` would have to stay (ordering operators,
/// `[*]` fields, which mean "every element").
pub fn negate(c: &Value) -> Option<Value> {
    let o = c.as_object()?;
    if o.len() == 1
        && let Some((k, v)) = o.iter().next()
    {
        match k.to_ascii_lowercase().as_str() {
            "allof" => return Some(json!({ "anyOf": negate_all(v)? })),
            "anyof" => return Some(json!({ "allOf": negate_all(v)? })),
            "not" => return Some(v.clone()),
            _ => {}
        }
    }
    let (op, op_key, rhs) = operator(o, "").ok()?;
    let is_count = key(o, "count").is_some();
    if let Some((_, f)) = key(o, "field")
        && f.as_str().is_some_and(|f| f.contains("[*]"))
    {
        return None;
    }
    let inverse = if op == Op::Exists {
        let yes = match &rhs {
            Value::Bool(b) => *b,
            Value::String(s) => s.eq_ignore_ascii_case("true"),
            _ => return None,
        };
        let mut out = o.clone();
        out.remove(&op_key);
        out.insert("exists".into(), json!(!yes));
        return Some(Value::Object(out));
    } else if is_count {
        op.numeric_inverse()?
    } else {
        op.exact_inverse()?
    };
    let mut out = Map::new();
    for (k, v) in o {
        if *k == op_key {
            out.insert(inverse.as_azure_str().into(), v.clone());
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    Some(Value::Object(out))
}

fn negate_all(v: &Value) -> Option<Vec<Value>> {
    v.as_array()?.iter().map(negate).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Scope {
        Scope::new(catalog().kind("registry").expect("registry kind"))
    }

    #[test]
    fn conditions_print_with_acrp_precedence() {
        let c = json!({"allOf": [
            {"anyOf": [
                {"field": "Microsoft.ContainerRegistry/registries/networkRuleSet.defaultAction", "exists": "false"},
                {"field": "Microsoft.ContainerRegistry/registries/networkRuleSet.defaultAction", "equals": "Allow"}
            ]},
            {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "notEquals": true}
        ]});
        assert_eq!(
            condition(&c, &registry(), "").unwrap(),
            "(networkRuleSet.defaultAction missing or networkRuleSet.defaultAction == \"Allow\") and adminUserEnabled != true"
        );
    }

    #[test]
    fn counts_read_element_paths_relative_to_the_element() {
        let c = json!({"count": {
            "field": "Microsoft.ContainerRegistry/registries/privateEndpointConnections[*]",
            "where": {"field": "Microsoft.ContainerRegistry/registries/privateEndpointConnections[*].privateLinkServiceConnectionState.status", "equals": "Approved"}
        }, "less": 1});
        assert_eq!(
            condition(&c, &registry(), "").unwrap(),
            "count(privateEndpointConnections[*], privateLinkServiceConnectionState.status == \"Approved\") < 1"
        );
    }

    #[test]
    fn negation_is_exact_or_refused() {
        let eq = json!({"field": "a", "equals": 1});
        assert_eq!(negate(&eq), Some(json!({"field": "a", "notEquals": 1})));
        assert_eq!(negate(&json!({"field": "a", "less": 1})), None);
        assert_eq!(negate(&json!({"field": "a[*].b", "equals": 1})), None);
        assert_eq!(
            negate(&json!({"count": {"field": "a[*]"}, "less": 1})),
            Some(json!({"count": {"field": "a[*]"}, "greaterOrEquals": 1}))
        );
        assert_eq!(
            negate(&json!({"anyOf": [eq, {"field": "b", "exists": false}]})),
            Some(
                json!({"allOf": [{"field": "a", "notEquals": 1}, {"field": "b", "exists": true}]})
            )
        );
    }
}
