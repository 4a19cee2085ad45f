//! Differential test: acrpc's Azure Policy evaluator against `regorus`,
//! Microsoft's Rust Azure Policy engine (`azure_policy` feature).
//!
//! Every (rule, resource) pair over the 28 ACR built-ins
//! (../shared/reference/azure-builtins) and the bundled baseline
//! (rulepacks/acr-baseline.acrp) is evaluated by both engines on ≥ 500
//! deterministically generated ARM resource bodies; the verdicts must agree.
//!
//! How regorus is driven (it is an engine, not a host; this test plays the
//! host, as Azure's policy service does around its own engine):
//! - alias registry: built from acrpc's catalog (`{namespace, resourceTypes:
//!   [{resourceType, aliases: [{name, defaultPath, defaultMetadata}]}]}`, the
//!   `Get-AzPolicyAlias` shape `AliasRegistry::load_from_json` reads); legacy
//!   `registries/<child>.<prop>` aliases are left out (their paths describe
//!   the child's body and would clash with the registry's own fields);
//! - resources: raw ARM bodies through `normalizer::normalize` (regorus'
//!   `properties` flattening), plus `fullname` derived from the id;
//! - input `{resource, parameters}`, context `{resourceGroup, subscription}`;
//! - verdict (policy-applicability / compliance-states docs):
//!   * effect Disabled, or mode Indexed on a type without tags+location (the
//!     tag-support list, hard-coded below) → not_applicable (host decisions:
//!     regorus has no notion of mode);
//!   * audit/deny/modify/append: a second program whose non-`type`/`name`/
//!     `kind` leaves are replaced by constants (true, false under an odd number
//!     of `not`s) decides applicability; then the definition itself: an effect
//!     → non_compliant, undefined → compliant;
//!   * auditIfNotExists/deployIfNotExists: the `if` (effect forced to audit)
//!     decides applicability; then the definition runs once per related
//!     resource the host finds (`details.type`, named `details.name`; a
//!     child or extension resource under the resource's id, or an entry of
//!     a registry's `privateEndpointConnections` array, which ARM serves as
//!     such a child; else in its
//!     resource group, or its subscription with existenceScope
//!     Subscription), each fed through regorus' host-await protocol
//!     (`azure.policy.existence_check`), or once with `null` when there is
//!     none: compliant when any run returns undefined (regorus' lookup
//!     returns one resource; Azure's "any related resource" is the OR).
//!
//! Besides the 28 built-ins and the baseline, a few `probe:` definitions
//! reach the edges of the condition language no shipped rule reaches
//! (semantics-notes §1–§12), and a mode-All copy of
//! ACRRestrictExternalPrivateEndpoint runs its condition.
//!
//! Pairs where acrpc says `unknown` are skipped and counted. A disagreement
//! is accepted only when an `ALLOWED` entry (a documented place where
//! regorus departs from Azure's documentation; tests/regorus_allowlist.md)
//! or a `KNOWN_ACRPC_BUGS` entry explains it, by a counterfactual where
//! possible: the body changed in exactly the disputed respect (a missing
//! array made `[]`, a display-form location normalised, out-of-scope related
//! resources removed) must make the engines agree. Anything else fails the
//! test with a table. Each entry must be hit at least once.
//!
//! Environment: `REGORUS_DIFF_ALL=1` lists every disagreement (not the
//! first 60), `REGORUS_DIFF_VERBOSE=1` prints verdict counts per rule,
//! `REGORUS_DIFF_DUMP=file.json` writes the generated resources.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

mod common;

use acrpc::eval::{Env, Rule, Verdict, evaluate, from_definition};
use acrpc::inputs::export;
use regorus::languages::azure_policy::aliases::{AliasRegistry, normalizer};
use regorus::languages::azure_policy::{compiler, parser};
use regorus::rvm::RegoVM;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type RValue = regorus::Value;
type Program = regorus::Rc<regorus::rvm::program::Program>;

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

fn shared_builtins() -> Option<PathBuf> {
    common::shared("reference/azure-builtins")
}

/// One rule under test: acrpc's view and the definition given to regorus.
struct Subject {
    id: String,
    acrpc: Rule,
    /// `{properties: {mode, parameters, policyRule}}` without acrpc's `path` annotations.
    definition: Value,
    /// Parameter values supplied to both engines (for parameters without a usable default).
    overrides: Map<String, Value>,
}

/// Removes acrpc's `path` annotations (not part of Azure's language).
fn strip_paths(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| k.as_str() != "path" || !o.contains_key("field"))
                .map(|(k, x)| (k.clone(), strip_paths(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_paths).collect()),
        other => other.clone(),
    }
}

/// Values for parameters that have no default (or a Disabled effect default).
fn overrides_for(params: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, decl) in params {
        let lname = name.to_ascii_lowercase();
        if lname == "effect" {
            if decl["defaultValue"]
                .as_str()
                .is_some_and(|d| d.eq_ignore_ascii_case("disabled"))
            {
                let pick = decl["allowedValues"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .find(|a| !a.eq_ignore_ascii_case("disabled"));
                if let Some(p) = pick {
                    out.insert(name.clone(), json!(p));
                }
            }
            continue;
        }
        if decl.get("defaultValue").is_some() {
            continue;
        }
        let ty = decl["type"]
            .as_str()
            .unwrap_or("String")
            .to_ascii_lowercase();
        let v = if lname == "loganalytics" {
            json!(WORKSPACE)
        } else if lname == "storageaccount" {
            json!(STORAGE)
        } else if lname == "eventhubauthorizationruleid" {
            json!(EVENT_HUB_RULE)
        } else if lname.contains("location") {
            if ty == "array" {
                json!(["eastus"])
            } else {
                json!("eastus")
            }
        } else if ty == "array" {
            json!([])
        } else if ty == "boolean" {
            json!(false)
        } else if ty == "integer" {
            json!(1)
        } else {
            json!(format!(
                "/subscriptions/{SUB_A}/resourceGroups/shared/providers/Microsoft.Fake/things/{name}"
            ))
        };
        out.insert(name.clone(), v);
    }
    out
}

