#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test
//! Inputs that once crashed or exhausted `acrpc` (issue 13 and fuzzing):
//! each is the minimised reproducer, run through the real binary. A crash
//! is exit 101 (a Rust panic) or a signal.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acrpc-crashes-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn acrpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(args)
        .output()
        .expect("run acrpc")
}

fn no_crash(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "acrpc panicked: {}",
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(out.status.code().is_some(), "killed by a signal");
    assert_ne!(out.status.code(), Some(101));
}

/// Issue 13 item 10: a label past column 65,535 made miette panic
/// ("Formatting argument out of range"). A 66k-character title, then a stray `@`.
#[test]
fn a_diagnostic_far_along_a_line_is_clipped() {
    let dir = scratch("long-line");
    let file = dir.join("p.acrp");
    let text = format!("pack p {{ title \"{}\" }} @\n", "t".repeat(66_000));
    std::fs::write(&file, text).unwrap();
    let out = acrpc(&[
        "build",
        file.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    no_crash(&out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The header keeps the real position; the snippet is a window, not the line.
    assert!(stderr.contains(":1:66021]"), "{stderr}");
    assert!(
        stderr.len() < 5_000,
        "snippet not clipped: {} bytes",
        stderr.len()
    );
}

/// Issue 13 item 10: a 70 KB one-line template that uses an undefined parameter.
#[test]
fn a_one_line_template_with_a_late_error_is_clipped() {
    let dir = scratch("one-line-template");
    let file = dir.join("t.json");
    let padding = "x".repeat(70_000);
    let text = format!(
        r#"{{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0","variables":{{"pad":"{padding}"}},"resources":[{{"type":"Microsoft.ContainerRegistry/registries","apiVersion":"2023-07-01","name":"[parameters('missing')]","location":"westeurope","sku":{{"name":"Premium"}}}}]}}"#
    );
    std::fs::write(&file, text).unwrap();
    let out = acrpc(&["check", file.to_str().unwrap()]);
    no_crash(&out);
}

/// Issue 13 items 10 and 23: a 100k-term `and` chain on one line neither
/// crashes the renderer nor runs out of the parser's work budget (it once
/// said "unexpected `true`" near term 95,000): it parses and fails on
/// Azure's limit of 4096 conditions (E0402).
#[test]
fn a_long_and_chain_does_not_crash() {
    let dir = scratch("and-chain");
    let file = dir.join("p.acrp");
    let chain = vec!["adminUserEnabled != true"; 100_000].join(" and ");
    let text = format!(
        "pack p {{ title \"P\" version \"1.0.0\" }}\nrule r {{ title \"R\" practice access-logs severity low target registry require {chain} }}\n"
    );
    std::fs::write(&file, text).unwrap();
    let out = acrpc(&[
        "build",
        file.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    no_crash(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E0402") && stderr.contains("100001 condition expressions"),
        "{}",
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(
        !stderr.contains("E0001") && !stderr.contains("E1401"),
        "{stderr}"
    );
}

/// Issue 13 item 11: output to a full disk is an error (exit 2 with a
/// message), never a panic, and never exit 0 with the report lost.
#[test]
fn a_full_disk_is_exit_2() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skip: no /dev/full here");
        return;
    }
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/check/tokens-and-scope-maps.json"
    );
    for args in [
        vec!["check", fixture],
        vec!["check", fixture, "--format", "json"],
        vec!["explain", "E0001"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_acrpc"))
            .args(&args)
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        no_crash(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("standard output"), "{args:?}: {stderr}");
    }
}

/// Issue 13 item 11: a reader that goes away (`acrpc … | head -0`) ends
/// acrpc quietly: no panic, no error message.
#[test]
fn a_closed_pipe_ends_quietly() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/check/tokens-and-scope-maps.json"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args(["check", fixture])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // close the read end before acrpc writes
    let out = child.wait_with_output().unwrap();
    no_crash(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    let _ = std::io::stderr().flush();
}

/// Issue 15 item 6d: the text and JSON reports are written as the check
/// runs; a reader that leaves early (`| head`) must not stop the count the
/// exit status comes from (findings: 1). The report is larger than the
/// output buffer, so the closed pipe is seen while results remain.
#[test]
fn a_closed_pipe_keeps_the_exit_status_of_every_result() {
    let dir = scratch("closed-pipe-status");
    let file = dir.join("export.json");
    let registries: Vec<serde_json::Value> = (0..400)
        .map(|i| {
            serde_json::json!({
                "id": format!("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr{i}"),
                "name": format!("acr{i}"), "type": "Microsoft.ContainerRegistry/registries",
                "location": "westeurope", "sku": {"name": "Premium"},
                "properties": {"adminUserEnabled": true, "publicNetworkAccess": "Enabled"}
            })
        })
        .collect();
    std::fs::write(&file, serde_json::Value::Array(registries).to_string()).unwrap();
    for format in ["text", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_acrpc"))
            .args(["check", file.to_str().unwrap(), "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        no_crash(&out);
        assert_eq!(out.status.code(), Some(1), "{format}: {out:?}");
        assert!(out.stderr.is_empty(), "{format}: {out:?}");
    }
}

/// Issue 13 item 12: variables that use the previous one twice double at
/// each level (depth 20 took 34 s and 3.5 GB). The template is over ARM's
/// 4 MB expanded-template limit: E0550, at once.
#[test]
fn doubling_variables_stop_at_the_template_limit() {
    let dir = scratch("doubling");
    let file = dir.join("t.json");
    let mut vars = serde_json::Map::new();
    vars.insert("v0".into(), serde_json::json!("x".repeat(64)));
    for i in 1..=40 {
        let prev = format!("[variables('v{}')]", i - 1);
        vars.insert(format!("v{i}"), serde_json::json!({"x": prev, "y": prev}));
    }
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "variables": vars,
        "resources": [{
            "type": "Microsoft.ContainerRegistry/registries",
            "apiVersion": "2023-07-01",
            "name": "acr1",
            "location": "westeurope",
            "sku": {"name": "Premium"},
            "tags": {"big": "[string(variables('v40'))]"}
        }]
    });
    std::fs::write(&file, template.to_string()).unwrap();
    let started = std::time::Instant::now();
    let out = acrpc(&["check", file.to_str().unwrap(), "--message-format", "json"]);
    no_crash(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"E0550\""), "{stderr}");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}

/// Fuzz finding (fmt target, 2026-12, minimised): brackets before the first
/// item were dropped without a diagnostic, so this file compiled and `fmt`
/// failed with its internal error E0602. It is a syntax error (E0001) at `}`.
#[test]
fn brackets_before_the_first_item_are_a_syntax_error() {
    let dir = scratch("stray-brackets");
    let file = dir.join("p.acrp");
    std::fs::write(
        &file,
        "# a comment\n}(\nrule r {\n  title \"R\"\n  require adminUserEnabled != true\n}\n",
    )
    .unwrap();
    for cmd in ["fmt", "build"] {
        let mut args = vec!["--color", "never", cmd, file.to_str().unwrap()];
        if cmd == "build" {
            args.extend(["--out", dir.to_str().unwrap()]);
        }
        let out = acrpc(&args);
        no_crash(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("E0001") && stderr.contains("p.acrp:2:1"),
            "{cmd}: {stderr}"
        );
        assert!(!stderr.contains("E0602"), "{cmd}: {stderr}");
        assert_ne!(out.status.code(), Some(0), "{cmd}");
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().lines().nth(1),
        Some("}("),
        "fmt left the file as it was"
    );
}

/// Fuzz finding (fmt target, 2026-12, minimised): a syntax error on a token
/// with a byte-order mark around its 30th byte panicked while the message
/// quoted the token (a cut inside a multi-byte character).
#[test]
fn a_bad_token_with_a_multibyte_character_is_quoted_whole() {
    let dir = scratch("bom-token");
    let file = dir.join("p.acrp");
    let token = format!("@{}\u{feff}0", "x".repeat(28));
    std::fs::write(
        &file,
        format!("rule r {{\n  require adminUserEnabled != true {token}\n}}\n"),
    )
    .unwrap();
    let out = acrpc(&["--color", "never", "fmt", file.to_str().unwrap()]);
    no_crash(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("E0001"), "{stderr}");
}
