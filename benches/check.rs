//! `acrpc check` benchmark: 10,000 generated registries (one resource-export
//! file, as `az acr list` prints it) against the bundled baseline plus the
//! 28 Azure built-ins (read from ../shared when present). Prints, in one run:
//!
//! * the floor: serde_json parsing the input text (for the small files:
//!   reading and parsing each file);
//! * acrpc: load + evaluate every resource × rule (rayon, all cores; and
//!   one thread), each result counted into the summary and dropped as
//!   `acrpc check` does, as resources×rules per second and as a ratio to
//!   the floor; then the same writing the JSON report (to `io::sink`);
//! * regorus (Microsoft's Rust Azure Policy engine, `azure_policy` feature)
//!   evaluating the same resource × rule pairs, driven as in
//!   tests/regorus_diff.rs: each rule compiled once
//!   (`parse_policy_definition` + `compile_policy_definition_with_aliases`,
//!   aliases from acrpc's catalog), each resource through
//!   `normalizer::normalize`, then `execute_entry_point_by_name("main")`
//!   with input `{resource, parameters}` and context `{resourceGroup,
//!   subscription}`. One `RegoVM` per rule per rayon job, reused across
//!   resources (`set_input` + execute, the "hot" pattern of regorus'
//!   benches/rvm_benchmark.rs). Existence effects (auditIfNotExists,
//!   deployIfNotExists) run their `if` only: no related-resource lookup.
//!   A Disabled effect is skipped by the host, as acrpc does.
//!
//! Run with `cargo bench --bench check`. Plain `fn main`, median of runs.
//! `ACRPC_BENCH_ONLY=small-files` runs the start-up and small-files parts only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::check::report::Summary;
use acrpc::check::{self, Input, Settings};
use acrpc::eval::{self, Mode, Rule};
use acrpc::inputs::{self, arm::ArmOptions};
use rayon::prelude::*;
use regorus::languages::azure_policy::aliases::{AliasRegistry, normalizer};
use regorus::languages::azure_policy::{compiler, parser};
use regorus::rvm::RegoVM;
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const REGISTRIES: usize = 10_000;
const RUNS: usize = 5;

/// A deterministic pseudo-random registry: every rule sees varied values.
fn registry(i: usize) -> Value {
    let pick = |n: usize, k: usize| (i.wrapping_mul(2_654_435_761) >> k) % n;
    let sku = ["Basic", "Standard", "Premium"][pick(3, 3)];
    let on_off = |k: usize| {
        if pick(2, k) == 0 {
            "enabled"
        } else {
            "disabled"
        }
    };
    let mut props = json!({
        "adminUserEnabled": pick(2, 5) == 0,
        "anonymousPullEnabled": pick(4, 7) == 0,
        "publicNetworkAccess": if pick(2, 9) == 0 { "Enabled" } else { "Disabled" },
        "zoneRedundancy": if pick(2, 11) == 0 { "Enabled" } else { "Disabled" },
        "dataEndpointEnabled": pick(2, 13) == 0,
        "networkRuleBypassOptions": "AzureServices",
        "policies": {
            "quarantinePolicy": {"status": on_off(15)},
            "trustPolicy": {"type": "Notary", "status": on_off(17)},
            "retentionPolicy": {"days": 7 + pick(30, 19), "status": on_off(21)},
            "exportPolicy": {"status": on_off(23)},
            "azureADAuthenticationAsArmPolicy": {"status": on_off(25)}
        },
        "encryption": {"status": on_off(27)},
        "privateEndpointConnections": (0..pick(3, 29)).map(|k| json!({
            "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr{i}/privateEndpointConnections/pe{k}"),
            "properties": {"privateLinkServiceConnectionState": {"status": if k == 0 { "Approved" } else { "Pending" }}}
        })).collect::<Vec<_>>(),
    });
    if sku == "Premium" {
        props["networkRuleSet"] = json!({"defaultAction": if pick(2, 31) == 0 { "Allow" } else { "Deny" },
            "ipRules": (0..pick(4, 33)).map(|k| json!({"action": "Allow", "value": format!("203.0.113.{k}")})).collect::<Vec<_>>()});
    }
    let location = ["westeurope", "eastus", "East US 2"][pick(3, 35)];
    let env = ["prod", "dev"][pick(2, 37)];
    json!({
        "id": format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg{}/providers/Microsoft.ContainerRegistry/registries/acr{i}", i % 50),
        "name": format!("acr{i}"),
        "type": "Microsoft.ContainerRegistry/registries",
        "location": location,
        "tags": {"env": env},
        "sku": {"name": sku, "tier": sku},
        "properties": props,
    })
}

