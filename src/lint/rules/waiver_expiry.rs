//! W1003: a waiver exemption without `expires`, or expiring more than
//! `max-waiver-days` (acrpc.toml, default 365) after today. A waiver accepts
//! a risk; one without an end is never reviewed again. PSRule's
//! `Azure.Policy.WaiverExpiry` checks the same (a configurable maximum of
//! days ahead); mitigated exemptions are left alone, as there.

use crate::diag::{Code, Diagnostic, Span};
use crate::lint::Ctx;
use crate::syntax::ast::{Item, Literal, PlacementClause, PlacementKind};

pub fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for item in &ctx.ast.items {
        let Item::Placement(p) = item else { continue };
        if p.kind != PlacementKind::Exemption {
            continue;
        }
        let meta = |key: &str| {
            p.clauses.iter().find_map(|c| match c {
                PlacementClause::Meta(m) if m.key.name == key => Some(m),
                _ => None,
            })
        };
        let is_waiver = meta("category").is_some_and(|m| {
            matches!(&m.value, Literal::Word(w, _) | Literal::Str(w, _) if w.eq_ignore_ascii_case("waiver"))
        });
        if !is_waiver {
            continue;
        }
        let max = ctx.config.max_waiver_days();
        match meta("expires").map(|m| &m.value) {
            None => out.push(
                Diagnostic::new(Code::W1003, p.id.span, format!("waiver `{}` never expires", p.id.name))
                    .with_label("no `expires`")
                    .with_help(format!("add `expires \"YYYY-MM-DD\"`, at most {max} days ahead (`max-waiver-days` in acrpc.toml)")),
            ),
            Some(Literal::Str(date, span)) => too_far(ctx, date, *span, max, out),
            Some(_) => {}
        }
    }
}

fn too_far(ctx: &Ctx, date: &str, span: Span, max: u32, out: &mut Vec<Diagnostic>) {
    let (Some(today), Some(end)) = (ctx.config.today().and_then(days), days(date)) else {
        return;
    };
    let ahead = end - today;
    if ahead > i64::from(max) {
        out.push(
            Diagnostic::new(Code::W1003, span, format!("this waiver runs {ahead} days from today"))
                .with_label(format!("more than {max} days ahead"))
                .with_help("review waivers at least yearly: choose an earlier date, or raise `max-waiver-days` in acrpc.toml"),
        );
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn days(date: &str) -> Option<i64> {
    if !crate::inputs::suppress::is_date(date) {
        return None;
    }
    let mut parts = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    Some(crate::expr::days_from_civil(y, m, d))
}

#[cfg(test)]
mod tests {
    use crate::diag::{Code, SourceFile, SourceMap};
    use crate::lint::{Config, check_file};
    use crate::sema::NoTemplates;

    const PACK: &str = r#"pack p {
  title   "P"
  version "1.0.0"
}

rule r {
  title    "R"
  practice network
  severity high
  target   registry
  require  adminUserEnabled != true
}

assignment a of r {
  scope "/subscriptions/0000"
}

exemption e of a {
  category waiver
  expires  "2028-01-31"
}
"#;

    fn w1003(config: &Config) -> usize {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("p.acrp", PACK));
        check_file(&sources, id, &NoTemplates, config)
            .iter()
            .filter(|d| d.code == Code::W1003)
            .count()
    }

    #[test]
    fn waivers_more_than_max_days_ahead_warn() {
        // 2026-12-04 → 2028-01-31 is 423 days.
        let today = || Config::default().with_today("2026-12-04".into());
        assert_eq!(w1003(&today()), 1);
        let lenient = Config::parse("[lint]\nmax-waiver-days = 500\n")
            .expect("valid")
            .with_today("2026-12-04".into());
        assert_eq!(w1003(&lenient), 0);
        // Without today, only a missing expiry is reported.
        assert_eq!(w1003(&Config::default()), 0);
    }
}
