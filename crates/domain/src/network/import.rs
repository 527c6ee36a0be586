//! Partner and volunteer lists from CSV or XLSX: which column feeds which field (recognised
//! from Thai or English headers, or given by the user), and a row turned into a form. Coded
//! values may be written as codes or in Thai (`อสม.`, `ภาคเอกชน`, `มูลนิธิ`).

use super::forms::{OrganisationForm, VolunteerForm};
use super::{OrgType, Sector, VolunteerKind};
use crate::FieldError;
use crate::registry::search::fold;

/// A field a column can feed, with the header texts that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The form field (also the `--map` value).
    pub field: &'static str,
    synonyms: &'static [&'static str],
    required: bool,
}

const fn col(field: &'static str, synonyms: &'static [&'static str], required: bool) -> Column {
    Column {
        field,
        synonyms,
        required,
    }
}

/// Columns of a partner list.
pub const PARTNER_COLUMNS: &[Column] = &[
    col(
        "name_th",
        &[
            "ชื่อองค์กร",
            "ชื่อหน่วยงาน",
            "ชื่อ",
            "name",
            "organisation",
            "organization",
        ],
        true,
    ),
    col(
        "name_en",
        &["ชื่อภาษาอังกฤษ", "english name", "name (english)"],
        false,
    ),
    col("sector", &["ภาคส่วน", "ภาคี", "sector"], true),
    col(
        "org_type",
        &["ประเภทองค์กร", "ประเภท", "type", "org type"],
        true,
    ),
    col("area_code", &["รหัสพื้นที่", "พื้นที่", "area", "area code"], true),
    col(
        "contact_name",
        &["ผู้ประสานงาน", "ผู้ติดต่อ", "contact", "contact name"],
        false,
    ),
    col(
        "phone",
        &["โทรศัพท์", "เบอร์โทร", "เบอร์โทรศัพท์", "phone", "tel"],
        false,
    ),
    col("email", &["อีเมล", "email", "e-mail"], false),
    col("offers", &["สิ่งที่สนับสนุน", "การสนับสนุน", "offers"], false),
    col(
        "offer_note",
        &["รายละเอียดการสนับสนุน", "หมายเหตุ", "note", "offer note"],
        false,
    ),
];

/// Columns of a volunteer list.
pub const VOLUNTEER_COLUMNS: &[Column] = &[
    col(
        "prefix",
        &["คำนำหน้า", "คำนำหน้าชื่อ", "prefix", "title"],
        false,
    ),
    col(
        "first_name",
        &["ชื่อ", "first name", "firstname", "name"],
        true,
    ),
    col(
        "last_name",
        &["นามสกุล", "สกุล", "last name", "surname"],
        false,
    ),
    col("kind", &["ประเภทจิตอาสา", "ประเภท", "kind", "type"], true),
    col(
        "phone",
        &["โทรศัพท์", "เบอร์โทร", "เบอร์โทรศัพท์", "phone", "tel"],
        false,
    ),
    col(
        "area_code",
        &[
            "รหัสพื้นที่",
            "รหัสหมู่บ้าน",
            "พื้นที่",
            "area",
            "area code",
            "village code",
        ],
        true,
    ),
    col("lat", &["ละติจูด", "lat", "latitude"], false),
    col("lon", &["ลองจิจูด", "lon", "lng", "longitude"], false),
    col("skills", &["ทักษะ", "skills"], false),
    col("languages", &["ภาษา", "languages"], false),
    col(
        "availability",
        &["วันเวลาที่สะดวก", "เวลาที่สะดวก", "availability"],
        false,
    ),
];

/// For each header, the field its column feeds (or none): exact field names first, then the
/// synonyms, compared folded; a field is fed by one column at most.
pub fn recognise(columns: &[Column], headers: &[String]) -> Vec<Option<&'static str>> {
    let mut used: Vec<&'static str> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let h = fold(h.trim().trim_start_matches('\u{feff}'));
            let found = columns
                .iter()
                .find(|c| !used.contains(&c.field) && fold(c.field) == h)
                .or_else(|| {
                    columns.iter().find(|c| {
                        !used.contains(&c.field) && c.synonyms.iter().any(|s| fold(s) == h)
                    })
                })
                .map(|c| c.field);
            if let Some(f) = found {
                used.push(f);
            }
            found
        })
        .collect()
}