fn builtins() -> Vec<Rule> {
    let shared = std::env::var_os("ACRPC_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
        Into::into,
    );
    let dir = shared.join("reference/azure-builtins");
    if !dir.is_dir() {
        eprintln!("note: {} not found; built-ins left out", dir.display());
        return Vec::new();
    }
    let mut files: Vec<_> = ["definitions", "related-definitions"]
        .iter()
        .flat_map(|sub| {
            std::fs::read_dir(dir.join(sub))
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
            eval::from_definition(&doc, &p.display().to_string()).ok()
        })
        .flatten()
        .collect()
}

// ---------------------------------------------------------------------------
// regorus, driven as tests/regorus_diff.rs drives it (helpers copied, short)
// ---------------------------------------------------------------------------

type RValue = regorus::Value;
type Program = regorus::Rc<regorus::rvm::program::Program>;

/// Registries evaluated by regorus when the full set would take over 2 min.
const REGORUS_SUBSET: usize = 1_000;

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

/// acrpc's alias catalog in the `Get-AzPolicyAlias` shape regorus reads
/// (legacy `registries/<child>.<prop>` aliases left out, as in the test).
fn alias_registry() -> regorus::Rc<AliasRegistry> {
    let mut providers: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for kind in acrpc::catalog::catalog().kinds {
        let Some((ns, rest)) = kind.resource_type.split_once('/') else {
            continue;
        };
        let aliases: Vec<Value> = kind
            .properties
            .iter()
            .filter(|p| p.status != acrpc::catalog::AliasStatus::Legacy)
            .filter_map(|p| {
                let mut meta = json!({"type": p.ty.as_str()});
                if p.modifiable {
                    meta["attributes"] = json!("Modifiable");
                }
                Some(json!({"name": p.alias.as_ref()?, "defaultPath": p.arm_path,
                    "defaultMetadata": meta, "paths": []}))
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
    reg.load_from_json(&Value::Array(doc).to_string())
        .expect("regorus reads the alias catalog");
    regorus::Rc::new(reg)
}

fn to_r(v: &Value) -> RValue {
    RValue::from_json_str(&v.to_string()).expect("json")
}

/// A rule as regorus runs it: the compiled program and its parameter values.
struct RegoRule {
    program: Program,
    parameters: RValue,
    existence: bool,
}

struct RegoRules {
    registry: regorus::Rc<AliasRegistry>,
    rules: Vec<RegoRule>,
    /// Rules whose effect is Disabled: the host does not run them.
    disabled: usize,
    /// Rules regorus could not compile: `id: error`.
    failed: Vec<String>,
}

/// Compiles each non-companion rule once. The host resolves the effect
/// (Disabled → skipped; existence effects → the `if` with effect audit).
fn regorus_rules(rules: &[Rule], settings: &Settings) -> RegoRules {
    let registry = alias_registry();
    let (mut out, mut disabled, mut failed) = (Vec::new(), 0, Vec::new());
    for rule in rules.iter().filter(|r| r.companion_of.is_none()) {
        let params = eval::parameter_values(rule, &settings.overrides);
        let effect = rule.policy_rule["then"]["effect"].as_str().unwrap_or("");
        let effect = effect
            .strip_prefix("[parameters('")
            .and_then(|r| r.strip_suffix("')]"))
            .and_then(|name| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or(effect)
            .to_ascii_lowercase();
        if effect == "disabled" {
            disabled += 1;
            continue;
        }
        let existence = matches!(effect.as_str(), "auditifnotexists" | "deployifnotexists");
        let mut policy_rule = strip_paths(&rule.policy_rule);
        if existence {
            policy_rule["then"] = json!({"effect": "audit"});
        }
        let mode = if rule.mode == Mode::All {
            "All"
        } else {
            "Indexed"
        };
        let def = json!({"properties": {"mode": mode, "parameters": rule.parameters,
            "policyRule": policy_rule}});
        let compiled = regorus::Source::from_contents(rule.id.clone(), def.to_string())
            .map_err(|e| e.to_string())
            .and_then(|src| parser::parse_policy_definition(&src).map_err(|e| e.to_string()))
            .and_then(|d| {
                compiler::compile_policy_definition_with_aliases(&d, registry.clone())
                    .map_err(|e| e.to_string())
            });
        match compiled {
            Ok(program) => out.push(RegoRule {
                program,
                parameters: to_r(&Value::Object(params)),
                existence,
            }),
            Err(e) => failed.push(format!("{}: {}", rule.id, e.lines().next().unwrap_or(""))),
        }
    }
    RegoRules {
        registry,
        rules: out,
        disabled,
        failed,
    }
}

/// Over the pairs: effects returned (non-compliant), existence `if`s true,
/// evaluation errors, and a fingerprint of every pair's outcome.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
struct Counts(usize, usize, usize, u64);

/// Parses `text`, then evaluates every rule on the first `n` resources:
/// one VM per rule per rayon job, reused across that job's resources
/// (`fresh`: a new VM per evaluation instead, to check the reuse).
fn regorus_run(text: &str, n: usize, rr: &RegoRules, fresh: bool) -> Counts {
    let all = RValue::from_json_str(text).expect("regorus parses the input");
    let bodies: Vec<&RValue> = all.as_array().expect("an array").iter().take(n).collect();
    let new_vm = |p: &Program| {
        let mut vm = RegoVM::new();
        vm.load_program(p.clone());
        vm
    };
    let new_vms = || {
        rr.rules
            .iter()
            .map(|r| new_vm(&r.program))
            .collect::<Vec<_>>()
    };
    bodies
        .par_iter()
        .enumerate()
        .map_init(new_vms, |vms, (i, body)| {
            let mut resource = normalizer::normalize(body, Some(&rr.registry), None);
            let id = body["id"]
                .as_string()
                .map(|s| s.to_string())
                .unwrap_or_default();
            let segs: Vec<&str> = id.split('/').collect();
            let (sub, rg) = (
                segs.get(2).copied().unwrap_or(""),
                segs.get(4).copied().unwrap_or(""),
            );
            if let Ok(m) = resource.as_object_mut() {
                let full = segs.last().copied().unwrap_or("");
                m.insert(RValue::from("fullname"), RValue::from(full));
            }
            let context = to_r(&json!({
                "resourceGroup": {"name": rg, "location": "eastus"},
                "subscription": {"subscriptionId": sub, "id": format!("/subscriptions/{sub}")},
            }));
            let mut c = Counts(0, 0, 0, i as u64);
            for (rule, vm) in rr.rules.iter().zip(vms.iter_mut()) {
                let mut input = RValue::new_object();
                let o = input.as_object_mut().expect("object");
                o.insert(RValue::from("resource"), resource.clone());
                o.insert(RValue::from("parameters"), rule.parameters.clone());
                let mut own;
                let vm = if fresh {
                    own = new_vm(&rule.program);
                    &mut own
                } else {
                    vm
                };
                vm.set_input(input);
                vm.set_context(context.clone());
                let outcome = match vm.execute_entry_point_by_name("main") {
                    Ok(RValue::Undefined) => 0,
                    Ok(_) if rule.existence => {
                        c.1 += 1;
                        1
                    }
                    Ok(_) => {
                        c.0 += 1;
                        2
                    }
                    Err(_) => {
                        c.2 += 1;
                        3
                    }
                };
                c.3 =
                    c.3.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        .wrapping_add(outcome);
            }
            c
        })
        .reduce(Counts::default, |a, b| {
            Counts(a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3.wrapping_add(b.3))
        })
}

const SMALL_FILES: usize = 400;

/// One ARM template holding registry `i` (as benches/checkov.sh writes them).
fn template(i: usize) -> String {
    let mut r = registry(i);
    let o = r.as_object_mut().expect("object");
    o.remove("id");
    o.insert("apiVersion".into(), json!("2023-07-01"));
    serde_json::to_string_pretty(&json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [r],
    }))
    .expect("json")
}

/// Many small files: 400 one-registry templates written to a folder, each
/// read, loaded and checked against the bundled baseline as `acrpc check
/// DIR` does, against the floor of reading each file and serde_json
/// parsing it (one thread, same process; issue 15 item 6b: the floor
/// includes reading the files, as the check does).
fn small_files(settings: &Settings) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-small-files");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench folder");
    let paths: Vec<PathBuf> = (0..SMALL_FILES)
        .map(|i| {
            let path = dir.join(format!("acr{i:05}.json"));
            std::fs::write(&path, template(i)).expect("write a template");
            path
        })
        .collect();
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).expect("written").len())
        .sum();
    let floor = median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                for path in &paths {
                    let text = std::fs::read_to_string(path).expect("read");
                    black_box(serde_json::from_str::<Value>(&text).expect("parse"));
                }
                t.elapsed()
            })
            .collect(),
    );
    let mut load = Vec::new();
    let mut run = Vec::new();
    let mut start_up = Vec::new();
    let mut findings = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let rules = check::bundled_rules();
        start_up.push(t.elapsed());
        let t = Instant::now();
        let inputs: Vec<Input> = paths
            .par_iter()
            .map(|path| {
                let file = path.display().to_string();
                let text = std::fs::read_to_string(path).expect("read");
                let loaded = inputs::load(&file, &text, None, &ArmOptions::default());
                Input {
                    file,
                    format: "arm",
                    resources: loaded.resources,
                    text,
                    parameters: None,
                }
            })
            .collect();
        load.push(t.elapsed());
        let t = Instant::now();
        let mut json = Vec::new();
        let summary = checked_inputs(rules, inputs, settings, Some(&mut json));
        run.push(t.elapsed());
        findings = summary.findings;
        black_box(json);
    }
    let (load, run, start_up) = (median(load), median(run), median(start_up));
    let total = start_up + load + run;
    println!(
        "small files: {SMALL_FILES} one-registry ARM templates ({:.1} MB) × the bundled baseline",
        bytes as f64 / 1e6
    );
    println!(
        "read + serde_json parse each (floor): {:>7.1} ms",
        floor.as_secs_f64() * 1e3
    );
    println!(
        "acrpc rules + load + check + JSON report: {:>7.1} ms  {:>5.1}x the floor  (bundled rules {:.2} ms, load {:.1} ms, check + report {:.1} ms; {findings} findings)",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() / floor.as_secs_f64(),
        start_up.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3,
        run.as_secs_f64() * 1e3,
    );
}

