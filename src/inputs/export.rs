//! Resource exports: ARM GET bodies, `az resource show`, `az acr show` /
//! `az acr list` (properties flattened to the top level), ARM list responses
//! (`{value: […]}`), Azure Resource Graph results (`{data: […]}` or a bare
//! array of rows), and PowerShell `Get-AzResource` objects (PascalCase keys,
//! `ResourceType`, nested `resources`). A file may hold one resource or a
//! list. Exports are checked as they are: no defaults are filled in.
#![allow(clippy::indexing_slicing)] // not yet worked down: 6 sites

use super::{Origin, Place, Resource, suppress};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Top-level keys of a resource that are not properties (ARM's resource
/// envelope plus what `az`/PowerShell/Resource Graph add).
const ENVELOPE: &[&str] = &[
    "id",
    "name",
    "type",
    "location",
    "tags",
    "sku",
    "kind",
    "identity",
    "systemData",
    "etag",
    "zones",
    "plan",
    "managedBy",
    "extendedLocation",
    "resourceGroup",
    "subscriptionId",
    "tenantId",
    "properties",
    "resources",
    "resourceId",
    "resourceName",
    "resourceType",
    "resourceGroupName",
    "extensionResourceName",
    "extensionResourceType",
    "parentResource",
    "createdTime",
    "changedTime",
    "apiVersion",
    "scope",
];

/// Is this document an export (one resource, or a list of them)?
pub fn looks_like(doc: &Value) -> bool {
    match doc {
        Value::Array(items) => !items.is_empty() && items.iter().all(is_resource),
        Value::Object(o) => {
            is_resource(doc)
                || ["value", "data"].iter().any(|k| {
                    o.get(*k)
                        .and_then(Value::as_array)
                        .is_some_and(|a| a.iter().all(is_resource))
                })
        }
        _ => false,
    }
}

/// A member ignoring case; `null` counts as absent.
fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    super::member(v, key).filter(|v| !v.is_null())
}

fn text_ci(v: &Value, key: &str) -> Option<String> {
    get_ci(v, key).and_then(Value::as_str).map(str::to_string)
}

fn is_resource(v: &Value) -> bool {
    let ty = text_ci(v, "resourceType").or_else(|| text_ci(v, "type"));
    ty.is_some_and(|t| t.contains('/'))
        && (get_ci(v, "name").is_some() || get_ci(v, "id").is_some())
}

/// The resources of an export document.
pub fn load(doc: &Value, file: &str, text: &str) -> Vec<Resource> {
    load_owned(doc.clone(), file, text)
}

/// `load` taking the parsed document: each resource's body is moved out of
/// it, not copied (a child's body is copied: its parent's body holds it too).
pub fn load_owned(doc: Value, file: &str, text: &str) -> Vec<Resource> {
    let is_array = doc.is_array();
    let listed = doc.is_object() && !is_resource(&doc);
    let (items, base): (Vec<Value>, String) = match doc {
        Value::Array(a) => (a, String::new()),
        Value::Object(mut o) if listed => {
            let key = if o.contains_key("value") {
                "value"
            } else {
                "data"
            };
            let list = match o.remove(key) {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            (list, format!("/{key}"))
        }
        other => (vec![other], String::new()),
    };
    let mut out = Vec::new();
    let locator = super::locate::Locator::new(text);
    for (i, item) in items.into_iter().enumerate() {
        let pointer = if base.is_empty() && !is_array {
            String::new()
        } else {
            format!("{base}/{i}")
        };
        collect(
            Cow::Owned(item),
            (file, text, &locator),
            pointer,
            None,
            &mut out,
        );
    }
    out
}

/// One exported resource and its nested sub-resources (PowerShell exports
/// carry children under `resources`).
/// The file name, its text and its locator.
type Source<'s> = (&'s str, &'s str, &'s super::locate::Locator);

fn collect(
    item: Cow<Value>,
    src: Source,
    pointer: String,
    parent: Option<&str>,
    out: &mut Vec<Resource>,
) {
    let Some(r) = resource(&item, src, &pointer, parent) else {
        return;
    };
    // A child needs only its parent's full name: no copy of the parent's
    // resource; children are read in place.
    let full_name = r.full_name.clone();
    let at = out.len();
    out.push(r);
    let children = get_ci(&item, "resources").and_then(Value::as_array);
    for (i, child) in children.into_iter().flatten().enumerate() {
        if is_resource(child) {
            collect(
                Cow::Borrowed(child),
                src,
                format!("{pointer}/resources/{i}"),
                Some(&full_name),
                out,
            );
        }
    }
    if let Some(r) = out.get_mut(at) {
        r.body = flatten_into_properties(item.into_owned());
        r.suppressions = suppress::from_tags(&r.body);
    }
}

