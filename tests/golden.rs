//! Golden snapshots of everything the bundled rule packs compile to, one
//! snapshot per output file under golden/rulepacks/. Any change of output
//! shows up in review; CI (CI=true) fails on an unreviewed change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::compile::compile_file;
use acrpc::diag::{SourceFile, SourceMap, render};
use acrpc::sema::{Options, Templates};
use std::path::{Path, PathBuf};

struct Relative(PathBuf);

impl Templates for Relative {
    fn load(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

fn packs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rulepacks");
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "acrp"))
        // Test files (`x.test.acrp`) hold tests, not a pack.
        .filter(|e| !e.path().to_string_lossy().ends_with(".test.acrp"))
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

fn compile(path: &Path) -> Vec<acrpc::emit::OutputFile> {
    let text = std::fs::read_to_string(path).expect("readable pack");
    let mut sources = SourceMap::default();
    let rel = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let id = sources.add(SourceFile::new(rel.trim_start_matches('/'), text));
    let templates = Relative(path.parent().unwrap_or(Path::new(".")).to_path_buf());
    let compiled = compile_file(&sources, id, &templates, &Options::default());
    let errors: String = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| render::render(d, &sources, render::RenderOptions::default()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} does not compile:\n{errors}",
        path.display()
    );
    compiled.files()
}

#[test]
fn bundled_packs_match_golden_output() {
    let packs = packs();
    assert!(!packs.is_empty(), "no rule packs under rulepacks/");
    for pack in packs {
        for file in compile(&pack) {
            let name = file.path.replace('/', "__");
            insta::with_settings!({
                snapshot_path => "../golden/rulepacks",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => file.path.clone(),
            }, {
                insta::assert_snapshot!(name, file.contents);
            });
        }
    }
}

#[test]
fn builds_are_byte_identical() {
    for pack in packs() {
        assert_eq!(
            compile(&pack),
            compile(&pack),
            "{} is not deterministic",
            pack.display()
        );
    }
}
