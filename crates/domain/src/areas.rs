//! Thailand's administrative areas: region and health region → province → district →
//! subdistrict → village, with the Department of Provincial Administration (DOPA) codes.
//!
//! DOPA codes nest by prefix (province `55`, district `5501`, subdistrict `550101`, village
//! `55010101`), so "is this area inside that subtree" is a prefix test. That one fact is what
//! scoping is built on (see [`AreaCode::is_within`]).
//!
//! The province/district/subdistrict catalogue is embedded from `data/areas.tsv`, made from
//! geothai 3.2.1 (DOPA data, CC BY 4.0) by `scripts/areas/build_areas.py`. Villages are not in it:
//! admins create them per subdistrict, so they live in the database.

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The embedded catalogue file (see the module docs).
pub const CATALOGUE_TSV: &str = include_str!("../data/areas.tsv");

/// Level of an area in the DOPA tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// จังหวัด — 2-digit code.
    Province,
    /// อำเภอ / เขต — 4-digit code.
    District,
    /// ตำบล / แขวง — 6-digit code.
    Subdistrict,
    /// หมู่บ้าน (หมู่ที่ N) — 8-digit code.
    Village,
}

impl AreaLevel {
    /// Number of digits of a code at this level.
    pub const fn code_len(self) -> usize {
        match self {
            Self::Province => 2,
            Self::District => 4,
            Self::Subdistrict => 6,
            Self::Village => 8,
        }
    }

    /// Level from a code length.
    pub const fn from_code_len(len: usize) -> Option<Self> {
        match len {
            2 => Some(Self::Province),
            4 => Some(Self::District),
            6 => Some(Self::Subdistrict),
            8 => Some(Self::Village),
            _ => None,
        }
    }

    /// Stable name used in storage and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::District => "district",
            Self::Subdistrict => "subdistrict",
            Self::Village => "village",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Province,
            Self::District,
            Self::Subdistrict,
            Self::Village,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }

    /// The level below this one.
    pub const fn child(self) -> Option<Self> {
        match self {
            Self::Province => Some(Self::District),
            Self::District => Some(Self::Subdistrict),
            Self::Subdistrict => Some(Self::Village),
            Self::Village => None,
        }
    }
}

/// A DOPA area code of 2, 4, 6 or 8 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(String);

impl AreaCode {
    /// Parse and check shape (digits, length 2/4/6/8, no zero component below the province).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let bad = FieldError::new("area_code", "invalid_area_code");
        if AreaLevel::from_code_len(s.len()).is_none() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad);
        }
        if s[..2] == *"00" || s.as_bytes().chunks(2).any(|c| c == b"00") {
            return Err(bad);
        }
        Ok(Self(s.to_owned()))
    }

    /// The code's digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its level, from its length.
    pub fn level(&self) -> AreaLevel {
        AreaLevel::from_code_len(self.0.len()).expect("checked at parse")
    }

    /// The parent's code (none for a province).
    pub fn parent(&self) -> Option<AreaCode> {
        (self.0.len() > 2).then(|| Self(self.0[..self.0.len() - 2].to_owned()))
    }

    /// The codes of this area and all its ancestors, province first.
    pub fn lineage(&self) -> Vec<AreaCode> {
        (1..=self.0.len() / 2)
            .map(|n| Self(self.0[..n * 2].to_owned()))
            .collect()
    }

    /// The province part (first two digits).
    pub fn province(&self) -> &str {
        &self.0[..2]
    }

    /// True when this area lies in the subtree rooted at `root` (itself included).
    pub fn is_within(&self, root: &AreaCode) -> bool {
        self.0.starts_with(&root.0)
    }

    /// The codes of this subtree as a half-open range `[self, end)`: a code `c` lies within
    /// this area exactly when `self <= c` and (if there is an end) `c < end`, compared byte-wise
    /// (see [`prefix_upper_bound`]). Unlike `LIKE 'code%'`, a range is answered from an index
    /// on both SQLite and PostgreSQL, whatever the collation.
    pub fn subtree_range(&self) -> (&str, Option<String>) {
        (&self.0, prefix_upper_bound(&self.0))
    }

    /// The code of village number `no` (หมู่ที่ `no`, 1–99) of this subdistrict.
    pub fn village(&self, no: u8) -> Result<AreaCode, FieldError> {
        if self.level() != AreaLevel::Subdistrict {
            return Err(FieldError::new("area_code", "not_a_subdistrict"));
        }
        if !(1..=99).contains(&no) {
            return Err(FieldError::new("village_no", "invalid_village_no"));
        }
        Ok(Self(format!("{}{no:02}", self.0)))
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl TryFrom<String> for AreaCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

impl From<AreaCode> for String {
    fn from(c: AreaCode) -> String {
        c.0
    }
}

/// The smallest digit string above every digit string that starts with `prefix`: the prefix
/// with its trailing `9`s dropped and its last digit raised by one ("5501" → "5502",
/// "5509" → "551", "5599" → "56"). `None` when there is none (an empty prefix or all nines:
/// every code from `prefix` up starts with it).
///
/// For digit strings `c` and `p`, `c.starts_with(p)` holds exactly when `p <= c` and
/// `c < prefix_upper_bound(p)`, byte-wise. The bound is itself made of digits, so the same
/// holds under any collation that orders digits 0–9 and a prefix before its extensions, as
/// every PostgreSQL locale does (a bound such as `"550:"` would not be safe there).
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    debug_assert!(
        prefix.bytes().all(|b| b.is_ascii_digit()),
        "area code prefixes are digits"
    );
    let kept = prefix.trim_end_matches('9');
    let last = *kept.as_bytes().last()?;
    let mut end = kept[..kept.len() - 1].to_owned();
    end.push(char::from(last + 1));
    Some(end)
}

