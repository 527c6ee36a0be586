//! The network's forms: partners, volunteers, courses, sessions and hours given. Each `check`
//! reports every problem at once, each naming its field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::codes::parse_list;
use super::{Availability, Language, Offer, OrgType, Sector, Skill, VolunteerKind};
use crate::areas::AreaCode;
use crate::registry::PartialDate;
use crate::registry::person::{normalise_phone, parse_location};
use crate::{FieldError, Invalid};

pub(crate) fn text(
    field: &'static str,
    v: &str,
    max: usize,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let t = v.trim();
    if t.is_empty() {
        if required {
            errors.push(FieldError::new(field, "required"));
        }
        return None;
    }
    if t.chars().count() > max {
        errors.push(FieldError::new(field, "too_long"));
    }
    Some(t.to_owned())
}

pub(crate) fn area(field: &'static str, v: &str, errors: &mut Vec<FieldError>) -> Option<AreaCode> {
    match v.trim() {
        "" => {
            errors.push(FieldError::new(field, "required"));
            None
        }
        s => AreaCode::parse(s)
            .map_err(|_| errors.push(FieldError::new(field, "invalid_area_code")))
            .ok(),
    }
}

pub(crate) fn choice<T>(
    field: &'static str,
    v: &str,
    parse: impl Fn(&str) -> Option<T>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match v.trim() {
        "" => {
            errors.push(FieldError::new(field, "required"));
            None
        }
        s => parse(s).or_else(|| {
            errors.push(FieldError::new(field, "invalid_choice"));
            None
        }),
    }
}

fn list<T: Copy + PartialEq>(
    field: &'static str,
    v: &str,
    parse: impl Fn(&str) -> Option<T>,
    errors: &mut Vec<FieldError>,
) -> Vec<T> {
    parse_list(field, v, parse).unwrap_or_else(|e| {
        errors.push(e);
        Vec::new()
    })
}

pub(crate) fn done<T>(errors: Vec<FieldError>, value: impl FnOnce() -> T) -> Result<T, Invalid> {
    if errors.is_empty() {
        Ok(value())
    } else {
        Err(Invalid(errors))
    }
}

/// A partner organisation as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrganisationForm {
    pub name_th: String,
    pub name_en: String,
    pub sector: String,
    pub org_type: String,
    pub area_code: String,
    pub contact_name: String,
    pub phone: String,
    pub email: String,
    /// Comma-separated [`Offer`] codes.
    pub offers: String,
    pub offer_note: String,
}

/// A checked partner organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationInput {
    pub name_th: String,
    pub name_en: Option<String>,
    pub sector: Sector,
    pub org_type: OrgType,
    /// The area served.
    pub area: AreaCode,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub offers: Vec<Offer>,
    pub offer_note: Option<String>,
}

impl OrganisationForm {
    /// Check every field.
    pub fn check(&self) -> Result<OrganisationInput, Invalid> {
        let mut e = Vec::new();
        let name_th = text("name_th", &self.name_th, 200, true, &mut e);
        let name_en = text("name_en", &self.name_en, 200, false, &mut e);
        let sector = choice("sector", &self.sector, Sector::parse, &mut e);
        let org_type = choice("org_type", &self.org_type, OrgType::parse, &mut e);
        let area = area("area_code", &self.area_code, &mut e);
        let contact_name = text("contact_name", &self.contact_name, 200, false, &mut e);
        let phone = normalise_phone(&self.phone)
            .map_err(|x| e.push(x))
            .ok()
            .flatten();
        let email = match self.email.trim() {
            "" => None,
            m => crate::auth::Email::parse(m)
                .map(|m| m.as_str().to_owned())
                .map_err(|x| e.push(x))
                .ok(),
        };
        let offers = list("offers", &self.offers, Offer::parse, &mut e);
        let offer_note = text("offer_note", &self.offer_note, 1000, false, &mut e);
        done(e, || OrganisationInput {
            name_th: name_th.unwrap_or_default(),
            name_en,
            sector: sector.expect("checked"),
            org_type: org_type.expect("checked"),
            area: area.expect("checked"),
            contact_name,
            phone,
            email,
            offers,
            offer_note,
        })
    }
}

/// A volunteer as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VolunteerForm {
    pub prefix: String,
    pub first_name: String,
    pub last_name: String,
    pub kind: String,
    pub phone: String,
    pub area_code: String,
    pub lat: String,
    pub lon: String,
    /// Comma-separated [`Skill`] codes (declared; courses add more).
    pub skills: String,
    /// Comma-separated [`Language`] codes.
    pub languages: String,
    /// See [`Availability::parse`].
    pub availability: String,
    /// Partner organisation id, if they volunteer through one.
    pub organisation_id: String,
}

