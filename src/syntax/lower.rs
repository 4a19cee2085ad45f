//! pest pairs → AST, and pest errors → diagnostics. The only file that sees
//! pest's types besides the derive in `mod.rs`.

// An item fails with exactly one diagnostic, so a large `Err` costs nothing
// worth boxing for.
#![allow(clippy::result_large_err)]

use super::Rule;
use super::ast::*;
use super::keywords;
use crate::diag::{Code, Diagnostic, FileId, Span};
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

mod test_decl;

type Result<T> = std::result::Result<T, Diagnostic>;

mod placement;

pub struct Ctx {
    pub file: FileId,
    pub offset: usize,
}

/// Takes the next pair, which the grammar guarantees exists.
fn next<'i>(
    it: &mut impl Iterator<Item = Pair<'i, Rule>>,
    ctx: &Ctx,
    what: &str,
) -> Result<Pair<'i, Rule>> {
    it.next().ok_or_else(|| {
        Diagnostic::new(
            Code::E0001,
            Span::new(ctx.file, ctx.offset, ctx.offset),
            format!("internal parser error: missing {what}"),
        )
    })
}

impl Ctx {
    /// The pair's span without trailing whitespace and comments: pest ends
    /// a rule after the implicit whitespace it skipped while looking for an
    /// optional continuation, which would make labels spill onto the next line.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let end = s.start() + trimmed_len(pair.as_str());
        Span::new(self.file, self.offset + s.start(), self.offset + end)
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            span: self.span(&pair),
            name: pair.as_str().to_string(),
        }
    }

    pub fn item(&self, pair: Pair<Rule>) -> Result<Item> {
        let mut inner = pair.into_inner();
        let decl = next(&mut inner, self, "item")?;
        let span = self.span(&decl);
        match decl.as_rule() {
            Rule::pack_decl => {
                let mut it = decl.into_inner().filter(|p| p.as_rule() != Rule::kw_pack);
                let id = self.ident(next(&mut it, self, "pack name")?);
                let meta = it.map(|p| self.meta(p)).collect::<Result<_>>()?;
                Ok(Item::Pack(Pack { id, meta, span }))
            }
            Rule::rule_decl => {
                let mut it = decl.into_inner().filter(|p| p.as_rule() != Rule::kw_rule);
                let id = self.ident(next(&mut it, self, "rule id")?);
                let clauses = it.map(|p| self.rule_clause(p)).collect::<Result<_>>()?;
                Ok(Item::Rule(Rule_ { id, clauses, span }))
            }
            Rule::test_decl => self.test_decl(decl, span),
            Rule::placement_decl => Ok(Item::Placement(self.placement(decl, span)?)),
            _ => {
                let mut it = decl
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::kw_initiative);
                let id = self.ident(next(&mut it, self, "initiative id")?);
                let clauses = it
                    .map(|p| self.initiative_clause(p))
                    .collect::<Result<_>>()?;
                Ok(Item::Initiative(Initiative { id, clauses, span }))
            }
        }
    }

    fn meta(&self, pair: Pair<Rule>) -> Result<Meta> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let key = self.ident(next(&mut it, self, "key")?);
        let value = self.literal(next(&mut it, self, "value")?)?;
        Ok(Meta { key, value, span })
    }

    fn rule_clause(&self, pair: Pair<Rule>) -> Result<RuleClause> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::meta_clause => RuleClause::Meta(self.meta(pair)?),
            Rule::param_clause => RuleClause::Param(Box::new(self.param(pair)?)),
            Rule::effect_clause => {
                let mut allowed = Vec::new();
                let mut default = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::effect_list => {
                            allowed = p.into_inner().map(|i| self.ident(i)).collect()
                        }
                        Rule::effect_default => {
                            default = p.into_inner().next().map(|i| self.ident(i));
                        }
                        _ => {}
                    }
                }
                RuleClause::Effect(EffectClause {
                    allowed,
                    default,
                    span,
                })
            }
            Rule::let_clause => {
                let mut it = pair.into_inner().skip(1);
                let name = self.ident(next(&mut it, self, "name")?);
                let value = self.expr(next(&mut it, self, "value")?)?;
                RuleClause::Let(Box::new(Let { name, value, span }))
            }
            Rule::when_clause => {
                let c = next(&mut pair.into_inner().skip(1), self, "condition")?;
                RuleClause::When(Box::new(self.cond(c)?), span)
            }
            Rule::forbid_clause => {
                let c = next(&mut pair.into_inner().skip(1), self, "condition")?;
                RuleClause::Forbid(Box::new(self.cond(c)?), span)
            }
            Rule::require_clause => {
                let c = next(&mut pair.into_inner().skip(1), self, "condition")?;
                if c.as_rule() == Rule::related {
                    RuleClause::RequireRelated(Box::new(self.related(c)?), span)
                } else {
                    RuleClause::Require(Box::new(self.cond(c)?), span)
                }
            }
            Rule::fix_clause => {
                let mut assignments = Vec::new();
                let mut roles = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::assignment => {
                            let aspan = self.span(&p);
                            let mut it = p.into_inner();
                            let path = self.path(next(&mut it, self, "path")?);
                            let value = self.expr(next(&mut it, self, "value")?)?;
                            assignments.push(Assignment {
                                path,
                                value,
                                span: aspan,
                            });
                        }
                        Rule::roles_opt => roles = Some(self.roles(p)?),
                        _ => {}
                    }
                }
                RuleClause::Fix(Fix {
                    assignments,
                    roles,
                    span,
                })
            }
            _ => RuleClause::Deploy(Box::new(self.deploy(pair)?)),
        })
    }

    fn param(&self, pair: Pair<Rule>) -> Result<Param> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let name = self.ident(next(&mut it, self, "name")?);
        let ty = self.ident(next(&mut it, self, "type")?);
        let mut p = Param {
            name,
            ty,
            default: None,
            allowed: None,
            strong_type: None,
            assign_permissions: false,
            meta: Vec::new(),
            span,
        };
        for part in it {
            match part.as_rule() {
                Rule::literal => p.default = Some(self.literal(part)?),
                Rule::param_option => {
                    let opt = next(&mut part.into_inner(), self, "option")?;
                    match opt.as_rule() {
                        Rule::allowed_opt => {
                            let lit = next(&mut opt.into_inner().skip(1), self, "allowed values")?;
                            p.allowed = Some(self.literal(lit)?);
                        }
                        Rule::strong_type_opt => {
                            let s = next(&mut opt.into_inner().skip(1), self, "strong type")?;
                            p.strong_type = Some((self.string(&s)?, self.span(&s)));
                        }
                        _ => p.assign_permissions = true,
                    }
                }
                Rule::param_meta => {
                    p.meta = part
                        .into_inner()
                        .map(|m| self.meta(m))
                        .collect::<Result<_>>()?;
                }
                _ => {}
            }
        }
        Ok(p)
    }

    fn roles(&self, pair: Pair<Rule>) -> Result<Literal> {
        let lit = next(&mut pair.into_inner().skip(1), self, "roles")?;
        self.literal(lit)
    }

    fn related(&self, pair: Pair<Rule>) -> Result<Related> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let target_pair = next(&mut it, self, "related type")?;
        let t = next(&mut target_pair.into_inner(), self, "related type")?;
        let target = if t.as_rule() == Rule::string {
            RelatedTarget::ResourceType(self.string(&t)?, self.span(&t))
        } else {
            RelatedTarget::Kind(self.ident(t))
        };
        let mut r = Related {
            target,
            named: None,
            scope: None,
            after: None,
            condition: None,
            span,
        };
        for p in it {
            match p.as_rule() {
                Rule::related_opt => {
                    let opt = next(&mut p.into_inner(), self, "option")?;
                    let rule = opt.as_rule();
                    let v = next(&mut opt.into_inner().skip(1), self, "option value")?;
                    match rule {
                        Rule::named_opt => r.named = Some(self.expr(v)?),
                        Rule::scope_opt => r.scope = Some(self.ident(v)),
                        _ => {
                            let text = if v.as_rule() == Rule::string {
                                self.string(&v)?
                            } else {
                                v.as_str().to_string()
                            };
                            r.after = Some((text, self.span(&v)));
                        }
                    }
                }
                Rule::cond => r.condition = Some(self.cond(p)?),
                _ => {}
            }
        }
        Ok(r)
    }

    fn deploy(&self, pair: Pair<Rule>) -> Result<Deploy> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let t = next(&mut it, self, "template path")?;
        let mut d = Deploy {
            template: (self.string(&t)?, self.span(&t)),
            roles: None,
            scope: None,
            location: None,
            bindings: Vec::new(),
            span,
        };
        for p in it {
            match p.as_rule() {
                Rule::deploy_opt => {
                    let opt = next(&mut p.into_inner(), self, "option")?;
                    match opt.as_rule() {
                        Rule::roles_opt => d.roles = Some(self.roles(opt)?),
                        Rule::scope_opt => {
                            d.scope = Some(self.ident(next(
                                &mut opt.into_inner().skip(1),
                                self,
                                "scope",
                            )?))
                        }
                        _ => {
                            let s = next(&mut opt.into_inner().skip(1), self, "location")?;
                            d.location = Some((self.string(&s)?, self.span(&s)));
                        }
                    }
                }
                Rule::deploy_bindings => {
                    d.bindings = p
                        .into_inner()
                        .map(|b| self.binding(b))
                        .collect::<Result<_>>()?;
                }
                _ => {}
            }
        }
        Ok(d)
    }

    fn binding(&self, pair: Pair<Rule>) -> Result<Binding> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let name = self.ident(next(&mut it, self, "name")?);
        let value = self.expr(next(&mut it, self, "value")?)?;
        Ok(Binding { name, value, span })
    }

    fn initiative_clause(&self, pair: Pair<Rule>) -> Result<InitiativeClause> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::meta_clause => InitiativeClause::Meta(self.meta(pair)?),
            Rule::param_clause => InitiativeClause::Param(self.param(pair)?),
            Rule::group_clause => {
                let mut it = pair.into_inner().skip(1);
                let name = self.ident(next(&mut it, self, "group name")?);
                let s = next(&mut it, self, "display name")?;
                let display_name = (self.string(&s)?, self.span(&s));
                let meta = match it.next() {
                    Some(m) => m
                        .into_inner()
                        .map(|m| self.meta(m))
                        .collect::<Result<_>>()?,
                    None => Vec::new(),
                };
                InitiativeClause::Group(Group {
                    name,
                    display_name,
                    meta,
                    span,
                })
            }
            _ => {
                let mut it = pair.into_inner().skip(1);
                let t = next(&mut it, self, "include target")?;
                let t = next(&mut t.into_inner(), self, "include target")?;
                let target = match t.as_rule() {
                    Rule::practice_target => IncludeTarget::Practice(self.ident(next(
                        &mut t.into_inner().skip(1),
                        self,
                        "practice",
                    )?)),
                    Rule::all_target => IncludeTarget::All(self.span(&t)),
                    Rule::builtin_target => {
                        let s = next(&mut t.into_inner().skip(1), self, "built-in id")?;
                        IncludeTarget::Builtin(self.string(&s)?, self.span(&s))
                    }
                    _ => IncludeTarget::Rule(self.ident(t)),
                };
                let mut inc = Include {
                    target,
                    bindings: Vec::new(),
                    groups: None,
                    reference: None,
                    version: None,
                    span,
                };
                if let Some(block) = it.next() {
                    for m in block.into_inner() {
                        match m.as_rule() {
                            Rule::member_groups => {
                                let groups = m
                                    .into_inner()
                                    .filter(|p| p.as_rule() == Rule::ident)
                                    .map(|p| self.ident(p))
                                    .collect();
                                inc.groups = Some(groups);
                            }
                            Rule::member_reference | Rule::member_version => {
                                let is_reference = m.as_rule() == Rule::member_reference;
                                let s = next(&mut m.into_inner().skip(1), self, "string")?;
                                let value = Some((self.string(&s)?, self.span(&s)));
                                if is_reference {
                                    inc.reference = value;
                                } else {
                                    inc.version = value;
                                }
                            }
                            _ => inc.bindings.push(self.binding(m)?),
                        }
                    }
                }
                InitiativeClause::Include(inc)
            }
        })
    }

    // ------------------------------------------------------------ conditions

    pub fn cond(&self, pair: Pair<Rule>) -> Result<Cond> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::cond => {
                let mut parts = pair
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::kw_or)
                    .map(|p| self.cond(p))
                    .collect::<Result<Vec<_>>>()?;
                Ok(if parts.len() == 1 {
                    parts.remove(0)
                } else {
                    Cond::Or(parts, span)
                })
            }
            Rule::cond_and => {
                let mut parts = pair
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::kw_and)
                    .map(|p| self.cond(p))
                    .collect::<Result<Vec<_>>>()?;
                Ok(if parts.len() == 1 {
                    parts.remove(0)
                } else {
                    Cond::And(parts, span)
                })
            }
            Rule::cond_not => {
                let mut nots = 0usize;
                let mut atom = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::not_op {
                        nots += 1;
                    } else {
                        atom = Some(self.cond(p)?);
                    }
                }
                let atom = atom.ok_or_else(|| {
                    Diagnostic::new(Code::E0001, span, "expected a condition after `not`")
                })?;
                // `not not x` is `x`: fold by parity so long chains cannot
                // build a deep tree.
                Ok(if nots % 2 == 1 {
                    Cond::Not(Box::new(atom), span)
                } else {
                    atom
                })
            }
            Rule::bool_cond => Ok(Cond::Bool(pair.as_str().trim() == "true", span)),
            Rule::quantifier => {
                let mut it = pair.into_inner();
                let kw = next(&mut it, self, "quantifier")?;
                let over = self.path(next(&mut it, self, "array path")?);
                let cond = self.cond(next(&mut it, self, "condition")?)?;
                Ok(Cond::Quantifier {
                    all: kw.as_rule() == Rule::kw_all,
                    over,
                    cond: Box::new(cond),
                    span,
                })
            }
            Rule::count_cond => {
                let mut it = pair.into_inner();
                let count = next(&mut it, self, "count")?;
                let op = self.cmp_op(next(&mut it, self, "operator")?)?;
                let rhs = self.expr(next(&mut it, self, "value")?)?;
                let mut cit = count.into_inner().skip(1);
                let src = next(&mut cit, self, "count source")?;
                let src = next(&mut src.into_inner(), self, "count source")?;
                let source = if src.as_rule() == Rule::value_count_source {
                    let mut s = src.into_inner();
                    let name = self.ident(next(&mut s, self, "name")?);
                    let source = self.expr(next(&mut s.skip(1), self, "array")?)?;
                    CountSource::Value { name, source }
                } else {
                    CountSource::Field(self.path(src))
                };
                let filter = match cit.next() {
                    Some(c) => Some(Box::new(self.cond(c)?)),
                    None => None,
                };
                Ok(Cond::Count {
                    source,
                    filter,
                    op,
                    rhs,
                    span,
                })
            }
            Rule::comparison => {
                let mut it = pair.into_inner();
                let lhs = self.expr(next(&mut it, self, "left operand")?)?;
                let tail = next(&mut it, self, "operator")?;
                if tail.as_rule() == Rule::exists_op {
                    let exists = tail.as_str().trim() == "exists";
                    return Ok(Cond::Exists {
                        operand: lhs,
                        exists,
                        span,
                    });
                }
                let op = self.cmp_op(tail)?;
                let rhs = self.expr(next(&mut it, self, "right operand")?)?;
                Ok(Cond::Compare { lhs, op, rhs, span })
            }
            _ => Err(Diagnostic::new(
                Code::E0001,
                span,
                format!("internal parser error: unexpected {:?}", pair.as_rule()),
            )),
        }
    }

    fn cmp_op(&self, pair: Pair<Rule>) -> Result<CmpOp> {
        let inner = pair.clone().into_inner().next();
        Ok(match inner.as_ref().map(|p| p.as_rule()) {
            Some(Rule::not_in) => CmpOp::NotIn,
            Some(Rule::kw_in) => CmpOp::In,
            Some(Rule::not_like) => CmpOp::NotLike,
            Some(Rule::kw_like) => CmpOp::Like,
            Some(Rule::not_imatches) => CmpOp::NotIMatches,
            Some(Rule::kw_imatches) => CmpOp::IMatches,
            Some(Rule::not_matches) => CmpOp::NotMatches,
            Some(Rule::kw_matches) => CmpOp::Matches,
            Some(Rule::not_contains_key) => CmpOp::NotContainsKey,
            Some(Rule::contains_key) => CmpOp::ContainsKey,
            Some(Rule::not_contains) => CmpOp::NotContains,
            Some(Rule::kw_contains) => CmpOp::Contains,
            _ => match pair.as_str().trim() {
                "==" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<=" => CmpOp::Le,
                ">=" => CmpOp::Ge,
                "<" => CmpOp::Lt,
                _ => CmpOp::Gt,
            },
        })
    }

    // ------------------------------------------------------------ expressions

    pub fn expr(&self, pair: Pair<Rule>) -> Result<Expr> {
        let mut it = pair.into_inner();
        let mut base = self.primary(next(&mut it, self, "expression")?)?;
        for acc in it {
            let span = base.span().to(self.span(&acc));
            let inner = next(&mut acc.into_inner(), self, "accessor")?;
            base = if inner.as_rule() == Rule::ident {
                Expr::Member {
                    base: Box::new(base),
                    name: self.ident(inner),
                    span,
                }
            } else {
                Expr::Index {
                    base: Box::new(base),
                    index: Box::new(self.expr(inner)?),
                    span,
                }
            };
        }
        Ok(base)
    }

    fn primary(&self, pair: Pair<Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::paren_expr => {
                let mut it = pair.into_inner();
                let lhs = self.expr(next(&mut it, self, "expression")?)?;
                match it.next() {
                    None => lhs,
                    Some(op) => {
                        let rhs = self.expr(next(&mut it, self, "right operand")?)?;
                        Expr::Equals {
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                            negated: op.as_str() == "!=",
                            span,
                        }
                    }
                }
            }
            Rule::string => Expr::Str(self.string(&pair)?, span),
            Rule::number => {
                let (n, text) = self.number(&pair)?;
                Expr::Num(n, text, span)
            }
            Rule::kw_true => Expr::Bool(true, span),
            Rule::kw_false => Expr::Bool(false, span),
            Rule::kw_null => Expr::Null(span),
            Rule::array_expr => Expr::Array(
                pair.into_inner()
                    .map(|p| self.expr(p))
                    .collect::<Result<_>>()?,
                span,
            ),
            Rule::param_ref => {
                let name = next(&mut pair.into_inner().skip(1), self, "parameter name")?;
                Expr::Param(self.ident(name), span)
            }
            Rule::it_ref => Expr::It(span),
            Rule::call => {
                let mut it = pair.into_inner();
                let name = self.ident(next(&mut it, self, "function name")?);
                let args = it.map(|p| self.expr(p)).collect::<Result<_>>()?;
                Expr::Call { name, args, span }
            }
            _ => Expr::Path(self.path(pair)),
        })
    }

    pub fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        let mut segments = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::path_head => segments.push(Segment::Name(p.as_str().to_string())),
                _ => {
                    let text = p.as_str();
                    if text == "[*]" {
                        segments.push(Segment::Wildcard);
                    } else if let Some(name) = text.strip_prefix('.') {
                        segments.push(Segment::Name(name.to_string()));
                    } else {
                        let key = p
                            .into_inner()
                            .next()
                            .map(|s| self.string(&s).unwrap_or_default())
                            .unwrap_or_default();
                        segments.push(Segment::Key(key));
                    }
                }
            }
        }
        Path { segments, span }
    }

    // ------------------------------------------------------------ literals

    fn literal(&self, pair: Pair<Rule>) -> Result<Literal> {
        let pair = if pair.as_rule() == Rule::literal {
            next(&mut pair.into_inner(), self, "literal")?
        } else {
            pair
        };
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::string => Literal::Str(self.string(&pair)?, span),
            Rule::number => {
                let (n, text) = self.number(&pair)?;
                Literal::Num(n, text, span)
            }
            Rule::kw_true => Literal::Bool(true, span),
            Rule::kw_false => Literal::Bool(false, span),
            Rule::kw_null => Literal::Null(span),
            Rule::array_lit => Literal::Array(
                pair.into_inner()
                    .map(|p| self.literal(p))
                    .collect::<Result<_>>()?,
                span,
            ),
            _ => Literal::Word(pair.as_str().to_string(), span),
        })
    }

    fn number(&self, pair: &Pair<Rule>) -> Result<(f64, String)> {
        let text = pair.as_str().to_string();
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok((n, text)),
            _ => Err(Diagnostic::new(
                Code::E0007,
                self.span(pair),
                format!("number `{text}` cannot be represented"),
            )
            .with_label("out of range")),
        }
    }

    /// The value of a string literal: escapes resolved, triple-quoted text
    /// dedented.
    pub fn string(&self, pair: &Pair<Rule>) -> Result<String> {
        let raw = pair.as_str();
        if let Some(body) = raw
            .strip_prefix("\"\"\"")
            .and_then(|r| r.strip_suffix("\"\"\""))
        {
            return Ok(dedent(body));
        }
        let body = &raw[1..raw.len().saturating_sub(1).max(1)];
        let base = self.span(pair).start as usize + 1;
        unescape(body).map_err(|(at, len)| {
            Diagnostic::new(
                Code::E0003,
                Span::new(self.file, base + at, base + at + len),
                format!("unknown escape `{}`", &body[at..at + len]),
            )
            .with_label("not a valid escape")
            .with_help("valid escapes are \\\" \\\\ \\n \\t \\r and \\u{XXXX}")
        })
    }
}

