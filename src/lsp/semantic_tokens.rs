//! Semantic tokens: the token stream classified for highlighting.

use super::analysis::Analysis;
use super::symbols::SymbolKind;
use crate::syntax::keywords;
use crate::syntax::tokens::TokenKind;
use lsp_types as lsp;

pub const TOKEN_KEYWORD: u32 = 0;
pub const TOKEN_STRING: u32 = 1;
pub const TOKEN_NUMBER: u32 = 2;
pub const TOKEN_COMMENT: u32 = 3;
pub const TOKEN_FUNCTION: u32 = 4;
pub const TOKEN_PARAMETER: u32 = 5;
pub const TOKEN_PROPERTY: u32 = 6;
pub const TOKEN_OPERATOR: u32 = 7;
pub const TOKEN_TYPE: u32 = 8;

/// The legend matching the `TOKEN_*` indices.
pub fn semantic_legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: vec![
            lsp::SemanticTokenType::KEYWORD,
            lsp::SemanticTokenType::STRING,
            lsp::SemanticTokenType::NUMBER,
            lsp::SemanticTokenType::COMMENT,
            lsp::SemanticTokenType::FUNCTION,
            lsp::SemanticTokenType::PARAMETER,
            lsp::SemanticTokenType::PROPERTY,
            lsp::SemanticTokenType::OPERATOR,
            lsp::SemanticTokenType::TYPE,
        ],
        token_modifiers: vec![],
    }
}

impl Analysis {
    /// Semantic tokens of the whole document, encoded as LSP wants (relative
    /// positions, UTF-16 lengths, one token per line of a multi-line string).
    pub fn semantic_tokens(&self) -> Vec<lsp::SemanticToken> {
        let text = self.text.as_str();
        let rule_ids: std::collections::HashSet<&str> = self
            .symbols
            .iter()
            .filter(|s| s.kind == SymbolKind::Rule)
            .map(|s| s.name.as_str())
            .collect();
        let mut out = Vec::new();
        let (mut last_line, mut last_col) = (0u32, 0u32);
        let mut push = |start: usize, end: usize, ty: u32| {
            let p = self.index.position(text, start);
            let len: u32 = text
                .get(start..end)
                .map_or(0, |s| s.chars().map(|c| c.len_utf16() as u32).sum());
            if len == 0 {
                return;
            }
            let delta_line = p.line - last_line;
            let delta_start = if delta_line == 0 {
                p.character - last_col
            } else {
                p.character
            };
            out.push(lsp::SemanticToken {
                delta_line,
                delta_start,
                length: len,
                token_type: ty,
                token_modifiers_bitset: 0,
            });
            last_line = p.line;
            last_col = p.character;
        };
        for (i, t) in self.tokens.iter().enumerate() {
            let word = t.text(text);
            let ty = match t.kind {
                TokenKind::Comment => TOKEN_COMMENT,
                TokenKind::Str => TOKEN_STRING,
                TokenKind::Number => TOKEN_NUMBER,
                TokenKind::Punct
                    if !matches!(word, "{" | "}" | "(" | ")" | "[" | "]" | "," | "." | ":") =>
                {
                    TOKEN_OPERATOR
                }
                TokenKind::Word => {
                    let prev = i.checked_sub(1).map(|j| self.tokens[j].text(text));
                    let next = self.tokens.get(i + 1).map(|n| n.text(text));
                    if prev == Some(".") && i >= 2 && self.tokens[i - 2].text(text) == "param" {
                        TOKEN_PARAMETER
                    } else if keywords::all_words().any(|w| w == word) && prev != Some(".") {
                        TOKEN_KEYWORD
                    } else if next == Some("(") {
                        TOKEN_FUNCTION
                    } else if rule_ids.contains(word) {
                        TOKEN_TYPE
                    } else {
                        TOKEN_PROPERTY
                    }
                }
                _ => continue,
            };
            // Split multi-line tokens at line breaks.
            let mut s = t.start;
            for (k, _) in word.match_indices('\n') {
                push(s, t.start + k, ty);
                s = t.start + k + 1;
            }
            push(s, t.end, ty);
        }
        out
    }
}
