//! Lowering semantics, each case tied to Azure's documented behaviour.

use crate::compile::compile_str;
use crate::diag::Code;
use crate::emit;
use crate::sema::NoTemplates;
use serde_json::{Value, json};

const HEADER: &str = "pack t { title \"t\" version \"1.0.0\" }\n";

/// Compiles one rule body (clauses) and returns the emitted `if`.
fn if_of(body: &str) -> Value {
    let src = format!(
        "{HEADER}rule r {{ title \"r\" practice network severity low target registry\n{body}\n}}\n"
    );
    let (_, c) = compile_str("t.acrp", &src, &NoTemplates);
    let pack = c
        .pack
        .unwrap_or_else(|| panic!("does not compile: {:#?}", c.diagnostics));
    emit::definition(&pack.definitions[0], &pack)["properties"]["policyRule"]["if"].clone()
}

fn codes(src_body: &str) -> Vec<Code> {
    let src = format!("{HEADER}{src_body}\n");
    let (_, c) = compile_str("t.acrp", &src, &NoTemplates);
    c.diagnostics.iter().map(|d| d.code).collect()
}

fn type_gate() -> Value {
    json!({"field": "type", "equals": "Microsoft.ContainerRegistry/registries"})
}

#[test]
fn require_not_equals_lowers_to_equals() {
    // ACR_AdminAccountDisabled_AuditDeny: `adminUserEnabled equals true` is the
    // non-compliant condition; notEquals is defined as not(equals).
    assert_eq!(
        if_of("require adminUserEnabled != true"),
        json!({"allOf": [type_gate(), {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true}]})
    );
}

#[test]
fn negated_count_uses_the_numeric_inverse() {
    // ACR_PrivateEndpointEnabled_Audit: count(...) less 1. A count is always a
    // number, so not(>= 1) is exactly < 1.
    let got = if_of(
        "require count(privateEndpointConnections[*], privateLinkServiceConnectionState.status == \"Approved\") >= 1",
    );
    assert_eq!(got["allOf"][1]["less"], json!(1));
}

#[test]
fn not_is_kept_over_ordering_operators_on_fields() {
    // definition-structure-policy-rule: ordering operators on a missing or
    // mistyped value are false (or an error), so not(a >= 7) is not a < 7.
    let got = if_of("require policies.retentionPolicy.days >= 7");
    assert_eq!(
        got["allOf"][1],
        json!({"not": {"field": "Microsoft.ContainerRegistry/registries/policies.retentionPolicy.days", "greaterOrEquals": 7}})
    );
}

#[test]
fn not_is_kept_over_wildcard_field_paths() {
    // author-policies-for-arrays: `[*]` in a field condition means every
    // element; "not every element equals" is not "every element differs".
    let got = if_of("require networkRuleSet.ipRules[*].action == \"Allow\"");
    assert!(got["allOf"][1].get("not").is_some(), "{got}");
}

#[test]
fn all_is_vacuously_true_through_count() {
    // author-policies-for-arrays: an empty array has no member in violation.
    // all(a, c) → count(a where not c) == 0, which is 0 for empty or missing.
    let got = if_of("require all(networkRuleSet.ipRules[*], value != \"0.0.0.0/0\")");
    let cond = &got["allOf"][1];
    assert_eq!(cond["notEquals"], json!(0), "{got}");
    assert_eq!(
        cond["count"]["where"],
        json!({"field": "Microsoft.ContainerRegistry/registries/networkRuleSet.ipRules[*].value", "equals": "0.0.0.0/0"})
    );
}

#[test]
fn exists_negates_exactly() {
    let got = if_of("require zoneRedundancy exists");
    assert_eq!(got["allOf"][1]["exists"], json!(false));
}

#[test]
fn de_morgan_flattens_into_the_top_level_allof() {
    let got = if_of(
        "require publicNetworkAccess == \"Disabled\" or networkRuleSet.defaultAction == \"Deny\"",
    );
    assert_eq!(got["allOf"].as_array().map(Vec::len), Some(3), "{got}");
}

#[test]
fn forbid_true_is_just_the_type_gate() {
    let src = format!(
        "{HEADER}rule r {{ title \"r\" practice network severity low target registry.cache-rule\nforbid true }}\n"
    );
    let (_, c) = compile_str("t.acrp", &src, &NoTemplates);
    let pack = c.pack.expect("compiles");
    let def = emit::definition(&pack.definitions[0], &pack);
    assert_eq!(
        def["properties"]["policyRule"]["if"],
        json!({"field": "type", "equals": "Microsoft.ContainerRegistry/registries/cacheRules"})
    );
    // Child types cannot be tagged, so Indexed would skip them (definition-structure-basics).
    assert_eq!(def["properties"]["mode"], json!("All"));
}

#[test]
fn literal_strings_starting_with_a_bracket_are_escaped() {
    // A string value starting with `[` is a template expression to Azure;
    // `[[` is the documented escape.
    let got = if_of("require name != \"[x]\"");
    assert_eq!(got["allOf"][1]["equals"], json!("[[x]"));
}

