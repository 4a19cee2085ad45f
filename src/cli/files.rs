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

/// Reads deploy templates relative to a pack file, only from the pack's
/// folder tree, only regular files, at most [`MAX_TEMPLATE`] bytes (issue 13
/// item 5: `deploy "/dev/zero"` or `"../../secret"` read anything). `sema`
/// already refuses absolute and `..` paths (E0032); this also catches a
/// symbolic link that leads out of the folder.
pub struct DirTemplates {
    pub base: PathBuf,
}

/// ARM's own limit on a template (4 MB, "Template limits" in the ARM
/// template best-practices documentation): a larger one cannot be deployed.
pub const MAX_TEMPLATE: u64 = 4 * 1024 * 1024;

impl crate::sema::Templates for DirTemplates {
    fn load(&self, path: &str) -> Result<String, String> {
        let full = self.base.join(path);
        let shown = full.display();
        let base = fs::canonicalize(if self.base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.base
        })
        .map_err(|e| format!("{e} ({})", self.base.display()))?;
        let real = fs::canonicalize(&full).map_err(|e| format!("{e} ({shown})"))?;
        if !real.starts_with(&base) {
            return Err(format!(
                "it resolves to {}, outside the pack's folder {}",
                real.display(),
                base.display()
            ));
        }
        let meta = fs::metadata(&real).map_err(|e| format!("{e} ({shown})"))?;
        if !meta.is_file() {
            return Err(format!("{shown} is not a regular file"));
        }
        if meta.len() > MAX_TEMPLATE {
            return Err(format!(
                "{shown} is {} bytes, more than ARM's 4 MB template limit",
                meta.len()
            ));
        }
        let mut text = String::new();
        use std::io::Read;
        fs::File::open(&real)
            .and_then(|f| f.take(MAX_TEMPLATE + 1).read_to_string(&mut text))
            .map_err(|e| format!("{e} ({shown})"))?;
        Ok(text)
    }
}

/// The file acrpc writes into every pack folder it creates. A folder without
/// it is never replaced: it may be the user's source (issue 13 item 6).
pub const MARKER: &str = ".acrpc-output";

const MARKER_TEXT: &str = "This folder is written by `acrpc build` and replaced by the next build.\nDelete this file to keep acrpc from replacing the folder.\n";

/// Why the output cannot be written.
pub enum WriteError {
    /// `OUT/<pack>` exists and acrpc did not write it.
    NotOurs(PathBuf),
    /// An output folder or file is, or contains, one of the inputs.
    HoldsInput { output: PathBuf, input: PathBuf },
    /// The file system refused.
    Io(String),
}

impl WriteError {
    pub fn message(&self) -> String {
        match self {
            WriteError::NotOurs(p) => format!(
                "`{}` exists and was not written by acrpc (it has no {MARKER} file); refusing to replace it",
                p.display()
            ),
            WriteError::HoldsInput { output, input } if output == input => format!(
                "the output `{}` is one of the inputs; refusing to overwrite it",
                output.display()
            ),
            WriteError::HoldsInput { output, input } => format!(
                "the output folder `{}` contains the input `{}`; refusing to replace it",
                output.display(),
                input.display()
            ),
            WriteError::Io(e) => e.clone(),
        }
    }
}

