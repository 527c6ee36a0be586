//! Tables of disaster watch.

pub mod stations {
    //! The `stations` table: watch stations run by community volunteers.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "stations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub kind: String,
        pub village_code: String,
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        pub watch: Option<f64>,
        pub warning: Option<f64>,
        pub danger: Option<f64>,
        pub active: bool,
        pub last_reading_at: Option<DateTimeUtc>,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod readings {
    //! The `readings` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "readings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub station_id: i64,
        pub op_id: String,
        pub value: f64,
        pub observed_at: DateTimeUtc,
        pub recorded_by: Option<i64>,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod alerts {
    //! The `alerts` table: one row per level a reading crossed.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "alerts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub station_id: i64,
        pub reading_id: i64,
        pub level: String,
        pub village_code: String,
        pub value: f64,
        pub threshold: f64,
        pub observed_at: DateTimeUtc,
        pub raised_at: DateTimeUtc,
        pub acknowledged_by: Option<i64>,
        pub acknowledged_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod incidents {
    //! The `incidents` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incidents")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub area_code: String,
        pub title: String,
        pub status: String,
        pub started_at: DateTimeUtc,
        pub ended_at: Option<DateTimeUtc>,
        pub alert_id: Option<i64>,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_by: Option<i64>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod hazard_zones {
    //! The `hazard_zones` table: hazard zones and risk points with their GeoJSON geometry.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "hazard_zones")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub area_code: String,
        pub shape: String,
        #[sea_orm(column_name = "ref")]
        pub reference: Option<String>,
        pub name: String,
        pub kind: String,
        pub severity: String,
        pub source: Option<String>,
        pub valid_from: Option<Date>,
        pub valid_to: Option<Date>,
        pub geometry: String,
        pub min_lon: f64,
        pub min_lat: f64,
        pub max_lon: f64,
        pub max_lat: f64,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_by: Option<i64>,
        pub updated_at: DateTimeUtc,
        pub version: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod alert_recipients {
    //! The `alert_recipients` table: who each alert was sent to.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "alert_recipients")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub alert_id: i64,
        pub user_id: i64,
        pub notified_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
