//! `acrpc lsp`: the language server, over stdio (JSON-RPC with
//! Content-Length framing, `lsp-server`'s message types).
//!
//! [`analysis`] is pure: text in, answers out. This module is the edge: it
//! reads and writes messages, keeps the open documents, and turns every
//! failure into an error response or an empty result. The server never
//! exits on bad input: malformed JSON gets a parse error response, unknown
//! methods `MethodNotFound`, bad params `InvalidParams`, positions outside a
//! document an empty result, and a panic in a handler `InternalError`.
//!
//! Debouncing: after each message, everything already queued is read; all
//! `didChange` notifications in that batch are applied before the document
//! is analysed once, and diagnostics are published once per batch.
#![allow(clippy::indexing_slicing)]
// not yet worked down: 2 sites

// `lsp_types::Uri` caches parsed data inside, which clippy sees as a mutable
// key; its Hash/Eq use only the string, so maps keyed by it are sound.
#![allow(clippy::mutable_key_type)]

pub mod analysis;

use crate::syntax::incremental::ParseCache;
use analysis::{Analysis, analyze_incremental};
use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::mpsc;

/// Documents larger than this are not analysed (a diagnostic says so).
const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

// ------------------------------------------------------------------ transport

/// Reads one framed message body; `Ok(None)` at end of input.
///
/// Framing errors never desynchronise the stream for good (issue 13 item
/// 18): a header block starts at a `Content-Length` header, even one glued
/// to the end of a body longer than announced; lines before it that are not
/// headers are skipped (and `skipped` is set, so the caller can log it). A
/// header block without a usable `Content-Length`, or with two that
/// disagree, is answered as garbage and its body is skipped the same way.
fn read_frame(
    r: &mut impl BufRead,
    skipped: &mut bool,
) -> std::io::Result<Option<Result<String, String>>> {
    let mut sizes: Vec<Option<usize>> = Vec::new();
    let mut line = String::new();
    let mut in_headers = false;
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            if in_headers {
                break;
            }
            continue;
        }
        let header = if in_headers || is_header(l) {
            Some(l)
        } else {
            find_content_length(l).and_then(|at| l.get(at..))
        };
        let Some(h) = header else {
            *skipped = true;
            continue;
        };
        if !in_headers && h.len() < l.len() {
            *skipped = true;
        }
        in_headers = true;
        if let Some((k, v)) = h.split_once(':')
            && k.trim().eq_ignore_ascii_case("content-length")
        {
            sizes.push(v.trim().parse().ok());
        }
    }
    let size = match sizes.as_slice() {
        [Some(n)] => *n,
        [first, rest @ ..] if rest.iter().all(|s| s == first) && first.is_some() => {
            first.unwrap_or_default()
        }
        [_, _, ..] => return Ok(Some(Err("conflicting Content-Length headers".into()))),
        _ => return Ok(Some(Err("missing or invalid Content-Length".into()))),
    };
    if size > 256 * 1024 * 1024 {
        return Ok(Some(Err("Content-Length too large".into())));
    }
    let mut buf = vec![0u8; size];
    r.read_exact(&mut buf)?;
    Ok(Some(
        String::from_utf8(buf).map_err(|_| "the body is not UTF-8".to_string()),
    ))
}

/// `Name: value` with a header name made of token characters.
fn is_header(line: &str) -> bool {
    line.split_once(':').is_some_and(|(k, _)| {
        !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Where a `Content-Length:` header starts inside a line, ignoring case.
fn find_content_length(line: &str) -> Option<usize> {
    const NEEDLE: &[u8] = b"content-length:";
    line.as_bytes()
        .windows(NEEDLE.len())
        .position(|w| w.eq_ignore_ascii_case(NEEDLE))
}

enum Incoming {
    Message(Message),
    /// A frame that is not a JSON-RPC message: answered with a parse error.
    Garbage(String),
}

fn spawn_reader(tx: mpsc::Sender<Incoming>) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut r = stdin.lock();
        let (mut skipped, mut logged) = (false, false);
        while let Ok(Some(frame)) = read_frame(&mut r, &mut skipped) {
            if skipped && !logged {
                // Once per session: an editor with broken framing would
                // otherwise fill its log.
                let _ = writeln!(
                    std::io::stderr(),
                    "acrpc lsp: skipped input that is not a framed message; resynchronised on the next Content-Length header"
                );
                logged = true;
            }
            if tx.send(incoming(frame)).is_err() {
                break;
            }
        }
    });
}

