//! Terraform plans (`terraform show -json plan.out`, format_version 1.x):
//! the azurerm 4 resources of a container registry mapped to the ARM bodies
//! Azure Policy sees. The mapping table is documented in docs/check.md and
//! tested below; attributes Terraform will only know after apply
//! (`after_unknown`) become unknown values.
#![allow(clippy::indexing_slicing)] // not yet worked down: 1 sites

use super::{Origin, Place, Problem, Resource, suppress, unknown_value};
use serde_json::{Map, Value, json};

pub fn looks_like(doc: &Value) -> bool {
    doc.get("format_version").is_some()
        && (doc.get("resource_changes").is_some() || doc.get("planned_values").is_some())
}

/// A planned resource: its address, azurerm type, attribute values and
/// where it is in the file.
struct Planned<'a> {
    address: String,
    tf_type: &'a str,
    values: Value,
    pointer: String,
}

pub fn load(doc: &Value, file: &str, text: &str) -> (Vec<Resource>, Vec<Problem>) {
    let planned = planned_resources(doc);
    let registries = registry_names(&planned);
    let mut out = Vec::new();
    let locator = super::locate::Locator::new(text);
    for p in &planned {
        let (line, column) = locator.line_col(text, &p.pointer);
        let place = Place {
            file: file.to_string(),
            pointer: p.pointer.clone(),
            line,
            column,
        };
        for mut r in map_resource(p, doc, &registries) {
            r.place = place.clone();
            r.suppressions = suppress::from_tags(&r.body);
            out.push(r);
        }
    }
    (out, Vec::new())
}

/// Resources after the plan: `resource_changes` (deleted ones left out),
/// unknown attributes marked; else `planned_values`.
fn planned_resources(doc: &Value) -> Vec<Planned<'_>> {
    if let Some(changes) = doc.get("resource_changes").and_then(Value::as_array) {
        return changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.get("mode").and_then(Value::as_str) != Some("data"))
            .filter_map(|(i, c)| {
                let change = c.get("change")?;
                let actions = change.get("actions").and_then(Value::as_array)?;
                if actions.iter().all(|a| a == "delete") {
                    return None;
                }
                let after = change.get("after").cloned().unwrap_or(Value::Null);
                let unknown = change.get("after_unknown").cloned().unwrap_or(Value::Null);
                Some(Planned {
                    address: c.get("address")?.as_str()?.to_string(),
                    tf_type: c.get("type")?.as_str()?,
                    values: mark_unknown(after, &unknown),
                    pointer: format!("/resource_changes/{i}"),
                })
            })
            .collect();
    }
    let mut out = Vec::new();
    if let Some(root) = doc.pointer("/planned_values/root_module") {
        module_resources(root, "/planned_values/root_module", &mut out);
    }
    out
}

fn module_resources<'a>(module: &'a Value, pointer: &str, out: &mut Vec<Planned<'a>>) {
    for (i, r) in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let (Some(address), Some(tf_type)) = (r["address"].as_str(), r["type"].as_str()) {
            out.push(Planned {
                address: address.to_string(),
                tf_type,
                values: r.get("values").cloned().unwrap_or(Value::Null),
                pointer: format!("{pointer}/resources/{i}"),
            });
        }
    }
    for (i, m) in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        module_resources(m, &format!("{pointer}/child_modules/{i}"), out);
    }
}

/// Replaces the attributes `after_unknown` marks `true` with unknown values.
fn mark_unknown(after: Value, unknown: &Value) -> Value {
    match (after, unknown) {
        (_, Value::Bool(true)) => unknown_value("known only after `terraform apply`"),
        (Value::Object(mut o), Value::Object(u)) => {
            for (k, flag) in u {
                let v = o.remove(k).unwrap_or(Value::Null);
                o.insert(k.clone(), mark_unknown(v, flag));
            }
            Value::Object(o)
        }
        (Value::Array(a), Value::Array(u)) => Value::Array(
            a.into_iter()
                .enumerate()
                .map(|(i, v)| mark_unknown(v, u.get(i).unwrap_or(&Value::Null)))
                .collect(),
        ),
        (v, _) => v,
    }
}

