//! `pgbouncer-insecure-auth-type`: PgBouncer's `auth_type` is `any` or `trust` (no
//! authentication: error) or `plain` (clear-text passwords on the wire, deprecated:
//! warning), catalogue SC01 [PGB-CFG].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pgbouncer-insecure-auth-type",
    category: Category::Security,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "PgBouncer lets clients in without authentication (any, trust) or with clear-text passwords (plain).",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pooler in &model.poolers {
            let Some(setting) = &pooler.auth_type else {
                continue;
            };
            let Some(value) = setting.get() else { continue };
            let Some(at) = setting.location() else {
                continue;
            };
            let (severity, why) = match value.as_str() {
                "any" => (Severity::Error, "any user name is accepted without a password, and the admin console lets anyone in as admin"),
                "trust" => (Severity::Error, "clients connect without a password"),
                "plain" => (Severity::Warning, "passwords cross the network in clear text (deprecated in PgBouncer)"),
                _ => continue,
            };
            out.push(
                Diagnostic::new(&META, severity, at, format!("PgBouncer auth_type is {value}: {why}"))
                    .with_label(format!("auth_type = {value}"))
                    .with_help("set auth_type = scram-sha-256 and list the users in auth_file or use auth_query")
                    .with_key("pgbouncer.auth_type")
                    .with_fingerprint(value),
            );
        }
    }
}
