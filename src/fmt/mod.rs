//! `acrpc fmt`: one canonical layout for `.acrp` files.
//!
//! The formatter is a pure function `text → text` ([`format`]). It works on the
//! token stream ([`crate::syntax::tokens`]), so it can only change whitespace:
//! every comment and every character of every string survives by
//! construction. The AST (spans) tells it where clauses start and which blocks
//! are items. The layout:
//!
//! * two spaces of indentation per block; every clause of a `pack`, `rule` or
//!   `initiative` on its own line; item braces on the item's line and alone;
//! * the key of a `key value` clause (and of `target`, `effect`, `when`,
//!   `require`, `forbid`, `fix`) padded to 12 columns, so values line up;
//! * `group` names and `include … {` targets padded to the longest in their
//!   initiative; two spaces between bindings written on one line;
//! * the author's line breaks inside a clause are kept (at most one blank
//!   line in a row, none after `{` or before `}`, one after each item), and continuation lines are
//!   aligned by structure: inside brackets under the first token after the
//!   bracket; `and`/`or` hanging left so that operands line up with the
//!   condition's first operand; anything else under the clause's value;
//! * single spaces between tokens, none inside brackets, before `,` `:` or
//!   after `(` `[`; whether a `(`, `[` or `.` touches the token before it is
//!   kept as written, since `tags["env"]` and `tags ["env"]` parse differently;
//! * own-line comments take the indentation of the line they precede,
//!   trailing comments follow one space after the code.
//!
//! The result is re-parsed and compared with the input (ASTs without spans
//! and token streams); a difference is an internal error (E0602) and the
//! input is returned untouched by the caller.

use crate::diag::{Code, Diagnostic, FileId, Span};
use crate::syntax::ast::{self, EqShape, InitiativeClause, Item, RuleClause};
use crate::syntax::tokens::{Token, TokenKind, tokenize};
use crate::syntax::{self};
use std::collections::{HashMap, HashSet};

/// Width of a padded clause key, `description` plus one space.
const KEY_WIDTH: usize = 12;

/// Formats one file. Errors: the file's syntax diagnostics (the formatter
/// refuses what it cannot parse), or E0602 if the result would not mean the
/// same as the input.
pub fn format(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (ast, diags) = syntax::parse(file, text);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags.into_iter().filter(Diagnostic::is_error).collect());
    }
    let out = layout(text, &ast);
    if let Err(why) = same_meaning(text, &ast, &out) {
        return Err(vec![
            Diagnostic::new(
                Code::E0602,
                Span::new(file, 0, 0),
                format!("internal error: formatting would change this file ({why})"),
            )
            .with_help("the file was left as it is; please report this with the file attached"),
        ]);
    }
    Ok(keep_encoding(text, out))
}

/// Gives the formatted text the input's byte-order mark and line ending
/// (by its first line break), so that a Windows file stays a Windows file
/// and an already formatted one is unchanged. The layout itself works in LF.
fn keep_encoding(input: &str, out: String) -> String {
    let bom = if input.starts_with('\u{FEFF}') {
        "\u{FEFF}"
    } else {
        ""
    };
    let crlf = input
        .split_once('\n')
        .is_some_and(|(first, _)| first.ends_with('\r'));
    if crlf {
        format!("{bom}{}", out.replace("\r\n", "\n").replace('\n', "\r\n"))
    } else {
        format!("{bom}{out}")
    }
}

/// Checks that `out` has the tokens and the AST (without spans) of the input.
fn same_meaning(text: &str, ast: &ast::File, out: &str) -> Result<(), String> {
    if token_texts(text) != token_texts(out) {
        return Err("token streams differ".into());
    }
    let (again, diags) = syntax::parse(0, out);
    if diags.iter().any(Diagnostic::is_error) {
        return Err("the result does not parse".into());
    }
    if !ast.eq_shape(&again) {
        return Err("syntax trees differ".into());
    }
    Ok(())
}

