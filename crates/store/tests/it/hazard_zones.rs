//! Hazard zones and evacuation lists on both backends: imports whole or not at all, the
//! evacuation order, area scope and the sensitive permission.

use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::hazards::{Priority, ZoneForm};
use ruamjai_domain::network::VolunteerForm;
use ruamjai_domain::registry::{Category, CategoryForm, PersonForm};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::today;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};
use serde_json::{Value, json};

use crate::{TestDb, both};

both!(
    zone_import_is_all_or_nothing_and_imports_again_in_place,
    evacuation_list_ranks_the_bedridden_alone_first_within_scope,
);

fn meta() -> RequestMeta {
    RequestMeta::default()
}

async fn villages(s: &Store) {
    for sub in ["550101", "550202"] {
        s.create_village(
            &Actor::command_line(),
            &code(sub),
            NewVillage {
                village_no: 1,
                name_th: format!("บ้านทดสอบ {sub}"),
                name_en: String::new(),
            },
            &meta(),
        )
        .await
        .unwrap();
    }
}

/// A square of side `d` degrees with its south-west corner at (lon, lat).
fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
}

fn feature(id: &str, props: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "id": id, "properties": props, "geometry": geometry})
}

async fn zone_import_is_all_or_nothing_and_imports_again_in_place(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let valley = feature(
        "valley",
        json!({"name": "ที่ลุ่มริมน้ำน่าน", "kind": "น้ำท่วม", "severity": "high", "source": "ปภ.น่าน"}),
        square(100.70, 18.70, 0.1),
    );
    let slope = feature(
        "slope",
        json!({"name": "ไหล่เขาบ้านทดสอบ", "kind": "landslide", "area_code": "55010101",
               "valid_from": "2026-06-01", "valid_to": "2026-10-31"}),
        json!({"type": "MultiPolygon", "coordinates": [square(100.9, 18.9, 0.01)["coordinates"], square(100.95, 18.9, 0.01)["coordinates"]]}),
    );
    let point = feature(
        "bridge",
        json!({"name": "สะพานข้ามห้วย", "kind": "flash_flood"}),
        json!({"type": "Point", "coordinates": [100.75, 18.75]}),
    );
    // A bow-tie (its edges cross) and an unknown hazard: the whole file is refused.
    let bowtie = feature(
        "bowtie",
        json!({"name": "ผิด", "kind": "flood"}),
        json!({"type": "Polygon", "coordinates": [[[100.7, 18.7], [100.8, 18.8], [100.8, 18.7], [100.7, 18.8], [100.7, 18.7]]]}),
    );
    let unknown = feature(
        "x",
        json!({"name": "สึนามิ", "kind": "tsunami"}),
        square(100.7, 18.7, 0.1),
    );
    let file = |fs: Vec<Value>| json!({"type": "FeatureCollection", "features": fs}).to_string();
    let problems = s
        .import_zones(
            &staff,
            &code("5501"),
            &file(vec![
                valley.clone(),
                slope.clone(),
                bowtie,
                point.clone(),
                unknown,
            ]),
            &meta(),
        )
        .await
        .unwrap()
        .unwrap_err();
    let named: Vec<_> = problems
        .iter()
        .map(|p| (p.index, p.id.as_deref(), p.field, p.code))
        .collect();
    assert_eq!(
        named,
        [
            (2, Some("bowtie"), "geometry", "ring_self_intersection"),
            (4, Some("x"), "kind", "invalid_choice"),
        ]
    );
    assert!(
        s.zones(&staff, None, None).await.unwrap().is_empty(),
        "nothing half-imported"
    );

    // A feature of another district, and an area that does not exist: refused, named.
    let elsewhere = feature(
        "e",
        json!({"name": "นอกเขต", "kind": "drought", "area_code": "5502"}),
        square(100.7, 18.7, 0.1),
    );
    let missing = feature(
        "m",
        json!({"name": "ไม่มีหมู่บ้าน", "kind": "drought", "area_code": "55010199"}),
        square(100.7, 18.7, 0.1),
    );
    let problems = s
        .import_zones(
            &staff,
            &code("5501"),
            &file(vec![valley.clone(), elsewhere, missing]),
            &meta(),
        )
        .await
        .unwrap()
        .unwrap_err();
    let named: Vec<_> = problems.iter().map(|p| (p.index, p.code)).collect();
    assert_eq!(named, [(1, "area_not_found"), (2, "area_not_found")]);
    // Someone who may not manage hazards there: refused before reading.
    assert!(matches!(
        s.import_zones(&op, &code("55010101"), &file(vec![point.clone()]), &meta())
            .await,
        Err(StoreError::Invalid(_))
    ));

    let good = file(vec![valley, slope, point]);
    let done = s
        .import_zones(&staff, &code("5501"), &good, &meta())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((done.added, done.replaced), (3, 0));
    // The same file again replaces, never duplicates.
    let again = s
        .import_zones(&staff, &code("5501"), &good, &meta())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.added, again.replaced), (0, 3));
    let zones = s.zones(&staff, None, None).await.unwrap();
    assert_eq!(zones.len(), 3);
    let slope = zones
        .iter()
        .find(|z| z.meta.name == "ไหล่เขาบ้านทดสอบ")
        .unwrap();
    assert_eq!(slope.meta.area, code("55010101"));
    assert_eq!(slope.version, 2);
    assert!(zones.iter().any(|z| z.point));
    // In force: the landslide season ends in October.
    let december = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    assert_eq!(
        s.zones(&staff, None, Some(december)).await.unwrap().len(),
        2
    );

    // Export and import back: the same zones, in place.
    let exported: Value =
        serde_json::from_str(&s.export_zones(&staff, None).await.unwrap()).unwrap();
    assert_eq!(exported["features"].as_array().unwrap().len(), 3);
    let back = s
        .import_zones(&staff, &code("5501"), &exported.to_string(), &meta())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((back.added, back.replaced), (0, 3));

    // KML, as Google Earth and many agencies write it, goes through the same checks.
    let kml = r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
      <Placemark id="kml-1"><name>ห้วยน้ำตก</name><ExtendedData><Data name="kind"><value>flash_flood</value></Data></ExtendedData>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>100.6,18.6 100.65,18.6 100.65,18.65 100.6,18.6</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
      </Document></kml>"#;
    let done = s
        .import_zones(&staff, &code("5501"), kml, &meta())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.added, 1);
    let broken = s
        .import_zones(&staff, &code("5501"), "<kml><Document>", &meta())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(broken[0].code, "kml_invalid");
    let kml_zone = s
        .zones(&staff, None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|z| z.reference.as_deref() == Some("kml-1"))
        .unwrap();
    s.delete_zone(&staff, kml_zone.id, &meta()).await.unwrap();

    // A zone drawn on the map, then reshaped; a bad shape is named on `geometry`.
    let form = ZoneForm {
        name: "น้ำท่วมขังหมู่ 1".into(),
        kind: "flood".into(),
        area_code: "55010101".into(),
        ..Default::default()
    };
    // The form sent three times at once (a double tap, a retry): one zone.
    let drawn = square(100.71, 18.71, 0.01).to_string();
    let m = meta();
    let send = || s.create_zone(&staff, &form, &drawn, Some("0b7c3e5a-form"), &m);
    let (a, b, c) = tokio::join!(send(), send(), send());
    let id = a.unwrap().unwrap();
    assert_eq!(b.unwrap().unwrap(), id);
    assert_eq!(c.unwrap().unwrap(), id);
    assert_eq!(
        s.zone(&staff, id).await.unwrap().reference.as_deref(),
        Some("drawn-0b7c3e5a-form")
    );
    let drawn_count = s
        .zones(&staff, Some(&code("55010101")), None)
        .await
        .unwrap()
        .iter()
        .filter(|z| z.meta.name == form.name)
        .count();
    assert_eq!(drawn_count, 1);
    let bad = s
        .reshape_zone(
            &staff,
            id,
            r#"{"type":"Polygon","coordinates":[[[100.7,18.7],[100.8,18.7]]]}"#,
            &meta(),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!((bad[0].field, bad[0].code), ("geometry", "ring_too_short"));
    s.reshape_zone(
        &staff,
        id,
        &square(100.72, 18.72, 0.02).to_string(),
        &meta(),
    )
    .await
    .unwrap()
    .unwrap();
    let z = s.zone(&staff, id).await.unwrap();
    assert_eq!(z.bbox, [100.72, 18.72, 100.74, 18.74]);
    // Its description changed against the version seen; a stale form writes nothing.
    let described = ZoneForm {
        name: "น้ำท่วมขังหมู่ 1 (ปรับปรุง)".into(),
        kind: "flash_flood".into(),
        severity: "high".into(),
        valid_to: "2026-01-01".into(),
        valid_from: "2026-06-01".into(),
        ..Default::default()
    };
    let err = s
        .update_zone(&staff, id, &described, z.version, &meta())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "valid_period"),
        "{err:?}"
    );
    let described = ZoneForm {
        valid_to: String::new(),
        ..described
    };
    s.update_zone(&staff, id, &described, z.version, &meta())
        .await
        .unwrap();
    let err = s
        .update_zone(&staff, id, &described, z.version, &meta())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "stale"),
        "{err:?}"
    );
    let z = s.zone(&staff, id).await.unwrap();
    assert_eq!(
        (z.meta.kind, z.meta.area.as_str(), z.meta.valid_to),
        (
            ruamjai_domain::hazards::HazardKind::FlashFlood,
            "55010101",
            None
        ),
        "the area stays"
    );
    // Someone of another district neither sees nor changes it.
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    assert!(matches!(
        s.zone(&other, id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_zone(&other, id, &meta()).await,
        Err(StoreError::NotFound)
    ));
    s.delete_zone(&staff, id, &meta()).await.unwrap();
    assert!(matches!(
        s.zone(&staff, id).await,
        Err(StoreError::NotFound)
    ));
}

