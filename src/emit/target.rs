//! Build targets: what `acrpc build --target …` writes. `azure` is the plain
//! definition files; the others wrap the same definitions and initiatives in a
//! deployment format (ARM, Bicep, Terraform, EPAC). Every target starts from
//! [`super::model::resources`], so they can never disagree about a
//! definition's content. This module only dispatches: the targets depend on
//! `model`, not on it.

use super::{OutputFile, pack_files};
use crate::ir::Pack;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Definition and initiative JSON files plus checker.json (the default).
    Azure,
    /// ARM templates for subscription and management-group deployments.
    Arm,
    /// Bicep files for subscription and management-group deployments.
    Bicep,
    /// Terraform (azurerm 4) for subscription and management-group scope.
    Terraform,
    /// Enterprise Policy as Code definition and policy set files.
    Epac,
}

/// Every file a pack compiles to for `target`.
pub fn target_files(pack: &Pack, target: Target) -> Vec<OutputFile> {
    match target {
        Target::Azure => pack_files(pack),
        Target::Arm => super::arm::files(pack),
        Target::Bicep => super::bicep::files(pack),
        Target::Terraform => super::terraform::files(pack),
        Target::Epac => super::epac::files(pack),
    }
}

/// What `target` cannot carry of the pack's assignments, role assignments
/// and exemptions, one sentence each (the files say it too, as metadata or
/// comments): `acrpc build` warns about each (W1005).
pub fn not_carried(pack: &Pack, target: Target) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match target {
        Target::Azure | Target::Epac => {}
        Target::Arm | Target::Bicep => {
            for scope in super::model::DeployScope::ALL {
                for n in super::placement::plan(pack, scope).left_out {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
        }
        Target::Terraform => out = super::terraform_placement::not_carried(pack),
    }
    out
}
