//! Reading a field of a resource: Azure Policy's generic fields, tags and
//! aliases (through their ARM path), `[*]`, the element stack of `count`,
//! and values an input could not resolve.

use super::Unknown;
use crate::catalog::catalog;
use crate::inputs::{Resource, as_unknown, is_wholly_unknown, member};
use serde_json::Value;

/// The ARM path of a policy `field` (alias, generic field, tag), as
/// `checker.json` writes it; `None` for an alias acrpc's catalog lacks.
pub fn path_of_field(field: &str) -> Option<String> {
    let cat = catalog();
    if let Some(g) = cat.generic_field(field) {
        return Some(g.path.to_string());
    }
    if let Some(tag) = tag_name(field) {
        return Some(format!("tags.{tag}"));
    }
    cat.property_by_alias(field)
        .map(|(_, p)| p.arm_path.to_string())
}

/// `tags['a.b']`, `tags[a]`, `tags.a` → the tag name.
fn tag_name(field: &str) -> Option<&str> {
    let rest = field
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("tags"))
        .map(|_| &field[4..])?;
    if let Some(key) = rest.strip_prefix('.') {
        return Some(key);
    }
    let inner = rest.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.trim_matches('\''))
}

/// The values a path selects.
#[derive(Debug)]
pub enum Found<'a> {
    /// A path without `[*]` (or relative to the current count element):
    /// `None` when missing.
    One(Option<&'a Value>),
    /// A path through `[*]`: every selected value (none for a missing or
    /// empty array).
    Many(Vec<&'a Value>),
}

/// One level of `count`: the counted array's path and the current element.
#[derive(Clone, Debug)]
pub struct Element<'a> {
    pub prefix: String,
    pub value: &'a Value,
}

/// Reads `path` of `resource`; inside a field count, paths under the
/// counted array start at the current element.
pub fn lookup<'a>(
    resource: &'a Resource,
    generic: &'a GenericValues,
    path: &str,
    elements: &[Element<'a>],
) -> Result<Found<'a>, Unknown> {
    for e in elements.iter().rev() {
        if path.eq_ignore_ascii_case(&e.prefix) {
            return check_known(Found::One(Some(e.value)));
        }
        if let Some(rest) = strip_prefix_ci(path, &e.prefix).and_then(|r| r.strip_prefix('.')) {
            return walk(e.value, rest);
        }
    }
    if let Some(v) = generic.get(path) {
        return check_known(Found::One(v));
    }
    // Everything after `tags.` is the tag name, dots included (checker-format.md).
    if let Some(key) = strip_prefix_ci(path, "tags.") {
        let tag = member(&resource.body, "tags")
            .and_then(|tags| member(tags, key))
            .filter(|v| !v.is_null());
        return check_known(Found::One(tag));
    }
    walk(&resource.body, path)
}

fn strip_prefix_ci<'p>(s: &'p str, prefix: &str) -> Option<&'p str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// An alias acrpc's catalog lacks, read from a resource that holds it by
/// its alias path (a top-level key `Microsoft.X/y/z`, as a hand-written
/// export or test input can give it): ARM bodies never have such keys, so
/// real resources still read as unknown. `None` when the key is absent or
/// the alias goes through `[*]`.
pub fn by_alias_key<'a>(resource: &'a Resource, alias: &str) -> Option<Result<Found<'a>, Unknown>> {
    if alias.contains("[*]") || !alias.contains('/') {
        return None;
    }
    let (_, v) = resource
        .body
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(alias))?;
    let v = (!v.is_null()).then_some(v);
    Some(check_known(Found::One(v)))
}

/// A wholly unknown value is unknown; a string with known parts goes on
/// to the operators, which decide what they can from the known parts.
fn check_known(found: Found<'_>) -> Result<Found<'_>, Unknown> {
    if let Found::One(Some(v)) = &found
        && is_wholly_unknown(v)
    {
        return Err(Unknown::new(as_unknown(v).unwrap_or_default()));
    }
    Ok(found)
}

/// The generic fields Azure derives from a resource's position rather than
/// reading them from the body (`name` is the last segment, `type` the full
/// type, `id` the resource id).
pub struct GenericValues {
    name: Value,
    full_name: Value,
    ty: Value,
    id: Option<Value>,
}

impl GenericValues {
    pub fn of(r: &Resource) -> GenericValues {
        GenericValues {
            name: Value::String(r.name().to_string()),
            full_name: Value::String(r.full_name.clone()),
            ty: Value::String(r.ty.clone()),
            id: r.id.clone().map(Value::String),
        }
    }

    /// `Some(value)` when `path` is one of these fields.
    fn get(&self, path: &str) -> Option<Option<&Value>> {
        let is = |name: &str| path.eq_ignore_ascii_case(name);
        Some(Some(if is("name") {
            &self.name
        } else if is("fullName") {
            &self.full_name
        } else if is("type") {
            &self.ty
        } else if is("id") {
            self.id.as_ref().unwrap_or(&UNKNOWN_ID)
        } else {
            return None;
        }))
    }
}

static UNKNOWN_ID: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    crate::inputs::unknown_value(
        "the resource id depends on the subscription and resource group (pass --subscription and --resource-group)",
    )
});

