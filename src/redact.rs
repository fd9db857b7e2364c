//! Keeping secrets out of every output: the secrets readers found are masked in the
//! file texts (keeping byte lengths, so every span and position stays valid) and
//! scrubbed from messages; text shaped like a credential is masked wherever it is
//! ([`credential_spans`]), as a last line for what no reader reads.

use std::sync::LazyLock;

use memchr::memmem;
use rayon::prelude::*;

use percent_encoding::percent_decode_str;

use crate::diagnostic::Text;
use crate::engine::Report;
use crate::model::{Model, Secret};
use crate::source::{SourceMap, Span};

/// Mask every secret in the sources (keeping byte lengths) and scrub any secret text
/// that a message, label or help might still contain; write the control characters they
/// quote as escapes ([`escape_controls`]).
pub(crate) fn redact(model: &Model, scrub: ScrubTexts, report: &mut Report) {
    for (file, spans) in model.secret_spans_by_file() {
        report.sources.mask(file, &spans);
    }
    report.sources.mask_credential_shapes();
    let scrubber = Scrubber::new(scrub.texts);
    mask_texts(report, shown_texts, |text| {
        scrubber.scrub(text);
        mask_credential_shapes(text);
        escape_controls(text);
    });
    // The key and the fingerprint's parts are scrubbed and masked, not escaped: their
    // control characters (the parts' NUL separators) are hashed, not shown.
    mask_texts(report, hidden_texts, |text| {
        scrubber.scrub(text);
        mask_credential_shapes(text);
    });
}

fn shown_texts(d: &mut crate::diagnostic::Diagnostic) -> Vec<&mut Text> {
    d.shown_texts_mut().collect()
}

fn hidden_texts(d: &mut crate::diagnostic::Diagnostic) -> Vec<&mut Text> {
    d.hidden_texts_mut().collect()
}

/// Apply `mask` to the texts `texts` picks of every finding. Each text once: a rule's
/// findings share the texts they repeat ([`crate::rules::Findings`]), and a large run
/// has tens of thousands of findings.
fn mask_texts(
    report: &mut Report,
    texts: fn(&mut crate::diagnostic::Diagnostic) -> Vec<&mut Text>,
    mask: impl Fn(&mut String) + Sync,
) {
    let mut unique: foldhash::HashMap<usize, Text> = foldhash::HashMap::default();
    for d in &mut report.diagnostics {
        for text in texts(d) {
            unique.entry(address(text)).or_insert_with(|| text.clone());
        }
    }
    let masked: foldhash::HashMap<usize, Text> = unique
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .filter_map(|text| {
            let mut masked = text.to_string();
            mask(&mut masked);
            (*masked != *text).then(|| (address(&text), masked.into()))
        })
        .collect();
    if masked.is_empty() {
        return;
    }
    report.diagnostics.par_iter_mut().for_each(|d| {
        for text in texts(d) {
            if let Some(masked) = masked.get(&address(text)) {
                *text = masked.clone();
            }
        }
    });
}

/// Where a finding's text is held: the texts findings share are one (a text is held
/// for the whole run, so no other takes its place meanwhile).
fn address(text: &Text) -> usize {
    text.as_ptr() as usize
}

/// Spans of text shaped like a credential, wherever it is in a file: the password of
/// a URL's userinfo (`scheme://user:PASSWORD@host`) and the value after a key ending in
/// `password`, `passwd` or `pwd` and `=` or `:` (`PGPASSWORD=…`, `--db-password=…`,
/// `"password": "…"`, `Pwd=…;`). Readers find the secrets of the values they read
/// (the credentials rule reports those); this masks, in what is shown, the ones they do
/// not read (a compose `command`, Kubernetes `args`, a comment) and URLs no driver
/// parses (a password with an unencoded `/` or `?`). Masking more than a secret only
/// hides text: a userinfo runs to the last `@` of its URL, and a value that is only a
/// reference (`${DB_PASSWORD}`, `$PW`, `{{ .Values.pw }}`) is left as it is.
///
/// Linear in the text: a match inside a URL or value already read is skipped (a line
/// of nothing but `://` or `password:` would otherwise be read again from each).
pub fn credential_spans(text: &str) -> Vec<Span> {
    shaped_spans(text, true)
}

/// [`credential_spans`]; `in_file`: also a password key's value after spaces alone
/// ([`value_after_spaces`]), which in a message is prose (`spring.datasource.password
/// holds a literal password`).
fn shaped_spans(text: &str, in_file: bool) -> Vec<Span> {
    let lines = Lines::new(text);
    let mut spans = Vec::new();
    let mut read_to = 0;
    for at in URL_AUTHORITY.find_iter(text.as_bytes()) {
        if at + 3 >= read_to {
            let (password, token_end) = userinfo_password(text, at + 3);
            spans.extend(password);
            spans.extend(encoded_password_params(text, at + 3, token_end));
            read_to = token_end;
        }
    }
    if let Some(keys) = PASSWORD_KEYS.as_ref() {
        let mut read_to = 0;
        for key in keys.find_iter(text) {
            if key.start() >= read_to && !is_host_with_port(text, key.start(), key.end()) {
                if let Some(value) = key_value(&lines, key.start(), key.end(), in_file) {
                    read_to = value.end;
                    spans.push(value);
                }
            }
        }
    }
    spans.extend(escaped_key_values(&lines, in_file));
    spans.extend(oracle_thin_passwords(text));
    spans.extend(client_passwords(text));
    spans.extend(schemeless_userinfo_passwords(text));
    spans.extend(private_key_blocks(text));
    spans.extend(auth_file_secrets(text));
    if in_file {
        spans.extend(named_variable_values(&lines));
        spans.extend(secret_manifest_values(text));
    }
    // Shapes overlap (a `DB_PASSWORD:` key is a password key's and a variable's): each
    // span once, in the order found.
    let mut seen = foldhash::HashSet::default();
    spans.retain(|span| {
        let value = text.get(span.start..span.end).unwrap_or("");
        !value.is_empty() && !is_reference(value) && seen.insert((span.start, span.end))
    });
    spans
}

// Searchers built once: building three for each text masked was a quarter of the cost
// of masking the findings' messages (callgrind, 10k benchmark tree).
/// Where a URL's authority starts (`scheme://`).
static URL_AUTHORITY: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("://"));
/// Oracle's thin URL (`jdbc:oracle:thin:`).
static ORACLE_THIN: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(":thin:"));
/// A PEM block's BEGIN marker.
static PEM_BEGIN: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(PEM_BEGIN_MARKER));
const PEM_BEGIN_MARKER: &str = "-----BEGIN ";

/// Key endings that name a password, in any case (None if the matcher cannot be built);
/// `pass` as MariaDB reads it (an option prefix) and as many `.env` files spell it, and
/// the common misspellings of `password` (German `passwort` too): a misspelt key is
/// read by no reader, but its value is still a password, shown next to the finding
/// that says the key is unknown.
static PASSWORD_KEYS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(PASSWORD_KEY_ENDINGS)
        .ok()
});

/// The endings [`PASSWORD_KEYS`] finds. Leftmost-longest matching hides an ending that
/// starts inside an earlier match (`_pw` hid the `pwd` of `MYSQL_PWD`), so each such
/// overlap is listed whole too (`_pwd`); a unit test checks that none is missing.
const PASSWORD_KEY_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "psw",
    "pasword",
    "passowrd",
    "passwrod",
    "passwrd",
    "passord",
    "paswd",
    "passwort",
    "passsword",
    "paswword",
    "pssword",
    // my.cnf: MySQL and MariaDB take an option's unambiguous prefix (`passw=`).
    "passw",
    "passwo",
    "passwor",
    // `DB_PW=`, `db-pw:`: the short form, only after a separator (a word
    // ending in `pw` is no key; `.pw` is a top-level domain).
    "_pw",
    "-pw",
    // `MYSQL_PWD=`, `--db-pwd=`: `pwd` overlapped by `_pw` and `-pw`.
    "_pwd",
    "-pwd",
    // A private key's passphrase (Node's TLS `passphrase`, `DB_SSL_KEY_PASSPHRASE=`,
    // `--passphrase`): a secret though no database password.
    "passphrase",
    // PostgreSQL's `ssl_passphrase_command` (`'echo …'` prints the passphrase) and
    // Galera's `wsrep_sst_auth` (`user:password`).
    "passphrase_command",
    "_sst_auth",
];

/// The value of the password key whose ending [`PASSWORD_KEYS`] found (or an escaped
/// key, [`escaped_key_values`]) at `key_start..key_end`.
fn key_value(lines: &Lines<'_>, key_start: usize, key_end: usize, in_file: bool) -> Option<Span> {
    let text = lines.text;
    let option = is_option(text, key_start);
    let key_end = key_end + numbered_key_suffix(text, key_end);
    let key_end = key_end + encoded_key_suffix(text, key_end);
    // libpq and PgBouncer keys are lower case; a shell variable
    // (`PGPASSWORD=x psql`) is followed by a command, not more password.
    let libpq_like = text
        .get(key_start..key_end)
        .is_some_and(|k| !k.bytes().any(|b| b.is_ascii_uppercase()));
    // Ruby's forms first: `"password" => "…"` reads as `=` then `> "…"` otherwise.
    ruby_literal_value(text, key_start, key_end)
        .or_else(|| {
            value_after_key(lines, key_start, key_end, option, libpq_like)
                .map(|value| over_percent_literal(text, value))
        })
        .or_else(|| {
            option
                .then(|| block_item_argument(lines, key_start, key_end))
                .flatten()
        })
        .or_else(|| {
            in_file
                .then(|| value_after_spaces(lines, key_start, key_end))
                .flatten()
        })
}

/// `value`, or more when it starts with a Ruby percent literal (`password: %q(a, b)`,
/// `db_password = %Q[a b]`), which may hold what ends other values: to the literal's
/// closing delimiter on its line (to the line's end without one).
fn over_percent_literal(text: &str, value: Span) -> Span {
    let Some((literal, closed)) = percent_literal(text, value.start, true) else {
        return value;
    };
    let delimiter = text
        .get(literal.end..)
        .and_then(|rest| rest.chars().next())
        .filter(|_| closed)
        .map_or(0, char::len_utf8);
    Span::new(value.start, value.end.max(literal.end + delimiter))
}

/// What a key's name is made of, around the ending that names a password.
fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.-".contains(c)
}

/// Where the word (a key's or an option's name) that holds `at` starts.
fn key_word_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .map_or(0, |before| before.trim_end_matches(is_key_char).len())
}

/// Whether the key whose ending starts at `key_start` is a command-line option, which
/// may take the next argument: its ending follows a `-` (`--password`, `--db-pwd`,
/// `db-password`), or a `.` or `_` in a name that starts with `-`
/// (`--spring.datasource.password`, `--db_pass`). An ending inside a word is no
/// password option (`--bypass`, `--compass`).
fn is_option(text: &str, key_start: usize) -> bool {
    let before = text.get(..key_start).unwrap_or("");
    // The short endings hold their separator (`-pwd` in `--db-pwd`).
    let after_separator = before.ends_with(['.', '_'])
        || text
            .get(key_start..)
            .is_some_and(|ending| ending.starts_with(['-', '_']));
    before.ends_with('-')
        || (after_separator
            && text
                .get(key_word_start(text, key_start)..)
                .is_some_and(|word| word.starts_with('-')))
}

/// The values of password keys written with escapes (`"Pass\u0077ord": …` in JSON,
/// `Pass\u0077ord=…` in a connection string inside a JSON string): JSON, YAML and .NET
/// readers decode key names, so the key is a password's though no ending is written
/// plainly. Only a word holding `\u`, `\U` or `\x` is decoded (a copy each; few do).
fn escaped_key_values(lines: &Lines<'_>, in_file: bool) -> Vec<Span> {
    let text = lines.text;
    let is_escaped_key_char = |c: char| is_key_char(c) || c == '\\';
    let mut spans = Vec::new();
    let mut read_to = 0;
    for at in memchr::memchr_iter(b'\\', text.as_bytes()) {
        let escape = text.as_bytes().get(at + 1);
        if at < read_to || !matches!(escape, Some(b'u' | b'U' | b'x')) {
            continue;
        }
        let before = text.get(..at).unwrap_or("");
        let word_start = before.trim_end_matches(is_escaped_key_char).len();
        let after = text.get(at..).unwrap_or("");
        read_to = text.len() - after.trim_start_matches(is_escaped_key_char).len();
        let name = text.get(word_start..read_to).and_then(unescape);
        if name.is_some_and(|name| is_password_name(&name)) {
            spans.extend(key_value(lines, word_start, read_to, in_file));
        }
    }
    spans
}

/// Words one of which every name [`is_variable_secret`] takes holds, in any case: most
/// keys hold none, and are not copied to be classified.
static SECRET_NAME_WORDS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["pass", "pw", "secret", "token", "credential"])
        .ok()
});

/// Whether a variable `name` holding `value` is a password or a secret as the readers
/// name them ([`crate::ecosystems::is_password_name`],
/// [`crate::ecosystems::is_secret_variable`]), so the shape and the readers agree.
fn is_variable_secret(name: &str, value: &str) -> bool {
    may_name_secret(name)
        && (crate::ecosystems::is_password_name(name)
            || crate::ecosystems::is_secret_variable(name, value))
}

/// Whether a line's key is named as an environment variable (upper case, digits and
/// `_`): the names the readers classify. A configuration key (`password_file:`,
/// `max-password-length:`) is a password's only by its ending ([`PASSWORD_KEYS`]).
/// A `_FILE` variable (Docker's convention, `POSTGRES_PASSWORD_FILE`) holds the path
/// the secret is read from, not the secret.
fn is_variable_name(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !name.ends_with("_FILE")
}

/// Whether `name` holds a word every secret's name holds ([`SECRET_NAME_WORDS`]).
fn may_name_secret(name: &str) -> bool {
    SECRET_NAME_WORDS
        .as_ref()
        .is_some_and(|words| words.is_match(name))
}

/// The first key of a line: `NAME: …`, `NAME=…`, `- NAME: …`, `- {name: …`, `"NAME":
/// …`, `export NAME=…`.
struct LineKey {
    /// Where its name starts and ends in the text.
    start: usize,
    end: usize,
    /// Its name's column: keys of one mapping share it.
    column: usize,
    /// Whether it starts an item of a block list (`- name: …`): a mapping's later keys
    /// do not.
    item: bool,
}

/// The first key of the line that starts at `line_start` ([`LineKey`]), when a `:` or
/// `=` follows it.
fn line_key(line_start: usize, line: &str) -> Option<LineKey> {
    let content = line.trim_start_matches([' ', '\t']);
    let after_dash = content.strip_prefix("- ");
    let item = after_dash.is_some();
    let content = after_dash
        .unwrap_or(content)
        .trim_start_matches([' ', '\t', '{']);
    let content = content.strip_prefix("export ").unwrap_or(content);
    let name = content.strip_prefix(['"', '\'']).unwrap_or(content);
    let column = line.len() - name.len();
    let len = name.find(|c: char| !is_key_char(c)).unwrap_or(name.len());
    let after = name.get(len..)?;
    let after = after.strip_prefix(['"', '\'']).unwrap_or(after);
    let assigned = after
        .trim_start_matches([' ', '\t'])
        .starts_with([':', '=']);
    let start = line_start + column;
    (len > 0 && assigned).then_some(LineKey {
        start,
        end: start + len,
        column,
        item,
    })
}

/// The scalar after a key's `:` or `=` at the start of `rest`: quoted, or up to the end
/// of its flow item or line.
fn scalar_text(rest: &str) -> &str {
    let rest = rest.trim_start_matches([' ', '\t', ':', '=']);
    let rest = rest.trim_start_matches([' ', '\t']);
    if let Some(inner) = rest.strip_prefix(['"', '\'']) {
        return &inner[..inner.find(['"', '\'', '\n']).unwrap_or(inner.len())];
    }
    rest[..rest.find([',', '}', '\n', '\r', '#']).unwrap_or(rest.len())].trim_end()
}

