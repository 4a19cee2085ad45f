//! `checker.json`: the local checker's rules. Versioned (`format`), described
//! by the JSON Schema `schemas/checker.schema.json` (embedded here) and
//! documented in docs/checker-format.md.

use super::definition::{parameters, policy_rule};
use crate::ir::{Origin, Pack};
use serde_json::{Map, Value, json};

pub const CHECKER_FORMAT: &str = "acrpc-checker/1";

const SCHEMA: &str = include_str!("../../schemas/checker.schema.json");

/// The JSON Schema every checker.json satisfies.
pub fn checker_schema() -> Value {
    serde_json::from_str(SCHEMA).unwrap_or(Value::Null)
}

pub fn checker(pack: &Pack) -> Value {
    let rules: Vec<Value> = pack
        .definitions
        .iter()
        .map(|d| {
            let mut m = Map::new();
            m.insert("id".into(), json!(d.id));
            m.insert("definitionName".into(), json!(d.name));
            if let Origin::ModifyCompanion { of } = &d.origin {
                m.insert("companionOf".into(), json!(of));
            }
            m.insert("title".into(), json!(d.display_name));
            if let Some(desc) = &d.description {
                m.insert("description".into(), json!(desc));
            }
            m.insert("message".into(), json!(d.message));
            if let Some(r) = &d.remediation {
                m.insert("remediation".into(), json!(r));
            }
            m.insert("severity".into(), json!(d.severity.as_str()));
            m.insert("practice".into(), json!(d.practice));
            m.insert("controls".into(), json!(d.controls));
            m.insert("kind".into(), json!(d.kind));
            m.insert("resourceType".into(), json!(d.resource_type));
            m.insert("mode".into(), json!(d.mode.as_azure_str()));
            m.insert("parameters".into(), parameters(d));
            m.insert("policyRule".into(), policy_rule(d, true));
            Value::Object(m)
        })
        .collect();
    json!({
        "format": CHECKER_FORMAT,
        "pack": {
            "id": pack.id,
            "title": pack.title,
            "version": pack.version,
            "category": pack.category,
        },
        "rules": rules,
    })
}
