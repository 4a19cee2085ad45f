#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test
//! The command line itself: `--version`, `completions`, `check --help`.

use std::process::Command;

fn acrpc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .output()
        .expect("run acrpc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn version_names_the_catalog_date() {
    let (code, out) = acrpc(&["--version"]);
    assert_eq!(code, 0);
    let date = acrpc::catalog::source_date().expect("the catalog has a source date");
    assert_eq!(
        out.trim(),
        format!(
            "acrpc {} (catalog: ACR API {date})",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _acrpc"),
        ("zsh", "#compdef acrpc"),
        ("fish", "complete -c acrpc"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (code, out) = acrpc(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(out.contains(marker), "{shell}: no `{marker}`");
        assert!(out.contains("check") && out.contains("--rules"), "{shell}");
    }
    let (code, _) = acrpc(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn check_help_says_the_bundled_baseline_is_the_default() {
    let (code, out) = acrpc(&["check", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("the bundled ACR baseline is checked"), "{out}");
}
