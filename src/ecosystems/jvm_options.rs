//! The Spring properties a container's Java process gets from its command line and
//! from the JVM's option variables, for the Kubernetes and Compose readers: each is a
//! variable of the process named by the option as written (`--spring.x`,
//! `-Dspring.x`), which Spring's binding ranks over the environment
//! ([`crate::ecosystems::spring::java_property`]), its name and value pointing at
//! their part of the manifest ([`spring_properties`]).

use std::ops::Range;

use super::shell::{complete_words, static_script, Quoting, Token};
use crate::model::{CommandWord, EnvVar, Location, RefusalStage, RefusedValue};
use crate::source::Span;

/// A word of a container's command line, with whether a reference in it is to a value
/// the files do not give (Kubernetes' `$(VAR)` to a Secret's).
pub(crate) type Word = (CommandWord, bool);

/// The Spring properties of a container whose command line is `command` (its first
/// `from_command` words the entrypoint's: Kubernetes' `command`, Compose's
/// `entrypoint`; the rest the arguments it gets: `args`, `command`) and whose
/// environment is `environment`, in the order the JVM sets them, so that of two
/// system properties of one name the later wins, as the JVM keeps the last:
/// 1. `JAVA_TOOL_OPTIONS`, which every JVM reads before its command line
///    (OpenJDK `Arguments::parse_vm_init_args`: the variable, then the command line,
///    then `_JAVA_OPTIONS`);
/// 2. `JDK_JAVA_OPTIONS`, which the `java` launcher of JDK 9 and later puts before its
///    own arguments (`main.c`, `JLI_AddArgsFromEnvVar`);
/// 3. the command line's JVM options ([`command_line`]);
/// 4. `_JAVA_OPTIONS`, which the JVM reads after its command line;
/// 5. the application's `--spring.x=v` arguments, until a `--` (Spring's
///    `SimpleCommandLineArgsParser` reads no option after it).
///
/// Of each variable only its `-Dspring.x=v` options are read ([`option_words`]); the
/// variables apply whatever the command: the process's children inherit them, so a
/// `java` a shell or a script starts reads them too.
pub(crate) fn spring_properties(
    command: &[Word],
    from_command: usize,
    environment: &[EnvVar],
) -> Vec<EnvVar> {
    let (jvm, application) = command_line(command, from_command);
    let variable = |name| variable_properties(environment, name);
    let mut out = variable("JAVA_TOOL_OPTIONS");
    out.extend(variable("JDK_JAVA_OPTIONS"));
    out.extend(jvm.iter().filter_map(|word| word_property(word, "-D")));
    out.extend(variable("_JAVA_OPTIONS"));
    let arguments = application.iter().take_while(|(word, _)| word.text != "--");
    out.extend(arguments.filter_map(|word| word_property(word, "--")));
    out
}

/// The JVM options and the application's arguments of a command line:
/// - a command that runs `java` (its first word, or a path ending in `/java`): the
///   options before the main class, `-jar` file or `-m` module, and the words after;
/// - a shell's script (`sh -c "…"`, [`shell_script`]) that runs `java` so;
/// - arguments without an entrypoint, which the image's entrypoint receives: all of
///   them are the application's, as the names are Spring Boot's own properties
///   (unless they start with `java` or a shell, which an image without an entrypoint,
///   or one that ends with `exec "$@"`, runs);
/// - nothing for any other command: what it passes on is not in the manifest.
fn command_line(command: &[Word], from_command: usize) -> (Vec<Word>, Vec<Word>) {
    let split = |words: &[Word]| {
        let (jvm, application) = java_command_line(words)?;
        Some((jvm.to_vec(), application.to_vec()))
    };
    if let Some(script) = shell_script(command) {
        let words = script_command(script).unwrap_or_default();
        return split(&words).unwrap_or_default();
    }
    match split(command) {
        Some(line) => line,
        None if from_command == 0 => (Vec::new(), command.to_vec()),
        None => (Vec::new(), Vec::new()),
    }
}

/// Whether `program` (a command's first word) is the `java` launcher.
fn is_java(program: &str) -> bool {
    program == "java" || program.ends_with("/java")
}

