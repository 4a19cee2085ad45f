//! `assignment`, `exemption` and `environment` items → IR assignments,
//! role assignments and exemptions.
//!
//! Azure's limits checked here, with their sources:
//! - assignment names: at most 24 characters at management-group scope, 64
//!   elsewhere (ARM's `InvalidPolicyAssignmentName` error, "must not exceed
//!   '24' characters", Azure/azure-cli#10176; EPAC's
//!   `Get-PolicyResourceLengthError`: "64 characters (24 for Assignments at
//!   Management Group scope)"), and none of `<>*%&:\?.+/` nor a trailing
//!   space (the REST API's `policyAssignmentName` pattern, Policy Assignments
//!   - Create);
//! - at most 10 resource selectors and 10 overrides per assignment, at most
//!   50 values in one selector's `in`/`notIn`, each selector kind once per
//!   resource selector, `resourceWithoutLocation` not with `resourceLocation`
//!   (Azure/terraform-provider-alz, the architecture data source's
//!   `resource_selectors` and `overrides` validators);
//! - selector and override kinds: `Selector.kind` and `Override.kind` of
//!   `reference/schemas/arm/2026-06-01/Microsoft.Authorization.json`;
//! - an identity (and its location) is required when a member can run
//!   Modify or DeployIfNotExists (assignment-structure, "Identity").

use super::meta::MetaTable;
use super::rule::{json_eq_ci, param_value};
use super::{check_id, stable_name};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::ir::{self, Effect};
use crate::syntax::ast::{Ident, Literal, Placement, PlacementClause, PlacementKind, SelectorItem};
use serde_json::Value;

/// Azure's limits (see the module comment for sources).
pub const MAX_ASSIGNMENT_NAME_MG: usize = 24;
pub const MAX_ASSIGNMENT_NAME: usize = 64;
pub const MAX_EXEMPTION_NAME: usize = 64;
pub const MAX_RESOURCE_SELECTORS: usize = 10;
pub const MAX_OVERRIDES: usize = 10;
pub const MAX_SELECTOR_VALUES: usize = 50;

const ASSIGNMENT_KEYS: &[&str] = &[
    "title",
    "description",
    "scope",
    "enforcement",
    "not-scopes",
    "definition-version",
    "identity",
    "location",
    "message",
];
const EXEMPTION_KEYS: &[&str] = &[
    "title",
    "description",
    "scope",
    "category",
    "expires",
    "members",
    "ticket",
];
const ENVIRONMENT_KEYS: &[&str] = &["title", "scope", "enforcement"];

/// What the rest of the pack offers to placements.
pub struct Inputs<'a> {
    pub pack_id: &'a str,
    /// The pack's scope (or `--scope`): where definitions live.
    pub pack_scope: Option<&'a str>,
    pub definitions: &'a [ir::Definition],
    pub initiatives: &'a [ir::Initiative],
    /// `--env`, with the span to report an unknown name at.
    pub env: Option<&'a str>,
    pub env_span: Span,
    /// Today (`YYYY-MM-DD`) for expiry warnings; `None` skips them.
    pub today: Option<&'a str>,
}

pub struct Lowered {
    pub assignments: Vec<ir::Assignment>,
    pub exemptions: Vec<ir::Exemption>,
    /// The scope of the `--env` environment, if it has one: where the
    /// pack's definitions live when neither `--scope` nor the pack says.
    pub env_scope: Option<String>,
}

pub fn lower_placements(
    items: &[&Placement],
    inputs: &Inputs,
    diags: &mut Vec<Diagnostic>,
) -> Lowered {
    check_duplicates(items, diags);
    let of_kind = |k: PlacementKind| items.iter().copied().filter(move |p| p.kind == k);
    let envs: Vec<Environment> = of_kind(PlacementKind::Environment)
        .map(|p| environment(p, diags))
        .collect();
    let env = select_env(&envs, inputs, diags);
    let assignments: Vec<ir::Assignment> = of_kind(PlacementKind::Assignment)
        .filter_map(|p| assignment(p, inputs, env, diags))
        .collect();
    let exemptions = of_kind(PlacementKind::Exemption)
        .filter_map(|p| exemption(p, inputs, &assignments, diags))
        .collect();
    check_env_values(&envs, of_kind(PlacementKind::Assignment), inputs, diags);
    Lowered {
        assignments,
        exemptions,
        env_scope: env.and_then(|e| e.scope.clone()),
    }
}

fn check_duplicates(items: &[&Placement], diags: &mut Vec<Diagnostic>) {
    for (i, p) in items.iter().enumerate() {
        if let Some(prev) = items
            .get(..i)
            .unwrap_or_default()
            .iter()
            .find(|q| q.kind == p.kind && q.id.name == p.id.name)
        {
            diags.push(
                Diagnostic::new(
                    Code::E1013,
                    p.id.span,
                    format!("{} `{}` is defined twice", p.kind.keyword(), p.id.name),
                )
                .with_label("second definition")
                .with_related(prev.id.span, "first defined here")
                .with_help("names become Azure resource names; rename one of them"),
            );
        }
    }
}

// ------------------------------------------------------------ environments

struct Environment<'a> {
    id: &'a Ident,
    scope: Option<String>,
    enforce: Option<bool>,
    values: Vec<(&'a Ident, &'a Literal)>,
}

