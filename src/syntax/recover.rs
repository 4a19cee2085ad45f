//! Splitting a file into top-level items before parsing, so that one broken
//! item does not hide the rest. A light scanner tracks strings, comments and
//! bracket depth; an item starts at a `pack`, `rule` or `initiative` keyword at
//! depth 0, or at such a keyword in column 0 (which resynchronises after an
//! unbalanced brace). Unterminated strings and excessive nesting are reported
//! here with their own codes.

use super::MAX_NESTING;
use crate::diag::{Code, Diagnostic, FileId, Span};

pub struct Chunk {
    pub start: usize,
    pub end: usize,
    /// Already reported (unterminated string, too deep): not parsed.
    pub skip: bool,
}

const ITEM_KEYWORDS: [&str; 7] = [
    "test",
    "pack",
    "rule",
    "initiative",
    "assignment",
    "exemption",
    "environment",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn keyword_at(bytes: &[u8], i: usize) -> bool {
    if i > 0 && is_word_byte(bytes[i - 1]) {
        return false;
    }
    ITEM_KEYWORDS.iter().any(|kw| {
        let end = i + kw.len();
        bytes.len() > end
            && &bytes[i..end] == kw.as_bytes()
            && (bytes[end] == b' ' || bytes[end] == b'\t')
            // `test` is also a common name (`environment test {`): as an
            // item keyword it must begin its line.
            && (*kw != "test" || first_on_line(bytes, i))
    })
}

fn first_on_line(bytes: &[u8], i: usize) -> bool {
    bytes
        .get(..i)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .all(|&b| b == b' ' || b == b'\t')
}

/// Whether the line from `i` opens a block (`rule x {`): inside braces, only
/// such a line resynchronises, so that a test's `rule <id>` clause that
/// happens to stand in column 0 is not taken for a new item.
fn opens_block(bytes: &[u8], i: usize) -> bool {
    bytes
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b != b'\n')
        .any(|&b| b == b'{')
}

pub fn split_items(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current: Option<Chunk> = None;
    let mut depth: usize = 0;
    let mut max_depth_at: Option<usize> = None;
    let mut i = 0;
    let mut line_start = true;
    // Text before the first item that is not whitespace or comment.
    let mut stray_start: Option<usize> = None;

    let close = |cur: &mut Option<Chunk>, end: usize, chunks: &mut Vec<Chunk>| {
        if let Some(mut c) = cur.take() {
            c.end = end;
            chunks.push(c);
        }
    };

    while i < bytes.len() {
        let b = bytes[i];
        let at_line_start = line_start;
        line_start = false;
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => {
                // Only column 0 counts as a line start for resynchronising.
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                let open = i;
                match text[i + 3..].find("\"\"\"") {
                    Some(rel) => i = i + 3 + rel + 3,
                    None => {
                        diags.push(unterminated(file, open, text.len()));
                        if let Some(c) = current.as_mut() {
                            c.skip = true;
                        }
                        i = bytes.len();
                    }
                }
            }
            b'"' => {
                let open = i;
                i += 1;
                let mut closed = false;
                while i < bytes.len() && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == b'"' {
                        closed = true;
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    let end = i.min(bytes.len());
                    diags.push(unterminated(file, open, end));
                    if let Some(c) = current.as_mut() {
                        c.skip = true;
                    }
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING && max_depth_at.is_none() {
                    max_depth_at = Some(i);
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ if (depth == 0 || at_line_start && opens_block(bytes, i)) && keyword_at(bytes, i) => {
                if let Some(at) = max_depth_at.take() {
                    if let Some(c) = current.as_mut() {
                        c.skip = true;
                    }
                    diags.push(too_deep(file, at));
                }
                close(&mut current, i, &mut chunks);
                if let Some(s) = stray_start.take() {
                    diags.push(stray(file, s, i, text));
                }
                depth = 0;
                current = Some(Chunk {
                    start: i,
                    end: text.len(),
                    skip: false,
                });
                i += 1;
            }
            _ => {
                if current.is_none() && stray_start.is_none() {
                    stray_start = Some(i);
                }
                // Skip the rest of a word so keywords inside it are not matched.
                let c = text[i..].chars().next().map_or(1, char::len_utf8);
                i += c;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
            }
        }
    }
    if let Some(at) = max_depth_at {
        if let Some(c) = current.as_mut() {
            c.skip = true;
        }
        diags.push(too_deep(file, at));
    }
    close(&mut current, text.len(), &mut chunks);
    if let Some(s) = stray_start {
        diags.push(stray(file, s, text.len(), text));
    }
    chunks
}

fn unterminated(file: FileId, open: usize, end: usize) -> Diagnostic {
    Diagnostic::new(
        Code::E0002,
        Span::new(file, open, end),
        "unterminated string",
    )
    .with_label("this string is never closed")
    .with_help("close it with `\"` on the same line, or use `\"\"\"` for text over several lines")
}

fn too_deep(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::new(
        Code::E0006,
        Span::new(file, at, at + 1),
        format!("nesting deeper than {MAX_NESTING} levels"),
    )
    .with_label("too deep from here")
    .with_help("split the condition with `let` bindings or simplify it; Azure rejects deeply nested rules anyway")
}

fn stray(file: FileId, start: usize, end: usize, text: &str) -> Diagnostic {
    // Point at the first token only, not at everything up to the next item.
    let token_end = text[start..end]
        .find(char::is_whitespace)
        .map_or(end, |i| start + i)
        .max(start + 1)
        .min(end);
    Diagnostic::new(
        Code::E0001,
        Span::new(file, start, token_end),
        "expected `pack`, `rule` or `initiative`",
    )
    .with_label("not the start of an item")
    .with_help("every top-level item starts with `pack`, `rule` or `initiative`")
}
