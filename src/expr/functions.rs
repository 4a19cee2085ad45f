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

use super::hash;
use super::{Context, EvalError};

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
// String functions

fn base64(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("base64", args, 1, 1)?;
    Ok(Value::String(b64_encode(
        str_arg("base64", &args[0])?.as_bytes(),
    )))
}

fn base64_to_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("base64ToString", args, 1, 1)?;
    let bytes = b64_decode(str_arg("base64ToString", &args[0])?)?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

fn base64_to_json(args: &[Value], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("base64ToJson", args, 1, 1)?;
    let text = base64_to_string(args, ctx)?;
    json(&[text], ctx)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Strict standard base64 (padding optional, whitespace ignored), as .NET's
/// `Convert.FromBase64String` accepts.
fn b64_decode(text: &str) -> Result<Vec<u8>, EvalError> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let trimmed = digits
        .strip_suffix(b"==")
        .or_else(|| digits.strip_suffix(b"="))
        .unwrap_or(&digits);
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &b in trimmed {
        let Some(d) = B64.iter().position(|&c| c == b) else {
            return invalid(format!("'{text}' is not valid base64"));
        };
        acc = (acc << 6) | d as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if trimmed.len() % 4 == 1 {
        return invalid(format!("'{text}' is not valid base64"));
    }
    Ok(out)
}

/// concat: all arrays → one array; otherwise strings (integers print in decimal, as in
/// the common `concat('vm', copyIndex())`).
fn concat(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("concat", args, 1, usize::MAX)?;
    if args.iter().all(|a| a.is_array() || a.is_null()) && args.iter().any(Value::is_array) {
        let items = args
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .cloned()
            .collect();
        return Ok(Value::Array(items));
    }
    let mut out = String::new();
    for arg in args {
        match arg {
            Value::String(s) => out.push_str(s),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::Null => {}
            other => {
                return invalid(format!(
                    "concat expects strings or arrays, got {}",
                    type_name(other)
                ));
            }
        }
    }
    Ok(Value::String(out))
}

/// contains: substring (case-sensitive), array element (deep equality), or object key
/// (case-insensitive), per template-functions-string.md#contains.
fn contains(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("contains", args, 2, 2)?;
    let found = match (&args[0], &args[1]) {
        (Value::String(s), item) => s.contains(to_text(item).as_str()),
        (Value::Array(items), item) => items.iter().any(|x| json_eq(x, item)),
        (Value::Object(map), Value::String(key)) => get_key(map, key).is_some(),
        (container, _) => {
            return invalid(format!(
                "contains expects a string, array or object, got {}",
                type_name(container)
            ));
        }
    };
    Ok(Value::Bool(found))
}

fn data_uri(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dataUri", args, 1, 1)?;
    let text = str_arg("dataUri", &args[0])?;
    Ok(Value::String(format!(
        "data:text/plain;charset=utf8;base64,{}",
        b64_encode(text.as_bytes())
    )))
}

fn data_uri_to_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dataUriToString", args, 1, 1)?;
    let text = str_arg("dataUriToString", &args[0])?;
    let Some((header, data)) = text.strip_prefix("data:").and_then(|r| r.split_once(',')) else {
        return invalid(format!("'{text}' is not a data URI"));
    };
    let bytes = if header.ends_with(";base64") {
        b64_decode(data)?
    } else {
        percent_decode(data)?
    };
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// empty: null, "", [] and {} are empty.
fn empty(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("empty", args, 1, 1)?;
    let is_empty = match &args[0] {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        other => {
            return invalid(format!(
                "empty expects a string, array or object, got {}",
                type_name(other)
            ));
        }
    };
    Ok(Value::Bool(is_empty))
}

/// Case-insensitive comparisons (startsWith, endsWith) fold as .NET's invariant culture
/// does: one character to one character.
fn fold(s: &str) -> String {
    simple_case(s, false)
}

fn ends_with(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("endsWith", args, 2, 2)?;
    let (s, suffix) = (
        str_arg("endsWith", &args[0])?,
        str_arg("endsWith", &args[1])?,
    );
    Ok(Value::Bool(fold(s).ends_with(&fold(suffix))))
}

fn starts_with(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("startsWith", args, 2, 2)?;
    let (s, prefix) = (
        str_arg("startsWith", &args[0])?,
        str_arg("startsWith", &args[1])?,
    );
    Ok(Value::Bool(fold(s).starts_with(&fold(prefix))))
}

fn first(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("first", args, 1, 1)?;
    match &args[0] {
        Value::Array(a) => Ok(a.first().cloned().unwrap_or(Value::Null)),
        Value::String(s) => Ok(Value::String(
            s.chars().next().map(String::from).unwrap_or_default(),
        )),
        other => invalid(format!(
            "first expects an array or string, got {}",
            type_name(other)
        )),
    }
}

fn last(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("last", args, 1, 1)?;
    match &args[0] {
        Value::Array(a) => Ok(a.last().cloned().unwrap_or(Value::Null)),
        Value::String(s) => Ok(Value::String(
            s.chars().last().map(String::from).unwrap_or_default(),
        )),
        other => invalid(format!(
            "last expects an array or string, got {}",
            type_name(other)
        )),
    }
}

fn guid(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("guid", args, 1, usize::MAX)?;
    Ok(Value::String(hash::guid(&joined_strings("guid", args)?)))
}

fn unique_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uniqueString", args, 1, usize::MAX)?;
    Ok(Value::String(hash::unique_string(&joined_strings(
        "uniqueString",
        args,
    )?)))
}

