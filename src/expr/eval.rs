//! Evaluation of a parsed [`Expr`]: literals, property and index access, and calls.
//!
//! Calls are resolved in this order: the short-circuiting forms (`if`, `and`, `or`,
//! `coalesce`, which decide how their arguments are evaluated and so are part of the
//! language rather than functions), the lambda functions of [`super::lambda`], the
//! [`Context`], then the built-ins of [`super::functions`].
//!
//! Three bounds keep hostile input cheap: a step budget per top-level evaluation, a
//! nesting bound across context callbacks, and a size bound on what a built-in returns.

use std::cell::Cell;

use serde_json::Value;

use super::functions;
use super::lambda;
use super::{Context, EvalError, Expr};

/// Most expression nodes one top-level evaluation may visit. Lambdas nest loops
/// (`filter` inside `map` over `range(0, 10000)`), so a small expression can ask for
/// billions of steps; past this budget the result is `Unknown` rather than a hang.
const MAX_STEPS: u64 = 1_000_000;

thread_local! {
    /// (evaluations in progress on this thread, steps taken by the outermost one).
    /// Contexts may call back into `eval` (a variable's value is an expression); those
    /// nested evaluations share the outermost budget.
    static BUDGET: Cell<(u32, u64)> = const { Cell::new((0, 0)) };
}

/// The entry point: [`eval`] with a fresh step budget unless one is already running.
pub fn eval_top(expr: &Expr, ctx: &dyn Context) -> Result<Value, EvalError> {
    struct Running;
    impl Drop for Running {
        fn drop(&mut self) {
            BUDGET.with(|b| b.set((b.get().0.saturating_sub(1), b.get().1)));
        }
    }
    BUDGET.with(|b| {
        let (running, steps) = b.get();
        b.set((running + 1, if running == 0 { 0 } else { steps }));
    });
    let _running = Running;
    eval(expr, ctx)
}

/// Counts one step against the budget.
fn step() -> Result<(), EvalError> {
    BUDGET.with(|b| {
        let (running, steps) = b.get();
        b.set((running, steps + 1));
        if steps >= MAX_STEPS {
            return Err(EvalError::Unknown(format!(
                "the expression takes more than {MAX_STEPS} evaluation steps; not evaluated statically"
            )));
        }
        Ok(())
    })
}

/// Deepest nesting of evaluations on one thread. One parsed expression nests at most
/// [`super::parse::MAX_DEPTH`] levels, but a context can evaluate more expressions from
/// inside a call (a variable defined by an expression, a user-defined function); a cycle
/// there would otherwise recurse until the stack overflows.
const MAX_NESTING: u32 = 2 * super::parse::MAX_DEPTH as u32;

thread_local! {
    static NESTING: Cell<u32> = const { Cell::new(0) };
}

/// Holds one level of [`NESTING`] while alive.
struct Nested;

