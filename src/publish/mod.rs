//! `acrpc publish`: the pure part. What a pack wants to exist at a scope
//! ([`desired`]), how that compares with what Azure has ([`diff`]), and the
//! plan shown to the user ([`render_plan`]). The HTTP side is in
//! [`client`]; the command that ties them together is `cli::publish`.

pub mod client;

use crate::emit::model::{Kind, resources, rewrite_member_ids};
use crate::ir::{Origin, Pack};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// One definition or initiative a pack wants at the scope.
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    pub kind: Kind,
    pub pack: String,
    /// The id in the pack (rule or initiative id).
    pub id: String,
    /// The rule a definition came from (its own id, or the rule whose `fix`
    /// produced a modify companion); the initiative id for initiatives.
    pub source_id: String,
    pub name: String,
    /// `properties` of the PUT body.
    pub properties: Value,
}

impl Desired {
    pub fn version(&self) -> Option<&str> {
        self.properties.get("version").and_then(Value::as_str)
    }

    /// The PUT body.
    pub fn body(&self) -> Value {
        json!({ "properties": self.properties })
    }
}

/// A scope's resource path for a policy resource:
/// `<scope>/providers/Microsoft.Authorization/<collection>/<name>`.
pub fn resource_path(scope: &str, kind: Kind, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Authorization/{}/{name}",
        scope.trim_end_matches('/'),
        kind.collection()
    )
}