fn incoming(frame: Result<String, String>) -> Incoming {
    match frame {
        Ok(text) => match serde_json::from_str::<Message>(&text) {
            Ok(m) => Incoming::Message(m),
            Err(e) => Incoming::Garbage(format!("malformed message: {e}")),
        },
        Err(e) => Incoming::Garbage(e),
    }
}

struct Out<'w> {
    w: &'w mut dyn Write,
}

impl Out<'_> {
    fn send(&mut self, msg: Message) {
        // A closed stdout means the client is gone; the read side ends too.
        let _ = msg.write(&mut self.w);
        let _ = self.w.flush();
    }

    fn garbage(&mut self, why: &str) {
        // A JSON-RPC parse error has a null id; lsp-server's RequestId cannot
        // be null, so this one is written by hand.
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": ErrorCode::ParseError as i32, "message": why },
        })
        .to_string();
        let _ = write!(self.w, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.w.flush();
    }

    fn notify(&mut self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(
            method.to_string(),
            params,
        )));
    }
}

// ------------------------------------------------------------------ documents

struct Document {
    text: String,
    version: i32,
    analysis: Option<Analysis>,
    /// Items of the last parse, reused by the next one.
    cache: ParseCache,
    config: crate::lint::Config,
}

struct Server {
    docs: HashMap<lsp::Uri, Document>,
    /// The configuration given at start (`--config`, or the `acrpc.toml`
    /// nearest the working directory), for documents without their own.
    config: crate::lint::Config,
    /// `acrpc.toml` files found next to (or above) open documents.
    configs: HashMap<PathBuf, crate::lint::Config>,
    shutting_down: bool,
}

/// The file-system path of a `file:` URI (for deploy templates next to it).
fn uri_path(uri: &lsp::Uri) -> Option<PathBuf> {
    let s = uri.as_str().strip_prefix("file://")?;
    let mut bytes = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8(bytes).ok().map(PathBuf::from)
}

struct UriTemplates(Option<PathBuf>);

impl crate::sema::Templates for UriTemplates {
    fn load(&self, path: &str) -> Result<String, String> {
        let base = self
            .0
            .as_ref()
            .and_then(|p| p.parent().map(PathBuf::from))
            .ok_or("the document is not a file, so templates next to it cannot be read")?;
        std::fs::read_to_string(base.join(path)).map_err(|e| e.to_string())
    }
}

