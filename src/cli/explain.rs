//! `acrpc explain CODE`: the long explanation of a diagnostic code.

use super::ExitStatus;
use crate::diag::Code;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A diagnostic code such as E0202 or W0005; `all` lists every code.
    pub code: String,
}

pub fn run(args: &ExplainArgs) -> ExitStatus {
    if args.code.eq_ignore_ascii_case("all") {
        for c in Code::ALL {
            let info = c.info();
            println!("{}  {:<24} {}", info.code, info.name, info.summary);
        }
        return ExitStatus::Success;
    }
    match Code::parse(&args.code) {
        Some(code) => {
            match code.explanation() {
                Some(page) => println!("{page}"),
                None => println!("{}: {}", code.as_str(), code.info().summary),
            }
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
