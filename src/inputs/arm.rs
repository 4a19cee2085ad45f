//! ARM templates and Bicep-compiled JSON, read as the deployment requests
//! Azure Resource Manager would send: parameters (parameter file values,
//! else `defaultValue`), variables, `condition`, `copy` loops, nested child
//! resources, extension resources (`scope`, or the older
//! `…/providers/…` form), `languageVersion` 2.0 symbolic resources, and
//! nested deployments with inline templates (inner and outer scope).
//!
//! Template expressions are evaluated by [`crate::expr`]. A value that
//! cannot be known before deployment (`reference()`, a parameter without a
//! value, an unknown resource group location) becomes an unknown value,
//! which the evaluator never reads as a pass.
#![allow(clippy::indexing_slicing)] // not yet worked down: 2 sites

use super::{
    Origin, Place, Problem, ProblemCode, Resource, suppress, unknown_segment, unknown_value,
};
use crate::expr::{self, Context, EvalError};
use serde_json::{Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

/// What the command line adds to a template.
#[derive(Debug, Clone, Default)]
pub struct ArmOptions {
    /// An ARM parameters file (`{parameters: {name: {value}}}`).
    pub parameters: Option<Value>,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    /// The resource group's location, for `resourceGroup().location`.
    pub location: Option<String>,
}

/// Marks a property loop's name among the copy indexes in scope.
const PROPERTY_LOOP: char = '\u{1}';

/// ARM's limit on copy loop iterations (copy-resources doc: 800).
const MAX_COPY: usize = 800;
/// Nested deployments deeper than this are not followed.
const MAX_DEPTH: usize = 16;
/// ARM's template size limit, which applies "to the final state of the template
/// after it has been expanded for iterative resource definitions, and values for
/// variables and parameters" (ARM template best practices, "Template limits"): the
/// evaluated variables of one template may not add up to more (E0550).
const MAX_EXPANDED: usize = 4 * 1024 * 1024;
/// Bytes of variable values copied into expressions (every use is a copy) before
/// further uses are unknown: a bound on work and memory, far above real templates.
const MAX_HANDED: usize = 256 * 1024 * 1024;

pub fn looks_like(doc: &Value) -> bool {
    let schema = doc
        .get("$schema")
        .and_then(Value::as_str)
        .unwrap_or_default();
    schema.contains("deploymentTemplate.json")
        || (doc.get("resources").is_some() && doc.get("contentVersion").is_some())
}

pub fn is_parameters_file(doc: &Value) -> bool {
    let schema = doc
        .get("$schema")
        .and_then(Value::as_str)
        .unwrap_or_default();
    schema.contains("deploymentParameters.json")
}

/// The resources a template deploys.
pub fn load(
    doc: &Value,
    file: &str,
    text: &str,
    opts: &ArmOptions,
) -> (Vec<Resource>, Vec<Problem>) {
    let mut loader = Loader {
        file,
        text,
        locator: super::locate::Locator::new(text),
        opts,
        out: Vec::new(),
        problems: Vec::new(),
        deployment_doubt: None,
    };
    let given = opts
        .parameters
        .as_ref()
        .and_then(|p| p.get("parameters"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let tpl = Template::new(doc, given, &mut loader.problems, "", opts);
    loader.template(&tpl, doc, "", None, 0);
    loader.problems.extend(tpl.too_large(""));
    (loader.out, loader.problems)
}

/// One template's parameters and variables: the context of its expressions.
struct Template<'t> {
    params: Map<String, Value>,
    variables: &'t Map<String, Value>,
    cache: RefCell<Map<String, Value>>,
    evaluating: RefCell<BTreeSet<String>>,
    /// Approximate JSON bytes of the variables evaluated so far ([`MAX_EXPANDED`]).
    expanded: Cell<usize>,
    /// Approximate JSON bytes of variable values handed out ([`MAX_HANDED`]).
    handed: Cell<usize>,
    /// What the command line says of the deployment scope.
    opts: &'t ArmOptions,
}

/// Expressions that could not be evaluated, by JSON pointer relative to
/// the evaluated value.
type Errors = Vec<ExprError>;

struct ExprError {
    at: String,
    message: String,
    /// `InvalidExpression` when the expression does not parse (ARM rejects
    /// the template itself), `NegativeCopyCount`, or `UnevaluatedExpression`
    /// when only the values it feeds are lost (issue 14).
    code: ProblemCode,
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl<'t> Template<'t> {
    /// Resolves parameter values: given values (parameter file, or the
    /// parameters of a nested deployment), else defaults (which may refer
    /// to other parameters), else unknown.
    fn new(
        doc: &'t Value,
        given: Map<String, Value>,
        problems: &mut Vec<Problem>,
        base: &str,
        opts: &'t ArmOptions,
    ) -> Template<'t> {
        let mut tpl = Template {
            params: Map::new(),
            variables: doc
                .get("variables")
                .and_then(Value::as_object)
                .unwrap_or(&EMPTY),
            cache: RefCell::new(Map::new()),
            evaluating: RefCell::new(BTreeSet::new()),
            expanded: Cell::new(0),
            handed: Cell::new(0),
            opts,
        };
        let declared = doc.get("parameters").and_then(Value::as_object);
        let mut missing = Vec::new();
        for (name, decl) in declared.into_iter().flatten() {
            let value = match given.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                Some((_, v)) => parameter_file_value(name, v),
                None => match decl.get("defaultValue") {
                    Some(d) => tpl.eval_deep(d, &[], &mut Vec::new()),
                    // A nullable parameter without a value is null
                    // (languageVersion 2.0, "Parameters in ARM templates":
                    // `nullable: true` lets the parameter be omitted; Bicep's
                    // `param x string?` compiles to it and reads `null`).
                    None if is_nullable(doc, decl) => Value::Null,
                    None => {
                        missing.push(name.as_str());
                        unknown_value(&format!(
                            "template parameter `{name}` has no value (pass --parameters)"
                        ))
                    }
                },
            };
            tpl.params.insert(name.clone(), value);
        }
        if !missing.is_empty() {
            problems.push(missing_parameters(&missing, base));
        }
        tpl
    }

    /// Evaluates every expression string inside `v`.
    /// Invalid expressions are collected as (JSON pointer below `v`, message).
    fn eval_deep(&self, v: &Value, copies: &[(String, i64)], errors: &mut Errors) -> Value {
        self.eval_at(v, copies, errors, At::Root)
    }

    fn eval_at(&self, v: &Value, copies: &[(String, i64)], errors: &mut Errors, at: At) -> Value {
        match v {
            Value::String(s) => {
                let ctx = Ctx { tpl: self, copies };
                match expr::eval_string(s, &ctx) {
                    Ok(x) => x,
                    Err(EvalError::Unknown(r) | EvalError::UnknownCall(r)) => unknown_value(&r),
                    Err(EvalError::Invalid(r)) => {
                        let malformed = s
                            .get(1..s.len().saturating_sub(1))
                            .is_some_and(|inner| expr::parse(inner).is_err());
                        errors.push(ExprError {
                            at: at.pointer(),
                            message: format!("`{s}`: {r}"),
                            code: if malformed {
                                ProblemCode::InvalidExpression
                            } else {
                                ProblemCode::UnevaluatedExpression
                            },
                        });
                        unknown_value(&format!("expression not evaluated: {r}"))
                    }
                }
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| self.eval_at(x, copies, errors, At::Index(&at, i)))
                    .collect(),
            ),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), self.eval_at(x, copies, errors, At::Key(&at, k))))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A resource's `properties`: expressions evaluated, and every `copy`
    /// array inside expanded (property iteration, "Property iteration in
    /// ARM templates": each `{name, count, input}` makes the property
    /// `name` an array of `count` evaluations of `input`, `copyIndex(name)`
    /// their index; count 0 gives an empty array, a negative count is
    /// rejected, 800 at most). An unknown count makes the property unknown.
    fn eval_properties(
        &self,
        v: &Value,
        copies: &[(String, i64)],
        errors: &mut Errors,
        at: At,
    ) -> Value {
        match v {
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, x) in o {
                    let here = At::Key(&at, k);
                    match (k.as_str(), x) {
                        ("copy", Value::Array(loops)) if loops.iter().all(is_property_loop) => {
                            for (i, l) in loops.iter().enumerate() {
                                let (name, value) =
                                    self.property_loop(l, copies, errors, At::Index(&here, i));
                                out.insert(name, value);
                            }
                        }
                        _ => {
                            out.insert(k.clone(), self.eval_properties(x, copies, errors, here));
                        }
                    }
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| self.eval_properties(x, copies, errors, At::Index(&at, i)))
                    .collect(),
            ),
            other => self.eval_at(other, copies, errors, at),
        }
    }

    /// One `{name, count, input}` of a property `copy`: (name, array).
    fn property_loop(
        &self,
        l: &Value,
        copies: &[(String, i64)],
        errors: &mut Errors,
        at: At,
    ) -> (String, Value) {
        let name = l
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let count = self.eval_at(
            l.get("count").unwrap_or(&Value::Null),
            copies,
            errors,
            At::Key(&at, "count"),
        );
        let n = match count.as_i64() {
            Some(n) if n < 0 => {
                errors.push(ExprError {
                    at: format!("{}/count", at.pointer()),
                    message: format!("the copy count of property `{name}` is {n}; ARM rejects a negative count (copy-properties: the count can't be a negative number)"),
                    code: ProblemCode::NegativeCopyCount,
                });
                return (name, unknown_value("negative copy count"));
            }
            Some(n) => n,
            None => {
                let why = super::as_unknown(&count).map_or_else(
                    || format!("the copy count of property `{name}` is not a number"),
                    |r| format!("the copy count of property `{name}` is unknown: {r}"),
                );
                return (name, unknown_value(&why));
            }
        };
        let input = l.get("input").unwrap_or(&Value::Null);
        let items = (0..n.min(MAX_COPY as i64))
            .map(|i| {
                let mut inner = copies.to_vec();
                inner.push((format!("{PROPERTY_LOOP}{name}"), i));
                self.eval_properties(input, &inner, errors, At::Key(&at, "input"))
            })
            .collect();
        (name, Value::Array(items))
    }

    /// A variable's value, evaluated once; an unknown value is an
    /// `Unknown` error so that expressions using it are unknown as a whole.
    fn variable(&self, name: &str) -> Result<Value, EvalError> {
        if let Some(v) = self.cache.borrow().get(&name.to_ascii_lowercase()) {
            let room = MAX_HANDED.saturating_sub(self.handed.get());
            let size = json_size(v, room);
            self.handed.set(self.handed.get().saturating_add(size));
            if size > room {
                return Err(EvalError::Unknown(format!(
                    "variable `{name}` is used too often to evaluate statically"
                )));
            }
            return known(v);
        }
        let key = name.to_ascii_lowercase();
        if !self.evaluating.borrow_mut().insert(key.clone()) {
            return Err(EvalError::Invalid(format!(
                "variable `{name}` refers to itself"
            )));
        }
        let value = match self
            .variables
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            Some((_, raw)) => Ok(self.eval_deep(raw, &[], &mut Vec::new())),
            None => self.copy_variable(name),
        };
        self.evaluating.borrow_mut().remove(&key);
        let mut value = value?;
        let room = MAX_EXPANDED.saturating_sub(self.expanded.get());
        let size = json_size(&value, room);
        self.expanded.set(self.expanded.get().saturating_add(size));
        if size > room {
            // Cached as unknown: what builds on it stays small.
            value = unknown_value(&format!(
                "variable `{name}` expands beyond ARM's 4 MB template limit"
            ));
        }
        self.cache.borrow_mut().insert(key, value.clone());
        known(&value)
    }

    /// E0550 when the variables expanded beyond [`MAX_EXPANDED`].
    fn too_large(&self, base: &str) -> Option<Problem> {
        (self.expanded.get() > MAX_EXPANDED).then(|| {
            Problem::new(
                ProblemCode::TemplateTooLarge,
                format!(
                    "the template's variables expand to more than {} MB; Azure Resource Manager rejects templates over 4 MB after expansion",
                    MAX_EXPANDED / (1024 * 1024)
                ),
                format!("{base}/variables"),
            )
            .help("variables that copy other variables grow fast; build large values in the deployment instead".into())
        })
    }

    /// A variable defined by a `copy` loop in `variables.copy`
    /// (copy-variables doc): `count` elements of `input`, with
    /// `copyIndex('<name>')` the element's index.
    fn copy_variable(&self, name: &str) -> Result<Value, EvalError> {
        let entry = self
            .variables
            .get("copy")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| {
                c.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| EvalError::Invalid(format!("the template has no variable `{name}`")))?;
        let count = self.eval_deep(
            entry.get("count").unwrap_or(&Value::Null),
            &[],
            &mut Vec::new(),
        );
        let n = known(&count)?.as_i64().ok_or_else(|| {
            EvalError::Invalid(format!(
                "the copy count of variable `{name}` is not a number"
            ))
        })?;
        let input = entry.get("input").unwrap_or(&Value::Null);
        let items = (0..n.clamp(0, MAX_COPY as i64))
            .map(|i| self.eval_deep(input, &[(name.to_string(), i)], &mut Vec::new()))
            .collect();
        Ok(Value::Array(items))
    }
}

