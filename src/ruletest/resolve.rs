//! `test` items → runnable [`Case`]s, with a coded diagnostic for every
//! test that names something the pack or the catalog does not have.
#![allow(clippy::indexing_slicing)] // not yet worked down: 7 sites

use super::{Case, Expectation, Member, Want};
use crate::catalog::{Kind, catalog};
use crate::diag::{Code, Diagnostic, SourceFile, Span, did_you_mean};
use crate::eval::{Rule, Verdict};
use crate::inputs::{self, Resource};
use crate::ir;
use crate::syntax::ast::{self, Segment, TestClause, TestValue};
use serde_json::{Map, Value};

/// Reads the files a test names (`input "…"`), relative to the test's file.
pub trait Files {
    fn read(&self, path: &str) -> Result<String, String>;
}

/// The subscription and resource group of `deployed` test resources.
const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000001";
const RESOURCE_GROUP: &str = "rg-test";

/// The id Azure gives a resource: in the test subscription and group, below
/// the resource given by `on` for an extension resource.
fn export_id(kind: &Kind, name: &str, on: Option<&str>) -> String {
    let sub = format!("/subscriptions/{SUBSCRIPTION}");
    if kind.name == "subscription" {
        return sub;
    }
    let relative = Resource::relative(kind.resource_type, name);
    if let Some(on) = on {
        let parent = if on.starts_with('/') {
            on.to_string()
        } else {
            format!("{sub}/resourceGroups/{RESOURCE_GROUP}/providers/{on}")
        };
        return format!("{parent}/providers/{relative}");
    }
    if kind.scope == crate::catalog::KindScope::Subscription {
        return format!("{sub}/providers/{relative}");
    }
    format!("{sub}/resourceGroups/{RESOURCE_GROUP}/providers/{relative}")
}

/// The verdict words of `expect`, each with what it asks for (the error
/// messages, LSP completion and hover read this one table).
pub const VERDICTS: [(&str, &str); 6] = [
    (
        "compliant",
        "every resource the rule applies to meets it (the worst verdict over the test's resources is compliant)",
    ),
    (
        "non_compliant",
        "some resource the rule applies to does not meet it, whatever the effect",
    ),
    (
        "not_applicable",
        "the rule applies to none of the test's resources (its `when` and target select none)",
    ),
    (
        "unknown",
        "the verdict depends on a value the input leaves unresolved (a template expression acrpc cannot evaluate)",
    ),
    (
        "deny",
        "non-compliant with the effect Deny: Azure refuses the request",
    ),
    (
        "audit",
        "non-compliant with an audit effect (Audit, AuditIfNotExists)",
    ),
];

fn verdict_words() -> impl Iterator<Item = &'static str> {
    VERDICTS.iter().map(|(w, _)| *w)
}

/// Resolves the tests of one file against its pack's compiled rules.
pub fn resolve(
    tests: &[&ast::Test],
    source: &SourceFile,
    pack: &ir::Pack,
    rules: &[Rule],
    files: &dyn Files,
) -> (Vec<Case>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut cases = Vec::new();
    let mut seen: Vec<&ast::Ident> = Vec::new();
    for t in tests {
        if let Some(prev) = seen.iter().find(|p| p.name == t.name.name) {
            diags.push(
                Diagnostic::new(
                    Code::E1110,
                    t.name.span,
                    format!("test `{}` is defined twice", t.name.name),
                )
                .with_label("second definition")
                .with_related(prev.span, "first defined here")
                .with_help("test names identify tests in reports and `--filter`; rename one"),
            );
            continue;
        }
        seen.push(&t.name);
        let before = diags.len();
        let case = Resolver {
            pack,
            rules,
            files,
            diags: &mut diags,
        }
        .test(t, source);
        if let Some(case) = case.filter(|_| diags.len() == before) {
            cases.push(case);
        }
    }
    (cases, diags)
}

struct Resolver<'a> {
    pack: &'a ir::Pack,
    rules: &'a [Rule],
    files: &'a dyn Files,
    diags: &'a mut Vec<Diagnostic>,
}