fn resource(
    item: &Value,
    (file, text, locator): Source,
    pointer: &str,
    parent: Option<&str>,
) -> Option<Resource> {
    let id = text_ci(item, "id").or_else(|| text_ci(item, "resourceId"));
    let parsed = id.as_deref().and_then(parse_id);
    let ty = text_ci(item, "resourceType")
        .or_else(|| text_ci(item, "type"))
        .or_else(|| parsed.as_ref().map(|p| p.ty.clone()))?;
    let name = text_ci(item, "name").unwrap_or_default();
    let full_name = match (&parsed, parent) {
        (Some(p), _) => p.full_name.clone(),
        (None, Some(parent)) if !name.contains('/') => format!("{parent}/{name}"),
        _ => name,
    };
    let (line, column) = locator.line_col(text, pointer);
    Some(Resource {
        ty,
        full_name,
        scope: parsed.as_ref().and_then(|p| p.scope.clone()),
        subscription_id: text_ci(item, "subscriptionId")
            .or_else(|| parsed.as_ref().and_then(|p| p.subscription.clone())),
        resource_group: text_ci(item, "resourceGroup")
            .or_else(|| text_ci(item, "resourceGroupName"))
            .or_else(|| parsed.as_ref().and_then(|p| p.resource_group.clone())),
        // Both set by `collect`, which owns the item.
        suppressions: Vec::new(),
        id,
        body: Value::Null,
        place: Place {
            file: file.to_string(),
            pointer: pointer.to_string(),
            line,
            column,
        },
        origin: Origin::Export,
        condition_unknown: None,
    })
}

/// `az acr show` prints the properties at the top level; put them back
/// under `properties` where Azure Policy's aliases read them.
fn flatten_into_properties(item: Value) -> Value {
    let Value::Object(o) = item else {
        return item;
    };
    let has_properties = o.keys().any(|k| k.eq_ignore_ascii_case("properties"));
    if has_properties {
        return Value::Object(o);
    }
    let mut body = Map::new();
    let mut props = Map::new();
    for (k, v) in o {
        if ENVELOPE.iter().any(|e| e.eq_ignore_ascii_case(&k)) {
            body.insert(k, v);
        } else {
            props.insert(k, v);
        }
    }
    let mut props = Value::Object(props);
    rename_sdk_fields(&mut props);
    body.insert("properties".into(), props);
    Value::Object(body)
}