/// A parameter declared `nullable: true`, itself or through the type it
/// names with `$ref` (`#/definitions/<name>`, how Bicep compiles a nullable
/// user-defined type such as AVM's `customerManagedKeyType`).
fn is_nullable(doc: &Value, decl: &Value) -> bool {
    let own = |d: &Value| d.get("nullable").and_then(Value::as_bool) == Some(true);
    own(decl)
        || decl
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
            .and_then(|name| doc.get("definitions")?.get(name))
            .is_some_and(own)
}

/// `{name, count, input}`: an element of a property `copy` array.
fn is_property_loop(l: &Value) -> bool {
    l.get("name").is_some_and(Value::is_string) && l.get("input").is_some()
}

/// One warning per template for every parameter that has neither a value
/// nor a default (issue 15: one diagnostic each buried the report).
fn missing_parameters(names: &[&str], base: &str) -> Problem {
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (noun, them) = if names.len() == 1 {
        ("parameter", "it")
    } else {
        ("parameters", "them")
    };
    Problem::new(
        ProblemCode::ParameterWithoutValue,
        format!("template {noun} {list} without a value or defaultValue; what depends on {them} is unknown"),
        format!("{base}/parameters"),
    )
    .help("pass a parameters file with --parameters (or put `<template>.parameters.json` beside the template), or give each a defaultValue".to_string())
}

