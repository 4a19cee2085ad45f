//! `acrpc publish`: the pure part. What a pack wants to exist at a scope
//! ([`desired`]), how that compares with what Azure has ([`diff`]), and the
//! plan shown to the user ([`render_plan`]). The HTTP side is in
//! [`client`]; the command that ties them together is `cli::publish`.
#![allow(clippy::indexing_slicing)] // not yet worked down: 9 sites

pub mod client;

use crate::emit::assignment::{
    EXEMPTION_API_VERSION, ROLE_ASSIGNMENT_API_VERSION, assignment, exemption, role_assignment,
};
use crate::emit::model::{Kind, resources, rewrite_member_ids};
use crate::ir::{Assigned, Origin, Pack};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// What publish writes. The order of the variants is the apply order: each
/// kind refers to kinds before it (an initiative to definitions, an
/// assignment to either, a role assignment to its assignment's identity, an
/// exemption to its assignment); prunes run in the reverse order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    Definition,
    SetDefinition,
    Assignment,
    RoleAssignment,
    Exemption,
}

impl Item {
    /// The order prunes run in: what refers to others goes first.
    pub const PRUNE_ORDER: [Item; 5] = [
        Item::Exemption,
        Item::RoleAssignment,
        Item::Assignment,
        Item::SetDefinition,
        Item::Definition,
    ];

    /// The path segment under `providers/Microsoft.Authorization/`.
    pub fn collection(self) -> &'static str {
        match self {
            Item::Definition => "policyDefinitions",
            Item::SetDefinition => "policySetDefinitions",
            Item::Assignment => "policyAssignments",
            Item::RoleAssignment => "roleAssignments",
            Item::Exemption => "policyExemptions",
        }
    }

    /// The API version of requests for this kind: `policy` (`--api-version`)
    /// for definitions, initiatives and assignments; role assignments
    /// `2022-04-01` (Microsoft.Authorization/roleAssignments, the newest GA);
    /// exemptions `2024-12-01-preview`, the only version that has them.
    pub fn api_version(self, policy: &str) -> &str {
        match self {
            Item::RoleAssignment => ROLE_ASSIGNMENT_API_VERSION,
            Item::Exemption => EXEMPTION_API_VERSION,
            _ => policy,
        }
    }

    /// Whether the source of this kind is an `assignment`/`exemption` item
    /// (rather than a rule or an initiative).
    pub fn from_placement(self) -> bool {
        matches!(
            self,
            Item::Assignment | Item::RoleAssignment | Item::Exemption
        )
    }
}

impl From<Kind> for Item {
    fn from(k: Kind) -> Item {
        match k {
            Kind::Definition => Item::Definition,
            Kind::SetDefinition => Item::SetDefinition,
        }
    }
}

/// One resource a pack wants.
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    pub kind: Item,
    pub pack: String,
    /// The id in the pack (rule, initiative, assignment or exemption id; for
    /// a role assignment `<assignment id>/<role GUID>`).
    pub id: String,
    /// The pack item the resource came from: the rule of a definition (its
    /// own id, or the rule whose `fix` produced a modify companion), the
    /// initiative, the assignment (also of its role assignments), the
    /// exemption.
    pub source_id: String,
    pub name: String,
    /// Where it is written: the publish scope for definitions and
    /// initiatives, its own scope for the others.
    pub scope: String,
    /// The PUT body: `properties`, and for assignments `identity` and
    /// `location`. A role assignment's `principalId` is
    /// [`crate::emit::assignment::PRINCIPAL_PLACEHOLDER`] until its assignment's identity is known.
    pub body: Value,
}

impl Desired {
    pub fn properties(&self) -> &Value {
        self.body.get("properties").unwrap_or(&Value::Null)
    }

    pub fn version(&self) -> Option<&str> {
        self.properties().get("version").and_then(Value::as_str)
    }

    /// The resource path the requests for it go to.
    pub fn path(&self) -> String {
        resource_path(&self.scope, self.kind, &self.name)
    }

    /// The body with the assignment identity's principal filled in (role
    /// assignments only; others as they are).
    pub fn body_for(&self, principal: Option<&str>) -> Value {
        let mut body = self.body.clone();
        if let (Item::RoleAssignment, Some(p)) = (self.kind, principal)
            && let Some(props) = body.get_mut("properties").and_then(Value::as_object_mut)
        {
            props.insert("principalId".into(), json!(p));
        }
        body
    }
}

/// A scope's resource path: `<scope>/providers/Microsoft.Authorization/<collection>/<name>`.
pub fn resource_path(scope: &str, kind: Item, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Authorization/{}/{name}",
        scope.trim_end_matches('/'),
        kind.collection()
    )
}

