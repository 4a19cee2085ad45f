//! `acrpc import`: Azure Policy JSON (definitions in every shape users have)
//! into an idiomatic rule pack, with a round-trip guarantee: every rule
//! written compiles back to its original definition under the normalisation
//! of [`normalize`]; a definition that does not is reported (W1204, with
//! the first differing JSON pointer) and left out, never approximated.
//!
//! Pure: the caller reads the files and writes the pack.
//! - `shape.rs` finds definitions in a JSON document;
//! - `text.rs` prints literals, fields and template expressions as acrp;
//! - `cond.rs` prints conditions and negates them exactly;
//! - `rule.rs` builds a rule's candidate texts, `initiative.rs` an
//!   initiative's text (sets whose members are rules of the import);
//! - `verify.rs` compiles a candidate and compares it with the original.

pub mod cond;
pub mod initiative;
pub mod normalize;
pub mod rule;
pub mod shape;
pub mod text;
pub mod verify;

use crate::diag::{Code, Diagnostic, FileId, SourceMap, Span};
use crate::inputs::locate;
use serde_json::Value;
use std::collections::BTreeMap;

/// A construct acrp cannot express, at a JSON pointer inside the definition's
/// `properties`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub pointer: String,
    pub what: String,
}

impl Gap {
    pub fn new(pointer: &str, what: impl Into<String>) -> Gap {
        Gap {
            pointer: pointer.to_string(),
            what: what.into(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The pack id (kebab-case); derived from `label` when absent.
    pub pack: Option<String>,
    /// Where the definitions came from (a folder name, `azure`), for the id
    /// and the pack's description.
    pub label: String,
}

/// The pack written by an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPack {
    pub id: String,
    /// The formatted `.acrp` text.
    pub text: String,
    /// Deploy templates, by path relative to the pack (`templates/x.json`).
    pub templates: Vec<(String, String)>,
    /// Definitions that round-tripped (one rule each).
    pub rules: usize,
    /// Set definitions that round-tripped.
    pub initiatives: usize,
}

pub struct Imported {
    /// `None` when an input was unusable (errors) or nothing could be imported.
    pub pack: Option<ImportedPack>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Imports the definitions found in `files` (JSON sources already in `sources`).
pub fn import(sources: &SourceMap, files: &[FileId], opts: &Options) -> Imported {
    let mut diags = Vec::new();
    let mut found = Vec::new();
    for &file in files {
        let text = sources.get(file).map_or("", |f| f.text.as_str());
        match shape::find(text) {
            Ok(defs) if defs.is_empty() => diags.push(
                Diagnostic::new(Code::E1202, Span::new(file, 0, 0), "no policy definition in this file")
                    .with_label("not a policy")
                    .with_help("import reads policy definitions: `{\"properties\": {\"policyRule\": …}}`, `az policy definition list/show` output, ARM GET bodies, ARM templates and EPAC files"),
            ),
            Ok(defs) => found.extend(defs.into_iter().map(|d| (file, d))),
            Err(e) => {
                let at = e.offset.min(text.len());
                diags.push(
                    Diagnostic::new(Code::E1201, Span::new(file, at, at), format!("not JSON: {}", e.message))
                        .with_label("JSON parsing stopped here"),
                );
            }
        }
    }
    for (file, def) in &found {
        if let Some(d) = too_many_members(sources, *file, def) {
            diags.push(d);
        }
    }
    if crate::diag::has_errors(&diags) {
        return Imported {
            pack: None,
            diagnostics: diags,
        };
    }
    let category = pack_category(&found);
    let id = opts
        .pack
        .clone()
        .or_else(|| own_pack(&found))
        .unwrap_or_else(|| kebab(&opts.label, "imported"));
    let scope = pack_scope(&found);
    let header = header(
        &id,
        &opts.label,
        &category,
        &practices(&found),
        scope.as_deref(),
    );
    let mut ids = Vec::new();
    let mut rules = Vec::new();
    let mut names = BTreeMap::new();
    let mut templates = BTreeMap::new();
    let span_at = |file: FileId, def: &shape::Definition, pointer: &str| {
        let text = sources.get(file).map_or("", |f| f.text.as_str());
        let off = locate::offset_of(text, &format!("{}{pointer}", def.props_pointer));
        Span::new(file, off, off)
    };
    for (file, def) in found
        .iter()
        .filter(|(_, d)| d.found == shape::Found::Definition)
    {
        let span_at = |pointer: &str| span_at(*file, def, pointer);
        let title = def
            .props
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or("rule");
        // A definition acrpc built keeps its rule id.
        let own_id = acrpc_meta(&def.props, "id").filter(|i| kebab(i, "") == *i);
        let rule_id = unique(own_id.unwrap_or_else(|| kebab(title, "rule")), &mut ids);
        let input = rule::RuleInput {
            id: &rule_id,
            name: def.name.as_deref(),
            props: &def.props,
            pack_category: &category,
        };
        let built = match rule::rule(&input) {
            Ok(b) => b,
            Err(gap) => {
                diags.push(not_expressible(&gap, title, span_at(&gap.pointer)));
                continue;
            }
        };
        let template = built.template.as_ref().map(|(p, t)| {
            (
                p.clone(),
                serde_json::to_string_pretty(t).unwrap_or_default(),
            )
        });
        let mut tmap = BTreeMap::new();
        if let Some((p, t)) = &template {
            tmap.insert(p.clone(), t.clone());
        }
        match verify::choose(
            &header,
            &built.candidates,
            &rule_id,
            &def.props,
            def.name.as_deref(),
            &tmap,
        ) {
            Ok((text, notes)) => {
                for n in notes {
                    diags.push(
                        Diagnostic::new(
                            Code::W1206,
                            span_at(&n.pointer),
                            format!("`{title}`: {} is not kept", n.what),
                        )
                        .with_label("dropped")
                        .with_help(
                            "the policy means the same; only this text differs from the original",
                        ),
                    );
                }
                diags.extend(kept_aliases(&def.props, &text, title, &span_at));
                rules.push(text);
                templates.extend(tmap);
                if let Some(n) = &def.name {
                    names.insert(n.to_ascii_lowercase(), rule_id.clone());
                }
            }
            Err(mismatch) => diags.push(not_reproduced(title, &mismatch, span_at(""))),
        }
    }
    // Sets of built-ins need no rule of the import.
    let has_sets = found.iter().any(|(_, d)| d.found == shape::Found::Set);
    if rules.is_empty() && !has_sets {
        return Imported {
            pack: None,
            diagnostics: diags,
        };
    }
    let body = format!("{header}\n{}", rules.join("\n"));
    let mut initiatives = Vec::new();
    let mut set_ids = Vec::new();
    let titles: BTreeMap<String, String> = found
        .iter()
        .filter(|(_, d)| d.found == shape::Found::Definition)
        .filter_map(|(_, d)| {
            let title = text::get_str(&d.props, "displayName")?;
            Some((d.name.as_deref()?.to_ascii_lowercase(), title.to_string()))
        })
        .collect();
    for (file, def) in found.iter().filter(|(_, d)| d.found == shape::Found::Set) {
        let span_at = |pointer: &str| span_at(*file, def, pointer);
        let title = def
            .props
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or("initiative");
        let own_id = acrpc_meta(&def.props, "id").filter(|i| kebab(i, "") == *i);
        let set_id = unique(
            own_id.unwrap_or_else(|| kebab(title, "initiative")),
            &mut set_ids,
        );
        let text = match initiative::initiative(
            &set_id,
            def.name.as_deref(),
            &def.props,
            &names,
            &titles,
            scope.as_deref(),
            &category,
        ) {
            Ok(t) => t,
            Err(gap) => {
                diags.push(
                    Diagnostic::new(
                        Code::W1205,
                        span_at(&gap.pointer),
                        format!(
                            "initiative `{title}` is not imported: acrp cannot express {}",
                            gap.what
                        ),
                    )
                    .with_label("initiative skipped")
                    .with_help(
                        "its member definitions are imported on their own; see docs/import.md",
                    ),
                );
                continue;
            }
        };
        let with = format!("{body}\n{}\n{text}", initiatives.join("\n"));
        match verify::check_set(&with, &set_id, &def.props, def.name.as_deref(), &templates) {
            Ok(()) => initiatives.push(text),
            Err(mismatch) => diags.push(not_reproduced(title, &mismatch, span_at(""))),
        }
    }
    if rules.is_empty() && initiatives.is_empty() {
        return Imported {
            pack: None,
            diagnostics: diags,
        };
    }
    let text = format!("{body}\n{}", initiatives.join("\n"));
    let text = crate::fmt::format(0, &text).unwrap_or(text);
    Imported {
        pack: Some(ImportedPack {
            id,
            text,
            templates: templates.into_iter().collect(),
            rules: rules.len(),
            initiatives: initiatives.len(),
        }),
        diagnostics: diags,
    }
}

/// W1220 for each alias outside the catalog that the rule keeps as
/// `alias("…")` (once per alias, at its first `field`).
fn kept_aliases(
    props: &serde_json::Map<String, Value>,
    rule_text: &str,
    title: &str,
    span_at: &dyn Fn(&str) -> Span,
) -> Vec<Diagnostic> {
    let mut found: Vec<(String, String)> = Vec::new();
    if let Some(rule) = text::get(props, "policyRule") {
        field_strings(rule, "/policyRule", &mut found);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (pointer, alias) in found {
        let written = format!("alias({})", text::string(&alias));
        if !rule_text.contains(&written) || seen.iter().any(|s| s.eq_ignore_ascii_case(&alias)) {
            continue;
        }
        seen.push(alias.clone());
        out.push(
            Diagnostic::new(
                Code::W1220,
                span_at(&pointer),
                format!("`{title}`: the alias `{alias}` is not in acrpc's catalog; kept as {written}"),
            )
            .with_label("kept, not type-checked")
            .with_help("`acrpc check` reads this field as unknown; the catalog covers ACR and the kinds around it"),
        );
    }
    out
}

/// Every `"field": "<string>"` under `v`, with its JSON pointer.
fn field_strings(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match x {
                    Value::String(s) if k.eq_ignore_ascii_case("field") => {
                        out.push((here, s.clone()));
                    }
                    _ => field_strings(x, &here, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                field_strings(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// E1218: a set definition with more members than Azure allows (1000
/// policies per initiative, "Azure Policy limits" in
/// azure-subscription-service-limits; `sema::MAX_INITIATIVE_MEMBERS`, which
/// `acrpc build` checks too, E0407). Azure would not have accepted it, so
/// it is not a policy to import.
fn too_many_members(
    sources: &SourceMap,
    file: FileId,
    def: &shape::Definition,
) -> Option<Diagnostic> {
    if def.found != shape::Found::Set {
        return None;
    }
    let members = text::get(&def.props, "policyDefinitions")?.as_array()?;
    let max = crate::sema::MAX_INITIATIVE_MEMBERS;
    if members.len() <= max {
        return None;
    }
    let text = sources.get(file).map_or("", |f| f.text.as_str());
    let at = locate::offset_of(text, &format!("{}/policyDefinitions", def.props_pointer));
    let title = text::get_str(&def.props, "displayName").unwrap_or("a set definition");
    Some(
        Diagnostic::new(
            Code::E1218,
            Span::new(file, at, at),
            format!(
                "`{title}` has {} members; Azure allows {max} in a policy set definition",
                members.len()
            ),
        )
        .with_label("too many members")
        .with_help("Azure rejects such a set; split it into several sets before importing"),
    )
}

fn not_reproduced(title: &str, mismatch: &verify::Mismatch, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::W1204,
        span,
        format!("`{title}` is not imported: the generated text does not compile back to it (first difference at {})", mismatch.pointer),
    )
    .with_label("not reproduced")
    .with_help(mismatch.detail.clone())
}

/// The scope the sets' members are defined at, when it is a real one they
/// all share (`{scope}`, the placeholder `acrpc build` writes, needs none).
fn pack_scope(found: &[(FileId, shape::Definition)]) -> Option<String> {
    let mut scopes: Vec<String> = found
        .iter()
        .filter(|(_, d)| d.found == shape::Found::Set)
        .filter_map(|(_, d)| initiative::member_scope(&d.props))
        .filter(|s| !s.is_empty() && s != crate::emit::SCOPE_PLACEHOLDER)
        .collect();
    scopes.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    match scopes.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn not_expressible(gap: &Gap, title: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::W1203,
        span,
        format!(
            "`{title}` is not imported: acrp cannot express {}",
            gap.what
        ),
    )
    .with_label("not expressible")
    .with_help(format!(
        "at {} in the definition's properties; see docs/import.md for what import covers",
        if gap.pointer.is_empty() {
            "/"
        } else {
            &gap.pointer
        }
    ))
}

/// `metadata.acrpc.<key>`: what acrpc records about a definition it built.
fn acrpc_meta(props: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    props
        .get("metadata")
        .and_then(|m| m.get("acrpc"))
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The pack every definition says it came from, if they agree.
fn own_pack(found: &[(FileId, shape::Definition)]) -> Option<String> {
    let mut packs = found.iter().map(|(_, d)| acrpc_meta(&d.props, "pack"));
    let first = packs.next()??;
    (kebab(&first, "") == first && packs.all(|p| p.as_deref() == Some(first.as_str())))
        .then_some(first)
}

/// Practices the definitions name beyond the built-in seven.
fn practices(found: &[(FileId, shape::Definition)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, d) in found {
        if let Some(p) = d
            .props
            .get("metadata")
            .and_then(|m| m.get("practice"))
            .and_then(Value::as_str)
            && text::is_ident(p)
            && !crate::sema::PRACTICES.contains(&p)
            && !out.iter().any(|o| o == p)
        {
            out.push(p.to_string());
        }
    }
    out
}

fn header(
    id: &str,
    label: &str,
    category: &str,
    practices: &[String],
    scope: Option<&str>,
) -> String {
    let title = if label.is_empty() {
        "Imported policy definitions".to_string()
    } else {
        format!("Imported from {label}")
    };
    format!(
        "pack {id} {{\n  title {}\n  version \"1.0.0\"\n  category {}\n  description \"Written by acrpc import; every rule compiles back to the definition it came from.\"\n{}}}\n",
        text::string(&title),
        text::string(category),
        {
            let mut extra = String::new();
            if !practices.is_empty() {
                let list: Vec<String> = practices.iter().map(|p| text::string(p)).collect();
                extra.push_str(&format!("  practices [{}]\n", list.join(", ")));
            }
            if let Some(s) = scope {
                extra.push_str(&format!("  scope {}\n", text::string(s)));
            }
            extra
        }
    )
}

/// The most common category (ties: the first seen).
fn pack_category(found: &[(FileId, shape::Definition)]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (_, d) in found {
        let c = d
            .props
            .get("metadata")
            .and_then(|m| m.get("category"))
            .and_then(Value::as_str)
            .unwrap_or("Container Registry");
        match counts.iter_mut().find(|(n, _)| n == c) {
            Some((_, k)) => *k += 1,
            None => counts.push((c.to_string(), 1)),
        }
    }
    let best = counts.iter().map(|(_, k)| *k).max().unwrap_or(0);
    counts
        .into_iter()
        .find(|(_, k)| *k == best)
        .map_or_else(|| "Container Registry".into(), |(n, _)| n)
}

/// A kebab-case id: lower-case ASCII letters, digits and single dashes,
/// starting with a letter, at most 64 characters (cut at a dash).
pub fn kebab(s: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_string();
    while out.starts_with(|c: char| c.is_ascii_digit()) {
        out.remove(0);
        out = out.trim_start_matches('-').to_string();
    }
    if out.len() > 64 {
        let cut = out.get(..65).and_then(|h| h.rfind('-')).unwrap_or(64);
        out.truncate(cut);
    }
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

fn unique(id: String, taken: &mut Vec<String>) -> String {
    let mut candidate = id.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{id}-{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kebab_case_and_unique() {
        assert_eq!(
            kebab(
                "[Preview]: Container registries should be zone redundant",
                "r"
            ),
            "preview-container-registries-should-be-zone-redundant"
        );
        assert_eq!(kebab("123 ---", "rule"), "rule");
        let mut taken = Vec::new();
        assert_eq!(unique("a".into(), &mut taken), "a");
        assert_eq!(unique("a".into(), &mut taken), "a-2");
        assert!(kebab(&"word ".repeat(40), "r").len() <= 64);
    }
}