/// A parameter file entry: `{value}`; a Key Vault `reference` is unknown.
fn parameter_file_value(name: &str, v: &Value) -> Value {
    match v.get("value") {
        Some(x) => x.clone(),
        None => unknown_value(&format!(
            "parameter `{name}` comes from a Key Vault reference, known only at deployment"
        )),
    }
}

fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Where a value being evaluated is, below the evaluated root: a JSON
/// pointer built only when an error needs it (issue 15 item 6b: formatting
/// one for every property of every resource was 3% of checking 400
/// templates).
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, k) => format!("{}/{}", parent.pointer(), escape(k)),
            At::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// The expression context of a template (and the current copy indexes).
struct Ctx<'c, 't> {
    tpl: &'c Template<'t>,
    copies: &'c [(String, i64)],
}

/// Functions whose result no longer carries an unknown marker found in an
/// argument (a hash, an encoding, a comparison, a length or a cut), so the
/// result would look known: `uniqueString(deployment().name)`,
/// `equals(resourceGroup().location, 'westeurope')` without `--location`.
/// With such an argument their result is unknown.
const LOSES_UNKNOWN: &[&str] = &[
    "base64",
    "base64tojson",
    "base64tostring",
    "bool",
    "contains",
    "datauri",
    "empty",
    "endswith",
    "equals",
    "float",
    "greater",
    "greaterorequals",
    "guid",
    "indexof",
    "int",
    "json",
    "lastindexof",
    "length",
    "less",
    "lessorequals",
    "split",
    "startswith",
    "substring",
    "uniquestring",
    "uri",
    "uricomponent",
];

