use chrono::NaiveDate;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::registry::import::recognise;
use ruamjai_domain::registry::{
    AttestationRole, Category, CategoryForm, ConsentPurpose, LawfulBasis, PersonForm, PersonInput,
    Precision, Verification,
};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::{ConsentInput, CountCell, ImportPlan, PersonQuery, today};
use ruamjai_store::tabular::read_table;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};

use crate::{TestDb, both};

both!(
    identity_numbers_are_checked_and_unique,
    partial_birth_dates_keep_their_precision,
    persons_outside_scope_do_not_exist,
    thai_aware_search_finds_slips,
    sensitive_categories_need_the_permission,
    three_attestations_certify_and_disputes_show,
    consent_is_recorded_and_withdrawn,
    idempotency_key_applies_once,
    import_is_all_or_nothing_and_idempotent,
    large_imports_stream_and_stay_whole,
    an_unreadable_file_imports_nothing,
    counts_follow_writes_and_match_a_rebuild,
    public_counts_are_suppressed,
    public_dashboard_is_kept_until_the_snapshot_is_rebuilt,
    stale_edits_are_refused,
    area_filters_select_exactly_the_subtree,
);

const NO_PROGRESS: &(dyn Fn(&'static str, usize, usize) + Sync) = &|_, _, _| {};

fn meta() -> RequestMeta {
    RequestMeta::default()
}

/// Villages 55010101, 55010102 (Mueang Nan, Nai Wiang) and 55020201 (another district).
async fn villages(s: &Store) {
    let cli = Actor::command_line();
    for (sub, no) in [("550101", 1), ("550101", 2), ("550202", 1)] {
        s.create_village(
            &cli,
            &code(sub),
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

fn person(first: &str, last: &str, village: &str) -> PersonInput {
    PersonForm {
        first_name: first.into(),
        last_name: last.into(),
        village_code: village.into(),
        birth_date: "2490".into(),
        ..Default::default()
    }
    .check(today())
    .unwrap()
}

fn cat(c: &str) -> ruamjai_domain::registry::CategoryInput {
    CategoryForm {
        category: c.into(),
        ..Default::default()
    }
    .check(today())
    .unwrap()
}

async fn admin(s: &Store) -> Actor {
    user_with_role(s, "admin@example.org", Role::Admin, None)
        .await
        .1
}

async fn identity_numbers_are_checked_and_unique(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let mut f = PersonForm {
        first_name: "สมศรี".into(),
        village_code: "55010101".into(),
        id_number: "1101700230708".into(),
        ..Default::default()
    };
    let p = f.check(today()).unwrap();
    let id = s
        .create_person(&a, p.clone(), vec![], None, &meta())
        .await
        .unwrap();
    let d = s.person_detail(&a, id, &meta()).await.unwrap();
    assert_eq!(d.person.id_number.as_deref(), Some("1101700230708"));

    // The same number again is refused on the field.
    let err = s
        .create_person(&a, p, vec![], None, &meta())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref i) if i.0[0].field == "id_number" && i.0[0].code == "id_taken"),
        "{err:?}"
    );

    // A wrong check digit never reaches the store.
    f.id_number = "1101700230709".into();
    assert_eq!(f.check(today()).unwrap_err().0[0].code, "id_check_digit");

    // Other kinds, and no number at all, are fine (and many people may have none).
    for (kind, number) in [
        ("other_thai", "0001234567891"),
        ("passport", "ab123456"),
        ("none", ""),
        ("none", ""),
    ] {
        let number = if kind == "other_thai" {
            ruamjai_domain::registry::ident::complete_id("000123456789")
        } else {
            number.to_owned()
        };
        let p = PersonForm {
            id_kind: kind.into(),
            id_number: number,
            first_name: "ไร้".into(),
            last_name: "สถานะ".into(),
            village_code: "55010101".into(),
            ..Default::default()
        }
        .check(today())
        .unwrap();
        if kind == "other_thai" || kind == "passport" {
            s.create_person(&a, p, vec![], None, &meta()).await.unwrap();
        } else {
            let id = s.create_person(&a, p, vec![], None, &meta()).await.unwrap();
            assert_eq!(
                s.person_detail(&a, id, &meta())
                    .await
                    .unwrap()
                    .person
                    .id_number,
                None
            );
        }
    }
    assert_eq!(s.count_persons().await.unwrap(), 5);
}

async fn partial_birth_dates_keep_their_precision(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    for (typed, precision, shown) in [
        ("2490", Precision::Year, "2490"),
        ("03/2490", Precision::Month, "มี.ค. 2490"),
        ("15/03/2490", Precision::Day, "15 มี.ค. 2490"),
    ] {
        let p = PersonForm {
            first_name: "ทดสอบ".into(),
            birth_date: typed.into(),
            village_code: "55010101".into(),
            ..Default::default()
        }
        .check(today())
        .unwrap();
        let id = s.create_person(&a, p, vec![], None, &meta()).await.unwrap();
        let got = s.person_detail(&a, id, &meta()).await.unwrap().person;
        let b = got.birth.unwrap();
        assert_eq!(b.precision, precision);
        assert_eq!(b.display("th"), shown);
        // Born 1947: elderly, derived, never stored.
        assert!(
            got.categories
                .iter()
                .any(|c| c.category == Category::Elderly && c.derived)
        );
    }
}

async fn persons_outside_scope_do_not_exist(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let mine = s
        .create_person(
            &a,
            person("ในเขต", "หนึ่ง", "55010101"),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();
    let other = s
        .create_person(
            &a,
            person("นอกเขต", "สอง", "55020201"),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let (_, viewer) = user_with_role(s, "v@example.org", Role::Viewer, Some("55")).await;

    s.person_detail(&op, mine, &meta()).await.unwrap();
    assert!(matches!(
        s.person_detail(&op, other, &meta()).await,
        Err(StoreError::NotFound)
    ));
    // A viewer sees figures, never a person.
    assert!(matches!(
        s.person_detail(&viewer, mine, &meta()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.search_persons(
            &viewer,
            &PersonQuery {
                limit: 10,
                ..Default::default()
            },
            &meta()
        )
        .await,
        Err(StoreError::Forbidden)
    ));
    // Search and edits respect scope too.
    let page = s
        .search_persons(
            &op,
            &PersonQuery {
                limit: 50,
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![mine]
    );
    assert_eq!(page.total, 1);
    let moved = person("นอกเขต", "สอง", "55010101");
    assert!(matches!(
        s.update_person(&op, other, 1, moved, &meta()).await,
        Err(StoreError::NotFound)
    ));
    // Moving a person out of one's own scope is refused on the village field.
    let away = person("ในเขต", "หนึ่ง", "55020201");
    let err = s
        .update_person(&op, mine, 1, away, &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "village_not_found"));
    // Reads were audited.
    let log = s.list_audit(&a, None, 100).await.unwrap();
    assert!(log.iter().any(|e| e.action == "person.view" && e.entity_id.as_deref() == Some(&mine.to_string())));
    assert!(log.iter().any(|e| e.action == "person.search"));
}

async fn thai_aware_search_finds_slips(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let mut f = PersonForm {
        first_name: "สมศรี".into(),
        last_name: "ศรีสุข".into(),
        phone: "081-234-5678".into(),
        id_number: "1101700230708".into(),
        house_number: "45/2".into(),
        village_code: "55010101".into(),
        ..Default::default()
    };
    let id = s
        .create_person(&a, f.check(today()).unwrap(), vec![], None, &meta())
        .await
        .unwrap();
    f.first_name = "สมชาย".into();
    f.last_name = "ใจดี".into();
    f.id_number = String::new();
    f.phone = String::new();
    s.create_person(&a, f.check(today()).unwrap(), vec![], None, &meta())
        .await
        .unwrap();

    let find = |q: &str| {
        let q = PersonQuery {
            q: q.into(),
            limit: 20,
            ..Default::default()
        };
        let a = a.clone();
        async move {
            s.search_persons(&a, &q, &meta())
                .await
                .unwrap()
                .items
                .iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("สมศรี ศรีสุข").await, vec![id]);
    assert_eq!(find("สมศรี สรีสุข").await, vec![id]);
    assert_eq!(find("สมสรี สรีสุข").await, vec![id]);
    assert_eq!(find("สมศริ").await, vec![id]);
    assert_eq!(find("นางสมศรี").await, vec![id]);
    assert_eq!(find("1-1017-00230-70-8").await, vec![id]);
    assert_eq!(find("0812345678").await, vec![id]);
    assert_eq!(find("สมศรี 45/2").await, vec![id]);
    assert_eq!(find("สม").await.len(), 2);
    assert!(find("สมศักดิ์").await.is_empty());
    // A typed wildcard is not a pattern: alone it leaves no term (everyone in scope), inside a
    // word it is dropped, so "ส%ข" looks for "สข", which nobody's key contains.
    assert_eq!(find("%").await.len(), 2);
    assert!(find("ส%ข").await.is_empty());
    assert!(find("ส_ส").await.is_empty());
}

async fn sensitive_categories_need_the_permission(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (staff_user, staff) =
        user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    // Staff alone cannot store a sensitive category.
    let err = s
        .create_person(
            &staff,
            person("ก", "ข", "55010101"),
            vec![cat("hiv")],
            None,
            &meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "sensitive_not_permitted"));

    let (_, nurse) = user_with_role(s, "nurse@example.org", Role::Staff, Some("5501")).await;
    let nurse_id = nurse.user_id;
    s.grant_role_cli(nurse_id, Role::Sensitive, Some(code("5501")))
        .await
        .unwrap();
    let nurse = s.actor(nurse_id).await.unwrap();
    let id = s
        .create_person(
            &nurse,
            person("ก", "ข", "55010101"),
            vec![cat("hiv"), cat("poor")],
            None,
            &meta(),
        )
        .await
        .unwrap();

    // Page.
    let seen: Vec<Category> = s
        .person_detail(&nurse, id, &meta())
        .await
        .unwrap()
        .person
        .categories
        .iter()
        .map(|c| c.category)
        .collect();
    assert!(seen.contains(&Category::Hiv));
    let seen: Vec<Category> = s
        .person_detail(&staff, id, &meta())
        .await
        .unwrap()
        .person
        .categories
        .iter()
        .map(|c| c.category)
        .collect();
    assert!(!seen.contains(&Category::Hiv) && seen.contains(&Category::Poor));
    // Search results and filtering by the category.
    let q = PersonQuery {
        category: Some(Category::Hiv),
        limit: 10,
        ..Default::default()
    };
    assert!(
        s.search_persons(&staff, &q, &meta())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        s.search_persons(&nurse, &q, &meta())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let all = PersonQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(
        !s.search_persons(&staff, &all, &meta()).await.unwrap().items[0]
            .categories
            .contains(&Category::Hiv)
    );
    // Export.
    let mut rows = Vec::new();
    s.export_persons(&staff, &all, &meta(), |r| {
        rows.push(r);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][18], "poor");
    let mut rows = Vec::new();
    s.export_persons(&nurse, &all, &meta(), |r| {
        rows.push(r);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(rows[0][18], "hiv,poor");
    // Counts: only with the permission, only at province and district level.
    let col = |d: &ruamjai_store::registry::Dashboard| {
        d.categories.iter().position(|c| *c == Category::Hiv)
    };
    let d = s.dashboard(&staff, Some(&code("5501"))).await.unwrap();
    assert_eq!(col(&d), None);
    let (_, nan_sensitive) =
        user_with_role(s, "prov@example.org", Role::AreaAdmin, Some("55")).await;
    s.grant_role_cli(nan_sensitive.user_id, Role::Sensitive, Some(code("55")))
        .await
        .unwrap();
    let prov = s.actor(nan_sensitive.user_id).await.unwrap();
    let d = s.dashboard(&prov, Some(&code("55"))).await.unwrap();
    let i = col(&d).expect("district rows show the sensitive column");
    let mueang = d
        .rows
        .iter()
        .find(|r| r.area.as_ref().unwrap().code.as_str() == "5501")
        .unwrap();
    assert_eq!(mueang.cells[i], CountCell::Count(1));
    // Below district: no sensitive column even with the permission.
    let d = s.dashboard(&prov, Some(&code("5501"))).await.unwrap();
    assert_eq!(col(&d), None);
    let _ = staff_user;
    // Public page never.
    s.refresh_counts().await.unwrap();
    let p = s.public_dashboard(None).await.unwrap();
    assert_eq!(col(&p), None);
}

async fn three_attestations_certify_and_disputes_show(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let id = s
        .create_person(
            &a,
            person("มะลิ", "วงศ์ใจ", "55010101"),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();
    let (_, head) = user_with_role(s, "head@example.org", Role::Operator, Some("55010101")).await;
    let (_, outsider) =
        user_with_role(s, "out@example.org", Role::Operator, Some("55010102")).await;
    let (_, viewer) = user_with_role(s, "viewer@example.org", Role::Viewer, Some("55010101")).await;

    assert_eq!(
        s.attest(
            &head,
            id,
            AttestationRole::VillageHead,
            "นายบุญมา ผู้ใหญ่",
            "",
            &meta()
        )
        .await
        .unwrap(),
        Verification::Unverified
    );
    // The same role twice is refused; outsiders cannot see the person; viewers may not attest.
    let err = s
        .attest(&head, id, AttestationRole::VillageHead, "x", "", &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "already_attested"));
    assert!(matches!(
        s.attest(
            &outsider,
            id,
            AttestationRole::AssistantHead,
            "x",
            "",
            &meta()
        )
        .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.attest(
            &viewer,
            id,
            AttestationRole::AssistantHead,
            "x",
            "",
            &meta()
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let err = s
        .attest(&head, id, AttestationRole::AssistantHead, "  ", "", &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].field == "signer_name"));

    s.attest(
        &head,
        id,
        AttestationRole::AssistantHead,
        "นางคำ ผู้ช่วย",
        "",
        &meta(),
    )
    .await
    .unwrap();
    assert_eq!(
        s.attest(
            &head,
            id,
            AttestationRole::HealthVolunteer,
            "นางแก้ว อสม.",
            "",
            &meta()
        )
        .await
        .unwrap(),
        Verification::Certified
    );
    let d = s.person_detail(&head, id, &meta()).await.unwrap();
    assert_eq!(d.person.verification, Verification::Certified);
    assert_eq!(d.attestations.len(), 3);

    s.dispute(&head, id, "ย้ายไปอยู่กับลูกที่เชียงใหม่แล้ว", &meta())
        .await
        .unwrap();
    let d = s.person_detail(&head, id, &meta()).await.unwrap();
    assert_eq!(d.person.verification, Verification::Disputed);
    assert_eq!(
        d.person.dispute_note.as_deref(),
        Some("ย้ายไปอยู่กับลูกที่เชียงใหม่แล้ว")
    );
    // The state shows in lists too.
    let review = s
        .village_review(&head, &code("55010101"), &meta())
        .await
        .unwrap();
    assert_eq!(review[0].verification, Verification::Disputed);
    assert_eq!(
        s.resolve_dispute(&head, id, &meta()).await.unwrap(),
        Verification::Certified
    );
}

async fn consent_is_recorded_and_withdrawn(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let id = s
        .create_person(&a, person("ทองดี", "มีสุข", "55010101"), vec![], None, &meta())
        .await
        .unwrap();
    let given = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
    let cid = s
        .give_consent(
            &a,
            id,
            ConsentInput {
                purpose: ConsentPurpose::Care,
                basis: LawfulBasis::Consent,
                given_by: "ทองดี มีสุข (ตนเอง)".into(),
                given_on: given,
            },
            &meta(),
        )
        .await
        .unwrap();
    let d = s.person_detail(&a, id, &meta()).await.unwrap();
    assert!(d.consents[0].is_active());
    // Withdrawal before the consent was given is refused; a proper one is kept with its date.
    let err = s
        .withdraw_consent(
            &a,
            id,
            cid,
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            "",
            &meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "before_given"));
    let on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    s.withdraw_consent(&a, id, cid, on, "ไม่ประสงค์ให้เยี่ยมบ้าน", &meta())
        .await
        .unwrap();
    let d = s.person_detail(&a, id, &meta()).await.unwrap();
    assert!(!d.consents[0].is_active());
    assert_eq!(d.consents[0].withdrawn_on, Some(on));
    let err = s
        .withdraw_consent(&a, id, cid, on, "", &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "already_withdrawn"));
    let log = s.list_audit(&a, None, 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "consent.withdraw"));
}

async fn idempotency_key_applies_once(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            s.create_person(
                &a,
                person("ซ้ำ", "ห้าครั้ง", "55010101"),
                vec![cat("poor")],
                Some("visit-7f3a"),
                &meta(),
            )
            .await
            .unwrap(),
        );
    }
    assert!(ids.iter().all(|i| *i == ids[0]));
    assert_eq!(s.count_persons().await.unwrap(), 1);
    // Concurrent sends land once too, and every one of them answers the first one's id (on
    // PostgreSQL the losers used to answer an error: found by bench/crash). With an ID number,
    // the loser trips on the person's unique ID before the key; it answers the same.
    for (round, id_number) in [(2, ""), (3, "1-1017-00230-70-8")] {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..5 {
            let s = s.clone();
            let a = a.clone();
            let p = PersonForm {
                first_name: "พร้อม".into(),
                last_name: format!("กัน{round}"),
                village_code: "55010101".into(),
                birth_date: "2490".into(),
                id_number: id_number.into(),
                ..Default::default()
            }
            .check(today())
            .unwrap();
            set.spawn(async move {
                s.create_person(
                    &a,
                    p,
                    vec![],
                    Some(&format!("key-{round}")),
                    &RequestMeta::default(),
                )
                .await
            });
        }
        let mut ids = Vec::new();
        while let Some(r) = set.join_next().await {
            ids.push(r.unwrap().expect("every concurrent send answers"));
        }
        assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
        assert_eq!(s.count_persons().await.unwrap(), round);
    }
}

const GOOD_CSV: &str =
    "\u{feff}เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน,กลุ่มเปราะบาง
1101700230708,นาง,สมศรี,ศรีสุข,15/03/2490,12,55010101,\"คนพิการ, ติดเตียง\"
,นาย,ทองคำ,ใจมา,2485,12,55010101,
3550100123451,,นางบัวผัน,ปัญญาดี,1952-07-01,7/1,55010102,คนจน
";

fn plan(csv: &str, dry_run: bool) -> (ImportPlan, Vec<ruamjai_store::tabular::TableRow>) {
    let t = read_table(csv.as_bytes(), "list.csv", 100_000).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(csv.as_bytes()))
    };
    (
        ImportPlan {
            file_name: "list.csv".into(),
            file_sha256: sha,
            map: recognise(&t.headers),
            default_village: None,
            dry_run,
        },
        t.rows,
    )
}

async fn import_is_all_or_nothing_and_idempotent(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let good = GOOD_CSV.replace(
        "3550100123451",
        &ruamjai_domain::registry::ident::complete_id("355010012345"),
    );

    // A bad row anywhere: every bad row reported with its line and field, nothing written.
    let bad = format!(
        "{good}1101700230709,นาย,ผิด,เลข,01/01/2500,1,55010101,\n,นาง,,ไม่มีชื่อ,31/02/2500,2,55010101,มนุษย์ต่างดาว\n,นาย,นอก,พื้นที่,2500,3,99999999,\n"
    );
    let (p, rows) = plan(&bad, false);
    let r = s
        .import_persons(&a, &p, rows, NO_PROGRESS, &meta())
        .await
        .unwrap();
    let lines: Vec<usize> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![5, 6, 7], "{:?}", r.errors);
    assert!(
        r.errors[0]
            .errors
            .iter()
            .any(|e| e.field == "id_number" && e.code == "id_check_digit")
    );
    let fields: Vec<&str> = r.errors[1].errors.iter().map(|e| e.field).collect();
    assert!(
        fields.contains(&"first_name")
            && fields.contains(&"birth_date")
            && fields.contains(&"categories"),
        "{fields:?}"
    );
    assert_eq!(r.errors[2].errors[0].code, "village_not_found");
    assert_eq!(s.count_persons().await.unwrap(), 0);
    assert!(r.import_id.is_none());

    // Dry run of the good file: counts, nothing written.
    let (p, rows) = plan(&good, true);
    let r = s
        .import_persons(&a, &p, rows, NO_PROGRESS, &meta())
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.added, r.skipped, r.households_added), (3, 0, 2));
    assert_eq!(s.count_persons().await.unwrap(), 0);

    // The real run lands everything, households shared by house number.
    let (p, rows) = plan(&good, false);
    let r = s
        .import_persons(&a, &p, rows, NO_PROGRESS, &meta())
        .await
        .unwrap();
    assert_eq!((r.added, r.skipped), (3, 0));
    assert!(r.import_id.is_some());
    assert_eq!(s.count_persons().await.unwrap(), 3);
    let page = s
        .search_persons(
            &a,
            &PersonQuery {
                q: "สมศรี".into(),
                limit: 5,
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();
    let d = s
        .person_detail(&a, page.items[0].id, &meta())
        .await
        .unwrap();
    assert_eq!(d.members.len(), 1, "ทองคำ lives at the same house number");
    assert!(
        d.person
            .categories
            .iter()
            .any(|c| c.category == Category::Bedridden)
    );
    let d2 = s.person_detail(&a, d.members[0].id, &meta()).await.unwrap();
    assert_eq!(d2.person.birth.unwrap().precision, Precision::Year);

    // The same file twice adds nothing, and says it was seen before.
    let (p, rows) = plan(&good, false);
    let r = s
        .import_persons(&a, &p, rows, NO_PROGRESS, &meta())
        .await
        .unwrap();
    assert_eq!((r.added, r.skipped), (0, 3));
    assert!(r.previous.is_some());
    assert_eq!(s.count_persons().await.unwrap(), 3);

    // The import was recorded and audited.
    let log = s.list_audit(&a, None, 50).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "person.import").count(),
        2
    );

    // An operator may not import.
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let (p, rows) = plan(&good, true);
    assert!(matches!(
        s.import_persons(&op, &p, rows, NO_PROGRESS, &meta()).await,
        Err(StoreError::Forbidden)
    ));
}

