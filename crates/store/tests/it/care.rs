use std::collections::BTreeMap;

use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::care::adl::ITEMS;
use ruamjai_domain::care::plan::{GroupForm, ItemForm, PlanForm};
use ruamjai_domain::care::{VisitForm, VitalsForm};
use ruamjai_domain::registry::{Category, PersonForm};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::care::{SyncStatus, VisitSubmission};
use ruamjai_store::registry::today;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};

use crate::{TestDb, both};

both!(
    the_same_visit_lands_once,
    a_stale_offline_edit_becomes_a_conflict,
    operators_reach_only_their_persons_and_photos,
    plans_keep_their_history_and_groups_share_persons,
    racing_edits_one_wins_the_others_wait_for_review,
    opposite_adl_moves_neither_deadlock_nor_drift,
    racing_assessments_of_one_person_leave_one_category,
);

fn meta() -> RequestMeta {
    RequestMeta::default()
}

/// Villages 55010101 and 55010102 (Mueang Nan).
async fn villages(s: &Store) {
    let cli = Actor::command_line();
    for no in [1, 2] {
        s.create_village(
            &cli,
            &code("550101"),
            NewVillage {
                village_no: no,
                name_th: format!("บ้านทดสอบ {no}"),
                name_en: String::new(),
            },
            &meta(),
        )
        .await
        .unwrap();
    }
}

async fn person(s: &Store, a: &Actor, first: &str, village: &str) -> i64 {
    let p = PersonForm {
        first_name: first.into(),
        last_name: "ทดสอบ".into(),
        village_code: village.into(),
        birth_date: "2480".into(),
        lat: "18.78".into(),
        lon: "100.77".into(),
        ..Default::default()
    }
    .check(today())
    .unwrap();
    s.create_person(a, p, vec![], None, &meta()).await.unwrap()
}

/// A visit form with every ADL item scored `score` (0–1 keeps each inside its range).
fn form(notes: &str, adl_each: Option<u8>) -> VisitForm {
    VisitForm {
        visited_at: chrono::Utc::now().to_rfc3339(),
        lat: "18.781".into(),
        lon: "100.771".into(),
        vitals: VitalsForm {
            systolic: "150".into(),
            diastolic: "92".into(),
            pulse: "80".into(),
            ..Default::default()
        },
        adl: adl_each.map(|s| {
            ITEMS
                .iter()
                .map(|i| (i.name.to_owned(), s.min(i.max).to_string()))
                .collect::<BTreeMap<_, _>>()
        }),
        needs: vec!["medicine".into()],
        notes: notes.into(),
        ..Default::default()
    }
}

fn new_visit(id: &str, person_id: i64, f: VisitForm) -> VisitSubmission {
    VisitSubmission {
        op_id: id.into(),
        client_id: id.into(),
        person_id,
        base_version: None,
        form: f,
    }
}

