//! Conditions and expressions: name resolution against the catalog (`resolve.rs`), type
//! and enum checks (`check.rs`), and lowering to the IR's Azure-shaped conditions
//! (`lower.rs` for conditions, `expr.rs` for expressions). The condition algebra (`allOf`,
//! `anyOf`, exact `not` pushing) is `ir::algebra`.

mod check;
mod expr;
mod lower;
mod resolve;

use super::functions::ExprType;
use crate::catalog::{Kind, PropType, catalog};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::ir::{FieldRef, ParamType};
use crate::syntax::ast::Expr;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A declared parameter as conditions see it.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    /// `None`: the declared type is not one Azure has (reported once, E0309); the
    /// parameter reads as a value of any type.
    pub ty: Option<ParamType>,
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
    pub enum_values: &'static [&'static str],
    pub enum_closed: bool,
    pub read_only: bool,
}

enum Resolved {
    Field(FieldInfo),
    /// A `let` binding or value-count name: an expression.
    Expr(String, ExprType),
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
}

/// Looks up a built-in role by name, reporting E0205 with a did-you-mean.
pub fn role_id(name: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let cat = catalog();
    match cat.role(name) {
        Some(r) => Some(r.id.to_string()),
        None => {
            let mut d = Diagnostic::new(Code::E0205, span, format!("unknown role \"{name}\""))
                .with_label("not a built-in role the catalog knows");
            if let Some(s) = did_you_mean(name, cat.roles.iter().map(|r| r.name)) {
                d = d
                    .with_help(format!("did you mean \"{s}\"?"))
                    .with_suggestion(format!("use \"{s}\""), format!("\"{s}\""));
            }
            diags.push(d);
            None
        }
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

pub fn param_expr_type(t: ParamType) -> ExprType {
    match t {
        ParamType::String | ParamType::DateTime => ExprType::String,
        ParamType::Array => ExprType::Array,
        ParamType::Object => ExprType::Object,
        ParamType::Boolean => ExprType::Bool,
        ParamType::Integer | ParamType::Float => ExprType::Number,
    }
}