/// The values of variables named as passwords or secrets ([`is_variable_secret`]) that
/// the key endings of [`PASSWORD_KEYS`] do not find, for a file no reader read (it does
/// not parse): a line's first key named as an environment variable whose name holds
/// the password's word elsewhere or is a secret's (`MYSQL_ROOT_PASSWORD_X: …`,
/// `API_TOKEN=…`), and a Kubernetes `env` item's `value` beside a `name` that names
/// one: on the next or the previous line at the same column, in the same item
/// (`- name: DB_PASSWORD` then `value: …`, in either order), or on its line
/// (`{name: DB_PASSWORD, value: …}`).
fn named_variable_values(lines: &Lines<'_>) -> Vec<Span> {
    let text = lines.text;
    let mut spans = Vec::new();
    let mut previous: Option<(LineKey, Option<&str>)> = None;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let key = line_key(line_start, line);
        let mut current = None;
        if let Some(key) = key {
            let name = text.get(key.start..key.end).unwrap_or("");
            let rest = text.get(key.end..).unwrap_or("");
            let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
            let variable = (name == "name").then(|| scalar_text(rest));
            if let Some(variable) = variable.filter(|v| may_name_secret(v)) {
                let flow_value = flow_value_key(text, key.end, line_start + line.len());
                spans.extend(
                    flow_value.and_then(|(start, end)| secret_value(lines, variable, start, end)),
                );
            } else if is_variable_name(name) {
                spans.extend(secret_value(lines, name, key.start, key.end));
            }
            // A `name` and its `value` on adjacent lines, in either order.
            if let Some((other, other_variable)) = &previous {
                if other.column == key.column && !key.item {
                    let pair = match (variable, *other_variable) {
                        (None, Some(variable)) if name == "value" => Some((variable, &key)),
                        (Some(variable), None)
                            if text.get(other.start..other.end) == Some("value") =>
                        {
                            Some((variable, other))
                        }
                        _ => None,
                    };
                    if let Some((variable, value_key)) = pair {
                        spans.extend(secret_value(
                            lines,
                            variable,
                            value_key.start,
                            value_key.end,
                        ));
                    }
                }
            }
            current = Some((key, variable));
        }
        previous = current;
        line_start += line.len();
    }
    spans
}

/// The `value` key of a flow mapping's item after `from` on its line (`{name: X,
/// value: …}`): where its name starts and ends.
fn flow_value_key(text: &str, from: usize, line_end: usize) -> Option<(usize, usize)> {
    let line = text.get(from..line_end)?;
    memmem::find_iter(line.as_bytes(), "value")
        .map(|at| from + at)
        .find(|&at| {
            let before = text
                .get(from..at)
                .unwrap_or("")
                .trim_end_matches([' ', '\t', '"', '\'']);
            before.ends_with([',', '{'])
        })
        .map(|at| (at, at + "value".len()))
}

/// The value of the key at `start..end` (a variable's, or the `value` beside its
/// `name`) when the variable is a password or a secret ([`is_variable_secret`]).
fn secret_value(lines: &Lines<'_>, variable: &str, start: usize, end: usize) -> Option<Span> {
    // Most names are no secret's: their values are not read.
    if !may_name_secret(variable) {
        return None;
    }
    let value = key_value(lines, start, end, true)?;
    let written = lines.text.get(value.start..value.end)?;
    is_variable_secret(variable, written).then_some(value)
}

/// Where a URL's token ends: passwords are not split at anything else.
fn ends_token(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>')
}

/// The password of the userinfo of the URL whose authority starts at `start` (after
/// the first `:` and before the token's last `@`), and where the URL's token ends.
fn userinfo_password(text: &str, start: usize) -> (Option<Span>, usize) {
    let rest = text.get(start..).unwrap_or("");
    let (password, token_len) = userinfo_password_range(rest);
    let password = password.map(|r| Span::new(start + r.start, start + r.end));
    (password, start + token_len)
}

/// In `rest` (a URL's text after its `://`), the range the masker takes for a password
/// (after the first `:`, before the token's last `@`) and the token's length. The URL
/// reader keeps hosts and parameters out of it (`connection_string::parse_url`).
pub(crate) fn userinfo_password_range(rest: &str) -> (Option<std::ops::Range<usize>>, usize) {
    let token = &rest[..rest.find(ends_token).unwrap_or(rest.len())];
    let password = match token.rfind('@') {
        Some(at) => token[..at].find(':').map(|colon| colon + 1..at),
        // A token that holds a query or path already left the authority.
        None if token.contains(['?', '/']) => None,
        None => userinfo_past_token(rest),
    };
    let token_len = password.as_ref().map_or(0, |p| p.end).max(token.len());
    (password, token_len)
}

/// A password holding what ends a token (a space, a quote, `<`, `>`, a backtick:
/// `u:ZQ1 ?x=ZQ2@db`): libpq reads userinfo up to the first `@` before any `/`, so the
/// line is read on to that `@`. Masking more than the password only hides text.
fn userinfo_past_token(rest: &str) -> Option<std::ops::Range<usize>> {
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    let at = line
        .find(['@', '/'])
        .filter(|&i| line[i..].starts_with('@'))?;
    // Not past a comment (`db:5432 # owner: dba@example.com`).
    if line[..at].contains(" #") {
        return None;
    }
    let colon = line[..at].find(':')?;
    Some(colon + 1..at)
}

/// The values of a URL's query parameters whose percent-encoded names are a password's
/// (`?pass%77ord=…`: libpq and Active Record decode names as they decode values), in
/// the URL whose authority starts at `start` and whose token ends at `end`. Names
/// written plainly are found with every other password key.
fn encoded_password_params(text: &str, start: usize, end: usize) -> Vec<Span> {
    let url = text.get(start..end).unwrap_or("");
    let Some(query) = url.find('?') else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    let mut offset = start + query + 1;
    for piece in url[query + 1..].split(['&', ';']) {
        if let Some((name, value)) = piece.split_once('=') {
            if name.contains('%') && is_password_name(&percent_decode_str(name).decode_utf8_lossy())
            {
                let value_start = offset + name.len() + 1;
                // Up to the next parameter, as a plain `password=` (`…=A&B&x=1`).
                let rest = text.get(value_start..end).unwrap_or(value);
                let len = assigned_value_len(rest, false);
                spans.push(Span::new(value_start, value_start + len));
            }
        }
        offset += piece.len() + 1;
    }
    spans
}

/// Whether `name` ends in a password key (`password`, `db_pwd`, `PASS`, `password2`).
fn is_password_name(name: &str) -> bool {
    let name = name.strip_suffix(['1', '2', '3']).unwrap_or(name);
    PASSWORD_KEYS
        .as_ref()
        .is_some_and(|keys| keys.find_iter(name).any(|key| key.end() == name.len()))
}

/// Whether the key match at `key_start..key_end` ends a URL's host followed by its port
/// (`app@bypass:5432`, `//db.example.pw:5432/app`): that `:` is no key's. Other keys
/// after `@`, `/` or `:` are (`SAMPLE:password=`, `pgsql:password=`).
fn is_host_with_port(text: &str, key_start: usize, key_end: usize) -> bool {
    let before = text.get(..key_start).unwrap_or("");
    let word = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || "_.-".contains(c));
    let after = text.get(key_end..).unwrap_or("");
    let port = after.strip_prefix(':').unwrap_or("");
    let digits = port.bytes().take_while(u8::is_ascii_digit).count();
    let port_ends = port
        .get(digits..)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', ',', ' ', '\n', '\r']));
    word.ends_with(['@', '/']) && digits > 0 && port_ends
}

/// The length of a factor number after a password key: MySQL Connector/J's
/// multi-factor `password1`, `password2` and `password3`.
fn numbered_key_suffix(text: &str, key_end: usize) -> usize {
    let digit = text.as_bytes().get(key_end).copied();
    usize::from(matches!(digit, Some(b'1'..=b'3')))
}

/// The length of a word after a password key that says its value is the password
/// encrypted or encoded (`DB_PWD_ENC=`, `db.password.b64:`): still the password to
/// whoever holds the key, or to anyone (base64). The word must end the key.
fn encoded_key_suffix(text: &str, key_end: usize) -> usize {
    let rest = text.get(key_end..).unwrap_or("");
    let Some(word) = rest.strip_prefix(['_', '-', '.']) else {
        return 0;
    };
    // No further than the longest such word: a long key is not read again from each
    // ending it holds.
    let longest = crate::ecosystems::ENCODED_PASSWORD_WORDS
        .iter()
        .map(|w| w.len())
        .max()
        .unwrap_or(0);
    let len = word
        .bytes()
        .take(longest + 1)
        .take_while(|b| is_key_char(char::from(*b)))
        .count();
    let Some(suffix) = word.get(..len).filter(|_| len <= longest) else {
        return 0;
    };
    let encoded = crate::ecosystems::ENCODED_PASSWORD_WORDS
        .iter()
        .any(|w| w.eq_ignore_ascii_case(suffix));
    if encoded {
        1 + len
    } else {
        0
    }
}

/// The value after a password key that is the first word of its line, separated from it
/// by spaces alone: `.properties` reads it so (`spring.datasource.password s3cret`),
/// and in a file that does not parse (`DB_PASSWORD s3cret`, `export PGPASSWORD s3cret`,
/// my.cnf's `password s3cret`) the text is still the password. Runs to the line's end.
fn value_after_spaces(lines: &Lines<'_>, key_start: usize, key_end: usize) -> Option<Span> {
    let text = lines.text;
    let before = text.get(..key_start)?;
    let word = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || "_.-".contains(c));
    let line_start = lines.start_of(word.len());
    let lead = word.get(line_start..)?.trim_start_matches([' ', '\t']);
    if !(lead.is_empty() || lead == "export ") {
        return None;
    }
    let rest = text.get(key_end..)?;
    let value = rest.trim_start_matches([' ', '\t']);
    if value.len() == rest.len() {
        return None;
    }
    let start = text.len() - value.len();
    let line = text.get(start..lines.end_of(start))?;
    Some(Span::new(start, start + line.trim_end().len()))
}

/// The value written after the password key that ends at `key_end`: the key must end
/// there (`password_file:` is not a password), then an optional `]` closing a Spring
/// map key, an optional closing quote, `=` or `:`, and the value, quoted or up to the
/// next separator. An `option` (`--password`) may also take the next argument on its
/// line or in its list ([`next_argument`]).
fn value_after_key(
    lines: &Lines<'_>,
    key_start: usize,
    key_end: usize,
    option: bool,
    libpq_like: bool,
) -> Option<Span> {
    let text = lines.text;
    let rest = text.get(key_end..)?;
    // A Spring map key in brackets (`data-source-properties[password]=`, YAML
    // `"[password]":`) closes them before its quote.
    let rest = rest.strip_prefix(']').unwrap_or(rest);
    // A key of JSON written inside a string (`"{\"password\":\"…\"}"`, a compose or
    // Kubernetes variable) closes with an escaped quote.
    let after_quote = rest
        .strip_prefix(['"', '\''])
        .or_else(|| rest.strip_prefix("\\\""))
        .unwrap_or(rest);
    let after_key = after_quote.trim_start_matches([' ', '\t']);
    let (assigned, separator) = match after_key.strip_prefix(['=', ':']) {
        Some(assigned) => (assigned, after_key.chars().next()?),
        None => match escaped_separator_len(after_key) {
            Some(len) => (after_key.get(len..)?, '='),
            None if option => next_argument(lines, key_start, key_end)?,
            None => return None,
        },
    };
    let value = assigned.trim_start_matches([' ', '\t']);
    let value_start = text.len() - value.len();
    // A placeholder's secret is its default (`${DB_PW:secret}`, `${DB_PW:-secret}`).
    if let Some(rest) = value.strip_prefix("${") {
        let inner = &rest[..rest.find(['}', '\n']).unwrap_or(rest.len())];
        let Some(colon) = inner.find(':') else {
            // The whole reference (`is_reference` leaves it as written).
            let closed = usize::from(rest[inner.len()..].starts_with('}'));
            return Some(Span::new(
                value_start,
                value_start + 2 + inner.len() + closed,
            ));
        };
        let after = &inner[colon + 1..];
        let default = after.strip_prefix('-').unwrap_or(after);
        let start = value_start + 2 + inner.len() - default.len();
        return Some(Span::new(start, start + default.len()));
    }
    // A template expression runs to its end, whatever it holds.
    for (open, close) in [("{{", "}}"), ("<%", "%>")] {
        if value.starts_with(open) {
            let end = value.find(close).map_or(value.len(), |at| at + close.len());
            return Some(Span::new(value_start, value_start + end));
        }
    }
    if let Some(inner) = value.strip_prefix("\\\"") {
        let start = value_start + 2;
        return Some(Span::new(start, start + escaped_string_len(inner)));
    }
    let indent = || line_indent(lines, key_end);
    let len = match value.chars().next()? {
        quote @ ('"' | '\'') => {
            let line = text.get(value_start + 1..lines.end_of(value_start + 1))?;
            // my.cnf and libpq (lower-case `key='…\'…'`) escape in single quotes; YAML
            // and the shell (`PGPASSWORD='…'`) do not.
            let escapes = Escapes {
                quote,
                backslash: quote == '"' || (separator == '=' && libpq_like),
            };
            let end = match closing_quote(escapes, line) {
                Some(end) => value_start + 1 + end,
                None => quoted_lines_end(text, value_start + 1 + line.len(), indent(), escapes),
            };
            return Some(Span::new(value_start + 1, end));
        }
        // ODBC, SqlClient: a braced value holds separators (`}}` is a literal `}`).
        '{' if separator == '=' => Some(crate::ecosystems::connection_string::braced_len(
            value.as_bytes(),
        )),
        // `key=value` strings (libpq, JDBC, .NET, shell) and an option's argument end a
        // value at any of these; `key: value` runs to the end of the line or of a flow
        // collection's item.
        _ if separator != ':' => Some(assigned_value_len(value, libpq_like)),
        _ => value.find(['\n', '\r', ',', '}', ']']),
    };
    let value = &value[..len.unwrap_or(value.len())];
    let end = value_start + value.trim_end().len();
    // A YAML plain value that runs to its line's end goes on over the lines indented
    // deeper than its key (`password: a` then `  b` is the value `a b`).
    let to_line_end = text.get(end..).is_none_or(|rest| {
        rest.trim_start_matches([' ', '\t'])
            .starts_with(['\n', '\r'])
            || rest.trim().is_empty()
    });
    if separator == ':' && to_line_end && end > value_start {
        return Some(Span::new(value_start, plain_lines_end(text, end, indent())));
    }
    // Nothing on the key's line: a YAML plain value may start on the next line
    // indented deeper (`password:` then `  s3cret`), and does in a file that does not
    // parse too.
    if separator == ':' && to_line_end {
        let lines_end = plain_lines_end(text, end, indent());
        let after = text.get(end..lines_end).unwrap_or("");
        let start = lines_end - after.trim_start().len();
        return (lines_end > end).then(|| Span::new(start, lines_end));
    }
    Some(Span::new(value_start, end))
}

