use chrono::{Duration, Utc};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::hazards::{AlertLevel, HazardKind, IncidentForm, IncidentStatus, StationForm};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};

use crate::{TestDb, both};

both!(
    an_alert_fires_once_per_threshold_crossing,
    a_reading_retried_five_times_at_once_lands_once,
    readings_and_alerts_respect_area_scope,
    incidents_open_from_an_alert_once_and_close,
);

async fn villages(s: &Store) {
    for (sub, no) in [("550101", 1), ("550202", 1)] {
        s.create_village(
            &Actor::command_line(),
            &code(sub),
            NewVillage {
                village_no: no,
                name_th: format!("บ้านทดสอบ {sub} {no}"),
                name_en: String::new(),
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    }
}

async fn gauge(s: &Store, actor: &Actor, village: &str) -> i64 {
    let input = StationForm {
        name: format!("สถานีวัดระดับน้ำ {village}"),
        kind: "water_level".into(),
        village_code: village.into(),
        watch: "3".into(),
        warning: "4".into(),
        danger: "5".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    s.create_station(actor, &input).await.unwrap()
}

async fn an_alert_fires_once_per_threshold_crossing(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let station = gauge(s, &staff, "55010101").await;
    let t0 = Utc::now() - Duration::hours(12);
    // A rising river, a plateau, a fall and a second rise; one reading an hour.
    let levels = [2.0, 3.2, 3.5, 4.1, 4.6, 2.5, 3.1, 5.2];
    let mut raised = Vec::new();
    for (k, v) in levels.iter().enumerate() {
        let r = s
            .record_reading(
                &op,
                station,
                &format!("op-{k}"),
                &v.to_string(),
                t0 + Duration::hours(k as i64),
            )
            .await
            .unwrap();
        assert!(!r.duplicate);
        raised.push(r.raised);
    }
    use AlertLevel::*;
    assert_eq!(
        raised,
        vec![
            vec![],
            vec![Watch],
            vec![],
            vec![Warning],
            vec![],
            vec![],
            vec![Watch],
            vec![Warning, Danger],
        ]
    );
    let all = s.alerts(&staff, None, false, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].level, Danger, "newest first");
    assert_eq!(all[0].threshold, 5.0);
    // Each went to the village's volunteer and the district's staff, as they were when it was
    // raised; their names only to those who may see the area's users.
    assert!(all.iter().all(|a| a.alerted == 2), "{all:?}");
    assert_eq!(s.alert_recipients(&staff, all[0].id).await.unwrap(), None);
    let (_, nan_admin) = user_with_role(s, "nan@example.org", Role::AreaAdmin, Some("55")).await;
    assert_eq!(
        s.alert_recipients(&nan_admin, all[0].id).await.unwrap(),
        Some(vec!["op".to_owned(), "staff".to_owned()])
    );
    // A reading entered late (offline) is judged against the one before it in time: 2.8 after
    // 4.6 crosses nothing; 3.05 after 2.5 crosses the watch level once.
    let late = s
        .record_reading(&op, station, "late-1", "2.8", t0 + Duration::minutes(270))
        .await
        .unwrap();
    assert!(late.raised.is_empty());
    let late = s
        .record_reading(&op, station, "late-2", "3.05", t0 + Duration::minutes(330))
        .await
        .unwrap();
    assert_eq!(late.raised, vec![Watch]);
    // Acknowledged once; the first acknowledgement stays.
    let open = s.alerts(&staff, None, true, 100).await.unwrap();
    assert_eq!(open.len(), 6);
    s.acknowledge_alert(&op, open[0].id).await.unwrap();
    s.acknowledge_alert(&staff, open[0].id).await.unwrap();
    let after = s.alerts(&staff, None, false, 100).await.unwrap();
    let acked = after.iter().find(|a| a.id == open[0].id).unwrap();
    assert_eq!(acked.acknowledged.map(|a| a.0), Some(op.user_id));
    assert_eq!(s.alerts(&staff, None, true, 100).await.unwrap().len(), 5);
    // A slip is refused on its field and writes nothing.
    match s
        .record_reading(&op, station, "bad", "99", t0 + Duration::hours(9))
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert_eq!((e.0[0].field, e.0[0].code), ("value", "out_of_range"))
        }
        other => panic!("{other:?}"),
    }
    let latest = s.stations(&staff, None).await.unwrap()[0].latest.unwrap();
    assert_eq!(latest.0, 5.2);
}

