use std::process::ExitCode;

fn main() -> ExitCode {
    acrpc::cli::run().into()
}
