//! The member clauses an `include` adds to what the rule gives: `reference`
//! (the `policyDefinitionReferenceId`), `version` (`definitionVersion`) and
//! built-in members (`include builtin "<GUID>"`), whose definitions are not
//! in the pack.

use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::emit::BUILTIN_PREFIX;
use crate::ir::{self, Operand};
use crate::syntax::ast::{self, Expr, IncludeTarget};

/// The member a `builtin` include adds. Its parameters are bound as written:
/// acrpc does not know the built-in's parameters, so it cannot check names,
/// types or allowed effects (W1216 says so once per member).
pub fn builtin_member(
    inc: &ast::Include,
    guid: &str,
    span: Span,
    params: &[ir::Param],
    used: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Member> {
    let guid = checked_guid(guid, span, diags)?;
    let mut parameters = Vec::new();
    for b in &inc.bindings {
        let value = match &b.value {
            Expr::Param(name, _) => {
                let Some(p) = params.iter().find(|p| p.name == name.name) else {
                    diags.push(unknown_param(name, params));
                    continue;
                };
                if !used.contains(&p.name) {
                    used.push(p.name.clone());
                }
                Operand::Expr(format!("parameters({})", super::cond::quote(&p.name)))
            }
            other => match super::cond::literal_json(other) {
                Some(v) => Operand::Literal(v),
                None => {
                    diags.push(not_a_value(other.span()));
                    continue;
                }
            },
        };
        parameters.push((b.name.name.clone(), value));
    }
    if let Some(first) = inc.bindings.first() {
        let names: Vec<&str> = inc.bindings.iter().map(|b| b.name.name.as_str()).collect();
        diags.push(
            Diagnostic::new(
                Code::W1216,
                first.name.span,
                format!(
                    "the parameters of built-in {guid} are not checked: {}",
                    names.join(", ")
                ),
            )
            .with_label("names, types and allowed values unknown to acrpc")
            .with_help("Azure rejects the initiative if the built-in has no such parameter or the value does not fit it; compare with the built-in's definition"),
        );
    }
    let version = inc
        .version
        .as_ref()
        .and_then(|(v, sp)| checked_version(v, *sp, diags));
    Some(ir::Member {
        reference_id: inc
            .reference
            .as_ref()
            .map_or_else(|| guid.clone(), |r| r.0.clone()),
        definition_id: format!("{BUILTIN_PREFIX}{guid}"),
        definition_name: guid,
        definition_version: version,
        builtin: true,
        parameters,
        groups: Vec::new(),
    })
}

/// E0107: `param.<name>` names no parameter of the initiative.
pub fn unknown_param(name: &ast::Ident, params: &[ir::Param]) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::E0107,
        name.span,
        format!("initiative has no parameter `{}`", name.name),
    )
    .with_label("not declared");
    if let Some(s) = did_you_mean(&name.name, params.iter().map(|p| p.name.as_str())) {
        d = d.with_suggestion(format!("use `{s}`"), s);
    }
    d
}

/// E0114: a member parameter bound to an expression.
pub fn not_a_value(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0114,
        span,
        "a member parameter is bound to a value or `param.<name>`",
    )
    .with_label("expressions are not allowed here")
}

