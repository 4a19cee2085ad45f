//! End-to-end tests of `acrpc lsp`: the real binary, spoken to over stdio
//! with Content-Length framing. `scripted_session` walks through an editing
//! session (open, edit, complete, hover, definition, references, rename,
//! symbols, format, code action, semantic tokens, shutdown) and snapshots
//! every response in `golden/lsp/`; `bad_input_never_kills_the_server`
//! sends what a server must survive, then a valid request that must succeed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const URI: &str = "file:///workspace/session.acrp";
const TIMEOUT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_acrpc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("acrpc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(v) = read_frame(&mut r) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn send(&mut self, msg: Value) {
        self.send_raw(&msg.to_string());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn recv(&mut self) -> Value {
        self.rx
            .recv_timeout(TIMEOUT)
            .expect("the server answers in time")
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let v = self.recv();
            if v.get("id") == Some(&json!(id)) {
                return v;
            }
            self.notifications.push(v);
        }
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let resp = self.request(method, params);
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    /// The next `publishDiagnostics` for `uri` (already received or coming).
    fn diagnostics(&mut self, uri: &str) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            }) {
                return self.notifications.remove(i)["params"].clone();
            }
            assert!(Instant::now() < deadline, "no diagnostics for {uri}");
            let v = self.recv();
            self.notifications.push(v);
        }
    }

    fn initialize(&mut self) -> Value {
        let r = self.result(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        self.notify("initialized", json!({}));
        r
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "acrp", "version": 1, "text": text}}),
        );
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(
                    status.success(),
                    "exit status {status:?} after shutdown + exit"
                );
                return;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Only codes, severities, ranges and the first line of messages: stable
/// and readable in a snapshot.
fn summary(diags: &Value) -> Vec<String> {
    diags["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{}:{}-{}:{} {} {} {}",
                d["range"]["start"]["line"],
                d["range"]["start"]["character"],
                d["range"]["end"]["line"],
                d["range"]["end"]["character"],
                d["severity"],
                d["code"].as_str().unwrap_or(""),
                d["message"]
                    .as_str()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            )
        })
        .collect()
}

fn pos(text: &str, needle: &str, delta: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"))
        + delta;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

fn doc_pos(text: &str, needle: &str, delta: usize) -> Value {
    json!({"textDocument": {"uri": URI}, "position": pos(text, needle, delta)})
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../golden/lsp", prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!($name, $value);
        });
    };
}

