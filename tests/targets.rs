//! The deployment targets of `acrpc build --target`: golden snapshots of
//! every file the bundled pack compiles to (golden/targets/), and checks of
//! what each format must get right: ARM's expression escaping and member
//! ids, EPAC's schemas, Bicep and Terraform string escaping.
//!
//! The EPAC schemas are read from `../shared/reference/schemas/epac/`; in a
//! clone without the shared folder that test prints a message and passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should stop the test

mod common;

use acrpc::compile::compile_file;
use acrpc::diag::{SourceFile, SourceMap};
use acrpc::emit::model::{DeployScope, Kind, resources};
use acrpc::emit::{OutputFile, Target, arm, bicep, target_files, terraform};
use acrpc::ir::Pack;
use acrpc::sema::{Options, Templates};
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Relative(PathBuf);

impl Templates for Relative {
    fn load(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

fn baseline() -> Pack {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rulepacks/acr-baseline.acrp");
    let text = std::fs::read_to_string(&path).expect("bundled pack is readable");
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new("rulepacks/acr-baseline.acrp", text));
    let templates = Relative(path.parent().expect("has a parent").to_path_buf());
    let compiled = compile_file(&sources, id, &templates, &Options::default());
    compiled.pack.expect("the bundled pack compiles")
}

fn json(f: &OutputFile) -> Value {
    serde_json::from_str(&f.contents).unwrap_or_else(|e| panic!("{} is not JSON: {e}", f.path))
}

fn file<'a>(files: &'a [OutputFile], suffix: &str) -> &'a OutputFile {
    files
        .iter()
        .find(|f| f.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no file ending in {suffix}"))
}

#[test]
fn every_target_matches_golden_output() {
    let pack = baseline();
    for target in [Target::Arm, Target::Bicep, Target::Terraform, Target::Epac] {
        let files = target_files(&pack, target);
        assert!(!files.is_empty(), "{target:?} wrote nothing");
        assert_eq!(
            files,
            target_files(&pack, target),
            "{target:?} is not deterministic"
        );
        for f in files {
            insta::with_settings!({
                snapshot_path => "../golden/targets",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => f.path.clone(),
            }, {
                insta::assert_snapshot!(f.path.replace('/', "__"), f.contents);
            });
        }
    }
}

/// What the template engine does to a string at deployment: `[[…` loses
/// one bracket when the string also ends with `]`; any other `[…]` string
/// is an expression (returned as `Err`).
fn arm_evaluate(s: &str) -> Result<String, String> {
    if s.starts_with("[[") && s.ends_with(']') {
        Ok(s[1..].to_string())
    } else if s.starts_with('[') && s.ends_with(']') {
        Err(s.to_string())
    } else {
        Ok(s.to_string())
    }
}

/// The value as deployed, or the first expression found in it.
fn arm_deployed(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(arm_evaluate(s)?),
        Value::Array(a) => Value::Array(a.iter().map(arm_deployed).collect::<Result<_, _>>()?),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), arm_deployed(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn arm_templates_escape_every_policy_expression() {
    let pack = baseline();
    let files = target_files(&pack, Target::Arm);
    let expected = resources(&pack);
    for scope in DeployScope::ALL {
        let t = json(file(&files, &format!("arm/{}.json", scope.file_stem())));
        let list = t["resources"].as_array().expect("resources");
        assert_eq!(list.len(), expected.len());
        let mut rule_strings = Vec::new();
        let mut expressions_seen = 0;
        for (r, want) in list.iter().zip(&expected) {
            assert_eq!(r["name"], Value::String(want.name.clone()));
            assert_eq!(r["type"], want.kind.resource_type());
            if want.kind == Kind::Definition {
                strings(&r["properties"]["policyRule"], &mut rule_strings);
                // After the engine's unescaping, Azure receives exactly the
                // `azure` target's definition.
                let deployed = arm_deployed(&r["properties"])
                    .unwrap_or_else(|e| panic!("{} keeps expression {e}", want.id));
                assert_eq!(deployed, want.properties, "{}", want.id);
            }
            let mut all = Vec::new();
            strings(&want.properties, &mut all);
            expressions_seen += all.iter().filter(|s| s.starts_with("[parameters(")).count();
        }
        assert!(
            expressions_seen > 0,
            "the pack has no parameter expressions to test"
        );
        let unescaped: Vec<&String> = rule_strings
            .iter()
            .filter(|s| {
                s.starts_with("[parameters(")
                    || (s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']'))
            })
            .collect();
        assert!(
            unescaped.is_empty(),
            "evaluated at deployment: {unescaped:?}"
        );
        assert!(rule_strings.iter().any(|s| s == "[[parameters('effect')]"));
    }
}

