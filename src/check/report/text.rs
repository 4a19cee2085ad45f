//! The text report: findings grouped by file and resource, then a summary.
#![allow(clippy::indexing_slicing)] // not yet worked down: 1 sites

use super::super::{CheckResult, Report};
use super::{describe, location};
use crate::eval::Verdict;

/// One line of the report: formatted, then every control character in it
/// escaped (`super::printable`), so nothing from an input can move the
/// cursor, ring, recolour or add a line.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        let line = format!($($arg)*);
        $out.push_str(&super::printable(&line));
        $out.push('\n');
    }};
}

pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let mut w = TextWriter::default();
    for r in &report.results {
        w.result(report, r, &mut out);
    }
    w.finish(report, &super::summary(report), &mut out);
    out
}

/// The text report, streamed: each result appended as the check produces
/// it (only findings and unknown verdicts are shown), then the problems
/// with input files and the summary (issue 15 item 6d).
#[derive(Default)]
pub struct TextWriter {
    /// The input and resource of the last result shown, not repeated.
    last: Option<(usize, usize)>,
}

impl TextWriter {
    pub fn result(&mut self, report: &Report, r: &CheckResult, out: &mut String) {
        if !shown(r) {
            return;
        }
        if self.last.map(|l| l.0) != Some(r.input) {
            say!(out, "{}", report.inputs[r.input].label());
        }
        if self.last != Some((r.input, r.resource)) {
            let res = report.resource(r);
            say!(
                out,
                "  {} {} (line {})",
                res.ty,
                crate::inputs::display(&res.full_name),
                res.place.line.max(1)
            );
        }
        self.last = Some((r.input, r.resource));
        result(report, r, out);
    }

    /// The problems with input files and the summary.
    pub fn finish(&self, report: &Report, summary: &super::Summary, out: &mut String) {
        let mut any = self.last.is_some();
        if !report.problems.is_empty() {
            if any {
                out.push('\n');
            }
            say!(out, "input files:");
            for p in &report.problems {
                say!(
                    out,
                    "  {} {} {}:{}:{}: {}",
                    super::severity(p),
                    p.code,
                    p.file,
                    p.line,
                    p.column,
                    p.message
                );
            }
            any = true;
        }
        if any {
            out.push('\n');
        }
        summary_line(report, summary, out);
    }
}

fn shown(r: &CheckResult) -> bool {
    matches!(r.verdict, Verdict::NonCompliant | Verdict::Unknown)
}

fn result(report: &Report, r: &CheckResult, out: &mut String) {
    let rule = report.rule(r);
    let (line, _) = location(report, r);
    let tag = if r.is_suppressed() {
        "suppressed"
    } else if r.verdict == Verdict::NonCompliant {
        "FAIL"
    } else {
        "unknown"
    };
    say!(
        out,
        "    {tag} {} [{}] line {line}: {}",
        rule.id,
        rule.severity.as_str(),
        headline(report, r)
    );
    for e in r
        .outcome
        .evidence
        .iter()
        .filter(|e| !e.subject.eq_ignore_ascii_case("type"))
    {
        say!(out, "        {}", describe(e));
    }
    if let Some(p) = &r.phases {
        say!(
            out,
            "        at deployment: {}; after deployment: {}",
            p.at_deploy.as_str(),
            p.after_deploy.as_str()
        );
        for d in &p.defaults {
            say!(out, "        after deployment {} = {}", d.path, d.value);
        }
    }
    if let Some(s) = &r.suppressed {
        let until = s
            .suppression
            .expires
            .as_deref()
            .map(|e| format!(" until {e}"))
            .unwrap_or_default();
        let state = if s.expired {
            "EXPIRED suppression"
        } else {
            "suppressed"
        };
        say!(out, "        {state}{until}: {}", s.suppression.reason);
    }
    for c in &r.outcome.changes {
        let current = c
            .current
            .as_ref()
            .map_or("missing".to_string(), |v| v.to_string());
        say!(
            out,
            "        modify would {} {} = {} (now {current})",
            c.operation,
            c.path.as_deref().unwrap_or(&c.field),
            c.value
        );
    }
    if r.verdict == Verdict::NonCompliant
        && let Some(fix) = &rule.remediation
    {
        say!(out, "        fix: {fix}");
    }
}

fn headline(report: &Report, r: &CheckResult) -> String {
    let rule = report.rule(r);
    match (&r.verdict, &r.outcome.reason) {
        (Verdict::NonCompliant, Some(reason)) if r.outcome.related_type.is_some() => {
            format!("{} ({reason})", rule.message)
        }
        (Verdict::NonCompliant, _) => rule.message.clone(),
        (_, Some(reason)) => format!("{}: {reason}", rule.title),
        (_, None) => rule.title.clone(),
    }
}

fn summary_line(report: &Report, s: &super::Summary, out: &mut String) {
    say!(
        out,
        "{} in {}, {}: {}, {} suppressed, {} unknown, {} compliant, {} not applicable",
        count(s.resources, "resource"),
        count(report.inputs.len(), "file"),
        count(s.rules, "rule"),
        count(s.findings, "finding"),
        s.suppressed,
        s.unknown,
        s.compliant,
        s.not_applicable,
    );
}

/// `1 file`, `2 files`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
