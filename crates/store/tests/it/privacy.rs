//! Data-subject rights: the export holds every column of every row about a person (checked
//! against the schema itself, so a new table or column cannot be forgotten), rectification
//! shows in it, erasure leaves no name, ID number or photo anywhere (tables, statistics, the
//! SQLite file and its WAL, the file store), who accessed a person, and retention.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ruamjai_domain::assistance::{ProgrammeForm, ReceiptForm};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Grant, Role};
use ruamjai_domain::care::adl::ITEMS;
use ruamjai_domain::care::plan::{GroupForm, ItemForm, PlanForm};
use ruamjai_domain::care::{VisitForm, VitalsForm};
use ruamjai_domain::linkage::{Decision, Thresholds};
use ruamjai_domain::registry::ident::{complete_id, format_thai_id};
use ruamjai_domain::registry::privacy::{RetentionRules, is_pseudonym};
use ruamjai_domain::registry::{
    AttestationRole, CategoryForm, ConsentPurpose, LawfulBasis, PersonForm,
};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::care::VisitSubmission;
use ruamjai_store::registry::privacy::PersonExport;
use ruamjai_store::registry::{ConsentInput, PersonQuery, today};
use ruamjai_store::tabular::read_table;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{TestDb, both};

both!(
    export_holds_every_column_of_every_table_about_the_person,
    rectification_shows_in_the_export,
    erasure_leaves_no_name_id_or_photo_anywhere,
    erasure_and_export_follow_the_roles,
    the_access_log_lists_who_read_the_person,
    retention_erases_long_gone_persons_and_empties_old_rolls,
);

/// Tables that refer to persons and are deliberately not in the export, with the reason.
/// (None today: everything about a person is exported.)
const NOT_EXPORTED: &[(&str, &str)] = &[];

fn meta() -> RequestMeta {
    RequestMeta {
        request_id: Some("req-privacy".into()),
        ip: Some("192.0.2.7".into()),
    }
}

// The person whose rights are exercised: a distinctive name and a valid Thai ID.
const FIRST: &str = "ประไพพิศ";
const LAST: &str = "ศรีสุวรรณวงศ์";

fn subject_id() -> String {
    complete_id("355019988776")
}

/// An administrator who also holds the `sensitive` permission.
fn with_sensitive(user_id: i64) -> Actor {
    Actor {
        user_id,
        grants: vec![
            Grant {
                id: 0,
                role: Role::Admin,
                area: None,
            },
            Grant {
                id: 0,
                role: Role::Sensitive,
                area: None,
            },
        ],
    }
}

async fn villages(s: &Store) {
    for no in [1, 2] {
        s.create_village(
            &Actor::command_line(),
            &code("550101"),
            NewVillage {
                village_no: no,
                name_th: format!("บ้านสิทธิ {no}"),
                name_en: String::new(),
            },
            &meta(),
        )
        .await
        .unwrap();
    }
}

fn person_form(id: &str, first: &str, last: &str, house: &str) -> PersonForm {
    PersonForm {
        id_number: id.into(),
        prefix: "นาง".into(),
        first_name: first.into(),
        last_name: last.into(),
        birth_date: "12/03/2490".into(),
        phone: "0812345678".into(),
        village_code: "55010101".into(),
        house_number: house.into(),
        relation: "head".into(),
        lat: "18.7801".into(),
        lon: "100.7712".into(),
        ..Default::default()
    }
}

fn visit_form(notes: &str) -> VisitForm {
    VisitForm {
        visited_at: chrono::Utc::now().to_rfc3339(),
        lat: "18.7802".into(),
        lon: "100.7713".into(),
        vitals: VitalsForm {
            systolic: "150".into(),
            diastolic: "92".into(),
            pulse: "80".into(),
            temperature: "36.8".into(),
            spo2: "97".into(),
            glucose: "130".into(),
            weight: "52.5".into(),
            height: "155".into(),
        },
        adl: Some(
            ITEMS
                .iter()
                .map(|i| (i.name.to_owned(), "0".to_owned()))
                .collect::<BTreeMap<_, _>>(),
        ),
        needs: vec!["medicine".into()],
        needs_note: "ต้องการแพมเพิส".into(),
        notes: notes.into(),
    }
}

