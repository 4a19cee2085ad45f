//! The deployment targets of `acrpc build --target`: golden snapshots of
//! every file the bundled pack compiles to (golden/targets/), and checks of
//! what each format must get right: ARM's expression escaping and member
//! ids, EPAC's schemas, Bicep and Terraform string escaping.
//!
//! The EPAC schemas are read from `../shared/reference/schemas/epac/`; in a
//! clone without the shared folder that test prints a message and passes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

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
    compiled("rulepacks/acr-baseline.acrp", &Options::default())
}

fn compiled(relative: &str, opts: &Options) -> Pack {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).expect("pack is readable");
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(relative, text));
    let templates = Relative(path.parent().expect("has a parent").to_path_buf());
    let compiled = compile_file(&sources, id, &templates, opts);
    compiled.pack.expect("the pack compiles")
}

fn with_env(env: &str) -> Options {
    Options {
        env: Some(env.into()),
        ..Options::default()
    }
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

/// The definitions and initiatives of an ARM template, in order (the
/// placements follow them).
fn policy_resources(t: &Value) -> Vec<&Value> {
    t["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| {
            r["type"] == Kind::Definition.resource_type()
                || r["type"] == Kind::SetDefinition.resource_type()
        })
        .collect()
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
        let list = policy_resources(&t);
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
        let list = policy_resources(&t);
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
        } else if f.path.contains("/policyDefinitions/") {
            n_defs += 1;
            &defs
        } else {
            // Assignment and exemption files: their schemas are not in the
            // shared folder (golden snapshots and the placement tests cover them).
            continue;
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
    // Definitions, initiatives and the placements at the file's own scope.
    assert_eq!(
        mg.matches("management_group_id = var.management_group_id")
            .count(),
        n_defs
            + n_sets
            + mg.matches("resource \"azurerm_management_group_policy_assignment\"")
                .count()
            + mg.matches("resource \"azurerm_management_group_policy_exemption\"")
                .count()
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
        for (ty, entry) in [
            (Kind::Definition.resource_type(), "policyDefinitions"),
            (Kind::SetDefinition.resource_type(), "policySetDefinitions"),
            (
                "Microsoft.Authorization/policyAssignments",
                "policyAssignments",
            ),
        ] {
            let schema = serde_json::json!({ "$ref": format!("{ARM_BASE}{schema_file}#/{section}/{entry}") });
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .with_retriever(OfflineArm(arm_dir.clone()))
                .build(&schema)
                .expect("the template schema builds offline");
            for r in t["resources"].as_array().expect("resources") {
                if r["type"] != ty {
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
        2 * (pack.definitions.len() + pack.initiatives.len() + pack.assignments.len())
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

// ------------------------------------------------------------ placements

const PLACEMENTS_CASE: &str = "tests/cases/valid/assignments-and-exemptions.acrp";

/// Every target of a pack with a user-assigned identity, selectors,
/// overrides, an assignment at resource-group scope and an exemption of a
/// single registry (tests/cases/valid), and of the bundled pack built for
/// its `prod` environment.
#[test]
fn placements_of_every_target_match_golden_output() {
    for (name, pack) in [
        ("cases", compiled(PLACEMENTS_CASE, &Options::default())),
        (
            "prod",
            compiled("rulepacks/acr-baseline.acrp", &with_env("prod")),
        ),
    ] {
        for target in [Target::Arm, Target::Bicep, Target::Terraform, Target::Epac] {
            let files = target_files(&pack, target);
            assert_eq!(files, target_files(&pack, target), "not deterministic");
            for f in files.iter().filter(|f| {
                !f.path.contains("/policyDefinitions/")
                    && !f.path.contains("/policySetDefinitions/")
            }) {
                let contents = if name == "prod" {
                    // Only the placements: the definitions are in the other snapshots.
                    placements_only(&f.contents)
                } else {
                    f.contents.clone()
                };
                insta::with_settings!({
                    snapshot_path => "../golden/targets/placements",
                    prepend_module_to_snapshot => false,
                    omit_expression => true,
                    description => format!("{name}: {}", f.path),
                }, {
                    insta::assert_snapshot!(format!("{name}__{}", f.path.replace('/', "__")), contents);
                });
            }
        }
    }
}

/// The text from the first placement resource on (ARM: the resources after
/// the last initiative; Bicep and Terraform: from the first assignment).
fn placements_only(text: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(text)
        && let Some(list) = v["resources"].as_array()
    {
        let rest: Vec<&Value> = list
            .iter()
            .filter(|r| {
                r["type"] != Kind::Definition.resource_type()
                    && r["type"] != Kind::SetDefinition.resource_type()
            })
            .collect();
        return serde_json::to_string_pretty(&serde_json::json!({
            "metadata": v["metadata"],
            "resources": rest,
        }))
        .expect("json");
    }
    let start = [
        "resource asg_",
        "resource \"azurerm_management_group_policy_assignment",
        "resource \"azurerm_subscription_policy_assignment",
    ]
    .iter()
    .filter_map(|m| text.find(m))
    .min()
    .unwrap_or(text.len());
    text[start..].to_string()
}

fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<&'a Value> {
    t["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["type"] == ty)
        .collect()
}

/// The ARM templates deploy the assignment as the `azure` target writes it
/// (after the template engine's unescaping), pointing at the initiative of
/// the same template; its role assignments take the identity's principal
/// from `reference()` once the assignment exists, and the exemption points
/// at the assignment.
#[test]
fn arm_templates_deploy_assignments_with_their_roles_and_exemptions() {
    let pack = baseline();
    let files = target_files(&pack, Target::Arm);
    let a = &pack.assignments[0];
    let set_name = match &a.assigned {
        acrpc::ir::Assigned::Initiative { name, .. } => name.clone(),
        other => panic!("{other:?}"),
    };
    let azure = acrpc::emit::assignment::assignment(a, &pack);
    for (scope, f) in [
        (DeployScope::Subscription, "subscriptionResourceId"),
        (DeployScope::ManagementGroup, "managementGroupResourceId"),
    ] {
        let t = json(file(&files, &format!("arm/{}.json", scope.file_stem())));
        let asgs = of_type(&t, "Microsoft.Authorization/policyAssignments");
        assert_eq!(asgs.len(), 1);
        let asg = asgs[0];
        let asg_id = format!(
            "{f}('Microsoft.Authorization/policyAssignments', '{}')",
            a.id
        );
        let set_id = format!("[{f}('Microsoft.Authorization/policySetDefinitions', '{set_name}')]");
        assert_eq!(asg["properties"]["policyDefinitionId"], set_id.as_str());
        assert_eq!(asg["dependsOn"], serde_json::json!([set_id]));
        assert_eq!(asg["identity"], azure["identity"]);
        assert_eq!(asg["location"], azure["location"]);
        let deployed = arm_deployed(&asg["properties"]).expect_err("the id is an expression");
        assert!(deployed.contains("policySetDefinitions"), "{deployed}");
        let mut props = asg["properties"].clone();
        props["policyDefinitionId"] = azure["properties"]["policyDefinitionId"].clone();
        let mut want = azure["properties"].clone();
        // The scope is the deployment's: no placeholder in the template.
        want["metadata"]["acrpc"]
            .as_object_mut()
            .expect("acrpc")
            .remove("scope");
        assert_eq!(arm_deployed(&props).expect("literal"), want);

        let principal = format!("[reference({asg_id}, '2026-06-01', 'Full').identity.principalId]");
        let mut roles: Vec<Value> = of_type(&t, "Microsoft.Authorization/roleAssignments")
            .into_iter()
            .cloned()
            .collect();
        for d in of_type(&t, "Microsoft.Resources/deployments") {
            assert_eq!(d["dependsOn"], serde_json::json!([format!("[{asg_id}]")]));
            assert_eq!(d["properties"]["mode"], "Incremental");
            // The workspace of the deployIfNotExists member's parameter.
            assert_eq!(d["subscriptionId"], "00000000-0000-0000-0000-000000000002");
            assert_eq!(d["resourceGroup"], "monitoring");
            for inner in d["properties"]["template"]["resources"]
                .as_array()
                .expect("resources")
            {
                assert_eq!(
                    inner["scope"],
                    "Microsoft.OperationalInsights/workspaces/logs"
                );
                roles.push(inner.clone());
            }
        }
        assert_eq!(roles.len(), a.role_assignments.len());
        for r in &roles {
            assert_eq!(r["apiVersion"], "2022-04-01");
            assert_eq!(r["properties"]["principalId"], principal.as_str());
            assert_eq!(r["properties"]["principalType"], "ServicePrincipal");
            let name = r["name"].as_str().expect("name");
            // `{scope}`: names are derived from the assignment's id where deployed.
            assert!(name.starts_with(&format!("[guid({asg_id}, ")), "{name}");
        }
        let exemptions = of_type(&t, "Microsoft.Authorization/policyExemptions");
        assert_eq!(exemptions.len(), 1);
        assert_eq!(exemptions[0]["apiVersion"], "2024-12-01-preview");
        assert_eq!(
            exemptions[0]["properties"]["policyAssignmentId"],
            format!("[{asg_id}]").as_str()
        );
        assert_eq!(
            exemptions[0]["dependsOn"],
            serde_json::json!([format!("[{asg_id}]")])
        );
    }
}

/// With `--env prod` the assignment's scope is a management group: only the
/// management-group template carries it, role assignment names are the
/// GUIDs of the `azure` target, and the definitions' scope is the
/// environment's (no `{scope}` anywhere).
#[test]
fn an_environment_scope_picks_the_template_and_fills_every_id() {
    let pack = compiled("rulepacks/acr-baseline.acrp", &with_env("prod"));
    assert_eq!(
        pack.scope.as_deref(),
        Some("/providers/Microsoft.Management/managementGroups/contoso-prod")
    );
    for f in acrpc::emit::pack_files(&pack) {
        assert!(!f.contents.contains("{scope}"), "{}", f.path);
    }
    let files = target_files(&pack, Target::Arm);
    let sub = json(file(&files, "arm/subscription.json"));
    assert!(of_type(&sub, "Microsoft.Authorization/policyAssignments").is_empty());
    let mg = json(file(&files, "arm/managementGroup.json"));
    assert_eq!(
        of_type(&mg, "Microsoft.Authorization/policyAssignments").len(),
        1
    );
    let names: Vec<&str> = of_type(&mg, "Microsoft.Authorization/roleAssignments")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    let a = &pack.assignments[0];
    assert!(!names.is_empty());
    for n in names {
        assert!(a.role_assignments.iter().any(|r| r.name == n), "{n}");
    }
    let tf = target_files(&pack, Target::Terraform);
    let mg_tf = &file(&tf, "terraform/managementGroup/main.tf").contents;
    assert!(
        mg_tf.contains("resource \"azurerm_management_group_policy_assignment\" \"acr_baseline\"")
    );
    assert!(mg_tf.contains(
        "management_group_id = \"/providers/Microsoft.Management/managementGroups/contoso-prod\""
    ));
    assert!(
        !file(&tf, "terraform/subscription/main.tf")
            .contents
            .contains("policy_assignment")
    );
    let epac = target_files(&pack, Target::Epac);
    let asg = json(file(&epac, "epac/policyAssignments/acr-baseline.jsonc"));
    assert_eq!(
        asg["scope"]["prod"][0],
        "/providers/Microsoft.Management/managementGroups/contoso-prod"
    );
    assert_eq!(asg["parameters"]["auditDenyEffect"], "Deny");
    file(&epac, "epac/policyExemptions/prod/acr-baseline.json");
}

/// An assignment at resource-group scope has no ARM/Bicep template here:
/// it is listed as not deployed, never silently dropped; Terraform and EPAC
/// carry it.
#[test]
fn placements_a_template_cannot_carry_are_listed() {
    let pack = compiled(PLACEMENTS_CASE, &Options::default());
    for scope in DeployScope::ALL {
        let files = target_files(&pack, Target::Arm);
        let t = json(file(&files, &format!("arm/{}.json", scope.file_stem())));
        let names: Vec<&str> = of_type(&t, "Microsoft.Authorization/policyAssignments")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(!names.contains(&"admin-user"));
        let left = t["metadata"]["notDeployed"].to_string();
        assert!(left.contains("assignment `admin-user`"), "{left}");
        let b = target_files(&pack, Target::Bicep);
        let text = &file(&b, &format!("bicep/{}.bicep", scope.file_stem())).contents;
        assert!(text.contains("// Not deployed by this file: assignment `admin-user`"));
    }
    let tf = target_files(&pack, Target::Terraform);
    let sub = &file(&tf, "terraform/subscription/main.tf").contents;
    assert!(sub.contains("resource \"azurerm_resource_group_policy_assignment\" \"admin_user\""));
    assert!(sub.contains("resource \"azurerm_resource_policy_exemption\" \"admin_user_apps\""));
    file(
        &target_files(&pack, Target::Epac),
        "epac/policyAssignments/admin-user.jsonc",
    );
}

/// The nested deployments that carry role assignments and exemptions at
/// other scopes have the `properties` Azure's deployment schema describes
/// (`2018-05-01/Microsoft.Resources.Deployments.json`, `DeploymentProperties`).
#[test]
fn nested_deployments_satisfy_the_deployment_schema() {
    let Some(arm_dir) = common::shared("reference/schemas/arm") else {
        return;
    };
    let schema = serde_json::json!({
        "$ref": format!("{ARM_BASE}2018-05-01/Microsoft.Resources.Deployments.json#/definitions/DeploymentProperties")
    });
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .with_retriever(OfflineArm(arm_dir))
        .build(&schema)
        .expect("the deployment schema builds offline");
    assert!(
        !validator.is_valid(&serde_json::json!({"mode": "Sometimes"})),
        "the schema accepts anything"
    );
    let mut checked = 0;
    for pack in [baseline(), compiled(PLACEMENTS_CASE, &Options::default())] {
        for f in target_files(&pack, Target::Arm) {
            let t = json(&f);
            for d in of_type(&t, "Microsoft.Resources/deployments") {
                checked += 1;
                let errors: Vec<String> = validator
                    .iter_errors(&d["properties"])
                    .map(|e| format!("{}: {e} at {}", f.path, e.instance_path()))
                    .collect();
                assert!(errors.is_empty(), "{}", errors.join("\n"));
            }
        }
    }
    assert!(checked > 0, "no nested deployment to check");
}

/// `acrpc build` checks the output folder against `pack_file_paths` and then
/// writes what `each_pack_file` hands it: both must be `pack_files` exactly
/// (same paths in the same order; same files, whatever order the threads
/// hand them in).
#[test]
fn streamed_pack_files_are_the_pack_files() {
    let pack = compiled("rulepacks/acr-baseline.acrp", &with_env("prod"));
    let files = acrpc::emit::pack_files(&pack);
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(acrpc::emit::pack_file_paths(&pack), paths);
    let streamed = std::sync::Mutex::new(Vec::new());
    acrpc::emit::each_pack_file(&pack, &|f: OutputFile| {
        streamed.lock().unwrap().push(f);
        Ok::<(), ()>(())
    })
    .unwrap();
    let mut streamed = streamed.into_inner().unwrap();
    streamed.sort_by(|a, b| a.path.cmp(&b.path));
    let mut sorted = files;
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(streamed, sorted);
    assert!(
        sorted
            .iter()
            .any(|f| f.path.contains("/policyAssignments/"))
    );
    // The first error stops the stream and is returned.
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let stopped = acrpc::emit::each_pack_file(&pack, &|_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Err("disk full")
    });
    assert_eq!(stopped, Err("disk full"));
    assert!(seen.into_inner() < paths.len());
}
