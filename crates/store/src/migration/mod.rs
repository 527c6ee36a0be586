//! Migrations: one set, written once with sea-query, rendered for SQLite or PostgreSQL.
//!
//! Never edit a migration that has shipped; add a new one (expand, then contract).

use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_registry;
mod m20261123_000003_identity_index;
mod m20261123_000004_network;
mod m20261123_000005_organisation_staff;
mod m20261123_000006_care;
mod m20261123_000007_assistance;
mod m20261203_000008_linkage;
mod m20261206_000009_hazards;
mod m20261206_000010_hazard_zones;
mod m20261206_000011_token_purpose;

/// All migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_registry::Migration),
            Box::new(m20261123_000003_identity_index::Migration),
            Box::new(m20261123_000004_network::Migration),
            Box::new(m20261123_000005_organisation_staff::Migration),
            Box::new(m20261123_000006_care::Migration),
            Box::new(m20261123_000007_assistance::Migration),
            Box::new(m20261203_000008_linkage::Migration),
            Box::new(m20261206_000009_hazards::Migration),
            Box::new(m20261206_000010_hazard_zones::Migration),
            Box::new(m20261206_000011_token_purpose::Migration),
        ]
    }
}
