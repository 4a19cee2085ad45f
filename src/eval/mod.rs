//! The Azure Policy evaluator: one rule (an acrpc checker rule or any policy
//! definition) against one resource, with Azure's documented semantics, and
//! an honest `unknown` wherever a value cannot be known before deployment.
//!
//! Effects (sources: policy-applicability, compliance-states, effect-*
//! docs; notes §8–§10): `disabled` is checked first and skips the rule;
//! for audit/deny/modify/append the `type`/`name`/`kind` conditions decide
//! applicability, then the whole `if` decides compliance; for
//! auditIfNotExists/deployIfNotExists the whole `if` decides applicability
//! and a related resource satisfying `existenceCondition` decides compliance.
#![allow(clippy::indexing_slicing)] // not yet worked down: 4 sites

pub mod compare;
mod cond;
pub mod fields;
pub mod rule;

pub use cond::{LeafObserver, Tri};
pub use rule::{
    Condition, Leaf, LeafId, Logic, Malformed, Mode, Rule, RuleError, from_checker,
    from_checker_value, from_definition, from_own_checker, from_pack,
};

use crate::catalog::catalog;
use crate::inputs::{Origin, Resource, member};
use crate::ir::Effect;
use cond::Scope;
use fields::GenericValues;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Why a value or condition cannot be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown(pub String);

impl Unknown {
    pub fn new(reason: impl Into<String>) -> Unknown {
        Unknown(reason.into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    NonCompliant,
    Unknown,
    Compliant,
    NotApplicable,
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

/// A leaf condition that decided a verdict, with the value seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The field (alias or generic field), `count`, or `value …`.
    pub subject: String,
    /// The ARM path read, when the subject is a field.
    pub path: Option<String>,
    /// The operator as the rule wrote it, and parsed.
    pub operator: String,
    pub op: crate::ir::Op,
    /// What the condition looked at.
    pub looked: Looked,
    pub expected: Value,
    /// The value seen; `None` when missing (or unknown).
    pub actual: Option<Value>,
    /// Whether the condition held.
    pub held: bool,
}

/// What a piece of evidence looked at.
#[derive(Debug, Clone, PartialEq)]
pub enum Looked {
    /// A field of the resource.
    Field,
    /// The expression of a `value` condition.
    Value,
    /// A count of `what` (an array path or a value count's name), with or without a
    /// `where`.
    Count { what: String, filtered: bool },
}

/// What a `modify` would change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub operation: String,
    pub field: String,
    pub path: Option<String>,
    pub value: Value,
    pub current: Option<Value>,
}

/// The verdict of one rule on one resource, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The effect in force, as written in the parameter (`Audit`, `Deny`, …).
    pub effect: String,
    /// Why the verdict is unknown or not applicable, or what an existence
    /// check looked for. Fixed reasons are borrowed: a not-applicable pair
    /// allocates nothing for its reason (610,000 pairs in the check bench).
    pub reason: Option<Cow<'static, str>>,
    pub evidence: Vec<Evidence>,
    pub changes: Vec<Change>,
    /// For existence effects: the related resource type looked for.
    pub related_type: Option<String>,
}

impl Outcome {
    /// `effect` is moved in where the caller owns it (one allocation per
    /// evaluation, not two).
    fn new(verdict: Verdict, effect: impl Into<String>) -> Outcome {
        Outcome {
            verdict,
            effect: effect.into(),
            reason: None,
            evidence: Vec::new(),
            changes: Vec::new(),
            related_type: None,
        }
    }

    fn because(mut self, reason: impl Into<Cow<'static, str>>) -> Outcome {
        self.reason = Some(reason.into());
        self
    }
}

/// Resources of an input by lower-case type, so that existence checks look
/// only at candidates of the related type (linear, not quadratic, in the
/// number of resources).
#[derive(Default)]
pub struct TypeIndex(std::collections::HashMap<String, Vec<usize>>);

impl TypeIndex {
    pub fn of(resources: &[Resource]) -> TypeIndex {
        let mut map: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            map.entry(r.ty.to_ascii_lowercase()).or_default().push(i);
        }
        TypeIndex(map)
    }
}