/// The tokens of a text as (kind, text), comments without trailing blanks:
/// what the formatter must keep.
pub fn token_texts(text: &str) -> Vec<(TokenKind, String)> {
    tokenize(text)
        .iter()
        .map(|t| {
            let s = t.text(text);
            let s = if t.kind == TokenKind::Comment {
                s.trim_end()
            } else {
                s
            };
            (t.kind, s.to_string())
        })
        .collect()
}

// ------------------------------------------------------------------ structure

#[derive(Clone, Copy, PartialEq, Eq)]
enum ClauseStyle {
    /// `key value` with the key padded to [`KEY_WIDTH`].
    Padded,
    /// `param`, `let`, `deploy`, `group`, `include`: one space after the key.
    Plain,
}

/// What the AST says about token positions (byte offsets).
#[derive(Default)]
struct Structure {
    clause_starts: HashMap<usize, ClauseStyle>,
    /// Start offsets of top-level items.
    item_starts: HashSet<usize>,
    /// The token after the one starting at this offset is padded to this
    /// column, counted from the start of the group name or include target.
    pad_after: HashMap<usize, usize>,
    /// Bindings and `groups` in member and deploy blocks: two spaces before
    /// them when they share a line with the previous one.
    member_starts: HashSet<usize>,
    /// `[` of list literals after a word (`allowed [..]`, `roles [..]`,
    /// `groups [..]`): always one space before, though `x[..]` is an index.
    list_starts: HashSet<usize>,
    /// The token after a list's `[` (for `groups [a, b]`).
    list_before: HashSet<usize>,
    /// First names of `groups [..]` lists: the `groups` keyword two tokens
    /// before is a member of its block, like a binding.
    groups_lists: HashSet<usize>,
}

fn structure(ast: &ast::File) -> Structure {
    let mut s = Structure::default();
    for item in &ast.items {
        s.item_starts.insert(item.span().start as usize);
        match item {
            Item::Placement(p) => placement_structure(&mut s, p),
            Item::Test(t) => test_structure(&mut s, t),
            Item::Pack(p) => {
                for m in &p.meta {
                    s.clause_starts
                        .insert(m.span.start as usize, ClauseStyle::Padded);
                }
            }
            Item::Rule(r) => {
                for c in &r.clauses {
                    let (span, style) = match c {
                        RuleClause::Meta(m) => (m.span, ClauseStyle::Padded),
                        RuleClause::Param(p) => {
                            param_lists(&mut s, p);
                            (p.span, ClauseStyle::Plain)
                        }
                        RuleClause::Effect(e) => (e.span, ClauseStyle::Padded),
                        RuleClause::Let(l) => (l.span, ClauseStyle::Plain),
                        RuleClause::When(_, sp)
                        | RuleClause::Require(_, sp)
                        | RuleClause::RequireRelated(_, sp)
                        | RuleClause::Forbid(_, sp) => (*sp, ClauseStyle::Padded),
                        RuleClause::Fix(f) => {
                            if let Some(r) = &f.roles {
                                s.list_starts.insert(r.span().start as usize);
                            }
                            (f.span, ClauseStyle::Padded)
                        }
                        RuleClause::Deploy(d) => {
                            if let Some(r) = &d.roles {
                                s.list_starts.insert(r.span().start as usize);
                            }
                            s.member_starts
                                .extend(d.bindings.iter().map(|b| b.span.start as usize));
                            (d.span, ClauseStyle::Plain)
                        }
                    };
                    s.clause_starts.insert(span.start as usize, style);
                }
            }
            Item::Initiative(i) => {
                let groups: Vec<&ast::Group> = i
                    .clauses
                    .iter()
                    .filter_map(|c| match c {
                        InitiativeClause::Group(g) => Some(g),
                        _ => None,
                    })
                    .collect();
                let widest = groups.iter().map(|g| g.name.name.len()).max().unwrap_or(0);
                for g in groups {
                    s.pad_after.insert(g.name.span.start as usize, widest + 1);
                }
                let includes: Vec<&ast::Include> = i
                    .clauses
                    .iter()
                    .filter_map(|c| match c {
                        InitiativeClause::Include(inc)
                            if !inc.bindings.is_empty() || inc.groups.is_some() =>
                        {
                            Some(inc)
                        }
                        _ => None,
                    })
                    .collect();
                let widest = includes
                    .iter()
                    .map(|inc| target_width(&inc.target))
                    .max()
                    .unwrap_or(0);
                for inc in &includes {
                    // The block's `{` is the first token after the target.
                    s.pad_after.insert(target_last(&inc.target), widest + 1);
                    s.member_starts
                        .extend(inc.bindings.iter().map(|b| b.span.start as usize));
                }
                for c in &i.clauses {
                    if let InitiativeClause::Include(inc) = c
                        && let Some(first) = inc.groups.as_ref().and_then(|g| g.first())
                    {
                        // The `[` is the token before the first group name,
                        // `groups` the one before it: a member of the block.
                        s.list_before.insert(first.span.start as usize);
                        s.groups_lists.insert(first.span.start as usize);
                    }
                }
                for c in &i.clauses {
                    let (span, style) = match c {
                        InitiativeClause::Meta(m) => (m.span, ClauseStyle::Padded),
                        InitiativeClause::Param(p) => {
                            param_lists(&mut s, p);
                            (p.span, ClauseStyle::Plain)
                        }
                        InitiativeClause::Group(g) => (g.span, ClauseStyle::Plain),
                        InitiativeClause::Include(inc) => (inc.span, ClauseStyle::Plain),
                    };
                    s.clause_starts.insert(span.start as usize, style);
                }
            }
        }
    }
    s
}

