//! The single table of diagnostic codes. A code is never reused: a retired
//! code stays here marked `removed`. The long explanation printed by
//! `acrpc explain CODE` lives in `explain.md` next to this file, one `## CODE`
//! section per code (a test keeps the two in step).

use super::Severity;

pub struct CodeInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub removed: bool,
}

macro_rules! codes {
    ($( $variant:ident $sev:ident $name:literal $summary:literal ;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        static TABLE: &[CodeInfo] = &[ $(
            CodeInfo {
                code: stringify!($variant),
                name: $name,
                severity: Severity::$sev,
                summary: $summary,
                removed: false,
            },
        )* ];

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
        }
    };
}

codes! {
    // ---- syntax
    E0001 Error "syntax-error" "the text does not follow the grammar";
    E0002 Error "unterminated-string" "a string literal is not closed";
    E0003 Error "invalid-escape" "a string contains an unknown escape sequence";
    E0004 Error "not-utf8" "the file is not valid UTF-8";
    E0005 Error "empty-file" "the file contains no pack, rule or initiative";
    E0006 Error "too-deeply-nested" "brackets or conditions are nested too deeply to compile";
    E0007 Error "invalid-number" "a number cannot be represented";
    // ---- names and structure
    E0101 Error "unknown-field" "a block contains a key it does not accept";
    E0102 Error "duplicate-field" "a key is given twice in one block";
    E0103 Error "missing-field" "a block lacks a key it requires";
    E0104 Error "duplicate-rule" "two rules have the same id";
    E0105 Error "duplicate-initiative" "two initiatives have the same id";
    E0106 Error "unknown-rule" "an include names a rule that does not exist";
    E0107 Error "unknown-param" "`param.x` names a parameter that is not declared";
    E0108 Error "duplicate-param" "a parameter is declared twice";
    E0109 Error "unknown-group" "a member names a group the initiative does not declare";
    E0110 Error "duplicate-group" "a group is declared twice";
    E0111 Error "unknown-practice" "a practice name is not one the pack knows";
    E0112 Error "pack-declaration" "a pack declaration is missing, or there is more than one";
    E0113 Error "unknown-name" "a `let` binding is bound twice or refers to itself";
    E0114 Error "invalid-field-value" "a key has a value of the wrong shape or outside its allowed set";
    E0115 Error "invalid-identifier" "an id cannot be used as a file name or reference id";
    // ---- catalog and types
    E0201 Error "unknown-kind" "a target names a resource kind the catalog does not know";
    E0202 Error "unknown-property" "a path names a property the target kind does not have";
    E0203 Error "value-not-in-enum" "a value is outside a closed set of allowed values";
    E0204 Error "type-mismatch" "a value has a different type from the property it is compared with";
    E0205 Error "unknown-role" "a role name is not a known built-in role";
    E0206 Error "unknown-function" "a call names a function Azure Policy does not provide";
    E0207 Error "bad-arguments" "a function is called with the wrong number or kind of arguments";
    E0208 Error "wildcard-misuse" "`[*]` is used where a single value is needed, or missing where an array is iterated";
    E0209 Error "no-alias" "a property has no Azure Policy alias and cannot be used in a policy";
    E0210 Error "fix-read-only" "a fix writes a read-only property";
    E0211 Error "unknown-related-type" "a related resource type is not in the catalog";
    E0212 Error "unknown-effect" "an effect name is not an Azure Policy effect";
    E0213 Error "bad-effect-default" "the default effect is not among the allowed effects";
    E0214 Error "operator-type" "an operator cannot be applied to a value of this type";
    E0215 Error "like-pattern" "a `like` pattern has more than one `*`";
    E0216 Error "it-outside-quantifier" "`it` is used outside `any`, `all` or `count`";
    E0217 Error "function-not-allowed" "a function is used where Azure Policy does not allow it";
    // ---- rule semantics
    E0301 Error "no-condition" "a rule has neither `require`, `forbid` nor a manual effect";
    E0302 Error "conflicting-clauses" "two clauses of a rule contradict each other";
    E0303 Error "effect-mismatch" "the allowed effects do not fit the rule's clauses";
    E0304 Error "bad-param-default" "a parameter default has the wrong type or is not allowed";
    E0305 Error "unknown-member-param" "an include binds a parameter the member rule does not have";
    E0306 Error "effect-binding" "an initiative effect parameter allows effects a member does not";
    E0307 Error "deploy-template" "a deploy template cannot be read or is not an ARM template";
    E0308 Error "deploy-binding" "a deploy binding does not match the template's parameters";
    E0309 Error "unknown-param-type" "a parameter type is not one Azure Policy supports";
    // ---- Azure limits
    E0401 Error "too-many-parameters" "a definition or initiative has more parameters than Azure allows";
    E0402 Error "rule-too-complex" "a policy rule exceeds Azure's limit on nested conditions";
    E0403 Error "name-too-long" "a definition name is longer than Azure allows";
    E0404 Error "display-name-too-long" "a display name is longer than Azure allows";
    E0405 Error "description-too-long" "a description is longer than Azure allows";
    E0406 Error "duplicate-reference-id" "two members of an initiative have the same reference id";
    E0407 Error "too-many-members" "an initiative has more members than Azure allows";
    E0408 Error "too-many-counts" "a policy rule uses more count expressions than Azure allows";
    E0409 Error "invalid-version" "a version is not of the form MAJOR.MINOR.PATCH";
    // ---- acrpc check: inputs and rules (exit code 2, warnings aside)
    E0501 Error "input-not-json" "an input file is not valid JSON";
    E0502 Error "input-not-recognised" "an input is not an ARM template, a resource export or a Terraform plan";
    E0503 Error "bicep-source" "a Bicep source file must be compiled to JSON before it is checked";
    E0504 Error "parameters-file-as-input" "an ARM parameters file was given as an input";
    E0505 Error "invalid-template-expression" "a template expression is invalid";
    E0506 Error "resource-without-type" "a template resource has no type or name";
    E0507 Error "rules-unusable" "a rules, policy or pack file cannot be used by acrpc check";
    E0508 Error "bad-param" "a --param is not NAME=VALUE";
    E0509 Error "no-inputs" "no input file was found";
    // ---- authoring tools: fmt, lint configuration, language server
    E0601 Error "not-formatted" "a file is not in the canonical layout (`acrpc fmt --check`)";
    E0602 Error "format-unsound" "internal error: formatting would change what a file means";
    E0603 Error "invalid-config" "`acrpc.toml` cannot be read, or names an unknown lint code";
    // ---- input and output (exit code 2)
    // ---- publish
    E0701 Error "invalid-scope" "`--scope` is missing or is not a subscription or management group";
    E0702 Error "no-credentials" "no access token: AZURE_ACCESS_TOKEN is unset and the Azure CLI gave none";
    E0703 Error "not-authorized" "Azure refused the token (401) or the permission (403)";
    E0704 Error "request-rejected" "Azure rejected a definition or initiative with an error";
    E0705 Error "azure-unavailable" "Azure kept throttling or failing (429, 5xx, network) after the retries";
    E0706 Error "confirmation-required" "publish would change Azure but has no terminal to ask and no `--yes`";
    E0707 Error "readback-mismatch" "a published resource reads back different from what was sent";
    E0708 Error "insecure-endpoint" "`--endpoint` is not https (plain http is allowed only on loopback)";
    E0901 Error "read-failed" "a file or directory cannot be read";
    E0902 Error "no-packs" "no .acrp file was found";
    E0903 Error "write-failed" "the output cannot be written";
    // ---- warnings
    W0001 Warning "open-enum-value" "a value is not among the known values of an extensible set";
    W0002 Warning "enum-case" "a value differs only in case from the catalog's spelling";
    W0003 Warning "legacy-alias" "a property is only reachable through a legacy alias";
    W0004 Warning "preview-property" "a property exists only in a preview API version";
    W0005 Warning "indexed-not-evaluated" "mode Indexed skips this resource kind";
    W0006 Warning "inferred-alias" "the alias of this property is inferred and may not exist";
    W0007 Warning "unused-param" "a parameter is declared but never used";
    W0008 Warning "unused-let" "a `let` binding is never used";
    W0009 Warning "duplicate-include" "a rule is included twice in one initiative";
    W0501 Warning "parameter-without-value" "a template parameter has neither a value nor a default";
    W0502 Warning "linked-template" "a nested deployment links to a template acrpc does not follow";
    // ---- lints (`acrpc lint`, src/lint/rules/)
    W0601 Warning "missing-description" "a rule has no description or no controls";
    W0602 Warning "deny-without-audit" "a rule's effects allow deny but not audit";
    W0603 Warning "constant-condition" "a requirement is always true or always false given the property's values";
    W0604 Warning "when-excludes-all" "a `when` condition no resource can satisfy";
    W0605 Warning "duplicate-condition" "a condition is written twice or shadowed by a broader one";
    W0606 Warning "like-without-wildcard" "a `like` pattern without `*` is plain equality";
    W0607 Warning "fix-not-modifiable" "a fix writes a property no Modify policy is known to change";
    W0608 Warning "unbound-member-param" "an initiative member's parameter is not bound";
    W0609 Warning "practice-without-rule" "a practice is declared or included but no rule has it";
    W0610 Warning "absent-vs-default" "a condition treats an absent property unlike its service default";
    // ---- file safety and limits (issue 13)
    E0030 Error "output-not-ours" "an output folder exists that acrpc did not write";
    E0031 Error "output-holds-input" "an output would replace one of the inputs";
    E0032 Error "deploy-path-outside-pack" "a deploy template path leaves the pack's folder";
    E0033 Error "id-too-long" "a pack, rule or initiative id is longer than acrpc can name files and resources after";
    E0034 Error "invalid-glob" "an `--include` or `--exclude` pattern is not a valid glob";
    // ---- source text (issue 13)
    W0010 Warning "bidi-control-character" "the text contains an invisible character that reorders how it is displayed";
    // ---- resource bounds found by fuzzing (issue 13)
    E0550 Error "template-too-large" "a template's variables expand beyond ARM's 4 MB template limit";
    // ---- rule tests (`acrpc test`, src/ruletest/)
    E1101 Error "test-unknown-subject" "a test names a rule or initiative the pack does not have";
    E1102 Error "test-without-subject" "a test does not name exactly one rule or initiative";
    E1103 Error "test-unknown-kind" "a test resource has a kind the catalog does not have";
    E1104 Error "test-unknown-property" "a test resource sets a property the catalog does not know";
    E1105 Error "test-input-unreadable" "a test's input file cannot be read or loaded";
    E1106 Error "test-unknown-verdict" "a test expects a verdict that does not exist";
    E1107 Error "test-impossible-expectation" "a test expects something its subject can never do";
    E1108 Error "test-unknown-parameter" "a test sets a parameter its subject does not have";
    E1109 Error "test-incomplete" "a test has no resource or no expectation";
    E1110 Error "test-defined-twice" "two tests of a file have the same name";
    E1111 Error "test-without-pack" "a test file has no pack beside it";
    E1112 Error "test-file-not-only-tests" "a test file holds something other than tests";
    // ---- assignments, exemptions, environments (issue 9)
    E1001 Error "unknown-assigned" "an assignment names no initiative or rule of the pack";
    E1002 Error "unknown-assignment-parameter" "an assignment sets a parameter the assigned definition does not have";
    E1003 Error "assignment-value-not-allowed" "an assignment parameter value is outside the parameter's allowed values";
    E1004 Error "unbound-assignment-parameter" "a parameter without a default gets no value in an assignment";
    E1005 Error "too-many-selectors" "more resource selectors, overrides or selector values than Azure allows";
    E1006 Error "placement-name-too-long" "an assignment or exemption name is longer than Azure allows at its scope";
    E1007 Error "identity-required" "an assignment that can modify or deploy has no managed identity or location";
    E1008 Error "not-a-scope" "a string given as an Azure scope or resource id is not one";
    E1009 Error "unknown-exempted-assignment" "an exemption names no assignment of the pack";
    E1010 Error "unknown-member" "a member named in an assignment or exemption is not in the assigned initiative";
    E1011 Error "invalid-placement-value" "an enforcement mode, identity, category, selector or override is not one Azure accepts";
    E1012 Error "unknown-environment" "`--env` names no environment of the pack";
    E1013 Error "duplicate-placement" "an assignment, exemption or environment is defined twice";
    E1014 Error "invalid-expiry" "an exemption's `expires` is not a YYYY-MM-DD date";
    E1015 Error "exemption-outside-scope" "an exemption's scope is not within its assignment's scope";
    W1001 Warning "exemption-expired" "an exemption has already expired";
    W1002 Warning "no-scope" "a build has no scope, so ids keep the `{scope}` placeholder";
    W1003 Warning "waiver-expiry" "a waiver never expires or expires more than `max-waiver-days` ahead";
    W1004 Warning "prod-not-enforced" "a production environment does not enforce its assignments";
    // ---- check inputs (issues 14, 15)
    E0510 Error "negative-copy-count" "a template copy loop has a negative count";
    W0503 Warning "expression-not-evaluated" "a template expression could not be evaluated; the values it feeds are unknown";
    W0504 Warning "files-skipped" "a directory scan skipped files that are not check inputs";
    E0511 Error "unknown-param" "a --param names a parameter or rule that is not loaded";
    E0512 Error "param-not-allowed" "a --param value is outside the parameter's allowedValues";
    W0505 Warning "suppression-unknown-rule" "a suppression names a rule that is not loaded";
    // ---- import
    E1201 Error "import-not-json" "an input to import is not JSON";
    E1202 Error "import-not-a-policy" "an input to import holds no policy definition";
    W1203 Warning "import-not-expressible" "a definition uses a construct acrp cannot express, so it is not imported";
    W1204 Warning "import-not-reproduced" "the rule generated for a definition does not compile back to it, so it is not imported";
    W1205 Warning "import-set-skipped" "a policy set definition does not fit acrp's initiatives, so it is not imported";
    W1206 Warning "import-text-dropped" "a display text of an imported definition is not kept";
    E1207 Error "import-output-exists" "the pack import would write already exists";
    E1208 Error "import-nothing-imported" "nothing was given to import, or no definition could be imported";
    E1209 Error "import-azure-failed" "reading definitions from Azure failed";
    E1210 Error "import-unknown-builtin" "`--builtin` names no built-in definition";
    // ---- rule tests, continued (issue 10)
    E1113 Error "test-filter-matches-nothing" "`acrpc test --filter` selects no test";
    // ---- assignments in deployment targets and check (issue 9, second part)
    E1016 Error "without-location-value" "a `without-location` selector names a value other than `subscriptionLevelResources`";
    W1005 Warning "placement-not-in-target" "a deployment target cannot carry an assignment, role assignment or exemption of the pack";
    // ---- publish of assignments, role assignments, exemptions (issue 9)
    E1040 Error "publish-no-principal" "an assignment's managed identity has no principal, so its role assignments cannot be written";
    W1020 Warning "publish-definition-replaced" "a renamed rule replaces its published definition, and --prune deletes the old one";
    // ---- initiative members: reference ids, built-in members (import2)
    E1211 Error "builtin-not-a-guid" "`include builtin` names no GUID";
    E1212 Error "duplicate-reference-id" "two members of an initiative have the same reference id";
    E1213 Error "reference-on-several-members" "`reference` on an include that adds several members";
    E1214 Error "version-on-rule-member" "`version` on a member that is a rule of the pack";
    E1215 Error "bad-definition-version" "a member's `version` is not MAJOR.MINOR.PATCH (minor and patch may be `*`)";
    W1216 Warning "builtin-params-unchecked" "the parameters bound for a built-in member cannot be checked";
    E1217 Error "empty-reference-id" "a member's `reference` is empty";
    // ---- import: input limits (import2)
    E1218 Error "import-set-too-large" "a policy set definition to import has more members than Azure allows";
    E1219 Error "import-input-too-large" "an input to import is larger than import reads";
    // ---- raw aliases: `alias("…")` (import2)
    W1220 Warning "alias-not-in-catalog" "a condition reads an alias acrpc's catalog does not know";
    W1221 Warning "alias-in-catalog" "`alias(\"…\")` names a property the catalog knows";
    E1222 Error "alias-malformed" "`alias(…)` does not hold one alias string";
    // ---- parser limits (issue 13)
    E1401 Error "item-too-complex" "an item is too large or too complex for the parser's work budget";
}

