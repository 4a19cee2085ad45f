//! The `.acrp` pipeline: parse, check, emit, and render every diagnostic
//! (the renderer once panicked on long lines). Deploy templates are absent.
#![no_main]

use acrpc::compile::compile_str;
use acrpc::diag::render::{RenderOptions, render, to_json};
use acrpc::sema::NoTemplates;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (sources, compiled) = compile_str("fuzz.acrp", text, &NoTemplates);
    let files = compiled.files();
    if compiled.diagnostics.iter().any(|d| d.is_error()) {
        assert!(files.is_empty(), "output written despite errors");
    }
    for d in &compiled.diagnostics {
        let _ = render(d, &sources, RenderOptions::default());
        let _ = to_json(d, &sources);
    }
});
