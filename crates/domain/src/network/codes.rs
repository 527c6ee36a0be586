//! The network's fixed vocabularies: sectors, organisation types, what partners offer, kinds of
//! volunteers, skills and languages. Each value has a stable stored code; people see the
//! localised name (`sector-…`, `org-type-…`, `offer-…`, `volunteer-kind-…`, `skill-…`, `lang-…`).

use serde::{Deserialize, Serialize};

coded! {
    /// The sectors of the network: the "four-legged chair" (people, private sector, academia,
    /// the state — local, regional and central) plus religious organisations and media.
    pub enum Sector {
        /// ภาคประชาชน / ประชาสังคม.
        People = "people",
        /// ภาคเอกชน.
        Private = "private",
        /// ภาควิชาการ.
        Academic = "academic",
        /// องค์กรปกครองส่วนท้องถิ่น.
        LocalGovernment = "local_government",
        /// ราชการส่วนภูมิภาคและส่วนกลาง.
        Government = "government",
        /// องค์กรศาสนา.
        Religious = "religious",
        /// สื่อมวลชน.
        Media = "media",
    }
}

coded! {
    /// What kind of organisation a partner is.
    pub enum OrgType {
        /// มูลนิธิ.
        Foundation = "foundation",
        /// สมาคม / ชมรม.
        Association = "association",
        /// กลุ่มชุมชน / วิสาหกิจชุมชน.
        CommunityGroup = "community_group",
        /// โรงพยาบาล.
        Hospital = "hospital",
        /// โรงพยาบาลส่งเสริมสุขภาพตำบล.
        HealthCentre = "health_centre",
        /// โรงเรียน.
        School = "school",
        /// มหาวิทยาลัย / วิทยาลัย.
        University = "university",
        /// วัด.
        Temple = "temple",
        /// มัสยิด.
        Mosque = "mosque",
        /// โบสถ์ / คริสตจักร.
        Church = "church",
        /// องค์การบริหารส่วนตำบล (อบต.).
        Sao = "sao",
        /// เทศบาล.
        Municipality = "municipality",
        /// องค์การบริหารส่วนจังหวัด (อบจ.).
        Pao = "pao",
        /// ส่วนราชการ.
        Agency = "agency",
        /// บริษัท / ร้านค้า.
        Company = "company",
        /// สหกรณ์.
        Cooperative = "cooperative",
        /// สื่อ.
        MediaOutlet = "media_outlet",
        /// อื่น ๆ.
        Other = "other",
    }
}

coded! {
    /// What a partner can give.
    pub enum Offer {
        /// Skills and people's time.
        Skills = "skills",
        /// Goods (food, diapers, equipment).
        Goods = "goods",
        /// Money.
        Money = "money",
        /// Vehicles.
        Vehicles = "vehicles",
        /// Places (halls, kitchens, shelters).
        Places = "places",
    }
}

coded! {
    /// Kinds of volunteers.
    pub enum VolunteerKind {
        /// อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.).
        HealthVolunteer = "vhv",
        /// ผู้ดูแลผู้สูงอายุ (Caregiver, CG).
        Caregiver = "caregiver",
        /// อาสาสมัครพัฒนาสังคมและความมั่นคงของมนุษย์ (อพม.).
        SocialDevelopment = "social_development",
        /// จิตอาสาทั่วไป.
        General = "general",
        /// เยาวชนจิตอาสา.
        Youth = "youth",
        /// ชมรมผู้สูงอายุ.
        EldersClub = "elders_club",
        /// คนพิการจิตอาสา.
        Disabled = "disabled",
        /// อาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.) and rescue.
        Rescue = "rescue",
    }
}

