//! INI-family files: `postgresql.conf`, `pgbouncer.ini`, `my.cnf`, `.env` and generic INI.
//!
//! One hand-written line parser; the [`Dialect`] decides which comment markers, quotes,
//! separators and include directives a line may use (facts from `reference/libraries.md`
//! §4). The tree is one root map: entries before the first section, then one entry per
//! `[section]` header (repeated sections stay separate) whose value maps the section's
//! entries. Includes go to [`Document::directives`], comments to [`Document::comments`].
//! A bad line becomes a [`SyntaxError`] and parsing goes on with the next line.
//!
//! [`split_lines`] is shared with the `.properties` parser.

use super::{Comment, Directive, Document, Entry, NodeId, NodeKind, ScalarStyle, SyntaxError};
use crate::source::Span;

/// The INI-like dialects poollint reads; each has its own comment and include rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `postgresql.conf`: no sections, `#` comments anywhere outside quotes, `include`.
    Postgres,
    /// `pgbouncer.ini`: comments only at line start, `%include`.
    PgBouncer,
    /// `my.cnf`: `[group]`s, `#`/`;` comments, `!include`/`!includedir`, bare flags.
    MySql,
    /// `.env`: `KEY=value`, optional `export`, quotes, `#` comments.
    DotEnv,
    /// Other INI files (`airflow.cfg`, `grafana.ini`): sections, `#`/`;` line comments.
    Generic,
}

impl Dialect {
    /// Characters that make a whole line a comment when they start it (after blanks).
    fn line_comment_markers(self) -> &'static [char] {
        match self {
            Dialect::Postgres | Dialect::DotEnv => &['#'],
            Dialect::PgBouncer | Dialect::MySql | Dialect::Generic => &['#', ';'],
        }
    }

    fn has_sections(self) -> bool {
        matches!(self, Dialect::PgBouncer | Dialect::MySql | Dialect::Generic)
    }
}

/// Parse `text` as an INI-family file of the given dialect.
pub fn parse(text: &str, dialect: Dialect) -> Document {
    let mut parser = IniParser::new(dialect);
    let lines = split_lines(text);
    let mut next = 0;
    while let Some(&line) = lines.get(next) {
        // A `.env` quoted value may run over lines (dotenv, compose): one logical line.
        let last = match dialect {
            Dialect::DotEnv => dotenv_quote_closes_at(text, &lines, next).unwrap_or(next),
            _ => next,
        };
        let end = lines
            .get(last)
            .map_or(line.start, |l| l.start + l.text.len());
        parser.line(Line {
            start: line.start,
            text: text.get(line.start..end).unwrap_or(line.text),
        });
        next = last + 1;
    }
    parser.finish(text.len())
}

/// Most lines a `.env` quoted value may take: past it the quote is unterminated (and
/// each line looked at is scanned again from the quote, so it bounds the work).
const MAX_DOTENV_VALUE_LINES: usize = 200;

/// The index of the line where the quoted value that `lines[first]` opens is closed,
/// when that is a later line (`KEY="-----BEGIN…` over several lines); None when the
/// line closes its quote, opens none, or none of the next lines closes it.
fn dotenv_quote_closes_at(text: &str, lines: &[Line<'_>], first: usize) -> Option<usize> {
    let line = lines.get(first)?;
    if line.text.trim_start().starts_with('#') {
        return None;
    }
    let open = dotenv_value_start(line.text)?;
    if !line.tail(open).starts_with(['"', '\'', '`']) {
        return None;
    }
    // Read once over the lines it may take: a single quote after a backslash that
    // ends its line closes the value only when no later line does ([`scan_literal_quoted`]).
    let last = lines.len().min(first + MAX_DOTENV_VALUE_LINES);
    let end = lines
        .get(last.checked_sub(1)?)
        .map_or(0, |l| l.start + l.text.len());
    let quoted = dotenv_quoted(text.get(line.start..end)?, open)?;
    let close = line.start + quoted.end;
    (first..last)
        .find(|&index| {
            lines
                .get(index)
                .is_some_and(|l| close <= l.start + l.text.len())
        })
        .filter(|&index| index > first)
}

/// Where a `.env` line's value starts (after its separator and blanks), None when the
/// line has no separator [`dotenv_separator`] takes.
fn dotenv_value_start(text: &str) -> Option<usize> {
    let at = skip_blanks(text, 0);
    let at = match text.get(at..)?.strip_prefix("export") {
        Some(after) if after.starts_with(is_blank) => skip_blanks(text, at + "export".len()),
        _ => at,
    };
    let (_, separator) = dotenv_separator(text, at);
    text.get(separator..)?
        .starts_with(['=', ':'])
        .then(|| skip_blanks(text, separator + 1))
        .filter(|_| dotenv_separates(text, separator))
}

/// Where the key that starts at `at` ends, and where its separator is: `=` after the
/// key and blanks, or `:` as npm dotenv (`KEY: value`, its line pattern's `:\s+?`) and
/// godotenv (also `KEY : value`) read it. A `:` with no blank after it stays part of the
/// key (`A:B=x`), as it was before `:` was a separator.
fn dotenv_separator(text: &str, at: usize) -> (usize, usize) {
    let key_end = find_from(text, at, |c| is_blank(c) || c == '=');
    let key = text.get(at..key_end).unwrap_or("");
    match key.strip_suffix(':') {
        Some(name) if !name.is_empty() && !text.get(key_end..).unwrap_or("").starts_with('=') => {
            (at + name.len(), key_end - 1)
        }
        _ => (key_end, skip_blanks(text, key_end)),
    }
}

/// Whether the char at `separator` separates a key from its value: `=`, or `:` followed
/// by a blank or the line's end (`KEY:value` is no line npm dotenv reads).
fn dotenv_separates(text: &str, separator: usize) -> bool {
    let rest = text.get(separator..).unwrap_or("");
    rest.starts_with('=')
        || rest
            .strip_prefix(':')
            .is_some_and(|after| after.chars().next().is_none_or(is_blank))
}

/// The `.env` quoted value opening at `open`: double quotes with their escapes; single
/// quotes and backticks (npm dotenv since v15, which Prisma loads `.env` with) as
/// [`scan_literal_quoted`] reads them. None when not closed in `text`.
fn dotenv_quoted(text: &str, open: usize) -> Option<Quoted> {
    match text.get(open..)?.chars().next()? {
        '"' => scan_quoted(text, open, Escapes::DotEnvDouble),
        quote @ ('\'' | '`') => scan_literal_quoted(text, open, quote),
        _ => None,
    }
}

/// A `.env` value in single quotes or backticks, as npm dotenv's `'(?:\\'|[^'])*'`
/// reads it (python-dotenv's and godotenv's quotes agree): a quote after a backslash
/// does not close it (`'ab\'cd'` is `ab\'cd`, so a password holding `\'` is read whole,
/// not cut at it), and of the quotes up to the first one without a backslash the
/// regex takes the last that ends its line (then only blanks or a `#` comment), so
/// `'a\'` is `a\` as before. Backslashes are kept as written (npm dotenv and godotenv;
/// python-dotenv drops the one before `'`).
fn scan_literal_quoted(text: &str, open: usize, quote: char) -> Option<Quoted> {
    let body_start = open + quote.len_utf8();
    let body = text.get(body_start..)?;
    let mut candidates = Vec::new();
    let mut closing = None;
    let mut after_backslash = false;
    for (offset, c) in body.char_indices() {
        if c == quote {
            candidates.push(offset);
            if !after_backslash {
                closing = Some(offset);
                break;
            }
        }
        after_backslash = c == '\\';
    }
    let ends_line = |at: &&usize| {
        let rest = body.get(**at + quote.len_utf8()..).unwrap_or("");
        let line = rest.split(['\n', '\r']).next().unwrap_or("");
        let line = line.trim_start_matches(is_blank);
        line.is_empty() || line.starts_with('#')
    };
    let close = candidates
        .iter()
        .rev()
        .find(ends_line)
        .copied()
        .or(closing)?;
    Some(Quoted {
        text: body.get(..close)?.to_owned(),
        end: body_start + close + quote.len_utf8(),
        style: ScalarStyle::SingleQuoted,
    })
}

// ---------------------------------------------------------------------------------------
// Lines and small text helpers (shared with `properties.rs`).

/// One physical line without its terminator (`\n`, `\r\n` or a lone `\r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Line<'a> {
    /// Byte offset of the line in the whole text.
    pub(super) start: usize,
    pub(super) text: &'a str,
}

