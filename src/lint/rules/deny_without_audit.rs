//! W0602: a rule whose effects allow `deny` but not `audit`.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, with_fix};
use crate::syntax::ast::RuleClause;

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        for c in &rule.clauses {
            let RuleClause::Effect(e) = c else { continue };
            let has = |n: &str| e.allowed.iter().any(|i| i.name.eq_ignore_ascii_case(n));
            if has("deny") && !has("audit") {
                let Some(first) = e.allowed.first() else {
                    continue;
                };
                let d = Diagnostic::new(
                    Code::W0602,
                    e.span,
                    format!("rule `{}` can deny but cannot audit", rule.id.name),
                )
                .with_label("`deny` without `audit`")
                .with_help(
                    "roll a deny rule out as audit first to see what it would block; allow `audit` so an assignment can choose it",
                );
                out.push(with_fix(
                    d,
                    "allow `audit`",
                    ctx.span(first.span.start as usize, first.span.start as usize),
                    "audit | ".to_string(),
                ));
            }
        }
    }
}
