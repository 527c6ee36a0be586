//! Individual care plans (แผนการดูแลรายบุคคล) and issue groups (กลุ่มประเด็น): the forms and
//! their vocabularies.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::areas::AreaCode;
use crate::network::forms::{area, choice, done, full_date, text};
use crate::{FieldError, Invalid};

coded! {
    /// Whether a plan is followed.
    pub enum PlanStatus {
        /// ใช้อยู่.
        Active = "active",
        /// ปิดแผนแล้ว (the person recovered, moved or died).
        Closed = "closed",
    }
}

coded! {
    /// What a line of a plan is.
    pub enum ItemKind {
        /// ปัญหา / ความต้องการ.
        Problem = "problem",
        /// เป้าหมาย.
        Goal = "goal",
        /// กิจกรรม (who does what by when).
        Activity = "activity",
    }
}

coded! {
    /// Where a line of a plan stands.
    pub enum ItemStatus {
        /// ยังไม่เริ่ม.
        Open = "open",
        /// กำลังดำเนินการ.
        InProgress = "in_progress",
        /// เสร็จแล้ว.
        Done = "done",
        /// ยกเลิก.
        Dropped = "dropped",
    }
}

/// The longest a plan may leave between visits.
pub const MAX_VISIT_EVERY_DAYS: u16 = 365;

/// A plan's header as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    /// Visit every how many days.
    pub visit_every_days: String,
    /// Next review of the plan (any date form; Buddhist era accepted).
    pub review_on: String,
    /// The person's situation in a few lines.
    pub summary: String,
    /// `active` or `closed`.
    pub status: String,
}

/// A checked plan header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanInput {
    /// Visit every how many days.
    pub visit_every_days: u16,
    /// Next review.
    pub review_on: Option<NaiveDate>,
    /// Summary.
    pub summary: Option<String>,
    /// Status.
    pub status: PlanStatus,
}

impl PlanForm {
    /// Check every field.
    pub fn check(&self) -> Result<PlanInput, Invalid> {
        let mut e = Vec::new();
        let every = match self.visit_every_days.trim() {
            "" => {
                e.push(FieldError::new("visit_every_days", "required"));
                None
            }
            s => s
                .parse::<u16>()
                .ok()
                .filter(|d| (1..=MAX_VISIT_EVERY_DAYS).contains(d))
                .or_else(|| {
                    e.push(FieldError::new("visit_every_days", "out_of_range"));
                    None
                }),
        };
        let review_on = match self.review_on.trim() {
            "" => None,
            s => full_date("review_on", s, &mut e),
        };
        let summary = text("summary", &self.summary, 2000, false, &mut e);
        let status = match self.status.trim() {
            "" => Some(PlanStatus::Active),
            s => choice("status", s, PlanStatus::parse, &mut e),
        };
        done(e, || PlanInput {
            visit_every_days: every.expect("checked"),
            review_on,
            summary,
            status: status.expect("checked"),
        })
    }
}

/// A line of a plan as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    /// `problem`, `goal` or `activity`.
    pub kind: String,
    /// What.
    pub text: String,
    /// Responsible partner organisation (id), or empty.
    pub organisation_id: String,
    /// Responsible volunteer (id), or empty.
    pub volunteer_id: String,
    /// Due date, or empty.
    pub due_on: String,
    /// Status (empty: open).
    pub status: String,
}

/// A checked line of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemInput {
    /// Kind.
    pub kind: ItemKind,
    /// What.
    pub text: String,
    /// Responsible organisation.
    pub organisation_id: Option<i64>,
    /// Responsible volunteer.
    pub volunteer_id: Option<i64>,
    /// Due.
    pub due_on: Option<NaiveDate>,
    /// Status.
    pub status: ItemStatus,
}

fn id(field: &'static str, v: &str, e: &mut Vec<FieldError>) -> Option<i64> {
    match v.trim() {
        "" => None,
        s => s.parse::<i64>().ok().filter(|i| *i > 0).or_else(|| {
            e.push(FieldError::new(field, "invalid_choice"));
            None
        }),
    }
}

impl ItemForm {
    /// Check every field.
    pub fn check(&self) -> Result<ItemInput, Invalid> {
        let mut e = Vec::new();
        let kind = choice("kind", &self.kind, ItemKind::parse, &mut e);
        let text = text("text", &self.text, 500, true, &mut e);
        let organisation_id = id("organisation_id", &self.organisation_id, &mut e);
        let volunteer_id = id("volunteer_id", &self.volunteer_id, &mut e);
        let due_on = match self.due_on.trim() {
            "" => None,
            s => full_date("due_on", s, &mut e),
        };
        let status = match self.status.trim() {
            "" => Some(ItemStatus::Open),
            s => choice("status", s, ItemStatus::parse, &mut e),
        };
        done(e, || ItemInput {
            kind: kind.expect("checked"),
            text: text.unwrap_or_default(),
            organisation_id,
            volunteer_id,
            due_on,
            status: status.expect("checked"),
        })
    }
}

/// An issue group as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    /// Name (the strategy or issue: "ผู้ป่วยติดเตียงตำบลผาสิงห์").
    pub name: String,
    /// What the group is for.
    pub description: String,
    /// The area the group works in.
    pub area_code: String,
}

/// A checked issue group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupInput {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Area.
    pub area: AreaCode,
}

impl GroupForm {
    /// Check every field.
    pub fn check(&self) -> Result<GroupInput, Invalid> {
        let mut e = Vec::new();
        let name = text("name", &self.name, 200, true, &mut e);
        let description = text("description", &self.description, 2000, false, &mut e);
        let area = area("area_code", &self.area_code, &mut e);
        done(e, || GroupInput {
            name: name.unwrap_or_default(),
            description,
            area: area.expect("checked"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_forms_name_their_slips() {
        let f = PlanForm {
            visit_every_days: "0".into(),
            review_on: "31/02/2570".into(),
            summary: String::new(),
            status: "paused".into(),
        };
        let e = f.check().unwrap_err().0;
        let got: Vec<(&str, &str)> = e.iter().map(|x| (x.field, x.code)).collect();
        assert_eq!(
            got,
            vec![
                ("visit_every_days", "out_of_range"),
                ("review_on", "date_invalid"),
                ("status", "invalid_choice")
            ]
        );
        let ok = PlanForm {
            visit_every_days: "7".into(),
            review_on: "1/3/2570".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.review_on, NaiveDate::from_ymd_opt(2027, 3, 1));
        assert_eq!(ok.status, PlanStatus::Active);
    }

    #[test]
    fn plan_items_need_a_kind_and_text() {
        let e = ItemForm::default().check().unwrap_err().0;
        assert!(e.contains(&FieldError::new("kind", "required")));
        assert!(e.contains(&FieldError::new("text", "required")));
        let i = ItemForm {
            kind: "activity".into(),
            text: "จัดหาที่นอนลม".into(),
            organisation_id: "12".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(i.organisation_id, Some(12));
        assert_eq!(i.status, ItemStatus::Open);
    }
}