fn builtin_subjects(dir: &Path) -> Vec<Subject> {
    let mut files = Vec::new();
    for sub in ["definitions", "related-definitions"] {
        for e in std::fs::read_dir(dir.join(sub))
            .expect("built-in folder")
            .flatten()
        {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert_eq!(files.len(), 28, "the 28 ACR built-ins");
    files
        .iter()
        .map(|f| {
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let stem = f.file_stem().unwrap().to_string_lossy().to_string();
            let rule = from_definition(&doc, &f.to_string_lossy())
                .expect("acrpc loads the built-in")
                .remove(0);
            let overrides = overrides_for(&rule.parameters);
            Subject {
                id: format!("builtin:{stem}"),
                acrpc: rule,
                definition: doc,
                overrides,
            }
        })
        .collect()
}

/// Extra definitions on the edges of the condition language that the
/// built-ins and the baseline do not reach (semantics-notes §1–§6, §11–§12),
/// plus a mode-All copy of the one built-in that mode Indexed never lets
/// run (ACRRestrictExternalPrivateEndpoint, notes §7). Reported with the rest.
fn probe_subjects(builtins: &[Subject]) -> Vec<Subject> {
    const REG: &str = "Microsoft.ContainerRegistry/registries";
    let probes: Vec<(&str, Value)> = vec![
        // notes §3: `[*]` on an absent array.
        (
            "star-equals",
            json!({"field": format!("{REG}/networkRuleSet.ipRules[*].action"), "equals": "Allow"}),
        ),
        (
            "star-exists-true",
            json!({"field": format!("{REG}/networkRuleSet.virtualNetworkRules[*].id"), "exists": true}),
        ),
        (
            "star-not-notequals",
            json!({"not": {"field": format!("{REG}/networkRuleSet.ipRules[*].value"), "notEquals": "0.0.0.0/0"}}),
        ),
        (
            "star-subresource-status",
            json!({"field": format!("{REG}/privateEndpointConnections[*].privateLinkServiceConnectionState.status"), "equals": "Approved"}),
        ),
        (
            "star-exists-false",
            json!({"field": format!("{REG}/networkRuleSet.ipRules[*]"), "exists": false}),
        ),
        // notes §4: count on an absent array.
        (
            "count-missing",
            json!({"count": {"field": format!("{REG}/privateEndpointConnections[*]")}, "equals": 0}),
        ),
        (
            "count-where",
            json!({"count": {"field": format!("{REG}/networkRuleSet.ipRules[*]"), "where": {"field": format!("{REG}/networkRuleSet.ipRules[*].value"), "equals": "0.0.0.0/0"}}, "greaterOrEquals": 1}),
        ),
        // notes §1, §2: exists and mixed types.
        (
            "exists-policy-object",
            json!({"field": format!("{REG}/policies.trustPolicy"), "exists": true}),
        ),
        (
            "bool-equals-string",
            json!({"field": format!("{REG}/adminUserEnabled"), "equals": "true"}),
        ),
        (
            "number-equals-string",
            json!({"field": format!("{REG}/policies.retentionPolicy.days"), "equals": "7"}),
        ),
        // notes §6: location normalisation.
        (
            "location-equals",
            json!({"field": "location", "equals": "eastus"}),
        ),
        (
            "location-in",
            json!({"field": "location", "in": ["eastus", "westeurope"]}),
        ),
        // notes §11: like / match.
        ("like-star", json!({"field": "name", "like": "acr1*"})),
        (
            "like-question",
            json!({"field": format!("{REG}/loginServer"), "like": "acr0?1.azurecr.io"}),
        ),
        ("match-digits", json!({"field": "name", "match": "acr#1#"})),
        (
            "case-sku",
            json!({"field": format!("{REG}/sku.name"), "equals": "PREMIUM"}),
        ),
        // notes §12: ordering on an absent field.
        (
            "less-missing",
            json!({"field": format!("{REG}/policies.retentionPolicy.days"), "less": 30}),
        ),
        // tags: names and values case-insensitive (PR-doc).
        (
            "tag-equals",
            json!({"field": "tags['env']", "equals": "PROD"}),
        ),
        ("tag-exists", json!({"field": "tags.owner", "exists": true})),
    ];
    let mut out: Vec<Subject> = probes
        .into_iter()
        .map(|(name, cond)| {
            let definition = json!({"name": format!("probe-{name}"), "properties": {
                "mode": "Indexed",
                "parameters": {"effect": {"type": "String", "defaultValue": "Audit", "allowedValues": ["Audit", "Disabled"]}},
                "policyRule": {"if": {"allOf": [{"field": "type", "equals": REG}, cond]}, "then": {"effect": "[parameters('effect')]"}},
            }});
            let rule = from_definition(&definition, name).expect("probe loads").remove(0);
            Subject {
                id: format!("probe:{name}"),
                acrpc: rule,
                definition,
                overrides: Map::new(),
            }
        })
        .collect();
    // effect-audit-if-not-exists: a related type that is not underneath the
    // resource is looked for in the resource's resource group.
    let definition = json!({"name": "probe-related-in-resource-group", "properties": {
        "mode": "Indexed",
        "parameters": {"effect": {"type": "String", "defaultValue": "AuditIfNotExists", "allowedValues": ["AuditIfNotExists", "Disabled"]}},
        "policyRule": {"if": {"field": "type", "equals": REG}, "then": {"effect": "[parameters('effect')]",
            "details": {"type": "Microsoft.Network/privateEndpoints"}}},
    }});
    out.push(Subject {
        id: "probe:related-in-resource-group".into(),
        acrpc: from_definition(&definition, "probe")
            .expect("probe loads")
            .remove(0),
        definition,
        overrides: Map::new(),
    });
    if let Some(b) = builtins
        .iter()
        .find(|b| b.id.ends_with("ACRRestrictExternalPrivateEndpoint"))
    {
        let mut definition = b.definition.clone();
        definition["properties"]["mode"] = json!("All");
        let rule = from_definition(&definition, "mode-all")
            .expect("loads")
            .remove(0);
        let mut overrides = b.overrides.clone();
        overrides.insert(
            "excludedSubscriptionIDs".into(),
            json!(["44444444-4444-4444-4444-444444444444"]),
        );
        out.push(Subject {
            id: "probe:ACRRestrictExternalPrivateEndpoint@modeAll".into(),
            acrpc: rule,
            definition,
            overrides,
        });
    }
    out
}

/// The bundled baseline (`acrpc::check::bundled_rules`), each rule also as
/// a plain policy definition for regorus.
fn baseline_subjects() -> Vec<Subject> {
    acrpc::check::bundled_rules()
        .into_iter()
        .map(|rule| {
            let mode = match rule.mode {
                acrpc::eval::Mode::All => "All",
                acrpc::eval::Mode::Indexed => "Indexed",
            };
            let definition = json!({"properties": {
                "mode": mode,
                "parameters": rule.parameters,
                "policyRule": strip_paths(&rule.policy_rule),
            }});
            let overrides = overrides_for(&rule.parameters);
            Subject {
                id: format!("baseline:{}", rule.id),
                acrpc: rule,
                definition,
                overrides,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// regorus as a host would drive it
// ---------------------------------------------------------------------------

/// The alias catalog in `Get-AzPolicyAlias` shape, from acrpc's catalog.
fn alias_registry() -> regorus::Rc<AliasRegistry> {
    let mut providers: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for kind in acrpc::catalog::catalog().kinds {
        let Some((ns, rest)) = kind.resource_type.split_once('/') else {
            continue;
        };
        let aliases: Vec<Value> = kind
            .properties
            .iter()
            .filter(|p| p.status != acrpc::catalog::AliasStatus::Legacy)
            .filter_map(|p| {
                let alias = p.alias.as_ref()?;
                let mut meta = json!({"type": p.ty.as_str()});
                if p.modifiable {
                    meta["attributes"] = json!("Modifiable");
                }
                Some(json!({"name": alias, "defaultPath": p.arm_path, "defaultMetadata": meta, "paths": []}))
            })
            .collect();
        let caps = if kind.taggable {
            "SupportsTags, SupportsLocation"
        } else {
            "None"
        };
        providers
            .entry(ns.to_string())
            .or_default()
            .push(json!({"resourceType": rest, "capabilities": caps, "aliases": aliases}));
    }
    let doc: Vec<Value> = providers
        .into_iter()
        .map(|(ns, types)| json!({"namespace": ns, "resourceTypes": types}))
        .collect();
    let mut reg = AliasRegistry::new();
    reg.load_from_json(&serde_json::to_string(&doc).unwrap())
        .expect("regorus reads the alias catalog");
    regorus::Rc::new(reg)
}

fn to_r(v: &Value) -> RValue {
    RValue::from_json_str(&serde_json::to_string(v).unwrap()).unwrap()
}

fn compile(def: &Value, reg: &regorus::Rc<AliasRegistry>, name: &str) -> Result<Program, String> {
    let src = regorus::Source::from_contents(name.to_string(), def.to_string())
        .map_err(|e| e.to_string())?;
    let defn = parser::parse_policy_definition(&src).map_err(|e| e.to_string())?;
    compiler::compile_policy_definition_with_aliases(&defn, regorus::Rc::clone(reg))
        .map_err(|e| e.to_string())
}

fn get_ci<'v>(o: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|x| x.1)
}

fn constant(b: bool) -> Value {
    json!({"value": "a", "equals": if b { "a" } else { "b" }})
}

/// policy-applicability: only `type`, `name` and `kind` conditions count;
/// the others are treated as true (false when negated).
fn gates_only(c: &Value, negated: bool) -> Value {
    let Some(o) = c.as_object() else {
        return c.clone();
    };
    for key in ["allOf", "anyOf"] {
        if let Some(items) = get_ci(o, key) {
            let items: Vec<Value> = items
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| gates_only(i, negated))
                .collect();
            return json!({ key: items });
        }
    }
    if let Some(inner) = get_ci(o, "not") {
        return json!({"not": gates_only(inner, !negated)});
    }
    let gate = get_ci(o, "field").and_then(Value::as_str).is_some_and(|f| {
        ["type", "name", "kind"]
            .iter()
            .any(|g| f.eq_ignore_ascii_case(g))
    });
    if gate { c.clone() } else { constant(!negated) }
}

fn with_rule(def: &Value, cond: Value, then: Value) -> Value {
    let mut d = def.clone();
    let props = if d.get("properties").is_some() {
        &mut d["properties"]
    } else {
        &mut d
    };
    props["policyRule"] = json!({"if": cond, "then": then});
    d
}

/// Types that support tags and location (tag-support doc,
/// learn.microsoft.com/azure/azure-resource-manager/management/tag-support):
/// the only types mode Indexed evaluates (definition-structure-basics, Mode).
const TAGGABLE: &[&str] = &[
    "microsoft.containerregistry/registries",
    "microsoft.containerregistry/registries/replications",
    "microsoft.containerregistry/registries/webhooks",
    "microsoft.containerregistry/registries/tasks",
    "microsoft.containerregistry/registries/agentpools",
    "microsoft.network/privateendpoints",
];

struct Regorus {
    registry: regorus::Rc<AliasRegistry>,
}

struct Compiled {
    gate: Program,
    cond: Program,
    full: Program,
    indexed: bool,
    details_type: Option<String>,
    details_name: Option<Value>,
    existence_scope: Option<String>,
}

impl Regorus {
    fn compile(&self, s: &Subject) -> Result<Compiled, String> {
        let props = s.definition.get("properties").unwrap_or(&s.definition);
        let rule = &props["policyRule"];
        let audit = json!({"effect": "audit"});
        let gate_def = with_rule(&s.definition, gates_only(&rule["if"], false), audit.clone());
        let cond_def = with_rule(&s.definition, rule["if"].clone(), audit);
        Ok(Compiled {
            gate: compile(&gate_def, &self.registry, &format!("{}#gate", s.id))?,
            cond: compile(&cond_def, &self.registry, &format!("{}#if", s.id))?,
            full: compile(&s.definition, &self.registry, &s.id)?,
            indexed: !props["mode"]
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case("all")),
            details_type: rule["then"]["details"]["type"].as_str().map(str::to_string),
            details_name: rule["then"]["details"].get("name").cloned(),
            existence_scope: rule["then"]["details"]["existenceScope"]
                .as_str()
                .map(str::to_ascii_lowercase),
        })
    }

    fn normalize(&self, body: &Value) -> RValue {
        let mut r = normalizer::normalize(&to_r(body), Some(&self.registry), None);
        let full = body["id"].as_str().map(full_name).unwrap_or_default();
        if let Ok(m) = r.as_object_mut() {
            m.insert(RValue::from("fullname"), RValue::from(full));
        }
        r
    }

    fn run(&self, p: &Program, input: &RValue, ctx: &RValue, related: Option<RValue>) -> bool {
        let mut vm = RegoVM::new();
        vm.load_program(regorus::Rc::clone(p));
        vm.set_input(input.clone());
        vm.set_context(ctx.clone());
        if let Some(r) = related {
            vm.set_host_await_responses([(RValue::from("azure.policy.existence_check"), vec![r])]);
        }
        let v = vm
            .execute_entry_point_by_name("main")
            .unwrap_or_else(|e| panic!("regorus evaluation failed: {e}"));
        v != RValue::Undefined
    }

    fn verdict(
        &self,
        s: &Subject,
        c: &Compiled,
        body: &Value,
        all: &[Value],
        params: &Map<String, Value>,
    ) -> Verdict {
        let effect = effect_of(s, params);
        if effect == "disabled" {
            return Verdict::NotApplicable;
        }
        let ty = body["type"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if c.indexed && !TAGGABLE.contains(&ty.as_str()) {
            return Verdict::NotApplicable;
        }
        let id = body["id"].as_str().unwrap_or_default();
        let sub = id.split('/').nth(2).unwrap_or_default();
        let rg = after(id, "resourceGroups").unwrap_or_default();
        let ctx = to_r(&json!({
            "resourceGroup": {"name": rg, "location": "eastus"},
            "subscription": {"subscriptionId": sub, "id": format!("/subscriptions/{sub}")},
        }));
        let input = to_r(&json!({"parameters": params}));
        let mut input = input;
        input
            .as_object_mut()
            .unwrap()
            .insert(RValue::from("resource"), self.normalize(body));
        if matches!(effect.as_str(), "auditifnotexists" | "deployifnotexists") {
            if !self.run(&c.cond, &input, &ctx, None) {
                return Verdict::NotApplicable;
            }
            let related = related_of(body, all, c, params);
            if related.is_empty() {
                return if self.run(&c.full, &input, &ctx, Some(RValue::Null)) {
                    Verdict::NonCompliant
                } else {
                    Verdict::Compliant
                };
            }
            for r in related {
                if !self.run(&c.full, &input, &ctx, Some(self.normalize(&r))) {
                    return Verdict::Compliant;
                }
            }
            return Verdict::NonCompliant;
        }
        if !self.run(&c.gate, &input, &ctx, None) {
            return Verdict::NotApplicable;
        }
        if self.run(&c.full, &input, &ctx, None) {
            Verdict::NonCompliant
        } else {
            Verdict::Compliant
        }
    }
}

fn full_name(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    let Some(at) = lower.rfind("/providers/") else {
        return id.rsplit('/').next().unwrap_or_default().to_string();
    };
    let tail: Vec<&str> = id[at + 11..].split('/').collect();
    tail.iter()
        .skip(2)
        .step_by(2)
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

fn after(id: &str, key: &str) -> Option<String> {
    let segs: Vec<&str> = id.split('/').collect();
    segs.windows(2)
        .find(|w| w[0].eq_ignore_ascii_case(key))
        .map(|w| w[1].to_string())
}

/// The effect in force, lower case (parameter values resolved).
fn effect_of(s: &Subject, params: &Map<String, Value>) -> String {
    let props = s.definition.get("properties").unwrap_or(&s.definition);
    let e = props["policyRule"]["then"]["effect"]
        .as_str()
        .unwrap_or_default();
    resolve_param(e, params)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| e.to_string())
        .to_ascii_lowercase()
}

/// `[parameters('x')]` → its value; a literal → itself.
fn resolve_param(text: &str, params: &Map<String, Value>) -> Option<Value> {
    let t = text.trim();
    if let Some(inner) = t
        .strip_prefix("[parameters('")
        .and_then(|r| r.strip_suffix("')]"))
    {
        return get_ci(params, inner).cloned();
    }
    if t.starts_with('[') {
        return None;
    }
    Some(Value::String(t.to_string()))
}

/// Extension resource types the generator produces: Azure finds them on
/// the scope of the evaluated resource (their id extends its id).
const EXTENSION_TYPES: &[&str] = &[
    "microsoft.insights/diagnosticsettings",
    "microsoft.security/assessments",
    "microsoft.authorization/roleassignments",
];

/// How the host looks for related resources (effect-audit-if-not-exists,
/// `type`, `existenceScope`): a type underneath the evaluated resource (a
/// child, or an extension resource on it) within its scope; otherwise the
/// same resource group, or the same subscription with existenceScope
/// Subscription.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lookup {
    Under,
    Subscription,
    ResourceGroup,
}

fn lookup_kind(body: &Value, c: &Compiled) -> Lookup {
    let ty = c
        .details_type
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let own = body["type"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ty.starts_with(&format!("{own}/")) || EXTENSION_TYPES.contains(&ty.as_str()) {
        Lookup::Under
    } else if c.existence_scope.as_deref() == Some("subscription") {
        Lookup::Subscription
    } else {
        Lookup::ResourceGroup
    }
}

/// The host's related-resource lookup: resources of `details.type` in the
/// lookup scope, named `details.name` when given.
fn related_of(
    body: &Value,
    all: &[Value],
    c: &Compiled,
    params: &Map<String, Value>,
) -> Vec<Value> {
    let Some(ty) = &c.details_type else {
        return Vec::new();
    };
    let name = c
        .details_name
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|n| resolve_param(n, params))
        .and_then(|v| v.as_str().map(str::to_string));
    let id = body["id"].as_str().unwrap_or_default().to_ascii_lowercase();
    let prefix = match lookup_kind(body, c) {
        Lookup::Under => format!("{id}/"),
        Lookup::Subscription => format!(
            "/subscriptions/{}/",
            id.split('/').nth(2).unwrap_or_default()
        ),
        Lookup::ResourceGroup => match id.find("/providers/") {
            Some(at) if id[..at].contains("/resourcegroups/") => format!("{}/", &id[..at]),
            _ => format!("{id}/"),
        },
    };
    let mut found: Vec<Value> = all
        .iter()
        .filter(|r| {
            r["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(ty))
        })
        .filter(|r| {
            r["id"]
                .as_str()
                .is_some_and(|i| i.to_ascii_lowercase().starts_with(&prefix))
        })
        .cloned()
        .collect();
    // ARM serves the entries of a registry's `privateEndpointConnections`
    // array as its child resources of that type.
    let own = body["type"].as_str().unwrap_or_default();
    if ty.eq_ignore_ascii_case(&format!("{own}/privateEndpointConnections")) {
        let listed = body
            .as_object()
            .and_then(|o| get_ci(o, "properties"))
            .and_then(Value::as_object)
            .and_then(|p| get_ci(p, "privateEndpointConnections"))
            .and_then(Value::as_array);
        for item in listed.into_iter().flatten() {
            if !found.iter().any(|f| f["name"] == item["name"]) {
                let mut child = item.clone();
                child["type"] = json!(ty);
                found.push(child);
            }
        }
    }
    found.retain(|r| {
        name.as_deref().is_none_or(|n| {
            r["name"]
                .as_str()
                .is_some_and(|rn| rn.eq_ignore_ascii_case(n))
        })
    });
    found
}

// ---------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------

const WORKSPACE: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/logs/providers/Microsoft.OperationalInsights/workspaces/ws";
const STORAGE: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/logs/providers/Microsoft.Storage/storageAccounts/st";
const EVENT_HUB_RULE: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/logs/providers/Microsoft.EventHub/namespaces/ns/authorizationRules/RootManageSharedAccessKey";
const SUB_A: &str = "11111111-1111-1111-1111-111111111111";
const SUB_B: &str = "22222222-2222-2222-2222-222222222222";

/// xorshift64*: small, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Inserts `v` under `key` unless `v` is the "missing" marker (`Null` with
/// `omit`), so the generator can say "absent" and "JSON null" separately.
fn put(o: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        o.insert(key.to_string(), v);
    }
}

fn status(rng: &mut Rng) -> Option<Value> {
    rng.pick(&[
        None,
        Some(json!("enabled")),
        Some(json!("disabled")),
        Some(json!("Enabled")),
        Some(json!("DISABLED")),
        Some(json!("")),
        Some(Value::Null),
        Some(json!("disabled ")),
    ])
}

fn registry(rng: &mut Rng, i: usize) -> (Value, String) {
    let sub = if i % 5 == 4 { SUB_B } else { SUB_A };
    let rg = format!("rg{}", i % 7);
    let name = format!("acr{i:03}");
    let id = format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}"
    );
    let mut p = Map::new();
    put(
        &mut p,
        "adminUserEnabled",
        rng.pick(&[None, Some(json!(true)), Some(json!(false))]),
    );
    put(
        &mut p,
        "anonymousPullEnabled",
        rng.pick(&[None, Some(json!(true)), Some(json!(false))]),
    );
    put(
        &mut p,
        "publicNetworkAccess",
        rng.pick(&[
            None,
            Some(json!("Enabled")),
            Some(json!("Disabled")),
            Some(json!("disabled")),
            Some(json!("ENABLED")),
            Some(Value::Null),
            Some(json!("Disabled ")),
        ]),
    );
    if rng.chance(70) {
        let mut nrs = Map::new();
        put(
            &mut nrs,
            "defaultAction",
            rng.pick(&[
                None,
                Some(json!("Allow")),
                Some(json!("Deny")),
                Some(json!("deny")),
            ]),
        );
        put(
            &mut nrs,
            "ipRules",
            rng.pick(&[
                None,
                Some(Value::Null),
                Some(json!([])),
                Some(json!([{"action": "Allow", "value": "0.0.0.0/0"}])),
                Some(json!([{"action": "Allow", "value": "203.0.113.7"}, {"action": "Allow", "value": "198.51.100.0/24"}])),
                Some(json!([{"action": "Allow", "value": "203.0.113.7"}, {"action": "Allow", "value": "0.0.0.0/0"}])),
            ]),
        );
        put(
            &mut nrs,
            "virtualNetworkRules",
            rng.pick(&[
                None,
                Some(Value::Null),
                Some(json!([])),
                Some(json!([{"action": "Allow", "id": format!("/subscriptions/{sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s")}])),
            ]),
        );
        p.insert("networkRuleSet".into(), Value::Object(nrs));
    }
    if rng.chance(75) {
        let mut pol = Map::new();
        for key in [
            "quarantinePolicy",
            "exportPolicy",
            "azureADAuthenticationAsArmPolicy",
            "retentionPolicy",
            "trustPolicy",
        ] {
            if rng.chance(70) {
                let mut x = Map::new();
                put(&mut x, "status", status(rng));
                if key == "retentionPolicy" {
                    x.insert("days".into(), json!(7));
                }
                if key == "trustPolicy" {
                    x.insert("type".into(), json!("Notary"));
                }
                pol.insert(key.into(), Value::Object(x));
            }
        }
        p.insert("policies".into(), Value::Object(pol));
    }
    put(
        &mut p,
        "zoneRedundancy",
        rng.pick(&[
            None,
            Some(json!("Enabled")),
            Some(json!("Disabled")),
            Some(json!("disabled")),
        ]),
    );
    if rng.chance(60) {
        let mut enc = Map::new();
        put(
            &mut enc,
            "status",
            rng.pick(&[
                None,
                Some(json!("enabled")),
                Some(json!("disabled")),
                Some(json!("Enabled")),
            ]),
        );
        if rng.chance(40) {
            enc.insert(
                "keyVaultProperties".into(),
                json!({"keyIdentifier": "https://kv.vault.azure.net/keys/k", "identity": "abc"}),
            );
        }
        p.insert("encryption".into(), Value::Object(enc));
    }
    put(
        &mut p,
        "dataEndpointEnabled",
        rng.pick(&[None, Some(json!(true)), Some(json!(false))]),
    );
    put(
        &mut p,
        "roleAssignmentMode",
        rng.pick(&[
            None,
            Some(json!("AbacRepositoryPermissions")),
            Some(json!("LegacyRegistryPermissions")),
            Some(json!("abacrepositorypermissions")),
        ]),
    );
    put(
        &mut p,
        "networkRuleBypassOptions",
        rng.pick(&[None, Some(json!("AzureServices")), Some(json!("None"))]),
    );
    put(
        &mut p,
        "networkRuleBypassAllowedForTasks",
        rng.pick(&[None, Some(json!(true)), Some(json!(false))]),
    );
    let pec = |st: &str, n: usize| {
        json!({
            "id": format!("{id}/privateEndpointConnections/pec{n}"),
            "name": format!("pec{n}"),
            "properties": {
                "privateEndpoint": {"id": format!("/subscriptions/{sub}/resourceGroups/net/providers/Microsoft.Network/privateEndpoints/pe{n}")},
                "privateLinkServiceConnectionState": {"status": st, "description": ""},
                "provisioningState": "Succeeded"
            }
        })
    };
    match rng.below(7) {
        0 => {}
        6 => {
            p.insert("privateEndpointConnections".into(), Value::Null);
        }
        1 => {
            p.insert("privateEndpointConnections".into(), json!([]));
        }
        2 => {
            p.insert(
                "privateEndpointConnections".into(),
                json!([pec("Approved", 0)]),
            );
        }
        3 => {
            p.insert(
                "privateEndpointConnections".into(),
                json!([pec("Pending", 0)]),
            );
        }
        4 => {
            p.insert(
                "privateEndpointConnections".into(),
                json!([pec("Pending", 0), pec("Approved", 1)]),
            );
        }
        _ => {
            p.insert(
                "privateEndpointConnections".into(),
                json!([pec("approved", 0), pec("Rejected", 1)]),
            );
        }
    }
    p.insert("loginServer".into(), json!(format!("{name}.azurecr.io")));
    p.insert("provisioningState".into(), json!("Succeeded"));
    let mut body = Map::new();
    body.insert("id".into(), json!(id));
    body.insert("name".into(), json!(name));
    // Resource Graph and some exports spell types in lower case.
    let ty = if i % 9 == 8 {
        "microsoft.containerregistry/registries"
    } else {
        "Microsoft.ContainerRegistry/registries"
    };
    body.insert("type".into(), json!(ty));
    body.insert(
        "location".into(),
        json!(rng.pick(&[
            "eastus",
            "East US",
            "westeurope",
            "West Europe",
            "EASTUS",
            "eastus2"
        ])),
    );
    put(
        &mut body,
        "tags",
        rng.pick(&[
            None,
            Some(json!({})),
            Some(json!({"env": "prod"})),
            Some(json!({"Env": "dev", "owner": "team"})),
        ]),
    );
    put(
        &mut body,
        "sku",
        rng.pick(&[
            None,
            Some(json!({"name": "Basic", "tier": "Basic"})),
            Some(json!({"name": "Standard", "tier": "Standard"})),
            Some(json!({"name": "Premium", "tier": "Premium"})),
            Some(json!({"name": "premium", "tier": "Premium"})),
            Some(json!({"name": null})),
            Some(json!({})),
        ]),
    );
    if rng.chance(30) {
        body.insert(
            "identity".into(),
            json!({"type": "SystemAssigned", "principalId": "p", "tenantId": "t"}),
        );
    }
    if i % 11 == 10 {
        p = p
            .into_iter()
            .map(|(k, v)| {
                let mut c = k.chars();
                let first = c.next().map(|f| f.to_ascii_uppercase()).unwrap_or_default();
                (format!("{first}{}", c.as_str()), v)
            })
            .collect();
    }
    body.insert("properties".into(), Value::Object(p));
    (Value::Object(body), id)
}

fn children(rng: &mut Rng, reg_id: &str, i: usize, out: &mut Vec<Value>) {
    let sub = reg_id.split('/').nth(2).unwrap_or_default().to_string();
    let ty = "Microsoft.ContainerRegistry/registries";
    if rng.chance(35) {
        let n = format!("tok{i}");
        let mut p = Map::new();
        put(&mut p, "status", status(rng));
        put(
            &mut p,
            "scopeMapId",
            rng.pick(&[
                None,
                Some(json!(format!("{reg_id}/scopeMaps/_repositories_pull"))),
                Some(json!(format!("{reg_id}/scopeMaps/custom{i}"))),
            ]),
        );
        out.push(json!({"id": format!("{reg_id}/tokens/{n}"), "name": n, "type": format!("{ty}/tokens"), "properties": p}));
    }
    if rng.chance(25) {
        let n = rng.pick(&["_repositories_pull".to_string(), format!("custom{i}")]);
        let actions = rng.pick(&[
            json!([]),
            json!(["repositories/app/content/read"]),
            json!([
                "repositories/*/content/read",
                "repositories/app/content/write"
            ]),
        ]);
        out.push(json!({"id": format!("{reg_id}/scopeMaps/{n}"), "name": n, "type": format!("{ty}/scopeMaps"), "properties": {"actions": actions}}));
    }
    if rng.chance(20) {
        let n = format!("cache{i}");
        let mut p = Map::new();
        p.insert("sourceRepository".into(), json!("docker.io/library/nginx"));
        put(
            &mut p,
            "credentialSetResourceId",
            rng.pick(&[None, Some(json!(format!("{reg_id}/credentialSets/cs")))]),
        );
        out.push(json!({"id": format!("{reg_id}/cacheRules/{n}"), "name": n, "type": format!("{ty}/cacheRules"), "properties": p}));
    }
    if rng.chance(30) {
        let n = format!("pec{i}");
        let pe_sub = rng.pick(&[
            sub.clone(),
            "33333333-3333-3333-3333-333333333333".to_string(),
            "44444444-4444-4444-4444-444444444444".to_string(),
        ]);
        let mut p = Map::new();
        put(
            &mut p,
            "privateLinkServiceConnectionState",
            rng.pick(&[
                None,
                Some(json!({"status": "Approved"})),
                Some(json!({"status": "Pending"})),
                Some(json!({"status": "approved"})),
            ]),
        );
        put(&mut p, "privateEndpoint", rng.pick(&[
            None,
            Some(json!({"id": format!("/subscriptions/{pe_sub}/resourceGroups/net/providers/Microsoft.Network/privateEndpoints/pe{i}")})),
        ]));
        out.push(json!({"id": format!("{reg_id}/privateEndpointConnections/{n}"), "name": n, "type": format!("{ty}/privateEndpointConnections"), "properties": p}));
    }
    if rng.chance(15) {
        let n = format!("rep{i}");
        out.push(json!({"id": format!("{reg_id}/replications/{n}"), "name": n, "type": format!("{ty}/replications"),
            "location": rng.pick(&["westus", "West US"]),
            "properties": {"zoneRedundancy": rng.pick(&["Enabled", "Disabled"]), "regionEndpointEnabled": true}}));
    }
    if rng.chance(10) {
        let n = format!("conn{i}");
        let mut p = Map::new();
        put(
            &mut p,
            "logging",
            rng.pick(&[
                None,
                Some(json!({"auditLogStatus": "Enabled", "logLevel": "Information"})),
                Some(json!({"auditLogStatus": "Disabled"})),
            ]),
        );
        out.push(json!({"id": format!("{reg_id}/connectedRegistries/{n}"), "name": n, "type": format!("{ty}/connectedRegistries"), "properties": p}));
    }
    if rng.chance(40) {
        let n = rng.pick(&[
            "setByPolicy-LogAnalytics",
            "setByPolicy-EventHub",
            "diag",
            "setByPolicy-Storage",
        ]);
        let logs = rng.pick(&[
            json!([]),
            json!([{"categoryGroup": "audit", "enabled": true}]),
            json!([{"categoryGroup": "allLogs", "enabled": true}]),
            json!([{"categoryGroup": "audit", "enabled": false}, {"categoryGroup": "allLogs", "enabled": false}]),
            json!([{"category": "ContainerRegistryLoginEvents", "enabled": true}, {"category": "ContainerRegistryRepositoryEvents", "enabled": true}]),
            json!([{"categoryGroup": "audit", "enabled": true}, {"categoryGroup": "allLogs", "enabled": false}]),
            json!([{"categoryGroup": "audit", "enabled": true}, {"categoryGroup": "allLogs", "enabled": false}]),
            json!([{"categoryGroup": "Audit", "enabled": "true"}, {"categoryGroup": "allLogs", "enabled": false}]),
        ]);
        let mut p = Map::new();
        p.insert("logs".into(), logs);
        put(
            &mut p,
            "workspaceId",
            rng.pick(&[
                None,
                Some(json!(WORKSPACE)),
                Some(json!(WORKSPACE.to_uppercase())),
            ]),
        );
        put(
            &mut p,
            "storageAccountId",
            rng.pick(&[None, Some(json!(STORAGE))]),
        );
        if rng.chance(50) {
            p.insert("eventHubAuthorizationRuleId".into(), json!(EVENT_HUB_RULE));
            put(
                &mut p,
                "eventHubName",
                rng.pick(&[None, Some(json!("Monitoring")), Some(json!("other"))]),
            );
        }
        out.push(json!({"id": format!("{reg_id}/providers/Microsoft.Insights/diagnosticSettings/{n}"), "name": n,
            "type": "Microsoft.Insights/diagnosticSettings", "properties": p}));
    }
    if rng.chance(40) {
        let n = rng.pick(&[
            "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5",
            "dbd0cb49-b563-45e7-9724-889e799fa648",
        ]);
        let code = rng.pick(&["Healthy", "Unhealthy", "NotApplicable"]);
        out.push(json!({"id": format!("{reg_id}/providers/Microsoft.Security/assessments/{n}"), "name": n,
            "type": "Microsoft.Security/assessments", "properties": {"status": {"code": code}}}));
    }
    if rng.chance(25) {
        let role = rng.pick(&[
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
            "7f951dda-4ed3-4680-a7ca-43fe172d538d", // AcrPull
            "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
        ]);
        let n = format!("00000000-0000-0000-0000-{i:012}");
        out.push(json!({"id": format!("{reg_id}/providers/Microsoft.Authorization/roleAssignments/{n}"), "name": n,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
                "principalId": "p", "scope": reg_id}}));
    }
}

