//! Reading inputs and writing outputs. Output is written atomically per pack:
//! everything goes to a staging directory first and is moved into place only
//! when all of it was written, so an error never leaves partial output.

use std::fs;
use std::path::{Path, PathBuf};

/// Rule pack files under the given paths: [`collect_sources`] without test
/// files (`*.test.acrp`), which hold only `test` items and are run by
/// `acrpc test`, not compiled.
pub fn collect_packs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, (PathBuf, String)> {
    let mut files = collect_sources(paths)?;
    files.retain(|f| !is_test_file(f));
    Ok(files)
}

/// A sibling test file: `<pack>.test.acrp`.
pub fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".test.acrp"))
}

/// `.acrp` files under the given paths (files as given, directories walked),
/// sorted and without duplicates.
pub fn collect_sources(paths: &[PathBuf]) -> Result<Vec<PathBuf>, (PathBuf, String)> {
    let mut out = Vec::new();
    for p in paths {
        let meta = fs::metadata(p).map_err(|e| (p.clone(), e.to_string()))?;
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(p).sort_by_file_name() {
                let entry = entry.map_err(|e| (p.clone(), e.to_string()))?;
                if entry.file_type().is_file()
                    && entry.path().extension().is_some_and(|x| x == "acrp")
                {
                    out.push(entry.into_path());
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Reads deploy templates relative to a pack file.
pub struct DirTemplates {
    pub base: PathBuf,
}

impl crate::sema::Templates for DirTemplates {
    fn load(&self, path: &str) -> Result<String, String> {
        let full = self.base.join(path);
        fs::read_to_string(&full).map_err(|e| format!("{} ({})", e, full.display()))
    }
}

/// Writes each pack's files into `out/<pack>/`, replacing what was there,
/// with all-or-nothing semantics per build.
pub fn write_atomically(out: &Path, files: &[crate::emit::OutputFile]) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let stage = out.join(format!(".acrpc-staging-{}", std::process::id()));
    let _ = fs::remove_dir_all(&stage);
    let result = stage_and_swap(out, &stage, files);
    let _ = fs::remove_dir_all(&stage);
    result
}

fn stage_and_swap(
    out: &Path,
    stage: &Path,
    files: &[crate::emit::OutputFile],
) -> Result<(), String> {
    let mut packs: Vec<String> = Vec::new();
    for f in files {
        let path = stage.join(&f.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, &f.contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let pack = f.path.split('/').next().unwrap_or_default().to_string();
        if !packs.contains(&pack) {
            packs.push(pack);
        }
    }
    // Everything is staged; now swap each pack directory in. A previous
    // output is moved aside first and removed only after the swap.
    for pack in &packs {
        let target = out.join(pack);
        let old = out.join(format!(".acrpc-old-{pack}-{}", std::process::id()));
        let had_old = target.exists();
        if had_old {
            fs::rename(&target, &old)
                .map_err(|e| format!("cannot replace {}: {e}", target.display()))?;
        }
        if let Err(e) = fs::rename(stage.join(pack), &target) {
            if had_old {
                let _ = fs::rename(&old, &target);
            }
            return Err(format!("cannot write {}: {e}", target.display()));
        }
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
    }
    Ok(())
}

/// Replaces one file's contents atomically: the new text goes to a temporary
/// file beside it, which is then renamed over the original. A failure leaves
/// the original untouched.
pub fn write_file_atomically(path: &Path, contents: &str) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir
        .unwrap_or_else(|| Path::new("."))
        .join(format!(".{name}.acrpc-tmp-{}", std::process::id()));
    let result = fs::write(&tmp, contents)
        .and_then(|()| {
            // Keep the original's permissions.
            if let Ok(meta) = fs::metadata(path) {
                fs::set_permissions(&tmp, meta.permissions())?;
            }
            fs::rename(&tmp, path)
        })
        .map_err(|e| format!("cannot write {}: {e}", path.display()));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