/// What else the evaluation can see.
#[derive(Default)]
pub struct Env<'a> {
    /// Every resource of the same input, searched for related resources.
    pub resources: &'a [Resource],
    /// `resources` by type; when empty, existence checks scan them all.
    pub index: TypeIndex,
    /// Parameter values given on the command line (`--param name=value`).
    pub overrides: Map<String, Value>,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    /// The input is an export of one resource (`az acr show`): it cannot
    /// hold related resources, so not finding one decides nothing.
    pub single_resource: bool,
    /// Told every leaf condition's outcome (coverage); `None` costs nothing.
    pub observer: Option<&'a dyn LeafObserver>,
}

impl Env<'_> {
    /// The resources of the input with this type (ignoring case).
    pub fn of_type(&self, ty: &str) -> Vec<&Resource> {
        if self.index.0.is_empty() {
            return self
                .resources
                .iter()
                .filter(|r| r.ty.eq_ignore_ascii_case(ty))
                .collect();
        }
        self.index
            .0
            .get(&ty.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|&i| &self.resources[i])
            .collect()
    }
}

/// The parameter values of a rule: overrides, else defaults.
pub fn parameter_values(rule: &Rule, overrides: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, decl) in &rule.parameters {
        let given = overrides
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v);
        if let Some(v) = given.or_else(|| decl.get("defaultValue")) {
            out.insert(name.clone(), v.clone());
        }
    }
    out
}

/// Evaluates `rule` on `resource`.
pub fn evaluate(rule: &Rule, resource: &Resource, env: &Env) -> Outcome {
    evaluate_with(rule, &parameter_values(rule, &env.overrides), resource, env)
}

/// `evaluate` with the rule's parameter values,
/// `parameter_values(rule, &env.overrides)`, computed by the caller: the
/// same for every resource a rule is checked on.
pub fn evaluate_with(
    rule: &Rule,
    params: &Map<String, Value>,
    resource: &Resource,
    env: &Env,
) -> Outcome {
    evaluate_prepared(rule, params, resource, &GenericValues::of(resource), env)
}

/// `evaluate_with` with the resource's generic field values,
/// `GenericValues::of(resource)`, computed by the caller: the same for
/// every rule checked on the resource (`check::run` builds them once per
/// resource instead of once per resource × rule).
pub fn evaluate_prepared(
    rule: &Rule,
    params: &Map<String, Value>,
    resource: &Resource,
    generic: &GenericValues,
    env: &Env,
) -> Outcome {
    let mut scope = new_scope(rule, resource, generic, params, env);
    let effect = match scope.operand(&rule.logic.effect).map(Cow::into_owned) {
        Ok(Value::String(e)) => e,
        Ok(other) => {
            return Outcome::new(Verdict::Unknown, "?")
                .because(format!("the effect is not a string: {other}"));
        }
        Err(u) => return Outcome::new(Verdict::Unknown, "?").because(u.0),
    };
    let Some(kind) = Effect::parse(&effect) else {
        return Outcome::new(Verdict::Unknown, effect.clone()).because(format!(
            "`{effect}` is not an Azure Policy effect acrpc evaluates"
        ));
    };
    // effect-basics: `disabled` is checked first.
    if kind == Effect::Disabled {
        return Outcome::new(Verdict::NotApplicable, effect).because("the effect is Disabled");
    }
    if let Some(reason) = outside_mode(rule, resource) {
        return Outcome::new(Verdict::NotApplicable, effect).because(reason);
    }
    let condition = &rule.logic.condition;
    if matches!(kind, Effect::AuditIfNotExists | Effect::DeployIfNotExists) {
        return match scope.eval(condition) {
            Ok(false) => Outcome::new(Verdict::NotApplicable, effect)
                .because("the policy rule's `if` is false, so the existence check does not apply"),
            Err(u) => Outcome::new(Verdict::Unknown, effect).because(u.0),
            Ok(true) => existence(rule, resource, generic, env, params, &effect),
        };
    }
    // Applicability (policy-applicability): only type/name/kind conditions
    // count, the others as true (false under `not`). That pass can only
    // turn conditions true, so where the whole `if` is true the resource is
    // applicable: the pass is needed only when the `if` is not true.
    let applicable = |scope: &mut Scope| {
        scope.applicability = true;
        let a = scope.eval(condition);
        scope.applicability = false;
        a
    };
    if matches!(kind, Effect::Manual | Effect::DenyAction) {
        return match applicable(&mut scope) {
            Ok(false) => not_applicable(effect),
            Err(u) => Outcome::new(Verdict::Unknown, effect).because(u.0),
            Ok(true) if kind == Effect::Manual => Outcome::new(Verdict::Unknown, effect)
                .because("a manual rule is attested by people, not evaluated"),
            Ok(true) => Outcome::new(Verdict::NotApplicable, effect)
                .because("denyAction blocks delete requests; a resource body has nothing to check"),
        };
    }
    match scope.eval(condition) {
        Ok(true) => {
            let mut out = Outcome::new(Verdict::NonCompliant, effect);
            scope.explain(condition, true, &mut out.evidence);
            if kind == Effect::Modify {
                out.changes = planned_changes(&scope, &rule.policy_rule["then"]);
            }
            out
        }
        full => match (applicable(&mut scope), full) {
            (Ok(false), _) => not_applicable(effect),
            (Err(u), _) | (Ok(true), Err(u)) => Outcome::new(Verdict::Unknown, effect).because(u.0),
            (Ok(true), Ok(_)) => Outcome::new(Verdict::Compliant, effect),
        },
    }
}

