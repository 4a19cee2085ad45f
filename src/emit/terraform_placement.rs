//! Assignments, their role assignments and exemptions in the Terraform
//! target (azurerm 4.x), appended to each `main.tf` by `terraform`.
//!
//! azurerm has one resource type per scope kind, so the type follows the
//! scope (`azurerm_{management_group,subscription,resource_group,resource}_
//! policy_assignment` and `…_policy_exemption`), and any scope can be
//! written as a literal id: an assignment with a known scope goes in the
//! file of its kind (a management group in `managementGroup/`, anything at
//! or below a subscription in `subscription/`), one without goes in both at
//! the file's own scope (`var.management_group_id`, the provider's
//! subscription). Role assignments are `azurerm_role_assignment` with the
//! assignment identity's `principal_id`.
//!
//! Arguments as documented by hashicorp/terraform-provider-azurerm
//! (`website/docs/r/management_group_policy_assignment.html.markdown`,
//! `management_group_policy_exemption.html.markdown`,
//! `role_assignment.html.markdown`): `overrides` take only an effect
//! `value` (no `kind`), and there is no argument for `definitionVersion`,
//! version overrides or an exemption's resource selectors; those are
//! written as comments so nobody believes they are deployed.
//!
//! Built-in roles are given by `role_definition_name`: Azure returns a role
//! definition id scoped to the subscription of the assignment, so a
//! tenant-level `role_definition_id` would show a change on every plan
//! (hashicorp/terraform-provider-azurerm#8558).

use super::model::DeployScope;
use super::terraform::{hcl_value, local_name, string};
use crate::ir::{Assigned, Assignment, Exemption, Identity, Pack, RoleAssignment};
use crate::sema::{ScopeKind, scope_kind};
use serde_json::Value;
use std::fmt::Write;

/// What azurerm has no argument for, one sentence each.
pub fn not_carried(pack: &Pack) -> Vec<String> {
    let mut out = Vec::new();
    for a in &pack.assignments {
        if let Some(v) = &a.definition_version {
            out.push(format!(
                "assignment `{}`: definitionVersion {v} (azurerm has no argument for it)",
                a.id
            ));
        }
        for o in a.overrides.iter().filter(|o| o.kind != "policyEffect") {
            out.push(format!(
                "assignment `{}`: override {} = {} (azurerm overrides take only an effect)",
                a.id, o.kind, o.value
            ));
        }
    }
    for e in pack
        .exemptions
        .iter()
        .filter(|e| !e.resource_selectors.is_empty())
    {
        out.push(format!(
            "exemption `{}`: resource selectors (azurerm has no argument for them)",
            e.id
        ));
    }
    out
}

/// Does a file for `deploy` carry assignment `a`?
fn carries(a: &Assignment, deploy: DeployScope) -> bool {
    match a.scope.as_deref().and_then(scope_kind) {
        None => true,
        Some(ScopeKind::ManagementGroup) => deploy == DeployScope::ManagementGroup,
        Some(_) => deploy == DeployScope::Subscription,
    }
}

/// Whether any placement of `pack` in the file for `deploy` needs the
/// provider's subscription (`data.azurerm_subscription.current`).
pub fn needs_current_subscription(pack: &Pack, deploy: DeployScope) -> bool {
    deploy == DeployScope::Subscription
        && pack
            .assignments
            .iter()
            .any(|a| carries(a, deploy) && a.scope.is_none())
}

pub const CURRENT_SUBSCRIPTION: &str = "data \"azurerm_subscription\" \"current\" {}\n";

/// Every placement of `pack` the file for `deploy` carries.
pub fn write(pack: &Pack, deploy: DeployScope, out: &mut String) {
    for a in pack.assignments.iter().filter(|a| carries(a, deploy)) {
        let asg = Scoped::of(a.scope.as_deref(), deploy, "policy_assignment");
        out.push('\n');
        assignment(pack, a, &asg, deploy, out);
        let asg_address = format!("{}.{}", asg.resource_type, local_name(&a.id));
        for r in &a.role_assignments {
            out.push('\n');
            role_assignment(a, r, &asg, &asg_address, out);
        }
        for e in pack.exemptions.iter().filter(|e| e.assignment == a.id) {
            out.push('\n');
            exemption(pack, e, &asg, &asg_address, deploy, out);
        }
    }
}