impl Server {
    /// The lint configuration of a document: the nearest `acrpc.toml` above
    /// its file, else the server's. An invalid file is reported once as a
    /// log message and the server's configuration is used.
    fn config_for(&mut self, uri: &lsp::Uri, out: &mut Out) -> crate::lint::Config {
        let found = uri_path(uri).and_then(|p| {
            p.parent()?
                .ancestors()
                .map(|d| d.join("acrpc.toml"))
                .find(|c| c.is_file())
        });
        let Some(path) = found else {
            return self.config.clone();
        };
        if let Some(c) = self.configs.get(&path) {
            return c.clone();
        }
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| crate::lint::Config::parse(&t));
        let config = match parsed {
            Ok(c) => c,
            Err(e) => {
                out.notify(
                    "window/logMessage",
                    lsp::LogMessageParams {
                        typ: lsp::MessageType::ERROR,
                        message: format!(
                            "E0603 invalid configuration {}: {e}; using the defaults",
                            path.display()
                        ),
                    },
                );
                self.config.clone()
            }
        };
        self.configs.insert(path, config.clone());
        config
    }

    fn analyse(&mut self, uri: &lsp::Uri) {
        let Some(config) = self.docs.get(uri).map(|d| d.config.clone()) else {
            return;
        };
        let Some(doc) = self.docs.get_mut(uri) else {
            return;
        };
        if doc.analysis.is_some() {
            return;
        }
        let text = if doc.text.len() > MAX_DOCUMENT {
            String::new()
        } else {
            doc.text.clone()
        };
        doc.analysis = Some(analyze_incremental(
            &mut doc.cache,
            text,
            &UriTemplates(uri_path(uri)),
            &config,
        ));
    }

    fn analysis(&mut self, uri: &lsp::Uri) -> Option<&Analysis> {
        self.analyse(uri);
        self.docs.get(uri).and_then(|d| d.analysis.as_ref())
    }

    fn publish(&mut self, uri: &lsp::Uri, out: &mut Out) {
        let too_big = self
            .docs
            .get(uri)
            .is_some_and(|d| d.text.len() > MAX_DOCUMENT);
        let version = self.docs.get(uri).map(|d| d.version);
        let Some(a) = self.analysis(uri) else {
            return;
        };
        let diagnostics = if too_big {
            vec![lsp::Diagnostic {
                range: lsp::Range::default(),
                severity: Some(lsp::DiagnosticSeverity::INFORMATION),
                source: Some("acrpc".into()),
                message: format!(
                    "the document is larger than {} MiB and is not analysed",
                    MAX_DOCUMENT >> 20
                ),
                ..Default::default()
            }]
        } else {
            a.lsp_diagnostics(uri)
        };
        out.notify(
            "textDocument/publishDiagnostics",
            lsp::PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics,
                version,
            },
        );
    }

    /// Applies a notification; returns the document it changed, if any.
    fn notification(&mut self, n: Notification, out: &mut Out) -> Option<lsp::Uri> {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let p: lsp::DidOpenTextDocumentParams = serde_json::from_value(n.params).ok()?;
                let uri = p.text_document.uri;
                let config = self.config_for(&uri, out);
                self.docs.insert(
                    uri.clone(),
                    Document {
                        text: p.text_document.text,
                        version: p.text_document.version,
                        analysis: None,
                        cache: ParseCache::default(),
                        config,
                    },
                );
                Some(uri)
            }
            "textDocument/didChange" => {
                let p: lsp::DidChangeTextDocumentParams = serde_json::from_value(n.params).ok()?;
                let uri = p.text_document.uri;
                let Some(doc) = self.docs.get_mut(&uri) else {
                    out.notify(
                        "window/logMessage",
                        lsp::LogMessageParams {
                            typ: lsp::MessageType::WARNING,
                            message: format!(
                                "didChange for a document that is not open: {}",
                                uri.as_str()
                            ),
                        },
                    );
                    return None;
                };
                for change in p.content_changes {
                    match change.range {
                        None => doc.text = change.text,
                        Some(r) => {
                            let idx = analysis::LineIndex::new(&doc.text);
                            let s = idx.offset_clamped(&doc.text, r.start);
                            let e = idx.offset_clamped(&doc.text, r.end).max(s);
                            doc.text.replace_range(s..e, &change.text);
                        }
                    }
                }
                doc.version = p.text_document.version;
                doc.analysis = None;
                Some(uri)
            }
            "textDocument/didClose" => {
                let p: lsp::DidCloseTextDocumentParams = serde_json::from_value(n.params).ok()?;
                self.docs.remove(&p.text_document.uri);
                out.notify(
                    "textDocument/publishDiagnostics",
                    lsp::PublishDiagnosticsParams {
                        uri: p.text_document.uri,
                        diagnostics: Vec::new(),
                        version: None,
                    },
                );
                None
            }
            _ => None,
        }
    }

    /// Answers a request. `Err` is (code, message) of an error response.
    fn request(&mut self, method: &str, params: Value) -> Result<Value, (ErrorCode, String)> {
        fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, (ErrorCode, String)> {
            serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
        }
        if self.shutting_down {
            return Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            ));
        }
        Ok(match method {
            "textDocument/completion" => {
                let p: lsp::CompletionParams = parse(params)?;
                let r = self
                    .analysis(&p.text_document_position.text_document.uri)
                    .and_then(|a| a.completion(p.text_document_position.position));
                json(&r.map(lsp::CompletionResponse::Array))
            }
            "textDocument/hover" => {
                let p: lsp::HoverParams = parse(params)?;
                let r = self
                    .analysis(&p.text_document_position_params.text_document.uri)
                    .and_then(|a| a.hover(p.text_document_position_params.position));
                json(&r)
            }
            "textDocument/definition" => {
                let p: lsp::GotoDefinitionParams = parse(params)?;
                let uri = p.text_document_position_params.text_document.uri;
                let r = self
                    .analysis(&uri)
                    .and_then(|a| a.definition(p.text_document_position_params.position))
                    .map(|range| {
                        lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(uri.clone(), range))
                    });
                json(&r)
            }
            "textDocument/references" => {
                let p: lsp::ReferenceParams = parse(params)?;
                let uri = p.text_document_position.text_document.uri;
                let r = self
                    .analysis(&uri)
                    .and_then(|a| {
                        a.references(
                            p.text_document_position.position,
                            p.context.include_declaration,
                        )
                    })
                    .map(|ranges| {
                        ranges
                            .into_iter()
                            .map(|r| lsp::Location::new(uri.clone(), r))
                            .collect::<Vec<_>>()
                    });
                json(&r)
            }
            "textDocument/rename" => {
                let p: lsp::RenameParams = parse(params)?;
                let uri = p.text_document_position.text_document.uri;
                let a = self.analysis(&uri).ok_or((
                    ErrorCode::RequestFailed,
                    "the document is not open".to_string(),
                ))?;
                let edits = a
                    .rename(p.text_document_position.position, &p.new_name)
                    .map_err(|e| (ErrorCode::RequestFailed, e))?;
                let mut changes = HashMap::new();
                changes.insert(uri, edits);
                json(&lsp::WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                })
            }
            "textDocument/documentSymbol" => {
                let p: lsp::DocumentSymbolParams = parse(params)?;
                let r = self
                    .analysis(&p.text_document.uri)
                    .map(|a| lsp::DocumentSymbolResponse::Nested(a.document_symbols()));
                json(&r)
            }
            "textDocument/codeLens" => {
                let p: lsp::CodeLensParams = parse(params)?;
                let uri = p.text_document.uri;
                json(&self.analysis(&uri).map(|a| a.code_lenses(&uri)))
            }
            "textDocument/formatting" => {
                let p: lsp::DocumentFormattingParams = parse(params)?;
                let Some(a) = self.analysis(&p.text_document.uri) else {
                    return Ok(Value::Null);
                };
                json(&a.format().map_err(|e| (ErrorCode::RequestFailed, e))?)
            }
            "textDocument/codeAction" => {
                let p: lsp::CodeActionParams = parse(params)?;
                let uri = p.text_document.uri;
                let r = self
                    .analysis(&uri)
                    .and_then(|a| a.code_actions(&uri, p.range));
                json(&r.map(|actions| {
                    actions
                        .into_iter()
                        .map(lsp::CodeActionOrCommand::CodeAction)
                        .collect::<Vec<_>>()
                }))
            }
            "textDocument/semanticTokens/full" => {
                let p: lsp::SemanticTokensParams = parse(params)?;
                let r = self
                    .analysis(&p.text_document.uri)
                    .map(|a| lsp::SemanticTokens {
                        result_id: None,
                        data: a.semantic_tokens(),
                    });
                json(&r)
            }
            "shutdown" => {
                self.shutting_down = true;
                Value::Null
            }
            _ => {
                return Err((
                    ErrorCode::MethodNotFound,
                    format!("unknown method `{method}`"),
                ));
            }
        })
    }
}

