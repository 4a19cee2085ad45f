//! Leaf-condition coverage: for every rule, which leaf conditions (of its
//! `if` and its `existenceCondition`) some test saw true and some test saw
//! false, through the evaluator's `LeafObserver` hook. A rule no test runs
//! is listed as untested; the percentage counts both outcomes of every leaf.

use super::Case;
use crate::eval::{LeafId, LeafObserver, Rule, Tri};
use std::collections::HashMap;
use std::sync::Mutex;

/// Collects leaf outcomes while tests run (on several threads).
pub struct Recorder {
    /// Rule id → index into the rules.
    by_id: HashMap<String, usize>,
    /// Per rule, per leaf: (seen true, seen false).
    seen: Mutex<Vec<Vec<(bool, bool)>>>,
}

impl Recorder {
    pub fn new(rules: &[Rule]) -> Recorder {
        Recorder {
            by_id: rules
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.clone(), i))
                .collect(),
            seen: Mutex::new(
                rules
                    .iter()
                    .map(|r| vec![(false, false); r.logic.leaves.len()])
                    .collect(),
            ),
        }
    }

    pub fn finish(self, rules: &[Rule], cases: &[Case]) -> Coverage {
        let seen = self.seen.into_inner().unwrap_or_else(|e| e.into_inner());
        let rules = rules
            .iter()
            .zip(seen)
            .filter(|(r, _)| r.companion_of.is_none())
            .map(|(r, leaves)| {
                let index = rules_index(rules, &r.id);
                RuleCoverage {
                    rule: r.id.clone(),
                    tests: cases
                        .iter()
                        .filter(|c| c.members.iter().any(|m| Some(m.rule) == index))
                        .count(),
                    leaves: r
                        .logic
                        .leaves
                        .iter()
                        .zip(leaves)
                        .map(|(id, (t, f))| LeafCoverage {
                            pointer: id.pointer.clone(),
                            seen_true: t,
                            seen_false: f,
                        })
                        .collect(),
                }
            })
            .collect();
        Coverage { rules }
    }
}

fn rules_index(rules: &[Rule], id: &str) -> Option<usize> {
    rules
        .iter()
        .position(|r| r.id == id && r.companion_of.is_none())
}

impl LeafObserver for Recorder {
    fn leaf(&self, rule: &Rule, leaf: &LeafId, outcome: &Tri) {
        let Ok(held) = outcome else { return };
        let Some(&r) = self.by_id.get(&rule.id) else {
            return;
        };
        if let Ok(mut seen) = self.seen.lock()
            && let Some(slot) = seen.get_mut(r).and_then(|l| l.get_mut(leaf.index))
        {
            if *held {
                slot.0 = true;
            } else {
                slot.1 = true;
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// Every rule of the pack(s), in pack order (modify companions left out).
    pub rules: Vec<RuleCoverage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleCoverage {
    pub rule: String,
    /// How many tests run the rule.
    pub tests: usize,
    pub leaves: Vec<LeafCoverage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeafCoverage {
    /// JSON pointer below `policyRule` (`/if/allOf/1`).
    pub pointer: String,
    pub seen_true: bool,
    pub seen_false: bool,
}

impl RuleCoverage {
    /// (covered outcomes, possible outcomes): two per leaf.
    pub fn counts(&self) -> (usize, usize) {
        let covered = self
            .leaves
            .iter()
            .map(|l| usize::from(l.seen_true) + usize::from(l.seen_false))
            .sum();
        (covered, 2 * self.leaves.len())
    }
}

impl Coverage {
    pub fn merge(&mut self, other: Coverage) {
        self.rules.extend(other.rules);
    }

    /// Covered leaf outcomes over all rules, in percent (100 with no leaf).
    pub fn percent(&self) -> f64 {
        let (c, t) = self.rules.iter().fold((0, 0), |(c, t), r| {
            let (rc, rt) = r.counts();
            (c + rc, t + rt)
        });
        if t == 0 {
            100.0
        } else {
            100.0 * c as f64 / t as f64
        }
    }

    pub fn untested(&self) -> impl Iterator<Item = &RuleCoverage> {
        self.rules.iter().filter(|r| r.tests == 0)
    }
}