impl Line<'_> {
    /// The absolute span of `from..to`, given as offsets inside the line.
    pub(super) fn span(&self, from: usize, to: usize) -> Span {
        Span::new(self.start + from, self.start + to)
    }

    /// The line's text from offset `from` (empty when out of range).
    pub(super) fn tail(&self, from: usize) -> &str {
        self.text.get(from..).unwrap_or("")
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.tail(at).chars().next()
    }

    fn slice(&self, from: usize, to: usize) -> &str {
        self.text.get(from..to).unwrap_or("")
    }
}

/// Split `text` into physical lines; LF, CRLF and lone CR all end a line.
pub(super) fn split_lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    // Terminators are ASCII, so every byte index found here is a char boundary; memchr
    // finds them several bytes at a time (byte by byte, this was half of parsing a
    // `postgresql.conf`).
    for index in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        // The LF of a CRLF: its CR ended the line.
        let crlf_tail = bytes.get(index) == Some(&b'\n')
            && index.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b'\r');
        if !crlf_tail {
            lines.push(Line {
                start,
                text: text.get(start..index).unwrap_or(""),
            });
        }
        start = index + 1;
    }
    if start < text.len() {
        lines.push(Line {
            start,
            text: text.get(start..).unwrap_or(""),
        });
    }
    lines
}

/// Blanks that separate tokens: space, tab and form feed (Java counts `\f` too).
pub(super) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0c')
}

/// Offset of the first non-blank char at or after `from`.
pub(super) fn skip_blanks(text: &str, from: usize) -> usize {
    find_from(text, from, |c| !is_blank(c))
}

/// Offset of the first char at or after `from` matching `stop`, or `text.len()`.
fn find_from(text: &str, from: usize, stop: impl Fn(char) -> bool) -> usize {
    let rest = text.get(from..).unwrap_or("");
    rest.char_indices()
        .find(|&(_, c)| stop(c))
        .map_or(text.len(), |(offset, _)| from + offset)
}

/// `to` moved left past blanks, but not before `from`.
fn trim_end_blanks(text: &str, from: usize, to: usize) -> usize {
    let part = text.get(from..to).unwrap_or("");
    from + part.trim_end_matches(is_blank).len()
}

// ---------------------------------------------------------------------------------------
// Quoted strings.

/// Which backslash escapes a quoted (or MySQL unquoted) value understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escapes {
    /// Backslash is an ordinary char.
    None,
    /// guc-file.l: `\b \f \n \r \t`, any other `\x` is `x`; `''` is a quote too.
    Postgres,
    /// my.cnf: `\b \t \n \r \s \\ \' \"`; other backslashes are kept as written.
    MySql,
    /// `.env` double quotes: `\n \r \t \" \\`; other backslashes kept as written.
    DotEnvDouble,
}

impl Escapes {
    /// What `\c` stands for, or None when the backslash is kept literally.
    fn resolve(self, c: char) -> Option<char> {
        match (self, c) {
            (Escapes::None, _) => None,
            (_, 'n') => Some('\n'),
            (_, 'r') => Some('\r'),
            (_, 't') => Some('\t'),
            (_, '\\' | '"') => Some(c),
            (Escapes::Postgres | Escapes::MySql, 'b') => Some('\x08'),
            (Escapes::Postgres, 'f') => Some('\x0c'),
            (Escapes::MySql, 's') => Some(' '),
            (Escapes::MySql, '\'') => Some('\''),
            // guc-file.l drops the backslash before any other char.
            (Escapes::Postgres, _) => Some(c),
            (Escapes::MySql | Escapes::DotEnvDouble, _) => None,
        }
    }

    /// Push the meaning of `\c` onto `out`.
    fn push(self, c: char, out: &mut String) {
        match self.resolve(c) {
            Some(resolved) => out.push(resolved),
            None => {
                out.push('\\');
                out.push(c);
            }
        }
    }
}

/// A quoted string read from a line.
struct Quoted {
    text: String,
    /// Offset just past the closing quote.
    end: usize,
    style: ScalarStyle,
}

/// Read the quoted string opening at `open`; None when it is not closed on this line.
fn scan_quoted(text: &str, open: usize, escapes: Escapes) -> Option<Quoted> {
    let quote = text.get(open..)?.chars().next()?;
    let style = if quote == '\'' {
        ScalarStyle::SingleQuoted
    } else {
        ScalarStyle::DoubleQuoted
    };
    let mut out = String::new();
    let mut chars = text.get(open + 1..)?.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        if c == '\\' && escapes != Escapes::None {
            let (_, escaped) = chars.next()?;
            escapes.push(escaped, &mut out);
        } else if c == quote {
            // PostgreSQL also writes a quote inside a string as two quotes.
            if escapes == Escapes::Postgres && chars.peek().is_some_and(|&(_, next)| next == quote)
            {
                chars.next();
                out.push(quote);
                continue;
            }
            let end = open + 1 + offset + c.len_utf8();
            return Some(Quoted {
                text: out,
                end,
                style,
            });
        } else {
            out.push(c);
        }
    }
    None
}

