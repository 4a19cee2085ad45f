//! Initiatives: members, parameter bindings, groups.

use super::meta::MetaTable;
use super::rule::{PackCtx, lower_param};
use super::{check_id, stable_name};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::ir::{self, Effect, Operand};
use crate::syntax::ast::{self, Expr, IncludeTarget, InitiativeClause};
use serde_json::Value;

pub fn lower_initiative(
    i: &ast::Initiative,
    ctx: &PackCtx,
    defs: &[ir::Definition],
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Initiative> {
    check_id(&i.id, "initiative", diags);
    let metas = i.clauses.iter().filter_map(|c| match c {
        InitiativeClause::Meta(m) => Some(m),
        _ => None,
    });
    let t = MetaTable::new(
        metas,
        &["title", "description", "version", "category", "name"],
        "initiative",
        i.id.span,
        diags,
    );
    let title = t
        .required_string("title", "\"…\"", diags)
        .map(|x| x.0)
        .unwrap_or_default();
    let (metadata_version, version) = t.version(diags);

    let mut params: Vec<ir::Param> = Vec::new();
    let mut param_spans: Vec<Span> = Vec::new();
    let mut groups: Vec<ir::Group> = Vec::new();
    let mut group_spans: Vec<Span> = Vec::new();
    for c in &i.clauses {
        match c {
            InitiativeClause::Param(p) => {
                if let Some(&first) = params
                    .iter()
                    .position(|x| x.name == p.name.name)
                    .and_then(|k| param_spans.get(k))
                {
                    diags.push(
                        Diagnostic::new(
                            Code::E0108,
                            p.name.span,
                            format!("parameter `{}` is declared twice", p.name.name),
                        )
                        .with_label("second declaration")
                        .with_related(first, "first declared here"),
                    );
                } else if let Some(param) = lower_param(p, true, diags) {
                    params.push(param);
                    param_spans.push(p.name.span);
                }
            }
            InitiativeClause::Group(g) => {
                if let Some(&first) = groups
                    .iter()
                    .position(|x| x.name == g.name.name)
                    .and_then(|k| group_spans.get(k))
                {
                    diags.push(
                        Diagnostic::new(
                            Code::E0110,
                            g.name.span,
                            format!("group `{}` is declared twice", g.name.name),
                        )
                        .with_label("second declaration")
                        .with_related(first, "first declared here"),
                    );
                    continue;
                }
                let gt = MetaTable::new(
                    &g.meta,
                    &["description", "category"],
                    "group",
                    g.span,
                    diags,
                );
                groups.push(ir::Group {
                    name: g.name.name.clone(),
                    display_name: g.display_name.0.clone(),
                    description: gt.string("description", diags).map(|x| x.0),
                    category: gt.string("category", diags).map(|x| x.0),
                });
                group_spans.push(g.name.span);
            }
            _ => {}
        }
    }

    let mut used_params: Vec<String> = Vec::new();
    let mut members: Vec<ir::Member> = Vec::new();
    let mut member_spans: Vec<Span> = Vec::new();
    for c in &i.clauses {
        let InitiativeClause::Include(inc) = c else {
            continue;
        };
        super::member::check_member_clauses(inc, diags);
        if let IncludeTarget::Builtin(guid, span) = &inc.target {
            let m =
                super::member::builtin_member(inc, guid, *span, &params, &mut used_params, diags);
            if let Some(mut m) = m {
                m.groups = member_groups(inc, None, &groups, diags);
                members.push(m);
                member_spans.push(inc.span);
            }
            continue;
        }
        for def_idx in expand(inc, ctx, defs, diags) {
            let Some(d) = defs.get(def_idx) else {
                continue;
            };
            if members.iter().any(|m| m.definition_id == d.id) {
                diags.push(
                    Diagnostic::new(
                        Code::W0009,
                        inc.span,
                        format!("`{}` is already a member of this initiative", d.id),
                    )
                    .with_label("included again")
                    .with_help(
                        "each definition is a member once; this include adds nothing for it",
                    ),
                );
                continue;
            }
            let parameters = bind(inc, d, &params, &mut used_params, diags);
            let member_groups = member_groups(inc, Some(d), &groups, diags);
            let major = d.version.split('.').next().unwrap_or("1");
            members.push(ir::Member {
                reference_id: super::member::rule_member_reference(inc, &d.id),
                definition_id: d.id.clone(),
                definition_name: d.name.clone(),
                definition_version: Some(format!("{major}.*.*")),
                builtin: false,
                parameters,
                groups: member_groups,
            });
            member_spans.push(inc.span);
        }
    }
    super::member::check_unique_references(&members, &member_spans, diags);
    for (p, span) in params.iter().zip(&param_spans) {
        if !used_params.contains(&p.name) {
            diags.push(
                Diagnostic::new(
                    Code::W0007,
                    *span,
                    format!("initiative parameter `{}` is never bound", p.name),
                )
                .with_label("unused")
                .with_help("bind it in an include: `include <rule> { effect = param.<name> }`"),
            );
        }
    }

    let ini = ir::Initiative {
        id: i.id.name.clone(),
        name: t.string("name", diags).map_or_else(
            || stable_name(ctx.pack_id, "initiative", &i.id.name),
            |x| x.0,
        ),
        display_name: title,
        description: t.string("description", diags).map(|x| x.0),
        category: t
            .string("category", diags)
            .map_or_else(|| ctx.category.to_string(), |x| x.0),
        metadata_version,
        version,
        params,
        groups,
        members,
    };
    super::limits::check_initiative(&ini, i.id.span, diags);
    Some(ini)
}

/// The definitions an include names, in pack order.
fn expand(
    inc: &ast::Include,
    ctx: &PackCtx,
    defs: &[ir::Definition],
    diags: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    match &inc.target {
        IncludeTarget::Rule(id) => match defs.iter().position(|d| d.id == id.name) {
            Some(i) => vec![i],
            None if ctx.broken_rules.contains(&id.name.as_str()) => Vec::new(),
            None => {
                let mut d =
                    Diagnostic::new(Code::E0106, id.span, format!("no rule named `{}`", id.name))
                        .with_label("unknown rule");
                if let Some(s) = did_you_mean(&id.name, defs.iter().map(|d| d.id.as_str())) {
                    d = d
                        .with_help(format!("did you mean `{s}`?"))
                        .with_suggestion(format!("use `{s}`"), s);
                }
                diags.push(d);
                Vec::new()
            }
        },
        IncludeTarget::Practice(p) => {
            if !ctx.practices.iter().any(|x| x == &p.name) {
                let mut d = Diagnostic::new(
                    Code::E0111,
                    p.span,
                    format!("unknown practice `{}`", p.name),
                )
                .with_label("not a practice of this pack");
                if let Some(s) = did_you_mean(&p.name, ctx.practices.iter().map(String::as_str)) {
                    d = d.with_suggestion(format!("use `{s}`"), s);
                }
                diags.push(d);
                return Vec::new();
            }
            defs.iter()
                .enumerate()
                .filter(|(_, d)| d.practice == p.name && d.origin == ir::Origin::Rule)
                .map(|(i, _)| i)
                .collect()
        }
        // Handled by `member::builtin_member`.
        IncludeTarget::Builtin(..) => Vec::new(),
        IncludeTarget::All(_) => defs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.origin == ir::Origin::Rule)
            .map(|(i, _)| i)
            .collect(),
    }
}

