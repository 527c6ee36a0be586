//! Field comparisons with agreement levels: the γ vector a Fellegi–Sunter model weighs.
//!
//! [`compare`] gives, for each of the [`FIELDS`], the level at which two records agree (0 =
//! disagree, the highest = exact), or `None` when a side is missing the field. It runs on
//! millions of candidate pairs, so it does not allocate: everything is precomputed in
//! [`Record`], and Jaro-Winkler works on stack buffers.

use crate::normalise::Birth;
use crate::record::{NameKey, Record};

/// A compared field and the names of its levels (index = level), for explaining weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// Stable name.
    pub name: &'static str,
    /// Level names, from 0 (disagree) to the highest (exact).
    pub levels: &'static [&'static str],
    /// What a match's levels look like before any data is seen (one share per level, summing
    /// to 1): the prior that EM's `m` starts from and is pulled towards (see
    /// [`crate::model::Prior`]). With a few hundred records there are too few matches to learn
    /// `m` from; with many, the data outweigh it. Set from how duplicates in Thai agency lists
    /// differ: mostly exact, with slips in names and dates, and a household address.
    pub prior_m: &'static [f64],
}

/// Number of compared fields.
pub const N_FIELDS: usize = 6;

/// Index of the national ID in [`FIELDS`] and [`Gamma`].
pub const NATIONAL_ID: usize = 0;
/// Index of the first name.
pub const FIRST_NAME: usize = 1;
/// Index of the last name.
pub const LAST_NAME: usize = 2;
/// Index of the birth date.
pub const BIRTH: usize = 3;
/// Index of the sex.
pub const SEX: usize = 4;
/// Index of the address (subdistrict, village, household: house in the village or phone).
pub const ADDRESS: usize = 5;

/// The address level of one household (same house number in the same village, or the same
/// phone).
pub const HOUSEHOLD: u8 = 3;

const NAME_LEVELS: &[&str] = &["different", "jw>=0.80", "jw>=0.92", "phonetic", "exact"];
const NAME_PRIOR: &[f64] = &[0.03, 0.03, 0.04, 0.05, 0.85];

/// The compared fields, in [`Gamma`] order.
///
/// - `national_id`: 3 exact; 2 one digit off (a slip); 1 two adjacent digits transposed; 0
///   different.
/// - `first_name`: 4 folded forms equal; 3 phonetic keys equal; 2 Jaro-Winkler of the folded
///   forms ≥ 0.92; 1 ≥ 0.80; 0 else.
/// - `last_name`: the same levels, the best over every pair of surnames (last and other
///   surname on each side: a maiden name meets a married one). `None` for two records of one
///   household (address level [`HOUSEHOLD`]): a household shares its surname, so there the
///   agreement is no evidence of one person (counting it as well as the household was what
///   made family members look like duplicates).
/// - `birth` (see [`birth_level`]): 4 same day; 3 same month and year, or day and month swapped
///   in the same year; 2 same year; 1 years one apart; 0 else. Only what both sides know is
///   compared, and the level never claims more than that.
/// - `sex`: 1 same; 0 different.
/// - `address`: 3 one household (the same house number in the same village, or the same
///   phone); 2 same village; 1 same subdistrict (first 6 digits of the village code); 0
///   different. One field rather than a village and a house field: the house only means
///   something within the village, and two fields would count the village twice. Without a
///   village on both sides only the phone is compared (3 when equal, else `None`).
pub const FIELDS: [Field; N_FIELDS] = [
    Field {
        name: "national_id",
        levels: &["different", "transposed", "one digit off", "exact"],
        prior_m: &[0.02, 0.01, 0.02, 0.95],
    },
    Field {
        name: "first_name",
        levels: NAME_LEVELS,
        prior_m: NAME_PRIOR,
    },
    Field {
        name: "last_name",
        levels: NAME_LEVELS,
        prior_m: NAME_PRIOR,
    },
    Field {
        name: "birth",
        levels: &[
            "different",
            "year ±1",
            "same year",
            "same month and year",
            "same day",
        ],
        prior_m: &[0.03, 0.04, 0.08, 0.05, 0.80],
    },
    Field {
        name: "sex",
        levels: &["different", "same"],
        prior_m: &[0.02, 0.98],
    },
    Field {
        name: "address",
        levels: &[
            "different",
            "same subdistrict",
            "same village",
            "same household",
        ],
        prior_m: &[0.05, 0.03, 0.12, 0.80],
    },
];

