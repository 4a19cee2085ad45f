//! `acrpc lint [PATHS…] [--fix]`: the compiler's diagnostics plus the lint
//! rules of `crate::lint`, configured by `acrpc.toml`.

use super::files::{DirTemplates, collect_packs, write_file_atomically};
use super::out::say;
use super::{ExitStatus, Reporter};
use crate::diag::{Code, Diagnostic, SourceFile, SourceMap, Span};
use crate::lint::{self, Config};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// `.acrp` files, or directories to search for them.
    #[arg(default_value = "rulepacks")]
    pub paths: Vec<PathBuf>,
    /// Apply the machine-applicable fixes, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// The configuration file (default: `acrpc.toml` in the current
    /// directory or the nearest parent that has one).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `acrpc.toml` in `dir` or its nearest ancestor.
pub fn find_config(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("acrpc.toml"))
        .find(|p| p.is_file())
}

fn single(reporter: &Reporter, code: Code, name: &str, msg: String) {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(name, ""));
    reporter.report(&[Diagnostic::new(code, Span::new(id, 0, 0), msg)], &sources);
}

/// The configuration `--config` names, else the `acrpc.toml` found from the
/// current directory upwards, else the defaults; `Err((path, why))` when the
/// file cannot be read or parsed. Shared by `lint` and `lsp`.
pub fn load_config(explicit: Option<&Path>) -> Result<Config, (PathBuf, String)> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok().and_then(|d| find_config(&d)));
    let config = match path {
        None => Ok(Config::default()),
        Some(p) => std::fs::read_to_string(&p)
            .map_err(|e| e.to_string())
            .and_then(|t| Config::parse(&t))
            .map_err(|e| (p, e)),
    };
    config.map(|c| c.with_today(super::today()))
}

pub fn run(args: &LintArgs, reporter: &Reporter) -> ExitStatus {
    let config = match load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err((p, e)) => {
            single(
                reporter,
                Code::E0603,
                &p.display().to_string(),
                format!("invalid configuration {}: {e}", p.display()),
            );
            return ExitStatus::Error;
        }
    };
    let files = match collect_packs(&args.paths) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            let shown: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
            single(
                reporter,
                Code::E0902,
                &shown.join(", "),
                format!("no .acrp files in {}", shown.join(", ")),
            );
            return ExitStatus::Error;
        }
        Err((path, e)) => {
            let name = path.display().to_string();
            single(
                reporter,
                Code::E0901,
                &name,
                format!("cannot read `{name}`: {e}"),
            );
            return ExitStatus::Error;
        }
    };
    let mut status = ExitStatus::Success;
    let (mut found, mut fixed) = (0usize, 0usize);
    for path in &files {
        let name = path.display().to_string();
        let mut text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                single(
                    reporter,
                    Code::E0901,
                    &name,
                    format!("cannot read `{name}`: {e}"),
                );
                status = ExitStatus::Error;
                continue;
            }
        };
        let templates = DirTemplates {
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let run_all = |text: &str| {
            let mut sources = SourceMap::default();
            let id = sources.add(SourceFile::new(&name, text));
            let mut diags = lint::check_file(&sources, id, &templates, &config);
            diags.retain(|d| d.is_error() || config.enabled(d.code));
            (sources, diags)
        };
        let (mut sources, mut diags) = run_all(&text);
        if args.fix {
            let lints: Vec<Diagnostic> = diags
                .iter()
                .filter(|d| lint::is_lint(d.code))
                .cloned()
                .collect();
            let (new_text, n) = lint::apply_fixes(&text, &lints);
            if n > 0 && new_text != text {
                // Never write a fix that breaks the file.
                let (ast_ok, _) = {
                    let (_, d) = crate::syntax::parse(0, &new_text);
                    (!d.iter().any(Diagnostic::is_error), ())
                };
                if ast_ok {
                    if let Err(e) = write_file_atomically(path, &new_text) {
                        single(reporter, Code::E0903, &name, e.message());
                        status = ExitStatus::Error;
                        continue;
                    }
                    fixed += n;
                    text = new_text;
                    (sources, diags) = run_all(&text);
                }
            }
        }
        found += diags.len();
        reporter.report(&diags, &sources);
        if !diags.is_empty() && status == ExitStatus::Success {
            status = ExitStatus::Failure;
        }
    }
    // In JSON mode stderr carries only diagnostics, one object per line.
    if reporter.format == super::MessageFormat::Human {
        say!(
            "{found} problem{} in {} file{}{}",
            if found == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            if args.fix {
                format!(", {fixed} fixed")
            } else {
                String::new()
            }
        );
    }
    status
}
