//! What `acrpc check` reads (issues 14 and 15): templates with comments,
//! property copy loops, nullable parameters, nested deployments that may not
//! be deployed, expressions acrpc cannot evaluate, and directory scans of
//! real repository layouts. Each ARM rule is encoded with the documentation
//! that states it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

mod common;

use acrpc::inputs::{self, Format, ProblemCode, Resource, arm::ArmOptions};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn load(text: &str) -> inputs::Loaded {
    inputs::load("t.json", text, None, &ArmOptions::default())
}

fn load_json(doc: &Value) -> inputs::Loaded {
    load(&serde_json::to_string_pretty(doc).unwrap())
}

fn template(parameters: Value, resources: Value) -> Value {
    json!({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters, "resources": resources})
}

fn registry(properties: Value) -> Value {
    json!({"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
           "name": "acr1", "location": "westeurope", "sku": {"name": "Premium"}, "properties": properties})
}

fn only<'a>(loaded: &'a inputs::Loaded, ty: &str) -> &'a Resource {
    let found: Vec<&Resource> = loaded.resources.iter().filter(|r| r.ty == ty).collect();
    assert_eq!(found.len(), 1, "{ty}: {:?}", loaded.resources);
    found[0]
}

fn codes(loaded: &inputs::Loaded) -> Vec<ProblemCode> {
    loaded.problems.iter().map(|p| p.code).collect()
}

// ---- comments -------------------------------------------------------------

/// ARM's template syntax documentation ("Comments and metadata"): `//` and
/// `/* */` comments are allowed in templates and parameters files deployed
/// with the Azure CLI and PowerShell. `//` inside a string (the `$schema`
/// URL) is not a comment.
#[test]
fn comments_are_accepted_and_positions_stay_in_the_original_text() {
    let text = format!(
        "{{\n  // a line comment with \"quotes\" and {{ braces\n  \"$schema\": \"{SCHEMA}\",\n  /* a block\n     comment */ \"contentVersion\": \"1.0.0.0\",\n  \"resources\": [\n    {{ \"type\": \"Microsoft.ContainerRegistry/registries\", \"apiVersion\": \"2023-07-01\", // trailing\n      \"name\": \"acr1\", \"properties\": {{ \"adminUserEnabled\": false /* inline */ }} }}\n  ]\n}}\n"
    );
    let loaded = load(&text);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert_eq!(loaded.format, Some(Format::Arm));
    let r = only(&loaded, "Microsoft.ContainerRegistry/registries");
    assert_eq!(r.body["properties"]["adminUserEnabled"], json!(false));
    // Line 7 of the original text holds the resource's opening brace.
    assert_eq!(r.place.line, 7, "{:?}", r.place);
}

#[test]
fn blanking_comments_keeps_every_byte_offset() {
    let text = "{\"a\": \"x//y\", /* é */ \"b\": 1 // ü\n}";
    let blank = inputs::blank_comments(text);
    assert_eq!(blank.len(), text.len());
    assert_eq!(blank.find("\"b\""), text.find("\"b\""));
    assert!(blank.contains("\"x//y\""), "a // inside a string stays");
    let v: Value = serde_json::from_str(&blank).unwrap();
    assert_eq!(v, json!({"a": "x//y", "b": 1}));
}

/// Issue 15 item 6b: a text whose `//` and `/*` are all inside strings
/// (every template's `$schema` URL) is read as it is, not copied; one with
/// a comment is blanked exactly as `blank_comments` blanks it.
#[test]
fn only_texts_with_comments_are_blanked() {
    use std::borrow::Cow;
    let cases = [
        ("{\"$schema\": \"https://x/y.json#\", \"a\": \"/*\"}", false),
        ("{\"a\": \"\\\\\"}// after an escaped backslash\n", true),
        ("{\"a\": \"\\\"// still in the string\"}", false),
        ("{\"é\": \"ü//\"} /* é */", true),
        ("{\"a\": 1 /}", false),
        ("{} //", true),
        ("\u{feff}/* a */ {}", true),
    ];
    for (text, commented) in cases {
        let got = inputs::without_comments(text);
        assert_eq!(matches!(got, Cow::Owned(_)), commented, "{text}");
        assert_eq!(got, inputs::blank_comments(text), "{text}");
    }
}

