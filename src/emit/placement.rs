//! Which assignments, role assignments and exemptions a deployment template
//! (ARM, Bicep) carries, and where in it each one goes. Pure planning shared
//! by `arm` and `bicep`, so the two can never disagree.
//!
//! A template deploys the pack's definitions and initiatives at its own
//! deployment scope (a subscription or a management group), so an assignment
//! goes in the template of its scope's kind and is deployed at the deployment
//! scope: its `policyDefinitionId` is then the template's own initiative.
//! An assignment without a known scope (`{scope}`) goes in both templates.
//! Resource-group and resource scopes have no template here (they are left
//! out and listed; `terraform`, `epac`, the `azure` files and `acrpc publish`
//! carry them).
//!
//! A role assignment or exemption at the assignment's scope is deployed with
//! it; one at another scope (the Log Analytics workspace a
//! deployIfNotExists member writes to, an exempted resource group or
//! registry) goes in a nested deployment targeting that scope
//! (`Microsoft.Resources/deployments` with `subscriptionId`/`resourceGroup`,
//! or `scope` for a management group; the exempted resource by the
//! extension-resource `scope` property). Sources: azure-docs
//! `azure-resource-manager/templates/deploy-to-management-group.md` and
//! `deploy-to-subscription.md` (which scopes a nested deployment may
//! target: a subscription deployment cannot target a management group),
//! `scope-extension-resources.md` (the `scope` property).

use super::assignment;
use super::model::{DeployScope, Kind};
use crate::ir::{Assigned, Assignment, Exemption, Pack, RoleAssignment};
use crate::sema::{ScopeKind, scope_kind};
use serde_json::{Map, Value, json};

/// `Microsoft.Resources/deployments`, for nested deployments (GA; the Bicep
/// format of this version has `subscriptionId`, `resourceGroup` and `scope`).
pub const DEPLOYMENT_API_VERSION: &str = "2022-09-01";

/// Where a role assignment or exemption is deployed.
#[derive(Debug, Clone, PartialEq)]
pub enum At {
    /// With its assignment, at the template's deployment scope.
    Deployment,
    /// In a nested deployment at this scope.
    Nested(NestedScope),
}

/// The scope a nested deployment targets, and the `scope` the resource in
/// it takes when it extends a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum NestedScope {
    ManagementGroup(String),
    Subscription(String),
    ResourceGroup {
        subscription: String,
        group: String,
        /// `Microsoft.X/type/name[/type/name]…` of the resource it extends.
        resource: Option<String>,
    },
}

pub struct Placed<'a> {
    pub assignment: &'a Assignment,
    /// The REST body (`name`, `identity`, `location`, `properties`).
    pub body: Value,
    /// What the assignment assigns: kind and Azure name of a resource of
    /// the same template.
    pub assigned: (Kind, &'a str),
    pub roles: Vec<(&'a RoleAssignment, At)>,
    /// Exemptions with their REST bodies.
    pub exemptions: Vec<(&'a Exemption, Value, At)>,
}

pub struct Plan<'a> {
    pub placed: Vec<Placed<'a>>,
    /// What this template cannot carry, one sentence each.
    pub left_out: Vec<String>,
}

/// The placements of `pack` a template deployed at `deploy` carries.
pub fn plan(pack: &Pack, deploy: DeployScope) -> Plan<'_> {
    let mut placed = Vec::new();
    let mut left_out = Vec::new();
    for a in &pack.assignments {
        let kind = a.scope.as_deref().and_then(scope_kind);
        let fits = match (kind, deploy) {
            (None, _) => true,
            (Some(ScopeKind::ManagementGroup), DeployScope::ManagementGroup)
            | (Some(ScopeKind::Subscription), DeployScope::Subscription) => true,
            (Some(ScopeKind::ManagementGroup | ScopeKind::Subscription), _) => false,
            (Some(_), _) => {
                left_out.push(format!(
                    "assignment `{}`: its scope {} is below a subscription, which this template does not deploy to",
                    a.id,
                    a.scope.as_deref().unwrap_or_default()
                ));
                false
            }
        };
        if fits {
            placed.push(place(pack, a, deploy, &mut left_out));
        }
    }
    Plan { placed, left_out }
}

