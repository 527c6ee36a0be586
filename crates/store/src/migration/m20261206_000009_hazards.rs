//! Disaster risk, first part: the watch stations community volunteers run, their readings
//! (each once, by the id the phone or sensor made), the alerts a reading raises when it
//! crosses a station's threshold, and incidents (opened by hand or from an alert).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20261123_000002_registry::{index, ts};
use super::m20261123_000004_network::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000009_hazards"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.create_table(
            Table::create()
                .table("stations")
                .col(big_pk_auto("id"))
                .col(text("name"))
                .col(string_len("kind", 16))
                .col(string_len("village_code", 8))
                .col(double_null("lat"))
                .col(double_null("lon"))
                .col(double_null("watch"))
                .col(double_null("warning"))
                .col(double_null("danger"))
                .col(boolean("active"))
                // Written by every reading: takes the station's lock, so that readings of one
                // station are judged against each other one at a time.
                .col(timestamp_with_time_zone_null("last_reading_at"))
                .col(big_integer_null("created_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("stations", "village_code", "areas", Restrict))
                .foreign_key(&mut fk("stations", "created_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("stations", "stations_village", &["village_code"]))
            .await?;
        m.create_table(
            Table::create()
                .table("readings")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                // Made on the device: a retry carries the same one.
                .col(string_len("op_id", 36))
                .col(double("value"))
                .col(ts("observed_at"))
                .col(big_integer_null("recorded_by"))
                .col(ts("recorded_at"))
                .foreign_key(&mut fk("readings", "station_id", "stations", Cascade))
                .foreign_key(&mut fk("readings", "recorded_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("readings", "readings_op", &["station_id", "op_id"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "readings",
            "readings_time",
            &["station_id", "observed_at"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("alerts")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                .col(big_integer("reading_id"))
                .col(string_len("level", 8))
                // The station's village, for scoping and counting without a join.
                .col(string_len("village_code", 8))
                .col(double("value"))
                .col(double("threshold"))
                .col(ts("observed_at"))
                .col(ts("raised_at"))
                .col(big_integer_null("acknowledged_by"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .foreign_key(&mut fk("alerts", "station_id", "stations", Cascade))
                .foreign_key(&mut fk("alerts", "reading_id", "readings", Cascade))
                .foreign_key(&mut fk("alerts", "acknowledged_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        // One alert per level per reading, whatever races.
        m.create_index(
            index("alerts", "alerts_reading_level", &["reading_id", "level"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "alerts",
            "alerts_village",
            &["village_code", "raised_at"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("incidents")
                .col(big_pk_auto("id"))
                .col(string_len("kind", 16))
                .col(string_len("area_code", 8))
                .col(text("title"))
                .col(string_len("status", 12))
                .col(ts("started_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(big_integer_null("alert_id"))
                .col(big_integer_null("created_by"))
                .col(ts("created_at"))
                .col(big_integer_null("updated_by"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("incidents", "area_code", "areas", Restrict))
                .foreign_key(&mut fk("incidents", "alert_id", "alerts", SetNull))
                .foreign_key(&mut fk("incidents", "created_by", "users", SetNull))
                .foreign_key(&mut fk("incidents", "updated_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "incidents",
            "incidents_area",
            &["area_code", "status"],
        ))
        .await?;
        // One incident per alert, however often the button is pressed.
        m.create_index(
            index("incidents", "incidents_alert", &["alert_id"])
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["incidents", "alerts", "readings", "stations"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
