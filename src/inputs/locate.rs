//! Where a JSON value is in its source text: a JSON pointer resolved against
//! the raw text, for report locations (serde_json keeps no positions).

/// 1-based line and column of the value at `pointer` (`/resources/0/properties`),
/// or of the deepest existing ancestor.
pub fn line_col(text: &str, pointer: &str) -> (usize, usize) {
    let offset = offset_of(text, pointer);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Byte offset of the value at `pointer`, or of the deepest existing ancestor.
pub fn offset_of(text: &str, pointer: &str) -> usize {
    let b = text.as_bytes();
    let mut pos = skip_ws(b, skip_bom(b));
    let segments = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"));
    for seg in segments {
        match child(b, pos, &seg) {
            Some(p) => pos = p,
            None => break,
        }
    }
    pos.min(text.len())
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

/// The offset of member `seg` of the object or array starting at `pos`.
fn child(b: &[u8], pos: usize, seg: &str) -> Option<usize> {
    match b.get(pos)? {
        b'{' => {
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
        b'[' => {
            let want: usize = seg.parse().ok()?;
            let mut i = skip_ws(b, pos + 1);
            for _ in 0..want {
                i = skip_ws(b, value_end(b, i)?);
                (b.get(i) == Some(&b',')).then_some(())?;
                i = skip_ws(b, i + 1);
            }
            (b.get(i) != Some(&b']')).then_some(i)
        }
        _ => None,
    }
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
}