/// uniqueString and guid hash their (string) arguments joined by `-`.
fn joined_strings(name: &str, args: &[Value]) -> Result<String, EvalError> {
    let parts = args
        .iter()
        .map(|a| str_arg(name, a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.join("-"))
}

/// indexOf / lastIndexOf: a string position (case-insensitive, UTF-16 units) or an array
/// position (deep equality); -1 when absent.
fn index_of(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("indexOf", args, 2, 2)?;
    position("indexOf", &args[0], &args[1], false)
}

fn last_index_of(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("lastIndexOf", args, 2, 2)?;
    position("lastIndexOf", &args[0], &args[1], true)
}

fn position(
    name: &str,
    haystack: &Value,
    needle: &Value,
    from_end: bool,
) -> Result<Value, EvalError> {
    let found = match haystack {
        Value::Array(items) => {
            let hit = |x: &Value| json_eq(x, needle);
            if from_end {
                items.iter().rposition(hit)
            } else {
                items.iter().position(hit)
            }
        }
        Value::String(s) => {
            let (hay, pat) = (fold16(s), fold16(str_arg(name, needle)?));
            if pat.is_empty() {
                Some(if from_end { hay.len() } else { 0 })
            } else {
                let mut windows = hay.windows(pat.len());
                if from_end {
                    windows.rposition(|w| w == pat.as_slice())
                } else {
                    windows.position(|w| w == pat.as_slice())
                }
            }
        }
        other => {
            return invalid(format!(
                "{name} expects a string or array, got {}",
                type_name(other)
            ));
        }
    };
    Ok(Value::from(found.map_or(-1, |i| i as i64)))
}

/// UTF-16 units of `s` with each character lower-cased where that keeps one character,
/// so positions in the folded text are positions in the original.
fn fold16(s: &str) -> Vec<u16> {
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u16; 2];
    for c in s.chars() {
        let mut lower = c.to_lowercase();
        let folded = match (lower.next(), lower.next()) {
            (Some(l), None) if l.len_utf16() == c.len_utf16() => l,
            _ => c,
        };
        out.extend_from_slice(folded.encode_utf16(&mut buf));
    }
    out
}

fn join(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("join", args, 2, 2)?;
    let Value::Array(items) = &args[0] else {
        return invalid(format!(
            "join expects an array, got {}",
            type_name(&args[0])
        ));
    };
    let sep = str_arg("join", &args[1])?;
    let parts: Vec<String> = items.iter().map(to_text).collect();
    Ok(Value::String(parts.join(sep)))
}

/// length: UTF-16 units of a string, elements of an array, properties of an object.
fn length(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("length", args, 1, 1)?;
    let n = match &args[0] {
        Value::String(s) => len16(s),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        other => {
            return invalid(format!(
                "length expects a string, array or object, got {}",
                type_name(other)
            ));
        }
    };
    Ok(Value::from(n as i64))
}

fn pad_left(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("padLeft", args, 2, 3)?;
    let text = match &args[0] {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_i64() => n.to_string(),
        other => {
            return invalid(format!(
                "padLeft expects a string or integer, got {}",
                type_name(other)
            ));
        }
    };
    let total = int_arg("padLeft", &args[1])?;
    let pad = match args.get(2) {
        None => ' ',
        Some(v) => {
            let s = str_arg("padLeft", v)?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return invalid("padLeft expects a single padding character"),
            }
        }
    };
    let total = usize::try_from(total)
        .map_err(|_| EvalError::Invalid("padLeft expects a non-negative length".into()))?;
    if total > MAX_LEN {
        return invalid(format!("padLeft length {total} is too large"));
    }
    let missing = total.saturating_sub(len16(&text));
    Ok(Value::String(
        std::iter::repeat_n(pad, missing)
            .chain(text.chars())
            .collect(),
    ))
}

fn replace(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("replace", args, 3, 3)?;
    let s = str_arg("replace", &args[0])?;
    let old = str_arg("replace", &args[1])?;
    let new = str_arg("replace", &args[2])?;
    if old.is_empty() {
        return invalid("replace expects a non-empty string to replace");
    }
    Ok(Value::String(s.replace(old, new)))
}

/// skip / take on an array or a string (UTF-16 units); counts outside the range clamp.
fn skip(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("skip", args, 2, 2)?;
    slice("skip", &args[0], int_arg("skip", &args[1])?, true)
}

fn take(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("take", args, 2, 2)?;
    slice("take", &args[0], int_arg("take", &args[1])?, false)
}

fn slice(name: &str, v: &Value, n: i64, skip: bool) -> Result<Value, EvalError> {
    let cut = |len: usize| usize::try_from(n.max(0)).unwrap_or(usize::MAX).min(len);
    match v {
        Value::Array(a) => {
            let k = cut(a.len());
            Ok(Value::Array(if skip {
                a[k..].to_vec()
            } else {
                a[..k].to_vec()
            }))
        }
        Value::String(s) => {
            let units = utf16(s);
            let k = cut(units.len());
            Ok(Value::String(from_utf16(if skip {
                &units[k..]
            } else {
                &units[..k]
            })))
        }
        other => invalid(format!(
            "{name} expects an array or string, got {}",
            type_name(other)
        )),
    }
}

/// split: on a delimiter or any of an array of delimiters; empty pieces are kept (.NET
/// `String.Split(string[], StringSplitOptions.None)`), empty delimiters ignored.
fn split(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("split", args, 2, 2)?;
    let s = str_arg("split", &args[0])?;
    let delims: Vec<&str> = match &args[1] {
        Value::String(d) => vec![d.as_str()],
        Value::Array(ds) => ds
            .iter()
            .map(|d| str_arg("split", d))
            .collect::<Result<_, _>>()?,
        other => {
            return invalid(format!(
                "split expects a string or array delimiter, got {}",
                type_name(other)
            ));
        }
    };
    let delims: Vec<&str> = delims.into_iter().filter(|d| !d.is_empty()).collect();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < s.len() {
        // At each position the first delimiter in the list that matches wins, as in .NET.
        match delims.iter().find(|d| s[i..].starts_with(**d)) {
            Some(d) => {
                parts.push(Value::String(s[start..i].to_string()));
                i += d.len();
                start = i;
            }
            None => i += s[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    parts.push(Value::String(s[start..].to_string()));
    Ok(Value::Array(parts))
}

fn string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("string", args, 1, 1)?;
    Ok(Value::String(to_text(&args[0])))
}

/// substring(text, start, length?): positions in UTF-16 units; out of range is an error,
/// as in .NET.
fn substring(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("substring", args, 1, 3)?;
    let units = utf16(str_arg("substring", &args[0])?);
    let len = units.len();
    let start = match args.get(1) {
        Some(v) => int_arg("substring", v)?,
        None => 0,
    };
    let start = usize::try_from(start)
        .ok()
        .filter(|s| *s <= len)
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "substring start index {start} is out of range for a string of length {len}"
            ))
        })?;
    let count = match args.get(2) {
        Some(v) => int_arg("substring", v)?,
        None => (len - start) as i64,
    };
    let end = usize::try_from(count)
        .ok()
        .and_then(|c| start.checked_add(c))
        .filter(|e| *e <= len)
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "substring: the index {start} and length {count} must refer to a location within the string of length {len}"
            ))
        })?;
    Ok(Value::String(from_utf16(&units[start..end])))
}

