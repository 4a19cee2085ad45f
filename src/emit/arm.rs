//! ARM templates: `<pack>/arm/subscription.json` and
//! `<pack>/arm/managementGroup.json`, each deploying every definition and
//! initiative of the pack into the deployment's own scope, then the
//! assignments, role assignments and exemptions `placement` plans for it.
//!
//! The template engine evaluates any string that starts with `[` and ends
//! with `]` as an expression, and reads a leading `[[` as a literal `[`.
//! Policy rules are full of such strings (`[parameters('effect')]`) that must
//! reach Azure unevaluated, so every one of them gets one more `[` here
//! ([`escape_for_template`]); the engine strips it at deployment and Azure
//! stores exactly the `azure` target's definition.

use super::OutputFile;
use super::model::{
    DeployScope, Kind, POLICY_API_VERSION, Resource, is_builtin, resources, rewrite_member_ids,
};
use super::placement::{
    self, ASSIGNMENT_TYPE, MANAGEMENT_GROUP_SCHEMA, Named, Refs, SUBSCRIPTION_SCHEMA,
};
use super::pretty;
use crate::ir::{Assignment, Pack};
use serde_json::{Map, Value, json};

pub fn files(pack: &Pack) -> Vec<OutputFile> {
    DeployScope::ALL
        .iter()
        .map(|&scope| OutputFile {
            path: format!("{}/arm/{}.json", pack.id, scope.file_stem()),
            contents: pretty(&template(pack, scope)),
        })
        .collect()
}

pub fn template(pack: &Pack, scope: DeployScope) -> Value {
    let schema = match scope {
        DeployScope::Subscription => SUBSCRIPTION_SCHEMA,
        DeployScope::ManagementGroup => MANAGEMENT_GROUP_SCHEMA,
    };
    let all = resources(pack);
    let defs: Vec<&Resource> = all.iter().filter(|r| r.kind == Kind::Definition).collect();
    let mut list: Vec<Value> = all.iter().map(|r| resource(r, scope, &defs)).collect();
    let plan = placement::plan(pack, scope);
    list.extend(
        placement::resources(&plan, &ArmRefs(scope))
            .iter()
            .map(placement::Res::to_arm),
    );
    let mut metadata =
        json!({ "generator": "acrpc", "pack": pack.id, "packVersion": pack.version });
    if !plan.left_out.is_empty()
        && let Some(m) = metadata.as_object_mut()
    {
        m.insert("notDeployed".into(), json!(plan.left_out));
    }
    json!({
        "$schema": schema,
        "contentVersion": "1.0.0.0",
        "metadata": metadata,
        "resources": list,
    })
}

/// ARM's way of writing references: template expressions.
struct ArmRefs(DeployScope);

impl ArmRefs {
    /// `subscriptionResourceId('type', 'name')` or its management-group twin.
    fn id_expr(&self, r: Named) -> String {
        let f = match self.0 {
            DeployScope::Subscription => "subscriptionResourceId",
            DeployScope::ManagementGroup => "managementGroupResourceId",
        };
        let (ty, name) = match r {
            Named::Policy(kind, _, name) => (kind.resource_type(), name),
            Named::Assignment(a) => (ASSIGNMENT_TYPE, a.id.as_str()),
        };
        format!("{f}('{ty}', '{}')", quote(name))
    }
}

/// A template-expression string literal's body: `'` doubled.
fn quote(s: &str) -> String {
    s.replace('\'', "''")
}

impl Refs for ArmRefs {
    fn literal(&self, v: Value) -> Value {
        escape_for_template(&v)
    }

    fn id(&self, r: Named) -> Value {
        json!(format!("[{}]", self.id_expr(r)))
    }

    fn principal_id(&self, a: &Assignment) -> Value {
        json!(format!(
            "[reference({}, '{POLICY_API_VERSION}', 'Full').identity.principalId]",
            self.id_expr(Named::Assignment(a))
        ))
    }

    fn guid(&self, a: &Assignment, parts: &[&str]) -> Value {
        let mut args = vec![self.id_expr(Named::Assignment(a))];
        args.extend(parts.iter().map(|p| format!("'{}'", quote(p))));
        json!(format!("[guid({})]", args.join(", ")))
    }

    fn deployment_location(&self) -> Value {
        json!("[deployment().location]")
    }

    fn depends_on(&self, on: Vec<Value>) -> Option<Value> {
        Some(Value::Array(on))
    }
}

/// `[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', 'name')]`
/// or its management-group twin: the id of a definition deployed by the same
/// template.
pub fn definition_id_expr(scope: DeployScope, name: &str) -> String {
    let f = match scope {
        DeployScope::Subscription => "subscriptionResourceId",
        DeployScope::ManagementGroup => "managementGroupResourceId",
    };
    format!("[{f}('{}', '{name}')]", Kind::Definition.resource_type())
}

fn resource(r: &Resource, scope: DeployScope, defs: &[&Resource]) -> Value {
    let props = match r.kind {
        Kind::Definition => r.properties.clone(),
        Kind::SetDefinition => rewrite_member_ids(r, |_| Value::Null),
    };
    let mut props = escape_for_template(&props);
    let mut m = Map::new();
    m.insert("type".into(), json!(r.kind.resource_type()));
    m.insert("apiVersion".into(), json!(POLICY_API_VERSION));
    m.insert("name".into(), json!(r.name));
    if r.kind == Kind::SetDefinition {
        // Member ids are template expressions: inserted after escaping.
        if let Some(members) = props
            .get_mut("policyDefinitions")
            .and_then(Value::as_array_mut)
        {
            for (member, name) in members.iter_mut().zip(&r.members) {
                if is_builtin(name) {
                    continue;
                }
                if let Some(o) = member.as_object_mut() {
                    o.insert(
                        "policyDefinitionId".into(),
                        json!(definition_id_expr(scope, name)),
                    );
                }
            }
        }
        let mut deps: Vec<String> = Vec::new();
        for name in &r.members {
            if defs.iter().any(|d| &d.name == name) {
                let id = definition_id_expr(scope, name);
                if !deps.contains(&id) {
                    deps.push(id);
                }
            }
        }
        m.insert("dependsOn".into(), json!(deps));
    }
    m.insert("properties".into(), props);
    Value::Object(m)
}

/// Every string that the template engine would evaluate (starts with `[`
/// and ends with `]`) gets one more leading `[` (`expr::escape_literal`,
/// the same rule as the `azure` target's literals). Object keys are not
/// evaluated and stay as they are.
pub fn escape_for_template(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::expr::escape_literal(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(escape_for_template).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), escape_for_template(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
