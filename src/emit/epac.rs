//! Enterprise Policy as Code (EPAC) files:
//! `<pack>/epac/policyDefinitions/<id>.json` and
//! `<pack>/epac/policySetDefinitions/<id>.json`, to be copied under an EPAC
//! repository's `Definitions/` folder. EPAC deploys them itself to the scope
//! of its `pacEnvironment`, so set members refer to custom definitions by
//! `policyDefinitionName` rather than by a scoped id.
//!
//! EPAC's set schema allows fewer keys than Azure: no `version` in
//! `properties` and only `name` in a group, so those are left out of set
//! files (the member `definitionVersion`s stay).
//!
//! Assignments are EPAC assignment files
//! (`<pack>/epac/policyAssignments/<id>.jsonc`: `nodeName`, `assignment`,
//! `definitionEntry`, and per pacSelector `scope`, `notScopes`,
//! `managedIdentityLocations`, `userAssignedIdentity`,
//! `additionalRoleAssignments`); EPAC assigns the roles of the members'
//! `roleDefinitionIds` at the assignment scope itself, so only roles at other
//! scopes are listed. Exemptions are one EPAC exemption file per pacSelector
//! folder (`<pack>/epac/policyExemptions/<selector>/<pack>.json`). Formats:
//! Azure/enterprise-azure-policy-as-code `Schemas/policy-assignment-schema.json`
//! and the docs pages "Policy Assignments" and "Policy Exemptions". The
//! pacSelector is the `--env` environment's name; without `--env` it is
//! `*` in assignment files and the exemption folder is `all` (copy it into
//! each pacSelector folder).

use super::model::{Kind, Resource, resources};
use super::{OutputFile, pretty};
use crate::ir::{Assigned, Assignment, Identity, Pack};
use serde_json::{Map, Value, json};

pub const DEFINITION_SCHEMA: &str = "https://raw.githubusercontent.com/Azure/enterprise-azure-policy-as-code/main/Schemas/policy-definition-schema.json";
pub const SET_DEFINITION_SCHEMA: &str = "https://raw.githubusercontent.com/Azure/enterprise-azure-policy-as-code/main/Schemas/policy-set-definition-schema.json";

pub const ASSIGNMENT_SCHEMA: &str = "https://raw.githubusercontent.com/Azure/enterprise-azure-policy-as-code/main/Schemas/policy-assignment-schema.json";
pub const EXEMPTION_SCHEMA: &str = "https://raw.githubusercontent.com/Azure/enterprise-azure-policy-as-code/main/Schemas/policy-exemption-schema.json";

pub fn files(pack: &Pack) -> Vec<OutputFile> {
    let mut out: Vec<OutputFile> = resources(pack)
        .iter()
        .map(|r| OutputFile {
            path: format!("{}/epac/{}/{}.json", pack.id, r.kind.collection(), r.id),
            contents: pretty(&file(r)),
        })
        .collect();
    for a in &pack.assignments {
        out.push(OutputFile {
            path: format!("{}/epac/policyAssignments/{}.jsonc", pack.id, a.id),
            contents: pretty(&assignment_file(a, pack)),
        });
    }
    if !pack.exemptions.is_empty() {
        let folder = pack
            .assignments
            .first()
            .and_then(|a| a.environment.as_deref())
            .unwrap_or("all");
        out.push(OutputFile {
            path: format!(
                "{}/epac/policyExemptions/{folder}/{}.json",
                pack.id, pack.id
            ),
            contents: pretty(&exemptions_file(pack)),
        });
    }
    out
}

/// The pacSelector an assignment is written for.
fn selector(a: &Assignment) -> &str {
    a.environment.as_deref().unwrap_or("*")
}

