#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test
//! `acrpc import`: the Azure built-ins and the bundled pack's own output
//! import into packs that compile back to them (src/import/ checks each
//! definition; these tests check the outcome end to end).

mod common;

use acrpc::compile::compile_file;
use acrpc::diag::{Code, SourceFile, SourceMap, render};
use acrpc::import::{self, Options};
use acrpc::sema;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn run_import(files: &[(String, String)], label: &str) -> (SourceMap, import::Imported) {
    let mut sources = SourceMap::default();
    let ids: Vec<_> = files
        .iter()
        .map(|(n, t)| sources.add(SourceFile::new(n.clone(), t.clone())))
        .collect();
    let opts = Options {
        pack: None,
        label: label.into(),
    };
    let out = import::import(&sources, &ids, &opts);
    (sources, out)
}

fn rendered(diags: &[acrpc::diag::Diagnostic], sources: &SourceMap) -> String {
    diags
        .iter()
        .map(|d| render::render(d, sources, render::RenderOptions::default()))
        .collect()
}

/// The imported pack compiles without errors, is formatted and lint-clean
/// (no errors), and returns the definitions it compiles to.
fn check_pack(pack: &import::ImportedPack) -> acrpc::ir::Pack {
    let templates: BTreeMap<String, String> = pack.templates.iter().cloned().collect();
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(
        format!("{}.acrp", pack.id),
        pack.text.clone(),
    ));
    assert_eq!(
        acrpc::fmt::format(id, &pack.text).unwrap(),
        pack.text,
        "imported pack is not formatted"
    );
    let lint = acrpc::lint::check_file(&sources, id, &templates, &Default::default());
    let errors: Vec<_> = lint.iter().filter(|d| d.is_error()).cloned().collect();
    assert!(
        errors.is_empty(),
        "lint errors:\n{}",
        rendered(&errors, &sources)
    );
    let compiled = compile_file(&sources, id, &templates, &sema::Options::default());
    compiled.pack.unwrap_or_else(|| {
        panic!(
            "imported pack does not compile:\n{}",
            rendered(&compiled.diagnostics, &sources)
        )
    })
}

#[test]
fn the_azure_builtins_round_trip() {
    let Some(dir) = common::shared("reference/azure-builtins") else {
        return;
    };
    let mut files = Vec::new();
    for sub in ["definitions", "related-definitions", "initiatives"] {
        for p in json_files(&dir.join(sub)) {
            let name = format!("{sub}/{}", p.file_name().unwrap().to_string_lossy());
            files.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    let (sources, out) = run_import(&files, "azure-builtins");
    let not_imported: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| matches!(d.code, Code::W1203 | Code::W1204) || d.is_error())
        .cloned()
        .collect();
    assert!(
        not_imported.is_empty(),
        "{} definitions not imported:\n{}",
        not_imported.len(),
        rendered(&not_imported, &sources)
    );
    // Both initiatives (members: built-ins, by GUID, under their own
    // reference ids) round-trip too.
    let skipped: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::W1205)
        .cloned()
        .collect();
    assert!(skipped.is_empty(), "{}", rendered(&skipped, &sources));
    let pack = out.pack.expect("a pack");
    assert_eq!(pack.rules, 28);
    assert_eq!(pack.initiatives, 2);
    let ir = check_pack(&pack);
    assert_eq!(ir.definitions.len(), 28);
    insta::with_settings!({
        snapshot_path => "../golden/import",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("azure-builtins.acrp", pack.text);
    });
}

struct Dir(PathBuf);

