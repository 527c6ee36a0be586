//! The central registry: households, persons, their categories, consent, verification
//! (attestations), imports, idempotency keys and the per-area count cache behind dashboards.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_registry"
    }
}

pub(super) fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

pub(super) fn fk_to(
    from_table: &'static str,
    col: &'static str,
    to: &'static str,
    to_col: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, col)
        .to(to, to_col)
        .on_delete(on_delete)
        .to_owned()
}

pub(super) fn index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    i.to_owned()
}

/// Tables in creation order (dropped in reverse).
const TABLES: [&str; 11] = [
    "imports",
    "households",
    "persons",
    "person_categories",
    "consents",
    "attestations",
    "idempotency_keys",
    "area_counts",
    "public_counts",
    "store_meta",
    "area_centres",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("imports")
                .col(big_pk_auto("id"))
                .col(string_len("kind", 16))
                .col(text("file_name"))
                .col(string_len("file_sha256", 64))
                .col(big_integer_null("user_id"))
                .col(ts("started_at"))
                .col(ts("finished_at"))
                .col(big_integer("rows_total"))
                .col(big_integer("rows_added"))
                .col(big_integer("rows_skipped"))
                .col(string_len_null("area_code", 8))
                .to_owned(),
        )
        .await?;
        m.create_index(index("imports", "imports_sha", &["file_sha256"]))
            .await?;

        m.create_table(
            Table::create()
                .table("households")
                .col(big_pk_auto("id"))
                .col(string_len("village_code", 8))
                .col(string_len("house_number", 20))
                .col(double_null("lat"))
                .col(double_null("lon"))
                .col(boolean_null("dim_health"))
                .col(boolean_null("dim_living"))
                .col(boolean_null("dim_education"))
                .col(boolean_null("dim_income"))
                .col(boolean_null("dim_access"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(integer("version").default(1))
                .foreign_key(&mut fk_to(
                    "households",
                    "village_code",
                    "areas",
                    "code",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "households",
                "households_village_house",
                &["village_code", "house_number"],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("persons")
                .col(big_pk_auto("id"))
                .col(string_len("id_kind", 12))
                .col(string_len_null("id_number", 20))
                .col(text_null("prefix"))
                .col(text("first_name"))
                .col(text("last_name"))
                .col(string_len_null("sex", 8))
                .col(date_null("birth_date"))
                .col(string_len_null("birth_precision", 8))
                .col(string_len_null("phone", 16))
                .col(string_len("village_code", 8))
                .col(big_integer_null("household_id"))
                .col(string_len_null("relation", 12))
                .col(double_null("lat"))
                .col(double_null("lon"))
                .col(string_len("status", 10))
                .col(date_null("status_date"))
                .col(string_len("verification", 12).default("unverified"))
                .col(text_null("dispute_note"))
                .col(text("search_key"))
                .col(string_len("identity_key", 64))
                .col(big_integer_null("import_id"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(big_integer_null("created_by"))
                .col(big_integer_null("updated_by"))
                .col(integer("version").default(1))
                .foreign_key(&mut fk_to(
                    "persons",
                    "village_code",
                    "areas",
                    "code",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk_to(
                    "persons",
                    "household_id",
                    "households",
                    "id",
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk_to(
                    "persons",
                    "import_id",
                    "imports",
                    "id",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("persons", "persons_id_number", &["id_number"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index("persons", "persons_village", &["village_code"]))
            .await?;
        m.create_index(index("persons", "persons_household", &["household_id"]))
            .await?;
        m.create_index(index("persons", "persons_identity", &["identity_key"]))
            .await?;

        m.create_table(
            Table::create()
                .table("person_categories")
                .col(big_integer("person_id"))
                .col(string_len("category", 20))
                .col(string_len_null("disability_type", 16))
                .col(string_len_null("card_number", 30))
                .col(date_null("card_expiry"))
                .col(text_null("note"))
                .col(ts("recorded_at"))
                .col(big_integer_null("recorded_by"))
                .primary_key(Index::create().col("person_id").col("category"))
                .foreign_key(&mut fk_to(
                    "person_categories",
                    "person_id",
                    "persons",
                    "id",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "person_categories",
            "person_categories_category",
            &["category", "person_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("consents")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(string_len("purpose", 16))
                .col(string_len("basis", 20))
                .col(text("given_by"))
                .col(date("given_on"))
                .col(date_null("withdrawn_on"))
                .col(text_null("withdrawn_reason"))
                .col(ts("recorded_at"))
                .col(big_integer_null("recorded_by"))
                .foreign_key(&mut fk_to(
                    "consents",
                    "person_id",
                    "persons",
                    "id",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("consents", "consents_person", &["person_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("attestations")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(string_len("role", 20))
                .col(text("signer_name"))
                .col(big_integer_null("user_id"))
                .col(ts("attested_at"))
                .col(text_null("note"))
                .foreign_key(&mut fk_to(
                    "attestations",
                    "person_id",
                    "persons",
                    "id",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "attestations",
                "attestations_person_role",
                &["person_id", "role"],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .col(string_len("key", 100))
                .col(big_integer("user_id"))
                .col(string_len("entity", 32))
                .col(text("entity_id"))
                .col(ts("created_at"))
                .primary_key(Index::create().col("user_id").col("key"))
                .to_owned(),
        )
        .await?;

        // Dashboard counts per area and category ('total' = all active persons), kept in step
        // with every write and rebuilt by `refresh_counts`. The national row has code ''.
        m.create_table(
            Table::create()
                .table("area_counts")
                .col(string_len("area_code", 8))
                .col(string_len_null("parent_code", 8))
                .col(string_len("category", 20))
                .col(big_integer("n"))
                .primary_key(Index::create().col("area_code").col("category"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "area_counts",
            "area_counts_parent",
            &["parent_code", "category"],
        ))
        .await?;

        // The public transparency snapshot: like `area_counts` without sensitive categories,
        // with small counts suppressed (`n` NULL), rebuilt as a whole so that suppression stays
        // consistent across every page.
        m.create_table(
            Table::create()
                .table("public_counts")
                .col(string_len("area_code", 8))
                .col(string_len_null("parent_code", 8))
                .col(string_len("category", 20))
                .col(big_integer_null("n"))
                // NULL when shown; `small` (1–9) or `secondary` (hidden to protect another cell).
                .col(string_len_null("hidden", 10))
                .primary_key(Index::create().col("area_code").col("category"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "public_counts",
            "public_counts_parent",
            &["parent_code", "category"],
        ))
        .await?;

        // Where to draw an area's count on a map: the mean home location of its persons
        // (areas have no boundaries in the catalogue). Rebuilt with the counts.
        m.create_table(
            Table::create()
                .table("area_centres")
                .col(string_len("area_code", 8).primary_key())
                .col(double("lat"))
                .col(double("lon"))
                .col(big_integer("located"))
                .to_owned(),
        )
        .await?;

        // Small key/value facts about the data (e.g. when the public snapshot was made).
        m.create_table(
            Table::create()
                .table("store_meta")
                .col(string_len("key", 64).primary_key())
                .col(text("value"))
                .to_owned(),
        )
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
