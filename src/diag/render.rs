//! Turning diagnostics into text: miette reports for people, JSON lines for
//! machines. Both are deterministic for a given input (no colour unless asked,
//! fixed width), so they can be snapshot-tested.

use super::clip::{ClippedSource, clip_label};
use super::{Diagnostic, Label, Severity, SourceMap};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde_json::{Value, json};
use std::fmt;

/// How to render human-readable reports.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub color: bool,
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
        }
    }
}

/// Adapter that lets miette draw one of our diagnostics.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: ClippedSource,
    labels: Vec<&'a Label>,
    notes: Option<String>,
    /// False for a diagnostic with no text to show (a command-line value, an
    /// empty input): drawn without a source box, which would be empty.
    snippet: bool,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(h) = &self.diag.help {
            parts.push(h.clone());
        }
        for s in &self.diag.suggestions {
            // Titles usually name the replacement already ("use `x`").
            if s.title.contains(s.replacement.as_str()) {
                parts.push(s.title.clone());
            } else {
                parts.push(format!("{}: `{}`", s.title, s.replacement));
            }
        }
        if let Some(n) = &self.notes {
            parts.push(n.clone());
        }
        if parts.is_empty() {
            None
        } else {
            Some(Box::new(parts.join("\n")))
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet
            .then_some(&self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.snippet {
            return None;
        }
        let primary = self.diag.primary.span;
        let source_text = self.source.source.inner();
        let iter = self.labels.iter().map(move |l| {
            let text = if l.message.is_empty() {
                None
            } else {
                Some(l.message.clone())
            };
            let span = clip_label(source_text, l.span.start as usize, l.span.len());
            if l.span == primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        });
        Some(Box::new(iter))
    }
}

/// Renders one diagnostic as a miette report.
pub fn render(diag: &Diagnostic, sources: &SourceMap, opts: RenderOptions) -> String {
    let file = sources.get(diag.primary.span.file);
    let (name, text) = file.map_or(("<unknown>", ""), |f| (f.name.as_str(), f.text.as_str()));
    // Related labels in the same file are drawn in place; those in another
    // file become a note with their location.
    let mut labels = vec![&diag.primary];
    let mut notes = Vec::new();
    for l in &diag.related {
        if l.span.file == diag.primary.span.file {
            labels.push(l);
        } else {
            notes.push(format!("{}: {}", location(sources, l.span), l.message));
        }
    }
    let report = Report {
        diag,
        snippet: !text.is_empty(),
        source: ClippedSource {
            source: NamedSource::new(name, text.to_string()),
        },
        labels,
        notes: if notes.is_empty() {
            None
        } else {
            Some(notes.join("\n"))
        },
    };
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail in practice; fall back to a plain line.
        out = format!(
            "{}[{}]: {} at {}\n",
            diag.severity.as_str(),
            diag.code.as_str(),
            diag.message,
            location(sources, diag.primary.span)
        );
    }
    out
}

/// `path:line:col` of a span.
pub fn location(sources: &SourceMap, span: super::Span) -> String {
    match sources.get(span.file) {
        Some(f) => {
            let (l, c) = f.line_col(span.start as usize);
            format!("{}:{}:{}", f.name, l, c)
        }
        None => "<unknown>".to_string(),
    }
}

fn span_json(sources: &SourceMap, span: super::Span) -> Value {
    let (file, (line, col), (end_line, end_col)) = match sources.get(span.file) {
        Some(f) => (
            f.name.as_str(),
            f.line_col(span.start as usize),
            f.line_col(span.end as usize),
        ),
        None => ("<unknown>", (1, 1), (1, 1)),
    };
    json!({
        "file": file,
        "start": span.start,
        "end": span.end,
        "line": line,
        "column": col,
        "endLine": end_line,
        "endColumn": end_col,
    })
}

/// One diagnostic as a JSON object (one line of `--message-format json`).
pub fn to_json(diag: &Diagnostic, sources: &SourceMap) -> Value {
    json!({
        "code": diag.code.as_str(),
        "name": diag.code.info().name,
        "severity": diag.severity.as_str(),
        "message": diag.message,
        "span": span_json(sources, diag.primary.span),
        "label": diag.primary.message,
        "related": diag.related.iter().map(|l| json!({
            "span": span_json(sources, l.span),
            "message": l.message,
        })).collect::<Vec<_>>(),
        "help": diag.help,
        "suggestions": diag.suggestions.iter().map(|s| json!({
            "title": s.title,
            "span": span_json(sources, s.span),
            "replacement": s.replacement,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, SourceFile, Span};

    /// A diagnostic about a command-line value (no text) is printed without
    /// an empty source box such as `╭─[--scope:1:1]`.
    #[test]
    fn a_diagnostic_without_text_has_no_source_box() {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("--scope", ""));
        let d = Diagnostic::new(Code::E0701, Span::new(id, 0, 0), "`x` is not a scope")
            .with_help("give a scope");
        let out = render(&d, &sources, RenderOptions::default());
        assert!(!out.contains("╭─["), "{out}");
        assert!(out.contains("`x` is not a scope") && out.contains("give a scope"));

        let id = sources.add(SourceFile::new("a.acrp", "rule r {}\n"));
        let d = Diagnostic::new(Code::E0001, Span::new(id, 0, 4), "m");
        assert!(render(&d, &sources, RenderOptions::default()).contains("╭─[a.acrp:1:1]"));
    }
}
