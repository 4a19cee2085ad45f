//! The reports of `acrpc check`: text for people, JSON (documented in
//! docs/check.md), SARIF 2.1.0 for code scanning, JUnit XML, and a markdown
//! summary for pull-request comments. Pure functions of a [`Report`];
//! deterministic (no timestamps, results in input order).
#![allow(clippy::indexing_slicing)] // not yet worked down: 1 sites

pub(crate) mod junit;
mod markdown;
pub(super) mod nested;
mod sarif;
mod text;
mod wording;

pub use junit::junit;
pub use markdown::markdown;
pub use sarif::sarif;
pub use text::{TextWriter, text};
pub use wording::describe;

use super::{CheckResult, FileProblem, Report};
use crate::eval::{Evidence, Verdict};
use crate::ir::Severity;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::borrow::Cow;

/// `--format json`: format `acrpc-check/1`.
pub fn json(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and every piece written is UTF-8.
    let _ = write_json(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `--format json` of a report whose results are all in it.
pub fn write_json(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Buffered: a result is several small writes.
    let mut out = std::io::BufWriter::new(out);
    let mut w = JsonWriter::start(report, &mut out)?;
    // A resource's results at a time, as the streamed report renders them
    // (its texts are escaped once for all of them).
    let same_resource =
        |a: &CheckResult, b: &CheckResult| (a.input, a.resource) == (b.input, b.resource);
    for results in report.results.chunk_by(same_resource) {
        w.rendered(&JsonWriter::render(report, results)?)?;
    }
    w.finish(&summary(report))?;
    std::io::Write::flush(&mut out)
}

/// `--format json`, streamed: the head (inputs, problems), then one result
/// at a time as the check produces them, then the summary counted as they
/// passed (issue 15 item 6d: no result is kept, so the summary comes last).
/// The bytes are those of `serde_json::to_string_pretty` on the whole
/// document (tests/check.rs and the report goldens hold it).
pub struct JsonWriter<'w> {
    out: &'w mut dyn std::io::Write,
    any: bool,
}

impl<'w> JsonWriter<'w> {
    pub fn start(report: &Report, out: &'w mut dyn std::io::Write) -> std::io::Result<Self> {
        let inputs: Vec<Value> = report.inputs.iter().map(input_json).collect();
        let problems: Vec<Value> = report.problems.iter().map(problem_json).collect();
        let head = json!({
            "format": "acrpc-check/1",
            "inputs": inputs,
            "problems": problems,
        });
        let head = serde_json::to_string_pretty(&head)?;
        // `{ … }` without its closing line: results and summary follow.
        out.write_all(head.strip_suffix("\n}").unwrap_or(&head).as_bytes())?;
        out.write_all(b",\n  \"results\": [")?;
        Ok(JsonWriter { out, any: false })
    }

    /// Results as [`JsonWriter::rendered`] takes them, `,`-separated, each
    /// printed two levels in (`nested::Nested`), as the pretty printer lays
    /// it out inside the document. Pure, so it can run on any thread
    /// ([`Report::each_rendered`]).
    pub fn render(report: &Report, results: &[CheckResult]) -> std::io::Result<Vec<u8>> {
        use serde::Serialize;
        // Sized for a typical result (≈ 750 bytes printed), so that the
        // block is rarely copied while it grows.
        let mut block = Vec::with_capacity(1024 * results.len());
        let rules = report
            .rule_texts
            .get_or_init(|| report.rules.iter().map(nested::RuleTexts::of).collect());
        // The results of one call are mostly one resource's.
        let mut resource: Option<((usize, usize), ResourceTexts)> = None;
        for (i, r) in results.iter().enumerate() {
            if i > 0 {
                block.extend_from_slice(b",\n    ");
            }
            let key = (r.input, r.resource);
            let texts = match resource {
                Some((k, ref texts)) if k == key => texts,
                _ => &resource.insert((key, ResourceTexts::of(report, r))).1,
            };
            let mut ser = serde_json::Serializer::with_formatter(&mut block, nested::Nested::at(2));
            result_json(report, r, &rules[r.rule], texts).serialize(&mut ser)?;
        }
        Ok(block)
    }

    /// Results [`JsonWriter::render`]ed, in report order.
    pub fn rendered(&mut self, block: &[u8]) -> std::io::Result<()> {
        if block.is_empty() {
            return Ok(());
        }
        self.out
            .write_all(if self.any { b",\n    " } else { b"\n    " })?;
        self.any = true;
        self.out.write_all(block)
    }

    /// The end of the results and the summary.
    pub fn finish(self, summary: &Summary) -> std::io::Result<()> {
        self.out
            .write_all(if self.any { b"\n  ],\n" } else { b"],\n" })?;
        let summary = serde_json::to_string_pretty(&json!({"summary": summary.to_json()}))?;
        // `"summary": { … }` one level in, as inside the document.
        let inner = summary
            .strip_prefix("{\n")
            .and_then(|s| s.strip_suffix("\n}"))
            .unwrap_or(&summary);
        self.out.write_all(inner.as_bytes())?;
        self.out.write_all(b"\n}\n")
    }
}

fn input_json(i: &super::Input) -> Value {
    let mut o = json!({"file": i.file, "format": i.format, "resources": i.resources.len()});
    if let (Some(p), Some(m)) = (&i.parameters, o.as_object_mut()) {
        m.insert("parameters".into(), json!(p));
    }
    o
}

fn problem_json(p: &FileProblem) -> Value {
    json!({"file": p.file, "code": p.code, "severity": severity(p), "message": p.message,
        "line": p.line, "column": p.column})
}

/// `error` (the file was not checked) or `warning`.
pub fn severity(p: &FileProblem) -> &'static str {
    if p.error { "error" } else { "warning" }
}

