//! Data-subject rights over HTTP: the export (API and the person page's download), who
//! accessed a person, the erasure (API, and the form with its reason and confirmation), the
//! rights section and page; each for the roles that may, 403/404 for the others.

use axum::http::StatusCode;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::registry::PersonForm;
use ruamjai_domain::registry::ident::complete_id;
use ruamjai_store::Store;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::today;
use ruamjai_store::testing::{TestDb, code, user_with_role};
use serde_json::json;

use crate::{Client, both, token_client};

both!(
    the_api_exports_lists_access_and_erases_for_those_who_may,
    the_rights_section_leads_to_export_access_and_erasure,
    the_erase_form_wants_a_reason_and_a_confirmation,
);

async fn villages(s: &Store) {
    for (sub, no) in [("550101", 1), ("550202", 1)] {
        s.create_village(
            &Actor::command_line(),
            &code(sub),
            NewVillage {
                village_no: no,
                name_th: format!("บ้านสิทธิ {no}"),
                name_en: String::new(),
            },
            &Default::default(),
        )
        .await
        .unwrap();
    }
}

/// A person in 55010101 with a Thai ID.
async fn person(s: &Store) -> i64 {
    s.create_person(
        &Actor::command_line(),
        PersonForm {
            id_number: complete_id("355019988770"),
            first_name: "ลำดวน".into(),
            last_name: "เจ้าของสิทธิ".into(),
            birth_date: "2490".into(),
            village_code: "55010101".into(),
            house_number: "7".into(),
            ..Default::default()
        }
        .check(today())
        .unwrap(),
        vec![],
        None,
        &Default::default(),
    )
    .await
    .unwrap()
}

