//! The lowered, target-neutral rule model: what `sema` produces and `emit`
//! consumes. Conditions are already in Azure Policy's shape (allOf/anyOf/not,
//! field/value/count conditions with Azure operators), with aliases resolved
//! and each field carrying its ARM path for the local checker. `algebra.rs`: `allOf`/`anyOf`
//! construction and exact negation.

mod algebra;

pub use algebra::{all_of, any_of, const_cond, negate};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Pack {
    pub id: String,
    pub title: String,
    pub version: String,
    pub category: String,
    pub description: Option<String>,
    /// Scope prefix for member ids in initiatives (`/providers/Microsoft.Management/managementGroups/x`).
    pub scope: Option<String>,
    pub definitions: Vec<Definition>,
    pub initiatives: Vec<Initiative>,
    pub assignments: Vec<Assignment>,
    pub exemptions: Vec<Exemption>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    Audit,
    Deny,
    Disabled,
    Modify,
    AuditIfNotExists,
    DeployIfNotExists,
    Manual,
    Append,
    DenyAction,
}

impl Effect {
    pub const ALL: [Effect; 9] = [
        Effect::Audit,
        Effect::Deny,
        Effect::Disabled,
        Effect::Modify,
        Effect::AuditIfNotExists,
        Effect::DeployIfNotExists,
        Effect::Manual,
        Effect::Append,
        Effect::DenyAction,
    ];

    /// Canonical casing, as Azure documents and the built-ins write it.
    pub fn as_azure_str(self) -> &'static str {
        match self {
            Effect::Audit => "Audit",
            Effect::Deny => "Deny",
            Effect::Disabled => "Disabled",
            Effect::Modify => "Modify",
            Effect::AuditIfNotExists => "AuditIfNotExists",
            Effect::DeployIfNotExists => "DeployIfNotExists",
            Effect::Manual => "Manual",
            Effect::Append => "Append",
            Effect::DenyAction => "DenyAction",
        }
    }

    /// Effects are case-insensitive in Azure; so are they here.
    pub fn parse(name: &str) -> Option<Effect> {
        Effect::ALL
            .into_iter()
            .find(|e| e.as_azure_str().eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    All,
    Indexed,
}

impl Mode {
    pub fn as_azure_str(self) -> &'static str {
        match self {
            Mode::All => "All",
            Mode::Indexed => "Indexed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

/// What produced a definition: a rule as written, or the modify companion of
/// a rule with `fix`.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Rule,
    ModifyCompanion { of: String },
}

/// One policy definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The id in the pack (`admin-user-disabled`, `admin-user-disabled-modify`).
    pub id: String,
    /// The Azure resource name (UUID v5 unless overridden).
    pub name: String,
    pub origin: Origin,
    pub display_name: String,
    pub description: Option<String>,
    pub category: String,
    pub practice: String,
    pub severity: Severity,
    pub controls: Vec<String>,
    /// metadata.version, may carry a suffix such as `-preview`.
    pub metadata_version: String,
    /// properties.version, MAJOR.MINOR.PATCH.
    pub version: String,
    pub preview: bool,
    pub deprecated: bool,
    pub mode: Mode,
    pub resource_type: String,
    pub kind: String,
    pub effects: Vec<Effect>,
    pub default_effect: Effect,
    pub params: Vec<Param>,
    pub condition: Condition,
    pub details: Option<Details>,
    pub message: String,
    pub remediation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Array,
    Object,
    Boolean,
    Integer,
    Float,
    DateTime,
}

impl ParamType {
    pub fn as_azure_str(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::Array => "Array",
            ParamType::Object => "Object",
            ParamType::Boolean => "Boolean",
            ParamType::Integer => "Integer",
            ParamType::Float => "Float",
            ParamType::DateTime => "DateTime",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub strong_type: Option<String>,
    pub assign_permissions: bool,
    pub allowed: Option<Vec<Value>>,
    pub default: Option<Value>,
    /// An initiative parameter declared with type `effect`.
    pub is_effect: bool,
}

/// A value in a condition: a JSON literal or a template expression (written
/// without the surrounding brackets).
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Literal(Value),
    Expr(String),
}

/// Azure Policy condition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equals,
    NotEquals,
    Like,
    NotLike,
    Match,
    NotMatch,
    MatchInsensitively,
    NotMatchInsensitively,
    Contains,
    NotContains,
    In,
    NotIn,
    ContainsKey,
    NotContainsKey,
    Less,
    LessOrEquals,
    Greater,
    GreaterOrEquals,
    Exists,
}