/// Test clauses each start a line; inline resource properties are members
/// of their block, like bindings.
fn test_structure(s: &mut Structure, t: &ast::Test) {
    for c in &t.clauses {
        let span = match c {
            ast::TestClause::Subject { span, .. }
            | ast::TestClause::Param { span, .. }
            | ast::TestClause::Input(_, span)
            | ast::TestClause::Deployed(span)
            | ast::TestClause::ExpectFix { span, .. } => *span,
            ast::TestClause::Expect(e) => e.span,
            ast::TestClause::Resource(r) => {
                s.member_starts
                    .extend(r.props.iter().map(|p| p.span.start as usize));
                r.span
            }
        };
        s.clause_starts
            .insert(span.start as usize, ClauseStyle::Plain);
    }
}

/// `assignment`/`exemption`/`environment` blocks: `key value` clauses padded
/// like a rule's, the rest plain; selector items are members of their block;
/// lists after a word get one space before their `[`.
fn placement_structure(s: &mut Structure, p: &ast::Placement) {
    use ast::PlacementClause as C;
    for c in &p.clauses {
        let style = match c {
            C::Meta(m) => {
                s.list_starts.insert(m.value.span().start as usize);
                ClauseStyle::Padded
            }
            C::Selector(sel) => {
                for i in &sel.items {
                    s.member_starts.insert(i.span.start as usize);
                    s.list_starts.insert(i.values.span().start as usize);
                }
                ClauseStyle::Plain
            }
            C::Override { members, value, .. } => {
                s.list_starts.insert(value.span().start as usize);
                if let Some(m) = members {
                    s.list_starts.insert(m.span().start as usize);
                }
                ClauseStyle::Plain
            }
            C::Value { value, .. } => {
                s.list_starts.insert(value.span().start as usize);
                ClauseStyle::Plain
            }
            C::MemberMessage { .. } => ClauseStyle::Plain,
        };
        s.clause_starts.insert(c.span().start as usize, style);
    }
}

