//! Every emitted policy definition and initiative must satisfy Azure's own
//! published JSON Schemas, and every `checker.json` our own schema.
//!
//! The Azure schemas are read at test time from `../shared/reference/schemas/`
//! (see its README: where each file comes from, how the offline `$ref`
//! resolution works, and the known gaps in the schemas). They are never copied
//! into the project; in a clone without the shared folder the Azure-schema test
//! prints a message and passes.
//!
//! Inputs: `rulepacks/*.acrp`, `tests/cases/valid/*.acrp` and
//! `tests/builtins/*.acrp`. The built-ins' deploy templates are not in the
//! repository: they are taken, in memory, from the original definitions under
//! `../shared/reference/azure-builtins/`.
//!
//! What is checked, per emitted file:
//! * a definition's `properties.policyRule` against
//!   `arm/2020-10-01/policyDefinition.json` (the policy-rule schema);
//! * a definition's `properties` against
//!   `arm/2026-06-01/Microsoft.Authorization.json#/definitions/PolicyDefinitionProperties`;
//! * an initiative's `properties` against `…#/definitions/PolicySetDefinitionProperties`;
//! * `checker.json` against `acrpc::emit::checker_schema()`;
//! * two builds of the same pack give byte-identical files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

mod common;

use acrpc::compile::compile_file;
use acrpc::diag::render::{RenderOptions, render};
use acrpc::diag::{SourceFile, SourceMap, has_errors};
use acrpc::emit::OutputFile;
use acrpc::sema::{Options, Templates};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Retrieve, Uri, ValidationError, Validator};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// Where ARM schema URIs point; the folder `arm/` mirrors the path after it.
const ARM_BASE: &str = "https://schema.management.azure.com/schemas/";
const RULE_SCHEMA: &str = "2020-10-01/policyDefinition.json";
const AUTHORIZATION_SCHEMA: &str = "2026-06-01/Microsoft.Authorization.json";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ------------------------------------------------------------------ schemas

/// Resolves `https://schema.management.azure.com/schemas/<rest>#…` to
/// `arm/<rest>` (fragment dropped; the validator applies it). Documents that
/// were mended in memory are served from `mended`, so a `$ref` from one file
/// into another sees the mended copy; anything else is read from disk.
struct OfflineArm {
    dir: PathBuf,
    mended: BTreeMap<String, Value>,
}

