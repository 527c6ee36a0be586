//! The network: partner organisations, networks of partners, volunteers (skills, hours) and
//! the volunteer college (courses, sessions, enrolments with certificates).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20261123_000002_registry::{fk_to, index, ts};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_network"
    }
}

/// A foreign key to `to` (areas by code, every other table by id).
pub(super) fn fk(
    from: &'static str,
    col: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    fk_to(
        from,
        col,
        to,
        if to == "areas" { "code" } else { "id" },
        on_delete,
    )
}

/// Tables in creation order (dropped in reverse).
const TABLES: [&str; 9] = [
    "organisations",
    "networks",
    "network_members",
    "volunteers",
    "volunteer_skills",
    "volunteer_hours",
    "courses",
    "course_sessions",
    "enrolments",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.create_table(
            Table::create()
                .table("organisations")
                .col(big_pk_auto("id"))
                .col(text("name_th"))
                .col(text_null("name_en"))
                .col(string_len("sector", 20))
                .col(string_len("org_type", 20))
                .col(string_len("area_code", 8))
                .col(text_null("contact_name"))
                .col(string_len_null("phone", 16))
                .col(text_null("email"))
                .col(text("offers").default(""))
                .col(text_null("offer_note"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(integer("version").default(1))
                .foreign_key(&mut fk("organisations", "area_code", "areas", Restrict))
                .to_owned(),
        )
        .await?;
        m.create_index(index("organisations", "organisations_area", &["area_code"]))
            .await?;

        m.create_table(
            Table::create()
                .table("networks")
                .col(big_pk_auto("id"))
                .col(text("name"))
                .col(string_len("area_code", 8))
                .col(big_integer_null("lead_id"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("networks", "area_code", "areas", Restrict))
                .foreign_key(&mut fk("networks", "lead_id", "organisations", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("network_members")
                .col(big_integer("network_id"))
                .col(big_integer("organisation_id"))
                .primary_key(Index::create().col("network_id").col("organisation_id"))
                .foreign_key(&mut fk(
                    "network_members",
                    "network_id",
                    "networks",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "network_members",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("volunteers")
                .col(big_pk_auto("id"))
                .col(text_null("prefix"))
                .col(text("first_name"))
                .col(text("last_name"))
                .col(string_len("kind", 24))
                .col(string_len_null("phone", 16))
                .col(string_len("area_code", 8))
                .col(double_null("lat"))
                .col(double_null("lon"))
                .col(text("languages").default(""))
                .col(text("availability").default(""))
                .col(big_integer_null("organisation_id"))
                .col(big_integer_null("user_id"))
                .col(boolean("active").default(true))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(integer("version").default(1))
                .foreign_key(&mut fk("volunteers", "area_code", "areas", Restrict))
                .foreign_key(&mut fk(
                    "volunteers",
                    "organisation_id",
                    "organisations",
                    SetNull,
                ))
                .foreign_key(&mut fk("volunteers", "user_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("volunteers", "volunteers_area", &["area_code"]))
            .await?;
        m.create_index(index("volunteers", "volunteers_lat", &["lat"]))
            .await?;

        m.create_table(
            Table::create()
                .table("volunteer_skills")
                .col(big_integer("volunteer_id"))
                .col(string_len("skill", 24))
                .col(big_integer_null("course_id"))
                .col(ts("granted_at"))
                .primary_key(Index::create().col("volunteer_id").col("skill"))
                .foreign_key(&mut fk(
                    "volunteer_skills",
                    "volunteer_id",
                    "volunteers",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "volunteer_skills",
            "volunteer_skills_skill",
            &["skill", "volunteer_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("volunteer_hours")
                .col(big_pk_auto("id"))
                .col(big_integer("volunteer_id"))
                .col(date("on_date"))
                .col(integer("minutes"))
                .col(text("activity"))
                .col(big_integer_null("recorded_by"))
                .col(ts("recorded_at"))
                .foreign_key(&mut fk(
                    "volunteer_hours",
                    "volunteer_id",
                    "volunteers",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "volunteer_hours",
            "volunteer_hours_volunteer",
            &["volunteer_id", "on_date"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("courses")
                .col(big_pk_auto("id"))
                .col(text("title_th"))
                .col(text_null("title_en"))
                .col(string_len("area_code", 8))
                .col(text("skills").default(""))
                .col(integer_null("hours"))
                .col(text_null("description"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("courses", "area_code", "areas", Restrict))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("course_sessions")
                .col(big_pk_auto("id"))
                .col(big_integer("course_id"))
                .col(date("on_date"))
                .col(text("place"))
                .col(text_null("trainer"))
                .col(integer_null("capacity"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("course_sessions", "course_id", "courses", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "course_sessions",
            "course_sessions_course",
            &["course_id", "on_date"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("enrolments")
                .col(big_pk_auto("id"))
                .col(big_integer("session_id"))
                .col(big_integer("volunteer_id"))
                .col(boolean("attended").default(false))
                .col(date_null("completed_on"))
                .col(string_len_null("certificate_code", 11))
                .col(ts("enrolled_at"))
                .foreign_key(&mut fk(
                    "enrolments",
                    "session_id",
                    "course_sessions",
                    Cascade,
                ))
                .foreign_key(&mut fk("enrolments", "volunteer_id", "volunteers", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "enrolments",
                "enrolments_session_volunteer",
                &["session_id", "volunteer_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "enrolments",
                "enrolments_certificate",
                &["certificate_code"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index(
            "enrolments",
            "enrolments_volunteer",
            &["volunteer_id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().rev() {
            m.drop_table(Table::drop().table(*t).to_owned()).await?;
        }
        Ok(())
    }
}
