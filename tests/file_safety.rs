//! acrpc never loses a user's file (issue 13, items 5–9): the binary is run
//! against real folders, symbolic links, hard links and devices in a
//! temporary directory, and every test checks what is on disk afterwards.
//!
//! `every_file_safety_code_is_triggered` covers E0030, E0031 and E0034 for
//! `tests/cases.rs::every_code_has_a_case`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "acrpc-safety-{}-{}-{tag}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn acrpc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const PACK: &str = "pack acr-rules {\n  title   \"Rules\"\n  version \"1.0.0\"\n}\n\nrule admin-user-disabled {\n  title    \"Registries have the admin user disabled\"\n  practice entra-id\n  severity high\n  target   registry\n  require  adminUserEnabled != true\n}\n";

/// An unformatted variant of [`PACK`] (`fmt` changes it).
const UNFORMATTED: &str = "pack acr-rules {\n  title   \"Rules\"\n  version \"1.0.0\"\n}\n\nrule admin-user-disabled {\n  title    \"Registries have the admin user disabled\"\n  practice entra-id\n  severity high\n  target   registry\n  require  adminUserEnabled   !=   true\n}\n";

const TEMPLATE: &str = r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0","resources":[{"type":"Microsoft.ContainerRegistry/registries","apiVersion":"2023-07-01","name":"r<x","location":"westeurope","sku":{"name":"Basic"},"properties":{"adminUserEnabled":true}}]}"#;