impl Retrieve for OfflineArm {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn Error + Send + Sync>> {
        let uri = uri.as_str();
        let without_fragment = uri.split_once('#').map_or(uri, |(u, _)| u);
        let rest = without_fragment.strip_prefix(ARM_BASE).ok_or_else(|| {
            format!("`{uri}` is not an ARM schema URI and there is no network access")
        })?;
        if let Some(v) = self.mended.get(rest) {
            return Ok(v.clone());
        }
        let path = self.dir.join(rest);
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Known gap 1 (schemas README): the policy-rule schema allows only number
/// and string for `equals` / `notEquals`, yet Azure compares booleans with
/// them (`"equals": true` on `adminUserEnabled` is how the built-ins
/// ACR_AdminAccountDisabled_* and ACR_AnonymousPullDisabled_* are written, and
/// Azure accepts them). Add `boolean` to exactly those two operators' type
/// lists; every other operator keeps its upstream types.
fn mend_boolean_equality(rule_schema: &mut Value) -> Result<(), String> {
    let branches = rule_schema
        .pointer_mut("/definitions/condition/allOf/1/oneOf")
        .and_then(Value::as_array_mut)
        .ok_or("policy-rule schema changed: no /definitions/condition/allOf/1/oneOf")?;
    for op in ["equals", "notEquals"] {
        let types = branches
            .iter_mut()
            .find(|b| b["required"] == json!([op]))
            .and_then(|b| b.pointer_mut(&format!("/properties/{op}/type")))
            .ok_or_else(|| format!("policy-rule schema changed: no operator branch for `{op}`"))?;
        if *types != json!(["number", "string"]) {
            return Err(format!(
                "policy-rule schema changed: `{op}` allows {types}, expected [number, string]"
            ));
        }
        *types = json!(["number", "string", "boolean"]);
    }
    Ok(())
}

/// Known gap 2 (schemas README): `ParameterValuesValue.value` (the value an
/// initiative passes to a member's parameter) is `oneOf: [{}, expression]`.
/// An expression string such as `"[parameters('effect')]"` matches both
/// branches, so `oneOf` rejects every expression, which is the normal case
/// (Azure's own Mission_ACRInitiative fails the same way). The intent is
/// plainly "anything, including an expression": make it `anyOf`. The same
/// `oneOf: [{}, expression]` pattern elsewhere (metadata, policyRule,
/// defaultValue, schema) is left as it is: nothing we emit reaches it with a
/// string, and loosening it would hide a real change.
fn mend_parameter_value(authorization: &mut Value) -> Result<(), String> {
    let value = authorization
        .pointer_mut("/definitions/ParameterValuesValue/properties/value")
        .and_then(Value::as_object_mut)
        .ok_or(
            "Microsoft.Authorization schema changed: no ParameterValuesValue.properties.value",
        )?;
    let expected = json!([{}, { "$ref": format!("{ARM_BASE}common/definitions.json#/definitions/expression") }]);
    match value.remove("oneOf") {
        Some(branches) if branches == expected => {
            value.insert("anyOf".into(), branches);
            Ok(())
        }
        other => Err(format!(
            "Microsoft.Authorization schema changed: ParameterValuesValue.value.oneOf is {other:?}"
        )),
    }
}

/// The three Azure validators, built offline from the shared folder with the
/// two mends above applied in memory.
struct AzureSchemas {
    rule: Validator,
    definition_properties: Validator,
    initiative_properties: Validator,
    assignment_properties: Validator,
    identity: Validator,
}

fn azure_schemas(schemas: &Path) -> Result<AzureSchemas, String> {
    let arm = schemas.join("arm");
    let mut rule = read_json(&arm.join(RULE_SCHEMA))?;
    mend_boolean_equality(&mut rule)?;
    let mut authorization = read_json(&arm.join(AUTHORIZATION_SCHEMA))?;
    mend_parameter_value(&mut authorization)?;
    let mended: BTreeMap<String, Value> = [
        (RULE_SCHEMA.to_string(), rule.clone()),
        (AUTHORIZATION_SCHEMA.to_string(), authorization),
    ]
    .into_iter()
    .collect();
    let build = |schema: &Value| {
        jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_retriever(OfflineArm {
                dir: arm.clone(),
                mended: mended.clone(),
            })
            .build(schema)
            .map_err(|e| format!("cannot build validator for {schema}: {e}"))
    };
    let properties_of = |name: &str| json!({ "$ref": format!("{ARM_BASE}{AUTHORIZATION_SCHEMA}#/definitions/{name}") });
    Ok(AzureSchemas {
        rule: build(&rule)?,
        definition_properties: build(&properties_of("PolicyDefinitionProperties"))?,
        initiative_properties: build(&properties_of("PolicySetDefinitionProperties"))?,
        assignment_properties: build(&properties_of("PolicyAssignmentProperties"))?,
        identity: build(&properties_of("Identity"))?,
    })
}

fn checker_validator() -> Validator {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .build(&acrpc::emit::checker_schema())
        .unwrap_or_else(|e| panic!("schemas/checker.schema.json does not build: {e}"))
}

/// One line per error: `<file>: <instance path>: <error> (schema <path>)`.
/// `prefix` is the JSON pointer of the validated part inside the file. A
/// failed `oneOf`/`anyOf` only says "not valid under any of the schemas", so
/// its most specific causes (the branch errors that got deepest into the
/// instance) are appended.
fn errors(validator: &Validator, instance: &Value, file: &str, prefix: &str) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| {
            let mut line = format!(
                "{file}: {prefix}{}: {} (schema {})",
                e.instance_path(),
                shorten(&e.to_string()),
                e.schema_path()
            );
            let mut leaves = Vec::new();
            leaf_causes(&e, &mut leaves);
            let depth = |p: &str| p.matches('/').count();
            let deepest = leaves.iter().map(|(p, _)| depth(p)).max().unwrap_or(0);
            if depth(&e.instance_path().to_string()) < deepest {
                let mut causes: Vec<String> = leaves
                    .iter()
                    .filter(|(p, _)| depth(p) == deepest)
                    .map(|(p, m)| format!("{prefix}{p}: {}", shorten(m)))
                    .collect();
                causes.dedup();
                causes.truncate(3);
                line += &format!(
                    "\n    most specific: {}",
                    causes.join("\n                   ")
                );
            }
            line
        })
        .collect()
}

