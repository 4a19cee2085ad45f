//! W0607: a `fix` on a property no Modify policy is known to write.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, property, target_kind};
use crate::syntax::ast::RuleClause;

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        let Some(kind) = target_kind(rule) else {
            continue;
        };
        for c in &rule.clauses {
            let RuleClause::Fix(fix) = c else { continue };
            for a in &fix.assignments {
                let Some(p) = property(kind, &a.path) else {
                    continue;
                };
                // Read-only properties are E0210; here: writable, but not proven modifiable.
                if p.modifiable || p.read_only {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        Code::W0607,
                        a.path.span,
                        format!("`{}` is not known to be modifiable by a Modify policy", a.path.to_text()),
                    )
                    .with_label("not marked modifiable in the catalog")
                    .with_help("Azure rejects a Modify effect on an alias that is not modifiable; check `az provider show --expand resourceTypes/aliases` for `defaultMetadata.attributes: Modifiable`, or remove the fix"),
                );
            }
        }
    }
}
