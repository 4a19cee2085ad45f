//! `acrpc check`'s core: every rule on every resource of every input, the
//! deploy-time and after-deployment verdicts, suppressions, and the
//! results the reports print. Pure: the CLI reads files and writes output.
#![allow(clippy::indexing_slicing)] // not yet worked down: 10 sites

pub mod exempt;
pub mod report;

use crate::catalog::catalog;
use crate::eval::fields::GenericValues;
use crate::eval::{self, Env, Outcome, Rule, Verdict};
use crate::inputs::{Origin, Resource, Suppression, suppress};
use rayon::prelude::*;
use serde_json::{Map, Value};

/// The bundled baseline's rules as `acrpc build` compiles them: the
/// reviewed golden `checker.json` of `rulepacks/acr-baseline.acrp` (an insta
/// snapshot: a header between `---` lines, then the file). Embedding the
/// compiled rules instead of the pack spares every `acrpc check` run the
/// parse, check and emit of the pack (start-up); tests/golden.rs keeps the
/// snapshot equal to the compiler's output and `the_bundled_baseline_is_the_compiled_pack`
/// below checks it against the pack.
const BASELINE_CHECKER: &str =
    include_str!("../../golden/rulepacks/acr-baseline__checker.json.snap");

/// The rules of the bundled baseline pack.
pub fn bundled_rules() -> Vec<Rule> {
    // acrpc's own output, read without a `Value` tree (start-up); tests
    // below keep it equal to reading it as any `--rules` file.
    eval::from_own_checker(snapshot_body(BASELINE_CHECKER), "bundled acr-baseline")
        .unwrap_or_default()
}

/// The contents of an insta snapshot file, after its `---` header.
fn snapshot_body(snap: &str) -> &str {
    snap.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(snap, |(_, body)| body)
}

/// One input file's resources.
pub struct Input {
    /// The path as the user gave it.
    pub file: String,
    /// `arm`, `export`, `terraform`.
    pub format: &'static str,
    pub resources: Vec<Resource>,
    /// The file's text, to locate properties for reports.
    pub text: String,
    /// The parameters file a directory scan paired with this template
    /// (`X.parameters.dev.json` beside `X.json`): each pairing is its own
    /// check of the template, named by the reports.
    pub parameters: Option<String>,
}

impl Input {
    /// How the reports name this input: the file, and the parameters file
    /// paired with it: `main.json (parameters: main.parameters.dev.json)`.
    pub fn label(&self) -> std::borrow::Cow<'_, str> {
        match &self.parameters {
            None => std::borrow::Cow::Borrowed(&self.file),
            Some(p) => std::borrow::Cow::Owned(format!("{} (parameters: {p})", self.file)),
        }
    }
}

/// A problem with one input file rather than a rule's verdict: a file that
/// does not load, one a directory scan skipped, a warning about what it
/// holds. The CLI prints them as diagnostics and puts them in the report, so
/// that a report read without the terminal still says which files were not
/// checked (issue 15).
#[derive(Debug, Clone, PartialEq)]
pub struct FileProblem {
    /// The path as the user gave it or the scan found it.
    pub file: String,
    /// The diagnostic code (`E0501`, `W0504`, …).
    pub code: &'static str,
    /// An error (the file was not checked, the run exits 2) or a warning.
    pub error: bool,
    pub message: String,
    /// 1-based; 1:1 when the problem is the whole file.
    pub line: usize,
    pub column: usize,
}

/// What the command line sets.
#[derive(Default, Clone)]
pub struct Settings {
    pub overrides: Map<String, Value>,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    /// `YYYY-MM-DD`, for suppression expiry.
    pub today: String,
    /// Exemptions of the packs' assignments (`--pack`), honoured like
    /// suppressions where the resource id shows they apply.
    pub exemptions: Vec<exempt::Exemption>,
    /// The packs' assignments (`--pack`): their `notScopes` and resource
    /// selectors leave resources unevaluated.
    pub assignments: Vec<exempt::Assignment>,
    /// `--management-group`: groups the input's subscriptions are in.
    pub management_groups: Vec<String>,
    /// `--complete-scope`: every input holds everything in its scope, so an
    /// export of one resource can still answer existence checks.
    pub complete_scope: bool,
}