fn not_applicable(effect: String) -> Outcome {
    Outcome::new(Verdict::NotApplicable, effect)
        .because("the type, name or kind conditions exclude this resource")
}

fn new_scope<'a>(
    rule: &'a Rule,
    resource: &'a Resource,
    generic: &'a GenericValues,
    params: &'a Map<String, Value>,
    env: &'a Env,
) -> Scope<'a> {
    Scope {
        resource,
        generic,
        params,
        subscription_id: resource
            .subscription_id
            .as_deref()
            .or(env.subscription_id.as_deref()),
        resource_group: resource
            .resource_group
            .as_deref()
            .or(env.resource_group.as_deref()),
        fields: Vec::new(),
        values: Vec::new(),
        applicability: false,
        observer: env.observer.map(|o| (o, rule)),
    }
}

/// Indexed mode evaluates only types that support tags and location
/// (definition-structure-basics, Mode); Azure never evaluates resources of
/// `Microsoft.Resources` other than subscriptions and resource groups
/// (policy-applicability).
fn outside_mode(rule: &Rule, resource: &Resource) -> Option<String> {
    let ty = resource.ty.as_str();
    let is = |t: &str| ty.eq_ignore_ascii_case(t);
    if ty
        .get(.."microsoft.resources/".len())
        .is_some_and(|p| p.eq_ignore_ascii_case("microsoft.resources/"))
        && !is("microsoft.resources/subscriptions")
        && !is("microsoft.resources/subscriptions/resourcegroups")
    {
        return Some(format!("Azure Policy does not evaluate {}", resource.ty));
    }
    let kind = catalog().kind_by_type(&resource.ty)?;
    (rule.mode == Mode::Indexed && !kind.taggable).then(|| {
        format!(
            "mode Indexed evaluates only types that support tags and location; {} does not",
            resource.ty
        )
    })
}

