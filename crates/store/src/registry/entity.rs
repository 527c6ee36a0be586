//! Tables of the registry.

pub mod persons {
    //! The `persons` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "persons")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub id_kind: String,
        pub id_number: Option<String>,
        pub prefix: Option<String>,
        pub first_name: String,
        pub last_name: String,
        pub sex: Option<String>,
        pub birth_date: Option<Date>,
        pub birth_precision: Option<String>,
        pub phone: Option<String>,
        pub village_code: String,
        pub household_id: Option<i64>,
        pub relation: Option<String>,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub status: String,
        pub status_date: Option<Date>,
        pub verification: String,
        pub dispute_note: Option<String>,
        pub search_key: String,
        pub identity_key: String,
        pub import_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<i64>,
        pub updated_by: Option<i64>,
        pub version: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod households {
    //! The `households` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "households")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub village_code: String,
        pub house_number: String,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub dim_health: Option<bool>,
        pub dim_living: Option<bool>,
        pub dim_education: Option<bool>,
        pub dim_income: Option<bool>,
        pub dim_access: Option<bool>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub version: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person_categories {
    //! The `person_categories` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_categories")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub category: String,
        pub disability_type: Option<String>,
        pub card_number: Option<String>,
        pub card_expiry: Option<Date>,
        pub note: Option<String>,
        pub recorded_at: DateTimeUtc,
        pub recorded_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod consents {
    //! The `consents` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "consents")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub purpose: String,
        pub basis: String,
        pub given_by: String,
        pub given_on: Date,
        pub withdrawn_on: Option<Date>,
        pub withdrawn_reason: Option<String>,
        pub recorded_at: DateTimeUtc,
        pub recorded_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attestations {
    //! The `attestations` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attestations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub role: String,
        pub signer_name: String,
        pub user_id: Option<i64>,
        pub attested_at: DateTimeUtc,
        pub note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod imports {
    //! The `imports` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "imports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub file_name: String,
        pub file_sha256: String,
        pub user_id: Option<i64>,
        pub started_at: DateTimeUtc,
        pub finished_at: DateTimeUtc,
        pub rows_total: i64,
        pub rows_added: i64,
        pub rows_skipped: i64,
        pub area_code: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod idempotency_keys {
    //! The `idempotency_keys` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub entity: String,
        pub entity_id: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
