use ruamjai_domain::assistance::{ProgrammeForm, ReceiptForm};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::care::plan::PlanForm;
use ruamjai_domain::linkage::{Decision, ReviewStatus, RollStatus, RunKind, Thresholds};
use ruamjai_domain::registry::{
    CategoryForm, ConsentPurpose, LawfulBasis, PersonForm, PersonStatus,
};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::linkage::Progress;
use ruamjai_store::registry::{ConsentInput, today};
use ruamjai_store::tabular::read_table;
use ruamjai_store::testing::{code, user_with_role};
use ruamjai_store::{Store, StoreError};
use std::sync::Arc;

use crate::{TestDb, both};

both!(
    merge_then_undo_restores_both_records_and_their_links_exactly,
    the_review_queue_respects_area_scope,
    a_roll_links_sure_matches_queues_likely_ones_and_runs_once,
);

fn meta() -> RequestMeta {
    RequestMeta::default()
}

fn quiet() -> Progress {
    Arc::new(|_, _, _| {})
}

async fn villages(s: &Store) {
    for (sub, no) in [("550101", 1), ("550101", 2), ("550202", 1)] {
        s.create_village(
            &Actor::command_line(),
            &code(sub),
            NewVillage {
                village_no: no,
                name_th: format!("บ้านทดสอบ {sub} {no}"),
                name_en: String::new(),
            },
            &meta(),
        )
        .await
        .unwrap();
    }
}

struct P<'a> {
    id: &'a str,
    first: &'a str,
    last: &'a str,
    birth: &'a str,
    village: &'a str,
    house: &'a str,
    cats: &'a [&'a str],
}

