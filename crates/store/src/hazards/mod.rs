//! Disaster watch: stations, readings and the alerts they raise (DESIGN.md §2 part 7).
//!
//! A reading is applied once, by the id its device made (`op_id`): a phone that retries after
//! a dropped connection, or a sensor that pushes twice, gets the first answer again. Readings
//! of one station are judged one at a time (each takes the station's row), against the reading
//! just before it in observation time; it raises an alert for every threshold it crosses
//! upwards ([`Thresholds::crossed`]). A reading that arrives late (entered offline) is judged
//! against the readings before it; the alerts already raised by later readings stay as they
//! were.
//!
//! Stations, readings and alerts hold no personal data: anyone who sees an area sees them;
//! entering readings and setting stations up is scoped like everything else.

pub mod entity;
pub mod zones;

use chrono::{DateTime, Timelike, Utc};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::hazards::{
    AlertLevel, HazardKind, IncidentInput, IncidentStatus, StationInput, StationKind, Thresholds,
    check_reading,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde::Serialize;

use crate::areas::scope_condition;
use crate::{Result, Store, StoreError};
use entity::{alert_recipients, alerts, incidents, readings, stations};

/// A station as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Station {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What it measures.
    pub kind: StationKind,
    /// Its village.
    pub village_code: AreaCode,
    /// Where it stands.
    pub location: Option<(f64, f64)>,
    /// Its thresholds.
    pub thresholds: Thresholds,
    /// The latest reading by observation time: (value, when).
    pub latest: Option<(f64, DateTime<Utc>)>,
}

/// What recording a reading did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingOutcome {
    /// The reading's id.
    pub reading_id: i64,
    /// The levels it crossed (alerts raised), lowest first.
    pub raised: Vec<AlertLevel>,
    /// True when this `op_id` had been applied before (nothing new was written).
    pub duplicate: bool,
}

/// An alert as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Id.
    pub id: i64,
    /// Station id and name.
    pub station_id: i64,
    /// Station name.
    pub station: String,
    /// What the station measures.
    pub kind: StationKind,
    /// Level reached.
    pub level: AlertLevel,
    /// Village of the station.
    pub village_code: AreaCode,
    /// The reading.
    pub value: f64,
    /// The threshold it crossed.
    pub threshold: f64,
    /// When the reading was taken.
    pub observed_at: DateTime<Utc>,
    /// When the alert was raised.
    pub raised_at: DateTime<Utc>,
    /// Who acknowledged it, and when.
    pub acknowledged: Option<(i64, DateTime<Utc>)>,
    /// How many accounts it was sent to when raised.
    pub alerted: u64,
}

/// An incident as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// Id.
    pub id: i64,
    /// Hazard.
    pub kind: HazardKind,
    /// Area struck.
    pub area: AreaCode,
    /// Title.
    pub title: String,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Began.
    pub started_at: DateTime<Utc>,
    /// Closed.
    pub ended_at: Option<DateTime<Utc>>,
    /// The alert it was opened from.
    pub alert_id: Option<i64>,
}

fn incident_of(m: incidents::Model) -> Incident {
    Incident {
        id: m.id,
        kind: HazardKind::parse(&m.kind).unwrap_or(HazardKind::Flood),
        area: code_of(&m.area_code),
        title: m.title,
        status: IncidentStatus::parse(&m.status).unwrap_or(IncidentStatus::Open),
        started_at: m.started_at,
        ended_at: m.ended_at,
        alert_id: m.alert_id,
    }
}

fn thresholds_of(s: &stations::Model) -> Thresholds {
    Thresholds {
        watch: s.watch,
        warning: s.warning,
        danger: s.danger,
    }
}

fn code_of(code: &str) -> AreaCode {
    AreaCode::parse(code).expect("stored codes are valid")
}

