//! Issue 13 item 19: literal strings that start with `[` are escaped exactly
//! as ARM reads them, in every target, and acrpc's own checker reads them
//! back the same way.
//!
//! The rule (template-expressions.md, "Escape characters"; the deployment
//! engine's `ExpressionParser.IsLanguageExpression` and
//! `ParseLanguageExpression`): a string whose first character is `[` and
//! last is `]` is an expression, unless its second character is also `[`,
//! in which case it is the literal without its first character. Any other
//! string is a literal as written: `"[prod"` and `"[[prod"` are themselves.
//! [`engine`] below replays that rule independently of acrpc's code, and
//! every test applies it to both shapes (bracketed and not).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::compile::compile_file;
use acrpc::diag::{SourceFile, SourceMap};
use acrpc::emit::arm::escape_for_template;
use acrpc::emit::{Target, target_files};
use acrpc::expr::{NoContext, eval_string};
use acrpc::sema::{NoTemplates, Options};
use serde_json::{Value, json};

/// What the engine makes of a JSON string that is not a real expression
/// (`None` when it would evaluate one).
fn engine(s: &str) -> Option<String> {
    let bracketed = s.len() >= 2 && s.starts_with('[') && s.ends_with(']');
    match (bracketed, s.get(1..2)) {
        (true, Some("[")) => Some(s[1..].to_string()),
        (true, _) => None,
        (false, _) => Some(s.to_string()),
    }
}

/// Literals of both shapes, and the edge cases in between.
const LITERALS: &[&str] = &[
    "[prod",
    "[[prod",
    "[prod]",
    "[[prod]",
    "[[[prod]",
    "[test] value",
    "value [x]",
    "prod]",
    "[",
    "]",
    "[]",
    "[[]",
    "",
    "plain",
];

#[test]
fn the_engine_rule_replayed_on_both_shapes() {
    // The documented examples.
    assert_eq!(engine("[[test value]").as_deref(), Some("[test value]"));
    assert_eq!(engine("[test] value").as_deref(), Some("[test] value"));
    assert_eq!(engine("[[prod").as_deref(), Some("[[prod"));
    assert_eq!(engine("[parameters('x')]"), None);
    for lit in LITERALS {
        // acrpc's escaping, read back by the engine, is the literal.
        let escaped = acrpc::expr::escape_literal(lit);
        assert_eq!(
            engine(&escaped).as_deref(),
            Some(*lit),
            "{lit:?} → {escaped:?}"
        );
        // acrpc's evaluator reads JSON strings as the engine does.
        if let Some(want) = engine(lit) {
            assert_eq!(
                eval_string(lit, &NoContext).ok(),
                Some(json!(want)),
                "acrpc reads {lit:?} differently from ARM"
            );
        }
    }
}

#[test]
fn arm_target_strings_survive_template_and_policy_engines() {
    // A definition's JSON goes through the template engine once (the ARM
    // target), then Azure Policy reads the stored strings with the same rule.
    for lit in LITERALS {
        let policy = acrpc::expr::escape_literal(lit).into_owned();
        let template = escape_for_template(&json!(policy));
        let Value::String(t) = template else {
            panic!("a string stays a string");
        };
        let stored = engine(&t).expect("the template engine evaluates nothing of ours");
        assert_eq!(stored, policy, "the template engine changed {lit:?}");
        assert_eq!(engine(&stored).as_deref(), Some(*lit));
    }
}

const PACK: &str = r#"pack brackets {
  title   "Brackets"
  version "1.0.0"
}

rule open-bracket {
  title    "Tagged env is not [prod"
  practice compliance
  severity low
  target   registry
  require  tags["env"] != "[prod" and tags["env"] != "[prod]" and tags["env"] != "[[prod"
}
"#;

/// The compared strings of the rule (`require` negates, so they appear
/// under `equals`).
fn not_equals(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("notEquals" | "equals", Value::String(s)) if s.contains("prod") => {
                        out.push(s.clone());
                    }
                    _ => not_equals(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| not_equals(x, out)),
        _ => {}
    }
}

#[test]
fn compiled_literals_follow_the_rule_in_every_target() {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new("brackets.acrp", PACK));
    let compiled = compile_file(&sources, id, &NoTemplates, &Options::default());
    let pack = compiled.pack.expect("the pack compiles");
    let files = target_files(&pack, Target::Azure);
    let def = files
        .iter()
        .find(|f| f.path.contains("policyDefinitions/open-bracket"))
        .expect("the definition file");
    let v: Value = serde_json::from_str(&def.contents).expect("JSON");
    let mut seen = Vec::new();
    not_equals(&v["properties"]["policyRule"], &mut seen);
    seen.sort();
    // Before the fix "[prod" was emitted as "[[prod", which Azure compares
    // verbatim and never matches.
    // "[prod]" gets one more `[`; "[prod" and "[[prod" are written as they
    // are.
    assert_eq!(seen, vec!["[[prod", "[[prod]", "[prod"], "{seen:?}");
    let read: Vec<String> = seen.iter().filter_map(|s| engine(s)).collect();
    assert!(read.contains(&"[prod".to_string()) && read.contains(&"[prod]".to_string()));

    // The ARM target's template, through the template engine, stores the
    // azure target's strings.
    let arm = target_files(&pack, Target::Arm);
    let t: Value = serde_json::from_str(&arm[0].contents).expect("JSON");
    let mut in_template = Vec::new();
    not_equals(
        &t["resources"][0]["properties"]["policyRule"],
        &mut in_template,
    );
    let mut stored: Vec<String> = in_template.iter().filter_map(|s| engine(s)).collect();
    stored.sort();
    assert_eq!(stored, seen);
}

/// acrpc check agrees with Azure: a registry tagged `env: "[prod"` breaks
/// the rule (before the fix, the checker unescaped `[[prod` to `[prod` while
/// Azure compared against `[[prod`).
#[test]
fn the_checker_reads_literals_as_azure_does() {
    let dir = std::env::temp_dir().join(format!("acrpc-brackets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("brackets.acrp"), PACK).expect("write");
    let verdict = |env: &str| {
        let template = json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{
                "type": "Microsoft.ContainerRegistry/registries",
                "apiVersion": "2023-07-01",
                "name": "acr",
                "location": "westeurope",
                "tags": { "env": acrpc::expr::escape_literal(env) },
                "sku": { "name": "Basic" },
                "properties": {}
            }]
        });
        std::fs::write(dir.join("main.json"), template.to_string()).expect("write");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_acrpc"))
            .args([
                "check",
                "main.json",
                "--pack",
                "brackets.acrp",
                "--format",
                "json",
            ])
            .current_dir(&dir)
            .output()
            .expect("runs");
        let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        report["results"][0]["verdict"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(verdict("[prod"), "non_compliant");
    assert_eq!(verdict("[prod]"), "non_compliant");
    assert_eq!(verdict("[[prod"), "non_compliant");
    assert_eq!(verdict("prod"), "compliant");
    let _ = std::fs::remove_dir_all(&dir);
}