/// auditIfNotExists/deployIfNotExists: a related resource of `details.type`
/// (a child, an extension resource scoped to this one, or a resource in the
/// same input) that satisfies `existenceCondition` makes the resource
/// compliant (effect-audit-if-not-exists doc).
fn existence(
    rule: &Rule,
    resource: &Resource,
    generic: &GenericValues,
    env: &Env,
    params: &Map<String, Value>,
    effect: &str,
) -> Outcome {
    let scope = new_scope(rule, resource, generic, params, env);
    let details = &rule.policy_rule["then"]["details"];
    let ty = match scope.resolve(details.get("type").unwrap_or(&Value::Null)) {
        Ok(Value::String(t)) => t,
        Ok(_) => {
            return Outcome::new(Verdict::Unknown, effect).because("details.type is not a string");
        }
        Err(u) => return Outcome::new(Verdict::Unknown, effect).because(u.0),
    };
    let name = match details.get("name").map(|n| scope.resolve(n)) {
        None => None,
        Some(Ok(Value::String(n))) => Some(n),
        Some(Ok(_)) => None,
        Some(Err(u)) => return Outcome::new(Verdict::Unknown, effect).because(u.0),
    };
    let mut out = Outcome::new(Verdict::NonCompliant, effect);
    out.related_type = Some(ty.clone());
    let listed = listed_children(resource, &ty);
    let scope_kind = details
        .get("existenceScope")
        .and_then(Value::as_str)
        .unwrap_or("ResourceGroup")
        .to_ascii_lowercase();
    let pool = env.of_type(&ty);
    let mut candidates: Vec<&Resource> = pool
        .into_iter()
        .filter(|c| is_related(resource, c, &ty, name.as_deref(), &scope_kind))
        .collect();
    for child in &listed {
        let known = candidates
            .iter()
            .any(|c| c.full_name.eq_ignore_ascii_case(&child.full_name));
        if !known
            && name
                .as_deref()
                .is_none_or(|n| compare::fold_eq(child.name(), n))
        {
            candidates.push(child);
        }
    }
    let named = name
        .as_deref()
        .map(|n| format!(" named `{n}`"))
        .unwrap_or_default();
    if candidates.is_empty() && written_by_azure(&ty) && resource.origin != Origin::Export {
        let mut o = Outcome::new(Verdict::Unknown, effect).because(format!(
            "{ty} is written by Azure after deployment (Defender), so a deployment input cannot carry it"
        ));
        o.related_type = Some(ty);
        return o;
    }
    if candidates.is_empty() && env.single_resource {
        let mut o = Outcome::new(Verdict::Unknown, effect).because(format!(
            "the input is an export of this one resource, which cannot contain a related {ty}{named}; export the resource group or subscription (Resource Graph, az resource list), or pass --complete-scope if the input holds everything in scope"
        ));
        o.related_type = Some(ty);
        return o;
    }
    if candidates.is_empty() {
        return out.because(format!(
            "looked for a related {ty}{named} in the same input and found none"
        ));
    }
    let Some(condition) = &rule.logic.existence_condition else {
        return Outcome::new(Verdict::Compliant, effect);
    };
    let mut unknown = None;
    for c in &candidates {
        let g = GenericValues::of(c);
        let mut s = new_scope(rule, c, &g, params, env);
        match s.eval(condition) {
            Ok(true) => {
                let mut ok = Outcome::new(Verdict::Compliant, effect);
                ok.related_type = Some(ty);
                return ok;
            }
            Ok(false) => {}
            Err(u) => unknown = unknown.or(Some(u)),
        }
    }
    if let Some(u) = unknown {
        let mut o = Outcome::new(Verdict::Unknown, effect).because(u.0);
        o.related_type = Some(ty);
        return o;
    }
    if let Some(first) = candidates.first() {
        let g = GenericValues::of(first);
        let mut s = new_scope(rule, first, &g, params, env);
        s.explain(condition, false, &mut out.evidence);
    }
    out.because(format!(
        "{} related {ty}{named} found; none satisfies the existenceCondition",
        candidates.len()
    ))
}

/// Child resources a resource body lists itself: a registry's GET body
/// carries its `privateEndpointConnections`, which ARM also serves as the
/// child resources `registries/privateEndpointConnections`.
fn listed_children(resource: &Resource, ty: &str) -> Vec<Resource> {
    let prefix = format!("{}/", resource.ty);
    let Some(segment) = ty
        .get(..prefix.len())
        .filter(|p| compare::fold_eq(p, &prefix))
        .map(|_| &ty[prefix.len()..])
    else {
        return Vec::new();
    };
    if !segment.eq_ignore_ascii_case("privateEndpointConnections") {
        return Vec::new();
    }
    // Property names match ignoring case (PowerShell exports capitalise them).
    let items = member(&resource.body, "properties")
        .and_then(|p| member(p, "privateEndpointConnections"))
        .and_then(Value::as_array);
    items
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, item)| {
            let own = item
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    item.get("id")
                        .and_then(Value::as_str)
                        .and_then(|id| id.rsplit('/').next())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| format!("connection-{i}"));
            let mut child = resource.clone();
            child.ty = ty.to_string();
            child.full_name = format!("{}/{own}", resource.full_name);
            child.id = resource
                .id
                .as_ref()
                .map(|id| format!("{id}/privateEndpointConnections/{own}"));
            child.scope = None;
            child.body = item.clone();
            child
        })
        .collect()
}

/// Related types no template deploys: Azure writes them about a resource
/// after it exists (Defender assessments of its images).
fn written_by_azure(ty: &str) -> bool {
    [
        "Microsoft.Security/assessments",
        "Microsoft.Security/assessments/subAssessments",
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(ty))
}

