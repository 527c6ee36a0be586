use ruamjai_domain::areas::AreaLevel;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_store::StoreError;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::testing::{code, user_with_role};

use crate::{TestDb, both};

both!(
    full_catalogue_is_loaded,
    nan_is_found_by_thai_and_english_name,
    district_admin_stays_in_own_district,
    villages_are_validated,
);

async fn full_catalogue_is_loaded(db: TestDb) {
    let s = &db.store;
    assert_eq!(s.count_areas(AreaLevel::Province).await.unwrap(), 77);
    assert_eq!(s.count_areas(AreaLevel::District).await.unwrap(), 928);
    assert_eq!(s.count_areas(AreaLevel::Subdistrict).await.unwrap(), 7_436);
    assert_eq!(s.count_areas(AreaLevel::Village).await.unwrap(), 0);
}

async fn nan_is_found_by_thai_and_english_name(db: TestDb) {
    let s = &db.store;
    let hits = s
        .search_areas(&Actor::command_line(), "น่าน", None, 20)
        .await
        .unwrap();
    assert_eq!(hits[0].code.as_str(), "55");
    assert_eq!(hits[0].level, AreaLevel::Province);
    let hits = s
        .search_areas(&Actor::command_line(), "nan", Some(AreaLevel::Province), 20)
        .await
        .unwrap();
    assert!(hits.iter().any(|a| a.code.as_str() == "55"));
    let hits = s
        .search_areas(&Actor::command_line(), "5501", None, 5)
        .await
        .unwrap();
    assert_eq!(hits[0].code.as_str(), "5501");
    // A wildcard typed by the user is not a wildcard.
    assert!(
        s.search_areas(&Actor::command_line(), "%", None, 5)
            .await
            .unwrap()
            .is_empty()
    );

    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let nan = s.area_detail(&admin, &code("55")).await.unwrap();
    assert_eq!(nan.children.len(), 15);
    assert!(nan.children.iter().all(|c| c.level == AreaLevel::District));
    let sub = s.area_detail(&admin, &code("550101")).await.unwrap();
    let crumbs: Vec<_> = sub.ancestors.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(crumbs, ["55", "5501"]);
}

async fn district_admin_stays_in_own_district(db: TestDb) {
    let s = &db.store;
    let meta = RequestMeta::default();
    let (_, a) = user_with_role(s, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let (b_user, _) = user_with_role(s, "b@example.org", Role::Operator, Some("5502")).await;

    // Own district and its subdistricts: readable and changeable.
    s.area_detail(&a, &code("5501")).await.unwrap();
    s.area_detail(&a, &code("550101")).await.unwrap();
    let v = NewVillage {
        village_no: 1,
        name_th: "บ้านดอน".into(),
        name_en: "Ban Don".into(),
    };
    let village = s
        .create_village(&a, &code("550101"), v.clone(), &meta)
        .await
        .unwrap();
    assert_eq!(village.code.as_str(), "55010101");
    s.area_detail(&a, &village.code).await.unwrap();

    // District B, the province above, another province: not found.
    for other in ["5502", "550202", "55", "5601"] {
        assert!(
            matches!(
                s.area_detail(&a, &code(other)).await,
                Err(StoreError::NotFound)
            ),
            "{other} must be out of scope"
        );
    }
    assert!(matches!(
        s.create_village(&a, &code("550202"), v, &meta).await,
        Err(StoreError::NotFound)
    ));
    let roots = s.area_roots(&a).await.unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].code.as_str(), "5501");
    let found = s.search_areas(&a, "น่าน", None, 50).await.unwrap();
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|x| x.code.as_str().starts_with("5501")),
        "{found:?}"
    );

    // B's users are invisible and untouchable.
    assert!(matches!(
        s.user_detail(&a, b_user.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.grant_role(&a, b_user.id, Role::Viewer, Some(code("550101")), &meta)
            .await,
        Err(StoreError::NotFound)
    ));
    let listed = s.list_users(&a).await.unwrap();
    assert!(listed.iter().all(|u| u.user.id != b_user.id));
    assert!(listed.iter().any(|u| u.user.id == a.user_id));
}

async fn villages_are_validated(db: TestDb) {
    let s = &db.store;
    let meta = RequestMeta::default();
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let good = NewVillage {
        village_no: 2,
        name_th: "บ้านนา".into(),
        name_en: String::new(),
    };
    s.create_village(&admin, &code("550101"), good.clone(), &meta)
        .await
        .unwrap();
    let err = s
        .create_village(&admin, &code("550101"), good.clone(), &meta)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(i) if i.0[0].code == "village_exists"),
        "{err:?}"
    );
    let bad = NewVillage {
        village_no: 0,
        name_th: " ".into(),
        name_en: String::new(),
    };
    let StoreError::Invalid(i) = s
        .create_village(&admin, &code("550101"), bad, &meta)
        .await
        .unwrap_err()
    else {
        panic!("expected invalid")
    };
    let fields: Vec<_> = i.0.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["name_th", "village_no"]);
    let err = s
        .create_village(&admin, &code("5501"), good.clone(), &meta)
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(i) if i.0[0].code == "not_a_subdistrict"));
    // Staff may browse but not create villages.
    assert!(matches!(
        s.create_village(
            &staff,
            &code("550101"),
            NewVillage {
                village_no: 3,
                ..good
            },
            &meta
        )
        .await,
        Err(StoreError::Forbidden)
    ));
    assert_eq!(s.count_areas(AreaLevel::Village).await.unwrap(), 1);
}

