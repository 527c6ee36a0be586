use chrono::NaiveDate;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::network::{
    CourseForm, HoursForm, Need, OrganisationForm, Sector, SessionForm, Skill, VolunteerForm,
};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::network::VolunteerQuery;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};

use crate::{TestDb, both};

both!(
    partners_are_reached_from_below_and_managed_within,
    matching_finds_who_can_go_nearest_first,
    a_course_grants_skills_and_its_certificate_verifies_publicly,
    hours_and_dashboard_add_up,
    lists_import_whole_or_not_at_all,
    accounts_tie_to_partners_and_volunteers,
);

fn meta() -> RequestMeta {
    RequestMeta::default()
}

/// Villages 55010101, 55010102 (Mueang Nan), 55020201 (another district) and 50010101
/// (another province).
async fn villages(s: &Store) {
    let cli = Actor::command_line();
    for (sub, no) in [("550101", 1), ("550101", 2), ("550202", 1), ("500101", 1)] {
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

fn org(name: &str, sector: &str, area: &str) -> ruamjai_domain::network::OrganisationInput {
    OrganisationForm {
        name_th: name.into(),
        sector: sector.into(),
        org_type: "foundation".into(),
        area_code: area.into(),
        offers: "goods".into(),
        ..Default::default()
    }
    .check()
    .unwrap()
}

fn volunteer(
    first: &str,
    area: &str,
    home: (f64, f64),
    skills: &str,
    availability: &str,
) -> ruamjai_domain::network::VolunteerInput {
    VolunteerForm {
        first_name: first.into(),
        last_name: "ใจดี".into(),
        kind: "vhv".into(),
        area_code: area.into(),
        lat: home.0.to_string(),
        lon: home.1.to_string(),
        skills: skills.into(),
        availability: availability.into(),
        ..Default::default()
    }
    .check()
    .unwrap()
}

async fn partners_are_reached_from_below_and_managed_within(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let admin = Actor::command_line();
    let province = s
        .create_organisation(&admin, org("โรงพยาบาลน่าน", "government", "55"), &meta())
        .await
        .unwrap();
    let other = s
        .create_organisation(&admin, org("มูลนิธิเชียงใหม่", "people", "50"), &meta())
        .await
        .unwrap();
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;

    // A district's staff sees the provincial partner, not another province's.
    let seen: Vec<i64> = s
        .list_organisations(&staff, None, None)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(seen, vec![province]);
    assert!(matches!(
        s.organisation(&staff, other).await,
        Err(StoreError::NotFound)
    ));
    // …but cannot change it, nor add one above their district.
    let o = s.organisation(&staff, province).await.unwrap();
    assert!(matches!(
        s.update_organisation(
            &staff,
            province,
            o.version,
            org("x", "media", "5501"),
            &meta()
        )
        .await,
        Err(StoreError::Forbidden)
    ));
    let err = s
        .create_organisation(&staff, org("ร้านค้า", "private", "55"), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].field == "area_code"));
    let own = s
        .create_organisation(&staff, org("วัดในเวียง", "religious", "550101"), &meta())
        .await
        .unwrap();
    // A stale edit is refused.
    s.update_organisation(
        &staff,
        own,
        1,
        org("วัดในเวียง", "religious", "550101"),
        &meta(),
    )
    .await
    .unwrap();
    let err = s
        .update_organisation(&staff, own, 1, org("วัดใหม่", "religious", "550101"), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "stale"));

    // Networks: the lead joins; reachable partners join; a sector filter works.
    let net = s
        .create_network(&staff, "เครือข่ายเมืองน่าน", &code("5501"), Some(own), &meta())
        .await
        .unwrap();
    s.join_network(&staff, net, province, &meta())
        .await
        .unwrap();
    s.join_network(&staff, net, province, &meta())
        .await
        .unwrap();
    assert!(s.join_network(&staff, net, other, &meta()).await.is_err());
    let nets = s.list_networks(&staff).await.unwrap();
    assert_eq!(nets.len(), 1);
    assert_eq!(nets[0].members.len(), 2);
    let religious = s
        .list_organisations(&admin, Some(&code("55")), Some(Sector::Religious))
        .await
        .unwrap();
    assert_eq!(religious.len(), 1);
}