/// Load done: the check as `acrpc check` runs it, each result counted
/// (and with `json`, written to it as `--format json`) and dropped.
/// The export loaded as `acrpc check` loads it. The text is kept only
/// where a report locates each result's line and column in it (the CLI
/// always keeps it; a check alone never reads it).
fn export_input(text: &str, keep_text: bool) -> Input {
    let loaded = inputs::load("bench.json", text, None, &ArmOptions::default());
    Input {
        file: "bench.json".into(),
        format: "export",
        resources: loaded.resources,
        text: if keep_text {
            text.to_string()
        } else {
            String::new()
        },
        parameters: None,
    }
}

fn checked(
    rules: Vec<Rule>,
    input: Input,
    settings: &Settings,
    json: Option<&mut dyn std::io::Write>,
) -> Summary {
    checked_inputs(rules, vec![input], settings, json)
}

fn checked_inputs(
    rules: Vec<Rule>,
    inputs: Vec<Input>,
    settings: &Settings,
    json: Option<&mut dyn std::io::Write>,
) -> Summary {
    let report = check::Report::new(rules, inputs);
    let mut summary = Summary::empty(&report);
    match json {
        None => {
            let counted: Result<(), std::convert::Infallible> =
                report.each_result(settings, None, |r| {
                    summary.add(&report, &r);
                    Ok(())
                });
            counted.unwrap();
        }
        Some(out) => {
            let mut w = check::report::JsonWriter::start(&report, out).unwrap();
            report
                .each_rendered(
                    settings,
                    None,
                    |results| check::report::JsonWriter::render(&report, results),
                    |results, rendered| {
                        results.iter().for_each(|r| summary.add(&report, r));
                        w.rendered(&rendered?)
                    },
                )
                .unwrap();
            w.finish(&summary).unwrap();
        }
    }
    summary
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// What every `acrpc check` run pays before its first file: the catalog
/// (first use) and the bundled baseline's rules, timed once each (the
/// catalog is parsed once per process, so this must come first).
fn start_up() {
    let t = Instant::now();
    black_box(acrpc::catalog::catalog());
    let catalog = t.elapsed();
    let t = Instant::now();
    black_box(check::bundled_rules());
    let rules = t.elapsed();
    println!(
        "start-up: catalog {:.2} ms + bundled rules {:.2} ms = {:.2} ms (goal ≤ 2 ms)",
        catalog.as_secs_f64() * 1e3,
        rules.as_secs_f64() * 1e3,
        (catalog + rules).as_secs_f64() * 1e3
    );
}

fn bench_settings() -> Settings {
    Settings {
        today: "2026-11-25".into(),
        exemptions: Vec::new(),
        ..Settings::default()
    }
}

fn main() {
    start_up();
    if std::env::var("ACRPC_BENCH_ONLY").as_deref() == Ok("small-files") {
        small_files(&bench_settings());
        return;
    }
    let text = serde_json::to_string(&Value::Array((0..REGISTRIES).map(registry).collect()))
        .expect("json");
    let mut rules = check::bundled_rules();
    let baseline = rules.iter().filter(|r| r.companion_of.is_none()).count();
    let extra = builtins();
    let n_builtins = extra.len();
    rules.extend(extra);
    let n_rules = rules.iter().filter(|r| r.companion_of.is_none()).count();
    let pairs = REGISTRIES * n_rules;
    println!(
        "check bench: {REGISTRIES} registries ({:.1} MB) × {n_rules} rules ({baseline} baseline + {n_builtins} built-ins) = {pairs} pairs, {} threads",
        text.len() as f64 / 1e6,
        rayon::current_num_threads()
    );

    if let Ok(path) = std::env::var("ACRPC_BENCH_DUMP")
        && let Err(e) = std::fs::write(&path, &text)
    {
        eprintln!("cannot write {path}: {e}");
    }
    let floor = median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                black_box(serde_json::from_str::<Value>(&text).expect("parse"));
                t.elapsed()
            })
            .collect(),
    );
    let settings = bench_settings();
    let mut findings = 0;
    let acrpc = median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let input = export_input(&text, false);
                findings = checked(rules.clone(), input, &settings, None).findings;
                t.elapsed()
            })
            .collect(),
    );
    let single = {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        median(
            (0..3)
                .map(|_| {
                    pool.install(|| {
                        let t = Instant::now();
                        let input = export_input(&text, false);
                        black_box(checked(rules.clone(), input, &settings, None));
                        t.elapsed()
                    })
                })
                .collect(),
        )
    };
    // The same, writing the `--format json` report (to io::sink: the
    // serialisation, not the disk), as `acrpc check --format json` does.
    let with_json = median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let input = export_input(&text, true);
                black_box(checked(
                    rules.clone(),
                    input,
                    &settings,
                    Some(&mut std::io::sink()),
                ));
                t.elapsed()
            })
            .collect(),
    );
    let rate = |d: Duration| pairs as f64 / d.as_secs_f64();
    println!(
        "serde_json parse (floor):  {:>9.1} ms",
        floor.as_secs_f64() * 1e3
    );
    println!(
        "acrpc check, all cores:    {:>9.1} ms  {:>12.0} resource×rule/s  {:>5.1}x the floor  ({findings} findings)",
        acrpc.as_secs_f64() * 1e3,
        rate(acrpc),
        acrpc.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "acrpc check, one thread:   {:>9.1} ms  {:>12.0} resource×rule/s  {:>5.1}x the floor  (parallel speed-up {:.2}x)",
        single.as_secs_f64() * 1e3,
        rate(single),
        single.as_secs_f64() / floor.as_secs_f64(),
        single.as_secs_f64() / acrpc.as_secs_f64()
    );
    println!(
        "  + JSON report, all cores:{:>9.1} ms  {:>12.0} resource×rule/s  {:>5.1}x the floor",
        with_json.as_secs_f64() * 1e3,
        rate(with_json),
        with_json.as_secs_f64() / floor.as_secs_f64()
    );
    small_files(&settings);
    if std::env::var_os("ACRPC_BENCH_NO_REGORUS").is_some() {
        return;
    }
    let t = Instant::now();
    let rr = regorus_rules(&rules, &settings);
    let compile_time = t.elapsed();
    let t = Instant::now();
    black_box(RValue::from_json_str(&text).expect("regorus parses the input"));
    let rego_parse = t.elapsed();
    let subset_text =
        serde_json::to_string(&Value::Array((0..REGORUS_SUBSET).map(registry).collect()))
            .expect("json");
    // One timed regorus pass (all cores, or one thread) over the full input;
    // when a probe on the first REGORUS_SUBSET registries projects more than
    // 2 minutes, the probe scaled up instead. Returns (time for all pairs,
    // subset?, counts).
    let measure = |pool: Option<&rayon::ThreadPool>| {
        let timed = |text: &str, n: usize| {
            let run = || {
                let t = Instant::now();
                let c = black_box(regorus_run(text, n, &rr, false));
                (t.elapsed(), c)
            };
            match pool {
                Some(p) => p.install(run),
                None => run(),
            }
        };
        let (probe, c) = timed(&subset_text, REGORUS_SUBSET);
        let scale = (REGISTRIES / REGORUS_SUBSET) as u32;
        if probe * scale > Duration::from_secs(120) {
            return (probe * scale, true, c);
        }
        let runs = if probe * scale > Duration::from_secs(10) {
            1
        } else {
            3
        };
        let (times, cs): (Vec<_>, Vec<_>) = (0..runs).map(|_| timed(&text, REGISTRIES)).unzip();
        (median(times), false, cs[0])
    };
    let (rego_all, rego_all_subset, counts) = measure(None);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let (rego_one, rego_one_subset, _) = measure(Some(&one));
    let reuse_checked = regorus_run(&subset_text, REGORUS_SUBSET, &rr, false)
        == regorus_run(&subset_text, REGORUS_SUBSET, &rr, true);
    let rego_line = |label: &str, d: Duration, subset: bool, vs: Duration| {
        println!(
            "{label:<27}{:>9.1} ms  {:>12.0} resource×rule/s  {:>5.1}x the floor  {:>7.3}x acrpc{}",
            d.as_secs_f64() * 1e3,
            rate(d),
            d.as_secs_f64() / floor.as_secs_f64(),
            d.as_secs_f64() / vs.as_secs_f64(),
            if subset {
                format!(
                    "  (SUBSET: {REGORUS_SUBSET} registries, scaled ×{})",
                    REGISTRIES / REGORUS_SUBSET
                )
            } else {
                String::new()
            }
        );
    };
    let threads = rayon::current_num_threads();
    rego_line(
        &format!("regorus (if only), {threads} thr:"),
        rego_all,
        rego_all_subset,
        acrpc,
    );
    rego_line(
        "regorus (if only), 1 thread:",
        rego_one,
        rego_one_subset,
        single,
    );
    let existence = rr.rules.iter().filter(|r| r.existence).count();
    println!(
        "  regorus: input parsed by regorus' JSON reader in {:.1} ms (included above); {} rules compiled in {:.1} ms ({} could not be compiled, {} Disabled skipped by the host); \
         existence effects ({existence} rules): `if` only, no related-resource lookup; \
         {} effects returned, {} existence `if`s true, {} evaluation errors{}",
        rego_parse.as_secs_f64() * 1e3,
        rr.rules.len(),
        compile_time.as_secs_f64() * 1e3,
        rr.failed.len(),
        rr.disabled,
        counts.0,
        counts.1,
        counts.2,
        if rego_all_subset {
            " (on the subset)"
        } else {
            ""
        }
    );
    println!(
        "  regorus VM reuse: {}",
        if reuse_checked {
            format!("every outcome on {REGORUS_SUBSET} registries equals a fresh VM's")
        } else {
            "WARNING: outcomes differ from a fresh VM per evaluation".to_string()
        }
    );
    for f in &rr.failed {
        println!("  regorus could not compile {f}");
    }
}