/// Issue 13 item 6: `build --out .` with the pack id equal to the source
/// folder's name replaced the source folder.
#[test]
fn build_never_replaces_the_source_folder() {
    let t = TempDir::new("source");
    std::fs::create_dir_all(t.path("acr-rules")).expect("mkdir");
    std::fs::write(t.path("acr-rules/rules.acrp"), PACK).expect("write");
    std::fs::write(t.path("acr-rules/notes.md"), "mine\n").expect("write");
    let out = acrpc(&t.0, &["build", "acr-rules", "--out", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0031"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(t.path("acr-rules/rules.acrp")).expect("source kept"),
        PACK
    );
    assert!(t.path("acr-rules/notes.md").exists());
}

/// Issue 13 items 6 and 9: a folder (or a file) at `OUT/<pack>` that acrpc
/// did not write is left alone; acrpc's own output is replaced.
#[test]
fn build_replaces_only_its_own_output() {
    let t = TempDir::new("marker");
    std::fs::write(t.path("rules.acrp"), PACK).expect("write");
    std::fs::create_dir_all(t.path("dist/acr-rules")).expect("mkdir");
    std::fs::write(t.path("dist/acr-rules/keep.txt"), "mine\n").expect("write");
    let out = acrpc(&t.0, &["build", "rules.acrp", "--out", "dist"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0030"), "{}", stderr(&out));
    assert!(t.path("dist/acr-rules/keep.txt").exists());

    // A regular file in the pack folder's place (item 9): refused, kept,
    // and nothing is left beside it.
    std::fs::remove_dir_all(t.path("dist")).expect("rm");
    std::fs::create_dir_all(t.path("dist")).expect("mkdir");
    std::fs::write(t.path("dist/acr-rules"), "a file\n").expect("write");
    let out = acrpc(&t.0, &["build", "rules.acrp", "--out", "dist"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0030"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(t.path("dist/acr-rules")).expect("kept"),
        "a file\n"
    );
    let names: Vec<String> = std::fs::read_dir(t.path("dist"))
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["acr-rules".to_string()],
        "left behind: {names:?}"
    );

    // acrpc's own output (with its marker) is replaced, build after build.
    std::fs::remove_dir_all(t.path("dist")).expect("rm");
    for _ in 0..2 {
        let out = acrpc(&t.0, &["build", "rules.acrp", "--out", "dist"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert!(t.path("dist/acr-rules/.acrpc-output").is_file());
    assert!(t.path("dist/acr-rules/checker.json").is_file());
}

/// An output written by acrpc before the marker existed (README's first
/// command on an existing checkout) is recognised by its layout and
/// replaced; one extra file of the user's makes it not ours.
#[test]
fn build_replaces_an_unmarked_output_of_an_earlier_version() {
    let t = TempDir::new("legacy");
    std::fs::write(t.path("rules.acrp"), PACK).expect("write");
    let out = acrpc(&t.0, &["build", "rules.acrp", "--out", "dist"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_file(t.path("dist/acr-rules/.acrpc-output")).expect("unmark");
    // A definition of a rule since removed is still of the layout.
    std::fs::write(
        t.path("dist/acr-rules/policyDefinitions/old-rule.json"),
        "{}\n",
    )
    .expect("write");
    let out = acrpc(&t.0, &["build", "rules.acrp", "--out", "dist"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(t.path("dist/acr-rules/.acrpc-output").is_file());
    assert!(
        !t.path("dist/acr-rules/policyDefinitions/old-rule.json")
            .exists()
    );

    std::fs::remove_file(t.path("dist/acr-rules/.acrpc-output")).expect("unmark");
    for (extra, what) in [
        ("dist/acr-rules/notes.txt", "a file of another kind"),
        (
            "dist/acr-rules/policyDefinitions/rules.acrp",
            "a source file",
        ),
        ("dist/acr-rules/.hidden.json", "a hidden file"),
        (
            "dist/acr-rules/mine.json",
            "a top-level name acrpc does not write",
        ),
    ] {
        std::fs::write(t.path(extra), "mine\n").expect("write");
        let out = acrpc(&t.0, &["build", "rules.acrp", "--out", "dist"]);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        assert!(stderr(&out).contains("E0030"), "{what}: {}", stderr(&out));
        assert!(t.path(extra).exists(), "{what} lost");
        std::fs::remove_file(t.path(extra)).expect("rm");
    }
}

fn check(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", "main.json", "--pack", "rules.acrp"];
    args.extend_from_slice(extra);
    acrpc(dir, &args)
}

fn check_dir() -> TempDir {
    let t = TempDir::new("check");
    std::fs::write(t.path("rules.acrp"), PACK).expect("write");
    std::fs::write(t.path("main.json"), TEMPLATE).expect("write");
    t
}

/// Issue 13 item 7: `check -o` an input is refused; the input is intact.
#[test]
fn check_output_is_never_an_input() {
    let t = check_dir();
    for target in ["main.json", "rules.acrp", "./main.json"] {
        let out = check(&t.0, &["-o", target]);
        assert_eq!(out.status.code(), Some(2), "{target}: {}", stderr(&out));
        assert!(stderr(&out).contains("E0031"), "{}", stderr(&out));
    }
    assert_eq!(
        std::fs::read_to_string(t.path("main.json")).expect("read"),
        TEMPLATE
    );
    assert_eq!(
        std::fs::read_to_string(t.path("rules.acrp")).expect("read"),
        PACK
    );
}

/// Issue 13 item 7: `check -o LINK` writes the link's target and keeps the
/// link; `-o /dev/null` (a character device) stays a device.
#[cfg(unix)]
#[test]
fn check_output_follows_links_and_writes_into_devices() {
    use std::os::unix::fs::{FileTypeExt, symlink};
    let t = check_dir();
    std::fs::write(t.path("report.txt"), "old\n").expect("write");
    symlink("report.txt", t.path("link.txt")).expect("symlink");
    let out = check(&t.0, &["-o", "link.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let link = std::fs::symlink_metadata(t.path("link.txt")).expect("link");
    assert!(link.file_type().is_symlink(), "the link became a file");
    let report = std::fs::read_to_string(t.path("report.txt")).expect("read");
    assert!(report.contains("admin-user-disabled"), "{report}");

    // A link to an input is refused like the input itself.
    symlink("main.json", t.path("to-input.json")).expect("symlink");
    let out = check(&t.0, &["-o", "to-input.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(t.path("main.json")).expect("read"),
        TEMPLATE
    );

    // /proc/self/fd/1 is a link to the pipe of standard output: the report
    // goes into the pipe, nothing replaces the link.
    if Path::new("/proc/self/fd/1").exists() {
        let out = check(&t.0, &["-o", "/proc/self/fd/1"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(report.contains("admin-user-disabled"), "{report}");
    }

    let out = check(&t.0, &["-o", "/dev/null"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let null = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(null.file_type().is_char_device());
}

/// Issue 13 item 8: `fmt` and `lint --fix` write through a symbolic link
/// to the real file and keep hard links shared.
#[cfg(unix)]
#[test]
fn fmt_writes_through_links() {
    use std::os::unix::fs::{MetadataExt, symlink};
    let t = TempDir::new("fmt");
    // What `fmt` makes of the text, on a plain file.
    std::fs::write(t.path("plain.acrp"), UNFORMATTED).expect("write");
    let plain = acrpc(&t.0, &["fmt", "plain.acrp"]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let formatted = std::fs::read_to_string(t.path("plain.acrp")).expect("read");
    assert_ne!(formatted, UNFORMATTED);
    std::fs::create_dir_all(t.path("real")).expect("mkdir");
    std::fs::write(t.path("real/rules.acrp"), UNFORMATTED).expect("write");
    symlink("real/rules.acrp", t.path("linked.acrp")).expect("symlink");
    let out = acrpc(&t.0, &["fmt", "linked.acrp"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let link = std::fs::symlink_metadata(t.path("linked.acrp")).expect("link");
    assert!(link.file_type().is_symlink(), "the link became a copy");
    assert_eq!(
        std::fs::read_to_string(t.path("real/rules.acrp")).expect("read"),
        formatted,
        "the real file was not formatted"
    );

    std::fs::write(t.path("real/rules.acrp"), UNFORMATTED).expect("write");
    std::fs::hard_link(t.path("real/rules.acrp"), t.path("hard.acrp")).expect("hard link");
    let ino = std::fs::metadata(t.path("hard.acrp")).expect("meta").ino();
    let out = acrpc(&t.0, &["fmt", "hard.acrp"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(t.path("hard.acrp")).expect("meta").ino(),
        ino
    );
    assert_eq!(
        std::fs::read_to_string(t.path("real/rules.acrp")).expect("read"),
        formatted,
        "the other name of the hard link still has the old text"
    );
    // `lint --fix` writes the same way (`files::write_file_atomically`).
    let fixable = "pack acr-rules {\n  title \"Rules\"\n  version \"1.0.0\"\n}\n\nrule deny-only {\n  title \"Public network access disabled\"\n  description \"Private endpoints only.\"\n  practice network\n  severity high\n  controls [\"MCSB NS-2\"]\n  target registry\n  effect deny | disabled = deny\n  require publicNetworkAccess == \"Disabled\"\n}\n";
    std::fs::write(t.path("real/rules.acrp"), fixable).expect("write");
    let out = acrpc(&t.0, &["lint", "--fix", "linked.acrp"]);
    let link = std::fs::symlink_metadata(t.path("linked.acrp")).expect("link");
    assert!(
        link.file_type().is_symlink(),
        "lint --fix replaced the link: {}",
        stderr(&out)
    );
    let fixed = std::fs::read_to_string(t.path("real/rules.acrp")).expect("read");
    assert!(
        fixed.contains("audit | deny"),
        "W0602's fix did not reach the real file: {fixed}"
    );
    let leftovers: Vec<String> = std::fs::read_dir(&t.0)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("acrpc-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Issue 13 item 5: a deploy template reached through a symbolic link that
/// leaves the pack's folder is refused (absolute and `..` paths are E0032,
/// see tests/cases/invalid/E0032-*).
#[cfg(unix)]
#[test]
fn deploy_templates_stay_in_the_pack_folder() {
    let t = TempDir::new("deploy");
    std::fs::create_dir_all(t.path("pack/templates")).expect("mkdir");
    std::fs::write(t.path("secret.json"), r#"{"resources":[]}"#).expect("write");
    std::os::unix::fs::symlink("../../secret.json", t.path("pack/templates/x.json"))
        .expect("symlink");
    let pack = "pack p {\n  title \"P\"\n  version \"1.0.0\"\n}\n\nrule r {\n  title    \"A rule\"\n  practice network\n  severity high\n  target   registry\n  param workspaceId: string\n  require related \"Microsoft.Insights/diagnosticSettings\" where workspaceId == param.workspaceId\n  deploy \"templates/x.json\" roles [\"Monitoring Contributor\"] { workspaceId = param.workspaceId }\n}\n";
    std::fs::write(t.path("pack/p.acrp"), pack).expect("write");
    let out = acrpc(&t.0, &["build", "pack", "--out", "dist"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("E0307") && err.contains("outside the pack"),
        "{err}"
    );

    // A template larger than ARM's 4 MB limit is not read.
    std::fs::remove_file(t.path("pack/templates/x.json")).expect("rm");
    let big = format!(
        "{{\"resources\":[],\"pad\":\"{}\"}}",
        "x".repeat(4 * 1024 * 1024)
    );
    std::fs::write(t.path("pack/templates/x.json"), big).expect("write");
    let out = acrpc(&t.0, &["build", "pack", "--out", "dist"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("4 MB"), "{}", stderr(&out));
    assert!(!t.path("dist").exists());
}

/// An invalid `--include` glob is an error, not a silent empty selection.
#[test]
fn an_invalid_glob_is_e0034() {
    let t = check_dir();
    let out = acrpc(
        &t.0,
        &[
            "check",
            ".",
            "--pack",
            "rules.acrp",
            "--include",
            "main[.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0034"), "{}", stderr(&out));
}
