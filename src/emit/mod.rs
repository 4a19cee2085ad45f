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
    let (definitions, checker) = rayon::join(
        || {
            pack.definitions
                .par_iter()
                .map(|d| definition_file(pack, d))
                .collect::<Vec<_>>()
        },
        || checker_file(pack),
    );
    let mut out = definitions;
    out.extend(other_files(pack));
    out.push(checker);
    out
}

/// The files of [`pack_files`], each handed to `sink` as soon as it is
/// serialised and not kept (a 15,000-rule pack is 72 MB of output): the
/// definitions from several threads at once, in any order, then the others
/// in `pack_files`'s order. Stops at the first error `sink` returns.
pub fn each_pack_file<E: Send>(
    pack: &crate::ir::Pack,
    sink: &(dyn Fn(OutputFile) -> Result<(), E> + Sync),
) -> Result<(), E> {
    let (definitions, checker) = rayon::join(
        || {
            pack.definitions
                .par_iter()
                .try_for_each(|d| sink(definition_file(pack, d)))
        },
        || checker_file(pack),
    );
    definitions?;
    for file in other_files(pack) {
        sink(file)?;
    }
    sink(checker)
}

fn definition_file(pack: &crate::ir::Pack, d: &crate::ir::Definition) -> OutputFile {
    OutputFile {
        path: definition_path(pack, d),
        contents: pretty(&definition::DefinitionJson::new(d, pack)),
    }
}

fn checker_file(pack: &crate::ir::Pack) -> OutputFile {
    OutputFile {
        path: checker_path(pack),
        contents: pretty(&checker::CheckerJson(pack)),
    }
}

/// Initiatives, assignments with their role assignments, and exemptions,
/// serialised one at a time as the iterator is read.
fn other_files(pack: &crate::ir::Pack) -> impl Iterator<Item = OutputFile> + '_ {
    let initiatives = pack.initiatives.iter().map(move |i| OutputFile {
        path: initiative_path(pack, i),
        contents: pretty(&initiative(i, pack)),
    });
    let assignments = pack.assignments.iter().flat_map(move |a| {
        std::iter::once(OutputFile {
            path: assignment_path(pack, a),
            contents: pretty(&assignment::assignment(a, pack)),
        })
        .chain(a.role_assignments.iter().map(move |r| OutputFile {
            path: role_path(pack, r),
            contents: pretty(&assignment::role_assignment(r, a)),
        }))
    });
    let exemptions = pack.exemptions.iter().map(move |e| OutputFile {
        path: exemption_path(pack, e),
        contents: pretty(&assignment::exemption(e, pack)),
    });
    initiatives.chain(assignments).chain(exemptions)
}

/// The paths of [`pack_files`], in its order, without serialising anything
/// (the CLI checks the output folder's layout before it writes).
pub fn pack_file_paths(pack: &crate::ir::Pack) -> Vec<String> {
    let mut out: Vec<String> = pack
        .definitions
        .iter()
        .map(|d| definition_path(pack, d))
        .collect();
    out.extend(pack.initiatives.iter().map(|i| initiative_path(pack, i)));
    for a in &pack.assignments {
        out.push(assignment_path(pack, a));
        out.extend(a.role_assignments.iter().map(|r| role_path(pack, r)));
    }
    out.extend(pack.exemptions.iter().map(|e| exemption_path(pack, e)));
    out.push(checker_path(pack));
    out
}

fn definition_path(pack: &crate::ir::Pack, d: &crate::ir::Definition) -> String {
    format!("{}/policyDefinitions/{}.json", pack.id, d.id)
}
fn initiative_path(pack: &crate::ir::Pack, i: &crate::ir::Initiative) -> String {
    format!("{}/policySetDefinitions/{}.json", pack.id, i.id)
}
fn assignment_path(pack: &crate::ir::Pack, a: &crate::ir::Assignment) -> String {
    format!("{}/policyAssignments/{}.json", pack.id, a.id)
}
fn role_path(pack: &crate::ir::Pack, r: &crate::ir::RoleAssignment) -> String {
    format!("{}/roleAssignments/{}.json", pack.id, r.name)
}
fn exemption_path(pack: &crate::ir::Pack, e: &crate::ir::Exemption) -> String {
    format!("{}/policyExemptions/{}.json", pack.id, e.id)
}
fn checker_path(pack: &crate::ir::Pack) -> String {
    format!("{}/checker.json", pack.id)
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
