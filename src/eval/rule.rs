//! Rules the evaluator runs: the entries of a `checker.json`, or any Azure
//! Policy definition JSON (built-in shape `{name, properties: {…}}` or a bare
//! `{policyRule, …}`), whose aliases get their ARM `path` from the catalog.

use super::fields::path_of_field;
use crate::ir::Severity;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    All,
    Indexed,
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule id in its pack, or the definition `name` for a policy file.
    pub id: String,
    /// The Azure definition name.
    pub name: String,
    pub title: String,
    /// What the rule requires and why (the definition's description), for
    /// SARIF `fullDescription`.
    pub description: Option<String>,
    pub message: String,
    pub remediation: Option<String>,
    pub severity: Severity,
    /// For a modify companion, the rule it remedies.
    pub companion_of: Option<String>,
    pub mode: Mode,
    /// Parameter declarations (Azure's shape).
    pub parameters: Map<String, Value>,
    /// `if`/`then`, every field reference carrying its ARM `path`.
    pub policy_rule: Value,
    /// A page explaining the rule, for SARIF `helpUri`.
    pub help_uri: Option<String>,
    /// Where the rule came from (a file path, or `bundled`).
    pub source: String,
}

/// Why a rules file could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError(pub String);

/// The rules of a `checker.json` (format `acrpc-checker/1`).
pub fn from_checker(doc: &Value, source: &str) -> Result<Vec<Rule>, RuleError> {
    let format = doc.get("format").and_then(Value::as_str);
    if format != Some("acrpc-checker/1") {
        return Err(RuleError(format!(
            "not an acrpc checker file: `format` is {}, expected \"acrpc-checker/1\"",
            format.map_or("missing".to_string(), |f| format!("\"{f}\""))
        )));
    }
    let rules = doc
        .get("rules")
        .and_then(Value::as_array)
        .ok_or_else(|| RuleError("`rules` is not an array".into()))?;
    rules.iter().map(|r| checker_rule(r, source)).collect()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn checker_rule(r: &Value, source: &str) -> Result<Rule, RuleError> {
    let id = text(r, "id").ok_or_else(|| RuleError("a rule has no `id`".into()))?;
    let policy_rule = r
        .get("policyRule")
        .cloned()
        .ok_or_else(|| RuleError(format!("rule `{id}` has no `policyRule`")))?;
    let title = text(r, "title").unwrap_or_else(|| id.clone());
    Ok(Rule {
        name: text(r, "definitionName").unwrap_or_else(|| id.clone()),
        description: text(r, "description"),
        message: text(r, "message").unwrap_or_else(|| title.clone()),
        remediation: text(r, "remediation"),
        severity: text(r, "severity")
            .and_then(|s| Severity::parse(&s))
            .unwrap_or(Severity::Medium),
        companion_of: text(r, "companionOf"),
        mode: mode_of(r.get("mode")),
        parameters: r
            .get("parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        help_uri: None,
        source: source.to_string(),
        title,
        id,
        policy_rule: annotate(&policy_rule),
    })
}

fn mode_of(v: Option<&Value>) -> Mode {
    // A missing (null) mode is Indexed (definition-structure-basics, Mode).
    match v.and_then(Value::as_str) {
        Some(m) if m.eq_ignore_ascii_case("all") => Mode::All,
        _ => Mode::Indexed,
    }
}

/// The rules of a compiled pack, through the `checker.json` it emits (the
/// same document `acrpc build` writes, so both paths read the same rules).
pub fn from_pack(pack: &crate::ir::Pack, source: &str) -> Vec<Rule> {
    // acrpc's own checker output always reads back (tests/schemas.rs,
    // the_bundled_baseline_compiles).
    from_checker(&crate::emit::checker(pack), source).unwrap_or_default()
}

/// A policy definition file: `{name, properties: {policyRule, …}}`, a bare
/// `{policyRule, …}`, or an array of either.
pub fn from_definition(doc: &Value, source: &str) -> Result<Vec<Rule>, RuleError> {
    if let Some(items) = doc.as_array() {
        return items.iter().map(|d| one_definition(d, source)).collect();
    }
    Ok(vec![one_definition(doc, source)?])
}

fn one_definition(doc: &Value, source: &str) -> Result<Rule, RuleError> {
    let props = match doc.get("properties") {
        Some(p) if p.get("policyRule").is_some() => p,
        _ => doc,
    };
    let policy_rule = props.get("policyRule").ok_or_else(|| {
        RuleError("no `policyRule`: expected a policy definition ({name, properties: {policyRule}}) or a bare {policyRule}".into())
    })?;
    let file_stem = std::path::Path::new(source)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("policy")
        .to_string();
    let name = text(doc, "name").unwrap_or(file_stem);
    let title = text(props, "displayName").unwrap_or_else(|| name.clone());
    let meta = props.get("metadata").cloned().unwrap_or(Value::Null);
    Ok(Rule {
        id: text(&meta, "acrpc.id").unwrap_or_else(|| name.clone()),
        description: text(props, "description"),
        message: text(&meta, "message").unwrap_or_else(|| title.clone()),
        remediation: text(&meta, "remediation"),
        severity: text(&meta, "severity")
            .and_then(|s| Severity::parse(&s))
            .unwrap_or(Severity::Medium),
        companion_of: None,
        mode: mode_of(props.get("mode")),
        parameters: props
            .get("parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        help_uri: Some(format!(
            "https://portal.azure.com/#blade/Microsoft_Azure_Policy/PolicyDetailBlade/definitionId/%2Fproviders%2FMicrosoft.Authorization%2FpolicyDefinitions%2F{name}"
        ))
        .filter(|_| is_builtin(props)),
        source: source.to_string(),
        name,
        title,
        policy_rule: annotate(policy_rule),
    })
}

fn is_builtin(props: &Value) -> bool {
    props
        .get("policyType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("BuiltIn"))
}

/// Adds `path` next to every `field` (conditions, count sources, modify
/// operations) that lacks one. Aliases the catalog does not know get none:
/// the evaluator reads them as unknown.
pub fn annotate(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, x) in o {
                out.insert(k.clone(), annotate(x));
            }
            if let Some(field) = o.get("field").and_then(Value::as_str)
                && !o.contains_key("path")
                && !field.starts_with('[')
                && let Some(path) = path_of_field(field)
            {
                out.insert("path".into(), Value::String(path));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(annotate).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definitions_in_both_shapes_load() {
        let bare = json!({"mode": "All", "policyRule": {"if": {"field": "type", "equals": "x"}, "then": {"effect": "audit"}}});
        let rules = from_definition(&bare, "dir/my-policy.json").unwrap();
        assert_eq!(rules[0].name, "my-policy");
        assert_eq!(rules[0].mode, Mode::All);
        assert_eq!(rules[0].policy_rule["if"]["path"], "type");
        let full = json!({"name": "abc", "properties": {"displayName": "T", "policyRule": bare["policyRule"]}});
        let rules = from_definition(&full, "f.json").unwrap();
        assert_eq!(
            (rules[0].name.as_str(), rules[0].title.as_str()),
            ("abc", "T")
        );
        // definition-structure-basics: a null mode means Indexed.
        assert_eq!(rules[0].mode, Mode::Indexed);
        assert!(from_definition(&json!({"x": 1}), "f.json").is_err());
    }

    #[test]
    fn checker_files_are_versioned() {
        assert!(from_checker(&json!({"format": "other", "rules": []}), "c").is_err());
        assert!(
            from_checker(&json!({"format": "acrpc-checker/1", "rules": []}), "c")
                .unwrap()
                .is_empty()
        );
    }
}
