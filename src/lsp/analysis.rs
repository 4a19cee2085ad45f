//! What the language server knows about one document, computed by a pure
//! function of its text ([`analyze`]) and queried by position. Positions are
//! LSP positions (UTF-16 code units); the conversion lives in [`LineIndex`]
//! and nowhere else. An invalid position gives `None`, never a panic.
#![allow(clippy::indexing_slicing)]
// not yet worked down: 17 sites

// `lsp_types::Uri` caches parsed data inside, which clippy sees as a mutable
// key; its Hash/Eq use only the string, so maps keyed by it are sound.
#![allow(clippy::mutable_key_type)]

use crate::catalog::{self, Kind};
use crate::diag::{self, Diagnostic, Span};
use crate::lint::{self, Config};
use crate::sema::Templates;
use crate::syntax::ast::{
    self, Cond, CountSource, Expr, IncludeTarget, InitiativeClause, Item, Literal, RuleClause,
    Segment,
};
use crate::syntax::incremental::{ParseCache, parse_cached};
use crate::syntax::keywords::{self, Block};
use crate::syntax::tokens::{Token, TokenKind, tokenize};
use lsp_types as lsp;
use serde_json::Value;

// ------------------------------------------------------------------ positions

/// Byte offsets ↔ LSP positions (line, UTF-16 column).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    pub fn position(&self, text: &str, offset: usize) -> lsp::Position {
        let offset = offset.min(text.len());
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let col: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        lsp::Position::new(line as u32, col as u32)
    }

    /// The byte offset of a position; `None` past the last line. A column
    /// past the end of its line means the end of the line (as LSP says), and
    /// one inside a surrogate pair the start of that character.
    pub fn offset(&self, text: &str, pos: lsp::Position) -> Option<usize> {
        let start = *self.starts.get(pos.line as usize)?;
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&e| e.saturating_sub(1));
        let line = text.get(start..end)?;
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units + c.len_utf16() > pos.character as usize {
                return Some(start + i);
            }
            units += c.len_utf16();
        }
        Some(end)
    }

    /// Like [`LineIndex::offset`], but a line past the end means the end of
    /// the text (for edits, which must always apply somewhere).
    pub fn offset_clamped(&self, text: &str, pos: lsp::Position) -> usize {
        self.offset(text, pos).unwrap_or(text.len())
    }

    pub fn range(&self, text: &str, span: Span) -> lsp::Range {
        lsp::Range::new(
            self.position(text, span.start as usize),
            self.position(text, span.end as usize),
        )
    }
}

// ------------------------------------------------------------------ symbols

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Rule,
    Param,
    Group,
    Let,
}

/// A name the user defines, with every place it is used.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    pub def: Span,
    pub refs: Vec<Span>,
    /// Markdown for hover.
    pub doc: String,
}

/// The offset just after the last character of `s` matching `pred` (0 if none).
fn after_last(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|(_, c)| pred(*c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// The property a path names on `kind`; inside `any`/`all`/`count` paths are
/// relative to an array element, so a path that is not a property itself is
/// looked up as the tail of one (`enabled` → `logs[*].enabled`).
fn resolve_property<'k>(kind: &'k Kind, path: &str) -> Option<&'k catalog::Property> {
    kind.property(path).or_else(|| {
        let suffix = format!("[*].{}", path.to_ascii_lowercase());
        kind.properties
            .iter()
            .find(|p| p.path.to_ascii_lowercase().ends_with(&suffix))
    })
}

fn contains(span: Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}

