//! SARIF 2.1.0 (OASIS), in the subset GitHub code scanning reads: one run,
//! rules with help text, `helpUri` and a numeric `security-severity`,
//! results with a file location and region, stable `partialFingerprints`,
//! and in-source suppressions.
#![allow(clippy::indexing_slicing)] // not yet worked down: 1 sites

use super::super::{CheckResult, Report};
use super::{describe, fingerprint, location};
use crate::eval::Verdict;
use crate::ir::Severity;
use serde_json::{Value, json};

const DOCS: &str = "https://github.com/acrpc/acrpc/blob/main/docs/check.md";

pub fn sarif(report: &Report) -> String {
    let shown: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::NonCompliant | Verdict::Unknown))
        .collect();
    let rules: Vec<Value> = report
        .rules
        .iter()
        .filter(|r| r.companion_of.is_none())
        .map(|r| {
            let help = r.remediation.clone().unwrap_or_else(|| r.message.clone());
            let mut rule = json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.title},
                // The rule's description; the finding's message is per result.
                "fullDescription": {"text": r.description.as_deref().unwrap_or(&r.title)},
                "help": {"text": help, "markdown": help},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {
                    "security-severity": security_severity(r.severity),
                    "tags": ["security", "azure-policy"],
                    "precision": "high",
                },
            });
            // Only a page that exists: the portal page of a built-in. acrpc's
            // own rules have no generated page yet, so none is given.
            if let (Some(uri), Some(m)) = (&r.help_uri, rule.as_object_mut()) {
                m.insert("helpUri".into(), json!(uri));
            }
            rule
        })
        .collect();
    let index_of = |id: &str| {
        report
            .rules
            .iter()
            .filter(|r| r.companion_of.is_none())
            .position(|r| r.id == id)
            .unwrap_or(0)
    };
    let results: Vec<Value> = shown
        .iter()
        .map(|r| result(report, r, index_of(&report.rule(r).id)))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "acrpc",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": DOCS,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn result(report: &Report, r: &CheckResult, rule_index: usize) -> Value {
    let rule = report.rule(r);
    let res = report.resource(r);
    let (line, column) = location(report, r);
    let mut text = if r.verdict == Verdict::Unknown {
        format!(
            "{}: verdict unknown on {} {}: {}",
            rule.title,
            res.ty,
            crate::inputs::display(&res.full_name),
            r.outcome
                .reason
                .as_deref()
                .unwrap_or("a value cannot be known before deployment")
        )
    } else {
        format!(
            "{} ({} {})",
            rule.message,
            res.ty,
            crate::inputs::display(&res.full_name)
        )
    };
    for e in r
        .outcome
        .evidence
        .iter()
        .filter(|e| !e.subject.eq_ignore_ascii_case("type"))
    {
        text.push_str("; ");
        text.push_str(&describe(e));
    }
    let mut out = json!({
        "ruleId": rule.id,
        "ruleIndex": rule_index,
        "level": if r.verdict == Verdict::Unknown { "note" } else { level(rule.severity) },
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&res.place.file)},
                "region": {"startLine": line.max(1), "startColumn": column.max(1)},
            },
            "logicalLocations": [{"fullyQualifiedName": res.label(), "kind": "resource"}],
        }],
        "partialFingerprints": {"acrpcResult/v1": fingerprint(report, r)},
    });
    if let Some(s) = r.suppressed.as_ref().filter(|_| r.is_suppressed()) {
        // SARIF 2.1.0 §3.35.2: `inSource` for a suppression in the analysed
        // file, `external` for one kept elsewhere (the pack's exemptions).
        let kind = if s.external { "external" } else { "inSource" };
        out["suppressions"] = json!([{"kind": kind, "justification": s.suppression.reason}]);
    }
    out
}

/// A relative path with `/` separators, as SARIF URIs need.
fn uri(file: &str) -> String {
    let f = file.replace('\\', "/");
    f.strip_prefix("./").unwrap_or(&f).to_string()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub maps `security-severity` > 9.0 to critical, 7.0–8.9 high,
/// 4.0–6.9 medium, 0.1–3.9 low (code scanning SARIF docs).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}
