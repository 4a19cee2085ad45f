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

/// The parser's work budget for one item, in grammar rule invocations:
/// [`CALLS_PER_BYTE`] per byte of the item, and at least [`CALL_FLOOR`], so
/// that pathological input (backtracking over nested brackets) ends with
/// E1401 rather than a hang, while long valid items (a 95,000-term `and`
/// chain, ~10 calls per byte) parse and meet the real limits (E0402).
/// The most measured on the repo's packs and cases is ~27 per byte (a
/// 60-deep bracket nest); chains and clauses take 5–15.
pub const CALLS_PER_BYTE: usize = 64;
pub const CALL_FLOOR: usize = 20_000_000;

fn call_budget(len: usize) -> usize {
    len.saturating_mul(CALLS_PER_BYTE).max(CALL_FLOOR)
}

/// pest reads its call limit from one process-wide setting when a parse
/// starts, so setting it and parsing happen under one lock: another thread
/// parsing a smaller item must not lower this item's budget.
static PARSE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

type ItemParse<'i> = Result<pest::iterators::Pairs<'i, Rule>, pest::error::Error<Rule>>;

/// Runs the grammar on one item's text with the item's work budget.
fn parse_item_text(src: &str) -> ItemParse<'_> {
    parse_with_budget(src, call_budget(src.len()))
}

fn parse_with_budget(src: &str, budget: usize) -> ItemParse<'_> {
    // A panic while parsing cannot leave the guarded `()` inconsistent.
    let _guard = PARSE_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_call_limit(std::num::NonZeroUsize::new(budget));
    AcrpParser::parse(Rule::item, src)
}

/// The diagnostic for an item the grammar did not accept: E1401 when the
/// parser gave up on its budget or stack (pest reports those only as these
/// two messages), a syntax error otherwise.
fn item_error(
    file: FileId,
    offset: usize,
    src: &str,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let limit = match &err.variant {
        pest::error::ErrorVariant::CustomError { message } => match message.as_str() {
            "call limit reached" => Some(format!(
                "the parser's budget for one item ({CALLS_PER_BYTE} steps per byte, at least {CALL_FLOOR}) ran out"
            )),
            "stack limit reached" => Some("the parser ran out of stack".to_string()),
            _ => None,
        },
        pest::error::ErrorVariant::ParsingError { .. } => None,
    };
    let Some(why) = limit else {
        return lower::syntax_error(file, offset, src, err);
    };
    // Underline the header (`rule r`), not the whole (long) item.
    let (keyword, id) = recover::header(src);
    let rest = src.get(keyword.len()..).unwrap_or("");
    let id_at = src.len() - rest.trim_start().len();
    let head_end = id
        .map_or(keyword.len(), |id| id_at + id.len())
        .min(src.len());
    let name = id.map_or_else(|| keyword.to_string(), |id| format!("{keyword} `{id}`"));
    Diagnostic::new(
        Code::E1401,
        Span::new(file, offset, offset + head_end),
        format!("{name} is too large or too complex to parse: {why}"),
    )
    .with_label("this item")
    .with_help("split it into several rules, or name repeated parts with `let`; Azure allows 4096 conditions in a policy rule anyway")
}

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
        match parse_item_text(src) {
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
                diags.push(item_error(file, chunk.start, src, &e));
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
