//! One rule → one policy definition (plus a modify companion for `fix`).

use super::cond::{Env, FieldInfo, Lowerer, ParamInfo, role_id};
use super::meta::MetaTable;
use super::{Templates, check_id, stable_name};
use crate::catalog::{Kind, catalog};
use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::ir::{self, Condition, Effect, FieldRef, Mode, Op, Operand, ParamType};
use crate::ir::{all_of, negate};
use crate::syntax::ast::{self, Expr, Literal, RuleClause};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub struct PackCtx<'a> {
    pub pack_id: &'a str,
    pub category: &'a str,
    pub practices: &'a [String],
    pub templates: &'a dyn Templates,
    /// Ids of rules that did not parse: an include naming one is not a
    /// second error.
    pub broken_rules: &'a [&'a str],
}

/// A requirement on `name` or `kind` must decide compliance, but Azure
/// evaluates `field: name`/`field: kind` conditions as applicability gates
/// (policy-applicability): a resource that meets the requirement would be
/// "not applicable" instead of compliant. Written as a value condition on
/// `[field('name')]` it is an ordinary condition. (`when` keeps the gate.)
fn not_a_gate(c: Condition) -> Condition {
    match c {
        Condition::AllOf(v) => Condition::AllOf(v.into_iter().map(not_a_gate).collect()),
        Condition::AnyOf(v) => Condition::AnyOf(v.into_iter().map(not_a_gate).collect()),
        Condition::Not(inner) => Condition::Not(Box::new(not_a_gate(*inner))),
        Condition::Field { field, op, value }
            if op != Op::Exists
                && ["name", "kind"]
                    .iter()
                    .any(|g| field.field.eq_ignore_ascii_case(g)) =>
        {
            Condition::Value {
                value: Operand::Expr(format!("field('{}')", field.field)),
                op,
                rhs: value,
            }
        }
        other => other,
    }
}

/// The clauses of a rule, sorted by kind.
#[derive(Default)]
struct Clauses<'a> {
    meta: Vec<&'a ast::Meta>,
    params: Vec<&'a ast::Param>,
    effect: Option<&'a ast::EffectClause>,
    lets: Vec<&'a ast::Let>,
    when: Vec<&'a ast::Cond>,
    /// The one `require`, `require related` or `forbid`, with its span.
    condition: Option<(RuleCondition<'a>, Span)>,
    fix: Option<&'a ast::Fix>,
    deploy: Option<&'a ast::Deploy>,
}

#[derive(Clone, Copy)]
enum RuleCondition<'a> {
    Require(&'a ast::Cond),
    Related(&'a ast::Related),
    Forbid(&'a ast::Cond),
}

impl<'a> Clauses<'a> {
    fn require(&self) -> Option<&'a ast::Cond> {
        match self.condition {
            Some((RuleCondition::Require(c), _)) => Some(c),
            _ => None,
        }
    }

    fn forbid(&self) -> Option<&'a ast::Cond> {
        match self.condition {
            Some((RuleCondition::Forbid(c), _)) => Some(c),
            _ => None,
        }
    }

    fn related(&self) -> Option<&'a ast::Related> {
        match self.condition {
            Some((RuleCondition::Related(r), _)) => Some(r),
            _ => None,
        }
    }
}

/// Keeps the first of a clause a rule may have once; reports the others.
fn keep_first<T>(
    slot: &mut Option<T>,
    value: T,
    span: Span,
    prev_span: impl Fn(&T) -> Span,
    report: impl Fn(Span, Span) -> Diagnostic,
    diags: &mut Vec<Diagnostic>,
) {
    match slot {
        Some(prev) => diags.push(report(span, prev_span(prev))),
        None => *slot = Some(value),
    }
}

fn sort_clauses<'a>(r: &'a ast::Rule, diags: &mut Vec<Diagnostic>) -> Clauses<'a> {
    let mut c = Clauses::default();
    for clause in &r.clauses {
        let condition = match clause {
            RuleClause::Meta(m) => {
                c.meta.push(m);
                None
            }
            RuleClause::Param(p) => {
                c.params.push(p);
                None
            }
            RuleClause::Let(l) => {
                c.lets.push(l);
                None
            }
            RuleClause::When(cond, _) => {
                c.when.push(cond);
                None
            }
            RuleClause::Effect(e) => {
                let dup = |s, p| twice("effect", s, p);
                keep_first(&mut c.effect, e, e.span, |p| p.span, dup, diags);
                None
            }
            RuleClause::Fix(f) => {
                keep_first(
                    &mut c.fix,
                    f,
                    f.span,
                    |p| p.span,
                    |s, p| twice("fix", s, p),
                    diags,
                );
                None
            }
            RuleClause::Deploy(d) => {
                let dup = |s, p| twice("deploy", s, p);
                keep_first(&mut c.deploy, d, d.span, |p| p.span, dup, diags);
                None
            }
            RuleClause::Require(cond, span) => Some((RuleCondition::Require(cond), *span)),
            RuleClause::RequireRelated(rel, span) => Some((RuleCondition::Related(rel), *span)),
            RuleClause::Forbid(cond, span) => Some((RuleCondition::Forbid(cond), *span)),
        };
        if let Some(cond @ (_, span)) = condition {
            keep_first(&mut c.condition, cond, span, |p| p.1, conflict, diags);
        }
    }
    c
}

fn twice(what: &str, span: Span, prev: Span) -> Diagnostic {
    Diagnostic::new(Code::E0102, span, format!("`{what}` is given twice"))
        .with_label("second clause")
        .with_related(prev, "first given here")
        .with_help(format!(
            "a rule has at most one `{what}` clause; combine them"
        ))
}