/// The string literal Ruby gives a password-named variable or hash key, whose quoted
/// name ends at `key_end`: `ENV["DB_PASSWORD"] = '…'` (or `||=`), `"password" => "…"`,
/// and the default or value of a call that takes the name first,
/// `ENV.fetch("DB_PASSWORD", "…")` (or without parentheses), `ENV.fetch("DB_PASSWORD")
/// { "…" }` (or `do "…" end`), `ENV.store("DB_PASSWORD", "…")` (puma.rb, an ERB tag of
/// database.yml). Only a string literal is a secret ([`ruby_string`]: quoted, `%q(…)`
/// and the other percent forms, a heredoc's body): `ENV["DB_PASSWORD"] =
/// credentials.db` names none. Any call's second argument after a password name is
/// taken (`f("DB_PASSWORD", "…")`): masking more than a secret only hides text.
fn ruby_literal_value(text: &str, key_start: usize, key_end: usize) -> Option<Span> {
    fn spaced(s: &str) -> &str {
        s.trim_start_matches([' ', '\t'])
    }
    let name_start = key_word_start(text, key_start);
    let before_name = text.get(..name_start)?;
    let quote = before_name.chars().next_back()?;
    if !matches!(quote, '"' | '\'') {
        return None;
    }
    let after_name = text.get(key_end..)?.strip_prefix(quote)?;
    let before_quote = before_name
        .get(..before_name.len() - 1)?
        .trim_end_matches([' ', '\t']);
    // `fetch("X", …)`, or without parentheses `ENV.fetch "X", …`.
    let first_argument = before_quote.ends_with('(')
        || before_quote.ends_with(".fetch")
        || before_quote.ends_with(".store");
    let value = if let Some(index) = after_name.strip_prefix(']') {
        let op = spaced(index);
        op.strip_prefix("||=")
            .or_else(|| op.strip_prefix("&&="))
            .or_else(|| {
                op.strip_prefix('=')
                    .filter(|v| !v.starts_with(['=', '~', '>']))
            })?
    } else if let Some(pair) = spaced(after_name).strip_prefix("=>") {
        pair
    } else if first_argument {
        let rest = spaced(after_name);
        match rest.strip_prefix(',') {
            Some(second) => second,
            None => {
                let block = spaced(rest.strip_prefix(')')?);
                block
                    .strip_prefix('{')
                    .or_else(|| block.strip_prefix("do "))?
            }
        }
    } else {
        return None;
    };
    ruby_string(text, text.len() - spaced(value).len())
}

/// The text of the Ruby string literal that opens at `start`: quoted
/// ([`quoted_literal`]), a percent literal ([`percent_literal`]: `%q(…)`, `%Q[…]`,
/// `%(…)`), or a heredoc ([`heredoc_body`]: `<<~EOS`).
fn ruby_string(text: &str, start: usize) -> Option<Span> {
    quoted_literal(text, start)
        .or_else(|| percent_literal(text, start, false).map(|(span, _)| span))
        .or_else(|| heredoc_body(text, start))
}

/// The text inside the Ruby percent literal that opens at `start` (`%q(…)`, `%Q[…]`,
/// `%(…)`, `%q|…|`: a String, `%Q` and a bare `%` interpolating), and whether it is
/// closed: the delimiter after `%`, `%q` or `%Q` (any character but a letter, a digit
/// or a blank; `(`, `[`, `{` and `<` close with their pair, nested pairs counted), to
/// its closing one, over lines; a backslash escapes the next character. An unclosed
/// one runs to the end of the text (Ruby refuses the file; masking more than a secret
/// only hides text), or of its line when `one_line`. `%w`, `%i` and the other percent
/// forms are not Strings.
fn percent_literal(text: &str, start: usize, one_line: bool) -> Option<(Span, bool)> {
    let rest = text.get(start..)?.strip_prefix('%')?;
    let rest = rest.strip_prefix(['q', 'Q']).unwrap_or(rest);
    let open = rest.chars().next()?;
    if open.is_alphanumeric() || open.is_whitespace() {
        return None;
    }
    let close = match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        other => other,
    };
    let inner_start = text.len() - rest.len() + open.len_utf8();
    let inner = text.get(inner_start..)?;
    let limit = if one_line {
        memchr::memchr2(b'\n', b'\r', inner.as_bytes()).unwrap_or(inner.len())
    } else {
        inner.len()
    };
    let mut depth = 0usize;
    let mut chars = inner.get(..limit)?.char_indices();
    while let Some((at, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == close && depth == 0 {
            return Some((Span::new(inner_start, inner_start + at), true));
        } else if c == close {
            depth -= 1;
        } else if c == open {
            depth += 1;
        }
    }
    Some((Span::new(inner_start, inner_start + limit), false))
}

/// The body of the Ruby heredoc whose opener starts at `start` (`<<~EOS`, `<<-EOS`,
/// `<<EOS`, the identifier maybe quoted: `<<~'EOS'`): the lines after the opener's,
/// up to the one holding only the identifier (indented for `<<~` and `<<-`). One
/// without that line runs to the end of the text (Ruby refuses the file; masking more
/// than a secret only hides text, and a text of such openers is read once).
fn heredoc_body(text: &str, start: usize) -> Option<Span> {
    let rest = text.get(start..)?.strip_prefix("<<")?;
    let indented = rest.starts_with(['~', '-']);
    let rest = if indented { rest.get(1..)? } else { rest };
    let quote = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '\'' | '"' | '`'));
    let rest = rest.get(quote.map_or(0, char::len_utf8)..)?;
    let id_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (id, after_id) = rest.split_at(id_len);
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if quote.is_some_and(|q| !after_id.starts_with(q)) {
        return None;
    }
    let line_end = memchr::memchr(b'\n', rest.as_bytes())?;
    let body_start = text.len() - rest.len() + line_end + 1;
    let mut at = body_start;
    for line in text.get(body_start..)?.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let content = if indented {
            content.trim_start_matches([' ', '\t'])
        } else {
            content
        };
        if content == id {
            // The body without the line break before the identifier's line.
            let body = text.get(body_start..at)?;
            let body = body.strip_suffix('\n').unwrap_or(body);
            let body = body.strip_suffix('\r').unwrap_or(body);
            return Some(Span::new(body_start, body_start + body.len()));
        }
        at += line.len();
    }
    Some(Span::new(body_start, text.len()))
}

/// The text inside the Ruby string literal that opens at `start` (its quotes left
/// out), to its closing quote or the end of its line: a backslash escapes the next
/// character in either quotes.
fn quoted_literal(text: &str, start: usize) -> Option<Span> {
    let rest = text.get(start..)?;
    let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let inner = rest.get(1..)?;
    let line = &inner[..inner.find(['\n', '\r']).unwrap_or(inner.len())];
    let escapes = Escapes {
        quote,
        backslash: true,
    };
    let len = escapes.closing_quote(line).unwrap_or(line.len());
    Some(Span::new(start + 1, start + 1 + len))
}

/// The length of a string of JSON written inside a string, whose quotes are escaped
/// (`\"…\"`), at the start of `inner` (after its opening `\"`): to the next quote
/// escaped once (`\\\"`, a quote escaped inside that string, does not end it), or to its
/// line's end.
fn escaped_string_len(inner: &str) -> usize {
    let line = &inner[..inner.find(['\n', '\r']).unwrap_or(inner.len())];
    memchr::memchr_iter(b'"', line.as_bytes())
        .find(|&at| {
            let backslashes = line
                .as_bytes()
                .get(..at)
                .unwrap_or_default()
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count();
            backslashes == 1
        })
        .map_or(line.len(), |at| at - 1)
}

/// The length of a `.properties` separator written escaped at the start of `text`
/// (`password\=x`, `password\u003dx`, `password\tx`): to Java the key runs on through
/// it, with an empty value, but what follows is the password the team meant.
fn escaped_separator_len(text: &str) -> Option<usize> {
    const ESCAPED: &[&str] = &["\\=", "\\:", "\\t", "\\ ", "\\f"];
    const UNICODE: &[&str] = &["003d", "003a", "0009", "0020", "000c"];
    if let Some(hex) = text.strip_prefix("\\u").and_then(|rest| rest.get(..4)) {
        return UNICODE
            .iter()
            .any(|code| code.eq_ignore_ascii_case(hex))
            .then_some(6);
    }
    ESCAPED
        .iter()
        .find(|escaped| text.starts_with(**escaped))
        .map(|escaped| escaped.len())
}

/// The length of a `key=value` string's value at the start of `value`: up to a quote,
/// a line break, or a separator (`;`, `&`, `,`, and a space after a `libpq_like` key)
/// that another `name=value`, an option (`-h`) or a comment follows; other spaces end
/// it. A piece without `=` after a separator is no parameter (`password=ZX9 Q7W`,
/// `Password=A;B;Pooling=true`, `?password=A&B&x=1`): drivers refuse or misread such a
/// string, but the piece is the password the team meant, so it is masked with it.
fn assigned_value_len(value: &str, libpq_like: bool) -> usize {
    let ends_line = |c: char| "\"'`\n\r".contains(c);
    let separates = |c: char| ";&,".contains(c) || (libpq_like && matches!(c, ' ' | '\t'));
    // The value's own text ends at a space whatever the key; a piece after `;` may hold
    // spaces (ADO.NET's `Maximum Pool Size=5`).
    let mut len = unescaped_find(value, |c| ends_line(c) || separates(c) || c.is_whitespace());
    loop {
        let rest = &value[len..];
        if !rest.starts_with(separates) {
            return len;
        }
        let piece = rest.trim_start_matches(separates);
        let piece_len = unescaped_find(piece, |c| ends_line(c) || separates(c));
        let word = piece[..piece_len].trim_end();
        // `pool_size = 5`: a key written with spaces around its `=`.
        let assigned = piece[word.len()..]
            .trim_start_matches([' ', '\t'])
            .starts_with('=');
        if word.is_empty() || word.contains('=') || word.starts_with(['-', '#']) || assigned {
            return len;
        }
        len = value.len() - piece.len() + word.len();
    }
}

/// Where in `value` the first character `stops` takes is (its length if none), past
/// escaped quotes and backslashes: in a string quoted around the value
/// (`"--password=a\" b"`), `\"` is the password's, not the string's end.
fn unescaped_find(value: &str, stops: impl Fn(char) -> bool) -> usize {
    let mut chars = value.char_indices();
    while let Some((at, c)) = chars.next() {
        if c == '\\'
            && value
                .get(at + 1..)
                .is_some_and(|r| r.starts_with(['"', '\'', '\\']))
        {
            chars.next();
        } else if stops(c) {
            return at;
        }
    }
    value.len()
}

/// How a quoted value's text escapes its quote.
#[derive(Clone, Copy)]
struct Escapes {
    quote: char,
    /// Whether a backslash escapes the next character: in double quotes (YAML, JSON,
    /// `.env`, shell, my.cnf) and in my.cnf's and libpq's single quotes.
    backslash: bool,
}

impl Escapes {
    /// Where the quoted text `inner` (after its opening quote) ends: its first quote
    /// that is not escaped. A doubled quote is one quote of the value (YAML's
    /// `'it''s'`, ADO.NET's `"a""b"`; in a shell, two strings side by side are one word).
    fn closing_quote(self, inner: &str) -> Option<usize> {
        let quote = u8::try_from(self.quote).ok()?;
        let bytes = inner.as_bytes();
        let mut from = 0;
        while let Some(found) = memchr::memchr2(quote, b'\\', bytes.get(from..)?) {
            let at = from + found;
            let next = bytes.get(at + 1).copied();
            if bytes.get(at) == Some(&b'\\') {
                from = at + if self.backslash { 2 } else { 1 };
            } else if next == Some(quote) {
                from = at + 2;
            } else {
                return Some(at);
            }
        }
        None
    }
}

/// Where a quoted value's text on its key's line ends. In single quotes without
/// escapes a `\'` still ends a shell string, but not a `.env` one (npm dotenv,
/// python-dotenv and godotenv read on past it): the later of the two ends is taken, as
/// masking more than a secret only hides text (`DB_PASSWORD='ab\'cd'` is all masked).
fn closing_quote(escapes: Escapes, line: &str) -> Option<usize> {
    let plain = escapes.closing_quote(line)?;
    if escapes.backslash {
        return Some(plain);
    }
    let escaped = Escapes {
        backslash: true,
        ..escapes
    };
    Some(
        escaped
            .closing_quote(line)
            .map_or(plain, |end| end.max(plain)),
    )
}

/// How many spaces and tabs start the line that holds `at`.
fn line_indent(lines: &Lines<'_>, at: usize) -> usize {
    let line = lines.text.get(lines.start_of(at)..at).unwrap_or("");
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// A text and its lines ([`crate::source::LineIndex`]), indexed once, when first asked:
/// one long line (minified JSON) holds thousands of password keys, and looking for the
/// start or end of its line from each was quadratic.
struct Lines<'t> {
    text: &'t str,
    index: std::cell::OnceCell<crate::source::LineIndex>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            text,
            index: std::cell::OnceCell::new(),
        }
    }

    fn index(&self) -> &crate::source::LineIndex {
        self.index
            .get_or_init(|| crate::source::LineIndex::new(self.text))
    }

    /// Where the line holding `at` starts.
    fn start_of(&self, at: usize) -> usize {
        let index = self.index();
        index.line_start(index.line_of(at))
    }

    /// Where the line holding `at` ends, before its line break.
    fn end_of(&self, at: usize) -> usize {
        let index = self.index();
        let next = index.line_of(at) + 1;
        let with_break = match next < index.line_count() {
            true => self.text.get(..index.line_start(next)).unwrap_or(self.text),
            false => self.text,
        };
        let line = with_break
            .strip_suffix("\r\n")
            .or_else(|| with_break.strip_suffix(['\n', '\r']))
            .unwrap_or(with_break);
        line.len()
    }
}

/// The later lines of `text` after the line that ends at `line_end`, each with where
/// its text starts and ends (without its line break).
fn later_lines(text: &str, line_end: usize) -> impl Iterator<Item = (usize, &str)> {
    let rest = text.get(line_end..).unwrap_or("");
    let first_break = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let mut at = line_end + first_break;
    rest.get(first_break..)
        .unwrap_or("")
        .split_inclusive('\n')
        .map(move |line| {
            let start = at;
            at += line.len();
            (start, line.trim_end_matches(['\n', '\r']))
        })
}

/// Where a quoted value left open at `line_end` ends: at its closing quote on a later
/// line (YAML, `.env` and shell strings run over lines), through the lines between that
/// are indented deeper than its key's line or blank; at `line_end` when the next such
/// line neither closes it nor is indented deeper (a file that does not parse, where the
/// quote is never closed: the lines after it are the file's, not the value's).
fn quoted_lines_end(text: &str, line_end: usize, key_indent: usize, escapes: Escapes) -> usize {
    let mut end = line_end;
    for (start, line) in later_lines(text, line_end) {
        if let Some(close) = escapes.closing_quote(line) {
            return start + close;
        }
        let content = line.trim_start_matches([' ', '\t']);
        if content.is_empty() {
            continue;
        }
        if line.len() - content.len() <= key_indent {
            break;
        }
        end = start + line.trim_end().len();
    }
    end
}

/// Where a YAML plain value whose first line ends at `line_end` ends: through the next
/// lines indented deeper than its key's line that can go on a plain scalar (not a
/// comment, not a `key:`).
fn plain_lines_end(text: &str, line_end: usize, key_indent: usize) -> usize {
    let mut end = line_end;
    for (start, line) in later_lines(text, line_end) {
        let content = line.trim_start_matches([' ', '\t']);
        let trimmed = content.trim_end();
        let continues = line.len() - content.len() > key_indent
            && !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && !trimmed.contains(": ")
            && !trimmed.ends_with(':');
        if !continues {
            break;
        }
        end = start + line.trim_end().len();
    }
    end
}

