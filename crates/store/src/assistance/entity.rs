//! Tables of assistance.

pub mod programmes {
    //! The `programmes` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "programmes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub kind: String,
        pub area_code: String,
        pub organisation_id: Option<i64>,
        pub amount_satang: Option<i64>,
        pub period: Option<String>,
        pub created_at: DateTimeUtc,
        pub created_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod assistance {
    //! The `assistance` table: what a person receives.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "assistance")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub programme_id: i64,
        pub since: Option<Date>,
        pub until: Option<Date>,
        pub source: Option<String>,
        pub created_at: DateTimeUtc,
        pub created_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
