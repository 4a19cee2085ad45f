//! Suppressions written in the input, next to the resource they excuse:
//!
//! * in an ARM template (or Bicep `@metadata`), the resource's `metadata`:
//!   `"metadata": {"acrpc": {"suppress": [{"rule": "admin-user-disabled",
//!   "reason": "…", "expires": "2027-01-31"}]}}`;
//! * anywhere (exports too), a tag `acrpc-suppress:<rule>` whose value is
//!   the reason, optionally ending in `; expires YYYY-MM-DD`.
//!
//! A suppression names a rule by id or definition name. An expired one no
//! longer suppresses; suppressed findings are always reported as such.

use super::Suppression;
use serde_json::Value;

pub const TAG_PREFIX: &str = "acrpc-suppress:";

/// Suppressions in tags.
pub fn from_tags(body: &Value) -> Vec<Suppression> {
    let Some(tags) = super::member(body, "tags").and_then(Value::as_object) else {
        return Vec::new();
    };
    tags.iter()
        .filter_map(|(k, v)| {
            let rule = k.get(TAG_PREFIX.len()..).filter(|_| {
                k.get(..TAG_PREFIX.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(TAG_PREFIX))
            })?;
            let text = v.as_str().unwrap_or_default();
            let (reason, expires) = match text.rsplit_once(';') {
                Some((r, e)) if e.trim().starts_with("expires") => (
                    r.trim().to_string(),
                    Some(e.trim()["expires".len()..].trim().to_string()),
                ),
                _ => (text.trim().to_string(), None),
            };
            Some(Suppression {
                rule: rule.trim().to_string(),
                reason,
                expires,
            })
        })
        .collect()
}

/// Suppressions in an ARM resource's `metadata.acrpc.suppress`.
pub fn from_metadata(resource: &Value) -> Vec<Suppression> {
    let list = resource
        .get("metadata")
        .and_then(|m| m.get("acrpc"))
        .and_then(|a| a.get("suppress"))
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|s| {
            Some(Suppression {
                rule: s.get("rule")?.as_str()?.to_string(),
                reason: s
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                expires: s.get("expires").and_then(Value::as_str).map(str::to_string),
            })
        })
        .collect()
}

/// Is `s` still in force on `today` (`YYYY-MM-DD`)? Unparseable expiry
/// dates count as expired, so a typo never hides a finding.
pub fn in_force(s: &Suppression, today: &str) -> bool {
    match &s.expires {
        None => true,
        Some(e) => is_date(e) && e.as_str() >= today,
    }
}

/// `YYYY-MM-DD` (digits and dashes in place).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// A date `days` after 1970-01-01 as `YYYY-MM-DD`. Reading the clock is
/// the CLI's job (`cli::today`): this module only takes dates.
pub fn date_from_days(days: i64) -> String {
    let (y, m, d) = crate::expr::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_and_metadata_suppress() {
        let body = json!({"tags": {"acrpc-suppress:admin-user-disabled": "legacy CI; expires 2027-01-31", "env": "x"}});
        let s = from_tags(&body);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].rule, "admin-user-disabled");
        assert_eq!(s[0].reason, "legacy CI");
        assert_eq!(s[0].expires.as_deref(), Some("2027-01-31"));
        let r = json!({"metadata": {"acrpc": {"suppress": [{"rule": "x", "reason": "y"}]}}});
        assert_eq!(from_metadata(&r)[0].rule, "x");
    }

    #[test]
    fn expiry_is_inclusive_and_typos_expire() {
        let s = |e: &str| Suppression {
            rule: "r".into(),
            reason: "x".into(),
            expires: Some(e.into()),
        };
        assert!(in_force(&s("2026-11-25"), "2026-11-25"));
        assert!(!in_force(&s("2026-11-24"), "2026-11-25"));
        assert!(!in_force(&s("next year"), "2026-11-25"));
        assert_eq!(date_from_days(0), "1970-01-01");
        assert_eq!(date_from_days(20_791), "2026-12-04");
    }
}