// Alias so `Item::Rule` can hold the AST `Rule` while pest's `Rule` is in scope.
type Rule_ = super::ast::Rule;

fn unescape(body: &str) -> std::result::Result<String, (usize, usize)> {
    if !body.contains('\\') {
        return Ok(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((i, 1));
        };
        match e {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'u' => {
                let rest = &body[i + 2..];
                let close = rest.find('}');
                let ok = rest.starts_with('{')
                    && close.is_some_and(|c| {
                        u32::from_str_radix(&rest[1..c], 16)
                            .ok()
                            .and_then(char::from_u32)
                            .map(|ch| out.push(ch))
                            .is_some()
                    });
                if !ok {
                    return Err((i, 2));
                }
                let skip = close.unwrap_or(0) + 1;
                for _ in 0..skip {
                    chars.next();
                }
            }
            other => return Err((i, 1 + other.len_utf8())),
        }
    }
    Ok(out)
}

/// Length of `text` without trailing whitespace and trailing `#` comments.
fn trimmed_len(text: &str) -> usize {
    let mut t = text.trim_end();
    // A trailing comment line: cut at its `#` if no string is open there.
    while let Some(line_start) = t.rfind('\n').map(|i| i + 1) {
        let last = &t[line_start..];
        if last.trim_start().starts_with('#') {
            t = t[..line_start].trim_end();
        } else {
            break;
        }
    }
    t.len()
}

