//! Golden tests over `tests/cases/`: one `.acrp` file per case.
//!
//! * `tests/cases/valid/*.acrp` must compile without errors; the snapshot holds
//!   any warnings and every emitted file.
//! * `tests/cases/invalid/<CODE>-<name>.acrp` must report `<CODE>`; the snapshot
//!   holds every diagnostic as the terminal shows it (no colour, width 100).
//! * Every code of the table has a case: a file above, a source generated
//!   here (too large to commit), or a run of the binary for the I/O errors
//!   (E09xx); the publish codes (E07xx) are triggered by `tests/publish.rs`. A new code without a case fails `every_code_has_a_case`.
//! * The binary, run on every invalid case, exits 1 or 2 (0 when the case has
//!   warnings only) and never panics, and writes nothing when it fails.
//!
//! Snapshots live in `golden/cases/`, named after the case path
//! (`invalid/E0202-unknown-property.acrp` → `invalid__E0202-unknown-property.acrp.snap`),
//! with the source as the snapshot's description. Update them with
//! `INSTA_UPDATE=always cargo test --test cases` or `cargo insta review`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::compile::compile_file;
use acrpc::diag::render::{RenderOptions, render};
use acrpc::diag::{Code, Diagnostic, SourceFile, SourceMap};
use acrpc::sema::{Options, Templates};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Codes tested by running the binary rather than compiling a file.
const CLI_CODES: &[Code] = &[Code::E0901, Code::E0902, Code::E0903];

/// The codes of `acrpc check` (E05xx, W05xx): each is triggered by a run of
/// the binary in `tests/check.rs::every_check_code_is_triggered`, which also
/// fails when one of them has no case there.
fn check_codes() -> impl Iterator<Item = Code> {
    Code::ALL
        .iter()
        .copied()
        .filter(|c| c.as_str()[1..].starts_with("05"))
}

/// Codes of `acrpc publish`: they need an Azure Resource Manager to talk to,
/// so `tests/publish.rs` triggers them against its loopback stand-in;
/// `every_publish_code_is_triggered` there runs one scenario per code and
/// fails when an E07xx code of the table has none.
const PUBLISH_CODES: &[Code] = &[
    Code::E0701,
    Code::E0702,
    Code::E0703,
    Code::E0704,
    Code::E0705,
    Code::E0706,
    Code::E0707,
    Code::E0708,
    // Issue 9 publish codes: E1040 by
    // `an_identity_without_principal_stops_before_its_role_assignments`,
    // W1020 by `a_renamed_rule_is_a_replace_with_a_warning`.
    Code::E1040,
    Code::W1020,
];

/// Codes about files acrpc must not replace or cannot read (issue 13),
/// each triggered by a run of the binary in `tests/file_safety.rs`:
/// E0030 by `build_replaces_only_its_own_output`, E0031 by
/// `check_output_is_never_an_input`, E0034 by `an_invalid_glob_is_e0034`.
const FILE_SAFETY_CODES: &[Code] = &[Code::E0030, Code::E0031, Code::E0034];

/// Codes of `acrpc import`, each triggered by a run of the binary:
/// E1201, E1202, E1208 by `input_that_is_not_policy_json_fails_and_writes_nothing`,
/// W1203-W1206 by `what_acrp_cannot_express_is_reported_and_left_out`
/// (tests/import.rs); E1207, E1209, E1210 by `import_from_azure_reads_back_what_publish_wrote`
/// and `import_builtin_by_name_or_display_name` (tests/publish.rs); E1218,
/// E1219 by `huge_sets_and_huge_inputs_fail_and_write_nothing` (tests/import.rs).
const IMPORT_CODES: &[Code] = &[
    Code::E1201,
    Code::E1202,
    Code::W1203,
    Code::W1204,
    Code::W1205,
    Code::W1206,
    Code::E1207,
    Code::E1208,
    Code::E1209,
    Code::E1210,
    Code::E1218,
    Code::E1219,
];

