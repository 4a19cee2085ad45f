//! One policy definition, in the file shape of Azure's built-ins:
//! `{ name, properties: { displayName, description, policyType, mode,
//! metadata, version, parameters, policyRule } }`.

use super::{condition, operand};
use crate::ir::{Definition, Details, Effect, Pack, Param};
use serde_json::{Map, Value, json};

pub fn definition(d: &Definition, pack: &Pack) -> Value {
    let mut props = Map::new();
    props.insert("displayName".into(), json!(d.display_name));
    if let Some(desc) = &d.description {
        props.insert("description".into(), json!(desc));
    }
    props.insert("policyType".into(), json!("Custom"));
    props.insert("mode".into(), json!(d.mode.as_azure_str()));
    props.insert("metadata".into(), metadata(d, pack));
    props.insert("version".into(), json!(d.version));
    props.insert("parameters".into(), parameters(d));
    props.insert("policyRule".into(), policy_rule(d, false));
    json!({ "name": d.name, "properties": Value::Object(props) })
}

fn metadata(d: &Definition, pack: &Pack) -> Value {
    let mut m = Map::new();
    m.insert("version".into(), json!(d.metadata_version));
    m.insert("category".into(), json!(d.category));
    if d.preview {
        m.insert("preview".into(), json!(true));
    }
    if d.deprecated {
        m.insert("deprecated".into(), json!(true));
    }
    m.insert("practice".into(), json!(d.practice));
    m.insert("severity".into(), json!(d.severity.as_str()));
    m.insert("controls".into(), json!(d.controls));
    // Ownership, so that `acrpc publish --prune` knows what this pack made.
    m.insert("acrpc".into(), json!({ "pack": pack.id, "id": d.id }));
    Value::Object(m)
}

/// The effect parameter first, then the rule's own, in declaration order.
pub fn parameters(d: &Definition) -> Value {
    let mut m = Map::new();
    m.insert("effect".into(), effect_param(&d.effects, d.default_effect));
    for p in &d.params {
        m.insert(p.name.clone(), param(p));
    }
    Value::Object(m)
}

fn effect_param(allowed: &[Effect], default: Effect) -> Value {
    json!({
        "type": "String",
        "metadata": {
            "displayName": "Effect",
            "description": "Enable or disable the execution of the policy"
        },
        "allowedValues": allowed.iter().map(|e| e.as_azure_str()).collect::<Vec<_>>(),
        "defaultValue": default.as_azure_str(),
    })
}

pub fn param(p: &Param) -> Value {
    let mut meta = Map::new();
    meta.insert(
        "displayName".into(),
        json!(p.display_name.clone().unwrap_or_else(|| p.name.clone())),
    );
    if let Some(d) = &p.description {
        meta.insert("description".into(), json!(d));
    }
    if let Some(s) = &p.strong_type {
        meta.insert("strongType".into(), json!(s));
    }
    if p.assign_permissions {
        meta.insert("assignPermissions".into(), json!(true));
    }
    let mut m = Map::new();
    m.insert("type".into(), json!(p.ty.as_azure_str()));
    m.insert("metadata".into(), Value::Object(meta));
    if let Some(a) = &p.allowed {
        m.insert("allowedValues".into(), json!(a));
    }
    if let Some(d) = &p.default {
        m.insert("defaultValue".into(), d.clone());
    }
    Value::Object(m)
}

pub fn policy_rule(d: &Definition, with_paths: bool) -> Value {
    let mut then = Map::new();
    then.insert("effect".into(), json!("[parameters('effect')]"));
    if let Some(details) = &d.details {
        then.insert("details".into(), details_json(details, with_paths));
    }
    json!({ "if": condition(&d.condition, with_paths), "then": Value::Object(then) })
}

fn details_json(details: &Details, with_paths: bool) -> Value {
    match details {
        Details::Manual { default_state } => json!({ "defaultState": default_state }),
        Details::Modify(m) => {
            let ops: Vec<Value> = m
                .operations
                .iter()
                .map(|o| {
                    let mut op = Map::new();
                    op.insert("operation".into(), json!("addOrReplace"));
                    op.insert("field".into(), json!(o.field.field));
                    if with_paths && let Some(p) = &o.field.arm_path {
                        op.insert("path".into(), json!(p));
                    }
                    op.insert("value".into(), operand(&o.value));
                    Value::Object(op)
                })
                .collect();
            json!({
                "roleDefinitionIds": m.role_definition_ids,
                "conflictEffect": m.conflict_effect,
                "operations": ops,
            })
        }
        Details::Existence(e) => {
            let mut m = Map::new();
            m.insert("type".into(), json!(e.resource_type));
            if let Some(n) = &e.name {
                m.insert("name".into(), operand(n));
            }
            if let Some(s) = &e.existence_scope {
                m.insert("existenceScope".into(), json!(s));
            }
            if let Some(s) = &e.evaluation_delay {
                m.insert("evaluationDelay".into(), json!(s));
            }
            if let Some(c) = &e.existence_condition {
                m.insert("existenceCondition".into(), condition(c, with_paths));
            }
            if !e.role_definition_ids.is_empty() {
                m.insert("roleDefinitionIds".into(), json!(e.role_definition_ids));
            }
            if let Some(dep) = &e.deployment {
                if let Some(s) = &dep.scope {
                    m.insert("deploymentScope".into(), json!(s));
                }
                let mut deployment = Map::new();
                if let Some(l) = &dep.location {
                    deployment.insert("location".into(), json!(l));
                }
                let params: Map<String, Value> = dep
                    .parameters
                    .iter()
                    .map(|(k, v)| (k.clone(), json!({ "value": operand(v) })))
                    .collect();
                deployment.insert(
                    "properties".into(),
                    json!({
                        "mode": "Incremental",
                        "template": dep.template,
                        "parameters": Value::Object(params),
                    }),
                );
                m.insert("deployment".into(), Value::Object(deployment));
            }
            Value::Object(m)
        }
    }
}
