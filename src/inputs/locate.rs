//! Where a JSON value is in its source text: a JSON pointer resolved against
//! the raw text, for report locations (serde_json keeps no positions).
//!
//! A [`Locator`] indexes a text once (line starts) and remembers the element
//! offsets of every array and the member offsets of every object it walks,
//! so that locating each of 10,000 resources of an export costs about the
//! same as locating one, and the dozen properties a report locates in one
//! resource scan its text once (issue 15 item 6b: rescanning the members
//! before each was 10% of checking 400 small templates).
#![allow(clippy::indexing_slicing)] // not yet worked down: 6 sites

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

/// Indexes of one text; every method takes that same text.
#[derive(Default)]
pub struct Locator {
    line_starts: Vec<usize>,
    /// Array or object offset → offsets of its elements or members.
    scanned: Mutex<HashMap<usize, Scanned>>,
    /// Characters before each `BLOCK`-byte block of a text that is not
    /// ASCII (empty for ASCII, where a column is a byte difference): a
    /// column on one long line (a minified 10 MB export) is counted from
    /// the nearest block, not from the line start (issue 15: counting from
    /// the line start was 68% of `check --format json` on such an export).
    chars_before_block: Vec<usize>,
}

const BLOCK: usize = 256;

impl Locator {
    pub fn new(text: &str) -> Locator {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let chars_before_block = if text.is_ascii() {
            Vec::new()
        } else {
            let mut seen = 0;
            text.as_bytes()
                .chunks(BLOCK)
                .map(|block| {
                    let before = seen;
                    seen += starts_of_chars(block);
                    before
                })
                .collect()
        };
        Locator {
            line_starts,
            scanned: Mutex::new(HashMap::new()),
            chars_before_block,
        }
    }

    /// 1-based line and column of the value at `pointer`, or of its deepest
    /// existing ancestor.
    pub fn line_col(&self, text: &str, pointer: &str) -> (usize, usize) {
        self.line_col_at(text, self.offset_of(text, pointer))
    }

    /// 1-based line and column of a byte offset (columns count characters).
    pub fn line_col_at(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .chars_before(text, offset)
            .saturating_sub(self.chars_before(text, start));
        (line, column + 1)
    }

    /// The number of characters in `text[..offset]`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        if self.chars_before_block.is_empty() {
            return offset; // ASCII: one byte per character
        }
        let block = offset / BLOCK;
        let base = self.chars_before_block.get(block).copied().unwrap_or(0);
        let rest = text
            .as_bytes()
            .get(block * BLOCK..offset)
            .unwrap_or_default();
        base + starts_of_chars(rest)
    }

    /// Byte offset of the value at `pointer`, or of its deepest existing ancestor.
    pub fn offset_of(&self, text: &str, pointer: &str) -> usize {
        let b = text.as_bytes();
        let mut pos = skip_ws(b, skip_bom(b));
        let Ok(mut scanned) = self.scanned.lock() else {
            return pos;
        };
        for seg in pointer.split('/').skip(1).map(unescape) {
            let next = match b.get(pos) {
                Some(b'[') | Some(b'{') => scanned
                    .entry(pos)
                    .or_insert_with(|| Scanned::new(b, pos))
                    .find(b, &seg),
                _ => None,
            };
            match next {
                Some(p) => pos = p,
                None => break,
            }
        }
        pos.min(text.len())
    }
}

/// A pointer segment with `~1` and `~0` unescaped (RFC 6901).
fn unescape(seg: &str) -> Cow<'_, str> {
    if seg.contains('~') {
        Cow::Owned(seg.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(seg)
    }
}

/// What the scan of one array or object found so far: it goes on only as
/// far as a look-up needs (the members after `properties`, or the rest of
/// a 10 MB export after its first resource, may never be asked for), and
/// never scans the same bytes twice.
struct Scanned {
    /// The offset of the `[` or `{`.
    start: usize,
    array: bool,
    /// The members or elements scanned, in text order.
    entries: Vec<Entry>,
    /// No entries after these.
    done: bool,
}

impl Scanned {
    fn new(b: &[u8], start: usize) -> Scanned {
        Scanned {
            start,
            array: b.get(start) == Some(&b'['),
            entries: Vec::new(),
            done: false,
        }
    }

    /// The offset of element `seg`, or of the first member named `seg`
    /// (ignoring case, as ARM and Azure Policy read property names).
    fn find(&mut self, b: &[u8], seg: &str) -> Option<usize> {
        if self.array {
            let want: usize = seg.parse().ok()?;
            while self.entries.len() <= want && self.advance(b).is_some() {}
            return self.entries.get(want).map(|e| e.value);
        }
        if let Some(e) = self.entries.iter().find(|e| e.key_is(b, seg)) {
            return Some(e.value);
        }
        while let Some(e) = self.advance(b) {
            if e.key_is(b, seg) {
                return Some(e.value);
            }
        }
        None
    }

    /// Scans the next entry, if there is one.
    fn advance(&mut self, b: &[u8]) -> Option<Entry> {
        if self.done {
            return None;
        }
        let next = self.next_entry(b);
        match &next {
            Some(entry) => self.entries.push(entry.clone()),
            None => self.done = true,
        }
        next
    }

    fn next_entry(&self, b: &[u8]) -> Option<Entry> {
        let i = match self.entries.last() {
            None => skip_ws(b, self.start + 1),
            Some(last) => {
                let i = skip_ws(b, value_end(b, last.value)?);
                (b.get(i) == Some(&b',')).then_some(())?;
                skip_ws(b, i + 1)
            }
        };
        if self.array {
            let element = Entry {
                key: i..i,
                value: i,
            };
            return b.get(i).is_some_and(|&c| c != b']').then_some(element);
        }
        (b.get(i) == Some(&b'"')).then_some(())?;
        let key_end = string_end(b, i)?;
        let colon = skip_ws(b, key_end);
        (b.get(colon) == Some(&b':')).then_some(())?;
        Some(Entry {
            key: i..key_end,
            value: skip_ws(b, colon + 1),
        })
    }
}

