//! One policy definition as an acrp `rule`: candidate texts, most idiomatic
//! first. The caller compiles each candidate and keeps the first that
//! reproduces the original (see `verify`).

use super::Gap;
use super::cond::{condition_lines, join_lines, mentions_gate_field, negate, reads_aliases};
use super::text::{Scope, get, get_str, head_lines, is_ident, literal, operand, string};
use crate::catalog::{Kind, catalog};
use crate::ir::Effect;
use serde_json::{Map, Value};

/// What the rule text is built from.
pub struct RuleInput<'a> {
    /// The rule id (kebab-case, unique in the pack).
    pub id: &'a str,
    /// The definition's resource name, pinned with `name`.
    pub name: Option<&'a str>,
    /// `properties` of the definition.
    pub props: &'a Map<String, Value>,
    /// The pack's category (a rule with another one says so).
    pub pack_category: &'a str,
}

/// A rule's candidate texts and the deploy template it needs beside the pack.
pub struct RuleText {
    pub candidates: Vec<String>,
    pub template: Option<(String, Value)>,
}

/// Builds the candidates, or says which construct acrp cannot express.
pub fn rule(input: &RuleInput) -> Result<RuleText, Gap> {
    let props = input.props;
    let rule = get(props, "policyRule")
        .and_then(Value::as_object)
        .ok_or_else(|| Gap::new("/policyRule", "a definition without policyRule"))?;
    let cond =
        get(rule, "if").ok_or_else(|| Gap::new("/policyRule", "a policy rule without `if`"))?;
    let then = get(rule, "then")
        .and_then(Value::as_object)
        .ok_or_else(|| Gap::new("/policyRule", "a policy rule without `then`"))?;
    let (kind, rest) = split_type_gate(cond)?;
    let scope = Scope::new(kind);

    let mut head = head_lines(input.name, props, input.pack_category, "definition")?;
    let metadata = get(props, "metadata").and_then(Value::as_object);
    // Definitions acrpc built carry practice, severity and controls in
    // metadata; others get the neutral choices (docs/import.md).
    let practice = metadata
        .and_then(|m| get_str(m, "practice"))
        .filter(|p| is_ident(p))
        .unwrap_or("compliance");
    head.push(format!("practice {practice}"));
    let severity = metadata
        .and_then(|m| get_str(m, "severity"))
        .and_then(crate::ir::Severity::parse)
        .map_or("medium", |s| s.as_str());
    head.push(format!("severity {severity}"));
    if let Some(c) = metadata.and_then(|m| get(m, "controls")).filter(|c| {
        c.as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
    }) {
        head.push(format!("controls {}", literal(c, "/metadata/controls")?));
    }
    let version_text = metadata
        .and_then(|m| get_str(m, "version"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    for flag in ["preview", "deprecated"] {
        if metadata.and_then(|m| get(m, flag)) == Some(&Value::Bool(true))
            && !version_text.contains(flag)
        {
            head.push(format!("{flag} true"));
        }
    }
    head.push(format!("target {}", kind.name));
    if let Some(m) = mode_clause(props, kind)? {
        head.push(m);
    }

    let effect_param = effect_param_name(then)?;
    let params = get(props, "parameters").and_then(Value::as_object);
    let mut body = Vec::new();
    let mut effect = None;
    for (name, p) in params.into_iter().flatten() {
        if name.eq_ignore_ascii_case(&effect_param) {
            effect = Some(effect_clause(p, &format!("/parameters/{name}"))?);
        } else {
            body.push(param_clause(name, p)?);
        }
    }
    let Some(effect) = effect else {
        return Err(Gap::new(
            "/policyRule/then/effect",
            "an effect parameter that is not declared",
        ));
    };
    body.push(effect);

    let details = get(then, "details");
    let effects = allowed_effects(params, &effect_param);
    let existence = effects
        .iter()
        .any(|e| matches!(e, Effect::AuditIfNotExists | Effect::DeployIfNotExists));
    let mut tail = Vec::new();
    let mut template = None;
    if let Some(d) = details {
        let at = "/policyRule/then/details";
        if existence {
            let (clauses, t) = existence_clauses(d, input.id, &scope, at)?;
            tail.extend(clauses);
            template = t;
        } else if effects.contains(&Effect::Modify) {
            tail.push(fix_clause(d, &scope, at)?);
        } else if effects.contains(&Effect::Manual) {
            let state = d
                .as_object()
                .and_then(|o| get_str(o, "defaultState"))
                .ok_or_else(|| Gap::new(at, "manual details without defaultState"))?;
            head.push(format!("default-state {}", state.to_ascii_lowercase()));
        } else {
            return Err(Gap::new(at, "details for an effect that takes none"));
        }
    }

    let candidates = condition_forms(&rest, &scope, existence, effects.contains(&Effect::Manual))?
        .into_iter()
        .map(|conds| {
            let mut lines = head.clone();
            lines.push(String::new());
            lines.extend(body.iter().cloned());
            lines.extend(conds);
            lines.extend(tail.iter().cloned());
            format!("rule {} {{\n  {}\n}}\n", input.id, lines.join("\n  "))
        })
        .collect();
    Ok(RuleText {
        candidates,
        template,
    })
}

/// The target kind from the `type` test, and the rest of the `if`.
/// Members of the `if`'s top-level `allOf`, with their index there.
type Members = Vec<(usize, Value)>;

fn split_type_gate(cond: &Value) -> Result<(&'static Kind, Members), Gap> {
    let members: Vec<Value> = match cond.as_object() {
        Some(o) if o.len() == 1 && get(o, "allOf").is_some() => get(o, "allOf")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => vec![cond.clone()],
    };
    let gate = members.iter().position(|m| {
        m.as_object().is_some_and(|o| {
            o.len() == 2
                && get_str(o, "field").is_some_and(|f| f.eq_ignore_ascii_case("type"))
                && get(o, "equals").is_some_and(Value::is_string)
        })
    });
    let Some(i) = gate else {
        return Err(Gap::new(
            "/policyRule/if",
            "an `if` without a top-level `type equals` test (an acrp rule has one target kind)",
        ));
    };
    let ty = members
        .get(i)
        .and_then(|m| {
            m.get("equals")
                .or_else(|| m.as_object().and_then(|o| get(o, "equals")))
        })
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = catalog().kind_by_type(ty).ok_or_else(|| {
        Gap::new(
            &format!("/policyRule/if/allOf/{i}"),
            format!("the resource type {ty}, which is not in acrpc's catalog"),
        )
    })?;
    let rest = members
        .into_iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .collect();
    Ok((kind, rest))
}

/// Mode only when it differs from the kind's default. A definition without
/// mode is Indexed ("A null mode is the same as using indexed",
/// definition-structure-basics).
fn mode_clause(props: &Map<String, Value>, kind: &Kind) -> Result<Option<String>, Gap> {
    let mode = get_str(props, "mode").unwrap_or("Indexed");
    let all = if mode.eq_ignore_ascii_case("all") {
        true
    } else if mode.eq_ignore_ascii_case("indexed") {
        false
    } else {
        return Err(Gap::new(
            "/mode",
            format!("the resource provider mode {mode} (acrp rules are All or Indexed)"),
        ));
    };
    Ok(match (all, kind.taggable) {
        (true, true) => Some("mode all".into()),
        (false, false) => Some("mode indexed".into()),
        _ => None,
    })
}

fn effect_param_name(then: &Map<String, Value>) -> Result<String, Gap> {
    let e = get_str(then, "effect").unwrap_or_default();
    let name = e
        .strip_prefix("[parameters('")
        .and_then(|r| r.strip_suffix("')]"))
        .ok_or_else(|| {
            Gap::new(
                "/policyRule/then/effect",
                format!("the fixed effect {e:?} (acrp always makes the effect a parameter)"),
            )
        })?;
    if !name.eq_ignore_ascii_case("effect") {
        return Err(Gap::new(
            "/policyRule/then/effect",
            format!("an effect parameter named `{name}` (acrp names it `effect`)"),
        ));
    }
    Ok(name.to_string())
}

fn allowed_effects(params: Option<&Map<String, Value>>, name: &str) -> Vec<Effect> {
    params
        .and_then(|p| get(p, name))
        .and_then(Value::as_object)
        .and_then(|p| get(p, "allowedValues"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().and_then(Effect::parse))
        .collect()
}

pub(super) fn effect_word(e: Effect) -> String {
    let s = e.as_azure_str();
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn effect_clause(p: &Value, at: &str) -> Result<String, Gap> {
    let o = p
        .as_object()
        .ok_or_else(|| Gap::new(at, "a parameter that is not an object"))?;
    let allowed = get(o, "allowedValues")
        .and_then(Value::as_array)
        .ok_or_else(|| Gap::new(at, "an effect parameter without allowedValues"))?;
    let mut words = Vec::new();
    for (i, v) in allowed.iter().enumerate() {
        let e = v.as_str().and_then(Effect::parse).ok_or_else(|| {
            Gap::new(
                &format!("{at}/allowedValues/{i}"),
                format!("the effect {v}"),
            )
        })?;
        words.push(effect_word(e));
    }
    let default = get_str(o, "defaultValue")
        .and_then(Effect::parse)
        .ok_or_else(|| Gap::new(at, "an effect parameter without a known defaultValue"))?;
    Ok(format!(
        "effect {} = {}",
        words.join(" | "),
        effect_word(default)
    ))
}

pub(super) fn param_clause(name: &str, p: &Value) -> Result<String, Gap> {
    let at = format!("/parameters/{name}");
    if !is_ident(name) {
        return Err(Gap::new(
            &at,
            format!("the parameter name {name:?} (not an acrp identifier)"),
        ));
    }
    let o = p
        .as_object()
        .ok_or_else(|| Gap::new(&at, "a parameter that is not an object"))?;
    let ty = get_str(o, "type").ok_or_else(|| Gap::new(&at, "a parameter without type"))?;
    let mut s = format!("param {name}: {}", ty.to_ascii_lowercase());
    if let Some(d) = get(o, "defaultValue") {
        s.push_str(&format!(
            " = {}",
            literal(d, &format!("{at}/defaultValue"))?
        ));
    }
    if let Some(a) = get(o, "allowedValues") {
        s.push_str(&format!(
            " allowed {}",
            literal(a, &format!("{at}/allowedValues"))?
        ));
    }
    let meta = get(o, "metadata").and_then(Value::as_object);
    if let Some(t) = meta.and_then(|m| get_str(m, "strongType")) {
        s.push_str(&format!(" strongType {}", string(t)));
    }
    if meta.and_then(|m| get(m, "assignPermissions")) == Some(&Value::Bool(true)) {
        s.push_str(" assignPermissions");
    }
    s.push_str(&param_texts(meta));
    Ok(s)
}

/// A parameter's ` { title "…" description "…" }` from its metadata (empty
/// without either).
pub(super) fn param_texts(meta: Option<&Map<String, Value>>) -> String {
    let mut block = Vec::new();
    if let Some(t) = meta.and_then(|m| get_str(m, "displayName")) {
        block.push(format!("title {}", string(t)));
    }
    if let Some(d) = meta.and_then(|m| get_str(m, "description")) {
        block.push(format!("description {}", string(d)));
    }
    if block.is_empty() {
        String::new()
    } else {
        format!(" {{\n    {}\n  }}", block.join("\n    "))
    }
}

/// The condition clauses, in order of preference: `when` for applicability
/// (name/kind tests, tests that read no alias) and `require` for the
/// compliant state where `not` pushes exactly; then `forbid` as written;
/// then everything in `when` (always exact: `when` is emitted unchanged).
fn condition_forms(
    rest: &[(usize, Value)],
    scope: &Scope,
    existence: bool,
    manual: bool,
) -> Result<Vec<Vec<String>>, Gap> {
    if rest.is_empty() && manual {
        // A manual rule states no condition (E0303 otherwise).
        return Ok(vec![Vec::new()]);
    }
    if rest.is_empty() && !existence {
        // Only the type test: every resource of the kind is flagged.
        return Ok(vec![vec!["forbid true".into()]]);
    }
    let at = |i: usize| format!("/policyRule/if/allOf/{i}");
    let mut when = Vec::new();
    let mut state = Vec::new();
    for (i, c) in rest {
        let text = condition_lines(c, scope, &at(*i))?;
        if existence || mentions_gate_field(c) || !reads_aliases(c) {
            when.push(format!("when {text}"));
        } else {
            state.push((c, text));
        }
    }
    let mut forms = Vec::new();
    if !state.is_empty() {
        let conj: Vec<Value> = state.iter().map(|(c, _)| (*c).clone()).collect();
        let joined = if conj.len() == 1 {
            conj.first().cloned().unwrap_or_default()
        } else {
            serde_json::json!({ "allOf": conj })
        };
        if let Some(neg) = negate(&joined)
            && let Ok(text) = condition_lines(&neg, scope, "/policyRule/if")
        {
            let mut f = when.clone();
            f.push(format!("require {text}"));
            forms.push(f);
        }
        let parts: Vec<String> = state
            .iter()
            .map(|(c, t)| {
                if is_or(c) && state.len() > 1 {
                    format!("({t})")
                } else {
                    t.clone()
                }
            })
            .collect();
        let forbid = join_lines(&parts, "and");
        let mut f = when.clone();
        f.push(format!("forbid {forbid}"));
        forms.push(f);
    }
    let mut all_when: Vec<String> = rest
        .iter()
        .map(|(i, c)| condition_lines(c, scope, &at(*i)).map(|t| format!("when {t}")))
        .collect::<Result<_, _>>()?;
    if !existence && !manual {
        // A rule states a requirement; `forbid true` adds nothing to the
        // `when`s (it folds away) and flags every resource they select.
        all_when.push("forbid true".into());
    }
    forms.push(all_when);
    Ok(forms)
}

fn is_or(c: &Value) -> bool {
    c.as_object()
        .is_some_and(|o| o.len() == 1 && get(o, "anyOf").is_some())
}

fn role_names(d: &Map<String, Value>, at: &str) -> Result<Option<String>, Gap> {
    let Some(ids) = get(d, "roleDefinitionIds").and_then(Value::as_array) else {
        return Ok(None);
    };
    let mut names = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let guid = id
            .as_str()
            .and_then(|s| s.rsplit('/').next())
            .unwrap_or_default();
        let role = catalog()
            .roles
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(guid))
            .ok_or_else(|| {
                Gap::new(
                    &format!("{at}/roleDefinitionIds/{i}"),
                    format!("the role {id} (acrp names built-in roles it knows)"),
                )
            })?;
        names.push(string(role.name));
    }
    Ok(Some(format!("roles [{}]", names.join(", "))))
}

fn fix_clause(d: &Value, scope: &Scope, at: &str) -> Result<String, Gap> {
    let o = d
        .as_object()
        .ok_or_else(|| Gap::new(at, "details that are not an object"))?;
    if get_str(o, "conflictEffect").is_some_and(|c| !c.eq_ignore_ascii_case("audit")) {
        return Err(Gap::new(
            &format!("{at}/conflictEffect"),
            "a conflictEffect other than audit",
        ));
    }
    let ops = get(o, "operations")
        .and_then(Value::as_array)
        .ok_or_else(|| Gap::new(at, "modify details without operations"))?;
    let mut assignments = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let here = format!("{at}/operations/{i}");
        let op = op
            .as_object()
            .ok_or_else(|| Gap::new(&here, "an operation that is not an object"))?;
        if !get_str(op, "operation").is_some_and(|x| x.eq_ignore_ascii_case("addOrReplace")) {
            return Err(Gap::new(
                &here,
                "a modify operation other than addOrReplace",
            ));
        }
        if get(op, "condition").is_some() {
            return Err(Gap::new(&here, "a modify operation with a condition"));
        }
        let field =
            get_str(op, "field").ok_or_else(|| Gap::new(&here, "an operation without field"))?;
        let path = scope.field_path(field, &format!("{here}/field"))?;
        let value =
            get(op, "value").ok_or_else(|| Gap::new(&here, "an operation without value"))?;
        assignments.push(format!(
            "{path} = {}",
            operand(value, scope, &format!("{here}/value"))?
        ));
    }
    let mut s = format!("fix {}", assignments.join(", "));
    if let Some(r) = role_names(o, at)? {
        s.push_str(&format!(" {r}"));
    }
    Ok(s)
}

type Template = Option<(String, Value)>;

fn existence_clauses(
    d: &Value,
    id: &str,
    scope: &Scope,
    at: &str,
) -> Result<(Vec<String>, Template), Gap> {
    let o = d
        .as_object()
        .ok_or_else(|| Gap::new(at, "details that are not an object"))?;
    let ty = get_str(o, "type").ok_or_else(|| Gap::new(at, "existence details without type"))?;
    let related = catalog().kind_by_type(ty).ok_or_else(|| {
        Gap::new(
            &format!("{at}/type"),
            format!("the related type {ty}, which is not in acrpc's catalog"),
        )
    })?;
    let mut s = format!("require related {}", string(ty));
    if let Some(n) = get(o, "name") {
        s.push_str(&format!(
            " named {}",
            operand(n, scope, &format!("{at}/name"))?
        ));
    }
    if let Some(sc) = get_str(o, "existenceScope") {
        s.push_str(&format!(
            " in {}",
            scope_word(sc, &format!("{at}/existenceScope"))?
        ));
    }
    if let Some(delay) = get_str(o, "evaluationDelay") {
        if delay.eq_ignore_ascii_case("AfterProvisioning") {
            s.push_str(" after provisioning");
        } else {
            s.push_str(&format!(" after {}", string(delay)));
        }
    }
    if let Some(c) = get(o, "existenceCondition") {
        let mut inner = scope.clone();
        inner.kind = related;
        let w = condition_lines(c, &inner, &format!("{at}/existenceCondition"))?;
        // A long `where` goes on its own line under the related type.
        let sep = if s.len() + w.len() > 80 { "\n" } else { " " };
        s.push_str(&format!("{sep}where {w}"));
    }
    let mut clauses = vec![s];
    let Some(dep) = get(o, "deployment").and_then(Value::as_object) else {
        return Ok((clauses, None));
    };
    let here = format!("{at}/deployment");
    let dprops = get(dep, "properties")
        .and_then(Value::as_object)
        .ok_or_else(|| Gap::new(&here, "a deployment without properties"))?;
    if get_str(dprops, "mode").is_some_and(|m| !m.eq_ignore_ascii_case("incremental")) {
        return Err(Gap::new(
            &format!("{here}/properties/mode"),
            "a deployment mode other than Incremental",
        ));
    }
    let template = get(dprops, "template")
        .cloned()
        .ok_or_else(|| Gap::new(&here, "a deployment without an inline template"))?;
    let path = format!("templates/{id}.json");
    let mut s = format!("deploy {}", string(&path));
    if let Some(r) = role_names(o, at)? {
        s.push_str(&format!(" {r}"));
    }
    if let Some(sc) = get_str(o, "deploymentScope") {
        s.push_str(&format!(
            " in {}",
            scope_word(sc, &format!("{at}/deploymentScope"))?
        ));
    }
    if let Some(l) = get(dep, "location") {
        let l = l.as_str().filter(|l| !l.starts_with('[')).ok_or_else(|| {
            Gap::new(
                &format!("{here}/location"),
                "a deployment location that is an expression",
            )
        })?;
        s.push_str(&format!(" location {}", string(l)));
    }
    let params = get(dprops, "parameters").and_then(Value::as_object);
    let mut bindings = Vec::new();
    for (name, v) in params.into_iter().flatten() {
        let ph = format!("{here}/properties/parameters/{name}");
        if !is_ident(name) {
            return Err(Gap::new(
                &ph,
                "a template parameter name that is not an identifier",
            ));
        }
        let value = v
            .as_object()
            .and_then(|o| get(o, "value"))
            .ok_or_else(|| Gap::new(&ph, "a deployment parameter without value"))?;
        bindings.push(format!(
            "{name} = {}",
            operand(value, scope, &format!("{ph}/value"))?
        ));
    }
    if !bindings.is_empty() {
        s.push_str(&format!(" {{\n    {}\n  }}", bindings.join("\n    ")));
    }
    clauses.push(s);
    Ok((clauses, Some((path, template))))
}

fn scope_word(s: &str, at: &str) -> Result<&'static str, Gap> {
    if s.eq_ignore_ascii_case("subscription") {
        Ok("subscription")
    } else if s.eq_ignore_ascii_case("resourceGroup") {
        Ok("resourceGroup")
    } else {
        Err(Gap::new(at, format!("the scope {s:?}")))
    }
}
