//! `acrpc lint`: every lint code has a fixture `tests/lint/<CODE>-<name>.acrp`
//! that reports it (snapshot in `golden/lint/`), fixes apply and remove what
//! they fix, `acrpc.toml` turns codes off, a broken config is E0603, and the
//! bundled packs are lint-clean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::diag::render::{RenderOptions, render};
use acrpc::diag::{Code, Diagnostic, SourceFile, SourceMap};
use acrpc::lint::{self, Config};
use acrpc::sema::NoTemplates;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<(PathBuf, Code)> {
    let mut out: Vec<(PathBuf, Code)> = std::fs::read_dir(root().join("tests/lint"))
        .expect("tests/lint")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "acrp"))
        .map(|p| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let code = Code::parse(stem.split('-').next().unwrap_or(""))
                .unwrap_or_else(|| panic!("{} must be named <CODE>-<name>.acrp", p.display()));
            (p, code)
        })
        .collect();
    out.sort();
    out
}

fn check(name: &str, text: &str, config: &Config) -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(name, text));
    let diags = lint::check_file(&sources, id, &NoTemplates, config);
    (sources, diags)
}

fn rendered(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            render(
                d,
                sources,
                RenderOptions {
                    color: false,
                    width: 100,
                },
            )
        })
        .collect()
}

#[test]
fn every_lint_code_has_a_fixture_that_reports_it() {
    let fixtures = fixtures();
    for rule in lint::RULES {
        assert!(
            fixtures.iter().any(|(_, c)| *c == rule.code),
            "{} has no fixture tests/lint/{}-<name>.acrp",
            rule.code.as_str(),
            rule.code.as_str()
        );
        assert!(
            rule.code.explanation().is_some(),
            "{} has no explain page",
            rule.code.as_str()
        );
    }
    for (path, code) in fixtures {
        let rel = format!(
            "tests/lint/{}",
            path.file_name().expect("name").to_string_lossy()
        );
        let text = std::fs::read_to_string(&path).expect("fixture");
        let (sources, diags) = check(&rel, &text, &Config::default());
        assert!(
            diags.iter().any(|d| d.code == code),
            "{rel} does not report {}: {:?}",
            code.as_str(),
            diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
        assert!(!diags.iter().any(Diagnostic::is_error), "{rel} has errors");
        // Turned off, the code is gone.
        let mut off = Config::default();
        off.disable(code);
        let (_, quiet) = check(&rel, &text, &off);
        assert!(
            !quiet.iter().any(|d| d.code == code),
            "{rel}: disabling {} did not",
            code.as_str()
        );
        insta::with_settings!({
            snapshot_path => "../golden/lint",
            prepend_module_to_snapshot => false,
            description => text.as_str(),
        }, {
            insta::assert_snapshot!(format!("lint__{}", path.file_name().expect("name").to_string_lossy()), rendered(&sources, &diags));
        });
    }
}

#[test]
fn fixes_apply_and_remove_what_they_fix() {
    let mut fixable = std::collections::BTreeSet::new();
    for (path, _) in fixtures() {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let (_, diags) = check("f.acrp", &text, &Config::default());
        let lints: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| lint::is_lint(d.code))
            .cloned()
            .collect();
        let with_fix = lints.iter().filter(|d| !d.suggestions.is_empty()).count();
        if with_fix == 0 {
            continue;
        }
        fixable.extend(
            lints
                .iter()
                .filter(|d| !d.suggestions.is_empty())
                .map(|d| d.code),
        );
        let (fixed, n) = lint::apply_fixes(&text, &lints);
        assert!(n > 0);
        let (_, after) = check("f.acrp", &fixed, &Config::default());
        assert!(
            !after.iter().any(Diagnostic::is_error),
            "{}: fix broke the file:\n{fixed}",
            path.display()
        );
        let left = after.iter().filter(|d| !d.suggestions.is_empty()).count();
        assert!(
            left < with_fix,
            "{}: fixes did not remove their findings:\n{fixed}",
            path.display()
        );
        insta::with_settings!({
            snapshot_path => "../golden/lint",
            prepend_module_to_snapshot => false,
            description => text.as_str(),
        }, {
            insta::assert_snapshot!(format!("fixed__{}", path.file_name().expect("name").to_string_lossy()), fixed);
        });
    }
    let expected: std::collections::BTreeSet<Code> = [
        Code::W0602,
        Code::W0605,
        Code::W0606,
        Code::W0610,
        Code::W1004,
    ]
    .into();
    assert_eq!(fixable, expected);
}

#[test]
fn the_bundled_packs_are_lint_clean() {
    let path = root().join("rulepacks/acr-baseline.acrp");
    let text = std::fs::read_to_string(&path).expect("baseline");
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new("rulepacks/acr-baseline.acrp", text));
    let templates = DirTemplates(root().join("rulepacks"));
    let diags = lint::check_file(&sources, id, &templates, &Config::default());
    assert!(diags.is_empty(), "{}", rendered(&sources, &diags));
}

struct DirTemplates(PathBuf);

impl acrpc::sema::Templates for DirTemplates {
    fn load(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

// ------------------------------------------------------------------ the command

fn acrpc(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("acrpc runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acrpc-lint-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn acrpc_toml_disables_codes_and_fix_rewrites() {
    let dir = scratch("config");
    let src = std::fs::read_to_string(root().join("tests/lint/W0606-like-without-wildcard.acrp"))
        .expect("fixture");
    std::fs::write(dir.join("p.acrp"), &src).expect("write");
    let out = acrpc(&dir, &["lint", "p.acrp", "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("W0606"));

    std::fs::write(dir.join("acrpc.toml"), "[lint]\ndisable = [\"W0606\"]\n").expect("write");
    let out = acrpc(&dir, &["lint", "p.acrp", "--color", "never"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::remove_file(dir.join("acrpc.toml")).expect("rm");
    let out = acrpc(&dir, &["lint", "p.acrp", "--fix", "--color", "never"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixed = std::fs::read_to_string(dir.join("p.acrp")).expect("read");
    assert!(
        fixed.contains("name == \"prod-registry\"") && fixed.contains("location != \"westeurope\""),
        "{fixed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_config_is_e0603() {
    let dir = scratch("broken");
    std::fs::write(
        dir.join("p.acrp"),
        "pack p { title \"P\" version \"1.0.0\" }\n",
    )
    .expect("write");
    for bad in [
        "[lint]\ndisable = [\"W9999\"]\n",
        "[lint\n",
        "[lint]\nskip = []\n",
    ] {
        std::fs::write(dir.join("acrpc.toml"), bad).expect("write");
        let out = acrpc(&dir, &["lint", "p.acrp", "--color", "never"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("E0603"),
            "{bad}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
