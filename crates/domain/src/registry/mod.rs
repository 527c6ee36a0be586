//! The central registry (ข้อมูลกลาง): persons and households, their vulnerability categories,
//! consent, and community verification.

pub mod category;
pub mod dates;
pub mod ident;
pub mod import;
pub mod person;
pub mod privacy;
pub mod search;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use category::{Category, DisabilityType, ELDERLY_AGE};
pub use dates::{PartialDate, Precision};
pub use ident::IdKind;
pub use person::{PersonForm, PersonInput, PersonStatus, Relation, Sex};

use crate::{FieldError, Invalid};

/// The five dimensions of Thailand's poverty targeting (TPMAP / จปฐ. practice). Each is
/// `Some(true)` when the household is deprived in it, `Some(false)` when surveyed and not
/// deprived, `None` when not surveyed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PovertyDimensions {
    /// สุขภาพ.
    pub health: Option<bool>,
    /// ความเป็นอยู่ (housing, water, sanitation).
    pub living: Option<bool>,
    /// การศึกษา.
    pub education: Option<bool>,
    /// รายได้.
    pub income: Option<bool>,
    /// การเข้าถึงบริการรัฐ.
    pub access: Option<bool>,
}

impl PovertyDimensions {
    /// Names of the dimensions in order (also the stored column suffixes and message keys).
    pub const NAMES: [&'static str; 5] = ["health", "living", "education", "income", "access"];

    /// Values in [`Self::NAMES`] order.
    pub fn values(&self) -> [Option<bool>; 5] {
        [
            self.health,
            self.living,
            self.education,
            self.income,
            self.access,
        ]
    }

    /// Number of dimensions in which the household is deprived.
    pub fn deprived_count(&self) -> usize {
        self.values().iter().filter(|v| **v == Some(true)).count()
    }

    /// Parse a tri-state form value (`yes`/`no`/empty, also Thai `ใช่`/`ไม่`, `1`/`0`).
    pub fn parse_flag(field: &'static str, s: &str) -> Result<Option<bool>, FieldError> {
        match s.trim().to_lowercase().as_str() {
            "" => Ok(None),
            "yes" | "true" | "1" | "ใช่" | "มี" | "y" => Ok(Some(true)),
            "no" | "false" | "0" | "ไม่" | "ไม่ใช่" | "ไม่มี" | "n" => {
                Ok(Some(false))
            }
            _ => Err(FieldError::new(field, "invalid_choice")),
        }
    }
}

/// A category with its details, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryForm {
    /// Stored category name.
    pub category: String,
    /// Disability type (disabled only).
    pub disability_type: String,
    /// Disability card number (disabled only).
    pub card_number: String,
    /// Card expiry (disabled only).
    pub card_expiry: String,
    /// Free note (e.g. which chronic illness).
    pub note: String,
}

/// A checked category with details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryInput {
    /// The category (never the derived *elderly*).
    pub category: Category,
    /// Disability type.
    pub disability_type: Option<DisabilityType>,
    /// Disability card number.
    pub card_number: Option<String>,
    /// Card expiry.
    pub card_expiry: Option<NaiveDate>,
    /// Note.
    pub note: Option<String>,
}