/// Never returned: every code has a row (see [`Code::info`]).
static UNKNOWN: CodeInfo = CodeInfo {
    code: "E0000",
    name: "unknown",
    severity: Severity::Error,
    summary: "",
    removed: false,
};

impl Code {
    pub fn info(self) -> &'static CodeInfo {
        // The table and the enum come from the same list, in the same order, so the
        // discriminant is always an index of the table.
        TABLE.get(self as usize).unwrap_or(&UNKNOWN)
    }

    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// Looks a code up by its text, ignoring case (`e0202` finds `E0202`).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The `acrpc explain` page for this code.
    pub fn explanation(self) -> Option<&'static str> {
        explanation_section(EXPLAIN, self.as_str())
    }
}

const EXPLAIN: &str = include_str!("explain.md");

/// Finds `## CODE …` in `doc` and returns the text up to the next `## `.
fn explanation_section(doc: &'static str, code: &str) -> Option<&'static str> {
    let header = format!("## {code}");
    let start = doc
        .match_indices(&header)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || doc[..i].ends_with('\n'))?;
    let rest = &doc[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    Some(rest[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let info = code.info();
            assert!(seen.insert(info.code), "duplicate {}", info.code);
            let prefix = match info.severity {
                Severity::Error => 'E',
                Severity::Warning => 'W',
            };
            assert!(
                info.code.starts_with(prefix),
                "{} has the wrong prefix",
                info.code
            );
            assert_eq!(info.code.len(), 5);
        }
    }

    #[test]
    fn every_code_has_an_explanation_and_every_explanation_a_code() {
        for code in Code::ALL {
            let page = code
                .explanation()
                .unwrap_or_else(|| panic!("no explain.md section for {}", code.as_str()));
            assert!(
                page.lines().count() >= 4,
                "{} explanation too short",
                code.as_str()
            );
        }
        for line in EXPLAIN.lines().filter(|l| l.starts_with("## ")) {
            let code = line[3..].split_whitespace().next().unwrap_or("");
            assert!(
                Code::parse(code).is_some(),
                "explain.md has unknown section {code}"
            );
        }
    }

    #[test]
    fn parse_ignores_case() {
        assert_eq!(Code::parse("e0202"), Some(Code::E0202));
        assert_eq!(Code::parse("X9999"), None);
    }
}