/// Everything a pack wants at `scope`, in apply order: definitions,
/// initiatives (members pointing at `scope`), assignments (at their own
/// scope, or `scope`), their role assignments, exemptions.
pub fn desired(pack: &Pack, scope: &str) -> Vec<Desired> {
    let scope = scope.trim_end_matches('/');
    let mut out: Vec<Desired> = resources(pack)
        .into_iter()
        .map(|r| {
            let properties = match r.kind {
                Kind::Definition => r.properties.clone(),
                Kind::SetDefinition => rewrite_member_ids(&r, |name| {
                    json!(resource_path(scope, Item::Definition, name))
                }),
            };
            let source_id = pack
                .definitions
                .iter()
                .find(|d| d.id == r.id && r.kind == Kind::Definition)
                .and_then(|d| match &d.origin {
                    Origin::ModifyCompanion { of } => Some(of.clone()),
                    Origin::Rule => None,
                })
                .unwrap_or_else(|| r.id.clone());
            Desired {
                kind: r.kind.into(),
                pack: pack.id.clone(),
                id: r.id,
                source_id,
                name: r.name,
                scope: scope.to_string(),
                body: json!({ "properties": properties }),
            }
        })
        .collect();
    out.extend(placements(pack, scope));
    out.sort_by_key(|d| d.kind);
    out
}

/// Assignments, their role assignments and exemptions, with every id made
/// concrete: the assigned definition at `scope` (where publish puts it),
/// each resource at its own scope or `scope`.
fn placements(pack: &Pack, scope: &str) -> Vec<Desired> {
    let at = |s: Option<&str>| s.unwrap_or(scope).trim_end_matches('/').to_string();
    let item = |kind, id: &str, source: &str, name: &str, scope: String, body: Value| Desired {
        kind,
        pack: pack.id.clone(),
        id: id.to_string(),
        source_id: source.to_string(),
        name: name.to_string(),
        scope,
        body,
    };
    let mut out = Vec::new();
    for a in &pack.assignments {
        let a_scope = at(a.scope.as_deref());
        let mut body = without_name(assignment(a, pack));
        let (kind, name) = match &a.assigned {
            Assigned::Initiative { name, .. } => (Item::SetDefinition, name),
            Assigned::Definition { name, .. } => (Item::Definition, name),
        };
        set(
            &mut body,
            &["properties", "policyDefinitionId"],
            json!(resource_path(scope, kind, name)),
        );
        set(
            &mut body,
            &["properties", "metadata", "acrpc", "scope"],
            json!(a_scope),
        );
        out.push(item(
            Item::Assignment,
            &a.id,
            &a.id,
            &a.id,
            a_scope.clone(),
            body,
        ));
        for r in &a.role_assignments {
            let mut body = without_name(role_assignment(r, a));
            // `scope` is where the role assignment is PUT; in the REST body
            // it is read-only.
            if let Some(p) = body.get_mut("properties").and_then(Value::as_object_mut) {
                p.remove("scope");
            }
            let r_scope = r.scope.clone().unwrap_or_else(|| a_scope.clone());
            out.push(item(
                Item::RoleAssignment,
                &role_assignment_id(&a.id, &r.role_definition_id),
                &a.id,
                &r.name,
                r_scope,
                body,
            ));
        }
    }
    for e in &pack.exemptions {
        let asg_scope = at(e.assignment_scope.as_deref());
        let e_scope = at(e.scope.as_deref().or(e.assignment_scope.as_deref()));
        let mut body = without_name(exemption(e, pack));
        set(
            &mut body,
            &["properties", "policyAssignmentId"],
            json!(resource_path(&asg_scope, Item::Assignment, &e.assignment)),
        );
        set(
            &mut body,
            &["properties", "metadata", "acrpc", "scope"],
            json!(e_scope),
        );
        out.push(item(Item::Exemption, &e.id, &e.id, &e.id, e_scope, body));
    }
    out
}

fn without_name(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("name");
    }
    v
}

/// Sets `v[path…] = value` where every object on the way exists.
fn set(v: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for p in parents {
        match cur.get_mut(*p) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(o) = cur.as_object_mut() {
        o.insert((*last).to_string(), value);
    }
}

/// The principal of an assignment's managed identity as Azure returns it:
/// `identity.principalId` for a system-assigned identity, the one
/// `userAssignedIdentities.<id>.principalId` for a user-assigned one.
pub fn principal_of(assignment: &Value) -> Option<String> {
    let identity = assignment.get("identity")?;
    if let Some(p) = identity.get("principalId").and_then(Value::as_str) {
        return Some(p.to_string());
    }
    identity
        .get("userAssignedIdentities")?
        .as_object()?
        .values()
        .find_map(|v| v.get("principalId").and_then(Value::as_str))
        .map(str::to_string)
}

/// Metadata keys Azure adds on write.
const SERVER_METADATA: [&str; 4] = ["createdBy", "createdOn", "updatedBy", "updatedOn"];

/// Property keys Azure adds or fixes on write, per kind, and never sent by
/// publish: definitions' `policyType` (always `Custom` for what we write)
/// and `versions` (the stored versions); assignments' read-only `scope`,
/// `instanceId`, `assignmentType`, `effectiveDefinitionVersion`,
/// `latestDefinitionVersion` (REST `PolicyAssignmentProperties`);
/// exemptions' `assignmentScopeValidation` (a request option, default
/// `Default`). Role assignments are compared on [`ROLE_FIELDS`] only.
fn server_properties(kind: Item) -> &'static [&'static str] {
    match kind {
        Item::Definition | Item::SetDefinition => &["policyType", "versions"],
        Item::Assignment => &[
            "scope",
            "instanceId",
            "assignmentType",
            "effectiveDefinitionVersion",
            "latestDefinitionVersion",
        ],
        Item::Exemption => &["assignmentScopeValidation"],
        Item::RoleAssignment => &[],
    }
}

