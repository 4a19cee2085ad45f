//! Built-in functions of the ARM template expression language, one short function each.
//!
//! Semantics follow the Microsoft reference pages
//! (`articles/azure-resource-manager/templates/template-functions-*.md` in
//! MicrosoftDocs/azure-docs): string, array, object, logical, comparison, numeric,
//! resource, scope, deployment, date. ARM runs on .NET, so string positions and lengths
//! count UTF-16 code units, integers are 64-bit, and `string(true)` is `True`.
//!
//! `if`, `and`, `or` and `coalesce` live in `eval.rs`: they choose which arguments to
//! evaluate.

use serde_json::{Map, Value};

use super::{Context, EvalError};

mod collections;
mod dates;
mod encoding;
mod format;
mod logic;
mod network;
mod numeric;
mod resource_ids;
mod strings;

use collections::{
    array, create_array, create_object, flatten, intersection, items, json, max, min, null,
    object_keys, range, shallow_merge, try_get, union,
};
pub use dates::{civil_from_days, days_from_civil};
use dates::{date_time_from_epoch, date_time_to_epoch};
use encoding::{
    base64, base64_to_json, base64_to_string, data_uri, data_uri_to_string, uri, uri_component,
    uri_component_to_string,
};
use format::format;
use logic::{bool_, equals, false_, greater, greater_or_equals, less, less_or_equals, not, true_};
use network::{cidr_host, cidr_subnet, ip_range_contains, parse_cidr};
use numeric::{add, div, float, int, mod_, mul, sub};
use resource_ids::{
    extension_resource_id, management_group_resource_id, resource_id, subscription_resource_id,
    tenant_resource_id,
};
use strings::{
    concat, contains, empty, ends_with, first, guid, index_of, join, last, last_index_of, length,
    pad_left, replace, skip, split, starts_with, string, substring, take, to_lower, to_upper, trim,
    unique_string,
};

pub type Builtin = fn(&[Value], &dyn Context) -> Result<Value, EvalError>;

/// Longest string or array a built-in will build (padLeft, range, ...): keeps hostile
/// input from exhausting memory. ARM's own limits are lower.
const MAX_LEN: usize = 1 << 20;

/// The built-in `name` (lower-case), if there is one.
pub fn builtin(name: &str) -> Option<Builtin> {
    let f: Builtin = match name {
        // string (template-functions-string.md)
        "base64" => base64,
        "base64tojson" => base64_to_json,
        "base64tostring" => base64_to_string,
        "concat" => concat,
        "contains" => contains,
        "datauri" => data_uri,
        "datauritostring" => data_uri_to_string,
        "empty" => empty,
        "endswith" => ends_with,
        "first" => first,
        "format" => format,
        "guid" => guid,
        "indexof" => index_of,
        "join" => join,
        "last" => last,
        "lastindexof" => last_index_of,
        "length" => length,
        "padleft" => pad_left,
        "replace" => replace,
        "skip" => skip,
        "split" => split,
        "startswith" => starts_with,
        "string" => string,
        "substring" => substring,
        "take" => take,
        "tolower" => to_lower,
        "toupper" => to_upper,
        "trim" => trim,
        "uniquestring" => unique_string,
        "uri" => uri,
        "uricomponent" => uri_component,
        "uricomponenttostring" => uri_component_to_string,
        // array and object (template-functions-array.md, -object.md)
        "array" => array,
        "createarray" => create_array,
        "createobject" => create_object,
        "flatten" => flatten,
        "intersection" => intersection,
        "items" => items,
        "json" => json,
        "max" => max,
        "min" => min,
        "null" => null,
        "range" => range,
        "tryget" => try_get,
        "objectkeys" => object_keys,
        "shallowmerge" => shallow_merge,
        "union" => union,
        // logical (template-functions-logical.md); if/and/or are in eval.rs
        "bool" => bool_,
        "false" => false_,
        "not" => not,
        "true" => true_,
        // comparison (template-functions-comparison.md); coalesce is in eval.rs
        "equals" => equals,
        "greater" => greater,
        "greaterorequals" => greater_or_equals,
        "less" => less,
        "lessorequals" => less_or_equals,
        // numeric (template-functions-numeric.md)
        "add" => add,
        "div" => div,
        "float" => float,
        "int" => int,
        "mod" => mod_,
        "mul" => mul,
        "sub" => sub,
        // resource ids (template-functions-resource.md)
        "extensionresourceid" => extension_resource_id,
        "managementgroupresourceid" => management_group_resource_id,
        "resourceid" => resource_id,
        "subscriptionresourceid" => subscription_resource_id,
        "tenantresourceid" => tenant_resource_id,
        // Known only at deployment, or only where the context supplies them.
        "reference" | "newguid" | "utcnow" | "pickzones" | "providers" | "deployer" => {
            deployment_time
        }
        "parameters" | "variables" | "field" | "current" | "resourcegroup" | "subscription"
        | "deployment" | "environment" | "tenant" | "managementgroup" | "copyindex"
        | "requestcontext" | "policy" => context_only,
        // policy rules only (definition-structure-policy-rule.md)
        "iprangecontains" => ip_range_contains,
        // CIDR (template-functions-cidr.md)
        "parsecidr" => parse_cidr,
        "cidrsubnet" => cidr_subnet,
        "cidrhost" => cidr_host,
        // dates (template-functions-date.md)
        "datetimefromepoch" => date_time_from_epoch,
        "datetimetoepoch" => date_time_to_epoch,
        "datetimeadd" | "adddays" => not_supported,
        _ => return None,
    };
    Some(f)
}