fn param_lists(s: &mut Structure, p: &ast::Param) {
    for lit in [&p.allowed, &p.default].into_iter().flatten() {
        s.list_starts.insert(lit.span().start as usize);
    }
}

fn target_width(t: &ast::IncludeTarget) -> usize {
    match t {
        ast::IncludeTarget::Rule(id) => id.name.len(),
        ast::IncludeTarget::Practice(id) => "practice ".len() + id.name.len(),
        ast::IncludeTarget::All(_) => "all".len(),
        ast::IncludeTarget::Builtin(_, sp) => "builtin ".len() + sp.len(),
    }
}

/// Start of the target's last token; padding applies to the token after it.
fn target_last(t: &ast::IncludeTarget) -> usize {
    match t {
        ast::IncludeTarget::Rule(id) | ast::IncludeTarget::Practice(id) => id.span.start as usize,
        ast::IncludeTarget::All(sp) | ast::IncludeTarget::Builtin(_, sp) => sp.start as usize,
    }
}

// ------------------------------------------------------------------ layout

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    ItemBrace,
    Brace,
    Group,
}

struct Frame {
    kind: FrameKind,
    /// Indentation of the line the bracket opened on.
    line_indent: usize,
    /// Column of the first token after the bracket (groups only).
    content_col: Option<usize>,
    /// A `[` touching the token before it: an index or a path key.
    glued: bool,
}

struct Printer {
    out: String,
    /// Column (in characters) where the next character goes.
    col: usize,
    line_indent: usize,
}

impl Printer {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
        self.col += s.chars().count();
    }

    /// Starts a line (the first one without a line break before it).
    fn start_line(&mut self, blank: bool, indent: usize) {
        if !self.out.is_empty() {
            self.out.push('\n');
            if blank {
                self.out.push('\n');
            }
        }
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.col = indent;
        self.line_indent = indent;
    }
}

fn is_punct(src: &str, t: &Token, s: &str) -> bool {
    t.kind == TokenKind::Punct && t.text(src) == s
}

