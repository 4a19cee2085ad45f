//! The resource model every input format is turned into: an ARM-shaped body
//! plus what Azure Policy derives from the resource's position (full type,
//! full name, id, the resource an extension resource applies to) and where
//! it came from, for reports.
#![allow(clippy::indexing_slicing)] // not yet worked down: 4 sites

use serde_json::Value;

/// Marks a value that cannot be known before deployment. Input loaders put
/// `UNKNOWN_MARK reason UNKNOWN_END` where an expression could not be
/// resolved; the evaluator reads such a value as unknown, never as missing
/// or as text. A string built from known and unknown parts (`concat('acr-',
/// <unknown>)`) keeps the known parts outside the marks. The marks are
/// control characters, which template functions (`toUpper`, …) leave alone.
pub const UNKNOWN_MARK: &str = "\u{1}\u{1}";
pub const UNKNOWN_END: &str = "\u{2}\u{2}";

/// An unknown value carrying its reason.
pub fn unknown_value(reason: &str) -> Value {
    Value::String(format!("{UNKNOWN_MARK}{reason}{UNKNOWN_END}"))
}

/// Flags an unknown value that is one resource-id segment (a subscription
/// id, a resource group name): it cannot contain `/`.
const SEGMENT: char = '\u{3}';

/// An unknown resource-id segment carrying its reason.
pub fn unknown_segment(reason: &str) -> Value {
    Value::String(format!("{UNKNOWN_MARK}{SEGMENT}{reason}{UNKNOWN_END}"))
}

/// The reason, when `v` is an unknown value or a string built from one
/// (`concat('x', <unknown>)` is not fully known either).
pub fn as_unknown(v: &Value) -> Option<&str> {
    let s = v.as_str()?;
    let at = s.find(UNKNOWN_MARK)? + UNKNOWN_MARK.len();
    let end = s[at..].find(UNKNOWN_END).map_or(s.len(), |e| at + e);
    Some(s[at..end].trim_start_matches(SEGMENT))
}

/// Is `v` entirely unknown (not a string with known parts)?
pub fn is_wholly_unknown(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.starts_with(UNKNOWN_MARK)
            && s.find(UNKNOWN_END)
                .is_none_or(|e| e + UNKNOWN_END.len() == s.len())
    })
}

/// Does `v` (at any depth) hold an unknown part?
pub fn has_unknown(v: &Value) -> bool {
    match v {
        Value::String(s) => is_marked(s),
        Value::Array(a) => a.iter().any(has_unknown),
        Value::Object(o) => o.values().any(has_unknown),
        _ => false,
    }
}

/// A string with unknown parts, as known text and unknown spans.
#[derive(Debug, PartialEq)]
pub enum Part<'s> {
    Known(&'s str),
    /// Unknown text; `segment` when it cannot contain `/`.
    Unknown {
        segment: bool,
    },
}

/// Splits a string into its known text and unknown spans.
pub fn parts(s: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.find(UNKNOWN_MARK) {
        if at > 0 {
            out.push(Part::Known(&rest[..at]));
        }
        let after = &rest[at + UNKNOWN_MARK.len()..];
        out.push(Part::Unknown {
            segment: after.starts_with(SEGMENT),
        });
        rest = after
            .find(UNKNOWN_END)
            .map_or("", |e| &after[e + UNKNOWN_END.len()..]);
    }
    if !rest.is_empty() {
        out.push(Part::Known(rest));
    }
    out
}

/// Could a string with unknown parts contain `needle` (ignoring case)? Only
/// `false` is certain; unknown segments match any run without `/`, other
/// unknown spans anything.
pub fn could_contain(s: &str, needle: &str) -> bool {
    parts_could_contain(&parts(s), needle)
}

