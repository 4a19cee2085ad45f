//! Conditions → IR: `require`/`forbid`/`when` conditions, comparisons, `exists`, the
//! quantifiers `any`/`all` and `count`, with Azure's per-array count limits.

use super::{FieldInfo, Lowerer, Resolved};
use crate::catalog::PropType;
use crate::diag::{Code, Diagnostic, Span};
use crate::ir::{Condition, CountSource, Op, Operand, all_of, any_of, const_cond, negate};
use crate::sema::article;
use crate::sema::functions::ExprType;
use crate::syntax::ast::{self, CmpOp, Cond, Expr, Path, Segment};
use serde_json::{Value, json};

impl<'a, 'd> Lowerer<'a, 'd> {
    pub fn cond(&mut self, c: &Cond) -> Condition {
        match c {
            Cond::And(parts, _) => all_of(parts.iter().map(|p| self.cond(p)).collect()),
            Cond::Or(parts, _) => any_of(parts.iter().map(|p| self.cond(p)).collect()),
            Cond::Not(inner, _) => {
                let lowered = self.cond(inner);
                let element = self.element_field();
                negate(lowered, element.as_deref())
            }
            Cond::Bool(b, _) => const_cond(*b),
            Cond::Exists {
                operand, exists, ..
            } => self.exists(operand, *exists),
            Cond::Compare { lhs, op, rhs, span } => self.compare(lhs, *op, rhs, *span),
            Cond::Quantifier {
                all, over, cond, ..
            } => self.quantifier(*all, over, cond),
            Cond::Count {
                source,
                filter,
                op,
                rhs,
                span,
            } => self.count(source, filter.as_deref(), *op, rhs, *span),
        }
    }

    pub(super) fn exists(&mut self, operand: &Expr, exists: bool) -> Condition {
        match self.resolve_operand(operand) {
            Some(Resolved::Field(f)) => Condition::Field {
                field: f.field,
                op: Op::Exists,
                value: Operand::Literal(json!(exists)),
            },
            Some(Resolved::Expr(text, _)) => Condition::Value {
                value: Operand::Expr(text),
                op: Op::Exists,
                rhs: Operand::Literal(json!(exists)),
            },
            // A path that did not resolve has been reported already.
            None if is_field_like(operand) => const_cond(true),
            None => match self.operand(operand) {
                Some((value, _)) => Condition::Value {
                    value,
                    op: Op::Exists,
                    rhs: Operand::Literal(json!(exists)),
                },
                None => const_cond(true),
            },
        }
    }

    pub(super) fn compare(&mut self, lhs: &Expr, op: CmpOp, rhs: &Expr, span: Span) -> Condition {
        // `"Premium" == sku.name` reads oddly but is meant symmetrically.
        let (lhs, rhs) =
            if matches!(op, CmpOp::Eq | CmpOp::Ne) && is_literal(lhs) && is_field_like(rhs) {
                (rhs, lhs)
            } else {
                (lhs, rhs)
            };
        let azure_op = azure_op(op);
        let resolved = if is_field_like(lhs) {
            self.resolve_operand(lhs)
        } else {
            None
        };
        match resolved {
            Some(Resolved::Field(f)) => {
                self.check_field_operator(&f, op, rhs, span);
                let value = self
                    .operand(rhs)
                    .map_or(Operand::Literal(Value::Null), |(v, _)| v);
                Condition::Field {
                    field: f.field,
                    op: azure_op,
                    value,
                }
            }
            Some(Resolved::Expr(text, ty)) => {
                let r = self.operand(rhs);
                self.check_value_operator(ty, op, rhs, r.as_ref().map(|x| x.1));
                Condition::Value {
                    value: Operand::Expr(text),
                    op: azure_op,
                    rhs: r.map_or(Operand::Literal(Value::Null), |x| x.0),
                }
            }
            None if is_field_like(lhs) => const_cond(true),
            None => {
                let l = self.operand(lhs);
                let r = self.operand(rhs);
                if let Some((_, lt)) = &l {
                    self.check_value_operator(*lt, op, rhs, r.as_ref().map(|x| x.1));
                }
                Condition::Value {
                    value: l.map_or(Operand::Literal(Value::Null), |x| x.0),
                    op: azure_op,
                    rhs: r.map_or(Operand::Literal(Value::Null), |x| x.0),
                }
            }
        }
    }

    /// One more field count over `alias` (Azure's limit is per array;
    /// `any`/`all` are counts too).
    pub(super) fn count_field(&mut self, alias: &str) {
        // Keyed case-insensitively (aliases are), shown as written.
        let entry = self
            .field_counts
            .entry(alias.to_ascii_lowercase())
            .or_insert_with(|| (alias.to_string(), 0));
        entry.1 += 1;
    }

    pub(super) fn quantifier(&mut self, all: bool, over: &Path, cond: &Cond) -> Condition {
        let Some(source) = self.array_source(over) else {
            return const_cond(true);
        };
        self.count_field(&source.field.field);
        let filter = self.in_element(&source, |l| l.cond(cond));
        let filter = if all {
            negate(filter, Some(&source.field.field))
        } else {
            filter
        };
        let (op, n) = if all {
            (Op::Equals, 0)
        } else {
            (Op::Greater, 0)
        };
        Condition::Count {
            source: CountSource::Field(source.field),
            filter: Some(Box::new(filter)),
            op,
            rhs: Operand::Literal(json!(n)),
        }
    }

