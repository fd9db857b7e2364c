//! Connection URLs and strings: JDBC (`jdbc:postgresql://h/db?socketTimeout=30`,
//! `jdbc:sqlserver://h;databaseName=x`), libpq URLs (`postgres://u:p@h/db?sslmode=...`)
//! and key/value strings (`host=h password=p`, `Server=h;Password=p`). Every part keeps
//! its byte range inside the string, so diagnostics and redaction point into it.

use std::ops::Range;

/// A parameter of a connection string, with byte ranges into the string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub name_range: Range<usize>,
    pub value: String,
    pub value_range: Range<usize>,
}

/// What a connection string says, with byte ranges into it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedConnection {
    /// Engine named by the scheme or sub-protocol (`postgresql`, `mysql`, ...).
    pub engine: Option<String>,
    pub host: Option<(String, Range<usize>)>,
    /// Password in the URL's userinfo (`user:secret@`).
    pub userinfo_password: Option<Range<usize>>,
    /// The database user: the URL's userinfo, else `user`/`username`/`User ID`.
    pub user: Option<String>,
    /// Database name: the URL path, or `dbname`/`database`/`Initial Catalog`.
    pub database: Option<String>,
    pub params: Vec<Param>,
}

impl ParsedConnection {
    /// The parameter called `name` (case-insensitive), last one wins.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params
            .iter()
            .rev()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// Normalise scheme names to the engine names the model uses; a SQLAlchemy driver
/// suffix (`postgresql+psycopg2`) names the same engine.
fn engine_of(scheme: &str) -> String {
    let engine = scheme.split('+').next().unwrap_or(scheme);
    match engine.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" | "pgsql" => "postgresql".into(),
        other => other.into(),
    }
}

/// Parse a URL-shaped connection string (`jdbc:...` or `scheme://...`). None when the
/// text is not one.
pub fn parse_url(text: &str) -> Option<ParsedConnection> {
    let (body_start, scheme) = scheme_of(text)?;
    let mut parsed = ParsedConnection {
        engine: Some(engine_of(scheme)),
        ..Default::default()
    };
    let rest = text.get(body_start..)?;
    let Some(after_slashes) = rest.strip_prefix("//") else {
        // `jdbc:oracle:thin:@host`, `jdbc:h2:mem:x`: no authority to read.
        return Some(parsed);
    };
    let authority_start = body_start + 2;
    let host_start = userinfo_end(after_slashes).map_or(0, |at| at + 1);
    let authority_len = after_slashes
        .get(host_start..)
        .and_then(|hosts| hosts.find(['/', '?', ';']))
        .map_or(after_slashes.len(), |end| host_start + end);
    let authority = after_slashes.get(..authority_len)?;
    read_authority(authority, authority_start, &mut parsed);
    let tail_start = authority_start + authority_len;
    let tail = text.get(tail_start..)?;
    parsed.database = tail
        .strip_prefix('/')
        .map(|path| &path[..path.find(['?', ';', '#']).unwrap_or(path.len())])
        .filter(|name| !name.is_empty())
        .map(str::to_owned);
    if let Some(q) = tail.find('?') {
        let first = parsed.params.len();
        read_pairs(text, tail_start + q + 1, &['&'], &mut parsed.params);
        // Drivers decode a query's percent-escapes (`?pool=%31%30` is 10), and libpq
        // and Active Record its names too (`pass%77ord` is `password`).
        for param in parsed.params.iter_mut().skip(first) {
            for text in [&mut param.name, &mut param.value] {
                if text.contains('%') {
                    *text = percent_encoding::percent_decode_str(text)
                        .decode_utf8_lossy()
                        .into_owned();
                }
            }
        }
    }
    if let Some(s) = tail.find(';') {
        // SQL Server style: `jdbc:sqlserver://h:1433;databaseName=x;socketTimeout=3`.
        read_pairs(text, tail_start + s + 1, &[';'], &mut parsed.params);
    }
    // Whatever a password may be read to hold (the masker's reading: from the first
    // `:` to the token's last `@`) is never a host or a parameter, so no output quotes
    // part of it as one.
    if let Some(secret) =
        masked_userinfo(after_slashes).map(|r| r.start + authority_start..r.end + authority_start)
    {
        let overlaps = |r: &Range<usize>| r.start < secret.end && secret.start < r.end;
        if parsed.host.as_ref().is_some_and(|(_, r)| overlaps(r)) {
            parsed.host = None;
            parsed.user = None;
        }
        parsed
            .params
            .retain(|p| !overlaps(&p.name_range) && !overlaps(&p.value_range));
    }
    if parsed.database.is_none() {
        parsed.database = last_value(&parsed.params, DATABASE_PARAMS);
    }
    if parsed.user.is_none() {
        parsed.user = last_value(&parsed.params, USER_PARAMS);
    }
    Some(parsed)
}