/// `raw` with MySQL's option-value escapes applied (they apply unquoted too).
fn unescape_mysql(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next)) => {
                chars.next();
                Escapes::MySql.push(next, &mut out);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Offset of the first `#` outside quotes (MySQL's `remove_end_comment`), or the length.
fn mysql_comment_start(text: &str, from: usize) -> usize {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (offset, c) in text.get(from..).unwrap_or("").char_indices() {
        match quote {
            None if c == '#' => return from + offset,
            None if c == '\'' || c == '"' => quote = Some(c),
            Some(open) if c == open && !escaped => quote = None,
            _ => {}
        }
        escaped = quote.is_some() && c == '\\' && !escaped;
    }
    text.len()
}

/// A character of a `pgbouncer.ini` key (libusual `parse_ini_file`: `isalnum` in the C
/// locale, or one of `_.-*`).
fn is_pgbouncer_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*')
}

/// Why PgBouncer refuses a key with another character (the key is not quoted back).
const PGBOUNCER_KEY_REFUSED: &str = "PgBouncer reads a key (a setting or a database or user name) as ASCII letters, digits and `_ . - *` only, without quotes: at any other character it logs `syntax error in configuration` and stops loading the file, so it does not start (a reload keeps the previous configuration)";

// ---------------------------------------------------------------------------------------
// postgresql.conf's unquoted values, as guc-file.l's lexer reads them.

/// Why an unquoted `postgresql.conf` value that [`guc_value_token_len`] does not read
/// whole is refused (the value is not quoted back: it may hold a password).
const UNREADABLE_UNQUOTED_VALUE: &str = "PostgreSQL's configuration lexer does not read this as one unquoted value (unquoted, a value is a number such as `30`, `0x1f`, `1.5` or `1.5e2`, with unit letters only after a whole number (`30s`, not `1.5min` or `1e3`), or a word starting with a letter, but not `name.name` such as `extra.conf`): the server reports a syntax error and refuses to start with this file; write the value in single quotes";

/// guc-file.l's `LETTER`: an ASCII letter, `_`, or a byte 0x80-0xFF (any non-ASCII char).
fn is_guc_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_guc_letter_or_digit(c: char) -> bool {
    is_guc_letter(c) || c.is_ascii_digit()
}

/// The length of the unquoted value token `word` starts with, as guc-file.l's flex
/// lexer reads it (the longest match; a tie goes to the rule listed first), when it is
/// one the grammar takes as a value (`ID`, `UNQUOTED_STRING`, `INTEGER`, `REAL`);
/// None for a `QUALIFIED_ID` (`extra.conf`) or a character no rule matches (`/`, `"`).
/// So `1.5min`, `1e3`, `0X32` and `0x1.8p1` are read as two tokens, a syntax error
/// (PostgreSQL 15.18: `syntax error … near token "min"`), while `5.e1`, `0x32`, `+50`
/// and `Europe/Berlin` are one
/// (<https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/misc/guc-file.l>).
fn guc_value_token_len(word: &str) -> Option<usize> {
    let first = word.chars().next()?;
    if is_guc_letter(first) {
        // UNQUOTED_STRING: {LETTER}({LETTER_OR_DIGIT}|[-._:/])*, never shorter than ID.
        let len = word
            .find(|c: char| !(is_guc_letter_or_digit(c) || matches!(c, '-' | '.' | ':' | '/')))
            .unwrap_or(word.len());
        let token = word.get(..len)?;
        return (!is_guc_qualified_id(token)).then_some(len);
    }
    let len = guc_integer_len(word).max(guc_real_len(word));
    (len > 0).then_some(len)
}

/// `{ID}"."{ID}`: as long as the UNQUOTED_STRING it also matches, and listed first.
fn is_guc_qualified_id(token: &str) -> bool {
    let is_id = |part: &str| {
        part.chars().next().is_some_and(is_guc_letter) && part.chars().all(is_guc_letter_or_digit)
    };
    token
        .split_once('.')
        .is_some_and(|(name, qualifier)| is_id(name) && is_id(qualifier))
}

/// How many of `bytes` from the start satisfy `accept`.
fn count_leading(bytes: &[u8], accept: fn(&u8) -> bool) -> usize {
    bytes.iter().take_while(|b| accept(b)).count()
}

/// `SIGN? ({DIGIT}+ | 0x{HEXDIGIT}+) {UNIT_LETTER}*`: the longest match, 0 for none.
fn guc_integer_len(word: &str) -> usize {
    let bytes = word.as_bytes();
    let sign = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let body = bytes.get(sign..).unwrap_or_default();
    let with_units = |number: usize| {
        let units = count_leading(
            body.get(number..).unwrap_or_default(),
            u8::is_ascii_alphabetic,
        );
        sign + number + units
    };
    let decimal = count_leading(body, u8::is_ascii_digit);
    let hex = match body.strip_prefix(b"0x") {
        Some(digits) => count_leading(digits, u8::is_ascii_hexdigit),
        None => 0,
    };
    match (decimal, hex) {
        (0, _) => 0,
        (_, 0) => with_units(decimal),
        _ => with_units(decimal).max(with_units(2 + hex)),
    }
}

/// `SIGN? {DIGIT}* "." {DIGIT}* ([Ee] SIGN? {DIGIT}+)?`: the longest match, 0 for none.
fn guc_real_len(word: &str) -> usize {
    let bytes = word.as_bytes();
    let rest = |at: usize| bytes.get(at..).unwrap_or_default();
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    at += count_leading(rest(at), u8::is_ascii_digit);
    if rest(at).first() != Some(&b'.') {
        return 0;
    }
    at += 1;
    at += count_leading(rest(at), u8::is_ascii_digit);
    if matches!(rest(at).first(), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(rest(at + 1).first(), Some(b'+' | b'-')));
        let digits = count_leading(rest(at + 1 + sign), u8::is_ascii_digit);
        if digits > 0 {
            at += 1 + sign + digits;
        }
    }
    at
}

// ---------------------------------------------------------------------------------------
// The parser.

/// A value read from a line, before it becomes a node.
struct Value {
    text: String,
    style: ScalarStyle,
    span: Span,
}

impl Value {
    fn plain(text: String, span: Span) -> Self {
        Value {
            text,
            style: ScalarStyle::Plain,
            span,
        }
    }

    /// An empty value, placed at `at` (right after the separator or the key).
    fn empty(at: usize) -> Self {
        Value::plain(String::new(), Span::new(at, at))
    }

    /// `line[from..to]` as written.
    fn written(line: Line<'_>, from: usize, to: usize) -> Self {
        Value::plain(line.slice(from, to).to_owned(), line.span(from, to))
    }

    /// The text after a separator up to `to`, blanks trimmed; empty values sit right
    /// after the separator.
    fn after_separator(line: Line<'_>, after_separator: usize, to: usize) -> Self {
        let start = skip_blanks(line.text, after_separator);
        let end = trim_end_blanks(line.text, start, to);
        if start >= end {
            Value::empty(line.start + after_separator)
        } else {
            Value::written(line, start, end)
        }
    }

    fn quoted(quoted: Quoted, span: Span) -> Self {
        Value {
            text: quoted.text,
            style: quoted.style,
            span,
        }
    }
}

struct Section {
    key: NodeId,
    /// The `[name]` header.
    header: Span,
    entries: Vec<Entry>,
}

struct IniParser {
    dialect: Dialect,
    doc: Document,
    /// Entries before the first section.
    top: Vec<Entry>,
    sections: Vec<Section>,
}

const POSTGRES_INCLUDES: [&str; 3] = ["include", "include_if_exists", "include_dir"];

impl IniParser {
    fn new(dialect: Dialect) -> Self {
        IniParser {
            dialect,
            doc: Document::default(),
            top: Vec::new(),
            sections: Vec::new(),
        }
    }

    fn line(&mut self, line: Line<'_>) {
        let at = skip_blanks(line.text, 0);
        let Some(first) = line.char_at(at) else {
            return; // blank line
        };
        if self.dialect.line_comment_markers().contains(&first) {
            self.comment(line, at);
        } else if first == '[' && self.dialect.has_sections() {
            self.section(line, at);
        } else {
            match self.dialect {
                Dialect::Postgres => self.postgres_line(line, at),
                Dialect::PgBouncer => self.pgbouncer_line(line, at),
                Dialect::MySql => self.mysql_line(line, at),
                Dialect::DotEnv => self.dotenv_line(line, at),
                Dialect::Generic => self.generic_line(line, at),
            }
        }
    }

    fn finish(mut self, len: usize) -> Document {
        let mut root_entries = std::mem::take(&mut self.top);
        for section in std::mem::take(&mut self.sections) {
            let span = section.entries.iter().fold(section.header, |span, entry| {
                span.cover(self.entry_span(entry))
            });
            let map = self.doc.push(NodeKind::Map(section.entries), span);
            root_entries.push(Entry {
                key: section.key,
                value: map,
            });
        }
        let root = self
            .doc
            .push(NodeKind::Map(root_entries), Span::new(0, len));
        self.doc.roots.push(root);
        self.doc
    }

    // --- recording -----------------------------------------------------------------------

    fn entry_span(&self, entry: &Entry) -> Span {
        self.doc.span(entry.key).cover(self.doc.span(entry.value))
    }

    fn scalar(&mut self, text: String, style: ScalarStyle, span: Span) -> NodeId {
        self.doc.push_scalar(text, style, span)
    }

    fn plain_key(&mut self, line: Line<'_>, from: usize, to: usize) -> NodeId {
        self.scalar(
            line.slice(from, to).to_owned(),
            ScalarStyle::Plain,
            line.span(from, to),
        )
    }

    /// Add `key = value` to the current section (or the top of the file).
    fn entry(&mut self, key: NodeId, value: Value) {
        let value = self.scalar(value.text, value.style, value.span);
        let entry = Entry { key, value };
        match self.sections.last_mut() {
            Some(section) => section.entries.push(entry),
            None => self.top.push(entry),
        }
    }