/// The agreement level of each field ([`FIELDS`] order); `None` when a side is missing it.
pub type Gamma = [Option<u8>; N_FIELDS];

/// Compare two records field by field. Symmetric: `compare(a, b) == compare(b, a)`.
pub fn compare(a: &Record, b: &Record) -> Gamma {
    let address = address_level(a, b);
    [
        both(&a.national_id, &b.national_id, |x, y| id_level(x, y)),
        both(&a.first, &b.first, name_level),
        if address == Some(HOUSEHOLD) {
            None
        } else {
            last_name_level(&a.last, &b.last)
        },
        both(&a.birth, &b.birth, birth_level),
        both(&a.sex, &b.sex, |x, y| u8::from(x == y)),
        address,
    ]
}

fn both<T>(a: &Option<T>, b: &Option<T>, f: impl Fn(&T, &T) -> u8) -> Option<u8> {
    Some(f(a.as_ref()?, b.as_ref()?))
}

/// 3 same ID; 2 one digit different; 1 two adjacent digits swapped; 0 else.
pub fn id_level(a: &str, b: &str) -> u8 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return 3;
    }
    if a.len() != b.len() {
        return 0;
    }
    let mut diff = [0usize; 2];
    let mut n = 0;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x != y {
            if n == 2 {
                return 0;
            }
            diff[n] = i;
            n += 1;
        }
    }
    match n {
        1 => 2,
        2 if diff[1] == diff[0] + 1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]] => 1,
        _ => 0,
    }
}

/// 4 folded forms equal; 3 phonetic keys equal (and not empty); 2 Jaro-Winkler ≥ 0.92; 1 ≥
/// 0.80; 0 else.
pub fn name_level(a: &NameKey, b: &NameKey) -> u8 {
    if a.folded == b.folded {
        return 4;
    }
    if !a.phonetic.is_empty() && a.phonetic == b.phonetic {
        return 3;
    }
    let jw = jaro_winkler(&a.folded, &b.folded);
    if jw >= 0.92 {
        2
    } else if jw >= 0.80 {
        1
    } else {
        0
    }
}

/// The best [`name_level`] over every pair of surnames; `None` when a side has none.
fn last_name_level(a: &[NameKey], b: &[NameKey]) -> Option<u8> {
    let mut best: Option<u8> = None;
    for x in a {
        for y in b {
            let l = name_level(x, y);
            if l == 4 {
                return Some(4);
            }
            best = best.max(Some(l));
        }
    }
    best
}

/// Birth dates compared on what both sides know:
///
/// - 4 `same day`: both know the day, and day, month and year are equal;
/// - 3 `same month and year`: both know the month, and month and year are equal (the day
///   differs, or one side does not know it); or both know the day and, in the same year, day
///   and month are swapped (`05/03` and `03/05`: a slip of a full date);
/// - 2 `same year`: the years are equal (and what else both know differs, or one side knows
///   only the year);
/// - 1 `year ±1`: the years are one apart;
/// - 0 else.
///
/// So the level never claims more than both sides know: two records with the year only can at
/// best agree at `same year`, which keeps the weight of a full-date agreement for full dates.
pub fn birth_level(a: &Birth, b: &Birth) -> u8 {
    let dy = (a.year - b.year).abs();
    if dy == 1 {
        return 1;
    }
    if dy != 0 {
        return 0;
    }
    match (a.month, b.month) {
        (Some(ma), Some(mb)) => match (a.day, b.day) {
            (Some(da), Some(db)) if ma == mb && da == db => 4,
            (Some(da), Some(db)) if ma != mb && da == mb && db == ma => 3,
            _ if ma == mb => 3,
            _ => 2,
        },
        _ => 2,
    }
}

