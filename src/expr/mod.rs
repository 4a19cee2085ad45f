//! ARM template expressions: the language inside `"[...]"` JSON strings that
//! Azure Resource Manager templates and Azure Policy rules share
//! (`"[parameters('effect')]"`, `"[concat(field('name'), '-x')]"`).
//!
//! Syntax reference:
//! <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions>.
//! Function reference: the `template-functions-*` pages under the same folder.
//! Azure Policy's subset: `articles/governance/policy/concepts/definition-structure-policy-rule.md`
//! ("Policy functions").
//!
//! The module is pure: no I/O, and nothing here panics on any input. Layout:
//! `parse.rs` (lexer and parser, byte offsets, bounded nesting), `eval.rs` (evaluation,
//! laziness, resource bounds), `functions/` (built-ins, one file per family; the table in `functions/mod.rs`), `lambda.rs` (`filter`, `map`,
//! ... and `lambdaVariables`), `hash.rs` (`uniqueString`, `guid`).
//!
//! # Resolution of a call
//! 1. `if`, `and`, `or`, `coalesce`: they decide which arguments to evaluate (`if` only
//!    its chosen branch; `and`/`or` stop at a decisive argument; `coalesce` at the first
//!    non-null one), so an unknown argument they do not need does not make them unknown.
//! 2. The lambda functions, whose `lambda(...)` arguments are not values.
//! 3. The [`Context`], with the evaluated arguments (left to right).
//! 4. The built-ins. A name that is none of these is `Invalid`, except `list*` names.
//!
//! # Unknown values
//! [`EvalError::Unknown`] means the value exists only at deployment time or only where a
//! context supplies it; it propagates through every function that needs it:
//! - deployment-time functions: `reference`, `list*` (`listKeys`, `listSecrets`, ...),
//!   `newGuid`, `utcNow`, `pickZones`, `providers`, `deployer`;
//! - context functions the context does not define: `parameters`, `variables`, `field`,
//!   `current`, `resourceGroup`, `subscription`, `deployment`, `environment`, `tenant`,
//!   `managementGroup`, `copyIndex`, `requestContext`, `policy`, and the resource-id
//!   functions when they need a subscription, group or management group from it;
//! - deterministic functions not implemented here: `dateTimeAdd`, `addDays` (their output
//!   follows .NET date formats), custom `format` specifiers, `parseCidr` of a /31 or /32,
//!   `dateTimeToEpoch` of a date-time that is not plain ISO 8601;
//! - results beyond the evaluator's bounds (32768 values or 1 MiB of text per result,
//!   1,000,000 steps per evaluation).
//!
//! Nesting is bounded too: 128 levels in one expression (a parse error beyond), 256
//! levels of evaluation including those a context starts (a self-referring variable is
//! `Invalid`, not a stack overflow).

mod eval;
mod functions;
mod hash;
mod lambda;
mod parse;
pub mod spec;
#[cfg(test)]
mod tests;

pub use functions::{civil_from_days, days_from_civil};

use serde_json::Value;

/// A parsed expression (the text between the outer `[` `]`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `'text'` (with `''` already unescaped).
    String(String),
    /// `42`, `-7`: ARM integers are 64-bit.
    Int(i64),
    /// `1.5`: accepted for leniency (Azure Policy's own parser reads decimals).
    Float(f64),
    /// Bare `true` / `false` (ARM also offers the functions `true()` / `false()`).
    Bool(bool),
    /// Bare `null` (ARM also offers `null()`).
    Null,
    /// `name(args)`: `name` as written (lookup is case-insensitive); user-defined
    /// functions keep their namespace, `ns.fn`.
    Call { name: String, args: Vec<Expr> },
    /// `target.name`.
    Property { target: Box<Expr>, name: String },
    /// `target[index]`.
    Index { target: Box<Expr>, index: Box<Expr> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    /// byte offset in the parsed text
    pub offset: usize,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// The value cannot be known statically (reference(), utcNow(), newGuid(), list*(),
    /// an unknown parameter, a context function that says so). The string names the cause,
    /// e.g. "reference('kv').properties.vaultUri cannot be known before deployment".
    Unknown(String),
    /// The expression is wrong: unknown function, wrong arity, wrong argument type, index
    /// out of range. Azure would fail the deployment/evaluation.
    Invalid(String),
    /// A built-in cannot be known statically, said about the call itself
    /// (`"cannot be known before deployment"`): the evaluator completes it
    /// with the call as written (`utcNow() cannot be …`), so callers of
    /// `eval`/`eval_string` see `Unknown`, never this.
    UnknownCall(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Unknown(why) | EvalError::UnknownCall(why) => write!(f, "unknown: {why}"),
            EvalError::Invalid(why) => write!(f, "invalid: {why}"),
        }
    }
}