    /// The comment whose marker is at `at`; it runs to the end of the line.
    fn comment(&mut self, line: Line<'_>, at: usize) {
        let marker_len = line.char_at(at).map_or(1, char::len_utf8);
        self.doc.comments.push(Comment {
            span: line.span(at, line.text.len()),
            text: line.tail(at + marker_len).to_owned(),
        });
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.doc.errors.push(SyntaxError {
            message: message.into(),
            span,
        });
    }

    /// Report `line[from..to]` (blanks trimmed) as the offending part of a bad line.
    fn error_at(&mut self, message: impl Into<String>, line: Line<'_>, from: usize, to: usize) {
        let end = trim_end_blanks(line.text, from, to);
        self.error(message, line.span(from, end));
    }

    fn directive(&mut self, name: String, name_span: Span, argument: String, argument_span: Span) {
        self.doc.directives.push(Directive {
            name,
            name_span,
            argument,
            argument_span,
        });
    }

    /// What follows a complete value: blanks, then an optional comment starting with
    /// `marker`; anything else is reported.
    fn expect_line_end(&mut self, line: Line<'_>, from: usize, marker: char) {
        let at = skip_blanks(line.text, from);
        match line.char_at(at) {
            None => {}
            Some(c) if c == marker => self.comment(line, at),
            Some(_) => self.bad_text("unexpected text after the value", line, at, marker),
        }
    }

    /// Report `line[at..]` up to a comment starting with `marker` as bad; keep the comment.
    fn bad_text(&mut self, message: &str, line: Line<'_>, at: usize, marker: char) {
        let comment = find_from(line.text, at, |c| c == marker);
        self.error_at(message, line, at, comment);
        if comment < line.text.len() {
            self.comment(line, comment);
        }
    }

    // --- sections --------------------------------------------------------------------------

    /// `[name]`. An unterminated header still opens a section (named by the rest of the
    /// line) so that what follows is not attributed to the previous section.
    fn section(&mut self, line: Line<'_>, at: usize) {
        let close = find_from(line.text, at + 1, |c| c == ']');
        let name_start = skip_blanks(line.text, at + 1);
        let name_end = trim_end_blanks(line.text, name_start, close);
        let header_end = if close < line.text.len() {
            close + 1
        } else {
            self.error_at("unterminated section header: missing `]`", line, at, close);
            name_end
        };
        let key = self.plain_key(line, name_start, name_end);
        self.sections.push(Section {
            key,
            header: line.span(at, header_end),
            entries: Vec::new(),
        });
        let after = skip_blanks(line.text, header_end);
        match line.char_at(after) {
            None => {}
            Some('#' | ';') => self.comment(line, after),
            Some(_) => self.error_at(
                "unexpected text after the section header",
                line,
                after,
                line.text.len(),
            ),
        }
    }

    // --- postgresql.conf ---------------------------------------------------------------

    /// `name [=] value [# comment]`; `include*` lines become directives.
    fn postgres_line(&mut self, line: Line<'_>, at: usize) {
        let key_end = find_from(line.text, at, |c| {
            is_blank(c) || matches!(c, '=' | '#' | '\'')
        });
        if key_end == at {
            self.bad_text("expected a parameter name", line, at, '#');
            return;
        }
        let mut value_start = skip_blanks(line.text, key_end);
        if line.char_at(value_start) == Some('=') {
            value_start = skip_blanks(line.text, value_start + 1);
        }
        let Some((value, value_end)) = self.postgres_value(line, at, key_end, value_start) else {
            return;
        };
        self.expect_line_end(line, value_end, '#');
        let name = line.slice(at, key_end);
        let lower = name.to_ascii_lowercase();
        if POSTGRES_INCLUDES.contains(&lower.as_str()) {
            self.directive(lower, line.span(at, key_end), value.text, value.span);
        } else {
            let key = self.plain_key(line, at, key_end);
            self.entry(key, value);
        }
    }

    /// The value token at `at` and the offset after it; errors are reported here.
    fn postgres_value(
        &mut self,
        line: Line<'_>,
        key_start: usize,
        key_end: usize,
        at: usize,
    ) -> Option<(Value, usize)> {
        match line.char_at(at) {
            None | Some('#') => {
                let name = line.slice(key_start, key_end);
                // Quoted only when shaped like a parameter's name: a line of another
                // file (an included `.pgpass`'s `host:5432:db:user:password`) is not.
                let shaped_like_a_name = name.len() <= 63
                    && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.".contains(c));
                let message = match shaped_like_a_name {
                    true => format!("missing value for `{name}`"),
                    false => "missing value: this line is no `name = value` setting".to_owned(),
                };
                self.error(message, line.span(key_start, key_end));
                if at < line.text.len() {
                    self.comment(line, at);
                }
                None
            }
            Some('\'') => match scan_quoted(line.text, at, Escapes::Postgres) {
                Some(quoted) => {
                    let end = quoted.end;
                    Some((Value::quoted(quoted, line.span(at, end)), end))
                }
                None => {
                    self.error_at("unterminated quoted string", line, at, line.text.len());
                    None
                }
            },
            Some(_) => {
                let end = find_from(line.text, at, |c| is_blank(c) || c == '#');
                if guc_value_token_len(line.slice(at, end)) != Some(end - at) {
                    self.bad_text(UNREADABLE_UNQUOTED_VALUE, line, at, '#');
                    return None;
                }
                Some((Value::written(line, at, end), end))
            }
        }
    }

    // --- pgbouncer.ini -----------------------------------------------------------------

    /// `key = value`; a `;` or `#` later in the line is part of the value.
    fn pgbouncer_line(&mut self, line: Line<'_>, at: usize) {
        if self.include_directive(line, at, "%include") {
            return;
        }
        let Some((key, key_end)) = self.pgbouncer_key(line, at) else {
            return;
        };
        let separator = skip_blanks(line.text, key_end);
        if line.char_at(separator) != Some('=') {
            self.error_at("expected `=` after the key", line, at, line.text.len());
            return;
        }
        let value = Value::after_separator(line, separator + 1, line.text.len());
        self.entry(key, value);
    }

    /// A key, as libusual's `parse_ini_file` reads one (`usual/cfparser.c`): ASCII
    /// letters, digits and `_ . - *` only, then blanks and `=`. Any other character, a
    /// double quote too (pgbouncer/pgbouncer#971: `"Foo Bar" = …` is refused though the
    /// documentation shows quoted names), stops loading with `syntax error in
    /// configuration`: PgBouncer 1.18 does not start with `my$db = host=db`.
    fn pgbouncer_key(&mut self, line: Line<'_>, at: usize) -> Option<(NodeId, usize)> {
        let end = find_from(line.text, at, |c| is_blank(c) || c == '=');
        if end == at {
            self.error_at("expected a key before `=`", line, at, line.text.len());
            return None;
        }
        if !line.slice(at, end).chars().all(is_pgbouncer_key_char) {
            let separator = find_from(line.text, at, |c| c == '=');
            self.error_at(PGBOUNCER_KEY_REFUSED, line, at, separator);
            return None;
        }
        Some((self.plain_key(line, at, end), end))
    }

    /// `%include file` / `!include file`: when the line starts with `name` followed by a
    /// blank or the end, record the directive and return true.
    fn include_directive(&mut self, line: Line<'_>, at: usize, name: &str) -> bool {
        let rest = line.tail(at);
        let Some(after) = rest.strip_prefix(name) else {
            return false;
        };
        if after.chars().next().is_some_and(|c| !is_blank(c)) {
            return false;
        }
        let name_end = at + name.len();
        let argument_start = skip_blanks(line.text, name_end);
        let argument_end = trim_end_blanks(line.text, argument_start, line.text.len());
        if argument_start == argument_end {
            self.error(
                format!("`{name}` needs a file name"),
                line.span(at, name_end),
            );
        }
        self.directive(
            name.to_owned(),
            line.span(at, name_end),
            line.slice(argument_start, argument_end).to_owned(),
            line.span(argument_start, argument_end),
        );
        true
    }

