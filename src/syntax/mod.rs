//! Text → AST. `parse` never fails: it returns the items it could read and a
//! diagnostic for every broken one. pest's types stay inside this module.

pub mod ast;
pub mod incremental;
pub mod keywords;
mod lower;
mod recover;
pub mod tokens;

use crate::diag::{Code, Diagnostic, FileId, Span};
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/acrp.pest"]
struct AcrpParser;

/// Deepest bracket nesting accepted before parsing; deeper input gets E0006
/// instead of exhausting the stack. Azure's own limit on nested conditions
/// is far below this.
pub const MAX_NESTING: usize = 64;

/// Upper bound on grammar rule invocations for one item, so pathological
/// input ends with a diagnostic rather than a hang.
const CALL_LIMIT: usize = 20_000_000;

/// Parses one source file.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut items = Vec::new();
    let mut broken = Vec::new();
    let chunks = recover::split_items(file, text, &mut diags);
    if chunks.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::E0005,
                Span::new(file, 0, 0),
                "the file contains no pack, rule or initiative",
            )
            .with_help("start with `pack <name> { title \"…\" version \"1.0.0\" }` and add rules"),
        );
    }
    recover::bidi_warnings(file, text, &mut diags);
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    for chunk in chunks {
        if chunk.skip {
            broken.push(broken_item(file, text, &chunk));
            continue;
        }
        if let Some(d) = recover::precheck(file, text, &chunk) {
            diags.push(d);
            broken.push(broken_item(file, text, &chunk));
            continue;
        }
        let src = &text[chunk.start..chunk.end];
        match AcrpParser::parse(Rule::item, src) {
            Ok(mut pairs) => {
                let ctx = lower::Ctx {
                    file,
                    offset: chunk.start,
                };
                if let Some(pair) = pairs.next() {
                    match ctx.item(pair) {
                        Ok(item) => items.push(item),
                        Err(d) => {
                            diags.push(d);
                            broken.push(broken_item(file, text, &chunk));
                        }
                    }
                }
            }
            Err(e) => {
                diags.push(lower::syntax_error(file, chunk.start, src, &e));
                broken.push(broken_item(file, text, &chunk));
            }
        }
    }
    (ast::File { items, broken }, diags)
}

/// Records an item that did not parse (see [`ast::BrokenItem`]).
fn broken_item(file: FileId, text: &str, chunk: &recover::Chunk) -> ast::BrokenItem {
    let src = text.get(chunk.start..chunk.end).unwrap_or("");
    let (keyword, id) = recover::header(src);
    ast::BrokenItem {
        keyword,
        id: id.map(str::to_string),
        span: Span::new(file, chunk.start, chunk.end),
    }
}

#[cfg(test)]
mod tests;
