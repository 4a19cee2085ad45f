//! The abstract syntax tree of a rule pack. Every node carries the byte span
//! it came from, so that diagnostics and the language server can point at it.
//! Nothing here knows about pest.

use crate::diag::Span;

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One parsed `.acrp` file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    /// Items that did not parse (their error is already reported), so that
    /// later stages do not report their absence as a second error.
    pub broken: Vec<BrokenItem>,
}

/// An item the parser could not read: its keyword and, when readable, its id.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenItem {
    pub keyword: &'static str,
    pub id: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Pack(Pack),
    Rule(Rule),
    Initiative(Initiative),
    Placement(Placement),
    Test(Test),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Pack(p) => p.span,
            Item::Rule(r) => r.span,
            Item::Initiative(i) => i.span,
            Item::Placement(p) => p.span,
            Item::Test(t) => t.span,
        }
    }
}

/// `key value` inside a block: `title "…"`, `severity high`, `controls [..]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub key: Ident,
    pub value: Literal,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pack {
    pub id: Ident,
    pub meta: Vec<Meta>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: Ident,
    pub clauses: Vec<RuleClause>,
    pub span: Span,
}

/// One clause of a rule. Most clauses are `Meta`, so the larger variants are
/// boxed: a clause list is then ~112 bytes a clause instead of 464 (a
/// 15,000-rule pack held 110 MB of clause lists; see `clause_size` below).
#[derive(Debug, Clone, PartialEq)]
pub enum RuleClause {
    Meta(Meta),
    Param(Box<Param>),
    Effect(EffectClause),
    Let(Box<Let>),
    When(Box<Cond>, Span),
    Require(Box<Cond>, Span),
    RequireRelated(Box<Related>, Span),
    Forbid(Box<Cond>, Span),
    Fix(Fix),
    Deploy(Box<Deploy>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Literal>,
    pub allowed: Option<Literal>,
    pub strong_type: Option<(String, Span)>,
    pub assign_permissions: bool,
    pub meta: Vec<Meta>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EffectClause {
    pub allowed: Vec<Ident>,
    pub default: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `require related "<type>" named … in … after … where …`
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub target: RelatedTarget,
    pub named: Option<Expr>,
    pub scope: Option<Ident>,
    pub after: Option<(String, Span)>,
    pub condition: Option<Cond>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RelatedTarget {
    /// An ARM resource type written as a string.
    ResourceType(String, Span),
    /// A catalog kind name such as `registry.private-endpoint-connection`.
    Kind(Ident),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub assignments: Vec<Assignment>,
    pub roles: Option<Literal>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub path: Path,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deploy {
    pub template: (String, Span),
    pub roles: Option<Literal>,
    pub scope: Option<Ident>,
    pub location: Option<(String, Span)>,
    pub bindings: Vec<Binding>,
    pub span: Span,
}

/// `name = expr` in a deploy or include block.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Initiative {
    pub id: Ident,
    pub clauses: Vec<InitiativeClause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InitiativeClause {
    Meta(Meta),
    Param(Param),
    Group(Group),
    Include(Include),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: Ident,
    pub display_name: (String, Span),
    pub meta: Vec<Meta>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    pub target: IncludeTarget,
    pub bindings: Vec<Binding>,
    pub groups: Option<Vec<Ident>>,
    /// `reference "…"`: the member's `policyDefinitionReferenceId`.
    pub reference: Option<(String, Span)>,
    /// `version "1.*.*"`: the member's `definitionVersion`.
    pub version: Option<(String, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IncludeTarget {
    Rule(Ident),
    Practice(Ident),
    All(Span),
    /// `builtin "<GUID>"`: a built-in definition outside the pack.
    Builtin(String, Span),
}

// ---------------------------------------------------------------- conditions

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Cond>, Span),
    Or(Vec<Cond>, Span),
    Not(Box<Cond>, Span),
    Bool(bool, Span),
    Compare {
        lhs: Expr,
        op: CmpOp,
        rhs: Expr,
        span: Span,
    },
    Exists {
        operand: Expr,
        exists: bool,
        span: Span,
    },
    /// `any(path[*], cond)` / `all(path[*], cond)`
    Quantifier {
        all: bool,
        over: Path,
        cond: Box<Cond>,
        span: Span,
    },
    /// `count(path[*] [, cond]) op rhs` or `count(x in expr [, cond]) op rhs`
    Count {
        source: CountSource,
        filter: Option<Box<Cond>>,
        op: CmpOp,
        rhs: Expr,
        span: Span,
    },
}

impl Cond {
    pub fn span(&self) -> Span {
        match self {
            Cond::And(_, s) | Cond::Or(_, s) | Cond::Not(_, s) | Cond::Bool(_, s) => *s,
            Cond::Compare { span, .. }
            | Cond::Exists { span, .. }
            | Cond::Quantifier { span, .. }
            | Cond::Count { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CountSource {
    Field(Path),
    Value { name: Ident, source: Expr },
}

/// Comparison operators, as written in the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Like,
    NotLike,
    Matches,
    NotMatches,
    IMatches,
    NotIMatches,
    Contains,
    NotContains,
    ContainsKey,
    NotContainsKey,
}

impl CmpOp {
    /// The operator as the user wrote it, for messages.
    pub fn as_source_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
            CmpOp::Like => "like",
            CmpOp::NotLike => "not like",
            CmpOp::Matches => "matches",
            CmpOp::NotMatches => "not matches",
            CmpOp::IMatches => "imatches",
            CmpOp::NotIMatches => "not imatches",
            CmpOp::Contains => "contains",
            CmpOp::NotContains => "not contains",
            CmpOp::ContainsKey => "contains key",
            CmpOp::NotContainsKey => "not contains key",
        }
    }
}

// ---------------------------------------------------------------- expressions

/// A property path relative to the rule's target (or to the current array
/// element inside a quantifier): `networkRuleSet.ipRules[*].value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub segments: Vec<Segment>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Name(String),
    /// `[*]`
    Wildcard,
    /// `["key"]`, for tags and other maps.
    Key(String),
}

impl Path {
    /// The path as written, normalised (`a.b[*].c`, `tags['x']` as `tags["x"]`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Name(n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(n);
                }
                Segment::Wildcard => out.push_str("[*]"),
                Segment::Key(k) => {
                    out.push_str("[\"");
                    out.push_str(k);
                    out.push_str("\"]");
                }
            }
        }
        out
    }