fn place<'a>(
    pack: &'a Pack,
    a: &'a Assignment,
    deploy: DeployScope,
    left_out: &mut Vec<String>,
) -> Placed<'a> {
    let assigned = match &a.assigned {
        Assigned::Initiative { name, .. } => (Kind::SetDefinition, name.as_str()),
        Assigned::Definition { name, .. } => (Kind::Definition, name.as_str()),
    };
    let mut roles = Vec::new();
    for r in &a.role_assignments {
        match at(r.scope.as_deref(), a.scope.as_deref(), deploy) {
            Some(at) => roles.push((r, at)),
            None => left_out.push(format!(
                "role assignment {} of `{}` at {}: a subscription deployment cannot reach a management group",
                r.name,
                a.id,
                r.scope.as_deref().unwrap_or_default()
            )),
        }
    }
    let mut exemptions = Vec::new();
    for e in pack.exemptions.iter().filter(|e| e.assignment == a.id) {
        match at(e.scope.as_deref(), a.scope.as_deref(), deploy) {
            Some(at) => exemptions.push((
                e,
                assignment::without_unknown_scope(assignment::exemption(e, pack)),
                at,
            )),
            None => left_out.push(format!(
                "exemption `{}` at {}: a subscription deployment cannot reach a management group",
                e.id,
                e.scope.as_deref().unwrap_or_default()
            )),
        }
    }
    Placed {
        assignment: a,
        body: assignment::without_unknown_scope(assignment::assignment(a, pack)),
        assigned,
        roles,
        exemptions,
    }
}

/// Where a resource at `scope` (`None`: its assignment's) goes in a
/// template deployed at the assignment's scope; `None` when no nested
/// deployment of that template can reach it.
fn at(scope: Option<&str>, assignment_scope: Option<&str>, deploy: DeployScope) -> Option<At> {
    let Some(s) = scope else {
        return Some(At::Deployment);
    };
    if assignment_scope.is_some_and(|a| a.eq_ignore_ascii_case(s.trim_end_matches('/'))) {
        return Some(At::Deployment);
    }
    let t = target(s)?;
    if matches!(t, NestedScope::ManagementGroup(_)) && deploy == DeployScope::Subscription {
        return None;
    }
    Some(At::Nested(t))
}

// ------------------------------------------------------------ resources

/// How a template format writes what is not a literal: references to
/// resources of the same template, the assignment identity's principal,
/// deterministic GUIDs. ARM writes `[…]` expressions, Bicep symbols.
pub trait Refs {
    /// A literal value as the format needs it (ARM escapes `[…]` strings).
    fn literal(&self, v: Value) -> Value;
    /// The id of a resource of this template.
    fn id(&self, r: Named) -> Value;
    /// The `principalId` of the assignment's identity, once it exists.
    fn principal_id(&self, a: &Assignment) -> Value;
    /// A GUID derived from the assignment's id and `parts`.
    fn guid(&self, a: &Assignment, parts: &[&str]) -> Value;
    /// The location of the deployment itself (nested deployments at a
    /// subscription or management group need one).
    fn deployment_location(&self) -> Value;
    /// An explicit `dependsOn`, where the format needs one.
    fn depends_on(&self, on: Vec<Value>) -> Option<Value>;
}

/// A resource of the template, by what it is.
#[derive(Clone, Copy)]
pub enum Named<'a> {
    /// A definition or initiative: kind, pack id, Azure name.
    Policy(Kind, &'a str, &'a str),
    Assignment(&'a Assignment),
}

/// One resource of a template: a symbol for formats that name resources,
/// its type and API version, and the rest of its declaration (`name`
/// first).
#[derive(Debug, Clone, PartialEq)]
pub struct Res {
    pub symbol: String,
    pub ty: &'static str,
    pub api: &'static str,
    pub body: Map<String, Value>,
}

