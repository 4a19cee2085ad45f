//! Name resolution: DSL paths to catalog properties and aliases, generic fields (`name`,
//! `tags["…"]`, …), `it` and the current element of a count, `let` bindings and value
//! counts, `fix` targets.

use super::{FieldInfo, Lowerer, Resolved, quote};
use crate::catalog::{AliasStatus, PropType, catalog};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::ir::FieldRef;
use crate::sema::functions::ExprType;
use crate::syntax::ast::{Expr, Path, Segment};

impl<'a, 'd> Lowerer<'a, 'd> {
    pub(super) fn lookup(&self, dsl_path: &str) -> Option<&'static crate::catalog::Property> {
        self.env.kind.property(dsl_path)
    }

    pub(super) fn resolve_operand(&mut self, e: &Expr) -> Option<Resolved> {
        match e {
            Expr::Path(p) => self.resolve_path(p),
            Expr::Call { name, args, span } if name.name.eq_ignore_ascii_case("alias") => {
                self.raw_alias(args, *span)
            }
            Expr::It(span) => match self.elements.last().cloned() {
                Some(el) => self.resolve_dsl(&el, *span),
                None => {
                    self.it_outside(*span);
                    None
                }
            },
            _ => None,
        }
    }

    /// `alias("…")`: see `sema::raw_alias`.
    fn raw_alias(&mut self, args: &[Expr], span: Span) -> Option<Resolved> {
        use super::super::raw_alias::{RawAlias, resolve};
        let (found, diags) = resolve(self.env.kind, args, span);
        diags.into_iter().for_each(|d| self.err(d));
        match found? {
            RawAlias::Known(path) => self.resolve_dsl(&path, span),
            RawAlias::Unknown(f) => Some(Resolved::Field(f)),
        }
    }

    pub(super) fn it_outside(&mut self, span: Span) {
        self.err(
            Diagnostic::new(
                Code::E0216,
                span,
                "`it` is only meaningful inside `any`, `all` or `count`",
            )
            .with_label("no element here")
            .with_help("`it` is the current element of the array being iterated"),
        );
    }

    pub(super) fn resolve_path(&mut self, p: &Path) -> Option<Resolved> {
        // Single names may be `let` bindings or value-count names.
        if let [Segment::Name(n)] = p.segments.as_slice() {
            if self.value_names.iter().any(|v| v == n) {
                return Some(Resolved::Expr(
                    format!("current({})", quote(n)),
                    ExprType::Any,
                ));
            }
            if let Some(expr) = self.env.lets.get(n.as_str()).copied() {
                if self.expanding.iter().any(|x| x == n) {
                    self.err(
                        Diagnostic::new(Code::E0113, p.span, format!("`let {n}` refers to itself"))
                            .with_label("recursive binding"),
                    );
                    return None;
                }
                self.used_lets.insert(n.clone());
                self.expanding.push(n.clone());
                let out = self.expr(expr);
                self.expanding.pop();
                return out.map(|(text, ty)| Resolved::Expr(text, ty));
            }
        }
        if let Some(g) = self.generic(p) {
            return Some(Resolved::Field(g));
        }
        if p.segments.iter().any(|s| matches!(s, Segment::Key(_))) {
            self.err(
                Diagnostic::new(
                    Code::E0202,
                    p.span,
                    format!("`{}`: only `tags[\"…\"]` takes a key", p.to_text()),
                )
                .with_label("keys are not supported here"),
            );
            return None;
        }
        let text = p.to_text();
        // Inside a quantifier, paths are relative to the element; fall back
        // to the resource when the element has no such property.
        if let Some(el) = self.elements.last().cloned() {
            let rel = format!("{el}.{text}");
            if self.lookup(&rel).is_some() {
                return self.resolve_dsl(&rel, p.span);
            }
        }
        self.resolve_dsl(&text, p.span)
    }

    pub(super) fn generic(&mut self, p: &Path) -> Option<FieldInfo> {
        let first = match p.segments.first() {
            Some(Segment::Name(n)) => n.as_str(),
            _ => return None,
        };
        let cat = catalog();
        let (field, ty) = match p.segments.as_slice() {
            [Segment::Name(_), Segment::Key(k)] if first.eq_ignore_ascii_case("tags") => (
                format!("tags['{}']", k.replace('\'', "''")),
                PropType::String,
            ),
            _ => {
                let text = p.to_text();
                let g = cat.generic_field(&text)?;
                (g.field.to_string(), g.ty)
            }
        };
        if !self.elements.is_empty()
            && self
                .lookup(&format!("{}.{}", self.elements.last()?, p.to_text()))
                .is_some()
        {
            return None;
        }
        Some(FieldInfo {
            field: FieldRef {
                arm_path: Some(arm_path_of_generic(&field)),
                field,
            },
            dsl_path: p.to_text(),
            ty,
            enum_values: &[],
            enum_closed: false,
            read_only: false,
        })
    }

    pub(super) fn resolve_dsl(&mut self, dsl: &str, span: Span) -> Option<Resolved> {
        let kind = self.env.kind;
        let Some(prop) = kind.property(dsl) else {
            let mut d = Diagnostic::new(
                Code::E0202,
                span,
                format!("`{}` has no property `{dsl}`", kind.name),
            )
            .with_label("unknown property");
            let candidates = kind
                .properties
                .iter()
                .filter(|p| p.alias.is_some() && p.status != AliasStatus::Legacy)
                .map(|p| p.path);
            if let Some(s) = did_you_mean(dsl, candidates) {
                let shown = match self.elements.last() {
                    Some(el) => s.strip_prefix(&format!("{el}.")).unwrap_or(s),
                    None => s,
                };
                d = d
                    .with_help(format!("did you mean `{shown}`?"))
                    .with_suggestion(format!("use `{shown}`"), shown);
            } else {
                d = d.with_help(format!(
                    "see the properties of `{}` with `acrpc explain E0202` or hover in an editor",
                    kind.name
                ));
            }
            self.err(d);
            return None;
        };
        let Some(alias) = prop.alias.map(str::to_string) else {
            self.err(
                Diagnostic::new(
                    Code::E0209,
                    span,
                    format!("`{dsl}` has no Azure Policy alias"),
                )
                .with_label("Azure Policy cannot read this property")
                .with_help("only properties with an alias can appear in a policy condition"),
            );
            return None;
        };
        match prop.status {
            AliasStatus::Legacy => self.err(
                Diagnostic::new(
                    Code::W0003,
                    span,
                    format!("`{dsl}` is a legacy alias on `{}`", kind.name),
                )
                .with_label("legacy alias")
                .with_help(format!(
                    "target the child kind instead ({}); built-ins use the child type's own alias",
                    prop.child_resource_type
                        .unwrap_or("the child resource type")
                )),
            ),
            AliasStatus::Inferred | AliasStatus::Unverified => self.err(
                Diagnostic::new(
                    Code::W0006,
                    span,
                    format!("the alias of `{dsl}` is not confirmed and may not exist"),
                )
                .with_label("unconfirmed alias")
                .with_help("Azure rejects a definition that uses an alias it does not have"),
            ),
            AliasStatus::Confirmed => {}
        }
        if prop.preview {
            self.err(
                Diagnostic::new(Code::W0004, span, format!("`{dsl}` exists only in a preview API version"))
                    .with_label("preview property")
                    .with_help("resources deployed with a stable API version never carry it, so conditions on it may not mean what you expect"),
            );
        }
        Some(Resolved::Field(FieldInfo {
            field: FieldRef {
                field: alias,
                arm_path: Some(prop.arm_path.to_string()),
            },
            dsl_path: prop.path.to_string(),
            ty: prop.ty,
            enum_values: prop.enum_values,
            enum_closed: prop.enum_closed,
            read_only: prop.read_only,
        }))
    }

    /// Resolves a path used as the target of `fix`.
    pub fn fix_target(&mut self, p: &Path) -> Option<FieldInfo> {
        match self.resolve_path(p)? {
            Resolved::Field(f) => Some(f),
            Resolved::Expr(..) => {
                self.err(
                    Diagnostic::new(
                        Code::E0202,
                        p.span,
                        "a `let` binding cannot be written by `fix`",
                    )
                    .with_label("not a property"),
                );
                None
            }
        }
    }
}

pub(super) fn prop_expr_type(t: PropType) -> ExprType {
    match t {
        PropType::String => ExprType::String,
        PropType::Boolean => ExprType::Bool,
        PropType::Integer | PropType::Number => ExprType::Number,
        PropType::Array => ExprType::Array,
        PropType::Object => ExprType::Object,
        PropType::Any => ExprType::Any,
    }
}

/// Where a generic field lives in an ARM resource body.
pub(super) fn arm_path_of_generic(field: &str) -> String {
    if let Some(key) = field
        .strip_prefix("tags['")
        .and_then(|k| k.strip_suffix("']"))
    {
        return format!("tags.{}", key.replace("''", "'"));
    }
    field.to_string()
}