fn environment<'a>(p: &'a Placement, diags: &mut Vec<Diagnostic>) -> Environment<'a> {
    check_id(&p.id, "environment", diags);
    let t = table(p, ENVIRONMENT_KEYS, "environment", diags);
    reject_clauses(p, false, diags);
    Environment {
        id: &p.id,
        scope: scope_value(&t, diags).map(|s| s.0),
        enforce: enforcement(&t, diags),
        values: values(p),
    }
}

fn select_env<'e, 'a>(
    envs: &'e [Environment<'a>],
    inputs: &Inputs,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'e Environment<'a>> {
    let name = inputs.env?;
    let found = envs.iter().find(|e| e.id.name == name);
    if found.is_none() {
        let mut d = Diagnostic::new(
            Code::E1012,
            inputs.env_span,
            format!("this pack has no environment `{name}`"),
        )
        .with_label("unknown environment");
        let names: Vec<&str> = envs.iter().map(|e| e.id.name.as_str()).collect();
        d = match did_you_mean(name, names.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None if names.is_empty() => {
                d.with_help("declare one: `environment prod { scope \"/subscriptions/…\" }`")
            }
            None => d.with_help(format!("its environments: {}", names.join(", "))),
        };
        diags.push(d);
    }
    found
}

/// An environment's value applies to the assignments that have the
/// parameter; one that no assignment has is a typo, not a silent no-op.
fn check_env_values<'a>(
    envs: &[Environment],
    assignments: impl Iterator<Item = &'a Placement>,
    inputs: &Inputs,
    diags: &mut Vec<Diagnostic>,
) {
    let mut quiet = Vec::new();
    let targets: Vec<Target> = assignments
        .filter_map(|p| resolve_target(p.of.as_ref()?, inputs, &mut quiet))
        .collect();
    if targets.is_empty() {
        return;
    }
    let names: Vec<&str> = targets
        .iter()
        .flat_map(|t| {
            t.effects
                .map(|_| "effect")
                .into_iter()
                .chain(t.params.iter().map(|p| p.name.as_str()))
        })
        .collect();
    for e in envs {
        for (name, _) in &e.values {
            if targets.iter().any(|t| has_param(t, &name.name)) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::E1002,
                name.span,
                format!("no assignment of the pack has a parameter `{}`", name.name),
            )
            .with_label("this value would apply nowhere");
            if let Some(s) = did_you_mean(&name.name, names.iter().copied()) {
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_suggestion(format!("use `{s}`"), s);
            }
            diags.push(d);
        }
    }
}

// ------------------------------------------------------------ assignments

/// The assigned definition or initiative, seen through what an assignment
/// needs: its parameters, its members and the effects they can take.
struct Target<'a> {
    assigned: ir::Assigned,
    params: Vec<&'a ir::Param>,
    /// For a single definition, its `effect` parameter.
    effects: Option<(&'a [Effect], Effect)>,
    /// Member reference id → definition.
    members: Vec<(&'a str, &'a ir::Definition)>,
    initiative: Option<&'a ir::Initiative>,
}

fn resolve_target<'a>(
    of: &Ident,
    inputs: &Inputs<'a>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Target<'a>> {
    if let Some(i) = inputs.initiatives.iter().find(|i| i.id == of.name) {
        let members = i
            .members
            .iter()
            .filter_map(|m| {
                let d = inputs
                    .definitions
                    .iter()
                    .find(|d| d.id == m.definition_id)?;
                Some((m.reference_id.as_str(), d))
            })
            .collect();
        return Some(Target {
            assigned: ir::Assigned::Initiative {
                id: i.id.clone(),
                name: i.name.clone(),
            },
            params: i.params.iter().collect(),
            effects: None,
            members,
            initiative: Some(i),
        });
    }
    if let Some(d) = inputs.definitions.iter().find(|d| d.id == of.name) {
        return Some(Target {
            assigned: ir::Assigned::Definition {
                id: d.id.clone(),
                name: d.name.clone(),
            },
            params: d.params.iter().collect(),
            effects: Some((&d.effects, d.default_effect)),
            members: vec![(d.id.as_str(), d)],
            initiative: None,
        });
    }
    let names = inputs
        .initiatives
        .iter()
        .map(|i| i.id.as_str())
        .chain(inputs.definitions.iter().map(|d| d.id.as_str()));
    let mut d = Diagnostic::new(
        Code::E1001,
        of.span,
        format!("no initiative or rule named `{}`", of.name),
    )
    .with_label("nothing to assign");
    if let Some(s) = did_you_mean(&of.name, names) {
        d = d
            .with_help(format!("did you mean `{s}`?"))
            .with_suggestion(format!("use `{s}`"), s);
    }
    diags.push(d);
    None
}

