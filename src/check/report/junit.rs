//! JUnit XML: one test suite per input file, one test case per applicable
//! rule and resource; findings fail, unknown and suppressed are skipped.

use super::super::Report;
use super::describe;
use crate::eval::Verdict;
use std::fmt::Write;

pub fn junit(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let applicable = |v: Verdict| v != Verdict::NotApplicable;
    let total = report
        .results
        .iter()
        .filter(|r| applicable(r.verdict))
        .count();
    let failures = report.results.iter().filter(|r| r.is_finding()).count();
    let errors = report.problems.iter().filter(|p| p.error).count();
    let _ = write!(
        out,
        "<testsuites name=\"acrpc check\" tests=\"{}\" failures=\"{failures}\"",
        total + report.problems.len()
    );
    if !report.problems.is_empty() {
        let _ = write!(out, " errors=\"{errors}\"");
    }
    out.push_str(">\n");
    for (i, input) in report.inputs.iter().enumerate() {
        let cases: Vec<_> = report
            .results
            .iter()
            .filter(|r| r.input == i && applicable(r.verdict))
            .collect();
        let fails = cases.iter().filter(|r| r.is_finding()).count();
        let skipped = cases
            .iter()
            .filter(|r| !r.is_finding() && r.verdict != Verdict::Compliant)
            .count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skipped}\">",
            esc(&input.label()),
            cases.len()
        );
        for r in cases {
            let rule = report.rule(r);
            let res = report.resource(r);
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                esc(&format!(
                    "{} {}",
                    res.ty,
                    crate::inputs::display(&res.full_name)
                )),
                esc(&rule.id)
            );
            if r.is_finding() {
                let details: Vec<String> = r.outcome.evidence.iter().map(describe).collect();
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    esc(&rule.message),
                    rule.severity.as_str(),
                    esc(&details.join("\n"))
                );
            } else if r.verdict == Verdict::Compliant {
                out.push_str("/>\n");
            } else {
                let why = match &r.suppressed {
                    Some(s) if r.verdict == Verdict::NonCompliant => {
                        format!("suppressed: {}", s.suppression.reason)
                    }
                    _ => format!(
                        "unknown: {}",
                        r.outcome.reason.as_deref().unwrap_or_default()
                    ),
                };
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    esc(&why)
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    problems(report, &mut out);
    out.push_str("</testsuites>\n");
    out
}

/// Problems with single files, as one more suite: a file that was not
/// checked is an `error`, a skipped file or a warning is `skipped`.
fn problems(report: &Report, out: &mut String) {
    if report.problems.is_empty() {
        return;
    }
    let errors = report.problems.iter().filter(|p| p.error).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"input files\" tests=\"{}\" failures=\"0\" errors=\"{errors}\" skipped=\"{}\">",
        report.problems.len(),
        report.problems.len() - errors
    );
    for p in &report.problems {
        let tag = if p.error { "error" } else { "skipped" };
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\">\n      <{tag} message=\"{}\"/>\n    </testcase>",
            esc(&p.file),
            p.code,
            esc(&format!(
                "{}:{}:{}: {}",
                p.file, p.line, p.column, p.message
            ))
        );
    }
    out.push_str("  </testsuite>\n");
}

/// XML-escapes attribute and text content (also used by `acrpc test`'s JUnit).
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 forbids most C0 control characters, even escaped; C1
            // ones (CSI and friends) and DEL are allowed but would reach a
            // terminal that prints the report (issue 13 item 3).
            c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => o.push('?'),
            c => o.push(c),
        }
    }
    o
}