/// A response value as JSON (`null` if it cannot be serialised, which the
/// lsp-types values never fail to be).
fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::INCREMENTAL,
        )),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into(), "\"".into(), "[".into()]),
            ..Default::default()
        }),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        code_lens_provider: Some(lsp::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(
            lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: analysis::semantic_legend(),
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    ..Default::default()
                },
            ),
        ),
        ..Default::default()
    }
}

/// Runs the server until `exit` or the end of stdin. Returns whether the
/// client shut down properly (exit code 0, else 1, as LSP says).
pub fn run(config: crate::lint::Config) -> bool {
    let (tx, rx) = mpsc::channel();
    spawn_reader(tx);
    let mut stdout = std::io::stdout();
    serve(config, &rx, &mut Out { w: &mut stdout })
}

/// Serves a recorded conversation: `input` is everything the client sends,
/// read up front (one batch per the debounce rule), the answers go to
/// `output`. For fuzzing and tests of the message loop without threads.
pub fn serve_bytes(config: crate::lint::Config, input: &[u8], output: &mut dyn Write) -> bool {
    let (tx, rx) = mpsc::channel();
    let mut r = input;
    let mut skipped = false;
    while let Ok(Some(frame)) = read_frame(&mut r, &mut skipped) {
        if tx.send(incoming(frame)).is_err() {
            break;
        }
    }
    drop(tx);
    serve(config, &rx, &mut Out { w: output })
}