/// Registry addresses → names, to link resources that refer to a registry
/// (`container_registry_name`, `target_resource_id`) when ids are unknown.
fn registry_names(planned: &[Planned]) -> Vec<(String, String)> {
    planned
        .iter()
        .filter(|p| p.tf_type == "azurerm_container_registry")
        .filter_map(|p| {
            Some((
                p.address.clone(),
                p.values.get("name")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

fn s(v: &Value, key: &str) -> Option<Value> {
    v.get(key).filter(|x| !x.is_null()).cloned()
}

fn first_block<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get(key).and_then(Value::as_array).and_then(|a| a.first())
}

/// `true` → `"Enabled"`, `false` → `"Disabled"` (and the lower-case
/// variants for `policies.*.status`), unknown stays unknown.
fn status(v: Option<Value>, enabled: &str, disabled: &str) -> Option<Value> {
    match v? {
        Value::Bool(b) => Some(Value::String(
            if b { enabled } else { disabled }.to_string(),
        )),
        other => Some(other),
    }
}

fn insert(map: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        map.insert(key.to_string(), v);
    }
}

fn base(ty: &str, full_name: String, values: &Value) -> Resource {
    Resource {
        ty: ty.to_string(),
        // An id Terraform learns only at apply is no id at all here.
        id: values
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.contains(super::UNKNOWN_MARK))
            .map(str::to_string),
        full_name,
        scope: None,
        body: Value::Null,
        place: Place::default(),
        origin: Origin::TerraformPlan,
        condition_unknown: None,
        subscription_id: None,
        resource_group: values
            .get("resource_group_name")
            .and_then(Value::as_str)
            .map(str::to_string),
        suppressions: Vec::new(),
    }
}

fn map_resource(p: &Planned, doc: &Value, registries: &[(String, String)]) -> Vec<Resource> {
    let v = &p.values;
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match p.tf_type {
        "azurerm_container_registry" => registry(v, name),
        "azurerm_container_registry_token"
        | "azurerm_container_registry_scope_map"
        | "azurerm_container_registry_webhook"
        | "azurerm_container_registry_agent_pool"
        | "azurerm_container_registry_cache_rule"
        | "azurerm_container_registry_task" => {
            vec![registry_child(p, name, doc, registries)]
        }
        "azurerm_monitor_diagnostic_setting" => vec![diagnostic_setting(p, name, doc, registries)],
        "azurerm_private_endpoint" => vec![private_endpoint(v, name)],
        _ => Vec::new(),
    }
}

/// azurerm_container_registry → Microsoft.ContainerRegistry/registries, plus
/// one `registries/replications` per `georeplications` block.
fn registry(v: &Value, name: String) -> Vec<Resource> {
    let mut props = Map::new();
    insert(&mut props, "adminUserEnabled", s(v, "admin_enabled"));
    insert(
        &mut props,
        "anonymousPullEnabled",
        s(v, "anonymous_pull_enabled"),
    );
    insert(
        &mut props,
        "dataEndpointEnabled",
        s(v, "data_endpoint_enabled"),
    );
    insert(
        &mut props,
        "publicNetworkAccess",
        status(s(v, "public_network_access_enabled"), "Enabled", "Disabled"),
    );
    insert(
        &mut props,
        "zoneRedundancy",
        status(s(v, "zone_redundancy_enabled"), "Enabled", "Disabled"),
    );
    insert(
        &mut props,
        "networkRuleBypassOptions",
        s(v, "network_rule_bypass_option"),
    );
    if let Some(rules) = first_block(v, "network_rule_set") {
        let ip_rules: Vec<Value> = rules
            .get("ip_rule")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| json!({"action": r.get("action").cloned().unwrap_or(json!("Allow")), "value": r.get("ip_range").cloned().unwrap_or(Value::Null)}))
            .collect();
        let mut set = Map::new();
        insert(&mut set, "defaultAction", s(rules, "default_action"));
        set.insert("ipRules".into(), Value::Array(ip_rules));
        props.insert("networkRuleSet".into(), Value::Object(set));
    }
    let mut policies = Map::new();
    let policy =
        |flag: Option<Value>| status(flag, "enabled", "disabled").map(|st| json!({"status": st}));
    insert(
        &mut policies,
        "quarantinePolicy",
        policy(s(v, "quarantine_policy_enabled")),
    );
    insert(
        &mut policies,
        "trustPolicy",
        policy(s(v, "trust_policy_enabled")).map(|mut t| {
            t["type"] = json!("Notary");
            t
        }),
    );
    insert(
        &mut policies,
        "exportPolicy",
        policy(s(v, "export_policy_enabled")),
    );
    if let Some(days) = s(v, "retention_policy_in_days") {
        policies.insert(
            "retentionPolicy".into(),
            json!({"days": days, "status": "enabled"}),
        );
    }
    if !policies.is_empty() {
        props.insert("policies".into(), Value::Object(policies));
    }
    if let Some(enc) = first_block(v, "encryption") {
        props.insert("encryption".into(), json!({
            "status": "enabled",
            "keyVaultProperties": {"keyIdentifier": enc.get("key_vault_key_id"), "identity": enc.get("identity_client_id")}
        }));
    }
    let mut body = Map::new();
    body.insert(
        "type".into(),
        json!("Microsoft.ContainerRegistry/registries"),
    );
    body.insert("name".into(), json!(name));
    insert(&mut body, "location", s(v, "location"));
    insert(&mut body, "tags", s(v, "tags"));
    if let Some(sku) = s(v, "sku") {
        body.insert("sku".into(), json!({"name": sku}));
    }
    if let Some(id) = first_block(v, "identity") {
        let ids: Map<String, Value> = id
            .get("identity_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| Some((x.as_str()?.to_string(), json!({}))))
            .collect();
        let mut identity = Map::new();
        insert(&mut identity, "type", s(id, "type"));
        if !ids.is_empty() {
            identity.insert("userAssignedIdentities".into(), Value::Object(ids));
        }
        body.insert("identity".into(), Value::Object(identity));
    }
    body.insert("properties".into(), Value::Object(props));
    let mut out = vec![Resource {
        body: Value::Object(body),
        ..base("Microsoft.ContainerRegistry/registries", name.clone(), v)
    }];
    for g in v
        .get("georeplications")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let location = g
            .get("location")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut props = Map::new();
        insert(
            &mut props,
            "zoneRedundancy",
            status(s(g, "zone_redundancy_enabled"), "Enabled", "Disabled"),
        );
        insert(
            &mut props,
            "regionEndpointEnabled",
            s(g, "regional_endpoint_enabled"),
        );
        let full = format!("{name}/{location}");
        out.push(Resource {
            body: json!({"type": "Microsoft.ContainerRegistry/registries/replications", "name": full,
                "location": location, "tags": g.get("tags"), "properties": props}),
            id: None,
            ..base("Microsoft.ContainerRegistry/registries/replications", full.clone(), v)
        });
    }
    out
}

/// The registry a resource refers to: by name when known, else through the
/// plan's configuration references (`azurerm_container_registry.acr.id`).
fn referenced_registry(
    p: &Planned,
    attr: &str,
    doc: &Value,
    registries: &[(String, String)],
) -> Option<String> {
    let refs = doc
        .pointer("/configuration/root_module/resources")?
        .as_array()?
        .iter()
        .find(|r| r["address"].as_str() == Some(p.address.split('[').next().unwrap_or_default()))?
        .pointer(&format!("/expressions/{attr}/references"))?
        .as_array()?;
    refs.iter().filter_map(Value::as_str).find_map(|r| {
        registries
            .iter()
            .find(|(address, _)| r == address || r.starts_with(&format!("{address}.")))
            .map(|(_, name)| name.clone())
    })
}

/// Names of planned resources by address, for references.
fn planned_names(doc: &Value) -> Vec<(String, String)> {
    planned_resources(doc)
        .iter()
        .filter_map(|p| {
            Some((
                p.address.clone(),
                p.values.get("name")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// A token's scope map id: as planned, or, when known only after apply,
/// the relative id of the scope map the configuration references (its
/// name is what the rules read).
fn scope_map_id(p: &Planned, doc: &Value, names: Vec<(String, String)>) -> Value {
    let planned = p.values.get("scope_map_id").cloned().unwrap_or(Value::Null);
    if !super::has_unknown(&planned) {
        return planned;
    }
    let registry = p
        .values
        .get("container_registry_name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scope_maps: Vec<(String, String)> = names
        .into_iter()
        .filter(|(a, _)| a.starts_with("azurerm_container_registry_scope_map."))
        .collect();
    match referenced_registry(p, "scope_map_id", doc, &scope_maps) {
        Some(name) if !registry.is_empty() => {
            let sub = super::unknown_segment("the subscription of a planned resource");
            let group = super::unknown_segment("the resource group of a planned resource");
            Value::String(format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/{registry}/scopeMaps/{name}",
                sub.as_str().unwrap_or_default(),
                group.as_str().unwrap_or_default()
            ))
        }
        _ => planned,
    }
}

/// Registry children (tokens, scope maps, webhooks, …): named `<registry>/<name>`.
fn registry_child(
    p: &Planned,
    name: String,
    doc: &Value,
    registries: &[(String, String)],
) -> Resource {
    let v = &p.values;
    let (ty, props) = match p.tf_type {
        "azurerm_container_registry_token" => (
            "tokens",
            json!({"scopeMapId": scope_map_id(p, doc, planned_names(doc)),
            "status": status(s(v, "enabled"), "enabled", "disabled")}),
        ),
        "azurerm_container_registry_scope_map" => (
            "scopeMaps",
            json!({"actions": v.get("actions"), "description": v.get("description")}),
        ),
        "azurerm_container_registry_webhook" => (
            "webhooks",
            json!({"serviceUri": v.get("service_uri"), "status": v.get("status"),
            "scope": v.get("scope"), "actions": v.get("actions")}),
        ),
        "azurerm_container_registry_agent_pool" => (
            "agentPools",
            json!({"count": v.get("instance_count"), "tier": v.get("tier")}),
        ),
        "azurerm_container_registry_cache_rule" => (
            "cacheRules",
            json!({"sourceRepository": v.get("source_repo"),
            "targetRepository": v.get("target_repo"), "credentialSetResourceId": v.get("credential_set_id")}),
        ),
        _ => (
            "tasks",
            json!({"status": status(s(v, "enabled"), "Enabled", "Disabled")}),
        ),
    };
    let registry = v
        .get("container_registry_name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| referenced_registry(p, "container_registry_name", doc, registries))
        .or_else(|| referenced_registry(p, "container_registry_id", doc, registries))
        .unwrap_or_else(|| "<unknown registry>".to_string());
    let full = format!("{registry}/{name}");
    let full_ty = format!("Microsoft.ContainerRegistry/registries/{ty}");
    Resource {
        body: json!({"type": full_ty, "name": full, "properties": props}),
        ..base(&full_ty, full.clone(), v)
    }
}

/// azurerm_monitor_diagnostic_setting → Microsoft.Insights/diagnosticSettings
/// scoped to `target_resource_id`.
fn diagnostic_setting(
    p: &Planned,
    name: String,
    doc: &Value,
    registries: &[(String, String)],
) -> Resource {
    let v = &p.values;
    let logs: Vec<Value> = v
        .get("enabled_log")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|l| json!({"category": l.get("category"), "categoryGroup": l.get("category_group"), "enabled": true}))
        .collect();
    let metrics: Vec<Value> = v
        .get("metric")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| json!({"category": m.get("category"), "enabled": m.get("enabled").cloned().unwrap_or(json!(true))}))
        .collect();
    let mut props = Map::new();
    insert(
        &mut props,
        "workspaceId",
        s(v, "log_analytics_workspace_id"),
    );
    insert(&mut props, "storageAccountId", s(v, "storage_account_id"));
    insert(
        &mut props,
        "eventHubAuthorizationRuleId",
        s(v, "eventhub_authorization_rule_id"),
    );
    insert(&mut props, "eventHubName", s(v, "eventhub_name"));
    insert(
        &mut props,
        "logAnalyticsDestinationType",
        s(v, "log_analytics_destination_type"),
    );
    props.insert("logs".into(), Value::Array(logs));
    props.insert("metrics".into(), Value::Array(metrics));
    let target = v
        .get("target_resource_id")
        .and_then(Value::as_str)
        .filter(|t| super::as_unknown(&json!(t)).is_none());
    let scope = target.map(str::to_string).or_else(|| {
        referenced_registry(p, "target_resource_id", doc, registries)
            .map(|n| format!("Microsoft.ContainerRegistry/registries/{n}"))
    });
    Resource {
        scope,
        body: json!({"type": "Microsoft.Insights/diagnosticSettings", "name": name, "properties": props}),
        ..base("Microsoft.Insights/diagnosticSettings", name.clone(), v)
    }
}

/// azurerm_private_endpoint → Microsoft.Network/privateEndpoints.
fn private_endpoint(v: &Value, name: String) -> Resource {
    let connections: Vec<Value> = v
        .get("private_service_connection")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            json!({"name": c.get("name"), "properties": {
            "privateLinkServiceId": c.get("private_connection_resource_id"),
            "groupIds": c.get("subresource_names"),
            "requestMessage": c.get("request_message")}})
        })
        .collect();
    let manual = v
        .pointer("/private_service_connection/0/is_manual_connection")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let key = if manual {
        "manualPrivateLinkServiceConnections"
    } else {
        "privateLinkServiceConnections"
    };
    Resource {
        body: json!({"type": "Microsoft.Network/privateEndpoints", "name": name, "location": v.get("location"),
            "tags": v.get("tags"), "properties": {"subnet": {"id": v.get("subnet_id")}, key: connections}}),
        ..base("Microsoft.Network/privateEndpoints", name.clone(), v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(after: Value, unknown: Value) -> Value {
        json!({"format_version": "1.2", "resource_changes": [{
            "address": "azurerm_container_registry.acr", "mode": "managed", "type": "azurerm_container_registry",
            "name": "acr", "change": {"actions": ["create"], "after": after, "after_unknown": unknown}}]})
    }

    #[test]
    fn registry_attributes_map_to_arm_properties() {
        let p = plan(
            json!({"name": "acr1", "sku": "Premium", "admin_enabled": false, "public_network_access_enabled": false,
                "zone_redundancy_enabled": true, "quarantine_policy_enabled": true, "trust_policy_enabled": false,
                "export_policy_enabled": false, "retention_policy_in_days": 30, "anonymous_pull_enabled": false,
                "network_rule_set": [{"default_action": "Deny", "ip_rule": [{"action": "Allow", "ip_range": "1.2.3.4/32"}]}],
                "georeplications": [{"location": "westeurope", "zone_redundancy_enabled": false}],
                "identity": [{"type": "SystemAssigned"}], "tags": {"env": "prod"}}),
            json!({"id": true}),
        );
        let (rs, _) = load(&p, "plan.json", "");
        let b = &rs[0].body;
        assert_eq!(b["sku"]["name"], "Premium");
        assert_eq!(b["properties"]["adminUserEnabled"], false);
        assert_eq!(b["properties"]["publicNetworkAccess"], "Disabled");
        assert_eq!(b["properties"]["zoneRedundancy"], "Enabled");
        assert_eq!(
            b["properties"]["policies"]["quarantinePolicy"]["status"],
            "enabled"
        );
        assert_eq!(
            b["properties"]["policies"]["trustPolicy"]["status"],
            "disabled"
        );
        assert_eq!(
            b["properties"]["policies"]["exportPolicy"]["status"],
            "disabled"
        );
        assert_eq!(b["properties"]["policies"]["retentionPolicy"]["days"], 30);
        assert_eq!(b["properties"]["networkRuleSet"]["defaultAction"], "Deny");
        assert_eq!(
            b["properties"]["networkRuleSet"]["ipRules"][0]["value"],
            "1.2.3.4/32"
        );
        assert_eq!(b["identity"]["type"], "SystemAssigned");
        assert_eq!(rs[0].id, None, "an id known only after apply");
        assert_eq!(
            rs[1].ty,
            "Microsoft.ContainerRegistry/registries/replications"
        );
        assert_eq!(rs[1].full_name, "acr1/westeurope");
        assert_eq!(rs[1].body["properties"]["zoneRedundancy"], "Disabled");
    }

    #[test]
    fn unset_attributes_stay_missing_and_deletes_are_skipped() {
        let (rs, _) = load(
            &plan(json!({"name": "a", "sku": "Basic"}), json!({})),
            "p",
            "",
        );
        assert!(
            rs[0].body["properties"]
                .get("publicNetworkAccess")
                .is_none()
        );
        let mut p = plan(json!(null), json!({}));
        p["resource_changes"][0]["change"]["actions"] = json!(["delete"]);
        assert!(load(&p, "p", "").0.is_empty());
    }
}