impl sema::Templates for Dir {
    fn load(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

/// acrpc → JSON → acrpc → JSON: importing the bundled pack's definitions
/// gives a pack whose definitions are byte-identical to them.
#[test]
fn the_bundled_pack_round_trips_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rulepacks");
    let path = root.join("acr-baseline.acrp");
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(
        "acr-baseline.acrp",
        std::fs::read_to_string(&path).unwrap(),
    ));
    let compiled = compile_file(&sources, id, &Dir(root), &sema::Options::default());
    let original: Vec<_> = compiled
        .files()
        .into_iter()
        .filter(|f| {
            f.path.contains("/policyDefinitions/") || f.path.contains("/policySetDefinitions/")
        })
        .collect();
    let sets = original
        .iter()
        .filter(|f| f.path.contains("/policySetDefinitions/"))
        .count();
    assert!(original.len() > 30 && sets > 1, "{} files", original.len());
    let inputs: Vec<(String, String)> = original
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect();
    let (sources, out) = run_import(&inputs, "build output");
    let problems: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code != Code::W1206)
        .cloned()
        .collect();
    assert!(problems.is_empty(), "{}", rendered(&problems, &sources));
    let pack = out.pack.expect("a pack");
    assert_eq!(pack.id, "acr-baseline");
    assert_eq!(pack.rules, original.len() - sets);
    assert_eq!(pack.initiatives, sets);
    insta::with_settings!({
        snapshot_path => "../golden/import",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("acr-baseline.acrp", pack.text);
    });
    let rebuilt = acrpc::emit::pack_files(&check_pack(&pack));
    for f in &original {
        let again = rebuilt
            .iter()
            .find(|r| r.path == f.path)
            .unwrap_or_else(|| panic!("{} is not rebuilt", f.path));
        assert_eq!(again.contents, f.contents, "{} differs", f.path);
    }
}

/// Runs `acrpc import` in `dir` (so paths in messages are relative).
fn acrpc_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("acrpc-import-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn definition(display: &str, mode: &str, condition: serde_json::Value) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "properties": {
            "displayName": display,
            "mode": mode,
            "parameters": { "effect": {
                "type": "String",
                "allowedValues": ["Audit", "Disabled"],
                "defaultValue": "Audit"
            }},
            "policyRule": { "if": condition, "then": { "effect": "[parameters('effect')]" } }
        }
    }))
    .unwrap()
}

