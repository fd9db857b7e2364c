//! `plaintext-credentials-in-pool-config`: A database password is written literally in a configuration file.
//!
//! Heuristic detector [HK-CFG]: literal passwords in password keys, in the defaults of
//! `${VAR:default}` placeholders, and inside connection URLs (`user:secret@`,
//! `password=`). The diagnostic points at the secret; every output masks it.
use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Secret};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};
use crate::source::{FileId, Span};

pub static META: RuleMeta = RuleMeta {
    name: "plaintext-credentials-in-pool-config",
    category: Category::Security,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "A database password is written literally in a configuration file.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let kept_in_secrets = secret_object_values(model);
        let in_a_secret = |secret: &Secret| {
            let location = secret.location;
            kept_in_secrets
                .get(&location.file)
                .is_some_and(|spans| spans.iter().any(|s| s.contains(location.span)))
        };
        for secret in model
            .secrets
            .iter()
            .filter(|s| s.literal && is_database_key(&s.key) && !in_a_secret(s))
        {
            out.push(diagnostic(secret));
        }
    }
}

/// Where the values of Kubernetes `kind: Secret` objects are written, by file: a
/// password read from one (a `SPRING_DATASOURCE_URL` through `secretKeyRef`) is kept
/// where credentials belong, not written in a configuration file.
fn secret_object_values(model: &Model) -> HashMap<FileId, Vec<Span>> {
    let mut by_file: HashMap<FileId, Vec<Span>> = HashMap::new();
    let values = model
        .secrets
        .iter()
        .filter(|s| s.kind == crate::ecosystems::KUBERNETES_SECRET_VALUE);
    for secret in values {
        by_file
            .entry(secret.location.file)
            .or_default()
            .push(secret.location.span);
    }
    by_file
}

/// Passwords of databases and their pools. Mail, Redis or LDAP passwords are masked in
/// every output like any secret, but they are not this rule's business: reporting them
/// would be noise a pool linter cannot defend.
fn is_database_key(key: &str) -> bool {
    const NOT_DATABASE: &[&str] = &[
        "mail",
        "redis",
        "ldap",
        "rabbitmq",
        "kafka",
        "security",
        "mongodb",
        "elasticsearch",
    ];
    let lower = key.to_ascii_lowercase();
    !lower
        .split(['.', '_', '-'])
        .any(|segment| NOT_DATABASE.contains(&segment))
}

fn diagnostic(secret: &Secret) -> Diagnostic {
    let message = match secret.kind {
        "placeholder default" | "ERB default" => format!(
            "{} is a placeholder whose default is a literal password written in the file",
            secret.key
        ),
        "connection string password" => format!(
            "the connection string in {} contains a literal password",
            secret.key
        ),
        _ => format!("{} holds a literal password", secret.key),
    };
    let help = match secret.kind {
        "placeholder default" => "remove the default (`${DB_PASSWORD}` alone) so the password comes only from the environment or a secret store, and rotate the exposed password",
        "ERB default" => "remove the default (`<%= ENV.fetch(\"DB_PASSWORD\") %>` alone) so the password comes only from the environment or a secret store, and rotate the exposed password",
        _ => "read it from the environment or a secret store, e.g. `${DB_PASSWORD}` without a default, and rotate the exposed password",
    };
    Diagnostic::new(&META, Severity::Warning, secret.location, message)
        .with_label("literal password (masked)")
        .with_help(help)
        .with_key(secret.key.clone())
        .with_fingerprint(secret.kind)
}