/// toLower / toUpper: .NET's invariant casing maps one character to one character
/// (`toUpper('ß')` stays `ß`, no final-sigma rule), unlike Rust's full Unicode mapping.
fn to_lower(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("toLower", args, 1, 1)?;
    Ok(Value::String(simple_case(
        str_arg("toLower", &args[0])?,
        false,
    )))
}

fn to_upper(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("toUpper", args, 1, 1)?;
    Ok(Value::String(simple_case(
        str_arg("toUpper", &args[0])?,
        true,
    )))
}

/// Each character's case mapping where it is a single character; others stay as they are.
fn simple_case(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mapped: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            match mapped[..] {
                [one] => one,
                _ => c,
            }
        })
        .collect()
}

fn trim(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("trim", args, 1, 1)?;
    Ok(Value::String(str_arg("trim", &args[0])?.trim().to_string()))
}

/// uri(base, relative): RFC 3986 reference resolution (section 5.2), as .NET's
/// `new Uri(baseUri, relativeUri)` does it: an absolute reference wins, `//host` keeps
/// the scheme, `/path` replaces the path, `?query` and `#fragment` keep the path, and
/// anything else replaces the base's last segment; `.` and `..` segments are removed.
fn uri(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uri", args, 2, 2)?;
    let base = str_arg("uri", &args[0])?;
    let rel = str_arg("uri", &args[1])?;
    // The fragment goes first: a `#` before `://` leaves no scheme (found by fuzzing:
    // `uri('ht#p://contoso.com/a/b', '/c')` sliced past the end).
    let base = &base[..base.find('#').unwrap_or(base.len())];
    let Some(scheme_end) = base.find("://") else {
        return invalid(format!("uri expects an absolute base URI, got '{base}'"));
    };
    let has_scheme = rel
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && !s.contains(['/', '?', '#']));
    if has_scheme {
        return Ok(Value::String(rel.to_string()));
    }
    let authority_end = base[scheme_end + 3..]
        .find(['/', '?'])
        .map_or(base.len(), |i| scheme_end + 3 + i);
    let (origin, rest) = base.split_at(authority_end);
    let base_path = &rest[..rest.find('?').unwrap_or(rest.len())];
    let joined = if let Some(net) = rel.strip_prefix("//") {
        format!("{}//{net}", &base[..scheme_end + 1])
    } else if rel.is_empty() || rel.starts_with('#') {
        format!("{base}{rel}")
    } else if rel.starts_with('?') {
        format!("{origin}{base_path}{rel}")
    } else if rel.starts_with('/') {
        format!("{origin}{}", remove_dot_segments(rel))
    } else {
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{origin}{}", remove_dot_segments(&format!("{dir}{rel}")))
    };
    Ok(Value::String(joined))
}

/// RFC 3986 section 5.2.4 on the path part of `reference` (its query and fragment are
/// kept as they are).
fn remove_dot_segments(reference: &str) -> String {
    let split = reference.find(['?', '#']).unwrap_or(reference.len());
    let (path, tail) = reference.split_at(split);
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("{}{tail}", out.join("/"))
}

/// uriComponent: .NET `Uri.EscapeDataString`, which keeps only RFC 3986 unreserved
/// characters.
fn uri_component(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uriComponent", args, 1, 1)?;
    let text = str_arg("uriComponent", &args[0])?;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(Value::String(out))
}

fn uri_component_to_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uriComponentToString", args, 1, 1)?;
    let bytes = percent_decode(str_arg("uriComponentToString", &args[0])?)?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

fn percent_decode(text: &str) -> Result<Vec<u8>, EvalError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return invalid(format!("'{text}' has an invalid percent escape"));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// .NET composite formatting, for format()

