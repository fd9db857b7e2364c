//! Timeouts rules.

pub mod acquire_timeout_exceeds_request_deadline;
pub mod acquire_timeout_infinite;
pub mod driver_socket_timeout_missing;
pub mod hikari_timeout_constraints;
pub mod idle_in_transaction_timeout_missing;
pub mod pgbouncer_client_idle_timeout_below_client_lifetime;
pub mod pgbouncer_query_timeout_without_statement_timeout;
pub mod pooler_queue_timeout_exceeds_request_deadline;
pub mod server_idle_timeout_kills_pooled_connections;
pub mod statement_timeout_missing;

/// Half of `limit` in seconds as PgBouncer reads them: whole when it is, else with up
/// to three decimals (PgBouncer takes fractions: its times are kept in microseconds),
/// so the suggestion is below the limit and not 0, which means "forever".
pub(crate) fn half_in_seconds(limit: std::time::Duration) -> String {
    let half_ms = (limit.as_millis() / 2).max(1);
    if half_ms % 1000 == 0 {
        return (half_ms / 1000).to_string();
    }
    let text = format!("{}.{:03}", half_ms / 1000, half_ms % 1000);
    text.trim_end_matches('0').to_owned()
}

#[cfg(test)]
mod tests {
    use super::half_in_seconds;
    use std::time::Duration;

    #[test]
    fn suggestions_are_below_the_deadline_and_not_zero() {
        assert_eq!(half_in_seconds(Duration::from_secs(2)), "1");
        assert_eq!(half_in_seconds(Duration::from_millis(400)), "0.2");
        assert_eq!(half_in_seconds(Duration::from_millis(1500)), "0.75");
        assert_eq!(half_in_seconds(Duration::from_millis(1)), "0.001");
    }
}
