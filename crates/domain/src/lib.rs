//! ruamjai domain: types and rules with no I/O.
//!
//! The parts of the design (`areas`, `auth`, `audit`, …) are modules with the same name in
//! every layer, so a reader finds `areas` here, in the store and in the web crate alike.

#[macro_use]
mod macros;

pub mod areas;
pub mod assistance;
pub mod audit;
pub mod auth;
pub mod care;
pub mod error;
pub mod hazards;
pub mod linkage;
pub mod network;
pub mod registry;
pub mod reports;
pub mod thaidate;

pub use error::{FieldError, Invalid};
