//! The round-trip check: compile a candidate rule and compare the emitted
//! definition with the original under [`super::normalize`].
#![allow(clippy::indexing_slicing)] // not yet worked down: 3 sites

use super::Gap;
use super::normalize::{first_difference, norm};
use super::text::get;
use crate::compile::compile_str;
use crate::diag::render;
use crate::ir::Origin;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Why no candidate reproduced the original.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// JSON pointer in the compared view (see [`comparable`]).
    pub pointer: String,
    pub detail: String,
}

/// The effect parameter's texts acrp always emits.
const EFFECT_TITLE: &str = "Effect";
const EFFECT_DESCRIPTION: &str = "Enable or disable the execution of the policy";

/// The first candidate that compiles back to the original, with the texts
/// it could not keep (the effect parameter's display name and description).
pub fn choose(
    header: &str,
    candidates: &[String],
    rule_id: &str,
    props: &Map<String, Value>,
    name: Option<&str>,
    templates: &BTreeMap<String, String>,
) -> Result<(String, Vec<Gap>), Mismatch> {
    let mut first = None;
    for c in candidates {
        match check(header, c, rule_id, props, name, templates) {
            Ok(()) => return Ok((c.clone(), effect_texts(props))),
            Err(m) => {
                first.get_or_insert(m);
            }
        }
    }
    Err(first.unwrap_or(Mismatch {
        pointer: "/".into(),
        detail: "no candidate rule".into(),
    }))
}

/// Compiles `header` + `rule` and compares rule `rule_id` with the original.
pub fn check(
    header: &str,
    rule: &str,
    rule_id: &str,
    props: &Map<String, Value>,
    name: Option<&str>,
    templates: &BTreeMap<String, String>,
) -> Result<(), Mismatch> {
    let text = format!("{header}\n{rule}");
    let pack = compiled(&text, templates, "rule")?;
    let Some(def) = pack
        .definitions
        .iter()
        .find(|d| d.id == rule_id && d.origin == Origin::Rule)
    else {
        return Err(Mismatch {
            pointer: "/".into(),
            detail: "the generated rule produced no definition".into(),
        });
    };
    let emitted = crate::emit::definition(def, &pack);
    same_name(&emitted, name)?;
    let ep = properties(&emitted);
    compared(&comparable(&ep, props), &comparable(props, props), "rule")
}

/// The pack `text` compiles to, or why it does not (its first error).
fn compiled(
    text: &str,
    templates: &BTreeMap<String, String>,
    what: &str,
) -> Result<crate::ir::Pack, Mismatch> {
    let (sources, compiled) = compile_str("import.acrp", text, templates);
    compiled.pack.ok_or_else(|| {
        let first = compiled
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map(|d| render::render(d, &sources, render::RenderOptions::default()))
            .unwrap_or_default();
        Mismatch {
            pointer: "/".into(),
            detail: format!("the generated {what} does not compile:\n{first}"),
        }
    })
}

/// The emitted resource has the pinned `name`, if any.
fn same_name(emitted: &Value, name: Option<&str>) -> Result<(), Mismatch> {
    match (name, emitted.get("name")) {
        (Some(n), got) if got.and_then(Value::as_str) != Some(n) => Err(Mismatch {
            pointer: "/name".into(),
            detail: format!("name {} is not {n}", got.unwrap_or(&Value::Null)),
        }),
        _ => Ok(()),
    }
}

fn properties(emitted: &Value) -> Map<String, Value> {
    emitted
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `Ok` when the two comparable views agree, else the first difference.
fn compared(ours: &Value, original: &Value, what: &str) -> Result<(), Mismatch> {
    match first_difference(ours, original) {
        None => Ok(()),
        Some(p) => Err(Mismatch {
            detail: format!(
                "at {p}: the {what} gives {} where the original has {}",
                pointed(ours, &p),
                pointed(original, &p)
            ),
            pointer: p,
        }),
    }
}

fn pointed(v: &Value, p: &str) -> String {
    let s = v
        .pointer(p)
        .map_or_else(|| "nothing".into(), |x| x.to_string());
    if s.len() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}

/// What the round trip promises to keep, from `props`, with the keys the
/// original `shape` has: displayName, description, mode, metadata.version,
/// parameters (type, allowed and default values, strongType,
/// assignPermissions, display texts except the effect's) and the
/// normalised policyRule.
pub fn comparable(props: &Map<String, Value>, shape: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    texts_and_version(&mut m, props, shape, true);
    m.insert(
        "policyRule".into(),
        norm(get(props, "policyRule").unwrap_or(&Value::Null)),
    );
    Value::Object(m)
}

/// The parts a definition and a set definition share: displayName and
/// description (where `shape` has them), the mode (definitions only),
/// metadata.version and the parameters (a definition's `effect` display
/// texts are reported apart, see [`effect_texts`]).
fn texts_and_version(
    m: &mut Map<String, Value>,
    props: &Map<String, Value>,
    shape: &Map<String, Value>,
    definition: bool,
) {
    for key in ["displayName", "description"] {
        if get(shape, key).is_some() {
            m.insert(key.into(), get(props, key).cloned().unwrap_or(Value::Null));
        }
    }
    if definition {
        // A definition without mode is Indexed (definition-structure-basics).
        let mode = get(props, "mode")
            .and_then(Value::as_str)
            .unwrap_or("Indexed");
        m.insert("mode".into(), json!(mode.to_ascii_lowercase()));
    }
    if get(shape, "metadata")
        .and_then(|x| x.get("version"))
        .is_some()
    {
        m.insert(
            "metadata".into(),
            json!({ "version": get(props, "metadata").and_then(|x| x.get("version")) }),
        );
    }
    let shape_params = get(shape, "parameters").and_then(Value::as_object);
    let params: Map<String, Value> = get(props, "parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, p)| {
            let declared = shape_params.and_then(|s| s.get(k));
            let name = if definition { k.as_str() } else { "" };
            (k.clone(), param_summary(name, p, declared))
        })
        .collect();
    m.insert("parameters".into(), Value::Object(params));
}

