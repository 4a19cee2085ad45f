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

/// The type sema gives a function call's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprType {
    String,
    Bool,
    Number,
    Array,
    Object,
    Any,
}

impl ExprType {
    pub fn as_str(self) -> &'static str {
        match self {
            ExprType::String => "string",
            ExprType::Bool => "boolean",
            ExprType::Number => "number",
            ExprType::Array => "array",
            ExprType::Object => "object",
            ExprType::Any => "any",
        }
    }
}

/// Whether a policy rule may call a function, and how. Source:
/// learn.microsoft.com "Azure Policy definition structure policy rule" →
/// "Policy functions": every ARM template function is available except
/// those it lists, plus the policy-only functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Allowed, with its number of arguments and result type (sema checks them).
    Allowed {
        min: usize,
        max: usize,
        ret: ExprType,
    },
    /// Refused in policy rules, with the reason shown to the user.
    Refused(&'static str),
}

/// One template function: how `acrpc check` evaluates it, and whether a
/// policy rule may call it.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    pub name: &'static str,
    pub status: Status,
    pub policy: Policy,
}

/// No upper bound on the number of arguments.
pub const MANY: usize = usize::MAX;

const fn row(name: &'static str, status: Status, policy: Policy) -> Function {
    Function {
        name,
        status,
        policy,
    }
}

const fn allowed(min: usize, max: usize, ret: ExprType) -> Policy {
    Policy::Allowed { min, max, ret }
}

const fn refused(why: &'static str) -> Policy {
    Policy::Refused(why)
}

const LAMBDA: &str = "lambda functions (filter, map, …) are not available in policy rules";