/// What follows the option whose name ends at `key_end` as its next argument, and the
/// separator its value is read with: after spaces (`--password s3cret`), or after the
/// comma of a list (`"--password", "s3cret"`, `[--password, s3cret]`), over line
/// breaks too (a JSON list with an item a line). Another option is no argument.
fn next_argument<'t>(
    lines: &Lines<'t>,
    key_start: usize,
    key_end: usize,
) -> Option<(&'t str, char)> {
    let text = lines.text;
    let after_name = text.get(key_end..)?;
    let quoted = after_name.strip_prefix(['"', '\'']);
    let in_list = quoted.or_else(|| is_flow_item(text, key_start).then_some(after_name));
    let next = in_list
        .and_then(|rest| rest.trim_start_matches([' ', '\t']).strip_prefix(','))
        .map(str::trim_start);
    if let Some(next) = next {
        // A flow item ends at `,` or `]`, as a YAML value does.
        return (!next.starts_with('-')).then_some((next, ':'));
    }
    let spaced = after_name.trim_start_matches([' ', '\t']);
    let is_next = spaced.len() < after_name.len() && !spaced.starts_with(['\n', '\r', '-']);
    is_next.then_some((spaced, ' '))
}

/// Whether the option whose ending starts at `key_start` is an unquoted item of a flow
/// list (`[--password, s3cret]`, `[-v, --password, s3cret]`).
fn is_flow_item(text: &str, key_start: usize) -> bool {
    let before = text.get(..key_word_start(text, key_start)).unwrap_or("");
    before.trim_end().ends_with(['[', ','])
}

/// The next argument of an option that is an item of a YAML block sequence (Kubernetes
/// `args`, a compose `command`): the next line's item, `- --password` then `- s3cret`,
/// plain (to its line's end) or quoted. Another option is no argument.
fn block_item_argument(lines: &Lines<'_>, key_start: usize, key_end: usize) -> Option<Span> {
    let text = lines.text;
    let word_start = key_word_start(text, key_start);
    let before = text.get(..word_start)?;
    let lead = before.get(lines.start_of(word_start)..)?;
    let is_item = |lead: &str| lead.trim_matches([' ', '\t']) == "-";
    let lead = lead.trim_end_matches([' ', '\t']);
    if !is_item(lead.strip_suffix(['"', '\'']).unwrap_or(lead)) {
        return None;
    }
    let after = text.get(key_end..)?;
    let after = after.strip_prefix(['"', '\'']).unwrap_or(after);
    if !after
        .trim_start_matches([' ', '\t'])
        .starts_with(['\n', '\r'])
    {
        return None;
    }
    // Blank and comment lines between the option and its argument are skipped.
    let (line_start, line) = later_lines(text, key_end).find(|(_, line)| {
        let line = line.trim_start_matches([' ', '\t']);
        !line.is_empty() && !line.starts_with('#')
    })?;
    let item = line.trim_start_matches([' ', '\t']).strip_prefix('-')?;
    let value = item.trim_start_matches([' ', '\t']);
    if value.len() == item.len() || value.starts_with('-') {
        return None;
    }
    let start = line_start + line.len() - value.len();
    let len = match value.chars().next()? {
        quote @ ('"' | '\'') => {
            let escapes = Escapes {
                quote,
                backslash: quote == '"',
            };
            let inner = value.get(1..)?;
            return Some(Span::new(
                start + 1,
                start + 1 + escapes.closing_quote(inner).unwrap_or(inner.len()),
            ));
        }
        _ => value.trim_end().len(),
    };
    Some(Span::new(start, start + len))
}

/// Oracle's thin URL: `jdbc:oracle:thin:USER/PASSWORD@host`, the password between `/`
/// and the token's last `@`; or, quoted as Oracle writes one holding special
/// characters (`USER/"PA@SS"@host`), the text inside its quotes.
fn oracle_thin_passwords(text: &str) -> Vec<Span> {
    ORACLE_THIN
        .find_iter(text.as_bytes())
        .filter_map(|at| {
            let start = at + ":thin:".len();
            let rest = text.get(start..)?;
            let token = &rest[..rest.find(ends_token).unwrap_or(rest.len())];
            if let Some(quoted) = rest.get(token.len()..)?.strip_prefix('"') {
                let password_start = start + token.len() + 1;
                let line = &quoted[..quoted.find(['\n', '\r']).unwrap_or(quoted.len())];
                let len = line.find('"').unwrap_or(line.len());
                return token
                    .ends_with('/')
                    .then(|| Span::new(password_start, password_start + len));
            }
            let host = token.rfind('@')?;
            let slash = token[..host].find('/')?;
            Some(Span::new(start + slash + 1, start + host))
        })
        .collect()
}

/// The bodies of PEM private keys (`-----BEGIN PRIVATE KEY-----`, `RSA`, `EC`,
/// `ENCRYPTED`, `OPENSSH`, PGP's `PRIVATE KEY BLOCK`) wherever they are written: over
/// lines (a YAML block scalar, a quoted `.env` value) or on one line with `\n` escapes
/// (a JSON or YAML string: node-postgres `ssl.key`). The text between the BEGIN line and
/// the END line is masked, headers (`Proc-Type:`, `DEK-Info:`) with it; the markers
/// and the line breaks around the body stay, so a snippet still says what the value is. A key whose END is
/// missing is masked to where its text stops looking like a key's (a quote, any sign
/// base64 and the headers do not use). Certificates and public keys are no secrets.
///
/// Linear in the text: each body is read once, up to its END or where it stops.
fn private_key_blocks(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut read_to = 0;
    for at in PEM_BEGIN.find_iter(text.as_bytes()) {
        if at < read_to {
            continue;
        }
        let label_start = at + PEM_BEGIN_MARKER.len();
        let rest = text.get(label_start..).unwrap_or("");
        // A label is a few upper-case words on the marker's line.
        let label_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == ' '))
            .unwrap_or(rest.len())
            .min(64);
        let label = &rest[..label_len];
        if !rest[label_len..].starts_with("-----")
            || !label.to_ascii_uppercase().contains("PRIVATE KEY")
        {
            continue;
        }
        let body_start = label_start + label_len + "-----".len();
        let body_end = private_key_body_end(text, body_start);
        read_to = body_end;
        // The line breaks (and their escapes) and indentation around the body stay.
        let body = text.get(body_start..body_end).unwrap_or("");
        let after_start = trim_line_breaks(body, true);
        let inner = trim_line_breaks(after_start, false);
        if !inner.is_empty() {
            let start = body_start + (body.len() - after_start.len());
            spans.push(Span::new(start, start + inner.len()));
        }
    }
    spans
}

/// `text` without the spaces, line breaks and escaped line breaks (`\n`, `\r`) at its
/// start (`front`) or its end.
fn trim_line_breaks(text: &str, front: bool) -> &str {
    let mut text = text;
    loop {
        let trimmed = if front {
            text.trim_start_matches([' ', '\t', '\r', '\n'])
                .trim_start_matches("\\n")
                .trim_start_matches("\\r")
        } else {
            text.trim_end_matches([' ', '\t', '\r', '\n'])
                .trim_end_matches("\\n")
                .trim_end_matches("\\r")
        };
        if trimmed.len() == text.len() {
            return text;
        }
        text = trimmed;
    }
}

/// Where the body of a private key that starts at `start` ends: at its `-----END `
/// marker, else (a key cut short) where a sign no body holds is, without the spaces
/// and line breaks before it.
fn private_key_body_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = start;
    while let Some(&b) = bytes.get(at) {
        if b == b'-' && bytes.get(at..).is_some_and(|r| r.starts_with(b"-----END ")) {
            return at;
        }
        // Base64, line breaks and their escapes, and the headers' signs.
        if !(b.is_ascii_alphanumeric() || b" \t\r\n\\+/=:,-".contains(&b)) {
            break;
        }
        at += 1;
    }
    start + text.get(start..at).unwrap_or("").trim_end().len()
}

/// Where `text` first names `word` (a client's name, lower case), in any case.
fn find_name(text: &str, word: &str) -> Option<usize> {
    find_names(text, word).next()
}

/// Where `text` names `word` (lower case), in any case.
fn find_names<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    let first = word.as_bytes().first().copied().unwrap_or(0);
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), bytes).filter(move |&at| {
        bytes
            .get(at..at + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()))
    })
}

/// A command-line client's password option, masked on a line that names the client.
struct ClientPassword {
    /// What names the client, in any case (`mysql` names `mysqladmin` and `mysqlsh` too).
    names: &'static [&'static str],
    /// The option, in its case: clients give `-P` and `-p` other meanings (a port, a
    /// prompt, statistics).
    option: &'static str,
    /// Whether the password may be written right after the option (`-pPASSWORD`).
    attached: bool,
    /// Whether the password may be the next argument (`-P PASSWORD`, `"-P", "PASSWORD"`).
    separate: bool,
    /// Whether only the first such option after the client's name is its own: later ones
    /// belong to the command it runs (`sshpass -p pw ssh -p 22 host`).
    first_only: bool,
}

/// The clients whose password options are masked, as each reads them.
const CLIENT_PASSWORDS: &[ClientPassword] = &[
    // `-p` alone asks for the password (`-p db` names a database).
    ClientPassword {
        names: &["mysql", "mariadb"],
        option: "-p",
        attached: true,
        separate: false,
        first_only: false,
    },
    // SQL Server's sqlcmd: `-P password`; no space is needed yet (Microsoft's docs).
    ClientPassword {
        names: &["sqlcmd"],
        option: "-P",
        attached: true,
        separate: true,
        first_only: false,
    },
    ClientPassword {
        names: &["redis-cli"],
        option: "-a",
        attached: false,
        separate: true,
        first_only: false,
    },
    // `-ppassword` as its manual writes it, `-p password` as getopt reads it too.
    ClientPassword {
        names: &["sshpass"],
        option: "-p",
        attached: true,
        separate: true,
        first_only: true,
    },
];

/// The passwords given to command-line clients on a line that runs one
/// ([`CLIENT_PASSWORDS`]): the MySQL and MariaDB clients' `-pPASSWORD` (`mysqladmin
/// ping -uroot -ps3cret`, a compose healthcheck), sqlcmd's `-P`, redis-cli's `-a`,
/// sshpass's `-p`.
fn client_passwords(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    for client in CLIENT_PASSWORDS {
        // Most texts name no client: one look at the whole text, not one per line.
        if !client
            .names
            .iter()
            .any(|name| find_name(text, name).is_some())
        {
            continue;
        }
        let mut line_start = 0;
        for line in text.split_inclusive(['\n', '\r']) {
            if client
                .names
                .iter()
                .any(|name| find_name(line, name).is_some())
            {
                let passwords = line_client_passwords(client, line);
                spans.extend(
                    passwords
                        .into_iter()
                        .map(|r| Span::new(line_start + r.start, line_start + r.end)),
                );
            }
            line_start += line.len();
        }
    }
    spans
}

/// The passwords of `client`'s options in a `line` that names it: every one, or the
/// first after each place that names it ([`ClientPassword::first_only`]). One pass over
/// the names and options in order, however many the line holds.
fn line_client_passwords(client: &ClientPassword, line: &str) -> Vec<std::ops::Range<usize>> {
    let passwords = memmem::find_iter(line.as_bytes(), client.option)
        .filter_map(|at| Some(at).zip(client_password(client, line, at)));
    if !client.first_only {
        return passwords.map(|(_, password)| password).collect();
    }
    let mut names: Vec<usize> = client
        .names
        .iter()
        .flat_map(|name| find_names(line, name))
        .collect();
    names.sort_unstable();
    let mut names = names.into_iter().peekable();
    let mut own = Vec::new();
    for (at, password) in passwords {
        // The option is the client's when a name comes after the option taken last.
        let mut named = false;
        while names.next_if(|&name| name < at).is_some() {
            named = true;
        }
        if named {
            own.push(password);
        }
    }
    own
}

/// The password of `client`'s option found at `at` in `line`, when it is the option
/// (an argument of its own) and has one.
fn client_password(
    client: &ClientPassword,
    line: &str,
    at: usize,
) -> Option<std::ops::Range<usize>> {
    let before = line.get(..at)?.chars().next_back();
    if !before.is_none_or(|c| c.is_whitespace() || "\"'[,".contains(c)) {
        return None;
    }
    let value_start = at + client.option.len();
    let after = line.get(value_start..)?;
    let token_len = |value: &str| {
        value
            .find(|c: char| ends_token(c) || c == ',' || c == ']')
            .unwrap_or(value.len())
    };
    let attached = token_len(after);
    if attached > 0 {
        return client
            .attached
            .then_some(value_start..value_start + attached);
    }
    if !client.separate {
        return None;
    }
    // The next argument: after spaces, or after the comma of a list (`"-P", "pw"`).
    let quoted = before.is_some_and(|c| c == '"' || c == '\'');
    let rest = match quoted {
        true => after.strip_prefix(['"', '\''])?,
        false => after,
    };
    let spaced = rest.trim_start_matches([' ', '\t']);
    let listed = spaced
        .strip_prefix(',')
        .map(|r| r.trim_start_matches([' ', '\t']));
    let next = listed.unwrap_or(spaced);
    if next.len() == rest.len() || next.starts_with('-') {
        return None;
    }
    let start = line.len() - next.len();
    let len = match next.strip_prefix(['"', '\'']) {
        Some(inner) => {
            let quote = next.chars().next()?;
            return Some(start + 1..start + 1 + inner.find(quote).unwrap_or(inner.len()));
        }
        None => token_len(next),
    };
    (len > 0).then_some(start..start + len)
}

/// The password of userinfo written without a scheme (`user:PASSWORD@host[:port]`), as
/// MySQL Shell takes a connection: an argument on a line that runs `mysqlsh` or gives a
/// `--uri` (`mysqlsh --uri root:pw@db:3306`, `mysqlsh app:pw@db`). Elsewhere the shape
/// is no connection's (an image's `postgres:16@sha256:…`).
fn schemeless_userinfo_passwords(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    if find_name(text, "mysqlsh").is_none() && !text.contains("--uri") {
        return spans;
    }
    let mut line_start = 0;
    for line in text.split_inclusive(['\n', '\r']) {
        if find_name(line, "mysqlsh").is_some() || line.contains("--uri") {
            for token in line.split(|c: char| ends_token(c) || ",[]".contains(c)) {
                // Where the token starts in the line (a piece of it, so the difference
                // of their addresses).
                let start = line_start + (token.as_ptr() as usize - line.as_ptr() as usize);
                spans.extend(
                    userinfo_argument_password(token)
                        .map(|r| Span::new(start + r.start, start + r.end)),
                );
            }
        }
        line_start += line.len();
    }
    spans
}

/// In an argument `user:PASSWORD@host` (or an option's `--uri=user:PASSWORD@host`), the
/// password's range: the user a name, the password up to the last `@`, a host after it.
fn userinfo_argument_password(token: &str) -> Option<std::ops::Range<usize>> {
    let offset = match token.starts_with('-') {
        true => token.find('=')? + 1,
        false => 0,
    };
    let argument = token.get(offset..)?;
    if argument.contains("://") {
        return None;
    }
    let at = argument.rfind('@')?;
    let colon = argument.get(..at)?.find(':')?;
    let user = argument.get(..colon)?;
    let host_starts = argument
        .get(at + 1..)?
        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[');
    let user_ok = !user.is_empty() && user.chars().all(is_key_char) && !user.starts_with('-');
    (user_ok && host_starts && colon + 1 < at).then_some(offset + colon + 1..offset + at)
}

/// The secrets of lines shaped like an auth file's, wherever they are (an included
/// file, a ConfigMap key no reader reads): PgBouncer's `auth_file` (`"user"
/// "md5…"`, `"user" "SCRAM-SHA-256$…"`: the second quoted string) and a `.pgpass`
/// line (`host:port:database:user:password`, its port a number or `*`: the fifth
/// field, `\:` escaping a colon).
fn auth_file_secrets(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        let trimmed = content.trim();
        let found = userlist_secret(trimmed).or_else(|| pgpass_password(trimmed));
        spans.extend(found.map(|r| Span::new(start + indent + r.start, start + indent + r.end)));
        start += line.len();
    }
    spans
}

