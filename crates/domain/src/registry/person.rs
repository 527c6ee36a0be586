//! A person as typed into a form, sent to the API or read from an import row, and the checked
//! [`PersonInput`] the store writes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dates::PartialDate;
use super::ident::{IdKind, normalise_id};
use super::search::split_prefix;
use crate::areas::{AreaCode, AreaLevel};
use crate::{FieldError, Invalid};

/// Sex as recorded in the civil registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// ชาย.
    Male,
    /// หญิง.
    Female,
}

impl Sex {
    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    /// Parse the stored name or what files hold (`ชาย`, `หญิง`, `M`, `F`, `1`, `2`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_lowercase().as_str() {
            "male" | "m" | "ชาย" | "ช" | "1" => Some(Self::Male),
            "female" | "f" | "หญิง" | "ญ" | "2" => Some(Self::Female),
            _ => None,
        }
    }

    /// The sex a prefix implies, if any.
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        match prefix {
            "นาย" | "ด.ช." | "ดช." | "เด็กชาย" | "Mr." | "Mr" | "พระ" | "พระภิกษุ" | "สามเณร" => {
                Some(Self::Male)
            }
            "นาง"
            | "นางสาว"
            | "น.ส."
            | "นส."
            | "ด.ญ."
            | "ดญ."
            | "เด็กหญิง"
            | "แม่ชี"
            | "Mrs."
            | "Miss"
            | "Ms." => Some(Self::Female),
            _ => None,
        }
    }
}

/// Whether the person still lives here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    /// Lives in the area.
    Active,
    /// Moved away (kept for history; not counted).
    Moved,
    /// Died (kept for history; not counted).
    Deceased,
    /// Found to be the same person as another record and merged into it (kept, read-only,
    /// not counted; set only by a merge and taken back by its undo).
    Merged,
}

impl PersonStatus {
    /// The statuses a person's record can be given by hand (not `Merged`).
    pub const ALL: [PersonStatus; 3] = [Self::Active, Self::Moved, Self::Deceased];

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Moved => "moved",
            Self::Deceased => "deceased",
            Self::Merged => "merged",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain([Self::Merged])
            .find(|c| c.as_str() == s.trim())
    }
}

/// Relation to the head of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// หัวหน้าครัวเรือน.
    Head,
    /// คู่สมรส.
    Spouse,
    /// บุตร.
    Child,
    /// บิดา/มารดา.
    Parent,
    /// หลาน.
    Grandchild,
    /// พี่น้อง.
    Sibling,
    /// ญาติ.
    Relative,
    /// ผู้อาศัย (not related).
    Other,
}

impl Relation {
    /// All relations in form order.
    pub const ALL: [Relation; 8] = [
        Self::Head,
        Self::Spouse,
        Self::Child,
        Self::Parent,
        Self::Grandchild,
        Self::Sibling,
        Self::Relative,
        Self::Other,
    ];

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Head => "head",
            Self::Spouse => "spouse",
            Self::Child => "child",
            Self::Parent => "parent",
            Self::Grandchild => "grandchild",
            Self::Sibling => "sibling",
            Self::Relative => "relative",
            Self::Other => "other",
        }
    }

    /// Parse the stored name or common Thai words.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|c| c.as_str() == s).or(match s {
            "หัวหน้าครัวเรือน" | "เจ้าบ้าน" | "หัวหน้า" => {
                Some(Self::Head)
            }
            "คู่สมรส" | "สามี" | "ภรรยา" | "ภริยา" => {
                Some(Self::Spouse)
            }
            "บุตร" | "ลูก" => Some(Self::Child),
            "บิดา" | "มารดา" | "พ่อ" | "แม่" => Some(Self::Parent),
            "หลาน" => Some(Self::Grandchild),
            "พี่" | "น้อง" | "พี่น้อง" => Some(Self::Sibling),
            "ญาติ" => Some(Self::Relative),
            "ผู้อาศัย" | "อื่นๆ" | "อื่น ๆ" => {
                Some(Self::Other)
            }
            _ => None,
        })
    }
}

/// Thailand's bounding box (with a little margin): a home location outside it is a typing slip
/// (often latitude and longitude swapped).
pub const THAILAND_LAT: (f64, f64) = (5.5, 20.6);
/// Longitude range of the bounding box.
pub const THAILAND_LON: (f64, f64) = (97.3, 105.7);

/// A person as typed: every field is text, checked by [`PersonForm::check`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    /// `citizen`, `other_thai`, `passport` or `none` (empty: `citizen` when a number is given,
    /// else `none`).
    pub id_kind: String,
    /// The number.
    pub id_number: String,
    /// คำนำหน้า (may also come glued to the first name).
    pub prefix: String,
    /// ชื่อ.
    pub first_name: String,
    /// นามสกุล (may be empty: not everyone has a surname).
    pub last_name: String,
    /// `male` / `female` (or Thai words); empty: from the prefix when it implies one.
    pub sex: String,
    /// Birth date, partial allowed (`2490`, `03/2490`, `15/03/2490`, ISO).
    pub birth_date: String,
    /// Phone.
    pub phone: String,
    /// Village (8-digit DOPA code).
    pub village_code: String,
    /// House number (บ้านเลขที่): the household in that village is found or created.
    pub house_number: String,
    /// Relation to the head of the household.
    pub relation: String,
    /// Home latitude (WGS 84).
    pub lat: String,
    /// Home longitude (WGS 84).
    pub lon: String,
    /// `active`, `moved`, `deceased` (empty: active).
    pub status: String,
    /// When the status last changed (required for moved/deceased).
    pub status_date: String,
}