/// Lays out a file that parsed without errors.
fn layout(src: &str, ast: &ast::File) -> String {
    let toks = tokenize(src);
    let st = structure(ast);
    // `{` tokens that open an item: the first `{` of each item.
    let mut item_open = vec![false; toks.len()];
    let mut item_close = vec![false; toks.len()];
    for item in &ast.items {
        let (start, end) = (item.span().start as usize, item.span().end as usize);
        let first = toks.partition_point(|t| t.start < start);
        let last = toks.partition_point(|t| t.end <= end);
        let inside = first..last.max(first);
        let inside = toks.get(inside).unwrap_or_default();
        if let Some(open) = inside
            .iter()
            .position(|t| is_punct(src, t, "{"))
            .and_then(|k| item_open.get_mut(first + k))
        {
            *open = true;
        }
        if let Some(close) = inside
            .iter()
            .rposition(|t| is_punct(src, t, "}"))
            .and_then(|k| item_close.get_mut(first + k))
        {
            *close = true;
        }
    }

    let mut p = Printer {
        out: String::with_capacity(src.len() + src.len() / 8),
        col: 0,
        line_indent: 0,
    };
    let mut stack: Vec<Frame> = Vec::new();
    // Own-line comments waiting for the line they precede: (blank line before, text).
    let mut pending: Vec<(bool, &str)> = Vec::new();
    let mut value_col = 0usize;
    let mut cond_col = 0usize;
    let mut clause_key: Option<(usize, ClauseStyle)> = None;

    for (k, t) in toks.iter().enumerate() {
        let text = t.text(src);
        let prev = k.checked_sub(1).and_then(|j| toks.get(j)).copied();
        let gap = src
            .get(prev.map_or(0, |pv| pv.end)..t.start)
            .unwrap_or_default();
        let newlines = gap.matches('\n').count();
        let src_space = !gap.is_empty();
        let prev_is_comment = prev.is_some_and(|pv| pv.kind == TokenKind::Comment);
        let clause = st.clause_starts.get(&t.start).copied();
        let close_brace = is_punct(src, t, "}");
        let is_close = close_brace || is_punct(src, t, ")") || is_punct(src, t, "]");

        let newline = match prev {
            None => true,
            Some(pv) => {
                if t.kind == TokenKind::Comment && newlines == 0 {
                    // A trailing comment stays on its line.
                    false
                } else if prev_is_comment || clause.is_some() || flag(&item_close, k) {
                    true
                } else if flag(&item_open, k) {
                    false
                } else if (flag(&item_open, k.wrapping_sub(1)) && pv.kind == TokenKind::Punct)
                    || st.item_starts.contains(&t.start)
                {
                    true
                } else {
                    newlines > 0
                }
            }
        };
        let after_open = prev.is_some_and(|pv| is_punct(src, &pv, "{"));
        // Top-level items are separated by one blank line.
        let after_item = k > 0 && flag(&item_close, k - 1) && stack.is_empty();
        let blank = (newlines > 1 || after_item) && !after_open && !close_brace;

        if t.kind == TokenKind::Comment && newline {
            // Indentation is decided by the line the comment precedes.
            pending.push((blank, text.trim_end()));
            continue;
        }

        let mut popped = false;
        if newline {
            let indent = if is_close {
                popped = true;
                stack.pop().map_or(0, |f| f.line_indent)
            } else {
                match stack.last_mut() {
                    None => 0,
                    Some(f) => match f.kind {
                        FrameKind::Group => *f.content_col.get_or_insert(f.line_indent + 2),
                        FrameKind::Brace => f.line_indent + 2,
                        FrameKind::ItemBrace => {
                            if clause.is_some() {
                                f.line_indent + 2
                            } else if t.kind == TokenKind::Word && (text == "and" || text == "or") {
                                cond_col
                                    .saturating_sub(text.len() + 1)
                                    .max(f.line_indent + 4)
                            } else {
                                value_col
                            }
                        }
                    },
                }
            };
            // Comments before a closing brace stay inside the block.
            let comment_indent = if close_brace { indent + 2 } else { indent };
            for (cblank, c) in pending.drain(..) {
                p.start_line(cblank, comment_indent);
                p.push(c);
            }
            p.start_line(blank, indent);
        } else {
            let pv = prev.unwrap_or(*t);
            let glued = stack.last().is_some_and(|f| f.glued);
            let spaces = if let Some(&pad) = st.pad_after.get(&pv.start) {
                let target_col = pad_origin(&p, src, &toks, k) + pad;
                target_col.saturating_sub(p.col).max(1)
            } else if clause_key.is_some_and(|(kk, s)| kk + 1 == k && s == ClauseStyle::Padded) {
                (p.line_indent + KEY_WIDTH).saturating_sub(p.col).max(1)
            } else if (st.member_starts.contains(&t.start)
                || (t.kind == TokenKind::Word
                    && text == "groups"
                    && toks
                        .get(k + 2)
                        .is_some_and(|n| st.groups_lists.contains(&n.start))))
                && !is_punct(src, &pv, "{")
            {
                2
            } else if st.list_starts.contains(&t.start)
                || toks
                    .get(k + 1)
                    .is_some_and(|n| st.list_before.contains(&n.start))
                    && is_punct(src, t, "[")
            {
                1
            } else {
                usize::from(space_between(src, &pv, t, src_space, glued))
            };
            p.push(&" ".repeat(spaces));
        }
        if is_close && !popped {
            stack.pop();
        }

        // Group content column: the first token after an opening bracket.
        if let Some(f) = stack.last_mut()
            && f.kind == FrameKind::Group
            && f.content_col.is_none()
        {
            f.content_col = Some(p.col);
        }
        // Clause bookkeeping.
        if let Some(style) = clause {
            clause_key = Some((k, style));
            value_col = p.col
                + match style {
                    ClauseStyle::Padded => KEY_WIDTH,
                    ClauseStyle::Plain => 4,
                };
            cond_col = value_col;
        } else if let Some((kk, style)) = clause_key
            && kk + 1 == k
        {
            // The first token of the value: continuation lines align here.
            if style == ClauseStyle::Padded {
                value_col = p.col;
            }
            cond_col = p.col;
        } else if prev.is_some_and(|pv| pv.kind == TokenKind::Word && pv.text(src) == "where")
            && stack.last().is_some_and(|f| f.kind == FrameKind::ItemBrace)
        {
            cond_col = p.col;
        }

        p.push(if t.kind == TokenKind::Comment {
            text.trim_end()
        } else {
            text
        });

        if is_punct(src, t, "{") {
            stack.push(Frame {
                kind: if flag(&item_open, k) {
                    FrameKind::ItemBrace
                } else {
                    FrameKind::Brace
                },
                line_indent: p.line_indent,
                content_col: None,
                glued: false,
            });
        } else if is_punct(src, t, "(") || is_punct(src, t, "[") {
            stack.push(Frame {
                kind: FrameKind::Group,
                line_indent: p.line_indent,
                content_col: None,
                // A `[` right after a clause key (`controls["…"]`) is the
                // clause's list value, padded away from the key: not glued.
                glued: is_punct(src, t, "[")
                    && !src_space
                    && k > 0
                    && !st.list_starts.contains(&t.start)
                    && clause_key.is_none_or(|(kk, _)| kk + 1 != k),
            });
        }
    }
    // Comments at the end of the file.
    for (blank, c) in pending.drain(..) {
        p.start_line(blank, 0);
        p.push(c);
    }
    // Lines end in blanks only inside `"""` strings (which are kept as
    // written); the file ends with one newline.
    let mut out = p.out;
    out.push('\n');
    out
}

