//! Editor actions: formatting, quick fixes, code lenses, and diagnostics in
//! LSP form.

use super::analysis::Analysis;
use crate::diag::{self, Diagnostic};
use crate::syntax::ast::Item;
use lsp_types as lsp;
use serde_json::Value;

impl Analysis {
    /// The whole-document edit that formats it; `Err` with the reason when
    /// the file cannot be formatted (syntax errors).
    pub fn format(&self) -> Result<Vec<lsp::TextEdit>, String> {
        match crate::fmt::format(0, &self.text) {
            Ok(out) if out == self.text => Ok(Vec::new()),
            Ok(out) => Ok(vec![lsp::TextEdit::new(
                lsp::Range::new(
                    lsp::Position::new(0, 0),
                    self.index.position(&self.text, self.text.len()),
                ),
                out,
            )]),
            Err(diags) => Err(diags.first().map_or_else(
                || "cannot format".to_string(),
                |d| format!("cannot format: {}", d.message),
            )),
        }
    }

    /// Quick fixes for the diagnostics that overlap `range`: did-you-mean
    /// suggestions and lint fixes.
    pub fn code_actions(&self, uri: &lsp::Uri, range: lsp::Range) -> Option<Vec<lsp::CodeAction>> {
        let start = self.offset(range.start)?;
        let end = self.index.offset_clamped(&self.text, range.end).max(start);
        let mut out = Vec::new();
        for d in &self.diagnostics {
            let sp = d.primary.span;
            if (sp.end as usize) < start || (sp.start as usize) > end {
                continue;
            }
            for s in &d.suggestions {
                let edit = lsp::TextEdit::new(self.range(s.span), s.replacement.clone());
                let mut changes = std::collections::HashMap::new();
                changes.insert(uri.clone(), vec![edit]);
                out.push(lsp::CodeAction {
                    title: s.title.clone(),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![self.to_lsp_diagnostic(d, uri)]),
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                });
            }
        }
        Some(out)
    }

    pub fn to_lsp_diagnostic(&self, d: &Diagnostic, uri: &lsp::Uri) -> lsp::Diagnostic {
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        lsp::Diagnostic {
            range: self.range(d.primary.span),
            severity: Some(match d.severity {
                diag::Severity::Error => lsp::DiagnosticSeverity::ERROR,
                diag::Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
            source: Some("acrpc".into()),
            message,
            related_information: (!d.related.is_empty()).then(|| {
                d.related
                    .iter()
                    .map(|l| lsp::DiagnosticRelatedInformation {
                        location: lsp::Location::new(uri.clone(), self.range(l.span)),
                        message: l.message.clone(),
                    })
                    .collect()
            }),
            ..Default::default()
        }
    }

    pub fn lsp_diagnostics(&self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        self.diagnostics
            .iter()
            .map(|d| self.to_lsp_diagnostic(d, uri))
            .collect()
    }

    /// A "Run test" lens on every `test` item: the editor runs
    /// `acrpc test <file> --filter ::<name>` (command `acrp.runTest`).
    pub fn code_lenses(&self, uri: &lsp::Uri) -> Vec<lsp::CodeLens> {
        self.ast
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Test(t) => Some(lsp::CodeLens {
                    range: self.range(t.name.span),
                    command: Some(lsp::Command {
                        title: "▶ Run test".into(),
                        command: "acrp.runTest".into(),
                        arguments: Some(vec![
                            Value::String(uri.as_str().to_string()),
                            Value::String(t.name.name.clone()),
                        ]),
                    }),
                    data: None,
                }),
                _ => None,
            })
            .collect()
    }
}