#[test]
fn closed_enum_values_are_errors_and_case_only_differences_warnings() {
    let rule = |cond: &str| {
        format!(
            "rule r {{ title \"r\" practice network severity low target registry\nrequire {cond} }}"
        )
    };
    assert!(codes(&rule("identity.type == \"SystemAssigned\"")).is_empty());
    assert!(codes(&rule("publicNetworkAccess == \"disabled\"")).contains(&Code::W0002));
    assert!(codes(&rule("adminUserEnabled == \"yes\"")).contains(&Code::E0204));
    assert!(codes(&rule("publicNetwrkAccess == \"Disabled\"")).contains(&Code::E0202));
}

#[test]
fn names_are_stable_uuid_v5() {
    let a = super::stable_name("acr-baseline", "rule", "admin-user-disabled");
    assert_eq!(
        a,
        super::stable_name("acr-baseline", "rule", "admin-user-disabled")
    );
    assert_ne!(
        a,
        super::stable_name("acr-baseline", "rule", "admin-user-disabled-modify")
    );
    assert_eq!(
        uuid::Uuid::parse_str(&a).map(|u| u.get_version_num()).ok(),
        Some(5)
    );
}

/// A parameter type written as another language spells it is one error (E0309) with the
/// Azure type suggested, whether the parameter is used or not: no "no parameter named"
/// (E0107) at its uses and no "never used" (W0007) (issue 12). Azure Policy's types:
/// definition-structure-parameters ("String, Array, Object, Boolean, Integer, Float,
/// DateTime").
#[test]
fn a_misnamed_parameter_type_is_one_error_with_the_azure_type_suggested() {
    let compile = |src: String| {
        let (_, c) = compile_str("t.acrp", &format!("{HEADER}{src}\n"), &NoTemplates);
        c.diagnostics
    };
    for (written, meant, used) in [
        ("list", "array", "require sku.name in param.x"),
        ("str", "string", "require sku.name == param.x"),
        ("dict", "object", "require adminUserEnabled != true"),
        ("number", "integer", "require adminUserEnabled != true"),
        ("double", "float", "require adminUserEnabled != true"),
        ("date", "datetime", "require adminUserEnabled != true"),
        ("strng", "string", "require sku.name == param.x"),
    ] {
        let diags = compile(format!(
            "rule r {{ title \"r\" practice network severity low target registry\n\
             param x: {written}\n{used}\n}}"
        ));
        let found: Vec<Code> = diags.iter().map(|d| d.code).collect();
        assert_eq!(found, [Code::E0309], "`param x: {written}`: {diags:#?}");
        let fix = diags[0].suggestions.first().map(|s| s.replacement.as_str());
        assert_eq!(fix, Some(meant), "`param x: {written}`");
    }
    // The short names acrpc accepts stay accepted.
    for written in ["bool", "int", "string", "array", "object", "DateTime"] {
        let src = format!(
            "rule r {{ title \"r\" practice network severity low target registry\n\
             param x: {written}\nrequire adminUserEnabled != true\n}}"
        );
        assert_eq!(codes(&src), [Code::W0007], "`param x: {written}`");
    }
}

/// A fix's default role comes from the catalog: Tag Contributor for tags only, Contributor
/// otherwise; both are built-in roles the catalog must have (built-in-roles.md).
#[test]
fn a_fix_defaults_to_a_catalog_role() {
    let role_of = |fix: &str| {
        let src = format!(
            "{HEADER}rule r {{ title \"r\" practice network severity low target registry\n\
             effect modify | disabled = modify\nrequire adminUserEnabled != true\n{fix}\n}}\n"
        );
        let (_, c) = compile_str("t.acrp", &src, &NoTemplates);
        let pack = c
            .pack
            .unwrap_or_else(|| panic!("does not compile: {:#?}", c.diagnostics));
        emit::definition(&pack.definitions[0], &pack)["properties"]["policyRule"]["then"]["details"]
            ["roleDefinitionIds"]
            .clone()
    };
    let id = |guid: &str| {
        json!([format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        )])
    };
    let tag_contributor = id("4a9ae827-6dc8-4573-8ac7-8239d42aa03f");
    assert_eq!(role_of("fix tags[\"env\"] = \"x\""), tag_contributor);
    assert_eq!(
        role_of("fix tags[\"env\"] = \"x\" roles [\"Tag Contributor\"]"),
        tag_contributor
    );
    assert_eq!(
        role_of("fix adminUserEnabled = false, tags[\"env\"] = \"x\""),
        id("b24988ac-6180-42a0-ab88-20f7382dd24c")
    );
}

/// Azure refuses these template functions in a policy rule
/// (definition-structure-policy-rule.md, "Policy functions": "All Resource Manager
/// template functions are available ... except" copyIndex, dateTimeAdd,
/// dateTimeFromEpoch, dateTimeToEpoch, ..., lambda, ...): E0217, not a definition Azure
/// would reject.
#[test]
fn date_functions_azure_refuses_in_policy_rules_are_e0217() {
    for call in [
        "dateTimeAdd(\"2026-01-01T00:00:00Z\", \"P1D\")",
        "dateTimeFromEpoch(0)",
        "dateTimeToEpoch(\"2026-01-01T00:00:00Z\")",
    ] {
        let src = format!(
            "rule r {{ title \"r\" practice network severity low target registry\n\
             require name != {call}\n}}"
        );
        assert_eq!(codes(&src), [Code::E0217], "{call}");
    }
}
