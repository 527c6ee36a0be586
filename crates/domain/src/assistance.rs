//! Assistance: the programmes agencies run (elderly and disability allowances, the state welfare
//! card, child grants, food aid, housing repair, zakat…) and what each person receives, since
//! and until when, from which source list. The gap report (who is vulnerable and receives
//! nothing, or not what their category calls for) is built on these.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::areas::AreaCode;
use crate::network::forms::{area, choice, done, full_date, text};
use crate::{FieldError, Invalid};

coded! {
    /// What kind of help a programme gives.
    pub enum ProgrammeKind {
        /// เบี้ยยังชีพผู้สูงอายุ.
        ElderlyAllowance = "elderly_allowance",
        /// เบี้ยความพิการ.
        DisabilityAllowance = "disability_allowance",
        /// บัตรสวัสดิการแห่งรัฐ.
        WelfareCard = "welfare_card",
        /// เงินอุดหนุนเพื่อการเลี้ยงดูเด็กแรกเกิด.
        ChildGrant = "child_grant",
        /// อาหาร / ถุงยังชีพ.
        FoodAid = "food_aid",
        /// ซ่อมสร้างบ้าน.
        HousingRepair = "housing_repair",
        /// ซะกาต.
        Zakat = "zakat",
        /// บริการดูแลตามแผน (ผู้ดูแล, กายภาพ).
        CareService = "care_service",
        /// ทุนการศึกษา.
        Scholarship = "scholarship",
        /// อื่น ๆ.
        Other = "other",
    }
}

coded! {
    /// How often money is paid.
    pub enum Period {
        /// รายเดือน.
        Monthly = "monthly",
        /// รายปี.
        Yearly = "yearly",
        /// ครั้งเดียว.
        Once = "once",
    }
}

/// Parse an amount of baht (`600`, `1,000.50`, Thai digits) into satang, exactly.
pub fn parse_baht(field: &'static str, raw: &str) -> Result<i64, FieldError> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .map(|c| match c {
            '๐'..='๙' => char::from(b'0' + (c as u32 - '๐' as u32) as u8),
            _ => c,
        })
        .collect();
    let bad = FieldError::new(field, "amount_invalid");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return Err(bad);
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    let baht: i64 = whole.parse().map_err(|_| bad)?;
    let satang: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    baht.checked_mul(100)
        .and_then(|b| b.checked_add(satang))
        .filter(|v| *v <= 100_000_000_000)
        .ok_or(bad)
}

/// A full date as people type it (`30/9/2569`, ISO; Buddhist era accepted), on `field`.
pub fn parse_day(field: &'static str, raw: &str) -> Result<NaiveDate, Invalid> {
    let mut e = Vec::new();
    let d = full_date(field, raw, &mut e);
    done(e, || d.expect("checked"))
}

/// A programme as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProgrammeForm {
    /// Name (`เบี้ยยังชีพผู้สูงอายุ อบต.ผาสิงห์`).
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// The area it serves.
    pub area_code: String,
    /// Providing partner organisation (id), or empty.
    pub organisation_id: String,
    /// Amount in baht, or empty when not money.
    pub amount: String,
    /// `monthly`, `yearly`, `once`, or empty.
    pub period: String,
}

/// A checked programme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeInput {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ProgrammeKind,
    /// Area served.
    pub area: AreaCode,
    /// Provider.
    pub organisation_id: Option<i64>,
    /// Amount in satang.
    pub amount_satang: Option<i64>,
    /// Period of the amount.
    pub period: Option<Period>,
}

