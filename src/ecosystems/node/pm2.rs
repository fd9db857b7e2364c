//! PM2 process files (`ecosystem.config.js`, `ecosystem.config.cjs`, `ecosystem.json`,
//! `pm2.json`, `process.json`): how many processes of the application PM2 starts, each
//! opening its own pools.
//!
//! PM2 reads the apps of `apps`, else `pm2`, else the file's object itself, one app or a
//! list (`_startJson`, Unitech/pm2 `lib/API.js`). `instances: "max"` is 0 and any other
//! string is `parseInt(…) || 0` (`verifyConfs`, `lib/Common.js`); an app without
//! `instances` runs 1 process (`determineExecMode`, `lib/Common.js`); `God.prepare`
//! (`lib/God.js`) then starts one process per CPU for 0, the CPU count plus the value
//! for a negative one, at least 1, in fork and cluster mode alike: `exec_mode` does not
//! change the count. JSON files are evaluated as a JavaScript expression
//! (`Common.parseConfig`); a `.js` file is `require`d, which poollint does not do: only
//! a literal `module.exports = { … }` of JSON-like values is read.

use std::path::Path;

use crate::ecosystems::ParsedFile;
use crate::model::{Location, Origin, Setting, Val};
use crate::source::Span;
use crate::syntax::{Document, Entry, NodeId, NodeKind, ScalarStyle, MAX_DEPTH};

const PM2_DOC: &str = "https://pm2.keymetrics.io/docs/usage/application-declaration/";

/// The format of a PM2 process file named `name`, when it is one.
pub(super) fn format_of(name: &str) -> Option<crate::syntax::Format> {
    match name {
        "ecosystem.config.js" | "ecosystem.config.cjs" => Some(crate::syntax::Format::Raw),
        "ecosystem.json" | "pm2.json" | "process.json" => Some(crate::syntax::Format::Json),
        _ => None,
    }
}

/// Which of several process files of one directory is read: the first in this order.
pub(super) const FILES: [&str; 5] = [
    "ecosystem.config.js",
    "ecosystem.config.cjs",
    "ecosystem.json",
    "pm2.json",
    "process.json",
];

/// The apps' tree of a process file: the parsed JSON, or the `.js` file's literal
/// (None, with why, when it is not one poollint reads).
pub(super) fn document(file: &ParsedFile, text: &str) -> Result<Option<Document>, String> {
    if file.format != crate::syntax::Format::Raw {
        return Ok(None);
    }
    js_exports(text).map(Some)
}

/// The processes per instance the apps of `doc` (a process file's tree) start in the
/// file's own directory, with notes on the apps left out; None when no app runs there.
pub(super) fn processes(
    file: &ParsedFile,
    doc: &Document,
    notes: &mut Vec<String>,
) -> Option<Setting<i64>> {
    let root = doc.resolve(*doc.roots.first()?);
    let list = ["apps", "pm2"]
        .iter()
        .find_map(|key| doc.get(root, key))
        .unwrap_or(root);
    let apps: Vec<NodeId> = match doc.seq(list) {
        Some(items) => items.to_vec(),
        None => vec![list],
    };
    let shown = crate::source::display_path(&file.path);
    let mut counted: Vec<(String, Setting<i64>)> = Vec::new();
    for (index, app) in apps.into_iter().enumerate() {
        let app = doc.resolve(app);
        if !doc.is_map(app) {
            continue;
        }
        let name = doc
            .get(app, "name")
            .and_then(|n| doc.text(n))
            .map_or_else(|| format!("apps[{index}]"), str::to_owned);
        if let Some(cwd) = doc.get(app, "cwd").and_then(|c| doc.text(c)) {
            if !matches!(cwd.trim_end_matches('/'), "" | ".") {
                notes.push(format!(
                    "{shown}: PM2 app `{name}` runs in `{cwd}`: its processes are counted only for the pools of {shown}'s own directory, so not for it"
                ));
                continue;
            }
        }
        if runs_other_language(doc, app) {
            continue;
        }
        counted.push((name.clone(), instances(file, doc, app, &name)));
    }
    combine(&shown, counted)
}

