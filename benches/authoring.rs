//! Authoring benchmark: formatting and language-server round trips on a
//! generated 5,000-line pack (the bundled baseline's rules, repeated with
//! fresh ids, comments included).
//!
//! Run with `cargo bench --bench authoring`. Plain `fn main` (harness =
//! false), `Instant` and the median of a few runs, like `benches/compile.rs`.
//! Goal: an edit of a 5,000-line pack is analysed in under 20 ms (release).
//!
//! Measured:
//! * `fmt::format` of the whole pack;
//! * `lsp::analysis::analyze` (parse, check, lint, index: the work the server
//!   does per change);
//! * round trips through the real `acrpc lsp` binary over stdio: an
//!   incremental `didChange` until its `publishDiagnostics` arrives, `hover`,
//!   `completion` and `formatting`.
//!
//! On the 2-core development machine (shared with two other builds,
//! 2026-11-25), medians over two runs: fmt 35–59 ms, cold analysis 17–30 ms,
//! analysis after an edit 2.5–5.9 ms, didChange → publishDiagnostics
//! 4.8–8.6 ms, hover and completion 0.05–0.1 ms, formatting 40–55 ms.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::lint::Config;
use acrpc::lsp::analysis::{analyze, analyze_incremental};
use acrpc::sema::NoTemplates;
use serde_json::{Value, json};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LINES: usize = 5_000;
const ITERATIONS: usize = 15;

/// The baseline's rules, repeated with ids suffixed `-k`, under one pack header.
fn generated_pack() -> String {
    let baseline = include_str!("../rulepacks/acr-baseline.acrp");
    let start = baseline.find("\nrule ").map_or(0, |i| i + 1);
    let end = baseline.find("\ninitiative ").unwrap_or(baseline.len());
    let rules = &baseline[start..end];
    let mut out = String::from(
        "pack bench {\n  title       \"Generated benchmark pack\"\n  version     \"1.0.0\"\n}\n\n",
    );
    let mut k = 0;
    while out.lines().count() < LINES {
        let copy: String = rules
            .lines()
            .map(
                |l| match l.strip_prefix("rule ").and_then(|r| r.strip_suffix(" {")) {
                    Some(id) => format!("rule {id}-{k} {{\n"),
                    None => format!("{l}\n"),
                },
            )
            .collect();
        out.push_str(&copy);
        k += 1;
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(f: impl Fn() -> T) -> Duration {
    let _ = black_box(f());
    median(
        (0..ITERATIONS)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

struct Server {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
    id: i64,
}

impl Server {
    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }
    fn read(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("read");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().expect("length");
            }
        }
        let mut buf = vec![0; len];
        self.stdout.read_exact(&mut buf).expect("body");
        serde_json::from_slice(&buf).expect("json")
    }
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let id = self.id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let v = self.read();
            if v["id"] == id {
                return v;
            }
        }
    }
    fn wait_diagnostics(&mut self) -> Value {
        loop {
            let v = self.read();
            if v["method"] == "textDocument/publishDiagnostics" {
                return v;
            }
        }
    }
}

fn main() {
    let text = generated_pack();
    let lines = text.lines().count();
    println!("generated pack: {lines} lines, {} bytes", text.len());

    let formatted = acrpc::fmt::format(0, &text).expect("the generated pack formats");
    assert_eq!(formatted, text, "the generated pack is already formatted");
    let t = time(|| acrpc::fmt::format(0, &text));
    println!(
        "fmt::format                      {:>8.2} ms",
        t.as_secs_f64() * 1e3
    );

    let t = time(|| acrpc::syntax::parse(0, &text));
    println!(
        "  of which parse                  {:>8.2} ms",
        t.as_secs_f64() * 1e3
    );
    let (ast, _) = acrpc::syntax::parse(0, &text);
    let t = time(|| {
        acrpc::sema::check(
            &ast,
            acrpc::diag::Span::new(0, 0, 0),
            &NoTemplates,
            &acrpc::sema::Options::default(),
        )
    });
    println!(
        "  of which check                  {:>8.2} ms",
        t.as_secs_f64() * 1e3
    );
    let t = time(|| acrpc::lint::lint(0, &text, &ast, &Config::default()));
    println!(
        "  of which lint                   {:>8.2} ms",
        t.as_secs_f64() * 1e3
    );
    let t = time(|| acrpc::syntax::tokens::tokenize(&text));
    println!(
        "  of which tokenize               {:>8.2} ms",
        t.as_secs_f64() * 1e3
    );
    let t = time(|| analyze(text.clone(), &NoTemplates, &Config::default()));
    println!(
        "analysis, cold (parse+check+lint+index) {:>7.2} ms",
        t.as_secs_f64() * 1e3
    );
    // An edit: one item changed, the others reused from the parse cache.
    let mut cache = acrpc::syntax::incremental::ParseCache::default();
    let _ = analyze_incremental(&mut cache, text.clone(), &NoTemplates, &Config::default());
    let mid = text.len() / 2;
    let at = text[mid..].find("title ").map_or(mid, |i| mid + i + 6);
    let mut n = 0usize;
    let t = median(
        (0..ITERATIONS)
            .map(|_| {
                n += 1;
                let mut edited = text.clone();
                edited.insert_str(at, &"x".repeat(n));
                let start = Instant::now();
                black_box(analyze_incremental(
                    &mut cache,
                    edited,
                    &NoTemplates,
                    &Config::default(),
                ));
                start.elapsed()
            })
            .collect(),
    );
    println!(
        "analysis after an edit (incremental)    {:>7.2} ms",
        t.as_secs_f64() * 1e3
    );

    // The real server over stdio.
    let mut child = Command::new(env!("CARGO_BIN_EXE_acrpc"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("acrpc lsp");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut s = Server {
        child,
        stdin,
        stdout,
        id: 0,
    };
    s.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    s.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let uri = "file:///bench/bench.acrp";
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "acrp", "version": 1, "text": text}}}));
    let d = s.wait_diagnostics();
    assert!(d["params"]["diagnostics"].as_array().is_some());

    // An edit inside a title string near the middle of the file.
    let line = (lines / 2..lines)
        .find(|&l| {
            text.lines()
                .nth(l)
                .is_some_and(|t| t.trim_start().starts_with("title "))
        })
        .expect("a title line");
    let mut changes = Vec::new();
    for i in 0..ITERATIONS {
        let start = Instant::now();
        s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": 2 + i},
                "contentChanges": [{"range": {"start": {"line": line, "character": 15}, "end": {"line": line, "character": 15}}, "text": "x"}]}}));
        s.wait_diagnostics();
        changes.push(start.elapsed());
    }
    println!(
        "didChange → publishDiagnostics   {:>8.2} ms",
        median(changes).as_secs_f64() * 1e3
    );

    let pos =
        json!({"textDocument": {"uri": uri}, "position": {"line": line + 10, "character": 16}});
    for (name, method, params) in [
        ("hover", "textDocument/hover", pos.clone()),
        ("completion", "textDocument/completion", pos.clone()),
        (
            "formatting",
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        ),
    ] {
        let t = median(
            (0..ITERATIONS)
                .map(|_| {
                    let start = Instant::now();
                    let r = s.request(method, params.clone());
                    assert!(r.get("error").is_none(), "{r}");
                    start.elapsed()
                })
                .collect(),
        );
        println!(
            "{name:<12} round trip             {:>8.2} ms",
            t.as_secs_f64() * 1e3
        );
    }
    s.request("shutdown", Value::Null);
    s.send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = s.child.wait();
}
