//! Encodings: base64 (`base64`, `base64ToString`, `base64ToJson`), data URIs and URIs
//! (`uri`, `uriComponent`, `uriComponentToString`), template-functions-string.md.

use super::collections::json;
use super::{arg, arity, invalid, str_arg};
use crate::expr::{Context, EvalError};
use serde_json::Value;

pub(super) fn base64(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("base64", args, 1, 1)?;
    Ok(Value::String(b64_encode(
        str_arg("base64", arg(args, 0))?.as_bytes(),
    )))
}

pub(super) fn base64_to_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("base64ToString", args, 1, 1)?;
    let bytes = b64_decode(str_arg("base64ToString", arg(args, 0))?)?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

pub(super) fn base64_to_json(args: &[Value], ctx: &dyn Context) -> Result<Value, EvalError> {
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
                let digit = B64.get((n >> (18 - 6 * i) & 63) as usize);
                out.push(char::from(digit.copied().unwrap_or(b'=')));
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

pub(super) fn data_uri(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dataUri", args, 1, 1)?;
    let text = str_arg("dataUri", arg(args, 0))?;
    Ok(Value::String(format!(
        "data:text/plain;charset=utf8;base64,{}",
        b64_encode(text.as_bytes())
    )))
}

pub(super) fn data_uri_to_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("dataUriToString", args, 1, 1)?;
    let text = str_arg("dataUriToString", arg(args, 0))?;
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

/// uri(base, relative): RFC 3986 reference resolution (section 5.2), as .NET's
/// `new Uri(baseUri, relativeUri)` does it: an absolute reference wins, `//host` keeps
/// the scheme, `/path` replaces the path, `?query` and `#fragment` keep the path, and
/// anything else replaces the base's last segment; `.` and `..` segments are removed.
pub(super) fn uri(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uri", args, 2, 2)?;
    let base = str_arg("uri", arg(args, 0))?;
    let rel = str_arg("uri", arg(args, 1))?;
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
pub(super) fn uri_component(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uriComponent", args, 1, 1)?;
    let text = str_arg("uriComponent", arg(args, 0))?;
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

pub(super) fn uri_component_to_string(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("uriComponentToString", args, 1, 1)?;
    let bytes = percent_decode(str_arg("uriComponentToString", arg(args, 0))?)?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

fn percent_decode(text: &str) -> Result<Vec<u8>, EvalError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return invalid(format!("'{text}' has an invalid percent escape"));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    Ok(out)
}
