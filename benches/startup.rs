//! Start-up benchmark (issue 15 item 6a): the wall time of `acrpc check` on
//! one small template with the bundled baseline, against two same-run
//! floors: starting a process that does nothing (`true`) and `acrpc
//! --version` (the same binary: loading, clap, no work).
//!
//! Run with `cargo bench --bench startup`. Plain `fn main` (harness =
//! false): each command is started `RUNS` times, alternating, and the
//! minimum and median are printed (the minimum is the least disturbed by
//! the other processes of a busy machine). Goal: `acrpc check` of one
//! template ≤ 2 ms above the `true` floor.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // bench code: a failure should stop the bench

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 200;

fn run_once(program: &str, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let took = start.elapsed();
    // `acrpc check` exits 1 when a rule fails; 2 would be a broken run.
    assert!(
        status.code().is_some_and(|c| c < 2),
        "{program} {args:?} exited with {status}"
    );
    took
}

/// (min, median)
fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(v[0]), ms(v[v.len() / 2]))
}

fn main() {
    let acrpc = env!("CARGO_BIN_EXE_acrpc");
    let template =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/basic-registry.json");
    let template = template.to_str().unwrap();
    let true_bin = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("no `true` binary");

    let commands: [(&str, &str, Vec<&str>); 3] = [
        ("true (process floor)", true_bin, vec![]),
        ("acrpc --version", acrpc, vec!["--version"]),
        (
            "acrpc check (1 template)",
            acrpc,
            vec!["check", "--format", "json", template],
        ),
    ];
    // Warm-up (page cache, dynamic loader).
    for (_, program, args) in &commands {
        run_once(program, args);
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(RUNS); commands.len()];
    for _ in 0..RUNS {
        for (k, (_, program, args)) in commands.iter().enumerate() {
            times[k].push(run_once(program, args));
        }
    }
    let results: Vec<(f64, f64)> = times.into_iter().map(stats).collect();
    let (floor_min, floor_med) = results[0];
    println!("acrpc start-up benchmark ({RUNS} runs each, interleaved)");
    for ((label, _, _), (min, med)) in commands.iter().zip(&results) {
        println!(
            "  {label:<26} min {min:6.2} ms  median {med:6.2} ms  (min {:+.2} ms over the floor, {:.1}x)",
            min - floor_min,
            min / floor_min
        );
    }
    let (check_min, check_med) = results[2];
    let above = check_min - floor_min;
    println!(
        "  acrpc check above the floor: min {above:.2} ms, median {:.2} ms; goal <= 2 ms: {}",
        check_med - floor_med,
        if above <= 2.0 { "met" } else { "NOT met" }
    );
}