/// Is `candidate` a related resource of `resource` for `ty`/`name`?
fn is_related(
    resource: &Resource,
    candidate: &Resource,
    ty: &str,
    name: Option<&str>,
    existence_scope: &str,
) -> bool {
    if std::ptr::eq(resource, candidate) || !candidate.ty.eq_ignore_ascii_case(ty) {
        return false;
    }
    if name.is_some_and(|n| !compare::fold_eq(candidate.name(), n)) {
        return false;
    }
    let child_prefix = format!("{}/", resource.ty);
    if compare::fold_eq(
        ty.get(..child_prefix.len()).unwrap_or_default(),
        &child_prefix,
    ) {
        // A child type: it must be this resource's child.
        let parent = format!("{}/", resource.full_name.to_ascii_lowercase());
        return candidate
            .full_name
            .to_ascii_lowercase()
            .starts_with(&parent);
    }
    match &candidate.scope {
        Some(s) => resource.is_scope_of(s),
        // Otherwise Azure looks in the evaluated resource's resource group,
        // or its subscription with `existenceScope: Subscription`
        // (effect-audit-if-not-exists doc, `type`). Unknown placement (a
        // template) is the same deployment.
        None => {
            let differ = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(x), Some(y)) if !x.eq_ignore_ascii_case(y));
            let other_subscription = differ(&resource.subscription_id, &candidate.subscription_id);
            let other_group = differ(&resource.resource_group, &candidate.resource_group);
            !(other_subscription || (existence_scope != "subscription" && other_group))
        }
    }
}