async fn matching_finds_who_can_go_nearest_first(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let admin = Actor::command_line();
    let point = (18.7800, 100.7700);
    let mk = |name: &'static str,
              area: &'static str,
              d_lat: f64,
              skills: &'static str,
              when: &'static str| {
        volunteer(name, area, (point.0 + d_lat, point.1), skills, when)
    };
    let near = s
        .create_volunteer(
            &admin,
            mk("ใกล้", "55010101", 0.002, "first_aid", "always"),
            &meta(),
        )
        .await
        .unwrap();
    let far = s
        .create_volunteer(
            &admin,
            mk("ไกล", "55010102", 0.05, "first_aid, driving", "always"),
            &meta(),
        )
        .await
        .unwrap();
    let busy = s
        .create_volunteer(
            &admin,
            mk("ไม่ว่าง", "55010101", 0.001, "first_aid", "sat 08:00-12:00"),
            &meta(),
        )
        .await
        .unwrap();
    let unskilled = s
        .create_volunteer(
            &admin,
            mk("ไม่มีทักษะ", "55010101", 0.001, "cooking", "always"),
            &meta(),
        )
        .await
        .unwrap();
    let out_of_scope = s
        .create_volunteer(
            &admin,
            mk("อำเภออื่น", "55020201", 0.0005, "first_aid", "always"),
            &meta(),
        )
        .await
        .unwrap();
    let too_far = s
        .create_volunteer(
            &admin,
            mk("ไกลเกิน", "55010101", 0.5, "first_aid", "always"),
            &meta(),
        )
        .await
        .unwrap();
    // Left the network: not sent.
    let v = s.volunteer(&admin, near, &meta()).await.unwrap();
    let retired = s
        .create_volunteer(
            &admin,
            mk("เลิกแล้ว", "55010101", 0.0001, "first_aid", "always"),
            &meta(),
        )
        .await
        .unwrap();
    let r = s.volunteer(&admin, retired, &meta()).await.unwrap();
    s.update_volunteer(
        &admin,
        retired,
        r.version,
        mk("เลิกแล้ว", "55010101", 0.0001, "first_aid", "always"),
        false,
        &meta(),
    )
    .await
    .unwrap();
    assert_eq!(v.skills.len(), 1);

    let (_, operator) = user_with_role(s, "op@example.org", Role::Operator, Some("5501")).await;
    let monday_noon = NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let need = Need {
        point,
        skills: vec![Skill::FirstAid],
        at: monday_noon,
        within_m: 20_000.0,
        limit: 10,
    };
    let found = s.match_volunteers(&operator, &need, &meta()).await.unwrap();
    let ids: Vec<i64> = found.iter().map(|m| m.volunteer.id).collect();
    assert_eq!(
        ids,
        vec![near, far],
        "available, in scope, skilled, nearest first"
    );
    assert!(found[0].distance_m < found[1].distance_m);
    assert!(
        (200.0..250.0).contains(&found[0].distance_m),
        "{}",
        found[0].distance_m
    );
    for gone in [busy, unskilled, out_of_scope, too_far, retired] {
        assert!(!ids.contains(&gone));
    }
    // On Saturday morning the busy one can go.
    let saturday = Need {
        at: NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
        ..need.clone()
    };
    let ids: Vec<i64> = s
        .match_volunteers(&operator, &saturday, &meta())
        .await
        .unwrap()
        .iter()
        .map(|m| m.volunteer.id)
        .collect();
    assert_eq!(ids, vec![busy, near, far]);
    // Two skills: only who holds both.
    let both_skills = Need {
        skills: vec![Skill::FirstAid, Skill::Driving],
        ..need.clone()
    };
    let ids: Vec<i64> = s
        .match_volunteers(&admin, &both_skills, &meta())
        .await
        .unwrap()
        .iter()
        .map(|m| m.volunteer.id)
        .collect();
    assert_eq!(ids, vec![far]);
    // The national view adds the other district's volunteer, nearest of all.
    let ids: Vec<i64> = s
        .match_volunteers(&admin, &need, &meta())
        .await
        .unwrap()
        .iter()
        .map(|m| m.volunteer.id)
        .collect();
    assert_eq!(ids, vec![out_of_scope, near, far]);

    // A volunteer outside the caller's scope does not exist for them.
    assert!(matches!(
        s.volunteer(&operator, out_of_scope, &meta()).await,
        Err(StoreError::NotFound)
    ));
    let listed = s
        .list_volunteers(
            &operator,
            &VolunteerQuery {
                skill: Some(Skill::FirstAid),
                limit: 100,
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 5, "first-aiders of district 5501 only");
    assert!(listed.iter().all(|v| v.area.as_str().starts_with("5501")));
}