/// Thailand's six geographic regions (ภาค), as in the Royal Institute's six-region system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// ภาคเหนือ
    North,
    /// ภาคตะวันออกเฉียงเหนือ
    Northeast,
    /// ภาคกลาง
    Central,
    /// ภาคตะวันออก
    East,
    /// ภาคตะวันตก
    West,
    /// ภาคใต้
    South,
}

impl Region {
    /// All regions in display order.
    pub const ALL: [Region; 6] = [
        Self::North,
        Self::Northeast,
        Self::Central,
        Self::East,
        Self::West,
        Self::South,
    ];

    /// Stable key used in the catalogue and the API.
    pub const fn key(self) -> &'static str {
        match self {
            Self::North => "north",
            Self::Northeast => "northeast",
            Self::Central => "central",
            Self::East => "east",
            Self::West => "west",
            Self::South => "south",
        }
    }

    /// Thai name.
    pub const fn name_th(self) -> &'static str {
        match self {
            Self::North => "ภาคเหนือ",
            Self::Northeast => "ภาคตะวันออกเฉียงเหนือ",
            Self::Central => "ภาคกลาง",
            Self::East => "ภาคตะวันออก",
            Self::West => "ภาคตะวันตก",
            Self::South => "ภาคใต้",
        }
    }

    /// English name.
    pub const fn name_en(self) -> &'static str {
        match self {
            Self::North => "Northern",
            Self::Northeast => "Northeastern",
            Self::Central => "Central",
            Self::East => "Eastern",
            Self::West => "Western",
            Self::South => "Southern",
        }
    }

    /// Parse the stable key.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// One row of the embedded catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueArea {
    /// DOPA code.
    pub code: AreaCode,
    /// Thai name without the level word (`น่าน`, not `จังหวัดน่าน`).
    pub name_th: String,
    /// English name.
    pub name_en: String,
    /// Postal codes (comma-separated, sorted) of the area's subdistricts.
    pub postal_codes: String,
    /// Region, for provinces.
    pub region: Option<Region>,
    /// Ministry of Public Health region (เขตสุขภาพ 1–13), for provinces.
    pub health_region: Option<u8>,
}