/// A suppression applied to a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub suppression: Suppression,
    /// An expired suppression no longer hides the finding.
    pub expired: bool,
    /// Declared outside the input: an exemption or assignment of a
    /// `--pack` (SARIF `external`), not a suppression in the input
    /// (`inSource`).
    pub external: bool,
}

/// A value the deployed resource will have that the request does not set:
/// a service default from the catalog, or what other resources of the input
/// create (private endpoint connections).
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    pub path: String,
    pub value: Value,
    /// Created by other resources of the input rather than a service default.
    pub by_input: bool,
}

/// A deployment request checked as Azure sees it (unset properties
/// missing) and as the compliance scan sees it after deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Phases {
    pub at_deploy: Verdict,
    pub after_deploy: Verdict,
    /// The service defaults, read by the rule, that were filled in.
    pub defaults: Vec<Filled>,
}

/// One rule on one resource.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// Index into [`Report::rules`].
    pub rule: usize,
    /// Index into [`Report::inputs`] and that input's resources.
    pub input: usize,
    pub resource: usize,
    /// The verdict that counts (see [`combine`]).
    pub verdict: Verdict,
    /// Templates and plans whose deploy-time and after-deployment verdicts
    /// differ: both, and the defaults that make the difference.
    pub phases: Option<Phases>,
    /// The evaluation behind `verdict`.
    pub outcome: Outcome,
    pub suppressed: Option<Applied>,
}

impl CheckResult {
    /// A finding that should be acted on: non-compliant and not suppressed.
    pub fn is_finding(&self) -> bool {
        self.verdict == Verdict::NonCompliant && self.suppressed.as_ref().is_none_or(|s| s.expired)
    }

    /// Non-compliant, but excused by a suppression in force.
    pub fn is_suppressed(&self) -> bool {
        self.verdict == Verdict::NonCompliant
            && self.suppressed.as_ref().is_some_and(|s| !s.expired)
    }
}

pub struct Report {
    pub rules: Vec<Rule>,
    pub inputs: Vec<Input>,
    /// Ordered by input, resource, rule.
    pub results: Vec<CheckResult>,
    /// Problems with single files, in the order the files were read; set by
    /// the caller (`run` leaves it empty).
    pub problems: Vec<FileProblem>,
    /// Per input: its text indexed for locating properties (built on first use).
    locators: Vec<std::sync::OnceLock<crate::inputs::locate::Locator>>,
    /// The rules' texts as the JSON report prints them (built on first use).
    rule_texts: std::sync::OnceLock<Vec<report::nested::RuleTexts>>,
}

