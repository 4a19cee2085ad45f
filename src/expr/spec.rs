//! The one table of ARM template functions acrpc knows: for each, whether
//! the checker computes it, takes it from the caller's context, or leaves
//! it unknown, and why. `docs/check.md` lists this table (a test keeps them
//! in step), and a test checks it against the evaluator and against the
//! functions sema allows in policy rules (issue 12 part 2, issue 14).

/// How `acrpc check` evaluates a template function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Computed as ARM does (`functions/`, `eval.rs`, `lambda.rs`).
    Modelled,
    /// Supplied by the caller: the template loader (`parameters`,
    /// `copyIndex`, ...) or the policy evaluator (`field`, `current`, ...).
    /// Without that context the value is unknown.
    Context(&'static str),
    /// Never computed: the value is unknown, for the reason given.
    Unknown(&'static str),
}

/// Every template function by its documented name, in the order of the
/// Microsoft reference pages (template-functions-*.md; policy-only functions
/// from definition-structure-policy-rule.md). `list*` functions are matched
/// by prefix and stay unknown (they read secrets at deployment).
pub static FUNCTIONS: &[(&str, Status)] = &[
    // array (template-functions-array.md)
    ("array", Status::Modelled),
    ("concat", Status::Modelled),
    ("contains", Status::Modelled),
    ("createArray", Status::Modelled),
    ("empty", Status::Modelled),
    ("first", Status::Modelled),
    ("flatten", Status::Modelled),
    ("indexOf", Status::Modelled),
    ("intersection", Status::Modelled),
    ("last", Status::Modelled),
    ("lastIndexOf", Status::Modelled),
    ("length", Status::Modelled),
    ("max", Status::Modelled),
    ("min", Status::Modelled),
    ("range", Status::Modelled),
    ("skip", Status::Modelled),
    ("take", Status::Modelled),
    ("tryGet", Status::Modelled),
    ("union", Status::Modelled),
    // CIDR (template-functions-cidr.md)
    ("parseCidr", Status::Modelled),
    ("cidrSubnet", Status::Modelled),
    ("cidrHost", Status::Modelled),
    // comparison (template-functions-comparison.md)
    ("coalesce", Status::Modelled),
    ("equals", Status::Modelled),
    ("greater", Status::Modelled),
    ("greaterOrEquals", Status::Modelled),
    ("less", Status::Modelled),
    ("lessOrEquals", Status::Modelled),
    // date (template-functions-date.md)
    ("dateTimeFromEpoch", Status::Modelled),
    ("dateTimeToEpoch", Status::Modelled),
    (
        "dateTimeAdd",
        Status::Unknown("date arithmetic on ISO 8601 durations is not implemented"),
    ),
    (
        "utcNow",
        Status::Unknown("the time of the deployment or evaluation"),
    ),
    // deployment (template-functions-deployment.md)
    (
        "deployment",
        Status::Context("the template loader: the deployment's name and link are unknown"),
    ),
    (
        "deployer",
        Status::Unknown("the identity that deploys is known only at deployment"),
    ),
    (
        "environment",
        Status::Unknown("depends on the cloud deployed to"),
    ),
    ("parameters", Status::Context("the template loader")),
    ("variables", Status::Context("the template loader")),
    // lambda (template-functions-lambda.md)
    ("filter", Status::Modelled),
    ("groupBy", Status::Modelled),
    ("lambda", Status::Modelled),
    ("map", Status::Modelled),
    ("mapValues", Status::Modelled),
    ("reduce", Status::Modelled),
    ("sort", Status::Modelled),
    ("toObject", Status::Modelled),
    // logical (template-functions-logical.md)
    ("and", Status::Modelled),
    ("bool", Status::Modelled),
    ("false", Status::Modelled),
    ("if", Status::Modelled),
    ("not", Status::Modelled),
    ("or", Status::Modelled),
    ("true", Status::Modelled),
    // numeric (template-functions-numeric.md)
    ("add", Status::Modelled),
    (
        "copyIndex",
        Status::Context("the template loader's copy loops"),
    ),
    ("div", Status::Modelled),
    ("float", Status::Modelled),
    ("int", Status::Modelled),
    ("mod", Status::Modelled),
    ("mul", Status::Modelled),
    ("sub", Status::Modelled),
    // object (template-functions-object.md)
    ("createObject", Status::Modelled),
    ("items", Status::Modelled),
    ("json", Status::Modelled),
    ("null", Status::Modelled),
    ("objectKeys", Status::Modelled),
    ("shallowMerge", Status::Modelled),
    // resource (template-functions-resource.md)
    ("extensionResourceId", Status::Modelled),
    ("managementGroupResourceId", Status::Modelled),
    ("resourceId", Status::Modelled),
    ("subscriptionResourceId", Status::Modelled),
    ("tenantResourceId", Status::Modelled),
    (
        "pickZones",
        Status::Unknown("depends on the zones Azure offers in the region"),
    ),
    (
        "providers",
        Status::Unknown("depends on the resource providers registered in the subscription"),
    ),
    (
        "reference",
        Status::Unknown("reads a deployed resource's runtime state"),
    ),
    // scope (template-functions-scope.md)
    (
        "managementGroup",
        Status::Unknown("acrpc is not told the management group"),
    ),
    (
        "resourceGroup",
        Status::Context(
            "the template loader (--resource-group, --location) or the policy evaluator",
        ),
    ),
    (
        "subscription",
        Status::Context("the template loader (--subscription) or the policy evaluator"),
    ),
    (
        "tenant",
        Status::Context("the template loader: the tenant id is unknown"),
    ),
    // string (template-functions-string.md)
    ("base64", Status::Modelled),
    ("base64ToJson", Status::Modelled),
    ("base64ToString", Status::Modelled),
    ("dataUri", Status::Modelled),
    ("dataUriToString", Status::Modelled),
    ("endsWith", Status::Modelled),
    ("format", Status::Modelled),
    ("guid", Status::Modelled),
    ("join", Status::Modelled),
    (
        "newGuid",
        Status::Unknown("a new value at every deployment"),
    ),
    ("padLeft", Status::Modelled),
    ("replace", Status::Modelled),
    ("split", Status::Modelled),
    ("startsWith", Status::Modelled),
    ("string", Status::Modelled),
    ("substring", Status::Modelled),
    ("toLower", Status::Modelled),
    ("toUpper", Status::Modelled),
    ("trim", Status::Modelled),
    ("uniqueString", Status::Modelled),
    ("uri", Status::Modelled),
    ("uriComponent", Status::Modelled),
    ("uriComponentToString", Status::Modelled),
    // policy rules only (definition-structure-policy-rule.md, "Policy functions")
    (
        "addDays",
        Status::Unknown("date arithmetic is not implemented"),
    ),
    (
        "current",
        Status::Context("the policy evaluator's count loops"),
    ),
    ("field", Status::Context("the policy evaluator")),
    ("ipRangeContains", Status::Modelled),
    ("policy", Status::Context("the policy evaluator")),
    ("requestContext", Status::Context("the policy evaluator")),
];

/// The status of `name` (any case); `list*` functions stay unknown.
pub fn status(name: &str) -> Option<Status> {
    FUNCTIONS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, s)| *s)
        .or_else(|| {
            name.to_ascii_lowercase()
                .starts_with("list")
                .then_some(Status::Unknown(
                    "list* functions read secrets at deployment",
                ))
        })
}