fn bind(
    inc: &ast::Include,
    d: &ir::Definition,
    params: &[ir::Param],
    used: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, Operand)> {
    let mut out = Vec::new();
    for b in &inc.bindings {
        let member_param = b.name.name.as_str();
        let is_effect = member_param == "effect";
        if !is_effect && !d.params.iter().any(|p| p.name == member_param) {
            let names: Vec<&str> = std::iter::once("effect")
                .chain(d.params.iter().map(|p| p.name.as_str()))
                .collect();
            let mut diag = Diagnostic::new(
                Code::E0305,
                b.name.span,
                format!("`{}` has no parameter `{member_param}`", d.id),
            )
            .with_label("not a parameter of the member")
            .with_help(format!("its parameters: {}", names.join(", ")));
            if let Some(s) = did_you_mean(member_param, names.iter().copied()) {
                diag = diag.with_suggestion(format!("use `{s}`"), s);
            }
            diags.push(diag);
            continue;
        }
        let value = match &b.value {
            Expr::Param(name, span) => match params.iter().find(|p| p.name == name.name) {
                Some(p) => {
                    if !used.contains(&p.name) {
                        used.push(p.name.clone());
                    }
                    if is_effect {
                        check_effect_param(p, d, *span, diags);
                    }
                    Operand::Expr(format!("parameters({})", super::cond::quote(&p.name)))
                }
                None => {
                    diags.push(super::member::unknown_param(name, params));
                    continue;
                }
            },
            Expr::Path(p) if is_effect && p.segments.len() == 1 => {
                // `effect = deny`: a fixed effect for this member.
                let word = p.to_text();
                match Effect::parse(&word) {
                    Some(e) if d.effects.contains(&e) => {
                        Operand::Literal(Value::String(e.as_azure_str().into()))
                    }
                    Some(e) => {
                        diags.push(effect_mismatch(&[e], d, p.span));
                        continue;
                    }
                    None => {
                        diags.push(
                            Diagnostic::new(
                                Code::E0212,
                                p.span,
                                format!("unknown effect `{word}`"),
                            )
                            .with_label("not an Azure Policy effect"),
                        );
                        continue;
                    }
                }
            }
            other => match super::cond::literal_json(other) {
                Some(v) => v_to_operand(v, is_effect, d, other.span(), diags),
                None => {
                    diags.push(super::member::not_a_value(other.span()));
                    continue;
                }
            },
        };
        out.push((member_param.to_string(), value));
    }
    out
}