// ---------------------------------------------------------------------------------
// Helpers

fn invalid<T>(msg: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError::Invalid(msg.into()))
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The key of `map` that `name` designates: exact match first, then ignoring case
/// (ARM property names are case-insensitive).
pub fn get_key<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name) || k.to_lowercase() == name.to_lowercase())
            .map(|(_, v)| v)
    })
}

/// Argument `i`; `null` past the end. Every built-in checks its arity first, so this
/// only spares an index that could panic.
fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), EvalError> {
    if args.len() < min || args.len() > max {
        let expected = match (min, max) {
            (a, b) if a == b => format!("{a}"),
            (a, usize::MAX) => format!("at least {a}"),
            (a, b) => format!("{a} to {b}"),
        };
        return invalid(format!(
            "{name} expects {expected} argument(s), got {}",
            args.len()
        ));
    }
    Ok(())
}

fn str_arg<'v>(name: &str, v: &'v Value) -> Result<&'v str, EvalError> {
    v.as_str()
        .ok_or_else(|| EvalError::Invalid(format!("{name} expects a string, got {}", type_name(v))))
}

fn int_arg(name: &str, v: &Value) -> Result<i64, EvalError> {
    v.as_i64().ok_or_else(|| {
        EvalError::Invalid(format!("{name} expects an integer, got {}", type_name(v)))
    })
}

fn bool_arg(name: &str, v: &Value) -> Result<bool, EvalError> {
    v.as_bool().ok_or_else(|| {
        EvalError::Invalid(format!("{name} expects a boolean, got {}", type_name(v)))
    })
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from_utf16(units: &[u16]) -> String {
    String::from_utf16_lossy(units)
}

/// Length in .NET units (UTF-16 code units), as `length()` and `substring()` count.
fn len16(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A value as text, the way ARM's string conversions print it: strings unchanged,
/// numbers in decimal, booleans as .NET prints them, arrays and objects as compact JSON.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The call itself cannot be known; the evaluator names it as written.
fn unknown_self(why: &str) -> EvalError {
    EvalError::UnknownCall(why.to_string())
}

// ---------------------------------------------------------------------------------
// Functions with no static value

/// reference(), newGuid(), utcNow(), pickZones(), providers(): their value exists only
/// during a deployment.
fn deployment_time(_: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Err(unknown_self("cannot be known before deployment"))
}

/// parameters(), field(), resourceGroup()...: the context did not define them.
fn context_only(_: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Err(unknown_self(
        "cannot be known: this context does not provide it",
    ))
}

/// Deterministic but not implemented here (date arithmetic and formatting).
fn not_supported(_: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Err(unknown_self("is not evaluated statically by acrpc"))
}