async fn a_reading_retried_five_times_at_once_lands_once(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let station = gauge(s, &staff, "55010101").await;
    let at = Utc::now() - Duration::minutes(5);
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (s, staff) = (s.clone(), staff.clone());
        tasks.push(tokio::spawn(async move {
            s.record_reading(&staff, station, "same-op", "4.4", at)
                .await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap().unwrap());
    }
    assert_eq!(results.iter().filter(|r| !r.duplicate).count(), 1);
    assert!(
        results
            .iter()
            .all(|r| r.reading_id == results[0].reading_id)
    );
    assert!(
        results
            .iter()
            .all(|r| r.raised == vec![AlertLevel::Watch, AlertLevel::Warning])
    );
    assert_eq!(s.alerts(&staff, None, false, 100).await.unwrap().len(), 2);
    // And once more, later.
    let again = s
        .record_reading(&staff, station, "same-op", "4.4", at)
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(s.alerts(&staff, None, false, 100).await.unwrap().len(), 2);
}

async fn readings_and_alerts_respect_area_scope(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    let (_, op_other) =
        user_with_role(s, "op2@example.org", Role::Operator, Some("55020201")).await;
    let (_, viewer) = user_with_role(s, "viewer@example.org", Role::Viewer, Some("5501")).await;
    let ours = gauge(s, &staff, "55010101").await;
    let theirs = gauge(s, &other, "55020201").await;
    // Nobody sets up a station outside their area.
    let input = StationForm {
        name: "x".into(),
        kind: "rain".into(),
        village_code: "55020201".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    match s.create_station(&staff, &input).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "village_code"),
        other => panic!("{other:?}"),
    }
    let now = Utc::now();
    s.record_reading(&staff, ours, "a", "4.2", now)
        .await
        .unwrap();
    s.record_reading(&other, theirs, "b", "3.1", now)
        .await
        .unwrap();
    // Readings: another district's station, or a viewer, is not found.
    for (who, st) in [
        (&op_other, ours),
        (&other, ours),
        (&viewer, ours),
        (&staff, theirs),
    ] {
        assert!(matches!(
            s.record_reading(who, st, "c", "3.0", now).await,
            Err(StoreError::NotFound)
        ));
    }
    // Lists hold only what the caller's area holds; the viewer sees their district's.
    let levels = |v: Vec<ruamjai_store::hazards::Alert>| -> Vec<String> {
        v.iter().map(|a| a.village_code.to_string()).collect()
    };
    assert_eq!(
        levels(s.alerts(&staff, None, false, 100).await.unwrap()),
        ["55010101", "55010101"]
    );
    assert_eq!(
        levels(s.alerts(&other, None, false, 100).await.unwrap()),
        ["55020201"]
    );
    assert_eq!(s.alerts(&viewer, None, false, 100).await.unwrap().len(), 2);
    assert_eq!(s.stations(&other, None).await.unwrap().len(), 1);
    // Acknowledging another district's alert: not found.
    let theirs_alert = s.alerts(&other, None, false, 100).await.unwrap()[0].id;
    assert!(matches!(
        s.acknowledge_alert(&staff, theirs_alert).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.acknowledge_alert(&viewer, theirs_alert).await,
        Err(StoreError::NotFound)
    ));
}

async fn incidents_open_from_an_alert_once_and_close(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let station = gauge(s, &staff, "55010101").await;
    let at = Utc::now() - Duration::hours(1);
    s.record_reading(&op, station, "r1", "5.4", at)
        .await
        .unwrap();
    let danger = s.alerts(&staff, None, false, 10).await.unwrap()[0].clone();
    assert_eq!(danger.level, AlertLevel::Danger);
    // Only those who manage hazards open incidents; twice is once.
    assert!(matches!(
        s.open_incident_from_alert(&op, danger.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.open_incident_from_alert(&other, danger.id).await,
        Err(StoreError::NotFound)
    ));
    let first = s.open_incident_from_alert(&staff, danger.id).await.unwrap();
    assert_eq!(
        s.open_incident_from_alert(&staff, danger.id).await.unwrap(),
        first
    );
    let list = s.incidents(&op, false, 10).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].kind, list[0].status, list[0].alert_id),
        (HazardKind::Flood, IncidentStatus::Open, Some(danger.id))
    );
    assert_eq!(list[0].started_at.timestamp(), at.timestamp());
    // A province-wide haze, opened by hand, reaches every district's list.
    let (_, province) = user_with_role(s, "nan@example.org", Role::AreaAdmin, Some("55")).await;
    let haze = IncidentForm {
        kind: "haze".into(),
        area_code: "55".into(),
        title: "หมอกควันทั้งจังหวัด".into(),
        started_at: String::new(),
    }
    .check(Utc::now())
    .unwrap();
    assert!(
        s.open_incident(&staff, &haze).await.is_err(),
        "a district cannot open for the province"
    );
    let wide = s.open_incident(&province, &haze).await.unwrap();
    assert_eq!(s.incidents(&other, false, 10).await.unwrap().len(), 1);
    assert_eq!(s.incidents(&staff, false, 10).await.unwrap().len(), 2);
    // Closed: off the open list, kept with its end; another district cannot touch it.
    assert!(matches!(
        s.set_incident_status(&other, first, IncidentStatus::Closed)
            .await,
        Err(StoreError::NotFound)
    ));
    s.set_incident_status(&staff, first, IncidentStatus::Closed)
        .await
        .unwrap();
    let open: Vec<i64> = s
        .incidents(&staff, false, 10)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(open, vec![wide]);
    let all = s.incidents(&staff, true, 10).await.unwrap();
    let closed = all.iter().find(|i| i.id == first).unwrap();
    assert_eq!(closed.status, IncidentStatus::Closed);
    assert!(closed.ended_at.is_some());
    // Reopened: the end is cleared.
    s.set_incident_status(&staff, first, IncidentStatus::Open)
        .await
        .unwrap();
    let again = s.incidents(&staff, false, 10).await.unwrap();
    assert!(again.iter().any(|i| i.id == first && i.ended_at.is_none()));
}
