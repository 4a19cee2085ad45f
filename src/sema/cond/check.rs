//! Type and enum checks of comparisons: operators against a field's type, literals against
//! its type and closed enum, ordering operators, value-to-value comparisons.

use super::{FieldInfo, Lowerer};
use crate::catalog::PropType;
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::sema::article;
use crate::sema::functions::ExprType;
use crate::syntax::ast::{CmpOp, Expr};

impl<'a, 'd> Lowerer<'a, 'd> {
    pub(super) fn check_field_operator(
        &mut self,
        f: &FieldInfo,
        op: CmpOp,
        rhs: &Expr,
        span: Span,
    ) {
        let ty = f.ty;
        let bad_op = match op {
            CmpOp::Like
            | CmpOp::NotLike
            | CmpOp::Matches
            | CmpOp::NotMatches
            | CmpOp::IMatches
            | CmpOp::NotIMatches => !matches!(ty, PropType::String | PropType::Any),
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                matches!(ty, PropType::Boolean | PropType::Array | PropType::Object)
            }
            CmpOp::ContainsKey | CmpOp::NotContainsKey => {
                !matches!(ty, PropType::Object | PropType::Any)
            }
            CmpOp::Contains | CmpOp::NotContains => {
                matches!(ty, PropType::Boolean | PropType::Integer | PropType::Number)
            }
            _ => false,
        };
        if bad_op {
            self.err(
                Diagnostic::new(
                    Code::E0214,
                    span,
                    format!(
                        "`{}` cannot be applied to `{}`, {}",
                        op.as_source_str(),
                        f.dsl_path,
                        article(ty.as_str())
                    ),
                )
                .with_label(format!("{} is {}", f.dsl_path, article(ty.as_str()))),
            );
            return;
        }
        if matches!(op, CmpOp::Like | CmpOp::NotLike)
            && let Expr::Str(s, sspan) = rhs
            && s.matches('*').count() > 1
        {
            self.err(
                Diagnostic::new(Code::E0215, *sspan, format!("`like` pattern \"{s}\" has more than one `*`"))
                    .with_label("Azure allows one wildcard")
                    .with_help("Azure Policy's `like` takes at most one `*`; use `matches`/`imatches` or split the condition"),
            );
        }
        match op {
            CmpOp::Eq | CmpOp::Ne => self.check_value_against(f, rhs),
            // Azure raises an error when the operand types of `less`,
            // `greater`, … differ ("if the property type doesn't match the
            // condition type, an error is raised", policy definition
            // structure, Conditions), so a mismatch is E0204 here.
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => self.check_ordering_value(f, rhs),
            CmpOp::In | CmpOp::NotIn => match rhs {
                Expr::Array(items, _) => {
                    for item in items {
                        self.check_value_against(f, item);
                    }
                }
                Expr::Str(..) | Expr::Num(..) | Expr::Bool(..) => self.err(
                    Diagnostic::new(
                        Code::E0204,
                        rhs.span(),
                        format!("`{}` needs a list", op.as_source_str()),
                    )
                    .with_label("not a list")
                    .with_help("write the values as a list: `[\"a\", \"b\"]`"),
                ),
                _ => {}
            },
            _ => {}
        }
    }

    /// Type check of a literal ordered against a field: a boolean never
    /// orders, numbers order with numbers and strings with strings.
    pub(super) fn check_ordering_value(&mut self, f: &FieldInfo, value: &Expr) {
        if let Expr::Bool(_, span) = value {
            self.err(
                Diagnostic::new(
                    Code::E0204,
                    *span,
                    format!("`{}` is ordered against a boolean", f.dsl_path),
                )
                .with_label("booleans have no order")
                .with_help("compare booleans with `==` or `!=`"),
            );
            return;
        }
        self.check_type_only(f, value);
    }

    /// The type half of [`Self::check_value_against`], for operators where
    /// the enum of the property does not apply.
    pub(super) fn check_type_only(&mut self, f: &FieldInfo, value: &Expr) {
        let found = match value {
            Expr::Str(..) => PropType::String,
            Expr::Num(..) => PropType::Number,
            _ => return,
        };
        let compatible = match (f.ty, found) {
            (PropType::Any, _) => true,
            (PropType::Integer | PropType::Number, PropType::Number) => true,
            (a, b) => a == b,
        };
        if !compatible {
            self.err(
                Diagnostic::new(
                    Code::E0204,
                    value.span(),
                    format!(
                        "`{}` is {}, but is compared with {}",
                        f.dsl_path,
                        article(f.ty.as_str()),
                        article(found.as_str())
                    ),
                )
                .with_label(format!("expected {}", article(f.ty.as_str()))),
            );
        }
    }

    /// Type and enum check of a literal compared with a field.
    pub(super) fn check_value_against(&mut self, f: &FieldInfo, value: &Expr) {
        let found = match value {
            Expr::Str(..) => PropType::String,
            Expr::Bool(..) => PropType::Boolean,
            Expr::Num(..) => PropType::Number,
            _ => return,
        };
        let compatible = match (f.ty, found) {
            (PropType::Any, _) => true,
            (PropType::Integer | PropType::Number, PropType::Number) => true,
            (a, b) => a == b,
        };
        // A boolean or number compared with a `[*]` array of them is fine;
        // `ty` of an element alias is the element type already.
        if !compatible {
            let mut d = Diagnostic::new(
                Code::E0204,
                value.span(),
                format!(
                    "`{}` is {}, but is compared with {}",
                    f.dsl_path,
                    article(f.ty.as_str()),
                    article(found.as_str())
                ),
            )
            .with_label(format!("expected {}", article(f.ty.as_str())));
            if let Expr::Str(s, _) = value
                && f.ty == PropType::Boolean
                && (s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"))
            {
                d = d.with_suggestion("write a boolean", s.to_ascii_lowercase());
            }
            self.err(d);
            return;
        }
        if let Expr::Str(s, span) = value
            && !f.enum_values.is_empty()
        {
            self.check_enum(f, s, *span);
        }
    }

    pub(super) fn check_enum(&mut self, f: &FieldInfo, s: &str, span: Span) {
        if f.enum_values.contains(&s) {
            return;
        }
        if let Some(canon) = f.enum_values.iter().find(|e| e.eq_ignore_ascii_case(s)) {
            // Azure compares case-insensitively, so this is only a style issue.
            self.err(
                Diagnostic::new(
                    Code::W0002,
                    span,
                    format!("\"{s}\" is spelled \"{canon}\" by the service"),
                )
                .with_label("differs only in case")
                .with_suggestion("use the service's spelling", format!("\"{canon}\"")),
            );
            return;
        }
        let list = f
            .enum_values
            .iter()
            .map(|e| format!("\"{e}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let code = if f.enum_closed {
            Code::E0203
        } else {
            Code::W0001
        };
        let mut d = Diagnostic::new(
            code,
            span,
            format!("\"{s}\" is not a value of `{}`", f.dsl_path),
        )
        .with_label(if f.enum_closed {
            "not allowed"
        } else {
            "not a known value"
        })
        .with_help(format!("known values: {list}"));
        if let Some(best) = did_you_mean(s, f.enum_values.iter().copied()) {
            d = d.with_suggestion(format!("did you mean \"{best}\"?"), format!("\"{best}\""));
        }
        self.err(d);
    }

    pub(super) fn check_value_operator(
        &mut self,
        lt: ExprType,
        op: CmpOp,
        rhs: &Expr,
        rt: Option<ExprType>,
    ) {
        let bad = match op {
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                matches!(lt, ExprType::Bool | ExprType::Array | ExprType::Object)
                    || matches!(
                        rt,
                        Some(ExprType::Bool | ExprType::Array | ExprType::Object)
                    )
                    || matches!(
                        (lt, rt),
                        (ExprType::String, Some(ExprType::Number))
                            | (ExprType::Number, Some(ExprType::String))
                    )
            }
            CmpOp::Like
            | CmpOp::NotLike
            | CmpOp::Matches
            | CmpOp::NotMatches
            | CmpOp::IMatches
            | CmpOp::NotIMatches => !matches!(lt, ExprType::String | ExprType::Any),
            CmpOp::In | CmpOp::NotIn => {
                rt.is_some_and(|t| !matches!(t, ExprType::Array | ExprType::Any))
            }
            _ => false,
        };
        if bad {
            self.err(
                Diagnostic::new(
                    Code::E0214,
                    rhs.span(),
                    format!(
                        "`{}` cannot be applied to {}",
                        op.as_source_str(),
                        article(lt.as_str())
                    ),
                )
                .with_label("wrong operand type"),
            );
        }
    }
}
