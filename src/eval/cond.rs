//! Conditions: `allOf`/`anyOf`/`not`, field, value and count conditions, with
//! three-valued logic: a condition is true, false or unknown (a value an
//! input could not resolve, a parameter without a value). Unknown never
//! turns into a pass: `allOf` is false only when some member is false.

use super::compare::{Lhs, compare};
use super::fields::{Element, Found, GenericValues, lookup, path_of_field};
use super::{Evidence, Unknown};
use crate::expr::{self, Context, EvalError};
use crate::inputs::{Resource, as_unknown};
use serde_json::{Map, Value};

pub type Tri = Result<bool, Unknown>;

/// Everything a condition reads: the resource, its generic fields, the
/// parameter values, the count stack, and whether only the applicability
/// gates (`type`, `name`, `kind`) are evaluated.
pub struct Scope<'a> {
    pub resource: &'a Resource,
    pub generic: &'a GenericValues,
    pub params: &'a Map<String, Value>,
    pub subscription_id: Option<&'a str>,
    pub resource_group: Option<&'a str>,
    pub(super) fields: Vec<Element<'a>>,
    /// `count.value` elements, by name (`current('name')`).
    pub(super) values: Vec<(Option<String>, Value)>,
    pub applicability: bool,
}

const KEYS: [&str; 4] = ["field", "path", "value", "count"];

/// The operator of a leaf condition: the one key that is not a subject.
fn operator(o: &Map<String, Value>) -> Option<(&String, &Value)> {
    o.iter()
        .find(|(k, _)| !KEYS.iter().any(|s| k.eq_ignore_ascii_case(s)))
}

fn get_ci<'v>(o: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|x| x.1)
}

impl<'a> Scope<'a> {
    pub fn eval(&mut self, c: &Value) -> Tri {
        self.eval_negated(c, false)
    }

    /// `negated`: inside an odd number of `not`s (for applicability, where
    /// non-gate conditions count as true, "or false when negated").
    fn eval_negated(&mut self, c: &Value, negated: bool) -> Tri {
        let o = c
            .as_object()
            .ok_or_else(|| Unknown::new("a condition is not an object"))?;
        if let Some(items) = get_ci(o, "allOf") {
            return self.junction(items, true, negated);
        }
        if let Some(items) = get_ci(o, "anyOf") {
            return self.junction(items, false, negated);
        }
        if let Some(inner) = get_ci(o, "not") {
            return self.eval_negated(inner, !negated).map(|b| !b);
        }
        if self.applicability && !is_gate(o) {
            // policy-applicability: other conditions are treated as true (false when negated).
            return Ok(!negated);
        }
        self.leaf(o)
    }

    fn junction(&mut self, items: &Value, all: bool, negated: bool) -> Tri {
        let items = items
            .as_array()
            .ok_or_else(|| Unknown::new("allOf/anyOf is not an array"))?;
        let mut unknown = None;
        for i in items {
            match self.eval_negated(i, negated) {
                Ok(b) if b != all => return Ok(b),
                Ok(_) => {}
                Err(u) => unknown = unknown.or(Some(u)),
            }
        }
        unknown.map_or(Ok(all), Err)
    }

    fn leaf(&mut self, o: &Map<String, Value>) -> Tri {
        let (op, rhs) = operator(o).ok_or_else(|| Unknown::new("a condition has no operator"))?;
        let rhs = self.resolve(rhs)?;
        if let Some(count) = get_ci(o, "count") {
            return self.count_condition(count, op, &rhs);
        }
        if let Some(v) = get_ci(o, "value") {
            let v = self.resolve(v)?;
            return compare(op, Some(&v), &rhs, Lhs::Plain);
        }
        let field = get_ci(o, "field")
            .and_then(Value::as_str)
            .ok_or_else(|| Unknown::new("a condition has neither field, value nor count"))?;
        let how = if field.eq_ignore_ascii_case("location") {
            Lhs::Location
        } else {
            Lhs::Plain
        };
        match self.field_values(field, get_ci(o, "path"))? {
            Found::One(v) => compare(op, v, &rhs, how),
            // `[*]` outside a count: every element must satisfy the
            // condition; no element (empty or missing array) satisfies it
            // vacuously (author-policies-for-arrays, notes §3).
            Found::Many(vs) => {
                let mut unknown = None;
                for v in vs {
                    match compare(op, Some(v), &rhs, how) {
                        Ok(true) => {}
                        Ok(false) => return Ok(false),
                        Err(u) => unknown = unknown.or(Some(u)),
                    }
                }
                unknown.map_or(Ok(true), Err)
            }
        }
    }