/// A built-in's name: a GUID (`8-4-4-4-12` hexadecimal digits). A full
/// definition id is answered with its GUID as the suggestion.
fn checked_guid(text: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<String> {
    if is_guid(text) {
        return Some(text.to_string());
    }
    let mut d = Diagnostic::new(
        Code::E1211,
        span,
        format!("{text:?} is not the GUID of a built-in definition"),
    )
    .with_label("expected 8-4-4-4-12 hexadecimal digits")
    .with_help("built-in definitions are named by a GUID, e.g. `include builtin \"0fdf0491-d080-4575-b627-ad0e843cba0f\"`");
    let tail = text.rsplit('/').next().unwrap_or_default();
    if tail != text && is_guid(tail) {
        d = d.with_suggestion("use the GUID", format!("\"{tail}\""));
    }
    diags.push(d);
    None
}

pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `definitionVersion`: `MAJOR.MINOR.PATCH` where minor and patch may be `*`
/// (Azure's version references, e.g. `1.*.*`).
fn checked_version(text: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let parts: Vec<&str> = text.split('.').collect();
    let number = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    let ok = parts.len() == 3
        && parts.first().is_some_and(|p| number(p))
        && parts.iter().skip(1).all(|p| *p == "*" || number(p));
    if ok {
        return Some(text.to_string());
    }
    diags.push(
        Diagnostic::new(
            Code::E1215,
            span,
            format!("{text:?} is not a definition version"),
        )
        .with_label("expected MAJOR.MINOR.PATCH, minor and patch may be `*`")
        .with_help("e.g. `version \"1.*.*\"` (the latest 1.x) or `version \"2.0.0\"`"),
    );
    None
}

/// The reference id a rule member gets: its `reference`, else the rule id.
pub fn rule_member_reference(inc: &ast::Include, rule_id: &str) -> String {
    match (&inc.reference, &inc.target) {
        (Some((r, _)), IncludeTarget::Rule(_)) => r.clone(),
        _ => rule_id.to_string(),
    }
}

/// E1213, E1214, E1217: `reference` names one member (not `include
/// practice`/`include all`) and is not empty; `version` is a built-in's (a
/// rule's version is its own).
pub fn check_member_clauses(inc: &ast::Include, diags: &mut Vec<Diagnostic>) {
    if let Some((_, span)) = &inc.reference
        && matches!(
            inc.target,
            IncludeTarget::Practice(_) | IncludeTarget::All(_)
        )
    {
        diags.push(
            Diagnostic::new(
                Code::E1213,
                *span,
                "`reference` names one member; this include adds several",
            )
            .with_label("one reference id for several members")
            .with_help("include the rule on its own: `include <rule> { reference \"…\" }`"),
        );
    }
    if let Some((_, span)) = &inc.version
        && !matches!(inc.target, IncludeTarget::Builtin(..))
    {
        diags.push(
            Diagnostic::new(
                Code::E1214,
                *span,
                "`version` is for built-in members; a rule of the pack is referenced at its own version",
            )
            .with_label("not a built-in member")
            .with_help("the member's definitionVersion is `<major>.*.*` of the rule's `version`"),
        );
    }
    if let Some((r, span)) = &inc.reference
        && r.trim().is_empty()
    {
        diags.push(
            Diagnostic::new(Code::E1217, *span, "a member reference id is empty")
                .with_label("empty")
                .with_help("give a name, e.g. `reference \"ContainerRegistryPublicAccess\"`"),
        );
    }
}

/// E1212: reference ids must be unique within a set definition (exemptions
/// and overrides name members by them; Azure rejects duplicates).
pub fn check_unique_references(
    members: &[ir::Member],
    spans: &[Span],
    diags: &mut Vec<Diagnostic>,
) {
    for (k, m) in members.iter().enumerate() {
        let first = members
            .iter()
            .take(k)
            .position(|x| x.reference_id.eq_ignore_ascii_case(&m.reference_id));
        if let Some(f) = first {
            let at = spans.get(k).copied().unwrap_or_default();
            let mut d = Diagnostic::new(
                Code::E1212,
                at,
                format!("two members have the reference id `{}`", m.reference_id),
            )
            .with_label("duplicate reference id")
            .with_help("give one of them another `reference \"…\"`");
            if let Some(s) = spans.get(f) {
                d = d.with_related(*s, "first used here");
            }
            diags.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_8_4_4_4_12_hex_digits() {
        assert!(is_guid("a3701552-92ea-433e-9d17-33b7f1208fc9"));
        assert!(is_guid("A3701552-92EA-433E-9D17-33B7F1208FC9"));
        assert!(!is_guid("a3701552-92ea-433e-9d17-33b7f1208fc"));
        assert!(!is_guid("g3701552-92ea-433e-9d17-33b7f1208fc9"));
        assert!(!is_guid("a370155292ea433e9d1733b7f1208fc9"));
        assert!(!is_guid(""));
    }
}