    // --- my.cnf --------------------------------------------------------------------------

    /// `name = value`, `name` (a flag), `!include`, `!includedir`; `#` outside quotes
    /// starts a comment anywhere in the line.
    fn mysql_line(&mut self, line: Line<'_>, at: usize) {
        if line.char_at(at) == Some('!') {
            self.mysql_directive(line, at);
            return;
        }
        let content_end = mysql_comment_start(line.text, at);
        if content_end < line.text.len() {
            self.comment(line, content_end);
        }
        let content = Line {
            start: line.start,
            text: line.slice(0, content_end),
        };
        let key_end = find_from(content.text, at, |c| is_blank(c) || c == '=');
        let separator = skip_blanks(content.text, key_end);
        let value = match content.char_at(separator) {
            None => Some(Value::empty(line.start + key_end)), // a bare flag
            Some('=') => self.mysql_value(content, separator + 1),
            Some(_) => {
                self.error_at(
                    "expected `=` or the end of the line after the option name",
                    line,
                    separator,
                    content_end,
                );
                None
            }
        };
        if let Some(value) = value {
            let key = self.plain_key(line, at, key_end);
            self.entry(key, value);
        }
    }

    /// The value after `=`: quotes are removed when they enclose the whole value.
    fn mysql_value(&mut self, content: Line<'_>, after_separator: usize) -> Option<Value> {
        let start = skip_blanks(content.text, after_separator);
        let end = trim_end_blanks(content.text, start, content.text.len());
        if start == end {
            return Some(Value::empty(content.start + after_separator));
        }
        let raw = content.slice(start, end);
        if raw.starts_with(['\'', '"']) {
            let Some(quoted) = scan_quoted(content.text, start, Escapes::MySql) else {
                self.error_at("unterminated quoted string", content, start, end);
                return None;
            };
            if quoted.end == end {
                return Some(Value::quoted(quoted, content.span(start, end)));
            }
            // Text after the closing quote: MySQL keeps the whole value as written.
        }
        Some(Value::plain(unescape_mysql(raw), content.span(start, end)))
    }

    fn mysql_directive(&mut self, line: Line<'_>, at: usize) {
        // `!includedir` first: `!include` is its prefix, but needs a blank after it.
        if self.include_directive(line, at, "!includedir")
            || self.include_directive(line, at, "!include")
        {
            return;
        }
        let end = find_from(line.text, at, is_blank);
        self.error_at(
            "unknown directive (expected `!include` or `!includedir`)",
            line,
            at,
            end,
        );
    }

    // --- .env ------------------------------------------------------------------------------

    /// `[export] KEY=value` (or `KEY: value`), quoted values, ` #` comments after
    /// unquoted values.
    fn dotenv_line(&mut self, line: Line<'_>, mut at: usize) {
        if let Some(after) = line.tail(at).strip_prefix("export") {
            if after.starts_with(is_blank) {
                at = skip_blanks(line.text, at + "export".len());
            }
        }
        let (key_end, separator) = dotenv_separator(line.text, at);
        if key_end == at {
            self.error_at("expected a variable name", line, at, line.text.len());
            return;
        }
        let value = match line.char_at(separator) {
            // `KEY` alone: compose and dotenv tools take it from the environment.
            None => Some(Value::empty(line.start + key_end)),
            Some(_) if dotenv_separates(line.text, separator) => {
                self.dotenv_value(line, separator + 1)
            }
            Some(_) => {
                self.error_at(
                    "expected `=` after the variable name",
                    line,
                    at,
                    line.text.len(),
                );
                None
            }
        };
        if let Some(value) = value {
            let key = self.plain_key(line, at, key_end);
            self.entry(key, value);
        }
    }

    fn dotenv_value(&mut self, line: Line<'_>, after_separator: usize) -> Option<Value> {
        let start = skip_blanks(line.text, after_separator);
        match line.char_at(start) {
            None => return Some(Value::empty(line.start + after_separator)),
            Some('"' | '\'' | '`') => {}
            Some(_) => return Some(self.dotenv_unquoted(line, start)),
        }
        let Some(quoted) = dotenv_quoted(line.text, start) else {
            self.error_at("unterminated quoted value", line, start, line.text.len());
            return None;
        };
        self.expect_line_end(line, quoted.end, '#');
        let span = line.span(start, quoted.end);
        Some(Value::quoted(quoted, span))
    }

    /// An unquoted value runs to a `#` that follows a blank (or the end of the line).
    fn dotenv_unquoted(&mut self, line: Line<'_>, start: usize) -> Value {
        let mut comment = line.text.len();
        let mut previous_blank = false;
        for (offset, c) in line.tail(start).char_indices() {
            if c == '#' && previous_blank {
                comment = start + offset;
                break;
            }
            previous_blank = is_blank(c);
        }
        if comment < line.text.len() {
            self.comment(line, comment);
        }
        let end = trim_end_blanks(line.text, start, comment);
        Value::written(line, start, end)
    }

    // --- generic INI ---------------------------------------------------------------------

    /// `key = value` or `key: value`; the value runs to the end of the line as written.
    fn generic_line(&mut self, line: Line<'_>, at: usize) {
        let separator = find_from(line.text, at, |c| c == '=' || c == ':');
        if separator == line.text.len() {
            self.error_at(
                "expected `=` or `:` after the key",
                line,
                at,
                line.text.len(),
            );
            return;
        }
        let key_end = trim_end_blanks(line.text, at, separator);
        if key_end == at {
            self.error(
                "missing key before the separator",
                line.span(separator, separator + 1),
            );
            return;
        }
        let value = Value::after_separator(line, separator + 1, line.text.len());
        let key = self.plain_key(line, at, key_end);
        self.entry(key, value);
    }
}

/// Helpers for the syntax-layer tests of the line-oriented and TOML parsers.
#[cfg(test)]
pub(super) mod test_support {
    use super::super::{Document, NodeId};
    use crate::source::Span;