fn v_to_operand(
    v: Value,
    is_effect: bool,
    d: &ir::Definition,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Operand {
    if is_effect
        && let Value::String(s) = &v
        && let Some(e) = Effect::parse(s)
        && !d.effects.contains(&e)
    {
        diags.push(effect_mismatch(&[e], d, span));
    }
    Operand::Literal(v)
}

fn check_effect_param(p: &ir::Param, d: &ir::Definition, span: Span, diags: &mut Vec<Diagnostic>) {
    let offered: Vec<Effect> = p
        .allowed
        .iter()
        .flatten()
        .filter_map(|v| v.as_str().and_then(Effect::parse))
        .collect();
    let missing: Vec<Effect> = offered
        .into_iter()
        .filter(|e| !d.effects.contains(e))
        .collect();
    if !missing.is_empty() {
        diags.push(effect_mismatch(&missing, d, span));
    }
}

fn effect_mismatch(missing: &[Effect], d: &ir::Definition, span: Span) -> Diagnostic {
    let m: Vec<&str> = missing.iter().map(|e| e.as_azure_str()).collect();
    let has: Vec<&str> = d.effects.iter().map(|e| e.as_azure_str()).collect();
    Diagnostic::new(
        Code::E0306,
        span,
        format!("`{}` does not allow effect {}", d.id, m.join(", ")),
    )
    .with_label("Azure would reject an assignment choosing it")
    .with_help(format!(
        "`{}` allows: {}; bind a parameter whose allowed effects are a subset",
        d.id,
        has.join(", ")
    ))
}

fn member_groups(
    inc: &ast::Include,
    d: Option<&ir::Definition>,
    groups: &[ir::Group],
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    match &inc.groups {
        Some(list) => list
            .iter()
            .filter_map(|g| {
                if groups.iter().any(|x| x.name == g.name) {
                    Some(g.name.clone())
                } else {
                    let mut diag = Diagnostic::new(
                        Code::E0109,
                        g.span,
                        format!("no group named `{}`", g.name),
                    )
                    .with_label("not declared in this initiative")
                    .with_help(format!("declare it: `group {} \"Display name\"`", g.name));
                    if let Some(s) = did_you_mean(&g.name, groups.iter().map(|x| x.name.as_str())) {
                        diag = diag.with_suggestion(format!("use `{s}`"), s);
                    }
                    diags.push(diag);
                    None
                }
            })
            .collect(),
        // Members join the group named after their practice, if declared
        // (a built-in has none).
        None => groups
            .iter()
            .filter(|g| d.is_some_and(|d| g.name == d.practice))
            .map(|g| g.name.clone())
            .collect(),
    }
}
