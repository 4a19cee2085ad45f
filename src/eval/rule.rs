//! Rules the evaluator runs: the entries of a `checker.json`, or any Azure
//! Policy definition JSON (built-in shape `{name, properties: {…}}` or a bare
//! `{policyRule, …}`), whose aliases get their ARM `path` from the catalog.

use super::fields::path_of_field;
use crate::expr;
use crate::ir::{Op, Severity};
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
    /// `policy_rule` parsed once: what the evaluator runs.
    pub logic: Logic,
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
    from_checker_value(doc.clone(), source)
}

/// `from_checker` of a document the caller gives away: each rule's texts
/// and `policyRule` are moved into the `Rule`, not copied (the bundled
/// baseline is read this way at every start, issue 15 item 6a).
pub fn from_checker_value(doc: Value, source: &str) -> Result<Vec<Rule>, RuleError> {
    let format = doc.get("format").and_then(Value::as_str);
    if format != Some("acrpc-checker/1") {
        return Err(RuleError(format!(
            "not an acrpc checker file: `format` is {}, expected \"acrpc-checker/1\"",
            format.map_or("missing".to_string(), |f| format!("\"{f}\""))
        )));
    }
    let Value::Object(mut doc) = doc else {
        return Err(RuleError("not an acrpc checker file: not an object".into()));
    };
    let Some(Value::Array(rules)) = doc.get_mut("rules").map(Value::take) else {
        return Err(RuleError("`rules` is not an array".into()));
    };
    rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| checker_rule(r, &format!("/rules/{i}"), source))
        .collect()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The string at `key`, moved out of `v` (`Null` left in its place).
fn take_text(v: &mut Value, key: &str) -> Option<String> {
    match v.get_mut(key).map(Value::take) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn checker_rule(mut r: Value, at: &str, source: &str) -> Result<Rule, RuleError> {
    let parts = CheckerRule {
        id: take_text(&mut r, "id")
            .ok_or_else(|| RuleError(format!("{at}: a rule has no `id`")))?,
        title: take_text(&mut r, "title"),
        definition_name: take_text(&mut r, "definitionName"),
        description: take_text(&mut r, "description"),
        message: take_text(&mut r, "message"),
        remediation: take_text(&mut r, "remediation"),
        severity: take_text(&mut r, "severity"),
        companion_of: take_text(&mut r, "companionOf"),
        mode: take_text(&mut r, "mode"),
        parameters: match r.get_mut("parameters").map(Value::take) {
            Some(Value::Object(p)) => Some(p),
            _ => None,
        },
        policy_rule: r.get_mut("policyRule").map(Value::take),
    };
    rule_of(parts, at, source)
}

/// What a `Rule` keeps of a `checker.json` rule: read from a `Value` by
/// `checker_rule`, or deserialised straight from the text (the bundled
/// baseline, `from_own_checker`). Other members are ignored.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckerRule {
    id: String,
    title: Option<String>,
    definition_name: Option<String>,
    description: Option<String>,
    message: Option<String>,
    remediation: Option<String>,
    severity: Option<String>,
    companion_of: Option<String>,
    mode: Option<String>,
    parameters: Option<Map<String, Value>>,
    policy_rule: Option<Value>,
}

fn rule_of(r: CheckerRule, at: &str, source: &str) -> Result<Rule, RuleError> {
    let id = r.id;
    let mut policy_rule = r
        .policy_rule
        .ok_or_else(|| RuleError(format!("rule `{id}` has no `policyRule`")))?;
    annotate_in_place(&mut policy_rule);
    let logic =
        Logic::parse(&policy_rule).map_err(|m| m.into_error(&id, &format!("{at}/policyRule")))?;
    let title = r.title.unwrap_or_else(|| id.clone());
    Ok(Rule {
        name: r.definition_name.unwrap_or_else(|| id.clone()),
        description: r.description,
        message: r.message.unwrap_or_else(|| title.clone()),
        remediation: r.remediation,
        severity: r
            .severity
            .and_then(|s| Severity::parse(&s))
            .unwrap_or(Severity::Medium),
        companion_of: r.companion_of,
        mode: mode_of(r.mode.as_deref()),
        parameters: r.parameters.unwrap_or_default(),
        help_uri: None,
        source: source.to_string(),
        title,
        id,
        policy_rule,
        logic,
    })
}