/// The operations of a modify rule, with the values they would replace.
fn planned_changes(scope: &Scope, then: &Value) -> Vec<Change> {
    let ops = then["details"]["operations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    ops.iter()
        .map(|op| {
            let field = op["field"].as_str().unwrap_or_default().to_string();
            let current = match scope.read(&field, op.get("path").and_then(Value::as_str)) {
                Ok(fields::Found::One(v)) => v.cloned(),
                _ => None,
            };
            Change {
                operation: op["operation"].as_str().unwrap_or_default().to_string(),
                path: op.get("path").and_then(Value::as_str).map(str::to_string),
                value: scope.resolve(&op["value"]).unwrap_or(Value::Null),
                current,
                field,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::export;
    use serde_json::json;

    fn rule(mode: &str, effect: &str, condition: Value, details: Option<Value>) -> Rule {
        let mut then = json!({"effect": "[parameters('effect')]"});
        if let Some(d) = details {
            then["details"] = d;
        }
        let def = json!({"name": "r", "properties": {"mode": mode,
            "parameters": {"effect": {"type": "String", "defaultValue": effect}},
            "policyRule": {"if": condition, "then": then}}});
        from_definition(&def, "r.json").unwrap().remove(0)
    }

    fn registry(props: Value, rg: &str) -> Value {
        json!({"id": format!("/subscriptions/s/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/acr"),
            "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope", "properties": props})
    }

    fn verdict(rule: &Rule, resources: &[Value]) -> Outcome {
        let rs = export::load(&Value::Array(resources.to_vec()), "t", "");
        let env = Env {
            resources: &rs,
            index: TypeIndex::of(&rs),
            ..Env::default()
        };
        evaluate(rule, &rs[0], &env)
    }

    const TYPE: &str = "Microsoft.ContainerRegistry/registries";

    #[test]
    fn only_type_name_kind_decide_applicability() {
        // policy-applicability: for audit/deny, other conditions count as true.
        let r = rule(
            "All",
            "Audit",
            json!({"allOf": [{"field": "type", "equals": TYPE},
            {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}]}),
            None,
        );
        assert_eq!(
            verdict(&r, &[registry(json!({"adminUserEnabled": false}), "g")]).verdict,
            Verdict::Compliant
        );
        assert_eq!(
            verdict(&r, &[registry(json!({"adminUserEnabled": true}), "g")]).verdict,
            Verdict::NonCompliant
        );
        let other = json!({"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateEndpoints/pe",
            "name": "pe", "type": "Microsoft.Network/privateEndpoints", "properties": {}});
        assert_eq!(verdict(&r, &[other]).verdict, Verdict::NotApplicable);
    }

    #[test]
    fn disabled_is_checked_first() {
        // effect-basics, order of evaluation.
        let r = rule(
            "All",
            "Disabled",
            json!({"field": "type", "equals": TYPE}),
            None,
        );
        assert_eq!(
            verdict(&r, &[registry(json!({}), "g")]).verdict,
            Verdict::NotApplicable
        );
    }

    #[test]
    fn indexed_mode_skips_types_without_tags() {
        // definition-structure-basics, Mode: Indexed evaluates taggable types only.
        let r = rule(
            "Indexed",
            "Audit",
            json!({"field": "type", "equals": "Microsoft.ContainerRegistry/registries/scopeMaps"}),
            None,
        );
        let sm = json!({"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr/scopeMaps/m",
            "name": "m", "type": "Microsoft.ContainerRegistry/registries/scopeMaps", "properties": {}});
        assert_eq!(verdict(&r, &[sm]).verdict, Verdict::NotApplicable);
    }

    #[test]
    fn existence_effects_follow_the_whole_if_and_the_existence_scope() {
        // effect-audit-if-not-exists: related resources in the same resource group.
        let details = json!({"type": "Microsoft.Network/privateEndpoints"});
        let r = rule(
            "All",
            "AuditIfNotExists",
            json!({"allOf": [{"field": "type", "equals": TYPE},
            {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}]}),
            Some(details),
        );
        let pe = |rg: &str| {
            json!({"id": format!("/subscriptions/s/resourceGroups/{rg}/providers/Microsoft.Network/privateEndpoints/pe"),
            "name": "pe", "type": "Microsoft.Network/privateEndpoints", "properties": {}})
        };
        // The whole `if` false: not applicable (policy-applicability).
        assert_eq!(
            verdict(&r, &[registry(json!({"adminUserEnabled": false}), "g")]).verdict,
            Verdict::NotApplicable
        );
        let reg = registry(json!({"adminUserEnabled": true}), "g");
        let missing = verdict(&r, std::slice::from_ref(&reg));
        assert_eq!(missing.verdict, Verdict::NonCompliant);
        assert_eq!(
            missing.related_type.as_deref(),
            Some("Microsoft.Network/privateEndpoints")
        );
        assert_eq!(
            verdict(&r, &[reg.clone(), pe("g")]).verdict,
            Verdict::Compliant
        );
        assert_eq!(
            verdict(&r, &[reg, pe("other")]).verdict,
            Verdict::NonCompliant
        );
    }

    #[test]
    fn a_parameter_without_value_is_unknown_not_a_pass() {
        let def = json!({"properties": {"mode": "All", "parameters": {"effect": {"type": "String", "defaultValue": "Audit"},
                "allowed": {"type": "Array"}},
            "policyRule": {"if": {"allOf": [{"field": "type", "equals": TYPE},
                {"field": "location", "notIn": "[parameters('allowed')]"}]}, "then": {"effect": "[parameters('effect')]"}}}});
        let r = from_definition(&def, "p.json").unwrap().remove(0);
        let out = verdict(&r, &[registry(json!({}), "g")]);
        assert_eq!(out.verdict, Verdict::Unknown);
        assert!(out.reason.unwrap().contains("allowed"));
    }

    #[test]
    fn an_effect_azure_does_not_know_is_unknown() {
        let r = rule(
            "All",
            "Auditt",
            json!({"field": "type", "equals": TYPE}),
            None,
        );
        let out = verdict(&r, &[registry(json!({}), "g")]);
        assert_eq!(out.verdict, Verdict::Unknown);
        assert!(out.reason.unwrap().contains("`Auditt`"));
    }

    /// Records (rule, leaf index, outcome) for the observer test.
    struct Recorder(std::sync::Mutex<Vec<(String, usize, Option<bool>)>>);

    impl LeafObserver for Recorder {
        fn leaf(&self, rule: &Rule, leaf: &LeafId, outcome: &Tri) {
            if let Ok(mut seen) = self.0.lock() {
                seen.push((rule.id.clone(), leaf.index, outcome.clone().ok()));
            }
        }
    }

    #[test]
    fn an_observer_sees_every_leaf_outcome() {
        let r = rule(
            "All",
            "Audit",
            json!({"allOf": [{"field": "type", "equals": TYPE},
            {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true},
            {"field": "Microsoft.Nope/unknownAlias", "equals": 1}]}),
            None,
        );
        let rs = export::load(
            &Value::Array(vec![registry(json!({"adminUserEnabled": false}), "g")]),
            "t",
            "",
        );
        let recorder = Recorder(std::sync::Mutex::new(Vec::new()));
        let env = Env {
            resources: &rs,
            observer: Some(&recorder),
            ..Env::default()
        };
        assert_eq!(evaluate(&r, &rs[0], &env).verdict, Verdict::Compliant);
        let seen = recorder.0.into_inner().unwrap();
        // The full `if` stops at the first false leaf; the applicability
        // pass then evaluates the type gate again.
        assert_eq!(
            seen,
            [
                ("r".to_string(), 0, Some(true)),
                ("r".to_string(), 1, Some(false)),
                ("r".to_string(), 0, Some(true)),
            ]
        );
    }
}