/// 2 same village code; 1 same subdistrict (first 6 digits); 0 else.
pub fn village_level(a: &str, b: &str) -> u8 {
    if a == b {
        2
    } else if a.as_bytes().get(..6).is_some() && a.as_bytes().get(..6) == b.as_bytes().get(..6) {
        1
    } else {
        0
    }
}

/// The address level (see [`FIELDS`]): 3 one household, 2 same village, 1 same subdistrict, 0
/// different; `None` when neither the villages nor the phones can be compared.
pub fn address_level(a: &Record, b: &Record) -> Option<u8> {
    let phone = matches!((&a.phone, &b.phone), (Some(x), Some(y)) if x == y);
    match (&a.village, &b.village) {
        (Some(va), Some(vb)) => {
            let level = village_level(va, vb);
            let house = level == 2 && matches!((&a.house, &b.house), (Some(x), Some(y)) if x == y);
            Some(if phone || house { HOUSEHOLD } else { level })
        }
        _ => phone.then_some(HOUSEHOLD),
    }
}

/// Longest string (in characters) compared on the stack; longer ones go to `strsim`.
const JW_MAX: usize = 64;

/// Jaro-Winkler similarity (the `strsim` definition: prefix up to 4, scale 0.1, boost above
/// 0.7, bit for bit) without allocating, for strings up to 64 characters (longer ones go to
/// `strsim`). Symmetric: the arguments are put in order first.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let mut ab = ['\0'; JW_MAX];
    let mut bb = ['\0'; JW_MAX];
    let (Some(na), Some(nb)) = (fill(&mut ab, a), fill(&mut bb, b)) else {
        return strsim::jaro_winkler(a, b);
    };
    let (a, b) = (&ab[..na], &bb[..nb]);
    let sim = jaro(a, b);
    if sim > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// The characters of `s` into `buf`; `None` when they do not fit.
fn fill(buf: &mut [char; JW_MAX], s: &str) -> Option<usize> {
    let mut n = 0;
    for c in s.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(n)
}

