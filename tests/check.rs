//! `acrpc check` end to end: the real binary on inputs written by each test
//! into its own temporary directory. Covers the E05xx/W05xx diagnostics,
//! exit codes, `--fail-on`, the report formats (SARIF validated against the
//! SARIF 2.1.0 schema), suppressions and deploy-time vs after-deployment
//! verdicts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::diag::Code;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("acrpc-check-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Dir(p)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn acrpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run acrpc")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Codes of the JSON diagnostics on stderr.
fn codes(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

fn template(resources: Value) -> String {
    serde_json::to_string_pretty(&json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"name": {"type": "string", "defaultValue": "acr1"}},
        "resources": resources,
    }))
    .expect("json")
}

fn registry(props: Value) -> Value {
    json!({"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
        "name": "[parameters('name')]", "location": "westeurope", "sku": {"name": "Premium"},
        "properties": props})
}

/// A one-rule pack, so that verdicts are easy to read.
const PACK: &str = r#"pack t {
  title "T"
  version "1.0.0"
  category "Container Registry"
}

rule admin-user-disabled {
  title "Admin user disabled"
  message "The admin user is enabled"
  remediation "Set adminUserEnabled to false"
  practice entra-id
  severity high
  target registry
  effect audit | deny | disabled = audit
  require adminUserEnabled != true
}

rule zone-redundant {
  title "Zone redundant"
  message "The registry is not zone redundant"
  practice compliance
  severity low
  target registry
  effect audit | disabled = audit
  require zoneRedundancy != "Disabled"
}
"#;

fn results(o: &Output) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("json report: {e}\n{}", stdout(o)));
    doc["results"].as_array().cloned().unwrap_or_default()
}

