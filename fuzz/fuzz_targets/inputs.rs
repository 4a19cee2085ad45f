//! Every input loader (ARM template, export, Terraform plan; the first byte
//! picks detection or a forced format) followed by the evaluator with the
//! bundled baseline, as `acrpc check` runs them, and every report format.
#![no_main]

use acrpc::check::{self, Input, Settings, report};
use acrpc::eval::rule::Rule;
use acrpc::inputs::{self, Format, arm::ArmOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rules() -> &'static Vec<Rule> {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(check::bundled_rules)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let forced = match pick % 4 {
        0 => None,
        1 => Some(Format::Arm),
        2 => Some(Format::Export),
        _ => Some(Format::Terraform),
    };
    let opts = ArmOptions {
        subscription_id: Some("00000000-0000-0000-0000-000000000000".into()),
        resource_group: Some("rg".into()),
        ..ArmOptions::default()
    };
    let loaded = inputs::load("fuzz.json", text, forced, &opts);
    let Some(format) = loaded.format else {
        return;
    };
    let input = Input {
        file: "fuzz.json".into(),
        format: format.as_str(),
        resources: loaded.resources,
        text: text.to_string(),
        parameters: None,
    };
    let settings = Settings {
        today: "2026-01-01".into(),
        ..Settings::default()
    };
    let report = check::run(rules().clone(), vec![input], &settings);
    let _ = report::text(&report);
    let _ = report::json(&report);
    let _ = report::sarif(&report);
    let _ = report::junit(&report);
    let _ = report::markdown(&report);
});