impl Report {
    /// The report of `inputs` before any rule ran: results are added by
    /// [`run`] or passed one by one by [`Report::each_result`].
    pub fn new(rules: Vec<Rule>, inputs: Vec<Input>) -> Report {
        Report {
            locators: inputs.iter().map(|_| std::sync::OnceLock::new()).collect(),
            rule_texts: std::sync::OnceLock::new(),
            rules,
            inputs,
            results: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn rule(&self, r: &CheckResult) -> &Rule {
        &self.rules[r.rule]
    }

    pub fn resource(&self, r: &CheckResult) -> &Resource {
        &self.inputs[r.input].resources[r.resource]
    }

    /// The locator of input `i`'s text.
    pub fn locator(&self, i: usize) -> &crate::inputs::locate::Locator {
        self.locators[i].get_or_init(|| crate::inputs::locate::Locator::new(&self.inputs[i].text))
    }

    pub fn count(&self, v: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == v).count()
    }

    /// Checks every rule on every resource of the report's inputs and hands
    /// each result to `sink`, in report order (input, resource, rule),
    /// without keeping them (issue 15 item 6d: a 10,000-registry export
    /// made 610,000 results, 488 MB held until the report was written).
    /// Resources are checked [`CHUNK`] at a time on every core while the
    /// previous chunk goes through `sink` on the calling thread; the first error of `sink` stops
    /// the run (a closed pipe, a full disk).
    pub fn each_result<E>(
        &self,
        settings: &Settings,
        observer: Option<&dyn eval::LeafObserver>,
        mut sink: impl FnMut(CheckResult) -> Result<(), E>,
    ) -> Result<(), E> {
        self.each_rendered(
            settings,
            observer,
            |_| (),
            |results, ()| results.into_iter().try_for_each(&mut sink),
        )
    }

    /// Checks every rule on every resource and keeps the results.
    pub fn check_all(&mut self, settings: &Settings, observer: Option<&dyn eval::LeafObserver>) {
        let mut results = Vec::new();
        let kept: Result<(), std::convert::Infallible> =
            self.each_result(settings, observer, |r| {
                results.push(r);
                Ok(())
            });
        let Ok(()) = kept;
        self.results = results;
    }

    /// [`Report::each_result`] a resource at a time, with `render` run on
    /// the pool on each resource's results (the report's text for them:
    /// the JSON report's serialisation would otherwise be one core's work)
    /// and handed to `sink` with them.
    pub fn each_rendered<R: Send, E>(
        &self,
        settings: &Settings,
        observer: Option<&dyn eval::LeafObserver>,
        render: impl Fn(&[CheckResult]) -> R + Sync,
        mut sink: impl FnMut(Vec<CheckResult>, R) -> Result<(), E>,
    ) -> Result<(), E> {
        let plan = Plan::new(&self.rules, &self.inputs, settings, observer);
        let resources: Vec<(usize, usize)> = self
            .inputs
            .iter()
            .enumerate()
            .flat_map(|(ii, input)| (0..input.resources.len()).map(move |ri| (ii, ri)))
            .collect();
        // One resource is checked on this thread: starting rayon's pool would
        // cost more than the resource (start-up, issue 15 item 6a).
        if let [(ii, ri)] = resources[..] {
            let results = plan.check_resource(ii, ri);
            let rendered = render(&results);
            return sink(results, rendered);
        }
        let check_chunk = |chunk: &[(usize, usize)]| -> Vec<(Vec<CheckResult>, R)> {
            chunk
                .par_iter()
                .map(|&(ii, ri)| {
                    let results = plan.check_resource(ii, ri);
                    let rendered = render(&results);
                    (results, rendered)
                })
                .collect()
        };
        let mut chunks = resources.chunks(CHUNK);
        let mut ready = chunks.next().map(check_chunk);
        while let Some(done) = ready.take() {
            let next = chunks.next();
            // The sink runs on this thread (it may hold standard output),
            // the next chunk on the pool meanwhile.
            let passed = rayon::in_place_scope(|s| {
                if let Some(c) = next {
                    let (check_chunk, ready) = (&check_chunk, &mut ready);
                    s.spawn(move |_| *ready = Some(check_chunk(c)));
                }
                done.into_iter().try_for_each(|(r, text)| sink(r, text))
            });
            passed?;
        }
        Ok(())
    }
}

/// Resources checked per step of [`Report::each_result`]: enough to keep
/// every core busy, few enough that the results of one step are small.
const CHUNK: usize = 128;

/// Runs every rule on every resource. Modify companions are not reported on
/// their own: their changes are attached to the rule they remedy.
pub fn run(rules: Vec<Rule>, inputs: Vec<Input>, settings: &Settings) -> Report {
    run_observed(rules, inputs, settings, None)
}

/// `run`, telling `observer` every leaf condition's outcome (coverage).
pub fn run_observed(
    rules: Vec<Rule>,
    inputs: Vec<Input>,
    settings: &Settings,
    observer: Option<&dyn eval::LeafObserver>,
) -> Report {
    let mut report = Report::new(rules, inputs);
    report.check_all(settings, observer);
    report
}

/// What a run computes once before checking resources: the reported rules,
/// their parameter values and the paths they read, an environment per input.
struct Plan<'a> {
    rules: &'a [Rule],
    /// The rules reported on their own (not modify companions).
    reported: Vec<usize>,
    params: Vec<Map<String, Value>>,
    read: Vec<Vec<String>>,
    inputs: &'a [Input],
    envs: Vec<Env<'a>>,
    settings: &'a Settings,
}

