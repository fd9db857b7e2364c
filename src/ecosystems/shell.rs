//! Command lines split into words as a shell splits them, each word keeping the byte
//! range it came from: a compose `command` string (compose-go splits it with
//! mattn/go-shellwords), a Procfile line and the script of a container's `sh -c`
//! (a POSIX shell runs them).

use std::ops::Range;

/// What a backslash quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quoting {
    /// A POSIX shell ("Shell Command Language", 2.2 Quoting): outside quotes a
    /// backslash quotes the next character, and a backslash before a line break
    /// removes both (the line goes on); inside double quotes it quotes only `$`, `` ` ``,
    /// `"`, `\` and a line break, and is kept before any other character; inside
    /// single quotes it is an ordinary character.
    Posix,
    /// mattn/go-shellwords `Parse`, with which compose-go splits a string `command`
    /// (`transformShellCommand`): outside single quotes a backslash quotes any
    /// character, `\t` and `\n` being a tab and a line break.
    GoShellwords,
    /// The JVM's option variables (OpenJDK `Arguments::parse_options_buffer`, and the
    /// launcher's `args.c` `expand` for `JDK_JAVA_OPTIONS`): a backslash is an ordinary
    /// character, and words are split at C's `isspace` characters only.
    Jvm,
}

/// A piece of a command line: a word, or an operator of the shell's (`&&`, `;`, `|`,
/// a redirection, a line break between commands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A word after quote removal, with its byte range ([`shell_words`]).
    Word(String, Range<usize>),
    Operator(String),
}

/// Words of a shell-style command line with the byte range each came from: the text
/// inside the quotes for a word that is one quoted string, else the whole raw word.
/// Operator characters are word characters here, as go-shellwords' caller in
/// compose-go keeps no operator either.
pub(crate) fn shell_words(text: &str, quoting: Quoting) -> Vec<(String, Range<usize>)> {
    words_of(lex(text, quoting, false))
}

/// [`shell_words`], or None when a quote is not closed (the JVM does not start with
/// such an option variable).
pub(crate) fn complete_words(text: &str, quoting: Quoting) -> Option<Vec<(String, Range<usize>)>> {
    let lexed = lex(text, quoting, false);
    lexed.complete.then(|| words_of(lexed))
}

fn words_of(lexed: Lexed) -> Vec<(String, Range<usize>)> {
    lexed
        .tokens
        .into_iter()
        .filter_map(|token| match token {
            Token::Word(word, range) => Some((word, range)),
            Token::Operator(_) => None,
        })
        .collect()
}

/// The tokens of a POSIX shell script a static reader can follow: None when the shell
/// would expand something in it (a `$` parameter, arithmetic or command substitution,
/// a backquote) or cannot run it (an unclosed quote, a trailing backslash). Comments
/// (`#` starting a word) are dropped.
pub(crate) fn static_script(text: &str) -> Option<Vec<Token>> {
    let lexed = lex(text, Quoting::Posix, true);
    (!lexed.expands && lexed.complete).then_some(lexed.tokens)
}

/// What [`lex`] made of a text.
struct Lexed {
    tokens: Vec<Token>,
    /// A `$` or a backquote outside single quotes.
    expands: bool,
    /// Every quote closed, no backslash at the end.
    complete: bool,
}

/// The characters of the shell's control and redirection operators.
const OPERATOR_CHARS: &str = ";&|<>()";

/// Split `text` into tokens; with `operators`, unquoted operator characters and line
/// breaks are operators (a run of them one operator: `&&`, `>>`) and a `#` starting a
/// word starts a comment, as a POSIX shell reads a script.
fn lex(text: &str, quoting: Quoting, operators: bool) -> Lexed {
    let mut out = Lexed {
        tokens: Vec::new(),
        expands: false,
        complete: true,
    };
    let mut current: Option<(String, usize)> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') => quote = None,
            (Some('\''), _) => push(&mut current, at, c),
            (_, '\\') => {
                let next = chars.peek().map(|&(_, n)| n);
                match escape(quoting, quote.is_some(), next) {
                    Escape::Removed => {
                        chars.next();
                    }
                    Escape::Char(escaped) => {
                        chars.next();
                        push(&mut current, at, escaped);
                    }
                    Escape::Kept => push(&mut current, at, c),
                    Escape::Trailing => {
                        out.complete = false;
                        push(&mut current, at, c);
                    }
                }
            }
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {
                out.expands |= matches!(c, '$' | '`');
                push(&mut current, at, c);
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                current.get_or_insert_with(|| (String::new(), at));
            }
            (None, '#') if operators && current.is_none() => {
                while chars.next_if(|&(_, n)| n != '\n').is_some() {}
            }
            (None, _) if operators && (c == '\n' || OPERATOR_CHARS.contains(c)) => {
                end_word(&mut current, at, &mut out.tokens);
                match out.tokens.last_mut() {
                    Some(Token::Operator(op)) if c != '\n' && joins(op, text, at) => op.push(c),
                    _ => out.tokens.push(Token::Operator(c.to_string())),
                }
            }
            (None, _) if separates(quoting, c) => end_word(&mut current, at, &mut out.tokens),
            (None, _) => {
                out.expands |= matches!(c, '$' | '`');
                push(&mut current, at, c);
            }
        }
    }
    out.complete &= quote.is_none();
    end_word(&mut current, text.len(), &mut out.tokens);
    for token in &mut out.tokens {
        if let Token::Word(word, range) = token {
            *range = inner_range(text, word, range.clone());
        }
    }
    out
}