/// One member (or element: its key is empty) of a scanned object or array.
#[derive(Clone)]
struct Entry {
    /// The key's JSON string, quotes included.
    key: std::ops::Range<usize>,
    /// The offset of the value.
    value: usize,
}

impl Entry {
    /// Whether the key is `name`, ignoring ASCII case: its bytes compared
    /// directly, decoded only when it has escapes.
    fn key_is(&self, b: &[u8], name: &str) -> bool {
        let Some(raw) = b.get(self.key.clone()) else {
            return false;
        };
        match raw.get(1..raw.len().saturating_sub(1)) {
            Some(inner) if !inner.contains(&b'\\') => inner.eq_ignore_ascii_case(name.as_bytes()),
            _ => serde_json::from_slice::<String>(raw)
                .is_ok_and(|key| key.eq_ignore_ascii_case(name)),
        }
    }
}

/// 1-based line and column of the value at `pointer` (one-off lookups).
pub fn line_col(text: &str, pointer: &str) -> (usize, usize) {
    Locator::new(text).line_col(text, pointer)
}

/// Byte offset of the value at `pointer` (one-off lookups).
pub fn offset_of(text: &str, pointer: &str) -> usize {
    Locator::new(text).offset_of(text, pointer)
}

fn skip_bom(b: &[u8]) -> usize {
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The offset just after the string starting at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// The offset just after the value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                j += 1;
            }
            Some(j)
        }
    }
}

/// The characters that start in `bytes`: every byte that is not a UTF-8
/// continuation byte (`10xxxxxx`).
fn starts_of_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_resolve_to_lines() {
        let text = "{\n  \"a\": [1, {\"b\": \"x]\"}],\n  \"c\": {\n    \"d\": true\n  }\n}";
        assert_eq!(line_col(text, ""), (1, 1));
        assert_eq!(line_col(text, "/c/d"), (4, 10));
        assert_eq!(line_col(text, "/a/1/b"), (2, 18));
        // A missing member points at its deepest ancestor.
        assert_eq!(line_col(text, "/c/zz"), (3, 8));
        assert_eq!(line_col(text, "/a/7"), (2, 8));
    }

    /// Columns count characters, also past many blocks of a long
    /// non-ASCII line, whatever order they are asked in.
    #[test]
    fn columns_count_characters_on_long_lines() {
        let text = format!("[{}]", vec!["{\"é\": \"ü\"}"; 500].join(", "));
        let loc = Locator::new(&text);
        for i in [499, 0, 250, 3] {
            let at = loc.offset_of(&text, &format!("/{i}"));
            let expected = text[..at].chars().count() + 1;
            assert_eq!(loc.line_col_at(&text, at), (1, expected), "element {i}");
        }
    }

    #[test]
    fn a_locator_reuses_array_scans() {
        let text = format!(
            "[{}]",
            (0..1000)
                .map(|i| format!("{{\"i\": {i}}}"))
                .collect::<Vec<_>>()
                .join(",\n")
        );
        let loc = Locator::new(&text);
        assert_eq!(loc.line_col(&text, "/0"), (1, 2));
        assert_eq!(loc.line_col(&text, "/999/i"), (1000, 7));
        // One array scan (and the object `/999`).
        let scanned = loc.scanned.lock().unwrap();
        assert_eq!(scanned.values().filter(|s| s.array).count(), 1);
        drop(scanned);
        // Columns on one long line, located in any order.
        let one = "[{\"a\": 1}, {\"é\": 2}, {\"c\": 3}]";
        let loc = Locator::new(one);
        assert_eq!(loc.line_col(one, "/2"), (1, 22));
        assert_eq!(loc.line_col(one, "/1/é"), (1, 18));
        assert_eq!(loc.line_col(one, "/1"), (1, 12));
        assert_eq!(loc.line_col(one, "/2/c"), (1, 28));
    }

    /// Members are found by name ignoring case, escaped keys decoded, the
    /// first of duplicates taken, and each object scanned once.
    #[test]
    fn members_resolve_from_one_scan() {
        let text = r#"{"A": {"x\u0041y": 1, "b": [2, {"c": 3}], "B": 4}, "a~b/c": 5}"#;
        let loc = Locator::new(text);
        let at = |p: &str| &text[loc.offset_of(text, p)..][..1];
        assert_eq!(at("/a/xay"), "1");
        assert_eq!(at("/a/b/1/C"), "3");
        assert_eq!(at("/a/b"), "[");
        assert_eq!(at("/a~0b~1c"), "5");
        assert_eq!(at("/a/nope"), "{");
        // The root, `A`, `A/b` and `A/b/1`.
        assert_eq!(loc.scanned.lock().unwrap().len(), 4);
        // The members after the one looked up are not scanned until asked.
        let text = r#"{"a": 1, "b": [1, 2, 3], "c": 2}"#;
        let loc = Locator::new(text);
        assert_eq!(&text[loc.offset_of(text, "/b/0")..][..1], "1");
        assert!(
            loc.scanned
                .lock()
                .unwrap()
                .values()
                .all(|s| s.entries.len() <= 2)
        );
        assert_eq!(&text[loc.offset_of(text, "/c")..][..1], "2");
        assert_eq!(&text[loc.offset_of(text, "/b/2")..][..1], "3");
        assert_eq!(loc.offset_of(text, "/b/3"), loc.offset_of(text, "/b"));
    }
}
