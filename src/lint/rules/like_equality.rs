//! W0606: a `like` pattern without `*`, which is plain equality.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, conditions, walk_all, with_fix};
use crate::syntax::ast::{CmpOp, Cond, Expr};

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        for (_, cond) in conditions(rule) {
            walk_all(cond, &mut |c| {
                let Cond::Compare { lhs, op, rhs, span } = c else {
                    return;
                };
                let Expr::Str(pattern, _) = rhs else { return };
                if !matches!(op, CmpOp::Like | CmpOp::NotLike) || pattern.contains('*') {
                    return;
                }
                let (eq, word) = if *op == CmpOp::Like {
                    ("==", "like")
                } else {
                    ("!=", "not like")
                };
                let d = Diagnostic::new(
                    Code::W0606,
                    *span,
                    format!("`{word} \"{pattern}\"` has no wildcard: it is `{eq}`"),
                )
                .with_label(format!("write `{eq}`"))
                .with_help("`like` only differs from `==` through `*`; `==` says what is meant and is checked against the property's values");
                // The operator is the text between the two operands.
                let gap = ctx.span(lhs.span().end as usize, rhs.span().start as usize);
                out.push(with_fix(d, &format!("use `{eq}`"), gap, format!(" {eq} ")));
            });
        }
    }
}