fn assignment(
    p: &Placement,
    inputs: &Inputs,
    env: Option<&Environment>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Assignment> {
    check_id(&p.id, "assignment", diags);
    let t = table(p, ASSIGNMENT_KEYS, "assignment", diags);
    let target = resolve_target(p.of.as_ref()?, inputs, diags)?;
    let own_scope = scope_value(&t, diags);
    let scope = env
        .and_then(|e| e.scope.clone())
        .or_else(|| own_scope.map(|s| s.0))
        .or_else(|| inputs.pack_scope.map(str::to_string));
    check_assignment_name(&p.id, scope.as_deref(), diags);
    let enforce = env
        .and_then(|e| e.enforce)
        .or_else(|| enforcement(&t, diags))
        .unwrap_or(true);
    let mut given: Vec<(&Ident, &Literal)> = values(p);
    if let Some(e) = env {
        // An environment's values replace the assignment's, for the
        // parameters this assignment has (an environment serves several).
        for (name, value) in &e.values {
            if has_param(&target, &name.name) {
                given.retain(|(n, _)| n.name != name.name);
                given.push((name, value));
            }
        }
    }
    let parameters = parameter_values(&p.id, &given, &target, diags);
    let identity = identity(&t, diags);
    let location = t.string("location", diags);
    check_identity(p, &target, identity.as_ref(), &location, diags);
    let mut resource_selectors = Vec::new();
    let mut overrides = Vec::new();
    let mut messages: Vec<(Option<String>, String)> = Vec::new();
    if let Some((m, _)) = t.string("message", diags) {
        messages.push((None, m));
    }
    for c in &p.clauses {
        match c {
            PlacementClause::Selector(s) => {
                if let Some(rs) = resource_selector(s, diags) {
                    resource_selectors.push(rs);
                }
            }
            PlacementClause::Override {
                what,
                value,
                members,
                ..
            } => {
                if let Some(o) = override_(what, value, members.as_ref(), &target, diags) {
                    overrides.push(o);
                }
            }
            PlacementClause::MemberMessage { member, text, .. }
                if member_ref(member, &target, "message", diags) =>
            {
                messages.push((Some(member.name.clone()), text.0.clone()));
            }
            _ => {}
        }
    }
    count_limit(
        p,
        resource_selectors.len(),
        MAX_RESOURCE_SELECTORS,
        "resource selectors",
        diags,
    );
    count_limit(p, overrides.len(), MAX_OVERRIDES, "overrides", diags);
    let not_scopes = t.strings("not-scopes", diags);
    if let Some(m) = t.get("not-scopes") {
        for s in &not_scopes {
            check_scope(s, m.value.span(), diags);
        }
    }
    let role_assignments = role_assignments(
        inputs.pack_id,
        &p.id.name,
        scope.as_deref(),
        &target,
        &parameters,
        identity.is_some(),
    );
    Some(ir::Assignment {
        id: p.id.name.clone(),
        display_name: t
            .string("title", diags)
            .map_or_else(|| p.id.name.clone(), |x| x.0),
        description: t.string("description", diags).map(|x| x.0),
        scope,
        environment: env.map(|e| e.id.name.clone()),
        assigned: target.assigned.clone(),
        definition_version: t.string("definition-version", diags).map(|x| x.0),
        enforce,
        not_scopes,
        parameters,
        messages,
        resource_selectors,
        overrides,
        identity,
        location: location.map(|x| x.0),
        role_assignments,
    })
}

fn has_param(target: &Target, name: &str) -> bool {
    (name == "effect" && target.effects.is_some()) || target.params.iter().any(|p| p.name == name)
}

/// Checks every `param x = v` against the target's parameters, then
/// requires a value for each parameter without a default. Returns the
/// values in the target's parameter order.
fn parameter_values(
    id: &Ident,
    given: &[(&Ident, &Literal)],
    target: &Target,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for (name, value) in given {
        if name.name == "effect"
            && let Some((effects, _)) = target.effects
        {
            if let Some(v) = effect_value(value, effects, diags) {
                out.push(("effect".into(), v));
            }
            continue;
        }
        let Some(param) = target.params.iter().find(|p| p.name == name.name) else {
            diags.push(unknown_param(name, target));
            continue;
        };
        let Some(v) = param_value(value, param.ty, param.is_effect, diags) else {
            continue;
        };
        if let Some(allowed) = &param.allowed
            && !allowed.iter().any(|a| json_eq_ci(a, &v))
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            diags.push(
                Diagnostic::new(
                    Code::E1003,
                    value.span(),
                    format!("{v} is not an allowed value of `{}`", param.name),
                )
                .with_label("not allowed")
                .with_help(format!("allowed: {}", list.join(", "))),
            );
            continue;
        }
        out.push((param.name.clone(), v));
    }
    for p in &target.params {
        if p.default.is_none() && !out.iter().any(|(n, _)| *n == p.name) {
            diags.push(
                Diagnostic::new(
                    Code::E1004,
                    id.span,
                    format!("parameter `{}` has no default and no value here", p.name),
                )
                .with_label("unbound parameter")
                .with_help(format!(
                    "Azure rejects the assignment without it; add `param {} = …`",
                    p.name
                )),
            );
        }
    }
    let order = |n: &str| {
        target
            .params
            .iter()
            .position(|p| p.name == n)
            .map_or(0, |i| i + 1)
    };
    out.sort_by_key(|(n, _)| order(n));
    out
}

fn effect_value(value: &Literal, effects: &[Effect], diags: &mut Vec<Diagnostic>) -> Option<Value> {
    let word = match value {
        Literal::Word(w, _) | Literal::Str(w, _) => w,
        other => {
            diags.push(
                Diagnostic::new(
                    Code::E0304,
                    other.span(),
                    format!("an effect cannot be {}", other.shape()),
                )
                .with_label("expected an effect"),
            );
            return None;
        }
    };
    match Effect::parse(word).filter(|e| effects.contains(e)) {
        Some(e) => Some(Value::String(e.as_azure_str().into())),
        None => {
            let has: Vec<&str> = effects.iter().map(|e| e.as_azure_str()).collect();
            diags.push(
                Diagnostic::new(
                    Code::E1003,
                    value.span(),
                    format!("`{word}` is not an allowed effect of this rule"),
                )
                .with_label("not allowed")
                .with_help(format!("allowed: {}", has.join(", "))),
            );
            None
        }
    }
}