/// The reason of the first unknown marker anywhere inside `v`.
fn unknown_inside(v: &Value) -> Option<&str> {
    match v {
        Value::String(_) => super::as_unknown(v),
        Value::Array(a) => a.iter().find_map(unknown_inside),
        Value::Object(o) => o.values().find_map(unknown_inside),
        _ => None,
    }
}

impl Context for Ctx<'_, '_> {
    fn unknown(&self, reason: &str) -> Option<Value> {
        Some(unknown_value(reason))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        if LOSES_UNKNOWN.contains(&name)
            && let Some(why) = args.iter().find_map(unknown_inside)
        {
            return Some(Err(EvalError::Unknown(why.to_string())));
        }
        let arg = args.first().and_then(Value::as_str);
        Some(match name {
            "parameters" => self
                .tpl
                .params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(arg.unwrap_or_default()))
                .map(|(_, v)| known(v))
                .unwrap_or_else(|| {
                    Err(EvalError::Invalid(format!(
                        "the template has no parameter `{}`",
                        arg.unwrap_or_default()
                    )))
                }),
            "variables" => self.tpl.variable(arg.unwrap_or_default()),
            "copyindex" => self.copy_index(args),
            "resourcegroup" => Ok(self.resource_group()),
            "subscription" => Ok(self.subscription()),
            "deployment" => Ok(serde_json::json!({
                "name": unknown_value("deployment().name is known only at deployment"),
                "properties": {"templateLink": unknown_value("deployment() is known only at deployment")}
            })),
            "tenant" => Ok(
                serde_json::json!({"tenantId": unknown_value("tenant() is known only at deployment")}),
            ),
            "environment" => Err(EvalError::Unknown(
                "environment() depends on the cloud deployed to".into(),
            )),
            _ => return None,
        })
    }
}

