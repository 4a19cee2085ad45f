//! `acrpc lint`: style and semantic rules beyond compile errors.
//!
//! Each rule is one file under `rules/` with one function
//! `check(&Ctx, &mut Vec<Diagnostic>)`, a stable code (`W06xx` in
//! `diag/codes.rs`) and its rationale in `diag/explain.md` (`acrpc explain`).
//! Rules are pure functions of the AST, the source text and the catalog.
//! A rule's `Suggestion`s are machine-applicable fixes, applied by
//! [`apply_fixes`] (`acrpc lint --fix`). Which rules run is decided by
//! [`Config`] (`acrpc.toml`).

pub mod config;
mod rules;

pub use config::Config;

use crate::catalog::{self, Kind, Property};
use crate::diag::{Code, Diagnostic, FileId, Span, Suggestion};
use crate::syntax::ast::{self, Cond, Expr, Item, Literal, Meta, Rule, RuleClause};

/// A lint rule: its code and its check.
pub struct LintRule {
    pub code: Code,
    pub check: fn(&Ctx, &mut Vec<Diagnostic>),
}

/// Every lint rule, in code order.
pub const RULES: &[LintRule] = &[
    LintRule {
        code: Code::W0601,
        check: rules::missing_description::check,
    },
    LintRule {
        code: Code::W0602,
        check: rules::deny_without_audit::check,
    },
    LintRule {
        code: Code::W0603,
        check: rules::constant_require::check,
    },
    LintRule {
        code: Code::W0604,
        check: rules::when_excludes_all::check,
    },
    LintRule {
        code: Code::W0605,
        check: rules::duplicate_condition::check,
    },
    LintRule {
        code: Code::W0606,
        check: rules::like_equality::check,
    },
    LintRule {
        code: Code::W0607,
        check: rules::fix_not_modifiable::check,
    },
    LintRule {
        code: Code::W0608,
        check: rules::unbound_member_param::check,
    },
    LintRule {
        code: Code::W0609,
        check: rules::practice_without_rule::check,
    },
    LintRule {
        code: Code::W0610,
        check: rules::absent_vs_default::check,
    },
    LintRule {
        code: Code::W1003,
        check: rules::waiver_expiry::check,
    },
    LintRule {
        code: Code::W1004,
        check: rules::prod_not_enforced::check,
    },
];

/// What a rule sees.
pub struct Ctx<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub ast: &'a ast::File,
    pub config: &'a Config,
}

impl<'a> Ctx<'a> {
    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    pub fn rules(&self) -> impl Iterator<Item = &'a Rule> {
        self.ast.items.iter().filter_map(|i| match i {
            Item::Rule(r) => Some(r),
            _ => None,
        })
    }

    pub fn initiatives(&self) -> impl Iterator<Item = &'a ast::Initiative> {
        self.ast.items.iter().filter_map(|i| match i {
            Item::Initiative(x) => Some(x),
            _ => None,
        })
    }

    pub fn source(&self, span: Span) -> &'a str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Lints one parsed file with the rules `config` enables. Diagnostics are
/// sorted by position.
pub fn lint(file: FileId, text: &str, ast: &ast::File, config: &Config) -> Vec<Diagnostic> {
    let ctx = Ctx {
        file,
        text,
        ast,
        config,
    };
    let mut out = Vec::new();
    for rule in RULES {
        if config.enabled(rule.code) {
            let mut found = Vec::new();
            (rule.check)(&ctx, &mut found);
            out.extend(found.into_iter().filter(|d| d.code == rule.code));
        }
    }
    out.sort_by_key(|d| (d.primary.span.start, d.code));
    out
}

/// Compile diagnostics and lints of one file of `sources`, sorted by
/// position: what `acrpc lint` and the language server report. Warnings
/// `config` disables are left out; errors never are.
pub fn check_file(
    sources: &crate::diag::SourceMap,
    id: FileId,
    templates: &dyn crate::sema::Templates,
    config: &Config,
) -> Vec<Diagnostic> {
    let text = sources.get(id).map_or("", |f| f.text.as_str());
    let (ast, parse_diags) = crate::syntax::parse(id, text);
    check_parsed(id, text, &ast, parse_diags, templates, config)
}

/// [`check_file`] for a file already parsed (the language server parses
/// incrementally): the parse diagnostics, the checker's and the lints.
pub fn check_parsed(
    id: FileId,
    text: &str,
    ast: &ast::File,
    parse_diags: Vec<Diagnostic>,
    templates: &dyn crate::sema::Templates,
    config: &Config,
) -> Vec<Diagnostic> {
    let parse_failed = parse_diags.iter().any(Diagnostic::is_error);
    let mut diags = parse_diags;
    let checked = crate::sema::check(
        ast,
        Span::new(id, 0, 0),
        templates,
        &crate::sema::Options::default(),
    );
    diags.extend(checked.diagnostics);
    if !parse_failed {
        diags.extend(lint(id, text, ast, config));
    }
    diags.retain(|d| d.is_error() || config.enabled(d.code));
    diags.sort_by_key(|d| (d.primary.span.start, d.code));
    diags
}