/// The script word of `sh -c script` (or `bash`, `dash`, `ash`, by name or path), with
/// option clusters before it (`-ec`, `-e -c`, `-o pipefail -c`): None when `command`
/// is no shell reading a script from its arguments.
fn shell_script(command: &[Word]) -> Option<&Word> {
    let (program, rest) = command.split_first()?;
    let name = program.0.text.rsplit('/').next().unwrap_or("");
    if !matches!(name, "sh" | "bash" | "dash" | "ash") {
        return None;
    }
    let mut reads_script = false;
    let mut at = 0;
    while let Some((word, _)) = rest.get(at) {
        let option = word.text.as_str();
        if option == "--" {
            at += 1;
            break;
        }
        let letters = option.strip_prefix(['-', '+']).unwrap_or("");
        if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
            break;
        }
        reads_script |= option.starts_with('-') && letters.contains('c');
        // `-o name` takes the option's name as the next word.
        at += if letters.ends_with('o') { 2 } else { 1 };
    }
    reads_script.then(|| rest.get(at)).flatten()
}

/// The words of a shell script that runs one command, optionally after `cd dir &&` and
/// with `exec`, each pointing at its text inside the script ([`located`]): None when the
/// shell would expand something, or the script runs several commands or redirects
/// ([`static_script`]).
fn script_command((script, unknown): &Word) -> Option<Vec<Word>> {
    let mut tokens = static_script(&script.text)?;
    while matches!(tokens.last(), Some(Token::Operator(op)) if op == "\n") {
        tokens.pop();
    }
    let mut rest = tokens.as_slice();
    if let [Token::Word(cd, _), Token::Word(..), Token::Operator(and), after @ ..] = rest {
        if cd == "cd" && and == "&&" {
            rest = after;
        }
    }
    if let [Token::Word(exec, _), after @ ..] = rest {
        if exec == "exec" {
            rest = after;
        }
    }
    rest.iter()
        .map(|token| match token {
            Token::Word(text, range) => Some((
                CommandWord {
                    text: text.clone(),
                    location: located(script, range.clone()),
                },
                *unknown,
            )),
            Token::Operator(_) => None,
        })
        .collect()
}

/// Where the bytes `range` of a word's text are written: inside the word when its text
/// is written as is (a plain or simply quoted scalar), else the whole word (a block
/// scalar's lines, an escape, an expanded reference moved them).
fn located(word: &CommandWord, range: Range<usize>) -> Location {
    let span = word.location.span;
    let span = match span.len() == word.text.len() {
        true => Span::new(span.start + range.start, span.start + range.end),
        false => span,
    };
    Location {
        file: word.location.file,
        span,
    }
}

/// A Java command line's JVM options and application arguments, None when it does not
/// run `java` itself.
fn java_command_line(command: &[Word]) -> Option<(&[Word], &[Word])> {
    // JVM options whose value is the next word (`java -help`).
    const TAKES_VALUE: [&str; 12] = [
        "-cp",
        "-classpath",
        "--class-path",
        "-p",
        "--module-path",
        "--upgrade-module-path",
        "--add-modules",
        "--limit-modules",
        "--add-reads",
        "--add-exports",
        "--add-opens",
        "--enable-native-access",
    ];
    if !is_java(&command.first()?.0.text) {
        return None;
    }
    let mut at = 1;
    while let Some((word, _)) = command.get(at) {
        let option = word.text.as_str();
        at += match option {
            // The jar file, the module or the main class comes next, or is this word.
            "-jar" | "-m" | "--module" => 2,
            _ if TAKES_VALUE.contains(&option) => {
                at += 2;
                continue;
            }
            _ if option.starts_with('-') => {
                at += 1;
                continue;
            }
            _ => 1,
        };
        break;
    }
    let split = at.min(command.len());
    Some((command.get(1..split)?, command.get(split..)?))
}

/// The variable a command-line word `prefix` + `spring.x=value` sets ([`property`]),
/// unknown when a reference in the word is to a value the files do not give.
fn word_property((word, unknown): &Word, prefix: &str) -> Option<EnvVar> {
    let mut var = property(&word.text, prefix, |range| located(word, range))?;
    if *unknown {
        var.unknown_from = Some("a `$(VAR)` reference in the container's command".to_owned());
    }
    Some(var)
}

/// The variable an option `prefix` + `spring.x=value` (`--` an application's argument,
/// `-D` a system property) sets, named by the option as written; `locate` says where
/// a range of the option's text is written.
fn property(text: &str, prefix: &str, locate: impl Fn(Range<usize>) -> Location) -> Option<EnvVar> {
    let (key, value) = text.strip_prefix(prefix)?.split_once('=')?;
    let name = [prefix, key].concat();
    crate::ecosystems::spring::java_property(&name)?;
    let name_location = locate(0..name.len());
    let value_location = locate(name.len() + 1..text.len());
    Some(EnvVar::written(
        name,
        value.to_owned(),
        name_location,
        value_location,
    ))
}