async fn categories(s: &Store, a: &Actor, id: i64) -> Vec<Category> {
    s.person_detail(a, id, &meta())
        .await
        .unwrap()
        .person
        .categories
        .iter()
        .map(|c| c.category)
        .collect()
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn the_same_visit_lands_once(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let p = person(s, &admin, "สมศรี", "55010101").await;

    // Five tries of the same visit, one after another: one lands, four answer "duplicate".
    let sub = new_visit(
        "6f1c2a1e-0001-4c55-9a10-000000000001",
        p,
        form("ครั้งแรก", Some(0)),
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(s.sync_visit(&op, &sub, &meta()).await.unwrap());
    }
    assert_eq!(statuses[0].status, SyncStatus::Applied);
    assert!(
        statuses[1..]
            .iter()
            .all(|r| r.status == SyncStatus::Duplicate && r.visit_id == statuses[0].visit_id)
    );
    // The same visit under a new change id (the phone lost its receipt) is still one visit.
    let mut again = sub.clone();
    again.op_id = "6f1c2a1e-0001-4c55-9a10-0000000000ff".into();
    assert_eq!(
        s.sync_visit(&op, &again, &meta()).await.unwrap().status,
        SyncStatus::Duplicate
    );

    // Five tries at once (a flaky network firing retries in parallel): still one.
    let racing = new_visit(
        "6f1c2a1e-0002-4c55-9a10-000000000002",
        p,
        form("พร้อมกัน", None),
    );
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (s, op, racing) = (s.clone(), op.clone(), racing.clone());
        tasks.push(tokio::spawn(async move {
            s.sync_visit(&op, &racing, &RequestMeta::default()).await
        }));
    }
    let mut applied = 0;
    for t in tasks {
        match t.await.unwrap().unwrap().status {
            SyncStatus::Applied => applied += 1,
            SyncStatus::Duplicate => {}
            SyncStatus::Conflict => panic!("a retry is not a conflict"),
        }
    }
    assert_eq!(applied, 1, "exactly one of the racing retries applies");
    let visits = s.visits_of(&admin, p, &meta()).await.unwrap();
    assert_eq!(visits.len(), 2);
    assert_eq!(
        visits
            .iter()
            .filter(|v| v.notes.as_deref() == Some("พร้อมกัน"))
            .count(),
        1
    );

    // The ADL total 0 made the person bedridden, with the count cache kept alike.
    assert!(
        categories(s, &admin, p)
            .await
            .contains(&Category::Bedridden)
    );
    let first = visits.iter().find(|v| v.adl.is_some()).unwrap();
    assert_eq!(first.adl.unwrap().total(), 0);
    assert_eq!(first.vitals.systolic, Some(150));
    // A later assessment moves the person to home-bound and takes bedridden off.
    let later = new_visit(
        "6f1c2a1e-0003-4c55-9a10-000000000003",
        p,
        form("ดีขึ้น", Some(1)),
    );
    s.sync_visit(&op, &later, &meta()).await.unwrap();
    let cats = categories(s, &admin, p).await;
    assert!(cats.contains(&Category::Homebound) && !cats.contains(&Category::Bedridden));
    // An older visit synced late does not undo the newer assessment.
    let mut old = form("เมื่อวาน", Some(0));
    old.visited_at = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let late = new_visit("6f1c2a1e-0004-4c55-9a10-000000000004", p, old);
    assert_eq!(
        s.sync_visit(&op, &late, &meta()).await.unwrap().status,
        SyncStatus::Applied
    );
    let cats = categories(s, &admin, p).await;
    assert!(cats.contains(&Category::Homebound) && !cats.contains(&Category::Bedridden));

    // A slip is refused on its field, and leaves no receipt: the corrected visit then lands.
    let mut bad = new_visit("6f1c2a1e-0005-4c55-9a10-000000000005", p, form("x", None));
    bad.form.vitals.spo2 = "150".into();
    match s.sync_visit(&op, &bad, &meta()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "spo2"),
        other => panic!("expected a field error, got {other:?}"),
    }
    bad.form.vitals.spo2 = "97".into();
    assert_eq!(
        s.sync_visit(&op, &bad, &meta()).await.unwrap().status,
        SyncStatus::Applied
    );
    assert_eq!(s.visits_of(&admin, p, &meta()).await.unwrap().len(), 5);
}