/// `could_contain` on a string already split into parts.
pub fn parts_could_contain(parts: &[Part<'_>], needle: &str) -> bool {
    if parts
        .iter()
        .any(|p| matches!(p, Part::Unknown { segment: false }))
    {
        return true;
    }
    let lower: Vec<Option<Vec<u8>>> = parts
        .iter()
        .map(|p| match p {
            Part::Known(k) => Some(k.to_lowercase().into_bytes()),
            Part::Unknown { .. } => None,
        })
        .collect();
    let needle = needle.to_lowercase().into_bytes();
    (0..lower.len()).any(|t| match &lower[t] {
        Some(k) => (0..k.len()).any(|off| match_from(&lower, t, off, &needle)),
        None => match_from(&lower, t, 0, &needle),
    }) || needle.is_empty()
}

/// Does `needle` match the parts from part `t`, offset `off`, onwards?
fn match_from(parts: &[Option<Vec<u8>>], t: usize, off: usize, needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    let Some(part) = parts.get(t) else {
        return false;
    };
    match part {
        Some(k) => {
            let rest = &k[off.min(k.len())..];
            if needle.len() <= rest.len() {
                rest.starts_with(needle)
            } else {
                needle.starts_with(rest) && match_from(parts, t + 1, 0, &needle[rest.len()..])
            }
        }
        // A segment takes any run of characters other than `/`.
        None => {
            let max = needle.iter().take_while(|&&c| c != b'/').count();
            (0..=max).any(|n| match_from(parts, t + 1, 0, &needle[n..]))
        }
    }
}

/// The known parts of a string with unknown parts.
pub fn known_parts(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.find(UNKNOWN_MARK) {
        out.push(&rest[..at]);
        let after = &rest[at + UNKNOWN_MARK.len()..];
        rest = after
            .find(UNKNOWN_END)
            .map_or("", |e| &after[e + UNKNOWN_END.len()..]);
    }
    out.push(rest);
    out.retain(|p| !p.is_empty());
    out
}

/// Does `s` hold an unknown part (which `display` rewrites)? A byte
/// search for the mark's first byte first: almost no string has one, and
/// a `str` pattern search set up for every string of every resource was 2%
/// of checking 400 templates (issue 15 item 6b).
pub fn is_marked(s: &str) -> bool {
    let first = UNKNOWN_MARK.as_bytes().first();
    first.is_none_or(|b| s.as_bytes().contains(b)) && s.contains(UNKNOWN_MARK)
}

/// A string for people: unknown parts shown as `<unknown: reason>`.
pub fn display(s: &str) -> String {
    if !is_marked(s) {
        return s.to_string();
    }
    s.replace(UNKNOWN_MARK, "<unknown: ")
        .replace(UNKNOWN_END, ">")
        .replace(SEGMENT, "")
}

/// A JSON value for people: unknown parts shown as `<unknown: reason>`.
pub fn display_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(display(s)),
        Value::Array(a) => Value::Array(a.iter().map(display_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), display_value(x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The member `key` of an object, matched ignoring case as ARM matches
/// property names (and PowerShell exports capitalise them).
pub fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, x)| x)
}

/// What kind of input a resource came from; templates are checked as the
/// deployment request Azure sees, exports as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Template,
    Export,
    TerraformPlan,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Template => "arm-template",
            Origin::Export => "resource-export",
            Origin::TerraformPlan => "terraform-plan",
        }
    }
}

/// Where a resource (or one of its properties) is in its input file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    /// The input path as the user gave it.
    pub file: String,
    /// JSON pointer to the resource object in that file.
    pub pointer: String,
    /// 1-based line and column of the resource object (1:1 when unknown).
    pub line: usize,
    pub column: usize,
}

