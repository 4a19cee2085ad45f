//! Compile-time benchmark: one generated 2,000-rule pack, compiled end to end
//! (parse → check → emit every output file to a string), against the floor of
//! merely parsing the emitted JSON back with serde_json.
//!
//! Run with `cargo bench --bench compile`. Plain `fn main` (harness = false):
//! no benchmark framework, just `Instant` and the median of a few runs.
//! Goal: under 200 ms per 2,000-rule compile in release.
//!
//! Set `ACRPC_BENCH_DUMP=<file>` to also write the generated pack there
//! (to inspect it, or to build it with `acrpc build`), and
//! `ACRPC_BENCH_DUMP_LARGE=<file>` for the realistic pack below (build it
//! from a folder that holds a copy of `rulepacks/templates/`).
//!
//! Then a realistic pack: the bundled baseline's 33 rules (descriptions,
//! deploy templates, fixes and all) copied under new ids up to 15,000
//! rules, compiled once (no warm-up: the first compile of the process), timed, with the
//! process's peak resident memory (Linux `VmHWM`), the output files handed
//! on one by one as `acrpc build` writes them. Goal: < 2 s, < 200 MB.
//! It runs first, so the peak is its own. `ACRPC_BENCH_LARGE=N` changes N.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::compile::{compile_file, compile_str};
use acrpc::diag::render::{RenderOptions, render};
use acrpc::diag::{SourceFile, SourceMap, Span};
use acrpc::emit::OutputFile;
use acrpc::sema::{NoTemplates, Options, PRACTICES};
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const RULES: usize = 2_000;
const LARGE_RULES: usize = 15_000;
const ITERATIONS: usize = 10;

const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
const LOCATIONS: &[&str] = &[
    "westeurope",
    "northeurope",
    "eastus",
    "eastus2",
    "westus3",
    "uksouth",
];

/// One rule body (the clauses after the common header); `i` varies literals so
/// that no two rules are identical.
fn rule_body(i: usize, out: &mut String) {
    let loc = |k: usize| LOCATIONS[(i + k) % LOCATIONS.len()];
    let body = match i % 12 {
        0 => "effect audit | deny | disabled = audit\n  \
              require publicNetworkAccess == \"Disabled\"\n  \
              fix publicNetworkAccess = \"Disabled\""
            .to_string(),
        1 => format!(
            "effect audit | deny | disabled = deny\n  \
             when sku.name in [\"Standard\", \"Premium\"] and location in [\"{}\", \"{}\", \"{}\"]\n  \
             require networkRuleSet.defaultAction == \"Deny\" or publicNetworkAccess == \"Disabled\"",
            loc(0),
            loc(1),
            loc(2)
        ),
        2 => "effect audit | disabled = audit\n  \
              require any(privateEndpointConnections[*],\n              \
              privateLinkServiceConnectionState.status == \"Approved\" and privateEndpoint.id exists)"
            .to_string(),
        3 => format!(
            "effect audit | deny | disabled = audit\n  \
             require count(privateEndpointConnections[*],\n                \
             privateLinkServiceConnectionState.status in [\"Pending\", \"Rejected\", \"Disconnected\"]) <= {}",
            i % 3
        ),
        4 => "effect audit | deny | disabled = audit\n  \
              require adminUserEnabled != true\n  \
              fix adminUserEnabled = false"
            .to_string(),
        5 => format!(
            "effect audit | deny | disabled = audit\n  \
             when tags[\"env\"] like \"prod-{}*\" and sku.name == \"Premium\"\n  \
             require policies.trustPolicy.status == \"enabled\" and policies.quarantinePolicy.status == \"enabled\"",
            i % 17
        ),
        6 => format!(
            "param allowedSkus: array = [\"Premium\", \"Standard\"] {{\n    \
             title \"Allowed SKUs {i}\"\n  }}\n  \
             effect audit | deny | disabled = deny\n  \
             require sku.name in param.allowedSkus"
        ),
        7 => format!(
            "effect audit | deny | disabled = audit\n  \
             forbid zoneRedundancy == \"Disabled\" and sku.name == \"Premium\" and location not in [\"{}\", \"{}\"]",
            loc(3),
            loc(4)
        ),
        8 if i % 48 == 8 => "effect auditIfNotExists | disabled = auditIfNotExists\n  \
              require related \"Microsoft.Insights/diagnosticSettings\" after provisioning\n    \
              where any(logs[*], categoryGroup == \"audit\" and enabled == true)"
            .to_string(),
        8 => "effect audit | deny | disabled = audit\n  \
              require anonymousPullEnabled != true\n  \
              fix anonymousPullEnabled = false"
            .to_string(),
        9 => format!(
            "effect audit | deny | disabled = audit\n  \
             require all(networkRuleSet.ipRules[*], action == \"Allow\" and value not like \"0.0.0.0*\")\n      \
             and count(networkRuleSet.ipRules[*]) <= {}",
            10 + i % 90
        ),
        10 => "effect audit | deny | disabled = audit\n  \
               when sku.name == \"Premium\"\n  \
               require dataEndpointEnabled == true and networkRuleBypassOptions == \"None\""
            .to_string(),
        _ => format!(
            "effect audit | deny | disabled = audit\n  \
             when not (tags[\"exempt-{}\"] exists)\n  \
             require policies.exportPolicy.status == \"disabled\"\n      \
             or (policies.retentionPolicy.status == \"enabled\" and encryption.status == \"enabled\")",
            i % 23
        ),
    };
    out.push_str(&body);
}