/// Parse the catalogue TSV format written by `scripts/areas/build_areas.py`.
///
/// Rows come parents first (sorted by code), which the store's seeding relies on.
pub fn parse_catalogue(tsv: &str) -> Result<Vec<CatalogueArea>, String> {
    let mut out = Vec::with_capacity(8_500);
    for (i, line) in tsv.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let row = i + 1;
        let [code, parent, name_th, name_en, postal, extra] = cols[..] else {
            return Err(format!(
                "line {row}: expected 6 columns, found {}",
                cols.len()
            ));
        };
        let code = AreaCode::parse(code).map_err(|_| format!("line {row}: bad code {code:?}"))?;
        let expected_parent = code.parent().map(String::from).unwrap_or_default();
        if parent != expected_parent {
            return Err(format!(
                "line {row}: parent {parent:?} does not match code {code}"
            ));
        }
        let (region, health_region) = if code.level() == AreaLevel::Province {
            let (r, h) = extra
                .split_once(';')
                .ok_or_else(|| format!("line {row}: province without region;health_region"))?;
            let r = Region::parse(r).ok_or_else(|| format!("line {row}: unknown region {r:?}"))?;
            let h: u8 = h
                .parse()
                .ok()
                .filter(|h| (1..=13).contains(h))
                .ok_or_else(|| format!("line {row}: bad health region {h:?}"))?;
            (Some(r), Some(h))
        } else {
            (None, None)
        };
        out.push(CatalogueArea {
            code,
            name_th: name_th.to_owned(),
            name_en: name_en.to_owned(),
            postal_codes: postal.to_owned(),
            region,
            health_region,
        });
    }
    Ok(out)
}

/// The embedded catalogue, parsed once.
pub fn catalogue() -> &'static [CatalogueArea] {
    static CATALOGUE: LazyLock<Vec<CatalogueArea>> = LazyLock::new(|| {
        parse_catalogue(CATALOGUE_TSV).expect("the embedded areas.tsv is checked by tests")
    });
    &CATALOGUE
}

