//! W0601: a rule without `description` or without `controls`.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, meta};

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        let missing: Vec<&str> = ["description", "controls"]
            .into_iter()
            .filter(|k| meta(rule, k).is_none())
            .collect();
        if missing.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::W0601,
                rule.id.span,
                format!("rule `{}` has no {}", rule.id.name, missing.join(" and no ")),
            )
            .with_label(format!("add {}", missing.join(" and ")))
            .with_help(
                "the description is what Azure shows next to a non-compliant resource; controls (`[\"MCSB NS-2\"]`) say which requirement the rule proves",
            ),
        );
    }
}
