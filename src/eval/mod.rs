//! A first, deliberately small evaluator of compiled rules (`checker.json`)
//! against ARM resource bodies. It implements Azure Policy's documented
//! semantics for what the bundled baseline uses — field/count/value
//! conditions, case-insensitive comparison, missing fields, `[*]` and
//! existence effects — and answers `Unknown` for anything it cannot decide
//! (template functions other than `parameters`), never a guess. The full
//! evaluator (`acrpc check`) grows from here.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Compliant,
    NonCompliant,
    NotApplicable,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::NonCompliant => "non_compliant",
            Verdict::NotApplicable => "not_applicable",
            Verdict::Unknown => "unknown",
        }
    }
}

/// Evaluation context: parameters and the element stack of `count`.
struct Ctx<'a> {
    params: &'a Map<String, Value>,
    /// (ARM path of the iterated array, current element)
    elements: Vec<(String, &'a Value)>,
}

/// Evaluates one checker rule against a resource; `others` are the other
/// resources of the same input, searched for related resources.
pub fn evaluate(rule: &Value, resource: &Value, others: &[Value]) -> Verdict {
    let params: Map<String, Value> = rule["parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, p)| p.get("defaultValue").map(|d| (k.clone(), d.clone())))
        .collect();
    let effect = params
        .get("effect")
        .and_then(Value::as_str)
        .unwrap_or("Audit")
        .to_ascii_lowercase();
    let resource_type = rule["resourceType"].as_str().unwrap_or_default();
    let type_matches = resource["type"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case(resource_type));
    if !type_matches || effect == "disabled" {
        return Verdict::NotApplicable;
    }
    if effect == "manual" {
        return Verdict::Unknown;
    }
    let mut ctx = Ctx {
        params: &params,
        elements: Vec::new(),
    };
    let matched = match cond(&rule["policyRule"]["if"], resource, &mut ctx) {
        Some(b) => b,
        None => return Verdict::Unknown,
    };
    let details = &rule["policyRule"]["then"]["details"];
    let existence = matches!(effect.as_str(), "auditifnotexists" | "deployifnotexists");
    match (matched, existence) {
        // Applicability of existence effects is the whole `if` (policy-applicability doc).
        (false, true) => Verdict::NotApplicable,
        (false, false) => Verdict::Compliant,
        (true, false) => Verdict::NonCompliant,
        (true, true) => existence_verdict(details, resource, others, &mut ctx),
    }
}

fn existence_verdict(
    details: &Value,
    resource: &Value,
    others: &[Value],
    ctx: &mut Ctx,
) -> Verdict {
    let ty = details["type"].as_str().unwrap_or_default();
    let name = details["name"].as_str();
    let mut unknown = false;
    for other in others {
        if std::ptr::eq(other, resource)
            || !other["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(ty))
        {
            continue;
        }
        if let Some(n) = name
            && !n.starts_with('[')
            && !other["name"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(n) || x.ends_with(&format!("/{n}")))
        {
            continue;
        }
        match details.get("existenceCondition") {
            None => return Verdict::Compliant,
            Some(c) => match cond(c, other, ctx) {
                Some(true) => return Verdict::Compliant,
                Some(false) => {}
                None => unknown = true,
            },
        }
    }
    if unknown {
        Verdict::Unknown
    } else {
        Verdict::NonCompliant
    }
}

fn cond(c: &Value, r: &Value, ctx: &mut Ctx) -> Option<bool> {
    let o = c.as_object()?;
    if let Some(items) = o.get("allOf").and_then(Value::as_array) {
        return fold(items, r, ctx, true);
    }
    if let Some(items) = o.get("anyOf").and_then(Value::as_array) {
        return fold(items, r, ctx, false);
    }
    if let Some(inner) = o.get("not") {
        return cond(inner, r, ctx).map(|b| !b);
    }
    let (op, rhs) = o
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "field" | "path" | "value" | "count"))?;
    let rhs = resolve_operand(rhs, ctx)?;
    if let Some(count) = o.get("count") {
        let n = count_of(count, r, ctx)?;
        return compare(op, Some(&Value::from(n)), &rhs);
    }
    if let Some(v) = o.get("value") {
        let v = resolve_operand(v, ctx)?;
        return compare(op, Some(&v), &rhs);
    }
    let path = o.get("path").and_then(Value::as_str)?;
    let values = lookup(r, path, ctx);
    match values {
        Lookup::One(v) => compare(op, v, &rhs),
        // `[*]` outside a count: every element must satisfy the condition;
        // an empty collection satisfies it (author-policies-for-arrays).
        Lookup::Many(vs) => {
            let mut all = Some(true);
            for v in vs {
                match compare(op, Some(v), &rhs) {
                    Some(true) => {}
                    Some(false) => return Some(false),
                    None => all = None,
                }
            }
            all
        }
    }
}

