//! Conditions: `allOf`/`anyOf`/`not`, field, value and count conditions, with
//! three-valued logic: a condition is true, false or unknown (a value an
//! input could not resolve, a parameter without a value). Unknown never
//! turns into a pass: `allOf` is false only when some member is false.

use super::compare::{Lhs, Seen, compare};
use super::fields::{Element, Found, GenericValues, by_alias_key, lookup, path_of_field};
use super::rule::{Condition, Count, CountSource, FieldRef, Leaf, LeafId, Operand, Subject};
use super::{Evidence, Looked, Rule, Unknown};
use crate::expr::{self, Context, EvalError};
use crate::inputs::{Resource, as_unknown};
use serde_json::{Map, Value};
use std::borrow::Cow;

pub type Tri = Result<bool, Unknown>;

/// Receives the outcome of every leaf condition evaluated (for coverage:
/// which leaves were seen true, false, unknown). Evaluation runs on several
/// threads at once, hence `Sync`; with no observer nothing is recorded.
pub trait LeafObserver: Sync {
    fn leaf(&self, rule: &Rule, leaf: &LeafId, outcome: &Tri);
}

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
    /// Where leaf outcomes go, with the rule they belong to.
    pub(super) observer: Option<(&'a dyn LeafObserver, &'a Rule)>,
}

impl<'a> Scope<'a> {
    pub fn eval(&mut self, c: &Condition) -> Tri {
        self.eval_negated(c, false)
    }

    /// `negated`: inside an odd number of `not`s (for applicability, where
    /// non-gate conditions count as true, "or false when negated").
    fn eval_negated(&mut self, c: &Condition, negated: bool) -> Tri {
        match c {
            Condition::AllOf(items) => self.junction(items, true, negated),
            Condition::AnyOf(items) => self.junction(items, false, negated),
            Condition::Not(inner) => self.eval_negated(inner, !negated).map(|b| !b),
            // policy-applicability: other conditions are treated as true (false when negated).
            Condition::Leaf(leaf) if self.applicability && !is_gate(leaf) => Ok(!negated),
            Condition::Leaf(leaf) => {
                let outcome = self.leaf(leaf);
                if let Some((observer, rule)) = self.observer {
                    observer.leaf(rule, &leaf.id, &outcome);
                }
                outcome
            }
        }
    }

    fn junction(&mut self, items: &[Condition], all: bool, negated: bool) -> Tri {
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

    fn leaf(&mut self, leaf: &Leaf) -> Tri {
        let rhs = self.operand(&leaf.operand)?;
        let op = leaf.op;
        let field = match &leaf.subject {
            Subject::Count(count) => return self.count_condition(count, leaf, &rhs),
            Subject::Value(v) => {
                let v = self.operand(v)?;
                return compare(op, &Seen::of(Some(&v)), &rhs, Lhs::Plain);
            }
            Subject::Field(f) => f,
        };
        let how = if field.is_location {
            Lhs::Location
        } else {
            Lhs::Plain
        };
        match self.field_values(field)? {
            Found::One(v) => compare(op, &Seen::of(v), &rhs, how),
            // `[*]` outside a count: every element must satisfy the
            // condition; no element (empty or missing array) satisfies it
            // vacuously (author-policies-for-arrays, notes §3).
            Found::Many(vs) => {
                let mut unknown = None;
                for v in vs {
                    match compare(op, &Seen::of(Some(v)), &rhs, how) {
                        Ok(true) => {}
                        Ok(false) => return Ok(false),
                        Err(u) => unknown = unknown.or(Some(u)),
                    }
                }
                unknown.map_or(Ok(true), Err)
            }
        }
    }

    /// The values a field reference selects.
    pub(super) fn field_values(&self, field: &FieldRef) -> Result<Found<'a>, Unknown> {
        self.read(&field.field, field.path.as_deref())
    }

