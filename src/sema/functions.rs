//! The template functions a policy rule may call, with their arity and
//! result type. Source: learn.microsoft.com "Azure Policy definition
//! structure policy rule" → "Policy functions": all ARM template functions
//! are available except those listed as unsupported, plus the policy-only
//! functions `field`, `current`, `requestContext`, `policy`,
//! `ipRangeContains`, `addDays`, `utcNow` (deployment only).

pub use crate::expr::spec::ExprType;
use crate::expr::spec::{self, Policy};

/// A function a policy rule may call: its documented name and signature.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub ret: ExprType,
}

/// The signature of `name` (any case) when a policy rule may call it.
pub fn lookup(name: &str) -> Option<Function> {
    let f = spec::find(name)?;
    match f.policy {
        Policy::Allowed { min, max, ret } => Some(Function {
            name: f.name,
            min,
            max,
            ret,
        }),
        Policy::Refused(_) => None,
    }
}

/// Why a policy rule may not call `name` (any case), if it is a template
/// function that Azure refuses there.
pub fn forbidden(name: &str) -> Option<&'static str> {
    match spec::policy(name)? {
        Policy::Refused(why) => Some(why),
        Policy::Allowed { .. } => None,
    }
}

/// The names a policy rule may call, for did-you-mean.
pub fn allowed_names() -> impl Iterator<Item = &'static str> {
    spec::FUNCTIONS
        .iter()
        .filter(|f| matches!(f.policy, Policy::Allowed { .. }))
        .map(|f| f.name)
}

/// Properties of the objects some functions return.
pub fn members_of(function: &str) -> Option<&'static [&'static str]> {
    Some(match function {
        "subscription" => &["id", "subscriptionId", "tenantId", "displayName"],
        "resourceGroup" => &[
            "id",
            "name",
            "type",
            "location",
            "managedBy",
            "tags",
            "properties",
        ],
        "requestContext" => &["apiVersion"],
        "policy" => &[
            "assignmentId",
            "definitionId",
            "setDefinitionId",
            "definitionReferenceId",
        ],
        _ => return None,
    })
}
