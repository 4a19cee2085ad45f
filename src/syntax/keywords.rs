//! The language's words in one table: item keywords, the clauses each item
//! accepts (with the one-line help the editor shows), the other keywords of
//! the grammar, and the operators. Sema (which keys a block accepts), the
//! parser's did-you-mean, LSP completion and hover read this table; tests
//! check that `grammar/acrp.pest` and the TextMate grammar in
//! `editors/vscode/` know every word in it, and that every `kw_` rule of the
//! pest grammar is listed here.
//!
//! Adding a clause: add a [`Clause`] row (and, for new syntax, the grammar
//! rule, `kw_` rule and TextMate pattern); the tests say what is missing.
//! Effects have their own table, [`crate::ir::Effect::ALL`].

/// Where a clause may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Pack,
    Rule,
    Initiative,
    /// The `{ … }` of an initiative's `group`.
    Group,
    /// `assignment`, `exemption` and `environment` blocks (their own keys
    /// are checked in `sema`'s placement code; listed here for the grammar
    /// tests and completion).
    Placement,
}

/// How a clause is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `key value` (`meta_clause` in the grammar), checked by sema.
    Meta,
    /// A clause with its own grammar rule and `kw_` keyword.
    Syntax,
}

/// One clause keyword of a block.
#[derive(Debug, Clone, Copy)]
pub struct Clause {
    pub word: &'static str,
    pub shape: Shape,
    pub blocks: &'static [Block],
    /// One line for completion and hover.
    pub doc: &'static str,
}

use Block::{Group, Initiative, Pack, Placement, Rule};
use Shape::{Meta, Syntax};

const fn c(
    word: &'static str,
    shape: Shape,
    blocks: &'static [Block],
    doc: &'static str,
) -> Clause {
    Clause {
        word,
        shape,
        blocks,
        doc,
    }
}

/// Every clause, in the order completion lists them.
pub const CLAUSES: &[Clause] = &[
    c(
        "title",
        Meta,
        &[Pack, Rule, Initiative],
        "displayName (≤ 128 characters)",
    ),
    c(
        "description",
        Meta,
        &[Pack, Rule, Initiative, Group],
        "description (≤ 512 characters)",
    ),
    c(
        "practice",
        Meta,
        &[Rule],
        "the security practice the rule belongs to",
    ),
    c("severity", Meta, &[Rule], "low | medium | high | critical"),
    c(
        "controls",
        Meta,
        &[Rule],
        "compliance controls, e.g. [\"MCSB NS-2\"]",
    ),
    c(
        "target",
        Meta,
        &[Rule],
        "the catalog resource kind the rule applies to",
    ),
    c(
        "effect",
        Syntax,
        &[Rule],
        "allowed effects and default: `audit | deny | disabled = audit`",
    ),
    c(
        "when",
        Syntax,
        &[Rule],
        "applicability: resources for which the rule is evaluated",
    ),
    c(
        "require",
        Syntax,
        &[Rule],
        "what a compliant resource looks like",
    ),
    c(
        "forbid",
        Syntax,
        &[Rule],
        "the non-compliant condition as written",
    ),
    c(
        "fix",
        Syntax,
        &[Rule],
        "remediation: a companion Modify definition",
    ),
    c(
        "fix-title",
        Meta,
        &[Rule],
        "displayName of the Modify companion a `fix` creates",
    ),
    c(
        "param",
        Syntax,
        &[Rule, Initiative],
        "a policy parameter: `param n: string = \"x\"`",
    ),
    c(
        "let",
        Syntax,
        &[Rule],
        "a named expression for this rule's conditions",
    ),
    c(
        "deploy",
        Syntax,
        &[Rule],
        "deployIfNotExists template and bindings",
    ),
    c("message", Meta, &[Rule], "text of local checker findings"),
    c(
        "remediation",
        Meta,
        &[Rule],
        "how to fix a finding, for the local checker",
    ),
    c(
        "version",
        Meta,
        &[Pack, Rule, Initiative],
        "version, \"1.0.0\" (a string)",
    ),
    c(
        "category",
        Meta,
        &[Pack, Rule, Initiative, Group],
        "metadata category",
    ),
    c("mode", Meta, &[Rule], "all | indexed"),
    c(
        "name",
        Meta,
        &[Rule, Initiative],
        "override the definition name",
    ),
    c(
        "default-state",
        Meta,
        &[Rule],
        "enabled | disabled: the effect parameter's default",
    ),
    c(
        "preview",
        Meta,
        &[Rule],
        "true: metadata.preview, the definition is a preview",
    ),
    c("deprecated", Meta, &[Rule], "true: metadata.deprecated"),
    c("scope", Meta, &[Pack], "the default publish scope"),
    c(
        "practices",
        Meta,
        &[Pack],
        "extra practice names this pack's rules may use",
    ),
    c(
        "group",
        Syntax,
        &[Initiative],
        "a policy definition group: `group name \"Display name\"`",
    ),
    c(
        "include",
        Syntax,
        &[Initiative],
        "a member: a rule id, `practice p`, `all` or `builtin \"<GUID>\"`",
    ),
    c(
        "selector",
        Syntax,
        &[Placement],
        "resource selector: `selector eu { location in [\"westeurope\"] }`",
    ),
    c(
        "override",
        Syntax,
        &[Placement],
        "`override effect = disabled for [member]`",
    ),
];

