//! `poollint capacity`: the numbers behind the load and topology rules, per service pool
//! and per database, as a table or JSON. It reuses the rules' arithmetic so the report
//! and the findings never disagree.

use serde::Serialize;

use crate::capacity;
use crate::load::{number, pool_loads, probability, PoolLoad};
use crate::model::{Library, Model};
use crate::rules::topology::{fleets, peak_instances, steady, usable_slots};

#[derive(Debug, Serialize)]
pub struct CapacityReport {
    pub pools: Vec<PoolRow>,
    pub databases: Vec<DatabaseRow>,
    /// Why both tables are empty, for the text output (JSON's empty lists say it).
    #[serde(skip)]
    pub empty_because: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PoolRow {
    pub service: String,
    pub pool: String,
    /// The Spring profile, Rails/Node environment or `.env.<name>` the pool belongs to
    /// (None: the default configuration): a service's profiles each get a row.
    pub profile: Option<String>,
    pub pool_max: u64,
    pub offered_load: f64,
    pub utilisation: f64,
    /// Erlang C: probability that a checkout waits at all.
    pub p_wait: f64,
    /// Probability that a checkout waits longer than the acquire timeout.
    pub p_timeout: Option<f64>,
    pub mean_wait_ms: Option<f64>,
    pub acquire_timeout_ms: Option<u64>,
    /// Smallest pool both sizing rules pass: utilisation within
    /// `pool-saturated-by-declared-load`'s `warn-utilization`, and the service's
    /// max-wait-probability met (as those rules' help says).
    pub smallest_passing_pool: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct DatabaseRow {
    pub database: String,
    pub usable_slots: i64,
    /// None (`null`) when a pool has no maximum: the demand has no upper bound.
    pub demand_steady: Option<i64>,
    pub demand_peak: Option<i64>,
    /// `service/pool` of every pool without a maximum (catalogue SZ03), which makes
    /// the demand unbounded.
    pub unbounded_pools: Vec<String>,
}

/// The report; `warn_at` is `pool-saturated-by-declared-load`'s `warn-utilization`.
pub fn build(model: &Model, warn_at: f64) -> CapacityReport {
    let pools: Vec<PoolRow> = pool_loads(model)
        .iter()
        .map(|load| pool_row(load, warn_at))
        .collect();
    let mut databases: Vec<DatabaseRow> = fleets(model)
        .iter()
        .map(|fleet| {
            let unbounded_pools: Vec<String> = fleet
                .members
                .iter()
                .flat_map(|m| {
                    m.unbounded
                        .iter()
                        .map(|p| format!("{}/{}", m.service.name, p.name))
                })
                .collect();
            // An unbounded pool is no 0: the demand has no bound to print.
            let bounded = unbounded_pools.is_empty();
            DatabaseRow {
                database: fleet.database.name.clone(),
                usable_slots: fleet.slots.usable,
                demand_steady: bounded.then(|| fleet.demand(steady)),
                demand_peak: bounded.then(|| fleet.demand(peak_instances)),
                unbounded_pools,
            }
        })
        .collect();
    add_pooler_demand(model, &mut databases);
    let empty_because = (pools.is_empty() && databases.is_empty()).then(|| empty_because(model));
    CapacityReport {
        pools,
        databases,
        empty_because,
    }
}

/// The pool libraries poollint reads sizes of, for [`empty_because`].
const MODELLED: &[Library] = &[
    Library::HikariCp,
    Library::ActiveRecord,
    Library::NodePostgres,
    Library::Knex,
    Library::Sequelize,
    Library::TypeOrm,
    Library::Prisma,
    Library::Npgsql,
    Library::SqlClient,
    Library::MySqlConnector,
];

/// What is missing when there is nothing to report: the services the manifest links
/// to a database or gives a load that have no pool with a maximum poollint reads (a
/// Spring `spring.datasource.type` of Tomcat JDBC, say), else the links, else the
/// topology itself.
fn empty_because(model: &Model) -> String {
    let sized = |service: &crate::model::Service| {
        crate::model::links::pools(model, service).any(|p| p.max.get().is_some())
    };
    let without_pool: Vec<String> = model
        .services
        .iter()
        .filter(|s| s.connects_to.is_some() || s.load.is_some())
        .filter(|s| !sized(s))
        .map(|s| format!("`{}`", shown(&s.name)))
        .collect();
    // Databases are named after their directory without a manifest, so names repeat.
    let mut seen = std::collections::HashSet::new();
    let databases: Vec<String> = model
        .databases
        .iter()
        .filter(|d| seen.insert(d.name.as_str()))
        .map(|d| format!("`{}`", shown(&d.name)))
        .collect();
    if !without_pool.is_empty() {
        let libraries: Vec<&str> = MODELLED.iter().map(|l| l.name()).collect();
        let (noun, verb, own) = if without_pool.len() == 1 {
            ("service", "has", "its")
        } else {
            ("services", "have", "their")
        };
        let (last, first) = libraries.split_last().unwrap_or((&"", &[]));
        return format!(
            "Nothing to count: {noun} {} {verb} no pool poollint models: {own} config files configure no {} or {last} pool with a maximum, so none of {own} connections or load are counted.\n",
            listed(&without_pool),
            first.join(", "),
        );
    }
    if !databases.is_empty() {
        let (noun, them) = match databases.len() {
            1 => ("database", "it"),
            _ => ("databases", "them"),
        };
        return format!(
            "Nothing to count against {noun} {}: no service with a pool poollint models is linked to {them}; declare the services that use {them} in poollint.toml, each with connects-to.\n",
            listed(&databases)
        );
    }
    "No declared load or database topology: add [[service]] with [service.load] and [[database]] to poollint.toml.\n".to_owned()
}

/// At most 8 names, then how many more.
fn listed(names: &[String]) -> String {
    crate::diagnostic::first_few(names, ", ", 8)
}

/// Add the server connections each PgBouncer may open to its database (instances ×
/// its pools' budget, as `pgbouncer-server-conns-exceed-postgres` counts them; the same
/// at peak: autoscaling adds clients, not server pools).
fn add_pooler_demand(model: &Model, databases: &mut Vec<DatabaseRow>) {
    let links = crate::model::links::Links::new(model);
    for pooler in &model.poolers {
        let Some(database) = links.pooler_database(pooler) else {
            continue;
        };
        let Some(slots) = usable_slots(model, database) else {
            continue;
        };
        let server = crate::rules::topology::pooler_connections(model, &links, pooler);
        match databases
            .iter_mut()
            .find(|row| row.database == database.name)
        {
            Some(row) => {
                row.demand_steady = row.demand_steady.map(|d| d.saturating_add(server));
                row.demand_peak = row.demand_peak.map(|d| d.saturating_add(server));
            }
            None => databases.push(DatabaseRow {
                database: database.name.clone(),
                usable_slots: slots.usable,
                demand_steady: Some(server),
                demand_peak: Some(server),
                unbounded_pools: Vec::new(),
            }),
        }
    }
}

fn pool_row(load: &PoolLoad, warn_at: f64) -> PoolRow {
    // The wait the sizing rules judge: the acquire timeout, or with none (0) the
    // request deadline minus the hold time.
    let timeout = crate::rules::sizing::wait_limit(load).map(|(limit, _)| limit);
    let stable = !load.unstable();
    PoolRow {
        service: load.service.name.clone(),
        pool: load.pool.name.clone(),
        profile: load.pool.profile.clone(),
        pool_max: load.servers,
        offered_load: load.offered,
        utilisation: load.utilisation(),
        p_wait: capacity::erlang_c(load.servers, load.offered).unwrap_or(1.0),
        p_timeout: match timeout {
            Some(t) if stable => {
                capacity::prob_wait_exceeds(load.servers, load.offered, t, load.hold)
            }
            Some(_) => Some(1.0),
            None => None,
        },
        mean_wait_ms: stable
            .then(|| capacity::mean_wait(load.servers, load.offered, load.hold))
            .flatten()
            .map(|d| d.as_secs_f64() * 1000.0),
        acquire_timeout_ms: timeout.map(|t| t.as_millis() as u64),
        smallest_passing_pool: crate::rules::sizing::smallest_passing_pool(load, warn_at),
    }
}

/// The report as aligned text tables.
pub fn render_text(report: &CapacityReport) -> String {
    let mut out = String::new();
    if let Some(why) = &report.empty_because {
        out.push_str(why);
        return out;
    }
    if !report.pools.is_empty() {
        let rows: Vec<Vec<String>> = report.pools.iter().map(pool_cells).collect();
        out.push_str(&table(
            &[
                "service",
                "pool",
                "max",
                "load",
                "util",
                "P(wait)",
                "P(timeout)",
                "mean wait",
                "needs",
            ],
            &rows,
        ));
    }
    if !report.databases.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = report
            .databases
            .iter()
            .map(|d| {
                let demand = |value: Option<i64>| match value {
                    Some(value) => value.to_string(),
                    None => format!(
                        "unbounded ({} has no maximum)",
                        d.unbounded_pools.join(", ")
                    ),
                };
                vec![
                    d.database.clone(),
                    d.usable_slots.to_string(),
                    demand(d.demand_steady),
                    demand(d.demand_peak),
                ]
            })
            .collect();
        out.push_str(&table(
            &["database", "usable slots", "steady demand", "peak demand"],
            &rows,
        ));
    }
    out
}

fn pool_cells(row: &PoolRow) -> Vec<String> {
    vec![
        row.service.clone(),
        match &row.profile {
            Some(profile) => format!("{} [{profile}]", row.pool),
            None => row.pool.clone(),
        },
        row.pool_max.to_string(),
        number(row.offered_load),
        format!("{}%", number(row.utilisation * 100.0)),
        probability(row.p_wait),
        row.p_timeout.map_or("-".into(), probability),
        row.mean_wait_ms
            .map_or("-".into(), |ms| format!("{} ms", number(ms))),
        row.smallest_passing_pool
            .map_or("-".into(), |n| n.to_string()),
    ]
}

/// A name from the manifest or a file as the text and the chart show it: its control
/// characters escaped, as `check` shows them (printed raw they would drive the terminal,
/// and XML cannot hold most of them).
fn shown(name: &str) -> std::borrow::Cow<'_, str> {
    crate::redact::escaped_controls(name)
}