async fn counts_follow_writes_and_match_a_rebuild(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let p1 = s
        .create_person(
            &a,
            person("หนึ่ง", "ก", "55010101"),
            vec![cat("poor")],
            None,
            &meta(),
        )
        .await
        .unwrap();
    s.create_person(
        &a,
        person("สอง", "ข", "55010102"),
        vec![cat("poor"), cat("disabled")],
        None,
        &meta(),
    )
    .await
    .unwrap();
    s.create_person(&a, person("สาม", "ค", "55020201"), vec![], None, &meta())
        .await
        .unwrap();
    s.set_category(&a, p1, cat("chronic_illness"), &meta())
        .await
        .unwrap();
    s.remove_category(&a, p1, Category::Poor, &meta())
        .await
        .unwrap();
    // Moving away takes the person out of the counts.
    let mut moved = PersonForm {
        first_name: "หนึ่ง".into(),
        last_name: "ก".into(),
        village_code: "55010101".into(),
        birth_date: "2490".into(),
        status: "moved".into(),
        status_date: "01/10/2569".into(),
        ..Default::default()
    };
    s.update_person(&a, p1, 1, moved.check(today()).unwrap(), &meta())
        .await
        .unwrap();

    let snapshot = |d: &ruamjai_store::registry::Dashboard| {
        d.rows
            .iter()
            .map(|r| {
                (
                    r.area.as_ref().unwrap().code.to_string(),
                    r.total,
                    r.cells.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let live_nan = snapshot(&s.dashboard(&a, Some(&code("55"))).await.unwrap());
    let live_sub = snapshot(&s.dashboard(&a, Some(&code("550101"))).await.unwrap());
    let d = s.dashboard(&a, Some(&code("550101"))).await.unwrap();
    let v2 = d
        .rows
        .iter()
        .find(|r| r.area.as_ref().unwrap().code.as_str() == "55010102")
        .unwrap();
    let idx = |c: Category| d.categories.iter().position(|x| *x == c).unwrap();
    assert_eq!(v2.total, CountCell::Count(1));
    assert_eq!(v2.cells[idx(Category::Poor)], CountCell::Count(1));
    assert_eq!(v2.cells[idx(Category::Elderly)], CountCell::Count(1));
    let totals = d.totals.unwrap();
    assert_eq!(
        totals.total,
        CountCell::Count(1),
        "the moved person is not counted"
    );
    assert_eq!(
        totals.cells[idx(Category::ChronicIllness)],
        CountCell::Count(0)
    );

    s.refresh_counts().await.unwrap();
    assert_eq!(
        snapshot(&s.dashboard(&a, Some(&code("55"))).await.unwrap()),
        live_nan
    );
    assert_eq!(
        snapshot(&s.dashboard(&a, Some(&code("550101"))).await.unwrap()),
        live_sub
    );
    moved.status = "active".into();
    moved.status_date = String::new();
    s.update_person(&a, p1, 2, moved.check(today()).unwrap(), &meta())
        .await
        .unwrap();
    let d = s.dashboard(&a, Some(&code("550101"))).await.unwrap();
    assert_eq!(d.totals.unwrap().total, CountCell::Count(2));
    // Out of scope areas are not found.
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("550101")).await;
    assert!(matches!(
        s.dashboard(&op, Some(&code("5502"))).await,
        Err(StoreError::NotFound)
    ));
    let roots = s.dashboard(&op, None).await.unwrap();
    assert_eq!(roots.rows.len(), 1);
}

async fn public_counts_are_suppressed(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    // Village 1: 12 persons, 3 poor; village 2: 15 persons, 11 poor; other district: 20, 0 poor.
    for (village, n, poor) in [
        ("55010101", 12, 3),
        ("55010102", 15, 11),
        ("55020201", 20, 0),
    ] {
        for i in 0..n {
            let cats = if i < poor { vec![cat("poor")] } else { vec![] };
            s.create_person(
                &a,
                person(&format!("คน{i}"), village, village),
                cats,
                None,
                &meta(),
            )
            .await
            .unwrap();
        }
    }
    s.refresh_counts().await.unwrap();
    let d = s.public_dashboard(Some(&code("550101"))).await.unwrap();
    assert!(d.public && d.as_of.is_some());
    let poor = d
        .categories
        .iter()
        .position(|c| *c == Category::Poor)
        .unwrap();
    let cell = |v: &str| {
        d.rows
            .iter()
            .find(|r| r.area.as_ref().unwrap().code.as_str() == v)
            .unwrap()
            .cells[poor]
    };
    // 3 is small; 11 must be withheld too, or 14 − 11 would reveal the 3.
    assert_eq!(cell("55010101"), CountCell::Small);
    assert_eq!(cell("55010102"), CountCell::Withheld);
    assert_eq!(d.totals.as_ref().unwrap().cells[poor], CountCell::Count(14));
    assert_eq!(d.rows[0].total, CountCell::Count(12));
    // Nowhere does a count between 1 and 9 appear.
    for area in [
        None,
        Some(code("55")),
        Some(code("5501")),
        Some(code("550101")),
    ] {
        let d = s.public_dashboard(area.as_ref()).await.unwrap();
        for r in d.rows.iter().chain(d.totals.iter()) {
            for c in r.cells.iter().chain([&r.total]) {
                if let CountCell::Count(n) = c {
                    assert!(*n == 0 || *n >= 10, "{c:?}");
                }
            }
        }
    }
}

async fn public_dashboard_is_kept_until_the_snapshot_is_rebuilt(db: TestDb) {
    use sea_orm::ConnectionTrait;
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let add = |name: &'static str, n: usize| {
        let a = a.clone();
        async move {
            for i in 0..n {
                s.create_person(
                    &a,
                    person(&format!("{name}{i}"), "ก", "55010101"),
                    vec![],
                    None,
                    &meta(),
                )
                .await
                .unwrap();
            }
        }
    };
    add("คน", 12).await;
    s.refresh_counts().await.unwrap();
    let total = |d: &ruamjai_store::registry::Dashboard| d.totals.as_ref().unwrap().total;
    let first = s.public_dashboard(Some(&code("550101"))).await.unwrap();
    assert_eq!(total(&first), CountCell::Count(12));
    // The snapshot changed under the server (as another process would change it): the page is
    // served from memory meanwhile, without reading the database.
    s.raw()
        .execute_unprepared(
            "UPDATE public_counts SET n = 99 WHERE area_code = '550101' AND category = 'total'",
        )
        .await
        .unwrap();
    let kept = s.public_dashboard(Some(&code("550101"))).await.unwrap();
    assert_eq!(total(&kept), CountCell::Count(12));
    // Another area is read afresh.
    let district = s.public_dashboard(Some(&code("5501"))).await.unwrap();
    assert_eq!(
        district
            .rows
            .iter()
            .find(|r| r.area.as_ref().unwrap().code.as_str() == "550101")
            .unwrap()
            .total,
        CountCell::Count(99)
    );
    // A rebuilt snapshot shows at once.
    add("ใหม่", 3).await;
    s.refresh_public_counts().await.unwrap();
    let fresh = s.public_dashboard(Some(&code("550101"))).await.unwrap();
    assert_eq!(total(&fresh), CountCell::Count(15));
}

async fn stale_edits_are_refused(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let id = s
        .create_person(&a, person("เดิม", "ชื่อ", "55010101"), vec![], None, &meta())
        .await
        .unwrap();
    s.update_person(&a, id, 1, person("ใหม่", "ชื่อ", "55010101"), &meta())
        .await
        .unwrap();
    let err = s
        .update_person(&a, id, 1, person("ทับ", "ชื่อ", "55010101"), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "stale"));
    let d = s.person_detail(&a, id, &meta()).await.unwrap();
    assert_eq!(d.person.first_name, "ใหม่");
    assert_eq!(d.person.version, 2);
}

/// A CSV of persons `range` (two villages, three persons per house number), with a wrong check
/// digit on person `bad`.
fn many_persons(range: std::ops::Range<usize>, bad: Option<usize>) -> String {
    use std::fmt::Write;
    let mut out = String::from("เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน\n");
    for i in range {
        let mut id = ruamjai_domain::registry::ident::complete_id(&format!("3550{i:08}"));
        if bad == Some(i) {
            let last = id.pop().unwrap().to_digit(10).unwrap();
            id.push(char::from_digit((last + 1) % 10, 10).unwrap());
        }
        let village = if i % 2 == 0 { "55010101" } else { "55010102" };
        writeln!(out, "{id},นาย,คน{i},สกุล{i},01/01/2500,{},{village}", i / 3).unwrap();
    }
    out
}

async fn count_rows(s: &Store, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let raw = s.raw();
    let stmt = sea_orm::Statement::from_string(raw.get_database_backend(), sql.to_owned());
    raw.query_one_raw(stmt)
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

/// Imports stream through in batches of thousands, written while the next batch is checked: a
/// bad row near the end must still leave nothing behind, and a second import into a filled
/// registry must find the persons and households already there.
async fn large_imports_stream_and_stay_whole(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let households = |range: std::ops::Range<usize>| {
        range
            .map(|i| (i % 2, i / 3))
            .collect::<std::collections::HashSet<_>>()
            .len() as i64
    };

    // Three batches, the bad row in the last: the first two were already written, and undone.
    let (p, rows) = plan(&many_persons(0..20_000, Some(19_500)), false);
    let r = s
        .import_persons(&a, &p, rows, NO_PROGRESS, &meta())
        .await
        .unwrap();
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].line, 19_502);
    assert_eq!(r.errors[0].errors[0].field, "id_number");
    assert!(r.import_id.is_none());
    assert_eq!(s.count_persons().await.unwrap(), 0);
    assert_eq!(count_rows(s, "SELECT COUNT(*) FROM households").await, 0);
    assert_eq!(count_rows(s, "SELECT COUNT(*) FROM imports").await, 0);
    assert_eq!(count_rows(s, "SELECT COUNT(*) FROM area_counts").await, 0);

    // The same rows without the slip land whole.
    let (p, rows) = plan(&many_persons(0..20_000, None), false);
    let r = s
        .import_persons(&a, &p, rows, NO_PROGRESS, &meta())
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.rows_total, r.added, r.skipped), (20_000, 20_000, 0));
    assert_eq!(r.households_added as i64, households(0..20_000));
    assert_eq!(s.count_persons().await.unwrap(), 20_000);
    assert_eq!(
        count_rows(s, "SELECT COUNT(*) FROM households").await,
        households(0..20_000)
    );

    // Half old, half new: the old are skipped, their houses reused, the counts follow.
    let (p, rows) = plan(&many_persons(10_000..30_000, None), false);
    let r = s
        .import_persons(&a, &p, rows, NO_PROGRESS, &meta())
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.added, r.skipped), (10_000, 10_000));
    assert_eq!(
        r.households_added as i64,
        households(0..30_000) - households(0..20_000)
    );
    assert_eq!(s.count_persons().await.unwrap(), 30_000);
    assert_eq!(
        count_rows(s, "SELECT COUNT(*) FROM households").await,
        households(0..30_000)
    );
    assert_eq!(
        count_rows(
            s,
            "SELECT n FROM area_counts WHERE area_code = '' AND category = 'total'"
        )
        .await,
        30_000
    );
    assert_eq!(
        count_rows(
            s,
            "SELECT COUNT(*) FROM persons p JOIN households h ON h.id = p.household_id \
             WHERE h.village_code = p.village_code"
        )
        .await,
        30_000,
        "everyone lives in a household of their own village"
    );
    assert_eq!(count_rows(s, "SELECT COUNT(*) FROM imports").await, 2);

    // SQLite imports write without enforcing foreign keys (see store::bulk::lite): every
    // reference they made must hold.
    if s.backend() == ruamjai_store::Backend::Sqlite {
        use sea_orm::ConnectionTrait;
        let broken = s
            .raw()
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA foreign_key_check",
            ))
            .await
            .unwrap();
        assert!(broken.is_empty(), "{} dangling references", broken.len());
    }
}

