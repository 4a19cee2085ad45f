//! Conditions and expressions: name resolution against the catalog, type and
//! enum checks, and lowering to the IR's Azure-shaped conditions. `not` is
//! pushed inward only where that is exact (see [`negate`]).

use super::functions::{self, ExprType};
use crate::catalog::{AliasStatus, Kind, PropType, catalog};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::ir::{Condition, CountSource, FieldRef, Op, Operand, ParamType};
use crate::syntax::ast::{self, CmpOp, Cond, Expr, Path, Segment};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A declared parameter as conditions see it.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub ty: ParamType,
}

/// What a condition can refer to: the kind, params and `let` bindings.
pub struct Env<'a> {
    pub kind: &'static Kind,
    pub params: &'a BTreeMap<String, ParamInfo>,
    pub lets: &'a BTreeMap<String, &'a Expr>,
}

/// Lowering state for one rule.
pub struct Lowerer<'a, 'd> {
    pub env: Env<'a>,
    pub diags: &'d mut Vec<Diagnostic>,
    pub used_params: BTreeSet<String>,
    pub used_lets: BTreeSet<String>,
    /// DSL paths (ending in `[*]`) of the arrays being iterated, innermost last.
    elements: Vec<String>,
    /// The aliases of `elements` (what `field` says inside a count).
    element_fields: Vec<String>,
    /// Names of enclosing value counts.
    value_names: Vec<String>,
    /// `let` bindings being expanded, to catch cycles.
    expanding: Vec<String>,
    /// Field counts per array alias and value counts, for Azure's limits.
    /// Lower-case alias → (alias as written, number of counts over it).
    pub field_counts: BTreeMap<String, (String, usize)>,
    pub value_counts: usize,
}

/// A resolved property or generic field.
#[derive(Debug, Clone)]
pub struct FieldInfo {
    pub field: FieldRef,
    pub dsl_path: String,
    pub ty: PropType,
    pub enum_values: &'static [String],
    pub enum_closed: bool,
    pub read_only: bool,
}

enum Resolved {
    Field(FieldInfo),
    /// A `let` binding or value-count name: an expression.
    Expr(String, ExprType),
}

fn const_cond(b: bool) -> Condition {
    // Azure has no literal true/false condition; this is the shortest exact form.
    Condition::Value {
        value: Operand::Literal(json!(true)),
        op: Op::Equals,
        rhs: Operand::Literal(json!(b)),
    }
}

fn as_const(c: &Condition) -> Option<bool> {
    match c {
        Condition::Value {
            value: Operand::Literal(Value::Bool(true)),
            op: Op::Equals,
            rhs: Operand::Literal(Value::Bool(b)),
        } => Some(*b),
        _ => None,
    }
}

/// `allOf`, flattening nested `allOf` and dropping `true`.
pub fn all_of(parts: Vec<Condition>) -> Condition {
    junction(parts, true)
}

/// `anyOf`, flattening nested `anyOf` and dropping `false`.
pub fn any_of(parts: Vec<Condition>) -> Condition {
    junction(parts, false)
}

/// `allOf` (`conjunction`) or `anyOf`: nested junctions of the same kind are
/// flattened, the neutral constant dropped, the absorbing one returned.
fn junction(parts: Vec<Condition>, conjunction: bool) -> Condition {
    let mut out = Vec::new();
    for p in parts {
        match (p, conjunction) {
            (Condition::AllOf(inner), true) | (Condition::AnyOf(inner), false) => out.extend(inner),
            (other, _) => match as_const(&other) {
                Some(b) if b == conjunction => {}
                Some(_) => return const_cond(!conjunction),
                None => out.push(other),
            },
        }
    }
    match out.len() {
        0 => const_cond(conjunction),
        1 => out.remove(0),
        _ if conjunction => Condition::AllOf(out),
        _ => Condition::AnyOf(out),
    }
}

/// Does `field` iterate an array other than (or beyond) the current
/// element `element` (the alias of the innermost `[*]` being iterated)?
fn iterated_outside(field: &str, element: Option<&str>) -> bool {
    let rest = match element {
        Some(e) if field.len() >= e.len() && field[..e.len()].eq_ignore_ascii_case(e) => {
            &field[e.len()..]
        }
        _ => field,
    };
    rest.contains("[*]")
}

