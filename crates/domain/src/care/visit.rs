//! A home visit as the field worker records it: when, where, the readings, the ADL assessment,
//! what the household needs and notes. The form arrives as text (typed on a phone, perhaps days
//! before it reaches the server); [`VisitForm::check`] turns it into a [`VisitInput`] or reports
//! every slip on its field.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::adl::{Assessment, ITEMS};
use super::vitals::{Vitals, VitalsForm};
use crate::FieldError;
use crate::registry::person::parse_location;
use crate::thaidate::bangkok;

coded! {
    /// The needs survey's checklist (แบบสำรวจความต้องการ).
    pub enum Need {
        /// อาหาร / ถุงยังชีพ.
        Food = "food",
        /// ยาและเวชภัณฑ์.
        Medicine = "medicine",
        /// อุปกรณ์ช่วยเหลือ (รถเข็น ไม้เท้า เตียง ที่นอนลม).
        AssistiveDevice = "assistive_device",
        /// ผู้ดูแล.
        Caregiver = "caregiver",
        /// ปรับปรุงที่อยู่อาศัย.
        HomeRepair = "home_repair",
        /// เงินช่วยเหลือ / เบี้ยยังชีพ.
        Money = "money",
        /// การเดินทางไปโรงพยาบาล.
        Transport = "transport",
        /// พบแพทย์ / พยาบาลเยี่ยมบ้าน.
        HealthCare = "health_care",
        /// กายภาพบำบัด / ฟื้นฟู.
        Rehabilitation = "rehabilitation",
        /// เอกสารและสิทธิ (บัตรประชาชน บัตรคนพิการ).
        Documents = "documents",
        /// อื่น ๆ (ระบุในข้อความ).
        Other = "other",
    }
}

/// The longest free text kept (notes, needs).
pub const MAX_TEXT: usize = 2000;

/// How far ahead of the server's clock a visit time may be (phones' clocks drift).
pub const CLOCK_SLACK_MINUTES: i64 = 10;

/// The earliest visit time accepted: 1 January 2000 (พ.ศ. 2543), 00:00 Thai time. Older is a
/// slip of the year or a phone whose clock was reset (the fuzz target found year −1 accepted as
/// a wall-clock time); no record kept here is that old.
pub fn earliest_visit() -> DateTime<Utc> {
    bangkok()
        .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .expect("a fixed, unambiguous time")
        .with_timezone(&Utc)
}

/// The visit form as typed. Numbers stay text until [`VisitForm::check`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisitForm {
    /// When: RFC 3339 (`2026-11-23T09:30:00+07:00`) or a Thai wall-clock time from a
    /// `datetime-local` field (`2026-11-23T09:30`).
    pub visited_at: String,
    /// Latitude where the visit was recorded (the phone's GPS), or empty.
    pub lat: String,
    /// Longitude, or empty.
    pub lon: String,
    /// Vital signs.
    pub vitals: VitalsForm,
    /// ADL item scores by item name; `None` when no assessment was made this visit.
    pub adl: Option<BTreeMap<String, String>>,
    /// Needs survey codes.
    pub needs: Vec<String>,
    /// Needs in the household's words.
    pub needs_note: String,
    /// Notes.
    pub notes: String,
}

/// A checked visit (the person and the visitor come from elsewhere).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitInput {
    /// When.
    pub visited_at: DateTime<Utc>,
    /// Where the visit was recorded.
    pub location: Option<(f64, f64)>,
    /// Readings.
    pub vitals: Vitals,
    /// ADL assessment, when made.
    pub adl: Option<Assessment>,
    /// Needs checklist.
    pub needs: Vec<Need>,
    /// Needs, free text.
    pub needs_note: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// Parse a visit time: RFC 3339, or Thai wall-clock time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .and_then(|n| bangkok().from_local_datetime(&n).single())
        .map(|t| t.with_timezone(&Utc))
}

fn text(field: &'static str, s: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let s = s.trim();
    if s.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(field, "too_long"));
    }
    (!s.is_empty()).then(|| s.to_owned())
}

impl VisitForm {
    /// Check everything against `now` (the server's clock); report every slip on its field.
    pub fn check(&self, now: DateTime<Utc>) -> Result<VisitInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let visited_at = match self.visited_at.trim() {
            "" => {
                errors.push(FieldError::new("visited_at", "required"));
                None
            }
            s => match parse_time(s) {
                None => {
                    errors.push(FieldError::new("visited_at", "datetime_invalid"));
                    None
                }
                Some(t) if t > now + Duration::minutes(CLOCK_SLACK_MINUTES) => {
                    errors.push(FieldError::new("visited_at", "visit_in_future"));
                    None
                }
                Some(t) if t < earliest_visit() => {
                    errors.push(FieldError::new("visited_at", "visit_too_old"));
                    None
                }
                Some(t) => Some(t),
            },
        };
        let location = parse_location(&self.lat, &self.lon).unwrap_or_else(|e| {
            errors.extend(e);
            None
        });
        let vitals = self.vitals.check().unwrap_or_else(|e| {
            errors.extend(e);
            Vitals::default()
        });
        let adl = match &self.adl {
            None => None,
            Some(scores) => {
                match Assessment::from_fields(|name| scores.get(name).cloned().unwrap_or_default())
                {
                    Ok(a) => Some(a),
                    Err(e) => {
                        errors.extend(e);
                        None
                    }
                }
            }
        };
        let mut needs = Vec::new();
        for code in &self.needs {
            match Need::parse(code) {
                Some(n) if !needs.contains(&n) => needs.push(n),
                Some(_) => {}
                None => errors.push(FieldError::new("needs", "invalid_choice")),
            }
        }
        needs.sort();
        let needs_note = text("needs_note", &self.needs_note, &mut errors);
        let notes = text("notes", &self.notes, &mut errors);
        if !errors.is_empty() {
            errors.dedup();
            return Err(errors);
        }
        Ok(VisitInput {
            visited_at: visited_at.expect("checked above"),
            location,
            vitals,
            adl,
            needs,
            needs_note,
            notes,
        })
    }
}