/// A checked volunteer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolunteerInput {
    pub prefix: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub kind: VolunteerKind,
    pub phone: Option<String>,
    /// Where they volunteer (usually their village).
    pub area: AreaCode,
    pub home: Option<(f64, f64)>,
    pub skills: Vec<Skill>,
    pub languages: Vec<Language>,
    pub availability: Availability,
    pub organisation_id: Option<i64>,
}

impl VolunteerForm {
    /// Check every field.
    pub fn check(&self) -> Result<VolunteerInput, Invalid> {
        let mut e = Vec::new();
        let prefix = text("prefix", &self.prefix, 40, false, &mut e);
        let first_name = text("first_name", &self.first_name, 100, true, &mut e);
        let last_name = text("last_name", &self.last_name, 100, false, &mut e);
        let kind = choice("kind", &self.kind, VolunteerKind::parse, &mut e);
        let phone = normalise_phone(&self.phone)
            .map_err(|x| e.push(x))
            .ok()
            .flatten();
        let area = area("area_code", &self.area_code, &mut e);
        let home = parse_location(&self.lat, &self.lon).unwrap_or_else(|es| {
            e.extend(es);
            None
        });
        let skills = list("skills", &self.skills, Skill::parse, &mut e);
        let languages = list("languages", &self.languages, Language::parse, &mut e);
        let availability = Availability::parse(&self.availability).unwrap_or_else(|x| {
            e.push(x);
            Availability::default()
        });
        let organisation_id = match self.organisation_id.trim() {
            "" => None,
            s => s.parse::<i64>().ok().filter(|i| *i > 0).or_else(|| {
                e.push(FieldError::new("organisation_id", "invalid"));
                None
            }),
        };
        done(e, || VolunteerInput {
            prefix,
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            kind: kind.expect("checked"),
            phone,
            area: area.expect("checked"),
            home,
            skills,
            languages,
            availability,
            organisation_id,
        })
    }
}

/// A course of the volunteer college as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CourseForm {
    pub title_th: String,
    pub title_en: String,
    pub area_code: String,
    /// Skills completing the course grants (comma-separated codes).
    pub skills: String,
    pub hours: String,
    pub description: String,
}

/// A checked course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseInput {
    pub title_th: String,
    pub title_en: Option<String>,
    /// The college's area (who runs it).
    pub area: AreaCode,
    pub skills: Vec<Skill>,
    pub hours: Option<u16>,
    pub description: Option<String>,
}

impl CourseForm {
    /// Check every field.
    pub fn check(&self) -> Result<CourseInput, Invalid> {
        let mut e = Vec::new();
        let title_th = text("title_th", &self.title_th, 200, true, &mut e);
        let title_en = text("title_en", &self.title_en, 200, false, &mut e);
        let area = area("area_code", &self.area_code, &mut e);
        let skills = list("skills", &self.skills, Skill::parse, &mut e);
        let hours = match self.hours.trim() {
            "" => None,
            s => s
                .parse::<u16>()
                .ok()
                .filter(|h| (1..=1000).contains(h))
                .or_else(|| {
                    e.push(FieldError::new("hours", "invalid"));
                    None
                }),
        };
        let description = text("description", &self.description, 4000, false, &mut e);
        done(e, || CourseInput {
            title_th: title_th.unwrap_or_default(),
            title_en,
            area: area.expect("checked"),
            skills,
            hours,
            description,
        })
    }
}

/// A session (one run of a course) as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SessionForm {
    /// A full date, in พ.ศ. or ค.ศ.
    pub date: String,
    pub place: String,
    pub trainer: String,
    pub capacity: String,
}

/// A checked session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionInput {
    pub date: NaiveDate,
    pub place: String,
    pub trainer: Option<String>,
    pub capacity: Option<u32>,
}

/// A full date typed in any accepted form (`date_invalid` when only a month or year is given).
pub(crate) fn full_date(
    field: &'static str,
    v: &str,
    e: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match v.trim() {
        "" => {
            e.push(FieldError::new(field, "required"));
            None
        }
        s => match PartialDate::parse_any(field, s) {
            Ok(d) if d.precision == crate::registry::Precision::Day => Some(d.date),
            Ok(_) => {
                e.push(FieldError::new(field, "date_invalid"));
                None
            }
            Err(x) => {
                e.push(x);
                None
            }
        },
    }
}