async fn the_api_exports_lists_access_and_erases_for_those_who_may(db: TestDb) {
    villages(&db.store).await;
    let id = person(&db.store).await;
    let (mut staff, _) = token_client(&db, "staff@example.org", Role::Staff, Some("5501")).await;
    let (mut op, _) = token_client(&db, "op@example.org", Role::Operator, Some("55010101")).await;
    let (mut admin, _) = token_client(&db, "aa@example.org", Role::AreaAdmin, Some("5501")).await;
    let (mut far, _) = token_client(&db, "far@example.org", Role::AreaAdmin, Some("5502")).await;

    // Export: staff yes, the field volunteer no, another district: no such person.
    let res = staff.get(&format!("/api/v1/persons/{id}/export")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers["cache-control"], "no-store");
    assert!(
        res.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with(&format!("attachment; filename=\"ruamjai-person-{id}-"))
    );
    let e = res.json();
    assert_eq!(e["format"], "ruamjai.person-export.v1");
    assert_eq!(e["tables"]["persons"][0]["first_name"], "ลำดวน");
    assert_eq!(e["tables"]["households"][0]["house_number"], "7");
    assert_eq!(e["withheld"][0]["reason"], "audit");
    assert_eq!(
        op.get(&format!("/api/v1/persons/{id}/export")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        far.get(&format!("/api/v1/persons/{id}/export"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Who accessed her: the area administrator sees the staff's export, with its request.
    assert_eq!(
        staff
            .get(&format!("/api/v1/persons/{id}/access"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let res = admin.get(&format!("/api/v1/persons/{id}/access")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = res.json();
    let export = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "person.data_export")
        .expect("the export is listed");
    assert_eq!(export["actor_name"], "staff");
    assert_eq!(export["listed"], false);
    assert!(export["request_id"].as_str().is_some_and(|r| !r.is_empty()));

    // Erase: a reason is needed; staff may not; the area administrator may, once.
    let res = admin
        .json(
            "POST",
            &format!("/api/v1/persons/{id}/erase"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "reason");
    let res = staff
        .json(
            "POST",
            &format!("/api/v1/persons/{id}/erase"),
            json!({"reason": "คำขอ"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = admin
        .json(
            "POST",
            &format!("/api/v1/persons/{id}/erase"),
            json!({"reason": "คำขอของเจ้าของข้อมูล"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let done = res.json();
    assert!(done["pseudonym"].as_str().unwrap().starts_with("erased-"));
    assert_eq!(done["records"], 1);
    for path in [
        format!("/api/v1/persons/{id}"),
        format!("/api/v1/persons/{id}/export"),
        format!("/api/v1/persons/{id}/access"),
    ] {
        assert_eq!(
            admin.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let res = admin
        .json(
            "POST",
            &format!("/api/v1/persons/{id}/erase"),
            json!({"reason": "again"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

async fn the_rights_section_leads_to_export_access_and_erasure(db: TestDb) {
    villages(&db.store).await;
    let id = person(&db.store).await;
    user_with_role(&db.store, "aa@example.org", Role::AreaAdmin, Some("5501")).await;
    user_with_role(
        &db.store,
        "op@example.org",
        Role::Operator,
        Some("55010101"),
    )
    .await;

    let mut c = Client::new(&db);
    c.login("aa@example.org").await;
    let page = c.get(&format!("/persons/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"rights-section\""));
    for link in ["rights", "export", "access", "erase", "edit"] {
        assert!(
            page.body
                .contains(&format!("href=\"/persons/{id}/{link}\"")),
            "{link}"
        );
    }
    let rights = c.get(&format!("/persons/{id}/rights")).await;
    assert_eq!(rights.status, StatusCode::OK);
    assert!(rights.body.contains("สิทธิของเจ้าของข้อมูล"));
    assert!(rights.body.contains("data-testid=\"rights-rectify-link\""));
    assert!(rights.body.contains("5 ปี"), "the retention period is shown");
    // The download is the API's document, as an attachment.
    let file = c.get(&format!("/persons/{id}/export")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".json")
    );
    assert_eq!(file.json()["tables"]["persons"][0]["id"], id);
    // The access page shows that download, in Thai, with the Buddhist-era year.
    let access = c.get(&format!("/persons/{id}/access")).await;
    assert_eq!(access.status, StatusCode::OK);
    assert!(access.body.contains("ดาวน์โหลดข้อมูลทั้งหมด"));
    let be = (chrono::Datelike::year(&today()) + 543).to_string();
    assert!(access.body.contains(&be), "Buddhist-era dates");

    // The field volunteer sees the section but not the export, access list or erasure.
    let mut op = Client::new(&db);
    op.login("op@example.org").await;
    let page = op.get(&format!("/persons/{id}")).await;
    assert!(page.body.contains("data-testid=\"rights-section\""));
    for link in ["export", "access", "erase"] {
        assert!(
            !page
                .body
                .contains(&format!("href=\"/persons/{id}/{link}\"")),
            "{link}"
        );
    }
    assert_eq!(
        op.get(&format!("/persons/{id}/export")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        op.get(&format!("/persons/{id}/erase")).await.status,
        StatusCode::FORBIDDEN
    );
    // In English too.
    c.post_form("/lang", &[("lang", "en"), ("next", "/")]).await;
    let rights = c.get(&format!("/persons/{id}/rights")).await;
    assert!(rights.body.contains("Data subject rights"));
}

async fn the_erase_form_wants_a_reason_and_a_confirmation(db: TestDb) {
    villages(&db.store).await;
    let id = person(&db.store).await;
    user_with_role(&db.store, "aa@example.org", Role::AreaAdmin, Some("5501")).await;
    let mut c = Client::new(&db);
    c.login("aa@example.org").await;
    let form = c.get(&format!("/persons/{id}/erase")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<label for=\"reason\">"));
    assert!(form.body.contains("ลำดวน"));

    // Neither a reason nor the box: both named next to their fields, nothing erased.
    let res = c.post_form(&format!("/persons/{id}/erase"), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"reason-error\""));
    assert!(res.body.contains("id=\"confirm-error\""));
    assert!(res.body.contains("aria-invalid=\"true\""));
    // The reason typed stays; the box is still needed.
    let res = c
        .post_form(
            &format!("/persons/{id}/erase"),
            &[("reason", "คำขอ ลงวันที่ 1/12/2569")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("คำขอ ลงวันที่ 1/12/2569"));
    assert!(!res.body.contains("id=\"reason-error\""));
    assert_eq!(
        c.get(&format!("/persons/{id}")).await.status,
        StatusCode::OK
    );

    let res = c
        .post_form(
            &format!("/persons/{id}/erase"),
            &[("reason", "คำขอ ลงวันที่ 1/12/2569"), ("confirm", "1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.location().to_owned();
    assert!(to.starts_with("/persons/erased/erased-"), "{to}");
    let done = c.get(&to).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.body
            .contains(to.trim_start_matches("/persons/erased/"))
    );
    assert_eq!(
        c.get(&format!("/persons/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Only pseudonyms are shown back from the address.
    assert_eq!(
        c.get("/persons/erased/erased-XYZ").await.status,
        StatusCode::NOT_FOUND
    );
}
