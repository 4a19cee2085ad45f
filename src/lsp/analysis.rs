//! What the language server knows about one document, computed by a pure
//! function of its text ([`analyze`]) and queried by position. Positions are
//! LSP positions (UTF-16 code units); the conversion lives in [`LineIndex`]
//! and nowhere else. An invalid position gives `None`, never a panic.
//!
//! Each feature adds its queries to [`Analysis`] from its own module:
//! `line_index` (positions), `symbols` (names and the outline), `completion`,
//! `hover`, `navigation` (definition, references, rename), `semantic_tokens`,
//! `actions` (formatting, quick fixes, code lenses, LSP diagnostics),
//! `test_items` (what tests can name, their diagnostics, completion, hover).

use super::line_index::LineIndex;
use super::symbols::{Symbol, symbols};
use super::test_items::{self, Subject};
use crate::diag::{Diagnostic, Span};
use crate::lint::{self, Config};
use crate::sema::Templates;
use crate::syntax::ast::{self, Item};
use crate::syntax::incremental::{ParseCache, parse_cached};
use crate::syntax::tokens::{Token, tokenize};
use lsp_types as lsp;

/// One analysed document.
pub struct Analysis {
    pub text: String,
    pub index: LineIndex,
    pub ast: ast::File,
    /// Compile diagnostics and lints, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    pub symbols: Vec<Symbol>,
    pub tokens: Vec<Token>,
    /// The rules and initiatives the document's tests can name (empty
    /// without tests, or when the pack does not compile).
    pub subjects: Vec<Subject>,
}

/// The pack a test file `x.test.acrp` tests: `x.acrp` beside it, as the
/// server has it (an open document, else the file on disk).
#[derive(Debug, Clone)]
pub struct SiblingPack {
    /// The pack's file name, for messages.
    pub name: String,
    /// Its text, or why it cannot be read.
    pub text: Result<String, String>,
}

/// Analyses one document: parse, check, lint, index its names.
pub fn analyze(text: String, templates: &dyn Templates, config: &Config) -> Analysis {
    analyze_incremental(&mut ParseCache::default(), text, templates, config, None)
}

/// [`analyze`], reusing the items of the previous parse that did not change.
/// A test file is analysed against its pack, `sibling`.
pub fn analyze_incremental(
    cache: &mut ParseCache,
    text: String,
    templates: &dyn Templates,
    config: &Config,
    sibling: Option<&SiblingPack>,
) -> Analysis {
    let (ast, parse_diags) = parse_cached(cache, 0, &text);
    let tests = ast
        .items
        .iter()
        .filter(|i| matches!(i, Item::Test(_)))
        .count();
    let (diagnostics, subjects) = if let Some(sibling) = sibling {
        // A test file: only tests, checked against the pack beside it.
        let (mut d, subjects) = test_items::check(&ast, &text, templates, Some(sibling));
        d.extend(parse_diags);
        d.sort_by_key(|x| (x.primary.span.start, x.code));
        (d, subjects)
    } else if tests > 0 && tests == ast.items.len() {
        // Only tests but no pack given (a document that is not a file):
        // only the syntax can be checked.
        (parse_diags, Vec::new())
    } else {
        let mut d = lint::check_parsed(0, &text, &ast, parse_diags, templates, config);
        let mut subjects = Vec::new();
        if tests > 0 {
            let (test_diags, s) = test_items::check(&ast, &text, templates, None);
            d.extend(test_diags);
            d.sort_by_key(|x| (x.primary.span.start, x.code));
            subjects = s;
        }
        (d, subjects)
    };
    let symbols = symbols(&ast);
    let tokens = tokenize(&text);
    Analysis {
        index: LineIndex::new(&text),
        text,
        ast,
        diagnostics,
        symbols,
        tokens,
        subjects,
    }
}

impl Analysis {
    pub(super) fn offset(&self, pos: lsp::Position) -> Option<usize> {
        self.index.offset(&self.text, pos)
    }

    pub fn range(&self, span: Span) -> lsp::Range {
        self.index.range(&self.text, span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sema::NoTemplates;

    fn analysis(text: &str) -> Analysis {
        analyze(text.to_string(), &NoTemplates, &Config::default())
    }

    #[test]
    fn non_ascii_text_around_the_cursor_is_fine() {
        let a = analysis("rule r {\n  target registry\n  require é.x == \"😀\" and ü\n}\n");
        for character in 0..40 {
            let p = lsp::Position::new(2, character);
            let _ = a.completion(p);
            let _ = a.hover(p);
        }
    }

    /// Half-typed files: the baseline cut at many points, queried at many
    /// positions (including invalid ones). Nothing may panic.
    #[test]
    fn queries_never_panic_on_truncated_files() {
        let full = include_str!("../../rulepacks/acr-baseline.acrp");
        let mut cut = 0usize;
        while cut < full.len() {
            let end = (0..=cut)
                .rev()
                .find(|&k| full.is_char_boundary(k))
                .unwrap_or(0);
            let a = analysis(&full[..end]);
            let lines = a.text.lines().count() as u32;
            for line in (0..lines + 2).step_by(7) {
                for character in [0u32, 3, 14, 40, 500] {
                    let p = lsp::Position::new(line, character);
                    let _ = a.completion(p);
                    let _ = a.hover(p);
                    let _ = a.definition(p);
                    let _ = a.references(p, true);
                    let _ = a.rename(p, "x");
                    let _ = a.code_actions(
                        &"file:///t.acrp".parse().expect("uri"),
                        lsp::Range::new(p, p),
                    );
                }
            }
            let _ = a.semantic_tokens();
            let _ = a.document_symbols();
            let _ = a.format();
            cut += 1733;
        }
    }
}