fn unknown_param(name: &Ident, target: &Target) -> Diagnostic {
    let names: Vec<&str> = target
        .effects
        .map(|_| "effect")
        .into_iter()
        .chain(target.params.iter().map(|p| p.name.as_str()))
        .collect();
    let what = match &target.assigned {
        ir::Assigned::Initiative { id, .. } | ir::Assigned::Definition { id, .. } => id,
    };
    let mut d = Diagnostic::new(
        Code::E1002,
        name.span,
        format!("`{what}` has no parameter `{}`", name.name),
    )
    .with_label("not a parameter of the assigned definition");
    d = match did_you_mean(&name.name, names.iter().copied()) {
        Some(s) => d
            .with_help(format!("did you mean `{s}`?"))
            .with_suggestion(format!("use `{s}`"), s),
        None if names.is_empty() => d.with_help("it has no parameters"),
        None => d.with_help(format!("its parameters: {}", names.join(", "))),
    };
    d
}

/// Does a member (or the single definition) with this reference id exist?
fn member_ref(member: &Ident, target: &Target, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    if target.initiative.is_none() {
        // Reference ids exist only inside an initiative (assignment-structure:
        // policyDefinitionReferenceId "is only applicable if the policy
        // assignment assigns a policy set definition").
        diags.push(
            Diagnostic::new(
                Code::E1010,
                member.span,
                "a single rule is assigned: there are no members to name",
            )
            .with_label(format!("this {what} names a member"))
            .with_help("drop the member name; the assignment's own value applies to the rule"),
        );
        return false;
    }
    if target.members.iter().any(|(r, _)| *r == member.name) {
        return true;
    }
    let mut d = Diagnostic::new(
        Code::E1010,
        member.span,
        format!(
            "`{}` is not a member of the assigned definition",
            member.name
        ),
    )
    .with_label(format!("this {what} would never apply"));
    if let Some(s) = did_you_mean(&member.name, target.members.iter().map(|(r, _)| *r)) {
        d = d
            .with_help(format!("did you mean `{s}`?"))
            .with_suggestion(format!("use `{s}`"), s);
    }
    diags.push(d);
    false
}

fn check_assignment_name(id: &Ident, scope: Option<&str>, diags: &mut Vec<Diagnostic>) {
    let at_mg = scope.and_then(scope_kind) == Some(ScopeKind::ManagementGroup);
    let max = if at_mg {
        MAX_ASSIGNMENT_NAME_MG
    } else {
        MAX_ASSIGNMENT_NAME
    };
    let len = id.name.chars().count();
    if len > max {
        let where_ = if at_mg {
            "at management-group scope"
        } else {
            "below a management group"
        };
        diags.push(
            Diagnostic::new(
                Code::E1006,
                id.span,
                format!("assignment name is {len} characters long; Azure allows {max} {where_}"),
            )
            .with_label("the Azure resource name")
            .with_help("shorten the name; `title` can say the rest"),
        );
    }
}

fn count_limit(p: &Placement, n: usize, max: usize, what: &str, diags: &mut Vec<Diagnostic>) {
    if n > max {
        diags.push(
            Diagnostic::new(
                Code::E1005,
                p.id.span,
                format!(
                    "{} `{}` has {n} {what}; Azure allows {max}",
                    p.kind.keyword(),
                    p.id.name
                ),
            )
            .with_label(format!("too many {what}"))
            .with_help("merge selectors with the same kind, or split the assignment"),
        );
    }
}

/// Modify and DeployIfNotExists run under the assignment's managed identity:
/// Azure rejects the assignment without one (and its location).
fn check_identity(
    p: &Placement,
    target: &Target,
    identity: Option<&ir::Identity>,
    location: &Option<(String, Span)>,
    diags: &mut Vec<Diagnostic>,
) {
    let needs = target.members.iter().find(|(_, d)| remediates(d));
    match (needs, identity) {
        (Some((member, _)), None) => diags.push(
            Diagnostic::new(
                Code::E1007,
                p.id.span,
                format!("`{member}` can modify or deploy resources, so this assignment needs an identity"),
            )
            .with_label("no managed identity")
            .with_help("add `identity system` and `location \"<region>\"` (or `identity \"<user-assigned identity id>\"`)"),
        ),
        (_, Some(_)) if location.is_none() => diags.push(
            Diagnostic::new(
                Code::E1007,
                p.id.span,
                "an assignment with an identity needs a `location`",
            )
            .with_label("no location")
            .with_help("add `location \"<region>\"`: Azure stores the identity there"),
        ),
        _ => {}
    }
}

fn remediates(d: &ir::Definition) -> bool {
    d.effects
        .iter()
        .any(|e| matches!(e, Effect::Modify | Effect::DeployIfNotExists))
}

fn identity(t: &MetaTable, diags: &mut Vec<Diagnostic>) -> Option<ir::Identity> {
    let m = t.get("identity")?;
    match &m.value {
        Literal::Word(w, _) if w == "system" => Some(ir::Identity::System),
        Literal::Str(s, span) => {
            let ok = s
                .to_ascii_lowercase()
                .contains("/providers/microsoft.managedidentity/userassignedidentities/")
                && scope_kind(s) == Some(ScopeKind::Resource);
            if !ok {
                diags.push(
                    Diagnostic::new(
                        Code::E1008,
                        *span,
                        "not the resource id of a user-assigned managed identity",
                    )
                    .with_label("expected /subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>"),
                );
                return None;
            }
            Some(ir::Identity::User(s.clone()))
        }
        other => {
            diags.push(
                Diagnostic::new(
                    Code::E1011,
                    other.span(),
                    "`identity` is `system` or the id of a user-assigned identity",
                )
                .with_label("not an identity")
                .with_suggestion("use `system`", "system"),
            );
            None
        }
    }
}

