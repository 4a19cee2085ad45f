//! W0605: a condition written twice (in one `and`/`or`, or as two identical
//! clauses), or shadowed by a broader one in the same `or`.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, conditions, same_value, scalar, walk_all, with_fix};
use crate::syntax::ast::{CmpOp, Cond, EqShape, Expr, RuleClause, cond_shape};

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        // Identical clauses.
        // Conditions compare by shape (`ast::EqShape`: equal but for spans).
        let mut seen: Vec<(&str, &Cond, crate::diag::Span)> = Vec::new();
        for c in &rule.clauses {
            let (word, cond, span) = match c {
                RuleClause::When(c, s) => ("when", c, *s),
                RuleClause::Require(c, s) => ("require", c, *s),
                RuleClause::Forbid(c, s) => ("forbid", c, *s),
                _ => continue,
            };
            if let Some((_, _, first)) =
                seen.iter().find(|(w, k, _)| *w == word && k.eq_shape(cond))
            {
                out.push(
                    Diagnostic::new(
                        Code::W0605,
                        span,
                        format!("this `{word}` repeats an earlier one"),
                    )
                    .with_label("duplicate clause")
                    .with_related(*first, "first written here")
                    .with_help("remove the copy"),
                );
            } else {
                seen.push((word, cond, span));
            }
        }
        // Duplicates and shadowing inside one `and` / `or`.
        for (_, cond) in conditions(rule) {
            walk_all(cond, &mut |c| {
                let (cs, junction) = match c {
                    Cond::And(cs, _) => (cs, "and"),
                    Cond::Or(cs, _) => (cs, "or"),
                    _ => return,
                };
                // Shapes computed once: an `or` of n operands compares n² pairs.
                let keys: Vec<Cond> = cs.iter().map(cond_shape).collect();
                // Each operand with the one before it, its shape and the shapes before it.
                let operands = cs.windows(2).zip(keys.iter().enumerate().skip(1));
                for (pair, (i, key)) in operands {
                    let [previous, this] = pair else { continue };
                    let earlier = keys.get(..i).unwrap_or_default();
                    if let Some(first) = earlier
                        .iter()
                        .position(|k| k == key)
                        .and_then(|j| cs.get(j))
                    {
                        let d = Diagnostic::new(
                            Code::W0605,
                            this.span(),
                            format!("this operand of `{junction}` repeats an earlier one"),
                        )
                        .with_label("duplicate condition")
                        .with_related(first.span(), "first written here")
                        .with_help("remove the copy: it changes nothing");
                        // Remove from the end of the previous operand to the end of this one.
                        let cut = ctx.span(previous.span().end as usize, this.span().end as usize);
                        out.push(with_fix(d, "remove the duplicate", cut, String::new()));
                    }
                }
                if junction == "or" {
                    shadowed(cs, out);
                }
            });
        }
    }
}

/// In an `or`, `p == v` next to `p in [.., v, ..]` adds nothing.
fn shadowed(cs: &[Cond], out: &mut Vec<Diagnostic>) {
    for eq in cs {
        let Cond::Compare {
            lhs: Expr::Path(p),
            op: CmpOp::Eq,
            rhs,
            span,
        } = eq
        else {
            continue;
        };
        let Some(v) = scalar(rhs) else { continue };
        for other in cs {
            let Cond::Compare {
                lhs: Expr::Path(q),
                op: CmpOp::In,
                rhs: Expr::Array(items, _),
                span: ospan,
            } = other
            else {
                continue;
            };
            if q.to_text().eq_ignore_ascii_case(&p.to_text())
                && items.iter().filter_map(scalar).any(|x| same_value(&x, &v))
            {
                out.push(
                    Diagnostic::new(
                        Code::W0605,
                        *span,
                        format!(
                            "`{} == {v}` is shadowed by an `in` that lists the same value",
                            p.to_text()
                        ),
                    )
                    .with_label("already covered")
                    .with_related(*ospan, "this `in` includes it")
                    .with_help("remove the `==`, or the value from the list"),
                );
            }
        }
    }
}