/// The counts every report format shows, and what the exit status needs:
/// counted as results pass ([`Summary::add`]), so a streamed report need
/// not keep them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub resources: usize,
    pub rules: usize,
    pub non_compliant: usize,
    pub unknown: usize,
    pub compliant: usize,
    pub not_applicable: usize,
    pub findings: usize,
    pub suppressed: usize,
    /// The highest severity of a finding, of an unknown verdict.
    pub worst_finding: Option<Severity>,
    pub worst_unknown: Option<Severity>,
}

/// The summary of a report whose results are all in it.
pub fn summary(report: &Report) -> Summary {
    let mut s = Summary::empty(report);
    for r in &report.results {
        s.add(report, r);
    }
    s
}

impl Summary {
    /// The counts of `report`'s inputs and rules, before any result.
    pub fn empty(report: &Report) -> Summary {
        Summary {
            resources: report.inputs.iter().map(|i| i.resources.len()).sum(),
            rules: report
                .rules
                .iter()
                .filter(|r| r.companion_of.is_none())
                .count(),
            ..Summary::default()
        }
    }

    /// Counts one result.
    pub fn add(&mut self, report: &Report, r: &CheckResult) {
        let severity = report.rule(r).severity;
        match r.verdict {
            Verdict::NonCompliant => self.non_compliant += 1,
            Verdict::Unknown => {
                self.unknown += 1;
                self.worst_unknown = self.worst_unknown.max(Some(severity));
            }
            Verdict::Compliant => self.compliant += 1,
            Verdict::NotApplicable => self.not_applicable += 1,
        }
        if r.is_finding() {
            self.findings += 1;
            self.worst_finding = self.worst_finding.max(Some(severity));
        }
        if r.is_suppressed() {
            self.suppressed += 1;
        }
    }
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

/// One result of the JSON report, borrowed from the report: serialised
/// field by field in this order (the documented key order), without a
/// `serde_json::Value` tree per result (issue 15: building one per result
/// was most of the JSON report's cost).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultJson<'a> {
    rule: &'a RawValue,
    definition_name: &'a RawValue,
    title: &'a RawValue,
    severity: &'static str,
    file: &'a RawValue,
    line: usize,
    column: usize,
    resource: &'a RawValue,
    resource_type: &'a RawValue,
    resource_name: &'a RawValue,
    verdict: &'static str,
    effect: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_deploy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_deploy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    defaults: Option<Vec<DefaultJson<'a>>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<EvidenceJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changes: Vec<ChangeJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<SuppressionJson<'a>>,
}

#[derive(serde::Serialize)]
struct DefaultJson<'a> {
    path: &'a str,
    value: &'a Value,
}

#[derive(serde::Serialize)]
struct EvidenceJson<'a> {
    field: &'a str,
    path: Option<&'a str>,
    operator: &'a str,
    expected: &'a Value,
    /// Unknown parts shown as `<unknown: reason>`; null when missing.
    actual: Option<Cow<'a, Value>>,
    held: bool,
}

#[derive(serde::Serialize)]
struct ChangeJson<'a> {
    operation: &'a str,
    field: &'a str,
    path: Option<&'a str>,
    value: &'a Value,
    current: Option<&'a Value>,
}

#[derive(serde::Serialize)]
struct SuppressionJson<'a> {
    reason: &'a str,
    expires: Option<&'a str>,
    expired: bool,
}

/// The texts of a result's resource, escaped once for all its rules.
struct ResourceTexts {
    file: Box<RawValue>,
    label: Box<RawValue>,
    ty: Box<RawValue>,
    name: Box<RawValue>,
}

impl ResourceTexts {
    fn of(report: &Report, r: &CheckResult) -> ResourceTexts {
        let res = report.resource(r);
        ResourceTexts {
            file: nested::escaped(&res.place.file),
            label: nested::escaped(&res.label()),
            ty: nested::escaped(&res.ty),
            name: nested::escaped(&displayed(&res.full_name)),
        }
    }
}