/// Where a URL's userinfo ends (its `@`), in the text after `//`: the last `@`, so a
/// password may hold `/`, `;`, `#`, `=` or `@` (`app:Top,Sec/ret9@db`,
/// `app:c2Vj/cmV0==@db`), unless what precedes it holds a query (`?user=ops@corp`: a
/// parameter's value) or a `/` before any `:` (`hq.example.com/my@db`: the path); then
/// the `@` before it, if any.
fn userinfo_end(after_slashes: &str) -> Option<usize> {
    let mut end = after_slashes.len();
    loop {
        let at = after_slashes.get(..end)?.rfind('@')?;
        let userinfo = after_slashes.get(..at)?;
        // `…?user=ops@corp`: a parameter's value, not userinfo.
        let in_query = userinfo
            .find('?')
            .is_some_and(|q| userinfo.get(q..).is_some_and(|query| query.contains('=')));
        let slash = userinfo.find('/');
        let password_first = userinfo
            .find(':')
            .is_some_and(|c| slash.is_none_or(|s| c < s));
        if !in_query && (slash.is_none() || password_first) {
            return Some(at);
        }
        end = at;
    }
}

/// The range a password may hold in the text after `//`, as the masker reads a URL
/// (`redact::userinfo_password_range`: from the first `:` to the token's last `@`):
/// `app:ZG1=ZG2?sslmode=disable&x=ZG3@db`. Not when that range is a port and then a
/// path or query (`db:5432/app?application_name=a@b`, `db:5432?…`): a password is
/// read then only as a parameter.
fn masked_userinfo(after_slashes: &str) -> Option<Range<usize>> {
    let range = crate::redact::userinfo_password_range(after_slashes).0?;
    let span = after_slashes.get(range.clone())?;
    let digits = span.bytes().take_while(u8::is_ascii_digit).count();
    let port_then_query = digits > 0 && span.as_bytes().get(digits) == Some(&b'?');
    (!port_then_query && !span.contains('/')).then_some(range)
}

/// `jdbc:postgresql:` → (offset after it, "postgresql"); `postgres://` → (offset of `//`, "postgres").
fn scheme_of(text: &str) -> Option<(usize, &str)> {
    let (offset, rest) = match text.strip_prefix("jdbc:") {
        Some(rest) => (5, rest),
        None => (0, text),
    };
    let colon = rest.find(':')?;
    let scheme = rest.get(..colon)?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid || (offset == 0 && !rest.get(colon + 1..)?.starts_with("//")) {
        return None;
    }
    Some((offset + colon + 1, scheme))
}

fn read_authority(authority: &str, start: usize, parsed: &mut ParsedConnection) {
    let host_part_start = match authority.rfind('@') {
        Some(at) => {
            let userinfo = authority.get(..at).unwrap_or("");
            if let Some(colon) = userinfo.find(':') {
                parsed.userinfo_password = Some(start + colon + 1..start + at);
            }
            parsed.user = userinfo
                .split(':')
                .next()
                .filter(|u| !u.is_empty())
                .map(str::to_owned);
            at + 1
        }
        None => 0,
    };
    let hosts = authority.get(host_part_start..).unwrap_or("");
    // A bracketed IPv6 address (`[::1]:5432`) runs to its `]`: its colons are not the
    // port's. A list of hosts (pgjdbc and libpq failover, `h1:5432,h2:5432`) is kept
    // whole, ports included: a reader of the host needs every one of them.
    let host_len = match hosts.strip_prefix('[').and_then(|h| h.find(']')) {
        _ if hosts.contains(',') => hosts.len(),
        Some(close) => close + 2,
        None => hosts.find([':', ',']).unwrap_or(hosts.len()),
    };
    if let Some(host) = hosts.get(..host_len).filter(|h| !h.is_empty()) {
        let host_start = start + host_part_start;
        parsed.host = Some((host.to_owned(), host_start..host_start + host_len));
    }
}