/// The roles the identity needs: for each member that can remediate, its
/// `roleDefinitionIds` at the assignment scope, and at the scope held by each
/// parameter whose member parameter has `assignPermissions` (azure-docs
/// definition-structure-parameters, "assignPermissions"). Deduplicated,
/// in member order.
fn role_assignments(
    pack: &str,
    assignment: &str,
    scope: Option<&str>,
    target: &Target,
    parameters: &[(String, Value)],
    has_identity: bool,
) -> Vec<ir::RoleAssignment> {
    if !has_identity {
        return Vec::new();
    }
    let mut pairs: Vec<(Option<String>, String)> = Vec::new();
    let mut add = |scope: Option<String>, role: &str| {
        if !pairs.iter().any(|(s, r)| *s == scope && r == role) {
            pairs.push((scope, role.to_string()));
        }
    };
    for (reference, d) in &target.members {
        if !remediates(d) {
            continue;
        }
        let roles = role_ids(d);
        for r in roles {
            add(scope.map(str::to_string), r);
        }
        for p in d.params.iter().filter(|p| p.assign_permissions) {
            let Some(value) = assigned_value(target, reference, &p.name, parameters) else {
                continue;
            };
            if scope_kind(&value).is_some() {
                for r in role_ids(d) {
                    add(Some(value.clone()), r);
                }
            }
        }
    }
    pairs
        .into_iter()
        .map(|(s, role)| {
            let key = format!("{assignment}/{}/{role}", s.as_deref().unwrap_or("{scope}"));
            ir::RoleAssignment {
                name: stable_name(pack, "role-assignment", &key),
                scope: s,
                role_definition_id: role,
                assignment: assignment.to_string(),
            }
        })
        .collect()
}

fn role_ids(d: &ir::Definition) -> &[String] {
    match &d.details {
        Some(ir::Details::Modify(m)) => &m.role_definition_ids,
        Some(ir::Details::Existence(e)) => &e.role_definition_ids,
        _ => &[],
    }
}

/// The value a member parameter gets from this assignment: directly (a
/// single definition) or through the initiative parameter bound to it.
fn assigned_value(
    target: &Target,
    reference: &str,
    member_param: &str,
    parameters: &[(String, Value)],
) -> Option<String> {
    let from = match target.initiative {
        None => member_param.to_string(),
        Some(i) => {
            let m = i.members.iter().find(|m| m.reference_id == reference)?;
            let (_, op) = m.parameters.iter().find(|(n, _)| n == member_param)?;
            let ir::Operand::Expr(e) = op else {
                return None;
            };
            e.strip_prefix("parameters('")?
                .strip_suffix("')")?
                .to_string()
        }
    };
    parameters
        .iter()
        .find(|(n, _)| *n == from)
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}

