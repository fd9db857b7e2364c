//! Spring profile expressions (`prod & eu`, `prod | staging`, `!dev`, `(a | b) & c`), parsed
//! and matched as Spring Framework's `Profiles.of` does (`ProfilesParser`, Spring 5.1+):
//! the text is cut at `(`, `)`, `&`, `|` and `!` (everything between them, trimmed, is
//! a profile name); `&` and `|` may not be mixed without parentheses; an expression
//! without text, or an operator or parentheses with nothing to apply to, is refused.
//! Like the parser, an unmatched `(` or `)` is not an error: the first closes at the
//! end of the text, the second closes what came before it.

/// One parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Expr {
    Name(String),
    Not(Box<Expr>),
    All(Vec<Expr>),
    Any(Vec<Expr>),
}

/// Where the tokens being parsed sit, as in `ProfilesParser.Context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Top,
    /// Right after `!`: the next name or parenthesised group is the operand.
    Invert,
    /// Inside `(`: a `)` ends it.
    Bracket,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    And,
    Or,
}

/// Why Spring refuses an expression, and how to write it instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub reason: String,
    pub fix: &'static str,
    /// Beyond poollint's own limit, not refused by Spring.
    pub beyond_our_limit: bool,
}

fn refuse(reason: impl Into<String>, fix: &'static str) -> Refusal {
    Refusal {
        reason: reason.into(),
        fix,
        beyond_our_limit: false,
    }
}

/// Nesting deeper than this is not read: the parser recurses once per level (as
/// Spring's does), and no real condition comes close.
const MAX_DEPTH: usize = 1000;

/// Parse one expression; Err says why Spring refuses it.
pub(super) fn parse(text: &str) -> Result<Expr, Refusal> {
    if text.trim().is_empty() {
        return Err(refuse(
            "an empty expression; Spring Boot does not start (`Invalid profile expression [...]: must contain text`)",
            "write a profile name, or remove the empty element (a trailing or doubled comma)",
        ));
    }
    let mut tokens = tokens(text);
    parse_tokens(&mut tokens, Context::Top, 0)
}

/// The text cut at the operator characters, each operator a token of its own (Java's
/// `StringTokenizer(expression, "()&|!", true)`), each token trimmed.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest
            .find(['(', ')', '&', '|', '!'])
            .map_or(rest.len(), |at| if at == 0 { 1 } else { at });
        let (token, after) = rest.split_at(cut);
        rest = after;
        Some(token.trim())
    })
}

fn parse_tokens<'t>(
    tokens: &mut impl Iterator<Item = &'t str>,
    context: Context,
    depth: usize,
) -> Result<Expr, Refusal> {
    if depth > MAX_DEPTH {
        return Err(Refusal {
            reason: format!(
                "parentheses or `!` nested deeper than {MAX_DEPTH}"
            ),
            fix: "write the condition with fewer nested parentheses, or check this file's pools by hand",
            beyond_our_limit: true,
        });
    }
    let mut elements: Vec<Expr> = Vec::new();
    let mut operator = None;
    while let Some(token) = tokens.next() {
        match token {
            "" => {}
            "(" => {
                let contents = parse_tokens(tokens, Context::Bracket, depth + 1)?;
                if context == Context::Invert {
                    return Ok(contents);
                }
                elements.push(contents);
            }
            "&" | "|" => {
                let this = if token == "&" {
                    Operator::And
                } else {
                    Operator::Or
                };
                if operator.is_some_and(|o| o != this) {
                    return Err(refuse(
                        "`&` and `|` mixed without parentheses; Spring Boot does not start (`Malformed profile expression`)",
                        "group with parentheses, as in `(prod & eu) | staging`",
                    ));
                }
                operator = Some(this);
            }
            "!" => {
                let operand = parse_tokens(tokens, Context::Invert, depth + 1)?;
                elements.push(Expr::Not(Box::new(operand)));
            }
            ")" => {
                let merged = merge(elements, operator)?;
                if context == Context::Bracket {
                    return Ok(merged);
                }
                elements = vec![merged];
                operator = None;
            }
            name => {
                let value = Expr::Name(name.to_owned());
                if context == Context::Invert {
                    return Ok(value);
                }
                elements.push(value);
            }
        }
    }
    merge(elements, operator)
}

fn merge(mut elements: Vec<Expr>, operator: Option<Operator>) -> Result<Expr, Refusal> {
    let empty = || {
        refuse(
            "an operator, `!` or parentheses with no profile name; Spring Boot does not start (`Malformed profile expression`)",
            "write a profile name on each side of `&` and `|`, after `!` and inside parentheses",
        )
    };
    match (elements.len(), operator) {
        (0, _) => Err(empty()),
        (1, _) => elements.pop().ok_or_else(empty),
        (_, Some(Operator::And)) => Ok(Expr::All(elements)),
        // Without an operator (`(a)(b)`) Spring's parser joins with "or".
        (_, _) => Ok(Expr::Any(elements)),
    }
}

impl Expr {
    /// Whether the expression holds when `accepted` says which profiles are.
    pub(super) fn matches(&self, accepted: &impl Fn(&str) -> bool) -> bool {
        match self {
            Expr::Name(name) => accepted(name),
            Expr::Not(inner) => !inner.matches(accepted),
            Expr::All(all) => all.iter().all(|e| e.matches(accepted)),
            Expr::Any(any) => any.iter().any(|e| e.matches(accepted)),
        }
    }