mod import {
    use ruamjai_domain::areas::AreaLevel;
    use ruamjai_domain::audit::RequestMeta;
    use ruamjai_domain::auth::Role;
    use ruamjai_store::areas::VillageRow;
    use ruamjai_store::testing::user_with_role;

    use crate::{TestDb, both};

    both!(village_import_is_all_or_nothing_and_idempotent);

    fn row(line: usize, sub: &str, no: &str, th: &str) -> VillageRow {
        VillageRow {
            line,
            subdistrict: sub.into(),
            village_no: no.into(),
            name_th: th.into(),
            name_en: String::new(),
        }
    }

    async fn village_import_is_all_or_nothing_and_idempotent(db: TestDb) {
        let s = &db.store;
        let meta = RequestMeta::cli();
        let good = vec![
            row(2, "550101", "1", "บ้านหนึ่ง"),
            row(3, "550101", "2", "บ้านสอง"),
        ];
        let mut with_bad = good.clone();
        with_bad.push(row(4, "999999", "1", "บ้านผิด"));
        with_bad.push(row(5, "550101", "0", ""));
        with_bad.push(row(6, "550101", "2", "บ้านซ้ำ"));
        let errors = s
            .import_villages(None, &with_bad, false, &meta)
            .await
            .unwrap()
            .unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [4, 5, 6]);
        assert_eq!(errors[0].errors[0].field, "subdistrict_code");
        assert_eq!(errors[1].errors.len(), 2);
        assert_eq!(errors[2].errors[0].code, "duplicate_in_file");
        assert_eq!(
            s.count_areas(AreaLevel::Village).await.unwrap(),
            0,
            "nothing half-written"
        );

        let dry = s
            .import_villages(None, &good, true, &meta)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((dry.created, dry.dry_run), (2, true));
        assert_eq!(s.count_areas(AreaLevel::Village).await.unwrap(), 0);
        let done = s
            .import_villages(None, &good, false, &meta)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((done.created, done.unchanged), (2, 0));
        let again = s
            .import_villages(None, &good, false, &meta)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.created, again.unchanged), (0, 2));
        assert_eq!(s.count_areas(AreaLevel::Village).await.unwrap(), 2);

        // An area admin may import only into their own subdistricts.
        let (_, a) = user_with_role(s, "a@example.org", Role::AreaAdmin, Some("5502")).await;
        let errors = s
            .import_villages(Some(&a), &[row(2, "550101", "3", "บ้านสาม")], false, &meta)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(errors[0].errors[0].field, "subdistrict_code");
    }
}

mod rename {
    use ruamjai_domain::audit::RequestMeta;
    use ruamjai_domain::auth::Role;
    use ruamjai_store::StoreError;
    use ruamjai_store::areas::NewVillage;
    use ruamjai_store::testing::{code, user_with_role};

    use crate::{TestDb, both};

    both!(villages_are_renamed_in_scope_only);

    async fn villages_are_renamed_in_scope_only(db: TestDb) {
        let s = &db.store;
        let meta = RequestMeta::default();
        let (_, a) = user_with_role(s, "a@example.org", Role::AreaAdmin, Some("5501")).await;
        let (_, b) = user_with_role(s, "b@example.org", Role::AreaAdmin, Some("5502")).await;
        let (_, staff) = user_with_role(s, "s@example.org", Role::Staff, Some("5501")).await;
        let v = NewVillage {
            village_no: 5,
            name_th: "บ้านดอนไชย".into(),
            name_en: String::new(),
        };
        let v = s
            .create_village(&a, &code("550101"), v, &meta)
            .await
            .unwrap();
        let renamed = s
            .rename_village(&a, &v.code, " บ้านดอนชัย ", "Ban Don Chai", &meta)
            .await
            .unwrap();
        assert_eq!(
            (renamed.name_th.as_str(), renamed.name_en.as_str()),
            ("บ้านดอนชัย", "Ban Don Chai")
        );
        assert_eq!(renamed.village_no, Some(5));
        assert!(matches!(
            s.rename_village(&b, &v.code, "x", "", &meta).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.rename_village(&staff, &v.code, "x", "", &meta).await,
            Err(StoreError::Forbidden)
        ));
        let e = s
            .rename_village(&a, &v.code, " ", "", &meta)
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(i) if i.0[0].field == "name_th"));
        let e = s
            .rename_village(&a, &code("550101"), "x", "", &meta)
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(i) if i.0[0].code == "not_a_village"));
        let log = s.list_audit(&a, None, 10).await.unwrap();
        assert_eq!(log[0].action, "area.village_update");
        assert_eq!(log[0].entity_id.as_deref(), Some("55010105"));
    }
}