fn conflict(span: Span, prev: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0302,
        span,
        "a rule has one `require` or `forbid` condition",
    )
    .with_label("second condition")
    .with_related(prev, "the rule's condition is here")
    .with_help("combine the conditions with `and` / `or`")
}

pub fn lower_rule(
    r: &ast::Rule,
    ctx: &PackCtx,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ir::Definition> {
    check_id(&r.id, "rule", diags);
    let c = sort_clauses(r, diags);
    let keys = crate::syntax::keywords::meta_keys(crate::syntax::keywords::Block::Rule);
    let t = MetaTable::new(c.meta.iter().copied(), &keys, "rule", r.id.span, diags);

    let title = t.required_string("title", "\"…\"", diags).map(|x| x.0);
    let practice = practice(&t, ctx, diags);
    let severity = severity(&t, diags);
    let controls = t.strings("controls", diags);
    let (metadata_version, version) = t.version(diags);
    let kind = target_kind(&t, diags);
    let params = lower_params(&c.params, diags);
    let (effects, default_effect) = effects(&c, diags);
    let Some(kind) = kind else {
        return Vec::new();
    };
    let mode = mode(&t, kind, diags);
    let body = lower_body(r, &c, kind, &params, ctx, diags);
    check_effects(r, &c, &effects, diags);

    let title = title.unwrap_or_default();
    let name = t
        .string("name", diags)
        .map_or_else(|| stable_name(ctx.pack_id, "rule", &r.id.name), |x| x.0);
    let category = t
        .string("category", diags)
        .map_or_else(|| ctx.category.to_string(), |x| x.0);
    let description = t.string("description", diags).map(|x| x.0);
    let message = t
        .string("message", diags)
        .map_or_else(|| title.clone(), |x| x.0);
    let remediation = t.string("remediation", diags).map(|x| x.0);
    let preview = t
        .boolean("preview", diags)
        .unwrap_or(metadata_version.contains("preview"));
    let deprecated = t
        .boolean("deprecated", diags)
        .unwrap_or(metadata_version.contains("deprecated"));
    let details = details(body.existence, body.modify.as_ref(), &effects, &t, diags);

    let base = ir::Definition {
        id: r.id.name.clone(),
        name,
        origin: ir::Origin::Rule,
        display_name: title,
        description,
        category,
        practice: practice.unwrap_or_default(),
        severity: severity.unwrap_or(ir::Severity::Medium),
        controls,
        metadata_version,
        version,
        preview,
        deprecated,
        mode,
        resource_type: kind.resource_type.to_string(),
        kind: kind.name.to_string(),
        effects,
        default_effect,
        params,
        condition: body.condition,
        details,
        message,
        remediation,
    };
    let companion = modify_companion(&base, body.modify, &t, ctx, diags);
    let mut out = vec![base];
    out.extend(companion);
    out
}

/// A rule's lowered conditions, existence check and fix.
struct Body {
    condition: Condition,
    existence: Option<ir::ExistenceDetails>,
    modify: Option<ir::ModifyDetails>,
}

/// Lowers the rule's conditions, `require related` and `fix` with one [`Lowerer`], then
/// runs the checks that need to know what the lowering used: Azure's count limits,
/// unused parameters and `let`s, a `deploy` with nothing to deploy for.
fn lower_body(
    r: &ast::Rule,
    c: &Clauses,
    kind: &'static Kind,
    params: &[ir::Param],
    ctx: &PackCtx,
    diags: &mut Vec<Diagnostic>,
) -> Body {
    let mut param_env: BTreeMap<String, ParamInfo> = params
        .iter()
        .map(|p| (p.name.clone(), ParamInfo { ty: Some(p.ty) }))
        .collect();
    // A parameter whose type was not understood (E0309) is still declared: reading it
    // is not a second error, and it is not "never used".
    for p in c
        .params
        .iter()
        .filter(|p| !p.name.name.eq_ignore_ascii_case("effect"))
    {
        param_env
            .entry(p.name.name.clone())
            .or_insert(ParamInfo { ty: None });
    }
    let (lets, let_spans) = let_bindings(&c.lets, diags);
    let env = Env {
        kind,
        params: &param_env,
        lets: &lets,
    };
    let mut lw = Lowerer::new(env, diags);
    let condition = rule_condition(c, kind, &mut lw);
    let existence = c
        .related()
        .map(|rel| lower_related(rel, c.deploy, ctx, &mut lw));
    let modify = c.fix.map(|f| lower_fix(f, &mut lw));
    let used_params = std::mem::take(&mut lw.used_params);
    let used_lets = std::mem::take(&mut lw.used_lets);
    let field_counts = std::mem::take(&mut lw.field_counts);
    let value_counts = lw.value_counts;
    drop(lw);
    super::limits::check_counts(&field_counts, value_counts, r.id.span, diags);
    // A parameter of an unknown type already has its error (E0309).
    let typed: BTreeSet<&str> = params.iter().map(|p| p.name.as_str()).collect();
    report_unused(c, &typed, &used_params, &used_lets, &let_spans, diags);
    if let Some(d) = c.deploy.filter(|_| c.related().is_none()) {
        diags.push(
            Diagnostic::new(Code::E0303, d.span, "`deploy` needs `require related …`")
                .with_label("nothing to deploy for")
                .with_help("deployIfNotExists deploys when a related resource is missing; state it with `require related \"<type>\" where …`"),
        );
    }
    Body {
        condition,
        existence,
        modify,
    }
}

/// The rule's `let` bindings by name (the first of a name wins; E0113 for the others),
/// and the span of each kept binding.
fn let_bindings<'a>(
    lets: &[&'a ast::Let],
    diags: &mut Vec<Diagnostic>,
) -> (BTreeMap<String, &'a Expr>, BTreeMap<String, Span>) {
    let mut values: BTreeMap<String, &Expr> = BTreeMap::new();
    let mut spans: BTreeMap<String, Span> = BTreeMap::new();
    for l in lets {
        if let Some(prev) = spans.get(&l.name.name) {
            diags.push(
                Diagnostic::new(
                    Code::E0113,
                    l.name.span,
                    format!("`let {}` is bound twice", l.name.name),
                )
                .with_label("second binding")
                .with_related(*prev, "first bound here"),
            );
            continue;
        }
        values.insert(l.name.name.clone(), &l.value);
        spans.insert(l.name.name.clone(), l.name.span);
    }
    (values, spans)
}

/// The definition's `if`: the type gate, then the `when` conditions, then the negated
/// `require` or the `forbid`.
fn rule_condition(c: &Clauses, kind: &Kind, lw: &mut Lowerer) -> Condition {
    let type_gate = Condition::Field {
        field: FieldRef {
            field: "type".into(),
            arm_path: Some("type".into()),
        },
        op: Op::Equals,
        value: Operand::Literal(json!(kind.resource_type)),
    };
    let mut parts = Vec::new();
    for w in &c.when {
        parts.push(lw.cond(w));
    }
    if let Some(req) = c.require() {
        let lowered = lw.cond(req);
        parts.push(negate(not_a_gate(lowered), None));
    }
    if let Some(forbid) = c.forbid() {
        parts.push(not_a_gate(lw.cond(forbid)));
    }
    // The type gate stays even when the rest folds to a constant: without
    // it Azure would apply the definition to every resource type
    // (policy-applicability: only type/name/kind decide applicability).
    match all_of(parts) {
        Condition::AllOf(mut rest) => {
            rest.insert(0, type_gate);
            Condition::AllOf(rest)
        }
        rest if rest == all_of(Vec::new()) => type_gate,
        rest => Condition::AllOf(vec![type_gate, rest]),
    }
}

/// W0007 for parameters (of a known type) and W0008 for `let` bindings the rule never
/// reads.
fn report_unused(
    c: &Clauses,
    typed: &BTreeSet<&str>,
    used_params: &BTreeSet<String>,
    used_lets: &BTreeSet<String>,
    let_spans: &BTreeMap<String, Span>,
    diags: &mut Vec<Diagnostic>,
) {
    for p in &c.params {
        if typed.contains(p.name.name.as_str()) && !used_params.contains(&p.name.name) {
            diags.push(
                Diagnostic::new(Code::W0007, p.name.span, format!("parameter `{}` is never used", p.name.name))
                    .with_label("unused")
                    .with_help("use it as `param.<name>` or remove it; assignments would have to set it for nothing"),
            );
        }
    }
    for l in &c.lets {
        if !used_lets.contains(&l.name.name) && let_spans.get(&l.name.name) == Some(&l.name.span) {
            diags.push(
                Diagnostic::new(
                    Code::W0008,
                    l.name.span,
                    format!("`let {}` is never used", l.name.name),
                )
                .with_label("unused binding"),
            );
        }
    }
}

/// The definition's `details`: the existence check, the manual attestation's default
/// state, or the fix when the rule's own effects include `modify`.
fn details(
    existence: Option<ir::ExistenceDetails>,
    modify: Option<&ir::ModifyDetails>,
    effects: &[Effect],
    t: &MetaTable,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Details> {
    if let Some(ex) = existence {
        Some(ir::Details::Existence(ex))
    } else if effects.contains(&Effect::Manual) {
        Some(ir::Details::Manual {
            default_state: default_state(t, diags),
        })
    } else if effects.contains(&Effect::Modify) {
        modify.cloned().map(ir::Details::Modify)
    } else {
        None
    }
}

/// A rule with a `fix` whose effects do not include `modify` gets a second definition,
/// `<id>-modify`, that applies the fix.
fn modify_companion(
    base: &ir::Definition,
    modify: Option<ir::ModifyDetails>,
    t: &MetaTable,
    ctx: &PackCtx,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Definition> {
    let m = modify.filter(|_| !base.effects.contains(&Effect::Modify))?;
    let id = format!("{}-modify", base.id);
    let display = t
        .string("fix-title", diags)
        .map_or_else(|| format!("{} (remediate)", base.display_name), |x| x.0);
    Some(ir::Definition {
        id: id.clone(),
        name: stable_name(ctx.pack_id, "rule", &id),
        origin: ir::Origin::ModifyCompanion {
            of: base.id.clone(),
        },
        display_name: display,
        effects: vec![Effect::Modify, Effect::Disabled],
        default_effect: Effect::Modify,
        details: Some(ir::Details::Modify(m)),
        ..base.clone()
    })
}

fn practice(t: &MetaTable, ctx: &PackCtx, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let (p, span) = t.required_word("practice", "network", diags)?;
    if ctx.practices.iter().any(|x| x == &p) {
        return Some(p);
    }
    let mut d = Diagnostic::new(Code::E0111, span, format!("unknown practice `{p}`"))
        .with_label("not a practice of this pack")
        .with_help(format!(
            "practices: {}; a pack may add its own with `practices [\"…\"]`",
            ctx.practices.join(", ")
        ));
    if let Some(s) = did_you_mean(&p, ctx.practices.iter().map(String::as_str)) {
        d = d.with_suggestion(format!("use `{s}`"), s);
    }
    diags.push(d);
    None
}

fn severity(t: &MetaTable, diags: &mut Vec<Diagnostic>) -> Option<ir::Severity> {
    let (s, span) = t.required_word("severity", "high", diags)?;
    let sev = ir::Severity::parse(&s);
    if sev.is_none() {
        let all = ["low", "medium", "high", "critical"];
        let mut d = Diagnostic::new(Code::E0114, span, format!("unknown severity `{s}`"))
            .with_label("expected low, medium, high or critical");
        if let Some(x) = did_you_mean(&s, all) {
            d = d.with_suggestion(format!("use `{x}`"), x);
        }
        diags.push(d);
    }
    sev
}

fn target_kind(t: &MetaTable, diags: &mut Vec<Diagnostic>) -> Option<&'static Kind> {
    let (name, span) = t.required_word("target", "registry", diags)?;
    let cat = catalog();
    if let Some(k) = cat.kind(&name) {
        return Some(k);
    }
    // An ARM type is accepted too: `target "Microsoft.ContainerRegistry/registries"`.
    if let Some(k) = cat.kind_by_type(&name) {
        return Some(k);
    }
    let mut d = Diagnostic::new(Code::E0201, span, format!("unknown resource kind `{name}`"))
        .with_label("not in the catalog");
    if let Some(s) = did_you_mean(&name, cat.kinds.iter().map(|k| k.name)) {
        d = d
            .with_help(format!("did you mean `{s}`?"))
            .with_suggestion(format!("use `{s}`"), s);
    } else {
        let names: Vec<&str> = cat.kinds.iter().map(|k| k.name).collect();
        d = d.with_help(format!("known kinds: {}", names.join(", ")));
    }
    diags.push(d);
    None
}

fn mode(t: &MetaTable, kind: &Kind, diags: &mut Vec<Diagnostic>) -> Mode {
    let default = if kind.taggable {
        Mode::Indexed
    } else {
        Mode::All
    };
    let Some((m, span)) = t.word("mode", diags) else {
        return default;
    };
    let mode = if m.eq_ignore_ascii_case("all") {
        Mode::All
    } else if m.eq_ignore_ascii_case("indexed") {
        Mode::Indexed
    } else {
        diags.push(
            Diagnostic::new(Code::E0114, span, format!("unknown mode `{m}`"))
                .with_label("expected `all` or `indexed`")
                .with_help(
                    "resource provider modes (Microsoft.Kubernetes.Data, …) do not apply to ACR",
                ),
        );
        return default;
    };
    if mode == Mode::Indexed && !kind.taggable {
        diags.push(
            Diagnostic::new(
                Code::W0005,
                span,
                format!("mode Indexed does not evaluate `{}` ({})", kind.name, kind.resource_type),
            )
            .with_label("this kind has no tags and location")
            .with_help("Azure evaluates only types that support tags and location in Indexed mode; use `mode all`"),
        );
    }
    mode
}

fn default_state(t: &MetaTable, diags: &mut Vec<Diagnostic>) -> String {
    let Some((s, span)) = t.word("default-state", diags) else {
        return "Unknown".into();
    };
    match s.to_ascii_lowercase().as_str() {
        "unknown" => "Unknown".into(),
        "compliant" => "Compliant".into(),
        "noncompliant" | "non-compliant" => "NonCompliant".into(),
        _ => {
            diags.push(
                Diagnostic::new(Code::E0114, span, format!("unknown default state `{s}`"))
                    .with_label("expected unknown, compliant or noncompliant"),
            );
            "Unknown".into()
        }
    }
}

fn effects(c: &Clauses, diags: &mut Vec<Diagnostic>) -> (Vec<Effect>, Effect) {
    let Some(e) = c.effect else {
        // The conventional effect set of each rule shape, as the built-ins use.
        return if c.related().is_some() && c.deploy.is_some() {
            (
                vec![
                    Effect::DeployIfNotExists,
                    Effect::AuditIfNotExists,
                    Effect::Disabled,
                ],
                Effect::DeployIfNotExists,
            )
        } else if c.related().is_some() {
            (
                vec![Effect::AuditIfNotExists, Effect::Disabled],
                Effect::AuditIfNotExists,
            )
        } else {
            (
                vec![Effect::Audit, Effect::Deny, Effect::Disabled],
                Effect::Audit,
            )
        };
    };
    let mut allowed = Vec::new();
    for name in &e.allowed {
        match Effect::parse(&name.name) {
            Some(eff) if allowed.contains(&eff) => diags.push(
                Diagnostic::new(
                    Code::E0102,
                    name.span,
                    format!("effect `{}` is listed twice", name.name),
                )
                .with_label("duplicate"),
            ),
            Some(eff) => allowed.push(eff),
            None => diags.push(unknown_effect(name)),
        }
    }
    let default = match &e.default {
        Some(d) => match Effect::parse(&d.name) {
            Some(eff) if allowed.contains(&eff) => eff,
            Some(_) => {
                diags.push(
                    Diagnostic::new(
                        Code::E0213,
                        d.span,
                        format!(
                            "default effect `{}` is not among the allowed effects",
                            d.name
                        ),
                    )
                    .with_label("not allowed")
                    .with_help("add it to the list or choose one of the listed effects"),
                );
                allowed.first().copied().unwrap_or(Effect::Audit)
            }
            None => {
                diags.push(unknown_effect(d));
                allowed.first().copied().unwrap_or(Effect::Audit)
            }
        },
        None => allowed.first().copied().unwrap_or(Effect::Audit),
    };
    (allowed, default)
}

fn unknown_effect(name: &ast::Ident) -> Diagnostic {
    let names: Vec<&str> = Effect::ALL.iter().map(|e| e.as_azure_str()).collect();
    let mut d = Diagnostic::new(
        Code::E0212,
        name.span,
        format!("unknown effect `{}`", name.name),
    )
    .with_label("not an Azure Policy effect");
    if let Some(s) = did_you_mean(&name.name, names.iter().copied()) {
        let lower = lower_first(s);
        d = d
            .with_help(format!("did you mean `{lower}`?"))
            .with_suggestion(format!("use `{lower}`"), lower);
    } else {
        d = d.with_help(format!("effects: {}", names.join(", ")));
    }
    d
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Checks that the allowed effects fit the rule's clauses (E0303/E0301).
fn check_effects(r: &ast::Rule, c: &Clauses, effects: &[Effect], diags: &mut Vec<Diagnostic>) {
    let span = c.effect.map_or(r.id.span, |e| e.span);
    let has_condition = c.require().is_some() || c.forbid().is_some();
    let mismatch = |msg: String, help: &str| {
        Diagnostic::new(Code::E0303, span, msg)
            .with_label("these effects")
            .with_help(help.to_string())
    };
    let is_existence =
        |e: &Effect| matches!(e, Effect::AuditIfNotExists | Effect::DeployIfNotExists);
    // Append needs `details` (the fields to add) and denyAction `actionNames`;
    // the language cannot state either yet, and Azure rejects a definition
    // without them, so refuse rather than emit one.
    if let Some(bad) = effects
        .iter()
        .find(|e| matches!(e, Effect::Append | Effect::DenyAction))
    {
        diags.push(mismatch(
            format!("effect {} is not supported yet", bad.as_azure_str()),
            "use audit or deny to report the condition, or modify (with `fix`) to change it",
        ));
    }
    if effects.contains(&Effect::Manual) {
        if has_condition || c.related().is_some() {
            diags.push(mismatch(
                "a manual rule has no condition to evaluate".into(),
                "manual rules report an attested state; remove `require`/`forbid`, or use audit/deny",
            ));
        }
        return;
    }
    if c.related().is_some() {
        if let Some(bad) = effects
            .iter()
            .find(|e| !is_existence(e) && **e != Effect::Disabled)
        {
            diags.push(mismatch(
                format!("`require related` cannot use effect {}", bad.as_azure_str()),
                "related-resource rules use auditIfNotExists or deployIfNotExists (and disabled)",
            ));
        }
        if effects.contains(&Effect::DeployIfNotExists) && c.deploy.is_none() {
            diags.push(mismatch(
                "deployIfNotExists needs a `deploy` template".into(),
                "add `deploy \"templates/x.json\" roles [\"…\"] { … }`, or use auditIfNotExists",
            ));
        }
        return;
    }
    if let Some(bad) = effects.iter().find(|e| is_existence(e)) {
        diags.push(mismatch(
            format!(
                "{} needs `require related \"<type>\" …`",
                bad.as_azure_str()
            ),
            "existence effects check for a related resource; state which one",
        ));
    }
    if effects.contains(&Effect::Modify) && c.fix.is_none() {
        diags.push(mismatch(
            "effect modify needs a `fix` clause".into(),
            "say what to write: `fix <path> = <value>`",
        ));
    }
    if !has_condition {
        diags.push(
            Diagnostic::new(Code::E0301, r.id.span, format!("rule `{}` has no condition", r.id.name))
                .with_label("what does a compliant resource look like?")
                .with_help("add `require <condition>`; to flag every resource of the kind write `forbid true`; for what Azure cannot see use `effect manual`"),
        );
    }
}

fn lower_params(params: &[&ast::Param], diags: &mut Vec<Diagnostic>) -> Vec<ir::Param> {
    let mut out: Vec<ir::Param> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    for p in params {
        if p.name.name.eq_ignore_ascii_case("effect") {
            diags.push(
                Diagnostic::new(
                    Code::E0108,
                    p.name.span,
                    "the `effect` parameter is declared by the `effect` clause",
                )
                .with_label("reserved")
                .with_help("write `effect audit | deny | disabled = audit` instead"),
            );
            continue;
        }
        if let Some(&first) = out
            .iter()
            .position(|o| o.name == p.name.name)
            .and_then(|i| spans.get(i))
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
            continue;
        }
        if let Some(param) = lower_param(p, false, diags) {
            out.push(param);
            spans.push(p.name.span);
        }
    }
    out
}

/// The policy parameter type meant by a name other languages use for it (`list` →
/// `array`); Azure Policy's types are string, array, object, boolean, integer, float and
/// dateTime (definition-structure-parameters).
fn param_type_synonym(name: &str) -> Option<&'static str> {
    Some(match name {
        "list" | "arr" | "sequence" | "set" => "array",
        "str" | "text" => "string",
        "dict" | "map" | "hash" | "record" | "obj" | "json" => "object",
        "number" | "num" | "long" => "integer",
        "double" | "decimal" | "real" => "float",
        "date" | "time" | "timestamp" => "datetime",
        _ => return None,
    })
}

/// Lowers a parameter declaration; `allow_effect` admits type `effect`
/// (initiatives).
pub fn lower_param(
    p: &ast::Param,
    allow_effect: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Param> {
    let ty_name = p.ty.name.to_ascii_lowercase();
    let (ty, is_effect) = match ty_name.as_str() {
        "string" => (ParamType::String, false),
        "array" => (ParamType::Array, false),
        "object" => (ParamType::Object, false),
        "boolean" | "bool" => (ParamType::Boolean, false),
        "integer" | "int" => (ParamType::Integer, false),
        "float" => (ParamType::Float, false),
        "datetime" => (ParamType::DateTime, false),
        "effect" if allow_effect => (ParamType::String, true),
        _ => {
            let mut names = vec![
                "string", "array", "object", "boolean", "integer", "float", "datetime",
            ];
            if allow_effect {
                names.push("effect");
            }
            let mut d = Diagnostic::new(
                Code::E0309,
                p.ty.span,
                format!("unknown parameter type `{}`", p.ty.name),
            )
            .with_label("not a policy parameter type")
            .with_help(format!("types: {}", names.join(", ")));
            if let Some(s) = param_type_synonym(&ty_name)
                .or_else(|| did_you_mean(&p.ty.name, names.iter().copied()))
            {
                d = d
                    .with_help(format!("did you mean `{s}`? types: {}", names.join(", ")))
                    .with_suggestion(format!("use `{s}`"), s);
            }
            diags.push(d);
            return None;
        }
    };
    let t = MetaTable::new(
        &p.meta,
        &["title", "description", "deprecated"],
        "parameter",
        p.span,
        diags,
    );
    let allowed = p.allowed.as_ref().and_then(|a| match a {
        Literal::Array(items, _) => Some(
            items
                .iter()
                .filter_map(|i| param_value(i, ty, is_effect, diags))
                .collect::<Vec<_>>(),
        ),
        other => {
            diags.push(
                Diagnostic::new(
                    Code::E0304,
                    other.span(),
                    "`allowed` takes a list of values",
                )
                .with_label(format!("found {}", other.shape())),
            );
            None
        }
    });
    let default = p.default.as_ref().and_then(|d| {
        let v = param_value(d, ty, is_effect, diags)?;
        if let Some(allowed) = &allowed
            && !allowed.iter().any(|a| json_eq_ci(a, &v))
        {
            diags.push(
                Diagnostic::new(
                    Code::E0304,
                    d.span(),
                    "the default is not among the allowed values",
                )
                .with_label("not allowed")
                .with_help(
                    "Azure rejects a definition whose defaultValue is outside allowedValues",
                ),
            );
        }
        Some(v)
    });
    if is_effect && allowed.is_none() {
        diags.push(
            Diagnostic::new(
                Code::E0304,
                p.span,
                "an `effect` parameter needs `allowed [...]`",
            )
            .with_label("which effects may be chosen?")
            .with_help("e.g. `param effect: effect = audit allowed [audit, deny, disabled]`"),
        );
    }
    Some(ir::Param {
        name: p.name.name.clone(),
        ty,
        display_name: t.string("title", diags).map(|x| x.0),
        description: t.string("description", diags).map(|x| x.0),
        strong_type: p.strong_type.as_ref().map(|s| s.0.clone()),
        assign_permissions: p.assign_permissions,
        allowed,
        default,
        is_effect,
    })
}

pub(super) fn json_eq_ci(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// A literal as a parameter value of type `ty`, or E0304.
pub(super) fn param_value(
    l: &Literal,
    ty: ParamType,
    is_effect: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Value> {
    let v = match (l, ty) {
        (Literal::Word(w, span), ParamType::String) if is_effect => match Effect::parse(w) {
            Some(e) => Value::String(e.as_azure_str().into()),
            None => {
                diags.push(unknown_effect(&ast::Ident {
                    name: w.clone(),
                    span: *span,
                }));
                return None;
            }
        },
        (Literal::Str(s, _), ParamType::String | ParamType::DateTime) => Value::String(s.clone()),
        (Literal::Bool(b, _), ParamType::Boolean) => Value::Bool(*b),
        (Literal::Num(n, text, _), ParamType::Integer) if n.fract() == 0.0 => {
            super::cond::number_json(*n, text)
        }
        (Literal::Num(n, text, _), ParamType::Float) => super::cond::number_json(*n, text),
        (Literal::Array(items, _), ParamType::Array) => {
            Value::Array(items.iter().filter_map(literal_value).collect())
        }
        (Literal::Null(_), ParamType::Object) => Value::Null,
        _ => {
            diags.push(
                Diagnostic::new(
                    Code::E0304,
                    l.span(),
                    format!(
                        "{} parameter cannot take {}",
                        with_article(ty.as_azure_str()),
                        l.shape()
                    ),
                )
                .with_label(format!(
                    "expected {} value",
                    with_article(&ty.as_azure_str().to_ascii_lowercase())
                )),
            );
            return None;
        }
    };
    Some(v)
}

/// `a String`, `an Integer`.
fn with_article(word: &str) -> String {
    let vowel = word.starts_with(|c: char| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

fn literal_value(l: &Literal) -> Option<Value> {
    Some(match l {
        Literal::Str(s, _) | Literal::Word(s, _) => Value::String(s.clone()),
        Literal::Num(n, text, _) => super::cond::number_json(*n, text),
        Literal::Bool(b, _) => Value::Bool(*b),
        Literal::Null(_) => Value::Null,
        Literal::Array(items, _) => Value::Array(items.iter().filter_map(literal_value).collect()),
    })
}

/// Role names (a list of strings) → role definition ids.
fn role_ids(roles: &Literal, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let items: Vec<&Literal> = match roles {
        Literal::Array(items, _) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|l| match l {
            Literal::Str(s, span) | Literal::Word(s, span) => role_id(s, *span, diags),
            other => {
                diags.push(
                    Diagnostic::new(Code::E0114, other.span(), "roles are given by name")
                        .with_label("expected a role name in quotes"),
                );
                None
            }
        })
        .map(|id| format!("/providers/Microsoft.Authorization/roleDefinitions/{id}"))
        .collect()
}

/// A `tags` field: `tags`, `tags['x']`, `tags.x`, `tags[x]`.
fn is_tag_field(field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    lower == "tags" || lower.starts_with("tags[") || lower.starts_with("tags.")
}

/// The role a `fix` without `roles` gets, from the catalog's built-in roles: Tag
/// Contributor when it writes only tags (least privilege: that role manages tags without
/// access to the resource), Contributor otherwise (it can write registry properties; the
/// built-in ACR modify policies use it, e.g. ACR_AdminAccountDisabled_Modify).
fn default_fix_role(operations: &[ir::ModifyOperation]) -> Option<String> {
    let only_tags =
        !operations.is_empty() && operations.iter().all(|o| is_tag_field(&o.field.field));
    let name = if only_tags {
        "Tag Contributor"
    } else {
        "Contributor"
    };
    catalog().role(name).map(|r| {
        format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{}",
            r.id
        )
    })
}

fn lower_fix(f: &ast::Fix, lw: &mut Lowerer) -> ir::ModifyDetails {
    let mut operations = Vec::new();
    for a in &f.assignments {
        let Some(target) = lw.fix_target(&a.path) else {
            continue;
        };
        check_fix_target(&target, a, lw.diags);
        let Some((value, _)) = lw.operand(&a.value) else {
            continue;
        };
        operations.push(ir::ModifyOperation {
            field: target.field,
            value,
        });
    }
    let role_definition_ids = match &f.roles {
        Some(r) => role_ids(r, lw.diags),
        None => default_fix_role(&operations).into_iter().collect(),
    };
    ir::ModifyDetails {
        role_definition_ids,
        conflict_effect: "audit".into(),
        operations,
    }
}

fn check_fix_target(target: &FieldInfo, a: &ast::Assignment, diags: &mut Vec<Diagnostic>) {
    if target.read_only {
        diags.push(
            Diagnostic::new(
                Code::E0210,
                a.path.span,
                format!("`{}` is read-only", target.dsl_path),
            )
            .with_label("set by the service")
            .with_help("modify can only write properties a template can set"),
        );
    }
    let lit_type = match &a.value {
        Expr::Str(..) => Some(crate::catalog::PropType::String),
        Expr::Bool(..) => Some(crate::catalog::PropType::Boolean),
        Expr::Num(..) => Some(crate::catalog::PropType::Number),
        _ => None,
    };
    if let Some(lt) = lit_type {
        let ok = match (target.ty, lt) {
            (crate::catalog::PropType::Any, _) => true,
            (crate::catalog::PropType::Integer, crate::catalog::PropType::Number) => true,
            (a, b) => a == b,
        };
        if !ok {
            diags.push(
                Diagnostic::new(
                    Code::E0204,
                    a.value.span(),
                    format!(
                        "`{}` is {}, but `fix` writes {}",
                        target.dsl_path,
                        super::article(target.ty.as_str()),
                        super::article(lt.as_str())
                    ),
                )
                .with_label(format!("expected {}", super::article(target.ty.as_str()))),
            );
        } else if let Expr::Str(s, span) = &a.value
            && !target.enum_values.is_empty()
            && !target.enum_values.iter().any(|e| e.eq_ignore_ascii_case(s))
            && target.enum_closed
        {
            diags.push(
                Diagnostic::new(
                    Code::E0203,
                    *span,
                    format!("\"{s}\" is not a value of `{}`", target.dsl_path),
                )
                .with_label("not allowed")
                .with_help(format!("values: {}", target.enum_values.join(", "))),
            );
        }
    }
}

fn lower_related(
    rel: &ast::Related,
    deploy: Option<&ast::Deploy>,
    ctx: &PackCtx,
    lw: &mut Lowerer,
) -> ir::ExistenceDetails {
    let cat = catalog();
    let (kind, resource_type) = match &rel.target {
        ast::RelatedTarget::ResourceType(t, span) => match cat.kind_by_type(t) {
            Some(k) => (Some(k), t.clone()),
            None => {
                let mut d = Diagnostic::new(
                    Code::E0211,
                    *span,
                    format!("related type \"{t}\" is not in the catalog"),
                )
                .with_label("unknown resource type");
                if let Some(s) = did_you_mean(t, cat.kinds.iter().map(|k| k.resource_type)) {
                    d = d.with_suggestion(format!("use \"{s}\""), format!("\"{s}\""));
                }
                lw.diags.push(d);
                (None, t.clone())
            }
        },
        ast::RelatedTarget::Kind(id) => match cat.kind(&id.name) {
            Some(k) => (Some(k), k.resource_type.to_string()),
            None => {
                let mut d = Diagnostic::new(
                    Code::E0211,
                    id.span,
                    format!("unknown related kind `{}`", id.name),
                )
                .with_label("not in the catalog");
                if let Some(s) = did_you_mean(&id.name, cat.kinds.iter().map(|k| k.name)) {
                    d = d.with_suggestion(format!("use `{s}`"), s);
                }
                lw.diags.push(d);
                (None, id.name.clone())
            }
        },
    };
    let name = rel.named.as_ref().and_then(|n| lw.operand(n).map(|x| x.0));
    let existence_scope = rel.scope.as_ref().and_then(|s| scope_name(s, lw.diags));
    let evaluation_delay = rel
        .after
        .as_ref()
        .and_then(|(a, span)| evaluation_delay(a, *span, lw.diags));
    let existence_condition = match (&rel.condition, kind) {
        (Some(c), Some(k)) => Some(lw.with_kind(k, |l| l.cond(c))),
        _ => None,
    };
    let (role_definition_ids, deployment) = match deploy {
        Some(d) => {
            let roles = d
                .roles
                .as_ref()
                .map(|r| role_ids(r, lw.diags))
                .unwrap_or_default();
            if d.roles.is_none() {
                lw.diags.push(
                    Diagnostic::new(Code::E0308, d.span, "a deploy needs the roles its managed identity is granted")
                        .with_label("no `roles`")
                        .with_help("add `roles [\"Contributor\"]` (or a narrower role that can create the resource)"),
                );
            }
            (roles, lower_deploy(d, ctx, lw))
        }
        None => (Vec::new(), None),
    };
    ir::ExistenceDetails {
        resource_type,
        name,
        existence_scope,
        evaluation_delay,
        existence_condition,
        role_definition_ids,
        deployment,
    }
}

fn scope_name(s: &ast::Ident, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match s.name.to_ascii_lowercase().as_str() {
        "subscription" => Some("subscription".into()),
        "resourcegroup" | "resource-group" => Some("resourceGroup".into()),
        _ => {
            diags.push(
                Diagnostic::new(Code::E0114, s.span, format!("unknown scope `{}`", s.name))
                    .with_label("expected `subscription` or `resourceGroup`"),
            );
            None
        }
    }
}

/// `after provisioning` → `AfterProvisioning`; strings must be one of Azure's
/// documented values or an ISO 8601 duration of at most 360 minutes
/// (effect-audit-if-not-exists doc, `evaluationDelay`).
fn evaluation_delay(a: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let known = [
        "AfterProvisioning",
        "AfterProvisioningSuccess",
        "AfterProvisioningFailure",
    ];
    if a.eq_ignore_ascii_case("provisioning") {
        return Some("AfterProvisioning".into());
    }
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(a)) {
        return Some((*k).to_string());
    }
    let minutes = a
        .strip_prefix("PT")
        .and_then(|m| m.strip_suffix('M'))
        .and_then(|m| m.parse::<u32>().ok());
    match minutes {
        Some(m) if m <= 360 => Some(a.to_string()),
        _ => {
            diags.push(
                Diagnostic::new(Code::E0114, span, format!("`{a}` is not an evaluation delay"))
                    .with_label("expected provisioning or a duration like \"PT10M\"")
                    .with_help("allowed: AfterProvisioning, AfterProvisioningSuccess, AfterProvisioningFailure, or PT0M…PT360M"),
            );
            None
        }
    }
}

/// Why a deploy path could leave the pack's folder: an absolute path (or a
/// drive or UNC prefix on Windows), or a `..` component. Both separators
/// count, so a pack behaves the same on every system.
fn escapes_pack_folder(path: &str) -> Option<&'static str> {
    let absolute = path.starts_with(['/', '\\'])
        || path.as_bytes().get(1) == Some(&b':')
        || std::path::Path::new(path).is_absolute();
    if absolute {
        return Some("is an absolute path");
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return Some("goes up with `..`");
    }
    if path.is_empty() {
        return Some("is empty");
    }
    None
}

fn lower_deploy(d: &ast::Deploy, ctx: &PackCtx, lw: &mut Lowerer) -> Option<ir::Deployment> {
    let (path, pspan) = &d.template;
    if let Some(why) = escapes_pack_folder(path) {
        lw.diags.push(
            Diagnostic::new(
                Code::E0032,
                *pspan,
                format!("deploy template \"{path}\" {why}"),
            )
            .with_label("outside the pack's folder")
            .with_help("put the template in the pack's folder (or below it) and give a relative path like \"templates/x.json\""),
        );
        return None;
    }
    let text = match ctx.templates.load(path) {
        Ok(t) => t,
        Err(e) => {
            lw.diags.push(
                Diagnostic::new(
                    Code::E0307,
                    *pspan,
                    format!("cannot read deploy template \"{path}\": {e}"),
                )
                .with_label("template not readable")
                .with_help("template paths are relative to the .acrp file"),
            );
            return None;
        }
    };
    let template: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            lw.diags.push(
                Diagnostic::new(
                    Code::E0307,
                    *pspan,
                    format!("deploy template \"{path}\" is not valid JSON: {e}"),
                )
                .with_label("invalid JSON"),
            );
            return None;
        }
    };
    if template.get("resources").is_none() {
        lw.diags.push(
            Diagnostic::new(
                Code::E0307,
                *pspan,
                format!("\"{path}\" is not an ARM template (no `resources`)"),
            )
            .with_label("not an ARM template")
            .with_help(
                "a deploy template has `$schema`, `contentVersion`, `parameters` and `resources`",
            ),
        );
        return None;
    };
    let declared: BTreeMap<String, bool> = template
        .get("parameters")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.get("defaultValue").is_some()))
                .collect()
        })
        .unwrap_or_default();
    let mut parameters = Vec::new();
    for b in &d.bindings {
        if !declared
            .keys()
            .any(|k| k.eq_ignore_ascii_case(&b.name.name))
        {
            let mut diag = Diagnostic::new(
                Code::E0308,
                b.name.span,
                format!("template \"{path}\" has no parameter `{}`", b.name.name),
            )
            .with_label("not a template parameter");
            if let Some(s) = did_you_mean(&b.name.name, declared.keys().map(String::as_str)) {
                diag = diag.with_suggestion(format!("use `{s}`"), s);
            }
            lw.diags.push(diag);
            continue;
        }
        if let Some((v, _)) = lw.operand(&b.value) {
            parameters.push((b.name.name.clone(), v));
        }
    }
    for (name, has_default) in &declared {
        if !has_default
            && !d
                .bindings
                .iter()
                .any(|b| b.name.name.eq_ignore_ascii_case(name))
        {
            lw.diags.push(
                Diagnostic::new(
                    Code::E0308,
                    d.span,
                    format!("template parameter `{name}` has no default and is not bound"),
                )
                .with_label("missing binding")
                .with_help(format!("bind it in the deploy block: `{{ {name} = … }}`")),
            );
        }
    }
    Some(ir::Deployment {
        scope: d.scope.as_ref().and_then(|s| scope_name(s, lw.diags)),
        location: d.location.as_ref().map(|l| l.0.clone()),
        template,
        parameters,
    })
}