#[test]
fn a_json_error_after_a_comment_points_into_the_original_text() {
    let text = "{\n  // fine\n  \"resources\": [ , ]\n}";
    let loaded = load(text);
    let p = &loaded.problems[0];
    assert_eq!(p.code, ProblemCode::NotJson);
    assert_eq!(&text[p.offset.unwrap()..p.offset.unwrap() + 1], ",");
}

// ---- property copy loops ----------------------------------------------------

/// "Property iteration in ARM templates": a `copy` array inside `properties`
/// makes each `name` an array of `count` evaluations of `input`, with
/// `copyIndex('<name>')` (and an offset) the index; count 0 is allowed and
/// gives an empty array.
#[test]
fn property_copy_loops_build_arrays() {
    let doc = template(
        json!({"ranges": {"type": "array", "defaultValue": ["203.0.113.0/24", "198.51.100.0/24"]}}),
        json!([registry(json!({
            "networkRuleSet": {
                "defaultAction": "Deny",
                "copy": [
                    {"name": "ipRules", "count": "[length(parameters('ranges'))]",
                     "input": {"action": "Allow", "value": "[parameters('ranges')[copyIndex('ipRules')]]",
                               "n": "[copyIndex('ipRules', 1)]"}},
                    {"name": "virtualNetworkRules", "count": 0, "input": {"id": "x"}}
                ]
            }
        }))]),
    );
    let loaded = load_json(&doc);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let r = only(&loaded, "Microsoft.ContainerRegistry/registries");
    assert_eq!(
        r.body["properties"]["networkRuleSet"],
        json!({
            "defaultAction": "Deny",
            "ipRules": [
                {"action": "Allow", "value": "203.0.113.0/24", "n": 1},
                {"action": "Allow", "value": "198.51.100.0/24", "n": 2}
            ],
            "virtualNetworkRules": []
        })
    );
}

#[test]
fn an_unknown_property_copy_count_makes_the_property_unknown_not_an_error() {
    let doc = template(
        json!({"ranges": {"type": "array"}}),
        json!([registry(
            json!({"adminUserEnabled": false, "networkRuleSet": {"copy": [
            {"name": "ipRules", "count": "[length(parameters('ranges'))]",
             "input": {"value": "[parameters('ranges')[copyIndex('ipRules')]]"}}]}})
        )]),
    );
    let loaded = load_json(&doc);
    assert_eq!(codes(&loaded), vec![ProblemCode::ParameterWithoutValue]);
    let r = only(&loaded, "Microsoft.ContainerRegistry/registries");
    assert!(inputs::as_unknown(&r.body["properties"]["networkRuleSet"]["ipRules"]).is_some());
    assert_eq!(r.body["properties"]["adminUserEnabled"], json!(false));
}

/// The copy documentation's "Copy limits": the count can't be a negative
/// number (issue 13 item 24: `-1` deployed nothing and exited 0).
#[test]
fn negative_copy_counts_are_errors() {
    let resource_loop = template(
        json!({}),
        json!([{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                "name": "[concat('acr', copyIndex())]", "copy": {"name": "acrs", "count": -1}, "properties": {}}]),
    );
    let loaded = load_json(&resource_loop);
    assert_eq!(codes(&loaded), vec![ProblemCode::NegativeCopyCount]);
    assert!(loaded.resources.is_empty());
    let property_loop = template(
        json!({}),
        json!([registry(
            json!({"networkRuleSet": {"copy": [{"name": "ipRules", "count": "[sub(0, 2)]", "input": {}}]}})
        )]),
    );
    assert_eq!(
        codes(&load_json(&property_loop)),
        vec![ProblemCode::NegativeCopyCount]
    );
}

// ---- nullable parameters ----------------------------------------------------