fn leaf_causes(e: &ValidationError<'_>, out: &mut Vec<(String, String)>) {
    match e.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            for c in context.iter().flatten() {
                leaf_causes(c, out);
            }
        }
        _ => out.push((e.instance_path().to_string(), e.to_string())),
    }
}

fn shorten(msg: &str) -> String {
    if msg.chars().count() > 300 {
        msg.chars().take(300).collect::<String>() + "…"
    } else {
        msg.to_string()
    }
}

// ------------------------------------------------------------------ inputs

/// `deploy "x.json"` in a pack on disk: the file, relative to the pack.
struct NextToPack(PathBuf);

impl Templates for NextToPack {
    fn load(&self, path: &str) -> Result<String, String> {
        let full = self.0.join(path);
        fs::read_to_string(&full).map_err(|e| format!("{e} ({})", full.display()))
    }
}

/// `deploy "templates/<Name>.json"` in tests/builtins: the template embedded in
/// the original built-in `<Name>.json`, never a copy in the repository.
struct BuiltinTemplates(PathBuf);

impl Templates for BuiltinTemplates {
    fn load(&self, path: &str) -> Result<String, String> {
        let name = path
            .strip_prefix("templates/")
            .and_then(|p| p.strip_suffix(".json"))
            .ok_or_else(|| format!("`{path}` is not templates/<built-in name>.json"))?;
        for sub in ["definitions", "related-definitions"] {
            let original = self.0.join(sub).join(format!("{name}.json"));
            if original.is_file() {
                let v = read_json(&original)?;
                let template = v
                    .pointer("/properties/policyRule/then/details/deployment/properties/template")
                    .ok_or_else(|| format!("{} has no deployment template", original.display()))?;
                return serde_json::to_string_pretty(template).map_err(|e| e.to_string());
            }
        }
        Err(format!(
            "no built-in named `{name}` under {}",
            self.0.display()
        ))
    }
}

struct Input {
    /// Relative to the crate root, for messages.
    name: String,
    path: PathBuf,
    templates: Box<dyn Templates>,
}

fn acrp_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "acrp"))
                // Test files (`x.test.acrp`) hold tests, not a pack.
                .filter(|p| !p.to_string_lossy().ends_with(".test.acrp"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn inputs() -> Vec<Input> {
    let root = manifest_dir();
    let mut out = Vec::new();
    let mut add = |path: PathBuf, templates: Box<dyn Templates>| {
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        out.push(Input {
            name,
            path,
            templates,
        });
    };
    for dir in ["rulepacks", "tests/cases/valid"] {
        for path in acrp_files(&root.join(dir)) {
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            add(path, Box::new(NextToPack(base)));
        }
    }
    // tests/builtins need their deploy templates, which live in ../shared.
    if let Some(builtins) = common::shared("reference/azure-builtins") {
        for path in acrp_files(&root.join("tests/builtins")) {
            add(path, Box::new(BuiltinTemplates(builtins.clone())));
        }
    }
    out
}

/// The output files of one input, or its rendered diagnostics.
fn compile(input: &Input) -> Result<Vec<OutputFile>, String> {
    let text = fs::read_to_string(&input.path).map_err(|e| format!("{}: {e}", input.name))?;
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(input.name.clone(), text));
    let compiled = compile_file(&sources, id, input.templates.as_ref(), &Options::default());
    if compiled.pack.is_none() || has_errors(&compiled.diagnostics) {
        let rendered: Vec<String> = compiled
            .diagnostics
            .iter()
            .map(|d| render(d, &sources, RenderOptions::default()))
            .collect();
        return Err(format!(
            "{} does not compile:\n{}",
            input.name,
            rendered.join("\n")
        ));
    }
    Ok(compiled.files())
}

/// Compiles every input; `check` sees each output file, parsed, with a name
/// `<input> → <output path>`. Returns the failures, compile errors included.
fn for_each_output(
    mut check: impl FnMut(&str, &OutputFile, &Value) -> Vec<String>,
) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut seen = 0;
    for input in inputs() {
        match compile(&input) {
            Err(e) => failures.push(e),
            Ok(files) => {
                for f in &files {
                    let name = format!("{} → {}", input.name, f.path);
                    match serde_json::from_str::<Value>(&f.contents) {
                        Err(e) => failures.push(format!("{name}: not JSON: {e}")),
                        Ok(v) => {
                            seen += 1;
                            failures.extend(check(&name, f, &v));
                        }
                    }
                }
            }
        }
    }
    (seen, failures)
}

fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------------------ tests

#[test]
fn definitions_and_initiatives_satisfy_azure_schemas() {
    let Some(schemas) = common::shared("reference/schemas") else {
        return;
    };
    let azure = azure_schemas(&schemas).unwrap_or_else(|e| panic!("{e}"));
    let (mut definitions, mut initiatives) = (0, 0);
    let (_, failures) = for_each_output(|name, file, v| {
        let props = &v["properties"];
        if file.path.contains("/policyDefinitions/") {
            definitions += 1;
            let mut out = errors(
                &azure.rule,
                &props["policyRule"],
                name,
                "/properties/policyRule",
            );
            out.extend(errors(
                &azure.definition_properties,
                props,
                name,
                "/properties",
            ));
            out
        } else if file.path.contains("/policySetDefinitions/") {
            initiatives += 1;
            errors(&azure.initiative_properties, props, name, "/properties")
        } else {
            Vec::new()
        }
    });
    println!("validated {definitions} definitions and {initiatives} initiatives");
    assert_no_failures("emitted files that Azure's schemas reject", &failures);
    assert!(
        definitions > 0,
        "no definitions were validated: are the inputs missing?"
    );
}

/// Assignments (issue 9): `properties` against `PolicyAssignmentProperties`
/// and `identity` against `Identity` of the same ARM schema. Both the
/// bundled pack and tests/cases/valid/assignments-and-exemptions.acrp
/// (selectors, overrides, a user-assigned identity) have some.
#[test]
fn assignments_satisfy_azure_schemas() {
    let Some(schemas) = common::shared("reference/schemas") else {
        return;
    };
    let azure = azure_schemas(&schemas).unwrap_or_else(|e| panic!("{e}"));
    let mut assignments = 0;
    let (_, failures) = for_each_output(|name, file, v| {
        if !file.path.contains("/policyAssignments/") {
            return Vec::new();
        }
        assignments += 1;
        let mut out = errors(
            &azure.assignment_properties,
            &v["properties"],
            name,
            "/properties",
        );
        if let Some(identity) = v.get("identity") {
            out.extend(errors(&azure.identity, identity, name, "/identity"));
        }
        out
    });
    println!("validated {assignments} assignments");
    assert_no_failures("emitted assignments that Azure's schema rejects", &failures);
    assert!(
        assignments >= 3,
        "expected the bundled and the case assignments"
    );
}

#[test]
fn checker_files_satisfy_the_checker_schema() {
    let validator = checker_validator();
    let mut checkers = 0;
    let (_, failures) = for_each_output(|name, file, v| {
        if file.path.ends_with("/checker.json") {
            checkers += 1;
            let mut out = errors(&validator, v, name, "");
            if v["format"] != json!(acrpc::emit::CHECKER_FORMAT) {
                out.push(format!(
                    "{name}: format is {}, expected {}",
                    v["format"],
                    acrpc::emit::CHECKER_FORMAT
                ));
            }
            out
        } else {
            Vec::new()
        }
    });
    println!("validated {checkers} checker.json files");
    assert_no_failures(
        "checker.json files that schemas/checker.schema.json rejects",
        &failures,
    );
}