/// What publish writes of a role assignment. Azure adds `scope`,
/// `condition`, `conditionVersion`, `delegatedManagedIdentityResourceId`
/// and timestamps, and returns `roleDefinitionId` under the subscription
/// of the scope; none of that is a change.
const ROLE_FIELDS: [&str; 4] = [
    "roleDefinitionId",
    "principalId",
    "principalType",
    "description",
];

/// The fields of a body that publish owns, as a map in the body's order:
/// `properties`' keys without the server-added ones (and, in `metadata`,
/// without Azure's timestamps), plus an assignment's `identity` (type and
/// user-assigned ids, not the principal Azure adds) and `location`. Values
/// have their keys sorted (key order never counts as a change).
pub fn fields(kind: Item, body: &Value) -> Map<String, Value> {
    let mut props = body
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for k in server_properties(kind) {
        props.remove(*k);
    }
    if let Some(meta) = props.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in SERVER_METADATA {
            meta.remove(k);
        }
    }
    if matches!(kind, Item::Assignment | Item::Exemption) {
        // `notScopes: []`, `parameters: {}` and an absent field mean the
        // same to Azure, whichever way it answers.
        props.retain(|_, v| !is_empty_collection(v));
    }
    match kind {
        Item::Assignment => {
            props.insert("identity".into(), identity_shape(body.get("identity")));
            if let Some(l) = body.get("location") {
                props.insert("location".into(), l.clone());
            }
        }
        Item::RoleAssignment => {
            props.retain(|k, _| ROLE_FIELDS.contains(&k.as_str()));
            if let Some(Value::String(id)) = props.get_mut("roleDefinitionId") {
                *id = role_definition_guid(id);
            }
        }
        Item::Exemption => {
            if let Some(Value::String(t)) = props.get_mut("expiresOn") {
                *t = utc_time(t);
            }
        }
        Item::Definition | Item::SetDefinition => {}
    }
    props.into_iter().map(|(k, v)| (k, sorted(&v))).collect()
}