#[test]
fn escaping_only_touches_strings_the_engine_would_evaluate() {
    let v = serde_json::json!({
        "[key]": ["[parameters('a')]", "[[literal]", "[not closed", "plain]", "", "[]"]
    });
    assert_eq!(
        arm::escape_for_template(&v),
        serde_json::json!({
            "[key]": ["[[parameters('a')]", "[[[literal]", "[not closed", "plain]", "", "[[]"]
        })
    );
}

#[test]
fn arm_initiatives_reference_members_by_scope_function_and_depend_on_them() {
    let pack = baseline();
    let files = target_files(&pack, Target::Arm);
    for (scope, function) in [
        (DeployScope::Subscription, "subscriptionResourceId"),
        (DeployScope::ManagementGroup, "managementGroupResourceId"),
    ] {
        let t = json(file(&files, &format!("arm/{}.json", scope.file_stem())));
        let schema = t["$schema"].as_str().expect("$schema");
        assert!(
            schema.contains(match scope {
                DeployScope::Subscription => "subscriptionDeploymentTemplate",
                DeployScope::ManagementGroup => "managementGroupDeploymentTemplate",
            }),
            "{schema}"
        );
        let list = t["resources"].as_array().expect("resources");
        let first_set = list
            .iter()
            .position(|r| r["type"] == Kind::SetDefinition.resource_type())
            .expect("an initiative");
        assert!(
            list[first_set..]
                .iter()
                .all(|r| r["type"] == Kind::SetDefinition.resource_type())
        );
        for set in &list[first_set..] {
            let deps: Vec<&str> = set["dependsOn"]
                .as_array()
                .expect("dependsOn")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            for m in set["properties"]["policyDefinitions"]
                .as_array()
                .expect("members")
            {
                let id = m["policyDefinitionId"].as_str().expect("member id");
                assert!(
                    id.starts_with(&format!(
                        "[{function}('Microsoft.Authorization/policyDefinitions', '"
                    )),
                    "{id}"
                );
                assert!(deps.contains(&id), "{id} not in dependsOn");
                assert!(!id.contains("{scope}"));
            }
        }
    }
}

