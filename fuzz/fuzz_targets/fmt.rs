//! The formatter, as properties: it never refuses a file that parses
//! (E0602 is its own internal error), formatting twice changes nothing, and
//! the formatted file compiles to the same output and diagnostic codes.
#![no_main]

use acrpc::compile::compile_str;
use acrpc::diag::Code;
use acrpc::sema::NoTemplates;
use libfuzzer_sys::fuzz_target;

fn meaning(text: &str) -> (Vec<(String, String)>, Vec<Code>) {
    let (_, compiled) = compile_str("fuzz.acrp", text, &NoTemplates);
    let files = compiled
        .files()
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    let mut codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
    codes.sort_by_key(|c| c.as_str());
    (files, codes)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let once = match acrpc::fmt::format(0, text) {
        Ok(t) => t,
        Err(diags) => {
            assert!(
                diags.iter().all(|d| d.code != Code::E0602),
                "the formatter refused its own output: {:?}",
                diags.iter().map(|d| &d.message).collect::<Vec<_>>()
            );
            return;
        }
    };
    let twice = acrpc::fmt::format(0, &once).expect("formatted text formats");
    assert_eq!(once, twice, "fmt is not idempotent");
    assert!(meaning(text) == meaning(&once), "fmt changed the meaning");
});
