//! Foundation: areas (with the embedded DOPA catalogue), users, grants, sessions, API tokens,
//! login attempts, set-up tokens and the append-only audit log.

use ruamjai_domain::areas::{AreaLevel, catalogue};
use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_foundation"
    }
}

fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

fn ts_null(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}

fn fk(from_table: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("areas")
                .col(string_len("code", 8).primary_key())
                .col(string_len_null("parent_code", 8))
                .col(string_len("level", 12))
                .col(text("name_th"))
                .col(text("name_en"))
                .col(text("postal_codes").default(""))
                .col(string_len_null("region", 12))
                .col(small_integer_null("health_region"))
                .col(small_integer_null("village_no"))
                .col(ts_null("created_at"))
                .col(big_integer_null("created_by"))
                .foreign_key(
                    ForeignKey::create()
                        .from("areas", "parent_code")
                        .to("areas", "code")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("areas", "areas_parent", &["parent_code"]))
            .await?;
        seed_areas(m).await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(text("email").unique_key())
                .col(text("display_name"))
                .col(text_null("password_hash"))
                .col(string_len("locale", 2).default("th"))
                .col(boolean("active").default(true))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("role_grants")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("role", 16))
                .col(string_len_null("area_code", 8))
                .col(big_integer_null("granted_by"))
                .col(ts("granted_at"))
                .foreign_key(&mut fk("role_grants", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("role_grants", "role_grants_user", &["user_id"]))
            .await?;
        m.create_index(index("role_grants", "role_grants_area", &["area_code"]))
            .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(string_len("token_hash", 64).primary_key())
                .col(big_integer("user_id"))
                .col(ts("created_at"))
                .col(ts("expires_at"))
                .col(ts("last_seen_at"))
                .foreign_key(&mut fk("sessions", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", "sessions_user", &["user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(text("name"))
                .col(string_len("token_hash", 64).unique_key())
                .col(ts("created_at"))
                .col(ts_null("last_used_at"))
                .col(ts_null("revoked_at"))
                .foreign_key(&mut fk("api_tokens", "user_id", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("login_attempts")
                .col(big_pk_auto("id"))
                .col(text("email"))
                .col(text_null("ip"))
                .col(ts("at"))
                .col(boolean("success"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "login_attempts",
            "login_attempts_email",
            &["email", "at"],
        ))
        .await?;
        m.create_index(index("login_attempts", "login_attempts_ip", &["ip", "at"]))
            .await?;

        m.create_table(
            Table::create()
                .table("setup_tokens")
                .col(string_len("token_hash", 64).primary_key())
                .col(string_len("purpose", 16))
                .col(big_integer_null("user_id"))
                .col(ts("created_at"))
                .col(ts("expires_at"))
                .col(ts_null("used_at"))
                .foreign_key(&mut fk("setup_tokens", "user_id", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(ts("at"))
                .col(big_integer_null("actor_user_id"))
                .col(text_null("actor_roles"))
                .col(text_null("actor_areas"))
                .col(string_len("action", 48))
                .col(string_len_null("entity", 32))
                .col(text_null("entity_id"))
                .col(string_len_null("area_code", 8))
                .col(text_null("request_id"))
                .col(text_null("ip"))
                .col(text_null("detail"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", "audit_log_at", &["at"]))
            .await?;
        m.create_index(index(
            "audit_log",
            "audit_log_entity",
            &["entity", "entity_id"],
        ))
        .await?;
        m.create_index(index("audit_log", "audit_log_area", &["area_code"]))
            .await?;
        m.create_index(index("audit_log", "audit_log_actor", &["actor_user_id"]))
            .await?;
        make_audit_append_only(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // `areas` refers to itself: SQLite checks that reference while DROP TABLE empties the
        // table, so empty it leaves first.
        for level in ["village", "subdistrict", "district", "province"] {
            m.exec_stmt(
                Query::delete()
                    .from_table("areas")
                    .and_where(Expr::col("level").eq(level))
                    .to_owned(),
            )
            .await?;
        }
        for t in [
            "audit_log",
            "setup_tokens",
            "login_attempts",
            "api_tokens",
            "sessions",
            "role_grants",
            "users",
            "areas",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_log_append_only()")
                .await?;
        }
        Ok(())
    }
}

/// Load the embedded province/district/subdistrict catalogue (parents come first).
async fn seed_areas(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let rows = catalogue();
    for chunk in rows.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table("areas").columns([
            "code",
            "parent_code",
            "level",
            "name_th",
            "name_en",
            "postal_codes",
            "region",
            "health_region",
        ]);
        for a in chunk {
            insert.values_panic([
                a.code.as_str().into(),
                a.code.parent().map(String::from).into(),
                a.code.level().as_str().into(),
                a.name_th.as_str().into(),
                a.name_en.as_str().into(),
                a.postal_codes.as_str().into(),
                a.region.map(|r| r.key()).into(),
                a.health_region.map(i16::from).into(),
            ]);
        }
        m.exec_stmt(insert).await?;
    }
    debug_assert!(rows.iter().all(|a| a.code.level() != AreaLevel::Village));
    Ok(())
}

/// No role may change or remove audit rows: triggers on both backends, and on PostgreSQL the
/// privileges are revoked too (a superuser bypasses privileges but not triggers).
async fn make_audit_append_only(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let c = m.get_connection();
    match m.get_database_backend() {
        DbBackend::Sqlite => {
            c.execute_unprepared(
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            )
            .await?;
            c.execute_unprepared(
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            )
            .await?;
        }
        _ => {
            c.execute_unprepared(
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
            )
            .await?;
            c.execute_unprepared(
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            )
            .await?;
            c.execute_unprepared(
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                 FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
            )
            .await?;
            c.execute_unprepared(
                "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC, CURRENT_USER",
            )
            .await?;
        }
    }
    Ok(())
}