impl CategoryForm {
    /// Check the form.
    pub fn check(&self, today: NaiveDate) -> Result<CategoryInput, Invalid> {
        let mut errors = Vec::new();
        let category = match Category::parse(&self.category) {
            Some(c) if c.is_derived() => {
                errors.push(FieldError::new("category", "category_derived"));
                None
            }
            Some(c) => Some(c),
            None => {
                errors.push(FieldError::new("category", "invalid_choice"));
                None
            }
        };
        let disabled = category == Some(Category::Disabled);
        let disability_type = match self.disability_type.trim() {
            "" => None,
            s if disabled => DisabilityType::parse(s).or_else(|| {
                errors.push(FieldError::new("disability_type", "invalid_choice"));
                None
            }),
            _ => {
                errors.push(FieldError::new("disability_type", "only_for_disabled"));
                None
            }
        };
        let card_number = self.card_number.trim();
        let card_number = if card_number.is_empty() {
            None
        } else if !disabled {
            errors.push(FieldError::new("card_number", "only_for_disabled"));
            None
        } else if card_number.chars().count() > 30 {
            errors.push(FieldError::new("card_number", "too_long"));
            None
        } else {
            Some(card_number.to_owned())
        };
        // Expiry may be in the future: use a far "today" so only the format is checked.
        let far = NaiveDate::from_ymd_opt(2199, 12, 31).unwrap_or(today);
        let card_expiry = match self.card_expiry.trim() {
            "" => None,
            s if disabled => match PartialDate::parse("card_expiry", s, far) {
                Ok(d) => Some(d.date),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            _ => {
                errors.push(FieldError::new("card_expiry", "only_for_disabled"));
                None
            }
        };
        let note = self.note.trim();
        if note.chars().count() > 500 {
            errors.push(FieldError::new("note", "too_long"));
        }
        match category {
            Some(category) if errors.is_empty() => Ok(CategoryInput {
                category,
                disability_type,
                card_number,
                card_expiry,
                note: (!note.is_empty()).then(|| note.to_owned()),
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

/// Who signs a village list (the Songkhla practice): three named attestations make a record
/// certified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttestationRole {
    /// ผู้ใหญ่บ้าน.
    VillageHead,
    /// ผู้ช่วยผู้ใหญ่บ้าน.
    AssistantHead,
    /// อสม.
    HealthVolunteer,
}

impl AttestationRole {
    /// The three roles, in signing order.
    pub const ALL: [AttestationRole; 3] = [
        Self::VillageHead,
        Self::AssistantHead,
        Self::HealthVolunteer,
    ];

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::VillageHead => "village_head",
            Self::AssistantHead => "assistant_head",
            Self::HealthVolunteer => "health_volunteer",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// Where a record stands in community verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Not yet (fully) attested.
    Unverified,
    /// All three roles have attested.
    Certified,
    /// Someone disputes the record; the note says why. A dispute outranks attestations until
    /// it is resolved.
    Disputed,
}

impl Verification {
    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::Certified => "certified",
            Self::Disputed => "disputed",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unverified" => Some(Self::Unverified),
            "certified" => Some(Self::Certified),
            "disputed" => Some(Self::Disputed),
            _ => None,
        }
    }

    /// The state from the roles that have attested and whether a dispute is open.
    pub fn from_attestations(roles: &[AttestationRole], disputed: bool) -> Self {
        if disputed {
            Self::Disputed
        } else if AttestationRole::ALL.iter().all(|r| roles.contains(r)) {
            Self::Certified
        } else {
            Self::Unverified
        }
    }
}

/// Why personal data is processed (PDPA purposes used by the network).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Care and home visits.
    Care,
    /// Sharing with partner agencies for assistance.
    Sharing,
    /// Disaster warning and evacuation.
    Disaster,
    /// Photos and stories in public reports.
    Publicity,
    /// Research and evaluation.
    Research,
}

impl ConsentPurpose {
    /// All purposes.
    pub const ALL: [ConsentPurpose; 5] = [
        Self::Care,
        Self::Sharing,
        Self::Disaster,
        Self::Publicity,
        Self::Research,
    ];

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Care => "care",
            Self::Sharing => "sharing",
            Self::Disaster => "disaster",
            Self::Publicity => "publicity",
            Self::Research => "research",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

impl ConsentPurpose {
    /// Parse a form or API value, naming the field `purpose` when it is not one of ours.
    pub fn parse_field(s: &str) -> Result<Self, FieldError> {
        Self::parse(s).ok_or(FieldError::new("purpose", "invalid_choice"))
    }
}

impl LawfulBasis {
    /// Parse a form or API value, naming the field `basis` when it is not one of ours.
    pub fn parse_field(s: &str) -> Result<Self, FieldError> {
        Self::parse(s).ok_or(FieldError::new("basis", "invalid_choice"))
    }
}

/// The lawful basis of processing (PDPA sections 24 and 26).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LawfulBasis {
    /// Consent of the person (or their guardian).
    Consent,
    /// To prevent or suppress a danger to life, body or health.
    VitalInterest,
    /// A task in the public interest or official authority.
    PublicTask,
    /// A legal obligation.
    LegalObligation,
}

impl LawfulBasis {
    /// All bases.
    pub const ALL: [LawfulBasis; 4] = [
        Self::Consent,
        Self::VitalInterest,
        Self::PublicTask,
        Self::LegalObligation,
    ];

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::VitalInterest => "vital_interest",
            Self::PublicTask => "public_task",
            Self::LegalObligation => "legal_obligation",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// Whether a consent purpose applies to a person today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConsentState {
    /// The purpose.
    pub purpose: ConsentPurpose,
    /// The basis.
    pub basis: LawfulBasis,
    /// Given on.
    pub given_on: NaiveDate,
    /// Withdrawn on (then it no longer applies).
    pub withdrawn_on: Option<NaiveDate>,
}

impl ConsentState {
    /// True while not withdrawn.
    pub fn is_active(&self) -> bool {
        self.withdrawn_on.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_named_roles_certify_and_a_dispute_outranks_them() {
        use AttestationRole::*;
        assert_eq!(
            Verification::from_attestations(&[VillageHead, AssistantHead], false),
            Verification::Unverified
        );
        assert_eq!(
            Verification::from_attestations(&[HealthVolunteer, VillageHead, AssistantHead], false),
            Verification::Certified
        );
        assert_eq!(
            Verification::from_attestations(&[HealthVolunteer, VillageHead, AssistantHead], true),
            Verification::Disputed
        );
    }

    #[test]
    fn category_details_belong_to_disability_only() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let ok = CategoryForm {
            category: "disabled".into(),
            disability_type: "physical".into(),
            card_number: "1101700230708".into(),
            card_expiry: "31/12/2572".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap();
        assert_eq!(ok.card_expiry, NaiveDate::from_ymd_opt(2029, 12, 31));
        let Invalid(e) = CategoryForm {
            category: "poor".into(),
            disability_type: "physical".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap_err();
        assert_eq!(
            e,
            vec![FieldError::new("disability_type", "only_for_disabled")]
        );
        let Invalid(e) = CategoryForm {
            category: "elderly".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap_err();
        assert_eq!(e, vec![FieldError::new("category", "category_derived")]);
    }
}
