//! The assignments and exemptions of a pack, honoured by `acrpc check` the
//! way Azure honours them:
//!
//! - a resource an assignment does not evaluate (at or below one of its
//!   `notScopes`, or selected by none of its resource selectors) is not
//!   evaluated by it (azure-docs `concepts/assignment-structure.md`,
//!   "Excluded scopes" and "Resource selectors": the selectors inside one
//!   resource selector must all match, and a resource is evaluated when it
//!   matches any resource selector);
//! - a non-compliant result of a rule an exemption covers, on a resource at
//!   or below the exemption's scope and matching its resource selectors, is
//!   exempted; an expired exemption is reported as expired and does not hide
//!   the finding.
//!
//! Both are reported like suppressions (with the reason, category and
//! expiry). A finding is hidden only when every assignment of the pack that
//! covers the rule and may contain the resource leaves it out; a rule no
//! assignment covers is checked as it is.
//!
//! Only what the input proves is used. The resource id must be known
//! (exports, or `--subscription`/`--resource-group` for templates). Which
//! subscriptions a management group holds is not in any input: a
//! management-group scope contains the input's resources only when
//! `--management-group` names it (the input's subscriptions are in that
//! group or below it). A value the input leaves unknown (a location from a
//! parameter without a value) never excludes or exempts.

use crate::eval::Rule;
use crate::inputs::{Resource, Suppression, UNKNOWN_MARK, suppress};
use crate::ir::{self, ResourceSelector};
use crate::sema::{ScopeKind, scope_kind};
use serde_json::Value;

/// One exemption, resolved to what `check` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Exemption {
    pub name: String,
    /// The exempted assignment's id in the pack.
    pub assignment: String,
    /// The exemption's scope, else its assignment's; `None` when neither is
    /// known (`{scope}`), which never matches.
    pub scope: Option<String>,
    /// Rule ids it covers.
    pub rules: Vec<String>,
    pub suppression_reason: String,
    pub expires: Option<String>,
    pub selectors: Vec<ResourceSelector>,
}

/// One assignment, resolved to what `check` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub id: String,
    /// `None`: not known (`{scope}`), taken to contain the input.
    pub scope: Option<String>,
    /// Rule ids it assigns.
    pub rules: Vec<String>,
    pub not_scopes: Vec<String>,
    pub selectors: Vec<ResourceSelector>,
}

/// What `check` knows about where the input's resources are.
#[derive(Debug, Clone, Copy, Default)]
pub struct Whereabouts<'a> {
    pub subscription: Option<&'a str>,
    pub resource_group: Option<&'a str>,
    /// `--management-group`: groups the input's subscriptions are in.
    pub management_groups: &'a [String],
    /// `YYYY-MM-DD`, for exemption expiry.
    pub today: &'a str,
}

/// The assignments of a compiled pack.
pub fn assignments_of(pack: &ir::Pack) -> Vec<Assignment> {
    pack.assignments
        .iter()
        .map(|a| Assignment {
            id: a.id.clone(),
            scope: a.scope.clone(),
            rules: assigned_rules(pack, &a.assigned),
            not_scopes: a.not_scopes.clone(),
            selectors: a.resource_selectors.clone(),
        })
        .collect()
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
                member_rules(pack, &a.assigned, &e.members)
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
                assignment: a.id.clone(),
                scope: e.scope.clone().or_else(|| a.scope.clone()),
                rules,
                suppression_reason: reason,
                expires: e.expires.clone(),
                selectors: e.resource_selectors.clone(),
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

/// The rule ids of an initiative's members named by reference id.
fn member_rules(pack: &ir::Pack, assigned: &ir::Assigned, members: &[String]) -> Vec<String> {
    let ir::Assigned::Initiative { id, .. } = assigned else {
        return members.to_vec();
    };
    pack.initiatives
        .iter()
        .find(|i| &i.id == id)
        .map(|i| {
            i.members
                .iter()
                .filter(|m| members.contains(&m.reference_id))
                .map(|m| m.definition_id.clone())
                .collect()
        })
        .unwrap_or_else(|| members.to_vec())
}

/// Three-valued answers: what the input proves, or that it cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Yes,
    No,
    Unknown,
}

impl Known {
    fn from(b: bool) -> Known {
        if b { Known::Yes } else { Known::No }
    }

