//! Lexer and recursive-descent parser for ARM template expressions.
//!
//! Grammar (template-expressions.md; Azure Policy's `azurepolicy.ebnf` as read by
//! microsoft/regorus `src/languages/azure_policy/expr.rs`):
//!
//! ```text
//! expr    ::= primary ( '.' IDENT | '[' expr ']' )*
//! primary ::= STRING | NUMBER | IDENT ( '.' IDENT )? '(' ( expr ( ',' expr )* )? ')'
//!           | 'true' | 'false' | 'null'
//! STRING  ::= "'" ( [^'] | "''" )* "'"
//! NUMBER  ::= '-'? [0-9]+ ( '.' [0-9]+ )?
//! ```
//!
//! Whitespace may separate any two tokens. Nesting is bounded by [`MAX_DEPTH`] so that
//! neither parsing, evaluation nor dropping the tree can exhaust the stack.

use super::{Expr, ParseError};

/// Deepest tree accepted. Real templates nest a few dozen levels at most; the bound
/// protects the recursive evaluator from hostile input.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    End,
}

#[derive(Clone)]
struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

fn err<T>(message: impl Into<String>, offset: usize) -> Result<T, ParseError> {
    Err(ParseError {
        message: message.into(),
        offset,
    })
}

impl<'a> Lexer<'a> {
    fn peek_char(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_whitespace(&mut self) {
        while let Some(c) = self.peek_char() {
            if !c.is_whitespace() {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    /// The next token and its starting byte offset.
    fn next(&mut self) -> Result<(Tok, usize), ParseError> {
        self.skip_whitespace();
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok((Tok::End, start));
        };
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            '.' => Some(Tok::Dot),
            _ => None,
        };
        if let Some(tok) = single {
            self.pos += 1;
            return Ok((tok, start));
        }
        let tok = match c {
            '\'' => self.string()?,
            '-' | '0'..='9' => self.number()?,
            c if c.is_alphabetic() || c == '_' || c == '$' => self.ident(),
            c => return err(format!("unexpected character '{c}'"), start),
        };
        Ok((tok, start))
    }

    /// `'...'`, where `''` stands for one quote.
    fn string(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(q) = rest.find('\'') else {
                return err("unterminated string literal", start);
            };
            out.push_str(&rest[..q]);
            self.pos += q + 1;
            if self.text[self.pos..].starts_with('\'') {
                out.push('\'');
                self.pos += 1;
            } else {
                return Ok(Tok::Str(out));
            }
        }
    }

    fn digits(&mut self) -> &'a str {
        let start = self.pos;
        let len = self.text[start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        self.pos += len;
        &self.text[start..start + len]
    }

    fn number(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos;
        if self.text[start..].starts_with('-') {
            self.pos += 1;
        }
        if self.digits().is_empty() {
            return err("expected digits after '-'", start);
        }
        // A '.' followed by a digit continues the number; otherwise it is property access
        // (which the parser rejects on a literal anyway).
        let rest = &self.text[self.pos..];
        if rest.starts_with('.') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
            self.pos += 1;
            self.digits();
            let text = &self.text[start..self.pos];
            return match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Tok::Float(f)),
                _ => err(format!("invalid number '{text}'"), start),
            };
        }
        let text = &self.text[start..self.pos];
        match text.parse::<i64>() {
            Ok(n) => Ok(Tok::Int(n)),
            Err(_) => err(format!("integer '{text}' does not fit in 64 bits"), start),
        }
    }

    fn ident(&mut self) -> Tok {
        let start = self.pos;
        let len: usize = self.text[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            .map(char::len_utf8)
            .sum();
        self.pos += len;
        Tok::Ident(self.text[start..self.pos].to_string())
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    tok: Tok,
    at: usize,
}

impl Parser<'_> {
    fn advance(&mut self) -> Result<(), ParseError> {
        (self.tok, self.at) = self.lexer.next()?;
        Ok(())
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), ParseError> {
        if self.tok != tok {
            return err(
                format!("expected {what}, found {}", describe(&self.tok)),
                self.at,
            );
        }
        self.advance()
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        let Tok::Ident(name) = &self.tok else {
            return err(
                format!("expected a name, found {}", describe(&self.tok)),
                self.at,
            );
        };
        let name = name.clone();
        self.advance()?;
        Ok(name)
    }

    fn check_depth(&self, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return err(
                format!("expression nests deeper than {MAX_DEPTH} levels"),
                self.at,
            );
        }
        Ok(())
    }

    /// `primary ( '.' IDENT | '[' expr ']' )*`; each accessor adds a tree level.
    fn expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        self.check_depth(depth)?;
        let mut expr = self.primary(depth)?;
        let mut depth = depth;
        loop {
            match self.tok {
                Tok::Dot => {
                    depth += 1;
                    self.check_depth(depth)?;
                    self.advance()?;
                    let name = self.ident()?;
                    expr = Expr::Property {
                        target: Box::new(expr),
                        name,
                    };
                }
                Tok::LBracket => {
                    depth += 1;
                    self.check_depth(depth)?;
                    self.advance()?;
                    let index = self.expr(depth + 1)?;
                    self.expect(Tok::RBracket, "']'")?;
                    expr = Expr::Index {
                        target: Box::new(expr),
                        index: Box::new(index),
                    };
                }
                _ => return Ok(expr),
            }
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let at = self.at;
        let expr = match std::mem::replace(&mut self.tok, Tok::End) {
            Tok::Str(s) => Expr::String(s),
            Tok::Int(n) => Expr::Int(n),
            Tok::Float(f) => Expr::Float(f),
            Tok::Ident(name) => {
                self.advance()?;
                return self.call_or_keyword(name, at, depth);
            }
            other => {
                self.tok = other;
                return err(
                    format!("expected an expression, found {}", describe(&self.tok)),
                    at,
                );
            }
        };
        self.advance()?;
        Ok(expr)
    }

    /// After a name: a call `name(...)`, a namespaced user function `ns.name(...)`, or
    /// one of the bare keywords `true`, `false`, `null`.
    fn call_or_keyword(
        &mut self,
        name: String,
        at: usize,
        depth: usize,
    ) -> Result<Expr, ParseError> {
        match self.tok {
            Tok::LParen => return self.call(name, depth),
            Tok::Dot => {
                // `ns.fn(` is a user-defined function; a look-ahead decides, so that
                // `true.x` still reads as a property access (rejected at evaluation).
                let mut look = self.lexer.clone();
                if let (Ok((Tok::Ident(member), _)), Ok((Tok::LParen, _))) =
                    (look.next(), look.next())
                {
                    self.advance()?; // past '.', onto the member name
                    self.advance()?; // past the member name, onto '('
                    return self.call(format!("{name}.{member}"), depth);
                }
            }
            _ => {}
        }
        match name.to_ascii_lowercase().as_str() {
            "true" => Ok(Expr::Bool(true)),
            "false" => Ok(Expr::Bool(false)),
            "null" => Ok(Expr::Null),
            _ => err(format!("expected '(' after function name '{name}'"), at),
        }
    }

    fn call(&mut self, name: String, depth: usize) -> Result<Expr, ParseError> {
        self.expect(Tok::LParen, "'('")?;
        let mut args = Vec::new();
        if self.tok != Tok::RParen {
            loop {
                args.push(self.expr(depth + 1)?);
                if self.tok != Tok::Comma {
                    break;
                }
                self.advance()?;
            }
        }
        self.expect(Tok::RParen, "',' or ')'")?;
        Ok(Expr::Call { name, args })
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(name) => format!("name '{name}'"),
        Tok::Str(_) => "a string".into(),
        Tok::Int(_) | Tok::Float(_) => "a number".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Comma => "','".into(),
        Tok::Dot => "'.'".into(),
        Tok::End => "end of expression".into(),
    }
}

pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser {
        lexer: Lexer { text, pos: 0 },
        tok: Tok::End,
        at: 0,
    };
    parser.advance()?;
    if parser.tok == Tok::End {
        return err("empty expression", 0);
    }
    let expr = parser.expr(1)?;
    if parser.tok != Tok::End {
        return err(
            format!(
                "expected end of expression, found {}",
                describe(&parser.tok)
            ),
            parser.at,
        );
    }
    Ok(expr)
}
