//! acrpc: compiles ACR security rule packs into Azure Policy definitions,
//! initiatives and local checker rules. See ARCHITECTURE.md for the map.

pub mod catalog;
pub mod check;
pub mod cli;
pub mod compile;
pub mod diag;
pub mod emit;
pub mod eval;
pub mod expr;
pub mod fmt;
pub mod import;
pub mod inputs;
pub mod ir;
pub mod lint;
pub mod lsp;
pub mod publish;
pub mod ruletest;
pub mod sema;
pub mod syntax;