impl<'a> Plan<'a> {
    fn new(
        rules: &'a [Rule],
        inputs: &'a [Input],
        settings: &'a Settings,
        observer: Option<&'a dyn eval::LeafObserver>,
    ) -> Plan<'a> {
        let envs = inputs
            .iter()
            .map(|input| Env {
                resources: &input.resources,
                index: eval::TypeIndex::of(&input.resources),
                overrides: settings.overrides.clone(),
                subscription_id: settings.subscription_id.clone(),
                resource_group: settings.resource_group.clone(),
                // Issue 15: an export of one resource (`az acr show`, an ARM
                // GET) cannot contain the resources existence rules look for.
                single_resource: input.format == "export"
                    && input.resources.len() == 1
                    && !settings.complete_scope,
                observer,
            })
            .collect();
        Plan {
            rules,
            reported: (0..rules.len())
                .filter(|&i| rules[i].companion_of.is_none())
                .collect(),
            params: rules
                .iter()
                .map(|r| eval::parameter_values(r, &settings.overrides))
                .collect(),
            read: rules.iter().map(|r| paths_read(&r.policy_rule)).collect(),
            inputs,
            envs,
            settings,
        }
    }

    /// Every reported rule on resource `ri` of input `ii`.
    fn check_resource(&self, ii: usize, ri: usize) -> Vec<CheckResult> {
        let (resource, env) = (&self.inputs[ii].resources[ri], &self.envs[ii]);
        let filled = after_deployment(resource, env);
        // Generic field values (name, type, id) once per resource, not
        // per resource × rule.
        let generic = (
            GenericValues::of(resource),
            filled.as_ref().map(|(r, _)| GenericValues::of(r)),
        );
        let rules = Rules {
            all: self.rules,
            params: &self.params,
            read: &self.read,
        };
        self.reported
            .iter()
            .map(|&rule| {
                check_one(
                    rules,
                    rule,
                    Subject {
                        resource,
                        generic: &generic.0,
                        filled: filled.as_ref().zip(generic.1.as_ref()),
                    },
                    env,
                    self.settings,
                    (ii, ri),
                )
            })
            .collect()
    }
}

/// The rules of a run, with their parameter values and the ARM paths each
/// reads (both computed once per rule).
#[derive(Clone, Copy)]
struct Rules<'a> {
    all: &'a [Rule],
    params: &'a [Map<String, Value>],
    read: &'a [Vec<String>],
}

/// The resource a rule is checked on: as written, and as deployed (with
/// service defaults) when that differs, each with its generic field values.
struct Subject<'a> {
    resource: &'a Resource,
    generic: &'a GenericValues,
    filled: Option<(&'a (Resource, Vec<Filled>), &'a GenericValues)>,
}

fn check_one(
    rules: Rules,
    rule: usize,
    subject: Subject,
    env: &Env,
    settings: &Settings,
    (input, index): (usize, usize),
) -> CheckResult {
    let r = &rules.all[rule];
    let params = &rules.params[rule];
    let resource = subject.resource;
    let mut outcome = eval::evaluate_prepared(r, params, resource, subject.generic, env);
    let mut phases = None;
    let mut verdict = outcome.verdict;
    if let Some(((with_defaults, defaults), generic)) = subject.filled {
        let later = eval::evaluate_prepared(r, params, with_defaults, generic, env);
        if later.verdict != outcome.verdict {
            let read = &rules.read[rule];
            let used: Vec<Filled> = defaults
                .iter()
                .filter(|d| read.iter().any(|p| reads(p, &d.path)))
                .cloned()
                .collect();
            // Existence checks run after deployment (evaluationDelay), and a
            // request cannot carry what other resources create: then only
            // the deployed resource counts.
            let after_only = later.related_type.is_some()
                || (!used.is_empty() && used.iter().all(|d| d.by_input));
            verdict = if after_only {
                later.verdict
            } else {
                combine(outcome.verdict, later.verdict)
            };
            phases = Some(Phases {
                at_deploy: outcome.verdict,
                after_deploy: later.verdict,
                defaults: used,
            });
            if verdict == later.verdict {
                outcome = later;
            }
        }
    }
    if verdict == Verdict::NonCompliant
        && let Some(doubt) = &resource.condition_unknown
    {
        verdict = Verdict::Unknown;
        outcome.reason = Some(format!("the resource may not be deployed: {doubt}").into());
    }
    if verdict == Verdict::NonCompliant {
        attach_companion_changes(rules.all, rule, resource, env, &mut outcome);
    }
    let in_input = resource
        .suppressions
        .iter()
        .find(|s| names_rule(s, r))
        .cloned()
        .map(|s| (s, false));
    let suppressed = in_input
        .or_else(|| {
            let at = exempt::Whereabouts {
                subscription: settings.subscription_id.as_deref(),
                resource_group: settings.resource_group.as_deref(),
                management_groups: &settings.management_groups,
                today: &settings.today,
            };
            exempt::matching(
                &settings.assignments,
                &settings.exemptions,
                r,
                resource,
                &at,
            )
            .map(|s| (s, true))
        })
        .map(|(s, external)| Applied {
            expired: !suppress::in_force(&s, &settings.today),
            suppression: s,
            external,
        });
    CheckResult {
        rule,
        input,
        resource: index,
        verdict,
        phases,
        outcome,
        suppressed,
    }
}