/// The pack text: a header, `rules` rules, and one initiative per practice
/// (together they include every rule; a single `include all` would exceed
/// Azure's 1,000 members per initiative, which the compiler rejects).
fn generate(rules: usize) -> String {
    let mut s = String::with_capacity(rules * 400);
    s.push_str(
        "pack bench {\n  title    \"Generated benchmark pack\"\n  version  \"1.0.0\"\n  \
         category \"Container Registry\"\n}\n\n",
    );
    for i in 0..rules {
        let practice = PRACTICES[i % PRACTICES.len()];
        let severity = SEVERITIES[(i / 7) % SEVERITIES.len()];
        let _ = write!(
            s,
            "rule r{i:04} {{\n  title    \"Generated rule {i}\"\n  description \"Rule {i} of the benchmark pack.\"\n  \
             practice {practice}\n  severity {severity}\n  controls [\"MCSB NS-{}\"]\n  target   registry\n  ",
            i % 10
        );
        rule_body(i, &mut s);
        s.push_str("\n}\n\n");
    }
    for p in PRACTICES {
        let _ = write!(
            s,
            "initiative all-{p} {{\n  title \"Every {p} rule\"\n  version \"1.0.0\"\n  \
             group {p} \"{p}\"\n  include practice {p} {{ groups [{p}] }}\n}}\n\n"
        );
    }
    s
}

fn compile(text: &str) -> Vec<OutputFile> {
    let (sources, compiled) = compile_str("bench.acrp", text, &NoTemplates);
    if compiled.pack.is_none() {
        for d in compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .take(20)
        {
            eprintln!("{}", render(d, &sources, RenderOptions::default()));
        }
        eprintln!("the generated pack does not compile");
        std::process::exit(1);
    }
    compiled.files()
}

fn parse_all(files: &[OutputFile]) -> usize {
    files
        .iter()
        .map(
            |f| match serde_json::from_str::<serde_json::Value>(&f.contents) {
                Ok(v) => usize::from(!v.is_null()),
                Err(e) => {
                    eprintln!("{} is not JSON: {e}", f.path);
                    std::process::exit(1);
                }
            },
        )
        .sum()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// (median, min)
fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    };
    (median, v[0])
}

/// The baseline pack with its rules copied under new ids (`<id>-c<k>`) until
/// there are `rules` of them; its other items are left out (initiatives: one
/// per practice would exceed Azure's 1,000 members; the assignments and
/// exemptions name those initiatives).
fn realistic(rules: usize) -> String {
    let baseline = include_str!("../rulepacks/acr-baseline.acrp");
    let mut header = String::new();
    let mut items: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    let mut skipping = false;
    for line in baseline.lines() {
        if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
            if line == "}" {
                items.extend(current.take());
            }
        } else if skipping {
            skipping = line != "}";
        } else if let Some(rest) = line.strip_prefix("rule ") {
            let id = rest.trim_end_matches(" {").to_string();
            current = Some((id, String::new()));
        } else if line.ends_with('{') && !line.starts_with("pack ") && !line.starts_with(' ') {
            // initiative, environment, assignment, exemption
            skipping = true;
        } else {
            header.push_str(line);
            header.push('\n');
        }
    }
    let mut s = header;
    for i in 0..rules {
        let (id, body) = &items[i % items.len()];
        let _ = write!(s, "rule {id}-c{} {{\n{body}\n", i / items.len());
    }
    s
}

