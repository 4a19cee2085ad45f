//! Where a JSON value is in its source text: a JSON pointer resolved against
//! the raw text, for report locations (serde_json keeps no positions).
//!
//! A [`Locator`] indexes a text once (line starts) and remembers the element
//! offsets of every array it walks, so that locating each of 10,000
//! resources of an export costs about the same as locating one.
#![allow(clippy::indexing_slicing)] // not yet worked down: 6 sites

use std::collections::HashMap;
use std::sync::Mutex;

/// Indexes of one text; every method takes that same text.
#[derive(Default)]
pub struct Locator {
    line_starts: Vec<usize>,
    /// Array offset → offsets of its elements.
    arrays: Mutex<HashMap<usize, Vec<usize>>>,
    /// The last (offset, column) computed: columns on one long line (a
    /// minified export) are counted on from there, not from the line start.
    last: Mutex<(usize, usize)>,
}

impl Locator {
    pub fn new(text: &str) -> Locator {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator {
            line_starts,
            arrays: Mutex::new(HashMap::new()),
            last: Mutex::new((0, 1)),
        }
    }

    /// 1-based line and column of the value at `pointer`, or of its deepest
    /// existing ancestor.
    pub fn line_col(&self, text: &str, pointer: &str) -> (usize, usize) {
        self.line_col_at(text, self.offset_of(text, pointer))
    }

    /// 1-based line and column of a byte offset (columns count characters).
    pub fn line_col_at(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let chars = |from: usize| text.get(from..offset).map_or(0, |s| s.chars().count());
        let Ok(mut last) = self.last.lock() else {
            return (line, chars(start) + 1);
        };
        let column = if last.0 >= start && last.0 <= offset {
            last.1 + chars(last.0)
        } else {
            chars(start) + 1
        };
        *last = (offset, column);
        (line, column)
    }

    /// Byte offset of the value at `pointer`, or of its deepest existing ancestor.
    pub fn offset_of(&self, text: &str, pointer: &str) -> usize {
        let b = text.as_bytes();
        let mut pos = skip_ws(b, skip_bom(b));
        let segments = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"));
        for seg in segments {
            let next = match b.get(pos) {
                Some(b'[') => self.element(b, pos, &seg),
                Some(b'{') => member(b, pos, &seg),
                _ => None,
            };
            match next {
                Some(p) => pos = p,
                None => break,
            }
        }
        pos.min(text.len())
    }

    fn element(&self, b: &[u8], pos: usize, seg: &str) -> Option<usize> {
        let want: usize = seg.parse().ok()?;
        let mut arrays = self.arrays.lock().ok()?;
        let elements = arrays.entry(pos).or_insert_with(|| elements(b, pos));
        elements.get(want).copied()
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

/// The offset of member `seg` (ignoring case) of the object starting at `pos`.
fn member(b: &[u8], pos: usize, seg: &str) -> Option<usize> {
    let mut i = skip_ws(b, pos + 1);
    while b.get(i) == Some(&b'"') {
        let end = string_end(b, i)?;
        let key: String = serde_json::from_slice(&b[i..end]).ok()?;
        i = skip_ws(b, end);
        (b.get(i) == Some(&b':')).then_some(())?;
        i = skip_ws(b, i + 1);
        if key.eq_ignore_ascii_case(seg) {
            return Some(i);
        }
        i = skip_ws(b, value_end(b, i)?);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
    }
    None
}

/// The offsets of the elements of the array starting at `pos`, in one scan.
fn elements(b: &[u8], pos: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = skip_ws(b, pos + 1);
    while i < b.len() && b[i] != b']' {
        out.push(i);
        let Some(end) = value_end(b, i) else { break };
        i = skip_ws(b, end);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        } else {
            break;
        }
    }
    out
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
        assert_eq!(loc.arrays.lock().unwrap().len(), 1);
        // Columns on one long line, located in any order.
        let one = "[{\"a\": 1}, {\"é\": 2}, {\"c\": 3}]";
        let loc = Locator::new(one);
        assert_eq!(loc.line_col(one, "/2"), (1, 22));
        assert_eq!(loc.line_col(one, "/1/é"), (1, 18));
        assert_eq!(loc.line_col(one, "/1"), (1, 12));
        assert_eq!(loc.line_col(one, "/2/c"), (1, 28));
    }
}