    /// The values `field` selects, at `path` when given (else the catalog's).
    pub(super) fn read(&self, field: &str, path: Option<&str>) -> Result<Found<'a>, Unknown> {
        let catalog_path;
        let path = match path {
            Some(p) => p,
            None => match path_of_field(field) {
                Some(p) => {
                    catalog_path = p;
                    &catalog_path
                }
                None => {
                    return by_alias_key(self.resource, field).unwrap_or_else(|| {
                        Err(Unknown::new(format!(
                            "the alias `{field}` is not in acrpc's catalog"
                        )))
                    });
                }
            },
        };
        lookup(self.resource, self.generic, path, &self.fields)
    }

    fn count_condition(&mut self, count: &Count, leaf: &Leaf, rhs: &Value) -> Tri {
        let (sure, maybe) = self.count(count)?;
        // Elements whose `where` is unknown make the count a range; the
        // condition is known when every count in the range agrees.
        let mut result = None;
        for n in sure..=sure + maybe.min(64) {
            let n = Value::from(n);
            let r = compare(leaf.op, &Seen::Known(&n), rhs, Lhs::Plain)?;
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
    pub(super) fn count(&mut self, count: &Count) -> Result<(usize, usize), Unknown> {
        let filter = count.filter.as_ref();
        let field = match &count.source {
            CountSource::Value(v) => {
                let items = match self.operand(v)?.into_owned() {
                    Value::Array(items) => items,
                    other => {
                        return Err(Unknown::new(format!(
                            "a value count needs an array, got {other}"
                        )));
                    }
                };
                let Some(filter) = filter else {
                    return Ok((items.len(), 0));
                };
                return self.tally(items.len(), |scope, i| {
                    scope.values.push((
                        count.name.clone(),
                        items.get(i).cloned().unwrap_or_default(),
                    ));
                    let r = scope.eval(filter);
                    scope.values.pop();
                    r
                });
            }
            CountSource::Field(f) => f,
        };
        let path = match &field.path {
            Some(p) => p.clone(),
            None => {
                return Err(Unknown::new(format!(
                    "the alias `{}` is not in acrpc's catalog",
                    field.field
                )));
            }
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
            let Some(&value) = elements.get(i) else {
                return Ok(false);
            };
            scope.fields.push(Element {
                prefix: path.clone(),
                value,
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

    /// An operand's value: a literal as written, an expression evaluated.
    pub fn operand<'o>(&self, o: &'o Operand) -> Result<Cow<'o, Value>, Unknown> {
        match o {
            Operand::Literal(v) => Ok(Cow::Borrowed(v)),
            Operand::Nested(v) => self.resolve(v).map(Cow::Owned),
            Operand::Expr { written, parsed } => expr::eval(parsed, self)
                .map(Cow::Owned)
                .map_err(|e| unknown_from(e, written)),
        }
    }

    /// A value as Azure reads it: strings that are expressions evaluated
    /// (`[parameters('x')]`, `[[` escapes), arrays and objects recursively.
    pub fn resolve(&self, v: &Value) -> Result<Value, Unknown> {
        match v {
            Value::String(s) => {
                if let Some(reason) = as_unknown(v) {
                    return Err(Unknown::new(reason));
                }
                expr::eval_string(s, self).map_err(|e| unknown_from(e, v))
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
    pub fn explain(&mut self, c: &Condition, outcome: bool, out: &mut Vec<Evidence>) {
        let (items, all) = match c {
            Condition::AllOf(items) => (items, true),
            Condition::AnyOf(items) => (items, false),
            Condition::Not(inner) => return self.explain(inner, !outcome, out),
            Condition::Leaf(leaf) => {
                // The type gate decided applicability, not the finding.
                if !matches!(&leaf.subject, Subject::Field(f) if f.is_type) {
                    out.push(self.evidence(leaf, outcome));
                }
                return;
            }
        };
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
    }

    fn evidence(&mut self, leaf: &Leaf, held: bool) -> Evidence {
        let expected = self
            .operand(&leaf.operand)
            .map_or_else(|_| leaf.operand.written().clone(), Cow::into_owned);
        let (subject, path, actual, looked) = match &leaf.subject {
            Subject::Count(count) => {
                let seen = self.count(count).ok().map(|(n, _)| Value::from(n));
                let what = match &count.source {
                    CountSource::Field(f) => f.path.clone(),
                    CountSource::Value(_) => None,
                }
                .or_else(|| count.name.clone())
                .unwrap_or_else(|| "values".into());
                let filtered = count.filter.is_some();
                let suffix = if filtered {
                    " matching the rule's `where`"
                } else {
                    ""
                };
                (
                    format!("count of {what}{suffix}"),
                    None,
                    seen,
                    Looked::Count { what, filtered },
                )
            }
            Subject::Value(v) => {
                let seen = self.operand(v).ok().map(Cow::into_owned);
                (format!("value {}", v.written()), None, seen, Looked::Value)
            }
            Subject::Field(f) => {
                let seen = match self.field_values(f) {
                    Ok(Found::One(v)) => v.cloned(),
                    Ok(Found::Many(vs)) => Some(Value::Array(vs.into_iter().cloned().collect())),
                    Err(_) => None,
                };
                (f.field.clone(), f.path.clone(), seen, Looked::Field)
            }
        };
        Evidence {
            subject,
            path,
            operator: leaf.op_written.clone(),
            op: leaf.op,
            looked,
            expected,
            actual,
            held,
        }
    }
}

/// Why an expression has no value here: unknown, or invalid (which Azure
/// would report as an error; here it is unknown too, never a pass).
fn unknown_from(e: EvalError, written: &Value) -> Unknown {
    match e {
        EvalError::Unknown(r) | EvalError::UnknownCall(r) => Unknown::new(r),
        EvalError::Invalid(r) => Unknown::new(format!(
            "invalid expression `{}`: {r}",
            written.as_str().unwrap_or_default()
        )),
    }
}

/// `type`, `name` and `kind` conditions decide applicability
/// (policy-applicability doc).
fn is_gate(leaf: &Leaf) -> bool {
    matches!(&leaf.subject, Subject::Field(f) if f.gate)
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
        let v = match self.read(field, None) {
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