impl VisitInput {
    /// The ADL scores as the form holds them (for editing a stored visit).
    pub fn adl_fields(a: &Assessment) -> BTreeMap<String, String> {
        ITEMS
            .iter()
            .zip(a.scores)
            .map(|(i, s)| (i.name.to_owned(), s.to_string()))
            .collect()
    }
}

/// A device-made id: 8–64 letters, digits, `-` or `_` (a UUID fits).
pub fn check_client_id(field: &'static str, id: &str) -> Result<(), FieldError> {
    let ok = (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, "client_id_invalid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
    }

    fn form() -> VisitForm {
        VisitForm {
            visited_at: "2026-11-23T09:30".into(),
            lat: "18.78".into(),
            lon: "100.78".into(),
            vitals: VitalsForm {
                systolic: "150".into(),
                diastolic: "95".into(),
                ..Default::default()
            },
            adl: Some(
                ITEMS
                    .iter()
                    .map(|i| (i.name.to_owned(), "1".to_owned()))
                    .collect(),
            ),
            needs: vec!["medicine".into(), "food".into(), "food".into()],
            needs_note: "  ".into(),
            notes: "นอนติดเตียง ลูกสาวดูแล".into(),
        }
    }

    #[test]
    fn a_good_visit_checks() {
        let v = form().check(now()).unwrap();
        // 09:30 in Thailand is 02:30 UTC.
        assert_eq!(
            v.visited_at,
            Utc.with_ymd_and_hms(2026, 11, 23, 2, 30, 0).unwrap()
        );
        assert_eq!(v.location, Some((18.78, 100.78)));
        assert_eq!(v.vitals.systolic, Some(150));
        assert_eq!(v.adl.unwrap().total(), 10);
        assert_eq!(v.needs, vec![Need::Food, Need::Medicine]);
        assert_eq!(v.needs_note, None);
        assert!(v.notes.is_some());
    }

    #[test]
    fn rfc3339_times_keep_their_offset() {
        assert_eq!(
            parse_time("2026-11-23T09:30:00+07:00"),
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 2, 30, 0).unwrap())
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn slips_are_named_by_field() {
        let mut f = form();
        f.visited_at = "2026-11-24T09:30".into();
        f.lat = "51.5".into();
        f.vitals.pulse = "999".into();
        f.adl
            .as_mut()
            .unwrap()
            .insert("transfer".into(), "4".into());
        f.adl.as_mut().unwrap().remove("feeding");
        f.needs.push("yacht".into());
        f.notes = "ก".repeat(MAX_TEXT + 1);
        let errors = f.check(now()).unwrap_err();
        let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field, e.code)).collect();
        for want in [
            ("visited_at", "visit_in_future"),
            ("lat", "outside_thailand"),
            ("pulse", "out_of_range"),
            ("transfer", "adl_score_invalid"),
            ("feeding", "required"),
            ("needs", "invalid_choice"),
            ("notes", "too_long"),
        ] {
            assert!(fields.contains(&want), "{want:?} missing from {fields:?}");
        }
    }

    #[test]
    fn a_phone_clock_slightly_ahead_is_accepted() {
        let mut f = form();
        f.visited_at = "2026-11-23T10:05".into(); // five minutes ahead of now (10:00 Thai)
        assert!(f.check(now()).is_ok());
        f.visited_at = "2026-11-23T10:11".into();
        assert!(f.check(now()).is_err());
    }

    #[test]
    fn a_visit_before_2000_is_refused() {
        let mut f = form();
        for (at, ok) in [
            ("2000-01-01T00:00", true),
            ("1999-12-31T23:59", false),
            ("1999-12-31T23:59:59+07:00", false),
            ("1999-12-31T17:00:00Z", true),
            ("0001-01-01T00:00", false),
            ("-0001-01-01T00:00", false),
        ] {
            f.visited_at = at.into();
            match f.check(now()) {
                Ok(v) => assert!(ok, "{at} accepted as {}", v.visited_at),
                Err(e) => {
                    assert!(!ok, "{at}: {e:?}");
                    let codes: Vec<_> = e.iter().map(|e| (e.field, e.code)).collect();
                    assert!(
                        codes.contains(&("visited_at", "visit_too_old")),
                        "{at}: {codes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn adl_may_be_left_out() {
        let mut f = form();
        f.adl = None;
        assert_eq!(f.check(now()).unwrap().adl, None);
    }
}
