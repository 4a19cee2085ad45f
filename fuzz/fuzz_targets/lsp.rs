//! The language server's message loop: any byte stream as the client's
//! side of the conversation (framing, JSON-RPC, every method). Each handler
//! runs under `catch_unwind`, but libFuzzer's panic hook aborts first, so a
//! handler panic still counts as a crash here.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    acrpc::lsp::serve_bytes(acrpc::lint::Config::default(), data, &mut out);
});