/// Definitions before initiatives, members pointing at `scope`.
pub fn desired(pack: &Pack, scope: &str) -> Vec<Desired> {
    resources(pack)
        .into_iter()
        .map(|r| {
            let properties = match r.kind {
                Kind::Definition => r.properties.clone(),
                Kind::SetDefinition => rewrite_member_ids(&r, |name| {
                    json!(resource_path(scope, Kind::Definition, name))
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
                kind: r.kind,
                pack: pack.id.clone(),
                id: r.id,
                source_id,
                name: r.name,
                properties,
            }
        })
        .collect()
}

/// Metadata keys Azure adds on write.
const SERVER_METADATA: [&str; 4] = ["createdBy", "createdOn", "updatedBy", "updatedOn"];
/// Property keys Azure adds or fixes on write (`versions` lists the stored
/// versions; `policyType` is always `Custom` for what we write).
const SERVER_PROPERTIES: [&str; 2] = ["policyType", "versions"];

/// The part of `properties` that publish owns: server-added fields removed,
/// keys sorted at every level (key order never counts as a change).
pub fn comparable(properties: &Value) -> Value {
    let mut props = properties.clone();
    if let Some(o) = props.as_object_mut() {
        for k in SERVER_PROPERTIES {
            o.remove(k);
        }
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in SERVER_METADATA {
                meta.remove(k);
            }
        }
    }
    sorted(&props)
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

/// The fields of `properties` that differ (`metadata` by its keys), in a
/// stable order: desired keys in emitted order, then keys only Azure has.
pub fn changed_fields(desired: &Value, existing: &Value) -> Vec<String> {
    let (want, have) = (comparable(desired), comparable(existing));
    let empty = Map::new();
    let want_o = want.as_object().unwrap_or(&empty);
    let have_o = have.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = desired
        .as_object()
        .map(|o| o.keys().filter(|k| want_o.contains_key(*k)).collect())
        .unwrap_or_default();
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
                let mut sub: Vec<&String> = wm
                    .keys()
                    .chain(hm.keys().filter(|x| !wm.contains_key(*x)))
                    .collect();
                sub.dedup();
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
    Unchanged,
    /// Owned by the pack (metadata `acrpc.pack`) and no longer emitted.
    Prune,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub kind: Kind,
    pub pack: String,
    pub id: String,
    pub name: String,
    pub op: Op,
}

impl Action {
    pub fn changes(&self) -> bool {
        self.op != Op::Unchanged
    }
}

/// The operation for one desired resource given what Azure returned for
/// its name (`None`: not found).
pub fn diff(want: &Desired, existing: Option<&Value>) -> Op {
    let Some(existing) = existing else {
        return Op::Create;
    };
    let have = existing.get("properties").cloned().unwrap_or(Value::Null);
    let fields = changed_fields(&want.properties, &have);
    if fields.is_empty() {
        return Op::Unchanged;
    }
    let old = have.get("version").and_then(Value::as_str);
    let new_version = match (old, want.version()) {
        (Some(o), Some(n)) if o != n => Some((o.to_string(), n.to_string())),
        _ => None,
    };
    let values = field_values(&fields, &want.properties, &have);
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
/// `metadata`), compared as [`comparable`] sees them.
fn field_values(
    fields: &[String],
    desired: &Value,
    existing: &Value,
) -> Vec<(String, String, String)> {
    let (want, have) = (comparable(desired), comparable(existing));
    let get = |v: &Value, f: &str| -> Option<Value> {
        match f.split_once('.') {
            Some(("metadata", k)) => v.get("metadata")?.get(k).cloned(),
            _ => v.get(f).cloned(),
        }
    };
    let text = |v: Option<Value>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    fields
        .iter()
        .map(|f| {
            let (old, new) = shown(&text(get(&have, f)), &text(get(&want, f)));
            (f.clone(), old, new)
        })
        .collect()
}

/// The pack that owns an existing resource, from its metadata.
pub fn owner(existing: &Value) -> Option<(&str, &str)> {
    let acrpc = existing.get("properties")?.get("metadata")?.get("acrpc")?;
    Some((acrpc.get("pack")?.as_str()?, acrpc.get("id")?.as_str()?))
}

/// Existing resources (from a list at the scope) owned by one of `packs`
/// and not among `wanted`: what `--prune` deletes.
pub fn prunable(existing: &[Value], kind: Kind, packs: &[&str], wanted: &[Desired]) -> Vec<Action> {
    let mut out: Vec<Action> = existing
        .iter()
        .filter_map(|e| {
            let (pack, id) = owner(e)?;
            let name = e.get("name")?.as_str()?;
            let keep = !packs.contains(&pack)
                || wanted
                    .iter()
                    .any(|w| w.kind == kind && w.name.eq_ignore_ascii_case(name));
            (!keep).then(|| Action {
                kind,
                pack: pack.to_string(),
                id: id.to_string(),
                name: name.to_string(),
                op: Op::Prune,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.pack, &a.id).cmp(&(&b.pack, &b.id)));
    out
}

pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Definition => "policyDefinition",
        Kind::SetDefinition => "policySetDefinition",
    }
}

/// The plan as printed: one line per resource, then a summary line.
pub fn render_plan(actions: &[Action], scope: &str, api_version: &str) -> String {
    let mut out = format!("Plan for {scope} (api-version {api_version}):\n");
    for a in actions {
        let (sign, verb) = match &a.op {
            Op::Create => ('+', "create"),
            Op::Update { .. } => ('~', "update"),
            Op::Unchanged => ('=', "unchanged"),
            Op::Prune => ('-', "prune"),
        };
        let _ = write!(
            out,
            "  {sign} {verb:<9}  {:<19}  {}/{} ({})",
            kind_label(a.kind),
            a.pack,
            a.id,
            a.name
        );
        if let Op::Update {
            fields,
            new_version,
            values,
        } = &a.op
        {
            let mut parts: Vec<String> = Vec::new();
            if let Some((old, new)) = new_version {
                parts.push(format!("version {old} -> {new} (new version)"));
            }
            parts.extend(fields.iter().filter(|f| *f != "version").cloned());
            let _ = write!(out, ": {}", parts.join(", "));
            // Old -> new for every changed field but the version, shown above.
            for (field, old, new) in values.iter().filter(|(f, ..)| f != "version") {
                let _ = write!(out, "\n      {field}: {old} -> {new}");
            }
        }
        out.push('\n');
    }
    let count = |f: fn(&Op) -> bool| actions.iter().filter(|a| f(&a.op)).count();
    let _ = writeln!(
        out,
        "{} to create, {} to update, {} unchanged, {} to prune.",
        count(|o| *o == Op::Create),
        count(|o| matches!(o, Op::Update { .. })),
        count(|o| *o == Op::Unchanged),
        count(|o| *o == Op::Prune),
    );
    out
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
        assert!(changed_fields(&want, &have).is_empty());
        let have2 = json!({ "displayName": "b", "metadata": { "version": "1.1.0", "category": "c" }, "extra": 1 });
        assert_eq!(
            changed_fields(&want, &have2),
            ["displayName", "metadata.version", "extra"]
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
