use chrono::NaiveDate;
use ruamjai_domain::assistance::Gap;
use ruamjai_domain::assistance::{ProgrammeForm, ReceiptForm};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::care::plan::{ItemForm, PlanForm};
use ruamjai_domain::registry::{CategoryForm, PersonForm};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::today;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};

use crate::{TestDb, both};

both!(
    programmes_serve_below_and_receipts_follow_the_person_scope,
    the_gap_report_lists_who_receives_nothing_or_not_enough,
);

fn meta() -> RequestMeta {
    RequestMeta::default()
}

async fn villages(s: &Store) {
    for (sub, no) in [("550101", 1), ("550202", 1)] {
        s.create_village(
            &Actor::command_line(),
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

fn programme(name: &str, area: &str) -> ruamjai_domain::assistance::ProgrammeInput {
    ProgrammeForm {
        name: name.into(),
        kind: "elderly_allowance".into(),
        area_code: area.into(),
        amount: "600".into(),
        period: "monthly".into(),
        ..Default::default()
    }
    .check()
    .unwrap()
}

async fn programmes_serve_below_and_receipts_follow_the_person_scope(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let person = s
        .create_person(
            &admin,
            PersonForm {
                first_name: "คำปัน".into(),
                village_code: "55010101".into(),
                birth_date: "2480".into(),
                ..Default::default()
            }
            .check(today())
            .unwrap(),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();

    // The province's allowance serves the district; the other district's does not.
    let nan = s
        .create_programme(&admin, &programme("เบี้ยยังชีพ จ.น่าน", "55"), &meta())
        .await
        .unwrap();
    let elsewhere = s
        .create_programme(&admin, &programme("เบี้ยยังชีพ อ.ท่าวังผา", "5502"), &meta())
        .await
        .unwrap();
    // Staff may not add a programme outside their district.
    assert!(matches!(
        s.create_programme(&staff, &programme("x", "5502"), &meta())
            .await,
        Err(StoreError::Invalid(_))
    ));
    let seen: Vec<i64> = s
        .programmes(&staff)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(seen, vec![nan]);
    let receipt = |programme: i64, since: &str, until: &str| {
        ReceiptForm {
            programme_id: programme.to_string(),
            since: since.into(),
            until: until.into(),
            source: "บัญชี ต.ค. 2569".into(),
        }
        .check()
        .unwrap()
    };
    match s
        .add_assistance(&staff, person, &receipt(elsewhere, "", ""), &meta())
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "programme_id"),
        other => panic!("expected a field error, got {other:?}"),
    }
    let id = s
        .add_assistance(&staff, person, &receipt(nan, "1/10/2568", ""), &meta())
        .await
        .unwrap();
    let list = s.assistance_of(&op, person, &meta()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].active);
    assert_eq!(list[0].programme.amount_satang, Some(60_000));
    // The operator may read but not record; the other district sees nothing.
    assert!(matches!(
        s.add_assistance(&op, person, &receipt(nan, "", ""), &meta())
            .await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        s.assistance_of(&other, person, &meta()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.end_assistance(
            &other,
            id,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            &meta()
        )
        .await,
        Err(StoreError::NotFound)
    ));
    // Ended before it began: refused; ended yesterday: no longer active.
    assert!(matches!(
        s.end_assistance(
            &staff,
            id,
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            &meta()
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    s.end_assistance(&staff, id, today().pred_opt().unwrap(), &meta())
        .await
        .unwrap();
    assert!(!s.assistance_of(&staff, person, &meta()).await.unwrap()[0].active);
}

async fn the_gap_report_lists_who_receives_nothing_or_not_enough(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (admin_user, _) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    s.grant_role_cli(admin_user.id, Role::Sensitive, None)
        .await
        .unwrap();
    let admin = s.actor(admin_user.id).await.unwrap();
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    let person = async |first: &str, born: &str, cats: &[&str]| {
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
                village_code: "55010101".into(),
                birth_date: born.into(),
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
    let alone = person("ไม่มีใครดูแล", "2480", &["bedridden"]).await;
    let covered = person("ได้เบี้ยแล้ว", "2480", &[]).await;
    let hiv_only = person("ข้อมูลอ่อนไหว", "2530", &["hiv"]).await;
    let young = person("แข็งแรง", "2540", &["socially_active"]).await;
    let disabled = person("มีแผนดูแล", "2535", &["disabled"]).await;
    let allowance = s
        .create_programme(&admin, &programme("เบี้ยยังชีพ จ.น่าน", "55"), &meta())
        .await
        .unwrap();
    let receipt = ReceiptForm {
        programme_id: allowance.to_string(),
        ..Default::default()
    }
    .check()
    .unwrap();
    s.add_assistance(&staff, covered, &receipt, &meta())
        .await
        .unwrap();
    // A care plan naming who does what counts as help (not as the allowance).
    s.save_plan(
        &staff,
        disabled,
        None,
        &PlanForm {
            visit_every_days: "30".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
        &meta(),
    )
    .await
    .unwrap();
    let org = s
        .create_organisation(
            &admin,
            ruamjai_domain::network::OrganisationForm {
                name_th: "รพ.สต.ในเวียง".into(),
                sector: "government".into(),
                org_type: "health_centre".into(),
                area_code: "550101".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    s.add_plan_item(
        &staff,
        disabled,
        &ItemForm {
            kind: "activity".into(),
            text: "กายภาพบำบัดที่บ้าน".into(),
            organisation_id: org.to_string(),
            ..Default::default()
        }
        .check()
        .unwrap(),
        &meta(),
    )
    .await
    .unwrap();

    let report = s
        .gap_report(&staff, &code("5501"), 100, &meta())
        .await
        .unwrap();
    let by_id = |id: i64| {
        report
            .rows
            .iter()
            .find(|r| r.person_id == id)
            .map(|r| r.gaps.clone())
    };
    assert_eq!(
        by_id(alone),
        Some(vec![
            Gap::NoAssistance,
            Gap::NoElderlyAllowance,
            Gap::NoCaregiver
        ])
    );
    assert_eq!(by_id(disabled), Some(vec![Gap::NoDisabilityAllowance]));
    assert_eq!(by_id(covered), None, "receives what the category calls for");
    assert_eq!(by_id(young), None, "socially active alone is not a gap");
    assert_eq!(
        by_id(hiv_only),
        None,
        "a sensitive category never lists anyone"
    );
    assert_eq!(report.persons, 2);
    assert_eq!(report.scanned, 5);
    assert_eq!(report.counts[&Gap::NoAssistance], 1);
    // Another district's staff: not found.
    assert!(matches!(
        s.gap_report(&other, &code("5501"), 100, &meta()).await,
        Err(StoreError::NotFound)
    ));
    // The limit caps the list, not the counts.
    let short = s
        .gap_report(&staff, &code("55010101"), 1, &meta())
        .await
        .unwrap();
    assert_eq!((short.rows.len(), short.persons), (1, 2));
}