/// Every template function by its documented name, in the order of the
/// Microsoft reference pages (template-functions-*.md; policy-only functions
/// from definition-structure-policy-rule.md). `list*` functions are matched
/// by prefix: they stay unknown and are refused in policy rules.
pub static FUNCTIONS: &[Function] = &[
    // array (template-functions-array.md)
    row("array", Status::Modelled, allowed(1, 1, ExprType::Array)),
    row("concat", Status::Modelled, allowed(1, MANY, ExprType::Any)),
    row("contains", Status::Modelled, allowed(2, 2, ExprType::Bool)),
    row(
        "createArray",
        Status::Modelled,
        allowed(0, MANY, ExprType::Array),
    ),
    row("empty", Status::Modelled, allowed(1, 1, ExprType::Bool)),
    row("first", Status::Modelled, allowed(1, 1, ExprType::Any)),
    row("flatten", Status::Modelled, allowed(1, 1, ExprType::Array)),
    row("indexOf", Status::Modelled, allowed(2, 2, ExprType::Number)),
    row(
        "intersection",
        Status::Modelled,
        allowed(2, MANY, ExprType::Any),
    ),
    row("last", Status::Modelled, allowed(1, 1, ExprType::Any)),
    row(
        "lastIndexOf",
        Status::Modelled,
        allowed(2, 2, ExprType::Number),
    ),
    row("length", Status::Modelled, allowed(1, 1, ExprType::Number)),
    row("max", Status::Modelled, allowed(1, MANY, ExprType::Number)),
    row("min", Status::Modelled, allowed(1, MANY, ExprType::Number)),
    row("range", Status::Modelled, allowed(2, 2, ExprType::Array)),
    row("skip", Status::Modelled, allowed(2, 2, ExprType::Any)),
    row("take", Status::Modelled, allowed(2, 2, ExprType::Any)),
    row("tryGet", Status::Modelled, allowed(2, MANY, ExprType::Any)),
    row("union", Status::Modelled, allowed(1, MANY, ExprType::Any)),
    // CIDR (template-functions-cidr.md)
    row(
        "parseCidr",
        Status::Modelled,
        allowed(1, 1, ExprType::Object),
    ),
    row(
        "cidrSubnet",
        Status::Modelled,
        allowed(3, 3, ExprType::String),
    ),
    row(
        "cidrHost",
        Status::Modelled,
        allowed(2, 2, ExprType::String),
    ),
    // comparison (template-functions-comparison.md)
    row(
        "coalesce",
        Status::Modelled,
        allowed(1, MANY, ExprType::Any),
    ),
    row("equals", Status::Modelled, allowed(2, 2, ExprType::Bool)),
    row("greater", Status::Modelled, allowed(2, 2, ExprType::Bool)),
    row(
        "greaterOrEquals",
        Status::Modelled,
        allowed(2, 2, ExprType::Bool),
    ),
    row("less", Status::Modelled, allowed(2, 2, ExprType::Bool)),
    row(
        "lessOrEquals",
        Status::Modelled,
        allowed(2, 2, ExprType::Bool),
    ),
    // date (template-functions-date.md)
    row(
        "dateTimeFromEpoch",
        Status::Modelled,
        refused("not available in policy rules"),
    ),
    row(
        "dateTimeToEpoch",
        Status::Modelled,
        refused("not available in policy rules"),
    ),
    row(
        "dateTimeAdd",
        Status::Unknown("date arithmetic on ISO 8601 durations is not implemented"),
        refused("not available in policy rules; use `addDays`"),
    ),
    row(
        "utcNow",
        Status::Unknown("the time of the deployment or evaluation"),
        refused("allowed only inside a deployment template of deployIfNotExists"),
    ),
    // deployment (template-functions-deployment.md)
    row(
        "deployment",
        Status::Context("the template loader: the deployment's name and link are unknown"),
        refused("not available in policy rules"),
    ),
    row(
        "deployer",
        Status::Unknown("the identity that deploys is known only at deployment"),
        allowed(0, 0, ExprType::Object),
    ),
    row(
        "environment",
        Status::Unknown("depends on the cloud deployed to"),
        refused("not available in policy rules"),
    ),
    row(
        "parameters",
        Status::Context("the template loader"),
        refused("write `param.<name>` instead"),
    ),
    row(
        "variables",
        Status::Context("the template loader"),
        refused("policy definitions have no variables; use `let`"),
    ),
    // lambda (template-functions-lambda.md)
    row("filter", Status::Modelled, refused(LAMBDA)),
    row("groupBy", Status::Modelled, refused(LAMBDA)),
    row("lambda", Status::Modelled, refused(LAMBDA)),
    row("map", Status::Modelled, refused(LAMBDA)),
    row("mapValues", Status::Modelled, refused(LAMBDA)),
    row("reduce", Status::Modelled, refused(LAMBDA)),
    row("sort", Status::Modelled, refused(LAMBDA)),
    row("toObject", Status::Modelled, refused(LAMBDA)),
    // logical (template-functions-logical.md)
    row("and", Status::Modelled, allowed(2, MANY, ExprType::Bool)),
    row("bool", Status::Modelled, allowed(1, 1, ExprType::Bool)),
    row("false", Status::Modelled, allowed(0, 0, ExprType::Bool)),
    row("if", Status::Modelled, allowed(3, 3, ExprType::Any)),
    row("not", Status::Modelled, allowed(1, 1, ExprType::Bool)),
    row("or", Status::Modelled, allowed(2, MANY, ExprType::Bool)),
    row("true", Status::Modelled, allowed(0, 0, ExprType::Bool)),
    // numeric (template-functions-numeric.md)
    row("add", Status::Modelled, allowed(2, 2, ExprType::Number)),
    row(
        "copyIndex",
        Status::Context("the template loader's copy loops"),
        refused("not available in policy rules"),
    ),
    row("div", Status::Modelled, allowed(2, 2, ExprType::Number)),
    row("float", Status::Modelled, allowed(1, 1, ExprType::Number)),
    row("int", Status::Modelled, allowed(1, 1, ExprType::Number)),
    row("mod", Status::Modelled, allowed(2, 2, ExprType::Number)),
    row("mul", Status::Modelled, allowed(2, 2, ExprType::Number)),
    row("sub", Status::Modelled, allowed(2, 2, ExprType::Number)),
    // object (template-functions-object.md)
    row(
        "createObject",
        Status::Modelled,
        allowed(0, MANY, ExprType::Object),
    ),
    row("items", Status::Modelled, allowed(1, 1, ExprType::Array)),
    row("json", Status::Modelled, allowed(1, 1, ExprType::Any)),
    row("null", Status::Modelled, allowed(0, 0, ExprType::Any)),
    row(
        "objectKeys",
        Status::Modelled,
        allowed(1, 1, ExprType::Array),
    ),
    row(
        "shallowMerge",
        Status::Modelled,
        allowed(1, 1, ExprType::Object),
    ),
    // resource (template-functions-resource.md)
    row(
        "extensionResourceId",
        Status::Modelled,
        refused("not available in policy rules"),
    ),
    row(
        "managementGroupResourceId",
        Status::Modelled,
        allowed(2, MANY, ExprType::String),
    ),
    row(
        "resourceId",
        Status::Modelled,
        refused("not available in policy rules"),
    ),
    row(
        "subscriptionResourceId",
        Status::Modelled,
        refused("not available in policy rules"),
    ),
    row(
        "tenantResourceId",
        Status::Modelled,
        refused("not available in policy rules"),
    ),
    row(
        "pickZones",
        Status::Unknown("depends on the zones Azure offers in the region"),
        refused("not available in policy rules"),
    ),
    row(
        "providers",
        Status::Unknown("depends on the resource providers registered in the subscription"),
        refused("not available in policy rules"),
    ),
    row(
        "reference",
        Status::Unknown("reads a deployed resource's runtime state"),
        refused("policy rules cannot read other resources; use `require related`"),
    ),
    // scope (template-functions-scope.md)
    row(
        "managementGroup",
        Status::Unknown("acrpc is not told the management group"),
        refused("not available in policy rules"),
    ),
    row(
        "resourceGroup",
        Status::Context(
            "the template loader (--resource-group, --location) or the policy evaluator",
        ),
        allowed(0, 0, ExprType::Object),
    ),
    row(
        "subscription",
        Status::Context("the template loader (--subscription) or the policy evaluator"),
        allowed(0, 0, ExprType::Object),
    ),
    row(
        "tenant",
        Status::Context("the template loader: the tenant id is unknown"),
        refused("not available in policy rules"),
    ),
    // string (template-functions-string.md)
    row("base64", Status::Modelled, allowed(1, 1, ExprType::String)),
    row(
        "base64ToJson",
        Status::Modelled,
        allowed(1, 1, ExprType::Any),
    ),
    row(
        "base64ToString",
        Status::Modelled,
        allowed(1, 1, ExprType::String),
    ),
    row("dataUri", Status::Modelled, allowed(1, 1, ExprType::String)),
    row(
        "dataUriToString",
        Status::Modelled,
        allowed(1, 1, ExprType::String),
    ),
    row("endsWith", Status::Modelled, allowed(2, 2, ExprType::Bool)),
    row(
        "format",
        Status::Modelled,
        allowed(1, MANY, ExprType::String),
    ),
    row("guid", Status::Modelled, allowed(1, MANY, ExprType::String)),
    row("join", Status::Modelled, allowed(2, 2, ExprType::String)),
    row(
        "newGuid",
        Status::Unknown("a new value at every deployment"),
        refused("not available in policy rules"),
    ),
    row("padLeft", Status::Modelled, allowed(2, 3, ExprType::String)),
    row("replace", Status::Modelled, allowed(3, 3, ExprType::String)),
    row("split", Status::Modelled, allowed(2, 2, ExprType::Array)),
    row(
        "startsWith",
        Status::Modelled,
        allowed(2, 2, ExprType::Bool),
    ),
    row("string", Status::Modelled, allowed(1, 1, ExprType::String)),
    row(
        "substring",
        Status::Modelled,
        allowed(2, 3, ExprType::String),
    ),
    row("toLower", Status::Modelled, allowed(1, 1, ExprType::String)),
    row("toUpper", Status::Modelled, allowed(1, 1, ExprType::String)),
    row("trim", Status::Modelled, allowed(1, 1, ExprType::String)),
    row(
        "uniqueString",
        Status::Modelled,
        allowed(1, MANY, ExprType::String),
    ),
    row("uri", Status::Modelled, allowed(2, 2, ExprType::String)),
    row(
        "uriComponent",
        Status::Modelled,
        allowed(1, 1, ExprType::String),
    ),
    row(
        "uriComponentToString",
        Status::Modelled,
        allowed(1, 1, ExprType::String),
    ),
    // policy rules only (definition-structure-policy-rule.md, "Policy functions")
    row(
        "addDays",
        Status::Unknown("date arithmetic is not implemented"),
        allowed(2, 2, ExprType::String),
    ),
    row(
        "current",
        Status::Context("the policy evaluator's count loops"),
        allowed(0, 1, ExprType::Any),
    ),
    row(
        "field",
        Status::Context("the policy evaluator"),
        allowed(1, 1, ExprType::Any),
    ),
    row(
        "ipRangeContains",
        Status::Modelled,
        allowed(2, 2, ExprType::Bool),
    ),
    row(
        "policy",
        Status::Context("the policy evaluator"),
        allowed(0, 0, ExprType::Object),
    ),
    row(
        "requestContext",
        Status::Context("the policy evaluator"),
        allowed(0, 0, ExprType::Object),
    ),
];