/// A parameter value: unknown values stay unknown (as an error, so an
/// expression using them is unknown as a whole).
/// The approximate size of `v` as JSON text, counted up to just past `limit`.
fn json_size(v: &Value, limit: usize) -> usize {
    let mut size = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        size += match v {
            Value::String(s) => s.len() + 2,
            Value::Array(items) => {
                stack.extend(items);
                2 + items.len()
            }
            Value::Object(map) => {
                stack.extend(map.values());
                2 + map.keys().map(|k| k.len() + 4).sum::<usize>()
            }
            _ => 5,
        };
        if size > limit {
            break;
        }
    }
    size
}

fn known(v: &Value) -> Result<Value, EvalError> {
    match super::as_unknown(v) {
        Some(r) => Err(EvalError::Unknown(r.to_string())),
        None => Ok(v.clone()),
    }
}

impl Ctx<'_, '_> {
    /// `copyIndex()`, `copyIndex(offset)`, `copyIndex('loop')`, `copyIndex('loop', offset)`.
    fn copy_index(&self, args: &[Value]) -> Result<Value, EvalError> {
        let (loop_name, offset) = match args {
            [] => (None, 0),
            [Value::String(n)] => (Some(n.as_str()), 0),
            [o] => (None, o.as_i64().unwrap_or(0)),
            [Value::String(n), o, ..] => (Some(n.as_str()), o.as_i64().unwrap_or(0)),
            _ => (None, 0),
        };
        // A property loop is reached only by name; `copyIndex()` without
        // one is the resource's loop, also inside a property loop's input
        // (copy-properties: "use resource and property iteration together";
        // the AVM modules index their parameter arrays that way).
        let found = match loop_name {
            None => self
                .copies
                .iter()
                .rev()
                .find(|(k, _)| !k.starts_with(PROPERTY_LOOP)),
            Some(n) => self
                .copies
                .iter()
                .rev()
                .find(|(k, _)| k.trim_start_matches(PROPERTY_LOOP).eq_ignore_ascii_case(n)),
        };
        match found {
            Some((_, i)) if *i >= 0 => Ok(Value::from(i + offset)),
            Some(_) => Err(EvalError::Unknown(
                "the copy count is unknown, so copyIndex() is too".into(),
            )),
            None => Err(EvalError::Invalid("copyIndex() outside a copy loop".into())),
        }
    }

    fn resource_group(&self) -> Value {
        let name = self.tpl.opts.resource_group.clone().map_or_else(
            || unknown_segment("resourceGroup().name needs --resource-group"),
            Value::String,
        );
        let location = self.tpl.opts.location.clone().map_or_else(
            || unknown_value("resourceGroup().location needs --location"),
            Value::String,
        );
        let id = match (
            &self.tpl.opts.subscription_id,
            &self.tpl.opts.resource_group,
        ) {
            (Some(s), Some(g)) => Value::String(format!("/subscriptions/{s}/resourceGroups/{g}")),
            _ => unknown_value("resourceGroup().id needs --subscription and --resource-group"),
        };
        serde_json::json!({"id": id, "name": name, "location": location, "type": "Microsoft.Resources/resourceGroups"})
    }

    fn subscription(&self) -> Value {
        match &self.tpl.opts.subscription_id {
            Some(s) => serde_json::json!({"id": format!("/subscriptions/{s}"), "subscriptionId": s,
                "tenantId": unknown_value("subscription().tenantId is known only at deployment")}),
            None => serde_json::json!({
                "id": unknown_value("subscription().id needs --subscription"),
                "subscriptionId": unknown_segment("subscription().subscriptionId needs --subscription"),
                "tenantId": unknown_value("subscription().tenantId is known only at deployment")}),
        }
    }
}