/// The table as the Markdown list in `docs/check.md` (between the
/// `<!-- template-functions -->` markers).
pub fn markdown() -> String {
    let names = |want: fn(&Status) -> bool| {
        FUNCTIONS
            .iter()
            .filter(|(_, s)| want(s))
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "* Computed as ARM does: {}.\n",
        names(|s| *s == Status::Modelled)
    );
    out.push_str("* Taken from the context (unknown without it):\n");
    for (n, s) in FUNCTIONS {
        if let Status::Context(why) = s {
            out.push_str(&format!("  * `{n}`: {why}.\n"));
        }
    }
    out.push_str("* Always unknown:\n");
    for (n, s) in FUNCTIONS {
        if let Status::Unknown(why) = s {
            out.push_str(&format!("  * `{n}`: {why}.\n"));
        }
    }
    out.push_str(
        "  * `list*` (`listKeys`, `listSecrets`, ...): they read secrets at deployment.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{EvalError, NoContext, eval_string};

    fn eval_bare(name: &str) -> Result<serde_json::Value, EvalError> {
        eval_string(&format!("[{name}()]"), &NoContext)
    }

    /// Modelled functions are evaluated (their zero-argument call is a
    /// value or an arity error, never unknown); the others are unknown
    /// without a context, and never "unknown function".
    #[test]
    fn the_table_agrees_with_the_evaluator() {
        for (name, status) in FUNCTIONS {
            let got = eval_bare(name);
            if let Err(EvalError::Invalid(m)) = &got {
                assert!(!m.contains("unknown function"), "{name}: {m}");
            }
            match status {
                Status::Modelled => {
                    assert!(
                        !matches!(got, Err(EvalError::Unknown(_))),
                        "{name}: {got:?}"
                    )
                }
                Status::Context(_) | Status::Unknown(_) => {
                    assert!(matches!(got, Err(EvalError::Unknown(_))), "{name}: {got:?}")
                }
            }
        }
        assert!(matches!(eval_bare("listKeys"), Err(EvalError::Unknown(_))));
    }

    /// Every function sema lets a policy rule call, and every one it refuses
    /// with a reason, has a row here: it evaluates, or it is declared
    /// unknown with a reason.
    #[test]
    fn every_function_sema_knows_is_in_the_table() {
        let sema = crate::sema::functions::FUNCTIONS.iter().map(|f| f.name);
        let refused = crate::sema::functions::NOT_IN_POLICY
            .iter()
            .map(|(n, _)| *n);
        for name in sema.chain(refused).filter(|n| *n != "list") {
            assert!(
                status(name).is_some(),
                "{name} is not in expr::spec::FUNCTIONS"
            );
        }
    }

    /// And the other way round: every template function is either allowed
    /// in a policy rule (with a signature) or refused with a reason, so no
    /// ARM function reaches the user as "unknown function".
    #[test]
    fn sema_decides_every_function_in_the_table() {
        use crate::sema::functions::{forbidden, lookup};
        for (name, _) in FUNCTIONS {
            assert!(
                lookup(name).is_some() != forbidden(name).is_some(),
                "{name}: sema must either allow it or refuse it, not both or neither"
            );
        }
    }

    #[test]
    fn names_are_unique() {
        for (i, (a, _)) in FUNCTIONS.iter().enumerate() {
            assert!(
                !FUNCTIONS[i + 1..]
                    .iter()
                    .any(|(b, _)| a.eq_ignore_ascii_case(b)),
                "{a} twice"
            );
        }
    }

    #[test]
    fn docs_check_md_lists_the_table() {
        let doc = include_str!("../../docs/check.md");
        let start = "<!-- template-functions -->\n";
        let end = "<!-- /template-functions -->";
        let from = doc.find(start).map(|i| i + start.len()).unwrap_or_default();
        let to = doc.find(end).unwrap_or_default();
        assert_eq!(
            doc.get(from..to).unwrap_or_default(),
            markdown(),
            "docs/check.md's function list is out of date; paste expr::spec::markdown()"
        );
    }
}