coded! {
    /// Skills a volunteer has (declared, or granted by a course of the volunteer college).
    pub enum Skill {
        /// เยี่ยมบ้านและวัดสัญญาณชีพ.
        HomeVisit = "home_visit",
        /// ประเมิน ADL (Barthel).
        AdlAssessment = "adl_assessment",
        /// ดูแลผู้ป่วยติดเตียง.
        BedriddenCare = "bedridden_care",
        /// ปฐมพยาบาล.
        FirstAid = "first_aid",
        /// การช่วยเหลือเบื้องต้นเมื่อเกิดภัยพิบัติ.
        DisasterResponse = "disaster_response",
        /// ค้นหาและกู้ภัย.
        SearchRescue = "search_rescue",
        /// ฟื้นฟูสมรรถภาพ / กายภาพบำบัด.
        Rehabilitation = "rehabilitation",
        /// ให้คำปรึกษา.
        Counselling = "counselling",
        /// ขับรถ.
        Driving = "driving",
        /// ขับเรือ.
        Boat = "boat",
        /// ประกอบอาหาร (ครัวกลาง).
        Cooking = "cooking",
        /// ภาษามือ.
        SignLanguage = "sign_language",
        /// ล่ามภาษาถิ่นหรือภาษาชนเผ่า.
        Interpreting = "interpreting",
        /// บันทึกข้อมูลและคอมพิวเตอร์.
        DataEntry = "data_entry",
    }
}

coded! {
    /// Languages a volunteer speaks, including Thailand's regional and hill-tribe languages.
    pub enum Language {
        /// ไทยกลาง.
        Thai = "th",
        /// คำเมือง (ไทยถิ่นเหนือ).
        NorthernThai = "nod",
        /// อีสาน.
        Isan = "tts",
        /// ไทยถิ่นใต้.
        SouthernThai = "sou",
        /// มลายูปัตตานี.
        PattaniMalay = "mfa",
        /// ม้ง.
        Hmong = "hmn",
        /// เมี่ยน (เย้า).
        Mien = "ium",
        /// กะเหรี่ยง.
        Karen = "kar",
        /// อาข่า.
        Akha = "ahk",
        /// ลาหู่.
        Lahu = "lhu",
        /// ลีซู.
        Lisu = "lis",
        /// ลัวะ.
        Lua = "lcp",
        /// ขมุ.
        Khmu = "kjg",
        /// ไทลื้อ.
        TaiLue = "khb",
        /// ไทใหญ่.
        Shan = "shn",
        /// เมียนมา.
        Burmese = "my",
        /// ลาว.
        Lao = "lo",
        /// เขมร.
        Khmer = "km",
        /// อังกฤษ.
        English = "en",
        /// จีน.
        Chinese = "zh",
    }
}

/// Parse a list of codes separated by commas (or spaces); unknown codes are an error naming
/// `field`. Duplicates are dropped, order kept.
pub fn parse_list<T: Copy + PartialEq>(
    field: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, crate::FieldError> {
    let mut out = Vec::new();
    for part in raw
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match parse(part) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => return Err(crate::FieldError::new(field, "invalid_choice")),
        }
    }
    Ok(out)
}

/// Codes joined with commas (the stored form of a list).
pub fn join_codes<T: Copy>(values: &[T], code: impl Fn(T) -> &'static str) -> String {
    values
        .iter()
        .map(|v| code(*v))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: impl Fn(T) -> &'static str,
            parse: impl Fn(&str) -> Option<T>,
        ) {
            let mut seen = std::collections::HashSet::new();
            for &v in all {
                assert!(seen.insert(code(v)), "{:?} repeats a code", v);
                assert_eq!(parse(code(v)), Some(v));
            }
        }
        check(Sector::ALL, Sector::as_str, Sector::parse);
        check(OrgType::ALL, OrgType::as_str, OrgType::parse);
        check(Offer::ALL, Offer::as_str, Offer::parse);
        check(
            VolunteerKind::ALL,
            VolunteerKind::as_str,
            VolunteerKind::parse,
        );
        check(Skill::ALL, Skill::as_str, Skill::parse);
        check(Language::ALL, Language::as_str, Language::parse);
        assert_eq!(Skill::parse(" first_aid "), Some(Skill::FirstAid));
        assert_eq!(Skill::parse("juggling"), None);
    }

    #[test]
    fn lists_parse_with_their_field_named() {
        assert_eq!(
            parse_list(
                "skills",
                "first_aid, adl_assessment;first_aid",
                Skill::parse
            ),
            Ok(vec![Skill::FirstAid, Skill::AdlAssessment])
        );
        assert_eq!(
            parse_list("skills", "first_aid, juggling", Skill::parse),
            Err(crate::FieldError::new("skills", "invalid_choice"))
        );
        assert_eq!(parse_list("skills", "  ", Skill::parse), Ok(vec![]));
        assert_eq!(
            join_codes(&[Language::Hmong, Language::Thai], Language::as_str),
            "hmn,th"
        );
    }
}
