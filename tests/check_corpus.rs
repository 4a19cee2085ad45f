//! The fixture corpus of realistic ACR inputs (tests/fixtures/check/, see
//! its README) with reviewed verdicts: `expected.json` lists the verdicts a
//! reviewer is sure of, and each must hold; the complete verdict table of
//! the baseline and the 28 built-ins on every fixture is a golden file
//! (golden/check/corpus-baseline.snap and, where ../shared is present,
//! golden/check/corpus-builtins.snap), reviewed like code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

mod common;

use acrpc::check::{self, Input, Settings};
use acrpc::eval::{self, Rule, Verdict};
use acrpc::inputs::{self, arm::ArmOptions};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

/// The 28 built-ins, or None (with a skip note) where ../shared is absent.
fn builtins() -> Option<Vec<Rule>> {
    let d = common::shared("reference/azure-builtins")?;
    // The 18 ACR definitions and the 10 related ones (Defender, diagnostic settings, …).
    let mut files: Vec<PathBuf> = ["definitions", "related-definitions"]
        .iter()
        .flat_map(|sub| {
            std::fs::read_dir(d.join(sub))
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("json");
        out.extend(
            eval::from_definition(&doc, &f.display().to_string()).expect("every built-in loads"),
        );
    }
    assert_eq!(out.len(), 28, "the 28 ACR built-ins");
    Some(out)
}

fn run(file: &str, params: Option<&str>, rules: &[Rule]) -> check::Report {
    let path = dir().join(file);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let opts = ArmOptions {
        parameters: params.map(|p| {
            serde_json::from_str(&std::fs::read_to_string(dir().join(p)).expect("params"))
                .expect("json")
        }),
        ..ArmOptions::default()
    };
    let loaded = inputs::load(file, &text, None, &opts);
    let errors: Vec<_> = loaded
        .problems
        .iter()
        .filter(|p| {
            !matches!(
                p.code,
                inputs::ProblemCode::ParameterWithoutValue | inputs::ProblemCode::LinkedTemplate
            )
        })
        .collect();
    assert!(errors.is_empty(), "{file}: {errors:?}");
    let input = Input {
        file: file.into(),
        format: loaded.format.map_or("?", inputs::Format::as_str),
        resources: loaded.resources,
        text,
    };
    let settings = Settings {
        today: "2026-11-25".into(),
        exemptions: Vec::new(),
        ..Settings::default()
    };
    check::run(rules.to_vec(), vec![input], &settings)
}

fn verdict_of(s: &str) -> Verdict {
    match s {
        "compliant" => Verdict::Compliant,
        "non_compliant" => Verdict::NonCompliant,
        "not_applicable" => Verdict::NotApplicable,
        _ => Verdict::Unknown,
    }
}

/// `expected.json` names resources as `<type> <name>`; exports may spell the
/// type in lower case (Resource Graph).
fn same_resource(r: &acrpc::inputs::Resource, label: &str) -> bool {
    let (ty, name) = label.split_once(' ').expect("`<type> <name>`");
    r.ty.eq_ignore_ascii_case(ty) && r.full_name.eq_ignore_ascii_case(name)
}

#[test]
fn reviewed_verdicts_hold() {
    let mut rules = check::bundled_rules();
    rules.extend(builtins().unwrap_or_default());
    let expected: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir().join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    let mut failures = Vec::new();
    let mut checked = 0;
    for e in &expected {
        let file = e["file"].as_str().expect("file");
        let rule_id = e["rule"].as_str().expect("rule");
        if !rules.iter().any(|r| r.id == rule_id) {
            continue; // a built-in while ../shared is absent
        }
        let report = run(file, e["parameters"].as_str(), &rules);
        let label = e["resource"].as_str().expect("resource");
        let found = report
            .results
            .iter()
            .find(|r| report.rule(r).id == rule_id && same_resource(report.resource(r), label));
        let Some(result) = found else {
            failures.push(format!("{file}: no result for {rule_id} on {label}"));
            continue;
        };
        checked += 1;
        let want = verdict_of(e["verdict"].as_str().expect("verdict"));
        if result.verdict != want {
            failures.push(format!(
                "{file}: {rule_id} on {label}: expected {}, got {} ({})\n    why expected: {}",
                want.as_str(),
                result.verdict.as_str(),
                result.outcome.reason.clone().unwrap_or_default(),
                e["why"].as_str().unwrap_or_default()
            ));
        }
        if let Some(s) = e["suppressed"].as_bool() {
            let applied = result.suppressed.as_ref().map(|a| !a.expired);
            if applied != Some(s) {
                failures.push(format!("{file}: {rule_id} on {label}: suppression in force expected {s}, got {applied:?}"));
            }
        }
    }
    eprintln!("corpus: {checked} reviewed verdicts checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} reviewed verdicts differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Resources the README says must not appear: skipped by `condition`,
/// `existing`, or deleted by the plan.
#[test]
fn skipped_resources_produce_no_results() {
    let rules = check::bundled_rules();
    for (file, name) in [
        ("copy-loop-replications.json", "australiaeast"),
        ("symbolic-v2.json", "contososharedacr"),
        ("terraform-plan.json", "legacy"),
    ] {
        let report = run(file, None, &rules);
        let hit = report.inputs[0].resources.iter().find(|r| {
            r.full_name.to_ascii_lowercase().contains(name)
                && (name != "contososharedacr" || r.ty.ends_with("/registries"))
        });
        assert!(
            hit.is_none(),
            "{file}: {name} should not be deployed: {:?}",
            hit.map(|r| &r.full_name)
        );
    }
}

/// The corpus files a verdict table covers (inputs, not expectations or parameters).
fn corpus_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| {
            f.ends_with(".json") && f != "expected.json" && !f.ends_with(".parameters.json")
        })
        .collect();
    files.sort();
    files
}

/// Every applicable verdict of `rules` on every corpus file, one line each.
fn verdict_table(rules: &[Rule]) -> String {
    let mut table = String::new();
    for file in &corpus_files() {
        let report = run(file, None, rules);
        let _ = writeln!(table, "== {file} ({})", report.inputs[0].format);
        for r in report
            .results
            .iter()
            .filter(|r| r.verdict != Verdict::NotApplicable)
        {
            let res = report.resource(r);
            let rule = report.rule(r);
            let short = if rule.id.len() > 30 {
                &rule.id[..8]
            } else {
                &rule.id
            };
            let mut line = format!(
                "{:15} {:32} {} {}",
                r.verdict.as_str(),
                short,
                res.ty.rsplit('/').next().unwrap_or_default(),
                inputs::display(&res.full_name)
            );
            if let Some(p) = &r.phases {
                let _ = write!(
                    line,
                    "  [deploy {} → after {}]",
                    p.at_deploy.as_str(),
                    p.after_deploy.as_str()
                );
            }
            if r.suppressed.as_ref().is_some_and(|s| !s.expired) {
                line.push_str("  [suppressed]");
            }
            let _ = writeln!(table, "{}", line.trim_end());
        }
    }
    table
}

fn assert_golden_table(name: &str, table: String) {
    insta::with_settings!({snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/check"), prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, table);
    });
}

/// The bundled baseline's verdicts: needs nothing outside the repository.
#[test]
fn baseline_verdict_table_is_reviewed() {
    assert_golden_table("corpus-baseline", verdict_table(&check::bundled_rules()));
}

/// The 28 built-ins' verdicts: a separate golden file, checked only where
/// ../shared is present (always in CI), so a user's clone passes without it.
#[test]
fn builtin_verdict_table_is_reviewed() {
    let Some(rules) = builtins() else { return };
    assert_golden_table("corpus-builtins", verdict_table(&rules));
}

/// Every JSON report of the corpus follows the documented schema
/// (schemas/check-report.schema.json, docs/check.md).
#[test]
fn json_reports_follow_the_documented_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("schemas/check-report.schema.json")).expect("schema"),
    )
    .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut rules = check::bundled_rules();
    rules.extend(builtins().unwrap_or_default());
    let files = corpus_files();
    for file in &files {
        let report = run(file, None, &rules);
        let doc: Value =
            serde_json::from_str(&acrpc::check::report::json(&report)).expect("report json");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .take(5)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{file}: {}", errors.join("\n"));
    }
    // The schema is strict: an unknown verdict fails it.
    let report = run(&files[0], None, &rules);
    let mut doc: Value = serde_json::from_str(&acrpc::check::report::json(&report)).expect("json");
    doc["results"][0]["verdict"] = serde_json::json!("pass");
    assert!(!validator.is_valid(&doc));
}
