//! Finding policy definitions in a JSON document, whatever its shape: a bare
//! definition (`{"properties": …}` or the properties object itself), an ARM
//! GET body, `az policy definition list/show` output, a list response
//! (`{"value": […]}`), Resource Graph results (`{"data": […]}`), EPAC files
//! and ARM templates that declare definitions.

use super::text::get;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Definition,
    Set,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub found: Found,
    /// The resource name (`name`), when the document gives a literal one.
    pub name: Option<String>,
    /// The definition's properties (`displayName`, `policyRule`, …).
    pub props: Map<String, Value>,
    /// JSON pointer of `props` in the document.
    pub props_pointer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub message: String,
    pub offset: usize,
}

/// Every definition and set definition in `text`, in document order.
pub fn find(text: &str) -> Result<Vec<Definition>, JsonError> {
    let v: Value = serde_json::from_str(text).map_err(|e| JsonError {
        message: e.to_string(),
        offset: offset_of(text, e.line(), e.column()),
    })?;
    let mut out = Vec::new();
    walk(&v, "", false, &mut out);
    Ok(out)
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut off = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    off
}

fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

fn walk(v: &Value, pointer: &str, in_template: bool, out: &mut Vec<Definition>) {
    match v {
        Value::Object(o) => {
            if let Some(d) = definition(o, pointer, in_template) {
                out.push(d);
                return;
            }
            let template = in_template
                || get(o, "$schema")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.to_ascii_lowercase().contains("deploymenttemplate"));
            for (k, child) in o {
                walk(child, &format!("{pointer}/{}", escape(k)), template, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{pointer}/{i}"), in_template, out);
            }
        }
        _ => {}
    }
}

fn definition(o: &Map<String, Value>, pointer: &str, in_template: bool) -> Option<Definition> {
    let literal_name = |o: &Map<String, Value>| {
        get(o, "name")
            .and_then(Value::as_str)
            .filter(|n| !(in_template && n.starts_with('[') && !n.starts_with("[[")))
            .map(|n| unescape_str(n, in_template))
    };
    let (found, props, props_pointer, name) = if let Some(p) =
        get(o, "properties").and_then(Value::as_object)
        && let Some(found) = kind_of(p)
    {
        let key = o.keys().find(|k| k.eq_ignore_ascii_case("properties"))?;
        (found, p, format!("{pointer}/{key}"), literal_name(o))
    } else if let Some(found) = kind_of(o) {
        // The properties object itself, or `az policy definition show` output.
        (found, o, pointer.to_string(), literal_name(o))
    } else {
        return None;
    };
    let props = if in_template {
        match unescape(&Value::Object(props.clone())) {
            Value::Object(m) => m,
            _ => props.clone(),
        }
    } else {
        props.clone()
    };
    Some(Definition {
        found,
        name,
        props,
        props_pointer,
    })
}

fn kind_of(o: &Map<String, Value>) -> Option<Found> {
    if get(o, "policyRule").is_some_and(Value::is_object) {
        Some(Found::Definition)
    } else if get(o, "policyDefinitions").is_some_and(Value::is_array) {
        Some(Found::Set)
    } else {
        None
    }
}

/// Inside an ARM template a literal `[` is written `[[` (the engine strips one).
fn unescape(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(unescape_str(s, true)),
        Value::Array(a) => Value::Array(a.iter().map(unescape).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), unescape(v))).collect())
        }
        other => other.clone(),
    }
}

fn unescape_str(s: &str, in_template: bool) -> String {
    match s.strip_prefix('[') {
        Some(rest) if in_template && rest.starts_with('[') => rest.to_string(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = r#"{"if": {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"}, "then": {"effect": "[parameters('effect')]"}}"#;

    #[test]
    fn every_shape_is_found() {
        let bare = format!(
            r#"{{"name": "n1", "properties": {{"displayName": "d", "policyRule": {RULE}}}}}"#
        );
        let inner = format!(r#"{{"displayName": "d", "policyRule": {RULE}}}"#);
        let az_list = format!(r#"[{{"name": "n2", "displayName": "d", "policyRule": {RULE}}}]"#);
        let graph =
            format!(r#"{{"data": [{{"name": "n3", "properties": {{"policyRule": {RULE}}}}}]}}"#);
        for (text, name, pointer) in [
            (bare.as_str(), Some("n1"), "/properties"),
            (inner.as_str(), None, ""),
            (az_list.as_str(), Some("n2"), "/0"),
            (graph.as_str(), Some("n3"), "/data/0/properties"),
        ] {
            let found = find(text).unwrap();
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].name.as_deref(), name);
            assert_eq!(found[0].props_pointer, pointer);
        }
    }

    #[test]
    fn templates_are_unescaped_once() {
        let t = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "resources": [{"type": "Microsoft.Authorization/policyDefinitions", "name": "[guid('x')]",
          "properties": {"policyRule": {"if": {"value": "[[parameters('a')]", "equals": 1}, "then": {"effect": "[[parameters('effect')]"}}}}]}"#;
        let found = find(t).unwrap();
        assert_eq!(found[0].name, None);
        assert_eq!(
            found[0].props["policyRule"]["then"]["effect"],
            "[parameters('effect')]"
        );
    }

    #[test]
    fn bad_json_has_an_offset() {
        let e = find("{\n  \"a\": }").unwrap_err();
        assert_eq!(e.offset, 9);
        assert!(find("[1, 2]").unwrap().is_empty());
    }
}
