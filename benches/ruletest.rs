//! `acrpc test` benchmark: 1,000 tests over the bundled baseline (its 98
//! tests repeated), resolved once, then run (rayon, all cores) with and
//! without coverage. The same-run floor is serde_json parsing the text of
//! every test's resources once per test (what any runner must at least read).
//!
//! Run with `cargo bench --bench ruletest`. Plain `fn main`, median of runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // bench code

use acrpc::ruletest::{self, Files};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const TESTS: usize = 1_000;
const RUNS: usize = 7;

struct Rulepacks;

impl acrpc::sema::Templates for Rulepacks {
    fn load(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("rulepacks")
                .join(path),
        )
        .map_err(|e| e.to_string())
    }
}

impl Files for Rulepacks {
    fn read(&self, path: &str) -> Result<String, String> {
        acrpc::sema::Templates::load(self, path)
    }
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pack = std::fs::read_to_string(root.join("rulepacks/acr-baseline.acrp")).unwrap();
    let tests = std::fs::read_to_string(root.join("rulepacks/acr-baseline.test.acrp")).unwrap();
    let suite = ruletest::suite(
        ("acr-baseline.acrp", &pack),
        &[("acr-baseline.test.acrp".to_string(), tests)],
        &Rulepacks,
        &Rulepacks,
    );
    assert!(!suite.cases.is_empty());
    let cases: Vec<ruletest::Case> = suite.cases.iter().cycle().take(TESTS).cloned().collect();
    // The floor: the resources of every test as JSON text, parsed back.
    let texts: Vec<String> = cases
        .iter()
        .map(|c| {
            let bodies: Vec<&serde_json::Value> = c.resources.iter().map(|r| &r.body).collect();
            serde_json::to_string(&bodies).unwrap()
        })
        .collect();
    let floor = median(|| {
        let t = Instant::now();
        for s in &texts {
            black_box(serde_json::from_str::<serde_json::Value>(s).unwrap());
        }
        t.elapsed()
    });
    let plain = median(|| {
        let t = Instant::now();
        let run = ruletest::run(cases.clone(), &suite.rules, false);
        assert_eq!(run.failed(), 0);
        t.elapsed()
    });
    let covered = median(|| {
        let t = Instant::now();
        let run = ruletest::run(cases.clone(), &suite.rules, true);
        black_box(run.coverage);
        t.elapsed()
    });
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("acrpc test: {TESTS} tests over the bundled baseline, median of {RUNS}");
    println!(
        "  floor (serde_json parses each test's resources): {:8.2} ms",
        ms(floor)
    );
    println!(
        "  run:                                            {:8.2} ms  ({:.1}x the floor)",
        ms(plain),
        ms(plain) / ms(floor)
    );
    println!(
        "  run with coverage:                              {:8.2} ms  ({:.1}x the floor)",
        ms(covered),
        ms(covered) / ms(floor)
    );
}
