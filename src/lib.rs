//! kigen (期限): finds the residents whose マイナンバーカード or electronic
//! certificates expire in about three months, and accounts for every row of
//! the registry export.
//!
//! The pipeline, one way:
//! [`registry`] (bytes → records → [`registry::Resident`] or a reject) →
//! [`rules`] (pure: dates → expiries) → [`select`] (due items, outcome) →
//! [`outputs`] (the batch's files). [`pipeline`] streams rows through these in
//! parallel; [`check`] is the `kigen check` command built on it.

#![warn(missing_docs)]

pub mod barcode;
pub mod check;
pub mod cli;
pub mod counts;
pub mod error;
pub mod fault;
pub mod fuzzing;
pub mod ledger;
pub mod outputs;
pub mod pipeline;
pub mod profile;
pub mod progress;
pub mod registry;
pub mod render;
pub mod rules;
pub mod run;
pub mod sample;
pub mod select;
pub mod verify;
pub mod wareki;

pub use error::{Error, Result};
