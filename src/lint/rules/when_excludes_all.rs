//! W0604: a `when` that no resource can satisfy, so the rule never applies.

use crate::diag::{Code, Diagnostic};
use crate::lint::{Ctx, closed_values, property, same_value, scalar, target_kind};
use crate::syntax::ast::{CmpOp, Cond, Expr, RuleClause};
use serde_json::Value;

/// Why a conjunction is unsatisfiable, if it is.
fn impossible(cond: &Cond, kind: Option<&crate::catalog::Kind>) -> Option<String> {
    let conjuncts: Vec<&Cond> = match cond {
        Cond::And(cs, _) => cs.iter().collect(),
        c => vec![c],
    };
    if conjuncts.iter().any(|c| matches!(c, Cond::Bool(false, _))) {
        return Some("`false` excludes everything".into());
    }
    // Per path: the values still possible, and whether a positive test
    // (`==`/`in`, false on an absent property) constrains it.
    let mut by_path: Vec<(String, Option<Vec<Value>>, bool)> = Vec::new();
    for c in conjuncts {
        let Cond::Compare {
            lhs: Expr::Path(p),
            op,
            rhs,
            ..
        } = c
        else {
            continue;
        };
        if p.has_wildcard() {
            continue;
        }
        let list: Option<Vec<Value>> = match rhs {
            Expr::Array(items, _) => items.iter().map(scalar).collect(),
            e => scalar(e).map(|v| vec![v]),
        };
        let Some(list) = list else { continue };
        let name = p.to_text();
        let idx = match by_path
            .iter()
            .position(|(n, _, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(i) => i,
            None => {
                let closed = kind.and_then(|k| property(k, p)).and_then(closed_values);
                by_path.push((name, closed, false));
                by_path.len() - 1
            }
        };
        let Some(entry) = by_path.get_mut(idx) else {
            continue;
        };
        match op {
            CmpOp::Eq | CmpOp::In => {
                entry.2 = true;
                entry.1 = Some(match entry.1.take() {
                    None => list,
                    Some(prev) => prev
                        .into_iter()
                        .filter(|v| list.iter().any(|l| same_value(v, l)))
                        .collect(),
                });
            }
            CmpOp::Ne | CmpOp::NotIn => {
                if let Some(prev) = entry.1.take() {
                    entry.1 = Some(
                        prev.into_iter()
                            .filter(|v| !list.iter().any(|l| same_value(v, l)))
                            .collect(),
                    );
                }
            }
            _ => {}
        }
    }
    by_path
        .into_iter()
        .find(|(_, vals, positive)| *positive && vals.as_ref().is_some_and(Vec::is_empty))
        .map(|(name, _, _)| {
            format!("no value of `{name}` passes every test, and an absent one fails `==`/`in`")
        })
}

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        let kind = target_kind(rule);
        for c in &rule.clauses {
            let RuleClause::When(cond, span) = c else {
                continue;
            };
            if let Some(why) = impossible(cond, kind) {
                out.push(
                    Diagnostic::new(Code::W0604, *span, format!("rule `{}` never applies: its `when` excludes every resource", rule.id.name))
                        .with_label(why)
                        .with_help("a rule whose `when` is never true reports nothing; fix the condition or remove the rule"),
                );
            }
        }
    }
}
