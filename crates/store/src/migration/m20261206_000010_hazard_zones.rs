//! Disaster risk, second part: hazard zones (polygons and multipolygons) and risk points, kept
//! as their GeoJSON geometry with its bounding box (the box finds the homes worth testing; the
//! `geo` crate answers which lie inside); and who each alert was sent to.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20261123_000002_registry::{index, ts};
use super::m20261123_000004_network::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000010_hazard_zones"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.create_table(
            Table::create()
                .table("hazard_zones")
                .col(big_pk_auto("id"))
                .col(string_len("area_code", 8))
                // `polygon` (Polygon or MultiPolygon) or `point` (a risk point).
                .col(string_len("shape", 8))
                // The feature's id in the file it was imported from, if it had one.
                .col(text_null("ref"))
                .col(text("name"))
                .col(string_len("kind", 16))
                .col(string_len("severity", 10))
                .col(text_null("source"))
                .col(date_null("valid_from"))
                .col(date_null("valid_to"))
                .col(text("geometry"))
                .col(double("min_lon"))
                .col(double("min_lat"))
                .col(double("max_lon"))
                .col(double("max_lat"))
                .col(big_integer_null("created_by"))
                .col(ts("created_at"))
                .col(big_integer_null("updated_by"))
                .col(ts("updated_at"))
                .col(integer("version"))
                .foreign_key(&mut fk("hazard_zones", "area_code", "areas", Restrict))
                .foreign_key(&mut fk("hazard_zones", "created_by", "users", SetNull))
                .foreign_key(&mut fk("hazard_zones", "updated_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "hazard_zones",
            "hazard_zones_area",
            &["area_code", "kind"],
        ))
        .await?;
        // A zone's id from its file (or the form it was drawn with) is one zone in its area:
        // an import replaces it, a form sent twice makes it once.
        m.create_index(
            index("hazard_zones", "hazard_zones_ref", &["area_code", "ref"])
                .unique()
                .to_owned(),
        )
        .await?;
        // Who an alert was sent to when it was raised: the accounts that watch or run the
        // station's village (its volunteers, the staff and admins of the areas above it).
        m.create_table(
            Table::create()
                .table("alert_recipients")
                .col(big_pk_auto("id"))
                .col(big_integer("alert_id"))
                .col(big_integer("user_id"))
                .col(ts("notified_at"))
                .foreign_key(&mut fk("alert_recipients", "alert_id", "alerts", Cascade))
                .foreign_key(&mut fk("alert_recipients", "user_id", "users", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "alert_recipients",
                "alert_recipients_pair",
                &["alert_id", "user_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["alert_recipients", "hazard_zones"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
