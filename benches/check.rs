//! `acrpc check` benchmark: 10,000 generated registries (one resource-export
//! file, as `az acr list` prints it) against the bundled baseline plus the
//! 28 Azure built-ins (read from ../shared when present). Prints, in one run:
//!
//! * the floor: serde_json parsing the input text;
//! * acrpc: load + evaluate every resource × rule (rayon, all cores), as
//!   resources×rules per second and as a ratio to the floor;
//! * regorus (Microsoft's Azure Policy engine) evaluating the same pairs is
//!   measured by `cargo test --release --test regorus_diff -- --ignored
//!   bench` when that test provides it; see README.
//!
//! Run with `cargo bench --bench check`. Plain `fn main`, median of runs.

use acrpc::check::{self, Input, Settings};
use acrpc::eval::{self, Rule};
use acrpc::inputs::{self, arm::ArmOptions};
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::Path;
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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/azure-builtins");
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

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
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

    let floor = median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                black_box(serde_json::from_str::<Value>(&text).expect("parse"));
                t.elapsed()
            })
            .collect(),
    );
    let settings = Settings {
        today: "2026-11-25".into(),
        ..Settings::default()
    };
    let mut findings = 0;
    let acrpc = median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let loaded = inputs::load("bench.json", &text, None, &ArmOptions::default());
                let input = Input {
                    file: "bench.json".into(),
                    format: "export",
                    resources: loaded.resources,
                    text: String::new(),
                };
                let report = check::run(rules.clone(), vec![input], &settings);
                findings = report.results.iter().filter(|r| r.is_finding()).count();
                black_box(report);
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
                        let loaded =
                            inputs::load("bench.json", &text, None, &ArmOptions::default());
                        let input = Input {
                            file: "bench.json".into(),
                            format: "export",
                            resources: loaded.resources,
                            text: String::new(),
                        };
                        black_box(check::run(rules.clone(), vec![input], &settings));
                        t.elapsed()
                    })
                })
                .collect(),
        )
    };
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
}