async fn a_course_grants_skills_and_its_certificate_verifies_publicly(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "college@example.org", Role::Staff, Some("5501")).await;
    let v = s
        .create_volunteer(
            &staff,
            volunteer("สมใจ", "55010101", (18.78, 100.77), "", "always"),
            &meta(),
        )
        .await
        .unwrap();
    let other = s
        .create_volunteer(
            &Actor::command_line(),
            volunteer("คนนอก", "55020201", (18.9, 100.8), "", "always"),
            &meta(),
        )
        .await
        .unwrap();
    let course = s
        .create_course(
            &staff,
            CourseForm {
                title_th: "การประเมินความสามารถในการทำกิจวัตรประจำวัน (ADL)".into(),
                title_en: "ADL assessment".into(),
                area_code: "5501".into(),
                skills: "adl_assessment, home_visit".into(),
                hours: "6".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    let session = s
        .create_course_session(
            &staff,
            course,
            SessionForm {
                date: "5/12/2569".into(),
                place: "รพ.สต.ในเวียง".into(),
                capacity: "1".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    let e = s.enrol(&staff, session, v, &meta()).await.unwrap();
    assert_eq!(
        s.enrol(&staff, session, v, &meta()).await.unwrap(),
        e,
        "once"
    );
    // Someone out of sight cannot be enrolled; a full session takes nobody more.
    let err = s.enrol(&staff, session, other, &meta()).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].field == "volunteer_id"));
    let err = s
        .enrol(&Actor::command_line(), session, other, &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "session_full"));

    // No certificate without attendance.
    let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let err = s
        .complete_course(&staff, e, day, &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "not_attended"));
    s.mark_attendance(&staff, e, true, &meta()).await.unwrap();
    let code = s.complete_course(&staff, e, day, &meta()).await.unwrap();
    assert_eq!(
        s.complete_course(&staff, e, day, &meta()).await.unwrap(),
        code,
        "completing again gives the same certificate"
    );

    // The volunteer gains the course's skills, marked as granted by it.
    let got = s.volunteer(&staff, v, &meta()).await.unwrap();
    let skills: Vec<(Skill, Option<i64>)> =
        got.skills.iter().map(|h| (h.skill, h.course_id)).collect();
    assert_eq!(
        skills,
        vec![
            (Skill::AdlAssessment, Some(course)),
            (Skill::HomeVisit, Some(course))
        ]
    );
    let list = s.list_enrolments(&staff, session).await.unwrap();
    assert_eq!(list[0].certificate_code.as_deref(), Some(code.as_str()));

    // The public check: typed loosely, it finds name, course and date, and nothing else.
    let typed = code.to_lowercase().replace('-', " ");
    let check = s
        .verify_certificate(&typed, &meta())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(check.name, "สมใจ ใจดี");
    assert_eq!(check.course_en.as_deref(), Some("ADL assessment"));
    assert_eq!(check.completed_on, day);
    let json = serde_json::to_value(&check).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    for k in keys {
        assert!(
            ["name", "course_th", "course_en", "completed_on", "code"].contains(&k),
            "{k} must not be shown"
        );
    }
    assert!(
        s.verify_certificate("ZZZZZ-ZZZZZ", &meta())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.verify_certificate("not a code", &meta())
            .await
            .unwrap()
            .is_none()
    );
    // Attendance of a completed course cannot be taken back.
    assert!(s.mark_attendance(&staff, e, false, &meta()).await.is_err());
}