/// Writes each pack's files into `out/<pack>/`, replacing what acrpc wrote
/// there before, with all-or-nothing semantics per build. Refuses, before
/// writing anything, when a pack folder exists without the [`MARKER`] (or
/// is not a folder), or holds one of `inputs`.
///
/// `paths` are the paths of the files to write (checked first); `produce`
/// then hands each file to the sink it is given, from any thread, and the
/// file goes straight into the staging folder: a large build never holds all
/// its output in memory. Nothing is swapped in unless every file was staged.
pub fn write_atomically(
    out: &Path,
    paths: &[String],
    inputs: &[PathBuf],
    produce: impl FnOnce(&FileSink<'_>) -> Result<(), String>,
) -> Result<(), WriteError> {
    let packs = pack_dirs(paths);
    for pack in &packs {
        check_replaceable(&out.join(pack), &layout_of(pack, paths), inputs)?;
    }
    fs::create_dir_all(out)
        .map_err(|e| WriteError::Io(format!("cannot create {}: {e}", out.display())))?;
    let stage = out.join(format!(".acrpc-staging-{}", std::process::id()));
    let _ = fs::remove_dir_all(&stage);
    let result = stage_and_swap(out, &stage, produce, &packs).map_err(WriteError::Io);
    let _ = fs::remove_dir_all(&stage);
    result
}

/// The top-level folders of the output files, in order of appearance.
fn pack_dirs(paths: &[String]) -> Vec<String> {
    let mut packs: Vec<String> = Vec::new();
    for path in paths {
        let pack = path.split('/').next().unwrap_or_default().to_string();
        if !packs.contains(&pack) {
            packs.push(pack);
        }
    }
    packs
}

/// What this build writes into one pack folder: the first path component
/// of each file (`checker.json`, `policyDefinitions`, …) and the file
/// extensions, against which an output written before the marker existed is
/// recognised.
struct Layout {
    tops: Vec<String>,
    extensions: Vec<String>,
}

fn layout_of(pack: &str, paths: &[String]) -> Layout {
    let mut layout = Layout {
        tops: Vec::new(),
        extensions: Vec::new(),
    };
    let prefix = format!("{pack}/");
    for rel in paths.iter().filter_map(|p| p.strip_prefix(&prefix)) {
        let top = rel.split('/').next().unwrap_or_default().to_string();
        if !layout.tops.contains(&top) {
            layout.tops.push(top);
        }
        if let Some(ext) = Path::new(rel).extension() {
            let ext = ext.to_string_lossy().into_owned();
            if !layout.extensions.contains(&ext) {
                layout.extensions.push(ext);
            }
        }
    }
    layout
}

/// A folder written by an acrpc from before the marker: it holds nothing but
/// regular files of this build's layout (same top-level names, same
/// extensions, no hidden names), so replacing it loses nothing a user wrote.
/// Anything else (a note, a symbolic link, an `.acrp` file) makes it not ours.
fn is_unmarked_output(dir: &Path, layout: &Layout) -> bool {
    fn walk(dir: &Path, top_level: bool, layout: &Layout, budget: &mut usize) -> bool {
        let Ok(entries) = fs::read_dir(dir) else {
            return false;
        };
        for entry in entries {
            let Ok(entry) = entry else { return false };
            let Ok(kind) = entry.file_type() else {
                return false;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            *budget = budget.saturating_sub(1);
            if *budget == 0 || name.starts_with('.') {
                return false;
            }
            if top_level && !layout.tops.contains(&name) {
                return false;
            }
            let ok = if kind.is_dir() {
                walk(&entry.path(), false, layout, budget)
            } else {
                kind.is_file()
                    && Path::new(&name)
                        .extension()
                        .is_some_and(|e| layout.extensions.iter().any(|x| **x == *e))
            };
            if !ok {
                return false;
            }
        }
        true
    }
    // A bound on the walk: no acrpc output holds this many files.
    let mut budget = 100_000;
    walk(dir, true, layout, &mut budget)
}

/// `Ok` when `target` is absent, or a folder acrpc wrote (marked, or an
/// unmarked output of an earlier version) that holds none of the inputs.
fn check_replaceable(target: &Path, layout: &Layout, inputs: &[PathBuf]) -> Result<(), WriteError> {
    let Ok(meta) = fs::symlink_metadata(target) else {
        return Ok(());
    };
    if let Some(input) = inputs.iter().find(|i| is_within(i, target)) {
        return Err(WriteError::HoldsInput {
            output: target.to_path_buf(),
            input: input.clone(),
        });
    }
    let marked = fs::symlink_metadata(target.join(MARKER)).is_ok_and(|m| m.is_file());
    if !meta.is_dir() || !(marked || is_unmarked_output(target, layout)) {
        return Err(WriteError::NotOurs(target.to_path_buf()));
    }
    Ok(())
}

/// `path` is `dir` or inside it, symbolic links resolved.
fn is_within(path: &Path, dir: &Path) -> bool {
    match (fs::canonicalize(path), fs::canonicalize(dir)) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => false,
    }
}

/// Where [`write_atomically`]'s producer puts each file.
pub type FileSink<'a> = dyn Fn(crate::emit::OutputFile) -> Result<(), String> + Sync + 'a;

fn stage_and_swap(
    out: &Path,
    stage: &Path,
    produce: impl FnOnce(&FileSink<'_>) -> Result<(), String>,
    packs: &[String],
) -> Result<(), String> {
    produce(&|f: crate::emit::OutputFile| {
        let path = stage.join(&f.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, &f.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
    })?;
    for pack in packs {
        let marker = stage.join(pack).join(MARKER);
        fs::write(&marker, MARKER_TEXT)
            .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    }
    // Everything is staged; now swap each pack directory in. A previous
    // output (checked to be acrpc's) is moved aside first and removed only
    // after the swap.
    for pack in packs {
        let target = out.join(pack);
        let old = out.join(format!(".acrpc-old-{pack}-{}", std::process::id()));
        let had_old = fs::symlink_metadata(&target).is_ok();
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

/// Where a write to `path` lands: the end of its chain of symbolic links
/// (a dangling link's target included), so that the link stays a link.
fn resolve_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // A bound on the chain, as the kernel has (ELOOP).
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(next) => {
                p = match p.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            Err(_) => break,
        }
    }
    p
}

/// `a` and `b` are the same file (same inode, or the same path once links
/// are resolved).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (fs::metadata(a), fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Writes a report to `path` (`check -o`), never over one of `inputs`:
/// through symbolic links to their target, straight into what is not a
/// regular file (a device, a pipe, `/proc/self/fd/1`), atomically into a
/// regular file (issue 13 item 7).
pub fn write_output(path: &Path, contents: &str, inputs: &[PathBuf]) -> Result<(), WriteError> {
    write_output_with(path, inputs, &mut |w| w.write_all(contents.as_bytes()))
}

/// What writes a file's contents into a writer: `write_output_with` streams
/// a report into its file instead of building the whole text first.
pub type Fill<'a> = &'a mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>;

/// `write_output`, with the contents written by `fill` (buffered), so that a
/// large report never exists whole in memory (`check -o report.json`).
pub fn write_output_with(path: &Path, inputs: &[PathBuf], fill: Fill) -> Result<(), WriteError> {
    if let Some(input) = inputs.iter().find(|i| same_file(path, i)) {
        return Err(WriteError::HoldsInput {
            output: path.to_path_buf(),
            input: input.clone(),
        });
    }
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(WriteError::Io(format!(
            "cannot write {}: it is a directory",
            path.display()
        ))),
        Ok(m) if !m.is_file() => write_in_place(path, fill),
        _ => write_file_atomically_with(path, fill),
    }
}

/// Opens `path` and lets `fill` write into it (truncating a regular file).
fn write_in_place(path: &Path, fill: Fill) -> Result<(), WriteError> {
    use std::io::Write;
    fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            fill(&mut w)?;
            w.flush()
        })
        .map_err(|e| WriteError::Io(format!("cannot write {}: {e}", path.display())))
}

