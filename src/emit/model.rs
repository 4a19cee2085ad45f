//! The model every deployment target starts from: one [`Resource`] per
//! definition and initiative, exactly as Azure stores it, plus the scope a
//! template deploys to. Per-target modules (`arm`, `bicep`, `terraform`,
//! `epac`) and `publish` depend on this module only, never on each other or
//! on `target`, which dispatches to them.

use super::{definition, initiative};
use crate::ir::Pack;
use serde_json::Value;

/// The API version of `Microsoft.Authorization/policyDefinitions` and
/// `policySetDefinitions` (and their `/versions` children) used by the
/// templates and by `acrpc publish`: the newest GA version. Sources:
/// Azure/azure-resource-manager-schemas `schemas/2026-06-01/Microsoft.Authorization.json`
/// (the newest stable schema, whose policy resources all declare
/// `apiVersion` `2026-06-01`; copied in `../shared/reference/schemas/arm/`)
/// and the REST reference "Policy Set Definition Versions - Create Or
/// Update" (view `rest-policy-authorization-2026-06-01`). 2025-11-01, the GA
/// before it, describes policy (set) definitions identically; `--api-version`
/// selects another.
pub const POLICY_API_VERSION: &str = "2026-06-01";

pub const DEFINITION_TYPE: &str = "Microsoft.Authorization/policyDefinitions";
pub const SET_DEFINITION_TYPE: &str = "Microsoft.Authorization/policySetDefinitions";

/// Where the templates are deployed; decides how initiatives refer to
/// their member definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployScope {
    Subscription,
    ManagementGroup,
}

impl DeployScope {
    pub const ALL: [DeployScope; 2] = [DeployScope::Subscription, DeployScope::ManagementGroup];

    /// File name stem of the template for this scope.
    pub fn file_stem(self) -> &'static str {
        match self {
            DeployScope::Subscription => "subscription",
            DeployScope::ManagementGroup => "managementGroup",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Definition,
    SetDefinition,
}

impl Kind {
    pub fn resource_type(self) -> &'static str {
        match self {
            Kind::Definition => DEFINITION_TYPE,
            Kind::SetDefinition => SET_DEFINITION_TYPE,
        }
    }

    /// The path segment under `providers/Microsoft.Authorization/`.
    pub fn collection(self) -> &'static str {
        match self {
            Kind::Definition => "policyDefinitions",
            Kind::SetDefinition => "policySetDefinitions",
        }
    }
}

/// One policy resource as Azure stores it, before any target's wrapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub kind: Kind,
    /// The id in the pack (rule or initiative id).
    pub id: String,
    /// The Azure resource name (deterministic UUID).
    pub name: String,
    /// `properties` exactly as in the `azure` target's file.
    pub properties: Value,
    /// For set definitions: the Azure name of each member, in order, so a
    /// target can rewrite `policyDefinitionId` for its own scope; a built-in
    /// member's is its full id (see [`is_builtin`]), which stays as it is.
    pub members: Vec<String>,
}

/// Definitions first, then initiatives (the order they must be deployed in).
pub fn resources(pack: &Pack) -> Vec<Resource> {
    let mut out = Vec::new();
    for d in &pack.definitions {
        out.push(Resource {
            kind: Kind::Definition,
            id: d.id.clone(),
            name: d.name.clone(),
            properties: properties_of(definition(d, pack)),
            members: Vec::new(),
        });
    }
    for i in &pack.initiatives {
        out.push(Resource {
            kind: Kind::SetDefinition,
            id: i.id.clone(),
            name: i.name.clone(),
            properties: properties_of(initiative(i, pack)),
            members: i
                .members
                .iter()
                .map(|m| {
                    if m.builtin {
                        super::initiative::member_id(m, "")
                    } else {
                        m.definition_name.clone()
                    }
                })
                .collect(),
        });
    }
    out
}

fn properties_of(mut v: Value) -> Value {
    v.get_mut("properties")
        .map(Value::take)
        .unwrap_or(Value::Null)
}

/// Whether a member (an entry of [`Resource::members`]) is a built-in
/// definition, referred to by its full id wherever the set is deployed.
pub fn is_builtin(member: &str) -> bool {
    member.starts_with('/')
}

/// Sets each member's `policyDefinitionId` of a set definition's properties
/// to `id_of(member name)`, built-in members excepted.
pub fn rewrite_member_ids(r: &Resource, id_of: impl Fn(&str) -> Value) -> Value {
    let mut props = r.properties.clone();
    if let Some(members) = props
        .get_mut("policyDefinitions")
        .and_then(Value::as_array_mut)
    {
        for (m, name) in members.iter_mut().zip(&r.members) {
            if is_builtin(name) {
                continue;
            }
            if let Some(o) = m.as_object_mut() {
                o.insert("policyDefinitionId".into(), id_of(name));
            }
        }
    }
    props
}