/// A script PM2 runs with another interpreter than Node's (its extension, PM2's
/// `lib/API/interpreter.json`): it opens none of the application's Node pools.
fn runs_other_language(doc: &Document, app: NodeId) -> bool {
    let script = doc.get(app, "script").and_then(|s| doc.text(s));
    let extension = script.and_then(|s| Path::new(s).extension()?.to_str());
    matches!(extension, Some("py" | "rb" | "php" | "sh" | "pl" | "lua"))
}

/// The processes of one app, as `God.prepare` counts them.
fn instances(file: &ParsedFile, doc: &Document, app: NodeId, name: &str) -> Setting<i64> {
    let location = |node: NodeId| Location {
        file: file.id,
        span: doc.span(node),
    };
    let Some(node) = doc.get(app, "instances") else {
        return Setting::known(
            1,
            Origin::Default {
                library: &"PM2",
                doc: &PM2_DOC,
                anchor: doc.entries(app).first().map(|e| location(e.key)),
            },
        );
    };
    let origin = Origin::File {
        file: file.id,
        span: doc.span(node),
        key: format!("{name}.instances").into(),
        via: None,
    };
    let value = match requested(doc, node) {
        Some(n) if n >= 1 => Val::Known(n),
        Some(0) => Val::unknown(format!(
            "PM2 starts one process of `{name}` per CPU of the host (`instances` 0 or \"max\"), and the files do not say how many CPUs it has"
        )),
        Some(n) => Val::unknown(format!(
            "PM2 starts the host's CPU count minus {} processes of `{name}` (at least 1), and the files do not say how many CPUs it has",
            n.unsigned_abs()
        )),
        None => Val::unknown(format!(
            "`instances` of `{name}` is not a number PM2 reads"
        )),
    };
    Setting { value, origin }
}

/// `instances` as PM2 reads it: `"max"` is 0, a string `parseInt(s) || 0`, a number
/// `parseInt` (its whole part); None for what gives no count (`true`, `null`).
fn requested(doc: &Document, node: NodeId) -> Option<i64> {
    let scalar = doc.scalar(node)?;
    let text = scalar.text.trim();
    if scalar.style.is_quoted() {
        return Some(if text == "max" {
            0
        } else {
            parse_int(text).unwrap_or(0)
        });
    }
    let number: f64 = text.parse().ok()?;
    number.is_finite().then_some(number.trunc() as i64)
}

/// JavaScript's `parseInt(text, 10)`: an optional sign and the digits that follow.
fn parse_int(text: &str) -> Option<i64> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<i64>().ok().map(|n| sign * n)
}

/// The processes of every app counted: one app's count, the sum of several (unknown
/// when one of them is).
fn combine(shown: &str, counted: Vec<(String, Setting<i64>)>) -> Option<Setting<i64>> {
    if counted.len() <= 1 {
        return counted.into_iter().next().map(|(_, s)| s);
    }
    if let Some((_, unknown)) = counted.iter().find(|(_, s)| s.get().is_none()) {
        return Some(unknown.clone());
    }
    let total = counted
        .iter()
        .filter_map(|(_, s)| s.get())
        .fold(0i64, |sum, n| sum.saturating_add(*n));
    let parts: Vec<String> = counted
        .iter()
        .map(|(name, s)| format!("`{name}` {}", s.get().copied().unwrap_or(0)))
        .collect();
    let at = counted.iter().find_map(|(_, s)| s.location());
    Some(Setting::known(
        total,
        Origin::Inferred {
            from: format!(
                "the processes of the PM2 apps {} of {shown}",
                parts.join(" + ")
            )
            .into(),
            at,
        },
    ))
}