/// The process's peak resident set so far, in MB (Linux), or 0.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The realistic pack: one compile, timed, and the peak memory it reached.
fn large() {
    let n = std::env::var("ACRPC_BENCH_LARGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LARGE_RULES);
    let text = realistic(n);
    if let Ok(path) = std::env::var("ACRPC_BENCH_DUMP_LARGE")
        && let Err(e) = std::fs::write(&path, &text)
    {
        eprintln!("cannot write {path}: {e}");
    }
    let templates: std::collections::BTreeMap<String, String> = [(
        "templates/diagnostic-settings-log-analytics.json".to_string(),
        include_str!("../rulepacks/templates/diagnostic-settings-log-analytics.json").to_string(),
    )]
    .into();
    let source_bytes = text.len();
    let before = peak_rss_mb();
    let start = Instant::now();
    // As `acrpc build` does: the text read is moved into the source map (one
    // copy of the 15 MB, not two).
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new("large.acrp", text));
    let compiled = compile_file(&sources, id, &templates, &Options::default());
    let checked = start.elapsed();
    let peak_checked = peak_rss_mb();
    // As `acrpc build` does: each file handed on (there: written into the
    // staging folder) as soon as it is serialised, not all held at once.
    let (files, bytes) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let emitted = compiled.pack.as_ref().map(|pack| {
        acrpc::emit::each_pack_file(pack, &|f: OutputFile| {
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(black_box(f).contents.len(), Ordering::Relaxed);
            Ok::<(), ()>(())
        })
    });
    let took = start.elapsed();
    let peak = peak_rss_mb();
    if emitted.is_none() {
        for d in compiled.diagnostics.iter().filter(|d| d.is_error()).take(5) {
            eprintln!("{}", render(d, &sources, RenderOptions::default()));
        }
        eprintln!("the realistic pack does not compile");
        std::process::exit(1);
    }
    println!(
        "realistic pack: {n} rules (the baseline's, copied), {:.1} MB source, {} files, {:.1} MB output (streamed)",
        source_bytes as f64 / 1e6,
        files.into_inner(),
        bytes.into_inner() as f64 / 1e6
    );
    println!(
        "  compile:        {:.0} ms (one run), peak RSS {peak:.0} MB ({before:.0} MB before), goal < 2 s and < 200 MB: {}",
        ms(took),
        if took < Duration::from_secs(2) && peak < 200.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "    parse + check: {:.0} ms, peak RSS {peak_checked:.0} MB; emit: {:.0} ms",
        ms(checked),
        ms(took - checked)
    );
    black_box(compiled);
}

fn main() {
    large();
    let text = generate(RULES);
    if let Ok(path) = std::env::var("ACRPC_BENCH_DUMP")
        && let Err(e) = std::fs::write(&path, &text)
    {
        eprintln!("cannot write {path}: {e}");
    }

    // Warm-up, and the output we measure the parse floor on.
    let files = compile(&text);
    let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
    let definitions = files
        .iter()
        .filter(|f| f.path.contains("/policyDefinitions/"))
        .count();
    let initiatives = files
        .iter()
        .filter(|f| f.path.contains("/policySetDefinitions/"))
        .count();

    let mut compile_times = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let start = Instant::now();
        let out = compile(black_box(&text));
        compile_times.push(start.elapsed());
        black_box(out);
    }

    // Where the time goes: the same three stages `compile_file` runs, timed
    // one by one (parse → check and lower → emit).
    let mut stage_times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..ITERATIONS {
        let start = Instant::now();
        let (ast, _) = acrpc::syntax::parse(0, black_box(&text));
        stage_times[0].push(start.elapsed());
        let start = Instant::now();
        let checked =
            acrpc::sema::check(&ast, Span::new(0, 0, 0), &NoTemplates, &Options::default());
        stage_times[1].push(start.elapsed());
        let start = Instant::now();
        black_box(checked.pack.as_ref().map(acrpc::emit::pack_files));
        stage_times[2].push(start.elapsed());
    }

    black_box(parse_all(&files));
    let mut parse_times = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let start = Instant::now();
        black_box(parse_all(black_box(&files)));
        parse_times.push(start.elapsed());
    }

    let (c_med, c_min) = stats(compile_times);
    let (p_med, p_min) = stats(parse_times);
    let [syntax_med, check_med, emit_med] = stage_times.map(|t| stats(t).0);
    println!("acrpc compile benchmark ({ITERATIONS} iterations after 1 warm-up)");
    println!("  rules:          {RULES}");
    println!("  source bytes:   {}", text.len());
    println!(
        "  output:         {} files ({definitions} definitions, {initiatives} initiatives, checker.json), {bytes} bytes",
        files.len()
    );
    println!(
        "  compile:        median {:.1} ms, min {:.1} ms",
        ms(c_med),
        ms(c_min)
    );
    println!(
        "    by stage:     parse {:.1} ms, check + lower {:.1} ms, emit {:.1} ms (medians of separate runs)",
        ms(syntax_med),
        ms(check_med),
        ms(emit_med)
    );
    println!(
        "  rules/s:        {:.0} (median)",
        RULES as f64 / c_med.as_secs_f64()
    );
    println!(
        "  serde_json parse of the output: median {:.1} ms, min {:.1} ms",
        ms(p_med),
        ms(p_min)
    );
    println!(
        "  compile / parse: {:.1}x (medians)",
        c_med.as_secs_f64() / p_med.as_secs_f64()
    );
    let goal = Duration::from_millis(200);
    println!(
        "  goal < 200 ms per 2,000-rule compile: {}",
        if c_med < goal { "met" } else { "NOT met" }
    );
}