    fn and(self, o: Known) -> Known {
        match (self, o) {
            (Known::No, _) | (_, Known::No) => Known::No,
            (Known::Yes, Known::Yes) => Known::Yes,
            _ => Known::Unknown,
        }
    }

    fn or(self, o: Known) -> Known {
        match (self, o) {
            (Known::Yes, _) | (_, Known::Yes) => Known::Yes,
            (Known::No, Known::No) => Known::No,
            _ => Known::Unknown,
        }
    }
}

/// Why the pack's assignments leave `rule` on `resource` out, as a
/// suppression: an exemption (possibly expired: the caller reports it and
/// the finding counts), or no assignment evaluating the resource. `None`
/// when an assignment evaluates it, or no assignment covers the rule.
pub fn matching(
    assignments: &[Assignment],
    exemptions: &[Exemption],
    rule: &Rule,
    resource: &Resource,
    at: &Whereabouts,
) -> Option<Suppression> {
    if assignments.is_empty() {
        return None;
    }
    let id = resource_id(resource, at.subscription, at.resource_group);
    let mut left_out: Option<Suppression> = None;
    let mut expired: Option<Suppression> = None;
    let mut evaluated = false;
    for a in assignments
        .iter()
        .filter(|a| a.rules.iter().any(|r| r.eq_ignore_ascii_case(&rule.id)))
    {
        let contains = match &a.scope {
            None => Known::Yes,
            Some(s) => within(id.as_deref(), s, at.management_groups),
        };
        if contains == Known::No {
            continue;
        }
        if let Some(s) = excluded(a, resource, id.as_deref(), at, &rule.id) {
            left_out.get_or_insert(s);
            continue;
        }
        match exemption(exemptions, a, rule, resource, id.as_deref(), at) {
            Some(s) if suppress::in_force(&s, at.today) => {
                left_out.get_or_insert(s);
            }
            Some(s) => {
                expired.get_or_insert(s);
                evaluated = true;
            }
            None => evaluated = true,
        }
    }
    if evaluated { expired } else { left_out }
}

/// Assignment `a` does not evaluate the resource: the id is at or below a
/// `notScopes` entry, or no resource selector selects it.
fn excluded(
    a: &Assignment,
    r: &Resource,
    id: Option<&str>,
    at: &Whereabouts,
    rule: &str,
) -> Option<Suppression> {
    if let Some(n) = a
        .not_scopes
        .iter()
        .find(|n| within(id, n, at.management_groups) == Known::Yes)
    {
        return Some(Suppression {
            rule: rule.to_string(),
            reason: format!(
                "not evaluated: assignment `{}` excludes {n} (notScopes)",
                a.id
            ),
            expires: None,
        });
    }
    if !a.selectors.is_empty() && selected(&a.selectors, r, id) == Known::No {
        let names: Vec<&str> = a.selectors.iter().map(|s| s.name.as_str()).collect();
        return Some(Suppression {
            rule: rule.to_string(),
            reason: format!(
                "not evaluated: no resource selector of assignment `{}` selects this resource ({})",
                a.id,
                names.join(", ")
            ),
            expires: None,
        });
    }
    None
}

/// The exemption of assignment `a` covering `rule` on the resource.
fn exemption(
    exemptions: &[Exemption],
    a: &Assignment,
    rule: &Rule,
    r: &Resource,
    id: Option<&str>,
    at: &Whereabouts,
) -> Option<Suppression> {
    exemptions
        .iter()
        .find(|e| {
            e.assignment == a.id
                && e.rules.iter().any(|x| x.eq_ignore_ascii_case(&rule.id))
                && e.scope
                    .as_deref()
                    .is_some_and(|s| within(id, s, at.management_groups) == Known::Yes)
                && (e.selectors.is_empty() || selected(&e.selectors, r, id) == Known::Yes)
        })
        .map(|e| Suppression {
            rule: rule.id.clone(),
            reason: e.suppression_reason.clone(),
            expires: e.expires.clone(),
        })
}

/// Does any resource selector select the resource (all its selectors
/// matching)?
fn selected(selectors: &[ResourceSelector], r: &Resource, id: Option<&str>) -> Known {
    selectors.iter().fold(Known::No, |any, s| {
        let all = s
            .selectors
            .iter()
            .fold(Known::Yes, |all, x| all.and(selector(x, r, id)));
        any.or(all)
    })
}