/// The keywords that start a top-level item.
pub const ITEMS: &[&str] = &[
    "pack",
    "rule",
    "initiative",
    "assignment",
    "exemption",
    "environment",
    "test",
];

/// Keywords inside clauses: options, condition words and literals.
pub const WORDS: &[&str] = &[
    "groups",
    "practice",
    // `include builtin "<GUID>" { reference "…" version "…" }`
    "builtin",
    "reference",
    "all",
    "any",
    "count",
    "related",
    "named",
    "after",
    "where",
    "roles",
    "location",
    "allowed",
    "strongType",
    "assignPermissions",
    "and",
    "or",
    "not",
    "in",
    "like",
    "matches",
    "imatches",
    "contains",
    "key",
    "exists",
    "missing",
    "true",
    "false",
    "null",
    "it",
    "of",
    "for",
    "message",
    // `test` items
    "resource",
    "input",
    "expect",
    "at",
    "deployed",
    "deployment",
];

/// Comparison operators as written (`cmp_op` and `exists_op` in the grammar).
pub const OPERATORS: &[&str] = &[
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "like",
    "not like",
    "matches",
    "not matches",
    "imatches",
    "not imatches",
    "contains",
    "not contains",
    "contains key",
    "not contains key",
    "exists",
    "missing",
];

/// The clauses a block accepts.
pub fn clauses(block: Block) -> impl Iterator<Item = &'static Clause> {
    CLAUSES.iter().filter(move |c| c.blocks.contains(&block))
}

/// The `key value` keys a block accepts, for sema's checks.
pub fn meta_keys(block: Block) -> Vec<&'static str> {
    clauses(block)
        .filter(|c| c.shape == Meta)
        .map(|c| c.word)
        .collect()
}

/// Every word the grammar treats as a keyword somewhere.
pub fn all_words() -> impl Iterator<Item = &'static str> {
    ITEMS
        .iter()
        .copied()
        .chain(CLAUSES.iter().map(|c| c.word))
        .chain(WORDS.iter().copied())
}

/// The effects as written in `effect …` (`auditIfNotExists`), from
/// [`crate::ir::Effect::ALL`].
pub fn effect_words() -> Vec<String> {
    crate::ir::Effect::ALL
        .iter()
        .map(|e| {
            let azure = e.as_azure_str();
            let mut chars = azure.chars();
            chars.next().map_or_else(String::new, |f| {
                f.to_ascii_lowercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The block an item keyword opens.
pub fn block_of(item: &str) -> Option<Block> {
    match item {
        "pack" => Some(Pack),
        "rule" => Some(Rule),
        "initiative" => Some(Initiative),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const PEST: &str = include_str!("../../grammar/acrp.pest");
    const TEXTMATE: &str = include_str!("../../editors/vscode/syntaxes/acrp.tmLanguage.json");

    /// The words of the grammar's `kw_x = @{ "x" ~ … }` rules.
    fn pest_keywords() -> BTreeSet<&'static str> {
        PEST.lines()
            .filter(|l| l.starts_with("kw_"))
            .filter_map(|l| l.split('"').nth(1))
            .collect()
    }

    #[test]
    fn every_pest_keyword_is_in_the_table() {
        let table: BTreeSet<&str> = all_words().collect();
        for kw in pest_keywords() {
            assert!(
                table.contains(kw),
                "grammar keyword `{kw}` is not in keywords.rs"
            );
        }
    }

    #[test]
    fn every_syntax_clause_has_a_pest_keyword() {
        let pest = pest_keywords();
        for c in CLAUSES.iter().filter(|c| c.shape == Syntax) {
            assert!(
                pest.contains(c.word),
                "`{}` has no kw_ rule in acrp.pest",
                c.word
            );
        }
        for w in ITEMS.iter().chain(WORDS) {
            assert!(pest.contains(w), "`{w}` has no kw_ rule in acrp.pest");
        }
    }

    #[test]
    fn textmate_grammar_highlights_every_keyword() {
        // Every word must appear as an alternative `|word|` (or at either
        // end of a group) in one of the grammar's patterns.
        let alternatives: BTreeSet<&str> = TEXTMATE
            .split(['(', ')', '|'])
            .map(|s| s.trim_start_matches("?:"))
            .collect();
        for w in all_words() {
            assert!(
                alternatives.contains(w),
                "the TextMate grammar does not highlight `{w}`"
            );
        }
    }

    #[test]
    fn operators_are_in_the_pest_grammar() {
        for op in OPERATORS {
            let first = op.split(' ').next_back().unwrap_or(op);
            assert!(
                PEST.contains(&format!("\"{first}\"")),
                "operator `{op}` missing from acrp.pest"
            );
        }
    }
}
