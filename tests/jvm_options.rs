//! Spring properties from a container's JVM options and shell command: the JVM's option
//! variables (`JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `_JAVA_OPTIONS`), a `sh -c`
//! script running `java`, and a Compose service's `command`/`entrypoint`, read for
//! Kubernetes and Compose alike.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

mod common;

use common::{poollint, tree};

const DATABASE: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: db\n          image: postgres:16\n          args: [\"-c\", \"max_connections=100\"]\n";

const POOL: &str = "spring.datasource.hikari.maximum-pool-size";

/// A Deployment of 3 replicas whose container has `command` (its `command` and `args`
/// lines) and the `env` items `env`, after
/// `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: "30"`.
fn deployment(command: &str, env: &str) -> String {
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  strategy:\n    type: Recreate\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n{command}          env:\n            - name: SPRING_DATASOURCE_URL\n              value: jdbc:postgresql://db:5432/app?socketTimeout=30\n            - name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE\n              value: \"30\"\n{env}")
}

/// An `env` item setting `name` to `value` (a YAML scalar as written).
fn env(name: &str, value: &str) -> String {
    format!("            - name: {name}\n              value: {value}\n")
}

/// The steady demand on the database and the concise findings of `files`.
fn run(files: &[(&str, &str)]) -> (serde_json::Value, String) {
    let dir = tree(files);
    let capacity = poollint()
        .args(["capacity", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let capacity: serde_json::Value = serde_json::from_slice(&capacity.stdout).expect("JSON");
    let check = poollint()
        .args(["check", "-f", "concise"])
        .arg(dir.path())
        .output()
        .expect("run");
    let out = String::from_utf8(check.stdout).expect("UTF-8");
    (capacity["databases"][0]["demand_steady"].clone(), out)
}

/// The text the `fleet-exceeds-db-slots` finding of `out` points at in `text` (the file
/// whose name ends `file`), `len` bytes from its line and column.
fn fleet_finding_text<'t>(out: &str, file: &str, text: &'t str, len: usize) -> &'t str {
    let line = out
        .lines()
        .find(|l| l.contains("error[fleet-exceeds-db-slots]"))
        .unwrap_or_else(|| panic!("no fleet finding: {out}"));
    let at = line.find(&format!("{file}:")).expect("file") + file.len() + 1;
    let mut place = line[at..].split(':');
    let row: usize = place.next().unwrap().parse().unwrap();
    let column: usize = place.next().unwrap().parse().unwrap();
    let start: usize = text
        .lines()
        .take(row - 1)
        .map(|l| l.len() + 1)
        .sum::<usize>()
        + column
        - 1;
    &text[start..start + len]
}

/// The steady demand and findings of the Deployment with `command` and `env` beside
/// the database.
fn k8s(command: &str, env: &str) -> (serde_json::Value, String) {
    let web = deployment(command, env);
    run(&[("k8s/db.yaml", DATABASE), ("k8s/web.yaml", &web)])
}

/// `JAVA_TOOL_OPTIONS` was not read: its `-Dspring.*` options are system properties,
/// which outrank the environment (3 × 25, not 3 × 30), and the finding points at the
/// option's value inside the variable.
#[test]
fn java_tool_options_set_system_properties_over_the_environment() {
    let (demand, out) = k8s(
        "",
        &env("JAVA_TOOL_OPTIONS", &format!("\"-Xmx1g '-D{POOL}=40'\"")),
    );
    assert_eq!(demand, 120);
    let web = deployment(
        "",
        &env("JAVA_TOOL_OPTIONS", &format!("\"-Xmx1g '-D{POOL}=40'\"")),
    );
    assert_eq!(fleet_finding_text(&out, "web.yaml", &web, 3), "40'");
    let (demand, _) = k8s("", &env("JAVA_TOOL_OPTIONS", &format!("-D{POOL}=25")));
    assert_eq!(demand, 75);
    // An unclosed quote: the JVM does not start, and nothing is read.
    let (demand, _) = k8s("", &env("JAVA_TOOL_OPTIONS", &format!("\"'-D{POOL}=25\"")));
    assert_eq!(demand, 90);
    // `SPRING_APPLICATION_JSON` outranks the system properties.
    let json = env("SPRING_APPLICATION_JSON", &format!("'{{\"{POOL}\": 20}}'"));
    let (demand, _) = k8s(
        "",
        &format!(
            "{json}{}",
            env("JAVA_TOOL_OPTIONS", &format!("-D{POOL}=25"))
        ),
    );
    assert_eq!(demand, 60);
}

/// The JVM reads `JAVA_TOOL_OPTIONS` before its command line and `_JAVA_OPTIONS` after
/// it; the launcher puts `JDK_JAVA_OPTIONS` before its own arguments: of one system
/// property set in several, the last the JVM reads wins.
#[test]
fn jvm_option_variables_rank_around_the_command_line() {
    let tool = env("JAVA_TOOL_OPTIONS", &format!("-D{POOL}=10"));
    let jdk = env("JDK_JAVA_OPTIONS", &format!("-D{POOL}=11"));
    let late = env("_JAVA_OPTIONS", &format!("-D{POOL}=13"));
    let java = format!("          command: [java, -D{POOL}=12, -jar, app.jar]\n");
    assert_eq!(k8s("", &format!("{jdk}{tool}")).0, 33);
    assert_eq!(k8s(&java, &format!("{jdk}{tool}")).0, 36);
    assert_eq!(k8s(&java, &format!("{late}{jdk}{tool}")).0, 39);
    // An application's argument outranks them all.
    let argument = format!("          args: [--{POOL}=14]\n");
    assert_eq!(k8s(&argument, &format!("{late}{jdk}{tool}")).0, 42);
}

/// `sh -c "java …"` was not read: a script that runs one `java` command (after
/// `cd dir &&`, with `exec`) is read as that command, its words split as a POSIX shell
/// splits them, findings pointing inside the script.
#[test]
fn a_shell_script_running_java_is_read_as_its_java_command() {
    let shell = format!("          command: [sh, -c, \"exec java -D{POOL}=40 -jar /app.jar\"]\n");
    let (demand, out) = k8s(&shell, "");
    assert_eq!(demand, 120);
    let web = deployment(&shell, "");
    assert_eq!(fleet_finding_text(&out, "web.yaml", &web, 3), "40 ");
    let split = format!(
        "          command: [/bin/sh, -ec]\n          args: [\"cd /app && java '-D{POOL}=25' -jar app.jar --{POOL}=40\"]\n"
    );
    assert_eq!(k8s(&split, "").0, 120);
    // A block scalar's lines, joined by backslashes: read, pointing at the script.
    let block = format!("          command: [bash, -c]\n          args:\n            - |\n              exec java \\\n                -D{POOL}=40 \\\n                -jar app.jar\n");
    let (demand, out) = k8s(&block, "");
    assert_eq!(demand, 120);
    let web = deployment(&block, "");
    assert_eq!(fleet_finding_text(&out, "web.yaml", &web, 9), "exec java");
    // What a static reader cannot follow is not read.
    for script in [
        format!("java $JAVA_OPTS -D{POOL}=25 -jar app.jar"),
        format!("java -D{POOL}=25 -jar app.jar; echo done"),
        format!("java -D{POOL}=25 -jar app.jar | tee log"),
        format!("./start.sh -D{POOL}=25"),
        format!("X=1 java -D{POOL}=25 -jar app.jar"),
    ] {
        let command = format!("          command: [sh, -c, {script:?}]\n");
        assert_eq!(k8s(&command, "").0, 90, "{script}");
    }
    // Arguments alone starting with `java` run as the command.
    let args = format!("          args: [java, -D{POOL}=25, -jar, app.jar]\n");
    assert_eq!(k8s(&args, "").0, 75);
}

const COMPOSE_DB: &str =
    "  db:\n    image: postgres:16\n    command: postgres -c max_connections=100\n";

/// A compose project of `db` and a `web` service of 3 replicas with `lines` (indented
/// for the service) and `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: "30"`.
fn compose(lines: &str) -> String {
    format!("services:\n{COMPOSE_DB}  web:\n    image: web:1\n    deploy:\n      replicas: 3\n{lines}    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n")
}

/// A compose service's `command` and `entrypoint` were not read for Spring: read as a
/// Kubernetes container's `args` and `command` are.
#[test]
fn a_compose_services_java_command_sets_spring_properties() {
    let demand = |lines: &str| run(&[("docker-compose.yml", &compose(lines))]);
    let java = format!("    command: java -D{POOL}=40 -jar app.jar\n");
    let (steady, out) = demand(&java);
    assert_eq!(steady, 120);
    let file = compose(&java);
    assert_eq!(
        fleet_finding_text(&out, "docker-compose.yml", &file, 3),
        "40 "
    );
    let list = format!("    command: [\"java\", \"-jar\", \"app.jar\", \"--{POOL}=40\"]\n");
    assert_eq!(demand(&list).0, 120);
    let shell = format!("    command: sh -c \"exec java -D{POOL}=25 -jar app.jar\"\n");
    assert_eq!(demand(&shell).0, 75);
    let entrypoint = format!(
        "    entrypoint: [\"java\", \"-D{POOL}=25\", \"-jar\", \"app.jar\"]\n    command: [\"--{POOL}=20\"]\n"
    );
    assert_eq!(demand(&entrypoint).0, 60);
    // Arguments for an image's entrypoint: only Spring's own `--` options.
    let arguments = format!("    command: [\"-D{POOL}=25\", \"--{POOL}=20\"]\n");
    assert_eq!(demand(&arguments).0, 60);
}

/// A compose service's `JAVA_TOOL_OPTIONS`, from `environment` or an `env_file`, sets
/// system properties as a Kubernetes container's does.
#[test]
fn a_compose_services_jvm_option_variables_set_spring_properties() {
    let service = format!(
        "services:\n{COMPOSE_DB}  web:\n    image: web:1\n    deploy:\n      replicas: 3\n    env_file: web.env\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/app?socketTimeout=30\n      SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE: \"30\"\n"
    );
    let from_file = format!("JAVA_TOOL_OPTIONS=-Xss1m -D{POOL}=40\n");
    let (steady, out) = run(&[("docker-compose.yml", &service), ("web.env", &from_file)]);
    assert_eq!(steady, 120);
    assert_eq!(fleet_finding_text(&out, "web.env", &from_file, 3), "40\n");
    let inline = compose(&format!(
        "    command: java -D{POOL}=20 -jar app.jar\n    env_file: web.env\n"
    ));
    // The command line wins over the variable.
    assert_eq!(
        run(&[("docker-compose.yml", &inline), ("web.env", &from_file)]).0,
        60
    );
    let environment = compose("").replace(
        "    environment:\n",
        &format!("    environment:\n      JAVA_TOOL_OPTIONS: -D{POOL}=25\n"),
    );
    assert_eq!(run(&[("docker-compose.yml", &environment)]).0, 75);
}

/// A JVM option variable with a quote left open stops the process before Spring starts
/// (HotSpot: "Unmatched quote in JAVA_TOOL_OPTIONS"; the launcher: "Error: Unmatched
/// quote in environment variable JDK_JAVA_OPTIONS"): a `parse-error` at the value, in a
/// Kubernetes manifest and in a compose file alike, and its options are not read.
#[test]
fn an_option_variable_with_an_open_quote_is_refused() {
    for name in ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"] {
        let value = format!("\"-D{POOL}=40 '-Dx=a b\"");
        let (steady, out) = k8s("", &env(name, &value));
        assert_eq!(steady, 90, "{name}: {out}");
        let refusal = out
            .lines()
            .find(|l| l.contains("error[parse-error]"))
            .unwrap_or_else(|| panic!("{name}: {out}"));
        assert!(refusal.contains("k8s/web.yaml:"), "{refusal}");
        assert!(
            refusal.contains(&format!("{name} leaves a quote open")),
            "{refusal}"
        );
        assert!(
            refusal.contains("the application does not start"),
            "{refusal}"
        );
    }
    let service = compose("").replace(
        "    environment:\n",
        "    environment:\n      JAVA_TOOL_OPTIONS: \"-Dspring.a='1\"\n",
    );
    let (_, out) = run(&[("docker-compose.yml", &service)]);
    assert!(
        out.contains("JAVA_TOOL_OPTIONS leaves a quote open: the JVM stops with"),
        "{out}"
    );
    // Closed, it is read and refused nothing.
    let (steady, out) = k8s(
        "",
        &env("JAVA_TOOL_OPTIONS", &format!("\"-D{POOL}=40 '-Dx=a b'\"")),
    );
    assert_eq!(steady, 120, "{out}");
    assert!(!out.contains("parse-error"), "{out}");
}
