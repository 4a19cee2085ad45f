//! Assignments, their role assignments and exemptions, in the REST bodies
//! Azure takes (`PUT {scope}/providers/Microsoft.Authorization/…/{name}`).
//!
//! - policyAssignments: `PolicyAssignmentProperties` of
//!   `reference/schemas/arm/2026-06-01/Microsoft.Authorization.json`, with
//!   `identity` and `location` beside `properties`;
//! - roleAssignments: `Microsoft.Authorization/roleAssignments` 2022-04-01;
//!   the principal is the assignment identity's `principalId`, known only
//!   once the assignment exists, so the file holds `{principalId}`;
//! - policyExemptions: API `2024-12-01-preview`, the only one that has them
//!   (Microsoft.Authorization policyExemptions in the ARM template reference).
//!
//! Where a scope is not known at build time (no `scope`, `--env` or pack
//! scope), ids keep the `{scope}` placeholder, as initiatives do.

use super::SCOPE_PLACEHOLDER;
use crate::ir::{Assigned, Assignment, Exemption, Identity, Pack, ResourceSelector, Selector};
use serde_json::{Map, Value, json};

pub const EXEMPTION_API_VERSION: &str = "2024-12-01-preview";
pub const ROLE_ASSIGNMENT_API_VERSION: &str = "2022-04-01";
/// Written where a role assignment needs the assignment identity's principal.
pub const PRINCIPAL_PLACEHOLDER: &str = "{principalId}";

fn scope_or_placeholder(s: Option<&str>) -> &str {
    s.unwrap_or(SCOPE_PLACEHOLDER).trim_end_matches('/')
}

/// The resource id of an assignment.
pub fn assignment_id(scope: Option<&str>, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Authorization/policyAssignments/{name}",
        scope_or_placeholder(scope)
    )
}

pub fn assignment(a: &Assignment, pack: &Pack) -> Value {
    let def_scope = scope_or_placeholder(pack.scope.as_deref());
    let definition_id = match &a.assigned {
        Assigned::Initiative { name, .. } => {
            format!("{def_scope}/providers/Microsoft.Authorization/policySetDefinitions/{name}")
        }
        Assigned::Definition { name, .. } => {
            format!("{def_scope}/providers/Microsoft.Authorization/policyDefinitions/{name}")
        }
    };
    let mut props = Map::new();
    props.insert("displayName".into(), json!(a.display_name));
    if let Some(d) = &a.description {
        props.insert("description".into(), json!(d));
    }
    props.insert("policyDefinitionId".into(), json!(definition_id));
    if let Some(v) = &a.definition_version {
        props.insert("definitionVersion".into(), json!(v));
    }
    let mut acrpc = Map::new();
    acrpc.insert("pack".into(), json!(pack.id));
    acrpc.insert("id".into(), json!(a.id));
    // Where to PUT it: the REST body has no writable scope.
    acrpc.insert(
        "scope".into(),
        json!(scope_or_placeholder(a.scope.as_deref())),
    );
    if let Some(e) = &a.environment {
        acrpc.insert("environment".into(), json!(e));
    }
    props.insert("metadata".into(), json!({ "acrpc": acrpc }));
    props.insert(
        "enforcementMode".into(),
        json!(if a.enforce { "Default" } else { "DoNotEnforce" }),
    );
    props.insert("notScopes".into(), json!(a.not_scopes));
    let params: Map<String, Value> = a
        .parameters
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                json!({ "value": super::operand(&crate::ir::Operand::Literal(v.clone())) }),
            )
        })
        .collect();
    props.insert("parameters".into(), Value::Object(params));
    let messages: Vec<Value> = a
        .messages
        .iter()
        .map(|(member, text)| {
            let mut m = Map::new();
            m.insert("message".into(), json!(text));
            if let Some(r) = member {
                m.insert("policyDefinitionReferenceId".into(), json!(r));
            }
            Value::Object(m)
        })
        .collect();
    if !messages.is_empty() {
        props.insert("nonComplianceMessages".into(), Value::Array(messages));
    }
    if !a.resource_selectors.is_empty() {
        props.insert(
            "resourceSelectors".into(),
            resource_selectors(&a.resource_selectors),
        );
    }
    if !a.overrides.is_empty() {
        let o: Vec<Value> = a
            .overrides
            .iter()
            .map(|o| {
                let mut m = Map::new();
                m.insert("kind".into(), json!(o.kind));
                m.insert("value".into(), json!(o.value));
                if !o.selectors.is_empty() {
                    m.insert("selectors".into(), selectors(&o.selectors));
                }
                Value::Object(m)
            })
            .collect();
        props.insert("overrides".into(), Value::Array(o));
    }
    let mut out = Map::new();
    out.insert("name".into(), json!(a.id));
    if let Some(i) = &a.identity {
        let identity = match i {
            Identity::System => json!({ "type": "SystemAssigned" }),
            Identity::User(id) => {
                json!({ "type": "UserAssigned", "userAssignedIdentities": { id: {} } })
            }
        };
        out.insert("identity".into(), identity);
    }
    if let Some(l) = &a.location {
        out.insert("location".into(), json!(l));
    }
    out.insert("properties".into(), Value::Object(props));
    Value::Object(out)
}