fn verdict(results: &[Value], rule: &str) -> String {
    results
        .iter()
        .find(|r| r["rule"] == rule)
        .map(|r| r["verdict"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| panic!("no result for {rule}"))
}

#[test]
fn every_check_code_is_triggered() {
    let d = Dir::new("codes");
    let pack = d.write("t.acrp", PACK);
    let ok = d.write(
        "ok.json",
        &template(json!([registry(json!({"adminUserEnabled": false}))])),
    );
    let run = |args: &[&str]| {
        let mut all = vec!["--message-format", "json", "check", "--pack", &pack];
        all.extend_from_slice(args);
        acrpc(&all)
    };
    let cases: Vec<(Code, Output)> = vec![
        (Code::E0501, run(&[&d.write("bad.json", "{ \"resources\": [ , ] }")])),
        (Code::E0502, run(&[&d.write("other.json", "{\"hello\": \"world\"}")])),
        (Code::E0503, run(&[&d.write("main.bicep", "resource acr 'x' = {}")])),
        (Code::E0504, run(&[&d.write("p.json", r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {}}"#)])),
        (Code::E0505, run(&[&d.write("expr.json", &template(json!([registry(json!({"adminUserEnabled": "[parameters('name']"}))])))])),
        (Code::E0506, run(&[&d.write("notype.json", &template(json!([{"apiVersion": "2023-07-01"}])))])),
        (Code::E0507, acrpc(&["--message-format", "json", "check", "--policy", &d.write("notpolicy.json", "{\"x\": 1}"), &ok])),
        (Code::E0508, run(&["--param", "Deny", &ok])),
        (Code::E0509, {
            d.write("empty/README.md", "no inputs here");
            run(&[d.0.join("empty").to_str().expect("utf8")])
        }),
        (Code::W0501, run(&[&d.write("noval.json", &serde_json::to_string(&json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "parameters": {"admin": {"type": "bool"}, "name": {"type": "string", "defaultValue": "acr1"}},
            "resources": [registry(json!({"adminUserEnabled": "[parameters('admin')]"}))]})).expect("json"))])),
        (Code::W0502, run(&[&d.write("linked.json", &template(json!([registry(json!({})), {
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "child",
            "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.org/t.json"}}}])))])),
        (Code::E0550, run(&[&d.write("doubling.json", &serde_json::to_string(&json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "variables": (0..32).map(|i| if i == 0 {
                ("v0".to_string(), json!("x".repeat(64)))
            } else {
                let prev = format!("[variables('v{}')]", i - 1);
                (format!("v{i}"), json!({"x": prev, "y": prev}))
            }).collect::<serde_json::Map<String, Value>>(),
            "resources": [registry(json!({"adminUserEnabled": "[empty(variables('v31'))]"}))]})).expect("json"))])),
        // ARM rejects a negative copy count (copy-resources, "Copy limits").
        (Code::E0510, run(&[&d.write("negative.json", &template(json!([{
            "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
            "name": "[concat('acr', copyIndex())]", "location": "westeurope", "sku": {"name": "Premium"},
            "copy": {"name": "acrs", "count": -1}, "properties": {}}])))])),
        (Code::W0503, run(&[&d.write("unevaluated.json", &template(json!([registry(json!({"adminUserEnabled": "[createObject('a', null()).a.b]"}))])))])),
        (Code::E0511, run(&["--param", "efect=Deny", &ok])),
        (Code::E0512, run(&["--param", "effect=Block", &ok])),
        (Code::W0505, run(&[&d.write("typo.json", &template(json!([{
            "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
            "name": "[parameters('name')]", "location": "westeurope", "sku": {"name": "Premium"},
            "tags": {"acrpc-suppress:admin-user-disable": "break-glass; expires 2099-01-01"},
            "properties": {"adminUserEnabled": false}}])))])),
        (Code::W0504, {
            d.write("scan/bicepconfig.json", "{\"analyzers\": {}}");
            d.write("scan/main.json", &template(json!([registry(json!({"adminUserEnabled": false}))])));
            run(&[d.0.join("scan").to_str().expect("utf8")])
        }),
    ];
    for (code, out) in &cases {
        let got = codes(out);
        assert!(
            got.iter().any(|c| c == code.as_str()),
            "{} not reported; got {got:?}\nstderr: {}",
            code.as_str(),
            String::from_utf8_lossy(&out.stderr)
        );
        let status = out.status.code().expect("exit code");
        let warning = code.as_str().starts_with('W');
        assert!(
            if warning {
                status == 0 || status == 1
            } else {
                status == 2
            },
            "{}: exit {status}",
            code.as_str()
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
    // Every E05xx/W05xx code in the table is covered above (tests/cases.rs
    // relies on this test for them).
    for code in Code::ALL
        .iter()
        .filter(|c| c.as_str()[1..].starts_with("05"))
    {
        assert!(
            cases.iter().any(|(c, _)| c == code),
            "{} has no case here",
            code.as_str()
        );
    }
}

#[test]
fn exit_status_follows_findings_and_fail_on() {
    let d = Dir::new("exit");
    let pack = d.write("t.acrp", PACK);
    let clean = d.write(
        "clean.json",
        &template(json!([registry(
            json!({"adminUserEnabled": false, "zoneRedundancy": "Enabled"})
        )])),
    );
    let admin = d.write(
        "admin.json",
        &template(json!([registry(
            json!({"adminUserEnabled": true, "zoneRedundancy": "Enabled"})
        )])),
    );
    let zone = d.write(
        "zone.json",
        &template(json!([registry(json!({"zoneRedundancy": "Disabled"}))])),
    );
    assert_eq!(
        acrpc(&["check", "--pack", &pack, &clean]).status.code(),
        Some(0)
    );
    assert_eq!(
        acrpc(&["check", "--pack", &pack, &admin]).status.code(),
        Some(1)
    );
    // zone-redundant is low severity: --fail-on medium lets it through.
    assert_eq!(
        acrpc(&["check", "--pack", &pack, &zone]).status.code(),
        Some(1)
    );
    assert_eq!(
        acrpc(&["check", "--pack", &pack, "--fail-on", "medium", &zone])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        acrpc(&[
            "check",
            "--pack",
            &pack,
            "--param",
            "effect=Disabled",
            &admin
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(acrpc(&["check", "--nope"]).status.code(), Some(2));
}

/// Issue 15: `--param RULE.NAME=VALUE` sets one rule's parameter (here the
/// admin rule off, the zone rule untouched); a misspelt name or rule gets a
/// did-you-mean, a value outside allowedValues is refused, and a global
/// value that some declaring rule allows is used for the rules that declare it.
#[test]
fn params_are_validated_and_can_target_one_rule() {
    let d = Dir::new("params");
    let pack = d.write("t.acrp", PACK);
    let both = d.write(
        "both.json",
        &template(json!([registry(
            json!({"adminUserEnabled": true, "zoneRedundancy": "Disabled"})
        )])),
    );
    let run = |extra: &[&str]| {
        let mut a = vec!["check", "--pack", &pack, "--format", "json", &both];
        a.extend_from_slice(extra);
        acrpc(&a)
    };
    let one = run(&["--param", "admin-user-disabled.effect=Disabled"]);
    assert_eq!(one.status.code(), Some(1));
    let r = results(&one);
    assert_eq!(verdict(&r, "admin-user-disabled"), "not_applicable");
    assert_eq!(verdict(&r, "zone-redundant"), "non_compliant");
    let typo = run(&["--param", "admin-user-disabeld.effect=Disabled"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&typo.stderr).contains("did you mean `admin-user-disabled.effect`")
    );
    let name = run(&["--param", "admin-user-disabled.efect=Disabled"]);
    assert_eq!(name.status.code(), Some(2));
    // `Deny` is allowed by admin-user-disabled only: accepted.
    assert_eq!(run(&["--param", "effect=Deny"]).status.code(), Some(1));
    // `Block` by none: refused, with the allowed values.
    let bad = run(&["--param", "effect=Block"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("\"Audit\""));
    let scoped_bad = run(&["--param", "zone-redundant.effect=Deny"]);
    assert_eq!(
        scoped_bad.status.code(),
        Some(2),
        "zone-redundant allows audit | disabled"
    );
}

#[test]
fn json_results_name_rule_file_resource_and_verdict() {
    let d = Dir::new("json");
    let pack = d.write("t.acrp", PACK);
    let admin = d.write(
        "admin.json",
        &template(json!([registry(json!({"adminUserEnabled": true}))])),
    );
    let out = acrpc(&["check", "--pack", &pack, "--format", "json", &admin]);
    let rs = results(&out);
    assert_eq!(rs.len(), 2);
    for r in &rs {
        for key in ["rule", "file", "resource", "verdict"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert_eq!(r["file"], admin.as_str());
    }
    assert_eq!(verdict(&rs, "admin-user-disabled"), "non_compliant");
    let admin_result = rs
        .iter()
        .find(|r| r["rule"] == "admin-user-disabled")
        .expect("result");
    assert_eq!(
        admin_result["evidence"][0]["field"],
        "Microsoft.ContainerRegistry/registries/adminUserEnabled"
    );
    assert_eq!(admin_result["evidence"][0]["actual"], true);
    let text = std::fs::read_to_string(&admin).expect("input");
    let line = text
        .lines()
        .position(|l| l.contains("\"adminUserEnabled\""))
        .expect("line")
        + 1;
    assert_eq!(
        admin_result["line"], line,
        "points at adminUserEnabled in the template"
    );
}

#[test]
fn defaults_after_deployment_are_reported_when_they_change_the_verdict() {
    // zoneRedundancy is unset: the deployment request passes `!= "Disabled"`,
    // but the registry Azure creates has the default "Disabled", which the
    // compliance scan flags (catalog default; acr-properties reference).
    let d = Dir::new("defaults");
    let pack = d.write("t.acrp", PACK);
    let unset = d.write("unset.json", &template(json!([registry(json!({}))])));
    let rs = results(&acrpc(&[
        "check", "--pack", &pack, "--format", "json", &unset,
    ]));
    let zone = rs
        .iter()
        .find(|r| r["rule"] == "zone-redundant")
        .expect("result");
    assert_eq!(zone["verdict"], "non_compliant");
    assert_eq!(zone["atDeploy"], "compliant");
    assert_eq!(zone["afterDeploy"], "non_compliant");
    assert_eq!(zone["defaults"][0]["path"], "properties.zoneRedundancy");
    // An export is checked as it is: no defaults.
    let export = d.write("export.json", &serde_json::to_string(&json!({
        "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr1",
        "name": "acr1", "type": "Microsoft.ContainerRegistry/registries", "properties": {}})).expect("json"));
    let rs = results(&acrpc(&[
        "check", "--pack", &pack, "--format", "json", &export,
    ]));
    assert_eq!(verdict(&rs, "zone-redundant"), "compliant");
}

#[test]
fn suppressions_are_listed_and_expire() {
    let d = Dir::new("suppress");
    let pack = d.write("t.acrp", PACK);
    let mut reg = registry(json!({"adminUserEnabled": true, "zoneRedundancy": "Disabled"}));
    reg["metadata"] = json!({"acrpc": {"suppress": [
        {"rule": "admin-user-disabled", "reason": "legacy agents", "expires": "2026-12-31"}]}});
    reg["tags"] =
        json!({"acrpc-suppress:zone-redundant": "single-zone region; expires 2026-01-01"});
    let file = d.write("s.json", &template(json!([reg])));
    let out = acrpc(&[
        "check",
        "--pack",
        &pack,
        "--format",
        "json",
        "--today",
        "2026-11-25",
        &file,
    ]);
    let rs = results(&out);
    let admin = rs
        .iter()
        .find(|r| r["rule"] == "admin-user-disabled")
        .expect("admin");
    assert_eq!(admin["suppression"]["expired"], false);
    let zone = rs
        .iter()
        .find(|r| r["rule"] == "zone-redundant")
        .expect("zone");
    assert_eq!(zone["suppression"]["expired"], true);
    // The expired one is a finding again; the other is listed, not dropped.
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&acrpc(&[
        "check",
        "--pack",
        &pack,
        "--today",
        "2026-11-25",
        &file,
    ]));
    assert!(text.contains("suppressed admin-user-disabled"), "{text}");
    assert!(
        text.contains("EXPIRED suppression until 2026-01-01"),
        "{text}"
    );
    // After the first one expires too, both fail; with both in force, exit 0.
    let later = acrpc(&[
        "check",
        "--pack",
        &pack,
        "--format",
        "json",
        "--today",
        "2027-01-01",
        &file,
    ]);
    assert!(
        results(&later)
            .iter()
            .all(|r| r["suppression"]["expired"] == true)
    );
    assert_eq!(later.status.code(), Some(1));
    // Before either expires, both findings are suppressed: a clean run.
    let earlier = acrpc(&["check", "--pack", &pack, "--today", "2025-06-01", &file]);
    assert_eq!(earlier.status.code(), Some(0), "{}", stdout(&earlier));
    assert!(stdout(&earlier).contains("suppressed zone-redundant"));
}

/// The SARIF 2.1.0 schema (OASIS), as shipped in the sources of the
/// `serde-sarif` dev-dependency: found in cargo's registry by the version
/// Cargo.lock pins.
fn sarif_schema() -> Option<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).ok()?;
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"serde-sarif\""))?
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))?
        .trim_end_matches('"')
        .to_string();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let registries = std::fs::read_dir(home.join("registry/src")).ok()?;
    registries.flatten().find_map(|r| {
        let path = r
            .path()
            .join(format!("serde-sarif-{version}/src/schema.json"));
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    })
}