/// A checked person, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonInput {
    /// Identity document kind.
    pub id_kind: IdKind,
    /// Normalised number (digits only for Thai IDs).
    pub id_number: Option<String>,
    /// Honorific prefix.
    pub prefix: Option<String>,
    /// First name.
    pub first_name: String,
    /// Last name (possibly empty).
    pub last_name: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Birth date.
    pub birth: Option<PartialDate>,
    /// Phone, digits only (leading `0`).
    pub phone: Option<String>,
    /// Village.
    pub village: AreaCode,
    /// House number.
    pub house_number: Option<String>,
    /// Relation to the head.
    pub relation: Option<Relation>,
    /// Home location (lat, lon).
    pub location: Option<(f64, f64)>,
    /// Status.
    pub status: PersonStatus,
    /// Date of the status.
    pub status_date: Option<NaiveDate>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A Thai phone number: 9 digits (landline) or 10 (mobile) starting with 0; `+66` and Thai
/// digits accepted; separators dropped.
pub fn normalise_phone(raw: &str) -> Result<Option<String>, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let mut d = String::new();
    for c in t.chars() {
        match c {
            '0'..='9' => d.push(c),
            '๐'..='๙' => d.push(char::from(b'0' + (c as u32 - '๐' as u32) as u8)),
            ' ' | '-' | '(' | ')' | '.' => {}
            '+' if d.is_empty() => d.push('+'),
            _ => return Err(FieldError::new("phone", "phone_invalid")),
        }
    }
    if let Some(rest) = d.strip_prefix("+66") {
        d = format!("0{rest}");
    }
    if !(d.starts_with('0') && (9..=10).contains(&d.len())) {
        return Err(FieldError::new("phone", "phone_invalid"));
    }
    Ok(Some(d))
}

