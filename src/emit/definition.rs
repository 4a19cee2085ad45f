//! One policy definition, in the file shape of Azure's built-ins:
//! `{ name, properties: { displayName, description, policyType, mode,
//! metadata, version, parameters, policyRule } }`.
//!
//! Written as borrowed `Serialize` views of the IR (field order = JSON key
//! order): `pack_files` serialises them straight to text, and the
//! `Value`-returning functions here are `to_value` of the same views.

use super::json::{ConditionJson, OperandJson, to_value};
use crate::ir::{
    Definition, Deployment, Details, Effect, ExistenceDetails, ModifyDetails, ModifyOperation,
    Operand, Pack, Param,
};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

pub fn definition(d: &Definition, pack: &Pack) -> Value {
    to_value(&DefinitionJson::new(d, pack))
}

pub fn param(p: &Param) -> Value {
    to_value(&ParamJson(p))
}

/// A definition file.
#[derive(Serialize)]
pub struct DefinitionJson<'a> {
    name: &'a str,
    properties: PropertiesJson<'a>,
}

impl<'a> DefinitionJson<'a> {
    pub fn new(d: &'a Definition, pack: &'a Pack) -> Self {
        DefinitionJson {
            name: &d.name,
            properties: PropertiesJson {
                display_name: &d.display_name,
                description: d.description.as_deref(),
                policy_type: "Custom",
                mode: d.mode.as_azure_str(),
                metadata: MetadataJson {
                    version: &d.metadata_version,
                    category: &d.category,
                    preview: d.preview,
                    deprecated: d.deprecated,
                    practice: &d.practice,
                    severity: d.severity.as_str(),
                    controls: &d.controls,
                    // Ownership, so that `acrpc publish --prune` knows what this pack made.
                    acrpc: Owner {
                        pack: &pack.id,
                        id: &d.id,
                    },
                },
                version: &d.version,
                parameters: ParametersJson(d),
                policy_rule: PolicyRuleJson::new(d, false),
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PropertiesJson<'a> {
    display_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    policy_type: &'static str,
    mode: &'static str,
    metadata: MetadataJson<'a>,
    version: &'a str,
    parameters: ParametersJson<'a>,
    policy_rule: PolicyRuleJson<'a>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize)]
struct MetadataJson<'a> {
    version: &'a str,
    category: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    preview: bool,
    #[serde(skip_serializing_if = "is_false")]
    deprecated: bool,
    practice: &'a str,
    severity: &'static str,
    controls: &'a [String],
    acrpc: Owner<'a>,
}

#[derive(Serialize)]
struct Owner<'a> {
    pack: &'a str,
    id: &'a str,
}

/// `parameters`: `effect`, then the rule's own.
pub struct ParametersJson<'a>(pub &'a Definition);

impl Serialize for ParametersJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut m = s.serialize_map(Some(1 + d.params.len()))?;
        m.serialize_entry(
            "effect",
            &EffectParamJson {
                ty: "String",
                metadata: EffectMetadata {
                    display_name: "Effect",
                    description: "Enable or disable the execution of the policy",
                },
                allowed_values: Effects(&d.effects),
                default_value: d.default_effect.as_azure_str(),
            },
        )?;
        for p in &d.params {
            m.serialize_entry(&p.name, &ParamJson(p))?;
        }
        m.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EffectParamJson<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    metadata: EffectMetadata,
    allowed_values: Effects<'a>,
    default_value: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EffectMetadata {
    display_name: &'static str,
    description: &'static str,
}

struct Effects<'a>(&'a [Effect]);

impl Serialize for Effects<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            seq.serialize_element(e.as_azure_str())?;
        }
        seq.end()
    }
}

/// One parameter of a definition (initiatives use it too).
pub struct ParamJson<'a>(pub &'a Param);

impl Serialize for ParamJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", p.ty.as_azure_str())?;
        m.serialize_entry("metadata", &ParamMetadata(p))?;
        if let Some(a) = &p.allowed {
            m.serialize_entry("allowedValues", a)?;
        }
        if let Some(d) = &p.default {
            m.serialize_entry("defaultValue", d)?;
        }
        m.end()
    }
}

struct ParamMetadata<'a>(&'a Param);

impl Serialize for ParamMetadata<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("displayName", p.display_name.as_ref().unwrap_or(&p.name))?;
        if let Some(d) = &p.description {
            m.serialize_entry("description", d)?;
        }
        if let Some(t) = &p.strong_type {
            m.serialize_entry("strongType", t)?;
        }
        if p.assign_permissions {
            m.serialize_entry("assignPermissions", &true)?;
        }
        m.end()
    }
}

/// `policyRule`: `{ if, then: { effect, details? } }`.
#[derive(Serialize)]
pub struct PolicyRuleJson<'a> {
    #[serde(rename = "if")]
    condition: ConditionJson<'a>,
    then: ThenJson<'a>,
}

