//! Person imports: which column holds what (recognised from Thai or English headers, and
//! changeable by the user in the mapping step), and one row turned into a [`PersonForm`] plus its
//! categories.

use serde::{Deserialize, Serialize};

use super::category::Category;
use super::person::PersonForm;
use super::search::fold;
use crate::FieldError;

/// A field a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    /// ID kind.
    IdKind,
    /// ID number.
    IdNumber,
    /// Prefix.
    Prefix,
    /// First name (a glued prefix comes off).
    FirstName,
    /// Last name.
    LastName,
    /// First and last name in one column (`นางสมศรี ศรีสุข`).
    FullName,
    /// Sex.
    Sex,
    /// Birth date (partial, BE or CE).
    BirthDate,
    /// Phone.
    Phone,
    /// Village code (8 digits).
    VillageCode,
    /// House number.
    HouseNumber,
    /// Relation to the household head.
    Relation,
    /// Latitude.
    Lat,
    /// Longitude.
    Lon,
    /// Categories, separated by commas (Thai or English names).
    Categories,
}

impl ImportField {
    /// All fields, in mapping-form order.
    pub const ALL: [ImportField; 15] = [
        Self::IdKind,
        Self::IdNumber,
        Self::Prefix,
        Self::FirstName,
        Self::LastName,
        Self::FullName,
        Self::Sex,
        Self::BirthDate,
        Self::Phone,
        Self::VillageCode,
        Self::HouseNumber,
        Self::Relation,
        Self::Lat,
        Self::Lon,
        Self::Categories,
    ];

    /// Stable name (also the message key suffix and the CLI `--map` value).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::IdKind => "id_kind",
            Self::IdNumber => "id_number",
            Self::Prefix => "prefix",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::FullName => "full_name",
            Self::Sex => "sex",
            Self::BirthDate => "birth_date",
            Self::Phone => "phone",
            Self::VillageCode => "village_code",
            Self::HouseNumber => "house_number",
            Self::Relation => "relation",
            Self::Lat => "lat",
            Self::Lon => "lon",
            Self::Categories => "categories",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    /// Header texts recognised for this field (compared folded, so tone-mark and spacing
    /// slips in headers still match).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::IdKind => &["id_kind", "ประเภทเอกสาร", "ประเภทบัตร"],
            Self::IdNumber => &[
                "id_number",
                "เลขประจำตัวประชาชน",
                "เลขบัตรประชาชน",
                "เลขบัตรประจำตัวประชาชน",
                "เลขประจำตัว",
                "เลขที่บัตร",
                "cid",
                "pid",
                "national id",
                "citizen id",
                "id card",
            ],
            Self::Prefix => &["prefix", "คำนำหน้า", "คำนำหน้าชื่อ", "title"],
            Self::FirstName => &["first_name", "ชื่อ", "first name", "firstname", "name"],
            Self::LastName => &[
                "last_name",
                "นามสกุล",
                "สกุล",
                "last name",
                "lastname",
                "surname",
            ],
            Self::FullName => &[
                "full_name",
                "ชื่อ-สกุล",
                "ชื่อ-นามสกุล",
                "ชื่อสกุล",
                "ชื่อ นามสกุล",
                "full name",
            ],
            Self::Sex => &["sex", "เพศ", "gender"],
            Self::BirthDate => &[
                "birth_date",
                "วันเกิด",
                "วันเดือนปีเกิด",
                "วัน/เดือน/ปีเกิด",
                "ปีเกิด",
                "birth date",
                "birthdate",
                "dob",
                "date of birth",
            ],
            Self::Phone => &[
                "phone",
                "โทรศัพท์",
                "เบอร์โทร",
                "เบอร์โทรศัพท์",
                "หมายเลขโทรศัพท์",
                "tel",
                "mobile",
            ],
            Self::VillageCode => &["village_code", "รหัสหมู่บ้าน", "รหัสพื้นที่", "village code"],
            Self::HouseNumber => &[
                "house_number",
                "บ้านเลขที่",
                "เลขที่บ้าน",
                "house no",
                "house number",
            ],
            Self::Relation => &[
                "relation",
                "ความสัมพันธ์",
                "ความเกี่ยวข้องกับหัวหน้าครัวเรือน",
                "ความสัมพันธ์กับหัวหน้าครัวเรือน",
            ],
            Self::Lat => &["lat", "latitude", "ละติจูด"],
            Self::Lon => &["lon", "lng", "long", "longitude", "ลองจิจูด"],
            Self::Categories => &[
                "categories",
                "กลุ่มเปราะบาง",
                "ประเภทกลุ่มเปราะบาง",
                "กลุ่มเป้าหมาย",
                "category",
            ],
        }
    }
}

