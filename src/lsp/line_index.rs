//! Byte offsets ↔ LSP positions: the one place that converts them.

use crate::diag::Span;
use lsp_types as lsp;

/// Byte offsets ↔ LSP positions (line, UTF-16 column).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    pub fn position(&self, text: &str, offset: usize) -> lsp::Position {
        let offset = offset.min(text.len());
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let col: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        lsp::Position::new(line as u32, col as u32)
    }

    /// The byte offset of a position; `None` past the last line. A column
    /// past the end of its line means the end of the line (as LSP says), and
    /// one inside a surrogate pair the start of that character.
    pub fn offset(&self, text: &str, pos: lsp::Position) -> Option<usize> {
        let start = *self.starts.get(pos.line as usize)?;
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&e| e.saturating_sub(1));
        let line = text.get(start..end)?;
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units + c.len_utf16() > pos.character as usize {
                return Some(start + i);
            }
            units += c.len_utf16();
        }
        Some(end)
    }

    /// Like [`LineIndex::offset`], but a line past the end means the end of
    /// the text (for edits, which must always apply somewhere).
    pub fn offset_clamped(&self, text: &str, pos: lsp::Position) -> usize {
        self.offset(text, pos).unwrap_or(text.len())
    }

    pub fn range(&self, text: &str, span: Span) -> lsp::Range {
        lsp::Range::new(
            self.position(text, span.start as usize),
            self.position(text, span.end as usize),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_round_trip_and_invalid_ones_are_none() {
        let text = "a😀b\nxyz";
        let idx = LineIndex::new(text);
        let b = text.find('b').expect("b");
        assert_eq!(idx.position(text, b), lsp::Position::new(0, 3));
        assert_eq!(idx.offset(text, lsp::Position::new(0, 3)), Some(b));
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(idx.offset(text, lsp::Position::new(0, 2)), Some(1));
        // Past the end of the line: the end of the line.
        assert_eq!(idx.offset(text, lsp::Position::new(0, 99)), Some(b + 1));
        assert_eq!(idx.offset(text, lsp::Position::new(7, 0)), None);
    }
}