fn serve(config: crate::lint::Config, rx: &mpsc::Receiver<Incoming>, out: &mut Out) -> bool {
    let mut server = Server {
        docs: HashMap::new(),
        config,
        configs: HashMap::new(),
        shutting_down: false,
    };
    let mut initialized = false;
    while let Ok(first) = rx.recv() {
        // Debounce: take everything already queued.
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        let mut changed: BTreeSet<String> = BTreeSet::new();
        let mut changed_uris: Vec<lsp::Uri> = Vec::new();
        for incoming in batch {
            let msg = match incoming {
                Incoming::Garbage(why) => {
                    out.garbage(&why);
                    continue;
                }
                Incoming::Message(m) => m,
            };
            match msg {
                Message::Request(req) => {
                    if !initialized && req.method != "initialize" {
                        out.send(Message::Response(Response::new_err(
                            req.id,
                            ErrorCode::ServerNotInitialized as i32,
                            "the server is not initialized".into(),
                        )));
                        continue;
                    }
                    // Requests see the documents as changed so far in this batch.
                    if req.method == "initialize" {
                        initialized = true;
                        let result = lsp::InitializeResult {
                            capabilities: capabilities(),
                            server_info: Some(lsp::ServerInfo {
                                name: "acrpc".into(),
                                version: Some(env!("CARGO_PKG_VERSION").into()),
                            }),
                        };
                        out.send(Message::Response(Response::new_ok(req.id, result)));
                        continue;
                    }
                    respond(&mut server, req, out);
                }
                Message::Notification(n) => {
                    if n.method == "exit" {
                        return server.shutting_down;
                    }
                    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        server.notification(n, out)
                    }));
                    if let Ok(Some(uri)) = handled
                        && changed.insert(uri.as_str().to_string())
                    {
                        changed_uris.push(uri);
                    }
                }
                Message::Response(_) => {}
            }
        }
        for uri in changed_uris {
            let published = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                server.publish(&uri, out)
            }));
            if published.is_err() {
                // Keep serving; forget the analysis that failed.
                if let Some(d) = server.docs.get_mut(&uri) {
                    d.analysis = None;
                }
            }
        }
    }
    false
}

fn respond(server: &mut Server, req: Request, out: &mut Out) {
    let Request { id, method, params } = req;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        server.request(&method, params)
    }));
    let resp = match result {
        Ok(Ok(v)) => Response::new_ok(id, v),
        Ok(Err((code, msg))) => Response::new_err(id, code as i32, msg),
        Err(_) => Response::new_err(
            id,
            ErrorCode::InternalError as i32,
            format!("internal error while answering `{method}`"),
        ),
    };
    out.send(Message::Response(resp));
}

#[cfg(test)]
mod framing_tests {
    use super::read_frame;

    /// Every frame `read_frame` returns until the end of `input`.
    fn frames(input: &str) -> (Vec<Result<String, String>>, bool) {
        let mut r = std::io::Cursor::new(input.as_bytes().to_vec());
        let mut skipped = false;
        let mut out = Vec::new();
        while let Ok(Some(f)) = read_frame(&mut r, &mut skipped) {
            out.push(f);
        }
        (out, skipped)
    }

    const OK: &str = "Content-Length: 2\r\n\r\n{}";

    // Issue 13 item 18: each desync below used to silence the server for good.
    #[test]
    fn a_frame_without_content_length_is_garbage_and_the_next_frame_is_read() {
        let (f, skipped) = frames(&format!("X-Nonsense: 1\r\n\r\n{{\"a\":1}}{OK}"));
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].is_err());
        assert_eq!(f[1], Ok("{}".to_string()));
        assert!(skipped);
    }

    #[test]
    fn a_short_content_length_resynchronises_on_the_next_header() {
        let (f, _) = frames(&format!("Content-Length: 3\r\n\r\n{{\"a\":1}}{OK}"));
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0], Ok("{\"a".to_string()));
        assert_eq!(f[1], Ok("{}".to_string()));
    }

    #[test]
    fn two_content_lengths_that_disagree_are_garbage() {
        let (f, _) = frames(&format!(
            "Content-Length: 7\r\nContent-Length: 2\r\n\r\n{{\"a\":1}}{OK}"
        ));
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].is_err());
        assert_eq!(f[1], Ok("{}".to_string()));
        let (same, skipped) = frames("Content-Length: 2\r\ncontent-length: 2\r\n\r\n{}");
        assert_eq!(same, vec![Ok("{}".to_string())]);
        assert!(!skipped);
    }
}