fn fold(items: &[Value], r: &Value, ctx: &mut Ctx, all: bool) -> Option<bool> {
    let mut unknown = false;
    for i in items {
        match cond(i, r, ctx) {
            Some(b) if b != all => return Some(b),
            Some(_) => {}
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(all) }
}

fn count_of(count: &Value, r: &Value, ctx: &mut Ctx) -> Option<usize> {
    let path = count.get("path").and_then(Value::as_str)?;
    let elements: Vec<&Value> = match lookup(r, path, ctx) {
        Lookup::Many(vs) => vs,
        Lookup::One(_) => Vec::new(),
    };
    let Some(filter) = count.get("where") else {
        return Some(elements.len());
    };
    let mut n = 0;
    for e in elements {
        let mut inner = Ctx {
            params: ctx.params,
            elements: ctx.elements.clone(),
        };
        inner.elements.push((path.to_string(), e));
        if cond(filter, r, &mut inner)? {
            n += 1;
        }
    }
    Some(n)
}

enum Lookup<'a> {
    One(Option<&'a Value>),
    Many(Vec<&'a Value>),
}

/// Walks an ARM path (`properties.a.b[*].c`) with case-insensitive keys;
/// inside a count, paths under the iterated array start at the element.
fn lookup<'a>(r: &'a Value, path: &str, ctx: &Ctx<'a>) -> Lookup<'a> {
    for (prefix, element) in ctx.elements.iter().rev() {
        if path == prefix {
            return Lookup::One(Some(element));
        }
        if let Some(rest) = path
            .strip_prefix(prefix.as_str())
            .and_then(|r| r.strip_prefix('.'))
        {
            return walk(element, rest);
        }
    }
    // A tag name may contain dots: everything after `tags.` is the key
    // (docs/checker-format.md).
    if let Some(key) = path.strip_prefix("tags.") {
        let tag = r
            .get("tags")
            .and_then(Value::as_object)
            .and_then(|t| t.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v);
        return Lookup::One(tag.filter(|v| !v.is_null()));
    }
    walk(r, path)
}

fn walk<'a>(start: &'a Value, path: &str) -> Lookup<'a> {
    let mut current: Vec<&'a Value> = vec![start];
    let mut many = false;
    for raw in path.split('.') {
        let (key, star) = match raw.strip_suffix("[*]") {
            Some(k) => (k, true),
            None => (raw, false),
        };
        let mut next = Vec::new();
        for v in current {
            if let Some(child) = v.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|x| x.1)
            }) {
                if star {
                    if let Some(arr) = child.as_array() {
                        next.extend(arr.iter());
                    }
                } else if !child.is_null() {
                    next.push(child);
                }
            }
        }
        many |= star;
        current = next;
    }
    if many {
        Lookup::Many(current)
    } else {
        Lookup::One(current.first().copied())
    }
}

fn resolve_operand(v: &Value, ctx: &Ctx) -> Option<Value> {
    match v.as_str() {
        Some(s) if s.starts_with("[[") => Some(Value::String(s[1..].to_string())),
        Some(s) if s.starts_with('[') && s.ends_with(']') => {
            let inner = &s[1..s.len() - 1];
            if let Some(name) = inner
                .strip_prefix("parameters('")
                .and_then(|r| r.strip_suffix("')"))
            {
                return ctx.params.get(name).cloned();
            }
            // contains(current('<array alias>[*]'), '<text>') inside a count.
            let rest = inner.strip_prefix("contains(current('")?;
            let (_, needle) = rest.split_once("'), '")?;
            let needle = needle.strip_suffix("')")?;
            let (_, element) = ctx.elements.last()?;
            Some(Value::Bool(
                element
                    .as_str()?
                    .to_ascii_lowercase()
                    .contains(&needle.to_ascii_lowercase()),
            ))
        }
        _ => Some(v.clone()),
    }
}

