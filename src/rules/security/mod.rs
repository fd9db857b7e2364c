//! Security rules.

pub mod db_transport_not_verified;
pub mod pgbouncer_insecure_auth_type;
pub mod plaintext_credentials_in_pool_config;
