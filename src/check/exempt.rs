//! Exemptions of a pack's assignments, honoured by `acrpc check` the way
//! Azure honours them: a non-compliant result of a rule the exemption covers,
//! on a resource at or below the exemption's scope, is reported as exempted
//! (like a suppression, with category, expiry and reason); an expired one is
//! reported as expired and does not hide the finding.
//!
//! Only what the input can prove is honoured: the resource id must be known
//! (exports, or `--subscription`/`--resource-group` for templates), and an
//! exemption at management-group scope is not applied, since which
//! subscriptions a management group holds is not in the input.

use crate::eval::Rule;
use crate::inputs::{Resource, Suppression};
use crate::ir;
use crate::sema::{ScopeKind, scope_kind};

/// One exemption, resolved to what `check` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Exemption {
    pub name: String,
    /// The exemption's scope, else its assignment's; `None` when neither is
    /// known (`{scope}`), which never matches.
    pub scope: Option<String>,
    /// Rule ids it covers.
    pub rules: Vec<String>,
    pub suppression_reason: String,
    pub expires: Option<String>,
}

/// The exemptions of a compiled pack.
pub fn from_pack(pack: &ir::Pack) -> Vec<Exemption> {
    pack.exemptions
        .iter()
        .filter_map(|e| {
            let a = pack.assignments.iter().find(|a| a.id == e.assignment)?;
            let rules = if e.members.is_empty() {
                assigned_rules(pack, &a.assigned)
            } else {
                e.members.clone()
            };
            let mut reason = format!("exemption `{}` ({})", e.id, e.category);
            if let Some(t) = &e.ticket {
                reason.push_str(&format!(", {t}"));
            }
            if let Some(d) = e.description.as_ref().or(e.display_name.as_ref()) {
                reason.push_str(&format!(": {d}"));
            }
            Some(Exemption {
                name: e.id.clone(),
                scope: e.scope.clone().or_else(|| a.scope.clone()),
                rules,
                suppression_reason: reason,
                expires: e.expires.clone(),
            })
        })
        .collect()
}

fn assigned_rules(pack: &ir::Pack, assigned: &ir::Assigned) -> Vec<String> {
    match assigned {
        ir::Assigned::Definition { id, .. } => vec![id.clone()],
        ir::Assigned::Initiative { id, .. } => pack
            .initiatives
            .iter()
            .find(|i| &i.id == id)
            .map(|i| i.members.iter().map(|m| m.definition_id.clone()).collect())
            .unwrap_or_default(),
    }
}

/// The exemption covering `rule` on `resource`, as a suppression.
pub fn matching(
    exemptions: &[Exemption],
    rule: &Rule,
    resource: &Resource,
    subscription: Option<&str>,
    resource_group: Option<&str>,
) -> Option<Suppression> {
    if exemptions.is_empty() {
        return None;
    }
    let id = resource_id(resource, subscription, resource_group)?;
    exemptions
        .iter()
        .find(|e| {
            e.rules.iter().any(|r| r.eq_ignore_ascii_case(&rule.id))
                && e.scope.as_deref().is_some_and(|s| within(&id, s))
        })
        .map(|e| Suppression {
            rule: rule.id.clone(),
            reason: e.suppression_reason.clone(),
            expires: e.expires.clone(),
        })
}

/// The resource's id: known, or built from the subscription and resource
/// group (the resource's own, else the command line's).
fn resource_id(r: &Resource, subscription: Option<&str>, group: Option<&str>) -> Option<String> {
    if let Some(id) = &r.id {
        return (!id.contains(crate::inputs::UNKNOWN_MARK)).then(|| id.clone());
    }
    let sub = r.subscription_id.as_deref().or(subscription)?;
    let rg = r.resource_group.as_deref().or(group)?;
    let id = format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/{}",
        r.relative_id()
    );
    (!id.contains(crate::inputs::UNKNOWN_MARK)).then_some(id)
}

/// Is `id` at or below `scope` (segment-wise, ignoring case, as ARM
/// compares ids)? Management-group scopes are never provably above a
/// resource id.
fn within(id: &str, scope: &str) -> bool {
    if matches!(scope_kind(scope), Some(ScopeKind::ManagementGroup) | None) {
        return false;
    }
    let id = id.trim_end_matches('/').to_ascii_lowercase();
    let scope = scope.trim_end_matches('/').to_ascii_lowercase();
    id == scope || id.starts_with(&format!("{scope}/"))
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn scopes_contain_ids_segment_wise() {
        let id = "/subscriptions/0/resourceGroups/Apps/providers/Microsoft.ContainerRegistry/registries/r";
        assert!(within(id, "/subscriptions/0"));
        assert!(within(id, "/subscriptions/0/resourcegroups/apps"));
        assert!(within(id, id));
        assert!(!within(id, "/subscriptions/0/resourceGroups/App"));
        assert!(!within(id, "/subscriptions/00"));
        assert!(!within(
            id,
            "/providers/Microsoft.Management/managementGroups/x"
        ));
    }
}
