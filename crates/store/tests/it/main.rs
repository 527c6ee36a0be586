//! Store tests. Every test runs on SQLite and on PostgreSQL (see `ruamjai_store::testing`).

mod areas;
mod assistance;
mod audit;
mod auth;
mod care;
mod hazard_zones;
mod hazards;
mod linkage;
mod network;
mod privacy;
mod registry;
mod schema;

pub use ruamjai_store::testing::TestDb;

pub use ruamjai_store::both_backends as both;
