//! One policy set definition (initiative).

use super::definition::param;
use super::operand;
use crate::ir::{Initiative, Member, Pack};
use serde_json::{Map, Value, json};

/// Written where a member id needs the definitions' scope and none was given
/// (`--scope` or the pack's `scope`); see README "Output layout".
pub const SCOPE_PLACEHOLDER: &str = "{scope}";

pub fn initiative(i: &Initiative, pack: &Pack) -> Value {
    let scope = pack
        .scope
        .as_deref()
        .unwrap_or(SCOPE_PLACEHOLDER)
        .trim_end_matches('/');
    let mut props = Map::new();
    props.insert("displayName".into(), json!(i.display_name));
    if let Some(d) = &i.description {
        props.insert("description".into(), json!(d));
    }
    props.insert("policyType".into(), json!("Custom"));
    props.insert(
        "metadata".into(),
        json!({
            "version": i.metadata_version,
            "category": i.category,
            "acrpc": { "pack": pack.id, "id": i.id },
        }),
    );
    props.insert("version".into(), json!(i.version));
    // Effect parameters without a title are all "Effect" in the portal's
    // assignment form; when there are several, name each after its parameter
    // so they can be told apart.
    let untitled_effects = i
        .params
        .iter()
        .filter(|p| p.is_effect && p.display_name.is_none())
        .count();
    let params: Map<String, Value> = i
        .params
        .iter()
        .map(|p| {
            let mut v = param(p);
            if p.is_effect
                && let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut)
                && p.display_name.is_none()
            {
                let name = if untitled_effects > 1 {
                    format!("Effect ({})", p.name)
                } else {
                    "Effect".to_string()
                };
                meta.insert("displayName".into(), json!(name));
            }
            (p.name.clone(), v)
        })
        .collect();
    props.insert("parameters".into(), Value::Object(params));
    if !i.groups.is_empty() {
        let groups: Vec<Value> = i
            .groups
            .iter()
            .map(|g| {
                let mut m = Map::new();
                m.insert("name".into(), json!(g.name));
                m.insert("displayName".into(), json!(g.display_name));
                if let Some(c) = &g.category {
                    m.insert("category".into(), json!(c));
                }
                if let Some(d) = &g.description {
                    m.insert("description".into(), json!(d));
                }
                Value::Object(m)
            })
            .collect();
        props.insert("policyDefinitionGroups".into(), Value::Array(groups));
    }
    let members: Vec<Value> = i
        .members
        .iter()
        .map(|m| {
            let mut o = Map::new();
            o.insert("policyDefinitionReferenceId".into(), json!(m.reference_id));
            o.insert("policyDefinitionId".into(), json!(member_id(m, scope)));
            if let Some(v) = &m.definition_version {
                o.insert("definitionVersion".into(), json!(v));
            }
            if !m.parameters.is_empty() {
                let p: Map<String, Value> = m
                    .parameters
                    .iter()
                    .map(|(k, v)| (k.clone(), json!({ "value": operand(v) })))
                    .collect();
                o.insert("parameters".into(), Value::Object(p));
            }
            if !m.groups.is_empty() {
                o.insert("groupNames".into(), json!(m.groups));
            }
            Value::Object(o)
        })
        .collect();
    props.insert("policyDefinitions".into(), Value::Array(members));
    json!({ "name": i.name, "properties": Value::Object(props) })
}

/// The id of built-in definitions: no scope (tenant-wide).
pub const BUILTIN_PREFIX: &str = "/providers/Microsoft.Authorization/policyDefinitions/";

/// A member's `policyDefinitionId`: a built-in's has no scope, a rule of the
/// pack is at the pack's scope.
pub fn member_id(m: &Member, scope: &str) -> String {
    if m.builtin {
        format!("{BUILTIN_PREFIX}{}", m.definition_name)
    } else {
        format!("{scope}{BUILTIN_PREFIX}{}", m.definition_name)
    }
}