/// The `-Dspring.x=v` options of the variable `name` of `environment` (its last
/// definition, as the process sees it), each pointing at its text in the variable's
/// value: none when the value is not known or the JVM refuses it (an unclosed quote).
fn variable_properties(environment: &[EnvVar], name: &str) -> Vec<EnvVar> {
    let Some(var) = EnvVar::last_named(environment, name) else {
        return Vec::new();
    };
    if var.unknown_from.is_some() {
        return Vec::new();
    }
    let Some(options) = option_words(&var.value) else {
        return Vec::new();
    };
    let map = var.text_map();
    let whole = var.value_location.span;
    options
        .into_iter()
        .filter_map(|(text, range)| {
            let raw = var.value.get(range.clone()).unwrap_or("");
            let verbatim = raw == text;
            let locate = |part: Range<usize>| {
                let in_value = match verbatim {
                    true => range.start + part.start..range.start + part.end,
                    false => range.clone(),
                };
                Location {
                    file: var.value_location.file,
                    span: map.span(whole, in_value),
                }
            };
            property(&text, "-D", locate)
        })
        .collect()
}

/// The JVM option variables of `environment` with a quote left open, with which the
/// process does not start: HotSpot stops with "Unmatched quote in JAVA_TOOL_OPTIONS"
/// (`Arguments::parse_options_buffer`, and so for `_JAVA_OPTIONS`), the launcher with
/// "Error: Unmatched quote in environment variable JDK_JAVA_OPTIONS" (`args.c`,
/// `ARG_ERROR8`). Their options are not read ([`variable_properties`]).
pub(crate) fn refused_option_variables(environment: &[EnvVar]) -> Vec<RefusedValue> {
    let refusals = [
        ("JAVA_TOOL_OPTIONS", "the JVM stops with \"Unmatched quote in JAVA_TOOL_OPTIONS\""),
        (
            "JDK_JAVA_OPTIONS",
            "the java launcher stops with \"Error: Unmatched quote in environment variable JDK_JAVA_OPTIONS\"",
        ),
        ("_JAVA_OPTIONS", "the JVM stops with \"Unmatched quote in _JAVA_OPTIONS\""),
    ];
    refusals
        .into_iter()
        .filter_map(|(name, stop)| {
            let var = EnvVar::last_named(environment, name)?;
            let unclosed = var.unknown_from.is_none() && option_words(&var.value).is_none();
            unclosed.then(|| RefusedValue {
                location: var.value_location,
                reason: format!("{name} leaves a quote open: {stop} and the application does not start"),
                fix: "close the quote (a quoted part may hold spaces: '-Dspring.application.name=a b')",
                warning: false,
                stage: RefusalStage::StartUp,
            })
        })
        .collect()
}

/// The options of a JVM option variable as the JVM splits them (OpenJDK
/// `Arguments::parse_options_buffer` for `JAVA_TOOL_OPTIONS` and `_JAVA_OPTIONS`, the
/// launcher's `args.c` `expand` for `JDK_JAVA_OPTIONS`, which split alike): words
/// between white space (C's `isspace`), a `'…'` or `"…"` part taken as it is without
/// its quotes (white space included; no backslash escapes), each with its byte range in
/// `value` (the text inside the quotes for a word that is one quoted string, else the
/// whole raw word). None for an unclosed quote, with which the JVM does not start.
fn option_words(value: &str) -> Option<Vec<(String, Range<usize>)>> {
    complete_words(value, Quoting::Jvm)
}

#[cfg(test)]
mod tests {
    use super::option_words;

    /// The JVM splits its option variables at white space, takes quoted parts whole
    /// without their quotes, knows no backslash escape, and refuses an unclosed quote.
    #[test]
    fn option_variables_split_as_the_jvm_splits_them() {
        let value = " -Xmx1g\t'-Dspring.a=x y' -Dspring.b=\"1 2\"3 -Dc=a\\ b ";
        let words: Vec<(String, &str)> = option_words(value)
            .unwrap()
            .into_iter()
            .map(|(w, r)| (w, &value[r]))
            .collect();
        let expected = [
            ("-Xmx1g", "-Xmx1g"),
            ("-Dspring.a=x y", "-Dspring.a=x y"),
            ("-Dspring.b=1 23", "-Dspring.b=\"1 2\"3"),
            ("-Dc=a\\", "-Dc=a\\"),
            ("b", "b"),
        ];
        let got: Vec<(&str, &str)> = words.iter().map(|(w, r)| (w.as_str(), *r)).collect();
        assert_eq!(got, expected);
        assert_eq!(option_words("-Dspring.a='1"), None);
    }
}
