//! Checking and lowering: AST → IR. Resolves names (rules, params, groups,
//! kinds, properties, roles), checks types, enums and Azure's limits, and
//! builds the target-neutral IR that `emit` turns into JSON. Every problem is
//! reported; nothing stops at the first one. Pure: deploy templates come in
//! through [`Templates`], the only way this module sees the outside.

mod cond;
pub(crate) mod functions;
mod initiative;
mod limits;
mod member;
mod meta;
mod placement;
mod raw_alias;
mod rule;

pub use limits::MAX_INITIATIVE_MEMBERS;
pub use member::is_guid;
pub use placement::{ScopeKind, scope_kind};

use crate::diag::{Code, Diagnostic, Span, has_errors};
use crate::ir;
use crate::syntax::ast::{self, Item};
use meta::MetaTable;
use std::collections::HashMap;

/// Supplies the text of deploy templates named in a pack, by the path as
/// written (relative to the pack file).
pub trait Templates {
    fn load(&self, path: &str) -> Result<String, String>;
}

/// For packs without deploy templates, and for tests.
pub struct NoTemplates;

impl Templates for NoTemplates {
    fn load(&self, path: &str) -> Result<String, String> {
        Err(format!("no template source is available for `{path}`"))
    }
}

/// In-memory templates, keyed by path as written.
impl Templates for std::collections::BTreeMap<String, String> {
    fn load(&self, path: &str) -> Result<String, String> {
        self.get(path)
            .cloned()
            .ok_or_else(|| format!("`{path}` does not exist"))
    }
}

/// The practices of DESIGN.md; a pack may add its own with `practices [...]`.
pub const PRACTICES: &[&str] = &[
    "least-privilege",
    "entra-id",
    "access-logs",
    "network",
    "vulnerability-scanning",
    "content-trust",
    "compliance",
];

/// Namespace of the UUID v5 definition names. Never change it: every
/// deployed definition name derives from it.
pub const NAME_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6f1c_2b0e_8d4a_5c3e_9a71_0b2d_4e6f_8a13);

/// Stable definition name for a pack item: UUID v5 of `pack/kind/id`.
pub fn stable_name(pack: &str, kind: &str, id: &str) -> String {
    uuid::Uuid::new_v5(&NAME_NAMESPACE, format!("{pack}/{kind}/{id}").as_bytes()).to_string()
}

/// Result of checking one file.
pub struct Checked {
    /// The lowered pack; `None` when there were errors.
    pub pack: Option<ir::Pack>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Options that come from the command line rather than the source.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides the pack's `scope` for initiative member ids.
    pub scope: Option<String>,
    /// `--env`: the environment whose scope, enforcement and parameter
    /// values the assignments take.
    pub env: Option<String>,
    /// Today (`YYYY-MM-DD`), to warn about exemptions already expired;
    /// `None` (tests, golden files) skips that warning.
    pub today: Option<String>,
    /// Where to report a wrong `--env` (a source of its own, printed
    /// without a snippet); `None`: the start of the file.
    pub env_span: Option<Span>,
}

