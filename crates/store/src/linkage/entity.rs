//! Tables of record linkage.

pub mod link_runs {
    //! The `link_runs` table: one run of the engine over the registry or a roll.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "link_runs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub area_code: String,
        pub programme_id: Option<i64>,
        pub file_name: Option<String>,
        pub file_sha256: Option<String>,
        pub auto_threshold: f64,
        pub review_threshold: f64,
        pub records: i64,
        pub candidates: i64,
        pub applied: i64,
        pub queued: i64,
        pub unmatched: i64,
        pub started_by: Option<i64>,
        pub started_at: DateTimeUtc,
        pub finished_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod roll_records {
    //! The `roll_records` table: every row of an imported roll, kept as it came.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "roll_records")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub run_id: i64,
        pub line: i32,
        pub fields: String,
        pub name: String,
        pub village_code: Option<String>,
        pub status: String,
        pub person_id: Option<i64>,
        pub assistance_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod link_reviews {
    //! The `link_reviews` table: the clerical review queue.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "link_reviews")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub run_id: i64,
        pub kind: String,
        pub person_id: i64,
        pub village_code: String,
        pub other_person_id: Option<i64>,
        pub other_village_code: Option<String>,
        pub roll_record_id: Option<i64>,
        pub probability: f64,
        pub explain: String,
        pub status: String,
        pub decided_by: Option<i64>,
        pub decided_at: Option<DateTimeUtc>,
        pub merge_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person_merges {
    //! The `person_merges` table: who was merged into whom, and what moved.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_merges")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub survivor_id: i64,
        pub merged_id: i64,
        pub review_id: Option<i64>,
        pub prior_status: String,
        pub prior_status_date: Option<Date>,
        pub prior_version: i32,
        pub moves: String,
        pub merged_by: Option<i64>,
        pub merged_at: DateTimeUtc,
        pub undone_by: Option<i64>,
        pub undone_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