fn selector(s: &ir::Selector, r: &Resource, id: Option<&str>) -> Known {
    let value = match s.kind.as_str() {
        "resourceLocation" => match r.body.get("location") {
            Some(Value::String(l)) if l.contains(UNKNOWN_MARK) => return Known::Unknown,
            Some(Value::String(l)) => Some(normalise_location(l)),
            _ => None,
        },
        "resourceType" => Some(r.ty.to_ascii_lowercase()),
        "resourceWithoutLocation" => {
            // The only value Azure takes is `subscriptionLevelResources`:
            // resources at subscription level without a location.
            let has_location = match r.body.get("location") {
                Some(Value::String(l)) if l.contains(UNKNOWN_MARK) => return Known::Unknown,
                Some(Value::String(l)) => !l.is_empty() && !l.eq_ignore_ascii_case("global"),
                _ => false,
            };
            let Some(id) = id else {
                return Known::Unknown;
            };
            let subscription_level = !id.to_ascii_lowercase().contains("/resourcegroups/");
            (!has_location && subscription_level).then(|| "subscriptionlevelresources".to_string())
        }
        _ => return Known::Unknown,
    };
    let listed = value.is_some_and(|v| {
        s.values.iter().any(|x| {
            let x = if s.kind == "resourceLocation" {
                normalise_location(x)
            } else {
                x.to_ascii_lowercase()
            };
            x == v
        })
    });
    Known::from(listed != s.not_in)
}

/// Lower case without spaces (`East US 2` is `eastus2`), as Azure compares
/// locations.
fn normalise_location(l: &str) -> String {
    l.replace(' ', "").to_ascii_lowercase()
}

/// The resource's id: known, or built from the subscription and resource
/// group (the resource's own, else the command line's).
fn resource_id(r: &Resource, subscription: Option<&str>, group: Option<&str>) -> Option<String> {
    if let Some(id) = &r.id {
        return (!id.contains(UNKNOWN_MARK)).then(|| id.clone());
    }
    let sub = r.subscription_id.as_deref().or(subscription)?;
    let rg = r.resource_group.as_deref().or(group)?;
    let id = format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/{}",
        r.relative_id()
    );
    (!id.contains(UNKNOWN_MARK)).then_some(id)
}

/// Is `id` at or below `scope` (segment-wise, ignoring case, as ARM
/// compares ids)? A management group contains the input only when
/// `--management-group` names it; an unknown id is unknown.
fn within(id: Option<&str>, scope: &str, management_groups: &[String]) -> Known {
    if scope_kind(scope) == Some(ScopeKind::ManagementGroup) {
        // A group by name or by id.
        let last = |s: &str| {
            s.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        return if management_groups.iter().any(|m| last(m) == last(scope)) {
            Known::Yes
        } else {
            Known::Unknown
        };
    }
    let Some(id) = id else {
        return Known::Unknown;
    };
    let id = id.trim_end_matches('/').to_ascii_lowercase();
    let scope = scope.trim_end_matches('/').to_ascii_lowercase();
    Known::from(id == scope || id.starts_with(&format!("{scope}/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str =
        "/subscriptions/0/resourceGroups/Apps/providers/Microsoft.ContainerRegistry/registries/r";

    #[test]
    fn scopes_contain_ids_segment_wise() {
        let w = |s| within(Some(ID), s, &[]);
        assert_eq!(w("/subscriptions/0"), Known::Yes);
        assert_eq!(w("/subscriptions/0/resourcegroups/apps"), Known::Yes);
        assert_eq!(w(ID), Known::Yes);
        assert_eq!(w("/subscriptions/0/resourceGroups/App"), Known::No);
        assert_eq!(w("/subscriptions/00"), Known::No);
        assert_eq!(within(None, "/subscriptions/0", &[]), Known::Unknown);
    }

    #[test]
    fn a_management_group_contains_the_input_only_when_named() {
        let mg = "/providers/Microsoft.Management/managementGroups/Prod";
        assert_eq!(within(Some(ID), mg, &[]), Known::Unknown);
        assert_eq!(within(Some(ID), mg, &["prod".into()]), Known::Yes);
        assert_eq!(within(None, mg, &[mg.into()]), Known::Yes);
        assert_eq!(within(Some(ID), mg, &["other".into()]), Known::Unknown);
    }
}
