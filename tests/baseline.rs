//! The bundled baseline is consistent: a registry configured to every
//! practice passes every rule, and each common misconfiguration is caught by
//! exactly the rules that should catch it. Fixtures are under
//! tests/fixtures/baseline/: `{ description, expectFailing: [rule ids], resources: [...] }`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::compile::compile_file;
use acrpc::diag::{SourceFile, SourceMap};
use acrpc::eval::{Env, Rule, Verdict, evaluate, from_checker};
use acrpc::inputs::export;
use acrpc::sema::{Options, Templates};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

struct Relative;

impl Templates for Relative {
    fn load(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("rulepacks")
                .join(path),
        )
        .map_err(|e| e.to_string())
    }
}

fn baseline_rules() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("rulepacks/acr-baseline.acrp")).expect("baseline pack");
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new("rulepacks/acr-baseline.acrp", text));
    let compiled = compile_file(&sources, id, &Relative, &Options::default());
    let pack = compiled.pack.expect("the baseline compiles");
    let checker = acrpc::emit::checker(&pack);
    checker["rules"].as_array().cloned().unwrap_or_default()
}

fn as_rules(rules: &[Value]) -> Vec<Rule> {
    let doc = serde_json::json!({"format": "acrpc-checker/1", "rules": rules});
    from_checker(&doc, "acr-baseline").expect("checker rules")
}

/// Rule ids with a non-compliant verdict on any resource of the fixture.
fn failing(rules: &[Value], resources: &[Value]) -> (BTreeSet<String>, BTreeSet<String>) {
    let rules = as_rules(rules);
    let mut fail = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    // The fixtures hold resource bodies as Azure returns them: exports.
    let resources = export::load(&Value::Array(resources.to_vec()), "fixture", "");
    let env = Env {
        resources: &resources,
        ..Env::default()
    };
    for rule in &rules {
        // Modify companions repeat their rule's condition; judge the rule once.
        if rule.companion_of.is_some() {
            continue;
        }
        let id = rule.id.clone();
        for r in &resources {
            match evaluate(rule, r, &env).verdict {
                Verdict::NonCompliant => {
                    fail.insert(id.clone());
                }
                Verdict::Unknown => {
                    unknown.insert(id.clone());
                }
                _ => {}
            }
        }
    }
    (fail, unknown)
}

#[test]
fn fixtures_get_exactly_the_expected_findings() {
    let rules = baseline_rules();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/baseline");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/baseline")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "expected a compliant fixture and several misconfigurations"
    );
    let manual: BTreeSet<String> = rules
        .iter()
        .filter(|r| r["parameters"]["effect"]["defaultValue"] == "Manual")
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect();
    let mut problems = Vec::new();
    for f in &files {
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap_or_default())
            .expect("fixture JSON");
        let expected: BTreeSet<String> = fixture["expectFailing"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        for id in &expected {
            if !rules.iter().any(|r| r["id"] == id.as_str()) {
                problems.push(format!("{}: expects unknown rule `{id}`", f.display()));
            }
        }
        let resources = fixture["resources"].as_array().cloned().unwrap_or_default();
        let (got, unknown) = failing(&rules, &resources);
        // Only manual (attestation) rules may be undecidable on these fixtures.
        let unexpected_unknown: Vec<_> = unknown.difference(&manual).collect();
        if got != expected || !unexpected_unknown.is_empty() {
            problems.push(format!(
                "{}:\n  expected failing: {:?}\n  got failing:      {:?}\n  unknown:          {:?}",
                f.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
                expected,
                got,
                unexpected_unknown
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_practice_has_at_least_two_rules() {
    let rules = baseline_rules();
    for practice in acrpc::sema::PRACTICES {
        let n = rules
            .iter()
            .filter(|r| r["practice"] == *practice && r.get("companionOf").is_none())
            .count();
        assert!(n >= 2, "practice {practice} has {n} rules");
    }
    let total = rules
        .iter()
        .filter(|r| r.get("companionOf").is_none())
        .count();
    assert!(total >= 25, "the baseline has {total} rules");
}
