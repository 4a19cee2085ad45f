//! `acrpc.toml`, the project configuration of `acrpc lint`:
//!
//! ```toml
//! [lint]
//! disable = ["W0601"]          # codes to turn off
//! enable  = ["W0601"]          # turn back on (wins over `disable`)
//! max-waiver-days = 365         # W1003: how far ahead a waiver may expire
//! ```
//!
//! Compile warnings (`W00xx`) can be disabled the same way; errors cannot.

use crate::diag::{Code, Severity};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    disabled: BTreeSet<Code>,
    max_waiver_days: Option<u32>,
    /// Today (`YYYY-MM-DD`), set by the caller that reads the clock; without
    /// it, waivers are checked for a missing expiry only.
    today: Option<String>,
}

/// `max-waiver-days` when not configured: a year, PSRule's
/// `Azure.Policy.WaiverExpiry` default.
pub const DEFAULT_MAX_WAIVER_DAYS: u32 = 365;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    lint: Option<LintSection>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LintSection {
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default, rename = "max-waiver-days")]
    max_waiver_days: Option<u32>,
}

impl Config {
    /// Parses the text of an `acrpc.toml`. The error says what is wrong.
    pub fn parse(text: &str) -> Result<Config, String> {
        let file: File = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut cfg = Config::default();
        let Some(lint) = file.lint else {
            return Ok(cfg);
        };
        let code = |s: &String| -> Result<Code, String> {
            let c = Code::parse(s).ok_or_else(|| format!("`{s}` is not a diagnostic code"))?;
            if c.info().severity == Severity::Error {
                return Err(format!("`{s}` is an error and cannot be disabled"));
            }
            Ok(c)
        };
        for s in &lint.disable {
            cfg.disabled.insert(code(s)?);
        }
        for s in &lint.enable {
            cfg.disabled.remove(&code(s)?);
        }
        cfg.max_waiver_days = lint.max_waiver_days;
        Ok(cfg)
    }

    pub fn enabled(&self, code: Code) -> bool {
        !self.disabled.contains(&code)
    }

    pub fn disable(&mut self, code: Code) {
        self.disabled.insert(code);
    }

    pub fn max_waiver_days(&self) -> u32 {
        self.max_waiver_days.unwrap_or(DEFAULT_MAX_WAIVER_DAYS)
    }

    pub fn today(&self) -> Option<&str> {
        self.today.as_deref()
    }

    /// The configuration with today's date, for the expiry lints.
    pub fn with_today(mut self, today: String) -> Config {
        self.today = Some(today);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disable_and_enable() {
        let c = Config::parse("[lint]\ndisable = [\"W0601\", \"w0602\"]\nenable = [\"W0602\"]\n")
            .expect("valid");
        assert!(!c.enabled(Code::W0601));
        assert!(c.enabled(Code::W0602));
        assert!(c.enabled(Code::W0603));
    }

    #[test]
    fn rejects_unknown_codes_keys_and_errors() {
        assert!(Config::parse("[lint]\ndisable = [\"W6001\"]\n").is_err());
        assert!(Config::parse("[lint]\ndisabled = []\n").is_err());
        assert!(Config::parse("[lint]\ndisable = [\"E0202\"]\n").is_err());
        assert_eq!(Config::parse("").expect("empty is fine"), Config::default());
    }
}
