//! Incremental parsing for the language server: the same result as
//! [`super::parse`], but items whose text did not change since the last
//! parse are reused instead of parsed again (pest is most of the cost of
//! analysing a large pack). Items are cached by their text, parsed at offset
//! 0, and shifted to where they now stand.

use super::ast::*;
use super::{AcrpParser, CALL_LIMIT, Rule as PestRule, lower, recover};
use crate::diag::{Code, Diagnostic, FileId, Span};
use pest::Parser as _;
use std::collections::HashMap;

/// Parsed items by their source text.
#[derive(Default)]
pub struct ParseCache {
    items: HashMap<String, Result<Item, Diagnostic>>,
}

/// Parses `text` like [`super::parse`], reusing unchanged items from `cache`
/// and leaving in it exactly the items of this text.
pub fn parse_cached(cache: &mut ParseCache, file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut items = Vec::new();
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
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let mut next = HashMap::with_capacity(cache.items.len());
    for chunk in chunks {
        if chunk.skip {
            continue;
        }
        let src = &text[chunk.start..chunk.end];
        let parsed = match cache.items.remove(src).or_else(|| next.get(src).cloned()) {
            Some(p) => p,
            None => parse_item(src),
        };
        let by = chunk.start as u32;
        match parsed.clone() {
            Ok(mut item) => {
                shift_item(&mut item, by, file);
                items.push(item);
            }
            Err(mut d) => {
                shift_diag(&mut d, by, file);
                diags.push(d);
            }
        }
        next.insert(src.to_string(), parsed);
    }
    cache.items = next;
    (File { items }, diags)
}

/// One item parsed at offset 0 in file 0. (The error is the item's one
/// diagnostic, as `lower` returns it; boxing it would buy nothing here.)
#[allow(clippy::result_large_err)]
fn parse_item(src: &str) -> Result<Item, Diagnostic> {
    match AcrpParser::parse(PestRule::item, src) {
        Ok(mut pairs) => {
            let ctx = lower::Ctx { file: 0, offset: 0 };
            match pairs.next() {
                Some(pair) => ctx.item(pair),
                None => Err(lower::syntax_error(0, 0, src, &pest_empty(src))),
            }
        }
        Err(e) => Err(lower::syntax_error(0, 0, src, &e)),
    }
}

fn pest_empty(src: &str) -> pest::error::Error<PestRule> {
    pest::error::Error::new_from_pos(
        pest::error::ErrorVariant::CustomError {
            message: "expected an item".into(),
        },
        pest::Position::from_start(src),
    )
}

fn sp(s: &mut Span, by: u32, file: FileId) {
    s.start += by;
    s.end += by;
    s.file = file;
}

fn shift_diag(d: &mut Diagnostic, by: u32, file: FileId) {
    sp(&mut d.primary.span, by, file);
    for l in &mut d.related {
        sp(&mut l.span, by, file);
    }
    for s in &mut d.suggestions {
        sp(&mut s.span, by, file);
    }
}

fn ident(i: &mut Ident, by: u32, f: FileId) {
    sp(&mut i.span, by, f);
}

fn meta(m: &mut Meta, by: u32, f: FileId) {
    ident(&mut m.key, by, f);
    literal(&mut m.value, by, f);
    sp(&mut m.span, by, f);
}

fn literal(l: &mut Literal, by: u32, f: FileId) {
    match l {
        Literal::Str(_, s)
        | Literal::Num(_, _, s)
        | Literal::Bool(_, s)
        | Literal::Null(s)
        | Literal::Word(_, s) => sp(s, by, f),
        Literal::Array(items, s) => {
            items.iter_mut().for_each(|x| literal(x, by, f));
            sp(s, by, f);
        }
    }
}

fn param(p: &mut Param, by: u32, f: FileId) {
    ident(&mut p.name, by, f);
    ident(&mut p.ty, by, f);
    if let Some(d) = &mut p.default {
        literal(d, by, f);
    }
    if let Some(a) = &mut p.allowed {
        literal(a, by, f);
    }
    if let Some((_, s)) = &mut p.strong_type {
        sp(s, by, f);
    }
    p.meta.iter_mut().for_each(|m| meta(m, by, f));
    sp(&mut p.span, by, f);
}

fn path(p: &mut Path, by: u32, f: FileId) {
    sp(&mut p.span, by, f);
}

fn expr(e: &mut Expr, by: u32, f: FileId) {
    match e {
        Expr::Str(_, s) | Expr::Num(_, _, s) | Expr::Bool(_, s) | Expr::Null(s) | Expr::It(s) => {
            sp(s, by, f)
        }
        Expr::Array(items, s) => {
            items.iter_mut().for_each(|x| expr(x, by, f));
            sp(s, by, f);
        }
        Expr::Param(i, s) => {
            ident(i, by, f);
            sp(s, by, f);
        }
        Expr::Path(p) => path(p, by, f),
        Expr::Call { name, args, span } => {
            ident(name, by, f);
            args.iter_mut().for_each(|x| expr(x, by, f));
            sp(span, by, f);
        }
        Expr::Member { base, name, span } => {
            expr(base, by, f);
            ident(name, by, f);
            sp(span, by, f);
        }
        Expr::Index { base, index, span } => {
            expr(base, by, f);
            expr(index, by, f);
            sp(span, by, f);
        }
        Expr::Equals { lhs, rhs, span, .. } => {
            expr(lhs, by, f);
            expr(rhs, by, f);
            sp(span, by, f);
        }
    }
}