    pub fn has_wildcard(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, Segment::Wildcard))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String, Span),
    Num(f64, String, Span),
    Bool(bool, Span),
    Null(Span),
    Array(Vec<Expr>, Span),
    Param(Ident, Span),
    /// `it`: the current element inside `any`/`all`/`count`.
    It(Span),
    Path(Path),
    Call {
        name: Ident,
        args: Vec<Expr>,
        span: Span,
    },
    Member {
        base: Box<Expr>,
        name: Ident,
        span: Span,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        span: Span,
    },
    /// `(a == b)` / `(a != b)` as a value: lowers to `equals(a, b)`.
    Equals {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        negated: bool,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Str(_, s)
            | Expr::Num(_, _, s)
            | Expr::Bool(_, s)
            | Expr::Null(s)
            | Expr::Array(_, s)
            | Expr::Param(_, s)
            | Expr::It(s) => *s,
            Expr::Path(p) => p.span,
            Expr::Call { span, .. }
            | Expr::Member { span, .. }
            | Expr::Index { span, .. }
            | Expr::Equals { span, .. } => *span,
        }
    }
}

/// Literal values in meta clauses, param defaults and allowed lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String, Span),
    Num(f64, String, Span),
    Bool(bool, Span),
    Null(Span),
    Array(Vec<Literal>, Span),
    /// A bare word: `high`, `registry.token`, `audit`.
    Word(String, Span),
}

impl Literal {
    pub fn span(&self) -> Span {
        match self {
            Literal::Str(_, s)
            | Literal::Num(_, _, s)
            | Literal::Bool(_, s)
            | Literal::Null(s)
            | Literal::Array(_, s)
            | Literal::Word(_, s) => *s,
        }
    }

    /// A short description of the literal's shape, for type errors.
    pub fn shape(&self) -> &'static str {
        match self {
            Literal::Str(..) => "a string",
            Literal::Num(..) => "a number",
            Literal::Bool(..) => "a boolean",
            Literal::Null(..) => "null",
            Literal::Array(..) => "a list",
            Literal::Word(..) => "a name",
        }
    }
}

/// Equality of syntax ignoring where it was written: two trees are equal in
/// shape when they differ only in spans (the formatter's soundness check:
/// its output must parse to the same shape as its input).
pub trait EqShape {
    fn eq_shape(&self, other: &Self) -> bool;
}

/// A copy of a condition with every span cleared: conditions with equal shapes are
/// equal in shape (compute it once to compare one condition with many).
pub fn cond_shape(c: &Cond) -> Cond {
    let mut copy = c.clone();
    super::incremental::visit_cond_spans(&mut copy, &mut |s| *s = Span::new(0, 0, 0));
    copy
}

impl EqShape for Cond {
    fn eq_shape(&self, other: &Self) -> bool {
        cond_shape(self) == cond_shape(other)
    }
}