impl Store {
    /// Set up a station in a village the caller manages hazards in (`village_code`:
    /// `area_not_found` otherwise).
    pub async fn create_station(&self, actor: &Actor, input: &StationInput) -> Result<i64> {
        if !actor.can(Operation::ManageHazards, &input.village_code) {
            return Err(ruamjai_domain::FieldError::new("village_code", "area_not_found").into());
        }
        if crate::areas::entity::Entity::find_by_id(input.village_code.as_str())
            .one(&self.db)
            .await?
            .is_none()
        {
            return Err(ruamjai_domain::FieldError::new("village_code", "area_not_found").into());
        }
        let m = stations::ActiveModel {
            name: Set(input.name.clone()),
            kind: Set(input.kind.as_str().into()),
            village_code: Set(input.village_code.to_string()),
            lat: Set(input.location.map(|l| l.0)),
            lon: Set(input.location.map(|l| l.1)),
            watch: Set(input.thresholds.watch),
            warning: Set(input.thresholds.warning),
            danger: Set(input.thresholds.danger),
            active: Set(true),
            last_reading_at: Set(None),
            created_by: Set(Some(actor.user_id)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(m.id)
    }

    /// Stations in `area` (or everywhere the caller sees areas), with their latest reading.
    pub async fn stations(&self, actor: &Actor, area: Option<&AreaCode>) -> Result<Vec<Station>> {
        let mut q = stations::Entity::find().filter(stations::Column::Active.eq(true));
        if let Some(c) = scope_condition(
            stations::Column::VillageCode,
            &actor.scope(Operation::ViewAreas),
        ) {
            q = q.filter(c);
        }
        if let Some(a) = area {
            q = q.filter(crate::areas::within(stations::Column::VillageCode, a));
        }
        let list = q
            .order_by_asc(stations::Column::VillageCode)
            .order_by_asc(stations::Column::Name)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            let latest = readings::Entity::find()
                .filter(readings::Column::StationId.eq(s.id))
                .order_by_desc(readings::Column::ObservedAt)
                .order_by_desc(readings::Column::Id)
                .one(&self.db)
                .await?
                .map(|r| (r.value, r.observed_at));
            out.push(Station {
                id: s.id,
                name: s.name.clone(),
                kind: StationKind::parse(&s.kind).unwrap_or(StationKind::WaterLevel),
                village_code: code_of(&s.village_code),
                location: s.lat.zip(s.lon),
                thresholds: thresholds_of(&s),
                latest,
            });
        }
        Ok(out)
    }

    /// Record a reading (`value` as typed or sent) taken at `observed_at`, once per `op_id`.
    /// A station the caller may not enter readings for is not found; a bad value or a time in
    /// the future is refused on its field and nothing is written.
    pub async fn record_reading(
        &self,
        actor: &Actor,
        station_id: i64,
        op_id: &str,
        value: &str,
        observed_at: DateTime<Utc>,
    ) -> Result<ReadingOutcome> {
        let op_id = op_id.trim();
        if op_id.is_empty() || op_id.len() > 36 {
            return Err(ruamjai_domain::FieldError::new("op_id", "invalid").into());
        }
        let station = stations::Entity::find_by_id(station_id)
            .one(&self.db)
            .await?
            .filter(|s| s.active)
            .ok_or(StoreError::NotFound)?;
        let code = code_of(&station.village_code);
        if !actor.can(Operation::RecordReadings, &code) {
            return Err(StoreError::NotFound);
        }
        let kind = StationKind::parse(&station.kind).unwrap_or(StationKind::WaterLevel);
        // Readings are kept to the second (the same on both backends; PostgreSQL keeps
        // microseconds, and a gauge is not read more precisely than that).
        let observed_at = observed_at.with_nanosecond(0).unwrap_or(observed_at);
        let now = Utc::now();
        let value = check_reading(kind, value, observed_at, now)?;

        let txn = self.db.begin().await?;
        // Take the station (one reading of it at a time), then look for this op.
        stations::Entity::update_many()
            .col_expr(stations::Column::LastReadingAt, Expr::value(now))
            .filter(stations::Column::Id.eq(station_id))
            .exec(&txn)
            .await?;
        if let Some(done) = readings::Entity::find()
            .filter(readings::Column::StationId.eq(station_id))
            .filter(readings::Column::OpId.eq(op_id))
            .one(&txn)
            .await?
        {
            txn.rollback().await?;
            return self.outcome_of(done.id, true).await;
        }
        // The reading just before this one in observation time.
        let before = readings::Entity::find()
            .filter(readings::Column::StationId.eq(station_id))
            .filter(readings::Column::ObservedAt.lte(observed_at))
            .order_by_desc(readings::Column::ObservedAt)
            .order_by_desc(readings::Column::Id)
            .select_only()
            .column(readings::Column::Value)
            .into_tuple::<f64>()
            .one(&txn)
            .await?;
        let inserted = readings::ActiveModel {
            station_id: Set(station_id),
            op_id: Set(op_id.to_owned()),
            value: Set(value),
            observed_at: Set(observed_at),
            recorded_by: Set(Some(actor.user_id)),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let reading = match inserted {
            Ok(r) => r,
            Err(e) if StoreError::is_unique_violation(&e) => {
                txn.rollback().await?;
                let done = readings::Entity::find()
                    .filter(readings::Column::StationId.eq(station_id))
                    .filter(readings::Column::OpId.eq(op_id))
                    .one(&self.db)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                return self.outcome_of(done.id, true).await;
            }
            Err(e) => return Err(e.into()),
        };
        let thresholds = thresholds_of(&station);
        let raised = thresholds.crossed(before, value);
        let mut recipients: Option<Vec<i64>> = None;
        for level in &raised {
            let threshold = thresholds
                .levels()
                .into_iter()
                .find(|(l, _)| l == level)
                .map(|(_, v)| v)
                .expect("a crossed level is set");
            let alert = alerts::ActiveModel {
                station_id: Set(station_id),
                reading_id: Set(reading.id),
                level: Set(level.as_str().into()),
                village_code: Set(station.village_code.clone()),
                value: Set(value),
                threshold: Set(threshold),
                observed_at: Set(observed_at),
                raised_at: Set(now),
                acknowledged_by: Set(None),
                acknowledged_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            if recipients.is_none() {
                recipients = Some(Self::watchers(&txn, &station.village_code).await?);
            }
            for user_id in recipients.as_deref().unwrap_or_default() {
                alert_recipients::ActiveModel {
                    alert_id: Set(alert.id),
                    user_id: Set(*user_id),
                    notified_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        txn.commit().await?;
        Ok(ReadingOutcome {
            reading_id: reading.id,
            raised,
            duplicate: false,
        })
    }

    /// The active accounts an alert in `village` goes to: those whose grant covers the village
    /// (the village itself or an area above it, not the whole country) with a role that enters
    /// readings or manages hazards.
    async fn watchers(conn: &impl sea_orm::ConnectionTrait, village: &str) -> Result<Vec<i64>> {
        use crate::auth::entity::{grant, user};
        let code = code_of(village);
        let lineage: Vec<String> = code.lineage().iter().map(ToString::to_string).collect();
        let grants = grant::Entity::find()
            .filter(grant::Column::AreaCode.is_in(lineage))
            .all(conn)
            .await?;
        let mut ids: Vec<i64> = grants
            .into_iter()
            .filter(|g| {
                ruamjai_domain::auth::Role::parse(&g.role).is_ok_and(|r| {
                    r.allows(Operation::RecordReadings) || r.allows(Operation::ManageHazards)
                })
            })
            .map(|g| g.user_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let active: std::collections::HashSet<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Id.is_in(ids.clone()))
            .filter(user::Column::Active.eq(true))
            .into_tuple::<i64>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        ids.retain(|id| active.contains(id));
        Ok(ids)
    }

    /// Who an alert was sent to (display names), for callers who may see the users of its
    /// village; `None` otherwise (the count is on the alert).
    pub async fn alert_recipients(
        &self,
        actor: &Actor,
        alert_id: i64,
    ) -> Result<Option<Vec<String>>> {
        use crate::auth::entity::user;
        let a = alerts::Entity::find_by_id(alert_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let village = code_of(&a.village_code);
        if !actor.can(Operation::ViewAreas, &village) {
            return Err(StoreError::NotFound);
        }
        if !actor.can(Operation::ViewUsers, &village) {
            return Ok(None);
        }
        let ids: Vec<i64> = alert_recipients::Entity::find()
            .filter(alert_recipients::Column::AlertId.eq(alert_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.user_id)
            .collect();
        let mut names: Vec<String> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| u.display_name)
            .collect();
        names.sort();
        Ok(Some(names))
    }

    /// What an applied reading raised, for a retry.
    async fn outcome_of(&self, reading_id: i64, duplicate: bool) -> Result<ReadingOutcome> {
        let mut raised: Vec<AlertLevel> = alerts::Entity::find()
            .filter(alerts::Column::ReadingId.eq(reading_id))
            .all(&self.db)
            .await?
            .iter()
            .filter_map(|a| AlertLevel::parse(&a.level))
            .collect();
        raised.sort();
        Ok(ReadingOutcome {
            reading_id,
            raised,
            duplicate,
        })
    }

    /// Alerts in `area` (or everywhere the caller sees areas), newest first; only those not
    /// yet acknowledged when `open_only`.
    pub async fn alerts(
        &self,
        actor: &Actor,
        area: Option<&AreaCode>,
        open_only: bool,
        limit: u64,
    ) -> Result<Vec<Alert>> {
        let mut q = alerts::Entity::find();
        if let Some(c) = scope_condition(
            alerts::Column::VillageCode,
            &actor.scope(Operation::ViewAreas),
        ) {
            q = q.filter(c);
        }
        if let Some(a) = area {
            q = q.filter(crate::areas::within(alerts::Column::VillageCode, a));
        }
        if open_only {
            q = q.filter(alerts::Column::AcknowledgedAt.is_null());
        }
        let list = q
            .order_by_desc(alerts::Column::RaisedAt)
            .order_by_desc(alerts::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
        let counts: std::collections::HashMap<i64, i64> = alert_recipients::Entity::find()
            .select_only()
            .column(alert_recipients::Column::AlertId)
            .column_as(alert_recipients::Column::Id.count(), "n")
            .filter(alert_recipients::Column::AlertId.is_in(ids))
            .group_by(alert_recipients::Column::AlertId)
            .into_tuple::<(i64, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut names = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for a in list {
            if !names.contains_key(&a.station_id)
                && let Some(s) = stations::Entity::find_by_id(a.station_id)
                    .one(&self.db)
                    .await?
            {
                names.insert(a.station_id, (s.name, s.kind));
            }
            let (station, kind) = names
                .get(&a.station_id)
                .map(|(n, k)| (n.clone(), StationKind::parse(k)))
                .unwrap_or_default();
            out.push(Alert {
                id: a.id,
                station_id: a.station_id,
                station,
                kind: kind.unwrap_or(StationKind::WaterLevel),
                level: AlertLevel::parse(&a.level).unwrap_or(AlertLevel::Watch),
                village_code: code_of(&a.village_code),
                value: a.value,
                threshold: a.threshold,
                observed_at: a.observed_at,
                raised_at: a.raised_at,
                acknowledged: a.acknowledged_by.zip(a.acknowledged_at),
                alerted: counts.get(&a.id).copied().unwrap_or(0) as u64,
            });
        }
        Ok(out)
    }

    /// Acknowledge an alert ("seen, acting"): the first acknowledgement is kept, later ones
    /// change nothing. An alert outside the caller's reach is not found.
    pub async fn acknowledge_alert(&self, actor: &Actor, alert_id: i64) -> Result<()> {
        let a = alerts::Entity::find_by_id(alert_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let code = code_of(&a.village_code);
        if !actor.can(Operation::RecordReadings, &code)
            && !actor.can(Operation::ManageHazards, &code)
        {
            return Err(StoreError::NotFound);
        }
        alerts::Entity::update_many()
            .col_expr(
                alerts::Column::AcknowledgedBy,
                Expr::value(Some(actor.user_id)),
            )
            .col_expr(
                alerts::Column::AcknowledgedAt,
                Expr::value(Some(Utc::now())),
            )
            .filter(alerts::Column::Id.eq(alert_id))
            .filter(alerts::Column::AcknowledgedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Open an incident in an area the caller manages hazards in (`area_code`:
    /// `area_not_found` otherwise).
    pub async fn open_incident(&self, actor: &Actor, input: &IncidentInput) -> Result<i64> {
        if !actor.can(Operation::ManageHazards, &input.area)
            || crate::areas::entity::Entity::find_by_id(input.area.as_str())
                .one(&self.db)
                .await?
                .is_none()
        {
            return Err(ruamjai_domain::FieldError::new("area_code", "area_not_found").into());
        }
        self.insert_incident(actor, input, None).await
    }

    /// Open the incident an alert calls for: its station's hazard, in its village, from when
    /// the reading was taken. Once per alert: a second press answers the same incident.
    pub async fn open_incident_from_alert(&self, actor: &Actor, alert_id: i64) -> Result<i64> {
        let a = alerts::Entity::find_by_id(alert_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let area = code_of(&a.village_code);
        if !actor.can(Operation::ManageHazards, &area) {
            return Err(StoreError::NotFound);
        }
        if let Some(i) = self.incident_of_alert(alert_id).await? {
            return Ok(i);
        }
        let station = stations::Entity::find_by_id(a.station_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let kind = StationKind::parse(&station.kind).unwrap_or(StationKind::WaterLevel);
        let input = IncidentInput {
            kind: kind.hazard(),
            area,
            title: format!("{} ({} {})", station.name, a.level, a.value),
            started_at: a.observed_at,
        };
        match self.insert_incident(actor, &input, Some(alert_id)).await {
            Err(StoreError::Db(e)) if StoreError::is_unique_violation(&e) => self
                .incident_of_alert(alert_id)
                .await?
                .ok_or(StoreError::NotFound),
            other => other,
        }
    }

    async fn incident_of_alert(&self, alert_id: i64) -> Result<Option<i64>> {
        Ok(incidents::Entity::find()
            .filter(incidents::Column::AlertId.eq(alert_id))
            .one(&self.db)
            .await?
            .map(|i| i.id))
    }

    async fn insert_incident(
        &self,
        actor: &Actor,
        input: &IncidentInput,
        alert_id: Option<i64>,
    ) -> Result<i64> {
        let now = Utc::now();
        let m = incidents::ActiveModel {
            kind: Set(input.kind.as_str().into()),
            area_code: Set(input.area.to_string()),
            title: Set(input.title.clone()),
            status: Set(IncidentStatus::Open.as_str().into()),
            started_at: Set(input.started_at),
            ended_at: Set(None),
            alert_id: Set(alert_id),
            created_by: Set(Some(actor.user_id)),
            created_at: Set(now),
            updated_by: Set(Some(actor.user_id)),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(m.id)
    }

    /// Move an incident on: `monitoring`, `closed` (ended now), or back to `open` (reopened:
    /// the end is cleared). Outside the caller's reach it is not found.
    pub async fn set_incident_status(
        &self,
        actor: &Actor,
        id: i64,
        status: IncidentStatus,
    ) -> Result<()> {
        let i = incidents::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !actor.can(Operation::ManageHazards, &code_of(&i.area_code)) {
            return Err(StoreError::NotFound);
        }
        let now = Utc::now();
        let ended = match status {
            IncidentStatus::Closed => Some(i.ended_at.unwrap_or(now)),
            _ => None,
        };
        incidents::Entity::update_many()
            .col_expr(incidents::Column::Status, Expr::value(status.as_str()))
            .col_expr(incidents::Column::EndedAt, Expr::value(ended))
            .col_expr(
                incidents::Column::UpdatedBy,
                Expr::value(Some(actor.user_id)),
            )
            .col_expr(incidents::Column::UpdatedAt, Expr::value(now))
            .filter(incidents::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Incidents touching the caller's areas — in them, or over an area above them (a
    /// province-wide haze reaches every village) — open and monitored first, newest first;
    /// closed ones only when `with_closed`.
    pub async fn incidents(
        &self,
        actor: &Actor,
        with_closed: bool,
        limit: u64,
    ) -> Result<Vec<Incident>> {
        let mut q = incidents::Entity::find();
        if let Some(c) = crate::areas::reach_condition(
            incidents::Column::AreaCode,
            &actor.scope(Operation::ViewAreas),
        ) {
            q = q.filter(c);
        }
        if !with_closed {
            q = q.filter(incidents::Column::Status.ne(IncidentStatus::Closed.as_str()));
        }
        Ok(q.order_by_desc(incidents::Column::StartedAt)
            .order_by_desc(incidents::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(incident_of)
            .collect())
    }
}