fn cond(c: &mut Cond, by: u32, f: FileId) {
    match c {
        Cond::And(cs, s) | Cond::Or(cs, s) => {
            cs.iter_mut().for_each(|x| cond(x, by, f));
            sp(s, by, f);
        }
        Cond::Not(x, s) => {
            cond(x, by, f);
            sp(s, by, f);
        }
        Cond::Bool(_, s) => sp(s, by, f),
        Cond::Compare { lhs, rhs, span, .. } => {
            expr(lhs, by, f);
            expr(rhs, by, f);
            sp(span, by, f);
        }
        Cond::Exists { operand, span, .. } => {
            expr(operand, by, f);
            sp(span, by, f);
        }
        Cond::Quantifier {
            over,
            cond: c,
            span,
            ..
        } => {
            path(over, by, f);
            cond(c, by, f);
            sp(span, by, f);
        }
        Cond::Count {
            source,
            filter,
            rhs,
            span,
            ..
        } => {
            match source {
                CountSource::Field(p) => path(p, by, f),
                CountSource::Value { name, source } => {
                    ident(name, by, f);
                    expr(source, by, f);
                }
            }
            if let Some(c) = filter {
                cond(c, by, f);
            }
            expr(rhs, by, f);
            sp(span, by, f);
        }
    }
}

fn binding(b: &mut Binding, by: u32, f: FileId) {
    ident(&mut b.name, by, f);
    expr(&mut b.value, by, f);
    sp(&mut b.span, by, f);
}

fn rule_clause(c: &mut RuleClause, by: u32, f: FileId) {
    match c {
        RuleClause::Meta(m) => meta(m, by, f),
        RuleClause::Param(p) => param(p, by, f),
        RuleClause::Effect(e) => {
            e.allowed.iter_mut().for_each(|i| ident(i, by, f));
            if let Some(d) = &mut e.default {
                ident(d, by, f);
            }
            sp(&mut e.span, by, f);
        }
        RuleClause::Let(l) => {
            ident(&mut l.name, by, f);
            expr(&mut l.value, by, f);
            sp(&mut l.span, by, f);
        }
        RuleClause::When(c, s) | RuleClause::Require(c, s) | RuleClause::Forbid(c, s) => {
            cond(c, by, f);
            sp(s, by, f);
        }
        RuleClause::RequireRelated(r, s) => {
            match &mut r.target {
                RelatedTarget::ResourceType(_, t) => sp(t, by, f),
                RelatedTarget::Kind(i) => ident(i, by, f),
            }
            if let Some(n) = &mut r.named {
                expr(n, by, f);
            }
            if let Some(i) = &mut r.scope {
                ident(i, by, f);
            }
            if let Some((_, t)) = &mut r.after {
                sp(t, by, f);
            }
            if let Some(c) = &mut r.condition {
                cond(c, by, f);
            }
            sp(&mut r.span, by, f);
            sp(s, by, f);
        }
        RuleClause::Fix(fx) => {
            for a in &mut fx.assignments {
                path(&mut a.path, by, f);
                expr(&mut a.value, by, f);
                sp(&mut a.span, by, f);
            }
            if let Some(r) = &mut fx.roles {
                literal(r, by, f);
            }
            sp(&mut fx.span, by, f);
        }
        RuleClause::Deploy(d) => {
            sp(&mut d.template.1, by, f);
            if let Some(r) = &mut d.roles {
                literal(r, by, f);
            }
            if let Some(i) = &mut d.scope {
                ident(i, by, f);
            }
            if let Some((_, t)) = &mut d.location {
                sp(t, by, f);
            }
            d.bindings.iter_mut().for_each(|b| binding(b, by, f));
            sp(&mut d.span, by, f);
        }
    }
}

fn placement(p: &mut Placement, by: u32, f: FileId) {
    ident(&mut p.id, by, f);
    if let Some(o) = &mut p.of {
        ident(o, by, f);
    }
    for c in &mut p.clauses {
        match c {
            PlacementClause::Meta(m) => meta(m, by, f),
            PlacementClause::Value { name, value, span } => {
                ident(name, by, f);
                literal(value, by, f);
                sp(span, by, f);
            }
            PlacementClause::MemberMessage { member, text, span } => {
                ident(member, by, f);
                sp(&mut text.1, by, f);
                sp(span, by, f);
            }
            PlacementClause::Selector(s) => {
                ident(&mut s.name, by, f);
                for i in &mut s.items {
                    ident(&mut i.kind, by, f);
                    literal(&mut i.values, by, f);
                    sp(&mut i.span, by, f);
                }
                sp(&mut s.span, by, f);
            }
            PlacementClause::Override {
                what,
                value,
                members,
                span,
            } => {
                ident(what, by, f);
                literal(value, by, f);
                if let Some(m) = members {
                    literal(m, by, f);
                }
                sp(span, by, f);
            }
        }
    }
    sp(&mut p.span, by, f);
}