#[test]
fn epac_files_satisfy_the_epac_schemas() {
    let Some(dir) = common::shared("reference/schemas/epac") else {
        return;
    };
    let load = |name: &str| -> Value {
        let text = std::fs::read_to_string(dir.join(name)).expect("EPAC schema readable");
        serde_json::from_str(&text).expect("EPAC schema is JSON")
    };
    let (def_schema, set_schema) = (
        load("policy-definition-schema.json"),
        load("policy-set-definition-schema.json"),
    );
    let defs = jsonschema::options()
        .build(&def_schema)
        .expect("EPAC definition schema builds");
    let sets = jsonschema::options()
        .build(&set_schema)
        .expect("EPAC set schema builds");
    let pack = baseline();
    let files = target_files(&pack, Target::Epac);
    let mut failures = Vec::new();
    let (mut n_defs, mut n_sets) = (0, 0);
    for f in &files {
        let v = json(f);
        let validator = if f.path.contains("/policySetDefinitions/") {
            n_sets += 1;
            &sets
        } else {
            n_defs += 1;
            &defs
        };
        for e in validator.iter_errors(&v) {
            failures.push(format!("{}: {} at {}", f.path, e, e.instance_path()));
        }
    }
    assert_eq!(
        (n_defs, n_sets),
        (pack.definitions.len(), pack.initiatives.len())
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Set members name custom definitions; EPAC resolves the scope.
    let set = json(file(&files, "epac/policySetDefinitions/acr-baseline.json"));
    for m in set["properties"]["policyDefinitions"]
        .as_array()
        .expect("members")
    {
        let name = m["policyDefinitionName"]
            .as_str()
            .expect("policyDefinitionName");
        assert!(pack.definitions.iter().any(|d| d.name == name), "{name}");
        assert!(m.get("policyDefinitionId").is_none());
    }
}

#[test]
fn bicep_and_terraform_strings_are_not_interpolated() {
    let s = "it's ${var} %{if} \\ \"q\"\nline [parameters('x')]";
    assert_eq!(
        bicep::string(s),
        "'it\\'s \\${var} %{if} \\\\ \"q\"\\nline [parameters(\\'x\\')]'"
    );
    assert_eq!(
        terraform::string(s),
        "\"it's $${var} %%{if} \\\\ \\\"q\\\"\\nline [parameters('x')]\""
    );
}

#[test]
fn bicep_and_terraform_declare_every_resource_once() {
    let pack = baseline();
    let (n_defs, n_sets) = (pack.definitions.len(), pack.initiatives.len());
    let bicep_files = target_files(&pack, Target::Bicep);
    for scope in DeployScope::ALL {
        let text = &file(&bicep_files, &format!("bicep/{}.bicep", scope.file_stem())).contents;
        assert!(text.contains(&format!("targetScope = '{}'", scope.file_stem())));
        let count = |ty: &str| {
            text.matches(&format!("'{ty}@{}' = {{", acrpc::emit::POLICY_API_VERSION))
                .count()
        };
        assert_eq!(count("Microsoft.Authorization/policyDefinitions"), n_defs);
        assert_eq!(
            count("Microsoft.Authorization/policySetDefinitions"),
            n_sets
        );
        assert!(!text.contains("{scope}"));
        // Policy expressions stay literal strings; Bicep escapes them itself.
        assert!(text.contains("effect: '[parameters(\\'effect\\')]'"));
    }
    let tf = target_files(&pack, Target::Terraform);
    let sub = &file(&tf, "terraform/subscription/main.tf").contents;
    let mg = &file(&tf, "terraform/managementGroup/main.tf").contents;
    for text in [sub, mg] {
        assert_eq!(
            text.matches("resource \"azurerm_policy_definition\"")
                .count(),
            n_defs
        );
        assert!(!text.contains("{scope}"));
        assert!(text.contains("policy_definition_id = azurerm_policy_definition."));
    }
    assert_eq!(
        sub.matches("resource \"azurerm_policy_set_definition\"")
            .count(),
        n_sets
    );
    assert_eq!(
        mg.matches("resource \"azurerm_management_group_policy_set_definition\"")
            .count(),
        n_sets
    );
    assert_eq!(
        mg.matches("management_group_id = var.management_group_id")
            .count(),
        n_defs + n_sets
    );
}

/// Resolves `https://schema.management.azure.com/schemas/<rest>` to the
/// shared copy under `arm/<rest>` (no network).
struct OfflineArm(PathBuf);

const ARM_BASE: &str = "https://schema.management.azure.com/schemas/";

impl jsonschema::Retrieve for OfflineArm {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let rest = uri
            .split_once('#')
            .map_or(uri, |(u, _)| u)
            .strip_prefix(ARM_BASE)
            .ok_or_else(|| format!("`{uri}` is not an ARM schema URI"))?;
        Ok(serde_json::from_str(&std::fs::read_to_string(
            self.0.join(rest),
        )?)?)
    }
}

