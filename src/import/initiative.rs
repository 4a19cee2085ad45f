//! One policy set definition as an acrp `initiative`, when it says what acrp
//! says: members that are rules of the same import (member ids under one
//! scope, `{scope}` or the pack's `scope`) or built-ins (`include builtin`),
//! reference ids pinned with `reference` where they are not the rule id,
//! groups without `additionalMetadataId`.

use super::Gap;
use super::rule::{effect_word, param_clause, param_texts};
use super::text::{Scope, get, get_str, head_lines, is_ident, operand, string};
use crate::catalog::catalog;
use crate::ir::Effect;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const MEMBER_PATH: &str = "/providers/microsoft.authorization/policydefinitions/";

/// The scope part of a member's `policyDefinitionId` and the definition's name.
pub fn split_member_id(id: &str) -> Option<(&str, &str)> {
    let lower = id.to_ascii_lowercase();
    let at = lower.find(MEMBER_PATH)?;
    let name = id.get(at + MEMBER_PATH.len()..)?;
    Some((id.get(..at)?, name))
}

/// The scope prefix every member of a set uses (built-ins aside), when they agree.
pub fn member_scope(props: &Map<String, Value>) -> Option<String> {
    let members = get(props, "policyDefinitions")?.as_array()?;
    let mut scope: Option<&str> = None;
    for m in members {
        let id = m.get("policyDefinitionId").and_then(Value::as_str)?;
        let (s, _) = split_member_id(id)?;
        if s.is_empty() {
            continue; // a built-in
        }
        match scope {
            Some(prev) if !prev.eq_ignore_ascii_case(s) => return None,
            _ => scope = Some(s),
        }
    }
    scope.map(str::to_string)
}

/// The initiative's text. `rules` maps definition names (lower-case) to
/// rule ids of this import, `titles` every definition name found to its
/// display name; `pack_scope` is the pack's `scope`, if any.
pub fn initiative(
    id: &str,
    name: Option<&str>,
    props: &Map<String, Value>,
    rules: &BTreeMap<String, String>,
    titles: &BTreeMap<String, String>,
    pack_scope: Option<&str>,
    pack_category: &str,
) -> Result<String, Gap> {
    let mut lines = head_lines(name, props, pack_category, "set definition")?;
    lines.push(String::new());
    for (n, p) in get(props, "parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        lines.push(match effect_param(n, p)? {
            Some(e) => e,
            None => param_clause(n, p)?,
        });
    }
    if lines.last().is_some_and(|l| !l.is_empty()) {
        lines.push(String::new());
    }
    for (i, g) in get(props, "policyDefinitionGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        lines.push(group(g, &format!("/policyDefinitionGroups/{i}"))?);
    }
    if lines.last().is_some_and(|l| !l.is_empty()) {
        lines.push(String::new());
    }
    let members = get(props, "policyDefinitions")
        .and_then(Value::as_array)
        .ok_or_else(|| Gap::new("/policyDefinitions", "a set definition without members"))?;
    let scope = Scope::new(
        catalog()
            .kind("registry")
            .ok_or_else(|| Gap::new("", "a catalog without registries"))?,
    );
    for (i, m) in members.iter().enumerate() {
        lines.push(member(
            m,
            &format!("/policyDefinitions/{i}"),
            rules,
            titles,
            pack_scope,
            &scope,
        )?);
    }
    Ok(format!(
        "initiative {id} {{\n  {}\n}}\n",
        lines.join("\n  ")
    ))
}

/// `param x: effect = audit allowed [audit, deny]` for a parameter whose
/// values are effects (acrp checks them against each member's effects).
fn effect_param(name: &str, p: &Value) -> Result<Option<String>, Gap> {
    let at = format!("/parameters/{name}");
    let Some(o) = p.as_object() else {
        return Err(Gap::new(&at, "a parameter that is not an object"));
    };
    let allowed: Option<Vec<Effect>> =
        get(o, "allowedValues")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .map(|v| v.as_str().and_then(Effect::parse))
                    .collect()
            });
    let default = get_str(o, "defaultValue").and_then(Effect::parse);
    let (Some(allowed), Some(default)) = (allowed, default) else {
        return Ok(None);
    };
    if !is_ident(name) {
        return Err(Gap::new(&at, format!("the parameter name {name:?}")));
    }
    let words: Vec<String> = allowed.into_iter().map(effect_word).collect();
    let mut s = format!(
        "param {name}: effect = {} allowed [{}]",
        effect_word(default),
        words.join(", ")
    );
    s.push_str(&param_texts(get(o, "metadata").and_then(Value::as_object)));
    Ok(Some(s))
}

fn group(g: &Value, at: &str) -> Result<String, Gap> {
    let o = g
        .as_object()
        .ok_or_else(|| Gap::new(at, "a group that is not an object"))?;
    if get(o, "additionalMetadataId").is_some() {
        return Err(Gap::new(
            &format!("{at}/additionalMetadataId"),
            "a group with additionalMetadataId",
        ));
    }
    let name = get_str(o, "name").filter(|n| is_ident(n)).ok_or_else(|| {
        Gap::new(
            &format!("{at}/name"),
            "a group name that is not an identifier",
        )
    })?;
    let display =
        get_str(o, "displayName").ok_or_else(|| Gap::new(at, "a group without displayName"))?;
    let mut s = format!("group {name} {}", string(display));
    let mut block = Vec::new();
    if let Some(d) = get_str(o, "description") {
        block.push(format!("description {}", string(d)));
    }
    if let Some(c) = get_str(o, "category") {
        block.push(format!("category {}", string(c)));
    }
    if !block.is_empty() {
        s.push_str(&format!(" {{\n    {}\n  }}", block.join("\n    ")));
    }
    Ok(s)
}