struct Loader<'l> {
    file: &'l str,
    text: &'l str,
    locator: super::locate::Locator,
    opts: &'l ArmOptions,
    out: Vec<Resource>,
    problems: Vec<Problem>,
    /// Why the enclosing nested deployment may not be deployed (unknown
    /// `condition` or copy count): its resources may not be either.
    deployment_doubt: Option<String>,
}

/// The parent of a nested resource declaration.
#[derive(Clone)]
struct Parent {
    ty: String,
    full_name: String,
    copies: Vec<(String, i64)>,
}

impl Loader<'_> {
    fn template(
        &mut self,
        tpl: &Template,
        doc: &Value,
        base: &str,
        parent: Option<&Parent>,
        depth: usize,
    ) {
        match doc.get("resources") {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.declaration(tpl, item, &format!("{base}/resources/{i}"), parent, depth);
                }
            }
            // languageVersion 2.0: resources keyed by symbolic name.
            Some(Value::Object(items)) => {
                for (name, item) in items {
                    self.declaration(
                        tpl,
                        item,
                        &format!("{base}/resources/{}", escape(name)),
                        parent,
                        depth,
                    );
                }
            }
            _ => {}
        }
    }

    /// One resource declaration, expanded over its copy loop.
    fn declaration(
        &mut self,
        tpl: &Template,
        item: &Value,
        pointer: &str,
        parent: Option<&Parent>,
        depth: usize,
    ) {
        if item.get("existing").and_then(Value::as_bool) == Some(true) {
            return;
        }
        let outer: Vec<(String, i64)> = parent.map(|p| p.copies.clone()).unwrap_or_default();
        let Some(copy) = item.get("copy") else {
            self.instance(tpl, item, pointer, parent, outer, None, depth);
            return;
        };
        let loop_name = copy
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("copy")
            .to_string();
        let mut errors = Vec::new();
        let count = tpl.eval_deep(
            copy.get("count").unwrap_or(&Value::Null),
            &outer,
            &mut errors,
        );
        self.report_invalid(errors, || format!("{pointer}/copy/count"));
        match count.as_i64() {
            Some(n) if n < 0 => self.problems.push(Problem::new(
                ProblemCode::NegativeCopyCount,
                format!("the copy count of `{loop_name}` is {n}; ARM rejects a negative count (copy-resources: the count can't be a negative number)"),
                format!("{pointer}/copy/count"),
            )),
            Some(n) => {
                for i in 0..(n as usize).min(MAX_COPY) {
                    let mut copies = outer.clone();
                    copies.push((loop_name.clone(), i as i64));
                    self.instance(tpl, item, pointer, parent, copies, None, depth);
                }
            }
            None => {
                let reason = super::as_unknown(&count)
                    .map_or("the copy count is not a number".to_string(), str::to_string);
                let mut copies = outer.clone();
                copies.push((loop_name, -1));
                self.instance(
                    tpl,
                    item,
                    pointer,
                    parent,
                    copies,
                    Some(format!("copy count unknown: {reason}")),
                    depth,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn instance(
        &mut self,
        tpl: &Template,
        item: &Value,
        pointer: &str,
        parent: Option<&Parent>,
        copies: Vec<(String, i64)>,
        mut doubt: Option<String>,
        depth: usize,
    ) {
        let mut errors = Vec::new();
        if let Some(cond) = item.get("condition") {
            let c = tpl.eval_deep(cond, &copies, &mut errors);
            match c {
                Value::Bool(false) => return,
                Value::Bool(true) => {}
                other => {
                    doubt = Some(super::as_unknown(&other).map_or_else(
                        || format!("the deployment condition is not a boolean: {other}"),
                        |r| format!("the deployment condition is unknown: {r}"),
                    ));
                }
            }
        }
        self.report_invalid(std::mem::take(&mut errors), || {
            format!("{pointer}/condition")
        });
        if doubt.is_none() {
            doubt.clone_from(&self.deployment_doubt);
        }
        let ty = tpl.eval_deep(
            item.get("type").unwrap_or(&Value::Null),
            &copies,
            &mut errors,
        );
        self.report_invalid(std::mem::take(&mut errors), || format!("{pointer}/type"));
        let name = tpl.eval_deep(
            item.get("name").unwrap_or(&Value::Null),
            &copies,
            &mut errors,
        );
        self.report_invalid(std::mem::take(&mut errors), || format!("{pointer}/name"));
        let (Some(ty), Some(name)) = (ty.as_str(), name.as_str()) else {
            self.problems.push(Problem::new(
                ProblemCode::ResourceWithoutType,
                "a template resource has no string `type` and `name`".to_string(),
                pointer.to_string(),
            ));
            return;
        };
        let (mut ty, mut full_name) = qualify(ty, name, parent);
        if ty.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            // Issue 15: an unknown condition or copy count on a deployment
            // (at any depth) makes its resources "may not be deployed",
            // exactly as at top level.
            let outer = std::mem::replace(
                &mut self.deployment_doubt,
                doubt.map(|d| format!("nested deployment `{full_name}`: {d}")),
            );
            self.nested_deployment(tpl, item, pointer, &copies, depth);
            self.deployment_doubt = outer;
            return;
        }
        let mut scope = item
            .get("scope")
            .map(|s| tpl.eval_deep(s, &copies, &mut errors))
            .and_then(|s| s.as_str().map(str::to_string));
        self.report_invalid(std::mem::take(&mut errors), || format!("{pointer}/scope"));
        if let Some((t, n, s)) = split_provider_form(&ty, &full_name) {
            (ty, full_name, scope) = (t, n, Some(s));
        }
        let mut body = Map::new();
        for (k, v) in item.as_object().into_iter().flatten() {
            if matches!(
                k.as_str(),
                "resources"
                    | "copy"
                    | "condition"
                    | "dependsOn"
                    | "comments"
                    | "metadata"
                    | "existing"
                    | "scope"
                    | "type"
                    | "name"
            ) {
                continue;
            }
            let value = if k == "properties" {
                tpl.eval_properties(v, &copies, &mut errors, At::Root)
            } else {
                tpl.eval_deep(v, &copies, &mut errors)
            };
            body.insert(k.clone(), value);
            self.report_invalid(std::mem::take(&mut errors), || {
                format!("{pointer}/{}", escape(k))
            });
        }
        body.insert("type".into(), Value::String(ty.clone()));
        body.insert("name".into(), Value::String(full_name.clone()));
        let body = Value::Object(body);
        let (line, column) = self.locator.line_col(self.text, pointer);
        let mut suppressions = suppress::from_metadata(item);
        suppressions.extend(suppress::from_tags(&body));
        let known_name = super::as_unknown(&Value::String(full_name.clone())).is_none();
        let id = match (&self.opts.subscription_id, &self.opts.resource_group) {
            (Some(s), Some(g)) if known_name && scope.is_none() => {
                let r = Resource::relative(&ty, &full_name);
                Some(format!(
                    "/subscriptions/{s}/resourceGroups/{g}/providers/{r}"
                ))
            }
            _ => None,
        };
        self.out.push(Resource {
            ty: ty.clone(),
            full_name: full_name.clone(),
            id,
            scope,
            body,
            place: Place {
                file: self.file.to_string(),
                pointer: pointer.to_string(),
                line,
                column,
            },
            origin: Origin::Template,
            condition_unknown: doubt,
            subscription_id: self.opts.subscription_id.clone(),
            resource_group: self.opts.resource_group.clone(),
            suppressions,
        });
        if let Some(children) = item.get("resources").and_then(Value::as_array) {
            let me = Parent {
                ty,
                full_name,
                copies,
            };
            for (i, child) in children.iter().enumerate() {
                self.declaration(
                    tpl,
                    child,
                    &format!("{pointer}/resources/{i}"),
                    Some(&me),
                    0,
                );
            }
        }
    }

    /// A `Microsoft.Resources/deployments` with an inline template: its
    /// resources are deployed too. Inner scope takes the deployment's
    /// `parameters`; outer scope (the default) reads the parent's.
    fn nested_deployment(
        &mut self,
        tpl: &Template,
        item: &Value,
        pointer: &str,
        copies: &[(String, i64)],
        depth: usize,
    ) {
        let props = item.get("properties").cloned().unwrap_or(Value::Null);
        let Some(inner) = props.get("template") else {
            if props.get("templateLink").is_some() {
                self.problems.push(
                    Problem::new(
                        ProblemCode::LinkedTemplate,
                        "a nested deployment uses templateLink; linked templates are not followed"
                            .to_string(),
                        pointer.to_string(),
                    )
                    .help("check the linked template as its own input".to_string()),
                );
            }
            return;
        };
        if depth >= MAX_DEPTH {
            return;
        }
        let inner_scope = props
            .pointer("/expressionEvaluationOptions/scope")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let base = format!("{pointer}/properties/template");
        if inner_scope {
            let mut errors = Vec::new();
            let given: Map<String, Value> = props
                .get("parameters")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), tpl.eval_deep(v, copies, &mut errors)))
                        .collect()
                })
                .unwrap_or_default();
            self.report_invalid(errors, || format!("{pointer}/properties/parameters"));
            let child = Template::new(inner, given, &mut self.problems, &base, self.opts);
            self.template(&child, inner, &base, None, depth + 1);
            self.problems.extend(child.too_large(&base));
        } else {
            self.template(tpl, inner, &base, None, depth + 1);
        }
    }

    /// `pointer`: where the evaluated value is, formatted only when there
    /// are errors (almost never; issue 15 item 6b).
    fn report_invalid(&mut self, errors: Errors, pointer: impl FnOnce() -> String) {
        if errors.is_empty() {
            return;
        }
        let pointer = pointer();
        for e in errors {
            let message = match e.code {
                ProblemCode::InvalidExpression => {
                    format!("invalid template expression {}", e.message)
                }
                ProblemCode::UnevaluatedExpression => format!(
                    "template expression not evaluated, what it feeds is unknown: {}",
                    e.message
                ),
                _ => e.message,
            };
            self.problems
                .push(Problem::new(e.code, message, format!("{pointer}{}", e.at)));
        }
    }
}

