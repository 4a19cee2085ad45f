//! Incremental parsing for the language server: the same result as
//! [`super::parse`], but items whose text did not change since the last
//! parse are reused instead of parsed again (pest is most of the cost of
//! analysing a large pack). Items are cached by their text, parsed at offset
//! 0, and shifted to where they now stand.

use super::ast::*;
use super::{Rule as PestRule, item_error, lower, parse_item_text, recover};
use crate::diag::{Code, Diagnostic, FileId, Span};
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
    let mut next = HashMap::with_capacity(cache.items.len());
    for chunk in chunks {
        if chunk.skip {
            broken.push(super::broken_item(file, text, &chunk));
            continue;
        }
        if let Some(d) = recover::precheck(file, text, &chunk) {
            diags.push(d);
            broken.push(super::broken_item(file, text, &chunk));
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
                visit_spans(&mut item, &mut |s| {
                    s.start += by;
                    s.end += by;
                    s.file = file;
                });
                items.push(item);
            }
            Err(mut d) => {
                shift_diag(&mut d, by, file);
                diags.push(d);
                broken.push(super::broken_item(file, text, &chunk));
            }
        }
        next.insert(src.to_string(), parsed);
    }
    cache.items = next;
    (File { items, broken }, diags)
}

/// One item parsed at offset 0 in file 0. (The error is the item's one
/// diagnostic, as `lower` returns it; boxing it would buy nothing here.)
#[allow(clippy::result_large_err)]
fn parse_item(src: &str) -> Result<Item, Diagnostic> {
    match parse_item_text(src) {
        Ok(mut pairs) => {
            let ctx = lower::Ctx { file: 0, offset: 0 };
            match pairs.next() {
                Some(pair) => ctx.item(pair),
                None => Err(lower::syntax_error(0, 0, src, &pest_empty(src))),
            }
        }
        Err(e) => Err(item_error(0, 0, src, &e)),
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

fn ident(i: &mut Ident, v: &mut dyn FnMut(&mut Span)) {
    v(&mut i.span);
}

fn meta(m: &mut Meta, v: &mut dyn FnMut(&mut Span)) {
    ident(&mut m.key, v);
    literal(&mut m.value, v);
    v(&mut m.span);
}

fn literal(l: &mut Literal, v: &mut dyn FnMut(&mut Span)) {
    match l {
        Literal::Str(_, s)
        | Literal::Num(_, _, s)
        | Literal::Bool(_, s)
        | Literal::Null(s)
        | Literal::Word(_, s) => v(s),
        Literal::Array(items, s) => {
            items.iter_mut().for_each(|x| literal(x, v));
            v(s);
        }
    }
}

fn param(p: &mut Param, v: &mut dyn FnMut(&mut Span)) {
    ident(&mut p.name, v);
    ident(&mut p.ty, v);
    if let Some(d) = &mut p.default {
        literal(d, v);
    }
    if let Some(a) = &mut p.allowed {
        literal(a, v);
    }
    if let Some((_, s)) = &mut p.strong_type {
        v(s);
    }
    p.meta.iter_mut().for_each(|m| meta(m, v));
    v(&mut p.span);
}

fn path(p: &mut Path, v: &mut dyn FnMut(&mut Span)) {
    v(&mut p.span);
}

fn expr(e: &mut Expr, v: &mut dyn FnMut(&mut Span)) {
    match e {
        Expr::Str(_, s) | Expr::Num(_, _, s) | Expr::Bool(_, s) | Expr::Null(s) | Expr::It(s) => {
            v(s)
        }
        Expr::Array(items, s) => {
            items.iter_mut().for_each(|x| expr(x, v));
            v(s);
        }
        Expr::Param(i, s) => {
            ident(i, v);
            v(s);
        }
        Expr::Path(p) => path(p, v),
        Expr::Call { name, args, span } => {
            ident(name, v);
            args.iter_mut().for_each(|x| expr(x, v));
            v(span);
        }
        Expr::Member { base, name, span } => {
            expr(base, v);
            ident(name, v);
            v(span);
        }
        Expr::Index { base, index, span } => {
            expr(base, v);
            expr(index, v);
            v(span);
        }
        Expr::Equals { lhs, rhs, span, .. } => {
            expr(lhs, v);
            expr(rhs, v);
            v(span);
        }
    }
}

/// Calls `v` on every span of a condition.
pub(crate) fn visit_cond_spans(c: &mut Cond, v: &mut dyn FnMut(&mut Span)) {
    cond(c, v);
}

fn cond(c: &mut Cond, v: &mut dyn FnMut(&mut Span)) {
    match c {
        Cond::And(cs, s) | Cond::Or(cs, s) => {
            cs.iter_mut().for_each(|x| cond(x, v));
            v(s);
        }
        Cond::Not(x, s) => {
            cond(x, v);
            v(s);
        }
        Cond::Bool(_, s) => v(s),
        Cond::Compare { lhs, rhs, span, .. } => {
            expr(lhs, v);
            expr(rhs, v);
            v(span);
        }
        Cond::Exists { operand, span, .. } => {
            expr(operand, v);
            v(span);
        }
        Cond::Quantifier {
            over,
            cond: c,
            span,
            ..
        } => {
            path(over, v);
            cond(c, v);
            v(span);
        }
        Cond::Count {
            source,
            filter,
            rhs,
            span,
            ..
        } => {
            match source {
                CountSource::Field(p) => path(p, v),
                CountSource::Value { name, source } => {
                    ident(name, v);
                    expr(source, v);
                }
            }
            if let Some(c) = filter {
                cond(c, v);
            }
            expr(rhs, v);
            v(span);
        }
    }
}

fn binding(b: &mut Binding, v: &mut dyn FnMut(&mut Span)) {
    ident(&mut b.name, v);
    expr(&mut b.value, v);
    v(&mut b.span);
}

fn rule_clause(c: &mut RuleClause, v: &mut dyn FnMut(&mut Span)) {
    match c {
        RuleClause::Meta(m) => meta(m, v),
        RuleClause::Param(p) => param(p, v),
        RuleClause::Effect(e) => {
            e.allowed.iter_mut().for_each(|i| ident(i, v));
            if let Some(d) = &mut e.default {
                ident(d, v);
            }
            v(&mut e.span);
        }
        RuleClause::Let(l) => {
            ident(&mut l.name, v);
            expr(&mut l.value, v);
            v(&mut l.span);
        }
        RuleClause::When(c, s) | RuleClause::Require(c, s) | RuleClause::Forbid(c, s) => {
            cond(c, v);
            v(s);
        }
        RuleClause::RequireRelated(r, s) => {
            match &mut r.target {
                RelatedTarget::ResourceType(_, t) => v(t),
                RelatedTarget::Kind(i) => ident(i, v),
            }
            if let Some(n) = &mut r.named {
                expr(n, v);
            }
            if let Some(i) = &mut r.scope {
                ident(i, v);
            }
            if let Some((_, t)) = &mut r.after {
                v(t);
            }
            if let Some(c) = &mut r.condition {
                cond(c, v);
            }
            v(&mut r.span);
            v(s);
        }
        RuleClause::Fix(fx) => {
            for a in &mut fx.assignments {
                path(&mut a.path, v);
                expr(&mut a.value, v);
                v(&mut a.span);
            }
            if let Some(r) = &mut fx.roles {
                literal(r, v);
            }
            v(&mut fx.span);
        }
        RuleClause::Deploy(d) => {
            v(&mut d.template.1);
            if let Some(r) = &mut d.roles {
                literal(r, v);
            }
            if let Some(i) = &mut d.scope {
                ident(i, v);
            }
            if let Some((_, t)) = &mut d.location {
                v(t);
            }
            d.bindings.iter_mut().for_each(|b| binding(b, v));
            v(&mut d.span);
        }
    }
}

fn placement(p: &mut Placement, v: &mut dyn FnMut(&mut Span)) {
    ident(&mut p.id, v);
    if let Some(o) = &mut p.of {
        ident(o, v);
    }
    for c in &mut p.clauses {
        match c {
            PlacementClause::Meta(m) => meta(m, v),
            PlacementClause::Value { name, value, span } => {
                ident(name, v);
                literal(value, v);
                v(span);
            }
            PlacementClause::MemberMessage { member, text, span } => {
                ident(member, v);
                v(&mut text.1);
                v(span);
            }
            PlacementClause::Selector(s) => {
                ident(&mut s.name, v);
                for i in &mut s.items {
                    ident(&mut i.kind, v);
                    literal(&mut i.values, v);
                    v(&mut i.span);
                }
                v(&mut s.span);
            }
            PlacementClause::Override {
                what,
                value,
                members,
                span,
            } => {
                ident(what, v);
                literal(value, v);
                if let Some(m) = members {
                    literal(m, v);
                }
                v(span);
            }
        }
    }
    v(&mut p.span);
}

/// Calls `v` on every span of an item (shifting it, or clearing it for a
/// comparison that ignores spans, [`super::ast::EqShape`]).
pub fn visit_spans(item: &mut Item, v: &mut dyn FnMut(&mut Span)) {
    match item {
        Item::Placement(p) => placement(p, v),
        Item::Pack(p) => {
            ident(&mut p.id, v);
            p.meta.iter_mut().for_each(|m| meta(m, v));
            v(&mut p.span);
        }
        Item::Rule(r) => {
            ident(&mut r.id, v);
            r.clauses.iter_mut().for_each(|c| rule_clause(c, v));
            v(&mut r.span);
        }
        Item::Initiative(i) => {
            ident(&mut i.id, v);
            for c in &mut i.clauses {
                match c {
                    InitiativeClause::Meta(m) => meta(m, v),
                    InitiativeClause::Param(p) => param(p, v),
                    InitiativeClause::Group(g) => {
                        ident(&mut g.name, v);
                        v(&mut g.display_name.1);
                        g.meta.iter_mut().for_each(|m| meta(m, v));
                        v(&mut g.span);
                    }
                    InitiativeClause::Include(inc) => {
                        match &mut inc.target {
                            IncludeTarget::Rule(i) | IncludeTarget::Practice(i) => ident(i, v),
                            IncludeTarget::All(s) | IncludeTarget::Builtin(_, s) => v(s),
                        }
                        for (_, s) in inc.reference.iter_mut().chain(inc.version.iter_mut()) {
                            v(s);
                        }
                        inc.bindings.iter_mut().for_each(|b| binding(b, v));
                        for g in inc.groups.iter_mut().flatten() {
                            ident(g, v);
                        }
                        v(&mut inc.span);
                    }
                }
            }
            v(&mut i.span);
        }
        Item::Test(t) => test_item(t, v),
    }
}

fn test_item(t: &mut Test, v: &mut dyn FnMut(&mut Span)) {
    ident(&mut t.name, v);
    for c in &mut t.clauses {
        match c {
            TestClause::Subject { id, span, .. } => {
                ident(id, v);
                v(span);
            }
            TestClause::Param { name, value, span } => {
                ident(name, v);
                test_value(value, v);
                v(span);
            }
            TestClause::Resource(r) => {
                ident(&mut r.kind, v);
                r.props.iter_mut().for_each(|p| test_prop(p, v));
                v(&mut r.span);
            }
            TestClause::Input(_, span) | TestClause::Deployed(span) => v(span),
            TestClause::Expect(e) => {
                if let Some(r) = &mut e.rule {
                    ident(r, v);
                }
                ident(&mut e.verdict, v);
                if let Some((_, s)) = &mut e.phase {
                    v(s);
                }
                v(&mut e.span);
            }
            TestClause::ExpectFix {
                path: p,
                value,
                span,
            } => {
                path(p, v);
                test_value(value, v);
                v(span);
            }
        }
    }
    v(&mut t.span);
}

fn test_prop(p: &mut TestProp, v: &mut dyn FnMut(&mut Span)) {
    path(&mut p.path, v);
    test_value(&mut p.value, v);
    v(&mut p.span);
}

fn test_value(tv: &mut TestValue, v: &mut dyn FnMut(&mut Span)) {
    match tv {
        TestValue::Scalar(l) => literal(l, v),
        TestValue::Array(items, s) => {
            items.iter_mut().for_each(|i| test_value(i, v));
            v(s);
        }
        TestValue::Object(props, s) => {
            props.iter_mut().for_each(|p| test_prop(p, v));
            v(s);
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
