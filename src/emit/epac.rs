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

use super::model::{Kind, Resource, resources};
use super::{OutputFile, pretty};
use crate::ir::Pack;
use serde_json::{Map, Value, json};

pub const DEFINITION_SCHEMA: &str = "https://raw.githubusercontent.com/Azure/enterprise-azure-policy-as-code/main/Schemas/policy-definition-schema.json";
pub const SET_DEFINITION_SCHEMA: &str = "https://raw.githubusercontent.com/Azure/enterprise-azure-policy-as-code/main/Schemas/policy-set-definition-schema.json";

pub fn files(pack: &Pack) -> Vec<OutputFile> {
    resources(pack)
        .iter()
        .map(|r| OutputFile {
            path: format!("{}/epac/{}/{}.json", pack.id, r.kind.collection(), r.id),
            contents: pretty(&file(r)),
        })
        .collect()
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