/// format(fmt, args...): `{index[,alignment][:spec]}` with `{{` / `}}` escapes. Numeric
/// specs N, D, F, X (with precision) are supported; others are not evaluated statically.
fn format(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("format", args, 1, usize::MAX)?;
    let fmt = str_arg("format", &args[0])?;
    let values = &args[1..];
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        if rest[i + 1..].starts_with(c as char) {
            out.push(c as char);
            rest = &rest[i + 2..];
            continue;
        }
        if c == b'}' {
            return invalid(format!("format string '{fmt}' has an unmatched '}}'"));
        }
        let Some(end) = rest[i..].find('}') else {
            return invalid(format!("format string '{fmt}' has an unmatched '{{'"));
        };
        out.push_str(&format_item(&rest[i + 1..i + end], values, fmt)?);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn format_item(item: &str, values: &[Value], fmt: &str) -> Result<String, EvalError> {
    let (head, spec) = item.split_once(':').unwrap_or((item, ""));
    let (index, align) = head.split_once(',').unwrap_or((head, ""));
    let bad = || {
        EvalError::Invalid(format!(
            "format string '{fmt}' has an invalid item '{{{item}}}'"
        ))
    };
    let index: usize = index.trim().parse().map_err(|_| bad())?;
    let value = values.get(index).ok_or_else(|| {
        EvalError::Invalid(format!(
            "format string '{fmt}' refers to argument {index}, but only {} given",
            values.len()
        ))
    })?;
    let text = format_value(value, spec)?;
    if align.is_empty() {
        return Ok(text);
    }
    let width: i64 = align.trim().parse().map_err(|_| bad())?;
    // .NET refuses alignments of a million or more (String.Format's width limit).
    if width.unsigned_abs() >= 1_000_000 {
        return Err(bad());
    }
    let pad = (width.unsigned_abs() as usize).saturating_sub(text.chars().count());
    Ok(if width < 0 {
        format!("{text}{}", " ".repeat(pad))
    } else {
        format!("{}{text}", " ".repeat(pad))
    })
}

fn format_value(value: &Value, spec: &str) -> Result<String, EvalError> {
    if spec.is_empty() {
        return Ok(to_text(value));
    }
    let not_static = || {
        unknown_self(&format!(
            "uses the format '{spec}' on {}, which is not evaluated statically",
            type_name(value)
        ))
    };
    let Value::Number(n) = value else {
        return Err(not_static());
    };
    let mut chars = spec.chars();
    let kind = chars.next().unwrap_or('G');
    let digits = chars.as_str();
    let precision: Option<usize> = match digits {
        "" => None,
        d => Some(d.parse().ok().filter(|p| *p <= 99).ok_or_else(not_static)?),
    };
    let text = match (kind.to_ascii_uppercase(), n.as_i64()) {
        // Integers keep every digit (no detour through f64).
        ('N', Some(i)) => with_decimals(&group_thousands(&i.to_string()), precision.unwrap_or(2)),
        ('F', Some(i)) => with_decimals(&i.to_string(), precision.unwrap_or(2)),
        ('N', None) => group_thousands(&format!(
            "{:.*}",
            precision.unwrap_or(2),
            n.as_f64().unwrap_or(0.0)
        )),
        ('F', None) => format!("{:.*}", precision.unwrap_or(2), n.as_f64().unwrap_or(0.0)),
        ('D', Some(i)) => {
            let p = precision.unwrap_or(0);
            let sign = if i < 0 { "-" } else { "" };
            format!("{sign}{:0>p$}", i.unsigned_abs())
        }
        ('X', Some(i)) if kind == 'X' => format!("{:0>1$X}", i, precision.unwrap_or(0)),
        ('X', Some(i)) => format!("{:0>1$x}", i, precision.unwrap_or(0)),
        // .NET rejects D and X for non-integers.
        ('D' | 'X', None) => {
            return invalid(format!(
                "format specifier '{spec}' requires an integer, got {n}"
            ));
        }
        _ => return Err(not_static()),
    };
    Ok(text)
}

/// `1,234` with 2 decimals → `1,234.00`.
fn with_decimals(int: &str, decimals: usize) -> String {
    if decimals == 0 {
        int.to_string()
    } else {
        format!("{int}.{}", "0".repeat(decimals))
    }
}

/// `1234567.50` → `1,234,567.50` (invariant culture).
fn group_thousands(number: &str) -> String {
    let (sign, body) = number.strip_prefix('-').map_or(("", number), |b| ("-", b));
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

// ---------------------------------------------------------------------------------
// Array and object functions

/// array(x): an array stays as it is; anything else becomes a one-element array.
fn array(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("array", args, 1, 1)?;
    Ok(match &args[0] {
        Value::Array(_) => args[0].clone(),
        other => Value::Array(vec![other.clone()]),
    })
}

fn create_array(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Array(args.to_vec()))
}

fn create_object(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    if !args.len().is_multiple_of(2) {
        return invalid("createObject expects an even number of arguments (key, value pairs)");
    }
    let mut map = Map::new();
    for pair in args.chunks(2) {
        map.insert(
            str_arg("createObject", &pair[0])?.to_string(),
            pair[1].clone(),
        );
    }
    Ok(Value::Object(map))
}

fn flatten(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("flatten", args, 1, 1)?;
    let Value::Array(outer) = &args[0] else {
        return invalid(format!(
            "flatten expects an array, got {}",
            type_name(&args[0])
        ));
    };
    let mut out = Vec::new();
    for inner in outer {
        match inner {
            Value::Array(a) => out.extend(a.iter().cloned()),
            other => {
                return invalid(format!(
                    "flatten expects an array of arrays, found {}",
                    type_name(other)
                ));
            }
        }
    }
    Ok(Value::Array(out))
}

/// intersection: elements (or key/value pairs) present in every argument, in the order
/// of the first.
fn intersection(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("intersection", args, 2, usize::MAX)?;
    match &args[0] {
        Value::Array(first) => {
            let others = args[1..]
                .iter()
                .map(|a| a.as_array().ok_or(()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    EvalError::Invalid("intersection expects all arguments to be arrays".into())
                })?;
            let mut out: Vec<Value> = Vec::new();
            for x in first {
                if others.iter().all(|o| o.iter().any(|y| json_eq(x, y)))
                    && !out.iter().any(|y| json_eq(x, y))
                {
                    out.push(x.clone());
                }
            }
            Ok(Value::Array(out))
        }
        Value::Object(first) => {
            let others = args[1..]
                .iter()
                .map(|a| a.as_object().ok_or(()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    EvalError::Invalid("intersection expects all arguments to be objects".into())
                })?;
            let out = first
                .iter()
                .filter(|(k, v)| {
                    others
                        .iter()
                        .all(|o| o.get(*k).is_some_and(|w| json_eq(v, w)))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Value::Object(out))
        }
        other => invalid(format!(
            "intersection expects arrays or objects, got {}",
            type_name(other)
        )),
    }
}

/// union: arrays are concatenated without duplicates; objects are merged, later values
/// winning, nested objects merged recursively (template-functions-object.md#union).
fn union(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("union", args, 2, usize::MAX)?;
    match &args[0] {
        Value::Array(_) => {
            let mut out: Vec<Value> = Vec::new();
            for arg in args {
                let Value::Array(items) = arg else {
                    return invalid("union expects all arguments to be arrays");
                };
                for x in items {
                    if !out.iter().any(|y| json_eq(x, y)) {
                        out.push(x.clone());
                    }
                }
            }
            Ok(Value::Array(out))
        }
        Value::Object(_) => {
            let mut out = Map::new();
            for arg in args {
                let Value::Object(map) = arg else {
                    return invalid("union expects all arguments to be objects");
                };
                merge(&mut out, map);
            }
            Ok(Value::Object(out))
        }
        other => invalid(format!(
            "union expects arrays or objects, got {}",
            type_name(other)
        )),
    }
}

fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// items(object): `[{key, value}]`, sorted by key (template-functions-object.md#items).
fn items(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("items", args, 1, 1)?;
    let Value::Object(map) = &args[0] else {
        return invalid(format!(
            "items expects an object, got {}",
            type_name(&args[0])
        ));
    };
    let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
    pairs.sort_by_cached_key(|(k, _)| culture_key(k));
    let out = pairs.into_iter().map(|(k, v)| {
        let mut entry = Map::new();
        entry.insert("key".into(), Value::String(k.clone()));
        entry.insert("value".into(), v.clone());
        Value::Object(entry)
    });
    Ok(Value::Array(out.collect()))
}

/// json(text): ARM parses with Newtonsoft.Json, which also reads single-quoted strings
/// and bare property names (the docs' base64ToJson example decodes
/// `{'one': 'a', 'two': 'b'}`); strict JSON is tried first.
fn json(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("json", args, 1, 1)?;
    let text = str_arg("json", &args[0])?;
    serde_json::from_str(text)
        .or_else(|e| {
            relaxed_json(text)
                .and_then(|t| serde_json::from_str(&t).ok())
                .ok_or(e)
        })
        .map_err(|e| EvalError::Invalid(format!("json: '{text}' is not valid JSON: {e}")))
}

/// Rewrites Newtonsoft's relaxed syntax into strict JSON: `'single'` strings become
/// `"double"` ones and bare property names get quotes. `None` when nothing changed.
fn relaxed_json(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    let mut changed = false;
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                changed |= c == '\'';
                out.push('"');
                loop {
                    match chars.next()? {
                        '\\' => match chars.next()? {
                            '\'' => out.push('\''),
                            escaped => {
                                out.push('\\');
                                out.push(escaped);
                            }
                        },
                        d if d == c => break,
                        '"' => out.push_str("\\\""),
                        d => out.push(d),
                    }
                }
                out.push('"');
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let mut word = String::from(c);
                while let Some(&d) = chars
                    .peek()
                    .filter(|d| d.is_alphanumeric() || **d == '_' || **d == '$')
                {
                    word.push(d);
                    chars.next();
                }
                let before_colon = chars.clone().find(|d| !d.is_whitespace()) == Some(':');
                if before_colon {
                    out.push('"');
                    out.push_str(&word);
                    out.push('"');
                    changed = true;
                } else {
                    out.push_str(&word);
                }
            }
            c => out.push(c),
        }
    }
    changed.then_some(out)
}