/// Read a URL's `name=value` pairs separated by any of `separators`, starting at
/// `start`, until the end of the text. A `#` does not end them: drivers (pgjdbc,
/// Connector/J) read no fragment, so a `#` in `password=a#b` is part of the password.
fn read_pairs(text: &str, start: usize, separators: &[char], out: &mut Vec<Param>) {
    let Some(rest) = text.get(start..) else {
        return;
    };
    let mut offset = start;
    for piece in pieces(rest, separators) {
        if let Some(param) = pair(piece, offset) {
            out.push(param);
        }
        offset += piece.len() + 1;
    }
}

/// `text` split at `separators`, except inside a value quoted in braces (ODBC, SQL
/// Server JDBC and ADO.NET: `Pwd={a;b}`, where `}}` is a literal `}`).
fn pieces<'t>(text: &'t str, separators: &[char]) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut start = 0;
    // The piece's first `=` seen; set after it until the value's first character.
    let (mut seen_eq, mut value_next) = (false, false);
    // Where a braced value ends: nothing before it separates.
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        if i < skip_to {
            continue;
        }
        if separators.contains(&c) {
            out.push(text.get(start..i).unwrap_or(""));
            start = i + c.len_utf8();
            (seen_eq, value_next) = (false, false);
        } else if c == '=' && !seen_eq {
            (seen_eq, value_next) = (true, true);
        } else if value_next && !c.is_whitespace() {
            value_next = false;
            if c == '{' {
                skip_to = i + braced_len(text.as_bytes().get(i..).unwrap_or_default());
            }
        }
    }
    out.push(text.get(start..).unwrap_or(""));
    out
}

/// One `name=value` piece at `offset`, trimmed.
fn pair(piece: &str, offset: usize) -> Option<Param> {
    let eq = piece.find('=')?;
    let raw_name = piece.get(..eq)?;
    let raw_value = piece.get(eq + 1..)?;
    let name_lead = raw_name.len() - raw_name.trim_start().len();
    let name = raw_name.trim();
    let value_lead = raw_value.len() - raw_value.trim_start().len();
    let value = raw_value.trim();
    if name.is_empty() {
        return None;
    }
    let name_start = offset + name_lead;
    let value_start = offset + eq + 1 + value_lead;
    Some(Param {
        name: name.to_owned(),
        name_range: name_start..name_start + name.len(),
        value: value.to_owned(),
        value_range: value_start..value_start + value.len(),
    })
}

/// Parse a key/value connection string: libpq and PgBouncer (`host=h password='p q'`,
/// whitespace separated) or ADO.NET (`Server=h;Password=p`, semicolon separated). None
/// when the text has no `=`.
pub fn parse_key_values(text: &str) -> Option<ParsedConnection> {
    let dialect = if text.contains(';') {
        KeyValueDialect::AdoNet
    } else {
        KeyValueDialect::Libpq
    };
    parse_in(text, dialect)
}

/// Parse a .NET connection string (`Password=a b` is one value, `a b`): in a .NET
/// connection-string context ADO.NET's grammar applies whether or not the text holds a
/// `;`, where [`parse_key_values`] would read a `;`-less one as libpq, whose values end
/// at a space (and so masked only `a` of such a password). None when the text has no `=`.
pub fn parse_ado_net(text: &str) -> Option<ParsedConnection> {
    parse_in(text, KeyValueDialect::AdoNet)
}