async fn person(s: &Store, actor: &Actor, p: P<'_>) -> i64 {
    let cats = p
        .cats
        .iter()
        .map(|c| {
            CategoryForm {
                category: (*c).into(),
                disability_type: if *c == "disabled" {
                    "physical".into()
                } else {
                    String::new()
                },
                ..Default::default()
            }
            .check(today())
            .unwrap()
        })
        .collect();
    s.create_person(
        actor,
        PersonForm {
            id_number: p.id.into(),
            first_name: p.first.into(),
            last_name: p.last.into(),
            birth_date: p.birth.into(),
            village_code: p.village.into(),
            house_number: p.house.into(),
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

/// Everything a person's pages show, with what a merge and its undo may change on their own
/// (version and time of the last change) left out.
async fn snapshot(s: &Store, actor: &Actor, id: i64) -> String {
    let mut d = s.person_detail(actor, id, &meta()).await.unwrap();
    d.person.version = 0;
    d.person.updated_at = d.person.created_at;
    let a = s.assistance_of(actor, id, &meta()).await.unwrap();
    let who = s.assignees(actor, id).await.unwrap();
    let plan = s.care_plan(actor, id, &meta()).await.unwrap();
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        d.person, d.consents, d.household, a, who, plan
    )
}

async fn counts(s: &Store, actor: &Actor, village: &str) -> String {
    format!(
        "{:?}",
        s.dashboard(actor, Some(&code(village)))
            .await
            .unwrap()
            .totals
    )
}

async fn merge_then_undo_restores_both_records_and_their_links_exactly(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (op_user, _) = user_with_role(s, "op@example.org", Role::Operator, Some("55010101")).await;
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    // One woman, registered twice: once by the health volunteers with her ID, once from the
    // disability survey without it, with another spelling and her disability.
    let a = person(
        s,
        &admin,
        P {
            id: "1101700203450",
            first: "คำปัน",
            last: "ใจดี",
            birth: "12/3/2478",
            village: "55010101",
            house: "12",
            cats: &["bedridden"],
        },
    )
    .await;
    let b = person(
        s,
        &admin,
        P {
            id: "",
            first: "คำปั่น",
            last: "ใจดี",
            birth: "2478",
            village: "55010101",
            house: "12",
            cats: &["disabled", "bedridden"],
        },
    )
    .await;
    let nan = s
        .create_programme(&admin, &programme("เบี้ยยังชีพ จ.น่าน", "55"), &meta())
        .await
        .unwrap();
    let receipt = |since: &str| {
        ReceiptForm {
            programme_id: nan.to_string(),
            since: since.into(),
            until: String::new(),
            source: "บัญชี อบต.".into(),
        }
        .check()
        .unwrap()
    };
    s.add_assistance(&admin, a, &receipt("1/10/2567"), &meta())
        .await
        .unwrap();
    s.add_assistance(&admin, b, &receipt("1/10/2568"), &meta())
        .await
        .unwrap();
    s.give_consent(
        &admin,
        b,
        ConsentInput {
            purpose: ConsentPurpose::Care,
            basis: LawfulBasis::Consent,
            given_by: "ลูกสาว".into(),
            given_on: today(),
        },
        &meta(),
    )
    .await
    .unwrap();
    s.assign_person(&admin, b, op_user.id, true, &meta())
        .await
        .unwrap();
    s.save_plan(
        &admin,
        b,
        None,
        &PlanForm {
            visit_every_days: "14".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
        &meta(),
    )
    .await
    .unwrap();
    let before = (
        snapshot(s, &admin, a).await,
        snapshot(s, &admin, b).await,
        counts(s, &admin, "55010101").await,
    );

    // Outside the caller's area the persons do not exist.
    assert!(matches!(
        s.merge_persons(&other, a, b, &meta()).await,
        Err(StoreError::NotFound)
    ));
    let merge = s.merge_persons(&admin, a, b, &meta()).await.unwrap();
    let kept = s.person_detail(&admin, a, &meta()).await.unwrap();
    let gone = s.person_detail(&admin, b, &meta()).await.unwrap();
    assert_eq!(gone.person.status, PersonStatus::Merged);
    // The survivor carries both receipts, the consent, the plan, the assignment and the
    // disability; the shared category stays where it was.
    assert_eq!(s.assistance_of(&admin, a, &meta()).await.unwrap().len(), 2);
    assert!(
        s.assistance_of(&admin, b, &meta())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(kept.consents.len(), 1);
    assert_eq!(
        s.assignees(&admin, a).await.unwrap().len(),
        1,
        "the field worker's assignment follows the person"
    );
    let cats: Vec<&str> = kept
        .person
        .categories
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    assert!(cats.contains(&"disabled") && cats.contains(&"bedridden"));
    // Counted once now.
    assert_ne!(counts(s, &admin, "55010101").await, before.2);
    // The merged record is read-only and both sides name the merge.
    assert_eq!(s.merges_of(&admin, a).await.unwrap()[0].id, merge);
    assert_eq!(s.merges_of(&admin, b).await.unwrap()[0].survivor_id, a);
    match s.merge_persons(&admin, a, b, &meta()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].code, "person_merged"),
        other => panic!("merging a merged record: {other:?}"),
    }
    assert!(matches!(
        s.undo_merge(&other, merge, &meta()).await,
        Err(StoreError::NotFound)
    ));

    s.undo_merge(&admin, merge, &meta()).await.unwrap();
    let after = (
        snapshot(s, &admin, a).await,
        snapshot(s, &admin, b).await,
        counts(s, &admin, "55010101").await,
    );
    assert_eq!(after.0, before.0, "the survivor is as it was");
    assert_eq!(after.1, before.1, "the merged record is as it was");
    assert_eq!(after.2, before.2, "the counts are as they were");
    assert!(s.merges_of(&admin, a).await.unwrap().is_empty());
    match s.undo_merge(&admin, merge, &meta()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].code, "merge_already_undone"),
        other => panic!("undoing twice: {other:?}"),
    }
    // Both audited, on both persons.
    let log = s.list_audit(&admin, None, 500).await.unwrap();
    for action in ["person.merge", "person.unmerge"] {
        assert_eq!(
            log.iter().filter(|e| e.action == action).count(),
            2,
            "{action}"
        );
    }
}