fn private_endpoint(rng: &mut Rng, i: usize, out: &mut Vec<Value>) {
    let rg = if i.is_multiple_of(4) {
        format!("rg{}", i % 7)
    } else {
        "net".to_string()
    };
    let id = format!(
        "/subscriptions/{SUB_A}/resourceGroups/{rg}/providers/Microsoft.Network/privateEndpoints/pe{i}"
    );
    let groups = rng.pick(&[
        json!(["registry"]),
        json!(["blob"]),
        json!([]),
        json!(["Registry", "registry_data_eastus"]),
    ]);
    let conns = rng.pick(&[
        json!([]),
        json!([{"name": "c", "properties": {"privateLinkServiceId": "/x", "groupIds": groups}}]),
    ]);
    let mut p = Map::new();
    put(
        &mut p,
        "privateLinkServiceConnections",
        rng.pick(&[None, Some(conns.clone()), Some(conns)]),
    );
    out.push(
        json!({"id": id, "name": format!("pe{i}"), "type": "Microsoft.Network/privateEndpoints",
        "location": rng.pick(&["eastus", "East US"]), "properties": p}),
    );
    if rng.chance(50) {
        out.push(json!({"id": format!("{id}/privateDnsZoneGroups/default"), "name": "default",
            "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "properties": {"privateDnsZoneConfigs": [{"name": "z", "properties": {"privateDnsZoneId": "/z"}}]}}));
    }
}

/// ARM serves the entries of a registry's `privateEndpointConnections`
/// array as its child resources `registries/privateEndpointConnections`:
/// one set, two views. Child connections are listed in the body; listed
/// connections are also emitted as child resources when `emit_listed`
/// (an export with the children), else only the body lists them (an
/// export of the registry alone).
fn sync_connections(reg: &mut Value, kids: &mut Vec<Value>, emit_listed: bool) {
    let props = reg["properties"].as_object_mut().expect("properties");
    let key = props
        .keys()
        .find(|k| k.eq_ignore_ascii_case("privateEndpointConnections"))
        .cloned()
        .unwrap_or_else(|| "privateEndpointConnections".to_string());
    let child_pecs: Vec<Value> = kids
        .iter()
        .filter(|k| {
            k["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("/privateEndpointConnections"))
        })
        .cloned()
        .collect();
    let listed: Vec<Value> = props
        .get(&key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if emit_listed {
        for item in &listed {
            if !child_pecs.iter().any(|c| c["name"] == item["name"]) {
                let mut child = item.clone();
                child["type"] =
                    json!("Microsoft.ContainerRegistry/registries/privateEndpointConnections");
                kids.push(child);
            }
        }
    }
    if !child_pecs.is_empty() {
        let mut all = listed;
        for c in child_pecs {
            if !all.iter().any(|x| x["name"] == c["name"]) {
                all.push(json!({"id": c["id"], "name": c["name"], "properties": c["properties"]}));
            }
        }
        props.insert(key, Value::Array(all));
    }
}

fn resources() -> Vec<Value> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();
    for i in 0..420 {
        let (mut reg, id) = registry(&mut rng, i);
        let mut kids = Vec::new();
        children(&mut rng, &id, i, &mut kids);
        sync_connections(&mut reg, &mut kids, i.is_multiple_of(2));
        out.push(reg);
        out.extend(kids);
    }
    for i in 0..80 {
        private_endpoint(&mut rng, i, &mut out);
    }
    for (sub, tier) in [(SUB_A, "Standard"), (SUB_B, "Free")] {
        out.push(json!({"id": format!("/subscriptions/{sub}"), "name": sub, "type": "Microsoft.Resources/subscriptions",
            "subscriptionId": sub, "properties": {}}));
        out.push(json!({"id": format!("/subscriptions/{sub}/providers/Microsoft.Security/pricings/ContainerRegistry"),
            "name": "ContainerRegistry", "type": "Microsoft.Security/pricings",
            "properties": {"pricingTier": tier, "subPlan": "DefenderForContainerRegistries"}}));
    }
    out
}

// ---------------------------------------------------------------------------
// Allow-list
// ---------------------------------------------------------------------------

/// One disagreement, with what the allow-list predicates need.
struct Case<'a> {
    subject: &'a Subject,
    body: &'a Value,
    all: &'a [Value],
    acrpc: Verdict,
    /// regorus' verdict on another body (same rule, same input).
    regorus_on: &'a dyn Fn(&Value) -> Verdict,
    /// acrpc's verdict on a body within another input.
    acrpc_on: &'a dyn Fn(&Value, &[Value]) -> Verdict,
}

impl Case<'_> {
    /// The disagreement disappears when `mutated` replaces the body, and
    /// acrpc's verdict does not change: the mutation is exactly the
    /// difference between the two readings.
    fn explained_by(&self, mutated: &Value) -> bool {
        mutated != self.body
            && (self.acrpc_on)(mutated, self.all) == self.acrpc
            && (self.regorus_on)(mutated) == self.acrpc
    }
}

struct Allowed {
    name: &'static str,
    condition: &'static str,
    reason: &'static str,
    applies: fn(&Case) -> bool,
}

/// Leaf conditions of a rule's `if`, with whether they sit inside a
/// `count` (where `[*]` means the current element, not all elements).
fn leaves<'v>(c: &'v Value, in_count: bool, out: &mut Vec<(&'v Map<String, Value>, bool)>) {
    let Some(o) = c.as_object() else { return };
    for key in ["allOf", "anyOf"] {
        if let Some(items) = get_ci(o, key) {
            for i in items.as_array().into_iter().flatten() {
                leaves(i, in_count, out);
            }
            return;
        }
    }
    if let Some(inner) = get_ci(o, "not") {
        return leaves(inner, in_count, out);
    }
    if let Some(count) = get_ci(o, "count") {
        if let Some(w) = count.get("where") {
            leaves(w, true, out);
        }
        return;
    }
    out.push((o, in_count));
}

fn rule_leaves(s: &Subject) -> Vec<(&Map<String, Value>, bool)> {
    let mut out = Vec::new();
    leaves(&s.acrpc.policy_rule["if"], false, &mut out);
    out
}

/// Walks a dotted ARM path (no `[*]`) case-insensitively.
fn walk<'v>(body: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = body;
    for seg in path.split('.') {
        cur = get_ci(cur.as_object()?, seg)?;
    }
    (!cur.is_null()).then_some(cur)
}

/// Sets a dotted ARM path, creating objects on the way (case-insensitive).
fn set_path(body: &mut Value, path: &str, v: Value) {
    let mut cur = body;
    let segs: Vec<&str> = path.split('.').collect();
    for (i, seg) in segs.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        let o = cur.as_object_mut().unwrap();
        let key = o
            .keys()
            .find(|k| k.eq_ignore_ascii_case(seg))
            .cloned()
            .unwrap_or_else(|| seg.to_string());
        if i + 1 == segs.len() {
            o.insert(key, v);
            return;
        }
        cur = o.entry(key).or_insert(Value::Null);
    }
}