impl ProgrammeForm {
    /// Check every field.
    pub fn check(&self) -> Result<ProgrammeInput, Invalid> {
        let mut e = Vec::new();
        let name = text("name", &self.name, 200, true, &mut e);
        let kind = choice("kind", &self.kind, ProgrammeKind::parse, &mut e);
        let area = area("area_code", &self.area_code, &mut e);
        let organisation_id = match self.organisation_id.trim() {
            "" => None,
            s => s.parse::<i64>().ok().filter(|i| *i > 0).or_else(|| {
                e.push(FieldError::new("organisation_id", "invalid_choice"));
                None
            }),
        };
        let amount_satang = match self.amount.trim() {
            "" => None,
            s => parse_baht("amount", s).map_err(|x| e.push(x)).ok(),
        };
        let period = match self.period.trim() {
            "" => None,
            s => choice("period", s, Period::parse, &mut e),
        };
        if amount_satang.is_some() && period.is_none() && self.period.trim().is_empty() {
            e.push(FieldError::new("period", "required"));
        }
        done(e, || ProgrammeInput {
            name: name.unwrap_or_default(),
            kind: kind.expect("checked"),
            area: area.expect("checked"),
            organisation_id,
            amount_satang,
            period,
        })
    }
}

/// What a person receives, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReceiptForm {
    /// Programme id.
    pub programme_id: String,
    /// Since (any date form; Buddhist era accepted), or empty when unknown.
    pub since: String,
    /// Until, or empty while it lasts.
    pub until: String,
    /// The list it came from (`บัญชีผู้รับเบี้ยยังชีพ ต.ค. 2569`).
    pub source: String,
}

/// A checked receipt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiptInput {
    /// Programme.
    pub programme_id: i64,
    /// Since.
    pub since: Option<NaiveDate>,
    /// Until.
    pub until: Option<NaiveDate>,
    /// Source list.
    pub source: Option<String>,
}

impl ReceiptForm {
    /// Check every field.
    pub fn check(&self) -> Result<ReceiptInput, Invalid> {
        let mut e = Vec::new();
        let programme_id = match self.programme_id.trim().parse::<i64>() {
            Ok(i) if i > 0 => Some(i),
            _ => {
                e.push(FieldError::new("programme_id", "required"));
                None
            }
        };
        let since = match self.since.trim() {
            "" => None,
            s => full_date("since", s, &mut e),
        };
        let until = match self.until.trim() {
            "" => None,
            s => full_date("until", s, &mut e),
        };
        if let (Some(a), Some(b)) = (since, until)
            && b < a
        {
            e.push(FieldError::new("until", "until_before_since"));
        }
        let source = text("source", &self.source, 200, false, &mut e);
        done(e, || ReceiptInput {
            programme_id: programme_id.expect("checked"),
            since,
            until,
            source,
        })
    }
}

impl ReceiptInput {
    /// Active on `day`: started (or start unknown) and not yet ended.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.since.is_none_or(|s| s <= day) && self.until.is_none_or(|u| u >= day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baht_become_exact_satang() {
        assert_eq!(parse_baht("amount", "600"), Ok(60_000));
        assert_eq!(parse_baht("amount", "1,000.5"), Ok(100_050));
        assert_eq!(parse_baht("amount", "๘๐๐.๒๕"), Ok(80_025));
        for bad in ["", "-5", "1.234", "12a", "1e3", "99999999999"] {
            assert_eq!(
                parse_baht("amount", bad),
                Err(FieldError::new("amount", "amount_invalid")),
                "{bad}"
            );
        }
    }

    #[test]
    fn programmes_and_receipts_name_their_slips() {
        let e = ProgrammeForm {
            name: "เบี้ยยังชีพ".into(),
            kind: "pension".into(),
            area_code: "55".into(),
            amount: "600".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err()
        .0;
        assert!(e.contains(&FieldError::new("kind", "invalid_choice")));
        assert!(e.contains(&FieldError::new("period", "required")));
        let ok = ProgrammeForm {
            name: "เบี้ยยังชีพ".into(),
            kind: "elderly_allowance".into(),
            area_code: "5501".into(),
            amount: "600".into(),
            period: "monthly".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.amount_satang, Some(60_000));
        let e = ReceiptForm {
            programme_id: "3".into(),
            since: "1/10/2569".into(),
            until: "30/9/2569".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err()
        .0;
        assert_eq!(e, vec![FieldError::new("until", "until_before_since")]);
        let r = ReceiptForm {
            programme_id: "3".into(),
            since: "1/10/2568".into(),
            until: "30/9/2569".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(r.active_on(day(2026, 9, 30)));
        assert!(!r.active_on(day(2026, 10, 1)));
        assert!(!r.active_on(day(2025, 9, 30)));
    }
}

/// Why a person is in the gap report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// Vulnerable and receiving nothing at all.
    NoAssistance,
    /// Elderly without the elderly allowance.
    NoElderlyAllowance,
    /// Disabled without the disability allowance.
    NoDisabilityAllowance,
    /// Poor without the state welfare card.
    NoWelfareCard,
    /// Bedridden without a caregiver: no care service, and no care plan naming who does what.
    NoCaregiver,
}

impl Gap {
    /// Every gap, in report order.
    pub const ALL: [Gap; 5] = [
        Self::NoAssistance,
        Self::NoElderlyAllowance,
        Self::NoDisabilityAllowance,
        Self::NoWelfareCard,
        Self::NoCaregiver,
    ];

    /// Stable name (message key `gap-…`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoAssistance => "no_assistance",
            Self::NoElderlyAllowance => "no_elderly_allowance",
            Self::NoDisabilityAllowance => "no_disability_allowance",
            Self::NoWelfareCard => "no_welfare_card",
            Self::NoCaregiver => "no_caregiver",
        }
    }
}