impl Resolver<'_> {
    fn test(&mut self, t: &ast::Test, source: &SourceFile) -> Option<Case> {
        let subjects: Vec<(bool, &ast::Ident, Span)> = t
            .clauses
            .iter()
            .filter_map(|c| match c {
                TestClause::Subject {
                    initiative,
                    id,
                    span,
                } => Some((*initiative, id, *span)),
                _ => None,
            })
            .collect();
        let [(initiative, id, _)] = subjects[..] else {
            let span = subjects.get(1).map_or(t.name.span, |s| s.2);
            self.diags.push(
                Diagnostic::new(
                    Code::E1102,
                    span,
                    format!(
                        "test `{}` must name exactly one rule or initiative",
                        t.name.name
                    ),
                )
                .with_help("add `rule <id>` or `initiative <id>` to the test (one per test)"),
            );
            return None;
        };
        let given = self.params(t);
        let members = if initiative {
            self.initiative_members(id, &given)?
        } else {
            vec![self.rule_member(id, &given)?]
        };
        let resources = self.resources(t);
        let expectations = self.expectations(t, initiative, &members);
        if expectations.is_empty() {
            self.diags.push(
                Diagnostic::new(
                    Code::E1109,
                    t.name.span,
                    format!("test `{}` expects nothing", t.name.name),
                )
                .with_help("add `expect compliant`, `expect non_compliant`, … (see docs/LANGUAGE.md, Tests)"),
            );
        }
        if resources.is_empty() {
            self.diags.push(
                Diagnostic::new(
                    Code::E1109,
                    t.name.span,
                    format!("test `{}` has no resource to evaluate", t.name.name),
                )
                .with_help("add `resource <kind> { … }` or `input \"file.json\"`"),
            );
        }
        let (line, _) = source.line_col(t.span.start as usize);
        Some(Case {
            name: t.name.name.clone(),
            pack: self.pack.id.clone(),
            subject: format!(
                "{} {}",
                if initiative { "initiative" } else { "rule" },
                id.name
            ),
            span: t.span,
            location: format!("{}:{line}", source.name),
            members,
            resources,
            expectations,
        })
    }

    /// `param name = value` clauses.
    fn params(&mut self, t: &ast::Test) -> Vec<(ast::Ident, Value)> {
        t.clauses
            .iter()
            .filter_map(|c| match c {
                TestClause::Param { name, value, .. } => Some((name.clone(), to_json(value))),
                _ => None,
            })
            .collect()
    }

    fn rule_index(&mut self, id: &ast::Ident) -> Option<usize> {
        let found = self
            .rules
            .iter()
            .position(|r| r.companion_of.is_none() && r.id == id.name);
        if found.is_none() {
            let names = self
                .rules
                .iter()
                .filter(|r| r.companion_of.is_none())
                .map(|r| r.id.as_str());
            let mut d = Diagnostic::new(
                Code::E1101,
                id.span,
                format!("pack `{}` has no rule `{}`", self.pack.id, id.name),
            )
            .with_label("unknown rule");
            if let Some(s) = did_you_mean(&id.name, names) {
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_suggestion(format!("use `{s}`"), s);
            }
            self.diags.push(d);
        }
        found
    }

    fn rule_member(&mut self, id: &ast::Ident, given: &[(ast::Ident, Value)]) -> Option<Member> {
        let rule = self.rule_index(id)?;
        let declared = &self.rules[rule].parameters;
        let mut params = Map::new();
        for (name, value) in given {
            if declared.contains_key(&name.name) {
                params.insert(name.name.clone(), value.clone());
            } else {
                self.unknown_param(name, declared.keys().map(String::as_str), &id.name);
            }
        }
        Some(Member { rule, params })
    }

    fn unknown_param<'k>(
        &mut self,
        name: &ast::Ident,
        declared: impl Iterator<Item = &'k str> + Clone,
        subject: &str,
    ) {
        let list: Vec<&str> = declared.clone().collect();
        let mut d = Diagnostic::new(
            Code::E1108,
            name.span,
            format!("`{subject}` has no parameter `{}`", name.name),
        )
        .with_label("unknown parameter")
        .with_help(format!("its parameters: {}", list.join(", ")));
        if let Some(s) = did_you_mean(&name.name, declared) {
            d = d.with_suggestion(format!("use `{s}`"), s);
        }
        self.diags.push(d);
    }

    /// Every member of an initiative, with the parameter values its
    /// reference passes (initiative parameters: given, else default).
    fn initiative_members(
        &mut self,
        id: &ast::Ident,
        given: &[(ast::Ident, Value)],
    ) -> Option<Vec<Member>> {
        let Some(ini) = self.pack.initiatives.iter().find(|i| i.id == id.name) else {
            let mut d = Diagnostic::new(
                Code::E1101,
                id.span,
                format!("pack `{}` has no initiative `{}`", self.pack.id, id.name),
            )
            .with_label("unknown initiative");
            if let Some(s) = did_you_mean(
                &id.name,
                self.pack.initiatives.iter().map(|i| i.id.as_str()),
            ) {
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_suggestion(format!("use `{s}`"), s);
            }
            self.diags.push(d);
            return None;
        };
        let mut values = Map::new();
        for p in &ini.params {
            if let Some(v) = &p.default {
                values.insert(p.name.clone(), v.clone());
            }
        }
        for (name, value) in given {
            if ini.params.iter().any(|p| p.name == name.name) {
                values.insert(name.name.clone(), value.clone());
            } else {
                self.unknown_param(name, ini.params.iter().map(|p| p.name.as_str()), &id.name);
            }
        }
        let mut members = Vec::new();
        for m in &ini.members {
            let Some(rule) = self.rules.iter().position(|r| r.id == m.definition_id) else {
                continue;
            };
            let mut params = Map::new();
            for (name, operand) in &m.parameters {
                if let Some(v) = operand_value(operand, &values) {
                    params.insert(name.clone(), v);
                }
            }
            members.push(Member { rule, params });
        }
        Some(members)
    }

    /// Inline resources (one ARM template, or one export with `deployed`)
    /// and input files, in order.
    fn resources(&mut self, t: &ast::Test) -> Vec<Resource> {
        let deployed = t
            .clauses
            .iter()
            .any(|c| matches!(c, TestClause::Deployed(_)));
        let mut bodies = Vec::new();
        for c in &t.clauses {
            if let TestClause::Resource(r) = c
                && let Some(body) = self.inline(r, deployed)
            {
                bodies.push(body);
            }
        }
        let mut out = Vec::new();
        if !bodies.is_empty() {
            let (doc, format) = if deployed {
                (Value::Array(bodies), inputs::Format::Export)
            } else {
                let doc = serde_json::json!({
                    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    "contentVersion": "1.0.0.0",
                    "resources": bodies,
                });
                (doc, inputs::Format::Arm)
            };
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            let loaded = inputs::load(
                &format!("test {}", t.name.name),
                &text,
                Some(format),
                &inputs::arm::ArmOptions::default(),
            );
            for p in &loaded.problems {
                self.diags.push(Diagnostic::new(
                    Code::E1105,
                    t.name.span,
                    format!(
                        "the inline resources of test `{}` do not load: {}",
                        t.name.name, p.message
                    ),
                ));
            }
            out.extend(loaded.resources);
        }
        for c in &t.clauses {
            if let TestClause::Input(file, span) = c {
                out.extend(self.input(file, *span));
            }
        }
        out
    }

    fn input(&mut self, file: &str, span: Span) -> Vec<Resource> {
        let text = match self.files.read(file) {
            Ok(t) => t,
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(Code::E1105, span, format!("cannot read `{file}`: {e}"))
                        .with_label("not read")
                        .with_help("input paths are relative to the file the test is in"),
                );
                return Vec::new();
            }
        };
        let loaded = inputs::load(file, &text, None, &inputs::arm::ArmOptions::default());
        if let Some(p) = loaded.problems.first() {
            let mut d = Diagnostic::new(
                Code::E1105,
                span,
                format!("`{file}` does not load: {}", p.message),
            )
            .with_label("this input");
            if let Some(h) = &p.help {
                d = d.with_help(h.clone());
            }
            self.diags.push(d);
            return Vec::new();
        }
        loaded.resources
    }

    /// One inline resource as an ARM template resource, or (`deployed`)
    /// as Azure returns it, with an id in a fixed subscription and group.
    fn inline(&mut self, r: &ast::TestResource, deployed: bool) -> Option<Value> {
        let Some(kind) = catalog().kind(&r.kind.name) else {
            let names = catalog().kinds.iter().map(|k| k.name);
            let mut d = Diagnostic::new(
                Code::E1103,
                r.kind.span,
                format!("the catalog has no resource kind `{}`", r.kind.name),
            )
            .with_label("unknown kind");
            if let Some(s) = did_you_mean(&r.kind.name, names) {
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_suggestion(format!("use `{s}`"), s);
            }
            self.diags.push(d);
            return None;
        };
        let mut body = Map::new();
        body.insert("type".into(), Value::from(kind.resource_type));
        // Children are named after their parents: `registry/token`.
        let mut name = if kind.name == "subscription" {
            SUBSCRIPTION.to_string()
        } else {
            kind.name.replace('.', "/")
        };
        let mut on: Option<String> = None;
        for p in &r.props {
            let value = to_json(&p.value);
            match p.path.segments.as_slice() {
                [Segment::Name(n)] if n == "on" => {
                    // The resource an extension resource applies to (ARM `scope`).
                    on = value.as_str().map(str::to_string);
                    continue;
                }
                [Segment::Name(n)] if n == "name" => {
                    if let Some(v) = value.as_str() {
                        name = v.to_string();
                    }
                    continue;
                }
                _ => {}
            }
            match arm_path(kind, &p.path) {
                Ok(path) => set(&mut body, &path, value),
                Err(known) => self.unknown_property(kind, &p.path, known),
            }
        }
        if deployed {
            let id = export_id(kind, &name, on.as_deref());
            let own = name.rsplit('/').next().unwrap_or_default().to_string();
            body.insert("id".into(), Value::String(id));
            body.insert("name".into(), Value::String(own));
        } else {
            body.insert("name".into(), Value::String(name));
            if let Some(on) = on {
                body.insert("scope".into(), Value::String(on));
            }
        }
        Some(Value::Object(body))
    }

    fn unknown_property(&mut self, kind: &Kind, path: &ast::Path, wildcard: bool) {
        let written = path_text(path);
        let mut d = Diagnostic::new(
            Code::E1104,
            path.span,
            if wildcard {
                format!("`{written}`: a test sets whole values, not `[*]` elements")
            } else {
                format!("`{}` has no property `{written}`", kind.name)
            },
        )
        .with_label("unknown property");
        let names = kind.properties.iter().map(|p| p.path);
        if !wildcard && let Some(s) = did_you_mean(&written, names) {
            let s = s.trim_end_matches("[*]");
            d = d
                .with_help(format!("did you mean `{s}`?"))
                .with_suggestion(format!("use `{s}`"), s);
        }
        self.diags.push(d);
    }

    fn expectations(
        &mut self,
        t: &ast::Test,
        initiative: bool,
        members: &[Member],
    ) -> Vec<Expectation> {
        let mut out = Vec::new();
        for c in &t.clauses {
            match c {
                TestClause::Expect(e) => {
                    if let Some(x) = self.expect(e, initiative, members) {
                        out.push(x);
                    }
                }
                TestClause::ExpectFix { path, value, span } => {
                    if let Some(x) = self.expect_fix(path, value, *span, members) {
                        out.push(x);
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn expect(
        &mut self,
        e: &ast::Expect,
        initiative: bool,
        members: &[Member],
    ) -> Option<Expectation> {
        let want = match e.verdict.name.as_str() {
            "compliant" => Want::Verdict(Verdict::Compliant),
            "non_compliant" => Want::Verdict(Verdict::NonCompliant),
            "not_applicable" => Want::Verdict(Verdict::NotApplicable),
            "unknown" => Want::Verdict(Verdict::Unknown),
            "deny" => Want::Deny,
            "audit" => Want::Audit,
            other => {
                let mut d = Diagnostic::new(
                    Code::E1106,
                    e.verdict.span,
                    format!("`{other}` is not a verdict"),
                )
                .with_label("unknown verdict")
                .with_help(format!(
                    "a test expects one of: {}",
                    verdict_words().collect::<Vec<_>>().join(", ")
                ));
                if let Some(s) = did_you_mean(other, verdict_words()) {
                    d = d.with_suggestion(format!("use `{s}`"), s);
                }
                self.diags.push(d);
                return None;
            }
        };
        let member = match &e.rule {
            None if initiative => None,
            None => Some(0),
            Some(id) => {
                let rule = self.rule_index(id)?;
                let Some(m) = members.iter().position(|m| m.rule == rule) else {
                    self.diags.push(
                        Diagnostic::new(
                            Code::E1101,
                            id.span,
                            format!("`{}` is not what this test runs", id.name),
                        )
                        .with_label("not a rule of the test's subject")
                        .with_help("name a rule of the initiative, or test that rule on its own"),
                    );
                    return None;
                };
                Some(m)
            }
        };
        let rules: Vec<&Rule> = match member {
            Some(m) => vec![&self.rules[members[m].rule]],
            None => members.iter().map(|m| &self.rules[m.rule]).collect(),
        };
        if matches!(want, Want::Deny | Want::Audit) {
            let word = if want == Want::Deny { "deny" } else { "audit" };
            let possible = rules
                .iter()
                .any(|r| allowed_effects(r).iter().any(|x| x.starts_with(word)));
            if !possible {
                self.diags.push(
                    Diagnostic::new(
                        Code::E1107,
                        e.verdict.span,
                        format!("`expect {word}` cannot happen: no rule here has a {word} effect"),
                    )
                    .with_label("impossible")
                    .with_help(format!(
                        "allowed effects: {}",
                        rules
                            .iter()
                            .flat_map(|r| allowed_effects(r))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
                return None;
            }
        }
        Some(Expectation {
            member,
            want,
            phase: e.phase.map(|(p, _)| p),
            text: clause_text(e),
            span: e.span,
        })
    }

    fn expect_fix(
        &mut self,
        path: &ast::Path,
        value: &TestValue,
        span: Span,
        members: &[Member],
    ) -> Option<Expectation> {
        let fixable = members.len() == 1
            && members.first().is_some_and(|m| {
                let id = &self.rules[m.rule].id;
                self.rules
                    .iter()
                    .any(|r| r.companion_of.as_deref() == Some(id.as_str()))
            });
        if !fixable {
            self.diags.push(
                Diagnostic::new(Code::E1107, span, "`expect fix` on a subject without `fix`")
                    .with_label("no modify change can happen")
                    .with_help(
                        "`expect fix` tests a rule with a `fix` clause, named by `rule <id>`",
                    ),
            );
            return None;
        }
        let rule = &self.rules[members.first().map_or(0, |m| m.rule)];
        let kind = rule_kind(rule);
        let written = path_text(path);
        let Some(prop) = kind.and_then(|k| k.property(&written)) else {
            if let Some(k) = kind {
                self.unknown_property(k, path, false);
            }
            return None;
        };
        let field = prop.alias.unwrap_or(prop.path).to_string();
        Some(Expectation {
            member: Some(0),
            want: Want::Fix {
                field,
                value: to_json(value),
            },
            phase: None,
            text: format!("expect fix {written} = {}", to_json(value)),
            span,
        })
    }
}

/// The effects a rule allows, lower case (`audit`, `deny`, …).
fn allowed_effects(rule: &Rule) -> Vec<String> {
    let Some(decl) = rule.parameters.get("effect") else {
        return Vec::new();
    };
    let listed = decl.get("allowedValues").and_then(Value::as_array);
    let values: Vec<&Value> = match listed {
        Some(a) => a.iter().collect(),
        None => decl.get("defaultValue").into_iter().collect(),
    };
    values
        .iter()
        .filter_map(|v| v.as_str())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The catalog kind a rule targets (its `type` condition).
fn rule_kind(rule: &Rule) -> Option<&'static Kind> {
    let ty = rule_type(&rule.policy_rule["if"])?;
    catalog().kind_by_type(&ty)
}

fn rule_type(cond: &Value) -> Option<String> {
    if cond.get("field").and_then(Value::as_str) == Some("type") {
        return cond
            .get("equals")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    cond.get("allOf")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find_map(rule_type))
}

/// A member's parameter value: a literal, or an expression over the
/// initiative's parameters (`[parameters('auditDenyEffect')]`).
fn operand_value(operand: &ir::Operand, values: &Map<String, Value>) -> Option<Value> {
    match operand {
        ir::Operand::Literal(v) => Some(v.clone()),
        ir::Operand::Expr(s) => {
            let ctx = |name: &str, args: &[Value]| {
                (name == "parameters").then(|| {
                    let key = args.first().and_then(Value::as_str).unwrap_or_default();
                    values.get(key).cloned().ok_or_else(|| {
                        crate::expr::EvalError::Unknown(format!("no parameter `{key}`"))
                    })
                })
            };
            // The operand holds the expression without its brackets.
            let expr = crate::expr::parse(s).ok()?;
            crate::expr::eval(&expr, &ctx).ok()
        }
    }
}

/// The ARM path (dot separated) of a property written in a test, or
/// `Err(wildcard)` when the catalog does not know it.
fn arm_path(kind: &Kind, path: &ast::Path) -> Result<Vec<String>, bool> {
    if path.segments.contains(&Segment::Wildcard) {
        return Err(true);
    }
    let mut names: Vec<&str> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for s in &path.segments {
        match s {
            Segment::Name(n) if keys.is_empty() => names.push(n),
            Segment::Key(k) => keys.push(k.clone()),
            _ => return Err(false),
        }
    }
    let written = names.join(".");
    // The type comes from the kind, the id from the name.
    if written == "type" || written == "id" {
        return Err(false);
    }
    let head: Vec<String> = match written.as_str() {
        "name" | "location" | "kind" | "tags" => vec![written.clone()],
        _ => match catalog().generic_field(&written) {
            Some(g) if !g.path.contains('[') => g.path.split('.').map(str::to_string).collect(),
            _ => catalog_path(kind, &written).ok_or(false)?,
        },
    };
    Ok(head.into_iter().chain(keys).collect())
}

/// A property (or an object holding properties) of the kind, as its ARM
/// path: `adminUserEnabled` → `properties.adminUserEnabled`.
fn catalog_path(kind: &Kind, written: &str) -> Option<Vec<String>> {
    let split = |arm: &str| -> Vec<String> {
        arm.trim_end_matches("[*]")
            .split('.')
            .map(str::to_string)
            .collect()
    };
    if let Some(p) = kind
        .property(written)
        .or_else(|| kind.property(&format!("{written}[*]")))
    {
        return Some(split(p.arm_path));
    }
    // An object: the ARM path of a property below it, cut at its length.
    let prefix = format!("{}.", written.to_ascii_lowercase());
    kind.properties.iter().find_map(|p| {
        let lower = p.path.to_ascii_lowercase();
        let rest = lower.strip_prefix(&prefix)?;
        let depth = rest.split('.').count();
        let mut arm = split(p.arm_path);
        (arm.len() > depth).then(|| {
            arm.truncate(arm.len().saturating_sub(depth));
            arm
        })
    })
}

fn set(body: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = body;
    for p in parents {
        let slot = at
            .entry(p.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else { return };
        at = next;
    }
    at.insert(last.clone(), value);
}

fn path_text(path: &ast::Path) -> String {
    let mut out = String::new();
    for s in &path.segments {
        match s {
            Segment::Name(n) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(n);
            }
            Segment::Wildcard => out.push_str("[*]"),
            Segment::Key(k) => out.push_str(&format!("[\"{k}\"]")),
        }
    }
    out
}

fn clause_text(e: &ast::Expect) -> String {
    let mut out = String::from("expect ");
    if let Some(r) = &e.rule {
        out.push_str(&r.name);
        out.push(' ');
    }
    out.push_str(&e.verdict.name);
    match e.phase {
        Some((ast::Phase::AtDeploy, _)) => out.push_str(" at deploy"),
        Some((ast::Phase::AfterDeployment, _)) => out.push_str(" after deployment"),
        None => {}
    }
    out
}

/// A test value as JSON.
pub(super) fn to_json(v: &TestValue) -> Value {
    match v {
        TestValue::Scalar(l) => literal_json(l),
        TestValue::Array(items, _) => Value::Array(items.iter().map(to_json).collect()),
        TestValue::Object(props, _) => Value::Object(
            props
                .iter()
                .map(|p| (path_text(&p.path), to_json(&p.value)))
                .collect(),
        ),
    }
}

fn literal_json(l: &ast::Literal) -> Value {
    match l {
        ast::Literal::Str(s, _) | ast::Literal::Word(s, _) => Value::String(s.clone()),
        ast::Literal::Num(n, _, _) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Value::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number)
            }
        }
        ast::Literal::Bool(b, _) => Value::Bool(*b),
        ast::Literal::Null(_) => Value::Null,
        ast::Literal::Array(items, _) => Value::Array(items.iter().map(literal_json).collect()),
    }
}