    pub(super) fn count(
        &mut self,
        source: &ast::CountSource,
        filter: Option<&Cond>,
        op: CmpOp,
        rhs: &Expr,
        span: Span,
    ) -> Condition {
        let op_azure = azure_op(op);
        if !matches!(
            op,
            CmpOp::Eq
                | CmpOp::Ne
                | CmpOp::Lt
                | CmpOp::Le
                | CmpOp::Gt
                | CmpOp::Ge
                | CmpOp::In
                | CmpOp::NotIn
        ) {
            self.err(
                Diagnostic::new(
                    Code::E0214,
                    span,
                    format!("`{}` cannot compare a count", op.as_source_str()),
                )
                .with_label("a count is a number")
                .with_help(
                    "compare counts with `==`, `!=`, `<`, `<=`, `>`, `>=`, `in` or `not in`",
                ),
            );
        }
        let rhs_op = match self.operand(rhs) {
            Some((v, ty)) => {
                if !matches!(ty, ExprType::Number | ExprType::Any | ExprType::Array) {
                    self.err(
                        Diagnostic::new(
                            Code::E0204,
                            rhs.span(),
                            format!("a count is compared with {}", article(ty.as_str())),
                        )
                        .with_label("expected a number"),
                    );
                }
                v
            }
            None => Operand::Literal(Value::Null),
        };
        match source {
            ast::CountSource::Field(path) => {
                let Some(src) = self.array_source(path) else {
                    return const_cond(true);
                };
                self.count_field(&src.field.field);
                let filter = filter.map(|f| Box::new(self.in_element(&src, |l| l.cond(f))));
                Condition::Count {
                    source: CountSource::Field(src.field),
                    filter,
                    op: op_azure,
                    rhs: rhs_op,
                }
            }
            ast::CountSource::Value { name, source } => {
                self.value_counts += 1;
                let value = match self.operand(source) {
                    Some((v, ty)) => {
                        if !matches!(ty, ExprType::Array | ExprType::Any) {
                            self.err(
                                Diagnostic::new(
                                    Code::E0208,
                                    source.span(),
                                    format!(
                                        "`count({} in …)` needs a list, found a {}",
                                        name.name,
                                        ty.as_str()
                                    ),
                                )
                                .with_label("not a list"),
                            );
                        }
                        v
                    }
                    None => Operand::Literal(Value::Null),
                };
                self.value_names.push(name.name.clone());
                let filter = filter.map(|f| Box::new(self.cond(f)));
                self.value_names.pop();
                Condition::Count {
                    source: CountSource::Value {
                        value,
                        name: name.name.clone(),
                    },
                    filter,
                    op: op_azure,
                    rhs: rhs_op,
                }
            }
        }
    }

    pub(super) fn in_element<T>(
        &mut self,
        source: &FieldInfo,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.elements.push(source.dsl_path.clone());
        self.element_fields.push(source.field.field.clone());
        let out = f(self);
        self.elements.pop();
        self.element_fields.pop();
        out
    }

    /// Resolves the array path of `any`/`all`/`count`; it must end in `[*]`.
    pub(super) fn array_source(&mut self, path: &Path) -> Option<FieldInfo> {
        let f = match self.resolve_path(path)? {
            Resolved::Field(f) => f,
            Resolved::Expr(..) => {
                self.err(
                    Diagnostic::new(Code::E0208, path.span, "a `let` binding cannot be iterated")
                        .with_label("not an array property"),
                );
                return None;
            }
        };
        if !matches!(path.segments.last(), Some(Segment::Wildcard)) {
            let mut d = Diagnostic::new(
                Code::E0208,
                path.span,
                format!(
                    "`{}` must end with `[*]` to iterate its elements",
                    path.to_text()
                ),
            )
            .with_label("not iterated");
            if f.ty == PropType::Array || self.lookup(&format!("{}[*]", f.dsl_path)).is_some() {
                d = d.with_suggestion("iterate the array", format!("{}[*]", path.to_text()));
            }
            self.err(d);
            return None;
        }
        Some(f)
    }
}

pub(super) fn azure_op(op: CmpOp) -> Op {
    match op {
        CmpOp::Eq => Op::Equals,
        CmpOp::Ne => Op::NotEquals,
        CmpOp::Lt => Op::Less,
        CmpOp::Le => Op::LessOrEquals,
        CmpOp::Gt => Op::Greater,
        CmpOp::Ge => Op::GreaterOrEquals,
        CmpOp::In => Op::In,
        CmpOp::NotIn => Op::NotIn,
        CmpOp::Like => Op::Like,
        CmpOp::NotLike => Op::NotLike,
        CmpOp::Matches => Op::Match,
        CmpOp::NotMatches => Op::NotMatch,
        CmpOp::IMatches => Op::MatchInsensitively,
        CmpOp::NotIMatches => Op::NotMatchInsensitively,
        CmpOp::Contains => Op::Contains,
        CmpOp::NotContains => Op::NotContains,
        CmpOp::ContainsKey => Op::ContainsKey,
        CmpOp::NotContainsKey => Op::NotContainsKey,
    }
}

pub(super) fn is_literal(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Str(..) | Expr::Num(..) | Expr::Bool(..) | Expr::Null(..)
    )
}

pub(super) fn is_field_like(e: &Expr) -> bool {
    match e {
        Expr::Path(_) | Expr::It(_) => true,
        // `alias("…")`: a field outside the catalog (see `sema::raw_alias`).
        Expr::Call { name, .. } => name.name.eq_ignore_ascii_case("alias"),
        _ => false,
    }
}