/// Whether a code is one of the lint rules' (fixable by `--fix`).
pub fn is_lint(code: Code) -> bool {
    RULES.iter().any(|r| r.code == code)
}

/// Applies the suggestions of `diags` to `text`: the first suggestion of each
/// diagnostic, skipping any that overlaps one already taken. Returns the new
/// text and how many fixes were applied.
pub fn apply_fixes(text: &str, diags: &[Diagnostic]) -> (String, usize) {
    let mut edits: Vec<&Suggestion> = diags.iter().filter_map(|d| d.suggestions.first()).collect();
    edits.sort_by_key(|s| (s.span.start, s.span.end));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0usize;
    let mut applied = 0;
    for s in edits {
        let (start, end) = (s.span.start as usize, s.span.end as usize);
        if start < pos
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(&text[pos..start]);
        out.push_str(&s.replacement);
        pos = end;
        applied += 1;
    }
    out.push_str(&text[pos..]);
    (out, applied)
}

// ------------------------------------------------------------------ helpers for rules

pub fn meta<'a>(rule: &'a Rule, key: &str) -> Option<&'a Meta> {
    rule.clauses.iter().find_map(|c| match c {
        RuleClause::Meta(m) if m.key.name == key => Some(m),
        _ => None,
    })
}

/// The catalog kind of a rule's `target`.
pub fn target_kind(rule: &Rule) -> Option<&'static Kind> {
    let cat = catalog::catalog();
    match &meta(rule, "target")?.value {
        Literal::Word(w, _) => cat.kind(w),
        Literal::Str(s, _) => cat.kind_by_type(s),
        _ => None,
    }
}

/// The property a top-level path names on `kind`.
pub fn property<'k>(kind: &'k Kind, path: &ast::Path) -> Option<&'k Property> {
    kind.property(&path.to_text())
}

/// The conditions of a rule's `when`/`require`/`forbid` clauses (and the
/// `where` of a related requirement), with the clause keyword.
pub fn conditions(rule: &Rule) -> Vec<(&'static str, &Cond)> {
    rule.clauses
        .iter()
        .filter_map(|c| match c {
            RuleClause::When(c, _) => Some(("when", &**c)),
            RuleClause::Require(c, _) => Some(("require", &**c)),
            RuleClause::Forbid(c, _) => Some(("forbid", &**c)),
            _ => None,
        })
        .collect()
}

/// Calls `f` on every condition node that tests the rule's own resource
/// (not inside `any`/`all`/`count`, where paths are relative to an element).
pub fn walk_top(cond: &Cond, f: &mut dyn FnMut(&Cond)) {
    f(cond);
    match cond {
        Cond::And(cs, _) | Cond::Or(cs, _) => cs.iter().for_each(|c| walk_top(c, f)),
        Cond::Not(c, _) => walk_top(c, f),
        _ => {}
    }
}

/// Calls `f` on every condition node, quantifier bodies included.
pub fn walk_all(cond: &Cond, f: &mut dyn FnMut(&Cond)) {
    f(cond);
    match cond {
        Cond::And(cs, _) | Cond::Or(cs, _) => cs.iter().for_each(|c| walk_all(c, f)),
        Cond::Not(c, _) => walk_all(c, f),
        Cond::Quantifier { cond, .. } => walk_all(cond, f),
        Cond::Count {
            filter: Some(c), ..
        } => walk_all(c, f),
        _ => {}
    }
}

/// A literal scalar of an expression, as JSON (strings, numbers, booleans).
pub fn scalar(e: &Expr) -> Option<serde_json::Value> {
    match e {
        Expr::Str(s, _) => Some(serde_json::Value::String(s.clone())),
        Expr::Bool(b, _) => Some(serde_json::Value::Bool(*b)),
        Expr::Num(n, _, _) => serde_json::Number::from_f64(*n).map(serde_json::Value::Number),
        _ => None,
    }
}

/// Azure's comparison of two scalars: strings ignore case, numbers by value.
pub fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::String(x), V::String(y)) => x.eq_ignore_ascii_case(y),
        (V::Number(x), V::Number(y)) => x.as_f64() == y.as_f64(),
        (V::Bool(x), V::Bool(y)) => x == y,
        _ => false,
    }
}

/// Every value a property can take, when that set is closed: a closed enum
/// or a boolean.
pub fn closed_values(p: &Property) -> Option<Vec<serde_json::Value>> {
    if p.ty == catalog::PropType::Boolean {
        return Some(vec![
            serde_json::Value::Bool(false),
            serde_json::Value::Bool(true),
        ]);
    }
    (p.enum_closed && !p.enum_values.is_empty()).then(|| {
        p.enum_values
            .iter()
            .map(|v| serde_json::Value::from(*v))
            .collect()
    })
}

/// A value as the language writes it.
pub fn show(v: &serde_json::Value) -> String {
    v.to_string()
}

/// A diagnostic with a fix replacing `span` (not necessarily the primary span).
pub fn with_fix(mut d: Diagnostic, title: &str, span: Span, replacement: String) -> Diagnostic {
    d.suggestions.push(Suggestion {
        title: title.to_string(),
        span,
        replacement,
    });
    d
}
