use chrono::NaiveDate;
use ruamjai_domain::assistance::{ProgrammeForm, ReceiptForm};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::registry::PersonForm;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::today;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};

use crate::{TestDb, both};

both!(programmes_serve_below_and_receipts_follow_the_person_scope);

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