/// The row of `name` (any case), without the `list*` prefix rule.
pub fn find(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// Whether a policy rule may call `name` (any case); `list*` functions are
/// refused. `None`: not a template function at all.
pub fn policy(name: &str) -> Option<Policy> {
    find(name).map(|f| f.policy).or_else(|| {
        (name.len() > 4
            && name
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("list")))
        .then_some(Policy::Refused(
            "list* functions are not available in policy rules",
        ))
    })
}

/// The status of `name` (any case); `list*` functions stay unknown.
pub fn status(name: &str) -> Option<Status> {
    find(name).map(|f| f.status).or_else(|| {
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
            .filter(|f| want(&f.status))
            .map(|f| format!("`{}`", f.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "* Computed as ARM does: {}.\n",
        names(|s| *s == Status::Modelled)
    );
    out.push_str("* Taken from the context (unknown without it):\n");
    for f in FUNCTIONS {
        if let Status::Context(why) = f.status {
            out.push_str(&format!("  * `{}`: {why}.\n", f.name));
        }
    }
    out.push_str("* Always unknown:\n");
    for f in FUNCTIONS {
        if let Status::Unknown(why) = f.status {
            out.push_str(&format!("  * `{}`: {why}.\n", f.name));
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
        for Function { name, status, .. } in FUNCTIONS {
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

    /// Sema reads the policy column: a function is allowed with its
    /// signature, or refused with a reason; `list*` by prefix.
    #[test]
    fn sema_reads_the_policy_column() {
        use crate::sema::functions::{forbidden, lookup};
        for f in FUNCTIONS {
            match f.policy {
                Policy::Allowed { min, max, ret } => {
                    let got = lookup(f.name).map(|g| (g.min, g.max, g.ret));
                    assert_eq!(got, Some((min, max, ret)), "{}", f.name);
                    assert_eq!(forbidden(f.name), None, "{}", f.name);
                }
                Policy::Refused(why) => {
                    assert!(lookup(f.name).is_none(), "{}", f.name);
                    assert_eq!(forbidden(f.name), Some(why), "{}", f.name);
                }
            }
        }
        assert!(lookup("listKeys").is_none() && forbidden("listSecrets").is_some());
        assert!(lookup("noSuchFunction").is_none() && forbidden("noSuchFunction").is_none());
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in FUNCTIONS.iter().enumerate() {
            assert!(
                !FUNCTIONS[i + 1..]
                    .iter()
                    .any(|b| a.name.eq_ignore_ascii_case(b.name)),
                "{} twice",
                a.name
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