impl Nested {
    fn enter() -> Result<Nested, EvalError> {
        let depth = NESTING.with(|n| {
            n.set(n.get() + 1);
            n.get()
        });
        let guard = Nested;
        if depth > MAX_NESTING {
            return Err(EvalError::Invalid(format!(
                "evaluation nests deeper than {MAX_NESTING} levels (does a variable or function refer to itself?)"
            )));
        }
        Ok(guard)
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

pub fn eval(expr: &Expr, ctx: &dyn Context) -> Result<Value, EvalError> {
    step()?;
    let _nested = Nested::enter()?;
    match expr {
        Expr::String(s) => Ok(Value::String(s.clone())),
        Expr::Int(n) => Ok(Value::from(*n)),
        Expr::Float(f) => Ok(serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)),
        Expr::Bool(b) => Ok(Value::Bool(*b)),
        Expr::Null => Ok(Value::Null),
        Expr::Call { name, args } => call(name, args, ctx),
        Expr::Property { target, name } => {
            let value = eval(target, ctx).map_err(|e| rename_unknown(e, target, expr))?;
            property(&value, name)
        }
        Expr::Index { target, index } => {
            let value = eval(target, ctx).map_err(|e| rename_unknown(e, target, expr))?;
            let key = eval(index, ctx)?;
            index_value(&value, &key)
        }
    }
}

/// `reference('kv') cannot be known…` read through `.properties.vaultUri` becomes
/// `reference('kv').properties.vaultUri cannot be known…`: the message names the whole
/// path the author wrote.
fn rename_unknown(err: EvalError, inner: &Expr, outer: &Expr) -> EvalError {
    match err {
        EvalError::Unknown(msg) => {
            let inner_text = inner.to_string();
            match msg.strip_prefix(&inner_text) {
                Some(rest) => EvalError::Unknown(format!("{outer}{rest}")),
                None => EvalError::Unknown(msg),
            }
        }
        other => other,
    }
}

/// `value.name`: object keys match case-insensitively, as in ARM (an exact match wins).
fn property(value: &Value, name: &str) -> Result<Value, EvalError> {
    let Value::Object(map) = value else {
        return Err(EvalError::Invalid(format!(
            "cannot read property '{name}' of {}",
            functions::type_name(value)
        )));
    };
    functions::get_key(map, name)
        .cloned()
        .ok_or_else(|| EvalError::Invalid(format!("the property '{name}' doesn't exist")))
}

/// `value[key]`: an integer position in an array, or a (case-insensitive) key of an object.
fn index_value(value: &Value, key: &Value) -> Result<Value, EvalError> {
    match (value, key) {
        (Value::Array(items), Value::Number(n)) => {
            let Some(i) = n.as_i64() else {
                return Err(EvalError::Invalid(format!(
                    "array index {n} is not an integer"
                )));
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .ok_or_else(|| {
                    EvalError::Invalid(format!(
                        "index {i} is out of range for an array of length {}",
                        items.len()
                    ))
                })
        }
        (Value::Object(_), Value::String(name)) => property(value, name),
        _ => Err(EvalError::Invalid(format!(
            "cannot index {} with {}",
            functions::type_name(value),
            functions::type_name(key)
        ))),
    }
}

fn call(name: &str, args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    let lname = name.to_ascii_lowercase();
    match lname.as_str() {
        "if" => return eval_if(args, ctx),
        "and" => return eval_junction(args, ctx, false, "and"),
        "or" => return eval_junction(args, ctx, true, "or"),
        "coalesce" => return eval_coalesce(args, ctx),
        _ => {}
    }
    if let Some(result) = lambda::call(&lname, args, ctx) {
        return result.and_then(|v| bounded(v, name, args));
    }
    let values = match lname.as_str() {
        "createobject" | "createarray" => eval_members(args, ctx, lname == "createobject")?,
        _ => eval_args(args, ctx)?,
    };
    if let Some(result) = ctx.call(&lname, &values) {
        return result;
    }
    match functions::builtin(&lname) {
        Some(f) => f(&values, ctx).and_then(|v| bounded(v, name, args)),
        None if lname.starts_with("list") && !lname.contains('.') => {
            Err(EvalError::Unknown(format!(
                "{} cannot be known before deployment",
                render_call(name, args)
            )))
        }
        None => Err(EvalError::Invalid(format!("unknown function '{name}'"))),
    }
    .map_err(|e| match e {
        // Built-ins say "cannot be known" about themselves; name the call as written.
        EvalError::UnknownCall(why) => {
            EvalError::Unknown(format!("{} {why}", render_call(name, args)))
        }
        other => other,
    })
}

/// Most nodes (values) a built-in may return; Azure Policy's documented evaluation limit
/// for complex values returned by a function (definition-structure-policy-rule.md,
/// "Limits enforced during evaluation").
const MAX_NODES: usize = 32_768;

/// Most string bytes, summed over a returned value.
const MAX_TEXT: usize = 1 << 20;

/// Deepest nesting of a returned value. A `reduce` that wraps its accumulator
/// (`createArray(lambdaVariables('c'))`) nests one level per element, and copying
/// ever deeper values is quadratic (fuzzing: 10,000 levels took over 10 s).
const MAX_VALUE_DEPTH: usize = 256;

/// Keeps a built-in's result within [`MAX_NODES`] and [`MAX_TEXT`]. Doubling a value in a
/// `reduce` would otherwise grow exponentially. A larger result is not wrong, just beyond
/// what this evaluator computes, so it is `Unknown`.
fn bounded(value: Value, name: &str, args: &[Expr]) -> Result<Value, EvalError> {
    let mut size = Size::default();
    size.add(&value, || render_call(name, args))?;
    Ok(value)
}

/// The running size of a value being built, against [`MAX_NODES`] and [`MAX_TEXT`]:
/// functions that build from many lambda results (`map`, `toObject`, `mapValues`) add
/// each part as it comes, so they stop at the bound instead of building gigabytes
/// before [`bounded`] could look (issue 13: `map(range(0,10000), lambda('x', range(0,10000)))`).
#[derive(Default)]
pub(super) struct Size {
    nodes: usize,
    text: usize,
}

impl Size {
    /// Adds `value`; `what` names the call for the error.
    pub(super) fn add(
        &mut self,
        value: &Value,
        what: impl Fn() -> String,
    ) -> Result<(), EvalError> {
        let mut stack = vec![(value, 0usize)];
        while let Some((v, depth)) = stack.pop() {
            self.nodes += 1;
            match v {
                Value::String(s) => self.text += s.len(),
                Value::Array(items) => stack.extend(items.iter().map(|x| (x, depth + 1))),
                Value::Object(map) => {
                    self.text += map.keys().map(String::len).sum::<usize>();
                    stack.extend(map.values().map(|x| (x, depth + 1)));
                }
                _ => {}
            }
            if depth > MAX_VALUE_DEPTH {
                return Err(EvalError::Unknown(format!(
                    "{} nests values deeper than {MAX_VALUE_DEPTH} levels; not evaluated statically",
                    what()
                )));
            }
            if self.nodes > MAX_NODES || self.text > MAX_TEXT {
                return Err(EvalError::Unknown(format!(
                    "{} is too large to evaluate statically (over {MAX_NODES} values or {MAX_TEXT} bytes of text)",
                    what()
                )));
            }
        }
        Ok(())
    }
}

fn render_call(name: &str, args: &[Expr]) -> String {
    Expr::Call {
        name: name.to_string(),
        args: args.to_vec(),
    }
    .to_string()
}

/// Evaluates every argument, left to right. An invalid argument makes the call invalid
/// even if an earlier one is unknown: it would fail at deployment either way.
/// The arguments of `createObject`/`createArray`: an unknown value (not an
/// object key) becomes the context's stand-in, so the members that are
/// known stay known (issue 14: a registry's `encryption` built with
/// `createObject('status', 'enabled', 'identity', reference(...).clientId)`
/// has a known status). Without a stand-in the call is unknown as a whole.
fn eval_members(args: &[Expr], ctx: &dyn Context, keyed: bool) -> Result<Vec<Value>, EvalError> {
    if ctx.unknown("").is_none() {
        return eval_args(args, ctx);
    }
    let mut values = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        match eval(arg, ctx) {
            Ok(v) => values.push(v),
            Err(EvalError::Unknown(msg)) if !(keyed && i % 2 == 0) => match ctx.unknown(&msg) {
                Some(stand_in) => values.push(stand_in),
                None => return Err(EvalError::Unknown(msg)),
            },
            Err(e) => return Err(e),
        }
    }
    Ok(values)
}

fn eval_args(args: &[Expr], ctx: &dyn Context) -> Result<Vec<Value>, EvalError> {
    let mut values = Vec::with_capacity(args.len());
    let mut unknown = None;
    for arg in args {
        match eval(arg, ctx) {
            Ok(v) => values.push(v),
            Err(EvalError::Unknown(msg)) => {
                unknown.get_or_insert(EvalError::Unknown(msg));
                values.push(Value::Null);
            }
            Err(invalid) => return Err(invalid),
        }
    }
    match unknown {
        Some(e) => Err(e),
        None => Ok(values),
    }
}

/// `if(condition, whenTrue, whenFalse)`: only the chosen branch is evaluated
/// (template-functions-logical.md#if: "only the true value is evaluated" / false value).
/// With an unknown condition the result is still known when both branches agree.
fn eval_if(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    let [cond, then, other] = args else {
        return Err(EvalError::Invalid(format!(
            "if expects 3 arguments, got {}",
            args.len()
        )));
    };
    match eval(cond, ctx) {
        Ok(Value::Bool(true)) => eval(then, ctx),
        Ok(Value::Bool(false)) => eval(other, ctx),
        Ok(v) => Err(EvalError::Invalid(format!(
            "if expects a boolean condition, got {}",
            functions::type_name(&v)
        ))),
        Err(EvalError::Unknown(msg)) => match (eval(then, ctx), eval(other, ctx)) {
            (Ok(a), Ok(b)) if a == b => Ok(a),
            _ => Err(EvalError::Unknown(msg)),
        },
        Err(invalid) => Err(invalid),
    }
}

/// `and` / `or`: a decisive argument (`false` for and, `true` for or) settles the result
/// even when another argument is unknown; later arguments are then not evaluated.
fn eval_junction(
    args: &[Expr],
    ctx: &dyn Context,
    decisive: bool,
    name: &str,
) -> Result<Value, EvalError> {
    if args.len() < 2 {
        return Err(EvalError::Invalid(format!(
            "{name} expects at least 2 arguments, got {}",
            args.len()
        )));
    }
    let mut unknown = None;
    for arg in args {
        match eval(arg, ctx) {
            Ok(Value::Bool(b)) if b == decisive => return Ok(Value::Bool(decisive)),
            Ok(Value::Bool(_)) => {}
            Ok(v) => {
                return Err(EvalError::Invalid(format!(
                    "{name} expects boolean arguments, got {}",
                    functions::type_name(&v)
                )));
            }
            Err(EvalError::Unknown(msg)) => {
                unknown.get_or_insert(EvalError::Unknown(msg));
            }
            Err(invalid) => return Err(invalid),
        }
    }
    match unknown {
        Some(e) => Err(e),
        None => Ok(Value::Bool(!decisive)),
    }
}

/// `coalesce(...)`: the first non-null argument; the rest are not needed once one is
/// found. An unknown argument before it makes the result unknown (it might be non-null).
fn eval_coalesce(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    if args.is_empty() {
        return Err(EvalError::Invalid(
            "coalesce expects at least 1 argument".into(),
        ));
    }
    for arg in args {
        match eval(arg, ctx)? {
            Value::Null => {}
            v => return Ok(v),
        }
    }
    Ok(Value::Null)
}

impl std::fmt::Display for Expr {
    /// Renders the expression back in ARM syntax (without the outer brackets).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expr::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Int(n) => write!(f, "{n}"),
            Expr::Float(x) => write!(f, "{x:?}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Null => write!(f, "null"),
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                write!(f, ")")
            }
            Expr::Property { target, name } => write!(f, "{target}.{name}"),
            Expr::Index { target, index } => write!(f, "{target}[{index}]"),
        }
    }
}