#[test]
fn scripted_session() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/lsp/session.acrp"
    ))
    .expect("session");
    let mut c = Client::start();
    let init = c.initialize();
    snap!("lsp__initialize_capabilities", init["capabilities"]);

    // Open: an unknown property (E0202 with a did-you-mean), lints.
    c.open(URI, &text);
    let d = c.diagnostics(URI);
    snap!("lsp__diagnostics_on_open", summary(&d));
    assert!(summary(&d).iter().any(|l| l.contains("E0202")));
    // The did-you-mean of E0202 is a quick fix.
    let typo = pos(&text, "publicNetworkAcess", 3);
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": {"start": typo, "end": typo}, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    snap!(
        "lsp__code_action_did_you_mean",
        (titles, &actions[0]["edit"])
    );

    // Edit: fix the typo with an incremental change.
    let at = pos(&text, "publicNetworkAcess", "publicNetworkAc".len());
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2},
               "contentChanges": [{"range": {"start": at, "end": at}, "text": "c"}]}),
    );
    let d = c.diagnostics(URI);
    assert_eq!(d["version"], 2);
    snap!("lsp__diagnostics_after_edit", summary(&d));
    assert!(!summary(&d).iter().any(|l| l.contains("E0202")));
    let text = text.replace("publicNetworkAcess", "publicNetworkAccess");

    // Completion: enum values after `==`.
    let comp = c.result(
        "textDocument/completion",
        doc_pos(&text, "zoneRedundancy == ", "zoneRedundancy == ".len()),
    );
    snap!("lsp__completion_enum_values", comp);
    // Completion: rule ids after `include`.
    let mut text2 = text.clone();
    let line_end = text2.find("include zone-redundant").expect("include");
    text2.insert_str(line_end, "include \n  ");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 3}, "contentChanges": [{"text": text2}]}),
    );
    let _ = c.diagnostics(URI);
    let comp = c.result("textDocument/completion", json!({"textDocument": {"uri": URI}, "position": pos(&text2, "include \n", "include ".len())}));
    let labels: Vec<&str> = comp
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    snap!("lsp__completion_include", labels);
    // Completion: catalog paths of the target kind, with their types.
    let comp = c.result("textDocument/completion", json!({"textDocument": {"uri": URI}, "position": pos(&text2, "require     zoneRedundancy", "require     ".len())}));
    let admin = comp
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["label"] == "adminUserEnabled")
        .cloned();
    snap!("lsp__completion_path_item", admin);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 4}, "contentChanges": [{"text": text}]}),
    );
    let _ = c.diagnostics(URI);

    // Hover: a property, a rule id, a parameter.
    snap!(
        "lsp__hover_property",
        c.result("textDocument/hover", doc_pos(&text, "zoneRedundancy ==", 3))
    );
    snap!(
        "lsp__hover_rule",
        c.result(
            "textDocument/hover",
            doc_pos(&text, "include zone-redundant", "include ".len() + 2)
        )
    );
    snap!(
        "lsp__hover_param",
        c.result(
            "textDocument/hover",
            doc_pos(&text, "param.effect", "param.".len() + 1)
        )
    );

    // Definition, references, rename.
    snap!(
        "lsp__definition_rule",
        c.result(
            "textDocument/definition",
            doc_pos(&text, "include zone-redundant", "include ".len())
        )
    );
    let mut refs = doc_pos(&text, "rule zone-redundant", "rule ".len());
    refs["context"] = json!({"includeDeclaration": true});
    snap!(
        "lsp__references_rule",
        c.result("textDocument/references", refs)
    );
    let mut ren = doc_pos(&text, "group compliance", "group ".len());
    ren["newName"] = json!("audit-and-compliance");
    snap!("lsp__rename_group", c.result("textDocument/rename", ren));

    // Document symbols and semantic tokens.
    snap!(
        "lsp__document_symbols",
        c.result(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}})
        )
    );
    let tokens = c.result(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": URI}}),
    );
    let data = tokens["data"].as_array().expect("data");
    assert_eq!(data.len() % 5, 0);
    // One token per word, string, number, comment and operator (82 here).
    assert_eq!(data.len() / 5, 82);
    // The first line, `pack session {`: a keyword then a name.
    snap!("lsp__semantic_tokens_first_line", data[..10].to_vec());

    // Code actions: the lint fixes on the `public-off` rule (deny without
    // audit, like without wildcard) as quick fixes.
    let range = json!({"start": pos(&text, "effect      deny", 0), "end": pos(&text, "require     publicNetworkAccess", 0)});
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": range, "context": {"diagnostics": []}}),
    );
    snap!("lsp__code_actions", actions);

    // Formatting: the session file is formatted, so no edits; after a messy
    // edit, one edit that restores it.
    assert_eq!(
        c.result(
            "textDocument/formatting",
            json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}})
        ),
        json!([])
    );
    let messy = text.replace(
        "  require     zoneRedundancy == \"Enabled\"",
        "require zoneRedundancy==\"Enabled\"",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 5}, "contentChanges": [{"text": messy}]}),
    );
    let _ = c.diagnostics(URI);
    let edits = c.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(
        edits[0]["newText"].as_str(),
        Some(text.as_str()),
        "formatting restores the canonical text"
    );
    snap!("lsp__formatting_edit_range", edits[0]["range"]);

    c.shutdown();
}

