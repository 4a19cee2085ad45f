//! The template functions a policy rule may call, with their arity and
//! result type. Source: learn.microsoft.com "Azure Policy definition
//! structure policy rule" → "Policy functions": all ARM template functions
//! are available except those listed as unsupported, plus the policy-only
//! functions `field`, `current`, `requestContext`, `policy`,
//! `ipRangeContains`, `addDays`, `utcNow` (deployment only).

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

pub struct Function {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub ret: ExprType,
}

const MANY: usize = usize::MAX;

macro_rules! f {
    ($n:literal, $min:expr, $max:expr, $ret:ident) => {
        Function {
            name: $n,
            min: $min,
            max: $max,
            ret: ExprType::$ret,
        }
    };
}

pub static FUNCTIONS: &[Function] = &[
    // policy-specific
    f!("field", 1, 1, Any),
    f!("current", 0, 1, Any),
    f!("requestContext", 0, 0, Object),
    f!("policy", 0, 0, Object),
    f!("ipRangeContains", 2, 2, Bool),
    f!("addDays", 2, 2, String),
    f!("subscription", 0, 0, Object),
    f!("resourceGroup", 0, 0, Object),
    // strings
    f!("concat", 1, MANY, Any),
    f!("split", 2, 2, Array),
    f!("toLower", 1, 1, String),
    f!("toUpper", 1, 1, String),
    f!("trim", 1, 1, String),
    f!("substring", 2, 3, String),
    f!("replace", 3, 3, String),
    f!("indexOf", 2, 2, Number),
    f!("lastIndexOf", 2, 2, Number),
    f!("startsWith", 2, 2, Bool),
    f!("endsWith", 2, 2, Bool),
    f!("format", 1, MANY, String),
    f!("padLeft", 2, 3, String),
    f!("string", 1, 1, String),
    f!("base64", 1, 1, String),
    f!("base64ToString", 1, 1, String),
    f!("base64ToJson", 1, 1, Any),
    f!("uri", 2, 2, String),
    f!("uriComponent", 1, 1, String),
    f!("uriComponentToString", 1, 1, String),
    f!("dataUri", 1, 1, String),
    f!("dataUriToString", 1, 1, String),
    f!("guid", 1, MANY, String),
    f!("uniqueString", 1, MANY, String),
    // arrays and objects
    f!("array", 1, 1, Array),
    f!("createArray", 0, MANY, Array),
    f!("createObject", 0, MANY, Object),
    f!("first", 1, 1, Any),
    f!("last", 1, 1, Any),
    f!("length", 1, 1, Number),
    f!("empty", 1, 1, Bool),
    f!("contains", 2, 2, Bool),
    f!("union", 1, MANY, Any),
    f!("intersection", 2, MANY, Any),
    f!("take", 2, 2, Any),
    f!("skip", 2, 2, Any),
    f!("min", 1, MANY, Number),
    f!("max", 1, MANY, Number),
    f!("range", 2, 2, Array),
    f!("coalesce", 1, MANY, Any),
    f!("json", 1, 1, Any),
    f!("items", 1, 1, Array),
    f!("objectKeys", 1, 1, Array),
    f!("tryGet", 2, MANY, Any),
    // logic and comparison
    f!("if", 3, 3, Any),
    f!("and", 2, MANY, Bool),
    f!("or", 2, MANY, Bool),
    f!("not", 1, 1, Bool),
    f!("bool", 1, 1, Bool),
    f!("equals", 2, 2, Bool),
    f!("less", 2, 2, Bool),
    f!("lessOrEquals", 2, 2, Bool),
    f!("greater", 2, 2, Bool),
    f!("greaterOrEquals", 2, 2, Bool),
    // numbers
    f!("int", 1, 1, Number),
    f!("float", 1, 1, Number),
    f!("add", 2, 2, Number),
    f!("sub", 2, 2, Number),
    f!("mul", 2, 2, Number),
    f!("div", 2, 2, Number),
    f!("mod", 2, 2, Number),
    // Functions of the ARM reference that the "except" list of the policy
    // rule page does not name, so Azure accepts them in a rule.
    f!("true", 0, 0, Bool),
    f!("false", 0, 0, Bool),
    f!("null", 0, 0, Any),
    f!("join", 2, 2, String),
    f!("flatten", 1, 1, Array),
    f!("shallowMerge", 1, 1, Object),
    f!("parseCidr", 1, 1, Object),
    f!("cidrSubnet", 3, 3, String),
    f!("cidrHost", 2, 2, String),
    f!("managementGroupResourceId", 2, MANY, String),
    f!("deployer", 0, 0, Object),
];

const LAMBDA: &str = "lambda functions (filter, map, …) are not available in policy rules";

/// Functions that exist in ARM templates but not in policy rules, with the
/// reason shown to the user.
pub static NOT_IN_POLICY: &[(&str, &str)] = &[
    ("parameters", "write `param.<name>` instead"),
    (
        "variables",
        "policy definitions have no variables; use `let`",
    ),
    (
        "reference",
        "policy rules cannot read other resources; use `require related`",
    ),
    ("resourceId", "not available in policy rules"),
    ("subscriptionResourceId", "not available in policy rules"),
    ("tenantResourceId", "not available in policy rules"),
    ("extensionResourceId", "not available in policy rules"),
    ("copyIndex", "not available in policy rules"),
    ("deployment", "not available in policy rules"),
    ("environment", "not available in policy rules"),
    ("newGuid", "not available in policy rules"),
    ("pickZones", "not available in policy rules"),
    ("providers", "not available in policy rules"),
    ("tenant", "not available in policy rules"),
    ("managementGroup", "not available in policy rules"),
    (
        "utcNow",
        "allowed only inside a deployment template of deployIfNotExists",
    ),
    ("list", "list* functions are not available in policy rules"),
    // Also refused by Azure (definition-structure-policy-rule.md, "Policy functions":
    // "All Resource Manager template functions are available ... except"): the date
    // functions other than the policy-only addDays, and lambdas.
    (
        "dateTimeAdd",
        "not available in policy rules; use `addDays`",
    ),
    ("dateTimeFromEpoch", "not available in policy rules"),
    ("dateTimeToEpoch", "not available in policy rules"),
    ("lambda", LAMBDA),
    // The lambda functions: they take `lambda(...)` arguments, refused above.
    ("filter", LAMBDA),
    ("groupBy", LAMBDA),
    ("map", LAMBDA),
    ("mapValues", LAMBDA),
    ("reduce", LAMBDA),
    ("sort", LAMBDA),
    ("toObject", LAMBDA),
    (
        "listKeys",
        "list* functions are not available in policy rules",
    ),
];

pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

pub fn forbidden(name: &str) -> Option<&'static str> {
    NOT_IN_POLICY
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, why)| *why)
        .or_else(|| {
            (name.len() > 4 && name[..4].eq_ignore_ascii_case("list"))
                .then_some("list* functions are not available in policy rules")
        })
}

/// Properties of the objects some functions return.
pub fn members_of(function: &str) -> Option<&'static [&'static str]> {
    Some(match function {
        "subscription" => &["id", "subscriptionId", "tenantId", "displayName"],
        "resourceGroup" => &[
            "id",
            "name",
            "type",
            "location",
            "managedBy",
            "tags",
            "properties",
        ],
        "requestContext" => &["apiVersion"],
        "policy" => &[
            "assignmentId",
            "definitionId",
            "setDefinitionId",
            "definitionReferenceId",
        ],
        _ => return None,
    })
}