/// Checks a parsed file and lowers it to IR.
pub fn check(
    file: &ast::File,
    file_span: Span,
    templates: &dyn Templates,
    opts: &Options,
) -> Checked {
    let mut diags = Vec::new();
    let pack_header = pack_header(file, file_span, &mut diags);
    let practices: Vec<String> = PRACTICES
        .iter()
        .map(|s| s.to_string())
        .chain(pack_header.extra_practices.iter().cloned())
        .collect();
    let broken_rules: Vec<&str> = file
        .broken
        .iter()
        .filter(|b| b.keyword == "rule")
        .filter_map(|b| b.id.as_deref())
        .collect();
    let ctx = rule::PackCtx {
        broken_rules: &broken_rules,
        pack_id: &pack_header.id,
        category: &pack_header.category,
        practices: &practices,
        templates,
    };

    let mut definitions: Vec<ir::Definition> = Vec::new();
    // Rule id → the rule, for duplicate ids and definition spans: a map,
    // not a search, so 15,000 rules do not cost 10^8 comparisons.
    let mut rule_index: HashMap<&str, &ast::Rule> = HashMap::new();
    for item in &file.items {
        let Item::Rule(r) = item else { continue };
        if let Some(prev) = rule_index.get(r.id.name.as_str()) {
            diags.push(
                Diagnostic::new(
                    Code::E0104,
                    r.id.span,
                    format!("rule `{}` is defined twice", r.id.name),
                )
                .with_label("second definition")
                .with_related(prev.id.span, "first defined here")
                .with_help(
                    "rename one of them; rule ids name the output files and initiative references",
                ),
            );
            continue;
        }
        definitions.extend(rule::lower_rule(r, &ctx, &mut diags));
        rule_index.insert(&r.id.name, r);
    }
    // A companion id (`x-modify`) must not collide with a rule of that name.
    let mut first_with_id: HashMap<&str, &ir::Definition> = HashMap::new();
    for d in &definitions {
        let Some(other) = first_with_id.get(d.id.as_str()) else {
            first_with_id.insert(&d.id, d);
            continue;
        };
        let span = [d.id.as_str(), other.id.as_str()]
            .iter()
            .find_map(|id| rule_index.get(id))
            .map_or(file_span, |r| r.id.span);
        diags.push(
            Diagnostic::new(
                Code::E0104,
                span,
                format!("two definitions are named `{}`", d.id),
            )
            .with_label("clashes with the modify companion of another rule")
            .with_help("a rule with `fix` also produces `<id>-modify`; rename this rule"),
        );
    }

    let mut initiatives = Vec::new();
    let mut seen: Vec<&ast::Ident> = Vec::new();
    for item in &file.items {
        let Item::Initiative(i) = item else { continue };
        if let Some(prev) = seen.iter().find(|p| p.name == i.id.name) {
            diags.push(
                Diagnostic::new(
                    Code::E0105,
                    i.id.span,
                    format!("initiative `{}` is defined twice", i.id.name),
                )
                .with_label("second definition")
                .with_related(prev.span, "first defined here"),
            );
            continue;
        }
        seen.push(&i.id);
        if let Some(ini) = initiative::lower_initiative(i, &ctx, &definitions, &mut diags) {
            initiatives.push(ini);
        }
    }

    for d in &definitions {
        limits::check_definition(d, span_of_def(d, &rule_index, file_span), &mut diags);
    }

    let placements: Vec<&ast::Placement> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Placement(p) => Some(p),
            _ => None,
        })
        .collect();
    let scope = opts.scope.clone().or(pack_header.scope);
    let lowered = placement::lower_placements(
        &placements,
        &placement::Inputs {
            pack_id: &pack_header.id,
            pack_scope: scope.as_deref(),
            definitions: &definitions,
            initiatives: &initiatives,
            env: opts.env.as_deref(),
            env_span: opts.env_span.unwrap_or(Span {
                end: file_span.start,
                ..file_span
            }),
            today: opts.today.as_deref(),
        },
        &mut diags,
    );

    // With `--env` and no other scope, the environment's scope is where the
    // definitions are deployed, so initiative members and assignments refer
    // to them there rather than keeping `{scope}`.
    let scope = scope.or(lowered.env_scope);
    let pack = ir::Pack {
        id: pack_header.id,
        title: pack_header.title,
        version: pack_header.version,
        category: pack_header.category,
        description: pack_header.description,
        scope,
        definitions,
        initiatives,
        assignments: lowered.assignments,
        exemptions: lowered.exemptions,
    };
    Checked {
        pack: if has_errors(&diags) { None } else { Some(pack) },
        diagnostics: diags,
    }
}

fn span_of_def(d: &ir::Definition, index: &HashMap<&str, &ast::Rule>, fallback: Span) -> Span {
    let id = match &d.origin {
        ir::Origin::Rule => d.id.as_str(),
        ir::Origin::ModifyCompanion { of } => of.as_str(),
    };
    index.get(id).map_or(fallback, |r| r.id.span)
}

struct PackHeader {
    id: String,
    title: String,
    version: String,
    category: String,
    description: Option<String>,
    scope: Option<String>,
    extra_practices: Vec<String>,
}

