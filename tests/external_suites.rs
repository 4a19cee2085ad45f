//! `acrpc check` over other projects' ACR test material in
//! `../shared/external-suites/` (Checkov's ARM fixtures, PSRule for Azure's
//! exported registries, Azure quickstart templates, Azure Verified Modules'
//! compiled `main.json`). Every input must load; for each peer expectation
//! that has a matching acrpc rule, a different verdict must be one of the
//! divergences explained below (Azure Policy's semantics vs the peer's own),
//! so an unexplained difference fails the test. Skips with a message when
//! `../shared` is absent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

mod common;

use acrpc::check::{self, Input, Settings};
use acrpc::eval::Verdict;
use acrpc::inputs::{self, arm::ArmOptions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn suites() -> Option<PathBuf> {
    common::shared("external-suites")
}

/// Peer rule → acrpc baseline rule. Peer rules without a counterpart are
/// listed with the reason.
const CHECKOV: &[(&str, Option<&str>)] = &[
    ("CKV_AZURE_137", Some("admin-user-disabled")),
    ("CKV_AZURE_138", Some("anonymous-pull-disabled")),
    ("CKV_AZURE_139", Some("public-network-access-disabled")),
    ("CKV_AZURE_166", Some("quarantine-enabled")),
    ("CKV_AZURE_233", Some("zone-redundant")),
    // A proxy (Standard or Premium SKU stands in for Defender scanning); acrpc
    // checks the Defender assessment itself (images-vulnerability-free).
    ("CKV_AZURE_163", None),
];

const PSRULE: &[(&str, Option<&str>)] = &[
    ("Azure.ACR.AdminUser", Some("admin-user-disabled")),
    ("Azure.ACR.AnonymousAccess", Some("anonymous-pull-disabled")),
    ("Azure.ACR.Quarantine", Some("quarantine-enabled")),
    ("Azure.ACR.ContentTrust", Some("content-trust-enabled")),
    ("Azure.ACR.Retention", Some("retention-policy-enabled")),
    ("Azure.ACR.Firewall", Some("network-default-deny")),
    ("Azure.ACR.ContainerScan", Some("images-vulnerability-free")),
    // PSRule's minimum is Standard; acrpc's premium-sku asks for Premium.
    ("Azure.ACR.MinSku", None),
    // Usage quotas, geo-replication, soft delete and replica locations have
    // no acrpc baseline rule.
    ("Azure.ACR.Usage", None),
    ("Azure.ACR.GeoReplica", None),
    ("Azure.ACR.SoftDelete", None),
    ("Azure.ACR.ReplicaLocation", None),
    ("Azure.ACR.ImageHealth", None),
];

/// A verdict where acrpc and a peer differ, and why (peer, rule, resource, reason).
const EXPLAINED: &[(&str, &str, &str, &str)] = &[
    (
        "checkov",
        "anonymous-pull-disabled",
        "*",
        "Checkov fails anonymous pull only on a Standard/Premium `sku.name` string; Azure Policy reads properties.anonymousPullEnabled whatever the SKU (the deployment request carries it), so Basic, missing or malformed SKUs with anonymous pull on are non-compliant",
    ),
    (
        "checkov",
        "quarantine-enabled",
        "*",
        "quarantine is a Premium feature: acrpc's rule applies `when sku.name == \"Premium\"`, and a Basic registry's `if` is false, which Azure counts as compliant; Checkov fails any SKU with quarantine disabled",
    ),
    (
        "psrule",
        "quarantine-enabled",
        "*",
        "quarantine is a Premium feature: acrpc's rule applies to Premium registries only; PSRule fails Basic and Standard registries too",
    ),
    (
        "psrule",
        "content-trust-enabled",
        "*",
        "PSRule reports its Premium precondition as `None`; in Azure Policy only type/name/kind decide applicability, so a registry whose `if` is false is compliant (policy-applicability doc)",
    ),
    (
        "psrule",
        "retention-policy-enabled",
        "*",
        "PSRule reports its Premium precondition as `None`; Azure Policy counts a registry whose `if` is false as compliant (policy-applicability doc)",
    ),
    (
        "psrule",
        "anonymous-pull-disabled",
        "*",
        "PSRule reports its Standard/Premium precondition as `None` for a Basic registry; Azure Policy counts it compliant (its `if` is false)",
    ),
    (
        "psrule",
        "network-default-deny",
        "*",
        "PSRule skips the firewall rule below Premium (`None`); Azure Policy evaluates every registry, and one without a Deny default action and with public access enabled is non-compliant, as the built-in d0793b48 (unrestricted network access) also decides",
    ),
    (
        "psrule",
        "images-vulnerability-free",
        "*",
        "the export's Microsoft.Security/assessments sub-object is named 00000000-…, not the registry vulnerability assessment c0b7cfc6-… that the rule looks for; acrpc finds no such assessment and says which it looked for",
    ),
];

/// Inputs that Azure Resource Manager itself would reject, and why: the
/// expressions acrpc cannot evaluate are reported (W0503) and the values
/// read as unknown.
const INVALID_INPUTS: &[(&str, &str)] = &[(
    "example_ACREnableZoneRedundancy/",
    "Checkov's fixtures for CKV_AZURE_233 are fragments: they reference parameters they do not declare",
)];

fn load(path: &Path, params: Option<&Path>) -> Input {
    let text = std::fs::read_to_string(path).expect("read input");
    let opts = ArmOptions {
        parameters: params.map(|p| {
            serde_json::from_str(&std::fs::read_to_string(p).expect("params")).expect("params json")
        }),
        ..ArmOptions::default()
    };
    let file = path.display().to_string();
    let loaded = inputs::load(&file, &text, None, &opts);
    let errors: Vec<_> = loaded
        .problems
        .iter()
        .filter(|p| {
            !matches!(
                p.code,
                inputs::ProblemCode::ParameterWithoutValue | inputs::ProblemCode::LinkedTemplate
            )
        })
        .collect();
    let invalid_ok = INVALID_INPUTS.iter().any(|(f, _)| file.contains(f));
    assert!(
        errors.is_empty()
            || (invalid_ok
                && errors
                    .iter()
                    .all(|p| p.code == inputs::ProblemCode::UnevaluatedExpression)),
        "{file} does not load: {errors:?}"
    );
    assert!(!loaded.resources.is_empty(), "{file}: no resources");
    Input {
        file,
        format: loaded.format.map_or("unknown", inputs::Format::as_str),
        resources: loaded.resources,
        text,
    }
}

fn settings() -> Settings {
    Settings {
        today: "2026-11-25".into(),
        exemptions: Vec::new(),
        ..Settings::default()
    }
}

fn peer_verdict(expected: &str) -> Verdict {
    match expected {
        "PASSED" | "Pass" => Verdict::Compliant,
        "FAILED" | "Fail" => Verdict::NonCompliant,
        _ => Verdict::NotApplicable,
    }
}

struct Divergence {
    peer: &'static str,
    rule: String,
    resource: String,
    peer_says: Verdict,
    acrpc_says: Verdict,
    reason: Option<String>,
}

fn compare(
    peer: &'static str,
    report: &check::Report,
    resource_matches: impl Fn(&acrpc::inputs::Resource) -> bool,
    rule: &str,
    expected: Verdict,
    out: &mut Vec<Divergence>,
    agreed: &mut usize,
) {
    let found: Vec<_> = report
        .results
        .iter()
        .filter(|r| report.rule(r).id == rule && resource_matches(report.resource(r)))
        .collect();
    assert!(!found.is_empty(), "{peer}: no acrpc result for {rule}");
    // A peer expectation is about one resource; acrpc's verdict on it.
    let r = found[0];
    if r.verdict == expected {
        *agreed += 1;
        return;
    }
    out.push(Divergence {
        peer,
        rule: rule.to_string(),
        resource: report.resource(r).full_name.clone(),
        peer_says: expected,
        acrpc_says: r.verdict,
        reason: r.outcome.reason.clone(),
    });
}

fn explained(d: &Divergence) -> Option<&'static str> {
    EXPLAINED
        .iter()
        .find(|(p, rule, res, _)| {
            *p == d.peer && *rule == d.rule && (*res == "*" || *res == d.resource)
        })
        .map(|e| e.3)
}