fn assignment_file(a: &Assignment, pack: &Pack) -> Value {
    let body = super::assignment::assignment(a, pack);
    let scope = body
        .pointer("/properties/metadata/acrpc/scope")
        .cloned()
        .unwrap_or(Value::Null);
    let body = super::assignment::without_unknown_scope(body.clone());
    let props = body.get("properties").unwrap_or(&Value::Null);
    let sel = selector(a);
    let mut entry = Map::new();
    match &a.assigned {
        Assigned::Initiative { name, .. } => entry.insert("policySetName".into(), json!(name)),
        Assigned::Definition { name, .. } => entry.insert("policyName".into(), json!(name)),
    };
    if let Some(v) = &a.definition_version {
        entry.insert("definitionVersion".into(), json!(v));
    }
    let mut assignment = Map::new();
    assignment.insert("name".into(), json!(a.id));
    assignment.insert("displayName".into(), json!(a.display_name));
    if let Some(d) = &a.description {
        assignment.insert("description".into(), json!(d));
    }
    let mut m = Map::new();
    m.insert("$schema".into(), json!(ASSIGNMENT_SCHEMA));
    m.insert(
        "nodeName".into(),
        json!(format!("/acrpc/{}/{}", pack.id, a.id)),
    );
    m.insert("assignment".into(), Value::Object(assignment));
    m.insert("definitionEntry".into(), Value::Object(entry));
    if let Some(md) = props.get("metadata") {
        m.insert("metadata".into(), md.clone());
    }
    m.insert("enforcementMode".into(), props["enforcementMode"].clone());
    // EPAC takes parameter values bare, not as `{value}`.
    let params: Map<String, Value> = props["parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.get("value").cloned().unwrap_or(Value::Null)))
        .collect();
    m.insert("parameters".into(), Value::Object(params));
    for key in ["nonComplianceMessages", "resourceSelectors", "overrides"] {
        if let Some(v) = props.get(key) {
            m.insert(key.into(), v.clone());
        }
    }
    m.insert("scope".into(), json!({ sel: [scope] }));
    if !a.not_scopes.is_empty() {
        m.insert("notScopes".into(), json!({ sel: a.not_scopes }));
    }
    if let Some(l) = &a.location {
        m.insert("managedIdentityLocations".into(), json!({ sel: l }));
    }
    if let Some(Identity::User(id)) = &a.identity {
        m.insert("userAssignedIdentity".into(), json!({ sel: id }));
    }
    let extra: Vec<Value> = a
        .role_assignments
        .iter()
        .filter_map(|r| {
            let s = r.scope.as_deref()?;
            (a.scope.as_deref() != Some(s))
                .then(|| json!({ "roleDefinitionId": r.role_definition_id, "scope": s }))
        })
        .collect();
    if !extra.is_empty() {
        m.insert("additionalRoleAssignments".into(), json!({ sel: extra }));
    }
    Value::Object(m)
}

fn exemptions_file(pack: &Pack) -> Value {
    let list: Vec<Value> = pack
        .exemptions
        .iter()
        .map(|e| {
            let body = super::assignment::exemption(e, pack);
            let scope = body
                .pointer("/properties/metadata/acrpc/scope")
                .cloned()
                .unwrap_or(Value::Null);
            let body = super::assignment::without_unknown_scope(body);
            let props = body.get("properties").unwrap_or(&Value::Null);
            let mut m = Map::new();
            m.insert("name".into(), json!(e.id));
            m.insert(
                "displayName".into(),
                json!(e.display_name.as_deref().unwrap_or(&e.id)),
            );
            if let Some(d) = &e.description {
                m.insert("description".into(), json!(d));
            }
            m.insert("exemptionCategory".into(), json!(e.category));
            if let Some(x) = props.get("expiresOn") {
                m.insert("expiresOn".into(), x.clone());
            }
            m.insert("scope".into(), scope);
            for key in [
                "policyAssignmentId",
                "policyDefinitionReferenceIds",
                "metadata",
                "resourceSelectors",
            ] {
                if let Some(v) = props.get(key) {
                    m.insert(key.into(), v.clone());
                }
            }
            Value::Object(m)
        })
        .collect();
    json!({ "$schema": EXEMPTION_SCHEMA, "exemptions": list })
}

fn file(r: &Resource) -> Value {
    let (schema, props) = match r.kind {
        Kind::Definition => (DEFINITION_SCHEMA, r.properties.clone()),
        Kind::SetDefinition => (SET_DEFINITION_SCHEMA, set_properties(r)),
    };
    json!({
        "$schema": schema,
        "name": r.name,
        "type": r.kind.resource_type(),
        "properties": props,
    })
}

fn set_properties(r: &Resource) -> Value {
    let mut out = Map::new();
    let Some(props) = r.properties.as_object() else {
        return Value::Object(out);
    };
    for (k, v) in props {
        match k.as_str() {
            "version" => {}
            "policyDefinitionGroups" => {
                let groups: Vec<Value> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|g| json!({ "name": g.get("name").cloned().unwrap_or(Value::Null) }))
                    .collect();
                out.insert(k.clone(), Value::Array(groups));
            }
            "policyDefinitions" => {
                let members: Vec<Value> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .zip(&r.members)
                    .map(|(m, name)| member(m, name))
                    .collect();
                out.insert(k.clone(), Value::Array(members));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The member with `policyDefinitionName` in place of `policyDefinitionId`
/// (built-in members excepted),
/// keeping the key order.
fn member(m: &Value, name: &str) -> Value {
    let mut out = Map::new();
    for (k, v) in m.as_object().into_iter().flatten() {
        // A built-in member keeps its id (EPAC resolves names in the pack).
        if k == "policyDefinitionId" && !super::model::is_builtin(name) {
            out.insert("policyDefinitionName".into(), json!(name));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}
