//! Borrowed JSON views of the IR: conditions and operands serialised straight
//! from `ir` types. Building a `serde_json::Value` first cost one allocation
//! per key and string and, for `checker.json`, a tree of the whole pack held
//! at once (issue 15 item 6e: most of a 15,000-rule compile's memory). The
//! `Value`-returning functions (`emit::condition`, `emit::definition`, …)
//! are `serde_json::to_value` of these same views, so both paths give the
//! same keys in the same order.

use crate::ir::{Condition, CountSource, FieldRef, Operand};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// A value as it appears in policy JSON (see [`super::operand`]).
pub struct OperandJson<'a>(pub &'a Operand);

impl Serialize for OperandJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Operand::Expr(e) => s.collect_str(&format_args!("[{e}]")),
            Operand::Literal(v) => LiteralJson(v).serialize(s),
        }
    }
}

/// A literal escaped by ARM's rule: strings, and strings inside arrays, get
/// one more `[` when bracketed (`expr::escape_literal`); objects, numbers
/// and booleans are written as they are.
struct LiteralJson<'a>(&'a Value);

impl Serialize for LiteralJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::String(v) => s.serialize_str(&crate::expr::escape_literal(v)),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&LiteralJson(item))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// A condition in Azure Policy's shape; with `with_paths`, field conditions
/// also carry `"path"` (the ARM JSON path the local checker reads).
pub struct ConditionJson<'a> {
    pub condition: &'a Condition,
    pub with_paths: bool,
}

impl<'a> ConditionJson<'a> {
    fn of(&self, condition: &'a Condition) -> ConditionJson<'a> {
        ConditionJson {
            condition,
            with_paths: self.with_paths,
        }
    }
}

impl Serialize for ConditionJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self.condition {
            Condition::AllOf(v) => m.serialize_entry("allOf", &Conditions(self, v))?,
            Condition::AnyOf(v) => m.serialize_entry("anyOf", &Conditions(self, v))?,
            Condition::Not(c) => m.serialize_entry("not", &self.of(c))?,
            Condition::Field { field, op, value } => {
                field_entries(&mut m, field, self.with_paths)?;
                m.serialize_entry(op.as_azure_str(), &OperandJson(value))?;
            }
            Condition::Value { value, op, rhs } => {
                m.serialize_entry("value", &OperandJson(value))?;
                m.serialize_entry(op.as_azure_str(), &OperandJson(rhs))?;
            }
            Condition::Count {
                source,
                filter,
                op,
                rhs,
            } => {
                let count = CountJson {
                    parent: self,
                    source,
                    filter: filter.as_deref(),
                };
                m.serialize_entry("count", &count)?;
                m.serialize_entry(op.as_azure_str(), &OperandJson(rhs))?;
            }
        }
        m.end()
    }
}

/// `"field"` and, for the checker, `"path"`.
fn field_entries<M: SerializeMap>(
    m: &mut M,
    field: &FieldRef,
    with_paths: bool,
) -> Result<(), M::Error> {
    m.serialize_entry("field", &field.field)?;
    if with_paths && let Some(p) = &field.arm_path {
        m.serialize_entry("path", p)?;
    }
    Ok(())
}

/// The members of `allOf` / `anyOf`.
struct Conditions<'a, 'b>(&'b ConditionJson<'a>, &'a [Condition]);

impl Serialize for Conditions<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        for c in self.1 {
            seq.serialize_element(&self.0.of(c))?;
        }
        seq.end()
    }
}

/// The object under `"count"`: its source, then `"where"`.
struct CountJson<'a, 'b> {
    parent: &'b ConditionJson<'a>,
    source: &'a CountSource,
    filter: Option<&'a Condition>,
}

impl Serialize for CountJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self.source {
            CountSource::Field(f) => field_entries(&mut m, f, self.parent.with_paths)?,
            CountSource::Value { value, name } => {
                m.serialize_entry("value", &OperandJson(value))?;
                m.serialize_entry("name", name)?;
            }
        }
        if let Some(f) = self.filter {
            m.serialize_entry("where", &self.parent.of(f))?;
        }
        m.end()
    }
}

/// A view serialised to a `Value` (for the callers that inspect or edit the
/// JSON: targets, publish, import, tests). Serialising IR views cannot fail
/// (every map key is a string), so the `Null` fallback is never taken.
pub fn to_value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
