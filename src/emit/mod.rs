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
mod json;
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

use crate::ir::{Condition, Operand};
use rayon::prelude::*;
use serde_json::Value;

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
///
/// Definitions and `checker.json` (nearly all of a large pack's output) are
/// serialised straight from the IR, the definitions in parallel with the
/// checker; the order of the files is fixed, whatever the threads do.
pub fn pack_files(pack: &crate::ir::Pack) -> Vec<OutputFile> {
    let definition_file = |d: &crate::ir::Definition| OutputFile {
        path: format!("{}/policyDefinitions/{}.json", pack.id, d.id),
        contents: pretty(&definition::DefinitionJson::new(d, pack)),
    };
    let (definitions, checker) = rayon::join(
        || {
            pack.definitions
                .par_iter()
                .map(definition_file)
                .collect::<Vec<_>>()
        },
        || pretty(&checker::CheckerJson(pack)),
    );
    let mut out = definitions;
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
        contents: checker,
    });
    out
}

/// Two-space indented JSON with a final newline.
pub fn pretty(v: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".to_string());
    s.push('\n');
    s
}

/// A value as it appears in policy JSON: template expressions in brackets,
/// and literal strings escaped by ARM's rule (`expr::escape_literal`: one
/// more `[` only on strings that start with `[` and end with `]`) so Azure
/// reads back exactly the literal.
pub fn operand(o: &Operand) -> Value {
    json::to_value(&json::OperandJson(o))
}

/// A condition in Azure Policy's JSON shape. With `with_paths`, each field
/// condition also carries `"path"`: the ARM JSON path the local checker reads.
pub fn condition(c: &Condition, with_paths: bool) -> Value {
    json::to_value(&json::ConditionJson {
        condition: c,
        with_paths,
    })
}