    pub(super) fn field_values(
        &self,
        field: &str,
        path: Option<&Value>,
    ) -> Result<Found<'a>, Unknown> {
        let path = match path.and_then(Value::as_str) {
            Some(p) => p.to_string(),
            None => path_of_field(field).ok_or_else(|| {
                Unknown::new(format!("the alias `{field}` is not in acrpc's catalog"))
            })?,
        };
        lookup(self.resource, self.generic, &path, &self.fields)
    }

    fn count_condition(&mut self, count: &Value, op: &str, rhs: &Value) -> Tri {
        let (sure, maybe) = self.count(count)?;
        // Elements whose `where` is unknown make the count a range; the
        // condition is known when every count in the range agrees.
        let mut result = None;
        for n in sure..=sure + maybe.min(64) {
            let r = compare(op, Some(&Value::from(n)), rhs, Lhs::Plain)?;
            match result {
                None => result = Some(r),
                Some(prev) if prev != r => {
                    return Err(Unknown::new(format!(
                        "between {sure} and {} elements match the count's `where`",
                        sure + maybe
                    )));
                }
                _ => {}
            }
        }
        Ok(result.unwrap_or(false))
    }

    /// (elements that surely match, elements whose match is unknown).
    pub(super) fn count(&mut self, count: &Value) -> Result<(usize, usize), Unknown> {
        let o = count
            .as_object()
            .ok_or_else(|| Unknown::new("`count` is not an object"))?;
        let filter = get_ci(o, "where");
        if let Some(v) = get_ci(o, "value") {
            let items = match self.resolve(v)? {
                Value::Array(items) => items,
                other => {
                    return Err(Unknown::new(format!(
                        "a value count needs an array, got {other}"
                    )));
                }
            };
            let name = get_ci(o, "name")
                .and_then(Value::as_str)
                .map(str::to_string);
            let Some(filter) = filter else {
                return Ok((items.len(), 0));
            };
            return self.tally(items.len(), |scope, i| {
                scope.values.push((name.clone(), items[i].clone()));
                let r = scope.eval(filter);
                scope.values.pop();
                r
            });
        }
        let field = get_ci(o, "field")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let path = match get_ci(o, "path").and_then(Value::as_str) {
            Some(p) => p.to_string(),
            None => path_of_field(field).ok_or_else(|| {
                Unknown::new(format!("the alias `{field}` is not in acrpc's catalog"))
            })?,
        };
        // A missing array counts 0 elements (notes §4).
        let elements = match lookup(self.resource, self.generic, &path, &self.fields)? {
            Found::Many(vs) => vs,
            Found::One(_) => Vec::new(),
        };
        let Some(filter) = filter else {
            return Ok((elements.len(), 0));
        };
        self.tally(elements.len(), |scope, i| {
            scope.fields.push(Element {
                prefix: path.clone(),
                value: elements[i],
            });
            let r = scope.eval(filter);
            scope.fields.pop();
            r
        })
    }

    fn tally(
        &mut self,
        n: usize,
        mut each: impl FnMut(&mut Self, usize) -> Tri,
    ) -> Result<(usize, usize), Unknown> {
        let (mut sure, mut maybe) = (0, 0);
        for i in 0..n {
            match each(self, i) {
                Ok(true) => sure += 1,
                Ok(false) => {}
                Err(_) => maybe += 1,
            }
        }
        Ok((sure, maybe))
    }

    /// A value as Azure reads it: strings that are expressions evaluated
    /// (`[parameters('x')]`, `[[` escapes), arrays and objects recursively.
    pub fn resolve(&self, v: &Value) -> Result<Value, Unknown> {
        match v {
            Value::String(s) => {
                if let Some(reason) = as_unknown(v) {
                    return Err(Unknown::new(reason));
                }
                expr::eval_string(s, self).map_err(|e| match e {
                    EvalError::Unknown(r) => Unknown::new(r),
                    EvalError::Invalid(r) => Unknown::new(format!("invalid expression `{s}`: {r}")),
                })
            }
            Value::Array(a) => a
                .iter()
                .map(|x| self.resolve(x))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, x) in o {
                    out.insert(k.clone(), self.resolve(x)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Evidence for a finding: the leaf conditions that decided `outcome`,
    /// with the values seen.
    pub fn explain(&mut self, c: &Value, outcome: bool, out: &mut Vec<Evidence>) {
        let Some(o) = c.as_object() else { return };
        let junction = get_ci(o, "allOf")
            .map(|i| (i, true))
            .or_else(|| get_ci(o, "anyOf").map(|i| (i, false)));
        if let Some((items, all)) = junction {
            let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
            for i in items {
                let r = self.eval(i);
                // allOf true / anyOf false: every member decided it;
                // otherwise the first member with the outcome did.
                if outcome == all {
                    self.explain(i, outcome, out);
                } else if r == Ok(outcome) {
                    self.explain(i, outcome, out);
                    return;
                }
            }
            return;
        }
        if let Some(inner) = get_ci(o, "not") {
            self.explain(inner, !outcome, out);
            return;
        }
        // The type gate decided applicability, not the finding.
        if !get_ci(o, "field")
            .and_then(Value::as_str)
            .is_some_and(|f| f.eq_ignore_ascii_case("type"))
        {
            out.push(self.evidence(o, outcome));
        }
    }

    fn evidence(&mut self, o: &Map<String, Value>, held: bool) -> Evidence {
        let (op, rhs) = operator(o).map_or(("?".to_string(), Value::Null), |(k, v)| {
            (k.clone(), self.resolve(v).unwrap_or_else(|_| v.clone()))
        });
        let (subject, path, actual) = if let Some(count) = get_ci(o, "count") {
            let seen = self.count(count).ok().map(|(n, _)| Value::from(n));
            let what = count_path(count).or_else(|| {
                count
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            let filtered = if count.get("where").is_some() {
                " matching the rule's `where`"
            } else {
                ""
            };
            (
                format!(
                    "count of {}{filtered}",
                    what.unwrap_or_else(|| "values".into())
                ),
                None,
                seen,
            )
        } else if let Some(v) = get_ci(o, "value") {
            let seen = self.resolve(v).ok();
            (format!("value {v}"), None, seen)
        } else {
            let field = get_ci(o, "field")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let path = get_ci(o, "path")
                .and_then(Value::as_str)
                .map(str::to_string);
            let seen = match self.field_values(field, get_ci(o, "path")) {
                Ok(Found::One(v)) => v.cloned(),
                Ok(Found::Many(vs)) => Some(Value::Array(vs.into_iter().cloned().collect())),
                Err(_) => None,
            };
            (field.to_string(), path, seen)
        };
        Evidence {
            subject,
            path,
            operator: op,
            expected: rhs,
            actual,
            held,
        }
    }
}

fn count_path(count: &Value) -> Option<String> {
    count
        .get("path")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// `type`, `name` and `kind` conditions decide applicability
/// (policy-applicability doc).
fn is_gate(o: &Map<String, Value>) -> bool {
    get_ci(o, "field").and_then(Value::as_str).is_some_and(|f| {
        ["type", "name", "kind"]
            .iter()
            .any(|g| f.eq_ignore_ascii_case(g))
    })
}

/// The policy functions that depend on the evaluation: `parameters`,
/// `field`, `current`, `resourceGroup`, `subscription`, `requestContext`.
impl Context for Scope<'_> {
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        let arg = args.first().and_then(Value::as_str);
        Some(match name {
            "parameters" => self.parameter(arg.unwrap_or_default()),
            "field" => self.field_function(arg.unwrap_or_default()),
            "current" => self.current(arg),
            "resourcegroup" => self.resource_group_object(),
            "subscription" => self.subscription_object(),
            "requestcontext" | "policy" => Err(EvalError::Unknown(format!(
                "{name}() is known only inside Azure"
            ))),
            _ => return None,
        })
    }
}

impl Scope<'_> {
    fn parameter(&self, name: &str) -> Result<Value, EvalError> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                EvalError::Unknown(format!(
                    "parameter `{name}` has no value (no defaultValue; pass --param {name}=…)"
                ))
            })
    }

    /// `field('alias')`: the value, `[]` for a `[*]` alias with nothing, and
    /// `""` for a missing value (author-policies-for-arrays, field() table).
    /// A value with unknown parts is unknown here: template functions
    /// would otherwise compute on the marks.
    fn field_function(&self, field: &str) -> Result<Value, EvalError> {
        let v = match self.field_values(field, None) {
            Ok(Found::One(Some(v))) => v.clone(),
            Ok(Found::One(None)) => Value::String(String::new()),
            Ok(Found::Many(vs)) => Value::Array(vs.into_iter().cloned().collect()),
            Err(u) => return Err(EvalError::Unknown(u.0)),
        };
        if crate::inputs::has_unknown(&v) {
            let reason = crate::inputs::as_unknown(&v)
                .unwrap_or("part of the value is unknown before deployment");
            return Err(EvalError::Unknown(format!("field('{field}'): {reason}")));
        }
        Ok(v)
    }

    fn current(&self, name: Option<&str>) -> Result<Value, EvalError> {
        if let Some(n) = name
            && let Some((_, v)) = self
                .values
                .iter()
                .rev()
                .find(|(k, _)| k.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(n)))
        {
            return Ok(v.clone());
        }
        let element = match name {
            None => self.fields.last(),
            Some(n) => self.fields.iter().rev().find(|e| {
                e.prefix
                    .eq_ignore_ascii_case(&path_of_field(n).unwrap_or_default())
                    || e.prefix.eq_ignore_ascii_case(n)
            }),
        };
        if let Some(e) = element {
            return Ok(e.value.clone());
        }
        if name.is_none()
            && let Some((_, v)) = self.values.last()
        {
            return Ok(v.clone());
        }
        Err(EvalError::Invalid(format!(
            "current({}) outside a count over it",
            name.unwrap_or_default()
        )))
    }

    fn resource_group_object(&self) -> Result<Value, EvalError> {
        let rg = self.resource_group.ok_or_else(|| {
            EvalError::Unknown(
                "resourceGroup() needs the resource group (pass --resource-group)".into(),
            )
        })?;
        Ok(serde_json::json!({ "name": rg }))
    }

    fn subscription_object(&self) -> Result<Value, EvalError> {
        let id = self.subscription_id.ok_or_else(|| {
            EvalError::Unknown("subscription() needs the subscription (pass --subscription)".into())
        })?;
        Ok(serde_json::json!({ "subscriptionId": id, "id": format!("/subscriptions/{id}") }))
    }
}