/// A file that breaks off mid-way (bad quoting, bad encoding) is reported at its line and
/// nothing from it is kept, even rows read before the break.
async fn an_unreadable_file_imports_nothing(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let a = admin(s).await;
    let (p, rows) = plan(&many_persons(0..10_000, None), false);
    let broken = rows.into_iter().map(Ok).chain(std::iter::once(Err(
        ruamjai_store::tabular::TableError::Csv {
            line: 10_002,
            message: "unterminated quote".into(),
        },
    )));
    let r = s
        .import_persons_from(&a, &p, Box::new(broken), 10_000, NO_PROGRESS, &meta())
        .await
        .unwrap();
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].line, 10_002);
    assert_eq!(r.errors[0].errors[0].code, "file_unreadable");
    assert_eq!(s.count_persons().await.unwrap(), 0);
    assert_eq!(count_rows(s, "SELECT COUNT(*) FROM imports").await, 0);
}

/// Area filters are index ranges (`code >= '5509' AND code < '551'`), not `LIKE '5509%'`: they
/// must select exactly the codes that start with the area's, also where the range's end is
/// made by dropping nines (5509 → 551, 550909 → 55091, 55010999 → 55011), alone and together
/// with a caller's scope.
async fn area_filters_select_exactly_the_subtree(db: TestDb) {
    let s = &db.store;
    let a = admin(s).await;
    let places = [
        ("550101", 1),
        ("550108", 99),
        ("550109", 1),
        ("550109", 99),
        ("550116", 1),
        ("550901", 1),
        ("550909", 9),
        ("550909", 99),
        ("551001", 1),
    ];
    ruamjai_store::testing::villages(s, &places).await;
    let mut people = Vec::new();
    for (k, (sub, no)) in places.into_iter().enumerate() {
        let village = format!("{sub}{no:02}");
        let id = s
            .create_person(
                &a,
                person(&format!("คนที่{k}"), "ทดสอบ", &village),
                vec![],
                None,
                &meta(),
            )
            .await
            .unwrap();
        people.push((village, id));
    }
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5509")).await;
    let search = |actor: Actor, area: Option<&'static str>| async move {
        let q = PersonQuery {
            area: area.map(code),
            limit: 200,
            ..Default::default()
        };
        let page = s.search_persons(&actor, &q, &meta()).await.unwrap();
        let mut ids: Vec<i64> = page.items.iter().map(|p| p.id).collect();
        ids.sort();
        assert_eq!(page.total, ids.len() as u64);
        ids
    };
    let expected = |area: &str, scope: &str| {
        let mut ids: Vec<i64> = people
            .iter()
            .filter(|(v, _)| v.starts_with(area) && v.starts_with(scope))
            .map(|(_, id)| *id)
            .collect();
        ids.sort();
        ids
    };
    for area in [
        "55", "5501", "550108", "55010899", "550109", "55010901", "55010999", "550116", "5509",
        "550901", "550909", "55090909", "55090999", "5510", "551001", "5502",
    ] {
        let everywhere = search(a.clone(), Some(area)).await;
        assert_eq!(everywhere, expected(area, ""), "area {area}");
        // With the scope 5509: the area inside it, around it, or beside it.
        let scoped = search(staff.clone(), Some(area)).await;
        assert_eq!(scoped, expected(area, "5509"), "area {area} within 5509");
    }
    assert_eq!(search(staff.clone(), None).await, expected("", "5509"));
    assert_eq!(search(a.clone(), None).await, expected("", ""));
    assert_eq!(
        s.area_codes_under(&a, &code("5509"), ruamjai_domain::areas::AreaLevel::Village)
            .await
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
        ["55090101", "55090909", "55090999"]
    );
}