/// "Parameters in ARM templates" (languageVersion 2.0): a parameter declared
/// `nullable: true` may be omitted and is then null; Bicep's `param x T?`
/// compiles to it, also through a `$ref` to a nullable definition.
#[test]
fn nullable_parameters_without_a_value_are_null() {
    let mut doc = template(
        json!({
            "publicNetworkAccess": {"type": "string", "nullable": true},
            "customerManagedKey": {"$ref": "#/definitions/cmkType"},
            "required": {"type": "string"}
        }),
        json!([registry(json!({
            "publicNetworkAccess": "[coalesce(parameters('publicNetworkAccess'), 'Disabled')]",
            "encryption": "[if(empty(parameters('customerManagedKey')), null(), createObject('status', 'enabled'))]",
            "adminUserEnabled": "[coalesce(tryGet(parameters('customerManagedKey'), 'admin'), false())]"
        }))]),
    );
    doc["languageVersion"] = json!("2.0");
    doc["definitions"] = json!({"cmkType": {"type": "object", "nullable": true,
        "properties": {"keyName": {"type": "string"}}}});
    let loaded = load_json(&doc);
    // Only the parameter that is neither nullable nor defaulted is reported.
    assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
    assert!(loaded.problems[0].message.contains("`required`"));
    assert!(!loaded.problems[0].message.contains("publicNetworkAccess"));
    let p = &only(&loaded, "Microsoft.ContainerRegistry/registries").body["properties"];
    assert_eq!(p["publicNetworkAccess"], json!("Disabled"));
    assert_eq!(p["encryption"], Value::Null);
    assert_eq!(p["adminUserEnabled"], json!(false));
}

#[test]
fn parameters_without_values_are_one_warning_per_template() {
    let doc = template(
        json!({"a": {"type": "string"}, "b": {"type": "bool"}, "c": {"type": "int"}}),
        json!([registry(json!({"adminUserEnabled": "[parameters('b')]"}))]),
    );
    let loaded = load_json(&doc);
    assert_eq!(codes(&loaded), vec![ProblemCode::ParameterWithoutValue]);
    let m = &loaded.problems[0].message;
    assert!(
        m.contains("`a`, `b`, `c`"),
        "one line listing them all: {m}"
    );
}

// ---- one bad expression -----------------------------------------------------

/// Issue 14: an expression acrpc cannot evaluate makes only what it feeds
/// unknown (a warning), and the registry in the same template is judged.
/// ARM evaluates a resource's expressions only when it deploys it, and `if`
/// evaluates only the branch it takes ("Logical functions for ARM
/// templates", if: "only the true value is evaluated"), so the failure of
/// one storage account's expression says nothing about the registry.
#[test]
fn one_unevaluable_expression_leaves_the_rest_of_the_file_judged() {
    let doc = template(
        json!({"options": {"type": "object", "defaultValue": {"replication": null}},
               "enableSftp": {"type": "bool", "defaultValue": true}}),
        json!([
            {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "sa1",
             "sku": {"name": "[parameters('options').replication.sku]"},
             "properties": {"isSftpEnabled": "[and(parameters('enableSftp'), parameters('options').replication.hns)]",
                            "minimumTlsVersion": "TLS1_2"}},
            registry(json!({"adminUserEnabled": false,
                            "publicNetworkAccess": "[if(true(), 'Disabled', parameters('options').replication.x)]"}))
        ]),
    );
    let loaded = load_json(&doc);
    assert_eq!(
        codes(&loaded),
        vec![
            ProblemCode::UnevaluatedExpression,
            ProblemCode::UnevaluatedExpression
        ]
    );
    assert!(loaded.problems[0].pointer.ends_with("/sku/name"));
    let sa = only(&loaded, "Microsoft.Storage/storageAccounts");
    assert!(inputs::as_unknown(&sa.body["sku"]["name"]).is_some());
    assert_eq!(sa.body["properties"]["minimumTlsVersion"], json!("TLS1_2"));
    let acr = only(&loaded, "Microsoft.ContainerRegistry/registries");
    assert_eq!(
        acr.body["properties"]["publicNetworkAccess"],
        json!("Disabled")
    );
    assert_eq!(acr.body["properties"]["adminUserEnabled"], json!(false));
}

#[test]
fn an_expression_that_does_not_parse_is_still_an_error() {
    let doc = template(
        json!({}),
        json!([registry(json!({"adminUserEnabled": "[parameters('x']"}))]),
    );
    assert_eq!(
        codes(&load_json(&doc)),
        vec![ProblemCode::InvalidExpression]
    );
}

// ---- nested deployments -----------------------------------------------------

fn deployment(extra: Value, inner: Value) -> Value {
    let mut d = json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
        "name": "child", "properties": {"mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "template": {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": inner}}});
    for (k, v) in extra.as_object().unwrap() {
        d[k] = v.clone();
    }
    d
}