fn pack_header(file: &ast::File, file_span: Span, diags: &mut Vec<Diagnostic>) -> PackHeader {
    let packs: Vec<&ast::Pack> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Pack(p) => Some(p),
            _ => None,
        })
        .collect();
    let mut header = PackHeader {
        id: "pack".into(),
        title: String::new(),
        version: "1.0.0".into(),
        category: "Container Registry".into(),
        description: None,
        scope: None,
        extra_practices: Vec::new(),
    };
    let Some(pack) = packs.first() else {
        // A pack declaration that did not parse has its own error already.
        let pack_broken = file.broken.iter().any(|b| b.keyword == "pack");
        if !file.items.is_empty() && !pack_broken {
            diags.push(
                Diagnostic::new(
                    Code::E0112,
                    Span {
                        end: file_span.start,
                        ..file_span
                    },
                    "this file has no `pack` declaration",
                )
                .with_label("a pack starts here")
                .with_help("start the file with `pack <name> { title \"…\" version \"1.0.0\" }`"),
            );
        }
        return header;
    };
    for extra in packs.get(1..).unwrap_or_default() {
        diags.push(
            Diagnostic::new(Code::E0112, extra.id.span, "a file declares one pack only")
                .with_label("second pack declaration")
                .with_related(pack.id.span, "the pack is declared here")
                .with_help("put the second pack in its own file"),
        );
    }
    check_id(&pack.id, "pack", diags);
    let t = MetaTable::new(
        &pack.meta,
        &[
            "title",
            "version",
            "category",
            "description",
            "scope",
            "practices",
        ],
        "pack",
        pack.span,
        diags,
    );
    header.id = pack.id.name.clone();
    if let Some((s, _)) = t.required_string("title", "\"…\"", diags) {
        header.title = s;
    }
    if let Some((v, span)) = t.required_string("version", "\"1.0.0\"", diags) {
        meta::check_version(&v, span, diags);
        header.version = v;
    }
    if let Some((c, _)) = t.string("category", diags) {
        header.category = c;
    }
    header.description = t.string("description", diags).map(|x| x.0);
    header.scope = t.string("scope", diags).map(|x| x.0);
    header.extra_practices = t.strings("practices", diags);
    header
}

/// The longest pack, rule or initiative id. Ids name files
/// (`<pack>/policyDefinitions/<rule>-modify.json`): most file systems cap a
/// file name at 255 bytes and Windows paths at 260 characters, so ids are
/// kept well inside that (issue 13 item 21: a ~250-character id failed the
/// build with "file name too long").
pub const MAX_ID_LEN: usize = 100;

/// Ids name files and reference ids: lower-case kebab-case keeps them stable
/// on case-insensitive file systems.
fn check_id(id: &ast::Ident, what: &str, diags: &mut Vec<Diagnostic>) {
    let name = &id.name;
    if name.len() > MAX_ID_LEN {
        diags.push(
            Diagnostic::new(
                Code::E0033,
                id.span,
                format!(
                    "{what} id is {} characters long; the limit is {MAX_ID_LEN}",
                    name.chars().count()
                ),
            )
            .with_label("used as a file name")
            .with_help("shorten the id; the title can say the rest"),
        );
        return;
    }
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if ok && is_windows_reserved(name) {
        diags.push(
            Diagnostic::new(
                Code::E0115,
                id.span,
                format!("{what} id `{name}` is a device name Windows reserves"),
            )
            .with_label("used as a file name")
            .with_help("Windows cannot create a file or folder named CON, PRN, AUX, NUL, COM0–COM9 or LPT0–LPT9 (with any extension); choose another id")
            .with_suggestion(format!("rename to `{name}-{what}`"), format!("{name}-{what}")),
        );
    }
    if !ok {
        let fixed = kebab(name);
        diags.push(
            Diagnostic::new(
                Code::E0115,
                id.span,
                format!("{what} id `{name}` is not lower-case kebab-case"),
            )
            .with_label("used as a file name and reference id")
            .with_help("ids may contain a-z, 0-9 and `-`, and start with a letter")
            .with_suggestion(format!("rename to `{fixed}`"), fixed),
        );
    }
}

/// A type name with its indefinite article: "an integer", "a string".
pub(crate) fn article(word: &str) -> String {
    let an = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if an { "an" } else { "a" })
}

/// Device names Windows reserves for every file name, whatever the extension
/// (learn.microsoft.com/windows/win32/fileio/naming-a-file, "Naming
/// Conventions"): an id is a file name (`<id>.json`, `<pack>/`).
fn is_windows_reserved(id: &str) -> bool {
    let id = id.to_ascii_lowercase();
    matches!(id.as_str(), "con" | "prn" | "aux" | "nul")
        || ["com", "lpt"].iter().any(|p| {
            id.strip_prefix(p)
                .is_some_and(|n| n.len() == 1 && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

fn kebab(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && i > 0 {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-').to_string();
    if trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        trimmed
    } else {
        format!("r-{trimmed}")
    }
}

#[cfg(test)]
mod tests;
