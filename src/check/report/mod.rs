//! The reports of `acrpc check`: text for people, JSON (documented in
//! docs/check.md), SARIF 2.1.0 for code scanning, JUnit XML, and a markdown
//! summary for pull-request comments. Pure functions of a [`Report`];
//! deterministic (no timestamps, results in input order).
#![allow(clippy::indexing_slicing)] // not yet worked down: 1 sites

pub(crate) mod junit;
mod markdown;
mod sarif;
mod text;
mod wording;

pub use junit::junit;
pub use markdown::markdown;
pub use sarif::sarif;
pub use text::text;
pub use wording::describe;

use super::{CheckResult, Report};
use crate::eval::{Evidence, Verdict};
use serde_json::{Value, json};

/// `--format json`: format `acrpc-check/1`.
pub fn json(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and every piece written is UTF-8.
    let _ = write_json(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `--format json`, streamed: one result at a time goes through a JSON
/// tree, never the whole report (a 10,000-registry export × 61 rules made
/// a 3 GB tree). The bytes are those of `serde_json::to_string_pretty` on
/// the whole document (tests/check.rs and the report goldens hold it).
pub fn write_json(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let inputs: Vec<Value> = report
        .inputs
        .iter()
        .map(|i| json!({"file": i.file, "format": i.format, "resources": i.resources.len()}))
        .collect();
    let head = json!({
        "format": "acrpc-check/1",
        "summary": summary(report).to_json(),
        "inputs": inputs,
    });
    let head = serde_json::to_string_pretty(&head)?;
    // `{ … }` without its closing line: the results follow as the last member.
    out.write_all(head.strip_suffix("\n}").unwrap_or(&head).as_bytes())?;
    if report.results.is_empty() {
        return out.write_all(b",\n  \"results\": []\n}\n");
    }
    out.write_all(b",\n  \"results\": [\n    ")?;
    // Each result is printed into `one`, then copied out with every line
    // indented two levels, as the pretty printer does inside the document.
    let (mut one, mut indented) = (Vec::new(), Vec::new());
    for (i, r) in report.results.iter().enumerate() {
        if i > 0 {
            indented.extend_from_slice(b",\n    ");
        }
        one.clear();
        serde_json::to_writer_pretty(&mut one, &result_json(report, r))?;
        for (n, line) in one.split(|&b| b == b'\n').enumerate() {
            if n > 0 {
                indented.extend_from_slice(b"\n    ");
            }
            indented.extend_from_slice(line);
        }
        if indented.len() >= 1 << 16 {
            out.write_all(&indented)?;
            indented.clear();
        }
    }
    out.write_all(&indented)?;
    out.write_all(b"\n  ]\n}\n")
}

/// The counts every report format shows.
pub struct Summary {
    pub resources: usize,
    pub rules: usize,
    pub non_compliant: usize,
    pub unknown: usize,
    pub compliant: usize,
    pub not_applicable: usize,
    pub findings: usize,
    pub suppressed: usize,
}

pub fn summary(report: &Report) -> Summary {
    Summary {
        resources: report.inputs.iter().map(|i| i.resources.len()).sum(),
        rules: report
            .rules
            .iter()
            .filter(|r| r.companion_of.is_none())
            .count(),
        non_compliant: report.count(Verdict::NonCompliant),
        unknown: report.count(Verdict::Unknown),
        compliant: report.count(Verdict::Compliant),
        not_applicable: report.count(Verdict::NotApplicable),
        findings: report.results.iter().filter(|r| r.is_finding()).count(),
        suppressed: report.results.iter().filter(|r| r.is_suppressed()).count(),
    }
}

impl Summary {
    fn to_json(&self) -> Value {
        json!({
            "resources": self.resources,
            "rules": self.rules,
            "nonCompliant": self.non_compliant,
            "unknown": self.unknown,
            "compliant": self.compliant,
            "notApplicable": self.not_applicable,
            "findings": self.findings,
            "suppressed": self.suppressed,
        })
    }
}

fn result_json(report: &Report, r: &CheckResult) -> Value {
    let rule = report.rule(r);
    let res = report.resource(r);
    let (line, column) = location(report, r);
    let mut o = json!({
        "rule": rule.id,
        "definitionName": rule.name,
        "title": rule.title,
        "severity": rule.severity.as_str(),
        "file": res.place.file,
        "line": line,
        "column": column,
        "resource": res.label(),
        "resourceType": res.ty,
        "resourceName": crate::inputs::display(&res.full_name),
        "verdict": r.verdict.as_str(),
        "effect": r.outcome.effect,
    });
    let Some(m) = o.as_object_mut() else {
        return o; // json!({…}) above is always an object
    };
    if r.verdict == Verdict::NonCompliant {
        m.insert("message".into(), json!(rule.message));
        if let Some(fix) = &rule.remediation {
            m.insert("remediation".into(), json!(fix));
        }
    }
    if let Some(reason) = &r.outcome.reason {
        m.insert("reason".into(), json!(reason));
    }
    if let Some(t) = &r.outcome.related_type {
        m.insert("relatedType".into(), json!(t));
    }
    if let Some(p) = &r.phases {
        m.insert("atDeploy".into(), json!(p.at_deploy.as_str()));
        m.insert("afterDeploy".into(), json!(p.after_deploy.as_str()));
        let d: Vec<Value> = p
            .defaults
            .iter()
            .map(|d| json!({"path": d.path, "value": d.value}))
            .collect();
        m.insert("defaults".into(), Value::Array(d));
    }
    if !r.outcome.evidence.is_empty() {
        let e: Vec<Value> = r.outcome.evidence.iter().map(evidence_json).collect();
        m.insert("evidence".into(), Value::Array(e));
    }
    if !r.outcome.changes.is_empty() {
        let c: Vec<Value> = r
            .outcome
            .changes
            .iter()
            .map(|c| json!({"operation": c.operation, "field": c.field, "path": c.path, "value": c.value, "current": c.current}))
            .collect();
        m.insert("changes".into(), Value::Array(c));
    }
    if let Some(s) = &r.suppressed {
        m.insert("suppression".into(), json!({
            "reason": s.suppression.reason, "expires": s.suppression.expires, "expired": s.expired}));
    }
    o
}

fn evidence_json(e: &Evidence) -> Value {
    let actual = e.actual.as_ref().map(crate::inputs::display_value);
    json!({"field": e.subject, "path": e.path, "operator": e.operator, "expected": e.expected,
        "actual": actual, "held": e.held})
}

/// Line and column of a result: the first property its evidence names, if
/// the input spells it out, else the resource.
pub fn location(report: &Report, r: &CheckResult) -> (usize, usize) {
    let res = report.resource(r);
    let input = &report.inputs[r.input];
    let property = r
        .outcome
        .evidence
        .iter()
        .filter_map(|e| e.path.as_deref())
        .find(|p| !p.contains("[*]") && !matches!(*p, "type" | "name"));
    match property {
        Some(p) if !input.text.is_empty() => {
            let pointer = format!("{}/{}", res.place.pointer, p.replace('.', "/"));
            let locator = report.locator(r.input);
            let at = locator.offset_of(&input.text, &pointer);
            if at > locator.offset_of(&input.text, &res.place.pointer) {
                return locator.line_col_at(&input.text, at);
            }
            (res.place.line.max(1), res.place.column.max(1))
        }
        _ => (res.place.line.max(1), res.place.column.max(1)),
    }
}

/// Stable identity of a result across runs and line moves.
pub fn fingerprint(report: &Report, r: &CheckResult) -> String {
    let res = report.resource(r);
    let key = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        report.rule(r).id,
        res.place.file,
        res.ty.to_ascii_lowercase(),
        crate::inputs::display(&res.full_name).to_ascii_lowercase()
    );
    // FNV-1a 64: stable across platforms and releases, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `s` with every character that a terminal or a log viewer would act on
/// instead of showing escaped as Rust does (`\u{1b}`, `\r`, `\n`): C0 and
/// C1 controls (ESC sequences, BEL, CR that overwrites a line, LF that
/// forges one) and the bidirectional overrides and isolates (U+202A–202E,
/// U+2066–2069) that reorder what is shown. Resource names and values come
/// from untrusted templates (issue 13 item 3).
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Input, Settings, bundled_rules, run};
    use crate::inputs::export;

    fn report(registries: usize) -> Report {
        let body: Vec<Value> = (0..registries)
            .map(|i| {
                json!({"id": format!("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr{i}"),
                    "name": format!("acr{i}"), "type": "Microsoft.ContainerRegistry/registries",
                    "location": "westeurope", "sku": {"name": "Premium"},
                    "properties": {"adminUserEnabled": i % 2 == 0, "note": "line\nbreak \"quoted\""}})
            })
            .collect();
        let input = Input {
            file: "export.json".into(),
            format: "export",
            resources: export::load(&Value::Array(body), "export.json", ""),
            text: String::new(),
        };
        let settings = Settings {
            today: "2026-11-25".into(),
            ..Settings::default()
        };
        run(bundled_rules(), vec![input], &settings)
    }

    #[test]
    fn the_streamed_json_report_is_the_pretty_printed_document() {
        for n in [0, 3] {
            let text = json(&report(n));
            let doc: Value = serde_json::from_str(&text).unwrap();
            let whole = serde_json::to_string_pretty(&doc).unwrap() + "\n";
            assert_eq!(text, whole, "{n} registries");
            assert_eq!(doc["results"].as_array().map(Vec::len).unwrap() > 0, n > 0);
        }
    }
}
