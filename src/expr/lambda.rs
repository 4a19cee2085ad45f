//! The lambda functions: `filter`, `map`, `reduce`, `sort`, `toObject`, `groupBy`,
//! `mapValues` (template-functions-lambda.md). Their lambda arguments,
//! `lambda('x', body)`, are not values: the body is evaluated once per element with
//! `lambdaVariables('x')` bound, so these functions are dispatched before their arguments
//! are evaluated.

use serde_json::{Map, Value};

use super::eval::{Size, eval};
use super::functions::type_name;
use super::{Context, EvalError, Expr};

/// A `lambda('a', 'b', body)` argument: its variable names and body.
struct Lambda<'e> {
    params: Vec<&'e str>,
    body: &'e Expr,
}

/// Evaluates the body of a lambda with its variables bound to `values`, in a scope that
/// answers `lambdaVariables` and defers everything else to the enclosing context.
struct Scope<'a> {
    parent: &'a dyn Context,
    bindings: Vec<(&'a str, Value)>,
}

impl Context for Scope<'_> {
    fn unknown(&self, reason: &str) -> Option<Value> {
        self.parent.unknown(reason)
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        if name != "lambdavariables" {
            return self.parent.call(name, args);
        }
        let wanted = args.first().and_then(Value::as_str).unwrap_or_default();
        // The innermost binding wins; outer lambdas' variables stay visible.
        match self
            .bindings
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
        {
            Some((_, v)) => Some(Ok(v.clone())),
            None => self.parent.call(name, args),
        }
    }
}

impl Lambda<'_> {
    fn apply(&self, ctx: &dyn Context, values: Vec<Value>) -> Result<Value, EvalError> {
        let bindings = self.params.iter().copied().zip(values).collect();
        eval(
            self.body,
            &Scope {
                parent: ctx,
                bindings,
            },
        )
    }
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError::Invalid(msg.into()))
}

/// Reads `lambda('a', ..., body)`; `arities` lists the accepted numbers of variables.
fn lambda<'e>(name: &str, expr: &'e Expr, arities: &[usize]) -> Result<Lambda<'e>, EvalError> {
    let Expr::Call { name: callee, args } = expr else {
        return invalid(format!("{name} expects a lambda argument"));
    };
    let Some((body, vars)) = args
        .split_last()
        .filter(|_| callee.eq_ignore_ascii_case("lambda"))
    else {
        return invalid(format!("{name} expects a lambda argument"));
    };
    let params = vars
        .iter()
        .map(|v| match v {
            Expr::String(s) => Ok(s.as_str()),
            _ => invalid("lambda variable names must be string literals"),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !arities.contains(&params.len()) {
        return invalid(format!(
            "{name} expects a lambda with {arities:?} variable(s), got {}",
            params.len()
        ));
    }
    Ok(Lambda { params, body })
}

/// Is `name` a lambda function? Then it is evaluated here.
pub fn call(name: &str, args: &[Expr], ctx: &dyn Context) -> Option<Result<Value, EvalError>> {
    let f: fn(&[Expr], &dyn Context) -> Result<Value, EvalError> = match name {
        "filter" => filter,
        "map" => map,
        "reduce" => reduce,
        "sort" => sort,
        "toobject" => to_object,
        "groupby" => group_by,
        "mapvalues" => map_values,
        "lambda" => {
            return Some(invalid(
                "lambda can only be an argument of filter, map, reduce, sort, toObject, groupBy or mapValues",
            ));
        }
        _ => return None,
    };
    Some(f(args, ctx))
}

fn arity(name: &str, args: &[Expr], min: usize, max: usize) -> Result<(), EvalError> {
    if args.len() < min || args.len() > max {
        return invalid(format!(
            "{name} expects {min} to {max} arguments, got {}",
            args.len()
        ));
    }
    Ok(())
}

fn array_arg(name: &str, expr: &Expr, ctx: &dyn Context) -> Result<Vec<Value>, EvalError> {
    match eval(expr, ctx)? {
        Value::Array(items) => Ok(items),
        other => invalid(format!(
            "{name} expects an array, got {}",
            type_name(&other)
        )),
    }
}

/// Binds the element, and the index when the lambda names a second variable.
fn element_args(f: &Lambda, item: Value, index: usize) -> Vec<Value> {
    if f.params.len() == 2 {
        vec![item, Value::from(index as i64)]
    } else {
        vec![item]
    }
}

fn bool_result(name: &str, v: Value) -> Result<bool, EvalError> {
    v.as_bool().ok_or_else(|| {
        EvalError::Invalid(format!(
            "{name}: the lambda must return a boolean, got {}",
            type_name(&v)
        ))
    })
}

/// filter(inputArray, lambda(item[, index])): the elements for which the lambda is true.
fn filter(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("filter", args, 2, 2)?;
    let [input, function] = args else {
        return invalid("filter: missing arguments");
    };
    let items = array_arg("filter", input, ctx)?;
    let f = lambda("filter", function, &[1, 2])?;
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if bool_result("filter", f.apply(ctx, element_args(&f, item.clone(), i))?)? {
            out.push(item);
        }
    }
    Ok(Value::Array(out))
}