/// The rules of a `checker.json` that acrpc wrote itself (the bundled
/// baseline), deserialised straight from the text: no `Value` tree for the
/// rules' texts and the members a `Rule` does not keep (start-up, issue 15
/// item 6a). Stricter than `from_checker`: a member of the wrong type is an
/// error rather than ignored, which acrpc's own output never has.
pub fn from_own_checker(text: &str, source: &str) -> Result<Vec<Rule>, RuleError> {
    #[derive(serde::Deserialize)]
    struct Doc {
        format: String,
        rules: Vec<CheckerRule>,
    }
    let doc: Doc = serde_json::from_str(text).map_err(|e| RuleError(e.to_string()))?;
    if doc.format != "acrpc-checker/1" {
        return Err(RuleError(format!(
            "not an acrpc checker file: `format` is \"{}\", expected \"acrpc-checker/1\"",
            doc.format
        )));
    }
    doc.rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| rule_of(r, &format!("/rules/{i}"), source))
        .collect()
}

fn mode_of(v: Option<&str>) -> Mode {
    // A missing (null) mode is Indexed (definition-structure-basics, Mode).
    match v {
        Some(m) if m.eq_ignore_ascii_case("all") => Mode::All,
        _ => Mode::Indexed,
    }
}

/// The rules of a compiled pack, through the `checker.json` it emits (the
/// same document `acrpc build` writes, so both paths read the same rules).
pub fn from_pack(pack: &crate::ir::Pack, source: &str) -> Vec<Rule> {
    // acrpc's own checker output always reads back (tests/schemas.rs,
    // the_bundled_baseline_compiles).
    from_checker_value(crate::emit::checker(pack), source).unwrap_or_default()
}

/// A policy definition file: `{name, properties: {policyRule, …}}`, a bare
/// `{policyRule, …}`, or an array of either.
pub fn from_definition(doc: &Value, source: &str) -> Result<Vec<Rule>, RuleError> {
    if let Some(items) = doc.as_array() {
        return items
            .iter()
            .enumerate()
            .map(|(i, d)| one_definition(d, &format!("/{i}"), source))
            .collect();
    }
    Ok(vec![one_definition(doc, "", source)?])
}

fn one_definition(doc: &Value, at: &str, source: &str) -> Result<Rule, RuleError> {
    let (props, at) = match doc.get("properties") {
        Some(p) if p.get("policyRule").is_some() => (p, format!("{at}/properties")),
        _ => (doc, at.to_string()),
    };
    let policy_rule = annotate(props.get("policyRule").ok_or_else(|| {
        RuleError("no `policyRule`: expected a policy definition ({name, properties: {policyRule}}) or a bare {policyRule}".into())
    })?);
    let file_stem = std::path::Path::new(source)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("policy")
        .to_string();
    let name = text(doc, "name").unwrap_or(file_stem);
    let logic =
        Logic::parse(&policy_rule).map_err(|m| m.into_error(&name, &format!("{at}/policyRule")))?;
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
        mode: mode_of(props.get("mode").and_then(Value::as_str)),
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
        policy_rule,
        logic,
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
    let mut v = v.clone();
    annotate_in_place(&mut v);
    v
}

/// `annotate` without the copy.
pub fn annotate_in_place(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for x in o.values_mut() {
                annotate_in_place(x);
            }
            if let Some(field) = o.get("field").and_then(Value::as_str)
                && !o.contains_key("path")
                && !field.starts_with('[')
                && let Some(path) = path_of_field(field)
            {
                o.insert("path".into(), Value::String(path));
            }
        }
        Value::Array(a) => a.iter_mut().for_each(annotate_in_place),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// The typed policy rule: parsed once, so that evaluation never reads
// operator or effect strings and a malformed rule is reported when it is
// loaded, with the JSON pointer of the culprit (regorus parses constraints
// the same way before it evaluates them).

/// A policy rule's `if` and `then`, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Logic {
    /// The `if`.
    pub condition: Condition,
    /// `then.effect`: usually `[parameters('effect')]`, read per evaluation.
    pub effect: Operand,
    /// `then.details.existenceCondition` (auditIfNotExists/deployIfNotExists).
    pub existence_condition: Option<Condition>,
    /// Every leaf condition, by `LeafId::index` (`if` first, then the
    /// existence condition, each in document order).
    pub leaves: Vec<LeafId>,
}

