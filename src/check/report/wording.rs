//! Evidence as a plain sentence: what was seen, then what the rule requires.
//!
//! Evidence is always the reason for a finding: each leaf came out the way that made the
//! resource non-compliant (the policy's `if` held, or an existence condition failed). So
//! the requirement is the leaf's condition when it did not hold, and its opposite when it
//! did: `publicNetworkAccess notEquals "Disabled"` that held reads
//! `properties.publicNetworkAccess is "Enabled"; it must be "Disabled"`.

use crate::eval::{Evidence, Looked};
use crate::ir::Op;
use serde_json::Value;

/// How a piece of evidence reads, e.g. `properties.adminUserEnabled is true; it must not be
/// true` or ``no properties.privateEndpointConnections[*] matches the rule's `where`; at
/// least 1 is required``.
pub fn describe(e: &Evidence) -> String {
    // The condition the resource would have needed to meet.
    let must_hold = !e.held;
    match &e.looked {
        Looked::Count { what, filtered } => {
            let n = e.actual.as_ref().and_then(Value::as_i64);
            format!(
                "{}; {}",
                counted(n, what, *filtered),
                count_requirement(e.op, &e.expected, must_hold)
            )
        }
        Looked::Field | Looked::Value => {
            let subject = subject(e);
            let seen = match &e.actual {
                None => format!("{subject} is missing"),
                Some(v) => format!("{subject} is {}", short(&crate::inputs::display_value(v))),
            };
            format!("{seen}; {}", requirement(e, must_hold))
        }
    }
}

/// The field's path as written in the rule (the ARM path for a nested field), or the
/// expression of a `value` condition.
fn subject(e: &Evidence) -> String {
    if e.looked == Looked::Value {
        return format!("the value {}", e.subject.trim_start_matches("value "));
    }
    if e.subject.contains('/')
        && let Some(p) = &e.path
    {
        return p.clone();
    }
    e.subject
        .rsplit('/')
        .next()
        .unwrap_or(&e.subject)
        .to_string()
}

/// `no x matches the rule's `where``, `2 x match …`, `x has 3 elements`.
fn counted(n: Option<i64>, what: &str, filtered: bool) -> String {
    match (n, filtered) {
        (None, _) => format!("the count of {what} is unknown"),
        (Some(0), true) => format!("no {what} matches the rule's `where`"),
        (Some(1), true) => format!("1 {what} matches the rule's `where`"),
        (Some(n), true) => format!("{n} {what} match the rule's `where`"),
        (Some(0), false) => format!("{what} has no elements"),
        (Some(1), false) => format!("{what} has 1 element"),
        (Some(n), false) => format!("{what} has {n} elements"),
    }
}

/// What a count must be. A count is always a number, so the numeric inverse of an
/// ordering operator is exact (`not less 1` is `at least 1`).
fn count_requirement(op: Op, expected: &Value, must_hold: bool) -> String {
    let text = short(expected);
    let wanted = if must_hold {
        Some(op)
    } else {
        op.numeric_inverse()
    };
    let Some(op) = wanted else {
        return format!("the count must not be {} {text}", phrase(op));
    };
    let number = |n: i64| if n == 1 { "is" } else { "are" };
    match (op, expected.as_i64()) {
        (Op::GreaterOrEquals, Some(k)) => format!("at least {k} {} required", number(k)),
        (Op::Greater, Some(k)) => format!(
            "at least {} {} required",
            k.saturating_add(1),
            number(k.saturating_add(1))
        ),
        (Op::LessOrEquals, Some(0)) | (Op::Less, Some(1)) | (Op::Equals, Some(0)) => {
            "none is allowed".to_string()
        }
        (Op::LessOrEquals, Some(k)) => format!("at most {k} {} allowed", number(k)),
        (Op::Less, Some(k)) => format!(
            "at most {} {} allowed",
            k.saturating_sub(1),
            number(k.saturating_sub(1))
        ),
        (Op::Equals, Some(k)) => format!("exactly {k} {} required", number(k)),
        (Op::NotEquals, _) => format!("the count must not be {text}"),
        (Op::In, _) => format!("the count must be one of {text}"),
        (Op::NotIn, _) => format!("the count must not be one of {text}"),
        (op, _) => format!("the count must be {} {text}", phrase(op)),
    }
}