async fn a_stale_offline_edit_becomes_a_conflict(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let (_, nurse) = user_with_role(s, "nurse@example.org", Role::Staff, Some("5501")).await;
    let p = person(s, &admin, "บุญมี", "55010101").await;
    let id = "0b7e9d4c-1111-4a5b-8c2d-000000000001";
    let v = s
        .sync_visit(&op, &new_visit(id, p, form("เดิม", None)), &meta())
        .await
        .unwrap();
    assert_eq!(v.version, 1);

    // The nurse corrects the visit online (version 1 → 2)…
    let edit = |op_id: &str, notes: &str| VisitSubmission {
        op_id: op_id.into(),
        client_id: id.into(),
        person_id: p,
        base_version: Some(1),
        form: form(notes, None),
    };
    let r = s
        .sync_visit(
            &nurse,
            &edit("0b7e9d4c-2222-4a5b-8c2d-000000000002", "พยาบาลแก้"),
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.version), (SyncStatus::Applied, 2));
    // …while the operator, offline, edited version 1 too. Their edit is kept, not written.
    let stale = edit("0b7e9d4c-3333-4a5b-8c2d-000000000003", "อสม.แก้ตอนไม่มีสัญญาณ");
    let c = s.sync_visit(&op, &stale, &meta()).await.unwrap();
    assert_eq!(c.status, SyncStatus::Conflict);
    assert!(c.conflict_id.is_some());
    let now = s.visits_of(&admin, p, &meta()).await.unwrap();
    assert_eq!(now[0].notes.as_deref(), Some("พยาบาลแก้"));
    assert_eq!(now[0].version, 2);
    // Retrying the stale edit answers the same conflict; it does not make a second one.
    let again = s.sync_visit(&op, &stale, &meta()).await.unwrap();
    assert_eq!(again.conflict_id, c.conflict_id);
    let queue = s.conflicts(&nurse).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].proposed.notes, "อสม.แก้ตอนไม่มีสัญญาณ");
    assert_eq!(queue[0].base_version, 1);
    // The operator may not review conflicts; the nurse applies it (version 3).
    assert!(s.conflicts(&op).await.is_err());
    s.resolve_conflict(&nurse, queue[0].id, true, &meta())
        .await
        .unwrap();
    let now = s.visits_of(&admin, p, &meta()).await.unwrap();
    assert_eq!(
        (now[0].notes.as_deref(), now[0].version),
        (Some("อสม.แก้ตอนไม่มีสัญญาณ"), 3)
    );
    assert!(s.conflicts(&nurse).await.unwrap().is_empty());
    // A late retry of the nurse's edit answers the version her edit left (2), not today's 3:
    // a phone trusting it will not write over the applied proposal unawares.
    let retry = s
        .sync_visit(
            &nurse,
            &edit("0b7e9d4c-2222-4a5b-8c2d-000000000002", "พยาบาลแก้"),
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!((retry.status, retry.version), (SyncStatus::Duplicate, 2));
    assert!(matches!(
        s.resolve_conflict(&nurse, queue[0].id, true, &meta()).await,
        Err(StoreError::NotFound)
    ));
}