fn codes(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = stderr
        .lines()
        .filter(|l| l.len() == 5 && (l.starts_with("E1") || l.starts_with("W1")))
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

#[test]
fn input_that_is_not_policy_json_fails_and_writes_nothing() {
    let dir = temp_dir("bad");
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::write(inputs.join("broken.json"), "{\n  \"properties\": {,\n}").unwrap();
    std::fs::write(inputs.join("other.json"), "{\"resources\": []}").unwrap();
    let good = serde_json::json!({"allOf": [
        {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"},
        {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}
    ]});
    std::fs::write(
        inputs.join("good.json"),
        definition("Good", "Indexed", good),
    )
    .unwrap();
    let (code, stdout, stderr) = acrpc_in(&dir, &["import", "inputs", "--out", "out"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(codes(&stderr), ["E1201", "E1202"], "{stderr}");
    assert!(stdout.is_empty());
    assert!(!dir.join("out").exists(), "something was written");
    // Nothing to import at all is a usage error.
    let (code, _, nothing) = acrpc_in(&dir, &["import"]);
    assert_eq!(code, Some(2), "{nothing}");
    assert_eq!(codes(&nothing), ["E1208"], "{nothing}");
    insta::with_settings!({
        snapshot_path => "../golden/import",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("not-policy-json.stderr", stderr);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn what_acrp_cannot_express_is_reported_and_left_out() {
    let dir = temp_dir("gaps");
    let inputs = dir.join("policies");
    std::fs::create_dir_all(&inputs).unwrap();
    let acr = |rest: serde_json::Value| {
        serde_json::json!({"allOf": [
            {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"}, rest
        ]})
    };
    let cases = [
        // Another service: the catalog covers ACR and the kinds around it.
        (
            "storage.json",
            definition(
                "Storage",
                "Indexed",
                serde_json::json!({"allOf": [
                    {"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
                    {"field": "Microsoft.Storage/storageAccounts/minimumTlsVersion", "notEquals": "TLS1_2"}
                ]}),
            ),
        ),
        // An alias the catalog does not know: kept as `alias("…")`, W1220.
        (
            "alias.json",
            definition(
                "Alias",
                "Indexed",
                acr(
                    serde_json::json!({"field": "Microsoft.ContainerRegistry/registries/noSuchProperty", "equals": "x"}),
                ),
            ),
        ),
        // A resource provider (data-plane) mode.
        (
            "mode.json",
            definition(
                "Mode",
                "Microsoft.Kubernetes.Data",
                acr(
                    serde_json::json!({"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}),
                ),
            ),
        ),
        // A boolean property compared with a string: acrp's types refuse it.
        (
            "typed.json",
            definition(
                "Typed",
                "Indexed",
                acr(
                    serde_json::json!({"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": "true"}),
                ),
            ),
        ),
        // An initiative over a built-in (tenant scope), under its own
        // reference id: imported (`include builtin`, `reference`).
        (
            "set.json",
            serde_json::json!({"properties": {
                "displayName": "Set",
                "policyDefinitions": [{
                    "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/dc921057-6b28-4fbe-9b83-f7bec05db6c2",
                    "policyDefinitionReferenceId": "AdminAccountDisabled"
                }]
            }})
            .to_string(),
        ),
        // A group pointing at compliance metadata: not expressible.
        (
            "set-metadata.json",
            serde_json::json!({"properties": {
                "displayName": "Set with metadata",
                "policyDefinitionGroups": [{
                    "name": "ac-1",
                    "additionalMetadataId": "/providers/Microsoft.PolicyInsights/policyMetadata/ACF1000"
                }],
                "policyDefinitions": [{
                    "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/dc921057-6b28-4fbe-9b83-f7bec05db6c2",
                    "policyDefinitionReferenceId": "AdminAccountDisabled",
                    "groupNames": ["ac-1"]
                }]
            }})
            .to_string(),
        ),
        // The effect parameter's own description: imported, the text reported.
        ("texts.json", {
            let mut v: serde_json::Value = serde_json::from_str(&definition(
                "Registries keep anonymous pull off",
                "Indexed",
                acr(
                    serde_json::json!({"field": "Microsoft.ContainerRegistry/registries/anonymousPullEnabled", "equals": true}),
                ),
            ))
            .unwrap();
            v["properties"]["parameters"]["effect"]["metadata"] =
                serde_json::json!({"displayName": "Effect", "description": "Audit or not."});
            v.to_string()
        }),
        (
            "good.json",
            definition(
                "Registries keep the admin user off",
                "Indexed",
                acr(
                    serde_json::json!({"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}),
                ),
            ),
        ),
    ];
    for (name, text) in &cases {
        std::fs::write(inputs.join(name), text).unwrap();
    }
    let (code, stdout, stderr) = acrpc_in(&dir, &["import", "policies", "--out", "out"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        codes(&stderr),
        ["W1203", "W1203", "W1204", "W1205", "W1206", "W1220"],
        "{stderr}"
    );
    assert!(stdout.contains("imported 3 definitions"), "{stdout}");
    let text = std::fs::read_to_string(dir.join("out/policies/policies.acrp")).unwrap();
    assert!(
        text.contains("rule registries-keep-the-admin-user-off {"),
        "{text}"
    );
    assert_eq!(text.matches("\nrule ").count(), 3, "{text}");
    assert!(
        text.contains("alias(\"Microsoft.ContainerRegistry/registries/noSuchProperty\")"),
        "{text}"
    );
    assert!(
        text.contains("include builtin \"dc921057-6b28-4fbe-9b83-f7bec05db6c2\" { reference \"AdminAccountDisabled\" }"),
        "{text}"
    );
    insta::with_settings!({
        snapshot_path => "../golden/import",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("not-expressible.stderr", stderr);
        insta::assert_snapshot!("not-expressible.acrp", text);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same definition as an ARM template resource (with `[[` escapes) and as
/// `az policy definition list` output imports to the same rule, and the
/// template's expression name is not pinned.
#[test]
fn templates_and_az_output_import_alike() {
    let rule = |escape: &str| {
        serde_json::json!({
            "if": {"allOf": [
                {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"},
                {"value": format!("{escape}[parameters('mode')]"), "equals": "strict"},
                {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}
            ]},
            "then": {"effect": format!("{escape}[parameters('effect')]")}
        })
    };
    let params = serde_json::json!({
        "effect": {"type": "String", "allowedValues": ["Audit", "Deny", "Disabled"], "defaultValue": "Audit"},
        "mode": {"type": "String", "defaultValue": "strict", "metadata": {"displayName": "Mode"}}
    });
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Authorization/policyDefinitions",
            "apiVersion": "2025-03-01",
            "name": "[guid('admin')]",
            "properties": {"displayName": "Admin user off", "mode": "Indexed", "parameters": params, "policyRule": rule("[")}
        }]
    });
    let az = serde_json::json!([{
        "id": "/subscriptions/0/providers/Microsoft.Authorization/policyDefinitions/admin",
        "name": "admin",
        "displayName": "Admin user off",
        "mode": "Indexed",
        "parameters": params,
        "policyRule": rule(""),
        "policyType": "Custom"
    }]);
    let mut texts = Vec::new();
    for (name, v) in [("template.json", template), ("az.json", az)] {
        let (sources, out) = run_import(&[(name.into(), v.to_string())], "shapes");
        assert!(
            out.diagnostics.is_empty(),
            "{}",
            rendered(&out.diagnostics, &sources)
        );
        let pack = out.pack.expect("a pack");
        check_pack(&pack);
        texts.push(pack.text);
    }
    assert!(
        texts[0].contains("when        param.mode == \"strict\""),
        "{}",
        texts[0]
    );
    assert!(
        texts[0].contains("require     adminUserEnabled != true"),
        "{}",
        texts[0]
    );
    assert!(
        !texts[0].contains("name  "),
        "an expression name is not pinned:\n{}",
        texts[0]
    );
    assert_eq!(
        texts[1],
        texts[0].replace(
            "  title       \"Admin",
            "  name        \"admin\"\n  title       \"Admin"
        )
    );
}

/// Odd definitions never panic and never produce a rule that is not checked:
/// each is either imported (and round-trips) or reported.
#[test]
fn odd_definitions_are_reported_not_crashed_on() {
    let gate =
        serde_json::json!({"field": "type", "equals": "Microsoft.ContainerRegistry/registries"});
    let odd_ifs = [
        serde_json::json!({}),
        serde_json::json!([]),
        serde_json::json!({"allOf": "x"}),
        serde_json::json!({"allOf": []}),
        serde_json::json!({"allOf": [gate, {"anyOf": []}]}),
        serde_json::json!({"allOf": [gate, {"not": {"not": {"field": "name", "like": "a*"}}}]}),
        serde_json::json!({"allOf": [gate, {"count": {"field": "x[*]"}, "equals": 1}]}),
        serde_json::json!({"allOf": [gate, {"count": {"value": [1, 2], "where": {"value": "[current()]", "equals": 1}}, "greater": 0}]}),
        serde_json::json!({"allOf": [gate, {"count": {"value": [1, 2], "name": "n", "where": {"value": "[current('n')]", "equals": 1}}, "greater": 0}]}),
        serde_json::json!({"allOf": [gate, {"field": "tags['a''b']", "exists": "maybe"}]}),
        serde_json::json!({"allOf": [gate, {"field": "tags['a''b']", "exists": "false"}]}),
        serde_json::json!({"allOf": [gate, {"value": "[concat(", "equals": 1}]}),
        serde_json::json!({"allOf": [gate, {"value": "[utcNow()]", "equals": "x"}]}),
        serde_json::json!({"allOf": [gate, {"field": "location", "in": {"a": 1}}]}),
        serde_json::json!({"allOf": [gate, {"field": "location", "equals": 1e300}]}),
        serde_json::json!({"allOf": [gate, {"field": 3, "equals": 1}]}),
        serde_json::json!({"allOf": [gate, {"field": "location", "equals": "é", "notEquals": "b"}]}),
        serde_json::json!({"allOf": [gate, {"field": "identity.type", "contains": "[[literal]"}]}),
    ];
    let then_variants = [
        serde_json::json!({"effect": "[parameters('effect')]"}),
        serde_json::json!({"effect": "deny"}),
        serde_json::json!({"effect": "[parameters('effect')]", "details": {"type": "Nope/nope"}}),
        serde_json::json!({"effect": "[parameters('effect')]", "details": {"operations": [{"operation": "remove", "field": "tags"}]}}),
        serde_json::json!("x"),
    ];
    let mut imported = 0;
    for (i, cond) in odd_ifs.iter().enumerate() {
        for (j, then) in then_variants.iter().enumerate() {
            let text = serde_json::json!({"properties": {
                "displayName": format!("Odd {i} {j}"),
                "parameters": {"effect": {"type": "String", "allowedValues": ["Audit", "Deny", "Disabled"], "defaultValue": "Audit"}},
                "policyRule": {"if": cond, "then": then}
            }})
            .to_string();
            let (sources, out) = run_import(&[("odd.json".into(), text)], "odd");
            match &out.pack {
                Some(p) => {
                    check_pack(p);
                    imported += 1;
                }
                None => assert!(
                    out.diagnostics
                        .iter()
                        .any(|d| matches!(d.code, Code::W1203 | Code::W1204)),
                    "{i}/{j}: neither imported nor reported:\n{}",
                    rendered(&out.diagnostics, &sources)
                ),
            }
        }
    }
    assert!(imported > 0, "every odd definition was refused");
}

/// A set with more members than Azure allows (1000, "Azure Policy limits"
/// in azure-subscription-service-limits) is E1218; an input file over
/// import's size guard is E1219. Both exit 1 and write nothing.
#[test]
fn huge_sets_and_huge_inputs_fail_and_write_nothing() {
    let dir = temp_dir("huge");
    let inputs = dir.join("sets");
    std::fs::create_dir_all(&inputs).unwrap();
    let member = |i: usize| {
        serde_json::json!({
            "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/dc921057-6b28-4fbe-9b83-f7bec05db6c2",
            "policyDefinitionReferenceId": format!("m{i}")
        })
    };
    let set = |n: usize| {
        serde_json::json!({"properties": {
            "displayName": format!("Set of {n}"),
            "policyDefinitions": (0..n).map(member).collect::<Vec<_>>()
        }})
        .to_string()
    };
    // 1000 is allowed (and imports); 1001 is not.
    let (sources, ok) = run_import(&[("ok.json".into(), set(1000))], "sets");
    assert!(
        !ok.diagnostics.iter().any(|d| d.code == Code::E1218),
        "{}",
        rendered(&ok.diagnostics, &sources)
    );
    std::fs::write(inputs.join("huge.json"), set(1001)).unwrap();
    let (code, stdout, stderr) = acrpc_in(&dir, &["import", "sets", "--out", "out"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(codes(&stderr), ["E1218"], "{stderr}");
    assert!(
        stderr.contains("has 1001 members; Azure allows 1000"),
        "{stderr}"
    );
    assert!(stdout.is_empty());
    assert!(!dir.join("out").exists(), "something was written");
    // A sparse file larger than the guard: refused before it is read whole.
    let big = dir.join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((128 << 20) + 1)
        .unwrap();
    let (code, _, stderr) = acrpc_in(&dir, &["import", "big.json", "--out", "out"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(codes(&stderr), ["E1219"], "{stderr}");
    assert!(!dir.join("out").exists(), "something was written");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A set over a custom definition of the same import, under a reference id
/// that is not the rule id: imported with `reference "…"`, and it compiles
/// back to the same member.
#[test]
fn a_member_reference_id_is_pinned() {
    let def = serde_json::json!({
        "id": "/subscriptions/0/providers/Microsoft.Authorization/policyDefinitions/admin-off",
        "name": "admin-off",
        "properties": serde_json::from_str::<serde_json::Value>(&definition(
            "Registries keep the admin user off",
            "Indexed",
            serde_json::json!({"allOf": [
                {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"},
                {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}
            ]}),
        ))
        .unwrap()["properties"]
            .clone()
    });
    let set = serde_json::json!({
        "name": "identity",
        "properties": {
            "displayName": "Identity",
            "parameters": {"effect": {"type": "String", "allowedValues": ["Audit", "Disabled"], "defaultValue": "Audit"}},
            "policyDefinitions": [{
                "policyDefinitionReferenceId": "AdminUserOff",
                "policyDefinitionId": "/subscriptions/0/providers/Microsoft.Authorization/policyDefinitions/admin-off",
                "definitionVersion": "1.*.*",
                "parameters": {"effect": {"value": "[parameters('effect')]"}}
            }]
        }
    });
    let (sources, out) = run_import(
        &[
            ("def.json".into(), def.to_string()),
            ("set.json".into(), set.to_string()),
        ],
        "pinned",
    );
    assert!(
        out.diagnostics.is_empty(),
        "{}",
        rendered(&out.diagnostics, &sources)
    );
    let pack = out.pack.expect("a pack");
    assert_eq!((pack.rules, pack.initiatives), (1, 1));
    assert!(
        pack.text.contains(
            "include registries-keep-the-admin-user-off { reference \"AdminUserOff\"  effect = param.effect }"
        ),
        "{}",
        pack.text
    );
    assert!(
        pack.text.contains("scope       \"/subscriptions/0\""),
        "{}",
        pack.text
    );
    check_pack(&pack);
}