impl Res {
    /// The declaration as an ARM template resource.
    pub fn to_arm(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.ty));
        m.insert("apiVersion".into(), json!(self.api));
        for (k, v) in &self.body {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

pub const ASSIGNMENT_TYPE: &str = "Microsoft.Authorization/policyAssignments";
pub const ROLE_ASSIGNMENT_TYPE: &str = "Microsoft.Authorization/roleAssignments";
pub const EXEMPTION_TYPE: &str = "Microsoft.Authorization/policyExemptions";
const DEPLOYMENT_TYPE: &str = "Microsoft.Resources/deployments";

/// Identifier-safe form of a name: anything but ASCII letters and digits
/// becomes `_`.
pub fn ident(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Every placement resource of `plan`, in deployment order: each
/// assignment, then its role assignments and exemptions.
pub fn resources(plan: &Plan, refs: &dyn Refs) -> Vec<Res> {
    let mut out = Vec::new();
    for p in &plan.placed {
        out.push(assignment_res(p, refs));
        for (r, at) in &p.roles {
            let res = role_res(p.assignment, r, at, refs);
            out.push(wrap(res, &r.name, at, refs, p.assignment));
        }
        for (e, body, at) in &p.exemptions {
            let res = exemption_res(p.assignment, e, body, at, refs);
            out.push(wrap(res, &e.id, at, refs, p.assignment));
        }
    }
    out
}

fn assignment_res(p: &Placed, refs: &dyn Refs) -> Res {
    let a = p.assignment;
    let (kind, name) = p.assigned;
    let def_id = refs.id(Named::Policy(kind, assigned_id(a), name));
    let mut body = Map::new();
    for (k, v) in p.body.as_object().into_iter().flatten() {
        if k == "properties" {
            insert_depends(&mut body, refs.depends_on(vec![def_id.clone()]));
            let mut props = refs.literal(v.clone());
            if let Some(o) = props.as_object_mut() {
                o.insert("policyDefinitionId".into(), def_id.clone());
            }
            body.insert(k.clone(), props);
        } else {
            body.insert(k.clone(), refs.literal(v.clone()));
        }
    }
    Res {
        symbol: format!("asg_{}", ident(&a.id)),
        ty: ASSIGNMENT_TYPE,
        api: super::model::POLICY_API_VERSION,
        body,
    }
}

fn assigned_id(a: &Assignment) -> &str {
    match &a.assigned {
        Assigned::Initiative { id, .. } | Assigned::Definition { id, .. } => id,
    }
}

fn role_res(a: &Assignment, r: &RoleAssignment, at: &At, refs: &dyn Refs) -> Res {
    let name = match &a.scope {
        // The GUID sema derived from the known scope.
        Some(_) => json!(r.name),
        // `{scope}`: one name for every scope would collide; derive it from
        // the assignment's id where it is deployed.
        None => {
            let mut parts = vec![r.role_definition_id.as_str()];
            parts.extend(r.scope.as_deref());
            refs.guid(a, &parts)
        }
    };
    let mut body = Map::new();
    body.insert("name".into(), name);
    extension_scope(&mut body, at);
    if matches!(at, At::Deployment) {
        insert_depends(
            &mut body,
            refs.depends_on(vec![refs.id(Named::Assignment(a))]),
        );
    }
    body.insert(
        "properties".into(),
        json!({
            "roleDefinitionId": refs.literal(json!(r.role_definition_id)),
            "principalId": refs.principal_id(a),
            "principalType": "ServicePrincipal",
            "description": refs.literal(json!(format!("acrpc: identity of policy assignment {}", a.id))),
        }),
    );
    Res {
        symbol: format!("ra_{}", ident(&r.name)),
        ty: ROLE_ASSIGNMENT_TYPE,
        api: assignment::ROLE_ASSIGNMENT_API_VERSION,
        body,
    }
}

fn exemption_res(a: &Assignment, e: &Exemption, rest: &Value, at: &At, refs: &dyn Refs) -> Res {
    let mut props = refs.literal(rest.get("properties").cloned().unwrap_or(Value::Null));
    if let Some(o) = props.as_object_mut() {
        o.insert("policyAssignmentId".into(), refs.id(Named::Assignment(a)));
    }
    let mut body = Map::new();
    body.insert("name".into(), json!(e.id));
    extension_scope(&mut body, at);
    if matches!(at, At::Deployment) {
        insert_depends(
            &mut body,
            refs.depends_on(vec![refs.id(Named::Assignment(a))]),
        );
    }
    body.insert("properties".into(), props);
    Res {
        symbol: format!("exm_{}", ident(&e.id)),
        ty: EXEMPTION_TYPE,
        api: assignment::EXEMPTION_API_VERSION,
        body,
    }
}

/// The extension-resource `scope` of a resource nested at a resource.
fn extension_scope(body: &mut Map<String, Value>, at: &At) {
    if let At::Nested(NestedScope::ResourceGroup {
        resource: Some(r), ..
    }) = at
    {
        body.insert("scope".into(), json!(r));
    }
}

fn insert_depends(body: &mut Map<String, Value>, on: Option<Value>) {
    if let Some(on) = on {
        body.insert("dependsOn".into(), on);
    }
}

/// `inner` as it is deployed: itself, or a nested deployment at its
/// target holding it. Expressions in the nested template are evaluated in
/// the outer template (the default `expressionEvaluationOptions` scope
/// `outer`), so it may refer to the assignment the outer template deploys.
fn wrap(inner: Res, name: &str, at: &At, refs: &dyn Refs, a: &Assignment) -> Res {
    let At::Nested(t) = at else {
        return inner;
    };
    let mut body = Map::new();
    body.insert("name".into(), json!(nested_name(name)));
    let schema = match t {
        NestedScope::ManagementGroup(mg) => {
            body.insert(
                "scope".into(),
                json!(format!("Microsoft.Management/managementGroups/{mg}")),
            );
            body.insert("location".into(), refs.deployment_location());
            MANAGEMENT_GROUP_SCHEMA
        }
        NestedScope::Subscription(sub) => {
            body.insert("subscriptionId".into(), json!(sub));
            body.insert("location".into(), refs.deployment_location());
            SUBSCRIPTION_SCHEMA
        }
        NestedScope::ResourceGroup {
            subscription,
            group,
            ..
        } => {
            body.insert("subscriptionId".into(), json!(subscription));
            body.insert("resourceGroup".into(), json!(group));
            RESOURCE_GROUP_SCHEMA
        }
    };
    insert_depends(
        &mut body,
        refs.depends_on(vec![refs.id(Named::Assignment(a))]),
    );
    body.insert(
        "properties".into(),
        json!({
            "mode": "Incremental",
            "template": {
                "$schema": schema,
                "contentVersion": "1.0.0.0",
                "resources": [inner.to_arm()],
            },
        }),
    );
    Res {
        symbol: format!("nested_{}", inner.symbol),
        ty: DEPLOYMENT_TYPE,
        api: DEPLOYMENT_API_VERSION,
        body,
    }
}

pub const SUBSCRIPTION_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
pub const MANAGEMENT_GROUP_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#";
pub const RESOURCE_GROUP_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// The nested-deployment target of an absolute scope.
pub fn target(scope: &str) -> Option<NestedScope> {
    let s = scope.trim_end_matches('/');
    let segs: Vec<&str> = s.split('/').skip(1).collect();
    let seg = |i: usize| segs.get(i).map(|x| x.to_string());
    match scope_kind(s)? {
        ScopeKind::ManagementGroup => Some(NestedScope::ManagementGroup(seg(3)?)),
        ScopeKind::Subscription => Some(NestedScope::Subscription(seg(1)?)),
        ScopeKind::ResourceGroup => Some(NestedScope::ResourceGroup {
            subscription: seg(1)?,
            group: seg(3)?,
            resource: None,
        }),
        ScopeKind::Resource => Some(NestedScope::ResourceGroup {
            subscription: seg(1)?,
            group: seg(3)?,
            // After `…/resourceGroups/<rg>/providers/`.
            resource: Some(segs.get(5..)?.join("/")),
        }),
    }
}

/// The name of the nested deployment of `what` (a GUID or a resource name):
/// `acrpc-` and the name, cut to the 64 characters a deployment name may
/// have (ASCII, so cutting at a byte is cutting at a character).
pub fn nested_name(what: &str) -> String {
    let mut n: String = format!("acrpc-{what}").chars().take(64).collect();
    n.shrink_to_fit();
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_of_scopes() {
        assert_eq!(
            target("/providers/Microsoft.Management/managementGroups/prod"),
            Some(NestedScope::ManagementGroup("prod".into()))
        );
        assert_eq!(
            target("/subscriptions/0000/"),
            Some(NestedScope::Subscription("0000".into()))
        );
        assert_eq!(
            target(
                "/subscriptions/0/resourceGroups/monitoring/providers/Microsoft.OperationalInsights/workspaces/logs"
            ),
            Some(NestedScope::ResourceGroup {
                subscription: "0".into(),
                group: "monitoring".into(),
                resource: Some("Microsoft.OperationalInsights/workspaces/logs".into()),
            })
        );
        assert_eq!(target("garbage"), None);
    }

    #[test]
    fn a_subscription_template_cannot_reach_a_management_group() {
        let mg = "/providers/Microsoft.Management/managementGroups/x";
        assert_eq!(at(Some(mg), None, DeployScope::Subscription), None);
        assert!(matches!(
            at(Some(mg), None, DeployScope::ManagementGroup),
            Some(At::Nested(NestedScope::ManagementGroup(_)))
        ));
        assert_eq!(
            at(None, None, DeployScope::Subscription),
            Some(At::Deployment)
        );
        assert_eq!(
            at(
                Some("/subscriptions/A"),
                Some("/subscriptions/a"),
                DeployScope::Subscription
            ),
            Some(At::Deployment)
        );
    }
}
