//! The command line: argument parsing, file system access, printing and exit
//! codes. The only module that touches the outside world.

mod build;
mod check;
mod explain;
mod files;
mod fmt;
mod import;
mod lint;
mod lsp;
pub(crate) mod out;
mod publish;
mod test;

use crate::diag::render::{self, RenderOptions};
use crate::diag::{Diagnostic, SourceMap};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "acrpc", version, about = "Compile ACR security rule packs to Azure Policy", long_about = None)]
pub struct Cli {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    /// How to print diagnostics: for people, or one JSON object per line.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    pub message_format: MessageFormat,
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile rule packs to policy definitions, initiatives and checker rules.
    Build(build::BuildArgs),
    /// Predict Azure Policy's verdicts on templates, exports and plans.
    Check(check::CheckArgs),
    /// Explain a diagnostic code (`acrpc explain E0202`).
    Explain(explain::ExplainArgs),
    /// Publish the compiled definitions and initiatives to Azure.
    Publish(publish::PublishArgs),
    /// Rewrite rule packs in the canonical layout (`--check`: report only).
    Fmt(fmt::FmtArgs),
    /// Report style and semantic problems beyond compile errors (`--fix` applies fixes).
    Lint(lint::LintArgs),
    /// Turn Azure Policy JSON (files, or Azure with `--from-azure`) into a rule pack.
    Import(import::ImportArgs),
    /// Run the language server on stdin/stdout (for editors).
    Lsp(lsp::LspArgs),
    /// Run the `test` items of rule packs (`--coverage`, `--threshold`).
    Test(test::TestArgs),
    /// Print a shell completion script (`acrpc completions bash > …`).
    Completions(CompletionsArgs),
}

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MessageFormat {
    Human,
    Json,
}

/// Process exit status: 0 success, 1 problems in the input, 2 usage or I/O
/// errors. Mapped to a code in exactly one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        })
    }
}

/// Where diagnostics go and how they look.
pub struct Reporter {
    pub format: MessageFormat,
    pub render: RenderOptions,
}

impl Reporter {
    fn new(cli: &Cli) -> Reporter {
        let color = match cli.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Reporter {
            format: cli.message_format,
            render: RenderOptions { color, width: 100 },
        }
    }

    /// Prints diagnostics to stderr.
    pub fn report(&self, diags: &[Diagnostic], sources: &SourceMap) {
        let mut err = std::io::stderr().lock();
        for d in diags {
            let text = match self.format {
                MessageFormat::Human => render::render(d, sources, self.render),
                MessageFormat::Json => format!("{}\n", render::to_json(d, sources)),
            };
            // A closed stderr is not worth dying over.
            let _ = err.write_all(text.as_bytes());
        }
    }
}

/// Runs the command line; returns the exit status.
pub fn run() -> ExitStatus {
    let matches = Cli::command().version(version_text()).try_get_matches();
    let cli = match matches.and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitStatus::Success
                }
                _ => ExitStatus::Error,
            };
        }
    };
    let reporter = Reporter::new(&cli);
    match &cli.command {
        Command::Build(args) => build::run(args, &reporter),
        Command::Check(args) => check::run(args, &reporter),
        Command::Explain(args) => explain::run(args),
        Command::Publish(args) => publish::run(args, &reporter),
        Command::Fmt(args) => fmt::run(args, &reporter),
        Command::Lint(args) => lint::run(args, &reporter),
        Command::Import(args) => import::run(args, &reporter),
        Command::Lsp(args) => lsp::run(args, &reporter),
        Command::Completions(args) => completions(args.shell),
        Command::Test(args) => test::run(args, &reporter),
    }
}

/// `acrpc --version`: the crate version and the date of the catalog's
/// Azure API data, which decides what the compiler knows about ACR.
fn version_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| match crate::catalog::source_date() {
        Some(date) => format!("{} (catalog: ACR API {date})", env!("CARGO_PKG_VERSION")),
        None => env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Writes the completion script for `shell` to standard output.
fn completions(shell: clap_complete::Shell) -> ExitStatus {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "acrpc", &mut out);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|()| stdout.flush()) {
        Ok(()) => ExitStatus::Success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(e) => {
            eprintln!("error: cannot write the completion script: {e}");
            ExitStatus::Error
        }
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`, read from the clock here so that
/// `inputs`, `sema` and `check` take dates as arguments and stay pure.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    crate::inputs::suppress::date_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}