/// Every resource of both ARM templates is a valid resource declaration
/// of the api-version it names, per Azure's own template schema
/// (`2026-06-01/Microsoft.Authorization.json`, its
/// `subscription_resourceDefinitions` / `managementGroup_resourceDefinitions`).
#[test]
fn arm_template_resources_satisfy_the_azure_template_schema() {
    let schema_file = format!(
        "{}/Microsoft.Authorization.json",
        acrpc::emit::POLICY_API_VERSION
    );
    let Some(arm_dir) = common::shared("reference/schemas/arm") else {
        return;
    };
    assert!(
        arm_dir.join(&schema_file).exists(),
        "{schema_file} missing from the shared schemas"
    );
    let pack = baseline();
    let files = target_files(&pack, Target::Arm);
    let mut failures = Vec::new();
    let mut checked = 0;
    for (scope, section) in [
        (
            DeployScope::Subscription,
            "subscription_resourceDefinitions",
        ),
        (
            DeployScope::ManagementGroup,
            "managementGroup_resourceDefinitions",
        ),
    ] {
        let t = json(file(&files, &format!("arm/{}.json", scope.file_stem())));
        for (kind, entry) in [
            (Kind::Definition, "policyDefinitions"),
            (Kind::SetDefinition, "policySetDefinitions"),
        ] {
            let schema = serde_json::json!({ "$ref": format!("{ARM_BASE}{schema_file}#/{section}/{entry}") });
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .with_retriever(OfflineArm(arm_dir.clone()))
                .build(&schema)
                .expect("the template schema builds offline");
            for r in t["resources"].as_array().expect("resources") {
                if r["type"] != kind.resource_type() {
                    continue;
                }
                checked += 1;
                // The validator is not vacuous: a wrong api-version fails it.
                let mut wrong = r.clone();
                wrong["apiVersion"] = serde_json::json!("1999-01-01");
                assert!(!validator.is_valid(&wrong), "the schema accepts anything");
                for e in validator.iter_errors(r) {
                    failures.push(format!(
                        "{:?} {}: {e} at {}",
                        scope,
                        r["name"],
                        e.instance_path()
                    ));
                }
            }
        }
    }
    assert_eq!(
        checked,
        2 * (pack.definitions.len() + pack.initiatives.len())
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A built-in member (`include builtin "<GUID>"`) keeps its tenant-level id
/// in every target and in publish, while the pack's own rule beside it is
/// referenced the target's way; no target makes the built-in a dependency.
#[test]
fn builtin_members_keep_their_id_in_every_target() {
    const GUID: &str = "0fdf0491-d080-4575-b627-ad0e843cba0f";
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases/valid/initiative-builtin-members.acrp"),
    )
    .unwrap();
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new("members.acrp", text));
    let compiled = compile_file(&sources, id, &Relative(PathBuf::new()), &Options::default());
    let pack = compiled.pack.expect("compiles");
    let builtin_id = format!("/providers/Microsoft.Authorization/policyDefinitions/{GUID}");
    for target in [
        Target::Azure,
        Target::Arm,
        Target::Bicep,
        Target::Terraform,
        Target::Epac,
    ] {
        let files = target_files(&pack, target);
        let all: String = files.iter().map(|f| f.contents.as_str()).collect();
        assert!(all.contains(&builtin_id), "{target:?}: no {builtin_id}");
        // The built-in id never gets a scope or a template function around it.
        assert!(
            !all.contains(&format!("{{scope}}{builtin_id}")),
            "{target:?}"
        );
        assert!(
            !all.contains(&format!("'{GUID}')")),
            "{target:?}: {GUID} as a resource name"
        );
    }
    let arm = target_files(&pack, Target::Arm);
    let t = json(file(&arm, "arm/subscription.json"));
    let set = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == Kind::SetDefinition.resource_type())
        .unwrap();
    let deps = set["dependsOn"].as_array().unwrap();
    assert_eq!(deps.len(), 1, "only the pack's rule: {deps:?}");
    let desired = acrpc::publish::desired(&pack, "/subscriptions/0");
    let set = desired
        .iter()
        .find(|d| d.kind == acrpc::publish::Item::SetDefinition)
        .unwrap();
    let members = set.properties()["policyDefinitions"].as_array().unwrap();
    assert_eq!(members[1]["policyDefinitionId"], builtin_id.as_str());
    assert!(
        members[0]["policyDefinitionId"]
            .as_str()
            .unwrap()
            .starts_with("/subscriptions/0/providers/")
    );
}