/// The values under `data:` and `stringData:` of a Kubernetes Secret's text, for a file
/// the reader got nothing from (it does not parse): `key: value` lines indented deeper
/// than the `data:` key, and the lines indented deeper than those keys (a value on the
/// next line, `conn:` then `  s3cret`, or a block scalar's, `conn: |`); and the values
/// of a flow mapping, YAML or JSON, over lines too (`data: {key: value}`, `"data":
/// {"key": "value", …`). Only in a text that says it is a Secret ([`names_secret_kind`]).
fn secret_manifest_values(text: &str) -> Vec<Span> {
    if !names_secret_kind(text) {
        return Vec::new();
    }
    let mut spans = block_data_values(text);
    spans.extend(flow_data_values(text));
    spans
}

/// Whether `text` has a `kind` key whose value is `Secret`, in block, flow or JSON
/// style.
fn names_secret_kind(text: &str) -> bool {
    use crate::ecosystems::kubernetes::{kind_values, kind_word};
    kind_values(text).any(|value| kind_word(value) == "Secret")
}

/// The block-style values under `data:` and `stringData:` keys that start their lines
/// ([`secret_manifest_values`]).
fn block_data_values(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    // The `data:` key's indentation, and its entries' once seen.
    let mut under: Option<(usize, Option<usize>)> = None;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        let trimmed = content.trim();
        let content_span = Span::new(start + indent, start + indent + trimmed.len());
        let data_key = ["data:", "stringData:"]
            .iter()
            .find_map(|k| trimmed.strip_prefix(k));
        if let Some(rest) = data_key {
            under = Some((indent, None));
            // `data: x` on its line (a flow mapping is read by `flow_data_values`).
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('{') {
                spans.push(Span::new(content_span.end - rest.len(), content_span.end));
            }
        } else if let Some((data_indent, entry_indent)) = under {
            let entry_indent = entry_indent.unwrap_or(indent);
            // Under an entry: its value's text, whatever it holds (`#` too).
            let in_entry = indent > entry_indent && indent > data_indent;
            if in_entry {
                spans.push(content_span);
            } else if trimmed.is_empty() || trimmed.starts_with('#') {
                // Blank and comment lines do not end the block.
            } else if indent <= data_indent {
                under = None;
            } else {
                under = Some((data_indent, Some(entry_indent)));
                if let Some((_, value)) = trimmed.split_once(':') {
                    let value = value.trim();
                    // A block scalar's header (`|`, `>-`): its text is on the next lines.
                    let header = value.starts_with(['|', '>'])
                        && value
                            .chars()
                            .skip(1)
                            .all(|c| c.is_ascii_digit() || c == '-' || c == '+');
                    if !value.is_empty() && !header {
                        spans.push(Span::new(content_span.end - value.len(), content_span.end));
                    }
                }
            }
        }
        start += line.len();
    }
    spans
}

/// A `data` or `stringData` key, a word of its own.
static DATA_KEYS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(["data", "stringData"])
        .ok()
});

/// The values of the flow mappings (YAML or JSON) given to `data` and `stringData`
/// keys ([`secret_manifest_values`]).
fn flow_data_values(text: &str) -> Vec<Span> {
    let Some(keys) = DATA_KEYS.as_ref() else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    let mut read_to = 0;
    for key in keys.find_iter(text) {
        let before = text.get(..key.start()).and_then(|b| b.chars().next_back());
        if key.start() < read_to || before.is_some_and(is_key_char) {
            continue;
        }
        let after = text.get(key.end()..).unwrap_or("");
        let after = after.strip_prefix(['"', '\'']).unwrap_or(after);
        let Some(value) = after.trim_start_matches([' ', '\t']).strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start_matches([' ', '\t']);
        if value.starts_with('{') {
            let open = text.len() - value.len();
            read_to = flow_mapping_values(text, open, &mut spans);
        }
    }
    spans
}

/// The values of the flow mapping whose `{` is at `open`, to its closing `}` (or the
/// text's end: a file that does not parse): quoted (to their closing quote, or their
/// line's end) or plain (to a `,`, `}`, `]` or the line's end). Returns where it ends.
fn flow_mapping_values(text: &str, open: usize, spans: &mut Vec<Span>) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut value_next = false;
    let mut at = open;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'"' | b'\'' => {
                let quote = char::from(b);
                let inner = text.get(at + 1..).unwrap_or("");
                let line = &inner[..inner.find(['\n', '\r']).unwrap_or(inner.len())];
                let escapes = Escapes {
                    quote,
                    backslash: quote == '"',
                };
                let len = escapes.closing_quote(line).unwrap_or(line.len());
                if value_next {
                    spans.push(Span::new(at + 1, at + 1 + len));
                    value_next = false;
                }
                at += 1 + len;
            }
            b'{' | b'[' => {
                depth += 1;
                value_next = false;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return at + 1;
                }
            }
            b':' => value_next = true,
            b',' => value_next = false,
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ if value_next => {
                let rest = text.get(at..).unwrap_or("");
                let len = rest.find([',', '}', ']', '\n', '\r']).unwrap_or(rest.len());
                let value = rest.get(..len).unwrap_or("").trim_end();
                spans.push(Span::new(at, at + value.len()));
                value_next = false;
                at += len.max(1) - 1;
            }
            _ => {}
        }
        at += 1;
    }
    at
}

/// `"user" "secret"`: the second quoted string's text (PgBouncer doubles a `"` in one).
/// Also the lines PgBouncer skips or stops at, which still hold a password: one
/// commented out with `;` (or `#`), and a secret whose quote is never closed (masked to
/// the line's end).
fn userlist_secret(written: &str) -> Option<std::ops::Range<usize>> {
    let line = written.trim_start_matches([';', '#', ' ', '\t']);
    let offset = written.len() - line.len();
    let quoted_end = |from: usize| {
        let mut at = from;
        loop {
            at += line.get(at..)?.find('"')?;
            if line.get(at + 1..)?.starts_with('"') {
                at += 2;
            } else {
                return Some(at);
            }
        }
    };
    let user_end = quoted_end(line.strip_prefix('"').map(|_| 1)?)?;
    let gap = line.get(user_end + 1..)?;
    let secret_quote = user_end + 1 + (gap.len() - gap.trim_start().len());
    if secret_quote == user_end + 1 || !line.get(secret_quote..)?.starts_with('"') {
        return None;
    }
    let secret_end = quoted_end(secret_quote + 1).unwrap_or(line.trim_end().len());
    (secret_end > secret_quote + 1).then_some(offset + secret_quote + 1..offset + secret_end)
}

/// `host:port:database:user:password` alone on a line, commented out or not: the
/// password's range, to the line's end (libpq takes what follows the fourth colon,
/// spaces and colons included).
fn pgpass_password(line: &str) -> Option<std::ops::Range<usize>> {
    let entry = line.trim_start_matches(['#', ' ', '\t']);
    let offset = line.len() - entry.len();
    let mut colons = Vec::with_capacity(4);
    let mut escaped = false;
    for (at, c) in entry.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => colons.push(at),
            _ => {}
        }
        if colons.len() == 4 {
            break;
        }
    }
    let [host_end, port_end, _, password_colon] = colons.as_slice() else {
        return None;
    };
    // The first four fields hold no space: a sentence with colons is no entry.
    if entry.get(..*password_colon)?.contains(char::is_whitespace) || *host_end == 0 {
        return None;
    }
    let port = entry.get(host_end + 1..*port_end)?;
    let port_ok = port == "*" || (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    let end = entry.trim_end().len();
    (port_ok && password_colon + 1 < end).then_some(offset + password_colon + 1..offset + end)
}

/// A value that only names where the password is: an environment variable or a
/// template expression without a default.
pub(crate) fn is_reference(value: &str) -> bool {
    let is_name = |name: &str| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let braced = value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .is_some_and(is_name);
    let bare = value.strip_prefix('$').is_some_and(is_name);
    let template = (value.starts_with("{{") && value.ends_with("}}"))
        || (value.starts_with("<%") && value.ends_with("%>"));
    braced || bare || template
}

/// Mask what is shaped like a credential in a message made outside a check (a
/// manifest's error), and write its control characters as escapes.
pub(crate) fn mask_message(text: &mut String) {
    mask_credential_shapes(text);
    escape_controls(text);
}

/// Replace each credential-shaped part of a message by `****`.
fn mask_credential_shapes(text: &mut String) {
    let mut spans = shaped_spans(text, false);
    if spans.is_empty() {
        return;
    }
    spans.sort_by_key(|s| std::cmp::Reverse(s.start));
    spans.dedup();
    let mut last_start = usize::MAX;
    for span in spans {
        // Spans are on char boundaries (they start and end at ASCII signs or the text's
        // ends); an overlapping one was taken with the later one.
        if span.end <= last_start
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end)
        {
            text.replace_range(span.start..span.end, "****");
            last_start = span.start;
        }
    }
}

/// Write the control and direction-changing characters a message quotes from a file
/// (`"\u001b[2J"` in a YAML string is an escape sequence once decoded) as `\u{1b}`:
/// printed as they are, they would drive the terminal or CI log that shows the finding,
/// or reorder what it shows. Line breaks too: no message, label or help has one of its
/// own, and one quoted from a value (`"5\r\n::error::x"`) would start a line of its own
/// in the one-line formats, which a CI log could run as a command (GitHub's `::error::`).
/// Tabs stay.
fn escape_controls(text: &mut String) {
    if let std::borrow::Cow::Owned(escaped) = escaped_controls(text) {
        *text = escaped;
    }
}

/// `text` with its control and direction-changing characters written as escapes, as
/// [`escape_controls`] writes them in messages: what a path shown in the text formats
/// goes through too, since a file name can hold them (`nl\n::error::x/application.yml`).
pub(crate) fn escaped_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The texts of the secrets that messages must not quote, taken from the files before
/// their texts are released.
#[derive(Debug, Default)]
pub(crate) struct ScrubTexts {
    texts: Vec<String>,
    /// How many of the model's secrets have been looked at.
    seen: usize,
    /// Where the secrets taken from summaries ([`ScrubTexts::take_from_summary`]) are:
    /// skipped when the join's model holds them again.
    taken_early: std::collections::HashSet<crate::model::Location>,
}

impl ScrubTexts {
    /// Take the texts of the secrets added to `secrets` since the last call.
    pub(crate) fn take_new(&mut self, secrets: &[Secret], sources: &SourceMap) {
        let new = secrets.get(self.seen..).unwrap_or_default();
        for secret in new {
            if !self.taken_early.contains(&secret.location) {
                self.take(secret, sources);
            }
        }
        self.seen = secrets.len();
    }

    /// Take the texts of a summary's secrets while its files are in memory
    /// ([`crate::ecosystems::Reader::summary_secrets`]).
    pub(crate) fn take_from_summary(&mut self, secrets: Vec<&Secret>, sources: &SourceMap) {
        for secret in secrets {
            if self.taken_early.insert(secret.location) {
                self.take(secret, sources);
            }
        }
    }

    fn take(&mut self, secret: &Secret, sources: &SourceMap) {
        if !secret.scrub_messages {
            return;
        }
        if let Some(file) = sources.get(secret.location.file) {
            self.texts
                .extend(scrub_texts(secret, file.slice(secret.location.span)));
        }
    }
}

/// The forms of a secret's text that a message could quote: as written, and as a
/// reader decodes it (a message quotes the value: `"a\x2db"` is `a-b`), unquoted,
/// unescaped, its lines joined ([`joined_lines`]), and a Kubernetes Secret's base64
/// decoded.
fn scrub_texts(secret: &Secret, text: &str) -> Vec<String> {
    let mut forms = vec![text.to_owned()];
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| text.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(text);
    // A reference (`${DB_PASSWORD}`) names where the password is, and the help of the
    // credentials rule suggests exactly that: scrubbing it would mangle the advice.
    if is_reference(unquoted) {
        return Vec::new();
    }
    forms.push(unquoted.to_owned());
    forms.extend(unescape(unquoted));
    forms.extend(joined_lines(unquoted));
    if secret.kind == crate::ecosystems::KUBERNETES_SECRET_VALUE {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(unquoted.trim());
        forms.extend(decoded.ok().and_then(|bytes| String::from_utf8(bytes).ok()));
    }
    forms.retain(|form| !form.trim().is_empty() && !is_placeholder_secret(form));
    forms.dedup();
    forms
}

/// A value written over several lines, as its reader joins them: YAML folds a line
/// break and the indentation around it into one space (plain and quoted scalars, and
/// a `>` block's lines), a `|` block keeps the break, and a `.properties` line ending
/// in `\` continues on the next without the break or the next line's indentation.
fn joined_lines(text: &str) -> Vec<String> {
    if !text.contains('\n') {
        return Vec::new();
    }
    let body = match text.split_once('\n') {
        Some((header, body)) if header.starts_with(['|', '>']) && !header.contains(' ') => body,
        _ => text,
    };
    let lines: Vec<&str> = body.lines().collect();
    let trimmed: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    // A block's lines lose their common indentation only: one indented deeper keeps
    // the rest (`|2-` or a deeper line).
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let dedented: Vec<&str> = lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect();
    let continued: String = lines
        .iter()
        .map(|line| line.trim_start_matches([' ', '\t', '\u{c}']))
        .map(|line| line.strip_suffix('\\').unwrap_or(line))
        .collect();
    let mut forms = vec![
        folded(&trimmed),
        trimmed.join(" "),
        trimmed.join("\n"),
        dedented.join("\n"),
        folded(&dedented),
        continued,
    ];
    // Escapes decode after the lines are joined (`"a\x2d⏎  b"` is `a- b`).
    let decoded: Vec<String> = forms.iter().filter_map(|f| unescape(f)).collect();
    forms.extend(decoded);
    forms
}

/// Lines joined as YAML folds them: a line break between two lines is a space, and
/// each blank line a line break of its own.
fn folded(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank_before = true;
    for line in lines {
        if line.trim().is_empty() {
            out.push('\n');
            blank_before = true;
            continue;
        }
        if !blank_before {
            out.push(' ');
        }
        out.push_str(line);
        blank_before = false;
    }
    out
}

/// `text` with the escapes YAML, JSON and `.properties` share decoded (`\\`, `\"`,
/// `\'`, `\/`, `\t`, `\n`, `\r`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`), when it has any.
fn unescape(text: &str) -> Option<String> {
    if !text.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex = |chars: &mut std::str::Chars, digits: usize| {
            let code: String = chars.by_ref().take(digits).collect();
            u32::from_str_radix(&code, 16).ok().and_then(char::from_u32)
        };
        match chars.next()? {
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'x' => out.push(hex(&mut chars, 2)?),
            'u' => out.push(hex(&mut chars, 4)?),
            'U' => out.push(hex(&mut chars, 8)?),
            other => out.push(other),
        }
    }
    Some(out)
}

/// Shorter secrets are scrubbed from messages only where a message quotes a value
/// whole (`` `x9` ``, `'x9'`, `"x9"`): anywhere else they would mangle ordinary words
/// and numbers. Rules never put secret values in messages; this is a second line.
const MIN_SCRUBBED_SECRET: usize = 4;

/// Sample values such as `password: password` are not secrets, and scrubbing them would
/// mangle every message that says "password" ("spring.datasource.**** holds …"). The
/// file snippets still mask them; only the message scrub skips them.
fn is_placeholder_secret(text: &str) -> bool {
    const PLACEHOLDERS: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "secret",
        "changeme",
        "change-me",
        "postgres",
        "mysql",
        "root",
        "admin",
        "test",
        "example",
        "literal",
        "default",
    ];
    PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(text))
}