/// What a field or value must be: the leaf's condition, or its opposite.
fn requirement(e: &Evidence, must_hold: bool) -> String {
    let text = short(&e.expected);
    if e.op == Op::Exists {
        let exists = match &e.expected {
            Value::Bool(b) => *b,
            Value::String(s) => s.eq_ignore_ascii_case("true"),
            _ => true,
        };
        return if exists == must_hold {
            "it must exist".to_string()
        } else {
            "it must not exist".to_string()
        };
    }
    // `notX` that must not hold is `X` that must: say it the positive way.
    let (op, must_hold) = match e.op {
        Op::NotEquals
        | Op::NotLike
        | Op::NotMatch
        | Op::NotMatchInsensitively
        | Op::NotContains
        | Op::NotIn
        | Op::NotContainsKey => (e.op.exact_inverse().unwrap_or(e.op), !must_hold),
        op => (op, must_hold),
    };
    let not = if must_hold { "" } else { "not " };
    match op {
        Op::Equals => format!("it must {not}be {text}"),
        Op::In => format!("it must {not}be one of {text}"),
        Op::Like | Op::Match => format!("it must {not}match the pattern {text}"),
        Op::MatchInsensitively => {
            format!("it must {not}match the pattern {text}, ignoring case")
        }
        Op::Contains => format!("it must {not}contain {text}"),
        Op::ContainsKey => format!("it must {not}have the key {text}"),
        other => format!("it must {not}be {} {text}", phrase(other)),
    }
}

/// An ordering operator in words.
fn phrase(op: Op) -> &'static str {
    match op {
        Op::Less => "less than",
        Op::LessOrEquals => "at most",
        Op::Greater => "greater than",
        Op::GreaterOrEquals => "at least",
        Op::Equals => "equal to",
        other => other.as_azure_str(),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(op: Op, expected: Value, actual: Option<Value>, held: bool) -> Evidence {
        Evidence {
            subject: "Microsoft.ContainerRegistry/registries/publicNetworkAccess".into(),
            path: Some("properties.publicNetworkAccess".into()),
            operator: op.as_azure_str().into(),
            op,
            looked: Looked::Field,
            expected,
            actual,
            held,
        }
    }

    fn count(op: Op, expected: i64, actual: i64, filtered: bool, held: bool) -> Evidence {
        Evidence {
            subject: String::new(),
            path: None,
            operator: op.as_azure_str().into(),
            op,
            looked: Looked::Count {
                what: "properties.privateEndpointConnections[*]".into(),
                filtered,
            },
            expected: json!(expected),
            actual: Some(json!(actual)),
            held,
        }
    }

    #[test]
    fn a_field_reads_as_what_was_seen_and_what_is_required() {
        let seen = |op, exp, act, held| describe(&field(op, exp, act, held));
        assert_eq!(
            seen(
                Op::NotEquals,
                json!("Disabled"),
                Some(json!("Enabled")),
                true
            ),
            "properties.publicNetworkAccess is \"Enabled\"; it must be \"Disabled\""
        );
        assert_eq!(
            seen(Op::NotEquals, json!("Disabled"), None, true),
            "properties.publicNetworkAccess is missing; it must be \"Disabled\""
        );
        assert_eq!(
            seen(Op::Equals, json!(true), Some(json!(true)), true),
            "properties.publicNetworkAccess is true; it must not be true"
        );
        assert_eq!(
            seen(Op::Exists, json!(false), None, true),
            "properties.publicNetworkAccess is missing; it must exist"
        );
        assert_eq!(
            seen(Op::Exists, json!("true"), Some(json!(1)), true),
            "properties.publicNetworkAccess is 1; it must not exist"
        );
        // Inside an existence condition a leaf that failed is the requirement itself.
        assert_eq!(
            seen(Op::In, json!(["a", "b"]), Some(json!("c")), false),
            "properties.publicNetworkAccess is \"c\"; it must be one of [\"a\",\"b\"]"
        );
        assert_eq!(
            seen(Op::Less, json!(7), Some(json!(9)), false),
            "properties.publicNetworkAccess is 9; it must be less than 7"
        );
        assert_eq!(
            seen(Op::Less, json!(7), Some(json!(3)), true),
            "properties.publicNetworkAccess is 3; it must not be less than 7"
        );
    }

    #[test]
    fn a_count_reads_as_how_many_and_how_many_are_required() {
        assert_eq!(
            describe(&count(Op::Less, 1, 0, true, true)),
            "no properties.privateEndpointConnections[*] matches the rule's `where`; \
             at least 1 is required"
        );
        assert_eq!(
            describe(&count(Op::Greater, 0, 2, true, true)),
            "2 properties.privateEndpointConnections[*] match the rule's `where`; \
             none is allowed"
        );
        assert_eq!(
            describe(&count(Op::GreaterOrEquals, 3, 1, false, false)),
            "properties.privateEndpointConnections[*] has 1 element; at least 3 are required"
        );
        assert_eq!(
            describe(&count(Op::Equals, 2, 0, false, false)),
            "properties.privateEndpointConnections[*] has no elements; exactly 2 are required"
        );
    }
}