async fn operators_reach_only_their_persons_and_photos(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (op_user, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let (_, op2) = user_with_role(s, "op2@example.org", Role::Operator, Some("55010102")).await;
    let mine = person(s, &admin, "ในหมู่บ้าน", "55010101").await;
    let theirs = person(s, &admin, "หมู่บ้านอื่น", "55010102").await;

    // A visit and a photo in village 2, by its own operator.
    let vid = "a1a1a1a1-0000-4000-8000-000000000001";
    s.sync_visit(&op2, &new_visit(vid, theirs, form("x", Some(0))), &meta())
        .await
        .unwrap();
    let (photo, st) = s
        .add_photo(
            &op2,
            vid,
            "a1a1a1a1-0000-4000-8000-00000000f001",
            png(),
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!(st, SyncStatus::Applied);
    // The same photo sent twice is one photo.
    let (again, st) = s
        .add_photo(
            &op2,
            vid,
            "a1a1a1a1-0000-4000-8000-00000000f001",
            png(),
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!((again, st), (photo, SyncStatus::Duplicate));
    let jpeg = s.photo(&op2, photo, &meta()).await.unwrap();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "stored as JPEG");

    // The operator of village 1 reaches none of it: person, visits, photo, recording.
    assert!(matches!(
        s.person_detail(&op, theirs, &meta()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.visits_of(&op, theirs, &meta()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.photo(&op, photo, &meta()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_photo(
            &op,
            vid,
            "a1a1a1a1-0000-4000-8000-00000000f002",
            png(),
            &meta()
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let sub = new_visit(
        "a1a1a1a1-0000-4000-8000-000000000002",
        theirs,
        form("y", None),
    );
    assert!(matches!(
        s.sync_visit(&op, &sub, &meta()).await,
        Err(StoreError::NotFound)
    ));

    // Their day lists the bedridden person of their own village only.
    s.sync_visit(
        &op,
        &new_visit(
            "a1a1a1a1-0000-4000-8000-000000000003",
            mine,
            form("z", Some(0)),
        ),
        &meta(),
    )
    .await
    .unwrap();
    let day = s
        .my_visits(&op, Some((18.78, 100.77)), &meta())
        .await
        .unwrap();
    assert_eq!(
        day.iter().map(|d| d.person_id).collect::<Vec<_>>(),
        vec![mine]
    );
    assert_eq!(day[0].every_days, 7, "bedridden: weekly");
    assert_eq!(day[0].due_in_days, 7);
    assert!(day[0].distance_m.unwrap() < 10.0);

    // Assigned by a coordinator, the other village's person joins their day and may be visited.
    s.assign_person(&admin, theirs, op_user.id, true, &meta())
        .await
        .unwrap();
    let day = s.my_visits(&op, None, &meta()).await.unwrap();
    assert!(day.iter().any(|d| d.person_id == theirs && d.assigned));
    assert_eq!(s.photo(&op, photo, &meta()).await.unwrap(), jpeg);
    assert_eq!(
        s.sync_visit(&op, &sub, &meta()).await.unwrap().status,
        SyncStatus::Applied
    );
    // Unassigned again: gone.
    s.assign_person(&admin, theirs, op_user.id, false, &meta())
        .await
        .unwrap();
    assert!(matches!(
        s.photo(&op, photo, &meta()).await,
        Err(StoreError::NotFound)
    ));

    // A file that is not a picture is refused on its field and stores nothing.
    match s
        .add_photo(
            &op2,
            vid,
            "a1a1a1a1-0000-4000-8000-00000000f003",
            b"%PDF-1.7 not a photo".to_vec(),
            &meta(),
        )
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert_eq!((e.0[0].field, e.0[0].code), ("photo", "not_an_image"))
        }
        other => panic!("expected a field error, got {other:?}"),
    }
    let visits = s.visits_of(&admin, theirs, &meta()).await.unwrap();
    let photos: usize = visits.iter().map(|v| v.photos.len()).sum();
    assert_eq!(photos, 1);
}

async fn plans_keep_their_history_and_groups_share_persons(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, area_admin) =
        user_with_role(s, "aa@example.org", Role::AreaAdmin, Some("550101")).await;
    let (_, nurse) = user_with_role(s, "nurse@example.org", Role::Staff, Some("550101")).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let (_, outsider) = user_with_role(s, "ngo@example.org", Role::Staff, Some("5502")).await;
    let p = person(s, &admin, "แก้ว", "55010102").await;

    let plan = PlanForm {
        visit_every_days: "3".into(),
        summary: "ติดเตียงหลังเส้นเลือดในสมองตีบ".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    // An operator may read but not make plans.
    assert!(matches!(
        s.save_plan(&op, p, None, &plan, &meta()).await,
        Err(StoreError::NotFound)
    ));
    s.save_plan(&nurse, p, None, &plan, &meta()).await.unwrap();
    let item = ItemForm {
        kind: "activity".into(),
        text: "จัดหาที่นอนลม".into(),
        due_on: "1/1/2570".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let item_id = s.add_plan_item(&nurse, p, &item, &meta()).await.unwrap();
    let mut done = item.clone();
    done.status = ruamjai_domain::care::plan::ItemStatus::Done;
    s.update_plan_item(&nurse, item_id, &done, &meta())
        .await
        .unwrap();
    let detail = s.care_plan(&nurse, p, &meta()).await.unwrap().unwrap();
    assert_eq!(detail.plan.visit_every_days, 3);
    assert_eq!(detail.items.len(), 1);
    assert!(!detail.items[0].overdue, "done items are never overdue");
    let changes: Vec<&str> = detail
        .history
        .iter()
        .map(|h| h.change["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, vec!["item_changed", "item_added", "created"]);
    // A stale header edit is refused.
    assert!(
        s.save_plan(&nurse, p, Some(7), &plan, &meta())
            .await
            .is_err()
    );

    // The partner from another district sees nothing, until the group brings them in.
    assert!(matches!(
        s.care_plan(&outsider, p, &meta()).await,
        Err(StoreError::NotFound)
    ));
    let g = s
        .create_group(
            &area_admin,
            &GroupForm {
                name: "ผู้ป่วยติดเตียงในเมือง".into(),
                area_code: "550101".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    s.set_group_member(&area_admin, g, "ngo@example.org", true, &meta())
        .await
        .unwrap();
    s.set_group_person(&area_admin, g, p, true, &meta())
        .await
        .unwrap();
    let seen = s.group(&outsider, g, &meta()).await.unwrap();
    assert_eq!(seen.persons.len(), 1);
    assert!(seen.persons[0].has_plan);
    assert!(!seen.can_manage);
    assert!(s.care_plan(&outsider, p, &meta()).await.unwrap().is_some());
    s.add_group_note(&outsider, g, "มูลนิธิจะส่งที่นอนลมสัปดาห์หน้า", &meta())
        .await
        .unwrap();
    // Members may not change the membership.
    assert!(matches!(
        s.set_group_person(&outsider, g, p, false, &meta()).await,
        Err(StoreError::Forbidden)
    ));
    s.set_group_member(&area_admin, g, "ngo@example.org", false, &meta())
        .await
        .unwrap();
    assert!(matches!(
        s.care_plan(&outsider, p, &meta()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.group(&outsider, g, &meta()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.groups(&area_admin).await.unwrap()[0].persons, 1);
}

async fn racing_edits_one_wins_the_others_wait_for_review(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let p = person(s, &admin, "ทองดี", "55010101").await;
    let id = "e0e0e0e0-0000-4000-8000-000000000001";
    s.sync_visit(&op, &new_visit(id, p, form("เดิม", None)), &meta())
        .await
        .unwrap();
    // Five different corrections of version 1 arrive at once (five phones, or one phone's
    // corrections queued offline): one is written, four are kept for review.
    let mut tasks = Vec::new();
    for k in 0..5 {
        let (s, op) = (s.clone(), op.clone());
        let sub = VisitSubmission {
            op_id: format!("e0e0e0e0-0000-4000-8000-0000000000{k:02}a"),
            client_id: id.into(),
            person_id: p,
            base_version: Some(1),
            form: form(&format!("แก้ครั้งที่ {k}"), None),
        };
        tasks.push(tokio::spawn(async move {
            s.sync_visit(&op, &sub, &RequestMeta::default()).await
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().unwrap().status);
    }
    let applied = statuses
        .iter()
        .filter(|x| **x == SyncStatus::Applied)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|x| **x == SyncStatus::Conflict)
        .count();
    assert_eq!((applied, conflicts), (1, 4), "{statuses:?}");
    let v = s.visits_of(&admin, p, &meta()).await.unwrap();
    assert_eq!(v[0].version, 2);
    assert_eq!(s.conflicts(&admin).await.unwrap().len(), 4);
}

const ADL: [Category; 3] = [
    Category::SociallyActive,
    Category::Homebound,
    Category::Bedridden,
];

/// The count cache as stored, then as rebuilt from the persons table: they must agree.
async fn counts_and_recount(s: &Store) -> (Vec<(String, String, i64)>, Vec<(String, String, i64)>) {
    async fn rows(s: &Store) -> Vec<(String, String, i64)> {
        use sea_orm::ConnectionTrait;
        let raw = s.raw();
        let stmt = sea_orm::Statement::from_string(
            raw.get_database_backend(),
            "SELECT area_code, category, n FROM area_counts WHERE n <> 0 \
             ORDER BY area_code, category"
                .to_owned(),
        );
        raw.query_all_raw(stmt)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.try_get_by_index::<String>(0).unwrap(),
                    r.try_get_by_index::<String>(1).unwrap(),
                    r.try_get_by_index::<i64>(2).unwrap(),
                )
            })
            .collect()
    }
    let live = rows(s).await;
    s.refresh_counts().await.unwrap();
    (live, rows(s).await)
}

/// The country's count of a category.
fn national(rows: &[(String, String, i64)], c: Category) -> i64 {
    rows.iter()
        .find(|(a, k, _)| a.is_empty() && k == c.as_str())
        .map_or(0, |r| r.2)
}

/// Many syncs at once, each moving a person between bedridden and home-bound, half of them one
/// way while the other half go the other way: every move touches the same cache rows (the
/// country, province, district and subdistrict of each category). Written as "take one off,
/// then add the other" in two statements, these deadlocked on PostgreSQL.
async fn opposite_adl_moves_neither_deadlock_nor_drift(db: TestDb) {
    const TASKS: usize = 8;
    const ROUNDS: usize = 20;
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("550101")).await;
    let mut persons = Vec::new();
    for k in 0..TASKS {
        let village = if k % 2 == 0 { "55010101" } else { "55010102" };
        persons.push(person(s, &admin, &format!("ย้าย{k}"), village).await);
    }
    // Score 0 on every item is bedridden (total 0), 1 is home-bound (total 10). Half start
    // bedridden and half home-bound, and each sync flips its person, so at every moment about
    // half the moves go one way and half the other.
    let score = |k: usize, round: usize| u8::from((k + round) % 2 == 1);
    for (k, p) in persons.iter().enumerate() {
        let sub = new_visit(
            &format!("adl-move-{k:02}-start"),
            *p,
            form("", Some(score(k, 0))),
        );
        s.sync_visit(&op, &sub, &meta()).await.unwrap();
    }
    let mut tasks = Vec::new();
    for (k, p) in persons.iter().copied().enumerate() {
        let (s, op) = (s.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            for round in 1..=ROUNDS {
                let sub = new_visit(
                    &format!("adl-move-{k:02}-{round:03}"),
                    p,
                    form("", Some(score(k, round))),
                );
                let r = s
                    .sync_visit(&op, &sub, &RequestMeta::default())
                    .await
                    .unwrap_or_else(|e| panic!("person {k}, round {round}: {e}"));
                assert_eq!(r.status, SyncStatus::Applied, "person {k}, round {round}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for (k, p) in persons.iter().enumerate() {
        let adl: Vec<Category> = categories(s, &admin, *p)
            .await
            .into_iter()
            .filter(|c| ADL.contains(c))
            .collect();
        let last = if score(k, ROUNDS) == 0 {
            Category::Bedridden
        } else {
            Category::Homebound
        };
        assert_eq!(adl, [last], "person {k}");
    }
    let (live, rebuilt) = counts_and_recount(s).await;
    assert_eq!(live, rebuilt, "the count cache matches a recount");
    assert_eq!(
        national(&live, Category::Bedridden) + national(&live, Category::Homebound),
        TASKS as i64
    );
}

/// Several visits to one person, each with an assessment, synced at the same moment (a
/// volunteer and a nurse, or a phone's queue sent over two connections): all apply, the person
/// keeps exactly one ADL category, that of the latest assessment, and the counts stay right.
/// Both reading "no home-bound yet" and both inserting it was a duplicate key on PostgreSQL.
async fn racing_assessments_of_one_person_leave_one_category(db: TestDb) {
    const AT_ONCE: usize = 8;
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let p = person(s, &admin, "พร้อมกัน", "55010101").await;
    let other = person(s, &admin, "ข้างบ้าน", "55010101").await;
    s.sync_visit(
        &op,
        &new_visit("racing-other-0001", other, form("", Some(0))),
        &meta(),
    )
    .await
    .unwrap();
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    // Per round, each visit's score: all the same (the duplicate key), or mixed (the latest
    // assessment wins, whatever order they commit in). 0 is bedridden, 1 home-bound, 3
    // (capped at each item's maximum) socially active.
    let rounds: [[u8; AT_ONCE]; 4] = [
        [1; AT_ONCE],
        [0, 1, 3, 0, 1, 3, 0, 1],
        [0; AT_ONCE],
        [3, 1, 0, 3, 1, 0, 1, 3],
    ];
    for (round, scores) in rounds.iter().enumerate() {
        let mut tasks = Vec::new();
        for (k, sc) in scores.iter().copied().enumerate() {
            let (s, op) = (s.clone(), op.clone());
            let mut f = form("", Some(sc));
            // Distinct times, later with every round and every k.
            f.visited_at =
                (start + chrono::Duration::seconds((round * 100 + k) as i64)).to_rfc3339();
            let sub = new_visit(&format!("racing-{round}-{k:04}"), p, f);
            tasks.push(tokio::spawn(async move {
                s.sync_visit(&op, &sub, &RequestMeta::default()).await
            }));
        }
        for (k, t) in tasks.into_iter().enumerate() {
            let r = t
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}, visit {k}: {e}"));
            assert_eq!(r.status, SyncStatus::Applied, "round {round}, visit {k}");
        }
        let adl: Vec<Category> = categories(s, &admin, p)
            .await
            .into_iter()
            .filter(|c| ADL.contains(c))
            .collect();
        let latest = match scores[AT_ONCE - 1] {
            0 => Category::Bedridden,
            1 => Category::Homebound,
            _ => Category::SociallyActive,
        };
        assert_eq!(adl, [latest], "round {round}");
        let (live, rebuilt) = counts_and_recount(s).await;
        assert_eq!(
            live, rebuilt,
            "round {round}: the count cache matches a recount"
        );
        assert_eq!(
            ADL.iter().map(|c| national(&live, *c)).sum::<i64>(),
            2,
            "round {round}"
        );
    }
}