/// A condition: `allOf`, `anyOf`, `not`, or a leaf.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    AllOf(Vec<Condition>),
    AnyOf(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Box<Leaf>),
}

/// The stable identity of a leaf condition within its rule: its index in
/// document order and its JSON pointer below `policyRule` (`/if/allOf/1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeafId {
    pub index: usize,
    pub pointer: String,
}

/// `subject <operator> operand`.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    pub id: LeafId,
    pub subject: Subject,
    pub op: Op,
    /// The operator key as written, for evidence.
    pub op_written: String,
    pub operand: Operand,
}

/// What a leaf condition reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Field(FieldRef),
    Value(Operand),
    Count(Box<Count>),
}

/// A `field` and the ARM path it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    /// As written: an alias, a generic field, a tag, or an expression.
    pub field: String,
    /// The ARM path (`path` in checker rules, else from the catalog); `None`
    /// for an alias acrpc's catalog lacks, which reads as unknown.
    pub path: Option<String>,
    /// `type`, `name` or `kind`: decides applicability (policy-applicability).
    pub gate: bool,
    /// `type`: decides applicability only, never shown as evidence.
    pub is_type: bool,
    /// `location`: compared after normalisation (PR-doc, Fields).
    pub is_location: bool,
}

/// `count`: of a field's `[*]` elements or of a value array, with an
/// optional `where`.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub source: CountSource,
    /// `count.name`, for `current('name')` in a value count.
    pub name: Option<String>,
    pub filter: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CountSource {
    Field(FieldRef),
    Value(Operand),
}

/// A value in a rule: a literal, one template expression (parsed once), or
/// JSON holding expressions (`[parameters('x')]` inside an array), which
/// are evaluated per resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Literal(Value),
    /// A string `[…]`: `written` as in the rule, `parsed` its inside.
    Expr {
        written: Value,
        parsed: crate::expr::Expr,
    },
    Nested(Value),
}

impl Operand {
    pub(crate) fn of(v: &Value) -> Operand {
        if let Value::String(s) = v {
            if let Some(escaped) = s.strip_prefix("[[").filter(|_| expr::is_bracketed(s)) {
                // `[[x]` is the literal `[x]` (template-expressions.md, escapes).
                return Operand::Literal(Value::String(format!("[{escaped}")));
            }
            if expr::is_expression(s)
                && let Some(parsed) = s
                    .get(1..s.len() - 1)
                    .and_then(|inner| expr::parse(inner).ok())
            {
                return Operand::Expr {
                    written: v.clone(),
                    parsed,
                };
            }
        }
        if has_expression(v) {
            // Also an expression that does not parse: the evaluation says why.
            Operand::Nested(v.clone())
        } else {
            Operand::Literal(v.clone())
        }
    }

    /// The value as written in the rule (a `[[` escape without its `[`).
    pub fn written(&self) -> &Value {
        match self {
            Operand::Literal(v) | Operand::Nested(v) | Operand::Expr { written: v, .. } => v,
        }
    }
}

/// Does `v` hold a string the expression evaluator would change?
fn has_expression(v: &Value) -> bool {
    match v {
        Value::String(s) => expr::is_bracketed(s),
        Value::Array(a) => a.iter().any(has_expression),
        Value::Object(o) => o.values().any(has_expression),
        _ => false,
    }
}

/// A malformed rule: where (a JSON pointer below `policyRule`) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    pub pointer: String,
    pub message: String,
}

impl Malformed {
    fn at(pointer: &str, message: impl Into<String>) -> Malformed {
        Malformed {
            pointer: pointer.to_string(),
            message: message.into(),
        }
    }

    fn into_error(self, rule: &str, base: &str) -> RuleError {
        RuleError(format!(
            "rule `{rule}` is malformed at {base}{}: {}",
            self.pointer, self.message
        ))
    }
}