/// Aligned columns of `rows` under `header`, each cell [`shown`].
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<std::borrow::Cow<'_, str>>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| shown(cell)).collect())
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain(std::iter::once(header.get(i).map_or(0, |h| h.len())))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(|cell| cell.as_ref()).collect()));
    }
    out
}

/// `--format svg`: one chart per pool of utilisation and P(timeout) against the fleet's
/// request rate from 0 to twice the declared peak, with the peak and the pool's breaking
/// point (utilisation 100 %) marked, drawn with `plotters`.
pub fn render_svg(model: &Model) -> Result<String, String> {
    use plotters::prelude::*;
    let loads = pool_loads(model);
    let mut svg = String::new();
    if loads.is_empty() {
        return Err("no pool with declared load: add [service.load] to poollint.toml".to_owned());
    }
    {
        let height = 340 * loads.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (860, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let areas = root.split_evenly((loads.len(), 1));
        for (area, load) in areas.iter().zip(&loads) {
            draw_pool(area, load).map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw_pool<DB: plotters::prelude::DrawingBackend>(
    area: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    load: &PoolLoad,
) -> Result<(), plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>> {
    use plotters::prelude::*;
    let peak = load.load.peak_rps.get().copied().unwrap_or(1.0);
    // The wait the sizing rules judge: the acquire timeout, or with none (0) the
    // request deadline minus the hold time.
    let timeout = crate::rules::sizing::wait_limit(load).map(|(limit, _)| limit);
    // Offered load is proportional to the rate: A(r) = A(peak) × r / peak.
    let at_rate = |rate: f64| load.offered * rate / peak;
    let breaking = peak * load.servers as f64 / load.offered.max(f64::MIN_POSITIVE);
    let x_max = (2.0 * peak).max(1.0);
    let points: Vec<f64> = (0..=200).map(|i| x_max * i as f64 / 200.0).collect();
    let title = format!(
        "{} / {}: pool {} per process, declared peak {} req/s",
        shown(&load.service.name),
        shown(&load.pool.name),
        load.servers,
        number(peak)
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..x_max, 0f64..1.5f64)?;
    chart
        .configure_mesh()
        .x_desc("fleet requests per second")
        .y_desc("utilisation, P(timeout)")
        .draw()?;
    let utilisation = points
        .iter()
        .map(|&r| (r, (at_rate(r) / load.servers as f64).min(1.5)));
    chart
        .draw_series(LineSeries::new(utilisation, &BLUE))?
        .label("utilisation")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    let p_timeout = points.iter().map(|&r| {
        let a = at_rate(r);
        let p = match timeout {
            _ if a >= load.servers as f64 => 1.0,
            Some(t) => capacity::prob_wait_exceeds(load.servers, a, t, load.hold).unwrap_or(1.0),
            None => capacity::erlang_c(load.servers, a).unwrap_or(1.0),
        };
        (r, p)
    });
    chart
        .draw_series(LineSeries::new(p_timeout, &RED))?
        .label(if timeout.is_some() {
            "P(wait > acquire timeout)"
        } else {
            "P(wait)"
        })
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(peak, 0.0), (peak, 1.5)],
            BLACK,
        )))?
        .label("declared peak")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    if breaking <= x_max {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(breaking, 0.0), (breaking, 1.5)],
                MAGENTA,
            )))?
            .label(format!("breaking point {} req/s", number(breaking)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MAGENTA));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