fn shift_item(item: &mut Item, by: u32, f: FileId) {
    match item {
        Item::Placement(p) => placement(p, by, f),
        Item::Pack(p) => {
            ident(&mut p.id, by, f);
            p.meta.iter_mut().for_each(|m| meta(m, by, f));
            sp(&mut p.span, by, f);
        }
        Item::Rule(r) => {
            ident(&mut r.id, by, f);
            r.clauses.iter_mut().for_each(|c| rule_clause(c, by, f));
            sp(&mut r.span, by, f);
        }
        Item::Initiative(i) => {
            ident(&mut i.id, by, f);
            for c in &mut i.clauses {
                match c {
                    InitiativeClause::Meta(m) => meta(m, by, f),
                    InitiativeClause::Param(p) => param(p, by, f),
                    InitiativeClause::Group(g) => {
                        ident(&mut g.name, by, f);
                        sp(&mut g.display_name.1, by, f);
                        g.meta.iter_mut().for_each(|m| meta(m, by, f));
                        sp(&mut g.span, by, f);
                    }
                    InitiativeClause::Include(inc) => {
                        match &mut inc.target {
                            IncludeTarget::Rule(i) | IncludeTarget::Practice(i) => ident(i, by, f),
                            IncludeTarget::All(s) => sp(s, by, f),
                        }
                        inc.bindings.iter_mut().for_each(|b| binding(b, by, f));
                        for g in inc.groups.iter_mut().flatten() {
                            ident(g, by, f);
                        }
                        sp(&mut inc.span, by, f);
                    }
                }
            }
            sp(&mut i.span, by, f);
        }
        Item::Test(t) => test_item(t, by, f),
    }
}

fn test_item(t: &mut Test, by: u32, f: FileId) {
    ident(&mut t.name, by, f);
    for c in &mut t.clauses {
        match c {
            TestClause::Subject { id, span, .. } => {
                ident(id, by, f);
                sp(span, by, f);
            }
            TestClause::Param { name, value, span } => {
                ident(name, by, f);
                test_value(value, by, f);
                sp(span, by, f);
            }
            TestClause::Resource(r) => {
                ident(&mut r.kind, by, f);
                r.props.iter_mut().for_each(|p| test_prop(p, by, f));
                sp(&mut r.span, by, f);
            }
            TestClause::Input(_, span) | TestClause::Deployed(span) => sp(span, by, f),
            TestClause::Expect(e) => {
                if let Some(r) = &mut e.rule {
                    ident(r, by, f);
                }
                ident(&mut e.verdict, by, f);
                if let Some((_, s)) = &mut e.phase {
                    sp(s, by, f);
                }
                sp(&mut e.span, by, f);
            }
            TestClause::ExpectFix {
                path: p,
                value,
                span,
            } => {
                path(p, by, f);
                test_value(value, by, f);
                sp(span, by, f);
            }
        }
    }
    sp(&mut t.span, by, f);
}

fn test_prop(p: &mut TestProp, by: u32, f: FileId) {
    path(&mut p.path, by, f);
    test_value(&mut p.value, by, f);
    sp(&mut p.span, by, f);
}

fn test_value(v: &mut TestValue, by: u32, f: FileId) {
    match v {
        TestValue::Scalar(l) => literal(l, by, f),
        TestValue::Array(items, s) => {
            items.iter_mut().for_each(|i| test_value(i, by, f));
            sp(s, by, f);
        }
        TestValue::Object(props, s) => {
            props.iter_mut().for_each(|p| test_prop(p, by, f));
            sp(s, by, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.acrp` of the repository, and edits of the baseline, parse
    /// exactly as `parse` does, with a warm cache and a cold one.
    #[test]
    fn same_result_as_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<String> = Vec::new();
        for dir in [
            "rulepacks",
            "tests/builtins",
            "tests/cases/valid",
            "tests/cases/invalid",
            "tests/lint",
        ] {
            for e in std::fs::read_dir(root.join(dir)).expect("dir").flatten() {
                if e.path().extension().is_some_and(|x| x == "acrp")
                    && let Ok(t) = std::fs::read_to_string(e.path())
                {
                    texts.push(t);
                }
            }
        }
        let base = texts[0].clone();
        for (i, at) in [10usize, 2000, 9000, 20000].into_iter().enumerate() {
            let mut t = base.clone();
            let at = (0..=at.min(t.len()))
                .rev()
                .find(|&k| t.is_char_boundary(k))
                .unwrap_or(0);
            t.insert_str(at, ["x", "\n", "}", " rule broken {"][i]);
            texts.push(t);
        }
        let mut cache = ParseCache::default();
        for t in &texts {
            let expected = super::super::parse(3, t);
            assert_eq!(parse_cached(&mut cache, 3, t), expected);
            assert_eq!(parse_cached(&mut cache, 3, t), expected, "warm cache");
        }
    }
}