fn null(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("null", args, 0, 0)?;
    Ok(Value::Null)
}

/// range(start, count): ARM requires count ≥ 0, count ≤ 10000 and start + count ≤ 2^31 - 1.
fn range(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("range", args, 2, 2)?;
    let start = int_arg("range", &args[0])?;
    let count = int_arg("range", &args[1])?;
    if !(0..=10_000).contains(&count) {
        return invalid(format!("range count {count} must be between 0 and 10000"));
    }
    if start
        .checked_add(count)
        .is_none_or(|end| end > i64::from(i32::MAX))
    {
        return invalid("range start + count must not exceed 2147483647");
    }
    Ok(Value::Array(
        (start..start + count).map(Value::from).collect(),
    ))
}

/// min / max over integers given as arguments or as one array.
fn min(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    extreme("min", args, std::cmp::Ordering::Less)
}

fn max(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    extreme("max", args, std::cmp::Ordering::Greater)
}

fn extreme(name: &str, args: &[Value], want: std::cmp::Ordering) -> Result<Value, EvalError> {
    arity(name, args, 1, usize::MAX)?;
    let items = match args {
        [Value::Array(a)] => a.as_slice(),
        _ => args,
    };
    let mut best: Option<i64> = None;
    for v in items {
        let n = int_arg(name, v)?;
        if best.is_none_or(|b| n.cmp(&b) == want) {
            best = Some(n);
        }
    }
    best.map(Value::from)
        .ok_or_else(|| EvalError::Invalid(format!("{name} of an empty array")))
}

fn try_get(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("tryGet", args, 2, 2)?;
    Ok(match (&args[0], &args[1]) {
        (Value::Object(map), Value::String(k)) => get_key(map, k).cloned().unwrap_or(Value::Null),
        (Value::Array(a), Value::Number(n)) => n
            .as_u64()
            .and_then(|i| a.get(i as usize))
            .cloned()
            .unwrap_or(Value::Null),
        // Null in, null out: Bicep compiles `x.?y` on a nullable `x` to
        // tryGet(x, 'y'), and the Azure Verified Modules deploy their
        // minimal test cases with such parameters left null (e.g.
        // tryGet(parameters('managedIdentities'), 'userAssignedResourceIds')).
        (Value::Null, _) => Value::Null,
        (container, _) => {
            return invalid(format!(
                "tryGet expects an object or array, got {}",
                type_name(container)
            ));
        }
    })
}

/// objectKeys(object): the property names, in order (Bicep's objectKeys).
fn object_keys(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("objectKeys", args, 1, 1)?;
    let Value::Object(map) = &args[0] else {
        return invalid(format!(
            "objectKeys expects an object, got {}",
            type_name(&args[0])
        ));
    };
    Ok(Value::Array(
        map.keys().cloned().map(Value::String).collect(),
    ))
}

/// shallowMerge(arrayOfObjects): later objects' top-level properties replace earlier ones
/// (unlike union, nested objects are not merged).
fn shallow_merge(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("shallowMerge", args, 1, 1)?;
    let Value::Array(items) = &args[0] else {
        return invalid(format!(
            "shallowMerge expects an array of objects, got {}",
            type_name(&args[0])
        ));
    };
    let mut out = Map::new();
    for item in items {
        let Value::Object(map) = item else {
            return invalid(format!(
                "shallowMerge expects objects, found {}",
                type_name(item)
            ));
        };
        out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------
// Logical

/// bool: a boolean, 'true'/'false' (any case), or an integer (0 is false).
fn bool_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("bool", args, 1, 1)?;
    match &args[0] {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        Value::Number(n) if n.is_i64() => Ok(Value::Bool(n.as_i64() != Some(0))),
        other => invalid(format!(
            "bool cannot convert {} '{}'",
            type_name(other),
            to_text(other)
        )),
    }
}

fn true_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("true", args, 0, 0)?;
    Ok(Value::Bool(true))
}

fn false_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("false", args, 0, 0)?;
    Ok(Value::Bool(false))
}

fn not(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("not", args, 1, 1)?;
    Ok(Value::Bool(!bool_arg("not", &args[0])?))
}

// ---------------------------------------------------------------------------------
// Comparison

/// Deep equality; numbers compare by value (1 equals 1.0); strings case-sensitively.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn equals(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("equals", args, 2, 2)?;
    Ok(Value::Bool(json_eq(&args[0], &args[1])))
}

/// Orders two integers or two strings (ordinal: ARM compares strings case-sensitively).
fn order(name: &str, args: &[Value]) -> Result<std::cmp::Ordering, EvalError> {
    arity(name, args, 2, 2)?;
    match (&args[0], &args[1]) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => Ok(i.cmp(&j)),
            _ => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .ok_or_else(|| EvalError::Invalid(format!("{name}: incomparable numbers"))),
        },
        (Value::String(x), Value::String(y)) => Ok(culture_cmp(x, y)),
        (a, b) => invalid(format!(
            "{name} expects two integers or two strings, got {} and {}",
            type_name(a),
            type_name(b)
        )),
    }
}

/// String order as .NET's culture-aware comparison sees it (the docs' `greater('A', 'a')`
/// is True): alphabetical ignoring case first, with whitespace, then punctuation, then
/// digits, then letters; then, at the first difference in case, lower case first.
/// An approximation of the invariant culture's collation, exact for ASCII letters and digits.
fn culture_cmp(x: &str, y: &str) -> std::cmp::Ordering {
    culture_key(x).cmp(&culture_key(y))
}

