//! Splitting a file into top-level items before parsing, so that one broken
//! item does not hide the rest. A light scanner tracks strings, comments and
//! bracket depth; an item starts at an item keyword (`keywords::ITEMS`) at
//! depth 0 that is not in the header of the item before (between its keyword
//! and its `{`), or at such a keyword in column 0 (which resynchronises after
//! an unbalanced brace or a header without `{`), unless it stands where a
//! name goes: right after an item keyword or after `of` (`environment test {`
//! names an environment `test`). Unterminated strings and excessive nesting are reported
//! here with their own codes.

use super::MAX_NESTING;
use crate::diag::{Code, Diagnostic, FileId, Span};

pub struct Chunk {
    pub start: usize,
    pub end: usize,
    /// Already reported (unterminated string, too deep): not parsed.
    pub skip: bool,
    /// The innermost `{`, `[` or `(` of this item that is never closed:
    /// reported as the item's one error instead of whatever pest trips on
    /// at the end of the chunk.
    pub unclosed: Option<usize>,
}

/// Item keywords come from the one keyword table.
use super::keywords::ITEMS as ITEM_KEYWORDS;

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn keyword_at(bytes: &[u8], i: usize) -> bool {
    if i.checked_sub(1)
        .and_then(|p| bytes.get(p))
        .is_some_and(|b| is_word_byte(*b))
    {
        return false;
    }
    ITEM_KEYWORDS.iter().any(|kw| {
        let end = i + kw.len();
        bytes.get(i..end) == Some(kw.as_bytes())
            && matches!(bytes.get(end), Some(b' ' | b'\t' | b'\r' | b'\n'))
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
    // The byte at `i`, NUL past the end (the loop checks `i < bytes.len()` first anyway).
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current: Option<Chunk> = None;
    // Open brackets of the current item: (byte, offset).
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut max_depth_at: Option<usize> = None;
    // A byte-order mark is not part of the text (editors on Windows write one).
    let mut i = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let mut line_start = true;
    // Text before the first item that is not whitespace or comment.
    let mut stray_start: Option<usize> = None;
    // Between an item keyword and the item's `{` (its header).
    let mut in_header = false;
    // The next word is a name: right after an item keyword, or after `of`
    // in a header (`environment test {`, `assignment a of test {`), even in
    // column 0 (the formatter keeps an author's line break there).
    let mut name_next = false;

    let close = |cur: &mut Option<Chunk>,
                 end: usize,
                 open: &mut Vec<(u8, usize)>,
                 chunks: &mut Vec<Chunk>| {
        if let Some(mut c) = cur.take() {
            c.end = end;
            if c.unclosed.is_none() {
                c.unclosed = open.last().map(|&(_, at)| at);
            }
            chunks.push(c);
        }
        open.clear();
    };

    while i < bytes.len() {
        let b = at(i);
        let at_line_start = line_start;
        line_start = false;
        match b {
            // A lone CR is a line end too: editors show what follows on a
            // new line, so it must not stay inside a comment.
            b'\n' | b'\r' => {
                line_start = true;
                i += 1;
            }
            b' ' | b'\t' => {
                // Only column 0 counts as a line start for resynchronising.
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && at(i) != b'\n' && at(i) != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes.get(i..).unwrap_or_default().starts_with(b"\"\"\"") => {
                (in_header, name_next) = (false, false);
                note_stray(&current, &mut stray_start, i);
                let open = i;
                match text.get(i + 3..).unwrap_or_default().find("\"\"\"") {
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
                (in_header, name_next) = (false, false);
                note_stray(&current, &mut stray_start, i);
                let open = i;
                i += 1;
                let mut closed = false;
                while i < bytes.len() && at(i) != b'\n' && at(i) != b'\r' {
                    if at(i) == b'\\' {
                        i += 2;
                        continue;
                    }
                    if at(i) == b'"' {
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
                in_header &= b != b'{';
                name_next = false;
                note_stray(&current, &mut stray_start, i);
                open.push((b, i));
                if open.len() > MAX_NESTING && max_depth_at.is_none() {
                    max_depth_at = Some(i);
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                in_header = false;
                name_next = false;
                note_stray(&current, &mut stray_start, i);
                let opener = match b {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                // Close the nearest matching bracket; any opened after it
                // were never closed (a stray closer is left to the parser).
                if let Some(k) = open.iter().rposition(|&(o, _)| o == opener) {
                    if let (Some(c), Some(&(_, at))) = (current.as_mut(), open.last())
                        && k + 1 < open.len()
                        && c.unclosed.is_none()
                    {
                        c.unclosed = Some(at);
                    }
                    open.truncate(k);
                }
                i += 1;
            }
            _ if !name_next
                && (open.is_empty() && !in_header || at_line_start && opens_block(bytes, i))
                && keyword_at(bytes, i) =>
            {
                in_header = true;
                name_next = true;
                if let Some(at) = max_depth_at.take() {
                    if let Some(c) = current.as_mut() {
                        c.skip = true;
                    }
                    diags.push(too_deep(file, at));
                }
                close(&mut current, i, &mut open, &mut chunks);
                if let Some(s) = stray_start.take() {
                    diags.push(stray(file, s, i, text));
                }
                current = Some(Chunk {
                    start: i,
                    end: text.len(),
                    skip: false,
                    unclosed: None,
                });
                // The whole keyword: the word skipping below would take its
                // tail for a name.
                i += 1;
                while i < bytes.len() && is_word_byte(at(i)) {
                    i += 1;
                }
            }
            _ => {
                note_stray(&current, &mut stray_start, i);
                // Skip the rest of a word so keywords inside it are not matched.
                let start = i;
                let c = text
                    .get(i..)
                    .unwrap_or_default()
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                i += c;
                while i < bytes.len() && is_word_byte(at(i)) {
                    i += 1;
                }
                name_next = in_header && text.get(start..i) == Some("of");
            }
        }
    }
    if let Some(at) = max_depth_at {
        if let Some(c) = current.as_mut() {
            c.skip = true;
        }
        diags.push(too_deep(file, at));
    }
    close(&mut current, text.len(), &mut open, &mut chunks);
    if let Some(s) = stray_start {
        diags.push(stray(file, s, text.len(), text));
    }
    chunks
}

/// Marks `i` as the start of stray text when no item has begun yet: any
/// token there (a word, a string, a bracket) is text outside every item,
/// which would otherwise be dropped without a word (a fuzz finding: `}(`
/// before the first item compiled, and the formatter refused its own output).
fn note_stray(current: &Option<Chunk>, stray_start: &mut Option<usize>, i: usize) {
    if current.is_none() && stray_start.is_none() {
        *stray_start = Some(i);
    }
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
        format!("expected {}", item_keyword_list()),
    )
    .with_label("not the start of an item")
    .with_help(format!(
        "every top-level item starts with {}",
        item_keyword_list()
    ))
}

/// "`pack`, `rule`, … or `test`", from the keyword table.
fn item_keyword_list() -> String {
    let quoted: Vec<String> = ITEM_KEYWORDS.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The item keyword and id at the start of a chunk (`rule x {` → `("rule",
/// Some("x"))`), read without the parser so that a broken item still names
/// what it was meant to declare.
pub fn header(src: &str) -> (&'static str, Option<&str>) {
    let keyword = ITEM_KEYWORDS
        .iter()
        .find(|kw| src.starts_with(**kw))
        .copied()
        .unwrap_or("item");
    let rest = src[keyword.len()..].trim_start();
    let id_len = rest.bytes().take_while(|b| is_word_byte(*b)).count();
    let id = rest.get(..id_len).filter(|id| !id.is_empty());
    (keyword, id)
}

/// The one error of an item whose header (`rule <id> {`) or brackets are
/// broken, found before pest so that the message names the cause rather than
/// whatever token the grammar gave up on. `None` when the item looks sound.
pub fn precheck(file: FileId, text: &str, chunk: &Chunk) -> Option<Diagnostic> {
    let src = text.get(chunk.start..chunk.end)?;
    let (keyword, _) = header(src);
    let after_kw = chunk.start + keyword.len();
    let rest = &text[after_kw..chunk.end];
    let id_at = after_kw + (rest.len() - rest.trim_start().len());
    let id_src = &text[id_at..chunk.end];
    let id_len = id_src.bytes().take_while(|b| is_word_byte(*b)).count();
    let id = &id_src[..id_len];
    let after_id = &id_src[id_len..];
    let next_at = id_at + id_len + (after_id.len() - after_id.trim_start().len());
    let next = text[next_at..chunk.end].chars().next();
    let starts_word = |c: char| c.is_ascii_alphabetic() || c == '_';
    if id.is_empty() || !id.starts_with(starts_word) {
        let found = id_src.chars().next();
        return Some(bad_id_start(file, keyword, id_at, found));
    }
    // A character glued to the id that ids cannot contain (`r🚀`, a Cyrillic
    // `а`, a NUL): name it, since it may be invisible.
    let plain_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    if let Some(c) = after_id
        .chars()
        .next()
        .filter(|c| !plain_space(*c) && (!c.is_ascii() || c.is_ascii_control()))
    {
        let at = id_at + id_len;
        return Some(
            Diagnostic::new(
                Code::E0001,
                Span::new(file, at, at + c.len_utf8()),
                format!(
                    "{keyword} id `{id}` is followed by {}, which ids cannot contain",
                    describe(c)
                ),
            )
            .with_label("not allowed in an id")
            .with_help("ids may contain ASCII letters, digits, `_` and `-`"),
        );
    }
    // Placements (`assignment a of b {`) have more between the id and `{`:
    // the grammar checks those.
    let simple_header = matches!(keyword, "pack" | "rule" | "initiative");
    if simple_header && next != Some('{') && next != Some('#') {
        let at = id_at + id_len;
        return Some(
            Diagnostic::new(
                Code::E0001,
                Span::new(file, at, at),
                format!("expected `{{` after `{keyword} {id}`"),
            )
            .with_label("the block opens here")
            .with_help(format!("a {keyword} is written `{keyword} {id} {{ … }}`"))
            .with_suggestion("add `{`", " {"),
        );
    }
    let open = chunk.unclosed?;
    let bracket = text.get(open..=open).unwrap_or("{");
    let closer = match bracket {
        "[" => "]",
        "(" => ")",
        _ => "}",
    };
    let body = text[chunk.start..chunk.end].trim_end();
    let end = chunk.start + body.len();
    let what = if open == next_at {
        format!("the block of {keyword} `{id}`")
    } else {
        format!("this `{bracket}`")
    };
    Some(
        Diagnostic::new(
            Code::E0001,
            Span::new(file, end, end),
            format!("`{bracket}` is never closed: expected `{closer}` to end {what}"),
        )
        .with_label(format!("expected `{closer}` here"))
        .with_related(
            Span::new(file, open, open + 1),
            format!("`{bracket}` opened here"),
        )
        .with_suggestion(format!("add `{closer}`"), closer),
    )
}

fn bad_id_start(file: FileId, keyword: &str, at: usize, found: Option<char>) -> Diagnostic {
    let (found_text, len) = match found {
        None => ("end of input".to_string(), 0),
        Some('{') => ("`{`: the id is missing".to_string(), 1),
        Some(c) => (describe(c), c.len_utf8()),
    };
    Diagnostic::new(
        Code::E0001,
        Span::new(file, at, at + len),
        format!("expected a {keyword} id after `{keyword}`, found {found_text}"),
    )
    .with_label(format!("the {keyword} id goes here"))
    .with_help(format!(
        "a {keyword} is written `{keyword} my-id {{ … }}`; ids start with an ASCII letter"
    ))
}

/// A character as a message names it: visible ones quoted, and the code
/// point for anything that is not plain ASCII (a look-alike letter, an
/// emoji, a control character).
pub fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else if c.is_control() || c.is_whitespace() {
        format!("the control character U+{:04X}", c as u32)
    } else {
        format!("`{c}` (U+{:04X}, not an ASCII character)", c as u32)
    }
}

/// Bidirectional control characters, which reorder how the text around them
/// is displayed (CVE-2021-42574, "Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// W0010 for every bidirectional control character in the text, wherever it
/// stands (comment, string, anywhere else): what a reviewer sees must be what
/// acrpc reads.
pub fn bidi_warnings(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) {
    // Every bidi control is encoded as 0xE2 0x80/0x81 …: look at those bytes
    // only instead of decoding every character of the file.
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(rel) = bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == 0xE2))
    {
        let at = from + rel;
        from = at + 1;
        let Some(c) = text.get(at..).and_then(|t| t.chars().next()) else {
            continue;
        };
        if !is_bidi_control(c) {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::W0010,
                Span::new(file, at, at + c.len_utf8()),
                format!(
                    "invisible bidirectional control character U+{:04X} changes how this line is displayed",
                    c as u32
                ),
            )
            .with_label("this character reorders the text around it")
            .with_help(format!(
                "remove it; in a string, write the escape `\\u{{{:04X}}}` if it is meant",
                c as u32
            ))
            .with_suggestion("remove the character", ""),
        );
    }
}

#[cfg(test)]
mod tests {
    /// `bidi_warnings` only decodes characters that start with byte 0xE2.
    #[test]
    fn every_bidi_control_starts_with_byte_e2() {
        for c in ('\u{2000}'..='\u{2FFF}').filter(|c| super::is_bidi_control(*c)) {
            let mut buf = [0; 4];
            assert_eq!(c.encode_utf8(&mut buf).as_bytes()[0], 0xE2, "{c:?}");
        }
        for c in (char::MIN..=char::MAX).filter(|c| !('\u{2000}'..='\u{2FFF}').contains(c)) {
            assert!(!super::is_bidi_control(c), "{c:?}");
        }
    }

    #[test]
    fn bidi_controls_are_found_among_other_e2_characters() {
        let text = "# a … b \u{202E}x\u{2069} — \u{2066}";
        let mut diags = Vec::new();
        super::bidi_warnings(0, text, &mut diags);
        let at: Vec<usize> = diags
            .iter()
            .map(|d| d.primary.span.start as usize)
            .collect();
        let want: Vec<usize> = text
            .char_indices()
            .filter(|(_, c)| super::is_bidi_control(*c))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(at, want);
        assert_eq!(at.len(), 3);
    }
}
