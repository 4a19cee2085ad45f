//! `key value` clauses of a block: collected once, checked against the keys
//! the block accepts (unknown → E0101 with did-you-mean, repeated → E0102),
//! then read with typed getters that report wrong shapes (E0114).

use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::syntax::ast::{Literal, Meta};

pub struct MetaTable<'a> {
    entries: Vec<&'a Meta>,
    block: &'static str,
    block_span: Span,
}

impl<'a> MetaTable<'a> {
    pub fn new(
        metas: impl IntoIterator<Item = &'a Meta>,
        allowed: &[&'static str],
        block: &'static str,
        block_span: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> MetaTable<'a> {
        let mut entries: Vec<&'a Meta> = Vec::new();
        for m in metas {
            let key = m.key.name.as_str();
            if !allowed.contains(&key) {
                let mut d = Diagnostic::new(
                    Code::E0101,
                    m.key.span,
                    format!("unknown key `{key}` in {block}"),
                )
                .with_label("not accepted here");
                if let Some(s) = did_you_mean(key, allowed.iter().copied()) {
                    d = d
                        .with_help(format!("did you mean `{s}`?"))
                        .with_suggestion(format!("use `{s}`"), s);
                } else {
                    d = d.with_help(format!("{block} accepts: {}", allowed.join(", ")));
                }
                diags.push(d);
                continue;
            }
            if let Some(prev) = entries.iter().find(|e| e.key.name == key) {
                diags.push(
                    Diagnostic::new(Code::E0102, m.key.span, format!("`{key}` is given twice"))
                        .with_label("second value")
                        .with_related(prev.key.span, "first given here")
                        .with_help("remove one of them"),
                );
                continue;
            }
            entries.push(m);
        }
        MetaTable {
            entries,
            block,
            block_span,
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Meta> {
        self.entries.iter().copied().find(|m| m.key.name == key)
    }

    fn missing(&self, key: &str, example: &str, diags: &mut Vec<Diagnostic>) {
        diags.push(
            Diagnostic::new(
                Code::E0103,
                self.block_span,
                format!("{} is missing `{key}`", self.block),
            )
            .with_label(format!("needs `{key}`"))
            .with_help(format!("add `{key} {example}`")),
        );
    }

    fn wrong(&self, m: &Meta, expected: &str, diags: &mut Vec<Diagnostic>) {
        diags.push(
            Diagnostic::new(
                Code::E0114,
                m.value.span(),
                format!(
                    "`{}` expects {expected}, found {}",
                    m.key.name,
                    m.value.shape()
                ),
            )
            .with_label(format!("expected {expected}")),
        );
    }

    /// The value of `key` read by `extract`; a value of another shape is
    /// E0114 naming what was `expected`.
    fn typed<T>(
        &self,
        key: &str,
        expected: &str,
        extract: impl Fn(&Literal) -> Option<T>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        let m = self.get(key)?;
        let value = extract(&m.value);
        if value.is_none() {
            self.wrong(m, expected, diags);
        }
        value
    }

    /// Like `getter`, but a missing key is E0103.
    fn required<T>(
        &self,
        key: &str,
        example: &str,
        diags: &mut Vec<Diagnostic>,
        getter: impl FnOnce(&Self, &mut Vec<Diagnostic>) -> Option<T>,
    ) -> Option<T> {
        if self.get(key).is_none() {
            self.missing(key, example, diags);
            return None;
        }
        getter(self, diags)
    }

    /// A string value, with its span.
    pub fn string(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
        let extract = |l: &Literal| match l {
            Literal::Str(s, span) => Some((s.clone(), *span)),
            _ => None,
        };
        self.typed(key, "a string", extract, diags)
    }

    pub fn required_string(
        &self,
        key: &str,
        example: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(String, Span)> {
        self.required(key, example, diags, |t, d| t.string(key, d))
    }

    /// A bare word (`high`, `registry.token`) with its span; a quoted word is
    /// accepted too (`severity "high"`).
    pub fn word(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
        let extract = |l: &Literal| match l {
            Literal::Word(s, span) | Literal::Str(s, span) => Some((s.clone(), *span)),
            _ => None,
        };
        self.typed(key, "a name", extract, diags)
    }

    pub fn required_word(
        &self,
        key: &str,
        example: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(String, Span)> {
        self.required(key, example, diags, |t, d| t.word(key, d))
    }

    pub fn boolean(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<bool> {
        let extract = |l: &Literal| match l {
            Literal::Bool(b, _) => Some(*b),
            _ => None,
        };
        self.typed(key, "`true` or `false`", extract, diags)
    }

    /// `version "x.y.z[-suffix]"`, default 1.0.0: (metadata.version, properties.version).
    pub fn version(&self, diags: &mut Vec<Diagnostic>) -> (String, String) {
        match self.string("version", diags) {
            Some((v, span)) => {
                let version = check_version(&v, span, diags);
                (v, version)
            }
            None => ("1.0.0".to_string(), "1.0.0".to_string()),
        }
    }

    /// A list of strings.
    pub fn strings(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Vec<String> {
        let Some(m) = self.get(key) else {
            return Vec::new();
        };
        match &m.value {
            Literal::Array(items, _) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Literal::Str(s, _) => out.push(s.clone()),
                        other => diags.push(
                            Diagnostic::new(
                                Code::E0114,
                                other.span(),
                                format!(
                                    "`{key}` expects a list of strings, found {}",
                                    other.shape()
                                ),
                            )
                            .with_label("expected a string"),
                        ),
                    }
                }
                out
            }
            _ => {
                self.wrong(m, "a list of strings", diags);
                Vec::new()
            }
        }
    }
}

/// Checks a `MAJOR.MINOR.PATCH[-suffix]` version; returns the numeric part.
pub fn check_version(version: &str, span: Span, diags: &mut Vec<Diagnostic>) -> String {
    let (core, _suffix) = version.split_once('-').unwrap_or((version, ""));
    let ok = core.split('.').count() == 3
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        diags.push(
            Diagnostic::new(Code::E0409, span, format!("`{version}` is not a version"))
                .with_label("expected MAJOR.MINOR.PATCH")
                .with_help("Azure policy versions are `{Major}.{Minor}.{Patch}`, optionally with a suffix such as `-preview` in metadata"),
        );
    }
    // Azure keeps `-preview` in properties.version (the built-in
    // ContainerRegistry_registries_ZoneRedundant_Audit has "1.0.0-preview")
    // but not `-deprecated` (ASC_Azure_Defender_..._DINE has "1.0.0").
    if _suffix.eq_ignore_ascii_case("preview") {
        version.to_string()
    } else {
        core.to_string()
    }
}