/// The sort key behind [`culture_cmp`]: a plain tuple, so the order is total (sorting
/// with it can never see an inconsistent comparison).
fn culture_key(s: &str) -> (Vec<(u8, char)>, Vec<bool>, &str) {
    fn class(c: char) -> u8 {
        match c {
            c if c.is_alphabetic() => 3,
            c if c.is_numeric() => 2,
            c if c.is_whitespace() => 0,
            _ => 1,
        }
    }
    let primary = s
        .chars()
        .flat_map(|c| c.to_lowercase().map(move |l| (class(c), l)))
        .collect();
    let case = s.chars().map(char::is_uppercase).collect();
    (primary, case, s)
}

fn greater(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("greater", args)?.is_gt()))
}

fn greater_or_equals(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("greaterOrEquals", args)?.is_ge()))
}

fn less(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("less", args)?.is_lt()))
}

fn less_or_equals(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    Ok(Value::Bool(order("lessOrEquals", args)?.is_le()))
}

// ---------------------------------------------------------------------------------
// Numeric: 64-bit integers; overflow and division by zero are errors.

fn int_pair(name: &str, args: &[Value]) -> Result<(i64, i64), EvalError> {
    arity(name, args, 2, 2)?;
    Ok((int_arg(name, &args[0])?, int_arg(name, &args[1])?))
}

fn checked(name: &str, r: Option<i64>) -> Result<Value, EvalError> {
    r.map(Value::from)
        .ok_or_else(|| EvalError::Invalid(format!("{name}: integer overflow or division by zero")))
}

fn add(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("add", args)?;
    checked("add", a.checked_add(b))
}

fn sub(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("sub", args)?;
    checked("sub", a.checked_sub(b))
}

fn mul(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("mul", args)?;
    checked("mul", a.checked_mul(b))
}

/// div: integer division truncating toward zero, as C#.
fn div(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("div", args)?;
    checked("div", a.checked_div(b))
}

/// mod: remainder with the sign of the dividend, as C# `%`.
fn mod_(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    let (a, b) = int_pair("mod", args)?;
    checked("mod", a.checked_rem(b))
}

/// int: an integer, an integral number, or a string of digits.
fn int(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("int", args, 1, 1)?;
    match &args[0] {
        Value::Number(n) if n.is_i64() => Ok(args[0].clone()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(Value::from(f as i64)),
            _ => invalid(format!("int cannot convert {n}")),
        },
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| EvalError::Invalid(format!("int cannot convert '{s}'"))),
        other => invalid(format!("int cannot convert {}", type_name(other))),
    }
}

/// float: a number or a decimal string (invariant culture).
fn float(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("float", args, 1, 1)?;
    let x = match &args[0] {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    };
    x.and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| EvalError::Invalid(format!("float cannot convert {}", to_text(&args[0]))))
}

// ---------------------------------------------------------------------------------
// Resource ids (template-functions-resource.md)

/// A context object's string property, e.g. `subscription().subscriptionId`; Unknown when
/// the context does not define the function.
fn from_context(
    ctx: &dyn Context,
    func: &str,
    prop: &str,
    needed_by: &str,
) -> Result<String, EvalError> {
    let value = match ctx.call(func, &[]) {
        Some(result) => result?,
        None => {
            return Err(unknown_self(&format!(
                "cannot be known here: {needed_by} needs {func}().{prop}, which this context does not define"
            )));
        }
    };
    match value.as_object().and_then(|m| get_key(m, prop)) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => invalid(format!("{func}() has no string property '{prop}'")),
    }
}

/// `type`, `names` → `providers/{namespace}/{type1}/{name1}/{type2}/{name2}...`.
fn provider_path(name: &str, ty: &str, names: &[&str]) -> Result<String, EvalError> {
    let mut segments = ty.split('/');
    let namespace = segments.next().unwrap_or_default();
    let types: Vec<&str> = segments.collect();
    if namespace.is_empty() || types.is_empty() || types.iter().any(|t| t.is_empty()) {
        return invalid(format!(
            "{name}: '{ty}' is not a fully qualified resource type"
        ));
    }
    if types.len() != names.len() {
        return invalid(format!(
            "{name}: resource type '{ty}' has {} segment(s) but {} name(s) were given",
            types.len(),
            names.len()
        ));
    }
    let mut path = format!("providers/{namespace}");
    for (t, n) in types.iter().zip(names) {
        path.push_str(&format!("/{t}/{n}"));
    }
    Ok(path)
}

fn strings<'v>(name: &str, args: &'v [Value]) -> Result<Vec<&'v str>, EvalError> {
    args.iter().map(|a| str_arg(name, a)).collect()
}

/// Splits `[scope...], type, names...` at the resource type: the first argument with a `/`
/// (names cannot contain one; scopes such as a subscription id or group name do not).
fn split_at_type<'a>(
    name: &str,
    args: &'a [&'a str],
) -> Result<(&'a [&'a str], &'a str, &'a [&'a str]), EvalError> {
    let Some(i) = args.iter().position(|a| a.contains('/')) else {
        return invalid(format!(
            "{name}: no resource type (namespace/type) among the arguments"
        ));
    };
    Ok((&args[..i], args[i], &args[i + 1..]))
}

/// resourceId([subscriptionId], [resourceGroupName], resourceType, names...).
fn resource_id(args: &[Value], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("resourceId", args, 2, usize::MAX)?;
    let all = strings("resourceId", args)?;
    let (scope, ty, names) = split_at_type("resourceId", &all)?;
    let tail = provider_path("resourceId", ty, names)?;
    let (sub, rg) = match scope {
        [] => (
            from_context(ctx, "subscription", "subscriptionId", "resourceId")?,
            from_context(ctx, "resourcegroup", "name", "resourceId")?,
        ),
        [rg] => (
            from_context(ctx, "subscription", "subscriptionId", "resourceId")?,
            rg.to_string(),
        ),
        [sub, rg] => (sub.to_string(), rg.to_string()),
        _ => return invalid("resourceId: too many arguments before the resource type"),
    };
    Ok(Value::String(format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/{tail}"
    )))
}

/// subscriptionResourceId([subscriptionId], resourceType, names...).
fn subscription_resource_id(args: &[Value], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("subscriptionResourceId", args, 2, usize::MAX)?;
    let all = strings("subscriptionResourceId", args)?;
    let (scope, ty, names) = split_at_type("subscriptionResourceId", &all)?;
    let tail = provider_path("subscriptionResourceId", ty, names)?;
    let sub = match scope {
        [] => from_context(
            ctx,
            "subscription",
            "subscriptionId",
            "subscriptionResourceId",
        )?,
        [sub] => sub.to_string(),
        _ => return invalid("subscriptionResourceId: too many arguments before the resource type"),
    };
    Ok(Value::String(format!("/subscriptions/{sub}/{tail}")))
}