fn result_json<'a>(
    report: &'a Report,
    r: &'a CheckResult,
    texts: &'a nested::RuleTexts,
    resource: &'a ResourceTexts,
) -> ResultJson<'a> {
    let rule = report.rule(r);
    let (line, column) = location(report, r);
    let failed = r.verdict == Verdict::NonCompliant;
    ResultJson {
        rule: &texts.id,
        definition_name: &texts.name,
        title: &texts.title,
        severity: rule.severity.as_str(),
        file: &resource.file,
        line,
        column,
        resource: &resource.label,
        resource_type: &resource.ty,
        resource_name: &resource.name,
        verdict: r.verdict.as_str(),
        effect: &r.outcome.effect,
        parameters: report.inputs[r.input].parameters.as_deref(),
        message: failed.then_some(&*texts.message),
        remediation: texts.remediation.as_deref().filter(|_| failed),
        reason: r.outcome.reason.as_deref(),
        related_type: r.outcome.related_type.as_deref(),
        at_deploy: r.phases.as_ref().map(|p| p.at_deploy.as_str()),
        after_deploy: r.phases.as_ref().map(|p| p.after_deploy.as_str()),
        defaults: r.phases.as_ref().map(|p| {
            p.defaults
                .iter()
                .map(|d| DefaultJson {
                    path: &d.path,
                    value: &d.value,
                })
                .collect()
        }),
        evidence: r.outcome.evidence.iter().map(evidence_json).collect(),
        changes: r
            .outcome
            .changes
            .iter()
            .map(|c| ChangeJson {
                operation: &c.operation,
                field: &c.field,
                path: c.path.as_deref(),
                value: &c.value,
                current: c.current.as_ref(),
            })
            .collect(),
        suppression: r.suppressed.as_ref().map(|s| SuppressionJson {
            reason: &s.suppression.reason,
            expires: s.suppression.expires.as_deref(),
            expired: s.expired,
        }),
    }
}

fn evidence_json(e: &Evidence) -> EvidenceJson<'_> {
    EvidenceJson {
        field: &e.subject,
        path: e.path.as_deref(),
        operator: &e.operator,
        expected: &e.expected,
        actual: e.actual.as_ref().map(displayed_value),
        held: e.held,
    }
}

/// `inputs::display`, borrowing when there is nothing to replace.
fn displayed(s: &str) -> Cow<'_, str> {
    if crate::inputs::is_marked(s) {
        Cow::Owned(crate::inputs::display(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// `inputs::display_value`, borrowing when no string in it is marked.
fn displayed_value(v: &Value) -> Cow<'_, Value> {
    fn marked(v: &Value) -> bool {
        match v {
            Value::String(s) => crate::inputs::is_marked(s),
            Value::Array(a) => a.iter().any(marked),
            Value::Object(o) => o.values().any(marked),
            _ => false,
        }
    }
    if marked(v) {
        Cow::Owned(crate::inputs::display_value(v))
    } else {
        Cow::Borrowed(v)
    }
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
    let mut key = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        report.rule(r).id,
        res.place.file,
        res.ty.to_ascii_lowercase(),
        crate::inputs::display(&res.full_name).to_ascii_lowercase()
    );
    // Each pairing with a parameters file is its own check of the template;
    // without one the key (and so every existing fingerprint) is unchanged.
    if let Some(p) = &report.inputs[r.input].parameters {
        key.push('\u{0}');
        key.push_str(p);
    }
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
            parameters: None,
        };
        let settings = Settings {
            today: "2026-11-25".into(),
            ..Settings::default()
        };
        run(bundled_rules(), vec![input], &settings)
    }

    /// More resources than one chunk of `Report::each_rendered`: the
    /// streamed report (rendered on the pool, written in order, summary
    /// counted on the way) is the report of the kept results.
    #[test]
    fn streaming_across_chunks_keeps_the_order_and_the_counts() {
        let whole = report(300);
        let streamed = Report::new(
            whole.rules.clone(),
            vec![Input {
                file: "export.json".into(),
                format: "export",
                resources: whole.inputs[0].resources.clone(),
                text: String::new(),
                parameters: None,
            }],
        );
        let settings = Settings {
            today: "2026-11-25".into(),
            ..Settings::default()
        };
        let (mut out, mut counted) = (Vec::new(), Summary::empty(&streamed));
        let mut w = JsonWriter::start(&streamed, &mut out).unwrap();
        streamed
            .each_rendered(
                &settings,
                None,
                |results| JsonWriter::render(&streamed, results),
                |results, rendered| {
                    results.iter().for_each(|r| counted.add(&streamed, r));
                    w.rendered(&rendered?)
                },
            )
            .unwrap();
        w.finish(&counted).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), json(&whole));
        assert_eq!(counted, summary(&whole));
        assert_eq!(counted.worst_finding, Some(Severity::High), "{counted:?}");
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
