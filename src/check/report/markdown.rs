//! A markdown summary for pull-request comments: counts, a findings table,
//! and collapsed sections for unknown and suppressed results.

use super::super::{CheckResult, Report};
use super::location;
use crate::eval::Verdict;
use std::fmt::Write;

pub fn markdown(report: &Report) -> String {
    let s = super::summary(report);
    let mut out = String::new();
    let icon = if s.findings == 0 { "✅" } else { "❌" };
    let _ = writeln!(out, "## {icon} acrpc check: {} findings\n", s.findings);
    let _ = writeln!(
        out,
        "{} resources, {} rules · {} non-compliant · {} suppressed · {} unknown · {} compliant · {} not applicable\n",
        s.resources,
        s.rules,
        s.non_compliant,
        s.suppressed,
        s.unknown,
        s.compliant,
        s.not_applicable
    );
    let findings: Vec<&CheckResult> = report.results.iter().filter(|r| r.is_finding()).collect();
    if !findings.is_empty() {
        table(report, &findings, &mut out);
    }
    let unknown: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::Unknown)
        .collect();
    section(report, "Unknown verdicts", &unknown, &mut out, |r| {
        r.outcome.reason.clone().unwrap_or_default()
    });
    let suppressed: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.is_suppressed())
        .collect();
    section(report, "Suppressed findings", &suppressed, &mut out, |r| {
        r.suppressed
            .as_ref()
            .map(|s| s.suppression.reason.clone())
            .unwrap_or_default()
    });
    out
}

fn table(report: &Report, rows: &[&CheckResult], out: &mut String) {
    out.push_str("| Severity | Rule | Resource | Location | Finding |\n|---|---|---|---|---|\n");
    for r in rows {
        let rule = report.rule(r);
        let res = report.resource(r);
        let (line, _) = location(report, r);
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | `{}:{line}` | {} |",
            rule.severity.as_str(),
            cell(&rule.id),
            cell(&crate::inputs::display(&res.full_name)),
            cell(&res.place.file),
            cell(&rule.message)
        );
    }
    out.push('\n');
}

fn section(
    report: &Report,
    title: &str,
    rows: &[&CheckResult],
    out: &mut String,
    why: impl Fn(&CheckResult) -> String,
) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>{title} ({})</summary>\n",
        rows.len()
    );
    out.push_str("| Rule | Resource | Why |\n|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} |",
            cell(&report.rule(r).id),
            cell(&crate::inputs::display(&report.resource(r).full_name)),
            cell(&why(r))
        );
    }
    out.push_str("\n</details>\n\n");
}

/// Table cells cannot hold `|` or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}