async fn evacuation_list_ranks_the_bedridden_alone_first_within_scope(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let admin_user = s
        .create_user(
            None,
            ruamjai_store::auth::NewUser {
                email: "admin@example.org".into(),
                display_name: "admin".into(),
                password: Some(ruamjai_store::testing::PASSWORD.into()),
                locale: "th".into(),
            },
            Some((Role::Admin, None)),
            &RequestMeta::cli(),
        )
        .await
        .unwrap()
        .user;
    // The one who registers everyone holds the sensitive permission (HIV is recorded).
    s.grant_role_cli(admin_user.id, Role::Sensitive, None)
        .await
        .unwrap();
    let admin = s.actor(admin_user.id).await.unwrap();
    let (_, plain_admin) = user_with_role(s, "plain@example.org", Role::Admin, None).await;
    let person = async |first: &str,
                        village: &str,
                        house: &str,
                        born: &str,
                        home: Option<(f64, f64)>,
                        cats: &[&str]| {
        let cats = cats
            .iter()
            .map(|c| {
                CategoryForm {
                    category: (*c).into(),
                    ..Default::default()
                }
                .check(today())
                .unwrap()
            })
            .collect();
        s.create_person(
            &admin,
            PersonForm {
                first_name: first.into(),
                last_name: "ทดสอบ".into(),
                village_code: village.into(),
                house_number: house.into(),
                birth_date: born.into(),
                lat: home.map(|h| h.0.to_string()).unwrap_or_default(),
                lon: home.map(|h| h.1.to_string()).unwrap_or_default(),
                ..Default::default()
            }
            .check(today())
            .unwrap(),
            cats,
            None,
            &meta(),
        )
        .await
        .unwrap()
    };
    // The zone: 18.70–18.80 N, 100.70–100.80 E, over both districts' villages.
    let inside = |k: f64| Some((18.75 + k * 0.001, 100.75 + k * 0.001));
    let elderly_hiv = person("เฒ่า", "55010101", "3", "2480", inside(1.0), &["hiv"]).await;
    let bedridden_with_family = person(
        "นอนติดเตียง",
        "55010101",
        "2",
        "2490",
        inside(2.0),
        &["bedridden"],
    )
    .await;
    let _family = person("ลูกสาว", "55010101", "2", "2530", inside(2.0), &[]).await;
    let bedridden_alone = person(
        "อยู่คนเดียว",
        "55010101",
        "1",
        "2500",
        inside(3.0),
        &["bedridden"],
    )
    .await;
    let _healthy = person("แข็งแรง", "55010101", "4", "2535", inside(4.0), &[]).await;
    let _outside = person(
        "นอกเขต",
        "55010101",
        "5",
        "2480",
        Some((18.9, 100.9)),
        &["disabled"],
    )
    .await;
    let unlocated = person("ไม่มีพิกัด", "55010101", "6", "2485", None, &["bedridden"]).await;
    let homebound_5502 = person(
        "อำเภออื่น",
        "55020201",
        "1",
        "2495",
        inside(5.0),
        &["homebound"],
    )
    .await;
    // A young child (born B.E. 2567).
    let child = person("เด็กน้อย", "55010101", "7", "2567", inside(6.0), &[]).await;

    // Volunteers: one next door and free, one farther, one next door but never free.
    let volunteer = async |first: &str, home: (f64, f64), availability: &str| {
        s.create_volunteer(
            &admin,
            VolunteerForm {
                first_name: first.into(),
                last_name: "อาสา".into(),
                kind: "vhv".into(),
                area_code: "55010101".into(),
                lat: home.0.to_string(),
                lon: home.1.to_string(),
                availability: availability.into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap()
    };
    let near = volunteer("ใกล้", (18.7535, 100.7535), "always").await;
    let far = volunteer("ไกล", (18.79, 100.79), "always").await;
    let _busy = volunteer("ไม่ว่าง", (18.753, 100.753), "").await;

    let zone = s
        .create_zone(
            &admin,
            &ZoneForm {
                name: "น้ำท่วมลุ่มน้ำน่าน".into(),
                kind: "flood".into(),
                area_code: "55".into(),
                ..Default::default()
            },
            &square(100.70, 18.70, 0.1).to_string(),
            None,
            &meta(),
        )
        .await
        .unwrap()
        .unwrap();

    let list = s.evacuation(&plain_admin, zone, &meta()).await.unwrap();
    let order: Vec<(i64, Priority)> = list
        .evacuees
        .iter()
        .map(|e| (e.person_id, e.priority))
        .collect();
    assert_eq!(
        order,
        [
            (bedridden_alone, Priority::BedriddenAlone),
            (bedridden_with_family, Priority::Bedridden),
            (homebound_5502, Priority::Homebound),
            (elderly_hiv, Priority::Elderly),
            (child, Priority::YoungChild),
        ]
    );
    let first = &list.evacuees[0];
    assert!(first.alone);
    assert_eq!(first.house_number.as_deref(), Some("1"));
    let proposed: Vec<i64> = first.volunteers.iter().map(|v| v.id).collect();
    assert_eq!(
        proposed,
        [near, far],
        "nearest first; the volunteer who is never free is not proposed"
    );
    assert!(list.volunteers_shown);
    // Without a home location: listed apart, not dropped.
    assert_eq!(
        list.unlocated
            .iter()
            .map(|e| e.person_id)
            .collect::<Vec<_>>(),
        [unlocated]
    );
    // The administrator does not hold the sensitive permission: HIV is not shown.
    let old = list
        .evacuees
        .iter()
        .find(|e| e.person_id == elderly_hiv)
        .unwrap();
    assert_eq!(old.categories, [Category::Elderly]);

    // With the sensitive permission, it is.
    let list = s.evacuation(&admin, zone, &meta()).await.unwrap();
    let old = list
        .evacuees
        .iter()
        .find(|e| e.person_id == elderly_hiv)
        .unwrap();
    assert_eq!(old.categories, [Category::Elderly, Category::Hiv]);

    // A district's staff sees the province's zone but only their own district's persons.
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let list = s.evacuation(&staff, zone, &meta()).await.unwrap();
    assert!(list.evacuees.iter().all(|e| e.person_id != homebound_5502));
    assert_eq!(list.evacuees.len(), 4);
    // Another province: the zone does not exist for them.
    let (_, phrae) = user_with_role(s, "phrae@example.org", Role::Staff, Some("54")).await;
    assert!(matches!(
        s.evacuation(&phrae, zone, &meta()).await,
        Err(StoreError::NotFound)
    ));
    // The map's persons layer: every located vulnerable person of the area in order, or none
    // when there are more homes than a map shows.
    let on_map = s
        .vulnerable_on_map(&staff, Some(&code("550101")), 100, &meta())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        on_map.len(),
        5,
        "the four in the zone and the disabled person outside it"
    );
    assert_eq!(on_map[0].person_id, bedridden_alone);
    assert_eq!(
        s.vulnerable_on_map(&staff, Some(&code("550101")), 3, &meta())
            .await
            .unwrap(),
        Some(None)
    );
    // A viewer of areas without person access: no persons at all.
    let (_, viewer) = user_with_role(s, "viewer@example.org", Role::Viewer, Some("55")).await;
    let list = s.evacuation(&viewer, zone, &meta()).await.unwrap();
    assert!(!list.persons_shown);
    assert!(list.evacuees.is_empty() && list.unlocated.is_empty());
    assert_eq!(
        s.vulnerable_on_map(&viewer, None, 100, &meta())
            .await
            .unwrap(),
        None
    );
}
