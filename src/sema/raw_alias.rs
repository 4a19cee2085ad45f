//! `alias("Microsoft.Storage/storageAccounts/minimumTlsVersion")`: a field
//! condition on an Azure Policy alias that acrpc's catalog does not know
//! (the catalog covers ACR and the kinds around it). It compiles to
//! `{"field": "<alias>", …}` as written, typed `any` (no type or enum
//! checks), with a warning (W1220); `acrpc check` reads such a field as
//! unknown, since it has no ARM path for it (unless the input holds the
//! value under the alias path itself: `eval::fields::by_alias_key`). An alias the catalog knows is
//! read as its property, with the property name as the suggestion (W1221).

use super::cond::FieldInfo;
use crate::catalog::{Kind, PropType, catalog};
use crate::diag::{Code, Diagnostic, Span};
use crate::ir::FieldRef;
use crate::syntax::ast::Expr;

/// What `alias("…")` names.
pub enum RawAlias {
    /// A property of the kind: resolve its catalog path (typed).
    Known(String),
    /// Not in the catalog: a field of unknown type.
    Unknown(FieldInfo),
}

/// Resolves `alias(<args>)` in a condition on `kind`; the diagnostics are
/// the warnings that go with it, or the error when it is malformed.
pub fn resolve(kind: &Kind, args: &[Expr], span: Span) -> (Option<RawAlias>, Vec<Diagnostic>) {
    let alias = match args {
        [Expr::Str(s, _)] if looks_like_alias(s) => s.clone(),
        _ => {
            let d = Diagnostic::new(
                Code::E1222,
                span,
                "`alias(…)` takes one string: an Azure Policy alias",
            )
            .with_label("not an alias")
            .with_help("e.g. `alias(\"Microsoft.Storage/storageAccounts/minimumTlsVersion\") == \"TLS1_2\"`");
            return (None, vec![d]);
        }
    };
    match catalog().property_by_alias(&alias) {
        Some((k, p)) if k.resource_type.eq_ignore_ascii_case(kind.resource_type) => {
            let d = Diagnostic::new(
                Code::W1221,
                span,
                format!("the catalog knows `{alias}` as `{}`", p.path),
            )
            .with_label("a catalog property")
            .with_help("the property name is checked against its type and values")
            .with_suggestion(format!("use `{}`", p.path), p.path.to_string());
            (Some(RawAlias::Known(p.path.to_string())), vec![d])
        }
        _ => {
            let d = Diagnostic::new(
                Code::W1220,
                span,
                format!("the alias `{alias}` is not in acrpc's catalog"),
            )
            .with_label("type unknown, not checked")
            .with_help("Azure rejects a definition whose alias does not exist, and `acrpc check` reads this field as unknown; make sure the alias is right (`az provider show --expand resourceTypes/aliases`)");
            let info = FieldInfo {
                field: FieldRef {
                    field: alias.clone(),
                    arm_path: None,
                },
                dsl_path: alias,
                ty: PropType::Any,
                enum_values: &[],
                enum_closed: false,
                read_only: false,
            };
            (Some(RawAlias::Unknown(info)), vec![d])
        }
    }
}

/// `Namespace.Provider/type[/child…]/property…`: a provider namespace with a
/// dot, a slash, no spaces, not a template expression.
fn looks_like_alias(s: &str) -> bool {
    let Some((namespace, rest)) = s.split_once('/') else {
        return false;
    };
    namespace.contains('.')
        && !rest.is_empty()
        && !s.starts_with('[')
        && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_have_a_namespace_and_a_path() {
        assert!(looks_like_alias(
            "Microsoft.Storage/storageAccounts/minimumTlsVersion"
        ));
        assert!(looks_like_alias(
            "Microsoft.Web/sites/siteConfig.ipSecurityRestrictions[*].ipAddress"
        ));
        assert!(!looks_like_alias("sku.name"));
        assert!(!looks_like_alias("[field('x')]"));
        assert!(!looks_like_alias("Microsoft.Storage/"));
        assert!(!looks_like_alias("Microsoft.Storage/a b"));
    }
}