/// Creates (or truncates) `path` and lets `fill` write into it.
fn write_new(path: &Path, fill: Fill) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(fs::File::create(path)?);
    fill(&mut w)?;
    w.flush()
}

/// Replaces one file's contents (`fmt`, `lint --fix`, reports). A symbolic
/// link is followed and its target written, so the link stays a link. A
/// file with one name gets a temporary file beside it renamed over it (a
/// failure leaves it untouched); a file with several hard links is
/// rewritten in place so every name sees the change, after a backup copy
/// that restores it if the write fails (issue 13 item 8).
pub fn write_file_atomically(path: &Path, contents: &str) -> Result<(), WriteError> {
    write_file_atomically_with(path, &mut |w| w.write_all(contents.as_bytes()))
}

fn write_file_atomically_with(path: &Path, fill: Fill) -> Result<(), WriteError> {
    let real = resolve_links(path);
    if hard_links(&real) > 1 {
        return rewrite_with_backup(&real, fill);
    }
    rename_into_place(&real, fill).map_err(WriteError::Io)
}

fn hard_links(path: &Path) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path).map_or(1, |m| m.nlink())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        1
    }
}

/// A temporary name beside `path`.
fn beside(path: &Path, what: &str) -> PathBuf {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    dir.unwrap_or_else(|| Path::new("."))
        .join(format!(".{name}.acrpc-{what}-{}", std::process::id()))
}

fn rename_into_place(path: &Path, fill: Fill) -> Result<(), String> {
    let tmp = beside(path, "tmp");
    let result = write_new(&tmp, fill)
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

fn rewrite_with_backup(path: &Path, fill: Fill) -> Result<(), WriteError> {
    let backup = beside(path, "backup");
    fs::copy(path, &backup).map_err(|e| {
        let _ = fs::remove_file(&backup);
        WriteError::Io(format!("cannot back up {}: {e}", path.display()))
    })?;
    match write_in_place(path, fill) {
        Ok(()) => {
            let _ = fs::remove_file(&backup);
            Ok(())
        }
        Err(e) => {
            let restored = fs::read(&backup).and_then(|old| fs::write(path, old));
            match restored {
                Ok(()) => {
                    let _ = fs::remove_file(&backup);
                    Err(e)
                }
                Err(_) => Err(WriteError::Io(format!(
                    "{}; the original is kept in {}",
                    e.message(),
                    backup.display()
                ))),
            }
        }
    }
}
