//! W1004: an environment named like production (`prod`, `production`,
//! `prd`, or ending in `-prod`) with `enforcement doNotEnforce`. Microsoft's
//! policy-as-code guidance tests with DoNotEnforce and promotes with Default
//! (azure-docs concepts/policy-as-code.md); a production environment left in
//! DoNotEnforce denies nothing and remediates nothing.

use crate::diag::{Code, Diagnostic};
use crate::lint::Ctx;
use crate::syntax::ast::{Item, Literal, PlacementClause, PlacementKind};

fn is_prod(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["prod", "production", "prd"].contains(&n.as_str()) || n.ends_with("-prod")
}

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for item in &ctx.ast.items {
        let Item::Placement(p) = item else { continue };
        if p.kind != PlacementKind::Environment || !is_prod(&p.id.name) {
            continue;
        }
        for c in &p.clauses {
            if let PlacementClause::Meta(m) = c
                && m.key.name == "enforcement"
                && let Literal::Word(w, span) | Literal::Str(w, span) = &m.value
                && w.eq_ignore_ascii_case("doNotEnforce")
            {
                out.push(
                    Diagnostic::new(Code::W1004, *span, format!("environment `{}` does not enforce its assignments", p.id.name))
                        .with_label("nothing is denied or remediated here")
                        .with_help("use `enforcement default` in production once the rules are tested with doNotEnforce")
                        .with_suggestion("use `default`", "default"),
                );
            }
        }
    }
}