fn member(
    m: &Value,
    at: &str,
    rules: &BTreeMap<String, String>,
    titles: &BTreeMap<String, String>,
    pack_scope: Option<&str>,
    scope: &Scope,
) -> Result<String, Gap> {
    let o = m
        .as_object()
        .ok_or_else(|| Gap::new(at, "a member that is not an object"))?;
    let id = get_str(o, "policyDefinitionId")
        .ok_or_else(|| Gap::new(at, "a member without policyDefinitionId"))?;
    let id_at = format!("{at}/policyDefinitionId");
    let (member_scope, name) =
        split_member_id(id).ok_or_else(|| Gap::new(&id_at, format!("the member id {id}")))?;
    let reference = get_str(o, "policyDefinitionReferenceId");
    // A member id without scope is a built-in (custom definitions live in a
    // management group or subscription): referenced as such, even when the
    // import holds a copy of its definition.
    if member_scope.is_empty() {
        let text = builtin_member(o, at, name, reference, scope)?;
        // The GUID says nothing to a reader: name the built-in when known.
        return Ok(match titles.get(&name.to_ascii_lowercase()) {
            Some(t) => format!("# {}\n  {text}", t.replace(['\n', '\r'], " ")),
            None => text,
        });
    }
    let expected = pack_scope.unwrap_or(crate::emit::SCOPE_PLACEHOLDER);
    if !member_scope.eq_ignore_ascii_case(expected) {
        return Err(Gap::new(
            &id_at,
            format!(
                "a member defined at {member_scope:?} (acrp initiatives include the pack's own rules, at one scope, and built-ins)"
            ),
        ));
    }
    let rule = rules.get(&name.to_ascii_lowercase()).ok_or_else(|| {
        Gap::new(
            &id_at,
            format!("a member whose definition {name} is not imported with it"),
        )
    })?;
    let reference =
        reference.ok_or_else(|| Gap::new(at, "a member without policyDefinitionReferenceId"))?;
    let mut block = member_block(o, at, scope)?;
    if reference != rule {
        block.insert(0, format!("reference {}", string(reference)));
    }
    Ok(include_text(rule, &block, false))
}

/// `include builtin "<GUID>" { reference "…" version "…" … }`.
fn builtin_member(
    o: &Map<String, Value>,
    at: &str,
    guid: &str,
    reference: Option<&str>,
    scope: &Scope,
) -> Result<String, Gap> {
    if !crate::sema::is_guid(guid) {
        return Err(Gap::new(
            &format!("{at}/policyDefinitionId"),
            format!("a built-in member named {guid:?}, which is not a GUID"),
        ));
    }
    let mut head = Vec::new();
    match reference {
        Some(r) if r != guid => head.push(format!("reference {}", string(r))),
        Some(_) => {}
        None => {
            return Err(Gap::new(at, "a member without policyDefinitionReferenceId"));
        }
    }
    if let Some(v) = get_str(o, "definitionVersion") {
        head.push(format!("version {}", string(v)));
    }
    head.extend(member_block(o, at, scope)?);
    Ok(include_text(
        &format!("builtin {}", string(guid)),
        &head,
        true,
    ))
}

/// `include <target>` with its block on one line (rule members: the
/// formatter aligns their blocks), or one clause a line where `long` and
/// the line would be long (built-in members: a GUID and long reference ids).
fn include_text(target: &str, block: &[String], long: bool) -> String {
    let one_line = format!("include {target} {{ {} }}", block.join("  "));
    if block.is_empty() {
        format!("include {target}")
    } else if !long || one_line.len() <= 96 {
        one_line
    } else {
        format!("include {target} {{\n    {}\n  }}", block.join("\n    "))
    }
}

/// A member's parameter bindings and groups.
fn member_block(o: &Map<String, Value>, at: &str, scope: &Scope) -> Result<Vec<String>, Gap> {
    let mut block = Vec::new();
    for (p, v) in get(o, "parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let here = format!("{at}/parameters/{p}");
        if !is_ident(p) {
            return Err(Gap::new(
                &here,
                "a parameter name that is not an identifier",
            ));
        }
        let value = v
            .get("value")
            .ok_or_else(|| Gap::new(&here, "a member parameter without value"))?;
        block.push(format!(
            "{p} = {}",
            operand(value, scope, &format!("{here}/value"))?
        ));
    }
    if let Some(groups) = get(o, "groupNames").and_then(Value::as_array) {
        let names: Vec<&str> = groups.iter().filter_map(Value::as_str).collect();
        if names.len() != groups.len() || !names.iter().all(|n| is_ident(n)) {
            return Err(Gap::new(
                &format!("{at}/groupNames"),
                "group names that are not identifiers",
            ));
        }
        block.push(format!("groups [{}]", names.join(", ")));
    }
    Ok(block)
}
