//! Lowering of `test` items (rule tests) to the AST.

use super::{Ctx, Result, next};
use crate::syntax::Rule;
use crate::syntax::ast::*;
use pest::iterators::Pair;

impl Ctx {
    pub(super) fn test_decl(&self, pair: Pair<Rule>, span: crate::diag::Span) -> Result<Item> {
        let mut it = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_test);
        let name = self.ident(next(&mut it, self, "test name")?);
        let clauses = it.map(|p| self.test_clause(p)).collect::<Result<_>>()?;
        Ok(Item::Test(Test {
            name,
            clauses,
            span,
        }))
    }

    fn test_clause(&self, pair: Pair<Rule>) -> Result<TestClause> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::test_subject => {
                let mut it = pair.into_inner();
                let kw = next(&mut it, self, "`rule` or `initiative`")?;
                let id = self.ident(next(&mut it, self, "id")?);
                TestClause::Subject {
                    initiative: kw.as_rule() == Rule::kw_initiative,
                    id,
                    span,
                }
            }
            Rule::test_param => {
                let mut it = pair.into_inner().skip(1);
                let name = self.ident(next(&mut it, self, "parameter name")?);
                let value = self.test_value(next(&mut it, self, "value")?)?;
                TestClause::Param { name, value, span }
            }
            Rule::test_resource => {
                let mut it = pair.into_inner().skip(1);
                let kind = self.ident(next(&mut it, self, "resource kind")?);
                let props = it.map(|p| self.test_prop(p)).collect::<Result<_>>()?;
                TestClause::Resource(TestResource { kind, props, span })
            }
            Rule::test_input => {
                let file = next(&mut pair.into_inner().skip(1), self, "file")?;
                TestClause::Input(self.string(&file)?, self.span(&file))
            }
            Rule::test_deployed => TestClause::Deployed(span),
            Rule::test_expect_fix => {
                let mut it = pair.into_inner().skip(2);
                let path = self.path(next(&mut it, self, "path")?);
                let value = self.test_value(next(&mut it, self, "value")?)?;
                TestClause::ExpectFix { path, value, span }
            }
            _ => {
                let mut words = Vec::new();
                let mut phase = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::ident => words.push(self.ident(p)),
                        Rule::test_phase => {
                            let after = p.as_str().starts_with("after");
                            let which = if after {
                                Phase::AfterDeployment
                            } else {
                                Phase::AtDeploy
                            };
                            phase = Some((which, self.span(&p)));
                        }
                        _ => {}
                    }
                }
                let Some(verdict) = words.pop() else {
                    return Err(missing(self, "verdict"));
                };
                TestClause::Expect(Expect {
                    rule: words.pop(),
                    verdict,
                    phase,
                    span,
                })
            }
        })
    }

    fn test_prop(&self, pair: Pair<Rule>) -> Result<TestProp> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let path = self.path(next(&mut it, self, "property")?);
        let value = self.test_value(next(&mut it, self, "value")?)?;
        Ok(TestProp { path, value, span })
    }

    fn test_value(&self, pair: Pair<Rule>) -> Result<TestValue> {
        let inner = next(&mut pair.into_inner(), self, "value")?;
        let span = self.span(&inner);
        Ok(match inner.as_rule() {
            Rule::test_array => TestValue::Array(
                inner
                    .into_inner()
                    .map(|p| self.test_value(p))
                    .collect::<Result<_>>()?,
                span,
            ),
            Rule::test_object => TestValue::Object(
                inner
                    .into_inner()
                    .map(|p| self.test_prop(p))
                    .collect::<Result<_>>()?,
                span,
            ),
            _ => TestValue::Scalar(self.literal(inner)?),
        })
    }
}

/// What the grammar guarantees but the types do not.
fn missing(ctx: &Ctx, what: &str) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic::new(
        crate::diag::Code::E0001,
        crate::diag::Span::new(ctx.file, ctx.offset, ctx.offset),
        format!("internal parser error: missing {what}"),
    )
}