/// The Azure CLI prints its SDK's model, whose names differ from ARM's in a
/// few places (the mapping is in docs/check.md): IP rules' `value` is
/// `ipAddressOrRange`, virtual network rules' `id` is
/// `virtualNetworkResourceId`, and private endpoint connections are
/// flattened like the registry.
fn rename_sdk_fields(props: &mut Value) {
    let rules = props
        .pointer_mut("/networkRuleSet")
        .and_then(Value::as_object_mut);
    if let Some(set) = rules {
        rename_in_array(set.get_mut("ipRules"), "ipAddressOrRange", "value");
        rename_in_array(
            set.get_mut("virtualNetworkRules"),
            "virtualNetworkResourceId",
            "id",
        );
    }
    let connections = props
        .get_mut("privateEndpointConnections")
        .and_then(Value::as_array_mut);
    for c in connections.into_iter().flatten() {
        if let Some(o) = c.as_object_mut()
            && !o.keys().any(|k| k.eq_ignore_ascii_case("properties"))
        {
            let inner: Map<String, Value> = o
                .iter()
                .filter(|(k, _)| {
                    !["id", "name", "type", "resourceGroup", "systemData"].contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            o.retain(|k, _| {
                ["id", "name", "type", "resourceGroup", "systemData"].contains(&k.as_str())
            });
            o.insert("properties".into(), Value::Object(inner));
        }
    }
}

fn rename_in_array(list: Option<&mut Value>, from: &str, to: &str) {
    for item in list.and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(o) = item.as_object_mut()
            && !o.contains_key(to)
            && let Some(v) = o.remove(from)
        {
            o.insert(to.to_string(), v);
        }
    }
}

/// What a resource id says.
#[derive(Debug, PartialEq)]
pub struct ParsedId {
    pub ty: String,
    pub full_name: String,
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    /// For an extension resource: the id of the resource it extends.
    pub scope: Option<String>,
}

/// Parses `/subscriptions/s/resourceGroups/g/providers/NS/t1/n1/t2/n2` and
/// extension ids (`…/providers/NS/t/n/providers/Microsoft.Insights/diagnosticSettings/d`).
pub fn parse_id(id: &str) -> Option<ParsedId> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/providers/")?;
    let scope = &id[..at];
    let tail: Vec<&str> = id[at + "/providers/".len()..].split('/').collect();
    if tail.len() < 3 || tail.len().is_multiple_of(2) {
        return None;
    }
    let mut ty = tail[0].to_string();
    let mut names = Vec::new();
    for pair in tail[1..].chunks(2) {
        ty.push('/');
        ty.push_str(pair[0]);
        names.push(pair[1]);
    }
    let segs: Vec<&str> = id.split('/').collect();
    let after = |key: &str| {
        segs.windows(2)
            .find(|w| w[0].eq_ignore_ascii_case(key))
            .map(|w| w[1].to_string())
    };
    // The scope is a resource when it itself has a provider segment.
    let extends = scope.to_ascii_lowercase().contains("/providers/");
    Some(ParsedId {
        ty,
        full_name: names.join("/"),
        subscription: after("subscriptions"),
        resource_group: after("resourceGroups"),
        scope: extends.then(|| scope.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_parse_with_children_and_extensions() {
        let p = parse_id("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr/tokens/t").unwrap();
        assert_eq!(p.ty, "Microsoft.ContainerRegistry/registries/tokens");
        assert_eq!(p.full_name, "acr/t");
        assert_eq!(p.subscription.as_deref(), Some("s"));
        assert_eq!(p.resource_group.as_deref(), Some("g"));
        assert_eq!(p.scope, None);
        let d = parse_id("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr/providers/Microsoft.Insights/diagnosticSettings/ds").unwrap();
        assert_eq!(d.ty, "Microsoft.Insights/diagnosticSettings");
        assert_eq!(d.full_name, "ds");
        assert_eq!(
            d.scope.as_deref(),
            Some(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr"
            )
        );
    }

    #[test]
    fn az_acr_show_properties_move_under_properties() {
        let doc = json!({"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr",
            "name": "acr", "type": "Microsoft.ContainerRegistry/registries", "adminUserEnabled": true,
            "sku": {"name": "Basic"}, "resourceGroup": "g"});
        let rs = load(&doc, "f.json", "");
        assert_eq!(rs[0].body["properties"]["adminUserEnabled"], true);
        assert_eq!(rs[0].body["sku"]["name"], "Basic");
        assert_eq!(rs[0].resource_group.as_deref(), Some("g"));
    }

    #[test]
    fn az_cli_model_names_become_arm_names() {
        let doc = json!({"name": "acr", "type": "Microsoft.ContainerRegistry/registries", "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr",
            "networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "ipAddressOrRange": "0.0.0.0/0"}],
                "virtualNetworkRules": [{"action": "Allow", "virtualNetworkResourceId": "/x"}]},
            "privateEndpointConnections": [{"id": "/c", "name": "c", "privateLinkServiceConnectionState": {"status": "Approved"}}]});
        let b = &load(&doc, "f", "")[0].body["properties"];
        assert_eq!(b["networkRuleSet"]["ipRules"][0]["value"], "0.0.0.0/0");
        assert_eq!(b["networkRuleSet"]["virtualNetworkRules"][0]["id"], "/x");
        assert_eq!(
            b["privateEndpointConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
            "Approved"
        );
        assert_eq!(b["privateEndpointConnections"][0]["name"], "c");
    }

    #[test]
    fn lists_graph_results_and_powershell_exports() {
        let row = json!({"id": "/subscriptions/s/resourceGroups/g/providers/microsoft.containerregistry/registries/a",
            "name": "a", "type": "microsoft.containerregistry/registries", "properties": {}});
        assert!(looks_like(&json!({"data": [row.clone()]})));
        assert_eq!(load(&json!({"data": [row.clone()]}), "f", "").len(), 1);
        assert_eq!(
            load(&json!({"value": [row.clone(), row.clone()]}), "f", "")[1]
                .place
                .pointer,
            "/value/1"
        );
        let ps = json!([{"Name": "r", "ResourceType": "Microsoft.ContainerRegistry/registries", "Properties": {},
            "resources": [{"Name": "rep", "ResourceType": "Microsoft.ContainerRegistry/registries/replications"}]}]);
        let rs = load(&ps, "f", "");
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[1].full_name, "r/rep");
    }
}
