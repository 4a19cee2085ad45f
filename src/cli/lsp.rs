//! `acrpc lsp`: starts the language server (`crate::lsp`) on stdio, with the
//! lint configuration of the nearest `acrpc.toml`.

use super::lint::load_config;
use super::{ExitStatus, Reporter};
use crate::diag::{Code, Diagnostic, SourceFile, SourceMap, Span};
use crate::lint::Config;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// The configuration file (default: the nearest `acrpc.toml`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long, hide = true)]
    pub stdio: bool,
}

pub fn run(args: &LspArgs, reporter: &Reporter) -> ExitStatus {
    let config = match load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err((p, e)) => {
            // The server still starts, with the default configuration.
            let mut sources = SourceMap::default();
            let id = sources.add(SourceFile::new(p.display().to_string(), ""));
            let d = Diagnostic::new(
                Code::E0603,
                Span::new(id, 0, 0),
                format!(
                    "invalid configuration {}: {e}; using the defaults",
                    p.display()
                ),
            );
            reporter.report(&[d], &sources);
            Config::default()
        }
    };
    if crate::lsp::run(config) {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}
