//! A markdown summary for pull-request comments: counts, a findings table,
//! and collapsed sections for unknown and suppressed results.

use super::super::{CheckResult, Report};
use super::location;
use crate::eval::Verdict;
use std::fmt::Write;

pub fn markdown(report: &Report) -> String {
    let s = super::summary(report);
    let mut out = String::new();
    let unchecked = report.problems.iter().any(|p| p.error);
    let icon = if s.findings == 0 && !unchecked {
        "✅"
    } else {
        "❌"
    };
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
    problems(report, &mut out);
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
        r.outcome.reason.as_deref().unwrap_or_default().to_string()
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
            "| {} | {} | {} | {} | {} |",
            rule.severity.as_str(),
            code(&rule.id),
            code(&crate::inputs::display(&res.full_name)),
            code(&location_label(report, r, line)),
            cell(&rule.message)
        );
    }
    out.push('\n');
}

/// `file:line`, and the parameters file paired with the template.
fn location_label(report: &Report, r: &CheckResult, line: usize) -> String {
    let file = &report.resource(r).place.file;
    match &report.inputs[r.input].parameters {
        Some(p) => format!("{file}:{line} (parameters: {p})"),
        None => format!("{file}:{line}"),
    }
}

/// Files that were not checked (errors) or were skipped (warnings): shown
/// before the findings, as a report that lists none may have checked less
/// than the reader thinks.
fn problems(report: &Report, out: &mut String) {
    if report.problems.is_empty() {
        return;
    }
    let errors = report.problems.iter().filter(|p| p.error).count();
    let warnings = report.problems.len() - errors;
    let _ = writeln!(
        out,
        "**Input files:** {errors} not checked, {warnings} warning{}\n",
        if warnings == 1 { "" } else { "s" }
    );
    out.push_str("| Level | Code | File | Problem |\n|---|---|---|---|\n");
    for p in &report.problems {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            super::severity(p),
            code(p.code),
            code(&format!("{}:{}", p.file, p.line)),
            cell(&p.message)
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
            "| {} | {} | {} |",
            code(&report.rule(r).id),
            code(&crate::inputs::display(&report.resource(r).full_name)),
            cell(&why(r))
        );
    }
    out.push_str("\n</details>\n\n");
}

/// Text in a table cell: markdown punctuation escaped, so that a value
/// from an input cannot add a link or an image (`[` and `]`; `(` then means
/// nothing), HTML or an entity (`<`, `&`), code or emphasis; `|` and line
/// breaks cannot end the cell or the row; control characters are shown
/// escaped (issue 13 item 3).
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in super::printable(&s.replace(['\n', '\r'], " ")).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span holding `s` literally, however many backticks `s` has: the
/// fence is one backtick longer than the longest run inside, padded with
/// spaces when `s` starts or ends with a backtick or a space (CommonMark
/// 0.31, "Code spans"). `|` is escaped as GFM tables require even inside
/// code spans (GFM spec, "Tables" extension, example 200).
fn code(s: &str) -> String {
    let text = super::printable(s)
        .replace(['\n', '\r'], " ")
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::{cell, code};

    #[test]
    fn a_backtick_cannot_leave_a_code_span() {
        // Issue 13 item 3: `x` [link](https://evil) `y` broke out of the span.
        assert_eq!(code("r`](https://evil)`"), "`` r`](https://evil)` ``");
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a\u{1b}[2Jb"), "`a\\u{1b}[2Jb`");
    }

    #[test]
    fn cells_escape_markdown() {
        assert_eq!(
            cell("see [here](https://evil) <img src=x>"),
            "see \\[here\\](https://evil) \\<img src=x\\>"
        );
        assert_eq!(cell("a\nb|c"), "a b\\|c");
    }
}
