//! `open-session-in-view`: Spring's Open Session in View holds a connection for the whole web request.
//!
//! Spring Boot enables `OpenEntityManagerInViewInterceptor` unless
//! `spring.jpa.open-in-view` is set to false [SB-JPA]; the connection is then held for
//! the whole web request, which lengthens hold time.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{JpaFacts, Model};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "open-session-in-view",
    category: Category::Concurrency,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "Spring's Open Session in View holds a connection for the whole web request.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for service in &model.services {
            if let Some(diagnostic) = service.jpa.as_deref().and_then(check) {
                out.push(diagnostic);
            }
        }
    }
}

fn check(jpa: &JpaFacts) -> Option<Diagnostic> {
    let help = "set spring.jpa.open-in-view: false and load what views need inside @Transactional service methods";
    let (at, message, label) = match &jpa.open_in_view {
        None => (
            jpa.anchor,
            "spring.jpa.open-in-view is not set, so Spring Boot enables Open Session in View: each web request keeps its database connection until the response is rendered",
            "JPA is configured here without open-in-view",
        ),
        Some(setting) if setting.get() == Some(&true) => (
            setting.location()?,
            "spring.jpa.open-in-view is true: each web request keeps its database connection until the response is rendered, so connections are held far longer than transactions",
            "Open Session in View enabled",
        ),
        Some(_) => return None,
    };
    Some(
        Diagnostic::new(&META, Severity::Warning, at, message)
            .with_label(label)
            .with_help(help)
            .with_key("spring.jpa.open-in-view")
            .with_fingerprint(label),
    )
}