fn resource_selector(
    s: &crate::syntax::ast::ResourceSelector,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::ResourceSelector> {
    let mut selectors: Vec<ir::Selector> = Vec::new();
    for item in &s.items {
        let Some(kind) = selector_kind(&item.kind, diags) else {
            continue;
        };
        if selectors.iter().any(|x| x.kind == kind) {
            diags.push(
                Diagnostic::new(
                    Code::E1011,
                    item.kind.span,
                    format!("`{}` is given twice in this selector", item.kind.name),
                )
                .with_label("each kind once per resource selector")
                .with_help("put every value in one list"),
            );
            continue;
        }
        if let Some(v) = selector_values(item, diags) {
            if kind == "resourceWithoutLocation" {
                check_without_location(item, &v, diags);
            }
            selectors.push(ir::Selector {
                kind,
                not_in: item.negated,
                values: v,
            });
        }
    }
    let kinds: Vec<&str> = selectors.iter().map(|x| x.kind.as_str()).collect();
    if kinds.contains(&"resourceLocation") && kinds.contains(&"resourceWithoutLocation") {
        diags.push(
            Diagnostic::new(
                Code::E1011,
                s.name.span,
                "`location` and `without-location` cannot be in one selector",
            )
            .with_label("Azure rejects this resource selector")
            .with_help("use two selectors"),
        );
        return None;
    }
    Some(ir::ResourceSelector {
        name: s.name.name.clone(),
        selectors,
    })
}

/// Our selector words → Azure's `Selector.kind`.
const SELECTOR_KINDS: &[(&str, &str)] = &[
    ("location", "resourceLocation"),
    ("type", "resourceType"),
    ("without-location", "resourceWithoutLocation"),
];

fn selector_kind(kind: &Ident, diags: &mut Vec<Diagnostic>) -> Option<String> {
    if let Some((_, azure)) = SELECTOR_KINDS.iter().find(|(w, _)| *w == kind.name) {
        return Some((*azure).to_string());
    }
    let words = SELECTOR_KINDS.iter().map(|(w, _)| *w);
    let mut d = Diagnostic::new(
        Code::E1011,
        kind.span,
        format!("unknown selector kind `{}`", kind.name),
    )
    .with_label("not a resource selector kind")
    .with_help("resource selectors filter by `location`, `type` or `without-location`");
    if let Some(s) = did_you_mean(&kind.name, words) {
        d = d.with_suggestion(format!("use `{s}`"), s);
    }
    diags.push(d);
    None
}

/// The one value Azure takes for `resourceWithoutLocation` (azure-docs
/// assignment-structure, "Resource selectors": "Currently only supports
/// `subscriptionLevelResources`").
pub const SUBSCRIPTION_LEVEL_RESOURCES: &str = "subscriptionLevelResources";

fn check_without_location(item: &SelectorItem, values: &[String], diags: &mut Vec<Diagnostic>) {
    if values.iter().all(|v| v == SUBSCRIPTION_LEVEL_RESOURCES) {
        return;
    }
    diags.push(
        Diagnostic::new(
            Code::E1016,
            item.values.span(),
            format!("`without-location` selects only `{SUBSCRIPTION_LEVEL_RESOURCES}`"),
        )
        .with_label("Azure rejects any other value")
        .with_help(
            "to select by region use `location in [...]`; to select by type use `type in [...]`",
        )
        .with_suggestion(
            format!("use `[\"{SUBSCRIPTION_LEVEL_RESOURCES}\"]`"),
            format!("[\"{SUBSCRIPTION_LEVEL_RESOURCES}\"]"),
        ),
    );
}

fn selector_values(item: &SelectorItem, diags: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
    let strings = string_list(&item.values, diags)?;
    if strings.is_empty() || strings.len() > MAX_SELECTOR_VALUES {
        diags.push(
            Diagnostic::new(
                Code::E1005,
                item.values.span(),
                format!(
                    "a selector takes 1 to {MAX_SELECTOR_VALUES} values; found {}",
                    strings.len()
                ),
            )
            .with_label("Azure rejects this selector"),
        );
        return None;
    }
    Some(strings)
}

fn string_list(l: &Literal, diags: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
    let Literal::Array(items, _) = l else {
        diags.push(
            Diagnostic::new(
                Code::E0114,
                l.span(),
                format!("expected a list, found {}", l.shape()),
            )
            .with_label("expected `[\"…\", …]`"),
        );
        return None;
    };
    let mut out = Vec::new();
    for i in items {
        match i {
            Literal::Str(s, _) | Literal::Word(s, _) => out.push(s.clone()),
            other => {
                diags.push(
                    Diagnostic::new(
                        Code::E0114,
                        other.span(),
                        format!("expected a string, found {}", other.shape()),
                    )
                    .with_label("expected a string"),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// `override effect = <effect> [for [members]]` or
/// `override version = "2.*.*" [for [members]]`.
fn override_(
    what: &Ident,
    value: &Literal,
    members: Option<&Literal>,
    target: &Target,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Override> {
    let (kind, value) = match what.name.as_str() {
        "effect" => {
            let (Literal::Word(w, _) | Literal::Str(w, _)) = value else {
                diags.push(
                    Diagnostic::new(
                        Code::E0304,
                        value.span(),
                        "an effect override is an effect name",
                    )
                    .with_label("expected an effect"),
                );
                return None;
            };
            let Some(e) = Effect::parse(w) else {
                diags.push(
                    Diagnostic::new(Code::E0212, value.span(), format!("unknown effect `{w}`"))
                        .with_label("not an Azure Policy effect"),
                );
                return None;
            };
            ("policyEffect", e.as_azure_str().to_string())
        }
        "version" => {
            let Literal::Str(v, _) = value else {
                diags.push(
                    Diagnostic::new(
                        Code::E0114,
                        value.span(),
                        "a version override is a string such as \"2.*.*\"",
                    )
                    .with_label("expected a string"),
                );
                return None;
            };
            ("definitionVersion", v.clone())
        }
        other => {
            let mut d = Diagnostic::new(
                Code::E1011,
                what.span,
                format!("unknown override `{other}`"),
            )
            .with_label("Azure overrides `effect` or `version`");
            if let Some(s) = did_you_mean(other, ["effect", "version"]) {
                d = d.with_suggestion(format!("use `{s}`"), s);
            }
            diags.push(d);
            return None;
        }
    };
    let mut selectors = Vec::new();
    if let Some(list) = members {
        let Literal::Array(items, _) = list else {
            string_list(list, diags);
            return None;
        };
        let mut refs = Vec::new();
        for i in items {
            let (Literal::Word(w, s) | Literal::Str(w, s)) = i else {
                continue;
            };
            let ident = Ident {
                name: w.clone(),
                span: *s,
            };
            if member_ref(&ident, target, "override", diags) {
                refs.push(w.clone());
            }
        }
        selectors.push(ir::Selector {
            kind: "policyDefinitionReferenceId".into(),
            not_in: false,
            values: refs,
        });
    }
    Some(ir::Override {
        kind: kind.into(),
        value,
        selectors,
    })
}

// ------------------------------------------------------------ exemptions

fn exemption(
    p: &Placement,
    inputs: &Inputs,
    assignments: &[ir::Assignment],
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Exemption> {
    check_id(&p.id, "exemption", diags);
    if p.id.name.chars().count() > MAX_EXEMPTION_NAME {
        diags.push(
            Diagnostic::new(
                Code::E1006,
                p.id.span,
                format!("exemption name is longer than Azure's {MAX_EXEMPTION_NAME} characters"),
            )
            .with_label("the Azure resource name"),
        );
    }
    let t = table(p, EXEMPTION_KEYS, "exemption", diags);
    reject_clauses(p, true, diags);
    let of = p.of.as_ref()?;
    let Some(a) = assignments.iter().find(|a| a.id == of.name) else {
        let mut d = Diagnostic::new(
            Code::E1009,
            of.span,
            format!("no assignment named `{}`", of.name),
        )
        .with_label("nothing to exempt from");
        if let Some(s) = did_you_mean(&of.name, assignments.iter().map(|a| a.id.as_str())) {
            d = d
                .with_help(format!("did you mean `{s}`?"))
                .with_suggestion(format!("use `{s}`"), s);
        }
        diags.push(d);
        return None;
    };
    let category = match t.required_word("category", "waiver", diags) {
        Some((w, _)) if w.eq_ignore_ascii_case("waiver") => "Waiver",
        Some((w, _)) if w.eq_ignore_ascii_case("mitigated") => "Mitigated",
        Some((w, span)) => {
            diags.push(
                Diagnostic::new(
                    Code::E1011,
                    span,
                    format!("unknown exemption category `{w}`"),
                )
                .with_label("Azure's categories are Waiver and Mitigated")
                .with_help("`waiver`: accepted as is; `mitigated`: met another way"),
            );
            return None;
        }
        None => return None,
    };
    let expires = t.string("expires", diags).and_then(|(e, span)| {
        if !crate::inputs::suppress::is_date(&e) {
            diags.push(
                Diagnostic::new(Code::E1014, span, format!("`{e}` is not a date"))
                    .with_label("expected YYYY-MM-DD")
                    .with_help("the exemption is valid through that day (UTC)"),
            );
            return None;
        }
        if let Some(today) = inputs.today
            && e.as_str() < today
        {
            diags.push(
                Diagnostic::new(Code::W1001, span, format!("this exemption expired on {e}"))
                    .with_label("in the past")
                    .with_help(
                        "Azure ignores an expired exemption; remove it or renew it with a new date",
                    ),
            );
        }
        Some(e)
    });
    let scope = scope_value(&t, diags).map(|(s, span)| {
        if let Some(asg) = &a.scope
            && provably_outside(&s, asg)
        {
            diags.push(
                Diagnostic::new(
                    Code::E1015,
                    span,
                    "the exemption's scope is outside its assignment's scope",
                )
                .with_label(format!("not within {asg}"))
                .with_help(
                    "an exemption applies at or below the scope of the assignment it exempts",
                ),
            );
        }
        s
    });
    let mut members = Vec::new();
    if let Some(m) = t.get("members") {
        let target_members = exemption_members(a, inputs);
        if matches!(a.assigned, ir::Assigned::Definition { .. }) {
            diags.push(
                Diagnostic::new(
                    Code::E1010,
                    m.value.span(),
                    format!(
                        "assignment `{}` assigns a single rule: it has no members",
                        a.id
                    ),
                )
                .with_label("nothing to name")
                .with_help("drop `members`: the exemption covers the rule"),
            );
        } else if let Literal::Array(items, _) = &m.value {
            for i in items {
                let (Literal::Word(w, span) | Literal::Str(w, span)) = i else {
                    continue;
                };
                if target_members.iter().any(|r| r == w) {
                    members.push(w.clone());
                } else {
                    let mut d = Diagnostic::new(
                        Code::E1010,
                        *span,
                        format!("`{w}` is not a member of assignment `{}`", a.id),
                    )
                    .with_label("would exempt nothing");
                    if let Some(s) = did_you_mean(w, target_members.iter().map(String::as_str)) {
                        d = d
                            .with_help(format!("did you mean `{s}`?"))
                            .with_suggestion(format!("use `{s}`"), s);
                    }
                    diags.push(d);
                }
            }
        } else {
            string_list(&m.value, diags);
        }
    }
    let resource_selectors = p
        .clauses
        .iter()
        .filter_map(|c| match c {
            PlacementClause::Selector(s) => resource_selector(s, diags),
            _ => None,
        })
        .collect::<Vec<_>>();
    count_limit(
        p,
        resource_selectors.len(),
        MAX_RESOURCE_SELECTORS,
        "resource selectors",
        diags,
    );
    Some(ir::Exemption {
        id: p.id.name.clone(),
        display_name: t.string("title", diags).map(|x| x.0),
        description: t.string("description", diags).map(|x| x.0),
        assignment: a.id.clone(),
        assignment_scope: a.scope.clone(),
        scope,
        category: category.into(),
        expires,
        members,
        resource_selectors,
        ticket: t.string("ticket", diags).map(|x| x.0),
    })
}

/// Is scope `inner` provably not at or below `outer`? Segment-wise,
/// ignoring case, as ARM compares ids. Below a management group nothing is
/// provable: which groups and subscriptions it holds is not in the pack
/// (a management group is never below a subscription, which the
/// segment-wise test already says).
fn provably_outside(inner: &str, outer: &str) -> bool {
    if scope_kind(outer) == Some(ScopeKind::ManagementGroup) {
        return false;
    }
    let inner = inner.trim_end_matches('/').to_ascii_lowercase();
    let outer = outer.trim_end_matches('/').to_ascii_lowercase();
    !(inner == outer || inner.starts_with(&format!("{outer}/")))
}

fn exemption_members(a: &ir::Assignment, inputs: &Inputs) -> Vec<String> {
    match &a.assigned {
        ir::Assigned::Initiative { id, .. } => inputs
            .initiatives
            .iter()
            .find(|i| &i.id == id)
            .map(|i| i.members.iter().map(|m| m.reference_id.clone()).collect())
            .unwrap_or_default(),
        // A single definition has no reference ids to name.
        ir::Assigned::Definition { .. } => Vec::new(),
    }
}

// ------------------------------------------------------------ shared

fn table<'a>(
    p: &'a Placement,
    keys: &[&'static str],
    block: &'static str,
    diags: &mut Vec<Diagnostic>,
) -> MetaTable<'a> {
    let metas = p.clauses.iter().filter_map(|c| match c {
        PlacementClause::Meta(m) => Some(m),
        _ => None,
    });
    MetaTable::new(metas, keys, block, p.id.span, diags)
}

fn values(p: &Placement) -> Vec<(&Ident, &Literal)> {
    p.clauses
        .iter()
        .filter_map(|c| match c {
            PlacementClause::Value { name, value, .. } => Some((name, value)),
            _ => None,
        })
        .collect()
}

/// Clauses an environment or exemption does not take.
fn reject_clauses(p: &Placement, selectors_ok: bool, diags: &mut Vec<Diagnostic>) {
    for c in &p.clauses {
        let what = match c {
            PlacementClause::MemberMessage { .. } => "`message <member>`",
            PlacementClause::Override { .. } => "`override`",
            PlacementClause::Selector(_) if !selectors_ok => "`selector`",
            PlacementClause::Value { .. } if p.kind == PlacementKind::Exemption => "`param`",
            _ => continue,
        };
        diags.push(
            Diagnostic::new(
                Code::E0101,
                c.span(),
                format!("{what} is not accepted in an {}", p.kind.keyword()),
            )
            .with_label("not accepted here")
            .with_help("it belongs in an `assignment`"),
        );
    }
}

fn enforcement(t: &MetaTable, diags: &mut Vec<Diagnostic>) -> Option<bool> {
    let (w, span) = t.word("enforcement", diags)?;
    match w.to_ascii_lowercase().as_str() {
        "default" => Some(true),
        "donotenforce" => Some(false),
        _ => {
            let mut d =
                Diagnostic::new(Code::E1011, span, format!("unknown enforcement mode `{w}`"))
                    .with_label("Azure's modes are Default and DoNotEnforce");
            if let Some(s) = did_you_mean(&w, ["default", "doNotEnforce"]) {
                d = d.with_suggestion(format!("use `{s}`"), s);
            }
            diags.push(d);
            None
        }
    }
}

fn scope_value(t: &MetaTable, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
    let (s, span) = t.string("scope", diags)?;
    check_scope(&s, span, diags).then_some((s.trim_end_matches('/').to_string(), span))
}

fn check_scope(s: &str, span: Span, diags: &mut Vec<Diagnostic>) -> bool {
    if scope_kind(s).is_some() {
        return true;
    }
    diags.push(
        Diagnostic::new(Code::E1008, span, format!("`{s}` is not an Azure scope"))
            .with_label("not a scope")
            .with_help("a scope is /providers/Microsoft.Management/managementGroups/<id>, /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name> or a resource id"),
    );
    false
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    ManagementGroup,
    Subscription,
    ResourceGroup,
    Resource,
}

/// The kind of an Azure scope, or `None` when `s` is not one. Segment names
/// compare case-insensitively, as ARM does.
pub fn scope_kind(s: &str) -> Option<ScopeKind> {
    let s = s.trim_end_matches('/');
    let segs: Vec<&str> = s.strip_prefix('/')?.split('/').collect();
    let ok = |v: &str| !v.is_empty() && !v.contains(char::is_whitespace);
    let is = |i: usize, w: &str| segs.get(i).is_some_and(|x| x.eq_ignore_ascii_case(w));
    if is(0, "providers") && is(1, "Microsoft.Management") && is(2, "managementGroups") {
        return (segs.len() == 4 && segs.get(3).is_some_and(|v| ok(v)))
            .then_some(ScopeKind::ManagementGroup);
    }
    if !is(0, "subscriptions") || !segs.get(1).is_some_and(|v| ok(v)) {
        return None;
    }
    match segs.len() {
        2 => Some(ScopeKind::Subscription),
        4 if is(2, "resourceGroups") && segs.get(3).is_some_and(|v| ok(v)) => {
            Some(ScopeKind::ResourceGroup)
        }
        // …/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>[/<type>/<name>]…
        n if n >= 8
            && n % 2 == 0
            && is(2, "resourceGroups")
            && is(4, "providers")
            && segs.iter().all(|v| ok(v)) =>
        {
            Some(ScopeKind::Resource)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exemption_scopes_outside_their_assignment() {
        assert!(provably_outside(
            "/subscriptions/11112/resourceGroups/x",
            "/subscriptions/1111"
        ));
        assert!(provably_outside(
            "/providers/Microsoft.Management/managementGroups/m",
            "/subscriptions/1111"
        ));
        assert!(!provably_outside(
            "/Subscriptions/1111/resourceGroups/x",
            "/subscriptions/1111/"
        ));
        // Below a management group nothing is provable.
        assert!(!provably_outside(
            "/subscriptions/2222",
            "/providers/Microsoft.Management/managementGroups/m"
        ));
    }

    #[test]
    fn scopes() {
        use ScopeKind::*;
        let mg = "/providers/Microsoft.Management/managementGroups/prod";
        assert_eq!(scope_kind(mg), Some(ManagementGroup));
        assert_eq!(scope_kind("/subscriptions/0000/"), Some(Subscription));
        assert_eq!(
            scope_kind("/subscriptions/0000/resourceGroups/rg"),
            Some(ResourceGroup)
        );
        assert_eq!(
            scope_kind(
                "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r"
            ),
            Some(Resource)
        );
        for bad in [
            "garbage",
            "",
            "/",
            "/subscriptions/",
            "/subscriptions/0/resourceGroups",
            "/subscriptions/0/foo/bar",
        ] {
            assert_eq!(scope_kind(bad), None, "{bad}");
        }
    }
}