/// The secret texts to scrub from messages, longest first, with a matcher that finds
/// any of them in one pass: most messages hold none, and looking for each secret in
/// every message made redaction cost findings × secrets on a large repository.
struct Scrubber {
    secrets: Vec<String>,
    /// Matchers over consecutive groups of [`SCRUB_GROUP`] secrets, built when a text is
    /// first scrubbed (a run without findings builds none); None when one could not be
    /// built (then every secret is looked for in turn).
    any: std::sync::OnceLock<Option<Vec<aho_corasick::AhoCorasick>>>,
}

/// How many secrets one matcher holds: building one over n secrets takes time
/// quadratic in n (aho-corasick 1.1's state shuffle: 40,000 secrets took 1.3 s), so the
/// secrets are split into groups, each scanned in turn.
const SCRUB_GROUP: usize = 2048;

impl Scrubber {
    fn new(mut secrets: Vec<String>) -> Self {
        // Longest first (a secret inside a longer one must not break it up), then by
        // text so that repeats are adjacent for dedup.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Scrubber {
            secrets,
            any: std::sync::OnceLock::new(),
        }
    }

    /// A contiguous NFA per group, not the DFA the builder may pick: building a DFA
    /// follows failure links for every state and byte, quadratic in a long repetitive
    /// secret (`xxxx…`, 30 KB took 5 s).
    fn matchers(&self) -> Option<&[aho_corasick::AhoCorasick]> {
        let build = || {
            self.secrets
                .chunks(SCRUB_GROUP)
                .map(|group| {
                    aho_corasick::AhoCorasick::builder()
                        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                        .build(group)
                        .ok()
                })
                .collect::<Option<Vec<_>>>()
        };
        self.any.get_or_init(build).as_deref()
    }

    /// Replace each secret in `text` by `****`, except where it is part of a longer
    /// identifier or key (`spring.datasource.druid.password` when the password is
    /// `druid`).
    fn scrub(&self, text: &mut String) {
        // The secrets the text holds, found in one pass: testing each secret of the run
        // against every message was quadratic. In the order of `secrets` (longest first).
        if self.secrets.is_empty() {
            return;
        }
        let present: Vec<usize> = match self.matchers() {
            Some(groups) => {
                let mut found: Vec<usize> = groups
                    .iter()
                    .enumerate()
                    .flat_map(|(group, any)| {
                        any.find_overlapping_iter(text.as_str())
                            .map(move |m| group * SCRUB_GROUP + m.pattern().as_usize())
                    })
                    .collect();
                found.sort_unstable();
                found.dedup();
                found
            }
            None => (0..self.secrets.len()).collect(),
        };
        for secret in present.iter().filter_map(|i| self.secrets.get(*i)) {
            // A longer secret replaced before may have taken this one with it.
            if !text.contains(secret.as_str()) {
                continue;
            }
            *text = match secret.chars().count() < MIN_SCRUBBED_SECRET {
                true => replace_quoted(text, secret),
                false => replace_whole(text, secret),
            };
        }
    }
}

/// `text` with `secret` replaced by `****` where it stands as a whole word, so that a
/// password `admin` leaves `spring.datasource.admin-url` readable; a distinctive secret
/// ([`is_distinctive`]) also where it touches other word characters (a value built from
/// it: `${spring.datasource.password}s` quoted as `pw-planted-170s`).
fn replace_whole(text: &str, secret: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "_.-".contains(c));
    let anywhere = is_distinctive(secret);
    replace_where(text, secret, |before, after| {
        anywhere || !(is_word(before) || is_word(after))
    })
}

/// `text` with `secret` replaced by `****` where it is quoted whole: between two
/// backticks, single or double quotes ([`MIN_SCRUBBED_SECRET`]).
fn replace_quoted(text: &str, secret: &str) -> String {
    replace_where(text, secret, |before, after| {
        before.is_some_and(|q| "`'\"".contains(q)) && before == after
    })
}