/// The azurerm resource type and scope argument for a scope.
struct Scoped {
    resource_type: String,
    /// `management_group_id`, `subscription_id`, …
    scope_arg: &'static str,
    /// The HCL expression of the scope.
    scope: String,
}

impl Scoped {
    /// `scope` known, or (`None`) the file's own scope.
    fn of(scope: Option<&str>, deploy: DeployScope, suffix: &str) -> Scoped {
        let kind = scope.and_then(scope_kind).unwrap_or(match deploy {
            DeployScope::ManagementGroup => ScopeKind::ManagementGroup,
            DeployScope::Subscription => ScopeKind::Subscription,
        });
        let (prefix, scope_arg) = match kind {
            ScopeKind::ManagementGroup => ("management_group", "management_group_id"),
            ScopeKind::Subscription => ("subscription", "subscription_id"),
            ScopeKind::ResourceGroup => ("resource_group", "resource_group_id"),
            ScopeKind::Resource => ("resource", "resource_id"),
        };
        let expr = match (scope, deploy) {
            (Some(s), _) => string(s),
            (None, DeployScope::ManagementGroup) => "var.management_group_id".into(),
            (None, DeployScope::Subscription) => "data.azurerm_subscription.current.id".into(),
        };
        Scoped {
            resource_type: format!("azurerm_{prefix}_{suffix}"),
            scope_arg,
            scope: expr,
        }
    }
}

fn attr(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "  {key} = {value}");
}

fn json_attr(out: &mut String, key: &str, v: Option<&Value>) {
    if let Some(v) = v {
        attr(out, key, &format!("jsonencode({})", hcl_value(v, 1)));
    }
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", items.join(", "))
}