/// The verdict that counts when the request and the deployed resource
/// disagree: non-compliant if either is (Azure flags it at deployment or
/// at the next compliance scan), else unknown if either is.
pub fn combine(at_deploy: Verdict, after: Verdict) -> Verdict {
    at_deploy.min(after)
}

fn names_rule(s: &Suppression, rule: &Rule) -> bool {
    [&rule.id, &rule.name]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(&s.rule))
}

/// A modify companion's operations, shown as the fix of its rule.
fn attach_companion_changes(
    rules: &[Rule],
    rule: usize,
    resource: &Resource,
    env: &Env,
    outcome: &mut Outcome,
) {
    if !outcome.changes.is_empty() {
        return;
    }
    let id = &rules[rule].id;
    if let Some(companion) = rules.iter().find(|c| c.companion_of.as_ref() == Some(id)) {
        let mut overrides = env.overrides.clone();
        overrides.insert("effect".into(), Value::String("Modify".into()));
        let env = Env {
            resources: env.resources,
            index: eval::TypeIndex::default(),
            overrides,
            subscription_id: env.subscription_id.clone(),
            resource_group: env.resource_group.clone(),
            single_resource: env.single_resource,
            observer: env.observer,
        };
        outcome.changes = eval::evaluate(companion, resource, &env).changes;
    }
}

