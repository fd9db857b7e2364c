//! `hikari-datasource-class-conflict`: HikariCP is given conflicting or missing data-source classes and URL, so it fails at start-up or ignores a setting.
//!
//! `HikariConfig.validate()` [HK-CFG]: `driverClassName` with `dataSourceClassName` throws
//! `IllegalStateException`; `driverClassName` without `jdbcUrl` throws
//! `IllegalArgumentException`; `dataSourceClassName` with `jdbcUrl` logs \"ignoring
//! jdbcUrl\" (warning). A pool with no data source at all is not reported: application
//! code can supply one, which configuration cannot show.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Pool};
use crate::rules::{hikari_pools, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-datasource-class-conflict",
    category: Category::Hygiene,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP is given conflicting or missing data-source classes and URL, so it fails at start-up or ignores a setting.",
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

/// Whether the driver class is Spring Boot's `spring.datasource.driver-class-name` (the
/// reader keys it so, as the deployment overlay tells it apart), which the
/// auto-configured pool takes only without a `data-source-class-name` since Spring Boot
/// 3.3.11 and 3.4.5 (spring-boot#44938); `spring.datasource.hikari.driver-class-name` is
/// bound onto the pool whatever Spring Boot sets itself.
fn is_spring_driver(setting: &crate::model::Setting<String>) -> bool {
    setting.origin.key() == Some(crate::ecosystems::spring::SPRING_DRIVER_CLASS_NAME)
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let classes = &pool.class_settings;
    let driver = classes.driver_class_name.as_ref();
    let data_source = classes.data_source_class_name.as_ref();
    let key = |property: &str| format!("{}.{property}", pool.name);
    if let (Some(driver), Some(data_source)) = (driver, data_source) {
        let (severity, message) = match classes.provided_by_framework && is_spring_driver(driver) {
            true => (Severity::Warning, "spring.datasource.driver-class-name is set beside data-source-class-name: Spring Boot 3.3.11, 3.4.5, 3.5 and later leave the driver class out (it is not used), but earlier versions pass both and HikariCP throws IllegalStateException(\"cannot use driverClassName and dataSourceClassName together.\"), so the application fails to start"),
            false => (Severity::Error, "driver-class-name and data-source-class-name are both set: HikariCP throws IllegalStateException(\"cannot use driverClassName and dataSourceClassName together.\") and the application fails to start"),
        };
        return Some(
            Diagnostic::new(&META, severity, data_source.location()?, message)
                .with_label("data-source-class-name")
                .with_related(driver.location(), "driver-class-name")
                .with_help("keep one: driver-class-name with a jdbc-url, or data-source-class-name with data-source-properties")
                .with_key(key("data-source-class-name")),
        );
    }
    if let (Some(driver), None, false) = (driver, &classes.jdbc_url, classes.provided_by_framework)
    {
        if classes.url.is_none() {
            let message = "driver-class-name is set without jdbc-url: HikariCP throws IllegalArgumentException (jdbcUrl is required with driverClassName) and the application fails to start";
            return Some(
                Diagnostic::new(&META, Severity::Error, driver.location()?, message)
                    .with_label("no jdbc-url for this driver")
                    .with_help(format!("set {}", key("jdbc-url")))
                    .with_key(key("driver-class-name")),
            );
        }
    }
    let (data_source, url) = (data_source?, classes.jdbc_url.as_ref()?);
    let message = "data-source-class-name is set together with a JDBC URL: HikariCP logs \"ignoring jdbcUrl\" and connects with the data source's own properties";
    Some(
        Diagnostic::new(&META, Severity::Warning, data_source.location()?, message)
            .with_label("the URL is ignored")
            .with_related(url.location(), "this URL is not used")
            .with_help("remove data-source-class-name to use the URL, or move the connection settings to data-source-properties")
            .with_key(key("data-source-class-name")),
    )
}