/// The categories that make a person someone who should receive help (the ADL group
/// "socially active" alone does not).
pub fn is_vulnerable(c: crate::registry::Category) -> bool {
    !matches!(c, crate::registry::Category::SociallyActive)
}

/// The gaps of one person: their categories, the kinds of help they receive now, and whether a
/// care plan names someone responsible for an activity.
pub fn gaps(
    categories: &[crate::registry::Category],
    receiving: &[ProgrammeKind],
    plan_with_caregiver: bool,
) -> Vec<Gap> {
    use crate::registry::Category as C;
    let mut out = Vec::new();
    if !categories.iter().any(|c| is_vulnerable(*c)) {
        return out;
    }
    if receiving.is_empty() && !plan_with_caregiver {
        out.push(Gap::NoAssistance);
    }
    let has = |k| receiving.contains(&k);
    if categories.contains(&C::Elderly) && !has(ProgrammeKind::ElderlyAllowance) {
        out.push(Gap::NoElderlyAllowance);
    }
    if categories.contains(&C::Disabled) && !has(ProgrammeKind::DisabilityAllowance) {
        out.push(Gap::NoDisabilityAllowance);
    }
    if categories.contains(&C::Poor) && !has(ProgrammeKind::WelfareCard) {
        out.push(Gap::NoWelfareCard);
    }
    if categories.contains(&C::Bedridden)
        && !has(ProgrammeKind::CareService)
        && !plan_with_caregiver
    {
        out.push(Gap::NoCaregiver);
    }
    out
}

#[cfg(test)]
mod gap_tests {
    use super::*;
    use crate::registry::Category as C;

    #[test]
    fn each_category_calls_for_its_help() {
        assert!(gaps(&[C::SociallyActive], &[], false).is_empty());
        assert!(gaps(&[], &[], false).is_empty());
        assert_eq!(
            gaps(&[C::Elderly, C::Bedridden], &[], false),
            vec![Gap::NoAssistance, Gap::NoElderlyAllowance, Gap::NoCaregiver]
        );
        // A plan naming a caregiver is help, though not the allowance.
        assert_eq!(
            gaps(&[C::Elderly, C::Bedridden], &[], true),
            vec![Gap::NoElderlyAllowance]
        );
        assert_eq!(
            gaps(
                &[C::Disabled, C::Poor],
                &[ProgrammeKind::DisabilityAllowance],
                false
            ),
            vec![Gap::NoWelfareCard]
        );
        assert!(
            gaps(
                &[C::Elderly, C::Bedridden],
                &[ProgrammeKind::ElderlyAllowance, ProgrammeKind::CareService],
                false
            )
            .is_empty()
        );
        assert_eq!(gaps(&[C::Stateless], &[], false), vec![Gap::NoAssistance]);
    }
}