/// A copy of an item with every span cleared.
fn without_spans(item: &Item) -> Item {
    let mut copy = item.clone();
    super::incremental::visit_spans(&mut copy, &mut |s| *s = Span::new(0, 0, 0));
    copy
}

impl EqShape for Item {
    fn eq_shape(&self, other: &Self) -> bool {
        without_spans(self) == without_spans(other)
    }
}

impl EqShape for File {
    fn eq_shape(&self, other: &Self) -> bool {
        self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .zip(&other.items)
                .all(|(a, b)| a.eq_shape(b))
    }
}

// ---------------------------------------------------------------- placements

/// An `assignment`, `exemption` or `environment` block: where and how the
/// pack's rules take effect in Azure (docs/LANGUAGE.md, "Assignments").
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub kind: PlacementKind,
    pub id: Ident,
    /// `of <name>`: the assigned initiative or rule, or the exempted
    /// assignment. `None` for environments.
    pub of: Option<Ident>,
    pub clauses: Vec<PlacementClause>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementKind {
    Assignment,
    Exemption,
    Environment,
}

impl PlacementKind {
    pub fn keyword(self) -> &'static str {
        match self {
            PlacementKind::Assignment => "assignment",
            PlacementKind::Exemption => "exemption",
            PlacementKind::Environment => "environment",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlacementClause {
    Meta(Meta),
    /// `param effect = "deny"`: a parameter value.
    Value {
        name: Ident,
        value: Literal,
        span: Span,
    },
    /// `message <rule> "…"`: the non-compliance message of one member.
    MemberMessage {
        member: Ident,
        text: (String, Span),
        span: Span,
    },
    /// `selector eu { location in ["westeurope"] }`
    Selector(ResourceSelector),
    /// `override effect = disabled for [rule-a]`
    Override {
        what: Ident,
        value: Literal,
        members: Option<Literal>,
        span: Span,
    },
}

impl PlacementClause {
    pub fn span(&self) -> Span {
        match self {
            PlacementClause::Meta(m) => m.span,
            PlacementClause::Selector(s) => s.span,
            PlacementClause::Value { span, .. }
            | PlacementClause::MemberMessage { span, .. }
            | PlacementClause::Override { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSelector {
    pub name: Ident,
    pub items: Vec<SelectorItem>,
    pub span: Span,
}

/// `location in [..]` / `type not in [..]` inside a selector.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectorItem {
    pub kind: Ident,
    pub negated: bool,
    pub values: Literal,
    pub span: Span,
}

// ---------------------------------------------------------------- tests

/// `test <name> { … }`: a rule test (see docs/LANGUAGE.md, "Tests").
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: Ident,
    pub clauses: Vec<TestClause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestClause {
    /// `rule <id>` or `initiative <id>`.
    Subject {
        initiative: bool,
        id: Ident,
        span: Span,
    },
    /// `param <name> = <value>`.
    Param {
        name: Ident,
        value: TestValue,
        span: Span,
    },
    Resource(TestResource),
    /// `input "<file>"`, relative to the test's file.
    Input(String, Span),
    /// `deployed`: the inline resources are as Azure returns them (an
    /// export), not a deployment request (an ARM template).
    Deployed(Span),
    Expect(Expect),
    /// `expect fix <path> = <value>`: a change the rule's `fix` makes.
    ExpectFix {
        path: Path,
        value: TestValue,
        span: Span,
    },
}

/// `resource <kind> { <path> = <value> … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResource {
    pub kind: Ident,
    pub props: Vec<TestProp>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestProp {
    pub path: Path,
    pub value: TestValue,
    pub span: Span,
}

/// A value in a test: a literal, an array, or an object `{ key = value … }`.
#[derive(Debug, Clone, PartialEq)]
pub enum TestValue {
    Scalar(Literal),
    Array(Vec<TestValue>, Span),
    Object(Vec<TestProp>, Span),
}

impl TestValue {
    pub fn span(&self) -> Span {
        match self {
            TestValue::Scalar(l) => l.span(),
            TestValue::Array(_, s) | TestValue::Object(_, s) => *s,
        }
    }
}

/// `expect [<rule>] <verdict> [at deploy | after deployment]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub rule: Option<Ident>,
    pub verdict: Ident,
    pub phase: Option<(Phase, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    AtDeploy,
    AfterDeployment,
}
#[cfg(test)]
mod clause_size {
    /// Large packs hold every rule's clause list during `sema::check`: keep
    /// the common clause small (box a new large variant).
    #[test]
    fn a_rule_clause_is_small() {
        assert!(size_of::<super::RuleClause>() <= 120);
    }
}