/// The Thai word for a level, as written before a name (`อำเภอเมืองน่าน`). Bangkok uses
/// เขต/แขวง for its districts and subdistricts.
pub fn level_word_th(level: AreaLevel, code: &AreaCode) -> &'static str {
    let bangkok = code.province() == "10";
    match level {
        AreaLevel::Province => "จังหวัด",
        AreaLevel::District if bangkok => "เขต",
        AreaLevel::District => "อำเภอ",
        AreaLevel::Subdistrict if bangkok => "แขวง",
        AreaLevel::Subdistrict => "ตำบล",
        AreaLevel::Village => "หมู่ที่",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_upper_bound_raises_the_last_digit_below_the_nines() {
        assert_eq!(prefix_upper_bound("5501").as_deref(), Some("5502"));
        assert_eq!(prefix_upper_bound("5509").as_deref(), Some("551"));
        assert_eq!(prefix_upper_bound("5599").as_deref(), Some("56"));
        assert_eq!(prefix_upper_bound("55010101").as_deref(), Some("55010102"));
        assert_eq!(prefix_upper_bound("0").as_deref(), Some("1"));
        assert_eq!(prefix_upper_bound("8999").as_deref(), Some("9"));
        assert_eq!(prefix_upper_bound("99"), None);
        assert_eq!(prefix_upper_bound("9"), None);
        assert_eq!(prefix_upper_bound(""), None);
        let c = AreaCode::parse("5509").unwrap();
        assert_eq!(c.subtree_range(), ("5509", Some("551".to_owned())));
    }

    /// `c` starts with `p` exactly when `p <= c < upper(p)` (no upper bound: always below).
    fn in_range(c: &str, p: &str) -> bool {
        p <= c && prefix_upper_bound(p).is_none_or(|u| c < u.as_str())
    }

    /// Every digit string of up to `n` digits (the empty one included).
    fn all_digit_strings(n: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..n {
            last = last
                .iter()
                .flat_map(|s| (b'0'..=b'9').map(move |d| format!("{s}{}", char::from(d))))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn a_prefix_range_holds_exactly_the_codes_that_start_with_it() {
        // Exhaustive over short strings: every prefix of up to 3 digits against every code of
        // up to 4 (nines and zeros at every position included).
        let codes = all_digit_strings(4);
        for p in all_digit_strings(3) {
            for c in &codes {
                assert_eq!(
                    c.starts_with(&p),
                    in_range(c, &p),
                    "code {c:?}, prefix {p:?}"
                );
            }
        }
        // Random codes of area-code lengths, against random prefixes and against prefixes of
        // themselves with digits changed to nines (a small xorshift: no dependency).
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        fn digits(n: usize, next: &mut impl FnMut() -> u64) -> String {
            (0..n)
                .map(|_| {
                    // Nines are common, so runs of them (the interesting case) come up.
                    let r = next() % 14;
                    char::from(b'0' + u8::try_from(r.min(9)).expect("a digit"))
                })
                .collect()
        }
        for _ in 0..200_000 {
            let c = digits((next() % 9) as usize, &mut next);
            let p = if next() % 2 == 0 {
                digits((next() % 9) as usize, &mut next)
            } else {
                let k = (next() as usize) % (c.len() + 1);
                c[..k].to_owned()
            };
            assert_eq!(
                c.starts_with(&p),
                in_range(&c, &p),
                "code {c:?}, prefix {p:?}"
            );
        }
    }

    #[test]
    fn catalogue_has_every_province_district_and_subdistrict() {
        let c = catalogue();
        let count = |l| c.iter().filter(|a| a.code.level() == l).count();
        assert_eq!(count(AreaLevel::Province), 77);
        assert_eq!(count(AreaLevel::District), 928);
        assert_eq!(count(AreaLevel::Subdistrict), 7_436);
        assert_eq!(count(AreaLevel::Village), 0);
        assert!(
            c.iter()
                .all(|a| !a.name_th.is_empty() && !a.name_en.is_empty())
        );
    }

    #[test]
    fn nan_is_55_in_the_north_and_health_region_1_with_15_districts() {
        let c = catalogue();
        let nan = c.iter().find(|a| a.code.as_str() == "55").unwrap();
        assert_eq!(nan.name_th, "น่าน");
        assert_eq!(nan.name_en, "Nan");
        assert_eq!(nan.region, Some(Region::North));
        assert_eq!(nan.health_region, Some(1));
        let districts = c
            .iter()
            .filter(|a| a.code.level() == AreaLevel::District && a.code.province() == "55")
            .count();
        assert_eq!(districts, 15);
    }

    #[test]
    fn every_health_region_has_provinces_and_bangkok_is_13() {
        let c = catalogue();
        for h in 1..=13u8 {
            assert!(
                c.iter().any(|a| a.health_region == Some(h)),
                "health region {h}"
            );
        }
        let bkk = c.iter().find(|a| a.code.as_str() == "10").unwrap();
        assert_eq!(bkk.health_region, Some(13));
    }

    #[test]
    fn codes_nest_by_prefix() {
        let v = AreaCode::parse("55010103").unwrap();
        assert_eq!(v.level(), AreaLevel::Village);
        assert_eq!(v.parent().unwrap().as_str(), "550101");
        let lineage: Vec<_> = v.lineage().into_iter().map(String::from).collect();
        assert_eq!(lineage, ["55", "5501", "550101", "55010103"]);
        assert!(v.is_within(&AreaCode::parse("5501").unwrap()));
        assert!(!v.is_within(&AreaCode::parse("5502").unwrap()));
        // A sibling whose code merely shares digits is not inside: 5510 vs 55100101.
        assert!(
            !AreaCode::parse("55100101")
                .unwrap()
                .is_within(&AreaCode::parse("5501").unwrap())
        );
    }

    #[test]
    fn malformed_codes_are_rejected_with_the_field_named() {
        for bad in [
            "",
            "5",
            "555",
            "55a1",
            "0001",
            "5500",
            "1234567890",
            "55010100",
        ] {
            let e = AreaCode::parse(bad).unwrap_err();
            assert_eq!(e.field, "area_code", "{bad:?}");
        }
    }

    #[test]
    fn village_codes_are_made_from_a_subdistrict() {
        let t = AreaCode::parse("550101").unwrap();
        assert_eq!(t.village(3).unwrap().as_str(), "55010103");
        assert_eq!(t.village(0).unwrap_err().field, "village_no");
        assert_eq!(
            AreaCode::parse("5501")
                .unwrap()
                .village(1)
                .unwrap_err()
                .code,
            "not_a_subdistrict"
        );
    }

    #[test]
    fn parse_catalogue_rejects_a_row_with_a_wrong_parent() {
        let e = parse_catalogue("5501\t56\tเมืองน่าน\tMueang Nan\t55000\t\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
