//! Care in the demo: eight weeks of home visits to the bedridden and home-bound of Nai Wiang
//! subdistrict (readings and ADL assessments that agree with each person's category), the first
//! four of each assigned to the health volunteer of village 1 (who visits them; the health centre
//! visits the others), care plans for the bedridden, and an issue group of the district.
//! Deterministic for the demo seed.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Actor;
use ruamjai_domain::care::adl::ITEMS;
use ruamjai_domain::care::plan::{GroupForm, ItemForm, PlanForm};
use ruamjai_domain::care::{VisitForm, VitalsForm};
use ruamjai_domain::registry::Category;
use ruamjai_store::Store;
use ruamjai_store::care::VisitSubmission;
use ruamjai_store::registry::PersonQuery;

/// ADL item scores adding up to `total` (items filled in the form's order).
fn scores(total: u8) -> BTreeMap<String, String> {
    let mut left = total;
    ITEMS
        .iter()
        .map(|i| {
            let s = left.min(i.max);
            left -= s;
            (i.name.to_owned(), s.to_string())
        })
        .collect()
}

async fn persons(
    store: &Store,
    admin: &Actor,
    village: &str,
    category: Category,
    meta: &RequestMeta,
) -> anyhow::Result<Vec<i64>> {
    let page = store
        .search_persons(
            admin,
            &PersonQuery {
                q: String::new(),
                area: Some(AreaCode::parse(village)?),
                category: Some(category),
                verification: None,
                include_inactive: false,
                limit: 12,
                offset: 0,
            },
            meta,
        )
        .await
        .map_err(crate::describe)?;
    Ok(page.items.into_iter().map(|p| p.id).collect())
}

/// Fill care data; `osm` is the village health volunteer of 55010101, `staff` the health
/// centre of 550101, `district` the district admin of 5501.
pub async fn fill(
    store: &Store,
    admin: &Actor,
    osm: &Actor,
    staff: &Actor,
    district: &Actor,
    meta: &RequestMeta,
) -> anyhow::Result<usize> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5501);
    let bedridden = persons(store, admin, "550101", Category::Bedridden, meta).await?;
    let homebound = persons(store, admin, "550101", Category::Homebound, meta).await?;
    for id in bedridden.iter().take(4).chain(homebound.iter().take(4)) {
        store
            .assign_person(staff, *id, osm.user_id, true, meta)
            .await
            .map_err(crate::describe)?;
    }
    let now = chrono::Utc::now();
    let mut n = 0;
    for (group, th, ids, every, total) in [
        ("bedridden", "ติดเตียง", &bedridden, 7, 0..=4u8),
        ("homebound", "ติดบ้าน", &homebound, 14, 5..=11u8),
    ] {
        for (k, id) in ids.iter().enumerate() {
            // A visit every `every` days for eight weeks; the last one a few days ago.
            let mut days_ago = 56i64;
            let mut visit = 0;
            while days_ago > 0 {
                let at = now - chrono::Duration::days(days_ago)
                    + chrono::Duration::minutes(rng.random_range(0..240));
                let systolic: u16 = rng.random_range(110..175);
                let form = VisitForm {
                    visited_at: at.to_rfc3339(),
                    lat: String::new(),
                    lon: String::new(),
                    vitals: VitalsForm {
                        systolic: systolic.to_string(),
                        diastolic: (systolic / 2 + rng.random_range(0..25)).to_string(),
                        pulse: rng.random_range(62..96u16).to_string(),
                        temperature: format!(
                            "{:.1}",
                            36.0 + rng.random_range(0..12u8) as f64 / 10.0
                        ),
                        spo2: rng.random_range(93..100u8).to_string(),
                        glucose: if visit % 2 == 0 {
                            rng.random_range(90..220u16).to_string()
                        } else {
                            String::new()
                        },
                        ..Default::default()
                    },
                    // ADL every other visit, within the person's group.
                    adl: (visit % 2 == 0).then(|| scores(rng.random_range(total.clone()))),
                    needs: if visit == 0 {
                        vec!["medicine".into(), "assistive_device".into()]
                    } else {
                        Vec::new()
                    },
                    needs_note: String::new(),
                    notes: format!("เยี่ยมบ้านครั้งที่ {} ({th})", visit + 1),
                };
                let id_str = format!("demo-{group}-{k:03}-{visit:03}");
                store
                    .sync_visit(
                        if k < 4 { osm } else { staff },
                        &VisitSubmission {
                            op_id: id_str.clone(),
                            client_id: id_str,
                            person_id: *id,
                            base_version: None,
                            form,
                        },
                        meta,
                    )
                    .await
                    .map_err(crate::describe)?;
                n += 1;
                visit += 1;
                days_ago -= every + rng.random_range(0..3);
            }
        }
    }
    // Plans for the bedridden, made by the health centre.
    for id in bedridden.iter().take(6) {
        let plan = PlanForm {
            visit_every_days: "7".into(),
            summary: "ติดเตียง ต้องพลิกตัวทุก 2 ชั่วโมง ผู้ดูแลเป็นบุตรสาว".into(),
            ..Default::default()
        }
        .check()?;
        store
            .save_plan(staff, *id, None, &plan, meta)
            .await
            .map_err(crate::describe)?;
        for (kind, text) in [
            ("problem", "เสี่ยงแผลกดทับ"),
            ("goal", "ไม่มีแผลกดทับภายใน 3 เดือน"),
            ("activity", "จัดหาที่นอนลมและสอนผู้ดูแลพลิกตัว"),
        ] {
            let item = ItemForm {
                kind: kind.into(),
                text: text.into(),
                ..Default::default()
            }
            .check()?;
            store
                .add_plan_item(staff, *id, &item, meta)
                .await
                .map_err(crate::describe)?;
        }
    }
    // The district's issue group for the bedridden, with the health centre as a member.
    let group = store
        .create_group(
            district,
            &GroupForm {
                name: "ผู้ป่วยติดเตียงอำเภอเมืองน่าน".into(),
                description: "ดูแลผู้ป่วยติดเตียงร่วมกันระหว่าง รพ.สต. อปท. และมูลนิธิ".into(),
                area_code: "5501".into(),
            }
            .check()?,
            meta,
        )
        .await
        .map_err(crate::describe)?;
    store
        .set_group_member(district, group, "staff@demo.ruamjai.local", true, meta)
        .await
        .map_err(crate::describe)?;
    for id in bedridden.iter().take(6) {
        store
            .set_group_person(district, group, *id, true, meta)
            .await
            .map_err(crate::describe)?;
    }
    Ok(n)
}
