//! kigen (期限): finds the residents whose マイナンバーカード or electronic
//! certificates expire in about three months, and accounts for every row of
//! the registry export.
//!
//! The pipeline runs one way, and every module imports only from the layers
//! below it (ARCHITECTURE.md; `tests/layering.rs` keeps it so):
//!
//! - leaves: [`error`], [`text`], [`postal_code`], [`digest`], [`files`],
//!   [`wareki`], [`rules`], [`barcode`], the low half of [`render`]
//!   (display lists, fonts, layout, PDF);
//! - [`select`] (due items, outcome), then [`model`], the types the stages
//!   hand each other;
//! - [`profile`]; then the stages: [`registry`] (bytes → residents),
//!   [`outputs`] (every file format), [`ledger`] (SQLite), the notice half of
//!   [`render`];
//! - [`pipeline`] (per-row work, parallel); [`batch`] (one night's work,
//!   atomic) and [`verify`]; then `mailroom` (pull lists, returns,
//!   reprints, after a batch is printed);
//! - [`cmd`] (one file per subcommand) and [`cli`] (the arguments).

#![warn(missing_docs, unreachable_pub)]

pub mod barcode;
pub mod batch;
pub mod cli;
pub mod cmd;
pub(crate) mod digest;
pub mod error;
pub(crate) mod fault;
pub(crate) mod files;
pub(crate) mod forecast;
pub mod fuzzing;
pub mod ledger;
pub(crate) mod mailroom;
pub mod model;
pub(crate) mod mynumber;
pub(crate) mod names;
pub(crate) mod outputs;
pub(crate) mod pipeline;
pub(crate) mod postal_code;
pub mod profile;
pub(crate) mod progress;
pub mod registry;
pub mod render;
pub(crate) mod retention;
pub(crate) mod rules;
pub(crate) mod sample;
pub mod select;
pub(crate) mod text;
#[doc(hidden)]
pub use text::terminal_text;
pub(crate) mod verify;
pub mod wareki;

pub use error::{Error, Result};
