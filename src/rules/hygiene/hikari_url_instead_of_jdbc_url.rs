//! `hikari-url-instead-of-jdbc-url`: A Hikari data source bound directly from properties uses `url`, which Hikari does not have (it needs `jdbc-url`).
//!
//! Spring Boot's how-to: a custom `DataSource` bound directly to a Hikari type \"does not
//! work because Hikari has no `url` property\" [SB-HOWTO]; HikariCP then fails validation
//! without a URL [HK-CFG].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Pool};
use crate::rules::{hikari_pools, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-url-instead-of-jdbc-url",
    category: Category::Hygiene,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "A Hikari data source bound directly from properties uses `url`, which Hikari does not have (it needs `jdbc-url`).",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in hikari_pools(model) {
            out.extend(check(pool));
        }
    }
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let url = pool.class_settings.url.as_ref()?;
    if pool.class_settings.provided_by_framework || pool.class_settings.jdbc_url.is_some() {
        return None;
    }
    let message = format!(
        "{}.url is not bound: this data source is bound directly to HikariCP, which has no `url` property (it is `jdbc-url`), so the pool gets no URL and fails at start-up",
        pool.name
    );
    Some(
        Diagnostic::new(&META, Severity::Error, url.location()?, message)
            .with_label("HikariCP ignores `url`")
            .with_help(format!("rename it to {}.jdbc-url", pool.name))
            .with_key(format!("{}.url", pool.name)),
    )
}