impl Logic {
    /// Parses an annotated `policyRule`.
    pub fn parse(policy_rule: &Value) -> Result<Logic, Malformed> {
        let mut leaves = Vec::new();
        let rule = policy_rule
            .as_object()
            .ok_or_else(|| Malformed::at("", "`policyRule` is not an object"))?;
        let (if_key, cond) =
            entry_ci(rule, "if").ok_or_else(|| Malformed::at("", "no `if` condition"))?;
        let condition = parse_condition(cond, &pointer_to("", if_key), &mut leaves)?;
        let (then_key, then) =
            entry_ci(rule, "then").ok_or_else(|| Malformed::at("", "no `then` block"))?;
        let then_at = pointer_to("", then_key);
        let then = then
            .as_object()
            .ok_or_else(|| Malformed::at(&then_at, "`then` is not an object"))?;
        let effect = entry_ci(then, "effect")
            .map(|(_, e)| Operand::of(e))
            .ok_or_else(|| Malformed::at(&then_at, "`then` has no `effect`"))?;
        let existence_condition = match entry_ci(then, "details") {
            Some((dk, Value::Object(details))) => match entry_ci(details, "existenceCondition") {
                Some((ek, c)) => {
                    let at = pointer_to(&pointer_to(&then_at, dk), ek);
                    Some(parse_condition(c, &at, &mut leaves)?)
                }
                None => None,
            },
            _ => None,
        };
        Ok(Logic {
            condition,
            effect,
            existence_condition,
            leaves,
        })
    }
}

fn entry_ci<'v>(o: &'v Map<String, Value>, key: &str) -> Option<(&'v str, &'v Value)> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(k, v)| (k.as_str(), v))
}

/// `base` extended by one JSON pointer token (RFC 6901 escapes).
fn pointer_to(base: &str, token: &str) -> String {
    // One allocation: every leaf of every rule gets a pointer at load
    // (start-up, issue 15 item 6a).
    let mut out = String::with_capacity(base.len() + 1 + token.len());
    out.push_str(base);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

const SUBJECTS: [&str; 3] = ["field", "value", "count"];

fn parse_condition(v: &Value, at: &str, leaves: &mut Vec<LeafId>) -> Result<Condition, Malformed> {
    let o = v
        .as_object()
        .ok_or_else(|| Malformed::at(at, "a condition is not an object"))?;
    for logical in ["allOf", "anyOf", "not"] {
        let Some((key, inner)) = entry_ci(o, logical) else {
            continue;
        };
        if o.len() > 1 {
            let other = o.keys().find(|k| *k != key).map_or("", String::as_str);
            return Err(Malformed::at(
                at,
                format!("`{key}` cannot share its object with `{other}`"),
            ));
        }
        let inner_at = pointer_to(at, key);
        if logical == "not" {
            return Ok(Condition::Not(Box::new(parse_condition(
                inner, &inner_at, leaves,
            )?)));
        }
        let items = inner
            .as_array()
            .ok_or_else(|| Malformed::at(&inner_at, format!("`{key}` is not an array")))?;
        let parsed = items
            .iter()
            .enumerate()
            .map(|(i, c)| parse_condition(c, &pointer_to(&inner_at, &i.to_string()), leaves))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if logical == "allOf" {
            Condition::AllOf(parsed)
        } else {
            Condition::AnyOf(parsed)
        });
    }
    parse_leaf(o, at, leaves).map(|l| Condition::Leaf(Box::new(l)))
}

fn parse_leaf(
    o: &Map<String, Value>,
    at: &str,
    leaves: &mut Vec<LeafId>,
) -> Result<Leaf, Malformed> {
    let subjects: Vec<(&String, &Value)> = o
        .iter()
        .filter(|(k, _)| SUBJECTS.iter().any(|s| k.eq_ignore_ascii_case(s)))
        .collect();
    let operators: Vec<(&String, &Value)> = o
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("path") && !SUBJECTS.iter().any(|s| k.eq_ignore_ascii_case(s))
        })
        .collect();
    let (op_key, operand) = match operators.as_slice() {
        [one] => *one,
        [] => return Err(Malformed::at(at, "a condition has no operator")),
        [a, b, ..] => {
            return Err(Malformed::at(
                at,
                format!("a condition has two operators, `{}` and `{}`", a.0, b.0),
            ));
        }
    };
    let op = Op::parse(op_key)
        .ok_or_else(|| Malformed::at(at, format!("unsupported operator `{op_key}`")))?;
    // The id is taken before the `where` below is parsed: leaves are
    // numbered in document order, a count before its `where`.
    let id = LeafId {
        index: leaves.len(),
        pointer: at.to_string(),
    };
    leaves.push(id.clone());
    let subject = match subjects.as_slice() {
        [(key, v)] if key.eq_ignore_ascii_case("field") => {
            Subject::Field(field_ref(v, o.get("path"), &pointer_to(at, key))?)
        }
        [(key, v)] if key.eq_ignore_ascii_case("value") => Subject::Value(Operand::of(v)),
        [(key, v)] => Subject::Count(Box::new(parse_count(v, &pointer_to(at, key), leaves)?)),
        [] => {
            return Err(Malformed::at(
                at,
                "a condition has neither `field`, `value` nor `count`",
            ));
        }
        [a, b, ..] => {
            return Err(Malformed::at(
                at,
                format!("a condition has both `{}` and `{}`", a.0, b.0),
            ));
        }
    };
    Ok(Leaf {
        id,
        subject,
        op,
        op_written: op_key.clone(),
        operand: Operand::of(operand),
    })
}