/// A `[*]` field condition outside `count` reads an absent array, and
/// making that array `[]` makes regorus agree (acrpc reads both the same).
fn star_on_missing_array(c: &Case) -> bool {
    let mut mutated = c.body.clone();
    for (o, in_count) in rule_leaves(c.subject) {
        if let Some((array, _)) = get_ci(o, "path")
            .and_then(Value::as_str)
            .and_then(|p| p.split_once("[*]"))
            .filter(|_| !in_count)
            && !array.contains("[*]")
            && walk(c.body, array).is_none()
        {
            set_path(&mut mutated, array, json!([]));
        }
    }
    c.explained_by(&mutated)
}

/// A `location` condition on a resource whose location is in display
/// form, and writing it in the normalised form makes regorus agree.
fn location_display_form(c: &Case) -> bool {
    let loc = c.body["location"].as_str().unwrap_or_default();
    let reads_location = rule_leaves(c.subject).iter().any(|(o, _)| {
        get_ci(o, "field")
            .and_then(Value::as_str)
            .is_some_and(|f| f.eq_ignore_ascii_case("location"))
    });
    let mut mutated = c.body.clone();
    mutated["location"] = json!(loc.replace(' ', "").to_lowercase());
    reads_location && c.explained_by(&mutated)
}

/// A `like`/`notLike` pattern with `?` that the value matches only when
/// `?` stands for any one character: regorus matched, acrpc did not.
fn like_question_mark(c: &Case) -> bool {
    rule_leaves(c.subject).iter().any(|(o, _)| {
        let path = get_ci(o, "path")
            .or_else(|| get_ci(o, "field"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let value = walk(c.body, path)
            .and_then(Value::as_str)
            .unwrap_or_default();
        ["like", "notLike"].iter().any(|k| {
            get_ci(o, k).and_then(Value::as_str).is_some_and(|p| {
                p.contains('?')
                    && !acrpc::eval::compare::like(value, p)
                    && acrpc::eval::compare::like(value, &p.replace('?', "*"))
            })
        })
    })
}

/// A `[*].x` field condition outside `count` over an array some of whose
/// elements lack `x`, and dropping those elements makes regorus agree
/// (acrpc selects no value from them, so its verdict is unchanged).
fn star_element_missing_property(c: &Case) -> bool {
    let mut mutated = c.body.clone();
    let mut changed = false;
    for (o, in_count) in rule_leaves(c.subject) {
        let Some((array, rest)) = get_ci(o, "path")
            .and_then(Value::as_str)
            .and_then(|p| p.split_once("[*]."))
            .filter(|(a, r)| !in_count && !a.contains("[*]") && !r.contains("[*]"))
        else {
            continue;
        };
        let Some(items) = walk(c.body, array).and_then(Value::as_array) else {
            continue;
        };
        let kept: Vec<Value> = items
            .iter()
            .filter(|e| walk(e, rest).is_some())
            .cloned()
            .collect();
        if kept.len() < items.len() {
            set_path(&mut mutated, array, Value::Array(kept));
            changed = true;
        }
    }
    changed && c.explained_by(&mutated)
}

/// Documented places where regorus departs from Azure's documentation
/// (prose: tests/regorus_allowlist.md). Each must be hit at least once.
const ALLOWED: &[Allowed] = &[
    Allowed {
        name: "regorus-star-on-missing-array",
        condition: "a `[*]` field condition outside count, on a resource where the array is absent",
        reason: "author-policies-for-arrays: a missing array's `[*]` is \"an empty collection of values\" and \
                 \"if the array is empty, the condition will evaluate to true\"; regorus iterates one virtual \
                 null element (commit e5ac9a2, implicit_allof.yaml `allof_missing_array_is_false`), so \
                 `equals`/`exists: true` are false there (semantics-notes §3)",
        applies: star_on_missing_array,
    },
    Allowed {
        name: "regorus-location-not-normalised",
        condition: "a `location` condition, resource location in display form (`East US`)",
        reason: "definition-structure-policy-rule, Fields: \"Location fields are normalized to support various \
                 formats. For example, East US 2 is considered equal to eastus2\"; regorus compares location \
                 as a plain case-insensitive string (no normalisation in src/builtins/azure_policy) (notes §6)",
        applies: location_display_form,
    },
    Allowed {
        name: "regorus-like-question-mark",
        condition: "a `like`/`notLike` pattern containing `?`",
        reason: "definition-structure-policy-rule: for `like` \"you provide a wildcard character (*)\" (the only \
                 wildcard); regorus `helpers.rs::wildcard_match` also treats `?` as a one-character wildcard \
                 (notes §11); acrpc reads `?` literally",
        applies: like_question_mark,
    },
    Allowed {
        name: "regorus-star-element-missing-property",
        condition: "a `[*].x` field condition outside count, on an array with elements that lack `x`",
        reason: "author-policies-for-arrays: a `[*]` alias is \"a collection of property values selected from \
                 an array property\" and the field condition \"checks whether all individual values meet the \
                 condition\"; an element without `x` contributes no value (as `missingArray[*].property` is \
                 \"an empty collection of values\"). regorus evaluates such an element with a null value, \
                 so `equals` fails. Low confidence: no Microsoft table shows an element missing the property",
        applies: star_element_missing_property,
    },
];

/// Disagreements where acrpc departs from Azure's documentation; the lead
/// fixes these. Each must be hit at least once.
const KNOWN_ACRPC_BUGS: &[Allowed] = &[
    // Fixed: related resources outside the existence scope
    // (eval::is_related compares resource group and subscription), and
    // listed private endpoint connections read ignoring key case.
];

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

#[test]
fn acrpc_agrees_with_regorus() {
    let Some(dir) = shared_builtins() else {
        return;
    };
    let mut subjects = builtin_subjects(&dir);
    let probes = probe_subjects(&subjects);
    subjects.extend(baseline_subjects());
    subjects.extend(probes);
    let bodies = resources();
    assert!(bodies.len() >= 500, "only {} resources", bodies.len());
    if let Ok(path) = std::env::var("REGORUS_DIFF_DUMP") {
        std::fs::write(&path, serde_json::to_string_pretty(&bodies).unwrap()).expect("dump");
    }
    let loaded = export::load(&Value::Array(bodies.clone()), "generated", "");
    assert_eq!(loaded.len(), bodies.len());

    let engine = Regorus {
        registry: alias_registry(),
    };
    let mut compile_failures = Vec::new();
    let mut compared = 0usize;
    let mut agreed = 0usize;
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut hits = vec![0usize; ALLOWED.len()];
    let mut bug_hits = vec![0usize; KNOWN_ACRPC_BUGS.len()];
    let mut failures: Vec<String> = Vec::new();
    let mut verdict_counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut agreed_by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut hit_rules: BTreeMap<(&str, String), usize> = BTreeMap::new();

    for s in &subjects {
        let compiled = match engine.compile(s) {
            Ok(c) => c,
            Err(e) => {
                compile_failures.push(format!("{}: {e}", s.id));
                continue;
            }
        };
        let mut params = acrpc::eval::parameter_values(&s.acrpc, &s.overrides);
        for (k, v) in &s.overrides {
            params.insert(k.clone(), v.clone());
        }
        let env = Env {
            resources: &loaded,
            overrides: s.overrides.clone(),
            ..Env::default()
        };
        for (body, res) in bodies.iter().zip(&loaded) {
            let ours = evaluate(&s.acrpc, res, &env);
            if ours.verdict == Verdict::Unknown {
                *skipped
                    .entry(ours.reason.as_deref().unwrap_or_default().to_string())
                    .or_default() += 1;
                continue;
            }
            let theirs = engine.verdict(s, &compiled, body, &bodies, &params);
            compared += 1;
            *verdict_counts
                .entry((s.id.clone(), ours.verdict.as_str().to_string()))
                .or_default() += 1;
            if ours.verdict == theirs {
                agreed += 1;
                *agreed_by_rule.entry(s.id.clone()).or_default() += 1;
                continue;
            }
            let regorus_on = |b: &Value| engine.verdict(s, &compiled, b, &bodies, &params);
            let acrpc_on = |b: &Value, all: &[Value]| {
                let owned;
                let input: &[acrpc::inputs::Resource] = if all.len() == bodies.len() {
                    &loaded
                } else {
                    owned = export::load(&Value::Array(all.to_vec()), "generated", "");
                    &owned
                };
                let me = export::load(b, "mutated", "");
                let env = Env {
                    resources: input,
                    overrides: s.overrides.clone(),
                    ..Env::default()
                };
                evaluate(&s.acrpc, &me[0], &env).verdict
            };
            let case = Case {
                subject: s,
                body,
                all: &bodies,
                acrpc: ours.verdict,
                regorus_on: &regorus_on,
                acrpc_on: &acrpc_on,
            };
            if let Some(k) = ALLOWED.iter().position(|a| (a.applies)(&case)) {
                hits[k] += 1;
                *hit_rules
                    .entry((ALLOWED[k].name, s.id.clone()))
                    .or_default() += 1;
                continue;
            }
            if let Some(k) = KNOWN_ACRPC_BUGS.iter().position(|a| (a.applies)(&case)) {
                bug_hits[k] += 1;
                *hit_rules
                    .entry((KNOWN_ACRPC_BUGS[k].name, s.id.clone()))
                    .or_default() += 1;
                continue;
            }
            failures.push(format!(
                "| {} | {} | acrpc {} ({}) | regorus {} |\n    {}",
                s.id,
                body["id"].as_str().unwrap_or_default(),
                ours.verdict.as_str(),
                ours.reason.as_deref().unwrap_or("-"),
                theirs.as_str(),
                serde_json::to_string(body).unwrap()
            ));
        }
    }

    let skipped_total: usize = skipped.values().sum();
    println!(
        "regorus diff: {} rules x {} resources; compared {compared}, agreed {agreed}, skipped-unknown {skipped_total}, regorus compile failures {}",
        subjects.len(),
        bodies.len(),
        compile_failures.len()
    );
    let mut groups: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for ((id, _), n) in &verdict_counts {
        groups
            .entry(id.split(':').next().unwrap_or_default())
            .or_default()
            .0 += n;
    }
    for (id, n) in &agreed_by_rule {
        groups
            .entry(id.split(':').next().unwrap_or_default())
            .or_default()
            .1 += n;
    }
    for (g, (c, a)) in &groups {
        println!("  {g:<9} compared {c:>6}, agreed {a:>6}");
    }
    for (reason, n) in &skipped {
        println!("  skipped {n:>6}: {reason}");
    }
    for (a, n) in ALLOWED.iter().zip(&hits) {
        println!(
            "  allowed {n:>6}: {} — {}\n                  because {}",
            a.name, a.condition, a.reason
        );
    }
    for (a, n) in KNOWN_ACRPC_BUGS.iter().zip(&bug_hits) {
        println!(
            "  acrpc bug {n:>4}: {} — {}\n                  because {}",
            a.name, a.condition, a.reason
        );
    }
    // Every rule must meet resources it applies to, except those that
    // cannot apply to a resource body: manual (attested) rules, and the one
    // built-in whose mode Indexed excludes its only target type.
    let applied: BTreeSet<&str> = verdict_counts
        .keys()
        .filter(|(_, v)| v != "not_applicable")
        .map(|(id, _)| id.as_str())
        .collect();
    let never: BTreeSet<&str> = subjects
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| !applied.contains(id))
        .collect();
    const NEVER_APPLICABLE: &[&str] = &[
        "builtin:ACRRestrictExternalPrivateEndpoint",
        "baseline:access-logs-reviewed",
        "baseline:images-signed-and-verified",
        "baseline:mfa-for-registry-access",
    ];
    if std::env::var("REGORUS_DIFF_VERBOSE").is_ok() {
        for ((id, v), n) in &verdict_counts {
            println!("    {id} {v} {n}");
        }
        for ((entry, id), n) in &hit_rules {
            println!("    hit {entry} {id} {n}");
        }
    }
    let mut problems = Vec::new();
    if never != NEVER_APPLICABLE.iter().copied().collect() {
        problems.push(format!(
            "rules the generated resources never reach (expected {NEVER_APPLICABLE:?}): {never:?}"
        ));
    }
    if !compile_failures.is_empty() {
        problems.push(format!(
            "regorus could not compile:\n  {}",
            compile_failures.join("\n  ")
        ));
    }
    for (a, n) in ALLOWED.iter().zip(&hits) {
        if *n == 0 {
            problems.push(format!(
                "allow-list entry `{}` was never hit: remove it",
                a.name
            ));
        }
    }
    for (a, n) in KNOWN_ACRPC_BUGS.iter().zip(&bug_hits) {
        if *n == 0 {
            problems.push(format!(
                "KNOWN_ACRPC_BUGS entry `{}` was never hit: fixed? remove it",
                a.name
            ));
        }
    }
    if !failures.is_empty() {
        let total = failures.len();
        if std::env::var("REGORUS_DIFF_ALL").is_err() {
            failures.truncate(60);
        }
        problems.push(format!(
            "{total} disagreements (first {}):\n| rule | resource | acrpc | regorus |\n{}",
            failures.len(),
            failures.join("\n")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