/// `not(c)`, pushed inward where the result is exactly equivalent for every
/// resource:
/// - De Morgan over allOf/anyOf, and `not not c` = `c` (plain logic);
/// - a field or value condition whose operator has an exact inverse
///   (`equals`/`notEquals`, `in`/`notIn`, `like`/`notLike`, `exists`
///   true/false, …): Azure defines each `not…` operator as the negation;
/// - count comparisons, whose left side is always a number, so `less` and
///   `greaterOrEquals` are complements;
/// - but not through a field path with `[*]` iterated *outside* the current
///   element: `arr[*].x == 1` means "every element", whose negation is "some
///   element differs", not "every element differs";
/// - and not through ordering operators on fields or values, where a missing
///   or mistyped value makes both sides false.
///
/// `element` is the alias (ending in `[*]`) of the innermost iterated array:
/// paths under it name the current element; any other `[*]` is iterated.
pub fn negate(c: Condition, element: Option<&str>) -> Condition {
    if let Some(b) = as_const(&c) {
        return const_cond(!b);
    }
    match c {
        Condition::AllOf(v) => any_of(v.into_iter().map(|c| negate(c, element)).collect()),
        Condition::AnyOf(v) => all_of(v.into_iter().map(|c| negate(c, element)).collect()),
        Condition::Not(inner) => *inner,
        Condition::Field { field, op, value } => {
            let outside = iterated_outside(&field.field, element);
            match (outside, op, &value) {
                (false, Op::Exists, Operand::Literal(Value::Bool(b))) => Condition::Field {
                    field,
                    op,
                    value: Operand::Literal(json!(!b)),
                },
                (false, _, _) if op.exact_inverse().is_some() => Condition::Field {
                    field,
                    op: op.exact_inverse().unwrap_or(op),
                    value,
                },
                _ => Condition::Not(Box::new(Condition::Field { field, op, value })),
            }
        }
        Condition::Value { value, op, rhs } => match op.exact_inverse() {
            Some(inv) => Condition::Value {
                value,
                op: inv,
                rhs,
            },
            None => Condition::Not(Box::new(Condition::Value { value, op, rhs })),
        },
        Condition::Count {
            source,
            filter,
            op,
            rhs,
        } => match op.numeric_inverse() {
            Some(inv) => Condition::Count {
                source,
                filter,
                op: inv,
                rhs,
            },
            None => Condition::Not(Box::new(Condition::Count {
                source,
                filter,
                op,
                rhs,
            })),
        },
    }
}

