//! `acrpc check` never panics, whatever the input: random JSON shaped like
//! templates, exports and plans (and random text) goes through every loader
//! and the evaluator with the bundled baseline. Fixed seed, no persistence.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::check::{self, Input, Settings};
use acrpc::inputs::{self, Format, arm::ArmOptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

/// Keys that the loaders look for, so random documents reach deep code.
const KEYS: &[&str] = &[
    "$schema",
    "contentVersion",
    "resources",
    "parameters",
    "variables",
    "type",
    "name",
    "id",
    "properties",
    "copy",
    "count",
    "condition",
    "scope",
    "sku",
    "location",
    "tags",
    "template",
    "value",
    "data",
    "format_version",
    "resource_changes",
    "planned_values",
    "change",
    "after",
    "after_unknown",
    "actions",
    "address",
    "adminUserEnabled",
    "networkRuleSet",
    "ipRules",
    "privateEndpointConnections",
    "metadata",
    "acrpc",
    "suppress",
    "rule",
    "expires",
    "existing",
    "languageVersion",
    "defaultValue",
    "expressionEvaluationOptions",
    "Properties",
    "ResourceType",
];

const STRINGS: &[&str] = &[
    "Microsoft.ContainerRegistry/registries",
    "Microsoft.ContainerRegistry/registries/tokens",
    "Microsoft.Insights/diagnosticSettings",
    "Microsoft.Resources/deployments",
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "[parameters('x')]",
    "[variables('v')]",
    "[copyIndex()]",
    "[concat('a', parameters('p'))]",
    "[resourceId('Microsoft.ContainerRegistry/registries', 'a')]",
    "[if(",
    "[[escaped",
    "[reference('x').y]",
    "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/a",
    "azurerm_container_registry",
    "create",
    "delete",
    "Premium",
    "Disabled",
    "é",
    "",
    "1.0",
    "acrpc-suppress:admin-user-disabled",
    "[length(variables('v'))]",
    "[json('{')]",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(Value::from),
        proptest::sample::select(STRINGS).prop_map(|s| Value::String(s.to_string())),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(KEYS), inner), 0..6).prop_map(
                |kv| {
                    Value::Object(
                        kv.into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

fn run_all(text: &str, rules: &[acrpc::eval::Rule]) {
    for forced in [
        None,
        Some(Format::Arm),
        Some(Format::Export),
        Some(Format::Terraform),
    ] {
        let loaded = inputs::load("fuzz.json", text, forced, &ArmOptions::default());
        let input = Input {
            file: "fuzz.json".into(),
            format: "fuzz",
            resources: loaded.resources,
            text: text.to_string(),
        };
        let report = check::run(
            rules.to_vec(),
            vec![input],
            &Settings {
                today: "2026-11-25".into(),
                exemptions: Vec::new(),
                ..Settings::default()
            },
        );
        // Every report format renders.
        let _ = (
            check::report::text(&report),
            check::report::json(&report),
            check::report::sarif(&report),
        );
        let _ = (
            check::report::junit(&report),
            check::report::markdown(&report),
        );
    }
}

#[test]
fn random_inputs_never_panic() {
    let rules = check::bundled_rules();
    let config = Config {
        cases: 150,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    runner
        .run(&value(), |doc| {
            // As a template, as an export list and as a plan, pretty and minified.
            let wrapped = [
                json!({"$schema": STRINGS[4], "contentVersion": "1.0.0.0", "resources": [doc.clone()], "parameters": {"x": {"type": "string"}}}),
                json!([doc.clone()]),
                json!({"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "azurerm_container_registry", "change": {"actions": ["create"], "after": doc.clone()}}]}),
                doc,
            ];
            for w in &wrapped {
                run_all(&serde_json::to_string_pretty(w).unwrap(), &rules);
                run_all(&serde_json::to_string(w).unwrap(), &rules);
            }
            Ok(())
        })
        .unwrap();
    // Not JSON at all, truncated, with a BOM, multi-byte characters near errors.
    for text in [
        "",
        "{",
        "[1,",
        "\u{feff}{\"resources\": [}",
        "{\"é\": é}",
        "null",
        "\"x\"",
        "{\"resources\": {\"a\": 1}}",
    ] {
        run_all(text, &rules);
    }
}
