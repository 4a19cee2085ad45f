//! `acrpc lsp`: starts the language server (`crate::lsp`) on stdio, with the
//! lint configuration of the nearest `acrpc.toml`.

use super::lint::find_config;
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
    let path = args
        .config
        .clone()
        .or_else(|| std::env::current_dir().ok().and_then(|d| find_config(&d)));
    let config = match &path {
        None => Config::default(),
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| Config::parse(&t))
        {
            Ok(c) => c,
            Err(e) => {
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
        },
    };
    if crate::lsp::run(config) {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}