/// Issue 15: an unknown condition (or copy count) on a nested deployment,
/// at any depth, makes its resources "may not be deployed", exactly as at
/// top level; a false condition deploys nothing.
#[test]
fn resources_of_a_deployment_that_may_not_be_deployed_say_so() {
    let cache_rule = json!({"type": "Microsoft.ContainerRegistry/registries/cacheRules",
        "apiVersion": "2023-07-01", "name": "acr1/mirror", "properties": {"sourceRepository": "docker.io/library/nginx"}});
    let doc = template(
        json!({"mirror": {"type": "string"}, "rules": {"type": "array", "nullable": true},
               "regions": {"type": "array"}}),
        json!([
            deployment(
                json!({"condition": "[not(empty(parameters('mirror')))]"}),
                json!([deployment(json!({}), json!([cache_rule.clone()]))])
            ),
            deployment(
                json!({"name": "never", "condition": "[not(empty(parameters('rules')))]"}),
                json!([cache_rule.clone()])
            ),
            deployment(
                json!({"name": "[concat('r', copyIndex())]",
                              "copy": {"name": "r", "count": "[length(parameters('regions'))]"}}),
                json!([cache_rule])
            )
        ]),
    );
    let loaded = load_json(&doc);
    assert_eq!(loaded.resources.len(), 2, "{:?}", loaded.resources);
    for r in &loaded.resources {
        let why = r.condition_unknown.as_deref().expect("may not be deployed");
        assert!(why.contains("nested deployment"), "{why}");
    }
}

// ---- the command line on repository layouts ----------------------------------

fn acrpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run acrpc")
}

fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "json report: {e}\nstderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn diag_codes(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

const REPO: &str = "tests/fixtures/repo";