fn resource_selectors(r: &[ResourceSelector]) -> Value {
    r.iter()
        .map(|s| json!({ "name": s.name, "selectors": selectors(&s.selectors) }))
        .collect()
}

fn selectors(s: &[Selector]) -> Value {
    s.iter()
        .map(|x| {
            let mut m = Map::new();
            m.insert("kind".into(), json!(x.kind));
            m.insert(
                if x.not_in { "notIn" } else { "in" }.into(),
                json!(x.values),
            );
            Value::Object(m)
        })
        .collect()
}

/// One role assignment of an assignment's identity.
pub fn role_assignment(r: &crate::ir::RoleAssignment, a: &Assignment) -> Value {
    json!({
        "name": r.name,
        "properties": {
            "roleDefinitionId": r.role_definition_id,
            "principalId": PRINCIPAL_PLACEHOLDER,
            "principalType": "ServicePrincipal",
            "description": format!("acrpc: identity of policy assignment {}", a.id),
            "scope": scope_or_placeholder(r.scope.as_deref()),
        }
    })
}

pub fn exemption(e: &Exemption, pack: &Pack) -> Value {
    let mut props = Map::new();
    props.insert(
        "policyAssignmentId".into(),
        json!(assignment_id(e.assignment_scope.as_deref(), &e.assignment)),
    );
    if !e.members.is_empty() {
        props.insert("policyDefinitionReferenceIds".into(), json!(e.members));
    }
    props.insert("exemptionCategory".into(), json!(e.category));
    if let Some(d) = &e.expires {
        // Valid through that day (UTC), as suppressions are in `acrpc check`.
        props.insert("expiresOn".into(), json!(format!("{d}T23:59:59Z")));
    }
    if let Some(t) = &e.display_name {
        props.insert("displayName".into(), json!(t));
    }
    if let Some(d) = &e.description {
        props.insert("description".into(), json!(d));
    }
    let mut acrpc = Map::new();
    acrpc.insert("pack".into(), json!(pack.id));
    acrpc.insert("id".into(), json!(e.id));
    acrpc.insert(
        "scope".into(),
        json!(scope_or_placeholder(
            e.scope.as_deref().or(e.assignment_scope.as_deref())
        )),
    );
    if let Some(t) = &e.ticket {
        acrpc.insert("ticket".into(), json!(t));
    }
    props.insert("metadata".into(), json!({ "acrpc": acrpc }));
    if !e.resource_selectors.is_empty() {
        props.insert(
            "resourceSelectors".into(),
            resource_selectors(&e.resource_selectors),
        );
    }
    json!({ "name": e.id, "properties": props })
}

/// `body` without `metadata.acrpc.scope` when that is the `{scope}`
/// placeholder: in a deployment template the scope is the deployment's own.
pub fn without_unknown_scope(mut body: Value) -> Value {
    if let Some(acrpc) = body
        .pointer_mut("/properties/metadata/acrpc")
        .and_then(Value::as_object_mut)
        && acrpc.get("scope").and_then(Value::as_str) == Some(SCOPE_PLACEHOLDER)
    {
        acrpc.remove("scope");
    }
    body
}
