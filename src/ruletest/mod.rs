//! `acrpc test`: rule tests written in the language (`test` items), run
//! through the same evaluator as `acrpc check`, on the rules as the pack
//! compiles them (its `checker.json`), never on the AST.
//!
//! `resolve` turns each `test` item into a [`Case`] (inline resources become
//! one ARM template, input files are loaded, expectations checked against
//! what the rule can do); `run` evaluates the cases in parallel and, when
//! asked, records which leaf conditions each rule saw true and false
//! (`coverage`). Pure: the CLI reads the files (through [`Files`]) and
//! prints the reports (`report`).
#![allow(clippy::indexing_slicing)] // not yet worked down: 4 sites

pub mod coverage;
pub mod report;
mod resolve;

pub use resolve::{Files, resolve};

use crate::check::{self, Input, Settings};
use crate::diag::{Diagnostic, SourceFile, SourceMap, Span};
use crate::eval::{Change, Evidence, Rule, Verdict};
use crate::inputs::Resource;
use rayon::prelude::*;
use serde_json::{Map, Value};

/// A test ready to run.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// The pack the test belongs to.
    pub pack: String,
    /// `rule <id>` or `initiative <id>`, as written.
    pub subject: String,
    /// Where the test is written (for reports and the editor).
    pub span: Span,
    /// `file:line` of the test, for reports.
    pub location: String,
    /// The rules the subject evaluates, each with its parameter values.
    pub members: Vec<Member>,
    /// Every resource of the test, searched together for related resources.
    pub resources: Vec<Resource>,
    pub expectations: Vec<Expectation>,
}

/// One rule of a test's subject and the parameter values it runs with.
#[derive(Debug, Clone)]
pub struct Member {
    /// Index into the pack's rules.
    pub rule: usize,
    pub params: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// Index into the case's members; `None`: the subject as a whole.
    pub member: Option<usize>,
    pub want: Want,
    pub phase: Option<crate::syntax::ast::Phase>,
    /// The `expect …` clause as written.
    pub text: String,
    pub span: Span,
}

/// What an `expect` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    Verdict(Verdict),
    /// Non-compliant with the effect `Deny`: the request is refused.
    Deny,
    /// Non-compliant with an audit effect (`Audit`, `AuditIfNotExists`).
    Audit,
    /// The rule's `fix` changes the field (alias) to this value.
    Fix {
        field: String,
        value: Value,
    },
}

/// What one rule (or the whole subject) did on the test's resources.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The verdict that counts (as `acrpc check` reports it), the worst over
    /// the test's resources.
    pub verdict: Verdict,
    pub at_deploy: Verdict,
    pub after_deployment: Verdict,
    /// The effect in force on the resource that decided the verdict.
    pub effect: String,
    /// The resource that decided the verdict, and why.
    pub resource: Option<String>,
    pub reason: Option<String>,
    pub evidence: Vec<Evidence>,
    pub changes: Vec<Change>,
}

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub expectation: Expectation,
    /// The rule id (or the subject) the expectation is about.
    pub about: String,
    pub expected: String,
    pub actual: String,
    pub observed: Observed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Index into the cases.
    pub case: usize,
    pub failures: Vec<Failure>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The results of a run, in the order of the cases.
pub struct Run {
    pub cases: Vec<Case>,
    pub outcomes: Vec<Outcome>,
    pub coverage: Option<coverage::Coverage>,
}

impl Run {
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.passed()).count()
    }
}

