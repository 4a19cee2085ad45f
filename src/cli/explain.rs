//! `acrpc explain CODE`: the long explanation of a diagnostic code.

use super::ExitStatus;
use super::out::{self, say};
use crate::diag::Code;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A diagnostic code such as E0202 or W0005; `all` lists every code.
    pub code: String,
}

pub fn run(args: &ExplainArgs) -> ExitStatus {
    if args.code.eq_ignore_ascii_case("all") {
        let mut list = String::new();
        for c in Code::ALL {
            let info = c.info();
            list.push_str(&format!(
                "{}  {:<24} {}\n",
                info.code, info.name, info.summary
            ));
        }
        return out::finish(&list, ExitStatus::Success);
    }
    match Code::parse(&args.code) {
        Some(code) => {
            let page = code.explanation().map_or_else(
                || format!("{}: {}", code.as_str(), code.info().summary),
                str::to_string,
            );
            out::finish(&format!("{page}\n"), ExitStatus::Success)
        }
        None => {
            say!(
                "error: `{}` is not a diagnostic code; `acrpc explain all` lists them",
                args.code
            );
            ExitStatus::Error
        }
    }
}