fn assignment(pack: &Pack, a: &Assignment, asg: &Scoped, deploy: DeployScope, out: &mut String) {
    let body = super::assignment::without_unknown_scope(super::assignment::assignment(a, pack));
    let props = body.get("properties").unwrap_or(&Value::Null);
    let _ = writeln!(
        out,
        "resource \"{}\" \"{}\" {{",
        asg.resource_type,
        local_name(&a.id)
    );
    attr(out, "name", &string(&a.id));
    attr(out, asg.scope_arg, &asg.scope);
    attr(out, "policy_definition_id", &assigned_address(a, deploy));
    attr(out, "display_name", &string(&a.display_name));
    if let Some(d) = &a.description {
        attr(out, "description", &string(d));
    }
    attr(out, "enforce", if a.enforce { "true" } else { "false" });
    if let Some(l) = &a.location {
        attr(out, "location", &string(l));
    }
    json_attr(out, "metadata", props.get("metadata"));
    if !a.not_scopes.is_empty() {
        attr(out, "not_scopes", &list(&a.not_scopes));
    }
    if !a.parameters.is_empty() {
        json_attr(out, "parameters", props.get("parameters"));
    }
    if let Some(v) = &a.definition_version {
        let _ = writeln!(
            out,
            "  # definitionVersion {v}: not deployed by this file (azurerm has no argument for it)"
        );
    }
    if let Some(i) = &a.identity {
        out.push_str("\n  identity {\n");
        match i {
            Identity::System => out.push_str("    type = \"SystemAssigned\"\n"),
            Identity::User(id) => {
                let _ = writeln!(
                    out,
                    "    type         = \"UserAssigned\"\n    identity_ids = [{}]",
                    string(id)
                );
            }
        }
        out.push_str("  }\n");
    }
    for (member, text) in &a.messages {
        out.push_str("\n  non_compliance_message {\n");
        let _ = writeln!(out, "    content = {}", string(text));
        if let Some(m) = member {
            let _ = writeln!(out, "    policy_definition_reference_id = {}", string(m));
        }
        out.push_str("  }\n");
    }
    for s in &a.resource_selectors {
        out.push_str("\n  resource_selectors {\n");
        let _ = writeln!(out, "    name = {}", string(&s.name));
        for x in &s.selectors {
            selector(x, true, out);
        }
        out.push_str("  }\n");
    }
    for o in &a.overrides {
        if o.kind != "policyEffect" {
            let _ = writeln!(
                out,
                "  # override {} = {}: not deployed by this file (azurerm overrides take only an effect)",
                o.kind, o.value
            );
            continue;
        }
        out.push_str("\n  overrides {\n");
        let _ = writeln!(out, "    value = {}", string(&o.value));
        for x in &o.selectors {
            selector(x, false, out);
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
}

fn selector(x: &crate::ir::Selector, with_kind: bool, out: &mut String) {
    out.push_str("    selectors {\n");
    if with_kind {
        let _ = writeln!(out, "      kind = {}", string(&x.kind));
    }
    let key = if x.not_in { "not_in" } else { "in" };
    let _ = writeln!(out, "      {key} = {}", list(&x.values));
    out.push_str("    }\n");
}

/// The address of the definition or initiative the assignment assigns, as
/// the file declares it.
fn assigned_address(a: &Assignment, deploy: DeployScope) -> String {
    match (&a.assigned, deploy) {
        (Assigned::Definition { id, .. }, _) => {
            format!("azurerm_policy_definition.{}.id", local_name(id))
        }
        (Assigned::Initiative { id, .. }, DeployScope::Subscription) => {
            format!("azurerm_policy_set_definition.{}.id", local_name(id))
        }
        (Assigned::Initiative { id, .. }, DeployScope::ManagementGroup) => format!(
            "azurerm_management_group_policy_set_definition.{}.id",
            local_name(id)
        ),
    }
}

fn role_assignment(
    a: &Assignment,
    r: &RoleAssignment,
    asg: &Scoped,
    asg_address: &str,
    out: &mut String,
) {
    let _ = writeln!(
        out,
        "resource \"azurerm_role_assignment\" \"ra_{}\" {{",
        local_name(&r.name)
    );
    let name = match &a.scope {
        Some(_) => string(&r.name),
        // `{scope}`: derive the GUID from where the assignment is deployed.
        None => {
            let mut parts = vec![
                asg.scope.clone(),
                string(&a.id),
                string(&r.role_definition_id),
            ];
            parts.extend(r.scope.as_deref().map(string));
            format!("uuidv5(\"url\", join(\"/\", [{}]))", parts.join(", "))
        }
    };
    attr(out, "name", &name);
    let scope = match &r.scope {
        Some(s) => string(s),
        None => asg.scope.clone(),
    };
    attr(out, "scope", &scope);
    let role_guid = r.role_definition_id.rsplit('/').next().unwrap_or_default();
    match crate::catalog::catalog()
        .roles
        .iter()
        .find(|x| x.id.eq_ignore_ascii_case(role_guid))
    {
        Some(role) => attr(out, "role_definition_name", &string(role.name)),
        None => attr(out, "role_definition_id", &string(&r.role_definition_id)),
    }
    attr(
        out,
        "principal_id",
        &format!("{asg_address}.identity[0].principal_id"),
    );
    attr(out, "principal_type", &string("ServicePrincipal"));
    attr(
        out,
        "description",
        &string(&format!("acrpc: identity of policy assignment {}", a.id)),
    );
    out.push_str("}\n");
}

fn exemption(
    pack: &Pack,
    e: &Exemption,
    asg: &Scoped,
    asg_address: &str,
    deploy: DeployScope,
    out: &mut String,
) {
    let scoped = match &e.scope {
        Some(s) => Scoped::of(Some(s), deploy, "policy_exemption"),
        None => Scoped {
            resource_type: asg
                .resource_type
                .replace("policy_assignment", "policy_exemption"),
            scope_arg: asg.scope_arg,
            scope: asg.scope.clone(),
        },
    };
    let body = super::assignment::without_unknown_scope(super::assignment::exemption(e, pack));
    let props = body.get("properties").unwrap_or(&Value::Null);
    let _ = writeln!(
        out,
        "resource \"{}\" \"{}\" {{",
        scoped.resource_type,
        local_name(&e.id)
    );
    attr(out, "name", &string(&e.id));
    attr(out, scoped.scope_arg, &scoped.scope);
    attr(out, "policy_assignment_id", &format!("{asg_address}.id"));
    attr(out, "exemption_category", &string(&e.category));
    if let Some(t) = &e.display_name {
        attr(out, "display_name", &string(t));
    }
    if let Some(d) = &e.description {
        attr(out, "description", &string(d));
    }
    if let Some(Value::String(x)) = props.get("expiresOn") {
        attr(out, "expires_on", &string(x));
    }
    if !e.members.is_empty() {
        attr(out, "policy_definition_reference_ids", &list(&e.members));
    }
    json_attr(out, "metadata", props.get("metadata"));
    for s in &e.resource_selectors {
        let _ = writeln!(
            out,
            "  # resource selector {}: not deployed by this file (azurerm has no argument for exemption resource selectors)",
            s.name
        );
    }
    out.push_str("}\n");
}