fn mend_patterns(v: &mut Value, from: &str, to: &str) -> usize {
    match v {
        Value::Object(o) => {
            let mut n = 0;
            for (k, x) in o.iter_mut() {
                if k == "pattern" && x == from {
                    *x = json!(to);
                    n += 1;
                } else {
                    n += mend_patterns(x, from, to);
                }
            }
            n
        }
        Value::Array(a) => a.iter_mut().map(|x| mend_patterns(x, from, to)).sum(),
        _ => 0,
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let d = Dir::new("sarif");
    let pack = d.write("t.acrp", PACK);
    let mut reg = registry(json!({"adminUserEnabled": true}));
    reg["tags"] = json!({"acrpc-suppress:zone-redundant": "waiver"});
    let file = d.write("admin.json", &template(json!([reg])));
    let out = acrpc(&["check", "--pack", &pack, "--format", "sarif", &file]);
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("sarif json");
    let mut schema = sarif_schema().expect("the SARIF schema from serde-sarif's sources");
    // One mend: the published schema's `language` patterns (on `run` and
    // `toolComponent`) have a stray `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`)
    // that strict regex engines reject; they mean a language tag like `en`
    // or `en-US` (SARIF 2.1.0 §3.14.7, §3.19.21). acrpc emits no `language`.
    let mended = mend_patterns(
        &mut schema,
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    assert!(mended > 0, "the schema changed: drop this mend");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The validator does reject what SARIF forbids.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!validator.is_valid(&broken));
    // And it reads as SARIF with the typed model too.
    let _: serde_sarif::sarif::Sarif = serde_json::from_value(doc.clone()).expect("typed SARIF");
    // What GitHub code scanning needs.
    let run = &doc["runs"][0];
    assert_eq!(doc["runs"].as_array().map(Vec::len), Some(1));
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        // helpUri only where a page exists (a built-in's portal page);
        // fullDescription is the rule's description, not a finding message.
        assert!(rule["helpUri"].is_null() || rule["helpUri"].is_string());
        assert!(rule["help"]["text"].is_string());
        assert!(rule["fullDescription"]["text"].is_string());
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("severity")
            .parse()
            .expect("number");
        assert!((0.0..=10.0).contains(&sev));
    }
    for result in run["results"].as_array().expect("results") {
        let loc = &result["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string());
        assert!(loc["region"]["startLine"].as_u64().expect("line") >= 1);
        assert!(result["partialFingerprints"]["acrpcResult/v1"].is_string());
    }
    let suppressed = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .count();
    assert_eq!(suppressed, 1);
    // Stable: same input, same bytes.
    assert_eq!(
        stdout(&out),
        stdout(&acrpc(&[
            "check", "--pack", &pack, "--format", "sarif", &file
        ]))
    );
}

#[test]
fn reports_in_every_format_are_stable_and_reviewed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let input = "tests/fixtures/cli/registry-with-findings.json";
    if !root.join(input).exists() {
        panic!("{input} missing");
    }
    for format in ["text", "json", "sarif", "junit", "markdown"] {
        let out = acrpc(&["check", "--format", format, "--today", "2026-11-25", input]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let again = acrpc(&["check", "--format", format, "--today", "2026-11-25", input]);
        assert_eq!(out.stdout, again.stdout, "{format} output is not stable");
        insta::with_settings!({snapshot_path => root.join("golden/check"), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("report.{format}"), stdout(&out));
        });
    }
}