/// Does a rule reading `path` read the filled value at `filled`
/// (itself, or inside it: `properties.privateEndpointConnections[*].…`)?
fn reads(path: &str, filled: &str) -> bool {
    let (p, f) = (path.to_ascii_lowercase(), filled.to_ascii_lowercase());
    p == f
        || p.strip_prefix(&f)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Every ARM path a rule reads.
fn paths_read(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(p) = o.get("path").and_then(Value::as_str) {
                    out.push(p.to_string());
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// A template or plan resource as the compliance scan will see it after
/// deployment: the catalog's service defaults filled in where unset, and a
/// registry's private endpoint connections created by the private endpoints
/// of the same input. `None` for exports (checked as they are) or when
/// nothing changes.
fn after_deployment(resource: &Resource, env: &Env) -> Option<(Resource, Vec<Filled>)> {
    if resource.origin == Origin::Export {
        return None;
    }
    let kind = catalog().kind_by_type(&resource.ty)?;
    let mut body = resource.body.clone();
    let mut filled = Vec::new();
    if let Some(connections) = private_endpoint_connections(resource, env)
        && set_if_missing(&mut body, CONNECTIONS, &connections)
    {
        filled.push(Filled {
            path: CONNECTIONS.to_string(),
            value: connections,
            by_input: true,
        });
    }
    for p in kind.properties {
        let Some(default) = p.default() else { continue };
        if p.arm_path.contains("[*]") {
            continue;
        }
        if set_if_missing(&mut body, p.arm_path, &default) {
            filled.push(Filled {
                path: p.arm_path.to_string(),
                value: default,
                by_input: false,
            });
        }
    }
    if filled.is_empty() {
        return None;
    }
    Some((resource.with_body(body), filled))
}

const CONNECTIONS: &str = "properties.privateEndpointConnections";

/// The connections Azure creates on a registry for the private endpoints of
/// the same input that target it: `Approved` for automatic connections
/// (`privateLinkServiceConnections`), `Pending` for manual ones
/// (private-link docs: manual requests wait for the owner's approval).
fn private_endpoint_connections(registry: &Resource, env: &Env) -> Option<Value> {
    if !registry
        .ty
        .eq_ignore_ascii_case("Microsoft.ContainerRegistry/registries")
    {
        return None;
    }
    let mut out = Vec::new();
    for pe in env.of_type("Microsoft.Network/privateEndpoints") {
        for (key, status) in [
            ("privateLinkServiceConnections", "Approved"),
            ("manualPrivateLinkServiceConnections", "Pending"),
        ] {
            let list = pe
                .body
                .pointer(&format!("/properties/{key}"))
                .and_then(Value::as_array);
            for c in list.into_iter().flatten() {
                let target = c
                    .pointer("/properties/privateLinkServiceId")
                    .and_then(Value::as_str);
                if target.is_some_and(|t| registry.is_scope_of(t)) {
                    out.push(serde_json::json!({
                        "name": format!("{}.{}", pe.name(), c.get("name").and_then(Value::as_str).unwrap_or("connection")),
                        "properties": {
                            "privateEndpoint": {"id": pe.relative_id()},
                            "privateLinkServiceConnectionState": {"status": status},
                            "provisioningState": "Succeeded",
                        }
                    }));
                }
            }
        }
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

/// Sets `path` to `value` when it is missing (keys matched ignoring case);
/// never overwrites a value, never descends into a non-object.
fn set_if_missing(body: &mut Value, path: &str, value: &Value) -> bool {
    let mut cur = body;
    let segs: Vec<&str> = path.split('.').collect();
    for (i, seg) in segs.iter().enumerate() {
        let Some(obj) = cur.as_object_mut() else {
            return false;
        };
        let key = obj
            .keys()
            .find(|k| k.eq_ignore_ascii_case(seg))
            .cloned()
            .unwrap_or_else(|| seg.to_string());
        let last = i == segs.len() - 1;
        let slot = obj.entry(key).or_insert(Value::Null);
        if last {
            if slot.is_null() {
                *slot = value.clone();
                return true;
            }
            return false;
        }
        if slot.is_null() {
            *slot = Value::Object(Map::new());
        }
        cur = slot;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bundled_baseline_is_the_compiled_pack() {
        let rules = bundled_rules();
        assert_eq!(rules.len(), 38);
        let templates: std::collections::BTreeMap<String, String> = [(
            "templates/diagnostic-settings-log-analytics.json".to_string(),
            include_str!("../../rulepacks/templates/diagnostic-settings-log-analytics.json")
                .to_string(),
        )]
        .into();
        let (_, compiled) = crate::compile::compile_str(
            "rulepacks/acr-baseline.acrp",
            include_str!("../../rulepacks/acr-baseline.acrp"),
            &templates,
        );
        let pack = compiled.pack.as_ref().expect("the baseline compiles");
        let embedded: Value = serde_json::from_str(snapshot_body(BASELINE_CHECKER)).unwrap();
        assert_eq!(
            embedded,
            crate::emit::checker(pack),
            "golden/rulepacks/acr-baseline__checker.json.snap is not what the pack compiles to: \
             review and accept it (cargo insta review)"
        );
    }

    /// The bundled rules read straight from the text are the rules
    /// `--rules` reads from the same document through a `Value`.
    #[test]
    fn the_bundled_rules_are_the_checker_file_read_as_rules() {
        let doc: Value = serde_json::from_str(snapshot_body(BASELINE_CHECKER)).unwrap();
        let through_value = eval::from_checker(&doc, "bundled acr-baseline").unwrap();
        let bundled = bundled_rules();
        assert_eq!(bundled.len(), through_value.len());
        assert_eq!(format!("{bundled:#?}"), format!("{through_value:#?}"));
        // A wrong format is refused, not read as no rules.
        assert!(eval::from_own_checker(r#"{"format": "x", "rules": []}"#, "t").is_err());
    }

    #[test]
    fn defaults_fill_only_missing_values() {
        let mut body = json!({"properties": {"adminUserEnabled": true}});
        assert!(!set_if_missing(
            &mut body,
            "properties.adminUserEnabled",
            &json!(false)
        ));
        assert!(set_if_missing(
            &mut body,
            "properties.policies.quarantinePolicy.status",
            &json!("disabled")
        ));
        assert_eq!(
            body["properties"]["policies"]["quarantinePolicy"]["status"],
            "disabled"
        );
        assert_eq!(body["properties"]["adminUserEnabled"], true);
    }

    #[test]
    fn non_compliance_wins_when_request_and_resource_disagree() {
        assert_eq!(
            combine(Verdict::Compliant, Verdict::NonCompliant),
            Verdict::NonCompliant
        );
        assert_eq!(
            combine(Verdict::NonCompliant, Verdict::Compliant),
            Verdict::NonCompliant
        );
        assert_eq!(
            combine(Verdict::Compliant, Verdict::Unknown),
            Verdict::Unknown
        );
    }
}