async fn the_review_queue_respects_area_scope(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, staff) = user_with_role(s, "staff@example.org", Role::Staff, Some("5501")).await;
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("5501")).await;
    let mk = async |first: &str, village: &str| {
        person(
            s,
            &admin,
            P {
                id: "",
                first,
                last: "ทองดี",
                birth: "2490",
                village,
                house: "1",
                cats: &[],
            },
        )
        .await
    };
    let (a1, a2) = (mk("บุญมา", "55010101").await, mk("บุญมา", "55010102").await);
    let (b1, b2) = (mk("แสง", "55020201").await, mk("แสง", "55020201").await);
    let ours = s.propose_duplicate(&admin, a1, a2, &meta()).await.unwrap();
    let theirs = s.propose_duplicate(&admin, b1, b2, &meta()).await.unwrap();
    let across = s.propose_duplicate(&admin, a1, b1, &meta()).await.unwrap();
    let ids = |q: Vec<ruamjai_store::linkage::ReviewSummary>| -> Vec<i64> {
        q.iter().map(|r| r.id).collect()
    };
    assert_eq!(
        ids(s.review_queue(&staff, None, 50).await.unwrap()),
        vec![ours]
    );
    assert_eq!(
        ids(s.review_queue(&other, None, 50).await.unwrap()),
        vec![theirs]
    );
    assert_eq!(s.review_queue(&admin, None, 50).await.unwrap().len(), 3);
    assert!(s.review_queue(&op, None, 50).await.unwrap().is_empty());
    // Outside the scope (one side is enough) a pair does not exist.
    for (who, id) in [
        (&staff, theirs),
        (&staff, across),
        (&other, ours),
        (&op, ours),
    ] {
        assert!(matches!(
            s.review_item(who, id, &meta()).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.decide(who, id, Decision::Match, &meta()).await,
            Err(StoreError::NotFound)
        ));
    }
    // Outside someone's scope nobody can be proposed either.
    assert!(matches!(
        s.propose_duplicate(&staff, a1, b2, &meta()).await,
        Err(StoreError::Invalid(_))
    ));
    let d = s.review_item(&staff, ours, &meta()).await.unwrap();
    assert_eq!(d.left.person_id, Some(a1));
    assert_eq!(d.right.person_id, Some(a2));
    assert!(!d.explain.is_empty());

    // Skip keeps it (after the open ones); a match merges; a decided pair is not decided again.
    s.decide(&staff, ours, Decision::Skip, &meta())
        .await
        .unwrap();
    let q = s.review_queue(&staff, None, 50).await.unwrap();
    assert_eq!(q[0].status, ReviewStatus::Skipped);
    let merge = s
        .decide(&staff, ours, Decision::Match, &meta())
        .await
        .unwrap()
        .expect("a match of two persons merges them");
    assert!(s.review_queue(&staff, None, 50).await.unwrap().is_empty());
    match s.decide(&staff, ours, Decision::NotMatch, &meta()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].code, "already_decided"),
        other => panic!("{other:?}"),
    }
    // Undoing the merge puts the pair back in the queue.
    s.undo_merge(&staff, merge, &meta()).await.unwrap();
    assert_eq!(
        ids(s.review_queue(&staff, None, 50).await.unwrap()),
        vec![ours]
    );
    // "Not a match" is remembered: the pair is never proposed again.
    s.decide(&other, theirs, Decision::NotMatch, &meta())
        .await
        .unwrap();
    match s.propose_duplicate(&admin, b2, b1, &meta()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].code, "pair_already_queued"),
        other => panic!("{other:?}"),
    }
    let run = s
        .link_registry(
            &admin,
            &code("5502"),
            Thresholds::new(0.99, 0.01).unwrap(),
            &meta(),
            quiet(),
        )
        .await
        .unwrap();
    assert_eq!((run.kind, run.applied, run.queued), (RunKind::Dedup, 0, 0));
}

