//! The names a document defines (rules, parameters, groups, lets) with their
//! uses, for hover, navigation and rename; and the outline (document symbols).

use super::analysis::Analysis;
use crate::catalog::{self, Kind};
use crate::diag::Span;
use crate::syntax::ast::{
    self, Cond, CountSource, Expr, IncludeTarget, InitiativeClause, Item, Literal, RuleClause,
    Segment,
};
use lsp_types as lsp;

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

/// The property a path names on `kind`; inside `any`/`all`/`count` paths are
/// relative to an array element, so a path that is not a property itself is
/// looked up as the tail of one (`enabled` → `logs[*].enabled`).
pub(super) fn resolve_property<'k>(kind: &'k Kind, path: &str) -> Option<&'k catalog::Property> {
    kind.property(path).or_else(|| {
        let suffix = format!("[*].{}", path.to_ascii_lowercase());
        kind.properties
            .iter()
            .find(|p| p.path.to_ascii_lowercase().ends_with(&suffix))
    })
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

pub(super) fn symbols(file: &ast::File) -> Vec<Symbol> {
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
    // Tests name rules: `rule <id>` and `expect <id> …` are uses.
    for item in &file.items {
        let Item::Test(test) = item else {
            continue;
        };
        for c in &test.clauses {
            let id = match c {
                ast::TestClause::Subject {
                    initiative: false,
                    id,
                    ..
                } => id,
                ast::TestClause::Expect(ast::Expect { rule: Some(id), .. }) => id,
                _ => continue,
            };
            if let Some(i) = rule_index(&out, &id.name) {
                out[i].refs.push(id.span);
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

impl Analysis {
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
}
