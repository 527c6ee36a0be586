//! The store's pure parsers, compiled here from their own source files.
//!
//! `ruamjai-store` as a dependency would bring its database stack (sea-orm, sqlx, rusqlite with
//! a bundled SQLite, tokio, argon2) into every fuzz build: measured at 11 CPU-minutes on the
//! 2-core machine, far beyond the CI budget, for code the targets never call. The two modules
//! fuzzed here depend only on their parsing crates, so they are included by path instead: the
//! same file, not a copy. If one of them ever starts to use another module of the store, this
//! build fails and says so.

/// `crates/store/src/tabular.rs`: CSV and workbook reading.
#[path = "../../crates/store/src/tabular.rs"]
pub mod tabular;

/// `crates/store/src/care/photo.rs`: photo preparation.
#[path = "../../crates/store/src/care/photo.rs"]
pub mod photo;
