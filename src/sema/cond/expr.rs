//! Expressions → template-expression text or JSON literals: parameter references, function
//! calls checked against the policy function table, `role("…")`.

use super::resolve::prop_expr_type;
use super::{Lowerer, Resolved, literal_json, param_expr_type, quote, role_id};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::ir::Operand;
use crate::sema::functions::{self, ExprType};
use crate::syntax::ast::{self, Expr};
use serde_json::Value;

impl<'a, 'd> Lowerer<'a, 'd> {
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

    pub(super) fn param_ref(&mut self, name: &ast::Ident) -> Option<(String, ExprType)> {
        match self.env.params.get(&name.name) {
            Some(info) => {
                self.used_params.insert(name.name.clone());
                Some((
                    format!("parameters({})", quote(&name.name)),
                    info.ty.map_or(ExprType::Any, param_expr_type),
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

    pub(super) fn call(
        &mut self,
        name: &ast::Ident,
        args: &[Expr],
        span: Span,
    ) -> Option<(String, ExprType)> {
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
    pub(super) fn peek_type(&self, e: &Expr) -> ExprType {
        match e {
            Expr::Array(..) => ExprType::Array,
            Expr::Str(..) => ExprType::String,
            Expr::Param(n, _) => self
                .env
                .params
                .get(&n.name)
                .and_then(|p| p.ty)
                .map_or(ExprType::Any, param_expr_type),
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

pub(super) fn literal_type(e: &Expr) -> ExprType {
    match e {
        Expr::Str(..) => ExprType::String,
        Expr::Num(..) => ExprType::Number,
        Expr::Bool(..) => ExprType::Bool,
        Expr::Array(..) => ExprType::Array,
        _ => ExprType::Any,
    }
}
