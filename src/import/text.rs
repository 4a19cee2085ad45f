//! Printing JSON values and ARM template expressions as acrp source text.

use super::Gap;
use crate::catalog::{Kind, catalog};
use crate::expr::{self, Expr};
use serde_json::{Map, Value};

/// An acrp string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number as the grammar reads it (`-?digits(.digits)?`).
fn number(n: &serde_json::Number, at: &str) -> Result<String, Gap> {
    let t = n.to_string();
    let ok = {
        let digits = t.strip_prefix('-').unwrap_or(&t);
        let mut parts = digits.splitn(2, '.');
        let whole = parts.next().unwrap_or_default();
        let frac = parts.next();
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
    };
    if ok {
        Ok(t)
    } else {
        Err(Gap::new(
            at,
            format!("the number {t} (acrp numbers have no exponent)"),
        ))
    }
}

/// A JSON value that is a literal in acrp (no objects; strings that are
/// template expressions are not literals).
pub fn literal(v: &Value, at: &str) -> Result<String, Gap> {
    match v {
        Value::Null => Ok("null".into()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => number(n, at),
        Value::String(s) => Ok(string(s)),
        Value::Array(items) => {
            let parts = items
                .iter()
                .enumerate()
                .map(|(i, x)| literal(x, &format!("{at}/{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("[{}]", parts.join(", ")))
        }
        Value::Object(_) => Err(Gap::new(
            at,
            "an object value (acrp has no object literals)",
        )),
    }
}

/// Where expressions are read: the resource kind, the arrays being iterated
/// (as `(alias of the element, acrp path of the element)`) and value-count names.
#[derive(Clone)]
pub struct Scope {
    pub kind: &'static Kind,
    pub elements: Vec<(String, String)>,
    pub names: Vec<String>,
}

impl Scope {
    pub fn new(kind: &'static Kind) -> Scope {
        Scope {
            kind,
            elements: Vec::new(),
            names: Vec::new(),
        }
    }

    /// The acrp path of a field (alias or generic field) as written in a
    /// condition, relative to the current element where it lies inside it.
    pub fn field_path(&self, field: &str, at: &str) -> Result<String, Gap> {
        if let Some(p) = generic_path(field) {
            return Ok(p);
        }
        let path = self.alias_path(field, at)?;
        if let Some((el_alias, el_path)) = self.elements.last() {
            if field.eq_ignore_ascii_case(el_alias) {
                return Ok("it".into());
            }
            if let Some(rel) = strip_prefix_ci(&path, &format!("{el_path}.")) {
                return Ok(rel.to_string());
            }
        }
        Ok(path)
    }

    /// A field condition's field: its path, or `alias("…")` for an alias
    /// outside the catalog (kept as written; W1220 when compiled).
    pub fn leaf_field(&self, field: &str, at: &str) -> Result<String, Gap> {
        if generic_path(field).is_none() && catalog().property_by_alias(field).is_none() {
            return Ok(format!("alias({})", string(field)));
        }
        self.field_path(field, at)
    }

    /// The catalog path of an alias of this kind.
    fn alias_path(&self, alias: &str, at: &str) -> Result<String, Gap> {
        match catalog().property_by_alias(alias) {
            Some((k, p))
                if k.resource_type
                    .eq_ignore_ascii_case(self.kind.resource_type) =>
            {
                Ok(p.path.to_string())
            }
            Some((k, _)) => Err(Gap::new(
                at,
                format!(
                    "the alias `{alias}` of {} in a condition on {} (acrp paths are relative to the target kind)",
                    k.resource_type, self.kind.resource_type
                ),
            )),
            None => Err(Gap::new(
                at,
                format!(
                    "the alias `{alias}`, which is not in acrpc's catalog (it covers ACR and related kinds)"
                ),
            )),
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// `name`, `tags['env']` → `tags["env"]`, … for Azure's generic fields.
pub fn generic_path(field: &str) -> Option<String> {
    let lower = field.to_ascii_lowercase();
    for (open, close) in [("tags['", "']"), ("tags[", "]")] {
        if lower.starts_with(open) && field.ends_with(close) {
            let key = field.get(open.len()..field.len() - close.len())?;
            return Some(format!("tags[{}]", string(&key.replace("''", "'"))));
        }
    }
    if let Some(key) = lower.strip_prefix("tags.").and(field.get(5..)) {
        return Some(format!("tags[{}]", string(key)));
    }
    catalog()
        .generic_fields
        .iter()
        .find(|g| g.field.eq_ignore_ascii_case(field))
        .map(|g| g.path.to_string())
}

/// Whether a `field` value names `name` or `kind` (Azure's applicability fields).
pub fn is_gate_field(field: &str) -> bool {
    field.eq_ignore_ascii_case("name") || field.eq_ignore_ascii_case("kind")
}

/// A condition operand or deployment value: a literal, or a template
/// expression printed as an acrp expression.
pub fn operand(v: &Value, scope: &Scope, at: &str) -> Result<String, Gap> {
    match v {
        // `[[x` is the literal string `[x` (one bracket escapes the other).
        Value::String(s) if let Some(rest) = s.strip_prefix('[').filter(|r| r.starts_with('[')) => {
            literal(&Value::String(rest.to_string()), at)
        }
        Value::String(s) if s.starts_with('[') && s.ends_with(']') => {
            let inner = s.get(1..s.len() - 1).unwrap_or_default();
            let e = expr::parse(inner).map_err(|e| {
                Gap::new(
                    at,
                    format!("a template expression that does not parse: {}", e.message),
                )
            })?;
            expression(&e, scope, at)
        }
        Value::Array(items) if items.iter().any(is_expression) => Err(Gap::new(
            at,
            "an array literal holding template expressions",
        )),
        other => literal(other, at),
    }
}

fn is_expression(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.starts_with('[') && !s.starts_with("[["))
}

/// An ARM template expression as an acrp expression.
pub fn expression(e: &Expr, scope: &Scope, at: &str) -> Result<String, Gap> {
    Ok(match e {
        Expr::String(s) => string(s),
        Expr::Int(i) => i.to_string(),
        Expr::Float(f) => number(
            &serde_json::Number::from_f64(*f).ok_or_else(|| Gap::new(at, "a non-finite number"))?,
            at,
        )?,
        Expr::Bool(b) => b.to_string(),
        Expr::Null => "null".into(),
        Expr::Property { target, name } => format!("{}.{name}", expression(target, scope, at)?),
        Expr::Index { target, index } => {
            format!(
                "{}[{}]",
                expression(target, scope, at)?,
                expression(index, scope, at)?
            )
        }
        Expr::Call { name, args } => call(name, args, scope, at)?,
    })
}

fn call(name: &str, args: &[Expr], scope: &Scope, at: &str) -> Result<String, Gap> {
    let lower = name.to_ascii_lowercase();
    match (lower.as_str(), args) {
        ("parameters", [Expr::String(p)]) if is_ident(p) => return Ok(format!("param.{p}")),
        // acrp writes equals(a, b) as `(a == b)` and not(equals(…)) as `(a != b)`.
        ("equals", [a, b]) => {
            return Ok(format!(
                "({} == {})",
                expression(a, scope, at)?,
                expression(b, scope, at)?
            ));
        }
        (
            "not",
            [
                Expr::Call {
                    name: inner,
                    args: eq,
                },
            ],
        ) if inner.eq_ignore_ascii_case("equals") && eq.len() == 2 => {
            if let [a, b] = eq.as_slice() {
                return Ok(format!(
                    "({} != {})",
                    expression(a, scope, at)?,
                    expression(b, scope, at)?
                ));
            }
        }
        ("parameters", _) => {
            return Err(Gap::new(
                at,
                "a parameter reference whose name is not an identifier",
            ));
        }
        ("field", [Expr::String(f)]) => {
            // Inside a count acrp reads paths under the element with current().
            let under_element = scope
                .elements
                .last()
                .is_some_and(|(a, _)| f.len() > a.len() && strip_prefix_ci(f, a).is_some());
            if !under_element && let Ok(p) = scope.field_path(f, at) {
                return Ok(p);
            }
        }
        ("current", [Expr::String(f)]) => {
            if let Some(n) = scope.names.iter().find(|n| n.eq_ignore_ascii_case(f)) {
                return Ok(n.clone());
            }
            if scope
                .elements
                .last()
                .is_some_and(|(a, _)| strip_prefix_ci(f, a).is_some())
                && let Ok(p) = scope.field_path(f, at)
            {
                return Ok(p);
            }
        }
        _ => {}
    }
    let Some(f) = crate::sema::functions::lookup(name) else {
        return Err(Gap::new(
            at,
            format!("the function `{name}`, which acrp does not know"),
        ));
    };
    let parts = args
        .iter()
        .map(|a| expression(a, scope, at))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("{}({})", f.name, parts.join(", ")))
}

/// An acrp identifier (parameter, binding and template parameter names).
pub fn is_ident(s: &str) -> bool {
    const RESERVED: &[&str] = &["and", "or", "not", "in", "true", "false", "null"];
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !RESERVED.contains(&s)
}

/// A key of a JSON object, ignoring case (ARM property names are).
pub fn get<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

pub fn get_str<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    get(o, key).and_then(Value::as_str)
}

/// The clauses a rule and an initiative both start with: `name` (pinned),
/// `title`, `description`, `version` (metadata.version, else `version`) and
/// `category` where it is not the pack's. `what` names the item in the gap.
pub fn head_lines(
    name: Option<&str>,
    props: &Map<String, Value>,
    pack_category: &str,
    what: &str,
) -> Result<Vec<String>, Gap> {
    let mut head = Vec::new();
    if let Some(n) = name {
        head.push(format!("name {}", string(n)));
    }
    let title = get_str(props, "displayName")
        .ok_or_else(|| Gap::new("/displayName", format!("a {what} without displayName")))?;
    head.push(format!("title {}", string(title)));
    if let Some(d) = get_str(props, "description") {
        head.push(format!("description {}", string(d)));
    }
    let metadata = get(props, "metadata").and_then(Value::as_object);
    if let Some(v) = metadata
        .and_then(|m| get_str(m, "version"))
        .or_else(|| get_str(props, "version"))
    {
        head.push(format!("version {}", string(v)));
    }
    if let Some(c) = metadata.and_then(|m| get_str(m, "category"))
        && c != pack_category
    {
        head.push(format!("category {}", string(c)));
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registry() -> Scope {
        Scope::new(catalog().kind("registry").expect("registry kind"))
    }

    #[test]
    fn strings_are_escaped_the_way_the_grammar_reads_them() {
        assert_eq!(string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
    }

    #[test]
    fn expressions_become_acrp_expressions() {
        let s = registry();
        let op = |v: Value| operand(&v, &s, "").unwrap();
        assert_eq!(op(json!("[parameters('effect')]")), "param.effect");
        assert_eq!(op(json!("[first(parameters('l'))]")), "first(param.l)");
        assert_eq!(
            op(json!(
                "[field('Microsoft.ContainerRegistry/registries/sku.name')]"
            )),
            "sku.name"
        );
        assert_eq!(op(json!("[[not an expression]")), "\"[not an expression]\"");
        assert_eq!(op(json!(["a", 1])), "[\"a\", 1]");
        assert!(operand(&json!({"a": 1}), &s, "/x").is_err());
        assert!(operand(&json!("[fooBar()]"), &s, "/x").is_err());
    }

    #[test]
    fn fields_become_paths() {
        let s = registry();
        assert_eq!(s.field_path("tags['env']", "").unwrap(), "tags[\"env\"]");
        assert_eq!(s.field_path("location", "").unwrap(), "location");
        assert!(
            s.field_path("Microsoft.Storage/storageAccounts/sku.name", "")
                .is_err()
        );
    }
}
