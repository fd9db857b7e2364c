//! Security rules.

pub mod plaintext_credentials_in_pool_config;
