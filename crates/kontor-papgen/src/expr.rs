//! The expression language of the PAP XML: a small subset of Java
//! (`BigDecimal` method chains, `int` arithmetic, comparisons), parsed into a
//! tree and written as Rust over `kontor_payroll::dec::Dec`.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::GenError;

/// The type of a PAP variable or expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Dec,
    DecArray,
    Bool,
    /// `BigDecimal.ROUND_DOWN` / `ROUND_UP`.
    Mode,
}

/// Where a name lives in the generated code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A field of the calculation (`self.NAME`): inputs, outputs, internals.
    Field,
    /// A module constant (`NAME`).
    Const,
}

pub type Names = HashMap<String, (Ty, Place)>;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Op(&'static str),
}

fn tokens(src: &str) -> Result<Vec<Tok>, GenError> {
    const OPS: [&str; 20] = [
        "==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]", ".", ",", "+", "-", "*", "/", "<", ">", "!", "=",
    ];
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(src[start..i].to_string()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                // `1.add(` does not occur; a dot inside digits belongs to the number.
                if b[i] == b'.' && !(i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
                    break;
                }
                i += 1;
            }
            out.push(Tok::Num(src[start..i].to_string()));
        } else {
            let op = OPS
                .iter()
                .find(|op| src[i..].starts_with(**op))
                .ok_or_else(|| GenError::Expr(format!("unexpected character {:?} in `{src}`", c as char)))?;
            out.push(Tok::Op(op));
            i += op.len();
        }
    }
    Ok(out)
}

/// An expression tree.
#[derive(Clone, Debug)]
pub enum E {
    Num(String),
    Var(String),
    Index(String, Box<E>),
    /// `BigDecimal.X` (ZERO, ONE, TEN, ROUND_DOWN, ROUND_UP).
    Static(String),
    /// `BigDecimal.valueOf(x)`.
    ValueOf(Box<E>),
    Call(Box<E>, String, Vec<E>),
    Bin(&'static str, Box<E>, Box<E>),
    Not(Box<E>),
    Neg(Box<E>),
}

struct Parser<'s> {
    t: Vec<Tok>,
    i: usize,
    src: &'s str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }

    fn err(&self, what: &str) -> GenError {
        GenError::Expr(format!("{what} at token {} in `{}`", self.i, self.src))
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), GenError> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{op}`")))
        }
    }

    fn ident(&mut self) -> Result<String, GenError> {
        match self.t.get(self.i) {
            Some(Tok::Ident(s)) => {
                self.i += 1;
                Ok(s.clone())
            }
            _ => Err(self.err("expected a name")),
        }
    }

    /// Binary operators by precedence level, loosest first.
    fn binary(&mut self, level: usize) -> Result<E, GenError> {
        const LEVELS: [&[&str]; 5] = [&["||"], &["&&"], &["==", "!="], &["<=", ">=", "<", ">"], &["+", "-"]];
        const MUL: &[&str] = &["*", "/"];
        let ops: &[&str] = if level < LEVELS.len() { LEVELS[level] } else { MUL };
        let next = |p: &mut Self| {
            if level < LEVELS.len() {
                p.binary(level + 1)
            } else {
                p.unary()
            }
        };
        let mut left = next(self)?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(o)) if ops.contains(o) => *o,
                _ => break,
            };
            self.i += 1;
            let right = next(self)?;
            left = E::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<E, GenError> {
        if self.eat("!") {
            return Ok(E::Not(Box::new(self.unary()?)));
        }
        if self.eat("-") {
            return Ok(E::Neg(Box::new(self.unary()?)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<E, GenError> {
        let mut e = self.primary()?;
        while self.eat(".") {
            let method = self.ident()?;
            self.expect("(")?;
            let args = self.args()?;
            e = E::Call(Box::new(e), method, args);
        }
        Ok(e)
    }

    fn args(&mut self) -> Result<Vec<E>, GenError> {
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.binary(0)?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Result<E, GenError> {
        match self.t.get(self.i).cloned() {
            Some(Tok::Num(n)) => {
                self.i += 1;
                Ok(E::Num(n))
            }
            Some(Tok::Op("(")) => {
                self.i += 1;
                let e = self.binary(0)?;
                self.expect(")")?;
                Ok(e)
            }
            Some(Tok::Ident(name)) if name == "BigDecimal" => {
                self.i += 1;
                self.expect(".")?;
                let member = self.ident()?;
                if member == "valueOf" {
                    self.expect("(")?;
                    let mut args = self.args()?;
                    if args.len() != 1 {
                        return Err(self.err("valueOf takes one argument"));
                    }
                    Ok(E::ValueOf(Box::new(args.remove(0))))
                } else {
                    Ok(E::Static(member))
                }
            }
            Some(Tok::Ident(name)) => {
                self.i += 1;
                if self.eat("[") {
                    let index = self.binary(0)?;
                    self.expect("]")?;
                    Ok(E::Index(name, Box::new(index)))
                } else {
                    Ok(E::Var(name))
                }
            }
            _ => Err(self.err("expected a value")),
        }
    }
}

/// Parses an expression.
pub fn parse(src: &str) -> Result<E, GenError> {
    let mut p = Parser {
        t: tokens(src)?,
        i: 0,
        src,
    };
    let e = p.binary(0)?;
    if p.i != p.t.len() {
        return Err(p.err("unexpected trailing input"));
    }
    Ok(e)
}

/// Parses `NAME = expression` (an `EVAL`).
pub fn parse_assignment(src: &str) -> Result<(String, E), GenError> {
    let (lhs, rhs) = src
        .split_once('=')
        .ok_or_else(|| GenError::Expr(format!("no `=` in `{src}`")))?;
    let name = lhs.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(GenError::Expr(format!("cannot assign to `{name}` in `{src}`")));
    }
    Ok((name.to_string(), parse(rhs)?))
}

/// A decimal literal as `Dec::lit(mantissa, scale)`.
pub fn lit(n: &str) -> Result<String, GenError> {
    let (int, frac) = n.split_once('.').unwrap_or((n, ""));
    let digits = format!("{int}{frac}");
    let m: i128 = digits
        .parse()
        .map_err(|_| GenError::Expr(format!("not a number: {n}")))?;
    Ok(format!("Dec::lit({m}, {})", frac.len()))
}

/// Writes `e` as Rust; returns the code and its type.
pub fn rust(e: &E, names: &Names) -> Result<(String, Ty), GenError> {
    Ok(match e {
        E::Num(n) if n.contains('.') => (lit(n)?, Ty::Dec),
        E::Num(n) => (n.clone(), Ty::Int),
        E::Var(v) => {
            let (ty, place) = names
                .get(v)
                .ok_or_else(|| GenError::Expr(format!("unknown variable {v}")))?;
            let code = match place {
                Place::Field => format!("self.{v}"),
                Place::Const => v.clone(),
            };
            (code, *ty)
        }
        E::Index(v, i) => {
            let (ty, place) = names
                .get(v)
                .ok_or_else(|| GenError::Expr(format!("unknown table {v}")))?;
            if *ty != Ty::DecArray {
                return Err(GenError::Expr(format!("{v} is not a table")));
            }
            let (ic, ity) = rust(i, names)?;
            if ity != Ty::Int {
                return Err(GenError::Expr(format!("index of {v} is not an int")));
            }
            let table = match place {
                Place::Field => format!("self.{v}"),
                Place::Const => v.clone(),
            };
            (format!("tab(&{table}, {ic})"), Ty::Dec)
        }
        E::Static(m) => match m.as_str() {
            "ZERO" => ("Dec::ZERO".into(), Ty::Dec),
            "ONE" => ("Dec::ONE".into(), Ty::Dec),
            "TEN" => ("Dec::TEN".into(), Ty::Dec),
            "ROUND_DOWN" => ("Round::Down".into(), Ty::Mode),
            "ROUND_UP" => ("Round::Up".into(), Ty::Mode),
            other => return Err(GenError::Expr(format!("unknown BigDecimal.{other}"))),
        },
        E::ValueOf(a) => match &**a {
            E::Num(n) => (lit(n)?, Ty::Dec),
            E::Neg(inner) if matches!(&**inner, E::Num(_)) => {
                let E::Num(n) = &**inner else { unreachable!() };
                (format!("Dec::ZERO.subtract({})", lit(n)?), Ty::Dec)
            }
            other => {
                let (c, t) = rust(other, names)?;
                match t {
                    Ty::Int => (format!("Dec::from_i64({c})"), Ty::Dec),
                    // `valueOf(double)` of a decimal input keeps its value.
                    Ty::Dec => (c, Ty::Dec),
                    _ => return Err(GenError::Expr("valueOf of a non-number".into())),
                }
            }
        },
        E::Call(recv, method, args) => {
            let (r, rt) = rust(recv, names)?;
            if rt != Ty::Dec {
                return Err(GenError::Expr(format!("{method} on a non-BigDecimal: {r}")));
            }
            let a: Vec<(String, Ty)> = args.iter().map(|x| rust(x, names)).collect::<Result<_, _>>()?;
            let want = |i: usize, t: Ty| -> Result<&str, GenError> {
                match a.get(i) {
                    Some((c, ty)) if *ty == t => Ok(c.as_str()),
                    _ => Err(GenError::Expr(format!("argument {i} of {method} should be {t:?}"))),
                }
            };
            match (method.as_str(), a.len()) {
                ("add", 1) => (format!("{r}.add({})", want(0, Ty::Dec)?), Ty::Dec),
                ("subtract", 1) => (format!("{r}.subtract({})", want(0, Ty::Dec)?), Ty::Dec),
                ("multiply", 1) => (format!("{r}.multiply({})", want(0, Ty::Dec)?), Ty::Dec),
                ("divide", 1) => (format!("{r}.divide({})", want(0, Ty::Dec)?), Ty::Dec),
                ("divide", 3) => (
                    format!(
                        "{r}.divide_round({}, {}, {})",
                        want(0, Ty::Dec)?,
                        want(1, Ty::Int)?,
                        want(2, Ty::Mode)?
                    ),
                    Ty::Dec,
                ),
                ("setScale", 2) => (
                    format!("{r}.set_scale({}, {})", want(0, Ty::Int)?, want(1, Ty::Mode)?),
                    Ty::Dec,
                ),
                ("compareTo", 1) => (format!("{r}.compare_to({})", want(0, Ty::Dec)?), Ty::Int),
                ("longValue", 0) => (format!("{r}.long_value()"), Ty::Int),
                (m, n) => return Err(GenError::Expr(format!("unknown method {m} with {n} arguments"))),
            }
        }
        E::Bin(op, l, r) => {
            let (lc, lt) = rust(l, names)?;
            let (rc, rt) = rust(r, names)?;
            match *op {
                "&&" | "||" => {
                    if lt != Ty::Bool || rt != Ty::Bool {
                        return Err(GenError::Expr(format!("{op} on non-booleans")));
                    }
                    (format!("({lc} {op} {rc})"), Ty::Bool)
                }
                "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                    if lt != Ty::Int || rt != Ty::Int {
                        return Err(GenError::Expr(format!(
                            "comparison {op} on {lt:?} and {rt:?}: {lc} {op} {rc}"
                        )));
                    }
                    (format!("({lc} {op} {rc})"), Ty::Bool)
                }
                _ => {
                    if lt != Ty::Int || rt != Ty::Int {
                        return Err(GenError::Expr(format!("int operator {op} on {lt:?} and {rt:?}")));
                    }
                    (format!("({lc} {op} {rc})"), Ty::Int)
                }
            }
        }
        E::Not(x) => {
            let (c, t) = rust(x, names)?;
            if t != Ty::Bool {
                return Err(GenError::Expr("! on a non-boolean".into()));
            }
            (format!("!{c}"), Ty::Bool)
        }
        E::Neg(x) => {
            let (c, t) = rust(x, names)?;
            match t {
                Ty::Int => (format!("-{c}"), Ty::Int),
                Ty::Dec => (format!("Dec::ZERO.subtract({c})"), Ty::Dec),
                _ => return Err(GenError::Expr("- on a non-number".into())),
            }
        }
    })
}

/// The Rust statement for `NAME = e`.
pub fn assignment(name: &str, e: &E, names: &Names) -> Result<String, GenError> {
    let (ty, place) = names
        .get(name)
        .ok_or_else(|| GenError::Expr(format!("assignment to unknown variable {name}")))?;
    if *place != Place::Field {
        return Err(GenError::Expr(format!("assignment to constant {name}")));
    }
    let (code, et) = rust(e, names)?;
    let code = match (ty, et) {
        (a, b) if *a == b => code,
        (Ty::Dec, Ty::Int) => match e {
            E::Num(n) => format!("Dec::lit({n}, 0)"),
            _ => format!("Dec::from_i64({code})"),
        },
        (a, b) => return Err(GenError::Expr(format!("cannot assign {b:?} to {name} ({a:?})"))),
    };
    let mut s = String::new();
    let _ = write!(s, "self.{name} = {code};");
    Ok(s)
}