pub(super) fn param_summary(name: &str, p: &Value, declared: Option<&Value>) -> Value {
    let mut m = Map::new();
    let ty = p.get("type").and_then(Value::as_str).unwrap_or_default();
    m.insert("type".into(), json!(ty.to_ascii_lowercase()));
    for key in ["allowedValues", "defaultValue"] {
        if let Some(v) = p.get(key) {
            m.insert(key.into(), v.clone());
        }
    }
    let meta = p.get("metadata");
    for key in ["strongType", "assignPermissions"] {
        if let Some(v) = meta.and_then(|md| md.get(key)) {
            m.insert(key.into(), v.clone());
        }
    }
    // Display texts count where the original has them (acrp writes a
    // displayName for every parameter); the effect's are reported apart.
    if !name.eq_ignore_ascii_case("effect") {
        let declared_meta = declared.and_then(|d| d.get("metadata"));
        for key in ["displayName", "description"] {
            if declared_meta.and_then(|d| d.get(key)).is_some() {
                let v = meta.and_then(|md| md.get(key)).cloned();
                m.insert(key.into(), v.unwrap_or(Value::Null));
            }
        }
    }
    Value::Object(m)
}

/// Compiles `pack_text` and compares initiative `id` with the original set.
pub fn check_set(
    pack_text: &str,
    id: &str,
    props: &Map<String, Value>,
    name: Option<&str>,
    templates: &BTreeMap<String, String>,
) -> Result<(), Mismatch> {
    let pack = compiled(pack_text, templates, "initiative")?;
    let Some(i) = pack.initiatives.iter().find(|i| i.id == id) else {
        return Err(Mismatch {
            pointer: "/".into(),
            detail: "the generated initiative is missing".into(),
        });
    };
    let emitted = crate::emit::initiative(i, &pack);
    same_name(&emitted, name)?;
    let ep = properties(&emitted);
    compared(
        &comparable_set(&ep, props),
        &comparable_set(props, props),
        "initiative",
    )
}

/// What an imported set keeps: texts, metadata.version, parameters, groups
/// and members (member ids compared ignoring case, as ARM does).
fn comparable_set(props: &Map<String, Value>, shape: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    texts_and_version(&mut m, props, shape, false);
    m.insert(
        "policyDefinitionGroups".into(),
        get(props, "policyDefinitionGroups")
            .cloned()
            .unwrap_or(json!([])),
    );
    let members: Vec<Value> = get(props, "policyDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|mem| {
            let mut mem = mem.clone();
            if let Some(id) = mem.get("policyDefinitionId").and_then(Value::as_str) {
                mem["policyDefinitionId"] = json!(id.to_ascii_lowercase());
            }
            mem
        })
        .collect();
    m.insert("policyDefinitions".into(), Value::Array(members));
    norm(&Value::Object(m))
}

/// The effect parameter's display texts, where they differ from acrp's.
fn effect_texts(props: &Map<String, Value>) -> Vec<Gap> {
    let Some(meta) = get(props, "parameters")
        .and_then(Value::as_object)
        .and_then(|p| get(p, "effect"))
        .and_then(|e| e.get("metadata"))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, ours) in [
        ("displayName", EFFECT_TITLE),
        ("description", EFFECT_DESCRIPTION),
    ] {
        if let Some(v) = meta.get(key).and_then(Value::as_str)
            && v != ours
        {
            out.push(Gap::new(
                &format!("/parameters/effect/metadata/{key}"),
                format!("the effect parameter's {key} {v:?}"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "pack p {\n  title \"P\"\n  version \"1.0.0\"\n}\n";

    fn props(op: &str) -> Map<String, Value> {
        let v = json!({
            "displayName": "Admin user off",
            "mode": "Indexed",
            "parameters": { "effect": {
                "type": "String",
                "allowedValues": ["Audit", "Disabled"],
                "defaultValue": "Audit"
            }},
            "policyRule": {
                "if": { "allOf": [
                    { "field": "type", "equals": "Microsoft.ContainerRegistry/registries" },
                    { "field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", op: true }
                ]},
                "then": { "effect": "[parameters('effect')]" }
            }
        });
        v.as_object().cloned().unwrap_or_default()
    }

    const RULE: &str = "rule r {\n  title \"Admin user off\"\n  practice entra-id\n  severity high\n  target registry\n  effect audit | disabled = audit\n  require adminUserEnabled != true\n}\n";

    #[test]
    fn a_rule_that_means_the_same_passes() {
        let none = BTreeMap::new();
        assert_eq!(
            check(HEADER, RULE, "r", &props("equals"), None, &none),
            Ok(())
        );
    }

    #[test]
    fn a_rule_that_means_something_else_is_caught_with_its_pointer() {
        let none = BTreeMap::new();
        let m = check(HEADER, RULE, "r", &props("notEquals"), None, &none).unwrap_err();
        assert_eq!(m.pointer, "/policyRule/if/allof/0/equals");
        // A pinned name that the rule does not emit is a difference too.
        let m = check(HEADER, RULE, "r", &props("equals"), Some("abc"), &none).unwrap_err();
        assert_eq!(m.pointer, "/name");
        // Another default effect is a parameter difference.
        let other = RULE.replace("= audit", "= disabled");
        let m = check(HEADER, &other, "r", &props("equals"), None, &none).unwrap_err();
        assert_eq!(m.pointer, "/parameters/effect/defaultValue");
    }
}