impl<'a> PolicyRuleJson<'a> {
    pub fn new(d: &'a Definition, with_paths: bool) -> Self {
        PolicyRuleJson {
            condition: ConditionJson {
                condition: &d.condition,
                with_paths,
            },
            then: ThenJson {
                effect: "[parameters('effect')]",
                details: d.details.as_ref().map(|details| DetailsJson {
                    details,
                    with_paths,
                }),
            },
        }
    }
}

#[derive(Serialize)]
struct ThenJson<'a> {
    effect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<DetailsJson<'a>>,
}

struct DetailsJson<'a> {
    details: &'a Details,
    with_paths: bool,
}

impl Serialize for DetailsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let with_paths = self.with_paths;
        match self.details {
            Details::Manual { default_state } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("defaultState", default_state)?;
                m.end()
            }
            Details::Modify(modify) => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("roleDefinitionIds", &modify.role_definition_ids)?;
                m.serialize_entry("conflictEffect", &modify.conflict_effect)?;
                m.serialize_entry("operations", &ModifyOperations(modify, with_paths))?;
                m.end()
            }
            Details::Existence(e) => ExistenceJson(e, with_paths).serialize(s),
        }
    }
}

struct ModifyOperations<'a>(&'a ModifyDetails, bool);

impl Serialize for ModifyOperations<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.operations.len()))?;
        for o in &self.0.operations {
            seq.serialize_element(&ModifyOperationJson(o, self.1))?;
        }
        seq.end()
    }
}

struct ModifyOperationJson<'a>(&'a ModifyOperation, bool);

impl Serialize for ModifyOperationJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("operation", "addOrReplace")?;
        m.serialize_entry("field", &o.field.field)?;
        if self.1
            && let Some(p) = &o.field.arm_path
        {
            m.serialize_entry("path", p)?;
        }
        m.serialize_entry("value", &OperandJson(&o.value))?;
        m.end()
    }
}

struct ExistenceJson<'a>(&'a ExistenceDetails, bool);

impl Serialize for ExistenceJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (e, with_paths) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", &e.resource_type)?;
        if let Some(n) = &e.name {
            m.serialize_entry("name", &OperandJson(n))?;
        }
        if let Some(x) = &e.existence_scope {
            m.serialize_entry("existenceScope", x)?;
        }
        if let Some(x) = &e.evaluation_delay {
            m.serialize_entry("evaluationDelay", x)?;
        }
        if let Some(c) = &e.existence_condition {
            m.serialize_entry(
                "existenceCondition",
                &ConditionJson {
                    condition: c,
                    with_paths,
                },
            )?;
        }
        if !e.role_definition_ids.is_empty() {
            m.serialize_entry("roleDefinitionIds", &e.role_definition_ids)?;
        }
        if let Some(dep) = &e.deployment {
            if let Some(x) = &dep.scope {
                m.serialize_entry("deploymentScope", x)?;
            }
            m.serialize_entry("deployment", &DeploymentJson(dep))?;
        }
        m.end()
    }
}

struct DeploymentJson<'a>(&'a Deployment);

impl Serialize for DeploymentJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let dep = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(l) = &dep.location {
            m.serialize_entry("location", l)?;
        }
        m.serialize_entry(
            "properties",
            &DeploymentProperties {
                mode: "Incremental",
                template: &dep.template,
                parameters: DeploymentParameters(&dep.parameters),
            },
        )?;
        m.end()
    }
}

#[derive(Serialize)]
struct DeploymentProperties<'a> {
    mode: &'static str,
    template: &'a Value,
    parameters: DeploymentParameters<'a>,
}

/// `{ "<name>": { "value": <operand> } }`. A name bound twice keeps its
/// first position and its last value, as a JSON object built by inserting
/// the bindings in order would.
struct DeploymentParameters<'a>(&'a [(String, Operand)]);

impl Serialize for DeploymentParameters<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if self.0.iter().take(i).any(|(earlier, _)| earlier == k) {
                continue;
            }
            let last = self
                .0
                .iter()
                .rev()
                .find(|(x, _)| x == k)
                .map_or(v, |(_, v)| v);
            m.serialize_entry(k, &ValueOf(last))?;
        }
        m.end()
    }
}

/// `{ "value": <operand> }`.
struct ValueOf<'a>(&'a Operand);

impl Serialize for ValueOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("value", &OperandJson(self.0))?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    /// A name bound twice: the text path must give what inserting the
    /// bindings into a JSON object gives (first position, last value).
    #[test]
    fn deployment_parameters_bound_twice_keep_map_semantics() {
        let bindings = vec![
            ("a".to_string(), Operand::Literal(json!(1))),
            ("b".to_string(), Operand::Expr("field('name')".into())),
            ("a".to_string(), Operand::Literal(json!("[x]"))),
        ];
        let mut expected = Map::new();
        for (k, v) in &bindings {
            expected.insert(k.clone(), json!({ "value": super::super::operand(v) }));
        }
        let text = super::super::pretty(&DeploymentParameters(&bindings));
        assert_eq!(text, super::super::pretty(&Value::Object(expected)));
        assert!(text.contains("\"[[x]\""), "{text}");
    }
}