/// Codes of the authoring tools, each triggered by a test of its command:
/// E0601 by `fmt_check_exits_1_with_a_diff_and_fmt_rewrites` (tests/fmt.rs),
/// E0603 by `a_broken_config_is_e0603` (tests/lint.rs). Lint codes (W06xx) are
/// covered by `tests/lint/<CODE>-<name>.acrp`, which tests/lint.rs runs.
const AUTHORING_CODES: &[Code] = &[Code::E0601, Code::E0603];

/// Codes of `acrpc test` (E11xx), each triggered by a bad test file in
/// `bad_tests_get_coded_diagnostics_and_exit_1` (tests/ruletest.rs); E1113
/// by `filter_selects_whole_names_with_globs` there.
const RULETEST_CODES: &[Code] = &[
    Code::E1101,
    Code::E1102,
    Code::E1103,
    Code::E1104,
    Code::E1105,
    Code::E1106,
    Code::E1107,
    Code::E1108,
    Code::E1109,
    Code::E1110,
    Code::E1111,
    Code::E1112,
    Code::E1113,
];

/// Codes named by the lint fixtures `tests/lint/<CODE>-<name>.acrp`.
fn lint_fixture_codes() -> Vec<Code> {
    let dir = root().join("tests").join("lint");
    std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| code_of(&e.file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default()
}

/// Codes no input can trigger today, with the reason. A code stays here only
/// while that is true: `every_code_has_a_case` fails once a case reports it.
const NOT_TRIGGERABLE: &[(Code, &str)] = &[
    (
        Code::E0406,
        "reference ids are the member rule ids, and a rule included twice is W0009 and skipped, so two members never share a reference id",
    ),
    (
        Code::E0602,
        "the formatter's soundness guard: it only changes whitespace, and keeps the spacing around `(`, `[` and `.` where it decides between syntaxes, so no known input makes its output mean something else (tests/fmt.rs checks this over every pack and generated ones). The fmt fuzz target reached it once, through a parser gap (brackets before the first item were dropped silently), closed since: tests/crashes.rs keeps that input",
    ),
    (
        Code::E1401,
        "the parser's work-budget guard (64 pest calls per byte of an item, at least 20M): the most any known input takes is ~27 per byte; src/syntax/tests.rs checks the diagnostic with a forced small budget",
    ),
];

// ------------------------------------------------------------------ cases

struct Case {
    /// Path relative to the repository, with `/` (also the name in diagnostics).
    rel: String,
    /// Snapshot name: the path under `tests/cases/` with `/` → `__`.
    snapshot: String,
    /// The code an invalid case must report; `None` for valid cases.
    expected: Option<Code>,
    source: Source,
}

enum Source {
    /// A file under `tests/cases/`.
    File(PathBuf),
    /// Generated here; the string describes it in the snapshot.
    Generated { text: String, summary: String },
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The code named by an invalid case's file name (`E0202-unknown-property`).
fn code_of(file_stem: &str) -> Option<Code> {
    Code::parse(file_stem.split('-').next()?)
}

fn file_cases() -> Vec<Case> {
    let dir = root().join("tests").join("cases");
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("tests/cases is readable"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "acrp"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no cases under {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let under: Vec<String> = path
                .strip_prefix(&dir)
                .expect("under tests/cases")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let valid = under.first().is_some_and(|d| d == "valid");
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let expected = if valid {
                None
            } else {
                Some(code_of(&stem).unwrap_or_else(|| {
                    panic!(
                        "invalid case {} must be named <CODE>-<name>.acrp",
                        path.display()
                    )
                }))
            };
            Case {
                rel: format!("tests/cases/{}", under.join("/")),
                snapshot: under.join("__"),
                expected,
                source: Source::File(path),
            }
        })
        .collect()
}

const PACK: &str = "pack cases {\n  title   \"Generated case\"\n  version \"1.0.0\"\n}\n";

/// Cases whose source is too large to commit.
fn generated_cases() -> Vec<Case> {
    let mut cases = Vec::new();

    // E0402: 4097 condition expressions in `if` (Azure allows 4096).
    let leaves: Vec<String> = (0..4097).map(|i| format!("name != \"r{i}\"")).collect();
    let text = format!(
        "{PACK}\nrule r {{\n  title    \"A rule\"\n  practice network\n  severity high\n  target   registry\n  require  {}\n}}\n",
        leaves.join("\n       and ")
    );
    cases.push(Case {
        rel: "generated/E0402-if-too-large.acrp".into(),
        snapshot: "generated__E0402-if-too-large.acrp".into(),
        expected: Some(Code::E0402),
        source: Source::Generated {
            text,
            summary: "rule r { … require name != \"r0\" and … and name != \"r4096\" }: 4097 conditions plus the type test".into(),
        },
    });

    // E0407: an initiative with 1001 members (Azure allows 1000).
    let mut text = String::from(PACK);
    for i in 0..1001 {
        text.push_str(&format!(
            "\nrule r{i} {{\n  title    \"Rule {i}\"\n  practice network\n  severity low\n  target   registry\n  require  name != \"r{i}\"\n}}\n"
        ));
    }
    text.push_str("\ninitiative everything {\n  title \"Every rule\"\n  include all\n}\n");
    cases.push(Case {
        rel: "generated/E0407-too-many-members.acrp".into(),
        snapshot: "generated__E0407-too-many-members.acrp".into(),
        expected: Some(Code::E0407),
        source: Source::Generated {
            text,
            summary:
                "rules r0 … r1000, and `initiative everything { title \"Every rule\" include all }`"
                    .into(),
        },
    });
    cases
}

fn all_cases() -> Vec<Case> {
    let mut cases = file_cases();
    cases.extend(generated_cases());
    cases
}

// ------------------------------------------------------------------ compiling

/// Deploy templates read relative to the case file, with an error message
/// that does not depend on the machine.
struct CaseTemplates {
    base: Option<PathBuf>,
}

impl Templates for CaseTemplates {
    fn load(&self, path: &str) -> Result<String, String> {
        let Some(base) = &self.base else {
            return Err("generated cases have no templates".into());
        };
        std::fs::read_to_string(base.join(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".into(),
            kind => kind.to_string(),
        })
    }
}

/// What a case produced: its codes and the snapshot text.
struct Outcome {
    codes: Vec<Code>,
    errors: bool,
    snapshot: String,
}

fn compile_case(case: &Case) -> Outcome {
    let (text, base) = match &case.source {
        Source::File(path) => {
            let bytes = std::fs::read(path).expect("case is readable");
            match String::from_utf8(bytes) {
                Ok(t) => (t, path.parent().map(Path::to_path_buf)),
                // Decoding is the CLI's job (E0004): snapshot what it prints.
                Err(_) => return cli_outcome(case),
            }
        }
        Source::Generated { text, .. } => (text.clone(), None),
    };
    let mut sources = SourceMap::default();
    let opts = Options {
        env: case_option(&text, "env"),
        today: case_option(&text, "today"),
        ..Options::default()
    };
    let id = sources.add(SourceFile::new(case.rel.as_str(), text));
    let compiled = compile_file(&sources, id, &CaseTemplates { base }, &opts);
    let mut snapshot = render_all(&compiled.diagnostics, &sources);
    for f in compiled.files() {
        if !snapshot.is_empty() && !snapshot.ends_with("\n\n") {
            snapshot.push('\n');
        }
        snapshot.push_str(&format!("// {}\n{}", f.path, f.contents));
        if !f.contents.ends_with('\n') {
            snapshot.push('\n');
        }
    }
    Outcome {
        codes: compiled.diagnostics.iter().map(|d| d.code).collect(),
        errors: compiled.diagnostics.iter().any(Diagnostic::is_error),
        snapshot,
    }
}

/// A case's options, from a comment line `# <key>: <value>` (`env` is
/// `--env`; `today` pins the date that exemption expiry is checked against).
fn case_option(text: &str, key: &str) -> Option<String> {
    let prefix = format!("# {key}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().to_string())
}

fn render_all(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let opts = RenderOptions {
        color: false,
        width: 100,
    };
    diags
        .iter()
        .map(|d| render(d, sources, opts))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Snapshot of a case the library cannot take (a file that is not UTF-8):
/// the binary's own report, run from the repository with a relative path.
fn cli_outcome(case: &Case) -> Outcome {
    let out = TempDir::new("utf8");
    let human = acrpc(&["build", &case.rel, "--out", out.str(), "--color", "never"]);
    let json = acrpc(&[
        "build",
        &case.rel,
        "--out",
        out.str(),
        "--message-format",
        "json",
    ]);
    let codes = json_codes(&json);
    Outcome {
        errors: human.status.code() != Some(0),
        codes,
        snapshot: String::from_utf8_lossy(&human.stderr).into_owned(),
    }
}

// ------------------------------------------------------------------ the binary

fn acrpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("the acrpc binary runs")
}

/// The codes of `--message-format json` output (one object per stderr line).
fn json_codes(out: &Output) -> Vec<Code> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("code").and_then(|c| c.as_str()).and_then(Code::parse))
        .collect()
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("acrpc-cases-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn create(tag: &str) -> TempDir {
        let d = TempDir::new(tag);
        std::fs::create_dir_all(&d.0).expect("temp dir can be created");
        d
    }

    fn str(&self) -> &str {
        self.0.to_str().expect("temp dir path is UTF-8")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `dir` (relative paths), empty when it does not exist.
fn files_under(dir: &Path) -> Vec<String> {
    if !dir.exists() {
        return Vec::new();
    }
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path() != dir)
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .display()
                .to_string()
        })
        .collect()
}