/// Whether `c`, outside quotes, ends a word.
fn separates(quoting: Quoting, c: char) -> bool {
    match quoting {
        // C's `isspace` in the "C" locale the JVM parses its options in.
        Quoting::Jvm => matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r'),
        Quoting::Posix | Quoting::GoShellwords => c.is_whitespace(),
    }
}

/// Add `c` to the word being read, which starts at `at` when none is.
fn push(current: &mut Option<(String, usize)>, at: usize, c: char) {
    current.get_or_insert_with(|| (String::new(), at)).0.push(c);
}

/// End the word being read, if any, at byte `at`.
fn end_word(current: &mut Option<(String, usize)>, at: usize, tokens: &mut Vec<Token>) {
    if let Some((word, start)) = current.take() {
        tokens.push(Token::Word(word, start..at));
    }
}

/// Whether the operator character at `at` continues the operator `op` just before it
/// (`&&`, `>>`, `|&`): the character before `at` is the operator's own.
fn joins(op: &str, text: &str, at: usize) -> bool {
    let before = text.get(..at).and_then(|t| t.chars().next_back());
    before.is_some_and(|b| op.ends_with(b) && OPERATOR_CHARS.contains(b))
}

/// What a backslash does to the character after it.
enum Escape {
    /// Both go (a POSIX line continuation).
    Removed,
    /// The next character, quoted (or what go-shellwords makes of it).
    Char(char),
    /// The backslash is an ordinary character (inside double quotes in a POSIX shell).
    Kept,
    /// Nothing follows.
    Trailing,
}

fn escape(quoting: Quoting, in_double_quotes: bool, next: Option<char>) -> Escape {
    if quoting == Quoting::Jvm {
        return Escape::Kept;
    }
    let Some(next) = next else {
        return Escape::Trailing;
    };
    match quoting {
        Quoting::Posix if next == '\n' => Escape::Removed,
        Quoting::Posix if in_double_quotes && !matches!(next, '$' | '`' | '"' | '\\') => {
            Escape::Kept
        }
        Quoting::Posix => Escape::Char(next),
        Quoting::GoShellwords => Escape::Char(match next {
            't' => '\t',
            'n' => '\n',
            other => other,
        }),
        Quoting::Jvm => Escape::Kept,
    }
}

/// The range a word points at: the text inside the quotes for a word that is one
/// quoted string, else the whole raw word.
pub(crate) fn inner_range(text: &str, word: &str, range: Range<usize>) -> Range<usize> {
    let raw = text.get(range.clone()).unwrap_or("");
    let quoted = raw.len() == word.len() + 2 && (raw.starts_with('\'') || raw.starts_with('"'));
    if quoted {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

#[cfg(test)]
mod tests {
    use super::{shell_words, static_script, Quoting, Token};

    #[test]
    fn command_strings_split_like_a_shell_with_spans_inside_quotes() {
        let text = "postgres -c 'max_connections=100' -c \"shared_buffers=1GB\" -c a='b c'";
        let words: Vec<(String, &str)> = shell_words(text, Quoting::GoShellwords)
            .into_iter()
            .map(|(word, range)| (word, &text[range]))
            .collect();
        let expected = [
            ("postgres", "postgres"),
            ("-c", "-c"),
            ("max_connections=100", "max_connections=100"),
            ("-c", "-c"),
            ("shared_buffers=1GB", "shared_buffers=1GB"),
            ("-c", "-c"),
            ("a=b c", "a='b c'"),
        ];
        let got: Vec<(&str, &str)> = words.iter().map(|(w, r)| (w.as_str(), *r)).collect();
        assert_eq!(got, expected);
    }

    fn words(text: &str, quoting: Quoting) -> Vec<String> {
        shell_words(text, quoting)
            .into_iter()
            .map(|(w, _)| w)
            .collect()
    }

    /// A backslash quotes as each splitter does: go-shellwords (compose-go's) quotes any
    /// character outside single quotes; a POSIX shell keeps it inside double quotes
    /// before an ordinary character and removes it with a line break.
    #[test]
    fn backslashes_quote_as_each_shell_does() {
        let text = "a\\ b \"c\\d\" 'e\\f' \"\\$g\" h\\\ni";
        assert_eq!(
            words(text, Quoting::Posix),
            ["a b", "c\\d", "e\\f", "$g", "hi"]
        );
        assert_eq!(
            words(text, Quoting::GoShellwords),
            ["a b", "cd", "e\\f", "$g", "h\ni"]
        );
        assert_eq!(words("x\\ty", Quoting::GoShellwords), ["x\ty"]);
        assert_eq!(words("x\\ty", Quoting::Posix), ["xty"]);
    }

    #[test]
    fn a_static_script_has_operators_and_no_expansion() {
        let tokens = static_script("cd /app && exec java -jar a.jar # run\n").unwrap();
        let shown: Vec<String> = tokens
            .iter()
            .map(|t| match t {
                Token::Word(w, _) => w.clone(),
                Token::Operator(o) => format!("<{o}>"),
            })
            .collect();
        assert_eq!(
            shown,
            ["cd", "/app", "<&&>", "exec", "java", "-jar", "a.jar", "<\n>"]
        );
        assert!(static_script("java $JAVA_OPTS -jar a.jar").is_none());
        assert!(static_script("java \"${X}\" -jar a.jar").is_none());
        assert!(static_script("java `opts` -jar a.jar").is_none());
        assert!(static_script("java '-Dx=$y' -jar a.jar").is_some());
        assert!(static_script("java \"-Dx -jar a.jar").is_none());
        assert!(static_script("java -jar a.jar \\").is_none());
    }
}