/// A suppression found on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The rule id or definition name it names (case-insensitive).
    pub rule: String,
    pub reason: String,
    /// `YYYY-MM-DD`; the suppression lapses after this day.
    pub expires: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Resource {
    /// Full resource type (`Microsoft.ContainerRegistry/registries/tokens`).
    pub ty: String,
    /// Name with its parents (`myRegistry/myToken`).
    pub full_name: String,
    /// The resource id when it is known (exports; templates with a known
    /// subscription and resource group).
    pub id: Option<String>,
    /// For extension resources (diagnostic settings, role assignments):
    /// the id, or relative id, of the resource they apply to.
    pub scope: Option<String>,
    /// The ARM body: `type`, `name`, `location`, `tags`, `sku`, `kind`,
    /// `identity`, `properties`, … with unresolvable values marked.
    pub body: Value,
    pub place: Place,
    pub origin: Origin,
    /// Why the resource may not be deployed at all (an unresolvable
    /// `condition`), if so.
    pub condition_unknown: Option<String>,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    pub suppressions: Vec<Suppression>,
}

impl Resource {
    /// This resource with another body; the body is not cloned only to be
    /// replaced (issue 15 item 6b: that clone and its drop were 3% of
    /// checking 400 templates).
    pub fn with_body(&self, body: Value) -> Resource {
        Resource {
            ty: self.ty.clone(),
            full_name: self.full_name.clone(),
            id: self.id.clone(),
            scope: self.scope.clone(),
            body,
            place: self.place.clone(),
            origin: self.origin,
            condition_unknown: self.condition_unknown.clone(),
            subscription_id: self.subscription_id.clone(),
            resource_group: self.resource_group.clone(),
            suppressions: self.suppressions.clone(),
        }
    }

    /// The resource's own name: the last segment of the full name.
    pub fn name(&self) -> &str {
        self.full_name.rsplit('/').next().unwrap_or_default()
    }

    /// `Microsoft.X/a/nameA/b/nameB`: the type segments interleaved with the
    /// name segments, the tail of every resource id. Used to match the scope
    /// of extension resources.
    pub fn relative_id(&self) -> String {
        Resource::relative(&self.ty, &self.full_name)
    }

    /// The relative id of a type and full name.
    pub fn relative(ty: &str, full_name: &str) -> String {
        let mut parts = ty.split('/');
        let namespace = parts.next().unwrap_or_default();
        let mut out = namespace.to_string();
        for (ty, name) in parts.zip(full_name.split('/')) {
            out.push('/');
            out.push_str(ty);
            out.push('/');
            out.push_str(name);
        }
        out
    }

    /// A label for reports: the id when known, else `type/fullName`.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) if !is_marked(id) => id.clone(),
            _ if !is_marked(&self.full_name) => [self.ty.as_str(), &self.full_name].join(" "),
            _ => format!("{} {}", self.ty, display(&self.full_name)),
        }
    }

    /// Does an extension resource's scope string name this resource?
    /// Scopes are full ids, relative ids (`Microsoft.X/a/name`) or the
    /// template-relative form; matched on the id's tail, ignoring case.
    pub fn is_scope_of(&self, scope: &str) -> bool {
        let scope = scope.trim_end_matches('/').to_ascii_lowercase();
        if let Some(id) = &self.id
            && scope == id.to_ascii_lowercase()
        {
            return true;
        }
        let rel = self.relative_id().to_ascii_lowercase();
        scope == rel
            || scope.ends_with(&format!("/providers/{rel}"))
            || scope.ends_with(&format!("/{rel}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_segments_cannot_hide_a_slash() {
        let sub = unknown_segment("subscription");
        let id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/acr/scopeMaps/pull",
            sub.as_str().unwrap(),
            unknown_segment("group").as_str().unwrap()
        );
        assert!(!could_contain(&id, "/scopeMaps/_repositories_"));
        assert!(could_contain(&id, "/scopemaps/pull"));
        // A segment could be `_repositories_x` itself: no `/` needed.
        assert!(could_contain(&id, "_repositories_"));
        // Any other unknown span could hold anything.
        let other = format!("/x/{}", unknown_value("reference()").as_str().unwrap());
        assert!(could_contain(&other, "/scopeMaps/_repositories_"));
        assert_eq!(as_unknown(&sub), Some("subscription"));
        assert_eq!(display(sub.as_str().unwrap()), "<unknown: subscription>");
    }
}