#[test]
fn a_repository_scan_skips_what_is_not_an_input_and_keeps_the_reviewed_verdicts() {
    let o = acrpc(&[
        "--message-format",
        "json",
        "check",
        REPO,
        "--format",
        "json",
        "--exclude",
        "expected.json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let codes = diag_codes(&o);
    assert!(codes.iter().any(|c| c == "W0504"), "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with('W')), "{codes:?}");
    let r = report(&o);
    let mut files: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    files.sort_unstable();
    assert_eq!(
        files,
        [
            "tests/fixtures/repo/apps/orders-registry.json",
            "tests/fixtures/repo/infra/registry/azuredeploy.json",
            "tests/fixtures/repo/modules/container-registry/main.json",
        ],
        "hidden folders and node_modules are not walked; parameters files are paired, not inputs"
    );
    let results = r["results"].as_array().unwrap();
    let expected: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(REPO).join("expected.json")).unwrap(),
    )
    .unwrap();
    for e in &expected {
        let file = format!("{REPO}/{}", e["file"].as_str().unwrap());
        let label = e["resource"].as_str().unwrap();
        let got: Vec<&str> = results
            .iter()
            .filter(|x| x["file"] == file.as_str() && x["rule"] == e["rule"])
            .filter(|x| x["resource"] == label || x["resourceType"].as_str() == Some(label))
            .map(|x| x["verdict"].as_str().unwrap())
            .collect();
        assert_eq!(got, [e["verdict"].as_str().unwrap()], "{e}");
    }
    // No FAIL for a resource behind a false or unknown condition.
    for x in results {
        if x["reason"]
            .as_str()
            .is_some_and(|w| w.contains("may not be deployed"))
        {
            assert_eq!(x["verdict"], "unknown", "{x}");
        }
    }
}

#[test]
fn a_named_file_that_is_not_an_input_is_still_an_error() {
    let o = acrpc(&[
        "--message-format",
        "json",
        "check",
        &format!("{REPO}/bicepconfig.json"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(diag_codes(&o), ["E0502"]);
}

/// `acrpc check` over the peers' template suites (whole tree: AVM modules
/// with their version.json files, quickstarts with parameters files) loads
/// every template and exits 0 or 1 with a report covering each one.
#[test]
fn the_shared_template_suites_load_completely() {
    let Some(dir) = common::shared("external-suites/templates") else {
        return;
    };
    let dir = dir.to_str().unwrap();
    let o = acrpc(&["--message-format", "json", "check", dir, "--format", "json"]);
    let status = o.status.code().unwrap();
    assert!(
        status == 0 || status == 1,
        "exit {status}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut templates = Vec::new();
    for entry in walk(Path::new(dir)) {
        let text = std::fs::read_to_string(&entry).unwrap();
        if text.contains("deploymentTemplate.json#") {
            templates.push(entry.display().to_string());
        }
    }
    let r = report(&o);
    let inputs: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    templates.sort();
    let mut got: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
    got.sort();
    assert_eq!(got, templates);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    out
}

/// Issue 15's acceptance: the AVM registry module with a parameters file
/// giving only `name` decides public access, CMK, ABAC and the ARM-audience
/// token rule, and reports no FAIL for resources behind a false or unknown
/// condition (its nullable parameters are null, so every optional child
/// deployment has count 0 or a false condition).
#[test]
fn the_avm_registry_module_with_only_a_name_is_decided() {
    let Some(dir) = common::shared("external-suites/templates/avm/registry") else {
        return;
    };
    let params = std::env::temp_dir().join(format!("acrpc-avm-name-{}.json", std::process::id()));
    std::fs::write(
        &params,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "contentVersion": "1.0.0.0", "parameters": {"name": {"value": "contosoacr"}}}"#,
    )
    .unwrap();
    let main = dir.join("main.json");
    let o = acrpc(&[
        "--message-format",
        "json",
        "check",
        main.to_str().unwrap(),
        "--parameters",
        params.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_file(&params);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !diag_codes(&o).iter().any(|c| c == "W0501"),
        "nullable parameters are null, not unknown"
    );
    let r = report(&o);
    let results = r["results"].as_array().unwrap();
    for rule in [
        "public-network-access-disabled",
        "cmk-encryption",
        "abac-repository-permissions",
        "arm-audience-tokens-disabled",
        "admin-user-disabled",
        "anonymous-pull-disabled",
    ] {
        let v: Vec<&str> = results
            .iter()
            .filter(|x| x["rule"] == rule)
            .map(|x| x["verdict"].as_str().unwrap())
            .collect();
        assert_eq!(v.len(), 1, "{rule}");
        assert!(
            v[0] == "compliant" || v[0] == "non_compliant",
            "{rule}: {v:?}"
        );
    }
    for x in results {
        if x["resourceType"] != "Microsoft.ContainerRegistry/registries" {
            assert_ne!(x["verdict"], "non_compliant", "{x}");
        }
    }
}

/// Issue 15: an export of one resource (`az acr show`) cannot contain the
/// diagnostic settings an existence rule looks for, so not finding them is
/// unknown, with the reason; `--complete-scope` says the input holds
/// everything in scope, and then it is a finding.
#[test]
fn existence_checks_on_a_single_resource_export_are_unknown_unless_the_scope_is_complete() {
    let show = "tests/fixtures/check/export-az-acr-show.json";
    let verdict = |extra: &[&str]| {
        let mut a = vec!["check", show, "--format", "json"];
        a.extend_from_slice(extra);
        let r = report(&acrpc(&a));
        let x = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rule"] == "audit-logs-collected")
            .cloned()
            .unwrap();
        (
            x["verdict"].as_str().unwrap().to_string(),
            x["reason"].as_str().unwrap_or_default().to_string(),
        )
    };
    let (v, why) = verdict(&[]);
    assert_eq!(v, "unknown");
    assert!(why.contains("export of this one resource"), "{why}");
    assert_eq!(verdict(&["--complete-scope"]).0, "non_compliant");
    // A listing (Resource Graph) is searched as before.
    let r = report(&acrpc(&[
        "check",
        "tests/fixtures/check/export-resource-graph.json",
        "--format",
        "json",
    ]));
    assert!(
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["rule"] == "audit-logs-collected" && x["verdict"] != "unknown")
    );
}

/// Issue 15: a file that does not load is reported (and the run exits 2),
/// but the files that did load keep their report.
#[test]
fn a_broken_file_does_not_cost_the_report_of_the_others() {
    let dir = std::env::temp_dir().join(format!("acrpc-broken-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        format!("{{\"$schema\": \"{SCHEMA}\", \"resources\": [ , ]}}"),
    )
    .unwrap();
    let o = acrpc(&[
        "--message-format",
        "json",
        "check",
        &format!("{REPO}/infra/registry/azuredeploy.json"),
        broken.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(diag_codes(&o).iter().any(|c| c == "E0501"));
    let r = report(&o);
    // Both files are listed; the broken one with no resources.
    let inputs = r["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    assert!(
        inputs
            .iter()
            .any(|i| i["format"] == "unknown" && i["resources"] == 0)
    );
    assert!(!r["results"].as_array().unwrap().is_empty());
}

/// A value known only at deployment stays unknown through functions that
/// would hide it: a hash of the deployment name, a comparison with the
/// resource group's location when `--location` is not given.
#[test]
fn hashes_and_comparisons_of_unknown_values_are_unknown() {
    let doc = template(
        json!({}),
        json!([{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                "name": "[concat('acr', uniqueString(deployment().name))]",
                "condition": "[equals(resourceGroup().location, 'westeurope')]",
                "properties": {"adminUserEnabled": "[not(empty(subscription().tenantId))]"}}]),
    );
    let loaded = load_json(&doc);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let r = only(&loaded, "Microsoft.ContainerRegistry/registries");
    assert!(
        inputs::as_unknown(&Value::String(r.full_name.clone())).is_some(),
        "{}",
        r.full_name
    );
    assert!(r.condition_unknown.is_some());
    assert!(inputs::as_unknown(&r.body["properties"]["adminUserEnabled"]).is_some());
}

/// copy-properties ("use resource and property iteration together"): inside
/// a property loop's input, `copyIndex('<name>')` is the property loop and
/// `copyIndex()` the resource's loop, as the AVM modules' diagnostic
/// settings use it.
#[test]
fn copy_index_without_a_name_is_the_resource_loop_inside_a_property_loop() {
    let doc = template(
        json!({"settings": {"type": "array", "defaultValue": [
            {"name": "a", "metrics": ["m1", "m2"]},
            {"name": "b", "metrics": ["m3"]}]}}),
        json!([{"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview",
                "name": "[parameters('settings')[copyIndex()].name]",
                "scope": "Microsoft.ContainerRegistry/registries/acr1",
                "copy": {"name": "ds", "count": "[length(parameters('settings'))]"},
                "properties": {"copy": [{"name": "metrics",
                    "count": "[length(parameters('settings')[copyIndex()].metrics)]",
                    "input": {"category": "[parameters('settings')[copyIndex()].metrics[copyIndex('metrics')]]",
                              "at": "[copyIndex('ds')]"}}]}}]),
    );
    let loaded = load_json(&doc);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let got: Vec<Value> = loaded
        .resources
        .iter()
        .map(|r| r.body["properties"]["metrics"].clone())
        .collect();
    assert_eq!(
        got,
        [
            json!([{"category": "m1", "at": 0}, {"category": "m2", "at": 0}]),
            json!([{"category": "m3", "at": 1}])
        ]
    );
}

/// Issue 14: an object built from known and unknown members keeps the
/// known ones: the AVM module's `encryption` is
/// `createObject('status', 'enabled', 'keyVaultProperties', createObject('identity', reference(...).clientId, ...))`,
/// so its status is known although the identity is not.
#[test]
fn objects_keep_their_known_members_next_to_unknown_ones() {
    let doc = template(
        json!({"cmk": {"type": "object", "defaultValue": {"keyName": "k"}}}),
        json!([registry(json!({
            "encryption": "[if(empty(parameters('cmk')), null(), createObject('status', 'enabled', 'keyVaultProperties', createObject('identity', reference('id').clientId, 'keyIdentifier', parameters('cmk').keyName)))]",
            "tags": "[union(createObject('env', 'prod'), createObject('owner', reference('x').owner))]",
            "list": "[createArray('a', reference('y').b)]"
        }))]),
    );
    let loaded = load_json(&doc);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let p = &only(&loaded, "Microsoft.ContainerRegistry/registries").body["properties"];
    assert_eq!(p["encryption"]["status"], json!("enabled"));
    assert_eq!(
        p["encryption"]["keyVaultProperties"]["keyIdentifier"],
        json!("k")
    );
    assert!(inputs::as_unknown(&p["encryption"]["keyVaultProperties"]["identity"]).is_some());
    assert_eq!(p["tags"]["env"], json!("prod"));
    assert!(inputs::as_unknown(&p["tags"]["owner"]).is_some());
    assert_eq!(p["list"][0], json!("a"));
    assert!(inputs::as_unknown(&p["list"][1]).is_some());
}