#[test]
fn output_file_is_written_whole() {
    let d = Dir::new("output");
    let pack = d.write("t.acrp", PACK);
    let file = d.write(
        "admin.json",
        &template(json!([registry(json!({"adminUserEnabled": true}))])),
    );
    let out_path = d.0.join("report.json");
    let out = acrpc(&[
        "check",
        "--pack",
        &pack,
        "--format",
        "json",
        "-o",
        out_path.to_str().expect("utf8"),
        &file,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).expect("report")).expect("json");
    assert_eq!(written["format"], "acrpc-check/1");
}

/// Issue 9: an exemption of the pack's assignment is honoured where the
/// resource id shows it applies (here built from `--subscription` and
/// `--resource-group`), reported like a suppression (JSON, text, SARIF
/// `suppressions`), and not once it has expired; elsewhere it does nothing.
#[test]
fn exemptions_of_the_packs_assignments_are_honoured_until_they_expire() {
    let d = Dir::new("exempt");
    let pack = format!(
        "{PACK}{}",
        r#"
assignment admin of admin-user-disabled {
  scope "/subscriptions/00000000-0000-0000-0000-000000000001"
}

exemption legacy-admin of admin {
  category    waiver
  expires     "2026-12-31"
  ticket      "SEC-1"
  description "legacy build agents"
  scope       "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/legacy"
}
"#
    );
    let pack = d.write("t.acrp", &pack);
    let props = json!({"adminUserEnabled": true, "zoneRedundancy": "Enabled"});
    let file = d.write("r.json", &template(json!([registry(props)])));
    let sub = "00000000-0000-0000-0000-000000000001";
    let run = |rg: &str, today: &str, format: &str| {
        acrpc(&[
            "check",
            "--pack",
            &pack,
            "--subscription",
            sub,
            "--resource-group",
            rg,
            "--today",
            today,
            "--format",
            format,
            &file,
        ])
    };
    let admin = |o: &Output| {
        results(o)
            .into_iter()
            .find(|r| r["rule"] == "admin-user-disabled")
            .expect("admin result")
    };

    let inside = run("legacy", "2026-12-04", "json");
    let r = admin(&inside);
    assert_eq!(r["suppression"]["expired"], false, "{r}");
    let reason = r["suppression"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("legacy-admin") && reason.contains("Waiver") && reason.contains("SEC-1"),
        "{reason}"
    );
    assert_eq!(inside.status.code(), Some(0), "{}", stdout(&inside));
    let text = stdout(&run("legacy", "2026-12-04", "text"));
    assert!(text.contains("suppressed admin-user-disabled"), "{text}");
    let sarif: Value =
        serde_json::from_str(&stdout(&run("legacy", "2026-12-04", "sarif"))).expect("sarif");
    let suppressed = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|r| {
            r["suppressions"][0]["justification"]
                .as_str()
                .is_some_and(|j| j.contains("legacy-admin"))
        });
    assert!(suppressed, "{sarif}");
    // Declared in the pack, not in the analysed file (SARIF 2.1.0 §3.35.2).
    let kinds: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["suppressions"][0].get("kind"))
        .collect();
    assert_eq!(kinds, [&json!("external")], "{sarif}");

    // Expired: listed as expired, a finding again.
    let later = run("legacy", "2027-01-01", "json");
    assert_eq!(admin(&later)["suppression"]["expired"], true);
    assert_eq!(later.status.code(), Some(1));

    // Another resource group: not exempted at all.
    let elsewhere = run("apps", "2026-12-04", "json");
    assert!(
        admin(&elsewhere)["suppression"].is_null(),
        "{}",
        admin(&elsewhere)
    );
    assert_eq!(elsewhere.status.code(), Some(1));
}