/// For each column, the field it feeds (or `None`: ignored).
pub type ColumnMap = Vec<Option<ImportField>>;

/// Recognise headers. A field is taken by its first matching column only.
pub fn recognise(headers: &[String]) -> ColumnMap {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let h = fold(h.trim().trim_start_matches('\u{feff}'));
            let f = ImportField::ALL
                .into_iter()
                .find(|f| !taken.contains(f) && f.synonyms().iter().any(|s| fold(s) == h));
            if let Some(f) = f {
                taken.push(f);
            }
            f
        })
        .collect()
}

/// Check a mapping: the fields a person needs must be fed, and no field twice.
pub fn check_map(map: &ColumnMap, default_village: bool) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let has = |f: ImportField| map.iter().flatten().any(|x| *x == f);
    if !has(ImportField::FirstName) && !has(ImportField::FullName) {
        errors.push(FieldError::new("first_name", "column_missing"));
    }
    if !has(ImportField::VillageCode) && !default_village {
        errors.push(FieldError::new("village_code", "column_missing"));
    }
    for f in ImportField::ALL {
        if map.iter().flatten().filter(|x| **x == f).count() > 1 {
            errors.push(FieldError::new(f.as_str(), "column_twice"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Thai and English names of categories as they appear in agency files.
fn category_from_text(s: &str) -> Option<Category> {
    let f = fold(s);
    if let Some(c) = Category::parse(s) {
        return Some(c);
    }
    let table: &[(&str, Category)] = &[
        ("ผู้สูงอายุ", Category::Elderly),
        ("คนพิการ", Category::Disabled),
        ("ผู้พิการ", Category::Disabled),
        ("พิการ", Category::Disabled),
        ("ติดเตียง", Category::Bedridden),
        ("ผู้ป่วยติดเตียง", Category::Bedridden),
        ("ติดบ้าน", Category::Homebound),
        ("ติดสังคม", Category::SociallyActive),
        ("โรคเรื้อรัง", Category::ChronicIllness),
        ("ผู้ป่วยโรคเรื้อรัง", Category::ChronicIllness),
        ("คนจน", Category::Poor),
        ("ยากจน", Category::Poor),
        ("ผู้มีรายได้น้อย", Category::Poor),
        ("ไร้สัญชาติ", Category::Stateless),
        ("ไร้สถานะ", Category::Stateless),
        ("เด็กกำพร้า", Category::ChildAtRisk),
        ("เด็กเสี่ยง", Category::ChildAtRisk),
        ("กำพร้า", Category::ChildAtRisk),
        ("พ่อแม่เลี้ยงเดี่ยว", Category::SingleParent),
        ("เลี้ยงเดี่ยว", Category::SingleParent),
        ("คนไร้บ้าน", Category::Homeless),
        ("ไร้บ้าน", Category::Homeless),
        ("เอชไอวี", Category::Hiv),
        ("ผู้ติดเชื้อเอชไอวี", Category::Hiv),
        ("hiv", Category::Hiv),
        ("ผู้พ้นโทษ", Category::ExPrisoner),
        ("พ้นโทษ", Category::ExPrisoner),
    ];
    table.iter().find(|(t, _)| fold(t) == f).map(|(_, c)| *c)
}

/// Parse a categories cell: `ผู้สูงอายุ, คนพิการ`. *Elderly* is dropped (it is derived from the
/// birth date); an unknown name is an error on `categories`.
pub fn parse_categories(cell: &str) -> Result<Vec<Category>, FieldError> {
    let mut out = Vec::new();
    for part in cell.split([',', ';', '|', '/']) {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        match category_from_text(p) {
            Some(Category::Elderly) => {}
            Some(c) if !out.contains(&c) => out.push(c),
            Some(_) => {}
            None => return Err(FieldError::new("categories", "category_unknown")),
        }
    }
    Ok(out)
}

/// One row as a person form plus the raw categories cell. `default_village` fills an empty
/// village column (the mapping step can set one village for a whole file).
pub fn row_to_form(
    map: &ColumnMap,
    mut cells: Vec<String>,
    default_village: Option<&str>,
) -> (PersonForm, String) {
    let mut f = PersonForm::default();
    let mut cats = String::new();
    for (i, field) in map.iter().enumerate() {
        let Some(field) = field else { continue };
        // The cell moves into the form (no copy unless it needs trimming).
        let v = cells.get_mut(i).map(std::mem::take).unwrap_or_default();
        let v = if v.trim().len() == v.len() {
            v
        } else {
            v.trim().to_owned()
        };
        match field {
            ImportField::IdKind => f.id_kind = v,
            ImportField::IdNumber => f.id_number = v,
            ImportField::Prefix => f.prefix = v,
            ImportField::FirstName => f.first_name = v,
            ImportField::LastName => f.last_name = v,
            ImportField::FullName => {
                let mut words = v.split_whitespace();
                f.first_name = words.next().unwrap_or("").to_owned();
                f.last_name = words.collect::<Vec<_>>().join(" ");
            }
            ImportField::Sex => f.sex = v,
            ImportField::BirthDate => f.birth_date = v,
            ImportField::Phone => f.phone = v,
            ImportField::VillageCode => f.village_code = v,
            ImportField::HouseNumber => f.house_number = v,
            ImportField::Relation => f.relation = v,
            ImportField::Lat => f.lat = v,
            ImportField::Lon => f.lon = v,
            ImportField::Categories => cats = v,
        }
    }
    if f.village_code.is_empty()
        && let Some(v) = default_village
    {
        f.village_code = v.to_owned();
    }
    (f, cats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn thai_headers_are_recognised() {
        let map = recognise(&h(&[
            "\u{feff}เลขประจำตัวประชาชน",
            "คำนำหน้า",
            "ชื่อ",
            "นามสกุล",
            "วันเกิด",
            "บ้านเลขที่",
            "รหัสหมู่บ้าน",
            "หมายเหตุ",
        ]));
        assert_eq!(
            map,
            vec![
                Some(ImportField::IdNumber),
                Some(ImportField::Prefix),
                Some(ImportField::FirstName),
                Some(ImportField::LastName),
                Some(ImportField::BirthDate),
                Some(ImportField::HouseNumber),
                Some(ImportField::VillageCode),
                None
            ]
        );
        assert!(check_map(&map, false).is_ok());
        let only_names = recognise(&h(&["ชื่อ-สกุล"]));
        assert_eq!(only_names, vec![Some(ImportField::FullName)]);
        assert_eq!(
            check_map(&only_names, false),
            Err(vec![FieldError::new("village_code", "column_missing")])
        );
        assert!(check_map(&only_names, true).is_ok());
    }

    #[test]
    fn a_row_becomes_a_form() {
        let map = vec![
            Some(ImportField::FullName),
            Some(ImportField::Categories),
            None,
        ];
        let (f, cats) = row_to_form(
            &map,
            h(&["นางสมศรี ศรีสุข", "ผู้สูงอายุ, คนพิการ, ติดเตียง", "x"]),
            Some("55010101"),
        );
        assert_eq!(f.first_name, "นางสมศรี");
        assert_eq!(f.last_name, "ศรีสุข");
        assert_eq!(f.village_code, "55010101");
        assert_eq!(
            parse_categories(&cats),
            Ok(vec![Category::Disabled, Category::Bedridden])
        );
        assert_eq!(
            parse_categories("คนพิการ, มนุษย์ต่างดาว"),
            Err(FieldError::new("categories", "category_unknown"))
        );
    }
}