/// The object `module.exports` is set to in a `.js` file that does nothing else (an
/// optional `'use strict'`, comments), as a document; why not otherwise. Values are
/// JSON-like literals only: anything computed (`os.cpus().length`, `process.env.X`, a
/// function, a template string) is not read.
fn js_exports(text: &str) -> Result<Document, String> {
    let mut lexer = Lexer { text, at: 0 };
    let mut token = lexer.next()?;
    if matches!(&token, Some((Token::Str(s), _)) if s == "use strict") {
        token = lexer.next()?;
        if matches!(token, Some((Token::Punct(';'), _))) {
            token = lexer.next()?;
        }
    }
    let exports = [
        Token::Word("module".into()),
        Token::Punct('.'),
        Token::Word("exports".into()),
        Token::Punct('='),
    ];
    for expected in exports {
        match token {
            Some((found, _)) if found == expected => token = lexer.next()?,
            _ => return Err("it does not only set `module.exports` to an object".to_owned()),
        }
    }
    let doc = literal(&mut lexer, token)?;
    let mut rest = lexer.next()?;
    if matches!(rest, Some((Token::Punct(';'), _))) {
        rest = lexer.next()?;
    }
    match rest {
        None => Ok(doc),
        Some((_, span)) => Err(format!(
            "line {}: code after the exported object",
            line_of(text, span.start)
        )),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Punct(char),
    Str(String),
    /// A number as written.
    Number(String),
    /// An identifier or keyword.
    Word(String),
}

struct Lexer<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Lexer<'t> {
    fn rest(&self) -> &'t str {
        self.text.get(self.at..).unwrap_or("")
    }

    /// Skip white space and comments.
    fn skip(&mut self) -> Result<(), String> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.at += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(body) = trimmed.strip_prefix("/*") {
                let close = body
                    .find("*/")
                    .ok_or_else(|| "a /* comment is never closed".to_owned())?;
                self.at += 2 + close + 2;
            } else {
                return Ok(());
            }
        }
    }

    fn next(&mut self) -> Result<Option<(Token, Span)>, String> {
        self.skip()?;
        let start = self.at;
        let Some(first) = self.rest().chars().next() else {
            return Ok(None);
        };
        let token = match first {
            '"' | '\'' => self.string(first)?,
            '`' => {
                return Err(format!(
                    "line {}: a template string",
                    line_of(self.text, start)
                ))
            }
            c if c.is_ascii_digit() || (matches!(c, '-' | '+' | '.') && self.number_follows()) => {
                let len = self
                    .rest()
                    .char_indices()
                    .skip(1)
                    .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
                    .map_or(self.rest().len(), |(i, _)| i);
                let number = self.rest().get(..len).unwrap_or("").to_owned();
                self.at += len;
                Token::Number(number)
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let len = self
                    .rest()
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .unwrap_or(self.rest().len());
                let word = self.rest().get(..len).unwrap_or("").to_owned();
                self.at += len;
                Token::Word(word)
            }
            c => {
                self.at += c.len_utf8();
                Token::Punct(c)
            }
        };
        Ok(Some((token, Span::new(start, self.at))))
    }

    /// Whether the sign or point at the cursor starts a number (`-1`, `.5`, `-.5`).
    fn number_follows(&self) -> bool {
        let mut chars = self.rest().chars().skip(1);
        match chars.next() {
            Some('.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
            Some(c) => c.is_ascii_digit(),
            None => false,
        }
    }

    /// A quoted string, its escapes read (`\n`, `\t`, `\uXXXX`; any other character
    /// after `\` stands for itself).
    fn string(&mut self, quote: char) -> Result<Token, String> {
        let start = self.at;
        let mut out = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.at += i + c.len_utf8();
                    return Ok(Token::Str(out));
                }
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                        out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                    }
                    Some(other) => out.push(other),
                    None => break,
                },
                '\n' => break,
                c => out.push(c),
            }
        }
        Err(format!(
            "line {}: a string is never closed",
            line_of(self.text, start)
        ))
    }
}

/// Where the literal parser is inside an object or array.
enum Frame {
    Map {
        start: usize,
        entries: Vec<Entry>,
        key: Option<NodeId>,
    },
    Seq {
        start: usize,
        items: Vec<NodeId>,
    },
}

/// What the literal parser expects next.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Value,
    KeyOrClose,
    Colon,
    CommaOrClose,
}

