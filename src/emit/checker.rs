//! `checker.json`: the local checker's rules. Versioned (`format`), described
//! by the JSON Schema `schemas/checker.schema.json` (embedded here) and
//! documented in docs/checker-format.md.

use super::definition::{ParametersJson, PolicyRuleJson};
use super::json::to_value;
use crate::ir::{Definition, Origin, Pack};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

pub const CHECKER_FORMAT: &str = "acrpc-checker/1";

const SCHEMA: &str = include_str!("../../schemas/checker.schema.json");

/// The JSON Schema every checker.json satisfies.
pub fn checker_schema() -> Value {
    serde_json::from_str(SCHEMA).unwrap_or(Value::Null)
}

pub fn checker(pack: &Pack) -> Value {
    to_value(&CheckerJson(pack))
}

/// `checker.json` as a borrowed view: serialised rule by rule, so the file
/// is written without a JSON tree of the whole pack.
pub struct CheckerJson<'a>(pub &'a Pack);

impl Serialize for CheckerJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pack = self.0;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("format", CHECKER_FORMAT)?;
        m.serialize_entry(
            "pack",
            &PackJson {
                id: &pack.id,
                title: &pack.title,
                version: &pack.version,
                category: &pack.category,
            },
        )?;
        m.serialize_entry("rules", &Rules(&pack.definitions))?;
        m.end()
    }
}

#[derive(Serialize)]
struct PackJson<'a> {
    id: &'a str,
    title: &'a str,
    version: &'a str,
    category: &'a str,
}

struct Rules<'a>(&'a [Definition]);

impl Serialize for Rules<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for d in self.0 {
            seq.serialize_element(&RuleJson::new(d))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleJson<'a> {
    id: &'a str,
    definition_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    companion_of: Option<&'a str>,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<&'a str>,
    severity: &'static str,
    practice: &'a str,
    controls: &'a [String],
    kind: &'a str,
    resource_type: &'a str,
    mode: &'static str,
    parameters: ParametersJson<'a>,
    policy_rule: PolicyRuleJson<'a>,
}

impl<'a> RuleJson<'a> {
    fn new(d: &'a Definition) -> Self {
        RuleJson {
            id: &d.id,
            definition_name: &d.name,
            companion_of: match &d.origin {
                Origin::ModifyCompanion { of } => Some(of),
                Origin::Rule => None,
            },
            title: &d.display_name,
            description: d.description.as_deref(),
            message: &d.message,
            remediation: d.remediation.as_deref(),
            severity: d.severity.as_str(),
            practice: &d.practice,
            controls: &d.controls,
            kind: &d.kind,
            resource_type: &d.resource_type,
            mode: d.mode.as_azure_str(),
            parameters: ParametersJson(d),
            policy_rule: PolicyRuleJson::new(d, true),
        }
    }
}