fn lit_text(l: &Literal) -> String {
    match l {
        Literal::Str(s, _) | Literal::Word(s, _) => s.clone(),
        Literal::Num(_, raw, _) => raw.clone(),
        Literal::Bool(b, _) => b.to_string(),
        Literal::Null(_) => "null".into(),
        Literal::Array(items, _) => format!(
            "[{}]",
            items.iter().map(lit_text).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn meta_value<'a>(meta: impl IntoIterator<Item = &'a ast::Meta>, key: &str) -> Option<String> {
    meta.into_iter()
        .find(|m| m.key.name == key)
        .map(|m| lit_text(&m.value))
}

/// Calls `f` on every expression under a condition.
fn cond_exprs<'a>(c: &'a Cond, f: &mut dyn FnMut(&'a Expr)) {
    match c {
        Cond::And(cs, _) | Cond::Or(cs, _) => cs.iter().for_each(|c| cond_exprs(c, f)),
        Cond::Not(c, _) => cond_exprs(c, f),
        Cond::Bool(..) => {}
        Cond::Compare { lhs, rhs, .. } => {
            expr_walk(lhs, f);
            expr_walk(rhs, f);
        }
        Cond::Exists { operand, .. } => expr_walk(operand, f),
        Cond::Quantifier { cond, .. } => cond_exprs(cond, f),
        Cond::Count {
            source,
            filter,
            rhs,
            ..
        } => {
            if let CountSource::Value { source, .. } = source {
                expr_walk(source, f);
            }
            if let Some(c) = filter {
                cond_exprs(c, f);
            }
            expr_walk(rhs, f);
        }
    }
}

fn expr_walk<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match e {
        Expr::Array(items, _) => items.iter().for_each(|x| expr_walk(x, f)),
        Expr::Call { args, .. } => args.iter().for_each(|x| expr_walk(x, f)),
        Expr::Member { base, .. } => expr_walk(base, f),
        Expr::Index { base, index, .. } => {
            expr_walk(base, f);
            expr_walk(index, f);
        }
        Expr::Equals { lhs, rhs, .. } => {
            expr_walk(lhs, f);
            expr_walk(rhs, f);
        }
        _ => {}
    }
}

/// Every expression of a rule.
fn rule_exprs<'a>(r: &'a ast::Rule, f: &mut dyn FnMut(&'a Expr)) {
    for c in &r.clauses {
        match c {
            RuleClause::When(c, _) | RuleClause::Require(c, _) | RuleClause::Forbid(c, _) => {
                cond_exprs(c, f)
            }
            RuleClause::RequireRelated(rel, _) => {
                if let Some(n) = &rel.named {
                    expr_walk(n, f);
                }
                if let Some(c) = &rel.condition {
                    cond_exprs(c, f);
                }
            }
            RuleClause::Let(l) => expr_walk(&l.value, f),
            RuleClause::Fix(fx) => fx.assignments.iter().for_each(|a| expr_walk(&a.value, f)),
            RuleClause::Deploy(d) => d.bindings.iter().for_each(|b| expr_walk(&b.value, f)),
            RuleClause::Meta(_) | RuleClause::Param(_) | RuleClause::Effect(_) => {}
        }
    }
}

fn param_doc(p: &ast::Param) -> String {
    let mut doc = format!(
        "```acrp\nparam {}: {}{}\n```",
        p.name.name,
        p.ty.name,
        p.default
            .as_ref()
            .map_or(String::new(), |d| format!(" = {}", lit_text(d)))
    );
    if let Some(a) = &p.allowed {
        doc.push_str(&format!("\n\nallowed: `{}`", lit_text(a)));
    }
    if let Some(t) = meta_value(&p.meta, "title") {
        doc.push_str(&format!("\n\n**{t}**"));
    }
    if let Some(d) = meta_value(&p.meta, "description") {
        doc.push_str(&format!("\n\n{d}"));
    }
    doc
}

fn symbols(file: &ast::File) -> Vec<Symbol> {
    let mut out = Vec::new();
    let rule_index = |out: &Vec<Symbol>, name: &str| {
        out.iter()
            .position(|s: &Symbol| s.kind == SymbolKind::Rule && s.name == name)
    };
    for item in &file.items {
        if let Item::Rule(r) = item {
            let metas: Vec<&ast::Meta> = r
                .clauses
                .iter()
                .filter_map(|c| match c {
                    RuleClause::Meta(m) => Some(m),
                    _ => None,
                })
                .collect();
            let mut doc = format!("```acrp\nrule {}\n```", r.id.name);
            if let Some(t) = meta_value(metas.iter().copied(), "title") {
                doc.push_str(&format!("\n\n**{t}**"));
            }
            for key in ["target", "practice", "severity", "controls"] {
                if let Some(v) = meta_value(metas.iter().copied(), key) {
                    doc.push_str(&format!("\n\n{key}: `{v}`"));
                }
            }
            if let Some(d) = meta_value(metas.iter().copied(), "description") {
                doc.push_str(&format!("\n\n{d}"));
            }
            out.push(Symbol {
                kind: SymbolKind::Rule,
                name: r.id.name.clone(),
                def: r.id.span,
                refs: Vec::new(),
                doc,
            });
            // Params and lets of this rule, with their uses.
            let first_local = out.len();
            for c in &r.clauses {
                match c {
                    RuleClause::Param(p) => out.push(Symbol {
                        kind: SymbolKind::Param,
                        name: p.name.name.clone(),
                        def: p.name.span,
                        refs: Vec::new(),
                        doc: param_doc(p),
                    }),
                    RuleClause::Let(l) => out.push(Symbol {
                        kind: SymbolKind::Let,
                        name: l.name.name.clone(),
                        def: l.name.span,
                        refs: Vec::new(),
                        doc: format!("```acrp\nlet {} = …\n```", l.name.name),
                    }),
                    _ => {}
                }
            }
            let locals = first_local..out.len();
            let mut uses: Vec<(SymbolKind, String, Span)> = Vec::new();
            rule_exprs(r, &mut |e| match e {
                Expr::Param(id, _) => uses.push((SymbolKind::Param, id.name.clone(), id.span)),
                Expr::Path(p) => {
                    if let [Segment::Name(n)] = p.segments.as_slice() {
                        uses.push((SymbolKind::Let, n.clone(), p.span));
                    }
                }
                _ => {}
            });
            for (kind, name, span) in uses {
                if let Some(s) = out[locals.clone()]
                    .iter_mut()
                    .find(|s| s.kind == kind && s.name == name)
                {
                    s.refs.push(span);
                }
            }
        }
    }
    for item in &file.items {
        let Item::Initiative(ini) = item else {
            continue;
        };
        let first_local = out.len();
        for c in &ini.clauses {
            match c {
                InitiativeClause::Param(p) => out.push(Symbol {
                    kind: SymbolKind::Param,
                    name: p.name.name.clone(),
                    def: p.name.span,
                    refs: Vec::new(),
                    doc: param_doc(p),
                }),
                InitiativeClause::Group(g) => out.push(Symbol {
                    kind: SymbolKind::Group,
                    name: g.name.name.clone(),
                    def: g.name.span,
                    refs: Vec::new(),
                    doc: format!(
                        "```acrp\ngroup {}\n```\n\n**{}**",
                        g.name.name, g.display_name.0
                    ),
                }),
                _ => {}
            }
        }
        let locals = first_local..out.len();
        for c in &ini.clauses {
            let InitiativeClause::Include(inc) = c else {
                continue;
            };
            if let IncludeTarget::Rule(id) = &inc.target
                && let Some(i) = rule_index(&out, &id.name)
            {
                out[i].refs.push(id.span);
            }
            let mut uses: Vec<(SymbolKind, String, Span)> = Vec::new();
            for b in &inc.bindings {
                expr_walk(&b.value, &mut |e| {
                    if let Expr::Param(id, _) = e {
                        uses.push((SymbolKind::Param, id.name.clone(), id.span));
                    }
                });
            }
            for g in inc.groups.iter().flatten() {
                uses.push((SymbolKind::Group, g.name.clone(), g.span));
            }
            for (kind, name, span) in uses {
                if let Some(s) = out[locals.clone()]
                    .iter_mut()
                    .find(|s| s.kind == kind && s.name == name)
                {
                    s.refs.push(span);
                }
            }
        }
    }
    out
}

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

/// Clause keywords with their help, from the language's one keyword table.
fn clause_docs(block: Block) -> Vec<(&'static str, &'static str)> {
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
struct Context<'a> {
    /// `rule` / `initiative` / `pack`, or `None` between items.
    item: Option<&'a str>,
    /// The item's `target` word, if written.
    target: Option<&'a str>,
    /// Index of the item's keyword token.
    item_tok: Option<usize>,
    /// Tokens of the current line before the cursor.
    line_before: Vec<&'a str>,
    /// The word being typed (may be empty), with its start offset.
    prefix: &'a str,
}

impl Analysis {
    fn offset(&self, pos: lsp::Position) -> Option<usize> {
        self.index.offset(&self.text, pos)
    }

    pub fn range(&self, span: Span) -> lsp::Range {
        self.index.range(&self.text, span)
    }

    fn context(&self, offset: usize) -> Context<'_> {
        let text = self.text.as_str();
        let offset = (0..=offset.min(text.len()))
            .rev()
            .find(|&k| text.is_char_boundary(k))
            .unwrap_or(0);
        let before = self.tokens.partition_point(|t| t.end < offset);
        // The enclosing item: the last item keyword at brace depth 0.
        let mut depth = 0i32;
        let mut item: Option<(usize, &str)> = None;
        for (i, t) in self.tokens[..before].iter().enumerate() {
            match (t.kind, t.text(text)) {
                (TokenKind::Punct, "{") => depth += 1,
                (TokenKind::Punct, "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        depth = 0;
                        item = None;
                    }
                }
                (
                    TokenKind::Word,
                    w @ ("rule" | "initiative" | "pack" | "assignment" | "exemption"
                    | "environment" | "test"),
                ) if depth == 0 => item = Some((i, w)),
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

    fn kind_of(target: Option<&str>) -> Option<&'static Kind> {
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
                for k in &catalog::catalog().kinds {
                    out.push(item(
                        &k.name,
                        lsp::CompletionItemKind::CLASS,
                        Some(k.resource_type.clone()),
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
        if let Some(path) = self.compared_path(&ctx.line_before) {
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
            Some("test") => {
                let verdicts = [
                    "compliant",
                    "non_compliant",
                    "not_applicable",
                    "unknown",
                    "deny",
                    "audit",
                ];
                if ctx.line_before.is_empty() && ctx.target.is_none() {
                    for (k, d) in TEST_CLAUSES {
                        out.push(item(k, lsp::CompletionItemKind::KEYWORD, Some((*d).into())));
                    }
                } else if ctx.line_before.last() == Some(&"expect") {
                    for v in verdicts {
                        out.push(item(
                            v,
                            lsp::CompletionItemKind::ENUM_MEMBER,
                            Some("verdict".into()),
                        ));
                    }
                } else if ctx.line_before.last() == Some(&"resource") {
                    for k in &catalog::catalog().kinds {
                        out.push(item(
                            &k.name,
                            lsp::CompletionItemKind::CLASS,
                            Some(k.resource_type.clone()),
                        ));
                    }
                } else if let Some(kind) = Self::kind_of(ctx.target) {
                    for p in &kind.properties {
                        let mut ci = item(
                            p.path.trim_end_matches("[*]"),
                            lsp::CompletionItemKind::FIELD,
                            Some(p.ty.as_str().into()),
                        );
                        ci.documentation = p.description.clone().map(lsp::Documentation::String);
                        out.push(ci);
                    }
                }
            }
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
                    for p in &kind.properties {
                        let mut ci = item(
                            &p.path,
                            lsp::CompletionItemKind::FIELD,
                            Some(p.ty.as_str().into()),
                        );
                        ci.documentation = p.description.clone().map(lsp::Documentation::String);
                        out.push(ci);
                    }
                    for g in &catalog::catalog().generic_fields {
                        out.push(item(
                            &g.path,
                            lsp::CompletionItemKind::FIELD,
                            Some(g.ty.as_str().into()),
                        ));
                    }
                }
            }
        }
        Some(out)
    }

    /// The path before `==`/`!=`/`in [` at the end of the line, if the
    /// cursor is where a value goes.
    fn compared_path<'a>(&'a self, line: &[&'a str]) -> Option<&'a str> {
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
        if !matches!(op, "==" | "!=" | "in") {
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

    /// The symbol whose definition or a use is at `offset`.
    pub fn symbol_at(&self, offset: usize) -> Option<&Symbol> {
        self.symbols
            .iter()
            .find(|s| contains(s.def, offset) || s.refs.iter().any(|r| contains(*r, offset)))
    }

    pub fn hover(&self, pos: lsp::Position) -> Option<lsp::Hover> {
        let offset = self.offset(pos)?;
        let markdown = if let Some(s) = self.symbol_at(offset) {
            s.doc.clone()
        } else {
            self.hover_path(offset)?
        };
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: markdown,
            }),
            range: None,
        })
    }

    /// Hover on a property path (or a kind name after `target`).
    fn hover_path(&self, offset: usize) -> Option<String> {
        let text = self.text.as_str();
        let is_path =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']' | '*');
        let start = text[..offset.min(text.len())]
            .char_indices()
            .rev()
            .find(|(_, c)| !is_path(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = text[offset.min(text.len())..]
            .find(|c: char| !is_path(c))
            .map_or(text.len(), |i| offset + i);
        let word = text.get(start..end)?.trim_end_matches('.');
        if word.is_empty() {
            return None;
        }
        let ctx = self.context(start);
        if ctx.line_before.is_empty() {
            let table = clause_docs(if ctx.item == Some("initiative") {
                Block::Initiative
            } else {
                Block::Rule
            });
            if let Some((k, d)) = table.iter().find(|(k, _)| *k == word) {
                return Some(format!("```acrp\n{k}\n```\n\n{d}"));
            }
        }
        let cat = catalog::catalog();
        if ctx.line_before.last() == Some(&"target") {
            let k = cat.kind(word)?;
            return Some(format!(
                "```acrp\ntarget {}\n```\n\n`{}`\n\n{}",
                k.name, k.resource_type, k.description
            ));
        }
        let kind = Self::kind_of(ctx.target);
        let prop = kind.and_then(|k| resolve_property(k, word));
        if let Some(p) = prop {
            let mut doc = format!("```acrp\n{}: {}\n```", p.path, p.ty.as_str());
            if let Some(a) = &p.alias {
                doc.push_str(&format!("\n\nalias: `{a}`"));
            }
            doc.push_str(&format!("\n\nARM path: `{}`", p.arm_path));
            if !p.enum_values.is_empty() {
                doc.push_str(&format!(
                    "\n\nvalues{}: {}",
                    if p.enum_closed { "" } else { " (open set)" },
                    p.enum_values
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(d) = &p.default {
                doc.push_str(&format!("\n\nservice default: `{d}`"));
            }
            if p.preview {
                doc.push_str("\n\n*preview API versions only*");
            }
            if let Some(d) = &p.description {
                doc.push_str(&format!("\n\n{d}"));
            }
            return Some(doc);
        }
        let g = cat.generic_field(word)?;
        Some(format!(
            "```acrp\n{}: {}\n```\n\nfield: `{}`\n\n{}",
            g.path,
            g.ty.as_str(),
            g.field,
            g.description
        ))
    }

    pub fn definition(&self, pos: lsp::Position) -> Option<lsp::Range> {
        let s = self.symbol_at(self.offset(pos)?)?;
        Some(self.range(s.def))
    }

    pub fn references(
        &self,
        pos: lsp::Position,
        include_declaration: bool,
    ) -> Option<Vec<lsp::Range>> {
        let s = self.symbol_at(self.offset(pos)?)?;
        let mut spans = Vec::new();
        if include_declaration {
            spans.push(s.def);
        }
        spans.extend(s.refs.iter().copied());
        Some(spans.into_iter().map(|sp| self.range(sp)).collect())
    }

    /// Edits renaming the symbol at `pos`; `Err` says why not.
    pub fn rename(&self, pos: lsp::Position, new_name: &str) -> Result<Vec<lsp::TextEdit>, String> {
        let offset = self
            .offset(pos)
            .ok_or("the position is outside the document")?;
        let s = self.symbol_at(offset).ok_or("nothing to rename here")?;
        let valid = new_name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && new_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(format!("`{new_name}` is not a valid name"));
        }
        Ok(std::iter::once(s.def)
            .chain(s.refs.iter().copied())
            .map(|sp| lsp::TextEdit::new(self.range(sp), new_name.to_string()))
            .collect())
    }

    #[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written
    pub fn document_symbols(&self) -> Vec<lsp::DocumentSymbol> {
        let sym =
            |name: &str,
             detail: Option<String>,
             kind: lsp::SymbolKind,
             span: Span,
             sel: Span,
             children: Option<Vec<lsp::DocumentSymbol>>| lsp::DocumentSymbol {
                name: name.to_string(),
                detail,
                kind,
                tags: None,
                deprecated: None,
                range: self.range(span),
                selection_range: self.range(sel),
                children,
            };
        self.ast
            .items
            .iter()
            .map(|item| match item {
                Item::Test(t) => sym(
                    &t.name.name,
                    Some("test".into()),
                    lsp::SymbolKind::EVENT,
                    t.span,
                    t.name.span,
                    None,
                ),
                Item::Placement(p) => sym(
                    &p.id.name,
                    Some(p.kind.keyword().into()),
                    lsp::SymbolKind::OBJECT,
                    p.span,
                    p.id.span,
                    None,
                ),
                Item::Pack(p) => sym(
                    &p.id.name,
                    Some("pack".into()),
                    lsp::SymbolKind::PACKAGE,
                    p.span,
                    p.id.span,
                    None,
                ),
                Item::Rule(r) => {
                    let children: Vec<lsp::DocumentSymbol> = r
                        .clauses
                        .iter()
                        .filter_map(|c| match c {
                            RuleClause::Param(p) => Some(sym(
                                &p.name.name,
                                Some(p.ty.name.clone()),
                                lsp::SymbolKind::VARIABLE,
                                p.span,
                                p.name.span,
                                None,
                            )),
                            RuleClause::Let(l) => Some(sym(
                                &l.name.name,
                                Some("let".into()),
                                lsp::SymbolKind::CONSTANT,
                                l.span,
                                l.name.span,
                                None,
                            )),
                            _ => None,
                        })
                        .collect();
                    sym(
                        &r.id.name,
                        Some("rule".into()),
                        lsp::SymbolKind::FUNCTION,
                        r.span,
                        r.id.span,
                        Some(children),
                    )
                }
                Item::Initiative(i) => {
                    let children: Vec<lsp::DocumentSymbol> = i
                        .clauses
                        .iter()
                        .filter_map(|c| match c {
                            InitiativeClause::Param(p) => Some(sym(
                                &p.name.name,
                                Some(p.ty.name.clone()),
                                lsp::SymbolKind::VARIABLE,
                                p.span,
                                p.name.span,
                                None,
                            )),
                            InitiativeClause::Group(g) => Some(sym(
                                &g.name.name,
                                Some(g.display_name.0.clone()),
                                lsp::SymbolKind::ENUM_MEMBER,
                                g.span,
                                g.name.span,
                                None,
                            )),
                            _ => None,
                        })
                        .collect();
                    sym(
                        &i.id.name,
                        Some("initiative".into()),
                        lsp::SymbolKind::MODULE,
                        i.span,
                        i.id.span,
                        Some(children),
                    )
                }
            })
            .collect()
    }

    /// The whole-document edit that formats it; `Err` with the reason when
    /// the file cannot be formatted (syntax errors).
    pub fn format(&self) -> Result<Vec<lsp::TextEdit>, String> {
        match crate::fmt::format(0, &self.text) {
            Ok(out) if out == self.text => Ok(Vec::new()),
            Ok(out) => Ok(vec![lsp::TextEdit::new(
                lsp::Range::new(
                    lsp::Position::new(0, 0),
                    self.index.position(&self.text, self.text.len()),
                ),
                out,
            )]),
            Err(diags) => Err(diags.first().map_or_else(
                || "cannot format".to_string(),
                |d| format!("cannot format: {}", d.message),
            )),
        }
    }

    /// Quick fixes for the diagnostics that overlap `range`: did-you-mean
    /// suggestions and lint fixes.
    pub fn code_actions(&self, uri: &lsp::Uri, range: lsp::Range) -> Option<Vec<lsp::CodeAction>> {
        let start = self.offset(range.start)?;
        let end = self.index.offset_clamped(&self.text, range.end).max(start);
        let mut out = Vec::new();
        for d in &self.diagnostics {
            let sp = d.primary.span;
            if (sp.end as usize) < start || (sp.start as usize) > end {
                continue;
            }
            for s in &d.suggestions {
                let edit = lsp::TextEdit::new(self.range(s.span), s.replacement.clone());
                let mut changes = std::collections::HashMap::new();
                changes.insert(uri.clone(), vec![edit]);
                out.push(lsp::CodeAction {
                    title: s.title.clone(),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![self.to_lsp_diagnostic(d, uri)]),
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                });
            }
        }
        Some(out)
    }

    pub fn to_lsp_diagnostic(&self, d: &Diagnostic, uri: &lsp::Uri) -> lsp::Diagnostic {
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        lsp::Diagnostic {
            range: self.range(d.primary.span),
            severity: Some(match d.severity {
                diag::Severity::Error => lsp::DiagnosticSeverity::ERROR,
                diag::Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
            source: Some("acrpc".into()),
            message,
            related_information: (!d.related.is_empty()).then(|| {
                d.related
                    .iter()
                    .map(|l| lsp::DiagnosticRelatedInformation {
                        location: lsp::Location::new(uri.clone(), self.range(l.span)),
                        message: l.message.clone(),
                    })
                    .collect()
            }),
            ..Default::default()
        }
    }

    pub fn lsp_diagnostics(&self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        self.diagnostics
            .iter()
            .map(|d| self.to_lsp_diagnostic(d, uri))
            .collect()
    }

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
    /// A "Run test" lens on every `test` item: the editor runs
    /// `acrpc test <file> --filter ::<name>` (command `acrp.runTest`).
    pub fn code_lenses(&self, uri: &lsp::Uri) -> Vec<lsp::CodeLens> {
        self.ast
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Test(t) => Some(lsp::CodeLens {
                    range: self.range(t.name.span),
                    command: Some(lsp::Command {
                        title: "▶ Run test".into(),
                        command: "acrp.runTest".into(),
                        arguments: Some(vec![
                            Value::String(uri.as_str().to_string()),
                            Value::String(t.name.name.clone()),
                        ]),
                    }),
                    data: None,
                }),
                _ => None,
            })
            .collect()
    }
}

/// Clauses of a `test` item, for completion.
const TEST_CLAUSES: &[(&str, &str)] = &[
    ("rule", "the rule under test"),
    ("initiative", "the initiative under test (every member)"),
    ("param", "a parameter value: `param effect = \"Deny\"`"),
    (
        "resource",
        "an inline resource: `resource registry { adminUserEnabled = true }`",
    ),
    (
        "input",
        "an input file (ARM template, export, Terraform plan)",
    ),
    (
        "deployed",
        "inline resources are as Azure returns them, not a deployment request",
    ),
    (
        "expect",
        "an expected verdict: `expect non_compliant [at deploy | after deployment]`",
    ),
];

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sema::NoTemplates;

    fn analysis(text: &str) -> Analysis {
        analyze(text.to_string(), &NoTemplates, &Config::default())
    }

    #[test]
    fn utf16_positions_round_trip_and_invalid_ones_are_none() {
        let text = "a😀b\nxyz";
        let idx = LineIndex::new(text);
        let b = text.find('b').expect("b");
        assert_eq!(idx.position(text, b), lsp::Position::new(0, 3));
        assert_eq!(idx.offset(text, lsp::Position::new(0, 3)), Some(b));
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(idx.offset(text, lsp::Position::new(0, 2)), Some(1));
        // Past the end of the line: the end of the line.
        assert_eq!(idx.offset(text, lsp::Position::new(0, 99)), Some(b + 1));
        assert_eq!(idx.offset(text, lsp::Position::new(7, 0)), None);
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

    #[test]
    fn rename_changes_definition_and_uses() {
        let rule = "rule r { title \"R\" practice network severity high target registry param n: string = \"x\" require name == param.n }";
        let a = analysis(&format!(
            "pack p {{ title \"P\" version \"1.0.0\" }}\n{rule}\ninitiative i {{ title \"I\" version \"1.0.0\" include r }}\n"
        ));
        let edits = a
            .rename(lsp::Position::new(1, 5), "renamed")
            .expect("rename");
        assert_eq!(edits.len(), 2);
        let col = rule.find("param.n").expect("use") + "param.".len();
        let edits = a
            .rename(lsp::Position::new(1, col as u32), "m")
            .expect("rename param");
        assert_eq!(edits.len(), 2, "{edits:?}");
        assert!(a.rename(lsp::Position::new(1, 4), "not valid").is_err());
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