/// tenantResourceId(resourceType, names...).
fn tenant_resource_id(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("tenantResourceId", args, 2, usize::MAX)?;
    let all = strings("tenantResourceId", args)?;
    let (scope, ty, names) = split_at_type("tenantResourceId", &all)?;
    if !scope.is_empty() {
        return invalid("tenantResourceId: the first argument must be the resource type");
    }
    Ok(Value::String(format!(
        "/{}",
        provider_path("tenantResourceId", ty, names)?
    )))
}

/// managementGroupResourceId([managementGroupId], resourceType, names...).
fn management_group_resource_id(args: &[Value], ctx: &dyn Context) -> Result<Value, EvalError> {
    const NAME: &str = "managementGroupResourceId";
    arity(NAME, args, 2, usize::MAX)?;
    let all = strings(NAME, args)?;
    let (scope, ty, names) = split_at_type(NAME, &all)?;
    let tail = provider_path(NAME, ty, names)?;
    let group = match scope {
        [] => from_context(ctx, "managementgroup", "name", NAME)?,
        [group] => group.to_string(),
        _ => {
            return invalid(format!(
                "{NAME}: too many arguments before the resource type"
            ));
        }
    };
    Ok(Value::String(format!(
        "/providers/Microsoft.Management/managementGroups/{group}/{tail}"
    )))
}

/// extensionResourceId(resourceId, resourceType, names...): the extension resource's id
/// under the resource it extends.
fn extension_resource_id(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    const NAME: &str = "extensionResourceId";
    arity(NAME, args, 3, usize::MAX)?;
    let all = strings(NAME, args)?;
    let tail = provider_path(NAME, all[1], &all[2..])?;
    Ok(Value::String(format!(
        "{}/{tail}",
        all[0].trim_end_matches('/')
    )))
}

// ---------------------------------------------------------------------------------
// Policy-only functions (definition-structure-policy-rule.md, "Policy functions")

/// ipRangeContains(range, targetRange): does `range` contain all of `targetRange`? Each is
/// a single address, a CIDR block or `start-end`; empty ranges and mixed IP families are
/// evaluation failures.
fn ip_range_contains(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("ipRangeContains", args, 2, 2)?;
    let outer = ip_range(str_arg("ipRangeContains", &args[0])?)?;
    let inner = ip_range(str_arg("ipRangeContains", &args[1])?)?;
    if outer.v6 != inner.v6 {
        return invalid("ipRangeContains cannot compare IPv4 and IPv6 ranges");
    }
    Ok(Value::Bool(
        outer.start <= inner.start && inner.end <= outer.end,
    ))
}

/// An inclusive address range, both ends as 128-bit numbers.
struct IpRange {
    v6: bool,
    start: u128,
    end: u128,
}

fn ip_range(text: &str) -> Result<IpRange, EvalError> {
    let bad = || {
        EvalError::Invalid(format!(
            "'{text}' is not an IP address, CIDR range or start-end range"
        ))
    };
    let text = text.trim();
    if let Some((addr, bits)) = text.split_once('/') {
        let (v6, base) = ip_number(addr).ok_or_else(bad)?;
        let width = if v6 { 128 } else { 32 };
        let bits: u32 = bits
            .trim()
            .parse()
            .ok()
            .filter(|b| *b <= width)
            .ok_or_else(bad)?;
        let host = if bits == width {
            0
        } else {
            u128::MAX >> (128 - (width - bits))
        };
        return Ok(IpRange {
            v6,
            start: base & !host,
            end: base | host,
        });
    }
    if let Some((a, b)) = text.split_once('-') {
        let (v6, start) = ip_number(a).ok_or_else(bad)?;
        let (v6_end, end) = ip_number(b).ok_or_else(bad)?;
        if v6 != v6_end {
            return invalid(format!("'{text}' mixes IPv4 and IPv6"));
        }
        if start > end {
            return invalid(format!("'{text}' is an empty range"));
        }
        return Ok(IpRange { v6, start, end });
    }
    let (v6, n) = ip_number(text).ok_or_else(bad)?;
    Ok(IpRange {
        v6,
        start: n,
        end: n,
    })
}

fn ip_number(text: &str) -> Option<(bool, u128)> {
    match text.trim().parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => Some((false, u128::from(u32::from(a)))),
        std::net::IpAddr::V6(a) => Some((true, u128::from(a))),
    }
}

// ---------------------------------------------------------------------------------
// CIDR functions (template-functions-cidr.md)

/// A CIDR block: family, network address (host bits cleared) and prefix length.
struct Cidr {
    v6: bool,
    network: u128,
    prefix: u32,
}

impl Cidr {
    fn width(&self) -> u32 {
        if self.v6 { 128 } else { 32 }
    }

    /// The mask of the host bits.
    fn host_mask(&self) -> u128 {
        let host_bits = self.width() - self.prefix;
        if host_bits == 0 {
            0
        } else {
            u128::MAX >> (128 - host_bits)
        }
    }

    fn last(&self) -> u128 {
        self.network | self.host_mask()
    }

    fn address(&self, n: u128) -> String {
        if self.v6 {
            std::net::Ipv6Addr::from(n).to_string()
        } else {
            std::net::Ipv4Addr::from(n as u32).to_string()
        }
    }
}

fn cidr_arg(name: &str, v: &Value) -> Result<Cidr, EvalError> {
    let text = str_arg(name, v)?;
    let bad = || EvalError::Invalid(format!("{name}: '{text}' is not in CIDR notation"));
    let (addr, bits) = text.split_once('/').ok_or_else(bad)?;
    let (v6, n) = ip_number(addr).ok_or_else(bad)?;
    let width = if v6 { 128 } else { 32 };
    let prefix = bits.parse().ok().filter(|b| *b <= width).ok_or_else(bad)?;
    let mut cidr = Cidr {
        v6,
        network: n,
        prefix,
    };
    cidr.network &= !cidr.host_mask();
    Ok(cidr)
}

