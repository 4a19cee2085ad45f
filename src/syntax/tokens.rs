//! A token scanner for tools that work on the text itself rather than the
//! AST: the formatter (which must keep every comment and every character of
//! every string) and the language server (semantic tokens, the word under the
//! cursor). It never fails: a character it does not know becomes a one-char
//! [`TokenKind::Unknown`] token, an unterminated string runs to the end of the
//! line (or of the file, for `"""`).

/// What a token is. Keywords are [`TokenKind::Word`]: whether a word is a
/// keyword depends on where it stands, which the parser decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An identifier or keyword (`rule`, `admin-user-disabled`, `sku`).
    Word,
    /// A string, quotes included (`"…"` or `"""…"""`).
    Str,
    Number,
    /// `# …` to the end of the line (without the line break).
    Comment,
    /// Punctuation and operators: `{ } ( ) [ ] , : . | = == != < <= > >= *`.
    Punct,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Splits `src` into tokens, skipping whitespace (and a byte-order mark).
pub fn tokenize(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    // The byte at `i`, NUL past the end (the scanner checks `i < b.len()` first anyway).
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let rest = |i: usize| src.get(i..).unwrap_or_default();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = at(i);
        if c == b' ' || c == b'\t' || c == b'\r' || c == b'\n' {
            i += 1;
            continue;
        }
        if rest(i).starts_with('\u{FEFF}') {
            i += '\u{FEFF}'.len_utf8();
            continue;
        }
        let start = i;
        let kind = if c == b'#' {
            // A comment ends at a line break, a lone CR included (as for the parser).
            while i < b.len() && at(i) != b'\n' && at(i) != b'\r' {
                i += 1;
            }
            TokenKind::Comment
        } else if rest(i).starts_with("\"\"\"") {
            i += 3;
            match rest(i).find("\"\"\"") {
                Some(k) => i += k + 3,
                None => i = b.len(),
            }
            TokenKind::Str
        } else if c == b'"' {
            i += 1;
            while i < b.len() && at(i) != b'"' && at(i) != b'\n' {
                if at(i) == b'\\' && i + 1 < b.len() && at(i + 1) != b'\n' {
                    i += 1;
                }
                i += 1;
            }
            if i < b.len() && at(i) == b'"' {
                i += 1;
            }
            TokenKind::Str
        } else if c.is_ascii_digit() || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < b.len() && at(i).is_ascii_digit() {
                i += 1;
            }
            if i + 1 < b.len() && at(i) == b'.' && at(i + 1).is_ascii_digit() {
                i += 1;
                while i < b.len() && at(i).is_ascii_digit() {
                    i += 1;
                }
            }
            TokenKind::Number
        } else if is_word_start(c) {
            while i < b.len() && is_word_char(at(i)) {
                i += 1;
            }
            TokenKind::Word
        } else if matches!(c, b'=' | b'!' | b'<' | b'>') {
            i += 1;
            if i < b.len() && at(i) == b'=' {
                i += 1;
            }
            if c == b'!' && i == start + 1 {
                TokenKind::Unknown
            } else {
                TokenKind::Punct
            }
        } else if matches!(
            c,
            b'{' | b'}' | b'(' | b')' | b'[' | b']' | b',' | b':' | b'.' | b'|' | b'*'
        ) {
            i += 1;
            TokenKind::Punct
        } else {
            // One character, whatever its width.
            i += rest(i).chars().next().map_or(1, char::len_utf8);
            TokenKind::Unknown
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        tokenize(src).iter().map(|t| t.text(src)).collect()
    }

    #[test]
    fn splits_paths_operators_strings_and_comments() {
        assert_eq!(
            texts("require a.b[*][\"k\"]!=-1.5 # note\n  \"\"\"x\n\"y\"\"\" \"q\\\"\""),
            vec![
                "require",
                "a",
                ".",
                "b",
                "[",
                "*",
                "]",
                "[",
                "\"k\"",
                "]",
                "!=",
                "-1.5",
                "# note",
                "\"\"\"x\n\"y\"\"\"",
                "\"q\\\"\""
            ]
        );
    }

    #[test]
    fn unknown_characters_do_not_stop_the_scan() {
        assert_eq!(texts("a && é !b"), vec!["a", "&", "&", "é", "!", "b"]);
    }
}
