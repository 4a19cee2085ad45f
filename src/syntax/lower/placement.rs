//! Lowering of `assignment`, `exemption` and `environment` items.

use super::{Ctx, Result, next};
use crate::diag::Span;
use crate::syntax::Rule;
use crate::syntax::ast::*;
use pest::iterators::Pair;

impl Ctx {
    pub(super) fn placement(&self, decl: Pair<Rule>, span: Span) -> Result<Placement> {
        let mut kind = PlacementKind::Environment;
        let mut names = Vec::new();
        let mut clauses = Vec::new();
        for p in decl.into_inner() {
            match p.as_rule() {
                Rule::kw_assignment => kind = PlacementKind::Assignment,
                Rule::kw_exemption => kind = PlacementKind::Exemption,
                Rule::kw_environment | Rule::kw_of => {}
                Rule::ident => names.push(self.ident(p)),
                _ => clauses.push(self.placement_clause(p)?),
            }
        }
        let mut names = names.into_iter();
        let id = next_ident(&mut names, self)?;
        Ok(Placement {
            kind,
            id,
            of: names.next(),
            clauses,
            span,
        })
    }

    fn placement_clause(&self, pair: Pair<Rule>) -> Result<PlacementClause> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::value_clause => {
                let mut it = pair.into_inner().skip(1);
                let name = self.ident(next(&mut it, self, "parameter name")?);
                let value = self.literal(next(&mut it, self, "value")?)?;
                PlacementClause::Value { name, value, span }
            }
            Rule::member_message => {
                let mut it = pair.into_inner().skip(1);
                let member = self.ident(next(&mut it, self, "member")?);
                let s = next(&mut it, self, "message")?;
                let text = (self.string(&s)?, self.span(&s));
                PlacementClause::MemberMessage { member, text, span }
            }
            Rule::selector_clause => {
                let mut it = pair.into_inner().skip(1);
                let name = self.ident(next(&mut it, self, "selector name")?);
                let items = it.map(|p| self.selector_item(p)).collect::<Result<_>>()?;
                PlacementClause::Selector(ResourceSelector { name, items, span })
            }
            Rule::override_clause => {
                let mut it = pair.into_inner().skip(1);
                let what = self.ident(next(&mut it, self, "override kind")?);
                let value = self.literal(next(&mut it, self, "value")?)?;
                let members = match it.find(|p| p.as_rule() != Rule::kw_for) {
                    Some(p) => Some(self.literal(p)?),
                    None => None,
                };
                PlacementClause::Override {
                    what,
                    value,
                    members,
                    span,
                }
            }
            _ => PlacementClause::Meta(self.meta(pair)?),
        })
    }

    fn selector_item(&self, pair: Pair<Rule>) -> Result<SelectorItem> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let kind = self.ident(next(&mut it, self, "selector kind")?);
        let op = next(&mut it, self, "`in` or `not in`")?;
        let values = self.literal(next(&mut it, self, "values")?)?;
        Ok(SelectorItem {
            kind,
            negated: op.as_rule() == Rule::not_in,
            values,
            span,
        })
    }
}

fn next_ident(it: &mut impl Iterator<Item = Ident>, ctx: &Ctx) -> Result<Ident> {
    it.next().ok_or_else(|| {
        crate::diag::Diagnostic::new(
            crate::diag::Code::E0001,
            Span::new(ctx.file, ctx.offset, ctx.offset),
            "internal parser error: missing name",
        )
    })
}
