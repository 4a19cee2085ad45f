//! W0603: a `require` (or `forbid`) that is always true or always false for
//! every resource that sets the property, given the values it can take.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, closed_values, property, same_value, scalar, target_kind, walk_top};
use crate::syntax::ast::{CmpOp, Cond, Expr, RuleClause};
use serde_json::Value;

/// Values of a closed property listed by an `in`/`==` (None if not a literal list).
fn listed(rhs: &Expr) -> Option<Vec<Value>> {
    match rhs {
        Expr::Array(items, _) => items.iter().map(scalar).collect(),
        e => Some(vec![scalar(e)?]),
    }
}

fn covers(values: &[Value], listed: &[Value]) -> bool {
    values
        .iter()
        .all(|v| listed.iter().any(|l| same_value(v, l)))
}

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        let kind = target_kind(rule);
        for c in &rule.clauses {
            let (word, cond) = match c {
                RuleClause::Require(c, _) => ("require", &**c),
                RuleClause::Forbid(c, _) => ("forbid", &**c),
                _ => continue,
            };
            if let Cond::Bool(b, span) = cond
                && (word == "require" || !*b)
            {
                out.push(
                    Diagnostic::new(Code::W0603, *span, format!("`{word} {b}` is always {}", if *b == (word == "require") { "satisfied" } else { "violated" }))
                        .with_label("a constant condition")
                        .with_help(if word == "require" && !*b {
                            "to flag every resource of the kind, write `forbid true`"
                        } else {
                            "a rule that can never be violated checks nothing; remove it or write the real requirement"
                        }),
                );
                continue;
            }
            let Some(kind) = kind else { continue };
            walk_top(cond, &mut |c| {
                // One comparison listing every value, or an `or` of `==` /
                // an `and` of `!=` over one property that together do.
                let (path, always, span, listed_values) = match c {
                    Cond::Compare {
                        lhs: Expr::Path(p),
                        op: op @ (CmpOp::In | CmpOp::NotIn),
                        rhs,
                        span,
                    } => (p, *op == CmpOp::In, *span, listed(rhs)),
                    Cond::Or(cs, span) | Cond::And(cs, span) => {
                        let want = if matches!(c, Cond::Or(..)) {
                            CmpOp::Eq
                        } else {
                            CmpOp::Ne
                        };
                        let mut path = None;
                        let mut vals = Vec::new();
                        for x in cs {
                            let Cond::Compare {
                                lhs: Expr::Path(p),
                                op,
                                rhs,
                                ..
                            } = x
                            else {
                                return;
                            };
                            if *op != want
                                || path.is_some_and(|q: &crate::syntax::ast::Path| {
                                    q.to_text() != p.to_text()
                                })
                            {
                                return;
                            }
                            path = Some(p);
                            let Some(v) = scalar(rhs) else { return };
                            vals.push(v);
                        }
                        let Some(p) = path else { return };
                        (p, want == CmpOp::Eq, *span, Some(vals))
                    }
                    _ => return,
                };
                if path.has_wildcard() {
                    return;
                }
                let Some(prop) = property(kind, path) else {
                    return;
                };
                let (Some(values), Some(list)) = (closed_values(prop), listed_values) else {
                    return;
                };
                if !covers(&values, &list) {
                    return;
                }
                let shown: Vec<String> = values.iter().map(Value::to_string).collect();
                out.push(
                    Diagnostic::new(
                        Code::W0603,
                        span,
                        format!(
                            "this is always {} when `{}` is set: it can only be {}",
                            if always { "true" } else { "false" },
                            path.to_text(),
                            shown.join(" or ")
                        ),
                    )
                    .with_label("covers every value of the property")
                    .with_help("only a resource without the property is judged by it; say what is required (`exists`, `missing`, or one value)"),
                );
            });
        }
    }
}
