//! W0608: an initiative member whose parameters are not bound, so an
//! assignment of the initiative cannot set them.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, meta};
use crate::syntax::ast::{IncludeTarget, InitiativeClause, Literal, Rule, RuleClause};

/// Parameters an initiative must bind: the effect, and those without a default.
fn needs_binding(rule: &Rule) -> Vec<&str> {
    let mut names = vec!["effect"];
    for c in &rule.clauses {
        if let RuleClause::Param(p) = c
            && p.default.is_none()
        {
            names.push(&p.name.name);
        }
    }
    names
}

fn practice_of(rule: &Rule) -> Option<&str> {
    match &meta(rule, "practice")?.value {
        Literal::Word(w, _) | Literal::Str(w, _) => Some(w),
        _ => None,
    }
}

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let rules: Vec<&Rule> = ctx.rules().collect();
    for ini in ctx.initiatives() {
        for c in &ini.clauses {
            let InitiativeClause::Include(inc) = c else {
                continue;
            };
            let members: Vec<&Rule> = match &inc.target {
                IncludeTarget::Rule(id) => rules
                    .iter()
                    .copied()
                    .filter(|r| r.id.name == id.name)
                    .collect(),
                IncludeTarget::Practice(p) => rules
                    .iter()
                    .copied()
                    .filter(|r| practice_of(r) == Some(p.name.as_str()))
                    .collect(),
                IncludeTarget::All(_) => rules.clone(),
                // A built-in's parameters are not known here.
                IncludeTarget::Builtin(..) => Vec::new(),
            };
            let mut unbound: Vec<String> = Vec::new();
            for r in &members {
                for name in needs_binding(r) {
                    if !inc.bindings.iter().any(|b| b.name.name == name) {
                        unbound.push(if matches!(inc.target, IncludeTarget::Rule(_)) {
                            format!("`{name}`")
                        } else {
                            format!("`{name}` of `{}`", r.id.name)
                        });
                    }
                }
            }
            if unbound.is_empty() {
                continue;
            }
            let shown = if unbound.len() > 4 {
                format!(
                    "{} and {} more",
                    unbound.get(..4).unwrap_or_default().join(", "),
                    unbound.len() - 4
                )
            } else {
                unbound.join(", ")
            };
            out.push(
                Diagnostic::new(
                    Code::W0608,
                    inc.span,
                    format!("member parameter{} not bound: {shown}", if unbound.len() == 1 { "" } else { "s" }),
                )
                .with_label("bind it to an initiative parameter")
                .with_help("an unbound member parameter keeps the rule's default in every assignment; write `{ effect = param.effect }` with an initiative `param effect: effect = audit allowed [...]`"),
            );
        }
    }
}