fn field_ref(field: &Value, path: Option<&Value>, at: &str) -> Result<FieldRef, Malformed> {
    let field = field
        .as_str()
        .ok_or_else(|| Malformed::at(at, "`field` is not a string"))?;
    let is = |name: &str| field.eq_ignore_ascii_case(name);
    Ok(FieldRef {
        path: path
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| path_of_field(field)),
        gate: is("type") || is("name") || is("kind"),
        is_type: is("type"),
        is_location: is("location"),
        field: field.to_string(),
    })
}

fn parse_count(v: &Value, at: &str, leaves: &mut Vec<LeafId>) -> Result<Count, Malformed> {
    let o = v
        .as_object()
        .ok_or_else(|| Malformed::at(at, "`count` is not an object"))?;
    let source = match (entry_ci(o, "field"), entry_ci(o, "value")) {
        (Some((key, f)), None) => {
            CountSource::Field(field_ref(f, o.get("path"), &pointer_to(at, key))?)
        }
        (None, Some((_, v))) => CountSource::Value(Operand::of(v)),
        (Some(_), Some(_)) => {
            return Err(Malformed::at(at, "`count` has both `field` and `value`"));
        }
        (None, None) => {
            return Err(Malformed::at(at, "`count` has neither `field` nor `value`"));
        }
    };
    let filter = match entry_ci(o, "where") {
        Some((key, w)) => Some(parse_condition(w, &pointer_to(at, key), leaves)?),
        None => None,
    };
    Ok(Count {
        source,
        name: entry_ci(o, "name")
            .and_then(|(_, n)| n.as_str())
            .map(str::to_string),
        filter,
    })
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

    fn parse(condition: Value) -> Result<Logic, Malformed> {
        Logic::parse(&annotate(
            &json!({"if": condition, "then": {"effect": "audit"}}),
        ))
    }

    #[test]
    fn pointer_tokens_are_escaped_as_rfc_6901_says() {
        // RFC 6901 section 3: `~` is written `~0` and `/` is written `~1`.
        assert_eq!(pointer_to("/if", "allOf"), "/if/allOf");
        assert_eq!(pointer_to("", "a/b~c"), "/a~1b~0c");
        assert_eq!(pointer_to("/x", "é~/"), "/x/é~0~1");
    }

    #[test]
    fn two_operators_in_one_condition_are_an_error_with_the_pointer() {
        // PR-doc: a condition has exactly one operator; the second used to be ignored.
        let bad = json!({"allOf": [{"field": "type", "equals": "x"},
            {"field": "location", "equals": "a", "notEquals": "b"}]});
        let m = parse(bad.clone()).unwrap_err();
        assert_eq!(m.pointer, "/if/allOf/1");
        assert!(m.message.contains("two operators"), "{}", m.message);
        let def = json!({"name": "d", "properties": {"policyRule": {"if": bad, "then": {"effect": "audit"}}}});
        let e = from_definition(&def, "d.json").unwrap_err();
        assert!(e.0.contains("/properties/policyRule/if/allOf/1"), "{}", e.0);
        let checker = json!({"format": "acrpc-checker/1", "rules": [
            {"id": "ok", "policyRule": {"if": {"field": "type", "equals": "x"}, "then": {"effect": "audit"}}},
            {"id": "bad", "policyRule": {"if": {"not": {"value": 1}}, "then": {"effect": "audit"}}}]});
        let e = from_checker(&checker, "c").unwrap_err();
        assert!(e.0.contains("/rules/1/policyRule/if/not"), "{}", e.0);
    }

    #[test]
    fn malformed_conditions_are_reported_where_they_are() {
        let cases = [
            (json!("x"), "", "not an object"),
            (json!({"anyOf": {}}), "/anyOf", "not an array"),
            (json!({"allOf": [], "field": "type"}), "", "cannot share"),
            (
                json!({"field": "type", "equal": "x"}),
                "",
                "unsupported operator `equal`",
            ),
            (json!({"field": "type"}), "", "no operator"),
            (json!({"equals": "x"}), "", "neither"),
            (
                json!({"field": "type", "value": 1, "equals": "x"}),
                "",
                "both",
            ),
            (
                json!({"count": {"where": {"value": 1, "equals": 1}}, "equals": 1}),
                "/count",
                "neither `field` nor `value`",
            ),
            (
                json!({"count": {"value": [], "where": {"value": 1}}, "equals": 1}),
                "/count/where",
                "no operator",
            ),
            (json!({"field": 3, "equals": 1}), "/field", "not a string"),
        ];
        for (c, at, why) in cases {
            let m = parse(c.clone()).unwrap_err();
            assert_eq!(m.pointer, format!("/if{at}"), "{c}");
            assert!(m.message.contains(why), "{c}: {}", m.message);
        }
    }

    #[test]
    fn leaves_have_stable_ids_in_document_order() {
        let logic = parse(json!({"allOf": [
            {"field": "type", "equals": "x"},
            {"not": {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "EQUALS": true}},
            {"count": {"field": "Microsoft.ContainerRegistry/registries/networkRuleSet.ipRules[*]",
                "where": {"field": "Microsoft.ContainerRegistry/registries/networkRuleSet.ipRules[*].value", "equals": "1.2.3.4"}},
             "greater": 0}]}))
        .unwrap();
        let pointers: Vec<(usize, &str)> = logic
            .leaves
            .iter()
            .map(|l| (l.index, l.pointer.as_str()))
            .collect();
        assert_eq!(
            pointers,
            [
                (0, "/if/allOf/0"),
                (1, "/if/allOf/1/not"),
                (2, "/if/allOf/2"),
                (3, "/if/allOf/2/count/where"),
            ]
        );
        let Condition::AllOf(items) = &logic.condition else {
            panic!("allOf")
        };
        let Condition::Not(inner) = &items[1] else {
            panic!("not")
        };
        let Condition::Leaf(leaf) = inner.as_ref() else {
            panic!("leaf")
        };
        // Operators are case-insensitive; the written key is kept for evidence.
        assert_eq!((leaf.op, leaf.op_written.as_str()), (Op::Equals, "EQUALS"));
        assert_eq!(leaf.operand, Operand::Literal(json!(true)));
        let Subject::Field(f) = &leaf.subject else {
            panic!("field")
        };
        assert_eq!(f.path.as_deref(), Some("properties.adminUserEnabled"));
    }

    #[test]
    fn operands_with_expressions_are_evaluated_literals_are_not() {
        assert_eq!(Operand::of(&json!("a")), Operand::Literal(json!("a")));
        assert_eq!(
            Operand::of(&json!(["a", "[parameters('x')]"])),
            Operand::Nested(json!(["a", "[parameters('x')]"]))
        );
        assert!(matches!(
            Operand::of(&json!("[parameters('x')]")),
            Operand::Expr { .. }
        ));
        // An expression that does not parse is evaluated, to say why.
        assert!(matches!(
            Operand::of(&json!("[concat(]")),
            Operand::Nested(_)
        ));
        // template-expressions.md: `[[x]` is the literal `[x]`; `[[x` and
        // `[x` are literals as written.
        assert_eq!(Operand::of(&json!("[[x]")), Operand::Literal(json!("[x]")));
        assert_eq!(Operand::of(&json!("[[x")), Operand::Literal(json!("[[x")));
        assert_eq!(Operand::of(&json!("[x")), Operand::Literal(json!("[x")));
    }

    #[test]
    fn existence_conditions_are_parsed_after_the_if() {
        let logic = Logic::parse(&json!({"if": {"field": "type", "equals": "x"},
            "then": {"effect": "auditIfNotExists", "details": {"type": "y",
                "existenceCondition": {"field": "name", "like": "a*"}}}}))
        .unwrap();
        assert!(logic.existence_condition.is_some());
        assert_eq!(logic.leaves[1].pointer, "/then/details/existenceCondition");
        let m =
            Logic::parse(&json!({"if": {"field": "type", "equals": "x"}, "then": {}})).unwrap_err();
        assert!(m.message.contains("no `effect`"));
    }
}
