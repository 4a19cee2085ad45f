//! IR → JSON, as pure functions. Key order is fixed by construction
//! (serde_json's `preserve_order`), numbers and strings are emitted as
//! written, and nothing depends on time or the machine: the same pack always
//! gives the same bytes.

pub mod arm;
pub mod assignment;
pub mod bicep;
mod checker;
mod definition;
pub mod epac;
mod initiative;
pub mod model;
pub mod placement;
mod printer;
pub mod target;
pub mod terraform;
mod terraform_placement;

pub use checker::{CHECKER_FORMAT, checker, checker_schema};
pub use definition::definition;
pub use initiative::{BUILTIN_PREFIX, SCOPE_PLACEHOLDER, initiative};
pub use model::POLICY_API_VERSION;
pub use target::{Target, target_files};

use crate::ir::{Condition, CountSource, Operand};
use serde_json::{Map, Value, json};

/// One file of build output: a path relative to the output directory and
/// its contents.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// Every file a pack compiles to:
/// `<pack>/policyDefinitions/<id>.json`, `<pack>/policySetDefinitions/<id>.json`,
/// `<pack>/policyAssignments/<id>.json`, `<pack>/roleAssignments/<guid>.json`,
/// `<pack>/policyExemptions/<id>.json` and `<pack>/checker.json`.
pub fn pack_files(pack: &crate::ir::Pack) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for d in &pack.definitions {
        out.push(OutputFile {
            path: format!("{}/policyDefinitions/{}.json", pack.id, d.id),
            contents: pretty(&definition(d, pack)),
        });
    }
    for i in &pack.initiatives {
        out.push(OutputFile {
            path: format!("{}/policySetDefinitions/{}.json", pack.id, i.id),
            contents: pretty(&initiative(i, pack)),
        });
    }
    for a in &pack.assignments {
        out.push(OutputFile {
            path: format!("{}/policyAssignments/{}.json", pack.id, a.id),
            contents: pretty(&assignment::assignment(a, pack)),
        });
        for r in &a.role_assignments {
            out.push(OutputFile {
                path: format!("{}/roleAssignments/{}.json", pack.id, r.name),
                contents: pretty(&assignment::role_assignment(r, a)),
            });
        }
    }
    for e in &pack.exemptions {
        out.push(OutputFile {
            path: format!("{}/policyExemptions/{}.json", pack.id, e.id),
            contents: pretty(&assignment::exemption(e, pack)),
        });
    }
    out.push(OutputFile {
        path: format!("{}/checker.json", pack.id),
        contents: pretty(&checker(pack)),
    });
    out
}

/// Two-space indented JSON with a final newline.
pub fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".to_string());
    s.push('\n');
    s
}

/// A value as it appears in policy JSON: template expressions in brackets,
/// and literal strings escaped by ARM's rule (`expr::escape_literal`: one
/// more `[` only on strings that start with `[` and end with `]`) so Azure
/// reads back exactly the literal.
pub fn operand(o: &Operand) -> Value {
    match o {
        Operand::Expr(e) => Value::String(format!("[{e}]")),
        Operand::Literal(v) => escape_literal(v),
    }
}

fn escape_literal(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::expr::escape_literal(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(escape_literal).collect()),
        other => other.clone(),
    }
}

/// A condition in Azure Policy's JSON shape. With `with_paths`, each field
/// condition also carries `"path"`: the ARM JSON path the local checker reads.
pub fn condition(c: &Condition, with_paths: bool) -> Value {
    match c {
        Condition::AllOf(v) => {
            json!({ "allOf": v.iter().map(|c| condition(c, with_paths)).collect::<Vec<_>>() })
        }
        Condition::AnyOf(v) => {
            json!({ "anyOf": v.iter().map(|c| condition(c, with_paths)).collect::<Vec<_>>() })
        }
        Condition::Not(c) => json!({ "not": condition(c, with_paths) }),
        Condition::Field { field, op, value } => {
            let mut m = Map::new();
            m.insert("field".into(), Value::String(field.field.clone()));
            if with_paths && let Some(p) = &field.arm_path {
                m.insert("path".into(), Value::String(p.clone()));
            }
            m.insert(op.as_azure_str().into(), operand(value));
            Value::Object(m)
        }
        Condition::Value { value, op, rhs } => {
            let mut m = Map::new();
            m.insert("value".into(), operand(value));
            m.insert(op.as_azure_str().into(), operand(rhs));
            Value::Object(m)
        }
        Condition::Count {
            source,
            filter,
            op,
            rhs,
        } => {
            let mut count = Map::new();
            match source {
                CountSource::Field(f) => {
                    count.insert("field".into(), Value::String(f.field.clone()));
                    if with_paths && let Some(p) = &f.arm_path {
                        count.insert("path".into(), Value::String(p.clone()));
                    }
                }
                CountSource::Value { value, name } => {
                    count.insert("value".into(), operand(value));
                    count.insert("name".into(), Value::String(name.clone()));
                }
            }
            if let Some(f) = filter {
                count.insert("where".into(), condition(f, with_paths));
            }
            let mut m = Map::new();
            m.insert("count".into(), Value::Object(count));
            m.insert(op.as_azure_str().into(), operand(rhs));
            Value::Object(m)
        }
    }
}