// ------------------------------------------------------------------ tests

#[test]
fn cases_match_their_snapshots_and_codes() {
    let mut failures: Vec<String> = Vec::new();
    for case in all_cases() {
        let outcome = compile_case(&case);
        match case.expected {
            None if outcome.errors => failures.push(format!(
                "{}: a valid case has errors:\n{}",
                case.rel, outcome.snapshot
            )),
            Some(code) if !outcome.codes.contains(&code) => failures.push(format!(
                "{}: expected {}, got [{}]",
                case.rel,
                code.as_str(),
                outcome
                    .codes
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => {}
        }
        let description = match &case.source {
            Source::File(path) => {
                String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
            }
            Source::Generated { summary, .. } => format!("generated: {summary}"),
        };
        let snapshot = outcome.snapshot;
        let name = case.snapshot.clone();
        // Keep going after a mismatch so one run reports (and, with
        // INSTA_UPDATE, writes) every changed snapshot.
        let checked = std::panic::catch_unwind(move || {
            insta::with_settings!({
                snapshot_path => "../golden/cases",
                prepend_module_to_snapshot => false,
                description => description,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name, snapshot);
            });
        });
        if checked.is_err() {
            failures.push(format!("{}: snapshot differs", case.rel));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_code_has_a_case() {
    let covered: BTreeSet<Code> = all_cases()
        .iter()
        .filter_map(|c| c.expected)
        .chain(CLI_CODES.iter().copied())
        .chain(check_codes())
        .chain(PUBLISH_CODES.iter().copied())
        .chain(AUTHORING_CODES.iter().copied())
        .chain(RULETEST_CODES.iter().copied())
        .chain(FILE_SAFETY_CODES.iter().copied())
        .chain(BUILD_SCOPE_CODES.iter().copied())
        .chain(IMPORT_CODES.iter().copied())
        .chain(lint_fixture_codes())
        .collect();
    let mut missing = Vec::new();
    for code in Code::ALL.iter().copied().filter(|c| !c.info().removed) {
        let excused = NOT_TRIGGERABLE.iter().any(|(c, _)| *c == code);
        if covered.contains(&code) && excused {
            missing.push(format!(
                "{} has a case now: remove it from NOT_TRIGGERABLE",
                code.as_str()
            ));
        } else if !covered.contains(&code) && !excused {
            missing.push(format!(
                "{} ({}) has no case: add tests/cases/invalid/{}-<name>.acrp",
                code.as_str(),
                code.info().name,
                code.as_str()
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_binary_fails_cleanly_on_invalid_cases() {
    let mut failures: Vec<String> = Vec::new();
    let scratch = TempDir::create("generated");
    for case in all_cases() {
        let Some(expected) = case.expected else {
            continue;
        };
        let input = match &case.source {
            Source::File(_) => case.rel.clone(),
            Source::Generated { text, .. } => {
                let path = scratch.0.join(case.rel.replace('/', "__"));
                std::fs::write(&path, text).expect("generated case can be written");
                path.display().to_string()
            }
        };
        let out = TempDir::new("out");
        let env = match &case.source {
            Source::File(path) => std::fs::read_to_string(path)
                .ok()
                .and_then(|t| case_option(&t, "env")),
            Source::Generated { .. } => None,
        };
        let mut args = vec![
            "build",
            &input,
            "--out",
            out.str(),
            "--color",
            "never",
            "--message-format",
            "json",
        ];
        if let Some(e) = &env {
            args.extend(["--env", e.as_str()]);
        }
        let result = acrpc(&args);
        let codes = json_codes(&result);
        let status = result.status.code();
        let errors = codes
            .iter()
            .any(|c| c.info().severity == acrpc::diag::Severity::Error);
        let written = files_under(&out.0);
        if !codes.contains(&expected) {
            failures.push(format!(
                "{}: the binary did not report {}",
                case.rel,
                expected.as_str()
            ));
        }
        if errors {
            if !matches!(status, Some(1 | 2)) {
                failures.push(format!(
                    "{}: exit status {status:?}, expected 1 or 2",
                    case.rel
                ));
            }
            if !written.is_empty() {
                failures.push(format!("{}: wrote {written:?} despite errors", case.rel));
            }
        } else {
            // Warnings only: the build succeeds and leaves no staging files.
            if status != Some(0) {
                failures.push(format!(
                    "{}: exit status {status:?} with warnings only",
                    case.rel
                ));
            }
            // `.acrpc-output` is the marker of acrpc's own folders, not staging.
            if written
                .iter()
                .any(|f| f.contains(".acrpc-") && !f.ends_with(".acrpc-output"))
            {
                failures.push(format!("{}: left staging files {written:?}", case.rel));
            }
        }
        if status == Some(101) || String::from_utf8_lossy(&result.stderr).contains("panicked") {
            failures.push(format!("{}: the binary panicked", case.rel));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// E0901–E0903 are about the file system, not about a pack.
/// W1002 is printed by `acrpc build` itself: triggered by
/// `build_scope_is_checked_and_its_absence_warned`.
const BUILD_SCOPE_CODES: &[Code] = &[Code::W1002, Code::W1005];

/// W1005: `--target arm` cannot deploy an assignment at resource-group
/// scope, Terraform has no argument for a definition version; each is
/// printed (and the build succeeds, the files list them too).
#[test]
fn build_warns_about_placements_a_target_cannot_carry() {
    let case = "tests/cases/valid/assignments-and-exemptions.acrp";
    let mut shown = String::new();
    for target in ["arm", "bicep", "terraform", "epac"] {
        let out = TempDir::new("out");
        let r = acrpc(&[
            "build",
            case,
            "--out",
            out.str(),
            "--target",
            target,
            "--color",
            "never",
        ]);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(0), "{stderr}");
        assert_eq!(stderr.contains("W1005"), target != "epac", "{stderr}");
        shown.push_str(&format!("--target {target}:\n{stderr}\n"));
    }
    insta::with_settings!({
        snapshot_path => "../golden/cases",
        prepend_module_to_snapshot => false,
        description => case,
    }, {
        insta::assert_snapshot!("W1005-placement-not-in-target", shown);
    });
}

/// `acrpc build --scope garbage` is E1008 with exit 2 and writes nothing
/// (it used to write `garbage/providers/…` ids); a build without any scope
/// warns once (W1002) that ids keep `{scope}`, and succeeds.
#[test]
fn build_scope_is_checked_and_its_absence_warned() {
    let valid = "rulepacks/acr-baseline.acrp";
    let out = TempDir::new("out");
    let bad = acrpc(&[
        "build",
        valid,
        "--out",
        out.str(),
        "--scope",
        "garbage",
        "--color",
        "never",
    ]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("E1008"), "{stderr}");
    assert!(files_under(&out.0).is_empty());

    let ok = acrpc(&["build", valid, "--out", out.str(), "--color", "never"]);
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert_eq!(ok.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("W1002").count(), 1, "{stderr}");

    let scoped = TempDir::new("scoped");
    let sub = "/subscriptions/00000000-0000-0000-0000-000000000000";
    let ok = acrpc(&[
        "build",
        valid,
        "--out",
        scoped.str(),
        "--scope",
        sub,
        "--color",
        "never",
    ]);
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert_eq!(ok.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("W1002"), "{stderr}");
}

/// `--env` is not in any file: an unknown one is E1012 printed without a
/// snippet of the pack (it used to show the pack's first line). A known one
/// whose environment has a scope fills every `{scope}` (the definitions are
/// deployed there), so W1002 is not printed.
#[test]
fn build_env_errors_have_no_snippet_and_its_scope_fills_ids() {
    let valid = "rulepacks/acr-baseline.acrp";
    let out = TempDir::new("out");
    let bad = acrpc(&[
        "build",
        valid,
        "--out",
        out.str(),
        "--env",
        "UNKNOWN",
        "--color",
        "never",
    ]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("E1012"), "{stderr}");
    assert!(stderr.contains("its environments: dev, prod"), "{stderr}");
    assert!(
        !stderr.contains('╭'),
        "a snippet for a command-line value:\n{stderr}"
    );
    assert!(files_under(&out.0).is_empty());

    let ok = acrpc(&[
        "build",
        valid,
        "--out",
        out.str(),
        "--env",
        "prod",
        "--color",
        "never",
    ]);
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert_eq!(ok.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("W1002"), "{stderr}");
    for f in files_under(&out.0) {
        let text = std::fs::read_to_string(out.0.join(&f)).unwrap_or_default();
        assert!(!text.contains("{scope}"), "{f} keeps {{scope}}");
    }
}

#[test]
fn io_errors_exit_with_status_2() {
    let valid = "tests/cases/valid/fix-and-modify.acrp";
    let check = |what: &str, out: Output, code: Code| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(code.as_str()),
            "{what}: expected {} in\n{stderr}",
            code.as_str()
        );
    };
    assert_eq!(CLI_CODES, [Code::E0901, Code::E0902, Code::E0903]);

    // E0901: a path that does not exist.
    let missing = TempDir::new("missing");
    let out = TempDir::new("out");
    check(
        "missing path",
        acrpc(&[
            "build",
            missing.str(),
            "--out",
            out.str(),
            "--color",
            "never",
        ]),
        Code::E0901,
    );
    assert!(files_under(&out.0).is_empty());

    // E0902: a directory without .acrp files.
    let empty = TempDir::create("empty");
    std::fs::write(empty.0.join("README.md"), "no packs here\n").expect("write");
    check(
        "empty directory",
        acrpc(&["build", empty.str(), "--out", out.str(), "--color", "never"]),
        Code::E0902,
    );
    assert!(files_under(&out.0).is_empty());

    // E0903: the output directory is an existing file.
    let dir = TempDir::create("file-out");
    let file = dir.0.join("dist");
    std::fs::write(&file, "a file, not a directory\n").expect("write");
    let file_str = file.to_str().expect("UTF-8 temp path");
    check(
        "output is a file",
        acrpc(&["build", valid, "--out", file_str, "--color", "never"]),
        Code::E0903,
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("still a file"),
        "a file, not a directory\n"
    );

    // The same input builds when the output is writable.
    let ok = acrpc(&["build", valid, "--out", out.str(), "--color", "never"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(!files_under(&out.0).is_empty());
}