async fn hours_and_dashboard_add_up(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let admin = Actor::command_line();
    let a = s
        .create_volunteer(
            &admin,
            volunteer(
                "หนึ่ง",
                "55010101",
                (18.78, 100.77),
                "adl_assessment",
                "always",
            ),
            &meta(),
        )
        .await
        .unwrap();
    let b = s
        .create_volunteer(
            &admin,
            volunteer("สอง", "55010102", (18.79, 100.77), "first_aid", "always"),
            &meta(),
        )
        .await
        .unwrap();
    s.create_organisation(&admin, org("มูลนิธิ", "people", "5501"), &meta())
        .await
        .unwrap();
    s.create_organisation(&admin, org("อบต.", "local_government", "550101"), &meta())
        .await
        .unwrap();
    let hours = |h: &str, d: &str| {
        HoursForm {
            date: d.into(),
            hours: h.into(),
            activity: "เยี่ยมบ้าน".into(),
        }
        .check(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        .unwrap()
    };
    s.log_hours(&admin, a, hours("2.5", "2026-10-05"), &meta())
        .await
        .unwrap();
    s.log_hours(&admin, a, hours("1", "2026-11-01"), &meta())
        .await
        .unwrap();
    s.log_hours(&admin, b, hours("3", "2026-11-20"), &meta())
        .await
        .unwrap();
    assert_eq!(
        s.volunteer(&admin, a, &meta()).await.unwrap().minutes_given,
        210
    );

    let d = s
        .network_dashboard(&admin, Some(&code("5501")))
        .await
        .unwrap();
    assert_eq!(
        d.minutes_by_month,
        vec![("2026-10".into(), 150), ("2026-11".into(), 240)]
    );
    let people = d
        .partners_by_sector
        .iter()
        .find(|(s, _)| *s == Sector::People)
        .unwrap();
    assert_eq!(people.1, 1);
    let vhv = d
        .volunteers_by_kind
        .iter()
        .find(|(k, _)| k.as_str() == "vhv")
        .unwrap();
    assert_eq!(vhv.1, 2);
    assert_eq!(d.villages, 2);
    let vhv_minutes = d
        .minutes_by_kind
        .iter()
        .find(|(k, _)| k.as_str() == "vhv")
        .unwrap();
    assert_eq!(vhv_minutes.1, 390);
    // One level down: the subdistrict holds both volunteers, all hours, one partner (the
    // district-wide foundation belongs to no subdistrict).
    assert_eq!(d.children.len(), 1);
    let sub = &d.children[0];
    assert_eq!(
        (sub.code.as_str(), sub.volunteers, sub.minutes, sub.partners),
        ("550101", 2, 390, 1)
    );
    assert_eq!(sub.name_th, "ในเวียง");
    assert_eq!(
        d.villages_with_skill,
        vec![(Skill::AdlAssessment, 1), (Skill::FirstAid, 1)],
        "how many villages have a trained ADL assessor"
    );
    // A viewer of another district sees nothing of this one.
    let (_, viewer) = user_with_role(s, "v@example.org", Role::Viewer, Some("5502")).await;
    assert!(matches!(
        s.network_dashboard(&viewer, Some(&code("5501"))).await,
        Err(StoreError::NotFound)
    ));
    let own = s.network_dashboard(&viewer, None).await.unwrap();
    assert_eq!(own.villages, 1);
    assert!(own.minutes_by_month.is_empty());
}

fn list_plan(
    csv: &str,
    columns: &[ruamjai_domain::network::import::Column],
    dry_run: bool,
) -> (
    ruamjai_store::network::import::ListPlan,
    Vec<ruamjai_store::tabular::TableRow>,
) {
    let t = ruamjai_store::tabular::read_table(csv.as_bytes(), "list.csv", 10_000).unwrap();
    (
        ruamjai_store::network::import::ListPlan {
            file_name: "list.csv".into(),
            file_sha256: "x".into(),
            map: ruamjai_domain::network::import::recognise(columns, &t.headers),
            default_area: None,
            dry_run,
        },
        t.rows,
    )
}

async fn lists_import_whole_or_not_at_all(db: TestDb) {
    use ruamjai_domain::network::import::{PARTNER_COLUMNS, VOLUNTEER_COLUMNS};
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "lists@example.org", Role::Staff, Some("5501")).await;
    let volunteers = "ชื่อ,นามสกุล,ประเภท,เบอร์โทร,รหัสหมู่บ้าน,ทักษะ\n\
        บุญมี,ใจงาม,อสม.,0812345678,55010101,first_aid\n\
        สมพร,ดีงาม,CG,,55010102,\n";
    // Bad rows anywhere: each named with its line and field; nothing written.
    let bad = format!(
        "{volunteers}นอก,พื้นที่,อสม.,,55020201,\n,ไม่มีชื่อ,นักบิน,,55010101,juggling\nซ้ำ,ซ้ำ,อสม.,081-234-5678,55010101,\n"
    );
    let (p, rows) = list_plan(&bad, VOLUNTEER_COLUMNS, false);
    let r = s
        .import_volunteers(&staff, &p, rows, &meta())
        .await
        .unwrap();
    let lines: Vec<usize> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![4, 5, 6], "{:?}", r.errors);
    assert_eq!(r.errors[0].errors[0].code, "area_not_found");
    let fields: Vec<&str> = r.errors[1].errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, vec!["first_name", "kind", "skills"]);
    assert_eq!(
        r.errors[2].errors[0].code, "duplicate_in_file",
        "same phone"
    );
    assert!(r.import_id.is_none());
    let none = s
        .list_volunteers(
            &staff,
            &VolunteerQuery {
                limit: 10,
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();
    assert!(none.is_empty());

    // A dry run counts and writes nothing; the real run lands both; again adds nothing.
    let (p, rows) = list_plan(volunteers, VOLUNTEER_COLUMNS, true);
    let r = s
        .import_volunteers(&staff, &p, rows, &meta())
        .await
        .unwrap();
    assert_eq!((r.added, r.skipped, r.errors.len()), (2, 0, 0));
    let (p, rows) = list_plan(volunteers, VOLUNTEER_COLUMNS, false);
    let r = s
        .import_volunteers(&staff, &p, rows, &meta())
        .await
        .unwrap();
    assert_eq!((r.added, r.skipped), (2, 0));
    assert!(r.import_id.is_some());
    let (p, rows) = list_plan(volunteers, VOLUNTEER_COLUMNS, false);
    let r = s
        .import_volunteers(&staff, &p, rows, &meta())
        .await
        .unwrap();
    assert_eq!((r.added, r.skipped), (0, 2));
    let all = s
        .list_volunteers(
            &staff,
            &VolunteerQuery {
                limit: 10,
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let boonmee = all.iter().find(|v| v.first_name == "บุญมี").unwrap();
    assert_eq!(boonmee.skills[0].skill, Skill::FirstAid);

    // Partners, with Thai sector and type names.
    let partners = "ชื่อองค์กร,ภาคส่วน,ประเภทองค์กร,รหัสพื้นที่\n\
        มูลนิธิร่วมใจ,ภาคประชาชน,มูลนิธิ,5501\n\
        วัดภูมินทร์,ศาสนา,วัด,550101\n";
    let (p, rows) = list_plan(partners, PARTNER_COLUMNS, false);
    let r = s.import_partners(&staff, &p, rows, &meta()).await.unwrap();
    assert_eq!((r.added, r.errors.len()), (2, 0), "{:?}", r.errors);
    let religious = s
        .list_organisations(&staff, None, Some(Sector::Religious))
        .await
        .unwrap();
    assert_eq!(religious[0].name_th, "วัดภูมินทร์");
    // Outside the importer's area: refused.
    let (p, rows) = list_plan(
        "ชื่อองค์กร,ภาคส่วน,ประเภทองค์กร,รหัสพื้นที่\nร้าน,เอกชน,ร้านค้า,50\n",
        PARTNER_COLUMNS,
        false,
    );
    let r = s.import_partners(&staff, &p, rows, &meta()).await.unwrap();
    assert_eq!(r.errors[0].errors[0].field, "area_code");
}

async fn accounts_tie_to_partners_and_volunteers(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "aa@example.org", Role::AreaAdmin, Some("5501")).await;
    let (staff, _) = user_with_role(s, "st@example.org", Role::Staff, Some("550101")).await;
    let (outsider, _) = user_with_role(s, "out@example.org", Role::Staff, Some("5502")).await;
    let hospital = s
        .create_organisation(&admin, org("โรงพยาบาลน่าน", "government", "5501"), &meta())
        .await
        .unwrap();
    let far = s
        .create_organisation(
            &Actor::command_line(),
            org("มูลนิธิเชียงใหม่", "people", "50"),
            &meta(),
        )
        .await
        .unwrap();
    // Staff belong to a partner the admin can reach; not to one they cannot.
    s.set_user_organisation(&admin, staff.id, Some(hospital), &meta())
        .await
        .unwrap();
    assert_eq!(
        s.user_organisation(staff.id).await.unwrap().unwrap().id,
        hospital
    );
    let err = s
        .set_user_organisation(&admin, staff.id, Some(far), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].field == "organisation_id"));
    assert!(matches!(
        s.set_user_organisation(&admin, outsider.id, Some(hospital), &meta())
            .await,
        Err(StoreError::NotFound)
    ));
    s.set_user_organisation(&admin, staff.id, None, &meta())
        .await
        .unwrap();
    assert!(s.user_organisation(staff.id).await.unwrap().is_none());

    // A volunteer gets the staff member's login; not an account out of sight; one each.
    let v = s
        .create_volunteer(
            &admin,
            volunteer("สมใจ", "55010101", (18.78, 100.77), "", ""),
            &meta(),
        )
        .await
        .unwrap();
    let w = s
        .create_volunteer(
            &admin,
            volunteer("สมหมาย", "55010101", (18.78, 100.77), "", ""),
            &meta(),
        )
        .await
        .unwrap();
    s.link_volunteer_login(&admin, v, Some("st@example.org"), &meta())
        .await
        .unwrap();
    assert_eq!(
        s.volunteer(&admin, v, &meta()).await.unwrap().user_id,
        Some(staff.id)
    );
    let err = s
        .link_volunteer_login(&admin, w, Some("st@example.org"), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "login_taken"));
    let err = s
        .link_volunteer_login(&admin, w, Some("out@example.org"), &meta())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref i) if i.0[0].code == "not_found"));
    s.link_volunteer_login(&admin, v, None, &meta())
        .await
        .unwrap();
    assert_eq!(s.volunteer(&admin, v, &meta()).await.unwrap().user_id, None);
}