/// The JSON-like literal starting at `token`, read without recursion into a document.
fn literal(lexer: &mut Lexer, mut token: Option<(Token, Span)>) -> Result<Document, String> {
    let mut doc = Document::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut expect = Expect::Value;
    loop {
        let (found, span) =
            token.ok_or_else(|| "the exported object is never closed".to_owned())?;
        let line = line_of(lexer.text, span.start);
        let unread = || format!("line {line}: a value computed at run time or not JSON-like");
        let mut value = None;
        match (expect, found) {
            (Expect::Value, Token::Punct(open @ ('{' | '['))) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("line {line}: nested too deeply"));
                }
                stack.push(match open {
                    '{' => Frame::Map {
                        start: span.start,
                        entries: Vec::new(),
                        key: None,
                    },
                    _ => Frame::Seq {
                        start: span.start,
                        items: Vec::new(),
                    },
                });
                expect = if open == '{' {
                    Expect::KeyOrClose
                } else {
                    Expect::Value
                };
            }
            (Expect::KeyOrClose, Token::Word(k) | Token::Str(k) | Token::Number(k)) => {
                let key = doc.push_scalar(k, ScalarStyle::Plain, span);
                if let Some(Frame::Map { key: slot, .. }) = stack.last_mut() {
                    *slot = Some(key);
                }
                expect = Expect::Colon;
            }
            (Expect::Colon, Token::Punct(':')) => expect = Expect::Value,
            (Expect::Value, Token::Str(s)) => {
                value = Some(doc.push_scalar(s, ScalarStyle::DoubleQuoted, span));
            }
            (Expect::Value, Token::Number(n)) if n.parse::<f64>().is_ok() => {
                value = Some(doc.push_scalar(n, ScalarStyle::Plain, span));
            }
            (Expect::Value, Token::Word(w)) if matches!(w.as_str(), "true" | "false" | "null") => {
                value = Some(doc.push_scalar(w, ScalarStyle::Plain, span));
            }
            (Expect::CommaOrClose, Token::Punct(',')) => {
                expect = match stack.last() {
                    Some(Frame::Map { .. }) => Expect::KeyOrClose,
                    _ => Expect::Value,
                };
            }
            (Expect::KeyOrClose | Expect::CommaOrClose, Token::Punct('}')) => {
                let Some(Frame::Map { start, entries, .. }) = stack.pop() else {
                    return Err(unread());
                };
                value = Some(doc.push(NodeKind::Map(entries), Span::new(start, span.end)));
            }
            (Expect::Value | Expect::CommaOrClose, Token::Punct(']')) => {
                let Some(Frame::Seq { start, items }) = stack.pop() else {
                    return Err(unread());
                };
                value = Some(doc.push(NodeKind::Seq(items), Span::new(start, span.end)));
            }
            _ => return Err(unread()),
        }
        if let Some(id) = value {
            match stack.last_mut() {
                None => {
                    doc.roots.push(id);
                    return Ok(doc);
                }
                Some(Frame::Map { entries, key, .. }) => {
                    let key = key.take().ok_or_else(unread)?;
                    entries.push(Entry { key, value: id });
                }
                Some(Frame::Seq { items, .. }) => items.push(id),
            }
            expect = Expect::CommaOrClose;
        }
        token = lexer.next()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_export_is_read_and_code_is_not() {
        let doc = js_exports(
            "// PM2\n'use strict';\nmodule.exports = {\n  apps: [{ name: 'api', script: \"./index.js\", instances: 4, exec_mode: 'cluster', },],\n};\n",
        )
        .unwrap();
        let root = doc.roots[0];
        let apps = doc.seq(doc.get(root, "apps").unwrap()).unwrap();
        assert_eq!(doc.text(doc.get(apps[0], "instances").unwrap()), Some("4"));
        assert_eq!(doc.text(doc.get(apps[0], "name").unwrap()), Some("api"));
        for code in [
            "const os = require('os');\nmodule.exports = { apps: [] };\n",
            "module.exports = { apps: [{ instances: os.cpus().length }] };\n",
            "module.exports = { apps: [{ name: `api` }] };\n",
            "module.exports = { apps: [] };\nconsole.log(1);\n",
            "module.exports = { apps: [ ;\n",
        ] {
            assert!(js_exports(code).is_err(), "{code}");
        }
    }
}