const SCAN: &str = "tests/fixtures/scan";

/// Issue 15: a directory scan's problems with single files (a file that
/// does not load, a skipped file) are in every report, not only on
/// standard error; a file that was not checked makes the run exit 2 but
/// costs nobody the report of the others; a template with several
/// parameters files beside it is checked once per file, each named.
#[test]
fn scan_problems_and_parameter_pairings_are_in_every_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pack = format!("{SCAN}/pack.acrp");
    for format in ["text", "json", "sarif", "junit", "markdown"] {
        let args = ["check", "--pack", &pack, "--format", format, SCAN];
        let out = acrpc(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{format}: a file that does not load exits 2 ({})",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, acrpc(&args).stdout, "{format} is not stable");
        insta::with_settings!({snapshot_path => root.join("golden/check"), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("scan.{format}"), stdout(&out));
        });
    }
    let out = acrpc(&["check", "--pack", &pack, "--format", "json", SCAN]);
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("json report");
    let problems: Vec<(String, String, String)> = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            let file = p["file"].as_str().unwrap();
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            (
                name.to_string(),
                p["code"].to_string(),
                p["severity"].to_string(),
            )
        })
        .collect();
    let expect =
        |f: &str, c: &str, s: &str| (f.to_string(), format!("\"{c}\""), format!("\"{s}\""));
    assert_eq!(
        problems,
        [
            expect("bicepconfig.json", "W0504", "warning"),
            expect("broken.json", "E0501", "error"),
        ]
    );
    // One input per pairing, each with its own verdict.
    let verdicts: Vec<(String, String)> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["parameters"].as_str().unwrap_or("-").to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            (
                format!("{SCAN}/registry.parameters.dev.json"),
                "non_compliant".to_string()
            ),
            (
                format!("{SCAN}/registry.parameters.prod.json"),
                "compliant".to_string()
            ),
        ]
    );
    // The report validates against its schema (with the new members).
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("schemas/check-report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // SARIF: problems are tool execution notifications, valid SARIF 2.1.0.
    let out = acrpc(&["check", "--pack", &pack, "--format", "sarif", SCAN]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).expect("sarif");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1]["level"], "error");
    assert_eq!(notes[1]["descriptor"]["id"], "E0501");
    let _: serde_sarif::sarif::Sarif = serde_json::from_value(sarif.clone()).expect("typed SARIF");
    if let Some(mut schema) = sarif_schema() {
        mend_patterns(
            &mut schema,
            "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
            "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
        );
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}