#[test]
fn bad_input_never_kills_the_server() {
    let mut c = Client::start();
    // Before initialize: an error, not a crash.
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002, "{r}");
    c.initialize();

    // Malformed JSON and a frame without Content-Length.
    c.send_raw("{ this is not json");
    let r = c.recv();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    write!(c.stdin, "X-Nonsense: 1\r\n\r\n").expect("write");
    let r = c.recv();
    assert_eq!(r["error"]["code"], -32700, "{r}");

    // Unknown methods: an error for a request, silence for a notification.
    assert_eq!(
        c.request("acrpc/doesNotExist", json!({}))["error"]["code"],
        -32601
    );
    c.notify("acrpc/unknownNotification", json!({"x": 1}));
    // Wrong params.
    assert_eq!(
        c.request("textDocument/hover", json!({"nonsense": true}))["error"]["code"],
        -32602
    );

    // A half-typed file.
    let half = "pack p { title \"P\" version \"1.0.0\" }\nrule r {\n  target registry\n  require sku.name == \n";
    c.open(URI, half);
    let d = c.diagnostics(URI);
    assert!(summary(&d).iter().any(|l| l.contains("E0001")), "{d}");
    let comp = c.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": {"line": 3, "character": 22}}),
    );
    assert!(
        comp.as_array()
            .expect("items")
            .iter()
            .any(|i| i["label"] == "\"Premium\""),
        "{comp}"
    );
    // Formatting a file with syntax errors: an error, nothing changed.
    let r = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot format")),
        "{r}"
    );

    // Invalid positions: past the end, inside a surrogate pair, huge numbers.
    for p in [
        json!({"line": 999, "character": 0}),
        json!({"line": 0, "character": 4_000_000_000u64}),
        json!({"line": -1, "character": 0}),
    ] {
        let r = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": URI}, "position": p}),
        );
        assert!(r.get("error").is_some() || r["result"].is_null(), "{r}");
    }
    c.open(
        "file:///workspace/emoji.acrp",
        "# 😀😀\npack p { title \"😀\" version \"1.0.0\" }\n",
    );
    let _ = c.diagnostics("file:///workspace/emoji.acrp");
    let r = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///workspace/emoji.acrp"}, "position": {"line": 0, "character": 3}}));
    assert!(r.get("error").is_none(), "{r}");

    // Out-of-range edit ranges are clamped; the document stays usable.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 500, "character": 9}, "end": {"line": 2, "character": 0}}, "text": "\"Premium\"\n}\n"}]}),
    );
    let _ = c.diagnostics(URI);
    // Edits and requests for documents that were never opened.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.acrp", "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    let r = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///nowhere.acrp"}, "position": {"line": 0, "character": 0}}));
    assert_eq!(r["result"], Value::Null, "{r}");

    // A file deleted while open: its deploy template disappears with it.
    let dir = std::env::temp_dir().join(format!("acrpc-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("t.json"), "{}").expect("template");
    let file = dir.join("p.acrp");
    let deploy = "pack p { title \"P\" version \"1.0.0\" }\nrule r {\n  title \"R\" practice network severity high target registry\n  require related \"Microsoft.Insights/diagnosticSettings\"\n  deploy \"t.json\" { }\n}\n";
    std::fs::write(&file, deploy).expect("file");
    let file_uri = format!("file://{}", file.display());
    c.open(&file_uri, deploy);
    let _ = c.diagnostics(&file_uri);
    std::fs::remove_dir_all(&dir).expect("delete");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": file_uri, "version": 2}, "contentChanges": [{"text": deploy.replace("title \"R\"", "title \"R2\"")}]}),
    );
    let d = c.diagnostics(&file_uri);
    assert!(summary(&d).iter().any(|l| l.contains("E0307")), "{d}");

    // A huge document (over the analysis limit) gets one notice.
    let huge = "#".repeat(17 * 1024 * 1024);
    c.open("file:///workspace/huge.acrp", &huge);
    let d = c.diagnostics("file:///workspace/huge.acrp");
    assert!(
        d["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not analysed")),
        "{d}"
    );

    // After all that, a valid request succeeds.
    c.open("file:///workspace/ok.acrp", "pack p { title \"P\" version \"1.0.0\" }\nrule r {\n  target registry\n  require zoneRedundancy == \"Enabled\"\n}\n");
    let _ = c.diagnostics("file:///workspace/ok.acrp");
    let h = c.result("textDocument/hover", json!({"textDocument": {"uri": "file:///workspace/ok.acrp"}, "position": {"line": 3, "character": 12}}));
    assert!(
        h["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("zoneRedundancy")),
        "{h}"
    );
    c.shutdown();
}