#[test]
fn peers_agree_or_the_difference_is_explained() {
    let Some(dir) = suites() else { return };
    let rules = check::bundled_rules();
    let mut divergences = Vec::new();
    let mut agreed = 0;

    // Checkov: one ARM template per expectation.
    let checkov: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("checkov/expected.json")).expect("checkov"),
    )
    .expect("json");
    for e in &checkov {
        let file = dir.join(e["file"].as_str().expect("file"));
        let check_id = e["check_id"].as_str().expect("check");
        let input = load(&file, None);
        let Some((_, Some(rule))) = CHECKOV.iter().find(|(c, _)| *c == check_id) else {
            continue;
        };
        let (ty, name) = e["resource"]
            .as_str()
            .expect("resource")
            .rsplit_once('.')
            .expect("type.name");
        let rule = if ty.ends_with("/replications") && *rule == "zone-redundant" {
            "replications-zone-redundant"
        } else {
            rule
        };
        let report = check::run(rules.clone(), vec![input], &settings());
        let expected = peer_verdict(e["expected"].as_str().expect("expected"));
        compare(
            "checkov",
            &report,
            |r| r.ty.eq_ignore_ascii_case(ty) && r.full_name.ends_with(name),
            rule,
            expected,
            &mut divergences,
            &mut agreed,
        );
    }

    // PSRule: one export of eleven registries (with nested sub-resources).
    let input = load(&dir.join("psrule/Resources.ACR.json"), None);
    let report = check::run(rules.clone(), vec![input], &settings());
    for name in ["psrule/expected.json", "psrule/expected_none.json"] {
        let expectations: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect("psrule"))
                .expect("json");
        for e in expectations.iter().filter(|e| e["file"].is_string()) {
            let Some((_, Some(rule))) = PSRULE.iter().find(|(p, _)| Some(*p) == e["rule"].as_str())
            else {
                continue;
            };
            let registry = e["resource_name"].as_str().expect("name");
            let expected = peer_verdict(e["expected"].as_str().expect("expected"));
            compare(
                "psrule",
                &report,
                |r| r.full_name == registry && r.ty.ends_with("/registries"),
                rule,
                expected,
                &mut divergences,
                &mut agreed,
            );
        }
    }

    let mut unexplained = Vec::new();
    eprintln!(
        "external suites: {agreed} verdicts agree, {} differ",
        divergences.len()
    );
    for d in &divergences {
        let why = explained(d);
        eprintln!(
            "  {:8} {:28} {:14} peer {:14} acrpc {:14} {}",
            d.peer,
            d.rule,
            d.resource,
            d.peer_says.as_str(),
            d.acrpc_says.as_str(),
            why.unwrap_or("UNEXPLAINED")
        );
        if why.is_none() {
            unexplained.push(format!(
                "{} {} {} peer {} acrpc {} ({})",
                d.peer,
                d.rule,
                d.resource,
                d.peer_says.as_str(),
                d.acrpc_says.as_str(),
                d.reason.clone().unwrap_or_default()
            ));
        }
    }
    for e in EXPLAINED {
        assert!(
            divergences
                .iter()
                .any(|d| explained(d) == Some(e.3) && d.peer == e.0),
            "explained divergence no longer happens, remove it: {e:?}"
        );
    }
    assert!(
        unexplained.is_empty(),
        "unexplained divergences:\n{}",
        unexplained.join("\n")
    );
}

