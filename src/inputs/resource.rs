//! The resource model every input format is turned into: an ARM-shaped body
//! plus what Azure Policy derives from the resource's position (full type,
//! full name, id, the resource an extension resource applies to) and where
//! it came from, for reports.

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

/// The reason, when `v` is an unknown value or a string built from one
/// (`concat('x', <unknown>)` is not fully known either).
pub fn as_unknown(v: &Value) -> Option<&str> {
    let s = v.as_str()?;
    let at = s.find(UNKNOWN_MARK)? + UNKNOWN_MARK.len();
    let end = s[at..].find(UNKNOWN_END).map_or(s.len(), |e| at + e);
    Some(&s[at..end])
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
        Value::String(s) => s.contains(UNKNOWN_MARK),
        Value::Array(a) => a.iter().any(has_unknown),
        Value::Object(o) => o.values().any(has_unknown),
        _ => false,
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

/// A string for people: unknown parts shown as `<unknown: reason>`.
pub fn display(s: &str) -> String {
    if !s.contains(UNKNOWN_MARK) {
        return s.to_string();
    }
    s.replace(UNKNOWN_MARK, "<unknown: ")
        .replace(UNKNOWN_END, ">")
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
            Some(id) if !id.contains(UNKNOWN_MARK) => id.clone(),
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