#[test]
fn acrpc_toml_next_to_the_document_configures_its_lints() {
    let dir = std::env::temp_dir().join(format!("acrpc-lsp-config-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    std::fs::write(dir.join("acrpc.toml"), "[lint]\ndisable = [\"W0602\"]\n").expect("config");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/lint/W0602-deny-without-audit.acrp"
    ))
    .expect("fixture");
    let configured = format!("file://{}", dir.join("sub/p.acrp").display());
    let mut c = Client::start();
    c.initialize();
    c.open(&configured, &text);
    let d = c.diagnostics(&configured);
    assert!(!summary(&d).iter().any(|l| l.contains("W0602")), "{d}");
    c.open("file:///elsewhere/p.acrp", &text);
    let d = c.diagnostics("file:///elsewhere/p.acrp");
    assert!(summary(&d).iter().any(|l| l.contains("W0602")), "{d}");
    // Related labels ("first written here") arrive as related information.
    let dup = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/lint/W0605-duplicate-condition.acrp"
    ))
    .expect("fixture");
    c.open("file:///elsewhere/dup.acrp", &dup);
    let d = c.diagnostics("file:///elsewhere/dup.acrp");
    let related = d["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|x| x["code"] == "W0605")
        .map(|x| x["relatedInformation"][0].clone())
        .expect("a W0605");
    assert_eq!(related["message"], "first written here", "{d}");
    assert_eq!(related["location"]["uri"], "file:///elsewhere/dup.acrp");
    c.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 13 item 18: after a frame without Content-Length, a Content-Length
/// shorter than its body, or two Content-Length headers that disagree, the
/// server resynchronises on the next header block and keeps answering.
#[test]
fn broken_framing_resynchronises() {
    let mut c = Client::start();
    c.initialize();
    let body = r#"{"jsonrpc":"2.0","method":"acrpc/x"}"#;
    let desyncs = [
        format!("X-Nonsense: 1\r\n\r\n{body}"),
        format!("Content-Length: 5\r\n\r\n{body}"),
        format!("Content-Length: 9\r\nContent-Length: 3\r\n\r\n{body}"),
    ];
    for bad in desyncs {
        write!(c.stdin, "{bad}").expect("write");
        c.stdin.flush().expect("flush");
        let garbage = c.recv();
        assert_eq!(garbage["error"]["code"], -32700, "{garbage}");
        let r = c.request("acrpc/doesNotExist", json!({}));
        assert_eq!(r["error"]["code"], -32601, "after {bad:?}: {r}");
    }
    c.shutdown();
}

/// Tests in a pack file: a "Run test" code lens per test, `acrpc test`'s
/// diagnostics (E1101 with its did-you-mean), completion of test clauses,
/// verdicts and the properties of the resource kind being written.
#[test]
fn test_items_get_code_lenses_diagnostics_and_completion() {
    let text = r#"pack demo {
  title "Demo"
  version "1.0.0"
  category "Container Registry"
}

rule admin-off {
  title "Admin user disabled"
  description "d"
  practice entra-id
  severity high
  message "The admin user is enabled."
  target registry
  effect audit | deny | disabled = audit
  require adminUserEnabled != true
}

test admin-on {
  rule admin-off
  resource registry { adminUserEnabled = true }
  expect non_compliant
}

test misspelt {
  rule admin-of
  resource registry {  }
  expect compliant
}
"#;
    let mut c = Client::start();
    c.initialize();
    c.open(URI, text);
    let diags = c.diagnostics(URI);
    let codes: Vec<&str> = diags["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"E1101"), "{diags}");
    let lenses = c.result(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": URI}}),
    );
    let lenses = lenses.as_array().expect("lenses");
    assert_eq!(lenses.len(), 2, "{lenses:?}");
    assert_eq!(lenses[0]["command"]["command"], "acrp.runTest");
    assert_eq!(lenses[0]["command"]["arguments"], json!([URI, "admin-on"]));
    assert_eq!(lenses[0]["range"]["start"]["line"], 17);
    let labels = |r: Value| -> Vec<String> {
        let items = r.get("items").cloned().unwrap_or(r);
        items
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["label"].as_str().map(str::to_string))
            .collect()
    };
    let props = labels(c.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": pos(text, "registry {  }", 11)}),
    ));
    assert!(props.contains(&"adminUserEnabled".to_string()), "{props:?}");
    // While typing `expect `: the verdicts.
    let typing = text.replace("expect compliant", "expect ");
    let uri2 = "file:///workspace/typing.acrp";
    c.open(uri2, &typing);
    let verdicts = labels(c.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri2}, "position": pos(&typing, "expect \n", 7)}),
    ));
    assert!(
        verdicts.contains(&"non_compliant".to_string()),
        "{verdicts:?}"
    );
    c.shutdown();
}