/// A run whose every file fails to load still writes its report (with the
/// problems and no results) and exits 2.
#[test]
fn a_run_where_nothing_loads_still_reports_why() {
    let out = acrpc(&["check", "--format", "json", &format!("{SCAN}/broken.json")]);
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("json report");
    assert_eq!(doc["problems"][0]["code"], "E0501");
    assert_eq!(doc["problems"][0]["severity"], "error");
    assert_eq!(doc["problems"][0]["line"], 6);
    assert_eq!(doc["results"], json!([]));
    // Skipped files and warnings alone do not change the exit status.
    let pack = format!("{SCAN}/pack.acrp");
    let out = acrpc(&[
        "check",
        "--pack",
        &pack,
        "--format",
        "json",
        "--exclude",
        "broken.json",
        SCAN,
    ]);
    assert_eq!(out.status.code(), Some(1), "the dev pairing has a finding");
    let out = acrpc(&[
        "check",
        "--pack",
        &pack,
        "--format",
        "json",
        "--exclude",
        "broken.json",
        "--exclude",
        "*.dev.json",
        SCAN,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("json report");
    assert_eq!(doc["problems"][0]["code"], "W0504");
}

/// Issue 9: an assignment's `notScopes` and resource selectors leave
/// resources unevaluated (azure-docs assignment-structure, "Excluded scopes",
/// "Resource selectors": all selectors of one resource selector, any
/// resource selector). Reported like an exemption; a value the input does
/// not know never excludes; another assignment that evaluates the resource
/// keeps the finding.
#[test]
fn assignment_not_scopes_and_selectors_leave_resources_unevaluated() {
    let d = Dir::new("notscopes");
    let sub = "00000000-0000-0000-0000-000000000001";
    let assignments = format!(
        r#"
assignment eu of admin-user-disabled {{
  scope      "/subscriptions/{sub}"
  not-scopes ["/subscriptions/{sub}/resourceGroups/sandbox"]
  selector eu {{ location in ["West Europe", "northeurope"]  type in ["Microsoft.ContainerRegistry/registries"] }}
}}
"#
    );
    let pack = d.write("t.acrp", &format!("{PACK}{assignments}"));
    let run = |pack: &str, rg: &str, location: &str| {
        let mut r = registry(json!({"adminUserEnabled": true, "zoneRedundancy": "Enabled"}));
        r["location"] = json!(location);
        let file = d.write(&format!("r-{rg}-{location}.json"), &template(json!([r])));
        let out = acrpc(&[
            "check",
            "--pack",
            pack,
            "--subscription",
            sub,
            "--resource-group",
            rg,
            "--today",
            "2026-12-04",
            "--format",
            "json",
            &file,
        ]);
        let r = results(&out)
            .into_iter()
            .find(|r| r["rule"] == "admin-user-disabled")
            .expect("admin result");
        (out.status.code(), r)
    };
    let (status, r) = run(&pack, "sandbox", "westeurope");
    let reason = r["suppression"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("not evaluated") && reason.contains("notScopes"),
        "{r}"
    );
    assert_eq!(status, Some(0));

    let (status, r) = run(&pack, "apps", "eastus");
    let reason = r["suppression"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("no resource selector"), "{r}");
    assert_eq!(status, Some(0));

    // Selected (`West Europe` is `westeurope`): a finding.
    let (status, r) = run(&pack, "apps", "westeurope");
    assert!(r["suppression"].is_null(), "{r}");
    assert_eq!(status, Some(1));

    // A location the template leaves to a parameter without a value is unknown.
    let (status, r) = run(&pack, "apps", "[parameters('where')]");
    assert!(r["suppression"].is_null(), "{r}");
    assert_eq!(status, Some(1));

    // A second assignment of the rule evaluates the sandbox: still a finding.
    let both = d.write(
        "both.acrp",
        &format!("{PACK}{assignments}\nassignment all of admin-user-disabled {{ scope \"/subscriptions/{sub}\" }}\n"),
    );
    let (status, r) = run(&both, "sandbox", "westeurope");
    assert!(r["suppression"].is_null(), "{r}");
    assert_eq!(status, Some(1));
}

/// Issue 9: which subscriptions a management group holds is in no input, so
/// an exemption (or assignment) at a management group applies to the input
/// only when `--management-group` says the input is in it.
#[test]
fn management_group_exemptions_apply_when_the_group_is_known() {
    let d = Dir::new("mg");
    let mg = "/providers/Microsoft.Management/managementGroups/platform";
    let pack = d.write(
        "t.acrp",
        &format!(
            r#"{PACK}
assignment base of admin-user-disabled {{ scope "{mg}" }}
exemption platform-wide of base {{ category mitigated }}
"#
        ),
    );
    let props = json!({"adminUserEnabled": true, "zoneRedundancy": "Enabled"});
    let file = d.write("r.json", &template(json!([registry(props)])));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--pack",
            &pack,
            "--subscription",
            "00000000-0000-0000-0000-000000000001",
            "--resource-group",
            "apps",
            "--today",
            "2026-12-04",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        args.push(&file);
        let out = acrpc(&args);
        let r = results(&out)
            .into_iter()
            .find(|r| r["rule"] == "admin-user-disabled")
            .expect("admin result");
        (out.status.code(), r)
    };
    let (status, r) = run(&[]);
    assert!(r["suppression"].is_null(), "{r}");
    assert_eq!(status, Some(1));
    let (status, r) = run(&["--management-group", "Platform"]);
    let reason = r["suppression"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("platform-wide") && reason.contains("Mitigated"),
        "{r}"
    );
    assert_eq!(status, Some(0));
}

/// Issue 9: `--env` gives the bundled pack's assignment its environment's
/// scope (a management group); with `--management-group` naming it, the
/// pack's exemption (of two network members, at the assignment's scope)
/// applies to a registry there, and only to those members.
#[test]
fn the_bundled_exemption_applies_in_its_environment() {
    let d = Dir::new("bundled-env");
    let props = json!({"adminUserEnabled": true, "publicNetworkAccess": "Enabled"});
    let file = d.write("r.json", &template(json!([registry(props)])));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--pack",
            "rulepacks/acr-baseline.acrp",
            "--env",
            "prod",
            "--subscription",
            "00000000-0000-0000-0000-000000000009",
            "--resource-group",
            "apps",
            "--today",
            "2026-12-04",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        args.push(&file);
        results(&acrpc(&args))
    };
    let suppressed = |rs: &[Value], rule: &str| {
        rs.iter()
            .find(|r| r["rule"] == rule)
            .map(|r| !r["suppression"].is_null())
            .unwrap_or_else(|| panic!("no result for {rule}"))
    };
    let outside = run(&[]);
    assert!(!suppressed(&outside, "public-network-access-disabled"));
    let inside = run(&["--management-group", "contoso-prod"]);
    assert!(suppressed(&inside, "public-network-access-disabled"));
    assert!(!suppressed(&inside, "admin-user-disabled"));
}

/// `--env` names an environment of a `--pack`; the bundled baseline is
/// checked without its placements, so `--env` alone is a usage error (it was
/// silently ignored).
#[test]
fn env_without_a_pack_is_a_usage_error() {
    let d = Dir::new("env-no-pack");
    let file = d.write("r.json", &template(json!([registry(json!({}))])));
    let out = acrpc(&["check", "--env", "prod", &file]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--pack"), "{stderr}");
}