/// map(inputArray, lambda(item[, index])).
fn map(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("map", args, 2, 2)?;
    let [input, function] = args else {
        return invalid("map: missing arguments");
    };
    let items = array_arg("map", input, ctx)?;
    let f = lambda("map", function, &[1, 2])?;
    let mut size = Size::default();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let v = f.apply(ctx, element_args(&f, item, i))?;
        size.add(&v, || "map(...)".to_string())?;
        out.push(v);
    }
    Ok(Value::Array(out))
}

/// reduce(inputArray, initialValue, lambda(current, next[, index])).
fn reduce(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("reduce", args, 3, 3)?;
    let [input, initial, function] = args else {
        return invalid("reduce: missing arguments");
    };
    let items = array_arg("reduce", input, ctx)?;
    let mut acc = eval(initial, ctx)?;
    let f = lambda("reduce", function, &[2, 3])?;
    for (i, item) in items.into_iter().enumerate() {
        let mut values = vec![acc, item];
        if f.params.len() == 3 {
            values.push(Value::from(i as i64));
        }
        acc = f.apply(ctx, values)?;
    }
    Ok(acc)
}

/// sort(inputArray, lambda(a, b)): stable; the lambda says whether `a` comes before `b`.
/// A merge sort of our own, because the lambda may fail and need not be a total order
/// (the standard library's sort may panic on an inconsistent comparator).
fn sort(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("sort", args, 2, 2)?;
    let [input, function] = args else {
        return invalid("sort: missing arguments");
    };
    let items = array_arg("sort", input, ctx)?;
    let f = lambda("sort", function, &[2])?;
    let before =
        |a: &Value, b: &Value| bool_result("sort", f.apply(ctx, vec![a.clone(), b.clone()])?);
    Ok(Value::Array(merge_sort(items, &before)?))
}

type Before<'a> = dyn Fn(&Value, &Value) -> Result<bool, EvalError> + 'a;

fn merge_sort(mut items: Vec<Value>, before: &Before) -> Result<Vec<Value>, EvalError> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let right = merge_sort(items.split_off(items.len() / 2), before)?;
    let left = merge_sort(items, before)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        // Take from the right only when it strictly comes first: keeps the sort stable.
        let next = if before(r, l)? {
            right.next()
        } else {
            left.next()
        };
        out.extend(next);
    }
    out.extend(left);
    out.extend(right);
    Ok(out)
}

fn key_string(name: &str, key: Value) -> Result<String, EvalError> {
    match key {
        Value::String(s) => Ok(s),
        other => invalid(format!(
            "{name}: keys must be strings, got {}",
            type_name(&other)
        )),
    }
}

/// toObject(inputArray, lambda(entry) key[, lambda(entry) value]); a later duplicate key
/// replaces an earlier one.
fn to_object(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("toObject", args, 2, 3)?;
    let [input, function, ..] = args else {
        return invalid("toObject: missing arguments");
    };
    let items = array_arg("toObject", input, ctx)?;
    let key = lambda("toObject", function, &[1])?;
    let value = args
        .get(2)
        .map(|e| lambda("toObject", e, &[1]))
        .transpose()?;
    let mut out = Map::new();
    let mut size = Size::default();
    for item in items {
        let k = key_string("toObject", key.apply(ctx, vec![item.clone()])?)?;
        let v = match &value {
            Some(f) => f.apply(ctx, vec![item])?,
            None => item,
        };
        size.add(&v, || "toObject(...)".to_string())?;
        out.insert(k, v);
    }
    Ok(Value::Object(out))
}

/// groupBy(inputArray, lambda(item) key): `{key: [items with that key]}`.
fn group_by(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("groupBy", args, 2, 2)?;
    let [input, function] = args else {
        return invalid("groupBy: missing arguments");
    };
    let items = array_arg("groupBy", input, ctx)?;
    let key = lambda("groupBy", function, &[1])?;
    let mut out = Map::new();
    for item in items {
        let k = key_string("groupBy", key.apply(ctx, vec![item.clone()])?)?;
        if let Value::Array(group) = out.entry(k).or_insert_with(|| Value::Array(Vec::new())) {
            group.push(item);
        }
    }
    Ok(Value::Object(out))
}

/// mapValues(inputObject, lambda(value)).
fn map_values(args: &[Expr], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("mapValues", args, 2, 2)?;
    let [input, function] = args else {
        return invalid("mapValues: missing arguments");
    };
    let Value::Object(map) = eval(input, ctx)? else {
        return invalid("mapValues expects an object");
    };
    let f = lambda("mapValues", function, &[1])?;
    let mut size = Size::default();
    let mut out = Map::new();
    for (k, v) in map {
        let v = f.apply(ctx, vec![v])?;
        size.add(&v, || "mapValues(...)".to_string())?;
        out.insert(k, v);
    }
    Ok(Value::Object(out))
}
