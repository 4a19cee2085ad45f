//! What the language server knows about one document, computed by a pure
//! function of its text ([`analyze`]) and queried by position. Positions are
//! LSP positions (UTF-16 code units); the conversion lives in [`LineIndex`]
//! and nowhere else. An invalid position gives `None`, never a panic.
//!
//! Each feature adds its queries to [`Analysis`] from its own module:
//! `line_index` (positions), `symbols` (names and the outline), `completion`,
//! `hover`, `navigation` (definition, references, rename), `semantic_tokens`,
//! `actions` (formatting, quick fixes, code lenses, LSP diagnostics).

use super::line_index::LineIndex;
use super::symbols::{Symbol, symbols};
use crate::diag::{self, Diagnostic, Span};
use crate::lint::{self, Config};
use crate::sema::Templates;
use crate::syntax::ast::{self, Item};
use crate::syntax::incremental::{ParseCache, parse_cached};
use crate::syntax::tokens::{Token, tokenize};
use lsp_types as lsp;

// ------------------------------------------------------------------ analysis

/// One analysed document.
pub struct Analysis {
    pub text: String,
    pub index: LineIndex,
    pub ast: ast::File,
    /// Compile diagnostics and lints, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    pub symbols: Vec<Symbol>,
    pub tokens: Vec<Token>,
}

/// Analyses one document: parse, check, lint, index its names.
pub fn analyze(text: String, templates: &dyn Templates, config: &Config) -> Analysis {
    analyze_incremental(&mut ParseCache::default(), text, templates, config)
}

/// [`analyze`], reusing the items of the previous parse that did not change.
pub fn analyze_incremental(
    cache: &mut ParseCache,
    text: String,
    templates: &dyn Templates,
    config: &Config,
) -> Analysis {
    let (ast, parse_diags) = parse_cached(cache, 0, &text);
    let tests = ast
        .items
        .iter()
        .filter(|i| matches!(i, Item::Test(_)))
        .count();
    let diagnostics = if tests > 0 && tests == ast.items.len() {
        // A test file (`x.test.acrp`): its pack is another file, which
        // `acrpc test` resolves; here only the syntax is checked.
        parse_diags
    } else {
        let mut d = lint::check_parsed(0, &text, &ast, parse_diags, templates, config);
        if tests > 0 {
            d.extend(test_diagnostics(&ast, &text, templates));
            d.sort_by_key(|x| (x.primary.span.start, x.code));
        }
        d
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
    }
}

/// The `acrpc test` diagnostics of the tests written in a pack file.
fn test_diagnostics(ast: &ast::File, text: &str, templates: &dyn Templates) -> Vec<Diagnostic> {
    struct Inputs<'t>(&'t dyn Templates);
    impl crate::ruletest::Files for Inputs<'_> {
        fn read(&self, path: &str) -> Result<String, String> {
            self.0.load(path)
        }
    }
    let checked = crate::sema::check(ast, Span::new(0, 0, 0), templates, &Default::default());
    let Some(pack) = checked.pack else {
        return Vec::new();
    };
    let rules = crate::eval::from_pack(&pack, "");
    let tests: Vec<&ast::Test> = ast
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Test(t) => Some(t),
            _ => None,
        })
        .collect();
    let source = diag::SourceFile::new("", text);
    crate::ruletest::resolve(&tests, &source, &pack, &rules, &Inputs(templates)).1
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