async fn a_roll_links_sure_matches_queues_likely_ones_and_runs_once(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, other) = user_with_role(s, "other@example.org", Role::Staff, Some("5502")).await;
    // A village of 40 persons, each with an ID.
    let firsts = [
        "สมชาย",
        "สมศรี",
        "บุญมา",
        "คำปัน",
        "แก้ว",
        "ทองคำ",
        "จันทร์",
        "ศรีนวล",
        "มานพ",
        "ประยูร",
        "สุดา",
        "วันดี",
        "อำนวย",
        "บัวผัน",
        "เสาร์",
        "อินทร์",
        "ปัน",
        "คำแสน",
        "จำปี",
        "ดวงใจ",
    ];
    let lasts = ["ใจดี", "ทองมา", "แสนคำ", "อินต๊ะ"];
    let mut ids = Vec::new();
    for (k, first) in firsts.iter().enumerate() {
        for (l, last) in lasts.iter().take(2).enumerate() {
            let n = k * 2 + l;
            let id = national_id(&format!("3550100{n:05}"));
            let pid = person(
                s,
                &admin,
                P {
                    id: &id,
                    first,
                    last,
                    birth: &format!("{}/{}/24{}", 1 + n % 27, 1 + n % 12, 70 + n % 20),
                    village: if n % 2 == 0 { "55010101" } else { "55010102" },
                    house: &format!("{}", 1 + n),
                    cats: &[],
                },
            )
            .await;
            ids.push((pid, id, first, last, n));
        }
    }
    let nan = s
        .create_programme(&admin, &programme("เบี้ยยังชีพ จ.น่าน", "55"), &meta())
        .await
        .unwrap();
    // The allowance roll: 30 of them as the registry has them (prefix glued, Buddhist-era
    // date), and five strangers.
    let mut csv = String::from("เลขบัตรประชาชน,ชื่อ,นามสกุล,วันเกิด,รหัสหมู่บ้าน\n");
    for (_, id, first, last, n) in ids.iter().take(30) {
        csv.push_str(&format!(
            "{id},นาง{first},{last},{}/{}/24{},{}\n",
            1 + n % 27,
            1 + n % 12,
            70 + n % 20,
            if n % 2 == 0 { "55010101" } else { "55010102" },
        ));
    }
    for k in 0..5 {
        csv.push_str(&format!(
            "{},นายใหม่{k},ไม่มีในทะเบียน,1/1/2500,55010101\n",
            national_id(&format!("1559900{k:05}"))
        ));
    }
    let bytes = csv.into_bytes();
    let table = read_table(&bytes, "roll.csv", 1000).unwrap();
    assert!(matches!(
        s.link_roll(
            &other,
            nan,
            "roll.csv",
            &bytes,
            &table,
            Thresholds::default(),
            &meta(),
            quiet()
        )
        .await,
        Err(StoreError::Forbidden)
    ));
    let r = s
        .link_roll(
            &admin,
            nan,
            "roll.csv",
            &bytes,
            &table,
            Thresholds::default(),
            &meta(),
            quiet(),
        )
        .await
        .unwrap();
    assert_eq!(r.records, 35);
    assert_eq!(r.applied + r.queued + r.unmatched, 35);
    assert!(r.applied >= 25, "{r:?}");
    assert!(r.unmatched >= 5, "{r:?}");
    // The linked persons receive the programme, with the roll as the source.
    let got = s.assistance_of(&admin, ids[0].0, &meta()).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].source.as_deref(), Some("roll.csv"));
    assert!(
        s.assistance_of(&admin, ids[39].0, &meta())
            .await
            .unwrap()
            .is_empty()
    );
    // The rows on the roll but not in the registry are listed, in file order: the strangers.
    let unmatched = s
        .roll_rows(&admin, r.run_id, Some(RollStatus::Unmatched), 100, &meta())
        .await
        .unwrap();
    assert_eq!(unmatched.total, r.unmatched);
    let names: Vec<&str> = unmatched.rows.iter().map(|x| x.name.as_str()).collect();
    for k in 0..5 {
        assert!(
            names.iter().any(|n| n.contains(&format!("ใหม่{k}"))),
            "{names:?}"
        );
    }
    assert!(unmatched.rows.iter().all(|x| x.person_id.is_none()));
    assert!(unmatched.rows.windows(2).all(|w| w[0].line < w[1].line));
    let all = s
        .roll_rows(&admin, r.run_id, None, 100, &meta())
        .await
        .unwrap();
    assert_eq!(all.total, 35);
    // Line 2 is the first person as the registry has them (ID and all): linked to them.
    let first = all.rows.iter().find(|x| x.line == 2).unwrap();
    assert_eq!(
        (first.status, first.person_id),
        (RollStatus::Linked, Some(ids[0].0))
    );
    // Another district's staff see the run but none of these villages' rows; someone who
    // may not link records does not find it at all.
    let theirs = s
        .roll_rows(&other, r.run_id, None, 100, &meta())
        .await
        .unwrap();
    assert_eq!((theirs.total, theirs.rows.len()), (0, 0));
    let (_, op) = user_with_role(s, "op@example.org", Role::Operator, Some("5501")).await;
    assert!(matches!(
        s.roll_rows(&op, r.run_id, None, 100, &meta()).await,
        Err(StoreError::NotFound)
    ));
    // The same file again changes nothing.
    let again = s
        .link_roll(
            &admin,
            nan,
            "roll.csv",
            &bytes,
            &table,
            Thresholds::default(),
            &meta(),
            quiet(),
        )
        .await
        .unwrap();
    assert!(again.already);
    assert_eq!(again.run_id, r.run_id);
    assert_eq!(
        s.assistance_of(&admin, ids[0].0, &meta())
            .await
            .unwrap()
            .len(),
        1
    );
    // A file without a name or ID column names the problem.
    let bad = b"x,y\n1,2\n".to_vec();
    let t = read_table(&bad, "bad.csv", 10).unwrap();
    match s
        .link_roll(
            &admin,
            nan,
            "bad.csv",
            &bad,
            &t,
            Thresholds::default(),
            &meta(),
            quiet(),
        )
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert_eq!((e.0[0].field, e.0[0].code), ("file", "roll_no_name_column"))
        }
        other => panic!("{other:?}"),
    }
}

/// A valid Thai national ID from its first 12 digits (mod-11 check digit).
fn national_id(first12: &str) -> String {
    let sum: u32 = first12
        .chars()
        .zip((2..=13).rev())
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{first12}{}", (11 - sum % 11) % 10)
}