/// Parse a key/value string in the given dialect.
fn parse_in(text: &str, dialect: KeyValueDialect) -> Option<ParsedConnection> {
    if !text.contains('=') {
        return None;
    }
    let mut parsed = ParsedConnection::default();
    read_key_values(text, dialect, &mut parsed.params);
    if parsed.params.is_empty() {
        return None;
    }
    parsed.database = last_value(&parsed.params, DATABASE_PARAMS);
    parsed.user = last_value(&parsed.params, USER_PARAMS);
    if let Some(host) = parsed
        .params
        .iter()
        .find(|p| ["host", "server", "data source"].contains(&p.name.to_ascii_lowercase().as_str()))
    {
        parsed.host = Some((host.value.clone(), host.value_range.clone()));
    }
    Some(parsed)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyValueDialect {
    /// libpq and PgBouncer: pairs separated by whitespace, which may also surround `=`;
    /// values quoted with `'` (`''` or `\'` inside) [PGB-CFG].
    Libpq,
    /// ADO.NET: pairs separated by `;`, names may hold spaces; values quoted with `'` or
    /// `"` (doubled inside).
    AdoNet,
}

/// A value in braces from `start` (ODBC and SqlClient: `Pwd={a;b}`, `}}` a literal
/// `}`), braces included, and where reading goes on; an unclosed one runs to the end.
fn braced_value(bytes: &[u8], start: usize) -> (std::ops::Range<usize>, usize) {
    let end = start + braced_len(bytes.get(start..).unwrap_or_default());
    (start..end, end)
}

/// The length of the braced value `value` starts with (ODBC and SqlClient: `{a;b}`,
/// where `}}` is a literal `}`), braces included; all of it when unclosed.
pub fn braced_len(value: &[u8]) -> usize {
    let mut i = 1;
    while let Some(&b) = value.get(i) {
        match (b, value.get(i + 1)) {
            (b'}', Some(b'}')) => i += 2,
            (b'}', _) => return i + 1,
            _ => i += 1,
        }
    }
    value.len()
}

/// Read the `name=value` pairs of a key/value string. A quoted value's range is inside
/// its quotes (to the end of the text when unterminated); words without `=` are skipped.
fn read_key_values(text: &str, dialect: KeyValueDialect, out: &mut Vec<Param>) {
    let bytes = text.as_bytes();
    let byte = |i: usize| bytes.get(i).copied();
    let separates = |b: u8| match dialect {
        KeyValueDialect::Libpq => b.is_ascii_whitespace(),
        KeyValueDialect::AdoNet => b == b';',
    };
    let skip = |mut i: usize, while_: &dyn Fn(u8) -> bool| {
        while byte(i).is_some_and(while_) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    while i < bytes.len() {
        let name_start = skip(i, &|b| separates(b) || b.is_ascii_whitespace());
        let name_end = skip(name_start, &|b| b != b'=' && !separates(b));
        let name_range = trimmed(text, name_start..name_end);
        let eq = skip(name_end, &|b| b.is_ascii_whitespace());
        if byte(eq) != Some(b'=') || name_range.is_empty() {
            // Not a pair: go on from the next word (always moving forward).
            i = name_end.max(name_start + 1);
            continue;
        }
        let value_start = skip(eq + 1, &|b| b == b' ' || b == b'\t');
        let (value_range, next) = match byte(value_start) {
            Some(quote)
                if quote == b'\'' || (quote == b'"' && dialect == KeyValueDialect::AdoNet) =>
            {
                quoted_value(bytes, value_start, dialect)
            }
            Some(b'{') if dialect == KeyValueDialect::AdoNet => braced_value(bytes, value_start),
            _ => {
                let end = unquoted_end(bytes, value_start, dialect);
                (trimmed(text, value_start..end), end)
            }
        };
        out.push(Param {
            name: text.get(name_range.clone()).unwrap_or("").to_owned(),
            name_range,
            value: text.get(value_range.clone()).unwrap_or("").to_owned(),
            value_range,
        });
        i = next;
    }
}

/// The range inside the quotes of a value that opens with the quote at `open`, and where
/// the text goes on after the closing quote.
fn quoted_value(bytes: &[u8], open: usize, dialect: KeyValueDialect) -> (Range<usize>, usize) {
    let quote = bytes.get(open).copied();
    let mut i = open + 1;
    while let Some(b) = bytes.get(i).copied() {
        // `\'` (libpq) and `''` are quotes inside the value.
        let escaped = (b == b'\\' && dialect == KeyValueDialect::Libpq)
            || (Some(b) == quote && bytes.get(i + 1).copied() == quote);
        if escaped {
            i += 2;
        } else if Some(b) == quote {
            return (open + 1..i, i + 1);
        } else {
            i += 1;
        }
    }
    (open + 1..bytes.len(), bytes.len())
}

/// Where an unquoted value that starts at `start` ends: at the next separator, except
/// one escaped by `\` in libpq (`password=a\ b` is `a b`).
fn unquoted_end(bytes: &[u8], start: usize, dialect: KeyValueDialect) -> usize {
    let mut i = start;
    while let Some(b) = bytes.get(i).copied() {
        match (dialect, b) {
            (KeyValueDialect::Libpq, b'\\') => i += 2,
            (KeyValueDialect::Libpq, b) if b.is_ascii_whitespace() => return i,
            (KeyValueDialect::AdoNet, b';') => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// `range` of `text` without surrounding whitespace.
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = text.get(range.clone()).unwrap_or("");
    let start = range.start + (slice.len() - slice.trim_start().len());
    start..(start + slice.trim().len()).max(start)
}

/// Parameter names of the database (libpq `dbname`, .NET `Database`/`Initial Catalog`,
/// SQL Server JDBC `databaseName`).
const DATABASE_PARAMS: &[&str] = &["dbname", "database", "databasename", "initial catalog"];
/// Parameter names of the user (libpq/JDBC `user`, .NET `Username`/`User ID`/`Uid`).
const USER_PARAMS: &[&str] = &["user", "username", "user id", "userid", "uid"];

/// The non-empty value of the last parameter called one of `names` (case-insensitive).
fn last_value(params: &[Param], names: &[&str]) -> Option<String> {
    params
        .iter()
        .rev()
        .find(|p| names.contains(&p.name.to_ascii_lowercase().as_str()))
        .map(|p| p.value.clone())
        .filter(|v| !v.is_empty())
}

/// Names of parameters that carry a password in any connection-string dialect.
/// MySQL Connector/J reads up to three multi-factor passwords (`password1`, the
/// synonym of `password`, then `password2` and `password3`).
pub fn is_password_param(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "password"
            | "pwd"
            | "passwd"
            | "pass"
            | "psw"
            | "user password"
            | "password1"
            | "password2"
            | "password3"
    )
}

/// Byte ranges of every password inside a value: URL userinfo and `password=` style
/// parameters in URLs and key/value strings.
pub fn password_ranges(text: &str) -> Vec<Range<usize>> {
    ranges_in(text, parse_key_values)
}

/// [`password_ranges`] of a .NET connection string (or URL): a key/value string is read
/// with ADO.NET's grammar ([`parse_ado_net`]).
pub fn ado_net_password_ranges(text: &str) -> Vec<Range<usize>> {
    ranges_in(text, parse_ado_net)
}

/// The passwords of a URL, else of a key/value string as `key_values` parses it.
fn ranges_in(text: &str, key_values: fn(&str) -> Option<ParsedConnection>) -> Vec<Range<usize>> {
    // A password is userinfo (`user:pw@host`) or a parameter (`password=…`): most
    // values, which readers pass here one by one, have neither sign.
    if !text.contains(['@', '=']) {
        return Vec::new();
    }
    let parsed = parse_url(text).or_else(|| key_values(text));
    let Some(parsed) = parsed else {
        return Vec::new();
    };
    let mut ranges: Vec<Range<usize>> = parsed.userinfo_password.iter().cloned().collect();
    ranges.extend(
        parsed
            .params
            .iter()
            .filter(|p| is_password_param(&p.name) && !p.value.is_empty())
            .map(|p| p.value_range.clone()),
    );
    ranges.retain(|r| !r.is_empty());
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, r: &Range<usize>) -> &'a str {
        text.get(r.clone()).unwrap_or("<bad range>")
    }

    /// A `;`-less .NET string is still ADO.NET: the password runs to the end (libpq's
    /// grammar ended it at the first space).
    #[test]
    fn ado_net_strings_without_a_semicolon_keep_spaces_in_values() {
        let text = "Password=Leak5 spaced words";
        let ranges = ado_net_password_ranges(text);
        assert_eq!(
            ranges.iter().map(|r| at(text, r)).collect::<Vec<_>>(),
            ["Leak5 spaced words"]
        );
        assert_eq!(at(text, &password_ranges(text)[0]), "Leak5");
        let url = "postgresql://u:UrlPw@db/app";
        assert_eq!(at(url, &ado_net_password_ranges(url)[0]), "UrlPw");
    }

    #[test]
    fn braced_values_keep_their_separators() {
        let text = "Driver={PostgreSQL Unicode};Server=db;Uid=u;Pwd={a;b}}c};Pooling=true";
        let ranges = password_ranges(text);
        assert_eq!(
            ranges.iter().map(|r| at(text, r)).collect::<Vec<_>>(),
            ["{a;b}}c}"]
        );
        let url = "jdbc:sqlserver://db:1433;databaseName=x;user=u;password={p;q};encrypt=true";
        let ranges = password_ranges(url);
        assert_eq!(
            ranges.iter().map(|r| at(url, r)).collect::<Vec<_>>(),
            ["{p;q}"]
        );
        let npgsql = "Host=db;Username=u;PSW=s3cret;Pooling=true";
        assert_eq!(
            password_ranges(npgsql)
                .iter()
                .map(|r| at(npgsql, r))
                .collect::<Vec<_>>(),
            ["s3cret"]
        );
    }

    /// A URL listing several hosts keeps them all, with their ports: the first alone
    /// made `replica.example.com,db` a pool on a host outside the model.
    #[test]
    fn a_list_of_hosts_is_kept_whole() {
        for (url, hosts) in [
            (
                "jdbc:postgresql://replica.example.com:5432,db:5432/app",
                "replica.example.com:5432,db:5432",
            ),
            (
                "postgresql://u@standby.example.com,db/app",
                "standby.example.com,db",
            ),
            ("postgresql://db:5432/app", "db"),
        ] {
            let parsed = parse_url(url).unwrap();
            let (name, range) = parsed.host.unwrap();
            assert_eq!((name.as_str(), &url[range]), (hosts, hosts), "{url}");
        }
    }

    /// A password holding `/` or `?` cuts the authority short: no host is read, so
    /// none of the password is taken for one (`app:Top,Sec` was).
    #[test]
    fn a_password_past_the_authority_is_no_host() {
        for (url, host, password) in [
            (
                "postgresql://app:Top,Sec/ret9@db.example.com/app",
                "db.example.com",
                "Top,Sec/ret9",
            ),
            ("postgresql://app:p,a?ss@db/app", "db", "p,a?ss"),
            (
                "postgresql://app:QB1@QB2/QB3@db.example.com/app?sslmode=disable",
                "db.example.com",
                "QB1@QB2/QB3",
            ),
            ("postgresql://app:QL1@QL2;QL3@db/app", "db", "QL1@QL2;QL3"),
            (
                "postgresql://app:QS1@QS2#QS3/QS4@db/app",
                "db",
                "QS1@QS2#QS3/QS4",
            ),
            ("postgresql://app:p=q/r@db/app", "db", "p=q/r"),
            (
                "postgresql://app:c2Vj/cmV0==@db.example.com:5432/app?sslmode=disable",
                "db.example.com",
                "c2Vj/cmV0==",
            ),
            (
                "postgresql://app:XB1@XB2=XB3/XB4@dbb.example.com/app?sslmode=disable",
                "dbb.example.com",
                "XB1@XB2=XB3/XB4",
            ),
        ] {
            let parsed = parse_url(url).unwrap();
            assert_eq!(parsed.host.map(|h| h.0).as_deref(), Some(host), "{url}");
            let ranges = password_ranges(url);
            assert_eq!(
                ranges.iter().map(|r| at(url, r)).collect::<Vec<_>>(),
                [password],
                "{url}"
            );
        }
        // An `@` in a parameter or in the path is no userinfo.
        for (url, host) in [
            (
                "postgresql://reports.example.com/app?user=ops@corp.example.com&sslmode=disable",
                "reports.example.com",
            ),
            (
                "postgresql://reports.example.com:5432/app?user=ops@corp.example.com",
                "reports.example.com",
            ),
            (
                "postgresql://hq.example.com/my@db?sslmode=disable",
                "hq.example.com",
            ),
        ] {
            assert_eq!(
                parse_url(url).unwrap().host.map(|h| h.0).as_deref(),
                Some(host),
                "{url}"
            );
        }
        // What the masker may take for a password is never a parameter: no `sslmode`
        // read from inside `ZG1=ZG2?sslmode=disable&connect_timeout=ZG3`.
        let url = "postgresql://app:ZG1=ZG2?sslmode=disable&connect_timeout=ZG3@db.example.com/app";
        let parsed = parse_url(url).unwrap();
        assert!(parsed.param("sslmode").is_none(), "{:?}", parsed.params);
        // A port and a path before an `@` in a parameter's value are no password.
        for url in [
            "postgres://prod.example.com:5432/app?sslmode=disable&application_name=a@b",
            "postgres://prod.example.com:5432?sslmode=disable&application_name=a@b",
        ] {
            assert!(parse_url(url).unwrap().param("sslmode").is_some(), "{url}");
        }
    }

    /// A bracketed IPv6 host runs to its `]` (it was cut at its first colon: `[`).
    #[test]
    fn ipv6_hosts_keep_their_brackets() {
        for (url, host) in [
            ("postgres://u@[::1]:5432/app?sslmode=disable", "[::1]"),
            ("jdbc:postgresql://[2001:db8::1]:5432/app", "[2001:db8::1]"),
            ("postgres://[fe80::2]/app", "[fe80::2]"),
        ] {
            let parsed = parse_url(url).unwrap();
            let (name, range) = parsed.host.unwrap();
            assert_eq!((name.as_str(), at(url, &range)), (host, host), "{url}");
        }
    }

    #[test]
    fn jdbc_postgres_url_with_params() {
        let url = "jdbc:postgresql://db.internal:5432/auth?socketTimeout=30&sslmode=require";
        let p = parse_url(url).unwrap();
        assert_eq!(p.engine.as_deref(), Some("postgresql"));
        assert_eq!(p.host.as_ref().map(|h| h.0.as_str()), Some("db.internal"));
        let st = p.param("sockettimeout").unwrap();
        assert_eq!(at(url, &st.value_range), "30");
        assert_eq!(at(url, &p.param("sslmode").unwrap().value_range), "require");
    }

    #[test]
    fn database_names_come_from_the_path_or_a_parameter() {
        let db = |text: &str| {
            parse_url(text)
                .or_else(|| parse_key_values(text))
                .and_then(|p| p.database)
        };
        assert_eq!(
            db("jdbc:postgresql://h:6432/auth?prepareThreshold=0").as_deref(),
            Some("auth")
        );
        assert_eq!(db("postgres://u:p@h/orders").as_deref(), Some("orders"));
        assert_eq!(
            db("jdbc:sqlserver://h:1433;databaseName=sales").as_deref(),
            Some("sales")
        );
        assert_eq!(db("host=h dbname=app pool_size=5").as_deref(), Some("app"));
        assert_eq!(
            db("Server=h;Initial Catalog=crm;Max Pool Size=5").as_deref(),
            Some("crm")
        );
        assert_eq!(db("postgres://h:5432"), None);
        assert_eq!(db("postgres://h/?sslmode=require"), None);
    }

    #[test]
    fn userinfo_and_password_params_are_found() {
        let url = "postgres://app:s3cr%40t@db:5432/app?password=other";
        let ranges = password_ranges(url);
        let found: Vec<&str> = ranges.iter().map(|r| at(url, r)).collect();
        assert_eq!(found, vec!["s3cr%40t", "other"]);
        let url = "postgres://db/app?pass%77ord=ZQ5&sslmode=require";
        let found: Vec<&str> = password_ranges(url).iter().map(|r| at(url, r)).collect();
        assert_eq!(found, vec!["ZQ5"]);
        let parsed = parse_url("postgres://db/app?pool=%31%30&ssl%6Dode=require").unwrap();
        let params: Vec<(&str, &str)> = parsed
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(params, [("pool", "10"), ("sslmode", "require")]);
        let mysql = "jdbc:mysql://h/db?user=a&password=hunter2&socketTimeout=1000";
        assert_eq!(at(mysql, &password_ranges(mysql)[0]), "hunter2");
    }

    #[test]
    fn mysql_multi_factor_passwords_are_passwords() {
        let url = "jdbc:mysql://h/db?user=a&password1=MF1&Password2=MF2&password3=MF3&x=1";
        let found: Vec<&str> = password_ranges(url).iter().map(|r| at(url, r)).collect();
        assert_eq!(found, ["MF1", "MF2", "MF3"]);
        // Only the three factors Connector/J reads: `password4` is no parameter of it.
        assert!(!is_password_param("password4"));
    }

    #[test]
    fn sqlserver_and_key_value_strings() {
        let url = "jdbc:sqlserver://h:1433;databaseName=x;password=pw1";
        assert_eq!(at(url, &password_ranges(url)[0]), "pw1");
        let net = "Server=h;Database=d;User Id=u;Password=pw2;Maximum Pool Size=50";
        let p = parse_key_values(net).unwrap();
        assert_eq!(
            at(net, &p.param("maximum pool size").unwrap().value_range),
            "50"
        );
        assert_eq!(at(net, &password_ranges(net)[0]), "pw2");
        let libpq = "host=h dbname=d password=pw3 sslmode=disable";
        assert_eq!(at(libpq, &password_ranges(libpq)[0]), "pw3");
    }

    #[test]
    fn quoted_spaced_and_escaped_passwords_are_found_whole() {
        let found = |text: &str| -> Vec<String> {
            password_ranges(text)
                .iter()
                .map(|r| at(text, r).to_owned())
                .collect()
        };
        // libpq and PgBouncer: spaces around `=`, `'` quotes with `''` or `\'` inside,
        // `\` escapes outside quotes.
        assert_eq!(found("host=db password = pw1 pool_size=5"), ["pw1"]);
        assert_eq!(found("host=db password='p w''2' user=u"), ["p w''2"]);
        assert_eq!(found("password='p\\' w3' user=u"), ["p\\' w3"]);
        assert_eq!(found("password=p\\ w4 user=u"), ["p\\ w4"]);
        assert_eq!(found("password='unterminated pw5"), ["unterminated pw5"]);
        // ADO.NET: `'` or `"` quotes may hold `;`.
        assert_eq!(
            found("Server=h;Password=\"p;w6\";Max Pool Size=5"),
            ["p;w6"]
        );
        // A `#` is no fragment: drivers pass it on as part of the password.
        assert_eq!(found("host=h password=a#b7"), ["a#b7"]);
        assert_eq!(found("jdbc:postgresql://h/db?password=a#b8&x=1"), ["a#b8"]);
        let spaced = parse_key_values("host = db  pool_size = 7 junk dbname=app").unwrap();
        assert_eq!(spaced.param("pool_size").unwrap().value, "7");
        assert_eq!(spaced.database.as_deref(), Some("app"));
    }

    #[test]
    fn non_urls_are_not_parsed() {
        assert!(parse_url("just text").is_none());
        assert!(parse_url("10").is_none());
        assert!(password_ranges("no password here").is_empty());
        assert!(parse_url("jdbc:oracle:thin:@host:1521:orcl").is_some());
    }
    #[test]
    fn the_user_comes_from_userinfo_or_a_user_parameter() {
        let user = |text: &str| parse_url(text).or_else(|| parse_key_values(text))?.user;
        assert_eq!(user("postgres://app:pw@db/x").as_deref(), Some("app"));
        assert_eq!(user("postgres://app@db/x").as_deref(), Some("app"));
        assert_eq!(
            user("jdbc:postgresql://db/x?user=svc&password=p").as_deref(),
            Some("svc")
        );
        assert_eq!(user("host=db user=batch").as_deref(), Some("batch"));
        assert_eq!(
            user("Server=db;User ID=sa;Password=p").as_deref(),
            Some("sa")
        );
        assert_eq!(user("postgres://db/x"), None);
    }
}
