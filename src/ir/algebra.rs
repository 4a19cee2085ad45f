//! The condition algebra: `allOf`/`anyOf` with flattening and constants folded, and `not`
//! pushed inward only where that is exact for every resource (see [`negate`]).

use super::{Condition, Op, Operand};
use serde_json::{Value, json};

pub fn const_cond(b: bool) -> Condition {
    // Azure has no literal true/false condition; this is the shortest exact form.
    Condition::Value {
        value: Operand::Literal(json!(true)),
        op: Op::Equals,
        rhs: Operand::Literal(json!(b)),
    }
}

fn as_const(c: &Condition) -> Option<bool> {
    match c {
        Condition::Value {
            value: Operand::Literal(Value::Bool(true)),
            op: Op::Equals,
            rhs: Operand::Literal(Value::Bool(b)),
        } => Some(*b),
        _ => None,
    }
}

/// `allOf`, flattening nested `allOf` and dropping `true`.
pub fn all_of(parts: Vec<Condition>) -> Condition {
    junction(parts, true)
}

/// `anyOf`, flattening nested `anyOf` and dropping `false`.
pub fn any_of(parts: Vec<Condition>) -> Condition {
    junction(parts, false)
}

/// `allOf` (`conjunction`) or `anyOf`: nested junctions of the same kind are
/// flattened, the neutral constant dropped, the absorbing one returned.
fn junction(parts: Vec<Condition>, conjunction: bool) -> Condition {
    let mut out = Vec::new();
    for p in parts {
        match (p, conjunction) {
            (Condition::AllOf(inner), true) | (Condition::AnyOf(inner), false) => out.extend(inner),
            (other, _) => match as_const(&other) {
                Some(b) if b == conjunction => {}
                Some(_) => return const_cond(!conjunction),
                None => out.push(other),
            },
        }
    }
    match out.len() {
        0 => const_cond(conjunction),
        1 => out.remove(0),
        _ if conjunction => Condition::AllOf(out),
        _ => Condition::AnyOf(out),
    }
}

/// Does `field` iterate an array other than (or beyond) the current
/// element `element` (the alias of the innermost `[*]` being iterated)?
fn iterated_outside(field: &str, element: Option<&str>) -> bool {
    let rest = match element {
        Some(e) if field.len() >= e.len() && field[..e.len()].eq_ignore_ascii_case(e) => {
            &field[e.len()..]
        }
        _ => field,
    };
    rest.contains("[*]")
}

/// `not(c)`, pushed inward where the result is exactly equivalent for every
/// resource:
/// - De Morgan over allOf/anyOf, and `not not c` = `c` (plain logic);
/// - a field or value condition whose operator has an exact inverse
///   (`equals`/`notEquals`, `in`/`notIn`, `like`/`notLike`, `exists`
///   true/false, …): Azure defines each `not…` operator as the negation;
/// - count comparisons, whose left side is always a number, so `less` and
///   `greaterOrEquals` are complements;
/// - but not through a field path with `[*]` iterated *outside* the current
///   element: `arr[*].x == 1` means "every element", whose negation is "some
///   element differs", not "every element differs";
/// - and not through ordering operators on fields or values, where a missing
///   or mistyped value makes both sides false.
///
/// `element` is the alias (ending in `[*]`) of the innermost iterated array:
/// paths under it name the current element; any other `[*]` is iterated.
pub fn negate(c: Condition, element: Option<&str>) -> Condition {
    if let Some(b) = as_const(&c) {
        return const_cond(!b);
    }
    match c {
        Condition::AllOf(v) => any_of(v.into_iter().map(|c| negate(c, element)).collect()),
        Condition::AnyOf(v) => all_of(v.into_iter().map(|c| negate(c, element)).collect()),
        Condition::Not(inner) => *inner,
        Condition::Field { field, op, value } => {
            let outside = iterated_outside(&field.field, element);
            match (outside, op, &value) {
                (false, Op::Exists, Operand::Literal(Value::Bool(b))) => Condition::Field {
                    field,
                    op,
                    value: Operand::Literal(json!(!b)),
                },
                (false, _, _) if op.exact_inverse().is_some() => Condition::Field {
                    field,
                    op: op.exact_inverse().unwrap_or(op),
                    value,
                },
                _ => Condition::Not(Box::new(Condition::Field { field, op, value })),
            }
        }
        Condition::Value { value, op, rhs } => match op.exact_inverse() {
            Some(inv) => Condition::Value {
                value,
                op: inv,
                rhs,
            },
            None => Condition::Not(Box::new(Condition::Value { value, op, rhs })),
        },
        Condition::Count {
            source,
            filter,
            op,
            rhs,
        } => match op.numeric_inverse() {
            Some(inv) => Condition::Count {
                source,
                filter,
                op: inv,
                rhs,
            },
            None => Condition::Not(Box::new(Condition::Count {
                source,
                filter,
                op,
                rhs,
            })),
        },
    }
}