impl SessionForm {
    /// Check every field.
    pub fn check(&self) -> Result<SessionInput, Invalid> {
        let mut e = Vec::new();
        let date = full_date("date", &self.date, &mut e);
        let place = text("place", &self.place, 200, true, &mut e);
        let trainer = text("trainer", &self.trainer, 200, false, &mut e);
        let capacity = match self.capacity.trim() {
            "" => None,
            s => s
                .parse::<u32>()
                .ok()
                .filter(|c| (1..=10_000).contains(c))
                .or_else(|| {
                    e.push(FieldError::new("capacity", "invalid"));
                    None
                }),
        };
        done(e, || SessionInput {
            date: date.expect("checked"),
            place: place.unwrap_or_default(),
            trainer,
            capacity,
        })
    }
}

/// Hours given, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HoursForm {
    pub date: String,
    /// Hours, decimals allowed (`2.5`).
    pub hours: String,
    pub activity: String,
}

/// Checked hours: minutes, so sums are exact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoursInput {
    pub date: NaiveDate,
    pub minutes: u32,
    pub activity: String,
}

impl HoursForm {
    /// Check every field; no more than 24 hours a day and no future dates.
    pub fn check(&self, today: NaiveDate) -> Result<HoursInput, Invalid> {
        let mut e = Vec::new();
        let date = full_date("date", &self.date, &mut e);
        if date.is_some_and(|d| d > today) {
            e.push(FieldError::new("date", "date_in_future"));
        }
        let minutes = match self.hours.trim().replace(',', ".").parse::<f64>() {
            Ok(h) if h > 0.0 && h <= 24.0 => Some((h * 60.0).round() as u32),
            _ if self.hours.trim().is_empty() => {
                e.push(FieldError::new("hours", "required"));
                None
            }
            _ => {
                e.push(FieldError::new("hours", "hours_invalid"));
                None
            }
        };
        let activity = text("activity", &self.activity, 200, true, &mut e);
        done(e, || HoursInput {
            date: date.expect("checked"),
            minutes: minutes.expect("checked"),
            activity: activity.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_volunteer_form_reports_every_field() {
        let f = VolunteerForm {
            first_name: "".into(),
            kind: "wizard".into(),
            area_code: "5501".into(),
            lat: "48.85".into(),
            lon: "2.35".into(),
            skills: "first_aid, juggling".into(),
            availability: "sometimes".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = f.check().unwrap_err().0.iter().map(|e| e.field).collect();
        for want in ["first_name", "kind", "lat", "skills", "availability"] {
            assert!(fields.contains(&want), "{want} in {fields:?}");
        }
        let ok = VolunteerForm {
            first_name: "บุญมี".into(),
            last_name: "ใจดี".into(),
            kind: "vhv".into(),
            area_code: "55010101".into(),
            lat: "18.78".into(),
            lon: "100.77".into(),
            skills: "first_aid".into(),
            languages: "th, nod, hmn".into(),
            availability: "mon-fri 18:00-21:00".into(),
            phone: "081-234-5678".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.kind, VolunteerKind::HealthVolunteer);
        assert_eq!(
            ok.languages,
            vec![Language::Thai, Language::NorthernThai, Language::Hmong]
        );
        assert_eq!(ok.phone.as_deref(), Some("0812345678"));
    }

    #[test]
    fn hours_are_minutes_and_bounded() {
        let h = |hours: &str, date: &str| {
            HoursForm {
                date: date.into(),
                hours: hours.into(),
                activity: "เยี่ยมบ้าน".into(),
            }
            .check(today())
        };
        assert_eq!(h("2.5", "23/11/2569").unwrap().minutes, 150);
        assert_eq!(h("2,25", "2026-11-20").unwrap().minutes, 135);
        let code = |r: Result<HoursInput, Invalid>| r.unwrap_err().0[0].code;
        assert_eq!(code(h("25", "23/11/2569")), "hours_invalid");
        assert_eq!(code(h("0", "23/11/2569")), "hours_invalid");
        assert_eq!(code(h("1", "24/11/2569")), "date_in_future");
        assert_eq!(code(h("1", "11/2569")), "date_invalid");
    }

    #[test]
    fn organisations_courses_and_sessions_check() {
        let o = OrganisationForm {
            name_th: "มูลนิธิร่วมใจ".into(),
            sector: "people".into(),
            org_type: "foundation".into(),
            area_code: "55".into(),
            offers: "goods, vehicles".into(),
            email: "info@example.org".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(o.offers, vec![Offer::Goods, Offer::Vehicles]);
        let bad = OrganisationForm {
            email: "nope".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec!["name_th", "sector", "org_type", "area_code", "email"]
        );
        let c = CourseForm {
            title_th: "การประเมิน ADL".into(),
            area_code: "5501".into(),
            skills: "adl_assessment".into(),
            hours: "6".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(c.skills, vec![Skill::AdlAssessment]);
        let s = SessionForm {
            date: "5 ธ.ค. 2569".into(),
            place: "รพ.สต.ในเวียง".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(s.date, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    }
}