/// Parse a coordinate pair; both or neither; inside Thailand.
pub fn parse_location(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, Vec<FieldError>> {
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let la = lat.parse::<f64>().ok().filter(|v| v.is_finite());
    let lo = lon.parse::<f64>().ok().filter(|v| v.is_finite());
    if la.is_none() {
        errors.push(FieldError::new("lat", "coordinate_invalid"));
    }
    if lo.is_none() {
        errors.push(FieldError::new("lon", "coordinate_invalid"));
    }
    let (Some(la), Some(lo)) = (la, lo) else {
        return Err(errors);
    };
    if !(THAILAND_LAT.0..=THAILAND_LAT.1).contains(&la) {
        errors.push(FieldError::new("lat", "outside_thailand"));
    }
    if !(THAILAND_LON.0..=THAILAND_LON.1).contains(&lo) {
        errors.push(FieldError::new("lon", "outside_thailand"));
    }
    if errors.is_empty() {
        Ok(Some((la, lo)))
    } else {
        Err(errors)
    }
}

/// Longest name we keep (characters).
pub const MAX_NAME: usize = 100;

impl PersonForm {
    /// Check every field and report every problem at once (each naming its field).
    pub fn check(&self, today: NaiveDate) -> Result<PersonInput, Invalid> {
        let mut errors = Vec::new();
        let mut push = |e: FieldError| errors.push(e);

        // Names: a prefix glued to the first name comes off.
        let (glued, first) = split_prefix(&self.first_name);
        let prefix = opt(&self.prefix).or(glued.map(str::to_owned));
        let first_name = first.trim().to_owned();
        let last_name = self.last_name.trim().to_owned();
        if first_name.is_empty() {
            push(FieldError::new("first_name", "required"));
        } else if first_name.chars().count() > MAX_NAME {
            push(FieldError::new("first_name", "too_long"));
        }
        if last_name.chars().count() > MAX_NAME {
            push(FieldError::new("last_name", "too_long"));
        }

        // Identity.
        let number = self.id_number.trim();
        let kind = match self.id_kind.trim() {
            "" if number.is_empty() => Some(IdKind::None),
            "" => Some(IdKind::Citizen),
            k => IdKind::parse(k),
        };
        let (id_kind, id_number) = match kind {
            None => {
                push(FieldError::new("id_kind", "invalid_choice"));
                (IdKind::None, None)
            }
            Some(k) => match normalise_id(k, number) {
                Ok(n) => (k, n),
                Err(e) => {
                    push(e);
                    (k, None)
                }
            },
        };

        let sex = match self.sex.trim() {
            "" => prefix.as_deref().and_then(Sex::from_prefix),
            s => Sex::parse(s).or_else(|| {
                push(FieldError::new("sex", "invalid_choice"));
                None
            }),
        };

        let birth = match self.birth_date.trim() {
            "" => None,
            s => PartialDate::parse("birth_date", s, today)
                .map_err(&mut push)
                .ok(),
        };
        let phone = normalise_phone(&self.phone)
            .map_err(&mut push)
            .ok()
            .flatten();

        let village = match AreaCode::parse(self.village_code.trim()) {
            Ok(c) if c.level() == AreaLevel::Village => Some(c),
            Ok(_) => {
                push(FieldError::new("village_code", "not_a_village"));
                None
            }
            Err(_) if self.village_code.trim().is_empty() => {
                push(FieldError::new("village_code", "required"));
                None
            }
            Err(_) => {
                push(FieldError::new("village_code", "invalid_area_code"));
                None
            }
        };
        let house_number = opt(&self.house_number);
        if house_number
            .as_ref()
            .is_some_and(|h| h.chars().count() > 20)
        {
            push(FieldError::new("house_number", "too_long"));
        }
        let relation = match self.relation.trim() {
            "" => None,
            s => Relation::parse(s).or_else(|| {
                push(FieldError::new("relation", "invalid_choice"));
                None
            }),
        };
        let location = match parse_location(&self.lat, &self.lon) {
            Ok(l) => l,
            Err(es) => {
                es.into_iter().for_each(&mut push);
                None
            }
        };
        let status = match self.status.trim() {
            "" => PersonStatus::Active,
            // `merged` is set by a merge only, never typed.
            s => PersonStatus::parse(s)
                .filter(|st| PersonStatus::ALL.contains(st))
                .unwrap_or_else(|| {
                    push(FieldError::new("status", "invalid_choice"));
                    PersonStatus::Active
                }),
        };
        let status_date = match self.status_date.trim() {
            "" => {
                if status != PersonStatus::Active {
                    push(FieldError::new("status_date", "required"));
                }
                None
            }
            s => match PartialDate::parse("status_date", s, today) {
                Ok(d) if d.precision == super::dates::Precision::Day => Some(d.date),
                Ok(_) => {
                    push(FieldError::new("status_date", "date_invalid"));
                    None
                }
                Err(e) => {
                    push(e);
                    None
                }
            },
        };
        if let (Some(b), Some(sd)) = (birth, status_date)
            && sd < b.date
        {
            push(FieldError::new("status_date", "before_birth"));
        }

        match village {
            Some(village) if errors.is_empty() => Ok(PersonInput {
                id_kind,
                id_number,
                prefix,
                first_name,
                last_name,
                sex,
                birth,
                phone,
                village,
                house_number,
                relation,
                location,
                status,
                status_date,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn form() -> PersonForm {
        PersonForm {
            id_number: "1-1017-00230-70-8".into(),
            first_name: "นางสมศรี".into(),
            last_name: "ศรีสุข".into(),
            birth_date: "2490".into(),
            phone: "+66 81 234 5678".into(),
            village_code: "55010101".into(),
            lat: "18.78".into(),
            lon: "100.77".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_typical_row_is_normalised() {
        let p = form().check(today()).unwrap();
        assert_eq!(p.id_kind, IdKind::Citizen);
        assert_eq!(p.id_number.as_deref(), Some("1101700230708"));
        assert_eq!(p.prefix.as_deref(), Some("นาง"));
        assert_eq!(p.first_name, "สมศรี");
        assert_eq!(p.sex, Some(Sex::Female));
        assert_eq!(p.phone.as_deref(), Some("0812345678"));
        assert_eq!(p.birth, PartialDate::year(1947));
        assert_eq!(p.status, PersonStatus::Active);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let f = PersonForm {
            id_kind: "citizen".into(),
            id_number: "1101700230709".into(),
            first_name: " ".into(),
            sex: "x".into(),
            birth_date: "31/02/2490".into(),
            phone: "12".into(),
            village_code: "550101".into(),
            lat: "100.7".into(),
            lon: "18.7".into(),
            status: "deceased".into(),
            ..Default::default()
        };
        let Invalid(errs) = f.check(today()).unwrap_err();
        let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field, e.code)).collect();
        for want in [
            ("first_name", "required"),
            ("id_number", "id_check_digit"),
            ("sex", "invalid_choice"),
            ("birth_date", "date_invalid"),
            ("phone", "phone_invalid"),
            ("village_code", "not_a_village"),
            ("lat", "outside_thailand"),
            ("lon", "outside_thailand"),
            ("status_date", "required"),
        ] {
            assert!(got.contains(&want), "missing {want:?} in {got:?}");
        }
    }

    #[test]
    fn no_id_is_fine() {
        let f = PersonForm {
            id_number: String::new(),
            ..form()
        };
        let p = f.check(today()).unwrap();
        assert_eq!(p.id_kind, IdKind::None);
        assert_eq!(p.id_number, None);
    }
}