/// A pack and its tests, compiled and resolved.
pub struct Suite {
    pub sources: SourceMap,
    /// The pack's rules as `checker.json` carries them (empty when the pack
    /// does not compile).
    pub rules: Vec<Rule>,
    pub cases: Vec<Case>,
    /// Compile errors of the pack, parse errors of test files, test errors.
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles a pack (`name`, `text`) and resolves its tests: the `test`
/// items of the pack file and of each test file (`<pack>.test.acrp`).
/// Deploy templates and `input` files are read through `templates` and
/// `files`, relative to the pack's folder (test files sit beside it).
pub fn suite(
    pack_file: (&str, &str),
    test_files: &[(String, String)],
    templates: &dyn crate::sema::Templates,
    files: &dyn Files,
) -> Suite {
    let mut sources = SourceMap::default();
    let pack_id = sources.add(SourceFile::new(pack_file.0, pack_file.1));
    let compiled = crate::compile::compile_file(
        &sources,
        pack_id,
        templates,
        &crate::sema::Options::default(),
    );
    let mut diagnostics = compiled.diagnostics;
    let mut parsed = vec![(pack_id, crate::syntax::parse(pack_id, pack_file.1).0)];
    for (name, text) in test_files {
        let id = sources.add(SourceFile::new(name.as_str(), text.as_str()));
        let (ast, diags) = crate::syntax::parse(id, text);
        diagnostics.extend(diags);
        for item in &ast.items {
            if !matches!(item, crate::syntax::ast::Item::Test(_)) {
                diagnostics.push(
                    Diagnostic::new(
                        crate::diag::Code::E1112,
                        item.span(),
                        "a test file holds only `test` items",
                    )
                    .with_help(format!("move this item to the pack file `{}`", pack_file.0)),
                );
            }
        }
        parsed.push((id, ast));
    }
    let Some(pack) = compiled.pack else {
        return Suite {
            sources,
            rules: Vec::new(),
            cases: Vec::new(),
            diagnostics,
        };
    };
    let rules = crate::eval::from_pack(&pack, pack_file.0);
    let mut cases = Vec::new();
    for (id, ast) in &parsed {
        let tests: Vec<&crate::syntax::ast::Test> = ast
            .items
            .iter()
            .filter_map(|i| match i {
                crate::syntax::ast::Item::Test(t) => Some(t),
                _ => None,
            })
            .collect();
        let Some(source) = sources.get(*id) else {
            continue;
        };
        let (c, d) = resolve(&tests, source, &pack, &rules, files);
        cases.extend(c);
        diagnostics.extend(d);
    }
    Suite {
        sources,
        rules,
        cases,
        diagnostics,
    }
}

/// Runs every case (in parallel) against `rules`; with `with_coverage`,
/// records every leaf condition's outcome.
pub fn run(cases: Vec<Case>, rules: &[Rule], with_coverage: bool) -> Run {
    let recorder = with_coverage.then(|| coverage::Recorder::new(rules));
    let observer = recorder
        .as_ref()
        .map(|r| r as &dyn crate::eval::LeafObserver);
    let outcomes = cases
        .par_iter()
        .enumerate()
        .map(|(i, case)| run_case(i, case, rules, observer))
        .collect();
    Run {
        coverage: recorder.map(|r| r.finish(rules, &cases)),
        cases,
        outcomes,
    }
}

fn run_case(
    index: usize,
    case: &Case,
    rules: &[Rule],
    observer: Option<&dyn crate::eval::LeafObserver>,
) -> Outcome {
    let observed: Vec<Observed> = case
        .members
        .iter()
        .map(|m| observe(m, &case.resources, rules, observer))
        .collect();
    let whole = aggregate(&observed);
    let failures = case
        .expectations
        .iter()
        .filter_map(|e| {
            let (about, seen) = match e.member {
                Some(m) => (rules[case.members[m].rule].id.clone(), &observed[m]),
                None => (case.subject.clone(), &whole),
            };
            let (holds, expected, actual) = judge(e, seen);
            (!holds).then(|| Failure {
                expectation: e.clone(),
                about,
                expected,
                actual,
                observed: seen.clone(),
            })
        })
        .collect();
    Outcome {
        case: index,
        failures,
    }
}

/// One rule on the test's resources, through `check::run`: the same
/// deploy-time and after-deployment verdicts as `acrpc check`.
fn observe(
    member: &Member,
    resources: &[Resource],
    rules: &[Rule],
    observer: Option<&dyn crate::eval::LeafObserver>,
) -> Observed {
    let rule = &rules[member.rule];
    // The modify companion supplies the changes of a `fix`.
    let selected: Vec<Rule> = rules
        .iter()
        .filter(|r| r.id == rule.id || r.companion_of.as_deref() == Some(rule.id.as_str()))
        .cloned()
        .collect();
    let input = Input {
        file: String::new(),
        format: "test",
        resources: resources.to_vec(),
        text: String::new(),
    };
    let settings = Settings {
        overrides: member.params.clone(),
        ..Settings::default()
    };
    let report = check::run_observed(selected, vec![input], &settings, observer);
    let mut out = Observed {
        verdict: Verdict::NotApplicable,
        at_deploy: Verdict::NotApplicable,
        after_deployment: Verdict::NotApplicable,
        effect: String::new(),
        resource: None,
        reason: None,
        evidence: Vec::new(),
        changes: Vec::new(),
    };
    for r in &report.results {
        let (at, after) = r
            .phases
            .as_ref()
            .map_or((r.verdict, r.verdict), |p| (p.at_deploy, p.after_deploy));
        out.at_deploy = out.at_deploy.min(at);
        out.after_deployment = out.after_deployment.min(after);
        if r.verdict < out.verdict || out.resource.is_none() && r.verdict != Verdict::NotApplicable
        {
            out.verdict = r.verdict;
            out.effect = r.outcome.effect.clone();
            out.resource = Some(report.resource(r).label());
            out.reason = r.outcome.reason.clone();
            out.evidence = r.outcome.evidence.clone();
            out.changes = r.outcome.changes.clone();
        }
        if out.effect.is_empty() {
            out.effect = r.outcome.effect.clone();
        }
    }
    out
}

/// The subject as a whole: the worst verdict of its rules (an initiative is
/// non-compliant when any of its policies is; not-applicable policies do
/// not count).
fn aggregate(observed: &[Observed]) -> Observed {
    let mut worst: Option<&Observed> = None;
    for o in observed {
        if worst.is_none_or(|w| o.verdict < w.verdict) {
            worst = Some(o);
        }
    }
    let mut out = worst.cloned().unwrap_or(Observed {
        verdict: Verdict::NotApplicable,
        at_deploy: Verdict::NotApplicable,
        after_deployment: Verdict::NotApplicable,
        effect: String::new(),
        resource: None,
        reason: None,
        evidence: Vec::new(),
        changes: Vec::new(),
    });
    out.at_deploy = observed
        .iter()
        .map(|o| o.at_deploy)
        .min()
        .unwrap_or(Verdict::NotApplicable);
    out.after_deployment = observed
        .iter()
        .map(|o| o.after_deployment)
        .min()
        .unwrap_or(Verdict::NotApplicable);
    out
}

/// Whether the expectation holds, and the expected and actual values as
/// the report prints them.
fn judge(e: &Expectation, seen: &Observed) -> (bool, String, String) {
    use crate::syntax::ast::Phase;
    let verdict = match e.phase {
        None => seen.verdict,
        Some(Phase::AtDeploy) => seen.at_deploy,
        Some(Phase::AfterDeployment) => seen.after_deployment,
    };
    let effect = seen.effect.to_ascii_lowercase();
    match &e.want {
        Want::Verdict(v) => (
            verdict == *v,
            v.as_str().to_string(),
            verdict.as_str().to_string(),
        ),
        Want::Deny => (
            verdict == Verdict::NonCompliant && effect == "deny",
            "non_compliant with effect Deny".into(),
            format!("{} with effect {}", verdict.as_str(), seen.effect),
        ),
        Want::Audit => (
            verdict == Verdict::NonCompliant && effect.starts_with("audit"),
            "non_compliant with an audit effect".into(),
            format!("{} with effect {}", verdict.as_str(), seen.effect),
        ),
        Want::Fix { field, value } => {
            let holds = seen
                .changes
                .iter()
                .any(|c| c.field.eq_ignore_ascii_case(field) && &c.value == value);
            let actual = if seen.changes.is_empty() {
                "no change".to_string()
            } else {
                seen.changes
                    .iter()
                    .map(|c| format!("{} {} = {}", c.operation, c.field, c.value))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            (holds, format!("{field} = {value}"), actual)
        }
    }
}

#[cfg(test)]
mod tests;
