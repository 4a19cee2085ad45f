//! The reports of `acrpc test`: text (for people), JSON and JUnit XML (for
//! CI). Deterministic: tests in file order, no timings, no absolute paths.
#![allow(clippy::indexing_slicing)] // not yet worked down: 3 sites

use super::coverage::Coverage;
use super::{Failure, Run};
use crate::check::report::describe;
use crate::check::report::junit::esc;
use serde_json::{Value, json};
use std::fmt::Write;

/// Several packs' runs, reported together.
pub struct Summary<'a> {
    pub runs: &'a [Run],
    pub coverage: Option<&'a Coverage>,
    /// `--threshold`, when given.
    pub threshold: Option<f64>,
}

impl Summary<'_> {
    pub fn total(&self) -> usize {
        self.runs.iter().map(|r| r.cases.len()).sum()
    }

    pub fn failed(&self) -> usize {
        self.runs.iter().map(Run::failed).sum()
    }

    /// Coverage is below `--threshold`.
    pub fn below_threshold(&self) -> bool {
        match (self.threshold, self.coverage) {
            (Some(t), Some(c)) => c.percent() + 1e-9 < t,
            _ => false,
        }
    }

    fn results(&self) -> impl Iterator<Item = (&super::Case, &super::Outcome)> {
        self.runs
            .iter()
            .flat_map(|r| r.outcomes.iter().map(move |o| (&r.cases[o.case], o)))
    }
}

pub fn text(s: &Summary) -> String {
    let mut out = String::new();
    for (case, o) in s.results() {
        let status = if o.passed() { "ok" } else { "FAILED" };
        let _ = writeln!(
            out,
            "test {}::{} ({}) ... {status}",
            case.pack, case.name, case.subject
        );
    }
    let failing: Vec<_> = s.results().filter(|(_, o)| !o.passed()).collect();
    if !failing.is_empty() {
        out.push_str("\nfailures:\n");
        for (case, o) in failing {
            let _ = writeln!(
                out,
                "\n---- {}::{} at {}",
                case.pack, case.name, case.location
            );
            for f in &o.failures {
                failure_text(&mut out, f);
            }
        }
    }
    let failed = s.failed();
    let _ = writeln!(
        out,
        "\nresult: {}. {} passed; {failed} failed ({} tests)",
        if failed == 0 { "ok" } else { "FAILED" },
        s.total() - failed,
        s.total()
    );
    if let Some(c) = s.coverage {
        coverage_text(&mut out, c, s.threshold);
    }
    out
}

fn failure_text(out: &mut String, f: &Failure) {
    let o = &f.observed;
    let _ = writeln!(out, "  {} ({})", f.expectation.text, f.about);
    let _ = writeln!(out, "    expected: {}", f.expected);
    let _ = writeln!(out, "    actual:   {}", f.actual);
    if let Some(r) = &o.resource {
        let _ = writeln!(out, "    resource: {r}");
    }
    if !o.effect.is_empty() {
        let _ = writeln!(out, "    effect:   {}", o.effect);
    }
    if let Some(r) = &o.reason {
        let _ = writeln!(out, "    reason:   {r}");
    }
    for e in &o.evidence {
        let _ = writeln!(out, "    evidence: {}", describe(e));
    }
}

fn coverage_text(out: &mut String, c: &Coverage, threshold: Option<f64>) {
    let (covered, total) = c.rules.iter().fold((0, 0), |(a, b), r| {
        let (x, y) = r.counts();
        (a + x, b + y)
    });
    let _ = writeln!(
        out,
        "coverage: {:.1}% of leaf-condition outcomes ({covered}/{total}: each leaf seen true and seen false)",
        c.percent()
    );
    for r in &c.rules {
        let (x, y) = r.counts();
        if x == y && r.tests > 0 {
            continue;
        }
        let missing: Vec<String> = r
            .leaves
            .iter()
            .filter(|l| !(l.seen_true && l.seen_false))
            .map(|l| {
                let never = match (l.seen_true, l.seen_false) {
                    (false, false) => "never evaluated",
                    (true, false) => "never false",
                    _ => "never true",
                };
                format!("{} {never}", l.pointer)
            })
            .collect();
        if r.tests == 0 {
            let _ = writeln!(out, "  {}: no test", r.rule);
        } else {
            let _ = writeln!(out, "  {}: {x}/{y}: {}", r.rule, missing.join(", "));
        }
    }
    if let Some(t) = threshold {
        let verdict = if c.percent() + 1e-9 < t {
            "below"
        } else {
            "meets"
        };
        let _ = writeln!(out, "coverage {verdict} the threshold of {t}%");
    }
}

pub fn json(s: &Summary) -> String {
    let results: Vec<Value> = s
        .results()
        .map(|(case, o)| {
            json!({
                "name": case.name,
                "pack": case.pack,
                "subject": case.subject,
                "location": case.location,
                "status": if o.passed() { "passed" } else { "failed" },
                "failures": o.failures.iter().map(failure_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut doc = json!({
        "tests": s.total(),
        "passed": s.total() - s.failed(),
        "failed": s.failed(),
        "results": results,
    });
    if let Some(c) = s.coverage {
        doc["coverage"] = json!({
            "percent": (c.percent() * 10.0).round() / 10.0,
            "threshold": s.threshold,
            "rules": c.rules.iter().map(|r| json!({
                "rule": r.rule,
                "tests": r.tests,
                "leaves": r.leaves.iter().map(|l| json!({
                    "pointer": l.pointer,
                    "true": l.seen_true,
                    "false": l.seen_false,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
    }
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn failure_json(f: &Failure) -> Value {
    let o = &f.observed;
    json!({
        "expect": f.expectation.text,
        "about": f.about,
        "expected": f.expected,
        "actual": f.actual,
        "resource": o.resource,
        "effect": o.effect,
        "reason": o.reason,
        "evidence": o.evidence.iter().map(describe).collect::<Vec<_>>(),
    })
}

/// JUnit XML: one suite per pack, one case per test.
pub fn junit(s: &Summary) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"acrpc test\" tests=\"{}\" failures=\"{}\">",
        s.total(),
        s.failed()
    );
    for run in s.runs {
        let pack = run.cases.first().map_or("", |c| c.pack.as_str());
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            esc(pack),
            run.cases.len(),
            run.failed()
        );
        for o in &run.outcomes {
            let case = &run.cases[o.case];
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                esc(&format!("{} {}", case.pack, case.subject)),
                esc(&case.name),
                esc(case.location.rsplit_once(':').map_or("", |(f, _)| f)),
            );
            if o.passed() {
                out.push_str("/>\n");
                continue;
            }
            let mut body = String::new();
            for f in &o.failures {
                failure_text(&mut body, f);
            }
            let first = o.failures.first().map_or(String::new(), |f| {
                format!(
                    "{}: expected {}, got {}",
                    f.expectation.text, f.expected, f.actual
                )
            });
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>",
                esc(&first),
                esc(&body)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