/// The column a padded token is measured from: the start of the group name
/// (the token before) or of the include target (`practice network` is two
/// tokens).
/// Whether token `i` is marked (false past the end).
fn flag(marks: &[bool], i: usize) -> bool {
    marks.get(i).copied().unwrap_or(false)
}

fn pad_origin(p: &Printer, src: &str, toks: &[Token], k: usize) -> usize {
    // Walk back over the target to the `group` / `include` keyword on this
    // line, then one space after it.
    let mut width = 0;
    let mut j = k;
    while j > 0 {
        j -= 1;
        let Some(tok) = toks.get(j) else { break };
        let w = tok.text(src);
        if tok.kind == TokenKind::Word && (w == "group" || w == "include") {
            return p.col.saturating_sub(width);
        }
        width += w.chars().count() + usize::from(j + 1 < k);
    }
    p.col
}

/// Whether one space separates two tokens on the same line. `glued` says
/// the innermost bracket is a `[` touching the token before it (an index or
/// a path key), where inner spaces are kept as written.
fn space_between(src: &str, prev: &Token, t: &Token, src_space: bool, glued: bool) -> bool {
    let pt = prev.text(src);
    let tt = t.text(src);
    if t.kind == TokenKind::Comment {
        return true;
    }
    if prev.kind == TokenKind::Punct && (pt == "(" || pt == "[") {
        // `tags[ "env"]` is an index expression, `tags["env"]` a path.
        return pt == "[" && glued && src_space;
    }
    if t.kind == TokenKind::Punct {
        return match tt {
            "]" => glued && src_space,
            ")" | "," | ":" => false,
            "." => src_space,
            "(" | "[" => {
                let touching = matches!(
                    prev.kind,
                    TokenKind::Word | TokenKind::Str | TokenKind::Number
                ) || pt == ")"
                    || pt == "]";
                !touching || src_space
            }
            _ => true,
        };
    }
    if prev.kind == TokenKind::Punct && pt == "." {
        return src_space;
    }
    true
}

#[cfg(test)]
mod tests;
