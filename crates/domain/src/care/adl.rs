//! The Barthel index of activities of daily living (ADL) as Thai primary care scores it: ten
//! items, 0–20 in all, and the dependency group that follows — ติดสังคม (socially active,
//! 12–20), ติดบ้าน (home-bound, 5–11), ติดเตียง (bedridden, 0–4). The group sets the person's
//! ADL category in the registry.

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::registry::Category;

/// One item of the index: its stored name and its highest score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Stored name (also the form field and the message key suffix `adl-…`).
    pub name: &'static str,
    /// Highest score (0 is always the lowest).
    pub max: u8,
}

/// The ten items in the order of the Thai form.
pub const ITEMS: [Item; 10] = [
    // รับประทานอาหารเมื่อเตรียมสำรับไว้ให้เรียบร้อยต่อหน้า
    Item {
        name: "feeding",
        max: 2,
    },
    // ล้างหน้า หวีผม แปรงฟัน โกนหนวด
    Item {
        name: "grooming",
        max: 1,
    },
    // ลุกนั่งจากที่นอน หรือจากเตียงไปยังเก้าอี้
    Item {
        name: "transfer",
        max: 3,
    },
    // ใช้ห้องน้ำ
    Item {
        name: "toilet",
        max: 2,
    },
    // การเคลื่อนที่ภายในห้องหรือบ้าน
    Item {
        name: "mobility",
        max: 3,
    },
    // การสวมใส่เสื้อผ้า
    Item {
        name: "dressing",
        max: 2,
    },
    // การขึ้นลงบันได 1 ชั้น
    Item {
        name: "stairs",
        max: 2,
    },
    // การอาบน้ำ
    Item {
        name: "bathing",
        max: 1,
    },
    // การกลั้นการถ่ายอุจจาระ
    Item {
        name: "bowels",
        max: 2,
    },
    // การกลั้นปัสสาวะ
    Item {
        name: "bladder",
        max: 2,
    },
];

/// Highest total.
pub const MAX_SCORE: u8 = 20;

/// The dependency group of a total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// ติดสังคม: 12–20.
    SociallyActive,
    /// ติดบ้าน: 5–11.
    Homebound,
    /// ติดเตียง: 0–4.
    Bedridden,
}

impl Group {
    /// The group of a total (0–20).
    pub const fn of(total: u8) -> Self {
        match total {
            0..=4 => Self::Bedridden,
            5..=11 => Self::Homebound,
            _ => Self::SociallyActive,
        }
    }

    /// The registry category this group gives the person.
    pub const fn category(self) -> Category {
        match self {
            Self::SociallyActive => Category::SociallyActive,
            Self::Homebound => Category::Homebound,
            Self::Bedridden => Category::Bedridden,
        }
    }

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        self.category().as_str()
    }
}

/// A complete assessment: a score for every item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Scores in [`ITEMS`] order.
    pub scores: [u8; 10],
}

impl Assessment {
    /// Check scores given as text by item name (every item is required; each within its own
    /// range). Every problem is reported on its item's field.
    pub fn from_fields(get: impl Fn(&str) -> String) -> Result<Self, Vec<FieldError>> {
        let mut scores = [0u8; 10];
        let mut errors = Vec::new();
        for (i, item) in ITEMS.iter().enumerate() {
            match get(item.name).trim() {
                "" => errors.push(FieldError::new(item.name, "required")),
                s => match s.parse::<u8>() {
                    Ok(v) if v <= item.max => scores[i] = v,
                    _ => errors.push(FieldError::new(item.name, "adl_score_invalid")),
                },
            }
        }
        if errors.is_empty() {
            Ok(Self { scores })
        } else {
            Err(errors)
        }
    }

    /// The total (0–20).
    pub fn total(&self) -> u8 {
        self.scores.iter().sum()
    }

    /// The dependency group.
    pub fn group(&self) -> Group {
        Group::of(self.total())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(total: u8) -> Assessment {
        // Fill items in order up to `total`.
        let mut left = total;
        let mut scores = [0u8; 10];
        for (i, item) in ITEMS.iter().enumerate() {
            let s = left.min(item.max);
            scores[i] = s;
            left -= s;
        }
        assert_eq!(left, 0);
        Assessment { scores }
    }

    #[test]
    fn the_items_add_up_to_twenty() {
        assert_eq!(ITEMS.iter().map(|i| i.max).sum::<u8>(), MAX_SCORE);
        assert_eq!(with(20).total(), 20);
    }

    #[test]
    fn groups_change_exactly_at_their_boundaries() {
        for (total, group) in [
            (0, Group::Bedridden),
            (4, Group::Bedridden),
            (5, Group::Homebound),
            (11, Group::Homebound),
            (12, Group::SociallyActive),
            (20, Group::SociallyActive),
        ] {
            assert_eq!(with(total).group(), group, "total {total}");
        }
        assert_eq!(Group::Bedridden.category(), Category::Bedridden);
        assert_eq!(Group::Homebound.as_str(), "homebound");
    }

    #[test]
    fn each_item_keeps_to_its_own_range() {
        fn all(v: &'static str) -> impl Fn(&str) -> String {
            move |_| v.to_owned()
        }
        assert_eq!(Assessment::from_fields(all("0")).unwrap().total(), 0);
        // 2 is too much for grooming and bathing (0–1), fine elsewhere.
        let errs = Assessment::from_fields(all("2")).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["grooming", "bathing"]);
        // 3 only for transfer and mobility.
        let errs = Assessment::from_fields(all("3")).unwrap_err();
        assert_eq!(errs.len(), 8);
        assert!(errs.iter().all(|e| e.code == "adl_score_invalid"));
        let errs = Assessment::from_fields(|n: &str| {
            if n == "stairs" {
                String::new()
            } else if n == "toilet" {
                "x".into()
            } else {
                "1".into()
            }
        })
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                FieldError::new("toilet", "adl_score_invalid"),
                FieldError::new("stairs", "required")
            ]
        );
        let full = Assessment::from_fields(|n: &str| {
            ITEMS.iter().find(|i| i.name == n).unwrap().max.to_string()
        })
        .unwrap();
        assert_eq!((full.total(), full.group()), (20, Group::SociallyActive));
    }
}
