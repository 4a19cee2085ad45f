//! Completion, and the cursor context it (and hover) reads from the tokens
//! so that half-typed items work.

use super::analysis::Analysis;
use super::symbols::{SymbolKind, resolve_property};
use crate::catalog::{self, Kind};
use crate::syntax::ast::{Item, RuleClause};
use crate::syntax::keywords::{self, Block};
use crate::syntax::tokens::TokenKind;
use lsp_types as lsp;

/// The offset just after the last character of `s` matching `pred` (0 if none).
fn after_last(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|(_, c)| pred(*c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Clause keywords with their help, from the language's one keyword table.
pub(super) fn clause_docs(block: Block) -> Vec<(&'static str, &'static str)> {
    keywords::clauses(block).map(|c| (c.word, c.doc)).collect()
}

/// Clauses of `assignment`, `exemption` and `environment` blocks
/// (docs/LANGUAGE.md, "assignment, exemption, environment").
const ASSIGNMENT_CLAUSES: &[(&str, &str)] = &[
    ("title", "displayName of the assignment"),
    ("description", "description of the assignment"),
    (
        "scope",
        "management group, subscription or resource group id",
    ),
    ("enforcement", "default | doNotEnforce"),
    ("not-scopes", "excluded scopes: [\"/subscriptions/…\"]"),
    (
        "definition-version",
        "pinned definition version, e.g. \"1.*.*\"",
    ),
    ("identity", "system, or a user-assigned identity id"),
    ("location", "where the managed identity lives"),
    (
        "message",
        "non-compliance message; `message <member> \"…\"` for one member",
    ),
    ("param", "a parameter value: `param effect = deny`"),
    (
        "selector",
        "resource selector: `selector eu { location in [\"westeurope\"] }`",
    ),
    (
        "override",
        "`override effect = disabled for [member]` or `override version = \"2.*.*\"`",
    ),
];

const EXEMPTION_CLAUSES: &[(&str, &str)] = &[
    ("title", "displayName of the exemption"),
    ("description", "why the resources are exempt"),
    (
        "scope",
        "where the exemption applies (default: the assignment's scope)",
    ),
    ("category", "waiver | mitigated"),
    ("expires", "last day it applies: \"YYYY-MM-DD\""),
    ("members", "member rule ids of the assigned initiative"),
    ("ticket", "a reference kept in metadata"),
    (
        "selector",
        "resource selector: `selector eu { location in [\"westeurope\"] }`",
    ),
];

const ENVIRONMENT_CLAUSES: &[(&str, &str)] = &[
    ("title", "name of the environment"),
    ("scope", "where assignments go with `--env`"),
    ("enforcement", "default | doNotEnforce"),
    (
        "param",
        "a parameter value for every assignment that has it",
    ),
];

/// Where the cursor is, found from the text so that half-typed items work.
pub(super) struct Context<'a> {
    /// `rule` / `initiative` / `pack`, or `None` between items.
    pub(super) item: Option<&'a str>,
    /// The item's `target` word, if written.
    pub(super) target: Option<&'a str>,
    /// Index of the item's keyword token.
    pub(super) item_tok: Option<usize>,
    /// Tokens of the current line before the cursor.
    pub(super) line_before: Vec<&'a str>,
    /// The word being typed (may be empty), with its start offset.
    pub(super) prefix: &'a str,
}

impl Analysis {
    pub(super) fn context(&self, offset: usize) -> Context<'_> {
        let text = self.text.as_str();
        let offset = (0..=offset.min(text.len()))
            .rev()
            .find(|&k| text.is_char_boundary(k))
            .unwrap_or(0);
        let before = self.tokens.partition_point(|t| t.end < offset);
        // The enclosing item: the last item keyword at brace depth 0 that
        // starts an item (first in the file, after a `}`, or in column 0):
        // in `environment test {` or `assignment a of test`, `test` is a name.
        let mut depth = 0i32;
        let mut item: Option<(usize, &str)> = None;
        let mut starts_item = true;
        for (i, t) in self.tokens[..before].iter().enumerate() {
            if t.kind == TokenKind::Comment {
                continue;
            }
            let at_item_start = std::mem::replace(&mut starts_item, false)
                || t.start == 0
                || text[..t.start].ends_with('\n');
            match (t.kind, t.text(text)) {
                (TokenKind::Punct, "{") => depth += 1,
                (TokenKind::Punct, "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        depth = 0;
                        item = None;
                        starts_item = true;
                    }
                }
                (TokenKind::Word, w)
                    if depth == 0 && at_item_start && keywords::ITEMS.contains(&w) =>
                {
                    item = Some((i, w))
                }
                _ => {}
            }
        }
        let target = item.and_then(|(i, w)| {
            if w == "test" {
                return self.test_resource_kind(i, before);
            }
            let mut toks = self.tokens[i..].iter();
            while let Some(t) = toks.next() {
                if t.kind == TokenKind::Word && t.text(text) == "target" {
                    return toks.next().map(|n| n.text(text));
                }
                if t.kind == TokenKind::Word
                    && matches!(t.text(text), "rule" | "initiative" | "pack")
                    && t.start > self.tokens[i].start
                {
                    break;
                }
            }
            None
        });
        let line_start = text[..offset.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let prefix_start = after_last(&text[..offset.min(text.len())], |c: char| {
            !(c.is_ascii_alphanumeric()
                || c == '_'
                || c == '-'
                || c == '.'
                || c == '['
                || c == ']'
                || c == '*')
        })
        .max(line_start);
        let line_before = self
            .tokens
            .iter()
            .filter(|t| t.start >= line_start && t.end <= prefix_start)
            .map(|t| t.text(text))
            .collect();
        Context {
            item: item.map(|(_, w)| w),
            target,
            item_tok: item.map(|(i, _)| i),
            line_before,
            prefix: text.get(prefix_start..offset).unwrap_or(""),
        }
    }

    /// In a test, the kind of the `resource` block the cursor is in.
    fn test_resource_kind(&self, item: usize, before: usize) -> Option<&str> {
        let text = self.text.as_str();
        let toks = self.tokens.get(item..before)?;
        let at = toks
            .iter()
            .rposition(|t| t.kind == TokenKind::Word && t.text(text) == "resource")?;
        // Still inside its block: more `{` than `}` after it.
        let depth = toks[at..].iter().fold(0i32, |d, t| match t.text(text) {
            "{" => d + 1,
            "}" => d - 1,
            _ => d,
        });
        (depth > 0)
            .then(|| toks.get(at + 1).map(|t| t.text(text)))
            .flatten()
    }

    pub(super) fn kind_of(target: Option<&str>) -> Option<&'static Kind> {
        let t = target?;
        let cat = catalog::catalog();
        cat.kind(t)
            .or_else(|| cat.kind_by_type(t.trim_matches('"')))
    }

    /// Completion items at a position.
    pub fn completion(&self, pos: lsp::Position) -> Option<Vec<lsp::CompletionItem>> {
        let offset = self.offset(pos)?;
        let ctx = self.context(offset);
        let item = |label: &str, kind: lsp::CompletionItemKind, detail: Option<String>| {
            lsp::CompletionItem {
                label: label.to_string(),
                kind: Some(kind),
                detail,
                ..Default::default()
            }
        };
        if ctx.item == Some("test") {
            return Some(self.test_completion(&ctx));
        }
        let last = ctx.line_before.last().copied().unwrap_or("");
        let mut out = Vec::new();
        // `param.` → the parameters in scope.
        if ctx.prefix.starts_with("param.") {
            for name in self.params_in_scope(ctx.item_tok) {
                out.push(item(
                    name,
                    lsp::CompletionItemKind::VARIABLE,
                    Some("parameter".into()),
                ));
            }
            return Some(out);
        }
        // Inside `include <rule> { … }`: the member's parameters and `groups`.
        if let Some(rule) = self.member_block_rule(offset, ctx.item_tok) {
            // A name goes anywhere but after `=`, `.`, `[` or `,` (value positions).
            if !matches!(last, "=" | "." | "[" | ",") {
                for name in self.rule_params(rule) {
                    out.push(item(
                        &name,
                        lsp::CompletionItemKind::PROPERTY,
                        Some(format!("parameter of `{rule}`")),
                    ));
                }
                out.push(item("groups", lsp::CompletionItemKind::KEYWORD, None));
                out.push(item("reference", lsp::CompletionItemKind::KEYWORD, None));
                return Some(out);
            }
        }
        // Inside `include builtin "<GUID>" { … }`: the member clauses (the
        // built-in's parameters are not known).
        if self.in_builtin_block(offset, ctx.item_tok) && !matches!(last, "=" | "." | "[" | ",") {
            for w in ["reference", "version", "groups"] {
                out.push(item(w, lsp::CompletionItemKind::KEYWORD, None));
            }
            return Some(out);
        }
        match last {
            "include" => {
                for s in self.symbols.iter().filter(|s| s.kind == SymbolKind::Rule) {
                    out.push(item(
                        &s.name,
                        lsp::CompletionItemKind::REFERENCE,
                        Some("rule".into()),
                    ));
                }
                out.push(item("practice", lsp::CompletionItemKind::KEYWORD, None));
                out.push(item("all", lsp::CompletionItemKind::KEYWORD, None));
                out.push(item("builtin", lsp::CompletionItemKind::KEYWORD, None));
                return Some(out);
            }
            "target" => {
                for k in catalog::catalog().kinds {
                    out.push(item(
                        k.name,
                        lsp::CompletionItemKind::CLASS,
                        Some(k.resource_type.to_string()),
                    ));
                }
                return Some(out);
            }
            "practice" => {
                for p in crate::sema::PRACTICES {
                    out.push(item(
                        p,
                        lsp::CompletionItemKind::ENUM_MEMBER,
                        Some("practice".into()),
                    ));
                }
                return Some(out);
            }
            "severity" => {
                for s in ["low", "medium", "high", "critical"] {
                    out.push(item(
                        s,
                        lsp::CompletionItemKind::ENUM_MEMBER,
                        Some("severity".into()),
                    ));
                }
                return Some(out);
            }
            "effect" | "|" => {
                for e in keywords::effect_words() {
                    out.push(item(
                        &e,
                        lsp::CompletionItemKind::ENUM_MEMBER,
                        Some("effect".into()),
                    ));
                }
                return Some(out);
            }
            _ => {}
        }
        // Enum values after `==`, `!=`, `in [`, `not in [`.
        if let Some(path) = self.path_before(&ctx.line_before, &["==", "!=", "in"]) {
            let kind = Self::kind_of(ctx.target);
            if let Some(p) = kind.and_then(|k| resolve_property(k, path)) {
                let values: Vec<String> = if p.ty == catalog::PropType::Boolean {
                    vec!["true".into(), "false".into()]
                } else {
                    p.enum_values.iter().map(|v| format!("\"{v}\"")).collect()
                };
                for v in values {
                    out.push(item(
                        &v,
                        lsp::CompletionItemKind::ENUM_MEMBER,
                        Some(format!("{} of `{path}`", p.ty.as_str())),
                    ));
                }
                return Some(out);
            }
        }
        match ctx.item {
            None => {
                for k in crate::syntax::keywords::ITEMS {
                    out.push(item(k, lsp::CompletionItemKind::KEYWORD, None));
                }
            }
            Some(w @ ("assignment" | "exemption" | "environment")) => {
                let table = match w {
                    "assignment" => ASSIGNMENT_CLAUSES,
                    "exemption" => EXEMPTION_CLAUSES,
                    _ => ENVIRONMENT_CLAUSES,
                };
                if ctx.line_before.is_empty() {
                    for (k, d) in table {
                        out.push(item(k, lsp::CompletionItemKind::KEYWORD, Some((*d).into())));
                    }
                }
            }
            // Answered above.
            Some("test") => {}
            Some("initiative") => {
                if ctx.line_before.is_empty() {
                    for (k, d) in clause_docs(Block::Initiative) {
                        out.push(item(k, lsp::CompletionItemKind::KEYWORD, Some(d.into())));
                    }
                }
            }
            Some(_) => {
                if ctx.line_before.is_empty() {
                    for (k, d) in clause_docs(Block::Rule) {
                        out.push(item(k, lsp::CompletionItemKind::KEYWORD, Some(d.into())));
                    }
                } else {
                    for k in [
                        "and", "or", "not", "in", "like", "exists", "missing", "any", "all",
                        "count", "contains", "param",
                    ] {
                        out.push(item(k, lsp::CompletionItemKind::KEYWORD, None));
                    }
                }
                if !ctx.line_before.is_empty()
                    && let Some(kind) = Self::kind_of(ctx.target)
                {
                    for p in kind.properties {
                        let mut ci = item(
                            p.path,
                            lsp::CompletionItemKind::FIELD,
                            Some(p.ty.as_str().into()),
                        );
                        ci.documentation =
                            p.description.map(|d| lsp::Documentation::String(d.into()));
                        out.push(ci);
                    }
                    for g in catalog::catalog().generic_fields {
                        out.push(item(
                            g.path,
                            lsp::CompletionItemKind::FIELD,
                            Some(g.ty.as_str().into()),
                        ));
                    }
                }
            }
        }
        Some(out)
    }

    /// The path before one of `ops` (`==`, `in [`, …) at the end of the
    /// line, if the cursor is where a value goes.
    pub(super) fn path_before<'a>(&'a self, line: &[&'a str], ops: &[&str]) -> Option<&'a str> {
        let mut i = line.len();
        // Skip an open list and the values already typed in it.
        if let Some(open) = line.iter().rposition(|t| *t == "[")
            && !line[open..].contains(&"]")
        {
            i = open;
        }
        let op_end = i;
        if op_end == 0 {
            return None;
        }
        let op = line[op_end - 1];
        if !ops.contains(&op) {
            return None;
        }
        let mut j = op_end - 1;
        if op == "in" && j > 0 && line[j - 1] == "not" {
            j -= 1;
        }
        // The path is the run of tokens before the operator, glued by `.`, `[`, `*`, `]`.
        let end_tok = j.checked_sub(1)?;
        let mut start_tok = end_tok;
        while start_tok > 0
            && (matches!(line[start_tok - 1], "." | "[" | "]" | "*")
                || matches!(line[start_tok], "." | "[" | "]" | "*"))
        {
            start_tok -= 1;
        }
        // Recover the original text: tokens are slices of one string.
        let first = line[start_tok];
        let last = line[end_tok];
        let base = self.text.as_ptr() as usize;
        let s = (first.as_ptr() as usize).checked_sub(base)?;
        let e = (last.as_ptr() as usize).checked_sub(base)? + last.len();
        self.text.get(s..e)
    }

    /// Whether the offset is in the block of an `include builtin "<GUID>" { … }`.
    fn in_builtin_block(&self, offset: usize, item_tok: Option<usize>) -> bool {
        let text = self.text.as_str();
        self.open_brace(offset, item_tok).is_some_and(|brace| {
            let word = |back: usize| {
                brace
                    .checked_sub(back)
                    .and_then(|i| self.tokens.get(i))
                    .map(|t| t.text(text))
            };
            word(2) == Some("builtin") && word(3) == Some("include")
        })
    }

    /// The innermost `{` open at the offset, within the item.
    fn open_brace(&self, offset: usize, item_tok: Option<usize>) -> Option<usize> {
        let text = self.text.as_str();
        let mut open: Vec<usize> = Vec::new();
        for (i, t) in self.tokens.iter().enumerate().skip(item_tok?) {
            if t.start >= offset {
                break;
            }
            match (t.kind, t.text(text)) {
                (TokenKind::Punct, "{") => open.push(i),
                (TokenKind::Punct, "}") => {
                    open.pop();
                }
                _ => {}
            }
        }
        open.last().copied()
    }

    /// The rule of the `include <rule> { … }` block the offset is in.
    fn member_block_rule(&self, offset: usize, item_tok: Option<usize>) -> Option<&str> {
        let text = self.text.as_str();
        let brace = self.open_brace(offset, item_tok)?;
        let rule = self.tokens.get(brace.checked_sub(1)?)?;
        let kw = self.tokens.get(brace.checked_sub(2)?)?;
        (kw.text(text) == "include" && rule.kind == TokenKind::Word).then(|| rule.text(text))
    }

    /// The parameters an include may bind for `rule`: `effect` and its own.
    fn rule_params(&self, rule: &str) -> Vec<String> {
        let mut names = vec!["effect".to_string()];
        for item in &self.ast.items {
            if let Item::Rule(r) = item
                && r.id.name == rule
            {
                for c in &r.clauses {
                    if let RuleClause::Param(p) = c {
                        names.push(p.name.name.clone());
                    }
                }
            }
        }
        names
    }

    /// Names declared by `param <name>:` in the item starting at token
    /// `item_tok`, read from the tokens so that a half-typed item works.
    fn params_in_scope(&self, item_tok: Option<usize>) -> Vec<&str> {
        let text = self.text.as_str();
        let Some(start) = item_tok else {
            return Vec::new();
        };
        let mut names = Vec::new();
        let mut depth = 0i32;
        for (i, t) in self.tokens.iter().enumerate().skip(start + 1) {
            match (t.kind, t.text(text)) {
                (TokenKind::Punct, "{") => depth += 1,
                (TokenKind::Punct, "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        break;
                    }
                }
                (TokenKind::Word, "param")
                    if self.tokens.get(i + 2).is_some_and(|c| c.text(text) == ":") =>
                {
                    if let Some(n) = self.tokens.get(i + 1) {
                        names.push(n.text(text));
                    }
                }
                _ => {}
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::Config;
    use crate::lsp::analysis::{Analysis, analyze};
    use crate::sema::NoTemplates;
    use lsp_types as lsp;

    fn analysis(text: &str) -> Analysis {
        analyze(text.to_string(), &NoTemplates, &Config::default())
    }

    #[test]
    fn enum_values_complete_after_equals_and_in() {
        let a = analysis("rule r {\n  target registry\n  require sku.name == \n}\n");
        let items = a.completion(lsp::Position::new(2, 22)).expect("completion");
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert!(labels.contains(&"\"Premium\""), "{labels:?}");
        let a = analysis("rule r {\n  target registry\n  require sku.name in [\"Basic\", \n}\n");
        let items = a.completion(lsp::Position::new(2, 33)).expect("completion");
        assert!(items.iter().any(|i| i.label == "\"Standard\""));
    }

    #[test]
    fn params_complete_after_param_dot_even_in_a_broken_item() {
        let a = analysis(
            "rule r {\n  param first: string = \"x\"\n  param second: array\n  require name == param.\n",
        );
        let items = a.completion(lsp::Position::new(3, 24)).expect("completion");
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["first", "second"]);
    }

    #[test]
    fn member_blocks_complete_the_member_parameters_and_keywords_hover() {
        let text = "rule r {\n  target registry\n  param names: array\n  require name in param.names\n}\ninitiative i {\n  include r {  }\n}\n";
        let a = analysis(text);
        let items = a.completion(lsp::Position::new(6, 13)).expect("completion");
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["effect", "names", "groups", "reference"]);
        // A built-in member's block offers its clauses.
        let text =
            "initiative i {\n  include builtin \"0fdf0491-d080-4575-b627-ad0e843cba0f\" {  }\n}\n";
        let b = analysis(text);
        let items = b.completion(lsp::Position::new(1, 59)).expect("completion");
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["reference", "version", "groups"]);
        let h = a.hover(lsp::Position::new(3, 3)).expect("hover on require");
        let lsp::HoverContents::Markup(m) = h.contents else {
            panic!("markup")
        };
        assert!(
            m.value.contains("what a compliant resource looks like"),
            "{}",
            m.value
        );
    }

    #[test]
    fn enum_values_complete_inside_a_quantifier() {
        let a = analysis(
            "rule r {\n  target registry\n  require any(networkRuleSet.ipRules[*], action == \n}\n",
        );
        let items = a.completion(lsp::Position::new(2, 52)).expect("completion");
        assert!(items.iter().any(|i| i.label == "\"Allow\""), "{items:?}");
    }
}