    /// Every profile name the expression mentions, negated or not.
    pub(super) fn names<'e>(&'e self, out: &mut Vec<&'e str>) {
        match self {
            Expr::Name(name) => out.push(name),
            Expr::Not(inner) => inner.names(out),
            Expr::All(list) | Expr::Any(list) => list.iter().for_each(|e| e.names(out)),
        }
    }

    /// The smallest sets of profiles that, active together, may satisfy the expression:
    /// the names each alternative needs (`(a | b) & c` → `a, c` and `b, c`; a negation
    /// needs none). At most [`MAX_SETS`], each without repeats.
    pub(super) fn needed_sets(&self) -> Vec<Vec<String>> {
        match self {
            Expr::Name(name) => vec![vec![name.clone()]],
            Expr::Not(_) => vec![Vec::new()],
            Expr::Any(any) => {
                let mut sets: Vec<Vec<String>> = Vec::new();
                for set in any.iter().flat_map(Expr::needed_sets) {
                    if sets.len() < MAX_SETS && !sets.contains(&set) {
                        sets.push(set);
                    }
                }
                sets
            }
            Expr::All(all) => all.iter().fold(vec![Vec::new()], |sets, e| {
                if sets.is_empty() {
                    // Every set outgrew MAX_SET_NAMES: nothing left to combine.
                    return sets;
                }
                let mut product = Vec::new();
                for left in &sets {
                    for right in e.needed_sets() {
                        let mut set = left.clone();
                        set.extend(right.into_iter().filter(|n| !left.contains(n)));
                        if set.len() <= MAX_SET_NAMES
                            && product.len() < MAX_SETS
                            && !product.contains(&set)
                        {
                            product.push(set);
                        }
                    }
                }
                product
            }),
        }
    }
}

/// Most profile combinations one expression adds: each is a pool to read and check.
pub(super) const MAX_SETS: usize = 8;

/// Most profiles one combination holds: an `&` of more (a generated condition) adds no
/// combination, and building ever longer sets made a long `a & b & …` quadratic.
const MAX_SET_NAMES: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(expression: &str, active: &[&str]) -> bool {
        let expr = parse(expression).unwrap_or_else(|e| panic!("{expression}: {e:?}"));
        expr.matches(&|p: &str| active.contains(&p))
    }

    #[test]
    fn operators_follow_spring() {
        assert!(holds("prod & eu", &["prod", "eu"]));
        assert!(!holds("prod & eu", &["prod"]));
        assert!(holds("prod | staging", &["staging"]));
        assert!(!holds("prod | staging", &["dev"]));
        assert!(holds("!dev", &["prod"]));
        assert!(!holds("!dev", &["dev"]));
        assert!(holds("(prod | staging) & eu", &["staging", "eu"]));
        assert!(!holds("(prod | staging) & eu", &["staging"]));
        assert!(holds("!(prod & eu)", &["prod"]));
        assert!(!holds("!(prod & eu)", &["prod", "eu"]));
        assert!(holds("prod & !eu", &["prod"]));
        assert!(holds("a & b & c", &["a", "b", "c"]));
        // Names are everything between operators, trimmed (spaces inside are kept).
        assert!(holds(" my profile ", &["my profile"]));
        // ProfilesParser does not check that parentheses balance.
        assert!(holds("(prod & eu", &["prod", "eu"]));
        assert!(holds("prod) | eu", &["eu"]));
    }

    #[test]
    fn malformed_expressions_are_refused() {
        for bad in [
            "prod & eu | us",
            "a | b & c",
            "",
            "  ",
            "&",
            "!",
            "()",
            "prod & ()",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        // Nesting Spring accepts is read (the bound was 64); past 1,000 levels it is not.
        let nested = format!("{}a{}", "(".repeat(200), ")".repeat(200));
        assert!(parse(&nested).is_ok_and(|e| e == Expr::Name("a".into())));
        assert!(parse(&format!("{}a", "!".repeat(201))).is_ok());
        let deep = format!("{}a", "(".repeat(2000));
        assert!(parse(&deep).is_err());
        // Mixed, but with parentheses.
        assert!(parse("(a & b) | c").is_ok());
        // A trailing operator has its one element (Spring's merge accepts it).
        assert!(parse("prod &").is_ok());
    }

    #[test]
    fn needed_sets_list_what_each_alternative_needs() {
        let sets = |e: &str| parse(e).map(|e| e.needed_sets()).unwrap_or_default();
        assert_eq!(sets("prod & eu"), [vec!["prod", "eu"]]);
        assert_eq!(
            sets("(prod | staging) & eu"),
            [vec!["prod", "eu"], vec!["staging", "eu"]]
        );
        assert_eq!(sets("prod & !eu"), [vec!["prod"]]);
        assert_eq!(sets("a | b"), [vec!["a"], vec!["b"]]);
        let wide = (0..20)
            .map(|i| format!("(a{i} | b{i})"))
            .collect::<Vec<_>>();
        assert!(sets(&wide.join(" & ")).len() <= MAX_SETS);
        // An `&` of more than MAX_SET_NAMES profiles adds no combination (building ever
        // longer sets was quadratic: 20,000 names took seconds).
        let long = (0..20_000).map(|i| format!("p{i}")).collect::<Vec<_>>();
        assert!(sets(&long.join(" & ")).is_empty());
        assert_eq!(sets(&long[..MAX_SET_NAMES].join(" & ")).len(), 1);
    }
}
