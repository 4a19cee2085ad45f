//! W0610: a comparison whose verdict on an absent property differs from its
//! verdict on the service default the catalog records, so a resource that
//! never set the property is judged differently before and after
//! deployment (when Azure has filled the default in).

use crate::diag::{Code, Diagnostic};
use crate::lint::{
    Ctx, closed_values, conditions, property, same_value, scalar, show, target_kind, walk_top,
    with_fix,
};
use crate::syntax::ast::{CmpOp, Cond, Expr};
use serde_json::Value;

/// What a comparison gives on an absent field (Azure: only the negative
/// operators are true).
fn on_absent(op: CmpOp) -> bool {
    matches!(
        op,
        CmpOp::Ne
            | CmpOp::NotIn
            | CmpOp::NotLike
            | CmpOp::NotMatches
            | CmpOp::NotIMatches
            | CmpOp::NotContains
            | CmpOp::NotContainsKey
    )
}

fn like(value: &str, pattern: &str) -> bool {
    let (v, p) = (value.to_ascii_lowercase(), pattern.to_ascii_lowercase());
    match p.split_once('*') {
        None => v == p,
        Some((a, b)) => v.len() >= a.len() + b.len() && v.starts_with(a) && v.ends_with(b),
    }
}

/// What a comparison gives on a present value; `None` where we do not model it.
fn on_value(v: &Value, op: CmpOp, rhs: &Expr) -> Option<bool> {
    let list = |e: &Expr| -> Option<Vec<Value>> {
        match e {
            Expr::Array(items, _) => items.iter().map(scalar).collect(),
            _ => None,
        }
    };
    Some(match op {
        CmpOp::Eq => same_value(v, &scalar(rhs)?),
        CmpOp::Ne => !same_value(v, &scalar(rhs)?),
        CmpOp::In => list(rhs)?.iter().any(|x| same_value(v, x)),
        CmpOp::NotIn => !list(rhs)?.iter().any(|x| same_value(v, x)),
        CmpOp::Like | CmpOp::NotLike => {
            let (Value::String(s), Some(Value::String(p))) = (v, scalar(rhs)) else {
                return None;
            };
            like(s, &p) == (op == CmpOp::Like)
        }
        CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
            let (a, b) = (v.as_f64()?, scalar(rhs)?.as_f64()?);
            match op {
                CmpOp::Lt => a < b,
                CmpOp::Le => a <= b,
                CmpOp::Gt => a > b,
                _ => a >= b,
            }
        }
        _ => return None,
    })
}

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for rule in ctx.rules() {
        let Some(kind) = target_kind(rule) else {
            continue;
        };
        for (clause, cond) in conditions(rule) {
            walk_top(cond, &mut |c| {
                let (path, op, rhs, span) = match c {
                    Cond::Compare {
                        lhs: Expr::Path(p),
                        op,
                        rhs,
                        span,
                    } => (p, *op, Some(rhs), *span),
                    Cond::Exists {
                        operand: Expr::Path(p),
                        exists,
                        span,
                    } => (p, if *exists { CmpOp::Eq } else { CmpOp::Ne }, None, *span),
                    _ => return,
                };
                if path.has_wildcard() {
                    return;
                }
                let Some(prop) = property(kind, path) else {
                    return;
                };
                let Some(default) = prop.default().filter(|d| !d.is_null()) else {
                    return;
                };
                let (absent, present) = match rhs {
                    Some(rhs) => match on_value(&default, op, rhs) {
                        Some(v) => (on_absent(op), v),
                        None => return,
                    },
                    // `exists` (Eq here): absent false, present true.
                    None => (op == CmpOp::Ne, op == CmpOp::Eq),
                };
                if absent == present {
                    return;
                }
                let name = path.to_text();
                let mut d = Diagnostic::new(
                    Code::W0610,
                    span,
                    format!(
                        "an absent `{name}` makes this {} but its service default {} makes it {}",
                        if absent { "true" } else { "false" },
                        show(&default),
                        if present { "true" } else { "false" },
                    ),
                )
                .with_label(format!("`{clause}` judges a resource that never set `{name}` differently from one that has the default"))
                .with_help(format!(
                    "Azure fills in {} after deployment: write the condition so that the default and an absent value get the same verdict (test for the value you want, e.g. `{name} == <secure value>`)",
                    show(&default)
                ));
                // With two possible values, `!= a` is `== b` on present values,
                // and `== b` treats absent like the default.
                if let (Some(values), Some(rhs)) = (closed_values(prop), rhs)
                    && values.len() == 2
                    && matches!(op, CmpOp::Eq | CmpOp::Ne)
                    && let Some(v) = scalar(rhs)
                    && let Some(other) = values.iter().find(|x| !same_value(x, &v))
                    && values.iter().any(|x| same_value(x, &v))
                {
                    let new_op = if op == CmpOp::Eq { "!=" } else { "==" };
                    let replacement = format!("{} {new_op} {}", ctx.source(path.span), show(other));
                    d = with_fix(
                        d,
                        &format!("write `{name} {new_op} {}`", show(other)),
                        span,
                        replacement,
                    );
                }
                out.push(d);
            });
        }
    }
}
