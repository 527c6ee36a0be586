//! Vulnerability categories. A person may be in several. *Elderly* is derived from age and never
//! typed; the ADL groups (bedridden, home-bound, socially active) come from the latest ADL
//! assessment once home visits record one, and until then from a survey. HIV and ex-prisoner are
//! *sensitive*: stored, shown, exported and counted only for holders of the `sensitive`
//! permission, and never counted below district level.

use serde::{Deserialize, Serialize};

/// Age from which a person counts as elderly (ผู้สูงอายุ, Older Persons Act B.E. 2546).
pub const ELDERLY_AGE: i32 = 60;

/// A vulnerability category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// ผู้สูงอายุ — derived from the birth date, never stored.
    Elderly,
    /// คนพิการ (with type, card number and expiry).
    Disabled,
    /// ผู้ป่วยติดเตียง (ADL 0–4).
    Bedridden,
    /// ติดบ้าน (ADL 5–11).
    Homebound,
    /// ติดสังคม (ADL 12–20).
    SociallyActive,
    /// ผู้ป่วยโรคเรื้อรัง.
    ChronicIllness,
    /// ผู้มีรายได้น้อย / คนจน.
    Poor,
    /// ผู้ไร้สัญชาติ / ไร้สถานะ.
    Stateless,
    /// เด็กกำพร้า / เด็กเสี่ยง.
    ChildAtRisk,
    /// พ่อแม่เลี้ยงเดี่ยว.
    SingleParent,
    /// คนไร้บ้าน.
    Homeless,
    /// ผู้ติดเชื้อเอชไอวี — sensitive.
    Hiv,
    /// ผู้พ้นโทษ — sensitive.
    ExPrisoner,
}

impl Category {
    /// All categories in display order.
    pub const ALL: [Category; 13] = [
        Self::Elderly,
        Self::Disabled,
        Self::Bedridden,
        Self::Homebound,
        Self::SociallyActive,
        Self::ChronicIllness,
        Self::Poor,
        Self::Stateless,
        Self::ChildAtRisk,
        Self::SingleParent,
        Self::Homeless,
        Self::Hiv,
        Self::ExPrisoner,
    ];

    /// Categories a person can be given by hand (everything but the derived *elderly*).
    pub fn recordable() -> impl Iterator<Item = Category> {
        Self::ALL.into_iter().filter(|c| !c.is_derived())
    }

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Elderly => "elderly",
            Self::Disabled => "disabled",
            Self::Bedridden => "bedridden",
            Self::Homebound => "homebound",
            Self::SociallyActive => "socially_active",
            Self::ChronicIllness => "chronic_illness",
            Self::Poor => "poor",
            Self::Stateless => "stateless",
            Self::ChildAtRisk => "child_at_risk",
            Self::SingleParent => "single_parent",
            Self::Homeless => "homeless",
            Self::Hiv => "hiv",
            Self::ExPrisoner => "ex_prisoner",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// Needs the `sensitive` permission to be stored, seen, exported or counted.
    pub const fn is_sensitive(self) -> bool {
        matches!(self, Self::Hiv | Self::ExPrisoner)
    }

    /// Computed, never typed.
    pub const fn is_derived(self) -> bool {
        matches!(self, Self::Elderly)
    }

    /// One of the three ADL dependency groups (a person is in at most one).
    pub const fn is_adl_group(self) -> bool {
        matches!(
            self,
            Self::Bedridden | Self::Homebound | Self::SociallyActive
        )
    }
}

/// Disability types of the Ministry of Social Development's classification (ประเภทความพิการ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisabilityType {
    /// ทางการเห็น.
    Seeing,
    /// ทางการได้ยินหรือสื่อความหมาย.
    Hearing,
    /// ทางการเคลื่อนไหวหรือทางร่างกาย.
    Physical,
    /// ทางจิตใจหรือพฤติกรรม.
    Mental,
    /// ทางสติปัญญา.
    Intellectual,
    /// ทางการเรียนรู้.
    Learning,
    /// ทางออทิสติก.
    Autism,
}

impl DisabilityType {
    /// All types in the official order.
    pub const ALL: [DisabilityType; 7] = [
        Self::Seeing,
        Self::Hearing,
        Self::Physical,
        Self::Mental,
        Self::Intellectual,
        Self::Learning,
        Self::Autism,
    ];

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Seeing => "seeing",
            Self::Hearing => "hearing",
            Self::Physical => "physical",
            Self::Mental => "mental",
            Self::Intellectual => "intellectual",
            Self::Learning => "learning",
            Self::Autism => "autism",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}