    /// Every span lies inside `text`, on char boundaries, with start <= end.
    pub(crate) fn assert_spans_valid(doc: &Document, text: &str) {
        for span in doc.all_spans() {
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{span:?} outside 0..{}",
                text.len()
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{span:?} not on char boundaries"
            );
        }
    }

    pub(crate) fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    /// (key text, value text or "<map>"/"<seq>") of the map at `map`, in order.
    pub(crate) fn pairs(doc: &Document, map: NodeId) -> Vec<(String, String)> {
        doc.entries(map)
            .iter()
            .map(|e| {
                let key = doc.text(e.key).unwrap_or("<?>").to_owned();
                let value = match doc.text(e.value) {
                    Some(text) => text.to_owned(),
                    None if doc.is_map(e.value) => "<map>".to_owned(),
                    None => "<seq>".to_owned(),
                };
                (key, value)
            })
            .collect()
    }

    /// Written text of the key and of the value of the `index`th entry of `map`.
    pub(crate) fn raw_entry<'t>(
        doc: &Document,
        map: NodeId,
        index: usize,
        text: &'t str,
    ) -> (&'t str, &'t str) {
        let entry = doc.entries(map)[index];
        (
            slice(text, doc.span(entry.key)),
            slice(text, doc.span(entry.value)),
        )
    }

    pub(crate) fn root(doc: &Document) -> NodeId {
        doc.roots[0]
    }

    /// The value of section `name` (the `nth` one with that name) in the root map.
    pub(crate) fn section(doc: &Document, name: &str, nth: usize) -> NodeId {
        doc.entries(root(doc))
            .iter()
            .filter(|e| doc.text(e.key) == Some(name) && doc.is_map(e.value))
            .nth(nth)
            .map(|e| e.value)
            .expect("section")
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::syntax::{Format, ScalarStyle};

    fn parse_checked(text: &str, dialect: Dialect) -> Document {
        let doc = parse(text, dialect);
        assert_spans_valid(&doc, text);
        doc
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    fn error_texts<'t>(doc: &Document, text: &'t str) -> Vec<&'t str> {
        doc.errors.iter().map(|e| slice(text, e.span)).collect()
    }

    #[test]
    fn lines_end_at_lf_crlf_and_lone_cr() {
        let lines: Vec<_> = split_lines("a\nb\r\nc\rd")
            .iter()
            .map(|l| (l.start, l.text))
            .collect();
        assert_eq!(lines, [(0, "a"), (2, "b"), (5, "c"), (7, "d")]);
        assert_eq!(split_lines("a\n\n").len(), 2);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn postgres_entries_with_and_without_equals_and_inline_comments() {
        let text =
            "# top\nmax_connections = 100\t# was 50\nshared_buffers 128MB\nlisten_addresses='*'\n";
        let doc = parse_checked(text, Dialect::Postgres);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let root = root(&doc);
        assert_eq!(
            pairs(&doc, root),
            [
                pair("max_connections", "100"),
                pair("shared_buffers", "128MB"),
                pair("listen_addresses", "*")
            ]
        );
        assert_eq!(raw_entry(&doc, root, 0, text), ("max_connections", "100"));
        assert_eq!(raw_entry(&doc, root, 2, text), ("listen_addresses", "'*'"));
        let quoted = doc.entries(root)[2].value;
        assert_eq!(
            doc.scalar(quoted).map(|s| s.style),
            Some(ScalarStyle::SingleQuoted)
        );
        let comments: Vec<_> = doc
            .comments
            .iter()
            .map(|c| (c.text.as_str(), slice(text, c.span)))
            .collect();
        assert_eq!(comments, [(" top", "# top"), (" was 50", "# was 50")]);
    }

    #[test]
    fn postgres_quote_escapes_and_hash_inside_quotes() {
        let text = "a = 'it''s'\nb = 'say \\'hi\\''\nc = 'x # not a comment' # real\n";
        let doc = parse_checked(text, Dialect::Postgres);
        assert!(doc.errors.is_empty());
        assert_eq!(
            pairs(&doc, root(&doc)),
            [
                pair("a", "it's"),
                pair("b", "say 'hi'"),
                pair("c", "x # not a comment")
            ]
        );
        assert_eq!(doc.comments.len(), 1);
    }

    #[test]
    fn postgres_includes_are_directives() {
        let text = "include 'a.conf'\ninclude_if_exists = 'b.conf'\nINCLUDE_DIR 'conf.d' # dir\nmax_connections = 5\n";
        let doc = parse_checked(text, Dialect::Postgres);
        assert!(doc.errors.is_empty());
        let directives: Vec<_> = doc
            .directives
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    slice(text, d.name_span),
                    d.argument.as_str(),
                    slice(text, d.argument_span),
                )
            })
            .collect();
        assert_eq!(
            directives,
            [
                ("include", "include", "a.conf", "'a.conf'"),
                (
                    "include_if_exists",
                    "include_if_exists",
                    "b.conf",
                    "'b.conf'"
                ),
                ("include_dir", "INCLUDE_DIR", "conf.d", "'conf.d'"),
            ]
        );
        assert_eq!(pairs(&doc, root(&doc)), [pair("max_connections", "5")]);
    }

    #[test]
    fn postgres_errors_point_at_the_offending_part_and_parsing_goes_on() {
        let text = "a = 'open\nb =\nc = 30 s # unit\n= 5\nd = 1\n";
        let doc = parse_checked(text, Dialect::Postgres);
        assert_eq!(error_texts(&doc, text), ["'open", "b", "s", "= 5"]);
        assert!(doc.errors[0].message.contains("unterminated"));
        // The token read before the junk is kept; the error says the line is bad.
        assert_eq!(pairs(&doc, root(&doc)), [pair("c", "30"), pair("d", "1")]);
    }

    /// As PostgreSQL 15.18 read each as `statement_timeout` or `ssl_cert_file` in its
    /// configuration file (`postgres -C`): a syntax error, or a value.
    #[test]
    fn postgres_unquoted_values_are_the_tokens_guc_file_lexes() {
        let refused = [
            "1.5min",
            "0.5s",
            "1e3",
            "0X32",
            "0x1.8p1",
            "extra.conf",
            "/var/log",
            "\"30s\"",
            "+",
            "5.e1e",
            "10ms5",
            "30s'x'",
        ];
        for value in refused {
            let text = format!("a = {value} # c\n");
            let doc = parse_checked(&text, Dialect::Postgres);
            assert_eq!(error_texts(&doc, &text), [value], "{value}");
            assert!(pairs(&doc, root(&doc)).is_empty(), "{value}");
            assert_eq!(doc.comments.len(), 1, "{value}");
        }
        let accepted = [
            "5.e1",
            "1.5e2",
            "+50",
            "0x32",
            "062",
            "-1",
            "0x",
            ".5e1",
            "5.",
            "30s",
            "a.b.c",
            "a.1",
            "a-b.c",
            "Europe/Berlin",
            "UTF-8",
            "é",
            "on",
        ];
        for value in accepted {
            let text = format!("a = {value}#c\n");
            let doc = parse_checked(&text, Dialect::Postgres);
            assert!(doc.errors.is_empty(), "{value}: {:?}", doc.errors);
            assert_eq!(pairs(&doc, root(&doc)), [pair("a", value)]);
        }
        let doc = parse_checked(
            "include extra.conf\ninclude sub/x.conf\n",
            Dialect::Postgres,
        );
        assert_eq!(doc.errors.len(), 1);
        let included: Vec<_> = doc.directives.iter().map(|d| d.argument.as_str()).collect();
        assert_eq!(included, ["sub/x.conf"]);
    }

    #[test]
    fn pgbouncer_keeps_semicolons_in_values_and_sections_apart() {
        let text = "[databases]\nmydb = host=db port=5432 dbname=app pool_size=20\n\n[pgbouncer]\n\
                    pool_mode = transaction ; for the web\n  ; a comment\n# another\nmax_client_conn=100\n";
        let doc = parse_checked(text, Dialect::PgBouncer);
        assert!(doc.errors.is_empty());
        let databases = section(&doc, "databases", 0);
        assert_eq!(
            pairs(&doc, databases),
            [pair("mydb", "host=db port=5432 dbname=app pool_size=20")]
        );
        let pgbouncer = section(&doc, "pgbouncer", 0);
        assert_eq!(
            pairs(&doc, pgbouncer),
            [
                pair("pool_mode", "transaction ; for the web"),
                pair("max_client_conn", "100")
            ]
        );
        assert_eq!(
            raw_entry(&doc, pgbouncer, 0, text).1,
            "transaction ; for the web"
        );
        let comments: Vec<_> = doc.comments.iter().map(|c| slice(text, c.span)).collect();
        assert_eq!(comments, ["; a comment", "# another"]);
        // A section spans from its header to the end of its last entry.
        assert_eq!(
            slice(text, doc.span(pgbouncer)).lines().last(),
            Some("max_client_conn=100")
        );
        assert!(slice(text, doc.span(pgbouncer)).starts_with("[pgbouncer]"));
    }

    #[test]
    fn pgbouncer_include_junk_lines_and_keys_it_refuses() {
        let text = "--/etc/pgbouncer/pgbouncer.ini\n%include /etc/pgbouncer/common.ini\n[databases]\n\"my db\" = host=x\nmy$db = host=x\nappé=host=x\nmy.db-x_1* = host=x\n";
        let doc = parse_checked(text, Dialect::PgBouncer);
        assert_eq!(
            error_texts(&doc, text),
            [
                "--/etc/pgbouncer/pgbouncer.ini",
                "\"my db\"",
                "my$db",
                "appé"
            ]
        );
        let directive = &doc.directives[0];
        assert_eq!(
            (directive.name.as_str(), directive.argument.as_str()),
            ("%include", "/etc/pgbouncer/common.ini")
        );
        assert_eq!(
            slice(text, directive.argument_span),
            "/etc/pgbouncer/common.ini"
        );
        let databases = section(&doc, "databases", 0);
        assert_eq!(pairs(&doc, databases), [pair("my.db-x_1*", "host=x")]);
    }

    #[test]
    fn duplicate_sections_stay_separate() {
        let text = "[pgbouncer]\na = 1\n[pgbouncer]\na = 2\n";
        let doc = parse_checked(text, Dialect::PgBouncer);
        let keys: Vec<_> = doc
            .entries(root(&doc))
            .iter()
            .map(|e| slice(text, doc.span(e.key)))
            .collect();
        assert_eq!(keys, ["pgbouncer", "pgbouncer"]);
        assert_eq!(pairs(&doc, section(&doc, "pgbouncer", 1)), [pair("a", "2")]);
    }

    #[test]
    fn mysql_flags_loose_names_quotes_and_comments() {
        let text = "[mysqld]\nskip-name-resolve\nloose-max_connections = 500 # raised\n\
                    password = \"p#ss ; word\"\nsql_mode = A,B ; not a comment\ninit = 'x'y\n";
        let doc = parse_checked(text, Dialect::MySql);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let mysqld = section(&doc, "mysqld", 0);
        assert_eq!(
            pairs(&doc, mysqld),
            [
                pair("skip-name-resolve", ""),
                pair("loose-max_connections", "500"),
                pair("password", "p#ss ; word"),
                pair("sql_mode", "A,B ; not a comment"),
                pair("init", "'x'y"),
            ]
        );
        let flag = doc.entries(mysqld)[0];
        let flag_key = doc.span(flag.key);
        assert_eq!(doc.span(flag.value), Span::new(flag_key.end, flag_key.end));
        assert_eq!(raw_entry(&doc, mysqld, 2, text).1, "\"p#ss ; word\"");
        let comments: Vec<_> = doc.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(comments, [" raised"]);
    }

    #[test]
    fn mysql_includes_errors_and_escapes() {
        let text =
            "!include /etc/my.extra.cnf\n!includedir /etc/mysql/conf.d/\n!bogus x\n[client\n\
                    socket = \"/tmp/open\ndir = C:\\\\mysql\\new\n";
        let doc = parse_checked(text, Dialect::MySql);
        let directives: Vec<_> = doc
            .directives
            .iter()
            .map(|d| (d.name.as_str(), slice(text, d.argument_span)))
            .collect();
        assert_eq!(
            directives,
            [
                ("!include", "/etc/my.extra.cnf"),
                ("!includedir", "/etc/mysql/conf.d/")
            ]
        );
        assert_eq!(
            error_texts(&doc, text),
            ["!bogus", "[client", "\"/tmp/open"]
        );
        // The unterminated header still opens its section.
        // Backslash escapes apply to unquoted values too: `\\` and `\n`.
        assert_eq!(
            pairs(&doc, section(&doc, "client", 0)),
            [pair("dir", "C:\\mysql\new")]
        );
    }

    #[test]
    fn dotenv_export_quotes_and_comments() {
        let text = "export DATABASE_URL=\"postgres://db/app?pool=5\"\nPOOL='5 # literal'\n\
                    A=b # note\nB=\"line\\nbreak\" # c\nC=x#y\nD=\nINHERITED\n";
        let doc = parse_checked(text, Dialect::DotEnv);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let root = root(&doc);
        assert_eq!(
            pairs(&doc, root),
            [
                pair("DATABASE_URL", "postgres://db/app?pool=5"),
                pair("POOL", "5 # literal"),
                pair("A", "b"),
                pair("B", "line\nbreak"),
                pair("C", "x#y"),
                pair("D", ""),
                pair("INHERITED", ""),
            ]
        );
        assert_eq!(
            raw_entry(&doc, root, 0, text),
            ("DATABASE_URL", "\"postgres://db/app?pool=5\"")
        );
        assert_eq!(raw_entry(&doc, root, 1, text).1, "'5 # literal'");
        let styles: Vec<_> = doc
            .entries(root)
            .iter()
            .take(3)
            .map(|e| doc.scalar(e.value).map(|s| s.style))
            .collect();
        assert_eq!(
            styles,
            [
                Some(ScalarStyle::DoubleQuoted),
                Some(ScalarStyle::SingleQuoted),
                Some(ScalarStyle::Plain)
            ]
        );
        let comments: Vec<_> = doc.comments.iter().map(|c| slice(text, c.span)).collect();
        assert_eq!(comments, ["# note", "# c"]);
    }

    #[test]
    fn dotenv_quoted_values_may_run_over_lines() {
        let text = "KEY=\"-----BEGIN\nabc\n-----END\" # key\nB='one\r\ntwo'\nC=3\n";
        let doc = parse_checked(text, Dialect::DotEnv);
        assert_eq!(error_texts(&doc, text), Vec::<&str>::new());
        assert_eq!(
            pairs(&doc, root(&doc)),
            [
                pair("KEY", "-----BEGIN\nabc\n-----END"),
                pair("B", "one\r\ntwo"),
                pair("C", "3")
            ]
        );
    }

    #[test]
    fn dotenv_unterminated_quotes_and_junk() {
        let text = "A=\"open\nB='x' y\nC = 1\nnot a line\n";
        let doc = parse_checked(text, Dialect::DotEnv);
        assert_eq!(error_texts(&doc, text), ["\"open", "y", "not a line"]);
        assert_eq!(pairs(&doc, root(&doc)), [pair("B", "x"), pair("C", "1")]);
    }

    /// npm dotenv (Prisma's loader): backtick quotes, `KEY: value`, and `\'` inside
    /// single quotes (it does not close them; backslashes stay as written). Each was a
    /// parse error or a value with its quotes before.
    #[test]
    fn dotenv_backticks_colons_and_escaped_single_quotes() {
        let text = "A=`pg://u:p@h/d?connection_limit=3` # c\nB: two words\nexport C : 'x'\n\
                    D='ab\\'Tail1'\nE='it\\'s\\\\'\nF='back\\'\nG='m\\'\nn' # c\nH:\nI:J=1\n";
        let doc = parse_checked(text, Dialect::DotEnv);
        assert_eq!(error_texts(&doc, text), Vec::<&str>::new());
        assert_eq!(
            pairs(&doc, root(&doc)),
            [
                pair("A", "pg://u:p@h/d?connection_limit=3"),
                pair("B", "two words"),
                pair("C", "x"),
                pair("D", "ab\\'Tail1"),
                pair("E", "it\\'s\\\\"),
                pair("F", "back\\"),
                pair("G", "m\\'\nn"),
                pair("H", ""),
                pair("I:J", "1"),
            ]
        );
        assert_eq!(raw_entry(&doc, root(&doc), 3, text).1, "'ab\\'Tail1'");
        // `KEY:value w` (no blank after `:`) is no line npm dotenv reads; `\'` with
        // text after the last quote still ends the value at the first plain quote.
        let text = "K:v w\nL='a\\'b' c\n";
        let doc = parse_checked(text, Dialect::DotEnv);
        assert_eq!(error_texts(&doc, text), ["K:v w", "c"]);
    }

    #[test]
    fn generic_ini_keeps_inline_text_and_reports_lines_without_separator() {
        let text = "[core]\nsql_alchemy_pool_size = 5 ; not a comment\nkey: value # kept\n# c\n; c2\nbad line\n[]\n";
        let doc = parse_checked(text, Dialect::Generic);
        assert_eq!(error_texts(&doc, text), ["bad line"]);
        assert_eq!(
            pairs(&doc, section(&doc, "core", 0)),
            [
                pair("sql_alchemy_pool_size", "5 ; not a comment"),
                pair("key", "value # kept")
            ]
        );
        assert_eq!(doc.comments.len(), 2);
        assert_eq!(pairs(&doc, section(&doc, "", 0)), []);
    }

    #[test]
    fn entries_before_the_first_section_belong_to_the_root() {
        let text = "top = 1\n[s]\ninner = 2\n";
        let doc = parse_checked(text, Dialect::Generic);
        assert_eq!(
            pairs(&doc, root(&doc)),
            [pair("top", "1"), pair("s", "<map>")]
        );
        assert_eq!(doc.span(root(&doc)), Span::new(0, text.len()));
    }

    #[test]
    fn crlf_tabs_and_non_ascii_keep_exact_spans() {
        let text = "# café ☕\r\n[pgbouncer]\r\n\tpool_mode\t=\tsession\t\r\nmax_client_conn = 10\rdefault_pool_size=é\r\n";
        let doc = parse_checked(text, Dialect::PgBouncer);
        assert!(doc.errors.is_empty());
        let pgbouncer = section(&doc, "pgbouncer", 0);
        assert_eq!(
            pairs(&doc, pgbouncer),
            [
                pair("pool_mode", "session"),
                pair("max_client_conn", "10"),
                pair("default_pool_size", "é")
            ]
        );
        assert_eq!(
            raw_entry(&doc, pgbouncer, 0, text),
            ("pool_mode", "session")
        );
        assert_eq!(
            raw_entry(&doc, pgbouncer, 2, text),
            ("default_pool_size", "é")
        );
        assert_eq!(slice(text, doc.comments[0].span), "# café ☕");
        let postgres = "# ☕ é\r\nmax_connections\t=\t200\t# µs\r\n";
        let doc = parse_checked(postgres, Dialect::Postgres);
        assert_eq!(
            raw_entry(&doc, root(&doc), 0, postgres),
            ("max_connections", "200")
        );
        assert_eq!(doc.comments[1].text, " µs");
    }

    #[test]
    fn bom_is_skipped_and_spans_index_the_original_text() {
        let text = "\u{FEFF}[mysqld]\nmax_connections=10\n";
        let doc = crate::syntax::parse(Format::Ini(Dialect::MySql), text);
        assert_spans_valid(&doc, text);
        let mysqld = section(&doc, "mysqld", 0);
        assert_eq!(raw_entry(&doc, mysqld, 0, text), ("max_connections", "10"));
        assert_eq!(
            slice(
                text,
                doc.entries(root(&doc))
                    .iter()
                    .map(|e| doc.span(e.key))
                    .next()
                    .unwrap()
            ),
            "mysqld"
        );
    }

    #[test]
    fn hostile_inputs_never_panic_and_keep_spans_valid() {
        let inputs = [
            "",
            "\n",
            "\r",
            "[",
            "]",
            "=",
            "'",
            "\"",
            "#",
            ";",
            "!",
            "%include",
            "!include",
            "[a\n[b]x\n",
            "a='é",
            "é=\"☕",
            "export",
            "export ",
            "k\\",
            "\u{FEFF}",
            "a = 'x''",
            "x = \\",
            "[é☕\r\n= é\r",
        ];
        let dialects = [
            Dialect::Postgres,
            Dialect::PgBouncer,
            Dialect::MySql,
            Dialect::DotEnv,
            Dialect::Generic,
        ];
        for text in inputs {
            for dialect in dialects {
                parse_checked(text, dialect);
            }
        }
    }

    proptest::proptest! {
        /// Lines hold no terminator, index the text, and are separated by exactly one
        /// LF, CR or CRLF; the text ends with the last line or one terminator after it.
        #[test]
        fn lines_and_terminators_make_up_the_text(text in "[a\r\n]{0,40}") {
            let lines = split_lines(&text);
            let terminators = ["\n", "\r", "\r\n"];
            let mut end = 0;
            for (i, line) in lines.iter().enumerate() {
                proptest::prop_assert!(!line.text.contains(['\r', '\n']));
                let line_end = line.start + line.text.len();
                proptest::prop_assert_eq!(text.get(line.start..line_end), Some(line.text));
                // A CRLF is one terminator: no line starts on its LF.
                let on_crlf_lf =
                    text[..line.start].ends_with('\r') && text[line.start..].starts_with('\n');
                proptest::prop_assert!(!on_crlf_lf, "line {} starts on a CRLF's LF", i);
                let gap = &text[end..line.start];
                let separated = if i == 0 { gap.is_empty() } else { terminators.contains(&gap) };
                proptest::prop_assert!(separated, "{:?} before line {}", gap, i);
                end = line_end;
            }
            let rest = &text[end..];
            proptest::prop_assert!(rest.is_empty() || terminators.contains(&rest), "{:?}", rest);
            proptest::prop_assert_eq!(lines.is_empty(), text.is_empty());
        }

        /// Random text over the characters that matter to these grammars.
        #[test]
        fn random_text_never_panics_and_keeps_spans_valid(
            text in "[ \t\r\n=:#;!'\"\\[\\]\\\\%a-z0-9_.,{}éu☕-]{0,120}"
        ) {
            let formats = [
                Format::Properties,
                Format::Toml,
                Format::Ini(Dialect::Postgres),
                Format::Ini(Dialect::PgBouncer),
                Format::Ini(Dialect::MySql),
                Format::Ini(Dialect::DotEnv),
                Format::Ini(Dialect::Generic),
            ];
            for format in formats {
                assert_spans_valid(&crate::syntax::parse(format, &text), &text);
            }
        }
    }

    /// Set POOLLINT_CORPUS (e.g. /work/shared/corpus) to parse every config file there.
    /// Run with `--nocapture` to see which files gave errors and why.
    #[test]
    fn corpus_files_parse_without_panics() {
        let Ok(root) = std::env::var("POOLLINT_CORPUS") else {
            return;
        };
        let mut files = Vec::new();
        collect_files(std::path::Path::new(&root), &mut files);
        files.sort();
        let (mut parsed, mut with_errors) = (0, 0);
        for path in &files {
            let Some(format) = corpus_format(path) else {
                continue;
            };
            let bytes = std::fs::read(path).expect("read corpus file");
            let Ok((text, _)) = crate::source::decode(bytes, format == Format::Properties) else {
                println!("{}: not decodable", path.display());
                continue;
            };
            let doc = crate::syntax::parse(format, &text);
            assert_spans_valid(&doc, &text);
            parsed += 1;
            if !doc.errors.is_empty() {
                with_errors += 1;
                let first = &doc.errors[0];
                println!(
                    "{} ({format:?}): {} error(s), first: {} at {:?}",
                    path.display(),
                    doc.errors.len(),
                    first.message,
                    slice(&text, first.span)
                );
            }
        }
        println!("corpus: {parsed} files parsed, {with_errors} with errors");
    }

    fn collect_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    /// The format a corpus file is read as, from its name.
    fn corpus_format(path: &std::path::Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let extension = name.rsplit_once('.')?.1;
        Some(match extension {
            "properties" => Format::Properties,
            "toml" => Format::Toml,
            "cnf" => Format::Ini(Dialect::MySql),
            "ini" if name.contains("pgbouncer") => Format::Ini(Dialect::PgBouncer),
            "conf" if name.ends_with("postgresql.conf") => Format::Ini(Dialect::Postgres),
            "ini" | "conf" | "cfg" => Format::Ini(Dialect::Generic),
            _ => return None,
        })
    }
}