/// Walks an ARM path (`properties.a.b[*].c`), keys ignoring case (notes §5),
/// `null` read as missing (notes §1), an unresolved value read as unknown.
fn walk<'a>(start: &'a Value, path: &str) -> Result<Found<'a>, Unknown> {
    if !path.contains("[*]") {
        return walk_one(start, path).map(Found::One);
    }
    let mut current: Vec<&'a Value> = vec![start];
    let mut many = false;
    for raw in path.split('.') {
        let (key, star) = match raw.strip_suffix("[*]") {
            Some(k) => (k, true),
            None => (raw, false),
        };
        let mut next = Vec::new();
        for v in current {
            if is_wholly_unknown(v) {
                return Err(Unknown::new(as_unknown(v).unwrap_or_default()));
            }
            let Some(child) = v.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|x| x.1)
            }) else {
                continue;
            };
            if is_wholly_unknown(child) {
                return Err(Unknown::new(as_unknown(child).unwrap_or_default()));
            }
            match (star, child) {
                (true, Value::Array(items)) => next.extend(items.iter()),
                (true, _) | (false, Value::Null) => {}
                (false, _) => next.push(child),
            }
        }
        many |= star;
        current = next;
    }
    if many {
        for v in &current {
            if is_wholly_unknown(v) {
                return Err(Unknown::new(as_unknown(v).unwrap_or_default()));
            }
        }
        Ok(Found::Many(current))
    } else {
        Ok(Found::One(current.first().copied()))
    }
}

/// `walk` for a path without `[*]`: one value or none, no allocation.
fn walk_one<'a>(start: &'a Value, path: &str) -> Result<Option<&'a Value>, Unknown> {
    let mut v = start;
    for key in path.split('.') {
        if is_wholly_unknown(v) {
            return Err(Unknown::new(as_unknown(v).unwrap_or_default()));
        }
        let Some(child) = v.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|x| x.1)
        }) else {
            return Ok(None);
        };
        if is_wholly_unknown(child) {
            return Err(Unknown::new(as_unknown(child).unwrap_or_default()));
        }
        if child.is_null() {
            return Ok(None);
        }
        v = child;
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{Origin, Place, unknown_value};
    use serde_json::json;

    fn resource(body: Value) -> Resource {
        Resource {
            ty: "Microsoft.ContainerRegistry/registries/tokens".into(),
            full_name: "acr/tok".into(),
            id: None,
            scope: None,
            body,
            place: Place::default(),
            origin: Origin::Template,
            condition_unknown: None,
            subscription_id: None,
            resource_group: None,
            suppressions: vec![],
        }
    }

    fn one(r: &Resource, path: &str) -> Result<Option<Value>, Unknown> {
        let g = GenericValues::of(r);
        match lookup(r, &g, path, &[])? {
            Found::One(v) => Ok(v.cloned()),
            Found::Many(_) => panic!("many"),
        }
    }

    #[test]
    fn generic_fields_come_from_the_position() {
        // PR-doc, Fields: name is the resource's own name, fullName with parents.
        let r = resource(json!({"name": "acr/tok"}));
        assert_eq!(one(&r, "name").unwrap(), Some(json!("tok")));
        assert_eq!(one(&r, "fullName").unwrap(), Some(json!("acr/tok")));
        assert!(
            one(&r, "id").is_err(),
            "a template resource's id is unknown"
        );
    }

    #[test]
    fn keys_ignore_case_and_null_is_missing() {
        // notes §5 (property names case-insensitive) and §1 (null does not exist).
        let r = resource(json!({"Properties": {"Status": "enabled", "x": null}}));
        assert_eq!(
            one(&r, "properties.status").unwrap(),
            Some(json!("enabled"))
        );
        assert_eq!(one(&r, "properties.x").unwrap(), None);
    }

    #[test]
    fn tags_match_ignoring_case_and_keep_their_dots() {
        // checker-format.md: everything after `tags.` is the tag name; PR-doc:
        // tag names match ignoring case (PowerShell exports write `Tags`).
        let r = resource(json!({"Tags": {"Cost.Center": "42"}}));
        assert_eq!(one(&r, "tags.cost.center").unwrap(), Some(json!("42")));
        assert_eq!(one(&r, "tags.cost").unwrap(), None);
    }

    #[test]
    fn unresolved_values_are_unknown_not_missing() {
        let r = resource(json!({"properties": unknown_value("reference()")}));
        assert!(one(&r, "properties.status").is_err());
    }

    #[test]
    fn tag_field_spellings() {
        assert_eq!(
            path_of_field("tags['cost.center']").as_deref(),
            Some("tags.cost.center")
        );
        assert_eq!(path_of_field("tags[env]").as_deref(), Some("tags.env"));
        assert_eq!(
            path_of_field("Microsoft.ContainerRegistry/registries/adminUserEnabled").as_deref(),
            Some("properties.adminUserEnabled")
        );
        assert_eq!(path_of_field("Microsoft.Nope/x"), None);
    }
}