/// A real JPEG, as a phone would send it.
fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(120, 90, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 2) as u8, ((x + y) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// Everything the fixture made.
struct Filled {
    admin: Actor,
    area_admin: Actor,
    staff: Actor,
    op: Actor,
    op_id: i64,
    subject: i64,
    duplicate: i64,
    neighbour: i64,
    stranger: i64,
    photo: i64,
    group: i64,
}

/// A person with data in every table about persons (and mentions of them in others' records).
async fn fill(s: &Store) -> Filled {
    villages(s).await;
    let (admin_user, _) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let admin = with_sensitive(admin_user.id);
    let (_, area_admin) = user_with_role(s, "aa@example.org", Role::AreaAdmin, Some("5501")).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (op_user, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let id = subject_id();
    let t = today();
    let subject = s
        .create_person(
            &admin,
            person_form(&id, FIRST, LAST, "99/1").check(t).unwrap(),
            vec![
                CategoryForm {
                    category: "disabled".into(),
                    disability_type: "physical".into(),
                    card_number: "1234567890".into(),
                    card_expiry: "31/12/2572".into(),
                    note: "ขาขวาอ่อนแรง".into(),
                }
                .check(t)
                .unwrap(),
                CategoryForm {
                    category: "hiv".into(),
                    ..Default::default()
                }
                .check(t)
                .unwrap(),
            ],
            Some("create-subject-1"),
            &meta(),
        )
        .await
        .unwrap();
    // The same woman surveyed again by another agency, with her surname spelled otherwise.
    let duplicate = s
        .create_person(
            &admin,
            person_form("", FIRST, "ศรีสุวรรณวงค์", "99/1")
                .check(t)
                .unwrap(),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();
    let neighbour = s
        .create_person(
            &admin,
            person_form(&complete_id("355019988001"), "บุญเรือน", "ใจดี", "12")
                .check(t)
                .unwrap(),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();
    let stranger = s
        .create_person(
            &admin,
            person_form(&complete_id("355019988002"), "สมปอง", "ทองดี", "40")
                .check(t)
                .unwrap(),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();

    // Consent (one withdrawn), verification (two signatures, a dispute naming her ID).
    for (purpose, withdraw) in [
        (ConsentPurpose::Care, false),
        (ConsentPurpose::Research, true),
    ] {
        let c = s
            .give_consent(
                &admin,
                subject,
                ConsentInput {
                    purpose,
                    basis: LawfulBasis::Consent,
                    given_by: "บุตรสาว".into(),
                    given_on: t,
                },
                &meta(),
            )
            .await
            .unwrap();
        if withdraw {
            s.withdraw_consent(&admin, subject, c, t, "ไม่ประสงค์ร่วมวิจัย", &meta())
                .await
                .unwrap();
        }
    }
    for role in [
        AttestationRole::VillageHead,
        AttestationRole::HealthVolunteer,
    ] {
        s.attest(&staff, subject, role, "นายผู้ใหญ่ ดีมาก", "รู้จักดี", &meta())
            .await
            .unwrap();
    }
    s.dispute(
        &staff,
        subject,
        &format!("เลขบัตร {} ซ้ำกับอีกระเบียน", format_thai_id(&id)),
        &meta(),
    )
    .await
    .unwrap();
    // She signed the neighbour's record as the health volunteer.
    s.attest(
        &staff,
        neighbour,
        AttestationRole::HealthVolunteer,
        &format!("{FIRST} {LAST}"),
        "",
        &meta(),
    )
    .await
    .unwrap();

    // Care: assigned to the field worker, a visit (vitals, ADL, needs, notes), a photo, an
    // offline edit that became a conflict, a plan with an item.
    s.assign_person(&staff, subject, op_user.id, true, &meta())
        .await
        .unwrap();
    let vid = "7d1a4c52-0000-4a5b-8c2d-0000000000a1";
    let visit = |op_id: &str, base: Option<i32>, notes: &str| VisitSubmission {
        op_id: op_id.into(),
        client_id: vid.into(),
        person_id: subject,
        base_version: base,
        form: visit_form(notes),
    };
    s.sync_visit(&op, &visit(vid, None, "นอนติดเตียง ลูกสาวดูแล"), &meta())
        .await
        .unwrap();
    s.sync_visit(
        &staff,
        &visit("7d1a4c52-0000-4a5b-8c2d-0000000000a2", Some(1), "พยาบาลแก้"),
        &meta(),
    )
    .await
    .unwrap();
    let c = s
        .sync_visit(
            &op,
            &visit(
                "7d1a4c52-0000-4a5b-8c2d-0000000000a3",
                Some(1),
                &format!("{FIRST} {LAST} แผลกดทับ"),
            ),
            &meta(),
        )
        .await
        .unwrap();
    assert!(c.conflict_id.is_some());
    let (photo, _) = s
        .add_photo(
            &op,
            vid,
            "7d1a4c52-0000-4a5b-8c2d-0000000000b1",
            jpeg(),
            &meta(),
        )
        .await
        .unwrap();
    // The neighbour's visit mentions her by name.
    s.sync_visit(
        &op,
        &VisitSubmission {
            op_id: "7d1a4c52-0000-4a5b-8c2d-0000000000c1".into(),
            client_id: "7d1a4c52-0000-4a5b-8c2d-0000000000c1".into(),
            person_id: neighbour,
            base_version: None,
            form: VisitForm {
                adl: None,
                ..visit_form(&format!("ไปเยี่ยมพร้อมนาง{FIRST} {LAST} ข้างบ้าน"))
            },
        },
        &meta(),
    )
    .await
    .unwrap();
    let plan = PlanForm {
        visit_every_days: "7".into(),
        summary: "ติดเตียง ต้องพลิกตัวทุก 2 ชั่วโมง".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    s.save_plan(&staff, subject, None, &plan, &meta())
        .await
        .unwrap();
    s.add_plan_item(
        &staff,
        subject,
        &ItemForm {
            kind: "activity".into(),
            text: "จัดหาที่นอนลม".into(),
            due_on: "1/1/2570".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
        &meta(),
    )
    .await
    .unwrap();
    let g = s
        .create_group(
            &area_admin,
            &GroupForm {
                name: "ผู้ป่วยติดเตียงบ้านสิทธิ".into(),
                description: "ดูแลร่วมกัน".into(),
                area_code: "550101".into(),
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    s.set_group_person(&area_admin, g, subject, true, &meta())
        .await
        .unwrap();
    s.add_group_note(
        &area_admin,
        g,
        &format!("ส่งที่นอนลมให้ {FIRST} {LAST} แล้ว"),
        &meta(),
    )
    .await
    .unwrap();

    // Assistance, and an agency's roll listing her (linked by the run or by a reviewer).
    let programme = s
        .create_programme(
            &admin,
            &ProgrammeForm {
                name: "เบี้ยความพิการ จ.น่าน".into(),
                kind: "disability_allowance".into(),
                area_code: "55".into(),
                amount: "800".into(),
                period: "monthly".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    s.add_assistance(
        &staff,
        subject,
        &ReceiptForm {
            programme_id: programme.to_string(),
            since: "1/10/2567".into(),
            until: String::new(),
            source: "บัญชี ต.ค. 2567".into(),
        }
        .check()
        .unwrap(),
        &meta(),
    )
    .await
    .unwrap();
    let csv = format!(
        "เลขบัตรประชาชน,ชื่อ,นามสกุล,วันเกิด,รหัสหมู่บ้าน\n\
         {id},นาง{FIRST},{LAST},12/03/2490,55010101\n\
         {},นายใหม่,ไม่มีในทะเบียน,1/1/2500,55010101\n",
        complete_id("155990000001")
    );
    let bytes = csv.into_bytes();
    let table = read_table(&bytes, "roll.csv", 1000).unwrap();
    s.link_roll(
        &admin,
        programme,
        "roll.csv",
        &bytes,
        &table,
        Thresholds::default(),
        &meta(),
        Arc::new(|_, _, _| {}),
    )
    .await
    .unwrap();
    for r in s.review_queue(&admin, None, 50).await.unwrap() {
        s.decide(&admin, r.id, Decision::Match, &meta())
            .await
            .unwrap();
    }
    // Another agency's roll carries her ID number but did not link (another programme area).
    let other = s
        .create_programme(
            &admin,
            &ProgrammeForm {
                name: "ถุงยังชีพ อ.ท่าวังผา".into(),
                kind: "food_aid".into(),
                area_code: "5502".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    let csv = format!("เลขบัตรประชาชน,ชื่อ,นามสกุล\n{id},สมศรี,อื่น\n");
    let bytes = csv.into_bytes();
    let table = read_table(&bytes, "food.csv", 1000).unwrap();
    s.link_roll(
        &admin,
        other,
        "food.csv",
        &bytes,
        &table,
        Thresholds::default(),
        &meta(),
        Arc::new(|_, _, _| {}),
    )
    .await
    .unwrap();

    // Linkage: a pair proposed with a stranger, and her duplicate merged into her.
    s.propose_duplicate(&admin, subject, stranger, &meta())
        .await
        .unwrap();
    s.merge_persons(&admin, subject, duplicate, &meta())
        .await
        .unwrap();
    // Reads to find in the access log.
    s.person_detail(&staff, subject, &meta()).await.unwrap();
    s.search_persons(
        &op,
        &PersonQuery {
            q: FIRST.into(),
            limit: 20,
            ..Default::default()
        },
        &meta(),
    )
    .await
    .unwrap();
    Filled {
        admin,
        area_admin,
        staff,
        op,
        op_id: op_user.id,
        subject,
        duplicate,
        neighbour,
        stranger,
        photo,
        group: g,
    }
}

// ---------------------------------------------------------------------------------------------
// The schema, read from the database itself
// ---------------------------------------------------------------------------------------------

async fn texts(db: &DatabaseConnection, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter()
        .map(|r| {
            let mut out = Vec::new();
            let mut i = 0;
            while let Ok(v) = r.try_get_by_index::<Option<String>>(i) {
                out.push(v);
                i += 1;
            }
            out
        })
        .collect()
}

async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        _ => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \
             current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    texts(db, sql)
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect()
}

/// Columns of a table: (name, type as declared, part of the primary key).
async fn columns(db: &DatabaseConnection, table: &str) -> Vec<(String, String, bool)> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => format!(
            "SELECT name, lower(type), CAST(pk > 0 AS TEXT) FROM pragma_table_info('{table}')"
        ),
        _ => format!(
            "SELECT c.column_name::text, c.data_type::text, \
             CAST(EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a \
               ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
               WHERE i.indrelid = '{table}'::regclass AND i.indisprimary \
               AND a.attname = c.column_name) AS text) \
             FROM information_schema.columns c WHERE c.table_schema = current_schema() \
             AND c.table_name = '{table}' ORDER BY c.ordinal_position"
        ),
    };
    texts(db, &sql)
        .await
        .into_iter()
        .map(|r| {
            let pk = matches!(r[2].as_deref(), Some("1" | "true"));
            (r[0].clone().unwrap(), r[1].clone().unwrap(), pk)
        })
        .collect()
}

/// Foreign keys: (table, column, referenced table, referenced column).
async fn foreign_keys(db: &DatabaseConnection) -> Vec<(String, String, String, String)> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT m.name, f.\"from\", f.\"table\", f.\"to\" FROM sqlite_master m, \
             pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
        }
        _ => {
            "SELECT cl.relname::text, att.attname::text, rcl.relname::text, ratt.attname::text \
             FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_class rcl ON rcl.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = cl.relnamespace \
             JOIN pg_attribute att ON att.attrelid = c.conrelid AND att.attnum = c.conkey[1] \
             JOIN pg_attribute ratt ON ratt.attrelid = c.confrelid AND ratt.attnum = c.confkey[1] \
             WHERE c.contype = 'f' AND n.nspname = current_schema()"
        }
    };
    texts(db, sql)
        .await
        .into_iter()
        .map(|r| {
            let v: Vec<String> = r.into_iter().map(Option::unwrap).collect();
            (v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone())
        })
        .collect()
}

type Row = BTreeMap<String, Option<String>>;

/// Every row of a table, every column as text.
async fn dump(db: &DatabaseConnection, table: &str) -> Vec<Row> {
    let cols = columns(db, table).await;
    let list: Vec<String> = cols
        .iter()
        .map(|(c, _, _)| format!("CAST(\"{c}\" AS TEXT)"))
        .collect();
    texts(db, &format!("SELECT {} FROM \"{table}\"", list.join(", ")))
        .await
        .into_iter()
        .map(|r| {
            cols.iter()
                .map(|(c, _, _)| c.clone())
                .zip(r)
                .collect::<Row>()
        })
        .collect()
}

/// The tables about persons: those referring to persons by a foreign key, directly or
/// through another such table, and any with a `person_id`-like column.
async fn person_closure(db: &DatabaseConnection) -> BTreeSet<String> {
    let fks = foreign_keys(db).await;
    let mut closure = BTreeSet::from(["persons".to_owned()]);
    loop {
        let before = closure.len();
        for (t, _, r, _) in &fks {
            if closure.contains(r) {
                closure.insert(t.clone());
            }
        }
        if closure.len() == before {
            break;
        }
    }
    for t in tables(db).await {
        if columns(db, &t)
            .await
            .iter()
            .any(|(c, _, _)| c == "person_id" || c.ends_with("_person_id"))
        {
            closure.insert(t);
        }
    }
    closure
}

/// The rows of every table about persons that belong to `records`: found through the foreign
/// keys alone (a row belongs when one of its references points at a row that belongs).
async fn rows_about(db: &DatabaseConnection, records: &[i64]) -> BTreeMap<String, Vec<Row>> {
    let closure = person_closure(db).await;
    let fks = foreign_keys(db).await;
    let mut all: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for t in &closure {
        all.insert(t.clone(), dump(db, t).await);
    }
    let ids: BTreeSet<String> = records.iter().map(i64::to_string).collect();
    let mut belongs: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    belongs.insert(
        "persons".into(),
        all["persons"]
            .iter()
            .filter(|r| r["id"].as_ref().is_some_and(|i| ids.contains(i)))
            .cloned()
            .collect(),
    );
    loop {
        let mut changed = false;
        for t in &closure {
            if t == "persons" {
                continue;
            }
            let found: Vec<Row> = all[t]
                .iter()
                .filter(|row| {
                    fks.iter()
                        .filter(|(ft, ..)| ft == t)
                        .any(|(_, col, rt, rcol)| {
                            let Some(Some(v)) = row.get(col) else {
                                return false;
                            };
                            belongs
                                .get(rt)
                                .is_some_and(|rs| rs.iter().any(|r| r[rcol].as_ref() == Some(v)))
                        })
                        || row.iter().any(|(c, v)| {
                            (c == "person_id" || c.ends_with("_person_id"))
                                && v.as_ref().is_some_and(|v| ids.contains(v))
                        })
                })
                .cloned()
                .collect();
            if belongs.get(t).map_or(0, Vec::len) != found.len() {
                belongs.insert(t.clone(), found);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for t in closure {
        belongs.entry(t).or_default();
    }
    belongs
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

async fn export_holds_every_column_of_every_table_about_the_person(db: TestDb) {
    let s = &db.store;
    let f = fill(s).await;
    let export: PersonExport = s
        .export_person_data(&f.admin, f.subject, &meta())
        .await
        .unwrap();
    assert_eq!(export.format, "ruamjai.person-export.v1");
    assert_eq!(export.records, vec![f.subject, f.duplicate]);
    assert!(export.withheld.is_empty(), "{:?}", export.withheld);
    // The same document as JSON is what the API sends.
    let json = serde_json::to_value(&export).unwrap();
    assert_eq!(json["person_id"], f.subject);

    let raw = s.raw();
    let about = rows_about(raw, &export.records).await;
    assert!(about.len() >= 16, "{:?}", about.keys());
    for (table, rows) in &about {
        if let Some((_, why)) = NOT_EXPORTED.iter().find(|(t, _)| t == table) {
            eprintln!("{table} not exported: {why}");
            continue;
        }
        assert!(
            !rows.is_empty(),
            "the fixture puts nothing about the person in {table}: fill it, so the export of \
             every column is checked"
        );
        let exported = export
            .tables
            .get(table)
            .unwrap_or_else(|| panic!("{table} refers to persons but is not in the export"));
        assert_eq!(
            exported.len(),
            rows.len(),
            "{table}: the export has other rows than those about the person"
        );
        let cols = columns(raw, table).await;
        let pk: Vec<&str> = cols
            .iter()
            .filter(|(_, _, pk)| *pk)
            .map(|(c, _, _)| c.as_str())
            .collect();
        assert!(!pk.is_empty(), "{table} has no primary key");
        for row in rows {
            let found = exported
                .iter()
                .find(|e| {
                    pk.iter()
                        .all(|k| e.get(*k).and_then(json_text) == row[*k].clone())
                })
                .unwrap_or_else(|| panic!("{table}: row {row:?} is not in the export"));
            for (c, ty, _) in &cols {
                let got = found
                    .get(c)
                    .unwrap_or_else(|| panic!("{table}.{c} is not in the export"));
                let want = &row[c];
                assert_eq!(
                    got.is_null(),
                    want.is_none(),
                    "{table}.{c}: exported {got}, stored {want:?}"
                );
                let (Some(want), Some(got)) = (want, json_text(got)) else {
                    continue;
                };
                if ty.contains("timestamp") {
                    continue; // same instant, written differently by each backend
                } else if ty.contains("bool") {
                    assert_eq!(
                        matches!(want.as_str(), "1" | "true"),
                        got == "true",
                        "{table}.{c}"
                    );
                } else if ty.contains("double") || ty.contains("real") {
                    let (a, b): (f64, f64) = (want.parse().unwrap(), got.parse().unwrap());
                    assert!((a - b).abs() < 1e-9, "{table}.{c}: {a} != {b}");
                } else {
                    assert_eq!(&got, want, "{table}.{c}");
                }
            }
        }
    }
    // The rows a person's rows point at come along (their household, groups, programmes).
    for t in ["households", "issue_groups", "programmes"] {
        assert!(!export.tables[t].is_empty(), "{t}");
    }
    // Who accessed her is part of it (the administrator may read the audit log).
    assert!(
        export
            .accesses
            .iter()
            .any(|a| a.action == "person.view" && !a.listed)
    );
}

async fn rectification_shows_in_the_export(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let t = today();
    let id = s
        .create_person(
            &staff,
            person_form(&subject_id(), FIRST, LAST, "99/1")
                .check(t)
                .unwrap(),
            vec![],
            None,
            &meta(),
        )
        .await
        .unwrap();
    // She asks for her surname and phone to be corrected.
    let mut form = person_form(&subject_id(), FIRST, "ศรีสุวรรณ", "99/1");
    form.phone = "0899999999".into();
    s.update_person(&staff, id, 1, form.check(t).unwrap(), &meta())
        .await
        .unwrap();
    let e = s.export_person_data(&staff, id, &meta()).await.unwrap();
    let p = &e.tables["persons"][0];
    assert_eq!(p["last_name"], "ศรีสุวรรณ");
    assert_eq!(p["phone"], "0899999999");
    assert_eq!(p["version"], 2);
    // Staff may export but not read the audit log: the access list is withheld, and said so.
    assert!(e.accesses.is_empty());
    assert_eq!(e.withheld.len(), 1);
    assert_eq!(e.withheld[0].reason, "audit");
}

/// Every table of the database, every column as text, in one string per table.
async fn everything(db: &DatabaseConnection) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for t in tables(db).await {
        let mut text = String::new();
        for row in dump(db, &t).await {
            for v in row.values().flatten() {
                text.push_str(v);
                text.push('\u{1f}');
            }
        }
        out.insert(t, text);
    }
    out
}

fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The SQLite file and its WAL, as bytes.
fn sqlite_bytes(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(std::path::PathBuf::from(wal)) {
        bytes.extend(w);
    }
    bytes
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> Option<String> {
    texts(db, sql).await.first().and_then(|r| r[0].clone())
}

async fn erasure_leaves_no_name_id_or_photo_anywhere(db: TestDb) {
    let s = &db.store;
    let f = fill(s).await;
    let raw = s.raw();
    let id = subject_id();
    let dashed = format_thai_id(&id);
    let stored_photo = s.photo(&f.admin, f.photo, &meta()).await.unwrap();
    let photo_hash = hex::encode(Sha256::digest(&stored_photo));
    let photo_window = &stored_photo[stored_photo.len() / 2..stored_photo.len() / 2 + 64];
    let files_before = files_under(&db.files_dir());
    assert_eq!(files_before.len(), 1, "{files_before:?}");
    let total = |db: &DatabaseConnection| {
        let db = db.clone();
        async move {
            scalar(
                &db,
                "SELECT CAST(n AS TEXT) FROM area_counts WHERE area_code = '55010101' \
                 AND category = 'total'",
            )
            .await
        }
    };
    assert_eq!(total(raw).await.as_deref(), Some("3"));
    // The planner's statistics sample values (PostgreSQL), and the file holds the name
    // (SQLite): both are looked at again after the erasure.
    match raw.get_database_backend() {
        DbBackend::Postgres => {
            raw.execute_unprepared("ANALYZE").await.unwrap();
        }
        _ => {
            raw.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .unwrap();
            let before = sqlite_bytes(db.sqlite_path().unwrap());
            assert!(contains_bytes(&before, FIRST.as_bytes()));
            assert!(contains_bytes(&before, id.as_bytes()));
        }
    }

    // Only an area administrator (or administrator), and with a reason.
    assert!(matches!(
        s.erase_person(&f.staff, f.subject, "คำขอ", &meta()).await,
        Err(StoreError::Forbidden)
    ));
    match s
        .erase_person(&f.area_admin, f.subject, "  ", &meta())
        .await
    {
        Err(StoreError::Invalid(i)) => assert_eq!(i.0[0].field, "reason"),
        other => panic!("{other:?}"),
    }
    // A record merged into another is erased with it, not alone.
    match s
        .erase_person(&f.area_admin, f.duplicate, "คำขอ", &meta())
        .await
    {
        Err(StoreError::Invalid(i)) => assert_eq!(i.0[0].code, "erase_merged_record"),
        other => panic!("{other:?}"),
    }
    let e = s
        .erase_person(
            &f.area_admin,
            f.subject,
            &format!("คำขอของ{FIRST} {LAST} บัตร {dashed} ตามมาตรา 33"),
            &meta(),
        )
        .await
        .unwrap();
    assert!(is_pseudonym(&e.pseudonym), "{}", e.pseudonym);
    assert_eq!((e.records, e.visits, e.photos), (2, 1, 1));
    assert!(e.scrubbed >= 3, "{e:?}");

    // Gone from reads, searches, exports.
    for id in [f.subject, f.duplicate] {
        assert!(matches!(
            s.person_detail(&f.admin, id, &meta()).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.export_person_data(&f.admin, id, &meta()).await,
            Err(StoreError::NotFound)
        ));
    }
    let found = s
        .search_persons(
            &f.admin,
            &PersonQuery {
                q: FIRST.into(),
                include_inactive: true,
                limit: 20,
                ..Default::default()
            },
            &meta(),
        )
        .await
        .unwrap();
    assert_eq!(found.total, 0);
    // Counted no more, in step with a full recount.
    assert_eq!(total(raw).await.as_deref(), Some("2"));
    s.refresh_counts().await.unwrap();
    assert_eq!(total(raw).await.as_deref(), Some("2"));

    // No table holds her name, ID number (either way written) or anything of the photo.
    let pieces = [
        FIRST,
        LAST,
        id.as_str(),
        dashed.as_str(),
        photo_hash.as_str(),
    ];
    for (table, text) in everything(raw).await {
        for p in pieces {
            assert!(!text.contains(p), "{table} still holds {p:?}");
        }
    }
    // Mentions of her in others' records now carry the pseudonym.
    let notes = scalar(
        raw,
        &format!("SELECT notes FROM visits WHERE person_id = {}", f.neighbour),
    )
    .await
    .unwrap();
    assert!(notes.contains(&e.pseudonym), "{notes}");
    // Her household (she lived alone) is gone; the neighbour's stays.
    assert_eq!(
        scalar(
            raw,
            "SELECT CAST(COUNT(*) AS TEXT) FROM households WHERE house_number = '99/1'"
        )
        .await
        .as_deref(),
        Some("0")
    );
    assert!(
        s.person_detail(&f.admin, f.neighbour, &meta())
            .await
            .unwrap()
            .household
            .is_some()
    );
    // The erasure is in the audit log under the pseudonym, its reason without her name.
    let log = s.list_audit(&f.admin, None, 50).await.unwrap();
    let erased = log.iter().find(|a| a.action == "person.erase").unwrap();
    assert_eq!(erased.entity_id, Some(f.subject.to_string()));
    let detail = erased.detail.clone().unwrap();
    assert!(
        detail.contains(&e.pseudonym) && detail.contains("มาตรา 33"),
        "{detail}"
    );

    // The planner's statistics hold none of it either (PostgreSQL).
    if raw.get_database_backend() == DbBackend::Postgres {
        let stats = texts(
            raw,
            "SELECT most_common_vals::text, histogram_bounds::text FROM pg_stats \
             WHERE schemaname = current_schema()",
        )
        .await;
        let stats: String = stats.into_iter().flatten().flatten().collect();
        assert!(
            stats.contains("บุญเรือน"),
            "the statistics sample names at all"
        );
        for p in pieces {
            assert!(!stats.contains(p), "pg_stats still holds {p:?}");
        }
    }
    // The photo file is gone, and no file holds its bytes.
    let files_after = files_under(&db.files_dir());
    assert!(
        files_after.iter().all(|p| !files_before.contains(p)),
        "{files_after:?}"
    );
    for p in files_after {
        assert!(!contains_bytes(&std::fs::read(&p).unwrap(), photo_window));
    }
    // The SQLite file and its write-ahead log no longer hold her bytes.
    if let Some(path) = db.sqlite_path() {
        let bytes = sqlite_bytes(path);
        for p in [FIRST, LAST, id.as_str(), dashed.as_str()] {
            assert!(
                !contains_bytes(&bytes, p.as_bytes()),
                "the file holds {p:?}"
            );
        }
        assert!(!contains_bytes(&bytes, photo_window));
        // Others' data is still there: the check reads the real file.
        assert!(contains_bytes(&bytes, "บุญเรือน".as_bytes()));
    }
    // The others are untouched.
    s.person_detail(&f.admin, f.stranger, &meta())
        .await
        .unwrap();
    let _ = f.op_id;
}

async fn erasure_and_export_follow_the_roles(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let (_, far_admin) = user_with_role(s, "far@example.org", Role::AreaAdmin, Some("5502")).await;
    let t = today();
    // The sensitive category is stored by someone holding that permission (the command line).
    let id = s
        .create_person(
            &Actor::command_line(),
            person_form(&subject_id(), FIRST, LAST, "99/1")
                .check(t)
                .unwrap(),
            vec![
                CategoryForm {
                    category: "ex_prisoner".into(),
                    ..Default::default()
                }
                .check(t)
                .unwrap(),
            ],
            None,
            &meta(),
        )
        .await
        .unwrap();
    // The field worker sees her but does not hand out her whole file.
    s.person_detail(&op, id, &meta()).await.unwrap();
    assert!(matches!(
        s.export_person_data(&op, id, &meta()).await,
        Err(StoreError::Forbidden)
    ));
    // Another district's administrator does not even know she exists.
    for r in [
        s.export_person_data(&far_admin, id, &meta()).await.err(),
        s.erase_person(&far_admin, id, "x", &meta()).await.err(),
        s.person_access_log(&far_admin, id, 10, &meta()).await.err(),
    ] {
        assert!(matches!(r, Some(StoreError::NotFound)), "{r:?}");
    }
    // Staff export; the sensitive category is withheld from them, and said so.
    let e = s.export_person_data(&staff, id, &meta()).await.unwrap();
    assert!(e.tables["person_categories"].is_empty());
    assert!(
        e.withheld
            .iter()
            .any(|w| w.table == "person_categories" && w.rows == 1 && w.reason == "sensitive")
    );
    // The export and its refusal are audited.
    let log = s.list_audit(&admin, None, 5).await.unwrap();
    assert!(log.iter().any(|a| a.action == "person.data_export"));
    // Staff may not erase; the national administrator may.
    assert!(matches!(
        s.erase_person(&staff, id, "คำขอ", &meta()).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        s.person_access_log(&staff, id, 10, &meta()).await,
        Err(StoreError::Forbidden)
    ));
    s.erase_person(&admin, id, "คำขอของเจ้าของข้อมูล", &meta())
        .await
        .unwrap();
    assert!(matches!(
        s.erase_person(&admin, id, "again", &meta()).await,
        Err(StoreError::NotFound)
    ));
}

async fn the_access_log_lists_who_read_the_person(db: TestDb) {
    let s = &db.store;
    let f = fill(s).await;
    let log = s
        .person_access_log(&f.area_admin, f.subject, 500, &meta())
        .await
        .unwrap();
    let has =
        |action: &str, listed: bool| log.iter().any(|a| a.action == action && a.listed == listed);
    // The record itself: created, read, visited, photographed, merged, exported…
    for action in [
        "person.create",
        "person.view",
        "visit.record",
        "photo.upload",
        "consent.give",
        "verification.attest",
        "person.merge",
        "care_plan.change",
        "assistance.add",
    ] {
        assert!(has(action, false), "{action} missing: {log:#?}");
    }
    // …and the lists that showed her: the field worker's search.
    let search = log
        .iter()
        .find(|a| a.action == "person.search")
        .expect("the search that listed her");
    assert!(search.listed);
    assert_eq!(search.actor_user_id, Some(f.op_id));
    assert_eq!(search.actor_name.as_deref(), Some("op"));
    assert_eq!(search.request_id.as_deref(), Some("req-privacy"));
    assert_eq!(search.ip.as_deref(), Some("192.0.2.7"));
    // A search that did not list her is not there: the stranger's read is not hers either.
    s.person_detail(&f.staff, f.stranger, &meta())
        .await
        .unwrap();
    let again = s
        .person_access_log(&f.area_admin, f.subject, 500, &meta())
        .await
        .unwrap();
    assert!(
        again
            .iter()
            .all(|a| a.entity_id.as_deref() != Some(&f.stranger.to_string())
                || a.entity.as_deref() != Some("person"))
    );
    // Reading the list is itself audited, and shows in the next reading.
    assert_eq!(again[0].action, "person.access_view");
    // Lists that showed her without naming her entity: the village's review list, her issue
    // group's page, a CSV export of her district; not an export of another district.
    s.village_review(&f.staff, &code("55010101"), &meta())
        .await
        .unwrap();
    s.group(&f.area_admin, f.group, &meta()).await.unwrap();
    let (_, far) = user_with_role(s, "far@example.org", Role::Staff, Some("5502")).await;
    for (who, area) in [(&f.staff, "5501"), (&far, "5502")] {
        s.export_persons(
            who,
            &PersonQuery {
                area: Some(code(area)),
                ..Default::default()
            },
            &meta(),
            |_| Ok(()),
        )
        .await
        .unwrap();
    }
    let third = s
        .person_access_log(&f.area_admin, f.subject, 500, &meta())
        .await
        .unwrap();
    let newer: Vec<(&str, bool, Option<&str>)> = third
        .iter()
        .take_while(|a| a.id > again[0].id)
        .map(|a| (a.action.as_str(), a.listed, a.entity.as_deref()))
        .collect();
    assert_eq!(
        newer,
        vec![
            ("person.export", true, None),
            ("group.view", true, Some("issue_group")),
            ("person.search", true, None),
            ("person.access_view", false, Some("person")),
        ],
        "{third:#?}"
    );
    // Newest first.
    assert!(again.windows(2).all(|w| w[0].id > w[1].id));
    // The evacuation list of a zone around her home and the map's persons layer showed her;
    // the map of another district did not.
    let zone = s
        .create_zone(
            &f.staff,
            &ruamjai_domain::hazards::ZoneForm {
                name: "น้ำท่วม".into(),
                kind: "flood".into(),
                area_code: "55010101".into(),
                ..Default::default()
            },
            r#"{"type":"Polygon","coordinates":[[[100.77,18.78],[100.78,18.78],[100.78,18.79],[100.77,18.79],[100.77,18.78]]]}"#,
            None,
            &meta(),
        )
        .await
        .unwrap()
        .unwrap();
    let list = s.evacuation(&f.staff, zone, &meta()).await.unwrap();
    assert!(list.evacuees.iter().any(|e| e.person_id == f.subject));
    let map = s
        .vulnerable_on_map(&f.staff, Some(&code("5501")), 1000, &meta())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(map.iter().any(|e| e.person_id == f.subject));
    s.vulnerable_on_map(&far, None, 1000, &meta())
        .await
        .unwrap();
    let fourth = s
        .person_access_log(&f.area_admin, f.subject, 500, &meta())
        .await
        .unwrap();
    let newer: Vec<(&str, bool, Option<&str>)> = fourth
        .iter()
        .take_while(|a| a.id > third[0].id)
        .map(|a| (a.action.as_str(), a.listed, a.entity.as_deref()))
        .collect();
    assert_eq!(
        newer,
        vec![
            ("person.search", true, None),
            ("hazard.evacuation_list", true, Some("hazard_zone")),
            ("person.access_view", false, Some("person")),
        ],
        "{fourth:#?}"
    );
    let _ = (&f.op, f.duplicate, f.neighbour, f.photo, &f.admin);
}

async fn retention_erases_long_gone_persons_and_empties_old_rolls(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let t = today();
    let mut ids = Vec::new();
    for (n, status, date) in [
        (1, "deceased", "1/1/2560"), // 2017: past five years
        (2, "moved", "1/1/2568"),    // 2025: still kept
        (3, "active", ""),
        (4, "deceased", "1/1/2569"), // 2026: still kept
    ] {
        let mut p = person_form(
            &complete_id(&format!("35501998800{n}")),
            &format!("ผู้เก็บ{n}"),
            "ทดสอบเก็บรักษา",
            &format!("{n}"),
        );
        p.status = status.into();
        p.status_date = date.into();
        ids.push(
            s.create_person(&admin, p.check(t).unwrap(), vec![], None, &meta())
                .await
                .unwrap(),
        );
    }
    // A roll linked long ago: its run finished seven years back.
    let programme = s
        .create_programme(
            &admin,
            &ProgrammeForm {
                name: "เบี้ยยังชีพ".into(),
                kind: "elderly_allowance".into(),
                area_code: "55".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
            &meta(),
        )
        .await
        .unwrap();
    let csv = format!(
        "เลขบัตรประชาชน,ชื่อ,นามสกุล\n{},คนนอก,ในบัญชีเก่า\n",
        complete_id("155990000077")
    );
    let bytes = csv.into_bytes();
    let table = read_table(&bytes, "old.csv", 100).unwrap();
    s.link_roll(
        &admin,
        programme,
        "old.csv",
        &bytes,
        &table,
        Thresholds::default(),
        &meta(),
        Arc::new(|_, _, _| {}),
    )
    .await
    .unwrap();
    let raw = s.raw();
    let old = (chrono::Utc::now() - chrono::Duration::days(7 * 366)).to_rfc3339();
    raw.execute_raw(Statement::from_sql_and_values(
        raw.get_database_backend(),
        match raw.get_database_backend() {
            DbBackend::Postgres => "UPDATE link_runs SET finished_at = $1::timestamptz",
            _ => "UPDATE link_runs SET finished_at = ?",
        },
        [chrono::DateTime::parse_from_rfc3339(&old)
            .unwrap()
            .with_timezone(&chrono::Utc)
            .into()],
    ))
    .await
    .unwrap();

    let rules = RetentionRules::default();
    let dry = s.apply_retention(rules, true, &meta()).await.unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.persons, vec![ids[0]]);
    assert_eq!(dry.roll_rows, 1);
    assert!(dry.pseudonyms.is_empty());
    s.person_detail(&admin, ids[0], &meta()).await.unwrap();

    let done = s.apply_retention(rules, false, &meta()).await.unwrap();
    assert_eq!(done.persons, vec![ids[0]]);
    assert_eq!(done.pseudonyms.len(), 1);
    assert_eq!(done.roll_rows, 1);
    assert!(matches!(
        s.person_detail(&admin, ids[0], &meta()).await,
        Err(StoreError::NotFound)
    ));
    for id in &ids[1..] {
        s.person_detail(&admin, *id, &meta()).await.unwrap();
    }
    let rolls = everything(raw).await["roll_records"].clone();
    assert!(!rolls.contains("คนนอก"), "{rolls}");
    // Nothing more to do the second time; a rule set to 0 is off.
    let again = s.apply_retention(rules, false, &meta()).await.unwrap();
    assert!(again.persons.is_empty() && again.roll_rows == 0);
    let off = RetentionRules {
        inactive_person_years: 0,
        roll_years: 0,
    };
    assert!(
        s.apply_retention(off, true, &meta())
            .await
            .unwrap()
            .persons
            .is_empty()
    );
    // Audited as the system.
    let log = s.list_audit(&admin, None, 3).await.unwrap();
    assert_eq!(log[0].action, "privacy.retention");
    // The daily run happens once a day, whichever process asks.
    assert!(s.retention_upkeep(rules).await.unwrap().is_some());
    assert!(s.retention_upkeep(rules).await.unwrap().is_none());
}
