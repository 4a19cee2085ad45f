//! One file per lint rule; the rationale of each is its `explain.md` page.

pub mod absent_vs_default;
pub mod constant_require;
pub mod deny_without_audit;
pub mod duplicate_condition;
pub mod fix_not_modifiable;
pub mod like_equality;
pub mod missing_description;
pub mod practice_without_rule;
pub mod prod_not_enforced;
pub mod unbound_member_param;
pub mod waiver_expiry;
pub mod when_excludes_all;