#[test]
fn real_world_templates_load_and_get_verdicts() {
    let Some(dir) = suites() else { return };
    let rules = check::bundled_rules();
    let quick = dir.join("templates/quickstarts");
    let cases: Vec<(PathBuf, Option<PathBuf>)> = vec![
        (
            quick.join("container-registry/azuredeploy.json"),
            Some(quick.join("container-registry/azuredeploy.parameters.json")),
        ),
        (
            quick.join("container-registry-geo-replication/azuredeploy.json"),
            Some(quick.join("container-registry-geo-replication/azuredeploy.parameters.us.json")),
        ),
        (
            quick.join("container-registry-with-policies-and-diagnostics/azuredeploy.json"),
            None,
        ),
    ];
    let mut avm: Vec<(PathBuf, Option<PathBuf>)> = walkdir::WalkDir::new(dir.join("templates/avm"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "main.json")
        .map(|e| (e.into_path(), None))
        .collect();
    avm.extend(cases);
    let mut summary = BTreeMap::new();
    for (file, params) in &avm {
        let input = load(file, params.as_deref());
        // Child modules refer to their registry as `existing`: they deploy only the child.
        let acr = input
            .resources
            .iter()
            .filter(|r| {
                r.ty.to_ascii_lowercase()
                    .starts_with("microsoft.containerregistry/registries")
            })
            .count();
        assert!(acr >= 1, "{}: no registry resource found", file.display());
        let report = check::run(rules.clone(), vec![input], &settings());
        let counts: Vec<usize> = [
            Verdict::NonCompliant,
            Verdict::Unknown,
            Verdict::Compliant,
            Verdict::NotApplicable,
        ]
        .iter()
        .map(|v| report.count(*v))
        .collect();
        let has_registry = report.inputs[0].resources.iter().any(|r| {
            r.ty.eq_ignore_ascii_case("Microsoft.ContainerRegistry/registries")
        });
        assert!(
            !has_registry || counts[0] + counts[2] > 0,
            "{}: no decided verdict at all",
            file.display()
        );
        summary.insert(
            file.strip_prefix(&dir)
                .unwrap_or(file)
                .display()
                .to_string(),
            counts,
        );
    }
    for (f, c) in &summary {
        eprintln!(
            "  {f}: {} non-compliant, {} unknown, {} compliant, {} n/a",
            c[0], c[1], c[2], c[3]
        );
    }
}
