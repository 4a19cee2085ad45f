//! Azure's documented limits, checked at compile time so that a pack that
//! builds is a pack Azure accepts. Sources (read 2026-11):
//! - learn.microsoft.com azure-subscription-service-limits, "Azure Policy
//!   limits": 20 parameters per policy definition, 400 per initiative, 1000
//!   policies per initiative, 512 nested conditionals per policy rule;
//! - definition-structure-policy-rule, "Limits enforced during authoring":
//!   4096 condition expressions in `if`, 128 in `then` (existenceCondition),
//!   5 field count expressions per array, 10 value count expressions;
//! - definition-structure-basics: displayName ≤ 128, description ≤ 512;
//! - resource-name-rules (policyDefinitions): name 1–64 characters, none of
//!   `<>*%&:\?.+/` or control characters, not ending with a period or space.

use crate::diag::{Code, Diagnostic, Span};
use crate::ir;
use std::collections::BTreeMap;

pub const MAX_DEFINITION_PARAMS: usize = 20;
pub const MAX_INITIATIVE_PARAMS: usize = 400;
pub const MAX_INITIATIVE_MEMBERS: usize = 1000;
pub const MAX_IF_CONDITIONS: usize = 4096;
pub const MAX_THEN_CONDITIONS: usize = 128;
pub const MAX_NESTED_CONDITIONALS: usize = 512;
pub const MAX_FIELD_COUNTS_PER_ARRAY: usize = 5;
pub const MAX_VALUE_COUNTS: usize = 10;
pub const MAX_NAME: usize = 64;
pub const MAX_DISPLAY_NAME: usize = 128;
pub const MAX_DESCRIPTION: usize = 512;

pub fn check_definition(d: &ir::Definition, span: Span, diags: &mut Vec<Diagnostic>) {
    check_name(&d.name, span, diags);
    check_texts(&d.display_name, d.description.as_deref(), span, diags);
    let params = d.params.len() + 1;
    if params > MAX_DEFINITION_PARAMS {
        diags.push(
            Diagnostic::new(
                Code::E0401,
                span,
                format!("`{}` has {params} parameters (with `effect`); Azure allows {MAX_DEFINITION_PARAMS}", d.id),
            )
            .with_label("too many parameters")
            .with_help("Azure Policy limits: parameters per policy definition = 20"),
        );
    }
    let leaves = d.condition.leaf_count();
    if leaves > MAX_IF_CONDITIONS {
        diags.push(
            Diagnostic::new(
                Code::E0402,
                span,
                format!("`{}` has {leaves} condition expressions; Azure allows {MAX_IF_CONDITIONS} in `if`", d.id),
            )
            .with_label("rule too large"),
        );
    }
    let depth = d.condition.depth();
    if depth > MAX_NESTED_CONDITIONALS {
        diags.push(
            Diagnostic::new(
                Code::E0402,
                span,
                format!(
                    "`{}` nests conditions {depth} deep; Azure allows {MAX_NESTED_CONDITIONALS}",
                    d.id
                ),
            )
            .with_label("nested too deeply"),
        );
    }
    if let Some(ir::Details::Existence(ex)) = &d.details
        && let Some(c) = &ex.existence_condition
        && c.leaf_count() > MAX_THEN_CONDITIONS
    {
        diags.push(
            Diagnostic::new(
                Code::E0402,
                span,
                format!(
                    "the existence condition of `{}` has {} condition expressions; Azure allows {MAX_THEN_CONDITIONS}",
                    d.id,
                    c.leaf_count()
                ),
            )
            .with_label("existence condition too large"),
        );
    }
}

pub fn check_counts(
    field_counts: &BTreeMap<String, (String, usize)>,
    value_counts: usize,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    for (alias, n) in field_counts.values() {
        if *n > MAX_FIELD_COUNTS_PER_ARRAY {
            diags.push(
                Diagnostic::new(
                    Code::E0408,
                    span,
                    format!("{n} count expressions over `{alias}`; Azure allows {MAX_FIELD_COUNTS_PER_ARRAY} per array"),
                )
                .with_label("too many counts")
                .with_help("`any`/`all` are counts too; combine conditions into one `where`"),
            );
        }
    }
    if value_counts > MAX_VALUE_COUNTS {
        diags.push(
            Diagnostic::new(
                Code::E0408,
                span,
                format!("{value_counts} value count expressions; Azure allows {MAX_VALUE_COUNTS} per rule"),
            )
            .with_label("too many value counts"),
        );
    }
}

pub fn check_initiative(i: &ir::Initiative, span: Span, diags: &mut Vec<Diagnostic>) {
    check_name(&i.name, span, diags);
    check_texts(&i.display_name, i.description.as_deref(), span, diags);
    if i.params.len() > MAX_INITIATIVE_PARAMS {
        diags.push(
            Diagnostic::new(
                Code::E0401,
                span,
                format!(
                    "initiative `{}` has {} parameters; Azure allows {MAX_INITIATIVE_PARAMS}",
                    i.id,
                    i.params.len()
                ),
            )
            .with_label("too many parameters"),
        );
    }
    if i.members.len() > MAX_INITIATIVE_MEMBERS {
        diags.push(
            Diagnostic::new(
                Code::E0407,
                span,
                format!(
                    "initiative `{}` has {} members; Azure allows {MAX_INITIATIVE_MEMBERS}",
                    i.id,
                    i.members.len()
                ),
            )
            .with_label("too many members")
            .with_help("split it into several initiatives"),
        );
    }
}

fn check_name(name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    let bad_char = name
        .chars()
        .find(|c| "<>*%&:\\?.+/".contains(*c) || c.is_control());
    if name.chars().count() > MAX_NAME
        || name.is_empty()
        || bad_char.is_some()
        || name.ends_with(' ')
    {
        let why = match bad_char {
            Some(c) => format!("contains `{}`", c.escape_default()),
            None if name.is_empty() => "is empty".to_string(),
            None if name.ends_with(' ') => "ends with a space".to_string(),
            None => format!("is {} characters long", name.chars().count()),
        };
        diags.push(
            Diagnostic::new(Code::E0403, span, format!("definition name \"{name}\" {why}"))
                .with_label("not a valid Azure resource name")
                .with_help("names are 1-64 characters without <>*%&:\\?.+/ and must not end with a space; leave `name` out to get a stable UUID"),
        );
    }
}

fn check_texts(display: &str, description: Option<&str>, span: Span, diags: &mut Vec<Diagnostic>) {
    let n = display.chars().count();
    if n > MAX_DISPLAY_NAME {
        diags.push(
            Diagnostic::new(Code::E0404, span, format!("display name is {n} characters; Azure allows {MAX_DISPLAY_NAME}"))
                .with_label("title too long")
                .with_help("shorten `title` (or `fix-title` for the modify companion); move detail into `description`"),
        );
    }
    if let Some(d) = description {
        let n = d.chars().count();
        if n > MAX_DESCRIPTION {
            diags.push(
                Diagnostic::new(
                    Code::E0405,
                    span,
                    format!("description is {n} characters; Azure allows {MAX_DESCRIPTION}"),
                )
                .with_label("description too long")
                .with_help("shorten `description`; put the long explanation in `remediation`"),
            );
        }
    }
}
