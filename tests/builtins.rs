//! Expressiveness proof: each of the 28 Azure built-in ACR policies, written
//! in the language under tests/builtins/, compiles back to the original.
//!
//! The originals are read from ../shared/reference/azure-builtins (never
//! copied into this repository); without that folder the test says so and
//! passes. Deploy templates of the deployIfNotExists built-ins are taken from
//! the originals at test time and served to the compiler in memory.
//!
//! Normalisation before comparing: `acrpc::import::normalize::norm`, the
//! one `acrpc import` checks its round trip with (each step is a place
//! where Azure itself does not distinguish the two forms):
//! - object keys compared case-insensitively: Azure reads operator keys and
//!   property names without regard to case (`anyof` = `anyOf`);
//! - `exists: "false"` equals `exists: false` (Azure accepts both);
//! - nested `allOf` inside `allOf` (and `anyOf` inside `anyOf`) flattened,
//!   single-member `allOf`/`anyOf` collapsed, members sorted: order and
//!   grouping do not change a conjunction or disjunction;
//! - alias names, resource types, role definition ids and the string values
//!   of case-insensitive operators lower-cased: "String comparisons are made
//!   using InvariantCultureIgnoreCase" (definition-structure-policy-rule);
//! - deployment `mode` compared case-insensitively (`incremental` is what
//!   the built-ins write, `Incremental` what the ARM schema lists).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

mod common;

use acrpc::compile::compile_file;
use acrpc::diag::{SourceFile, SourceMap, render};
use acrpc::import::normalize::norm;
use acrpc::ir::Origin;
use acrpc::sema::Options;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn shared_builtins() -> Option<PathBuf> {
    common::shared("reference/azure-builtins")
}

fn canonical_key(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn lower_strings(v: &Value) -> Value {
    match v {
        Value::String(s) if !s.starts_with('[') => Value::String(s.to_ascii_lowercase()),
        Value::Array(a) => Value::Array(a.iter().map(lower_strings).collect()),
        other => other.clone(),
    }
}

/// The parameters that matter to an assignment: type, allowed, default.
fn param_summary(params: &Value) -> BTreeMap<String, Value> {
    params
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, p)| {
            let mut m = Map::new();
            m.insert("type".into(), lower_strings(&p["type"]));
            for key in ["allowedValues", "defaultValue"] {
                if let Some(v) = p.get(key) {
                    m.insert(key.into(), v.clone());
                }
            }
            for key in ["strongType", "assignPermissions"] {
                if let Some(v) = p.get("metadata").and_then(|md| md.get(key)) {
                    m.insert(key.into(), v.clone());
                }
            }
            (k.clone(), Value::Object(m))
        })
        .collect()
}

fn originals(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["definitions", "related-definitions"] {
        for e in std::fs::read_dir(dir.join(sub))
            .into_iter()
            .flatten()
            .flatten()
        {
            if e.path().extension().is_some_and(|x| x == "json") {
                files.push(e.path());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn all_28_builtins_compile_back_to_the_original() {
    let Some(dir) = shared_builtins() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let originals = originals(&dir);
    assert_eq!(
        originals.len(),
        28,
        "expected the 28 built-ins of the reference set"
    );
    let mut failures = Vec::new();
    for orig_path in &originals {
        let base = orig_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let orig: Value =
            serde_json::from_str(&std::fs::read_to_string(orig_path).unwrap_or_default())
                .unwrap_or(Value::Null);
        let props = &orig["properties"];
        let src_path = root.join("tests/builtins").join(format!("{base}.acrp"));
        let Ok(text) = std::fs::read_to_string(&src_path) else {
            failures.push(format!("{base}: no tests/builtins/{base}.acrp"));
            continue;
        };
        // The original's deploy template, served at the path the pack names.
        let mut templates = BTreeMap::new();
        let template =
            &props["policyRule"]["then"]["details"]["deployment"]["properties"]["template"];
        if !template.is_null() {
            templates.insert(format!("templates/{base}.json"), template.to_string());
        }
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new(format!("tests/builtins/{base}.acrp"), text));
        let compiled = compile_file(&sources, id, &templates, &Options::default());
        let Some(pack) = compiled.pack else {
            let rendered: String = compiled
                .diagnostics
                .iter()
                .map(|d| render::render(d, &sources, render::RenderOptions::default()))
                .collect();
            failures.push(format!("{base}: does not compile\n{rendered}"));
            continue;
        };
        let defs: Vec<_> = pack
            .definitions
            .iter()
            .filter(|d| d.origin == Origin::Rule)
            .collect();
        if defs.len() != 1 {
            failures.push(format!("{base}: expected one rule, found {}", defs.len()));
            continue;
        }
        let emitted = acrpc::emit::definition(defs[0], &pack);
        let ep = &emitted["properties"];
        let mut diffs = Vec::new();
        let (a, b) = (norm(&ep["policyRule"]), norm(&props["policyRule"]));
        if a != b {
            diffs.push(format!(
                "policyRule differs\n  emitted:  {}\n  original: {}",
                canonical_key(&a),
                canonical_key(&b)
            ));
        }
        if emitted["name"] != orig["name"] {
            diffs.push(format!("name {} != {}", emitted["name"], orig["name"]));
        }
        for key in ["displayName", "mode", "version"] {
            if ep[key] != props[key] {
                diffs.push(format!("{key}: {} != {}", ep[key], props[key]));
            }
        }
        if ep["metadata"]["version"] != props["metadata"]["version"] {
            diffs.push(format!(
                "metadata.version: {} != {}",
                ep["metadata"]["version"], props["metadata"]["version"]
            ));
        }
        let (pa, pb) = (
            param_summary(&ep["parameters"]),
            param_summary(&props["parameters"]),
        );
        if pa != pb {
            diffs.push(format!(
                "parameters differ\n  emitted:  {}\n  original: {}",
                serde_json::to_string(&pa).unwrap_or_default(),
                serde_json::to_string(&pb).unwrap_or_default()
            ));
        }
        if !diffs.is_empty() {
            failures.push(format!("{base}:\n{}", diffs.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 28 built-ins do not round-trip:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Collects the `field` operands of a policy rule: conditions, `count.field`,
/// `existenceCondition` and Modify operations. Deployment templates are skipped:
/// they are ARM JSON, not policy conditions.
fn collect_fields(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key.eq_ignore_ascii_case("field") {
                    if let Value::String(field) = child {
                        out.push(field.clone());
                    }
                } else if !key.eq_ignore_ascii_case("deployment") {
                    collect_fields(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_fields(item, out)),
        _ => {}
    }
}

#[test]
fn every_field_used_by_the_builtins_is_in_the_catalog() {
    let Some(root) = shared_builtins() else {
        return;
    };
    let cat = acrpc::catalog::catalog();
    let mut checked = 0;
    for folder in ["definitions", "related-definitions"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let json: Value = serde_json::from_str(&text).unwrap();
            let rule = &json["properties"]["policyRule"];
            assert!(rule.is_object(), "{}: no policyRule", file.display());
            let mut fields = Vec::new();
            collect_fields(rule, &mut fields);
            for field in fields {
                let tag = field.starts_with("tags[") || field.starts_with("tags.");
                assert!(
                    tag || cat.generic_field(&field).is_some()
                        || cat.property_by_alias(&field).is_some(),
                    "{}: unknown field {field}",
                    file.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} fields found");
}