impl std::error::Error for EvalError {}

/// Functions whose meaning depends on where the expression is evaluated:
/// parameters, variables, field, current, resourceGroup, subscription, deployment,
/// environment, reference, resourceId-family context, etc. `name` is lower-cased.
/// Return `None` when this context does not define `name`; the evaluator then uses its
/// built-in functions, and if none matches returns `EvalError::Invalid("unknown function …")`.
pub trait Context {
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>>;

    /// A value standing for an unknown one, when this context can carry
    /// unknowns inside known values (the template loader's marked strings):
    /// then `createObject('status', 'enabled', 'identity', <unknown>)` is an
    /// object whose `status` is known. `None` (the default): the whole call
    /// is unknown.
    fn unknown(&self, _reason: &str) -> Option<Value> {
        None
    }
}

/// A closure is a context: `|name, args| match name { "field" => ..., _ => None }`.
impl<F> Context for F
where
    F: Fn(&str, &[Value]) -> Option<Result<Value, EvalError>>,
{
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        self(name, args)
    }
}

/// A context with no context functions (only built-ins).
pub struct NoContext;

impl Context for NoContext {
    fn call(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, EvalError>> {
        None
    }
}

/// Parses the text between the outer `[` `]` of an expression string.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    parse::parse(text)
}

/// Evaluates a parsed expression. Arguments are evaluated left to right, except that
/// `if`, `and`, `or` and `coalesce` skip what cannot change their result.
pub fn eval(expr: &Expr, ctx: &dyn Context) -> Result<Value, EvalError> {
    eval::eval_top(expr, ctx)
}

/// ARM's rule for a JSON string, shared by templates and Azure Policy
/// (template-expressions.md, "Escape characters": a literal that starts
/// with `[` and ends with `]` is written with one more `[`; "if the literal
/// string doesn't end with a bracket, don't escape the first bracket"). The
/// deployment engine's `ExpressionParser` does exactly this: a string is a
/// language expression when its first character is `[` and its last is
/// `]`; such a string whose second character is `[` is the literal without
/// its first character. Every other string is a literal as written, so
/// `"[[prod"` stays `"[[prod"`.
pub fn is_bracketed(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('[') && s.ends_with(']')
}

/// Is this JSON string an expression (bracketed and not escaped)?
pub fn is_expression(s: &str) -> bool {
    is_bracketed(s) && !s.starts_with("[[")
}

/// The JSON string that the engine reads back as the literal `s`: one more
/// leading `[` exactly when `s` is bracketed ([`is_bracketed`]). The inverse
/// of what [`eval_string`] does to a literal.
pub fn escape_literal(s: &str) -> std::borrow::Cow<'_, str> {
    if is_bracketed(s) {
        std::borrow::Cow::Owned(format!("[{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A JSON string as ARM and Azure Policy read it: `"[[x]"` → the literal
/// `"[x]"`; `"[expr]"` → evaluated; anything else (`"[[x"`, `"[x"`, `"x]"`)
/// → the literal string as written.
pub fn eval_string(s: &str, ctx: &dyn Context) -> Result<Value, EvalError> {
    if is_bracketed(s)
        && let Some(rest) = s.strip_prefix("[[")
    {
        return Ok(Value::String(format!("[{rest}")));
    }
    if !is_expression(s) {
        return Ok(Value::String(s.to_string()));
    }
    let inner = &s[1..s.len() - 1];
    let expr = parse(inner).map_err(|e| {
        // Report the offset in `s`, which the caller holds (one more for the `[`).
        EvalError::Invalid(format!("{} (at byte {})", e.message, e.offset + 1))
    })?;
    eval(&expr, ctx)
}
