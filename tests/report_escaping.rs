//! Issue 13 item 3: resource names come from untrusted templates. In the
//! text report their control characters (ESC, BEL, CR, LF, bidi overrides)
//! are shown escaped, even with `--color never`; in the markdown report a
//! backtick cannot leave its code span to inject a link.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use std::process::Command;

fn check(dir: &std::path::Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .args([
            "check",
            "main.json",
            "--pack",
            "rules.acrp",
            "--format",
            format,
        ])
        .args(["--color", "never"])
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

const PACK: &str = "pack p {\n  title   \"P\"\n  version \"1.0.0\"\n}\n\nrule admin-user-disabled {\n  title    \"Registries have the admin user disabled\"\n  practice entra-id\n  severity high\n  target   registry\n  require  adminUserEnabled != true\n}\n";

#[test]
fn hostile_names_are_escaped() {
    let dir = std::env::temp_dir().join(format!("acrpc-escaping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    // ESC [2J clears the screen, BEL rings, CR rewinds the line, LF forges
    // one, U+202E reverses what follows; the backtick closes a code span.
    let name = "acr\u{1b}[2J\u{7}\rok\nFORGED \u{202e}x` [click](https://evil.example) `";
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.ContainerRegistry/registries",
            "apiVersion": "2023-07-01",
            "name": name,
            "location": "westeurope",
            "sku": { "name": "Basic" },
            "properties": { "adminUserEnabled": true }
        }]
    });
    std::fs::write(dir.join("main.json"), template.to_string()).expect("write");
    std::fs::write(dir.join("rules.acrp"), PACK).expect("write");

    let text = check(&dir, "text");
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && (c.is_control() || c == '\u{202e}')),
        "{text:?}"
    );
    assert!(!text.lines().any(|l| l.starts_with("FORGED")), "{text}");
    assert!(
        text.contains(r"acr\u{1b}[2J\u{7}\rok\nFORGED \u{202e}x"),
        "{text}"
    );

    let md = check(&dir, "markdown");
    let row = md
        .lines()
        .find(|l| l.contains("admin-user-disabled") && l.contains("acr"))
        .expect("a findings row");
    // The name is one code span, fenced with two backticks.
    assert!(
        row.contains(
            r"`` acr\u{1b}[2J\u{7}\rok\nFORGED \u{202e}x` [click](https://evil.example) ` ``"
        ),
        "{row}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