/// Quotes a string for a template expression: `'it''s'`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl<'a, 'd> Lowerer<'a, 'd> {
    pub fn new(env: Env<'a>, diags: &'d mut Vec<Diagnostic>) -> Lowerer<'a, 'd> {
        Lowerer {
            env,
            diags,
            used_params: BTreeSet::new(),
            used_lets: BTreeSet::new(),
            elements: Vec::new(),
            element_fields: Vec::new(),
            value_names: Vec::new(),
            expanding: Vec::new(),
            field_counts: BTreeMap::new(),
            value_counts: 0,
        }
    }

    /// A lowerer for the same rule but another kind (related resources).
    pub fn with_kind<T>(
        &mut self,
        kind: &'static Kind,
        f: impl FnOnce(&mut Lowerer<'_, '_>) -> T,
    ) -> T {
        let saved = std::mem::replace(&mut self.env.kind, kind);
        let saved_elements = std::mem::take(&mut self.elements);
        let saved_fields = std::mem::take(&mut self.element_fields);
        let out = f(self);
        self.env.kind = saved;
        self.elements = saved_elements;
        self.element_fields = saved_fields;
        out
    }

    /// The alias of the innermost iterated array, if any.
    fn element_field(&self) -> Option<String> {
        self.element_fields.last().cloned()
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    // -------------------------------------------------------------- conditions

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

    fn exists(&mut self, operand: &Expr, exists: bool) -> Condition {
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

    fn compare(&mut self, lhs: &Expr, op: CmpOp, rhs: &Expr, span: Span) -> Condition {
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
    fn count_field(&mut self, alias: &str) {
        // Keyed case-insensitively (aliases are), shown as written.
        let entry = self
            .field_counts
            .entry(alias.to_ascii_lowercase())
            .or_insert_with(|| (alias.to_string(), 0));
        entry.1 += 1;
    }

    fn quantifier(&mut self, all: bool, over: &Path, cond: &Cond) -> Condition {
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

    fn count(
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
                            format!("a count is compared with {}", super::article(ty.as_str())),
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

    fn in_element<T>(&mut self, source: &FieldInfo, f: impl FnOnce(&mut Self) -> T) -> T {
        self.elements.push(source.dsl_path.clone());
        self.element_fields.push(source.field.field.clone());
        let out = f(self);
        self.elements.pop();
        self.element_fields.pop();
        out
    }

    /// Resolves the array path of `any`/`all`/`count`; it must end in `[*]`.
    fn array_source(&mut self, path: &Path) -> Option<FieldInfo> {
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

    // -------------------------------------------------------------- checks

    fn check_field_operator(&mut self, f: &FieldInfo, op: CmpOp, rhs: &Expr, span: Span) {
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
                        super::article(ty.as_str())
                    ),
                )
                .with_label(format!(
                    "{} is {}",
                    f.dsl_path,
                    super::article(ty.as_str())
                )),
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
    fn check_ordering_value(&mut self, f: &FieldInfo, value: &Expr) {
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
    fn check_type_only(&mut self, f: &FieldInfo, value: &Expr) {
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
                        super::article(f.ty.as_str()),
                        super::article(found.as_str())
                    ),
                )
                .with_label(format!("expected {}", super::article(f.ty.as_str()))),
            );
        }
    }

    /// Type and enum check of a literal compared with a field.
    fn check_value_against(&mut self, f: &FieldInfo, value: &Expr) {
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
                    super::article(f.ty.as_str()),
                    super::article(found.as_str())
                ),
            )
            .with_label(format!("expected {}", super::article(f.ty.as_str())));
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

    fn check_enum(&mut self, f: &FieldInfo, s: &str, span: Span) {
        if f.enum_values.iter().any(|e| e == s) {
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
        if let Some(best) = did_you_mean(s, f.enum_values.iter().map(String::as_str)) {
            d = d.with_suggestion(format!("did you mean \"{best}\"?"), format!("\"{best}\""));
        }
        self.err(d);
    }

    fn check_value_operator(&mut self, lt: ExprType, op: CmpOp, rhs: &Expr, rt: Option<ExprType>) {
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
                        super::article(lt.as_str())
                    ),
                )
                .with_label("wrong operand type"),
            );
        }
    }

    // -------------------------------------------------------------- resolution

    fn lookup(&self, dsl_path: &str) -> Option<&'static crate::catalog::Property> {
        self.env.kind.property(dsl_path)
    }

    fn resolve_operand(&mut self, e: &Expr) -> Option<Resolved> {
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

    /// `alias("…")`: see `raw_alias`.
    fn raw_alias(&mut self, args: &[Expr], span: Span) -> Option<Resolved> {
        let (found, diags) = super::raw_alias::resolve(self.env.kind, args, span);
        diags.into_iter().for_each(|d| self.err(d));
        match found? {
            super::raw_alias::RawAlias::Known(path) => self.resolve_dsl(&path, span),
            super::raw_alias::RawAlias::Unknown(f) => Some(Resolved::Field(f)),
        }
    }

    fn it_outside(&mut self, span: Span) {
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

    fn resolve_path(&mut self, p: &Path) -> Option<Resolved> {
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

    fn generic(&mut self, p: &Path) -> Option<FieldInfo> {
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
                (g.field.clone(), g.ty)
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

    fn resolve_dsl(&mut self, dsl: &str, span: Span) -> Option<Resolved> {
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
                .map(|p| p.path.as_str());
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
        let Some(alias) = prop.alias.clone() else {
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
                        .as_deref()
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
                arm_path: Some(prop.arm_path.clone()),
            },
            dsl_path: prop.path.clone(),
            ty: prop.ty,
            enum_values: &prop.enum_values,
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

    // -------------------------------------------------------------- expressions

    /// Lowers an expression used as a value: a JSON literal where possible,
    /// otherwise a template expression.
    pub fn operand(&mut self, e: &Expr) -> Option<(Operand, ExprType)> {
        // `role("Owner")` is a constant: emit the GUID itself, not an expression.
        if let Expr::Call { name, args, span } = e
            && name.name.eq_ignore_ascii_case("role")
        {
            let id = self.role_constant(args, *span)?;
            return Some((Operand::Literal(Value::String(id)), ExprType::String));
        }
        if let Some(v) = literal_json(e) {
            return Some((Operand::Literal(v), literal_type(e)));
        }
        let (text, ty) = self.expr(e)?;
        Some((Operand::Expr(text), ty))
    }

    /// Lowers an expression to template-expression text (no brackets).
    pub fn expr(&mut self, e: &Expr) -> Option<(String, ExprType)> {
        Some(match e {
            Expr::Str(s, _) => (quote(s), ExprType::String),
            Expr::Num(_, text, _) => (text.clone(), ExprType::Number),
            Expr::Bool(b, _) => (b.to_string(), ExprType::Bool),
            Expr::Null(_) => ("null()".to_string(), ExprType::Any),
            Expr::Array(items, _) => {
                let parts = items
                    .iter()
                    .map(|i| self.expr(i).map(|x| x.0))
                    .collect::<Option<Vec<_>>>()?;
                (
                    format!("createArray({})", parts.join(", ")),
                    ExprType::Array,
                )
            }
            Expr::Param(name, _) => self.param_ref(name)?,
            Expr::It(span) => match self.elements.last().cloned() {
                Some(el) => match self.resolve_dsl(&el, *span)? {
                    Resolved::Field(f) => (
                        format!("current({})", quote(&f.field.field)),
                        prop_expr_type(f.ty),
                    ),
                    Resolved::Expr(t, ty) => (t, ty),
                },
                None => {
                    self.it_outside(*span);
                    return None;
                }
            },
            Expr::Path(p) => match self.resolve_path(p)? {
                Resolved::Field(f) => {
                    // Inside a count, the iterated element is read with current().
                    let func = match self.elements.last() {
                        Some(el)
                            if f.dsl_path.len() > el.len()
                                && f.dsl_path.starts_with(el.as_str()) =>
                        {
                            "current"
                        }
                        _ => "field",
                    };
                    (
                        format!("{func}({})", quote(&f.field.field)),
                        prop_expr_type(f.ty),
                    )
                }
                Resolved::Expr(t, ty) => (t, ty),
            },
            Expr::Call { name, args, span } => self.call(name, args, *span)?,
            Expr::Member { base, name, .. } => {
                let (b, _) = self.expr(base)?;
                if let Expr::Call { name: fname, .. } = base.as_ref()
                    && let Some(members) =
                        functions::lookup(&fname.name).and_then(|f| functions::members_of(f.name))
                    && !members.iter().any(|m| m.eq_ignore_ascii_case(&name.name))
                {
                    let mut d = Diagnostic::new(
                        Code::E0207,
                        name.span,
                        format!("`{}()` has no property `{}`", fname.name, name.name),
                    )
                    .with_label("unknown property")
                    .with_help(format!("it has: {}", members.join(", ")));
                    if let Some(s) = did_you_mean(&name.name, members.iter().copied()) {
                        d = d.with_suggestion(format!("use `{s}`"), s);
                    }
                    self.err(d);
                    return None;
                }
                (format!("{b}.{}", name.name), ExprType::Any)
            }
            Expr::Index { base, index, .. } => {
                let (b, ty) = self.expr(base)?;
                let (i, _) = self.expr(index)?;
                let elem = if ty == ExprType::Array {
                    ExprType::Any
                } else {
                    ty
                };
                (format!("{b}[{i}]"), elem)
            }
            Expr::Equals {
                lhs, rhs, negated, ..
            } => {
                let (l, _) = self.expr(lhs)?;
                let (r, _) = self.expr(rhs)?;
                let eq = format!("equals({l}, {r})");
                (
                    if *negated { format!("not({eq})") } else { eq },
                    ExprType::Bool,
                )
            }
        })
    }

    fn param_ref(&mut self, name: &ast::Ident) -> Option<(String, ExprType)> {
        match self.env.params.get(&name.name) {
            Some(info) => {
                self.used_params.insert(name.name.clone());
                Some((
                    format!("parameters({})", quote(&name.name)),
                    param_expr_type(info.ty),
                ))
            }
            None => {
                let mut d = Diagnostic::new(
                    Code::E0107,
                    name.span,
                    format!("no parameter named `{}`", name.name),
                )
                .with_label("not declared");
                if let Some(s) =
                    did_you_mean(&name.name, self.env.params.keys().map(String::as_str))
                {
                    d = d
                        .with_help(format!("did you mean `param.{s}`?"))
                        .with_suggestion(format!("use `{s}`"), s);
                } else {
                    d = d.with_help(format!("declare it: `param {}: string`", name.name));
                }
                self.err(d);
                None
            }
        }
    }

    fn call(&mut self, name: &ast::Ident, args: &[Expr], span: Span) -> Option<(String, ExprType)> {
        if name.name.eq_ignore_ascii_case("role") {
            return self
                .role_constant(args, span)
                .map(|id| (quote(&id), ExprType::String));
        }
        if let Some(why) = functions::forbidden(&name.name) {
            let mut d = Diagnostic::new(
                Code::E0217,
                name.span,
                format!("`{}()` cannot be used in a policy rule", name.name),
            )
            .with_label("not allowed here")
            .with_help(why.to_string());
            if name.name.eq_ignore_ascii_case("parameters")
                && let [Expr::Str(p, _)] = args
            {
                d = d.with_suggestion("use the parameter", format!("param.{p}"));
                // Mark it used so the user is not told twice.
                self.used_params.insert(p.clone());
            }
            self.err(d);
            return None;
        }
        let Some(f) = functions::lookup(&name.name) else {
            let mut d = Diagnostic::new(
                Code::E0206,
                name.span,
                format!("unknown function `{}`", name.name),
            )
            .with_label("not an Azure Policy function");
            if let Some(s) = did_you_mean(&name.name, functions::FUNCTIONS.iter().map(|f| f.name)) {
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_suggestion(format!("use `{s}`"), s);
            }
            self.err(d);
            return None;
        };
        if args.len() < f.min || args.len() > f.max {
            let expected = if f.min == f.max {
                format!("{}", f.min)
            } else if f.max == usize::MAX {
                format!("at least {}", f.min)
            } else {
                format!("{} to {}", f.min, f.max)
            };
            self.err(
                Diagnostic::new(
                    Code::E0207,
                    span,
                    format!(
                        "`{}` takes {expected} argument(s), given {}",
                        f.name,
                        args.len()
                    ),
                )
                .with_label("wrong number of arguments"),
            );
            return None;
        }
        if f.name == "current" && self.elements.is_empty() && self.value_names.is_empty() {
            self.err(
                Diagnostic::new(
                    Code::E0217,
                    name.span,
                    "`current()` is only available inside `count`",
                )
                .with_label("no element here")
                .with_help("inside `any`/`all`/`count`, write the element's path or `it`"),
            );
            return None;
        }
        let mut parts = Vec::new();
        for a in args {
            parts.push(self.expr(a)?.0);
        }
        let ret = if f.name == "concat" {
            match args.first().map(|a| self.peek_type(a)) {
                Some(ExprType::Array) => ExprType::Array,
                _ => ExprType::String,
            }
        } else {
            f.ret
        };
        Some((format!("{}({})", f.name, parts.join(", ")), ret))
    }

    /// The type of an expression without reporting anything (used to type `concat`).
    fn peek_type(&self, e: &Expr) -> ExprType {
        match e {
            Expr::Array(..) => ExprType::Array,
            Expr::Str(..) => ExprType::String,
            Expr::Param(n, _) => self
                .env
                .params
                .get(&n.name)
                .map_or(ExprType::Any, |p| param_expr_type(p.ty)),
            _ => ExprType::Any,
        }
    }

    /// `role("AcrPull")` → the role definition GUID.
    pub fn role_constant(&mut self, args: &[Expr], span: Span) -> Option<String> {
        let [Expr::Str(name, nspan)] = args else {
            self.err(
                Diagnostic::new(Code::E0207, span, "`role` takes one role name in quotes")
                    .with_label("expected `role(\"AcrPull\")`"),
            );
            return None;
        };
        role_id(name, *nspan, self.diags)
    }
}

/// Looks up a built-in role by name, reporting E0205 with a did-you-mean.
pub fn role_id(name: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let cat = catalog();
    match cat.role(name) {
        Some(r) => Some(r.id.clone()),
        None => {
            let mut d = Diagnostic::new(Code::E0205, span, format!("unknown role \"{name}\""))
                .with_label("not a built-in role the catalog knows");
            if let Some(s) = did_you_mean(name, cat.roles.iter().map(|r| r.name.as_str())) {
                d = d
                    .with_help(format!("did you mean \"{s}\"?"))
                    .with_suggestion(format!("use \"{s}\""), format!("\"{s}\""));
            }
            diags.push(d);
            None
        }
    }
}

fn azure_op(op: CmpOp) -> Op {
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

fn is_literal(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Str(..) | Expr::Num(..) | Expr::Bool(..) | Expr::Null(..)
    )
}

fn is_field_like(e: &Expr) -> bool {
    match e {
        Expr::Path(_) | Expr::It(_) => true,
        // `alias("…")`: a field outside the catalog (see `raw_alias`).
        Expr::Call { name, .. } => name.name.eq_ignore_ascii_case("alias"),
        _ => false,
    }
}

/// A literal expression as JSON (arrays of literals included).
pub fn literal_json(e: &Expr) -> Option<Value> {
    Some(match e {
        Expr::Str(s, _) => Value::String(s.clone()),
        Expr::Num(n, text, _) => number_json(*n, text),
        Expr::Bool(b, _) => Value::Bool(*b),
        Expr::Null(_) => Value::Null,
        Expr::Array(items, _) => {
            Value::Array(items.iter().map(literal_json).collect::<Option<_>>()?)
        }
        _ => return None,
    })
}

/// Integers stay integers in JSON output (`1`, not `1.0`).
pub fn number_json(n: f64, text: &str) -> Value {
    if !text.contains('.')
        && let Ok(i) = text.parse::<i64>()
    {
        return json!(i);
    }
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

fn literal_type(e: &Expr) -> ExprType {
    match e {
        Expr::Str(..) => ExprType::String,
        Expr::Num(..) => ExprType::Number,
        Expr::Bool(..) => ExprType::Bool,
        Expr::Array(..) => ExprType::Array,
        _ => ExprType::Any,
    }
}

fn prop_expr_type(t: PropType) -> ExprType {
    match t {
        PropType::String => ExprType::String,
        PropType::Boolean => ExprType::Bool,
        PropType::Integer | PropType::Number => ExprType::Number,
        PropType::Array => ExprType::Array,
        PropType::Object => ExprType::Object,
        PropType::Any => ExprType::Any,
    }
}

pub fn param_expr_type(t: ParamType) -> ExprType {
    match t {
        ParamType::String | ParamType::DateTime => ExprType::String,
        ParamType::Array => ExprType::Array,
        ParamType::Object => ExprType::Object,
        ParamType::Boolean => ExprType::Bool,
        ParamType::Integer | ParamType::Float => ExprType::Number,
    }
}

/// Where a generic field lives in an ARM resource body.
fn arm_path_of_generic(field: &str) -> String {
    if let Some(key) = field
        .strip_prefix("tags['")
        .and_then(|k| k.strip_suffix("']"))
    {
        return format!("tags.{}", key.replace("''", "'"));
    }
    field.to_string()
}
