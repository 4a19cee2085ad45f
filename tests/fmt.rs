//! `acrpc fmt`: idempotence over every `.acrp` in the repository and over
//! generated inputs, preservation of every token (comments and strings
//! included), the bundled packs already formatted, refusal of files with
//! syntax errors, and `--check`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::fmt::{format, token_texts};
use acrpc::syntax;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.acrp` file of the repository (rule packs, built-ins, cases,
/// fixtures), outside `target/` and hidden directories.
fn repo_packs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root())
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            !(n.starts_with('.') && e.depth() > 0) && n != "target" && n != "node_modules"
        })
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "acrp"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    out.sort();
    out
}

/// Files that parse (the formatter refuses the others).
fn parseable() -> Vec<(PathBuf, String)> {
    repo_packs()
        .into_iter()
        .filter_map(|p| {
            let text = String::from_utf8(std::fs::read(&p).ok()?).ok()?;
            let (_, diags) = syntax::parse(0, &text);
            (!diags.iter().any(|d| d.is_error())).then_some((p, text))
        })
        .collect()
}

fn fmt_ok(name: &Path, text: &str) -> String {
    match format(0, text) {
        Ok(s) => s,
        Err(d) => panic!(
            "{}: format failed: {:?}",
            name.display(),
            d.iter().map(|d| (d.code, &d.message)).collect::<Vec<_>>()
        ),
    }
}

/// Asserts what every formatting must guarantee.
fn check_properties(name: &Path, text: &str) -> String {
    let once = fmt_ok(name, text);
    let twice = fmt_ok(name, &once);
    assert_eq!(
        once,
        twice,
        "{}: formatting is not idempotent",
        name.display()
    );
    assert_eq!(
        token_texts(text),
        token_texts(&once),
        "{}: formatting changed a token",
        name.display()
    );
    // Independent of the tokenizer: outside whitespace, not one character
    // changed (strings and comments included).
    let squeeze = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    assert_eq!(
        squeeze(text),
        squeeze(&once),
        "{}: a character changed",
        name.display()
    );
    once
}

#[test]
fn every_pack_in_the_repository_formats_idempotently_and_keeps_its_tokens() {
    let files = parseable();
    assert!(
        files.len() > 50,
        "only {} parseable .acrp files found",
        files.len()
    );
    for (path, text) in &files {
        check_properties(path, text);
    }
}

#[test]
fn the_bundled_packs_are_already_formatted() {
    for (path, text) in parseable() {
        if path.starts_with(root().join("rulepacks")) {
            assert_eq!(
                fmt_ok(&path, &text),
                text,
                "{} is not formatted",
                path.display()
            );
        }
    }
}

#[test]
fn the_messy_fixture_gets_the_canonical_layout() {
    let path = root().join("tests/fmt/messy.acrp");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let out = check_properties(&path, &text);
    assert!(
        out.ends_with("}\n\n# the end\n"),
        "a blank line after an item, one final newline"
    );
    insta::with_settings!({
        snapshot_path => "../golden/fmt",
        prepend_module_to_snapshot => false,
        description => text.as_str(),
    }, {
        insta::assert_snapshot!("fmt__messy.acrp", out);
    });
}

// ------------------------------------------------------------------ generated inputs

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Re-joins the tokens of `text` with different whitespace: gaps with a line
/// break get another line break (1–3), gaps with spaces get 1–4 spaces or a
/// tab, empty gaps stay empty (`tags["x"]` and `tags ["x"]` differ). With
/// `breaks`, some same-line gaps become line breaks too (never after a
/// token that would then end a comment's line early).
fn scramble(text: &str, rng: &mut Rng, breaks: bool) -> String {
    let toks = acrpc::syntax::tokens::tokenize(text);
    let mut out = String::new();
    let mut prev_end = 0;
    for t in &toks {
        let gap = &text[prev_end..t.start];
        if prev_end > 0 || !gap.is_empty() {
            if gap.contains('\n') {
                let n = 1 + rng.pick(3) as usize;
                out.push_str(&"\n".repeat(n));
                out.push_str(&" ".repeat(rng.pick(9) as usize));
            } else if !gap.is_empty() {
                if breaks && rng.pick(6) == 0 && t.kind != acrpc::syntax::tokens::TokenKind::Comment
                {
                    out.push('\n');
                    out.push_str(&" ".repeat(rng.pick(9) as usize));
                } else if rng.pick(5) == 0 {
                    out.push('\t');
                } else {
                    out.push_str(&" ".repeat(1 + rng.pick(4) as usize));
                }
            }
        }
        out.push_str(t.text(text));
        prev_end = t.end;
    }
    out.push('\n');
    out
}

#[test]
fn horizontal_whitespace_does_not_change_the_result() {
    let mut rng = Rng(0x5eed_acc0_1234_5678);
    for (path, text) in parseable() {
        let canonical = fmt_ok(&path, &text);
        for _ in 0..3 {
            let scrambled = scramble(&text, &mut rng, false);
            // Blank lines may differ (1–3 line breaks collapse to 0 or 1
            // blank line): compare with blank lines collapsed.
            let from_scrambled = check_properties(&path, &scrambled);
            // A byte-order mark is encoding, not layout: the scrambler may
            // move it off the file's start, where it stops being one.
            let squash = |s: &str| {
                s.trim_start_matches('\u{FEFF}')
                    .lines()
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(
                squash(&from_scrambled),
                squash(&canonical),
                "{}: the layout depends on spacing\n--- scrambled input:\n{scrambled}",
                path.display()
            );
        }
    }
}

#[test]
fn generated_line_breaks_keep_meaning_and_stay_idempotent() {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    for (path, text) in parseable() {
        for _ in 0..3 {
            let scrambled = scramble(&text, &mut rng, true);
            let (_, diags) = syntax::parse(0, &scrambled);
            if diags.iter().any(|d| d.is_error()) {
                // A line break may land inside something line-sensitive; the
                // formatter must then refuse, not guess.
                assert!(format(0, &scrambled).is_err());
                continue;
            }
            check_properties(&path, &scrambled);
        }
    }
}

// ------------------------------------------------------------------ the command

fn acrpc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .output()
        .expect("acrpc runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acrpc-fmt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn fmt_check_exits_1_with_a_diff_and_fmt_rewrites() {
    let dir = scratch("check");
    let file = dir.join("p.acrp");
    let messy = "pack p { title \"P\" version \"1.0.0\" }\nrule r { title \"R\"  practice network severity high target registry require name!=\"x\" }\n";
    std::fs::write(&file, messy).expect("write");
    let f = file.to_str().expect("utf-8 path");
    let out = acrpc(&["fmt", "--check", "--color", "never", f]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("-rule r { title \"R\"") && stdout.contains("+  require     name != \"x\""),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0601"));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        messy,
        "--check wrote"
    );

    let out = acrpc(&["fmt", f]);
    assert_eq!(out.status.code(), Some(0));
    let formatted = std::fs::read_to_string(&file).expect("read");
    assert_eq!(formatted, format(0, messy).expect("formats"));
    let out = acrpc(&["fmt", "--check", f]);
    assert_eq!(out.status.code(), Some(0), "formatted file passes --check");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fmt_refuses_a_file_with_syntax_errors_and_leaves_it_untouched() {
    let dir = scratch("refuse");
    let file = dir.join("bad.acrp");
    let bad = "pack p { title \"P\" version \"1.0.0\" }\nrule r {   require a = 1 }\n";
    std::fs::write(&file, bad).expect("write");
    let out = acrpc(&["fmt", "--color", "never", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0001"));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), bad);
    let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file saved on Windows (byte-order mark, CRLF) builds, formats and lints
/// like its LF twin: same output files, same diagnostics, and `fmt` keeps the
/// BOM and the line ends (a formatted CRLF file is left as it is).
#[test]
fn bom_and_crlf_files_behave_like_their_lf_twins() {
    use acrpc::compile::compile_str;
    let windows = std::fs::read_to_string(root().join("tests/cases/valid/bom-crlf.acrp")).unwrap();
    assert!(windows.starts_with('\u{FEFF}') && windows.contains("\r\n"));
    let lf = windows.trim_start_matches('\u{FEFF}').replace("\r\n", "\n");
    let crlf_only = lf.replace('\n', "\r\n");
    let bom_only = format!("\u{FEFF}{lf}");

    let templates = acrpc::sema::NoTemplates;
    let (_, lf_out) = compile_str("t.acrp", &lf, &templates);
    assert!(lf_out.diagnostics.is_empty(), "{:#?}", lf_out.diagnostics);
    for twin in [&windows, &crlf_only, &bom_only] {
        let (_, out) = compile_str("t.acrp", twin, &templates);
        assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
        let files = |c: &acrpc::compile::Compiled| {
            c.files()
                .into_iter()
                .map(|f| format!("{f:?}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(files(&out), files(&lf_out));

        // Formatted already: unchanged, byte for byte.
        assert_eq!(&format(0, twin).unwrap(), twin);

        // Lint: the same codes at the same lines.
        let lint = |text: &str| {
            let (ast, _) = syntax::parse(0, text);
            let mut d: Vec<(String, usize)> =
                acrpc::lint::lint(0, text, &ast, &acrpc::lint::Config::default())
                    .into_iter()
                    .map(|d| {
                        let line = text[..d.primary.span.start as usize].matches('\n').count();
                        (d.code.as_str().to_string(), line)
                    })
                    .collect();
            d.sort();
            d
        };
        assert_eq!(lint(twin), lint(&lf));
    }
    // An unformatted CRLF file is formatted with CRLF, keeping its BOM.
    let messy = windows.replace("title       \"Admin", "title \"Admin");
    let fixed = format(0, &messy).unwrap();
    assert_eq!(fixed, windows);
}

/// `controls[ "MCSB IM-1" ]` formats in one pass (issue 13, item 20).
#[test]
fn a_list_glued_to_its_key_formats_in_one_pass() {
    let src = "pack p {\n  title \"P\"\n  version \"1.0.0\"\n  controls[ \"MCSB IM-1\" ]\n}\n";
    let once = format(0, src).unwrap();
    assert!(once.contains("controls    [\"MCSB IM-1\"]"), "{once}");
    assert_eq!(format(0, &once).unwrap(), once);
}
