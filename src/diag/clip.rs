//! Clipping snippets of very long lines for the miette renderer.
//!
//! miette pads with `{:width$}` up to a label's column, and Rust's formatter
//! refuses widths above `u16::MAX` ("Formatting argument out of range"), so a
//! label past column 65,535 (a one-line template, a 100k-term `and` chain)
//! panicked. Nobody reads such a line whole anyway: on a line longer than
//! [`LONG_LINE`] the snippet shows a window of it around the label, with the
//! real line and column in the header.

use miette::{MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents};

/// Lines longer than this (bytes) are shown as a window around the label.
pub(super) const LONG_LINE: usize = 1000;
/// Bytes shown before a label on a clipped line.
const BEFORE: usize = 60;
/// Bytes of a label kept on a clipped line, and bytes shown after it.
const KEEP: usize = 120;

/// The line around `offset`: `(start, end)`, line breaks as miette sees them
/// (`\n`, `\r\n` and a lone `\r`).
fn line_at(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char(text, offset);
    let start = text
        .get(..offset)
        .and_then(|t| t.rfind(['\n', '\r']))
        .map_or(0, |i| i + 1);
    let end = text
        .get(offset..)
        .and_then(|t| t.find(['\n', '\r']))
        .map_or(text.len(), |i| offset + i);
    (start, end)
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn is_long(text: &str, offset: usize) -> bool {
    let (s, e) = line_at(text, offset);
    e - s > LONG_LINE
}

/// A label's span as drawn: unchanged on ordinary lines; when it starts or
/// ends on a long line, cut to at most [`KEEP`] bytes of its first line.
pub(super) fn clip_label(text: &str, start: usize, len: usize) -> (usize, usize) {
    let start = floor_char(text, start);
    let end = start.saturating_add(len).min(text.len());
    if !is_long(text, start) && !is_long(text, end) {
        return (start, end - start);
    }
    let (_, line_end) = line_at(text, start);
    let end = ceil_char(text, end.min(line_end).min(start + KEEP));
    (start, end - start)
}

/// The source miette reads: the file, except that a span on a long line
/// reads only a window of that line.
pub(super) struct ClippedSource {
    pub(super) source: NamedSource<String>,
}

impl SourceCode for ClippedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.source.inner().as_str();
        let start = span.offset();
        if !is_long(text, start) {
            return self
                .source
                .read_span(span, context_lines_before, context_lines_after);
        }
        let (line_start, line_end) = line_at(text, start);
        // Without context (miette's read for the header's line:column), the
        // window starts at the span, as miette's own reading does.
        let before = if context_lines_before == 0 { 0 } else { BEFORE };
        let from = floor_char(text, start.saturating_sub(before).max(line_start));
        let until = start.saturating_add(span.len()).min(start + KEEP) + KEEP;
        let to = ceil_char(text, until.min(line_end));
        // miette's own reading gives the line number (its line-break rules).
        let at = self.source.read_span(&SourceSpan::from((from, 0)), 0, 0)?;
        let window = text.get(from..to).unwrap_or_default();
        Ok(Box::new(MietteSpanContents::new_named(
            self.source.name().to_string(),
            window.as_bytes(),
            SourceSpan::from((from, window.len())),
            at.line(),
            from - line_start,
            1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_untouched() {
        let text = "pack p\nrule r {}\n";
        assert_eq!(clip_label(text, 7, 9), (7, 9));
    }

    #[test]
    fn labels_on_long_lines_are_cut_to_their_line() {
        let text = format!("{}\nnext", "x".repeat(70_000));
        assert_eq!(clip_label(&text, 66_000, 4_000), (66_000, KEEP));
        // A label that ends on a long line keeps at most its first line.
        let text = format!("ab\n{}", "y".repeat(70_000));
        assert_eq!(clip_label(&text, 0, 70_000), (0, 2));
    }

    #[test]
    fn a_window_keeps_the_real_line_and_column() {
        let text = format!("first\n{}é@", "t".repeat(70_000));
        let at = text.len() - 1;
        let src = ClippedSource {
            source: NamedSource::new("f.acrp", text.clone()),
        };
        let got = src.read_span(&SourceSpan::from((at, 1)), 2, 2).unwrap();
        assert_eq!(got.line(), 1);
        assert_eq!(got.column(), got.span().offset() - 6);
        assert!(got.data().len() < 400);
        assert!(std::str::from_utf8(got.data()).unwrap().ends_with("é@"));
    }
}