/// parseCidr(network): network, netmask, broadcast (IPv4 only), first and last usable
/// addresses and the prefix length. For IPv4 the network and broadcast addresses are not
/// usable; /31 and /32 blocks, where that rule cannot hold, are not evaluated.
fn parse_cidr(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("parseCidr", args, 1, 1)?;
    let c = cidr_arg("parseCidr", &args[0])?;
    let mut out = Map::new();
    out.insert("network".into(), Value::String(c.address(c.network)));
    let netmask = !c.host_mask() & (u128::MAX >> (128 - c.width()));
    out.insert("netmask".into(), Value::String(c.address(netmask)));
    if c.v6 {
        out.insert("firstUsable".into(), Value::String(c.address(c.network)));
        out.insert("lastUsable".into(), Value::String(c.address(c.last())));
    } else {
        if c.prefix > 30 {
            return Err(unknown_self(
                "is not evaluated statically: usable addresses of a /31 or /32 block",
            ));
        }
        out.insert("broadcast".into(), Value::String(c.address(c.last())));
        out.insert(
            "firstUsable".into(),
            Value::String(c.address(c.network + 1)),
        );
        out.insert("lastUsable".into(), Value::String(c.address(c.last() - 1)));
    }
    out.insert("cidr".into(), Value::from(c.prefix));
    Ok(Value::Object(out))
}

/// cidrSubnet(network, newCIDR, subnetIndex): the `subnetIndex`-th block of size
/// `newCIDR` inside `network`.
fn cidr_subnet(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("cidrSubnet", args, 3, 3)?;
    let c = cidr_arg("cidrSubnet", &args[0])?;
    let new_prefix = int_arg("cidrSubnet", &args[1])?;
    let index = int_arg("cidrSubnet", &args[2])?;
    let new_prefix = u32::try_from(new_prefix)
        .ok()
        .filter(|p| (c.prefix..=c.width()).contains(p))
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "cidrSubnet: the new CIDR {new_prefix} must be between {} and {}",
                c.prefix,
                c.width()
            ))
        })?;
    let split_bits = new_prefix - c.prefix;
    let index = u128::try_from(index)
        .ok()
        .filter(|i| split_bits >= 128 || *i < (1u128 << split_bits))
        .ok_or_else(|| {
            EvalError::Invalid(format!(
                "cidrSubnet: subnet index {index} is out of range for {split_bits} subnet bits"
            ))
        })?;
    let shift = c.width() - new_prefix;
    let start = c.network + if shift >= 128 { 0 } else { index << shift };
    Ok(Value::String(format!("{}/{new_prefix}", c.address(start))))
}

/// cidrHost(network, hostIndex): the `hostIndex`-th usable address (index 0 is the address
/// after the network address).
fn cidr_host(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("cidrHost", args, 2, 2)?;
    let c = cidr_arg("cidrHost", &args[0])?;
    let index = int_arg("cidrHost", &args[1])?;
    // IPv4 keeps the broadcast address out of reach; IPv6 has none.
    let last_usable = if c.v6 {
        c.last()
    } else {
        c.last().saturating_sub(1)
    };
    let host = u128::try_from(index)
        .ok()
        .and_then(|i| c.network.checked_add(1)?.checked_add(i))
        .filter(|h| *h <= last_usable)
        .ok_or_else(|| {
            EvalError::Invalid(format!("cidrHost: host index {index} is out of range"))
        })?;
    Ok(Value::String(c.address(host)))
}

// ---------------------------------------------------------------------------------
// Dates (template-functions-date.md): only the epoch conversions, whose output format is
// fixed. dateTimeAdd, utcNow and addDays format with .NET patterns and stay unevaluated.

/// Seconds between 0001-01-01 and 1970-01-01, and from 1970-01-01 to the end of 9999:
/// .NET's DateTime range.
const EPOCH_MIN: i64 = -62_135_596_800;
const EPOCH_MAX: i64 = 253_402_300_799;

/// dateTimeFromEpoch(seconds) → `yyyy-MM-ddTHH:mm:ssZ`.
fn date_time_from_epoch(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dateTimeFromEpoch", args, 1, 1)?;
    let secs = int_arg("dateTimeFromEpoch", &args[0])?;
    if !(EPOCH_MIN..=EPOCH_MAX).contains(&secs) {
        return invalid(format!(
            "dateTimeFromEpoch: {secs} is outside the years 1 to 9999"
        ));
    }
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    Ok(Value::String(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )))
}

/// dateTimeToEpoch(dateTime): whole seconds since 1970-01-01T00:00:00Z. Reads ISO 8601
/// `yyyy-MM-dd[Thh:mm[:ss[.fff]]][Z|±hh:mm]`; other forms .NET might accept are not
/// evaluated.
fn date_time_to_epoch(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dateTimeToEpoch", args, 1, 1)?;
    let text = str_arg("dateTimeToEpoch", &args[0])?;
    iso_seconds(text).map(Value::from).ok_or_else(|| {
        unknown_self(&format!(
            "is not evaluated statically: '{text}' is not an ISO 8601 date-time acrpc reads"
        ))
    })
}

fn iso_seconds(text: &str) -> Option<i64> {
    let (date, rest) = text.split_at_checked(10)?;
    let (y, m, d) = match date.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            (digits(y)?, digits(m)?, digits(d)?)
        }
        _ => return None,
    };
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let (time, offset) = split_zone(rest.strip_prefix(['T', ' ']).unwrap_or(rest))?;
    let (h, min, s) = if time.is_empty() {
        (0, 0, 0)
    } else {
        clock(time)?
    };
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + s - offset)
}

/// `hh:mm[:ss[.fff]]` (fractions dropped: epochs are whole seconds).
fn clock(time: &str) -> Option<(i64, i64, i64)> {
    let whole = time.split_once('.').map_or(time, |(w, _)| w);
    let (h, m, s) = match whole.split(':').collect::<Vec<_>>()[..] {
        [h, m] => (digits(h)?, digits(m)?, 0),
        [h, m, s] => (digits(h)?, digits(m)?, digits(s)?),
        _ => return None,
    };
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

/// A run of ASCII digits as a number.
fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Splits `hh:mm:ss` from its zone: `Z`, `±hh:mm`, or none (taken as UTC, as ARM runs in
/// UTC); returns the offset in seconds.
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(t) = time.strip_suffix(['Z', 'z']) {
        return Some((t, 0));
    }
    match time.rfind(['+', '-']) {
        Some(i) => {
            let (t, zone) = time.split_at(i);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone[1..].split_once(':')?;
            let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 14 && m < 60).then_some((t, sign * (h * 3600 + m * 60)))
        }
        None => Some((time, 0)),
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`] (H. Hinnant's algorithm): the
/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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
