//! `acrpc explain CODE`: the long explanation of a diagnostic code.

use super::ExitStatus;
use crate::diag::Code;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A diagnostic code such as E0202 or W0005; `all` lists every code.
    pub code: String,
}

pub fn run(args: &ExplainArgs) -> ExitStatus {
    if args.code.eq_ignore_ascii_case("all") {
        let mut out = std::io::stdout().lock();
        for c in Code::ALL {
            let info = c.info();
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(out, "{}  {:<24} {}", info.code, info.name, info.summary);
        }
        return ExitStatus::Success;
    }
    match Code::parse(&args.code) {
        Some(code) => {
            let page = code.explanation().map_or_else(
                || format!("{}: {}", code.as_str(), code.info().summary),
                str::to_string,
            );
            let _ = writeln!(std::io::stdout().lock(), "{page}");
            ExitStatus::Success
        }
        None => {
            eprintln!(
                "error: `{}` is not a diagnostic code; `acrpc explain all` lists them",
                args.code
            );
            ExitStatus::Error
        }
    }
}