/// Azure's comparison: strings case-insensitively, booleans and numbers as
/// strings for equality (semantics-notes §2), missing fields never equal.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Bool(x), Value::String(y)) | (Value::String(y), Value::Bool(x)) => {
            y.eq_ignore_ascii_case(&x.to_string())
        }
        (Value::Number(x), Value::String(y)) | (Value::String(y), Value::Number(x)) => {
            y.parse::<f64>().ok() == x.as_f64()
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn like(value: &str, pattern: &str) -> bool {
    let (v, p) = (value.to_ascii_lowercase(), pattern.to_ascii_lowercase());
    match p.split_once('*') {
        Some((pre, post)) => {
            v.len() >= pre.len() + post.len() && v.starts_with(pre) && v.ends_with(post)
        }
        None => v == p,
    }
}

fn compare(op: &str, lhs: Option<&Value>, rhs: &Value) -> Option<bool> {
    let op = op.to_ascii_lowercase();
    Some(match op.as_str() {
        "equals" => lhs.is_some_and(|l| loose_eq(l, rhs)),
        "notequals" => !lhs.is_some_and(|l| loose_eq(l, rhs)),
        "in" => lhs.is_some_and(|l| {
            rhs.as_array()
                .is_some_and(|a| a.iter().any(|x| loose_eq(l, x)))
        }),
        "notin" => !lhs.is_some_and(|l| {
            rhs.as_array()
                .is_some_and(|a| a.iter().any(|x| loose_eq(l, x)))
        }),
        "exists" => {
            let want = rhs
                .as_bool()
                .or_else(|| rhs.as_str().map(|s| s.eq_ignore_ascii_case("true")))?;
            lhs.is_some() == want
        }
        "like" | "notlike" => {
            let m = lhs
                .and_then(Value::as_str)
                .is_some_and(|l| rhs.as_str().is_some_and(|p| like(l, p)));
            if op == "like" { m } else { !m }
        }
        "contains" | "notcontains" => {
            let needle = rhs.as_str().unwrap_or_default().to_ascii_lowercase();
            let m = match lhs {
                Some(Value::String(s)) => s.to_ascii_lowercase().contains(&needle),
                Some(Value::Array(a)) => a.iter().any(|x| loose_eq(x, rhs)),
                _ => false,
            };
            if op == "contains" { m } else { !m }
        }
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            let (l, r) = (lhs?.as_f64()?, rhs.as_f64()?);
            match op.as_str() {
                "less" => l < r,
                "lessorequals" => l <= r,
                "greater" => l > r,
                _ => l >= r,
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_fields_follow_azure() {
        // notEquals on a missing field is true, equals false (semantics-notes §1).
        assert_eq!(compare("notEquals", None, &json!("x")), Some(true));
        assert_eq!(compare("equals", None, &json!("x")), Some(false));
        assert_eq!(compare("exists", None, &json!(false)), Some(true));
    }

    #[test]
    fn comparison_is_case_insensitive_and_coerces_bools() {
        assert_eq!(
            compare("equals", Some(&json!("Disabled")), &json!("disabled")),
            Some(true)
        );
        assert_eq!(
            compare("equals", Some(&json!(true)), &json!("True")),
            Some(true)
        );
        assert_eq!(
            compare("equals", Some(&json!(1)), &json!(true)),
            Some(false)
        );
    }

    #[test]
    fn tag_names_may_contain_dots() {
        let params = Map::new();
        let ctx = Ctx {
            params: &params,
            elements: Vec::new(),
        };
        let r = json!({"tags": {"Cost.Center": "42"}});
        assert!(matches!(lookup(&r, "tags.cost.center", &ctx), Lookup::One(Some(v)) if v == "42"));
        assert!(matches!(lookup(&r, "tags.cost", &ctx), Lookup::One(None)));
    }

    #[test]
    fn like_takes_one_wildcard() {
        assert!(like("prod-acr", "PROD*"));
        assert!(!like("dev-acr", "prod*"));
    }

    #[test]
    fn wildcard_fields_are_vacuously_true_on_empty_arrays() {
        let ctx_params = Map::new();
        let mut ctx = Ctx {
            params: &ctx_params,
            elements: Vec::new(),
        };
        let c = json!({"field": "x", "path": "properties.ipRules[*].value", "equals": "1.2.3.4"});
        let r = json!({"properties": {"ipRules": []}});
        assert_eq!(cond(&c, &r, &mut ctx), Some(true));
    }
}