/// Every required field has a column (`area_code` may come from a default instead).
pub fn check_map(
    columns: &[Column],
    map: &[Option<&'static str>],
    default_area: bool,
) -> Result<(), Vec<FieldError>> {
    let missing: Vec<FieldError> = columns
        .iter()
        .filter(|c| c.required && !map.contains(&Some(c.field)))
        .filter(|c| !(default_area && c.field == "area_code"))
        .map(|c| FieldError::new(c.field, "column_missing"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// Apply mapping overrides written as `COLUMN=FIELD` (COLUMN a header or a 1-based column
/// number, FIELD a field name or `ignore`), separated by commas, semicolons or new lines.
/// Problems are reported on the field `map`.
pub fn apply_overrides(
    columns: &[Column],
    headers: &[String],
    map: &mut [Option<&'static str>],
    overrides: &str,
) -> Result<(), FieldError> {
    let bad = || FieldError::new("map", "mapping_invalid");
    for o in overrides
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        let (col, f) = o.split_once('=').ok_or_else(bad)?;
        let idx = match col.trim().parse::<usize>() {
            Ok(n) if n >= 1 && n <= headers.len() => n - 1,
            _ => headers
                .iter()
                .position(|h| h.trim() == col.trim())
                .ok_or_else(bad)?,
        };
        map[idx] = match f.trim() {
            "ignore" | "" => None,
            f => Some(field(columns, f).ok_or_else(bad)?),
        };
    }
    Ok(())
}

/// The field `name` of a column list (for `--map COLUMN=FIELD`).
pub fn field(columns: &[Column], name: &str) -> Option<&'static str> {
    columns
        .iter()
        .find(|c| c.field == name.trim())
        .map(|c| c.field)
}

fn cells_of(map: &[Option<&'static str>], cells: &[String]) -> impl Fn(&str) -> String {
    let pairs: Vec<(&'static str, String)> = map
        .iter()
        .zip(
            cells
                .iter()
                .map(|c| c.trim().to_owned())
                .chain(std::iter::repeat(String::new())),
        )
        .filter_map(|(f, v)| f.map(|f| (f, v)))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// A coded value written as its code or as one of its Thai or English names (`code` gives a
/// value's stored code). Unknown text is kept, so the form's check names the field.
fn loose<T: Copy>(
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
    code: impl Fn(T) -> &'static str,
    names: &[(&str, T)],
) -> String {
    let t = raw.trim();
    if parse(t).is_some() || t.is_empty() {
        return t.to_owned();
    }
    let f = fold(t);
    names
        .iter()
        .find(|(n, _)| fold(n) == f)
        .map(|(_, v)| code(*v).to_owned())
        .unwrap_or_else(|| t.to_owned())
}

const SECTOR_NAMES: &[(&str, Sector)] = &[
    ("ภาคประชาชน", Sector::People),
    ("ประชาสังคม", Sector::People),
    ("ภาคเอกชน", Sector::Private),
    ("เอกชน", Sector::Private),
    ("ภาควิชาการ", Sector::Academic),
    ("วิชาการ", Sector::Academic),
    ("องค์กรปกครองส่วนท้องถิ่น", Sector::LocalGovernment),
    ("ท้องถิ่น", Sector::LocalGovernment),
    ("อปท.", Sector::LocalGovernment),
    ("ภาครัฐ", Sector::Government),
    ("ราชการ", Sector::Government),
    ("ศาสนา", Sector::Religious),
    ("องค์กรศาสนา", Sector::Religious),
    ("สื่อ", Sector::Media),
    ("สื่อมวลชน", Sector::Media),
];

const ORG_TYPE_NAMES: &[(&str, OrgType)] = &[
    ("มูลนิธิ", OrgType::Foundation),
    ("สมาคม", OrgType::Association),
    ("ชมรม", OrgType::Association),
    ("กลุ่มชุมชน", OrgType::CommunityGroup),
    ("วิสาหกิจชุมชน", OrgType::CommunityGroup),
    ("โรงพยาบาล", OrgType::Hospital),
    ("รพ.", OrgType::Hospital),
    ("รพ.สต.", OrgType::HealthCentre),
    ("โรงพยาบาลส่งเสริมสุขภาพตำบล", OrgType::HealthCentre),
    ("โรงเรียน", OrgType::School),
    ("มหาวิทยาลัย", OrgType::University),
    ("วิทยาลัย", OrgType::University),
    ("วัด", OrgType::Temple),
    ("มัสยิด", OrgType::Mosque),
    ("โบสถ์", OrgType::Church),
    ("อบต.", OrgType::Sao),
    ("องค์การบริหารส่วนตำบล", OrgType::Sao),
    ("เทศบาล", OrgType::Municipality),
    ("อบจ.", OrgType::Pao),
    ("ส่วนราชการ", OrgType::Agency),
    ("บริษัท", OrgType::Company),
    ("ร้านค้า", OrgType::Company),
    ("สหกรณ์", OrgType::Cooperative),
    ("อื่นๆ", OrgType::Other),
];

const KIND_NAMES: &[(&str, VolunteerKind)] = &[
    ("อสม.", VolunteerKind::HealthVolunteer),
    ("อสม", VolunteerKind::HealthVolunteer),
    ("CG", VolunteerKind::Caregiver),
    ("ผู้ดูแลผู้สูงอายุ", VolunteerKind::Caregiver),
    ("อพม.", VolunteerKind::SocialDevelopment),
    ("อพม", VolunteerKind::SocialDevelopment),
    ("จิตอาสา", VolunteerKind::General),
    ("เยาวชน", VolunteerKind::Youth),
    ("ชมรมผู้สูงอายุ", VolunteerKind::EldersClub),
    ("คนพิการ", VolunteerKind::Disabled),
    ("อปพร.", VolunteerKind::Rescue),
    ("กู้ภัย", VolunteerKind::Rescue),
];

/// One partner row as a form; `default_area` fills an empty area.
pub fn partner_form(
    map: &[Option<&'static str>],
    cells: &[String],
    default_area: Option<&str>,
) -> OrganisationForm {
    let v = cells_of(map, cells);
    let area = v("area_code");
    OrganisationForm {
        name_th: v("name_th"),
        name_en: v("name_en"),
        sector: loose(&v("sector"), Sector::parse, Sector::as_str, SECTOR_NAMES),
        org_type: loose(
            &v("org_type"),
            OrgType::parse,
            OrgType::as_str,
            ORG_TYPE_NAMES,
        ),
        area_code: if area.is_empty() {
            default_area.unwrap_or_default().to_owned()
        } else {
            area
        },
        contact_name: v("contact_name"),
        phone: v("phone"),
        email: v("email"),
        offers: v("offers"),
        offer_note: v("offer_note"),
    }
}

/// One volunteer row as a form; `default_area` fills an empty area.
pub fn volunteer_form(
    map: &[Option<&'static str>],
    cells: &[String],
    default_area: Option<&str>,
) -> VolunteerForm {
    let v = cells_of(map, cells);
    let area = v("area_code");
    VolunteerForm {
        prefix: v("prefix"),
        first_name: v("first_name"),
        last_name: v("last_name"),
        kind: loose(
            &v("kind"),
            VolunteerKind::parse,
            VolunteerKind::as_str,
            KIND_NAMES,
        ),
        phone: v("phone"),
        area_code: if area.is_empty() {
            default_area.unwrap_or_default().to_owned()
        } else {
            area
        },
        lat: v("lat"),
        lon: v("lon"),
        skills: v("skills"),
        languages: v("languages"),
        availability: v("availability"),
        organisation_id: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn overrides_change_single_columns() {
        let headers = h(&["ชื่อหน่วย", "กลุ่ม", "ประเภท", "อำเภอ"]);
        let mut map = recognise(PARTNER_COLUMNS, &headers);
        assert_eq!(map[0], None);
        apply_overrides(
            PARTNER_COLUMNS,
            &headers,
            &mut map,
            "ชื่อหน่วย=name_th; 2=sector\n4=area_code, ประเภท=ignore",
        )
        .unwrap();
        assert_eq!(
            map,
            vec![Some("name_th"), Some("sector"), None, Some("area_code")]
        );
        for bad in ["nonsense", "ไม่มี=name_th", "9=name_th", "1=wings"] {
            assert_eq!(
                apply_overrides(PARTNER_COLUMNS, &headers, &mut map, bad),
                Err(FieldError::new("map", "mapping_invalid")),
                "{bad}"
            );
        }
    }

    #[test]
    fn thai_headers_and_thai_values_are_understood() {
        let headers = h(&[
            "ชื่อ",
            "นามสกุล",
            "ประเภท",
            "เบอร์โทร",
            "รหัสหมู่บ้าน",
            "ทักษะ",
            "อื่น",
        ]);
        let map = recognise(VOLUNTEER_COLUMNS, &headers);
        assert_eq!(
            map,
            vec![
                Some("first_name"),
                Some("last_name"),
                Some("kind"),
                Some("phone"),
                Some("area_code"),
                Some("skills"),
                None
            ]
        );
        assert!(check_map(VOLUNTEER_COLUMNS, &map, false).is_ok());
        let f = volunteer_form(
            &map,
            &h(&[
                "บุญมี",
                "ใจงาม",
                "อสม.",
                "0812345678",
                "55010101",
                "first_aid",
            ]),
            None,
        );
        assert_eq!(f.kind, "vhv");
        let input = f.check().unwrap();
        assert_eq!(input.kind, VolunteerKind::HealthVolunteer);

        let map = recognise(PARTNER_COLUMNS, &h(&["ชื่อองค์กร", "ภาคส่วน", "ประเภทองค์กร"]));
        assert_eq!(
            check_map(PARTNER_COLUMNS, &map, true),
            Ok(()),
            "the area may come from a default"
        );
        assert_eq!(
            check_map(PARTNER_COLUMNS, &map, false),
            Err(vec![FieldError::new("area_code", "column_missing")])
        );
        let f = partner_form(&map, &h(&["มูลนิธิร่วมใจ", "ภาคเอกชน", "มูลนิธิ"]), Some("55"));
        let o = f.check().unwrap();
        assert_eq!(
            (o.sector, o.org_type, o.area.as_str()),
            (Sector::Private, OrgType::Foundation, "55")
        );
        // An unknown value stays as typed, so the row error names it.
        let bad = partner_form(&map, &h(&["x", "ภาคอวกาศ", "วัด"]), Some("55"));
        assert_eq!(bad.sector, "ภาคอวกาศ");
        assert!(bad.check().is_err());
    }
}