impl Op {
    pub const ALL: [Op; 19] = [
        Op::Equals,
        Op::NotEquals,
        Op::Like,
        Op::NotLike,
        Op::Match,
        Op::NotMatch,
        Op::MatchInsensitively,
        Op::NotMatchInsensitively,
        Op::Contains,
        Op::NotContains,
        Op::In,
        Op::NotIn,
        Op::ContainsKey,
        Op::NotContainsKey,
        Op::Less,
        Op::LessOrEquals,
        Op::Greater,
        Op::GreaterOrEquals,
        Op::Exists,
    ];

    /// Operator keys are case-insensitive in Azure (regorus casing.yaml).
    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL
            .into_iter()
            .find(|o| o.as_azure_str().eq_ignore_ascii_case(name))
    }

    pub fn as_azure_str(self) -> &'static str {
        match self {
            Op::Equals => "equals",
            Op::NotEquals => "notEquals",
            Op::Like => "like",
            Op::NotLike => "notLike",
            Op::Match => "match",
            Op::NotMatch => "notMatch",
            Op::MatchInsensitively => "matchInsensitively",
            Op::NotMatchInsensitively => "notMatchInsensitively",
            Op::Contains => "contains",
            Op::NotContains => "notContains",
            Op::In => "in",
            Op::NotIn => "notIn",
            Op::ContainsKey => "containsKey",
            Op::NotContainsKey => "notContainsKey",
            Op::Less => "less",
            Op::LessOrEquals => "lessOrEquals",
            Op::Greater => "greater",
            Op::GreaterOrEquals => "greaterOrEquals",
            Op::Exists => "exists",
        }
    }

    /// The operator that is exactly `not(self)` for every input, where one
    /// exists. Ordering operators have none: on a missing or mistyped value
    /// both `less` and `greaterOrEquals` are false (or an error), so `not`
    /// must stay. (Source: semantics-notes §12, definition-structure-policy-rule.)
    pub fn exact_inverse(self) -> Option<Op> {
        Some(match self {
            Op::Equals => Op::NotEquals,
            Op::NotEquals => Op::Equals,
            Op::Like => Op::NotLike,
            Op::NotLike => Op::Like,
            Op::Match => Op::NotMatch,
            Op::NotMatch => Op::Match,
            Op::MatchInsensitively => Op::NotMatchInsensitively,
            Op::NotMatchInsensitively => Op::MatchInsensitively,
            Op::Contains => Op::NotContains,
            Op::NotContains => Op::Contains,
            Op::In => Op::NotIn,
            Op::NotIn => Op::In,
            Op::ContainsKey => Op::NotContainsKey,
            Op::NotContainsKey => Op::ContainsKey,
            Op::Less | Op::LessOrEquals | Op::Greater | Op::GreaterOrEquals | Op::Exists => {
                return None;
            }
        })
    }

    /// Inverse for operands that are always numbers (count results).
    pub fn numeric_inverse(self) -> Option<Op> {
        Some(match self {
            Op::Less => Op::GreaterOrEquals,
            Op::GreaterOrEquals => Op::Less,
            Op::Greater => Op::LessOrEquals,
            Op::LessOrEquals => Op::Greater,
            other => return other.exact_inverse(),
        })
    }
}