#[test]
fn two_builds_give_identical_bytes() {
    let mut failures = Vec::new();
    for input in inputs() {
        match (compile(&input), compile(&input)) {
            (Ok(a), Ok(b)) => {
                let paths =
                    |fs: &[OutputFile]| fs.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
                if paths(&a) != paths(&b) {
                    failures.push(format!(
                        "{}: file lists differ: {:?} vs {:?}",
                        input.name,
                        paths(&a),
                        paths(&b)
                    ));
                }
                for (x, y) in a.iter().zip(&b) {
                    if x.contents != y.contents {
                        failures.push(format!(
                            "{} → {}: contents differ between builds",
                            input.name, x.path
                        ));
                    }
                }
            }
            (Err(e), _) | (_, Err(e)) => failures.push(e),
        }
    }
    assert_no_failures("non-deterministic builds", &failures);
}

/// The mends must stay narrow, and the offline `$ref`s must really resolve:
/// things Azure rejects are still rejected by the mended schemas.
#[test]
fn mended_schemas_still_reject_what_azure_rejects() {
    let Some(schemas) = common::shared("reference/schemas") else {
        return;
    };
    let azure = azure_schemas(&schemas).unwrap_or_else(|e| panic!("{e}"));
    let valid_rule = json!({
        "if": { "allOf": [
            { "field": "type", "equals": "Microsoft.ContainerRegistry/registries" },
            { "field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true },
            { "field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "notEquals": false }
        ] },
        "then": { "effect": "[parameters('effect')]" }
    });
    assert!(
        azure.rule.is_valid(&valid_rule),
        "{:?}",
        errors(&azure.rule, &valid_rule, "valid rule", "")
    );
    let rejected_rules = [
        // `like` kept its upstream type: only strings.
        json!({ "if": { "field": "name", "like": true }, "then": { "effect": "audit" } }),
        // equals still rejects objects.
        json!({ "if": { "field": "name", "equals": {} }, "then": { "effect": "audit" } }),
        // Resolved through the offline retriever (Deployments schema): the
        // mode enum is case-sensitive there.
        json!({ "if": { "field": "type", "equals": "x" }, "then": { "effect": "deployIfNotExists", "details": {
            "type": "x", "deployment": { "properties": { "mode": "incremental", "template": {} } } } } }),
        // Resolved through the offline retriever (common definitions): an
        // effect that is neither a known effect nor an expression.
        json!({ "if": { "field": "type", "equals": "x" }, "then": { "effect": "parameters('effect')" } }),
    ];
    for r in &rejected_rules {
        assert!(
            !azure.rule.is_valid(r),
            "the mended rule schema accepts {r}"
        );
    }
    let canonical_dine = json!({ "if": { "field": "type", "equals": "x" }, "then": { "effect": "deployIfNotExists", "details": {
        "type": "x", "deployment": { "properties": { "mode": "Incremental", "template": {}, "parameters": {} } } } } });
    assert!(
        azure.rule.is_valid(&canonical_dine),
        "{:?}",
        errors(&azure.rule, &canonical_dine, "dine", "")
    );

    let initiative = json!({ "policyDefinitions": [ {
        "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/x",
        "parameters": { "effect": { "value": "[parameters('effect')]" } }
    } ] });
    assert!(
        azure.initiative_properties.is_valid(&initiative),
        "{:?}",
        errors(&azure.initiative_properties, &initiative, "initiative", "")
    );
    let no_id = json!({ "policyDefinitions": [ { "parameters": {} } ] });
    assert!(
        !azure.initiative_properties.is_valid(&no_id),
        "a member without policyDefinitionId is accepted"
    );
    let bad_param = json!({ "parameters": { "effect": { "type": "string" } }, "policyRule": {} });
    assert!(
        !azure.definition_properties.is_valid(&bad_param),
        "a lower-case parameter type is accepted"
    );
}