/// Removes the common indentation of a triple-quoted string, and the first
/// and last line when they are blank, so text can be indented with the code.
fn dedent(body: &str) -> String {
    let mut lines: Vec<&str> = body.split('\n').collect();
    if lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    if lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .map(|l| l.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Converts a pest error into a diagnostic with a readable "expected" list.
pub fn syntax_error(
    file: FileId,
    offset: usize,
    src: &str,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    // Underline the offending token (or one character) rather than nothing.
    let token_end = if end > start {
        end
    } else {
        let rest = &src[start..];
        let len = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map_or(rest.len(), |(i, _)| i);
        start + len.max(rest.chars().next().map_or(0, char::len_utf8))
    };
    let found = if start >= src.len() {
        "end of input".to_string()
    } else {
        // At most 30 bytes of the token, cut at a character boundary (a fuzz
        // finding: a cut inside a multi-byte character panicked).
        let token = src.get(start..token_end).unwrap_or_default();
        let clipped: String = token
            .char_indices()
            .take_while(|(i, _)| *i < 30)
            .map(|(_, c)| c)
            .collect();
        format!("`{clipped}`")
    };
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| friendly(*r)).collect();
            names.sort_unstable();
            names.dedup();
            names
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    if let Some((ws, we, kw)) = misspelt_keyword(src, start) {
        let word = &src[ws..we];
        return Diagnostic::new(
            Code::E0001,
            Span::new(file, offset + ws, offset + we),
            format!("unknown clause `{word}`"),
        )
        .with_label("not a clause keyword")
        .with_help(format!("did you mean `{kw}`?"))
        .with_suggestion(format!("use `{kw}`"), kw);
    }
    if let Some(d) = unquoted_dotted(file, offset, src, start) {
        return d;
    }
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let mut d = Diagnostic::new(
        Code::E0001,
        Span::new(file, offset + start, offset + token_end),
        message,
    )
    .with_label("unexpected here");
    if src[start..].starts_with('=')
        && !src[start..].starts_with("==")
        && expected.iter().any(|e| e.contains("=="))
    {
        d = d
            .with_help("comparison is written `==`")
            .with_suggestion("use `==`", "==");
    } else if src[start..].starts_with("&&") {
        d = d
            .with_help("conditions are joined with `and`")
            .with_suggestion("use `and`", "and");
    } else if src[start..].starts_with("||") {
        d = d
            .with_help("conditions are joined with `or`")
            .with_suggestion("use `or`", "or");
    }
    d
}

/// The first word of the line an error is on, when it is not a keyword but
/// close to a clause keyword (`requires`, `fobid`): the likely cause of the
/// error, which pest reports further right. Returns its range and the keyword.
fn misspelt_keyword(src: &str, at: usize) -> Option<(usize, usize, &'static str)> {
    let line_start = src.get(..at)?.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = src.get(line_start..)?;
    let word_start = line_start + (line.len() - line.trim_start_matches([' ', '\t']).len());
    let rest = src.get(word_start..)?;
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .count();
    let word = rest.get(..len).filter(|w| !w.is_empty())?;
    if keywords::all_words().any(|w| w == word) {
        return None;
    }
    let candidates = keywords::CLAUSES.iter().map(|c| c.word);
    let kw = crate::diag::did_you_mean(word, candidates)?;
    Some((word_start, word_start + len, kw))
}

/// `version 0.1.0`: a dotted number is not a value; it must be a string.
fn unquoted_dotted(file: FileId, offset: usize, src: &str, at: usize) -> Option<Diagnostic> {
    let before = src.get(..at)?;
    let num_start = before
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    let rest = src.get(num_start..)?;
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let text = rest.get(..len)?;
    if text.matches('.').count() < 2 || !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::E0001,
            Span::new(file, offset + num_start, offset + num_start + len),
            format!("`{text}` is not a number: write it as a string"),
        )
        .with_label("a version is a string")
        .with_help("versions and other dotted values are quoted: `version \"1.0.0\"`")
        .with_suggestion("quote it", format!("\"{text}\"")),
    )
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Names of grammar rules as a user would call them; `None` hides a rule
/// from "expected …" lists.
fn friendly(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident | Rule::kind_name | Rule::ident_lit => "a name",
        Rule::string | Rule::plain_string | Rule::triple_string => "a string",
        Rule::number => "a number",
        Rule::literal | Rule::array_lit => "a value",
        Rule::cond | Rule::cond_and | Rule::cond_not | Rule::comparison | Rule::bool_cond => {
            "a condition"
        }
        Rule::expr
        | Rule::path
        | Rule::call
        | Rule::param_ref
        | Rule::paren_expr
        | Rule::array_expr => "an expression",
        Rule::cmp_op => "an operator (`==`, `!=`, `in`, `like`, …)",
        Rule::exists_op => "`exists` or `missing`",
        Rule::meta_clause | Rule::param_clause | Rule::effect_clause | Rule::let_clause => {
            "a clause"
        }
        Rule::when_clause | Rule::require_clause | Rule::forbid_clause | Rule::fix_clause => {
            "a clause"
        }
        Rule::deploy_clause | Rule::group_clause | Rule::include_clause => "a clause",
        Rule::kw_pack => "`pack`",
        Rule::kw_rule => "`rule`",
        Rule::kw_initiative => "`initiative`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_related => "`related`",
        Rule::kw_where => "`where`",
        Rule::EOI => "end of item",
        Rule::item => "`pack`, `rule` or `initiative`",
        Rule::member_groups | Rule::binding => "a binding",
        Rule::member_reference | Rule::member_version => "a member clause",
        Rule::assignment => "an assignment `path = value`",
        _ => return None,
    })
}
