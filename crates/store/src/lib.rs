//! ruamjai persistence: one [`Store`] over SQLite (embedded default) or PostgreSQL (scale path).
//!
//! The backend is chosen at run time from the URL; queries are built once with SeaORM/sea-query
//! and rendered for whichever backend is connected, and one set of migrations serves both.
//! **Area scoping is enforced here**: every method that reads or changes something located in an
//! area takes the calling [`Actor`](ruamjai_domain::auth::Actor) and answers
//! [`StoreError::NotFound`] for anything outside the caller's scope.

pub mod areas;
pub mod assistance;
pub mod audit;
pub mod auth;
mod bulk;
pub mod care;
mod db;
mod error;
pub mod files;
pub mod hazards;
pub mod linkage;
pub mod migration;
pub mod network;
pub mod registry;
pub mod tabular;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod timed;

pub use db::{Backend, Store, default_files_dir};
pub use error::StoreError;

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
