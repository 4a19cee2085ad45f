//! W0609: a practice the pack declares, or an initiative includes, that no
//! rule belongs to.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, meta};
use crate::syntax::ast::{IncludeTarget, InitiativeClause, Item, Literal};

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let used: Vec<&str> = ctx
        .rules()
        .filter_map(|r| match &meta(r, "practice")?.value {
            Literal::Word(w, _) | Literal::Str(w, _) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    let unused = |p: &str| !used.iter().any(|u| u.eq_ignore_ascii_case(p));
    for item in &ctx.ast.items {
        let Item::Pack(pack) = item else { continue };
        for m in pack.meta.iter().filter(|m| m.key.name == "practices") {
            let Literal::Array(items, _) = &m.value else {
                continue;
            };
            for lit in items {
                let (Literal::Word(p, span) | Literal::Str(p, span)) = lit else {
                    continue;
                };
                if unused(p) {
                    out.push(
                        Diagnostic::new(Code::W0609, *span, format!("practice `{p}` has no rule"))
                            .with_label("declared here, used by no rule")
                            .with_help("add a rule with `practice` set to it, or remove it from `practices`"),
                    );
                }
            }
        }
    }
    for ini in ctx.initiatives() {
        for c in &ini.clauses {
            if let InitiativeClause::Include(inc) = c
                && let IncludeTarget::Practice(p) = &inc.target
                && unused(&p.name)
            {
                out.push(
                    Diagnostic::new(Code::W0609, p.span, format!("practice `{}` has no rule", p.name))
                        .with_label("this include adds nothing")
                        .with_help("no rule of the pack has this practice, so the initiative gets no member from it"),
                );
            }
        }
    }
}