/// Jaro similarity of two short character slices (at most [`JW_MAX`] each).
fn jaro(a: &[char], b: &[char]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let range = (la.max(lb) / 2).saturating_sub(1);
    let mut a_hit = [false; JW_MAX];
    let mut b_hit = [false; JW_MAX];
    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let hi = (i + range + 1).min(lb);
        for j in i.saturating_sub(range)..hi {
            if !b_hit[j] && b[j] == *x {
                a_hit[i] = true;
                b_hit[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0;
    for (i, x) in a.iter().enumerate() {
        if a_hit[i] {
            while !b_hit[k] {
                k += 1;
            }
            if *x != b[k] {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let t = transpositions / 2;
    let m = matches as f64;
    ((m / la as f64) + (m / lb as f64) + ((matches - t) as f64 / m)) / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RawRecord;

    fn key(s: &str) -> NameKey {
        NameKey::new(s).unwrap()
    }

    fn birth(year: i32, month: Option<u32>, day: Option<u32>) -> Birth {
        Birth { year, month, day }
    }

    fn somsri() -> RawRecord {
        RawRecord {
            id: "1".into(),
            national_id: "1101700230708".into(),
            prefix: "นาง".into(),
            first_name: "สมศรี".into(),
            last_name: "ใจดี".into(),
            other_last_name: "สุขใจ".into(),
            birth_date: "15/03/2490".into(),
            village_code: "55010101".into(),
            house_number: "12/3".into(),
            phone: "0812345678".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_fields_and_their_levels() {
        let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "national_id",
                "first_name",
                "last_name",
                "birth",
                "sex",
                "address"
            ]
        );
        let counts: Vec<usize> = FIELDS.iter().map(|f| f.levels.len()).collect();
        assert_eq!(counts, [4, 5, 5, 5, 2, 4]);
        for f in FIELDS {
            assert_eq!(f.prior_m.len(), f.levels.len(), "{}", f.name);
            let sum: f64 = f.prior_m.iter().sum();
            assert!((sum - 1.0).abs() < 1e-9, "{} sums to {sum}", f.name);
            let top = f.prior_m[f.levels.len() - 1];
            assert!(
                f.prior_m.iter().all(|p| *p > 0.0 && *p <= top),
                "{}",
                f.name
            );
        }
        for (i, name) in [
            (NATIONAL_ID, "national_id"),
            (FIRST_NAME, "first_name"),
            (LAST_NAME, "last_name"),
            (BIRTH, "birth"),
            (SEX, "sex"),
            (ADDRESS, "address"),
        ] {
            assert_eq!(FIELDS[i].name, name);
        }
        assert_eq!(FIELDS[FIRST_NAME].levels[4], "exact");
        assert_eq!(FIELDS[NATIONAL_ID].levels[2], "one digit off");
    }

    #[test]
    fn a_full_record_agrees_with_itself_at_the_top_of_every_field() {
        let a = Record::from_raw(&somsri());
        let mut top: Vec<Option<u8>> = FIELDS
            .iter()
            .map(|f| Some(f.levels.len() as u8 - 1))
            .collect();
        // One household: the surname is left out.
        top[LAST_NAME] = None;
        assert_eq!(compare(&a, &a).to_vec(), top);
        // Without phone and house, the village is the best the address can do, and the
        // surname counts again.
        let mut b = a.clone();
        b.phone = None;
        b.house = None;
        assert_eq!(compare(&b, &b)[ADDRESS], Some(2));
        assert_eq!(compare(&b, &b)[LAST_NAME], Some(4));
    }

    #[test]
    fn missing_fields_are_none() {
        let a = Record::from_raw(&somsri());
        let empty = Record::from_raw(&RawRecord::default());
        assert_eq!(compare(&a, &empty), [None; N_FIELDS]);
        assert_eq!(compare(&empty, &a), [None; N_FIELDS]);
        assert_eq!(compare(&empty, &empty), [None; N_FIELDS]);
    }

    #[test]
    fn national_id_levels() {
        let id = "1101700230708";
        assert_eq!(id_level(id, id), 3);
        // One digit slipped (the check digit, or any other).
        assert_eq!(id_level(id, "1101700230709"), 2);
        assert_eq!(id_level(id, "1101700280708"), 2);
        // Two adjacent digits transposed.
        assert_eq!(id_level(id, "1110700230708"), 1);
        assert_eq!(id_level(id, "1101700230780"), 1);
        // Two digits changed but not swapped, far apart, or more.
        assert_eq!(id_level(id, "1120700230708"), 0);
        assert_eq!(id_level(id, "2101700230709"), 0);
        assert_eq!(id_level(id, "3704200124510"), 0);
        // Not the same length (cannot come from Record, but stays total).
        assert_eq!(id_level(id, "110170023070"), 0);
        let a = Record::from_raw(&somsri());
        let mut b = a.clone();
        b.national_id = Some("1101700230709".into());
        assert_eq!(compare(&a, &b)[NATIONAL_ID], Some(2));
        b.national_id = None;
        assert_eq!(compare(&a, &b)[NATIONAL_ID], None);
    }

    #[test]
    fn name_levels() {
        for (a, b, level) in [
            // A tone-mark slip, ศ/ส: the same folded name.
            ("สมศรี", "สมศรี่", 4),
            ("ศรีสุข", "สรีสุข", 4),
            ("ณัฐพล", "นัทพล", 4),
            // Spoken alike.
            ("สมศรี", "สมสี", 3),
            ("บุญ", "บุน", 3),
            ("สมชาย", "สมชัย", 3),
            // Jaro-Winkler of the folded forms.
            ("สุดารัตน์", "สุดาลัตน์", 2),
            ("สมชาย", "สมชาติ", 1),
            ("สมชาย", "สมหญิง", 0),
            ("มาลี", "บุญมี", 0),
        ] {
            assert_eq!(name_level(&key(a), &key(b)), level, "{a} / {b}");
            assert_eq!(name_level(&key(b), &key(a)), level, "{b} / {a}");
        }
        // Names with no letters have an empty phonetic key: never "spoken alike".
        assert_eq!(name_level(&key("123"), &key("456")), 0);
    }

    #[test]
    fn last_name_takes_the_best_pair_of_surnames() {
        let a = Record::from_raw(&somsri());
        let mut b = a.clone();
        // Another household of the village (in one household the surname is not compared).
        b.phone = None;
        b.house = Some("99".into());
        // Married name on one side, maiden name on the other.
        b.last = vec![key("สุขใจ")];
        assert_eq!(compare(&a, &b)[LAST_NAME], Some(4));
        b.last = vec![key("มีสุข"), key("สุกใจ")];
        assert_eq!(compare(&a, &b)[LAST_NAME], Some(3));
        b.last = vec![key("ทองมา")];
        assert_eq!(compare(&a, &b)[LAST_NAME], Some(0));
        b.last = vec![];
        assert_eq!(compare(&a, &b)[LAST_NAME], None);
    }

    #[test]
    fn birth_levels_compare_what_both_know() {
        let full = birth(1947, Some(3), Some(15));
        for (other, level) in [
            (birth(1947, Some(3), Some(15)), 4),
            (birth(1947, Some(3), Some(16)), 3),
            // Only the month is known on one side: as good as it can be.
            (birth(1947, Some(3), None), 3),
            (birth(1947, Some(4), Some(15)), 2),
            (birth(1947, Some(4), None), 2),
            // Only the year on one side.
            (birth(1947, None, None), 2),
            (birth(1948, Some(3), Some(15)), 1),
            (birth(1946, None, None), 1),
            (birth(1949, Some(3), Some(15)), 0),
            (birth(1990, None, None), 0),
        ] {
            assert_eq!(birth_level(&full, &other), level, "{other:?}");
            assert_eq!(birth_level(&other, &full), level, "{other:?} (swapped)");
        }
        // Day and month swapped in the same year: a slip of a full date.
        let may3 = birth(1947, Some(5), Some(3));
        let mar5 = birth(1947, Some(3), Some(5));
        assert_eq!(birth_level(&may3, &mar5), 3);
        assert_eq!(birth_level(&may3, &birth(1948, Some(3), Some(5))), 1);
        assert_eq!(birth_level(&may3, &birth(1947, Some(3), Some(6))), 2);
        // Two year-only records can never look like a full-date agreement.
        let y = birth(1947, None, None);
        assert_eq!(birth_level(&y, &y), 2);
        let m = birth(1947, Some(3), None);
        assert_eq!(birth_level(&m, &m), 3);
        // Through records, Buddhist-era and Gregorian years alike.
        let a = Record::from_raw(&somsri());
        let b = Record::from_raw(&RawRecord {
            birth_year: "1947".into(),
            ..somsri()
        });
        assert_eq!(compare(&a, &b)[BIRTH], Some(4));
        let b = Record::from_raw(&RawRecord {
            birth_date: String::new(),
            birth_year: "2490".into(),
            ..somsri()
        });
        assert_eq!(compare(&a, &b)[BIRTH], Some(2));
    }

    #[test]
    fn sex_levels() {
        let a = Record::from_raw(&somsri());
        let b = Record::from_raw(&RawRecord {
            sex: "หญิง".into(),
            prefix: String::new(),
            ..somsri()
        });
        assert_eq!(compare(&a, &b)[SEX], Some(1));
        let b = Record::from_raw(&RawRecord {
            prefix: "นาย".into(),
            ..somsri()
        });
        assert_eq!(compare(&a, &b)[SEX], Some(0));
        let b = Record::from_raw(&RawRecord {
            prefix: String::new(),
            ..somsri()
        });
        assert_eq!(compare(&a, &b)[SEX], None);
    }

    #[test]
    fn village_levels() {
        assert_eq!(village_level("55010101", "55010101"), 2);
        assert_eq!(village_level("55010101", "55010102"), 1);
        assert_eq!(village_level("55010101", "55010201"), 0);
        assert_eq!(village_level("55010101", "57010101"), 0);
        // Short or odd codes (not from Record) never panic.
        assert_eq!(village_level("5501", "5501"), 2);
        assert_eq!(village_level("5501", "5502"), 0);
        // Non-ASCII text compares by bytes and never splits a character.
        assert_eq!(village_level("กขค", "กขง"), 1);
        assert_eq!(village_level("กข", "กค"), 0);
        assert_eq!(village_level("ก", "ก"), 2);
    }

    #[test]
    fn address_levels() {
        let a = Record::from_raw(&somsri());
        let with = |f: &dyn Fn(&mut Record)| {
            let mut b = a.clone();
            f(&mut b);
            compare(&a, &b)
        };
        assert_eq!(with(&|_| {})[ADDRESS], Some(HOUSEHOLD));
        // Same phone, whatever the house.
        assert_eq!(with(&|b| b.house = Some("99".into()))[ADDRESS], Some(3));
        // Another phone but the same house in the same village: one household.
        assert_eq!(
            with(&|b| b.phone = Some("899999999".into()))[ADDRESS],
            Some(3)
        );
        assert_eq!(with(&|b| b.phone = None)[ADDRESS], Some(3));
        // Another phone and another house: the same village.
        let other = |b: &mut Record| {
            b.phone = Some("899999999".into());
            b.house = Some("99".into());
        };
        assert_eq!(with(&other)[ADDRESS], Some(2));
        // The same house number in another village of the subdistrict is not one household.
        let moved = |b: &mut Record| {
            b.phone = None;
            b.village = Some("55010102".into());
        };
        assert_eq!(with(&moved)[ADDRESS], Some(1));
        assert_eq!(
            with(&|b| {
                b.phone = None;
                b.village = Some("57010101".into());
            })[ADDRESS],
            Some(0)
        );
        // No village on one side: only the phone can be compared.
        assert_eq!(with(&|b| b.village = None)[ADDRESS], Some(3));
        assert_eq!(
            with(&|b| {
                b.village = None;
                b.phone = Some("899999999".into());
            })[ADDRESS],
            None
        );
        // One household: the surname, shared by the family, is not compared; elsewhere it is.
        assert_eq!(with(&|_| {})[LAST_NAME], None);
        assert_eq!(with(&other)[LAST_NAME], Some(4));
        assert_eq!(with(&moved)[LAST_NAME], Some(4));
    }

    #[test]
    fn jaro_winkler_is_strsims_without_allocating() {
        let long_a = "ก".repeat(70) + "ข";
        let long_b = "ก".repeat(70) + "ค";
        for (a, b) in [
            ("", ""),
            ("", "ก"),
            ("martha", "marhta"),
            ("dixon", "dicksonx"),
            ("cheeseburger", "cheese fries"),
            ("สมสรี", "สมสี"),
            ("สุดารัต", "สุดาลัต"),
            ("ไจดี", "ไจดีมาก"),
            ("abc", "xyz"),
            (long_a.as_str(), long_b.as_str()),
        ] {
            let (x, y) = if a <= b { (a, b) } else { (b, a) };
            assert_eq!(
                jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(x, y).to_bits(),
                "{a} / {b}"
            );
            assert_eq!(jaro_winkler(a, b), jaro_winkler(b, a));
        }
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-4);
        assert_eq!(jaro_winkler("สมชาย", "สมชาย"), 1.0);
    }
}
