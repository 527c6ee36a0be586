//! Assistance through the pages: a programme (with a slip first), a person's assistance, and
//! the gap report with its export — inside the caller's area only.

use axum::http::StatusCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::registry::{CategoryForm, PersonForm};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::today;
use ruamjai_store::testing::{TestDb, code, user_with_role};

use crate::{Client, both};

both!(programmes_assistance_and_the_gap_report);

async fn programmes_assistance_and_the_gap_report(db: TestDb) {
    db.store
        .create_village(
            &Actor::command_line(),
            &code("550101"),
            NewVillage {
                village_no: 1,
                name_th: "บ้านทดสอบ".into(),
                name_en: String::new(),
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    let (_, admin) = user_with_role(&db.store, "admin@example.org", Role::Admin, None).await;
    user_with_role(&db.store, "staff@example.org", Role::Staff, Some("5501")).await;
    user_with_role(&db.store, "other@example.org", Role::Staff, Some("5502")).await;
    let person = async |first: &str, cat: &str| {
        db.store
            .create_person(
                &admin,
                PersonForm {
                    first_name: first.into(),
                    village_code: "55010101".into(),
                    birth_date: "2480".into(),
                    ..Default::default()
                }
                .check(today())
                .unwrap(),
                vec![
                    CategoryForm {
                        category: cat.into(),
                        ..Default::default()
                    }
                    .check(today())
                    .unwrap(),
                ],
                None,
                &RequestMeta::default(),
            )
            .await
            .unwrap()
    };
    let helped = person("ได้รับแล้ว", "disabled").await;
    let alone = person("ตกหล่น", "bedridden").await;
    let mut staff = Client::new(&db);
    staff.login("staff@example.org").await;

    let res = staff
        .post_form(
            "/programmes",
            &[
                ("name", "เบี้ยยังชีพ อ.เมืองน่าน"),
                ("kind", "elderly_allowance"),
                ("area_code", "5501"),
                ("amount", "หกร้อย"),
                ("period", "monthly"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"amount-error\""));
    let res = staff
        .post_form(
            "/programmes",
            &[
                ("name", "เบี้ยยังชีพ อ.เมืองน่าน"),
                ("kind", "elderly_allowance"),
                ("area_code", "5501"),
                ("amount", "600"),
                ("period", "monthly"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let list = staff.get("/programmes").await;
    assert!(list.body.contains("600 ฿"));
    let programme = db.store.programmes(&admin).await.unwrap()[0].id.to_string();
    let res = staff
        .post_form(
            &format!("/persons/{helped}/assistance"),
            &[
                ("programme_id", &programme),
                ("since", "1/10/2568"),
                ("source", "บัญชี ต.ค. 2568"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = staff.get(&format!("/persons/{helped}/assistance")).await;
    assert!(page.body.contains("เบี้ยยังชีพ อ.เมืองน่าน"));

    // The gap report: the bedridden elder with nothing is listed; the helped one only for the
    // disability allowance she still lacks.
    let gaps = staff.get("/gaps?area=5501").await;
    assert_eq!(gaps.status, StatusCode::OK);
    assert!(gaps.body.contains(&format!("/persons/{alone}/assistance")));
    assert!(
        gaps.body.contains("data-gap=\"no_caregiver\">1<"),
        "{}",
        gaps.body
    );
    assert!(
        gaps.body
            .contains("data-gap=\"no_disability_allowance\">1<")
    );
    assert!(gaps.body.contains("data-gap=\"no_elderly_allowance\">1<"));
    let csv = staff.get("/gaps/export?area=5501").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("ตกหล่น"));
    assert!(
        csv.body
            .contains("no_assistance,no_elderly_allowance,no_caregiver")
    );

    // Another district's staff: neither the report nor the person.
    let mut other = Client::new(&db);
    other.login("other@example.org").await;
    assert_eq!(
        other.get("/gaps?area=5501").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .get(&format!("/persons/{alone}/assistance"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