/// Full type and name of a declaration, nested under `parent` when given
/// (template-syntax, child resources: a nested child has a short type and
/// name; a top-level child carries both in full).
fn qualify(ty: &str, name: &str, parent: Option<&Parent>) -> (String, String) {
    match parent {
        Some(p) if !ty.contains('/') => {
            (format!("{}/{ty}", p.ty), format!("{}/{name}", p.full_name))
        }
        _ => (ty.to_string(), name.to_string()),
    }
}

/// `Microsoft.ContainerRegistry/registries/providers/diagnosticSettings`
/// named `acr/Microsoft.Insights/ds`: the extension resource
/// `Microsoft.Insights/diagnosticSettings` `ds` scoped to the registry.
fn split_provider_form(ty: &str, name: &str) -> Option<(String, String, String)> {
    let lower = ty.to_ascii_lowercase();
    let at = lower.find("/providers/")?;
    let base_ty = &ty[..at];
    let ext_type = &ty[at + "/providers/".len()..];
    let base_depth = base_ty.split('/').count() - 1;
    let segs: Vec<&str> = name.split('/').collect();
    if segs.len() < base_depth + 2 {
        return None;
    }
    let (base_names, rest) = segs.split_at(base_depth);
    let namespace = rest[0];
    let ext_name = rest[1..].join("/");
    let scope = Resource::relative(base_ty, &base_names.join("/"));
    Some((format!("{namespace}/{ext_type}"), ext_name, scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_form_becomes_an_extension_resource() {
        let (t, n, s) = split_provider_form(
            "Microsoft.ContainerRegistry/registries/providers/diagnosticSettings",
            "acr/Microsoft.Insights/ds",
        )
        .unwrap();
        assert_eq!(t, "Microsoft.Insights/diagnosticSettings");
        assert_eq!(n, "ds");
        assert_eq!(s, "Microsoft.ContainerRegistry/registries/acr");
    }

    #[test]
    fn nested_children_are_qualified() {
        let p = Parent {
            ty: "Microsoft.ContainerRegistry/registries".into(),
            full_name: "acr".into(),
            copies: vec![],
        };
        assert_eq!(
            qualify("tokens", "t", Some(&p)),
            (
                "Microsoft.ContainerRegistry/registries/tokens".into(),
                "acr/t".into()
            )
        );
        assert_eq!(
            qualify(
                "Microsoft.ContainerRegistry/registries/tokens",
                "acr/t",
                Some(&p)
            )
            .1,
            "acr/t"
        );
    }
}