fn is_empty_collection(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// An identity as compared: its type and user-assigned ids (the
/// `principalId`/`tenantId`/`clientId` Azure fills in are not ours); no
/// identity is type `None`.
fn identity_shape(identity: Option<&Value>) -> Value {
    let Some(i) = identity.filter(|i| !i.is_null()) else {
        return json!({ "type": "None" });
    };
    let mut out = Map::new();
    out.insert(
        "type".into(),
        i.get("type").cloned().unwrap_or(json!("None")),
    );
    if let Some(ids) = i.get("userAssignedIdentities").and_then(Value::as_object) {
        let mut keys: Vec<String> = ids.keys().map(|k| k.to_ascii_lowercase()).collect();
        keys.sort();
        let ids: Map<String, Value> = keys.into_iter().map(|k| (k, json!({}))).collect();
        out.insert("userAssignedIdentities".into(), Value::Object(ids));
    }
    Value::Object(out)
}

/// A role definition id as compared: Azure answers
/// `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`
/// for what was sent as `/providers/Microsoft.Authorization/roleDefinitions/<guid>`;
/// both name the same built-in role, so only the GUID counts (lower case).
fn role_definition_guid(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase()
}

/// A UTC timestamp as compared: Azure answers `2027-06-30T23:59:59Z` as
/// `2027-06-30T23:59:59.0000000Z` (.NET's seven fraction digits), so a
/// fraction of zeros and a `+00:00` offset are dropped.
fn utc_time(t: &str) -> String {
    let t = t
        .strip_suffix("+00:00")
        .map_or_else(|| t.to_string(), |s| format!("{s}Z"));
    match t.split_once('.') {
        Some((whole, frac))
            if frac
                .strip_suffix('Z')
                .is_some_and(|d| d.chars().all(|c| c == '0')) =>
        {
            format!("{whole}Z")
        }
        _ => t,
    }
}

/// The part of a definition's or initiative's `properties` that publish
/// owns, keys sorted at every level.
pub fn comparable(properties: &Value) -> Value {
    sorted(&Value::Object(fields(
        Item::Definition,
        &json!({ "properties": properties }),
    )))
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&o[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The fields that differ (`metadata` by its keys), in a stable order:
/// desired fields in emitted order, then fields only Azure has.
pub fn changed_fields(kind: Item, desired: &Value, existing: &Value) -> Vec<String> {
    let (want_o, have_o) = (fields(kind, desired), fields(kind, existing));
    let mut keys: Vec<&String> = want_o.keys().collect();
    let mut extra: Vec<&String> = have_o.keys().filter(|k| !want_o.contains_key(*k)).collect();
    extra.sort();
    keys.extend(extra);
    let mut out = Vec::new();
    for k in keys {
        let (w, h) = (want_o.get(k), have_o.get(k));
        if w == h {
            continue;
        }
        match (w, h) {
            (Some(Value::Object(wm)), Some(Value::Object(hm))) if k == "metadata" => {
                let mut sub: Vec<&String> = wm.keys().collect();
                sub.extend(hm.keys().filter(|x| !wm.contains_key(*x)));
                for s in sub {
                    if wm.get(s) != hm.get(s) {
                        out.push(format!("metadata.{s}"));
                    }
                }
            }
            _ => out.push(k.clone()),
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Create,
    /// Changed fields; `new_version` when `properties.version` changes, so
    /// the versioned child resource is written too.
    Update {
        fields: Vec<String>,
        new_version: Option<(String, String)>,
        /// `(field, old, new)` for each changed field, values as compact
        /// JSON (`-` when absent), shortened for the plan.
        values: Vec<(String, String, String)>,
    },
    /// Deleted, then created again: a role assignment whose principal or
    /// role changed (Azure updates neither: `RoleAssignmentUpdateNotPermitted`).
    Recreate {
        fields: Vec<String>,
        values: Vec<(String, String, String)>,
    },
    Unchanged,
    /// Owned by the pack and no longer emitted.
    Prune,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub kind: Item,
    pub pack: String,
    pub id: String,
    pub name: String,
    /// The resource path the request goes to.
    pub path: String,
    pub op: Op,
    /// A renamed rule: the definition this one replaces (on the create) or
    /// the one replacing it (on the prune), as `pack/id (name)`.
    pub replace: Option<Replace>,
}

/// The two halves of a definition replaced by a renamed rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Replace {
    /// On the create of the new definition: the old one.
    Of(String),
    /// On the prune of the old definition: the new one.
    By(String),
}

impl Action {
    pub fn changes(&self) -> bool {
        self.op != Op::Unchanged
    }

    pub fn for_desired(w: &Desired, op: Op) -> Action {
        Action {
            kind: w.kind,
            pack: w.pack.clone(),
            id: w.id.clone(),
            name: w.name.clone(),
            path: w.path(),
            op,
            replace: None,
        }
    }
}

/// The operation for one desired resource given what Azure returned for
/// its name (`None`: not found). `body` is what would be written (a role
/// assignment's with the principal filled in when it is known).
pub fn diff(kind: Item, body: &Value, existing: Option<&Value>) -> Op {
    let Some(existing) = existing else {
        return Op::Create;
    };
    let fields = changed_fields(kind, body, existing);
    if fields.is_empty() {
        return Op::Unchanged;
    }
    let values = field_values(kind, &fields, body, existing);
    if kind == Item::RoleAssignment
        && fields
            .iter()
            .any(|f| f == "principalId" || f == "roleDefinitionId")
    {
        return Op::Recreate { fields, values };
    }
    let props = |v: &Value| {
        v.get("properties")
            .and_then(|p| p.get("version"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let new_version = match (props(existing), props(body)) {
        (Some(o), Some(n)) if o != n => Some((o, n)),
        _ => None,
    };
    Op::Update {
        fields,
        new_version,
        values,
    }
}

/// The longest value shown in a plan line; longer ones are cut to the part
/// around the first difference, with `…` where text is left out.
pub const PLAN_VALUE_CHARS: usize = 100;

/// Both values cut the same way: from a little before the first character
/// where they differ (so that two long arrays do not print the same prefix),
/// at most [`PLAN_VALUE_CHARS`] characters each.
fn shown(old: &str, new: &str) -> (String, String) {
    let (o, n): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    if o.len() <= PLAN_VALUE_CHARS && n.len() <= PLAN_VALUE_CHARS {
        return (old.to_string(), new.to_string());
    }
    let common = o.iter().zip(&n).take_while(|(a, b)| a == b).count();
    let start = common.saturating_sub(20);
    let cut = |c: &[char]| {
        let tail: String = c.iter().skip(start).take(PLAN_VALUE_CHARS).collect();
        let before = if start > 0 { "…" } else { "" };
        let after = if c.len() > start + PLAN_VALUE_CHARS {
            "…"
        } else {
            ""
        };
        format!("{before}{tail}{after}")
    };
    (cut(&o), cut(&n))
}

/// Old and new value of each changed field (`metadata.x` looks inside
/// `metadata`), compared as [`fields`] sees them.
fn field_values(
    kind: Item,
    names: &[String],
    desired: &Value,
    existing: &Value,
) -> Vec<(String, String, String)> {
    let (want, have) = (fields(kind, desired), fields(kind, existing));
    let get = |v: &Map<String, Value>, f: &str| -> Option<Value> {
        match f.split_once('.') {
            Some(("metadata", k)) => v.get("metadata")?.get(k).cloned(),
            _ => v.get(f).cloned(),
        }
    };
    let text = |v: Option<Value>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    names
        .iter()
        .map(|f| {
            let (old, new) = shown(&text(get(&have, f)), &text(get(&want, f)));
            (f.clone(), old, new)
        })
        .collect()
}

/// The pack that owns an existing resource, from its metadata
/// (`metadata.acrpc.pack`, written on every definition, initiative,
/// assignment and exemption).
pub fn owner(existing: &Value) -> Option<(&str, &str)> {
    let acrpc = existing.get("properties")?.get("metadata")?.get("acrpc")?;
    Some((acrpc.get("pack")?.as_str()?, acrpc.get("id")?.as_str()?))
}

/// Existing resources of one kind (listed at `list_scope`) owned by one of
/// `packs` and not among `wanted`: what `--prune` deletes. Each is deleted
/// at the `id` Azure gave it. A listing at a subscription also returns what
/// is inherited from its management groups; those belong to a publish at
/// that management group and are never pruned from here.
pub fn prunable(
    existing: &[Value],
    kind: Item,
    list_scope: &str,
    packs: &[&str],
    wanted: &[Desired],
) -> Vec<Action> {
    let mut out: Vec<Action> = existing
        .iter()
        .filter_map(|e| {
            let (pack, id) = owner(e)?;
            let name = e.get("name")?.as_str()?;
            let path = path_of(e, list_scope, kind, name);
            let inherited = !path.to_ascii_lowercase().starts_with(&format!(
                "{}/",
                list_scope.trim_end_matches('/').to_ascii_lowercase()
            ));
            let keep = inherited || !packs.contains(&pack) || is_wanted(wanted, kind, &path);
            (!keep).then(|| Action {
                kind,
                pack: pack.to_string(),
                id: id.to_string(),
                name: name.to_string(),
                path,
                op: Op::Prune,
                replace: None,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.pack, &a.id, &a.path).cmp(&(&b.pack, &b.id, &b.path)));
    out
}

/// The path of a listed resource: its `id`, else its name at the scope listed.
fn path_of(e: &Value, list_scope: &str, kind: Item, name: &str) -> String {
    e.get("id")
        .and_then(Value::as_str)
        .map_or_else(|| resource_path(list_scope, kind, name), str::to_string)
}

fn is_wanted(wanted: &[Desired], kind: Item, path: &str) -> bool {
    wanted
        .iter()
        .any(|w| w.kind == kind && w.path().eq_ignore_ascii_case(path))
}

/// How a role assignment is named in the plan: its assignment and the
/// role's GUID (its Azure name is a GUID of both and the scope).
fn role_assignment_id(assignment: &str, role_definition_id: &str) -> String {
    format!("{assignment}/{}", role_definition_guid(role_definition_id))
}

/// The `description` acrpc gives the role assignments of an assignment's
/// identity (as `emit::assignment::role_assignment` writes it).
pub fn role_description(assignment_id: &str) -> String {
    format!("acrpc: identity of policy assignment {assignment_id}")
}

/// Role assignments carry no metadata, so ownership is decided by two
/// facts together: the principal is the identity of an assignment the pack
/// owns (its `metadata.acrpc.pack`), and the description is the one acrpc
/// writes for that assignment. A system-assigned identity belongs to its
/// assignment alone; for a user-assigned identity, shared with other
/// resources, the description keeps role assignments made by hand (or by
/// another assignment) out. Those not among `wanted` are pruned.
pub fn prunable_role_assignments(
    listed: &[Value],
    pack: &str,
    assignment_id: &str,
    principal: &str,
    wanted: &[Desired],
) -> Vec<Action> {
    let description = role_description(assignment_id);
    let mut out: Vec<Action> = listed
        .iter()
        .filter_map(|e| {
            let props = e.get("properties")?;
            let ours = props.get("principalId")?.as_str()? == principal
                && props.get("description")?.as_str()? == description;
            let name = e.get("name")?.as_str()?;
            let path = e.get("id")?.as_str()?.to_string();
            let role = props.get("roleDefinitionId")?.as_str()?;
            (ours && !is_wanted(wanted, Item::RoleAssignment, &path)).then(|| Action {
                kind: Item::RoleAssignment,
                pack: pack.to_string(),
                id: role_assignment_id(assignment_id, role),
                name: name.to_string(),
                path,
                op: Op::Prune,
                replace: None,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path.eq_ignore_ascii_case(&b.path));
    out
}

/// A rule whose id changed gets a new definition name (names are derived
/// from ids): with `--prune`, its old definition is pruned and a new one
/// created. Such pairs (same pack, equal `policyRule`) are marked as one
/// replacement; returns `(pack, new id, old id)` of each, for the warning
/// that assignments of the old definition lose it.
pub fn mark_replacements(
    actions: &mut [Action],
    wanted: &[Desired],
    listed_definitions: &[Value],
) -> Vec<(String, String, String)> {
    let rule_of = |body: &Value| body.get("properties")?.get("policyRule").map(sorted);
    let mut out = Vec::new();
    for p in 0..actions.len() {
        let old = &actions[p];
        if old.kind != Item::Definition || old.op != Op::Prune {
            continue;
        }
        let Some(old_rule) = listed_definitions
            .iter()
            .find(|e| {
                e.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.eq_ignore_ascii_case(&old.path))
            })
            .and_then(rule_of)
        else {
            continue;
        };
        let new = actions.iter().position(|c| {
            c.kind == Item::Definition
                && c.op == Op::Create
                && c.replace.is_none()
                && c.pack == old.pack
                && wanted
                    .iter()
                    .find(|w| w.kind == Item::Definition && w.name == c.name)
                    .and_then(|w| rule_of(&w.body))
                    .is_some_and(|r| r == old_rule)
        });
        let Some(c) = new else { continue };
        let label = |a: &Action| format!("{}/{} ({})", a.pack, a.id, a.name);
        let (old_label, new_label) = (label(&actions[p]), label(&actions[c]));
        // One warning per rule (its modify companion is replaced with it).
        let source = wanted
            .iter()
            .find(|w| w.kind == Item::Definition && w.name == actions[c].name)
            .map_or_else(|| actions[c].id.clone(), |w| w.source_id.clone());
        let pair = (actions[c].pack.clone(), source, actions[p].id.clone());
        if !out.iter().any(|(pk, s, _)| *pk == pair.0 && *s == pair.1) {
            out.push(pair);
        }
        actions[c].replace = Some(Replace::Of(old_label));
        actions[p].replace = Some(Replace::By(new_label));
    }
    out
}

pub fn kind_label(kind: Item) -> &'static str {
    match kind {
        Item::Definition => "policyDefinition",
        Item::SetDefinition => "policySetDefinition",
        Item::Assignment => "policyAssignment",
        Item::RoleAssignment => "roleAssignment",
        Item::Exemption => "policyExemption",
    }
}

/// The plan as printed: one line per resource (old -> new for each changed
/// field), then a summary line.
pub fn render_plan(actions: &[Action], scope: &str, api_version: &str) -> String {
    let mut out = format!("Plan for {scope} (api-version {api_version}):\n");
    for a in actions {
        let (sign, verb) = match (&a.op, &a.replace) {
            (Op::Create, Some(Replace::Of(_))) => ('+', "replace"),
            (Op::Create, _) => ('+', "create"),
            (Op::Update { .. }, _) => ('~', "update"),
            (Op::Recreate { .. }, _) => ('~', "recreate"),
            (Op::Unchanged, _) => ('=', "unchanged"),
            (Op::Prune, _) => ('-', "prune"),
        };
        let _ = write!(
            out,
            "  {sign} {verb:<9}  {:<19}  {}/{} ({})",
            kind_label(a.kind),
            a.pack,
            a.id,
            a.name
        );
        // Placements live at their own scope; definitions at the plan's.
        if a.kind.from_placement() {
            let _ = write!(out, " at {}", scope_of_path(&a.path));
        }
        match &a.replace {
            Some(Replace::Of(old)) => {
                let _ = write!(out, ", replacing {old}");
            }
            Some(Replace::By(new)) => {
                let _ = write!(out, ", replaced by {new}");
            }
            None => {}
        }
        let (parts, values) = match &a.op {
            Op::Update {
                fields,
                new_version,
                values,
            } => {
                let mut parts: Vec<String> = Vec::new();
                if let Some((old, new)) = new_version {
                    parts.push(format!("version {old} -> {new} (new version)"));
                }
                parts.extend(fields.iter().filter(|f| *f != "version").cloned());
                (parts, values.as_slice())
            }
            Op::Recreate { fields, values } => {
                let mut parts = fields.clone();
                parts.push("(Azure cannot update these: delete, then create)".to_string());
                (parts, values.as_slice())
            }
            _ => (Vec::new(), &[][..]),
        };
        if !parts.is_empty() {
            let _ = write!(out, ": {}", parts.join(", "));
        }
        // Old -> new for every changed field but the version, shown above.
        for (field, old, new) in values.iter().filter(|(f, ..)| f != "version") {
            let _ = write!(out, "\n      {field}: {old} -> {new}");
        }
        out.push('\n');
    }
    let count = |f: fn(&Op) -> bool| actions.iter().filter(|a| f(&a.op)).count();
    let _ = writeln!(
        out,
        "{} to create, {} to update, {} unchanged, {} to prune.",
        count(|o| *o == Op::Create),
        count(|o| matches!(o, Op::Update { .. } | Op::Recreate { .. })),
        count(|o| *o == Op::Unchanged),
        count(|o| *o == Op::Prune),
    );
    out
}

/// The scope part of a resource path (before `/providers/Microsoft.Authorization/`).
pub fn scope_of_path(path: &str) -> &str {
    let lower = path.to_ascii_lowercase();
    lower
        .rfind("/providers/microsoft.authorization/")
        .map_or(path, |i| &path[..i])
}

/// What publishing is for: a subscription or a management group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Subscription(String),
    ManagementGroup(String),
}

impl Scope {
    /// `/subscriptions/<id>` or
    /// `/providers/Microsoft.Management/managementGroups/<mg>` (a trailing
    /// `/` allowed); anything else is `None`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim_end_matches('/');
        let ok = |v: &str| {
            !v.is_empty()
                && v.len() <= 90
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.()".contains(c))
        };
        if let Some(id) = s.strip_prefix("/subscriptions/") {
            return ok(id).then(|| Scope::Subscription(id.to_string()));
        }
        let mg = s
            .strip_prefix("/providers/Microsoft.Management/managementGroups/")
            .or_else(|| s.strip_prefix("/providers/microsoft.management/managementgroups/"))?;
        ok(mg).then(|| Scope::ManagementGroup(mg.to_string()))
    }

    pub fn path(&self) -> String {
        match self {
            Scope::Subscription(id) => format!("/subscriptions/{id}"),
            Scope::ManagementGroup(mg) => {
                format!("/providers/Microsoft.Management/managementGroups/{mg}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_values_are_cut_around_the_first_difference() {
        assert_eq!(shown("\"a\"", "\"b\""), ("\"a\"".into(), "\"b\"".into()));
        let old = format!("[{}1]", "x".repeat(150));
        let new = format!("[{}2]", "x".repeat(150));
        let (o, n) = shown(&old, &new);
        assert!(o.starts_with('…') && o.ends_with("x1]"), "{o}");
        assert!(n.starts_with('…') && n.ends_with("x2]"), "{n}");
        assert!(o.chars().count() <= PLAN_VALUE_CHARS + 2);
    }

    #[test]
    fn server_fields_and_key_order_are_not_changes() {
        let want = json!({ "displayName": "a", "metadata": { "version": "1.0.0", "category": "c" }, "policyType": "Custom" });
        let have = json!({
            "metadata": { "category": "c", "createdBy": "x", "createdOn": "2026-01-01", "version": "1.0.0" },
            "policyType": "Custom", "versions": ["1.0.0"], "displayName": "a"
        });
        let body = |p: Value| json!({ "properties": p });
        let d = Item::Definition;
        assert!(changed_fields(d, &body(want.clone()), &body(have)).is_empty());
        let have2 = json!({ "displayName": "b", "metadata": { "version": "1.1.0", "category": "c" }, "extra": 1 });
        assert_eq!(
            changed_fields(d, &body(want), &body(have2)),
            ["displayName", "metadata.version", "extra"]
        );
    }

    /// What Azure adds to an assignment on write (REST
    /// `PolicyAssignmentProperties`: read-only `scope`, `instanceId`,
    /// `assignmentType`; the identity's `principalId`/`tenantId`; metadata
    /// timestamps) is not a change; the identity type and location are.
    #[test]
    fn assignment_server_fields_are_not_changes() {
        let want = json!({
            "identity": { "type": "SystemAssigned" }, "location": "westeurope",
            "properties": { "displayName": "a", "metadata": { "acrpc": { "pack": "p" } }, "notScopes": [] }
        });
        let have = json!({
            "id": "/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a",
            "identity": { "type": "SystemAssigned", "principalId": "p1", "tenantId": "t1" },
            "location": "westeurope",
            "properties": {
                "notScopes": [], "scope": "/subscriptions/s", "instanceId": "i", "assignmentType": "Custom",
                "metadata": { "createdBy": "x", "createdOn": "y", "acrpc": { "pack": "p" } }, "displayName": "a"
            }
        });
        assert!(changed_fields(Item::Assignment, &want, &have).is_empty());
        // Azure may leave out what is empty.
        let mut sparse = have.clone();
        if let Some(p) = sparse["properties"].as_object_mut() {
            p.remove("notScopes");
        }
        assert!(changed_fields(Item::Assignment, &want, &sparse).is_empty());
        let moved = json!({ "identity": { "type": "None" }, "location": "northeurope", "properties": have["properties"] });
        assert_eq!(
            changed_fields(Item::Assignment, &want, &moved),
            ["identity", "location"]
        );
    }

    /// Azure answers a role assignment's `roleDefinitionId` under the
    /// subscription and adds `scope`, `condition`, timestamps; a different
    /// principal cannot be updated, so it is a recreate.
    #[test]
    fn role_assignments_compare_their_own_fields() {
        let want = json!({ "properties": {
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/92AAF0DA-9DAB-42B6-94A3-D43CE8D16293",
            "principalId": "p1", "principalType": "ServicePrincipal", "description": "d"
        }});
        let mut have = json!({ "properties": {
            "roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/92aaf0da-9dab-42b6-94a3-d43ce8d16293",
            "principalId": "p1", "principalType": "ServicePrincipal", "description": "d",
            "scope": "/subscriptions/s", "condition": null, "createdOn": "x"
        }});
        assert_eq!(
            diff(Item::RoleAssignment, &want, Some(&have)),
            Op::Unchanged
        );
        have["properties"]["principalId"] = json!("p0");
        assert!(matches!(
            diff(Item::RoleAssignment, &want, Some(&have)),
            Op::Recreate { fields, .. } if fields == ["principalId"]
        ));
    }

    /// A subscription's listing includes definitions and assignments of
    /// its management groups (REST "Policy Definitions - List"): the pack's
    /// own ones there are not pruned by a publish at the subscription.
    #[test]
    fn what_is_inherited_from_above_is_not_pruned() {
        let owned = |id: &str| json!({ "id": id, "name": id.rsplit('/').next(), "properties": { "metadata": { "acrpc": { "pack": "p", "id": "r" } } } });
        let listed = [
            owned(
                "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/policyDefinitions/n1",
            ),
            owned("/subscriptions/s/providers/Microsoft.Authorization/policyDefinitions/n2"),
        ];
        let pruned = prunable(&listed, Item::Definition, "/subscriptions/s", &["p"], &[]);
        let names: Vec<&str> = pruned.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["n2"]);
    }

    /// Azure returns a system-assigned identity's principal as
    /// `identity.principalId`, a user-assigned one's under
    /// `userAssignedIdentities.<id>.principalId` (REST `Identity`,
    /// `UserAssignedIdentitiesValue`).
    #[test]
    fn principals_of_both_identity_kinds() {
        let system = json!({ "identity": { "type": "SystemAssigned", "principalId": "p1", "tenantId": "t" } });
        assert_eq!(principal_of(&system).as_deref(), Some("p1"));
        let user = json!({ "identity": { "type": "UserAssigned", "userAssignedIdentities": {
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u": { "principalId": "p2", "clientId": "c" }
        }}});
        assert_eq!(principal_of(&user).as_deref(), Some("p2"));
        assert_eq!(
            principal_of(&json!({ "identity": { "type": "SystemAssigned" } })),
            None
        );
        assert_eq!(principal_of(&json!({})), None);
    }

    #[test]
    fn exemption_expiry_is_compared_as_a_time() {
        assert_eq!(
            utc_time("2027-06-30T23:59:59.0000000Z"),
            "2027-06-30T23:59:59Z"
        );
        assert_eq!(
            utc_time("2027-06-30T23:59:59+00:00"),
            "2027-06-30T23:59:59Z"
        );
        assert_eq!(utc_time("2027-06-30T23:59:59.5Z"), "2027-06-30T23:59:59.5Z");
    }

    #[test]
    fn role_ownership_reads_the_description_emit_writes() {
        let a = crate::ir::Assignment {
            id: "asg".into(),
            display_name: "t".into(),
            description: None,
            scope: None,
            environment: None,
            assigned: Assigned::Initiative {
                id: "i".into(),
                name: "n".into(),
            },
            definition_version: None,
            enforce: true,
            not_scopes: vec![],
            parameters: vec![],
            messages: vec![],
            resource_selectors: vec![],
            overrides: vec![],
            identity: None,
            location: None,
            role_assignments: vec![],
        };
        let r = crate::ir::RoleAssignment {
            name: "g".into(),
            scope: None,
            role_definition_id: "r".into(),
            assignment: "asg".into(),
        };
        assert_eq!(
            role_assignment(&r, &a)["properties"]["description"],
            json!(role_description("asg"))
        );
    }

    #[test]
    fn scopes() {
        assert_eq!(
            Scope::parse("/subscriptions/abc-1/"),
            Some(Scope::Subscription("abc-1".into()))
        );
        assert_eq!(
            Scope::parse("/providers/Microsoft.Management/managementGroups/mg1").map(|s| s.path()),
            Some("/providers/Microsoft.Management/managementGroups/mg1".into())
        );
        for bad in [
            "",
            "/subscriptions/",
            "subscriptions/x",
            "/subscriptions/a/resourceGroups/b",
            "/x",
        ] {
            assert_eq!(Scope::parse(bad), None, "{bad}");
        }
    }
}