/// The left side of a field condition.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    /// What goes in `"field"`: an alias or a generic field (`type`, `name`,
    /// `location`, `tags['x']`, `identity.type`).
    pub field: String,
    /// The ARM JSON path inside the resource (`properties.adminUserEnabled`),
    /// for the local checker. `None` for generic fields with no fixed path.
    pub arm_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    AllOf(Vec<Condition>),
    AnyOf(Vec<Condition>),
    Not(Box<Condition>),
    Field {
        field: FieldRef,
        op: Op,
        value: Operand,
    },
    Value {
        value: Operand,
        op: Op,
        rhs: Operand,
    },
    Count {
        source: CountSource,
        filter: Option<Box<Condition>>,
        op: Op,
        rhs: Operand,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CountSource {
    Field(FieldRef),
    Value { value: Operand, name: String },
}

impl Condition {
    /// Number of condition expressions (leaves), for Azure's limits.
    pub fn leaf_count(&self) -> usize {
        match self {
            Condition::AllOf(v) | Condition::AnyOf(v) => v.iter().map(Condition::leaf_count).sum(),
            Condition::Not(c) => c.leaf_count(),
            Condition::Count { filter, .. } => 1 + filter.as_ref().map_or(0, |f| f.leaf_count()),
            _ => 1,
        }
    }

    /// Depth of nested logical operators.
    pub fn depth(&self) -> usize {
        match self {
            Condition::AllOf(v) | Condition::AnyOf(v) => {
                1 + v.iter().map(Condition::depth).max().unwrap_or(0)
            }
            Condition::Not(c) => 1 + c.depth(),
            Condition::Count { filter, .. } => 1 + filter.as_ref().map_or(0, |f| f.depth()),
            _ => 1,
        }
    }
}

// One per definition; the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    Modify(ModifyDetails),
    Existence(ExistenceDetails),
    Manual { default_state: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModifyDetails {
    pub role_definition_ids: Vec<String>,
    pub conflict_effect: String,
    pub operations: Vec<ModifyOperation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModifyOperation {
    pub field: FieldRef,
    pub value: Operand,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExistenceDetails {
    pub resource_type: String,
    pub name: Option<Operand>,
    pub existence_scope: Option<String>,
    pub evaluation_delay: Option<String>,
    pub existence_condition: Option<Condition>,
    pub role_definition_ids: Vec<String>,
    pub deployment: Option<Deployment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub scope: Option<String>,
    pub location: Option<String>,
    pub template: Value,
    /// Template parameter → value expression, in source order.
    pub parameters: Vec<(String, Operand)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Initiative {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub category: String,
    pub metadata_version: String,
    pub version: String,
    pub params: Vec<Param>,
    pub groups: Vec<Group>,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub reference_id: String,
    /// Definition id in the pack and its Azure name (for a built-in member
    /// both are its GUID).
    pub definition_id: String,
    pub definition_name: String,
    /// `definitionVersion`; `None` (a built-in without `version`): the
    /// latest version, Azure's default.
    pub definition_version: Option<String>,
    /// A built-in definition (`include builtin "<GUID>"`), outside the pack:
    /// its id has no scope.
    pub builtin: bool,
    pub parameters: Vec<(String, Operand)>,
    pub groups: Vec<String>,
}

// ---------------------------------------------------------------- assignments

/// A policy assignment (`Microsoft.Authorization/policyAssignments`).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The id in the pack, which is also the Azure resource name.
    pub id: String,
    pub display_name: String,
    pub description: Option<String>,
    /// Where it is assigned; `None` keeps the `{scope}` placeholder.
    pub scope: Option<String>,
    /// The environment (`--env`) whose values were applied.
    pub environment: Option<String>,
    pub assigned: Assigned,
    /// `definitionVersion`, e.g. `1.*.*`.
    pub definition_version: Option<String>,
    pub enforce: bool,
    pub not_scopes: Vec<String>,
    /// Parameter values in the assigned definition's parameter order.
    pub parameters: Vec<(String, Value)>,
    /// Non-compliance messages: `None` is the assignment-wide message,
    /// `Some(reference id)` one member's.
    pub messages: Vec<(Option<String>, String)>,
    pub resource_selectors: Vec<ResourceSelector>,
    pub overrides: Vec<Override>,
    pub identity: Option<Identity>,
    pub location: Option<String>,
    pub role_assignments: Vec<RoleAssignment>,
}

/// What an assignment assigns: an initiative or a single definition, by id
/// and Azure name.
#[derive(Debug, Clone, PartialEq)]
pub enum Assigned {
    Initiative { id: String, name: String },
    Definition { id: String, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSelector {
    pub name: String,
    pub selectors: Vec<Selector>,
}

/// `{kind, in | notIn}`; `kind` is Azure's (`resourceLocation`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub kind: String,
    pub not_in: bool,
    pub values: Vec<String>,
}

/// `{kind: policyEffect | definitionVersion, value, selectors}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub kind: String,
    pub value: String,
    pub selectors: Vec<Selector>,
}

/// A managed identity: system-assigned, or the resource id of a
/// user-assigned one.
#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    System,
    User(String),
}

/// A role the assignment's identity needs, at a scope.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleAssignment {
    /// Deterministic GUID (UUID v5 of assignment, scope and role).
    pub name: String,
    /// `None`: the assignment's scope, still the `{scope}` placeholder.
    pub scope: Option<String>,
    pub role_definition_id: String,
    pub assignment: String,
}

/// A policy exemption (`Microsoft.Authorization/policyExemptions`).
#[derive(Debug, Clone, PartialEq)]
pub struct Exemption {
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// The exempted assignment's id in the pack.
    pub assignment: String,
    /// The assignment's scope (for its resource id).
    pub assignment_scope: Option<String>,
    /// Where the exemption applies; `None` is the assignment's scope.
    pub scope: Option<String>,
    /// `Waiver` or `Mitigated`.
    pub category: String,
    /// `YYYY-MM-DD`, inclusive: emitted as the end of that day (UTC).
    pub expires: Option<String>,
    /// Member reference ids; empty is the whole assignment.
    pub members: Vec<String>,
    pub resource_selectors: Vec<ResourceSelector>,
    pub ticket: Option<String>,
}