/// `text` with each `secret` replaced by `****` where `masks` says so, given the
/// characters around it.
fn replace_where(
    text: &str,
    secret: &str,
    masks: impl Fn(Option<char>, Option<char>) -> bool,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        out.push_str(&rest[..at]);
        out.push_str(if masks(before, after) { "****" } else { secret });
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// A secret no name or word is made of: 8 characters or more, with one that is not a
/// letter (`pw-planted-170`, `s3cretpass`; not `password` or `admin`).
fn is_distinctive(secret: &str) -> bool {
    secret.chars().count() >= 8 && secret.chars().any(|c| !c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_direction_characters_are_written_as_escapes() {
        let escaped = |text: &str| {
            let mut text = text.to_owned();
            escape_controls(&mut text);
            text
        };
        assert_eq!(escaped("pool `1\u{1b}[2J`"), "pool `1\\u{1b}[2J`");
        assert_eq!(
            escaped("a\u{0}b\u{7f}c\u{202e}d"),
            "a\\u{0}b\\u{7f}c\\u{202e}d"
        );
        assert_eq!(escaped("tab\tnext, ünï"), "tab\tnext, ünï");
        assert_eq!(escaped("5\r\n::error::x"), "5\\u{d}\\u{a}::error::x");
    }

    #[test]
    fn scrubber_masks_each_secret_a_message_holds_among_many() {
        // Every tenth secret twice (the same length as the others, not adjacent), in
        // more than one matcher's group.
        let secrets: Vec<String> = (0..5000)
            .chain((0..5000).step_by(10))
            .map(|i| format!("s3cret-{i:04}"))
            .collect();
        let scrubber = Scrubber::new(secrets);
        assert_eq!(scrubber.secrets.len(), 5000);
        // A distinctive secret is masked inside a longer word too (a value built from
        // it, `${password}s`).
        let mut message =
            "as s3cret-0007 and s3cret-4999; db.s3cret-2048.x, s3cret-0002s".to_owned();
        scrubber.scrub(&mut message);
        assert_eq!(message, "as **** and ****; db.****.x, ****s");
        // A short or all-letter one only as a whole word: names hold such words.
        let words = Scrubber::new(vec!["admin".to_owned(), "password".to_owned()]);
        let mut message = "admin-url is spring.datasource.password, not admin".to_owned();
        words.scrub(&mut message);
        assert_eq!(message, "admin-url is spring.datasource.password, not ****");
        let mut clean = "nothing secret here".to_owned();
        scrubber.scrub(&mut clean);
        assert_eq!(clean, "nothing secret here");
    }

    fn shaped(text: &str) -> Vec<&str> {
        credential_spans(text)
            .iter()
            .map(|s| text.get(s.start..s.end).unwrap_or("<bad span>"))
            .collect()
    }

    /// `\'` does not close a `.env` single-quoted value: the whole password is masked
    /// in a file no reader reads too (it was cut at `\'`, showing `TailLeak1`).
    #[test]
    fn escaped_single_quotes_do_not_cut_a_masked_value() {
        assert_eq!(shaped("DB_PASSWORD='ab\\'TailLeak1'\n"), ["ab\\'TailLeak1"]);
        assert_eq!(shaped("PGPASSWORD='back\\' x=1\n"), ["back\\"]);
        assert_eq!(shaped("PGPASSWORD='it''s'\n"), ["it''s"]);
    }

    /// An auth file's lines are masked wherever they are shown: an included file, a
    /// ConfigMap key no reader reads (PgBouncer's userlist printed its hashes, a
    /// `.pgpass` line its password).
    /// A Secret's values are masked by lines when its file does not parse (no reader
    /// read it, and they were shown).
    #[test]
    fn values_of_a_secret_that_does_not_parse_are_masked() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  api-key: WnE5VmVyRQ==\n\n  other: [\nstringData: {url: StrSecret3}\n";
        assert_eq!(shaped(text), ["WnE5VmVyRQ==", "[", "StrSecret3"]);
        assert!(shaped("kind: ConfigMap\ndata:\n  size: \"10\"\n").is_empty());
    }

    /// Audit: JSON written inside a string (a compose or Kubernetes variable, a
    /// knexfile value) closes its keys with escaped quotes; its password was shown.
    #[test]
    fn passwords_of_json_inside_a_string_are_found() {
        assert_eq!(
            shaped(
                "      DB_CONFIG: \"{\\\"user\\\":\\\"app\\\",\\\"password\\\":\\\"Nz1x\\\"}\"\n"
            ),
            ["Nz1x"]
        );
        assert_eq!(
            shaped(
                "- {name: APP_CONFIG, value: \"{\\\"db\\\":{\\\"password\\\":\\\"Nz2x\\\"}}\"}\n"
            ),
            ["Nz2x"]
        );
        assert_eq!(
            shaped(" \"x\": \"{\\\"password\\\":\\\"Nz3x\\\"}\",\n"),
            ["Nz3x"]
        );
        // A quote escaped inside that string does not end the password.
        assert_eq!(
            shaped("\"{\\\"password\\\":\\\"a\\\\\\\"Nz4x\\\"}\"\n"),
            ["a\\\\\\\"Nz4x"]
        );
    }

    /// Audit: a Kubernetes `env` item's `value` beside a `name` that names a password or
    /// a secret, in a file that does not parse, was shown in its parse error's snippet.
    #[test]
    fn values_beside_a_password_variable_name_are_found() {
        assert_eq!(
            shaped("        - name: SPRING_DATASOURCE_PASSWORD\n          value: Nv1x\n\t- name: X\n          value: \"0\"\n"),
            ["Nv1x"]
        );
        assert_eq!(
            shaped("        - value: Nv2x\n          name: DB_PASSWORD\n"),
            ["Nv2x"]
        );
        assert_eq!(
            shaped("        - {name: X_PASSWORD, value: Nv3x}\n"),
            ["Nv3x"]
        );
        assert_eq!(
            shaped("  - name: API_TOKEN\n    value: \"Nv4x\"\n  - name: DB_CREDENTIAL\n    value: Nv5x\n"),
            ["Nv4x", "Nv5x"]
        );
        // Not another variable's value, nor a value at another column.
        assert!(shaped("  - name: POOL_SIZE\n    value: \"10\"\n").is_empty());
        assert!(shaped(
            "  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: pw}\n"
        )
        .is_empty());
        assert!(shaped("  - name: DB_PASSWORD\n  - value: x1\n").is_empty());
        assert!(shaped("  - {name: PGHOST, value: db}\n").is_empty());
    }

    /// Audit: a variable whose name holds the password's word before its end, or is a
    /// secret's, in a compose file that does not parse (the reader masks both when it
    /// parses).
    #[test]
    fn variables_named_as_readers_name_secrets_are_found() {
        assert_eq!(
            shaped("      MYSQL_ROOT_PASSWORD_X: Nf1x\n      API_TOKEN: Nf2x\n      - bad\n"),
            ["Nf1x", "Nf2x"]
        );
        assert_eq!(shaped("export DB_CREDENTIAL=Nf3x\n"), ["Nf3x"]);
        assert_eq!(shaped("- SECRET_KEY_BASE=Nf4x\n"), ["Nf4x"]);
        // A credentials variable that names a key file, and names that are no secret's.
        assert!(shaped("GOOGLE_APPLICATION_CREDENTIALS: /run/secrets/sa.json\n").is_empty());
        assert!(shaped("TOKEN_TTL: 30\nBYPASS_CACHE: x\nPASSTHROUGH_MODE: y\n").is_empty());
    }

    /// Audit: `PASS` as a word before a name's end (`DB_PASS_PROD`) is a password's
    /// name to the readers and the shape alike.
    #[test]
    fn pass_anywhere_in_a_name_is_a_password() {
        assert_eq!(shaped("DB_PASS_PROD=Ni1x\n"), ["Ni1x"]);
        assert_eq!(shaped("      RAILS_DB_PASS_PROD: Nh4x\n"), ["Nh4x"]);
    }

    /// Audit: a Secret in JSON or YAML flow style, over lines, whose file does not
    /// parse; and a Secret's value on the line after its key or in a block scalar.
    #[test]
    fn flow_and_multi_line_values_of_a_broken_secret_are_found() {
        let json = "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"db\"},\n \"data\": {\"DATABASE_URL\": \"Y29ubjE=\",\n \"user\": \"dXNlcjE=\",\n bad\n";
        assert_eq!(shaped(json), ["Y29ubjE=", "dXNlcjE="]);
        let flow = "kind: Secret\ndata: {URL: Y29ubjI=, user: dXNlcjI=}\nstringData: {conn: \"Nj5x\"\n\tbad\n";
        assert_eq!(shaped(flow), ["Y29ubjI=", "dXNlcjI=", "Nj5x"]);
        let next_line = "kind: Secret\nstringData:\n  conn:\n    Nj8x\n  x: 'Nj9x\n\tbad\n";
        assert_eq!(shaped(next_line), ["Nj8x", "'Nj9x"]);
        let block = "kind: Secret\nstringData:\n  conn: |\n    Nj6x\n    # Nj7x\n\tbad\n";
        assert_eq!(shaped(block), ["Nj6x", "# Nj7x"]);
        // `metadata` is no `data` key; a ConfigMap's data is not masked.
        assert!(shaped("{\"kind\": \"Secret\", \"metadata\": {\"name\": \"db\"}}").is_empty());
        assert!(shaped("{\"kind\": \"ConfigMap\", \"data\": {\"size\": \"10\"}}").is_empty());
    }

    /// Audit: Oracle's quoted password (`user/"pa@ss"@host`) was cut at its quote.
    #[test]
    fn quoted_oracle_thin_passwords_are_found() {
        assert_eq!(
            shaped("url: jdbc:oracle:thin:app/\"S3cr@3tAB\"@//db:1521/svc\n"),
            ["S3cr@3tAB"]
        );
        let mut message = "pool of `jdbc:oracle:thin:app/\"Nq@1x\"@//db:1521/svc`".to_owned();
        mask_message(&mut message);
        assert!(!message.contains("Nq@1x"), "{message}");
    }

    /// Audit: sqlcmd's `-P`, redis-cli's `-a` and sshpass's `-p` (compose healthchecks,
    /// archive commands) were shown; only the MySQL clients' `-p` was masked.
    #[test]
    fn client_password_options_are_found() {
        assert_eq!(
            shaped("test: [\"CMD\", \"/opt/mssql-tools/bin/sqlcmd\", \"-S\", \"db\", \"-U\", \"sa\", \"-P\", \"Ny1x\", \"-Q\", \"SELECT 1\"]\n"),
            ["Ny1x"]
        );
        assert_eq!(shaped("sqlcmd -S db -U sa -PNy2x -p\n"), ["Ny2x"]);
        assert_eq!(
            shaped("sh -c \"redis-cli -h cache -a Ny4x ping\"\n"),
            ["Ny4x"]
        );
        assert_eq!(shaped("run: sshpass -p Ny5x ssh -p 22 backup\n"), ["Ny5x"]);
        assert_eq!(
            shaped("archive_command = 'sshpass -pNy6x scp -P 22 %p b:/w/%f'\n"),
            ["Ny6x"]
        );
        // The first `-p` after each `sshpass` is its own; `scp -p` is the command's.
        assert_eq!(
            shaped("(`sshpass -p Ny8x scp -p a b:/c` here, `sshpass -p Ny9x scp -p a b:/d`)"),
            ["Ny8x", "Ny9x"]
        );
        // Other options, and the options of lines that run no such client.
        assert!(shaped("redis-cli -p 6379 ping\nsqlcmd -S db -E -p\nscp -P 2222 a b\n").is_empty());
        assert!(shaped("psql -a -P pager=off\n").is_empty());
    }

    /// Audit: userinfo without a scheme, as MySQL Shell takes it, was shown.
    #[test]
    fn schemeless_userinfo_of_mysql_shell_is_found() {
        assert_eq!(shaped("mysqlsh --uri root:Ny3x@db:3306\n"), ["Ny3x"]);
        assert_eq!(shaped("run --uri=root:Ny7x@db\n"), ["Ny7x"]);
        assert_eq!(
            shaped("command: sh -c \"mysqlsh app:Nf5x@db && true\"\n"),
            ["Nf5x"]
        );
        // Not an image's digest, nor userinfo without a password.
        assert!(shaped("image: postgres:16@sha256:0a1b\n").is_empty());
        assert!(shaped("mysqlsh root@db:3306 --sql\n").is_empty());
    }

    #[test]
    fn auth_file_and_pgpass_lines_are_masked() {
        assert_eq!(
            shaped("\"app\" \"md5a3556571e93b0d20722ba62be61e8c2d\"\n  \"o\"\"k\"  \"SCRAM-SHA-256$4096:x$y:z\"\n"),
            ["md5a3556571e93b0d20722ba62be61e8c2d", "SCRAM-SHA-256$4096:x$y:z"]
        );
        assert_eq!(
            shaped("db.internal:5432:app:app:Pgpass-Pw-42\n*:*:*:rep:a\\:b\n"),
            ["Pgpass-Pw-42", "a\\:b"]
        );
        // Commented out, a space or a colon in the password: libpq reads to the end.
        assert_eq!(
            shaped("# db:5432:app:app:Commented6\ndb:5432:app:app:pa:ss3 x\n"),
            ["Commented6", "pa:ss3 x"]
        );
        assert_eq!(
            shaped("ssl_passphrase_command = 'echo Tr0ub4dor-key'\n"),
            ["echo Tr0ub4dor-key"]
        );
        assert_eq!(
            shaped("wsrep_sst_auth = \"sstuser:Galera-Pw-77\"\n"),
            ["sstuser:Galera-Pw-77"]
        );
        // Lines PgBouncer skips (`;`) or stops at (a quote never closed) still hold one.
        assert_eq!(
            shaped(";\"old\" \"md5Skipped0ld\"\n  \"bob\" \"SCRAM-Unclosed-9  \n"),
            ["md5Skipped0ld", "SCRAM-Unclosed-9"]
        );
        // Not an auth file's line: a port that is no number, spaces, a key and value.
        assert!(shaped("a:b:c:d:e\nhost: db:5432:x:y:z\n\"key\": \"value\"\n\"a\" b\n").is_empty());
    }

    /// Lines of a value YAML folds or a `.properties` continuation joins are scrubbed
    /// as the reader joins them; a secret shorter than 4 characters where a message
    /// quotes it whole.
    #[test]
    fn secrets_are_scrubbed_in_the_forms_a_message_quotes() {
        let has = |text: &str, form: &str| joined_lines(text).iter().any(|f| f == form);
        for form in ["Corr3ct Horse", "Corr3ct\nHorse", "Corr3ctHorse"] {
            assert!(has("Corr3ct\n      Horse", form), "{form}");
        }
        assert_eq!(joined_lines(">-\n  Corr3ct\n  Horse")[0], "Corr3ct Horse");
        assert!(has("ContZQ4\\\n    2ContZQ43", "ContZQ42ContZQ43"));
        // A blank line is a line break; a deeper line keeps its indentation; escapes
        // decode after the join.
        assert!(has("Blk1Line\n\n  Blk2Line", "Blk1Line\nBlk2Line"));
        assert!(has(
            "|2-\n    Blk1Line\n      Blk2Line",
            "Blk1Line\n  Blk2Line"
        ));
        assert!(has("Zq9\\x45sc-\n  Tail3", "Zq9Esc- Tail3"));
        let scrubber = Scrubber::new(vec!["x9!".to_owned(), "Corr3ct Horse".to_owned()]);
        let mut message =
            "size `x9!` cannot be read ('x9!'), x9! stays; `Corr3ct Horse`".to_owned();
        scrubber.scrub(&mut message);
        assert_eq!(
            message,
            "size `****` cannot be read ('****'), x9! stays; `****`"
        );
    }

    #[test]
    fn url_passwords_are_found_whatever_they_hold() {
        assert_eq!(shaped("postgres://u:p4ss@db/x"), ["p4ss"]);
        // No driver reads these as userinfo; they are still secrets.
        assert_eq!(shaped("jdbc:postgresql://u:a/b?c@db:5432/x"), ["a/b?c"]);
        assert_eq!(shaped("url: \"mysql://root:p@ss@db/x\" # old"), ["p@ss"]);
        assert_eq!(
            shaped("[\"--db\", \"postgres://a:S3cr3t@db/app\"]"),
            ["S3cr3t"]
        );
        // No userinfo, or no password in it.
        assert!(shaped("https://www.pgbouncer.org/config.html and x@y").is_empty());
        assert!(shaped("postgres://user@db/x").is_empty());
        assert!(shaped("postgres://u:${DB_PASSWORD}@db/x").is_empty());
        // A password holding what ends a token, up to the first `@` before a `/`.
        assert_eq!(
            shaped("url: postgres://u:ZQ1 ?x=ZQ2@db/x\n"),
            ["ZQ1 ?x=ZQ2"]
        );
        assert_eq!(shaped("postgres://u:a\"b`c@db/x"), ["a\"b`c"]);
        assert!(shaped("postgres://db/x see admin@example.com").is_empty());
        assert!(shaped("postgres://db\nuser: a:b@c").is_empty());
    }

    #[test]
    fn url_parameters_named_in_percent_encoding_are_found() {
        assert_eq!(
            shaped("postgres://db/x?pass%77ord=ZQ3&sslmode=require"),
            ["ZQ3"]
        );
        assert_eq!(shaped("mysql://db/x?db_p%61ss=ZQ4"), ["ZQ4"]);
        assert!(shaped("postgres://db/x?applic%61tion_name=app").is_empty());
    }

    #[test]
    fn values_of_password_keys_are_found_in_any_form() {
        assert_eq!(shaped("PGPASSWORD=s3cret psql -h db"), ["s3cret"]);
        assert_eq!(shaped("run --db-password=s3cret --pool 5"), ["s3cret"]);
        assert_eq!(shaped("Host=db;Pwd=s3cret;Pooling=true"), ["s3cret"]);
        assert_eq!(
            shaped("{\"password\": \"s3 cret\", \"max\": 5}"),
            ["s3 cret"]
        );
        assert_eq!(
            shaped("  # password: old secret\n  pool: 5\n"),
            ["old secret"]
        );
        assert_eq!(shaped("{passwd: s3cret, pool: 5}"), ["s3cret"]);
        // Misspelt keys (read by no reader, shown next to the unknown-key finding).
        assert_eq!(shaped("    pasword: Hunter3Secret\n"), ["Hunter3Secret"]);
        assert_eq!(shaped("db.Passwort=geheim1\n"), ["geheim1"]);
        assert_eq!(shaped("DB_PASSOWRD=s3cret\n"), ["s3cret"]);
        assert_eq!(shaped("hikari.passwrd=s3cret\n"), ["s3cret"]);
        // Separators escaped into the key (one key to Java, but the team's password).
        for written in ["\\=", "\\:", "\\t", "\\ ", "\\u003d", "\\u003A", "\\u0009"] {
            let line = format!("spring.datasource.password{written}Zq9Sep1\n");
            assert_eq!(shaped(&line), ["Zq9Sep1"], "{line}");
        }
        // Spring map keys in brackets, in .properties and YAML.
        assert_eq!(
            shaped("hikari.data-source-properties[password]=Zq9SecB1\n"),
            ["Zq9SecB1"]
        );
        assert_eq!(shaped("props.[password]=Zq9SecB2\n"), ["Zq9SecB2"]);
        assert_eq!(shaped("  \"[password]\": Zq9SecB3\n"), ["Zq9SecB3"]);
        assert_eq!(shaped("  {'[password]': Zq9SecB4}\n"), ["Zq9SecB4"]);
        assert_eq!(shaped("password = 'a b' x"), ["a b"]);
        assert_eq!(shaped("password: ${DB_PW:s3cret}"), ["s3cret"]);
        assert_eq!(shaped("PGPASSWORD=${PW:-s3cret} psql"), ["s3cret"]);
        // Keys that only contain the word, references and absent values.
        assert!(shaped("password_file: /run/secrets/db\nmax-password-length: 20").is_empty());
        assert!(
            shaped("password: ${DB_PASSWORD}\npassword=$PW\npassword: {{ .Values.pw }}").is_empty()
        );
        assert!(shaped("password:\n  file: x\n").is_empty());
    }

    #[test]
    fn ruby_literals_given_to_password_names_are_found() {
        // puma.rb, or an ERB control tag of database.yml.
        assert_eq!(shaped("ENV[\"DATABASE_PASSWORD\"] ||= \"RB1\"\n"), ["RB1"]);
        assert_eq!(shaped("ENV['DB_PASSWORD'] = 'RB2'\n"), ["RB2"]);
        assert_eq!(shaped("ENV[\"DB_PASSWORD\"]='R\\\"B3' if x\n"), ["R\\\"B3"]);
        assert_eq!(shaped("ENV.store(\"DB_PASSWORD\", \"RB4\")\n"), ["RB4"]);
        assert_eq!(shaped("ENV.fetch(\"DB_PASSWORD\", \"RB5\")\n"), ["RB5"]);
        assert_eq!(shaped("ENV.fetch( 'DB_PASSWORD' ) { \"RB6\" }\n"), ["RB6"]);
        assert_eq!(shaped("<% ENV[\"DB_PASSWORD\"] ||= \"RB7\" %>\n"), ["RB7"]);
        assert_eq!(shaped("connect(\"password\" => \"RB8\")\n"), ["RB8"]);
        assert_eq!(shaped("ENV.fetch \"DB_PASSWORD\", 'RB9'\n"), ["RB9"]);
        assert_eq!(
            shaped("ENV.fetch(\"DB_PASSWORD\") do \"RB10\" end\n"),
            ["RB10"]
        );
        // Percent literals and heredocs are Strings too, over lines and with what ends
        // other values inside.
        assert_eq!(shaped("ENV[\"DB_PASSWORD\"] ||= %q(R B11)\n"), ["R B11"]);
        assert_eq!(
            shaped("ENV.fetch(\"DB_PASSWORD\") { %Q[R(B)12] }\n"),
            ["R(B)12"]
        );
        assert_eq!(shaped("ENV['DB_PASSWORD'] = %(R(B)13)\n"), ["R(B)13"]);
        assert_eq!(shaped("\"password\" => %q|RB14 x|,\n"), ["RB14 x"]);
        assert_eq!(
            shaped("ENV.store(\"DB_PASSWORD\", %q{RB15\n  RB16})\n"),
            ["RB15\n  RB16"]
        );
        assert_eq!(
            shaped("ENV[\"DB_PASSWORD\"] = <<~EOS.chomp\n  RB17\n  RB18\n  EOS\nthreads 5\n"),
            ["  RB17\n  RB18"]
        );
        assert_eq!(
            shaped("ENV.fetch(\"DB_PASSWORD\", <<-'PW')\nRB19\nPW\n"),
            ["RB19"]
        );
        // A plain heredoc's identifier ends it only unindented; one never ended runs to
        // the end (Ruby refuses the file).
        assert_eq!(
            shaped("ENV[\"DB_PASSWORD\"] = <<PW\nRB20\n PW\nPW\n"),
            ["RB20\n PW"]
        );
        assert_eq!(shaped("ENV[\"DB_PASSWORD\"] = <<~PW\nRB21\n"), ["RB21\n"]);
        // A percent literal after a password key of a Ruby hash or variable, whole.
        assert_eq!(shaped("  password: %q(RB22, RB23),\n"), ["%q(RB22, RB23)"]);
        assert_eq!(shaped("db_password = %Q[RB24 RB25]\n"), ["%Q[RB24 RB25]"]);
        assert_eq!(shaped("password: %(RB26)RB27\n"), ["%(RB26)RB27"]);
        // `%w[…]` is an Array, `%` then a blank no literal.
        assert!(shaped("ENV[\"DB_PASSWORD\"] = %w[a b].first\n").is_empty());
        // No literal, or no assignment: nothing is a secret.
        assert!(shaped("ENV[\"DB_PASSWORD\"] = credentials.db\n").is_empty());
        assert!(shaped("ENV.fetch(\"DB_PASSWORD\")\nx = \"y\"\n").is_empty());
        assert!(shaped("if ENV[\"DB_PASSWORD\"] == \"\"\n").is_empty());
        assert!(shaped("puts(\"DB_PASSWORD\")\n").is_empty());
    }

    #[test]
    fn values_the_audit_found_shown_are_found() {
        // MySQL Connector/J's multi-factor passwords.
        assert_eq!(
            shaped("jdbc:mysql://h/app?user=a&password1=ZX1&x=1"),
            ["ZX1"]
        );
        // A key and its value separated by spaces alone, first on its line.
        assert_eq!(shaped("DB_PASSWORD ZX2\n"), ["ZX2"]);
        assert_eq!(shaped("export PGPASSWORD ZX3 \nX=1"), ["ZX3"]);
        assert_eq!(shaped("[client]\npassword ZX4\n"), ["ZX4"]);
        assert!(shaped("# password rotation is monthly\n").is_empty());
        // A YAML value on the line after its key.
        assert_eq!(
            shaped("spring:\n  password:\n    ZX5\n   hikari:\n"),
            ["ZX5"]
        );
        // Pieces without `=` after a separator are the password's.
        assert_eq!(shaped("#spring.datasource.password=ZX6,Q7W\n"), ["ZX6,Q7W"]);
        assert_eq!(shaped("app = host=db password=ZX7 Q7W\n"), ["ZX7 Q7W"]);
        assert_eq!(shaped("app = host=db password=ZX7 port=5432\n"), ["ZX7"]);
        assert_eq!(
            shaped("Server=h;Password=ZX8;Q7W;Pooling=true"),
            ["ZX8;Q7W"]
        );
        assert_eq!(
            shaped("jdbc:postgresql://h/x?password=ZX9&Q7W&ssl=true"),
            ["ZX9&Q7W"]
        );
        assert_eq!(shaped("PGPASSWORD=s3cret psql -h db"), ["s3cret"]);
        assert_eq!(shaped("run --password s3cret --pool 5"), ["s3cret"]);
        assert_eq!(shaped("DB_PW=ZX10\napp.db-pw: ZX11\n"), ["ZX10", "ZX11"]);
        assert!(shaped("npw=1\n").is_empty());
        // What the verification audit found masked too much, or too little.
        assert!(shaped("  url: postgres://db:5432?pool=abc # owner: dba@example.com\n").is_empty());
        assert!(shaped("url: postgres://app@db.corp.pw:5432/app?sslmode=disable\n").is_empty());
        assert!(shaped("url: postgres://app@bypass:5432/app\n").is_empty());
        assert_eq!(
            shaped("app = host=db password=ZX12 pool_size = abc\n"),
            ["ZX12"]
        );
        assert_eq!(
            shaped("url: postgres://app@db/app?pass%77ord=ZX13&Q7W&sslmode=disable\n"),
            ["ZX13&Q7W"]
        );
        assert_eq!(shaped("postgres://db/app?pass%77ord2=ZX14\n"), ["ZX14"]);
        // Keys after `:` or `/` that are no host's (DB2's `:password=`, a PDO DSN).
        assert_eq!(
            shaped("url: jdbc:db2://h:50000/SAMPLE:password=ZX15;user=u;\n"),
            ["ZX15"]
        );
        assert_eq!(shaped("DB_DSN=pgsql:password=ZX16;host=db\n"), ["ZX16"]);
        assert_eq!(shaped("x/password: ZX17\nk:db_pw=ZX18\n"), ["ZX17", "ZX18"]);
    }

    #[test]
    fn values_over_several_lines_are_found_whole() {
        // A quoted value closed on a later line (YAML, `.env`, a connection string),
        // through the lines between.
        assert_eq!(
            shaped("spring:\n  password: \"a1\n    b2\n\n    c3\"\n  pool: 5\n"),
            ["a1\n    b2\n\n    c3"]
        );
        assert_eq!(shaped("PW=1\nDB_PASSWORD=\"a1\nb2\"\nX=1\n"), ["a1\nb2"]);
        assert_eq!(
            shaped("app = host=db password='a1\n  b2' pool_size=5\n"),
            ["a1\n  b2"]
        );
        // Never closed (a file that does not parse): the lines indented deeper than the
        // key, not the file's later keys.
        assert_eq!(
            shaped("  db:\n    password: \"a1\n      b2\n  hikari: [\n"),
            ["a1\n      b2"]
        );
        assert_eq!(shaped("password=\"a1\nnext=1\n"), ["a1"]);
        // A YAML plain value goes on over deeper lines that are not keys or comments.
        assert_eq!(
            shaped("  password: a1\n    b2\r\n    c3\n    # d4\n  pool: 5\n"),
            ["a1\n    b2\r\n    c3"]
        );
        assert_eq!(shaped("    password: a1\n      key: b2\n"), ["a1"]);
        assert_eq!(shaped("  # password: a1\n  pool: 5\n"), ["a1"]);
        assert_eq!(shaped("{password: a1,\n   pool: 5}"), ["a1"]);
    }

    #[test]
    fn command_lines_and_driver_forms_are_found() {
        assert_eq!(
            shaped("test: mysqladmin ping -h db -uroot -ps3cret"),
            ["s3cret"]
        );
        assert_eq!(shaped("[\"CMD\", \"mysql\", \"-ps3cret\"]"), ["s3cret"]);
        assert!(shaped("mysql -p --port 3306").is_empty());
        // Only a line that names the client, in any case, holds its password.
        assert_eq!(
            shaped("run -pNotOne\n  MariaDB-Admin ping -pS3cret"),
            ["S3cret"]
        );
        assert!(shaped("psql -p 5432 -h db").is_empty());
        assert_eq!(shaped("command: psql --password s3cret -h db"), ["s3cret"]);
        assert_eq!(shaped("[\"psql\", \"--password\", \"s3cret\"]"), ["s3cret"]);
        assert!(shaped("psql --password\n  -h db").is_empty());
        assert_eq!(
            shaped("jdbc:oracle:thin:scott/t1ger@db:1521/ORCL"),
            ["t1ger"]
        );
        assert_eq!(shaped("Server=db;Pwd={a;b}}c};Pooling=true"), ["{a;b}}c}"]);
        assert_eq!(shaped("Host=db;PSW=s3cret;"), ["s3cret"]);
    }

    #[test]
    fn audit_regressions_of_the_escape_and_option_shapes() {
        // A shell's single quotes escape nothing: the value ends at the next quote.
        assert_eq!(
            shaped("PGPASSWORD='Kq\\' psql -h db.internal -p 5432\n"),
            ["Kq\\"]
        );
        // An ending inside a word is no password option.
        assert!(shaped("run --bypass db.internal --compass north\n").is_empty());
        assert_eq!(shaped("run --db_pass s3cret\n"), ["s3cret"]);
        // A comment or blank line between a block-list option and its argument.
        assert_eq!(
            shaped("args:\n  - --password\n  # the secret\n\n  - Kq15\n  - --port\n"),
            ["Kq15"]
        );
    }

    #[test]
    fn quoted_values_run_past_their_escaped_quotes() {
        assert_eq!(
            shaped("    password: \"Zq9\\\"Tail02\"\n"),
            ["Zq9\\\"Tail02"]
        );
        assert_eq!(shaped("    password: 'Zq9''Tail03'\n"), ["Zq9''Tail03"]);
        assert_eq!(
            shaped("{ \"db_pw\": \"Zq9\\\"Tail01\" },"),
            ["Zq9\\\"Tail01"]
        );
        assert_eq!(shaped("SMTP_PW=\"Zq9\\\"Tail05\"\n"), ["Zq9\\\"Tail05"]);
        assert_eq!(shaped("password=\"Zq9\\\"Tail04\"\n"), ["Zq9\\\"Tail04"]);
        // my.cnf and libpq escape in single quotes too; YAML does not.
        assert_eq!(shaped("password='Kq\\'tail'\n"), ["Kq\\'tail"]);
        assert_eq!(shaped("password: 'C:\\' # x\n"), ["C:\\"]);
        assert_eq!(shaped("a: \"x\\\\\" password: \"b\\\\\" c\""), ["b\\\\"]);
        // An escaped quote inside a string quoted around the option.
        assert_eq!(shaped("  cmd: \"--password=Kq7\\\" T7\"\n"), ["Kq7\\\" T7"]);
        // Over lines, a doubled quote does not close the value.
        assert_eq!(
            shaped("  password: 'a1\n    b''2'\n  pool: 5\n"),
            ["a1\n    b''2"]
        );
    }

    #[test]
    fn every_key_ending_is_found_whatever_ending_overlaps_it() {
        for ending in PASSWORD_KEY_ENDINGS {
            assert_eq!(shaped(&format!("DB{ending}=Kq1\n")), ["Kq1"], "{ending}");
        }
        // A key made of two endings that overlap (`_pw` and `pwd` make `_pwd`).
        for first in PASSWORD_KEY_ENDINGS {
            for second in PASSWORD_KEY_ENDINGS {
                for shared in 1..second.len() {
                    let head = second.get(..shared).unwrap_or_default();
                    if first.len() > shared && first.ends_with(head) {
                        let key = format!("{first}{}", second.get(shared..).unwrap_or_default());
                        assert_eq!(shaped(&format!("{key}=Kq2\n")), ["Kq2"], "{key}");
                    }
                }
            }
        }
        assert_eq!(shaped("MYSQL_PWD=Kq3 mysql -h db"), ["Kq3"]);
        assert_eq!(shaped("# DB_PWD=Kq4\n  secret_pwd: Kq5\n"), ["Kq4", "Kq5"]);
        assert_eq!(shaped("java -jar app.jar --db-pwd=Kq6"), ["Kq6"]);
        assert_eq!(shaped("java -jar app.jar --db-pwd Kq7"), ["Kq7"]);
        assert!(shaped("DB_PWDX=1\ncd $PWD\n").is_empty());
    }

    #[test]
    fn options_take_their_next_argument_in_every_list_form() {
        assert_eq!(
            shaped("command: java -jar app.jar --db-password Kq1 --db.password Kq2"),
            ["Kq1", "Kq2"]
        );
        assert_eq!(shaped("run --spring.datasource.password Kq3 -x"), ["Kq3"]);
        assert_eq!(
            shaped("args: [\"--spring.datasource.password\", \"Kq4\"]"),
            ["Kq4"]
        );
        assert_eq!(shaped("args: [\"--db.password\", \"Kq5\"]"), ["Kq5"]);
        assert_eq!(
            shaped("\"args\": [\n  \"--password\",\n  \"Kq6\"\n]"),
            ["Kq6"]
        );
        // YAML block sequences: Kubernetes `args`, a compose `command`.
        assert_eq!(
            shaped("  args:\n    - --password\n    - Kq7 x\n    - --pool\n"),
            ["Kq7 x"]
        );
        assert_eq!(
            shaped("command:\n  - java\n  - --spring.datasource.password\r\n  - Kq8\n"),
            ["Kq8"]
        );
        assert_eq!(
            shaped("args:\n  - \"--password\"\n  - \"Kq9\\\"x\"\n"),
            ["Kq9\\\"x"]
        );
        // Unquoted flow sequences.
        assert_eq!(shaped("args: [--password, Kq10]"), ["Kq10"]);
        assert_eq!(shaped("args: [-v, --db-password, Kq11, --x]"), ["Kq11"]);
        // Another option, or no list, is no argument.
        assert!(shaped("args:\n  - --password\n  - --verbose\n").is_empty());
        assert!(shaped("args: [--password, --verbose]").is_empty());
        assert!(shaped("run --password\n- x\n").is_empty());
        assert!(shaped("use --password, or a token").is_empty());
    }

    #[test]
    fn keys_named_with_escapes_are_decoded() {
        assert_eq!(
            shaped("{\n  \"Pass\\u0077ord\": \"Zq9JsonKey11\",\n}"),
            ["Zq9JsonKey11"]
        );
        assert_eq!(
            shaped("\"A\": \"Server=db;Pass\\u0077ord=Kq6;x=1\""),
            ["Kq6"]
        );
        assert_eq!(shaped("\\x70wd: Kq7\n"), ["Kq7"]);
        assert!(shaped("\"Pass\\u0077ordFile\": \"x\", \"\\u0041\": \"y\"").is_empty());
    }

    /// Audit finding: a TLS key's passphrase and an inline PEM private key in a
    /// knexfile, and `DB_SSL_KEY_PASSPHRASE=` in `.env`, were shown as written.
    #[test]
    fn passphrases_are_found_in_every_form() {
        assert_eq!(
            shaped("{\"ssl\": {\"passphrase\": \"Zq9Pass1\", \"ca\": \"x\"}}"),
            ["Zq9Pass1"]
        );
        assert_eq!(shaped("DB_SSL_KEY_PASSPHRASE=Zq9Pass2\n"), ["Zq9Pass2"]);
        assert_eq!(shaped("  sslpassphrase: Zq9Pass3\n"), ["Zq9Pass3"]);
        assert_eq!(shaped("key.passphrase=Zq9Pass4\n"), ["Zq9Pass4"]);
        assert_eq!(shaped("run --passphrase Zq9Pass5 -x"), ["Zq9Pass5"]);
        // PostgreSQL's command that prints the passphrase may hold it (`echo …`).
        assert_eq!(
            shaped("ssl_passphrase_command = '/bin/key-phrase %p'\n"),
            ["/bin/key-phrase %p"]
        );
        assert!(shaped("ssl_passphrase_command_supports_reload = on\n").is_empty());
        assert!(shaped("passphrase: ${KEY_PASSPHRASE}\n").is_empty());
    }

    /// Audit finding: `DB_PWD_ENC=` was shown as written; an encrypted or encoded
    /// password is the password to whoever holds the key (or to anyone: base64).
    #[test]
    fn encrypted_and_encoded_passwords_are_found() {
        assert_eq!(shaped("DB_PWD_ENC=Zq9Enc1\n"), ["Zq9Enc1"]);
        assert_eq!(shaped("DB_PASSWORD_ENCRYPTED=Zq9Enc2\n"), ["Zq9Enc2"]);
        assert_eq!(shaped("  password.b64: Zq9Enc3\n"), ["Zq9Enc3"]);
        assert_eq!(shaped("db-pass-base64=Zq9Enc4\n"), ["Zq9Enc4"]);
        // Other words after a password's name are other keys.
        assert!(shaped("password-encoder: bcrypt\nDB_PWD_ENCRYPTION=aes\n").is_empty());
        assert!(shaped("DB_PASSWORD_FILE=/run/secrets/db\n").is_empty());
    }

    /// Audit finding: a PEM private key inline in a JSON string (node-postgres
    /// `ssl.key`) was shown as written. Its body is masked in every form, the markers
    /// stay.
    #[test]
    fn private_key_blocks_are_masked_in_every_form() {
        // One line with `\n` escapes (JSON, a YAML double-quoted string).
        assert_eq!(
            shaped("\"key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEv+Zq9/Key1==\\n-----END PRIVATE KEY-----\""),
            ["MIIEv+Zq9/Key1=="]
        );
        // A YAML block scalar and a `.env` quoted value over lines.
        assert_eq!(
            shaped("ssl:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIEZq9Key2\n    Zq9Key3==\n    -----END RSA PRIVATE KEY-----\n  ca: x\n"),
            ["MIIEZq9Key2\n    Zq9Key3=="]
        );
        assert_eq!(
            shaped("DB_SSL_KEY=\"-----BEGIN EC PRIVATE KEY-----\r\nZq9Key4\r\n-----END EC PRIVATE KEY-----\"\n"),
            ["Zq9Key4"]
        );
        // Headers of an encrypted key, OpenSSH's and PGP's labels.
        assert_eq!(
            shaped("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,AB12\n\nZq9Key5\n-----END RSA PRIVATE KEY-----\n"),
            ["Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,AB12\n\nZq9Key5"]
        );
        assert_eq!(
            shaped(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nZq9Key6\n-----END OPENSSH PRIVATE KEY-----"
            ),
            ["Zq9Key6"]
        );
        assert_eq!(
            shaped("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nZq9Key7\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----"),
            ["Zq9Key7\n=AbCd"]
        );
        assert_eq!(
            shaped("k: \"-----BEGIN ENCRYPTED PRIVATE KEY-----\\nZq9Key8\\n-----END ENCRYPTED PRIVATE KEY-----\""),
            ["Zq9Key8"]
        );
        // Cut short: to where the text stops looking like a key's.
        assert_eq!(
            shaped("\"key\": \"-----BEGIN PRIVATE KEY-----\\nZq9Key9\\n\", \"ca\": \"x\""),
            ["Zq9Key9"]
        );
        // Certificates and public keys are no secrets.
        assert!(shaped("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n").is_empty());
    }

    /// Many keys, cut short or not, on one line: each body is read once.
    #[test]
    fn private_key_blocks_are_found_in_one_pass() {
        let block = "-----BEGIN PRIVATE KEY-----Zq9-----END PRIVATE KEY-----";
        let text = block.repeat(20_000);
        assert_eq!(private_key_blocks(&text).len(), 20_000);
        let cut = "-----BEGIN PRIVATE KEY-----Zq9".repeat(20_000);
        assert_eq!(private_key_blocks(&cut).len(), 1);
    }

    #[test]
    fn references_are_not_scrubbed_from_messages() {
        let at = crate::model::Location {
            file: crate::source::FileId(0),
            span: Span::default(),
        };
        let secret = crate::ecosystems::masked(at, "db.password", "password key");
        assert!(scrub_texts(&secret, "${DB_PASSWORD}").is_empty());
        assert!(scrub_texts(&secret, "\"$DB_PASSWORD\"").is_empty());
        assert_eq!(scrub_texts(&secret, "\"s3cret\""), ["\"s3cret\"", "s3cret"]);
    }

    #[test]
    fn messages_lose_credential_shaped_text() {
        let mut message = "connects with postgres://u:a/b@db/x and PGPASSWORD=s3cret".to_owned();
        mask_credential_shapes(&mut message);
        assert_eq!(
            message,
            "connects with postgres://u:****@db/x and PGPASSWORD=****"
        );
        let mut plain =
            "set maximum-pool-size: 10 (https://github.com/brettwooldridge/HikariCP)".to_owned();
        mask_credential_shapes(&mut plain);
        assert!(plain.ends_with("HikariCP)"));
    }

    /// Texts findings share ([`crate::rules::Findings`]) are masked once for all of
    /// them; a text of the same words held apart is masked too, and clean texts stay.
    #[test]
    fn findings_sharing_a_text_all_lose_its_credentials() {
        let meta = crate::rules::find("pool-size-invalid").unwrap().meta();
        let finding = |start: usize, message: Text| {
            let at = crate::model::Location {
                file: crate::source::FileId(0),
                span: Span::new(start, start + 1),
            };
            let d = crate::diagnostic::Diagnostic::new(
                meta,
                crate::diagnostic::Severity::Warning,
                at,
                message,
            );
            d.with_help("set maximum-pool-size")
        };
        let leaky: Text = "connects with postgres://u:s3cret@db/x".into();
        let mut report = Report {
            diagnostics: vec![
                finding(0, leaky.clone()),
                finding(5, leaky),
                finding(9, "connects with postgres://u:s3cret@db/x".into()),
            ],
            ..Report::default()
        };
        redact(&Model::default(), ScrubTexts::default(), &mut report);
        for d in &report.diagnostics {
            assert_eq!(&*d.message, "connects with postgres://u:****@db/x");
            assert_eq!(d.help.as_deref(), Some("set maximum-pool-size"));
        }
    }
}
