//! Property tests of normalisation, records and comparisons.

use proptest::prelude::*;
use proptest::sample::select;

use ruamjai_domain::registry::ident::complete_id;
use ruamjai_linkage::compare::{
    ADDRESS, BIRTH, FIELDS, FIRST_NAME, HOUSEHOLD, LAST_NAME, N_FIELDS, NATIONAL_ID, SEX, compare,
    id_level, jaro_winkler,
};
use ruamjai_linkage::normalise::{
    Birth, PHONETIC_LEN, Prefix, Sex, check_digit_ok, fold, national_id, parse_birth, phonetic,
    split_prefix,
};
use ruamjai_linkage::record::{RawRecord, Record};

const TONES: [char; 4] = ['\u{0E48}', '\u{0E49}', '\u{0E4A}', '\u{0E4B}'];
const MAI_TAIKHU: char = '\u{0E47}';

/// Characters Thai names are written with, plus the slips and noise lists hold.
fn thai_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => (0x0E01u32..=0x0E2Eu32).prop_map(|c| char::from_u32(c).unwrap()),
        3 => select(vec!['ะ', 'ั', 'า', 'ำ', 'ิ', 'ี', 'ึ', 'ื', 'ุ', 'ู', 'เ', 'แ', 'โ', 'ใ', 'ไ']),
        2 => select(vec!['่', '้', '๊', '๋', '็', '์', 'ํ', 'ๆ', 'ฯ', 'ฤ', 'ๅ']),
        1 => select(vec![' ', '.', '-', '/', '๑', '5', 'A', 'b', '\u{200B}']),
    ]
}

fn thai_text() -> impl Strategy<Value = String> {
    prop::collection::vec(thai_char(), 0..24).prop_map(|v| v.into_iter().collect())
}

/// Thai-ish text or anything at all.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => thai_text(), 1 => any::<String>()]
}

/// `s` with the marks inserted at the given places (indexes taken modulo the length).
fn insert_marks(s: &str, marks: &[(usize, char)]) -> String {
    let mut v: Vec<char> = s.chars().collect();
    for &(at, m) in marks {
        let at = at % (v.len() + 1);
        v.insert(at, m);
    }
    v.into_iter().collect()
}

const FIRST: [&str; 14] = [
    "สมชาย",
    "สมชัย",
    "สมศรี",
    "สมสี",
    "มาลี",
    "บุญมา",
    "บุญมี",
    "ณัฐพล",
    "นัทพล",
    "กาญจนา",
    "ก้าญจนา",
    "นางนวล",
    "Somchai",
    "",
];
const LAST: [&str; 8] = ["ใจดี", "ใจดี่", "สุขใจ", "ศรีสุข", "สีสุข", "ณ อยุธยา", "ทองมา", ""];
const PREFIX: [&str; 10] = [
    "",
    "นาย",
    "นาง",
    "นางสาว",
    "น.ส.",
    "ด.ช.",
    "ด.ญ.",
    "Mr.",
    "ดร.",
    "พระ",
];
const SEXES: [&str; 8] = ["", "ช", "ญ", "M", "F", "1", "2", "x"];
const BIRTHS: [&str; 10] = [
    "15/03/2490",
    "1947-03-15",
    "16/03/2490",
    "03/15/2490",
    "05/03/2490",
    "03/05/2490",
    "03/2490",
    "2490",
    "2491",
    "",
];
const IDS: [&str; 6] = [
    "1101700230708",
    "1101700230709",
    "1110700230708",
    "3-7042-00124-51-0",
    "0000000000000",
    "",
];
const VILLAGES: [&str; 4] = ["55010101", "55010102", "55010201", ""];
const HOUSES: [&str; 4] = ["12/3", "๑๒/๓", "99", ""];
const PHONES: [&str; 4] = ["0812345678", "+66 81 234 5678", "089-999-9999", ""];

/// A raw record from small pools, so that two of them agree at every level now and then; the
/// name goes to the first-name column (with the prefix column, or glued) or to the full name.
fn raw_record() -> impl Strategy<Value = RawRecord> {
    (
        (
            select(&IDS[..]),
            select(&PREFIX[..]),
            select(&FIRST[..]),
            select(&LAST[..]),
            select(&LAST[..]),
            0u8..3,
        ),
        (
            select(&SEXES[..]),
            select(&BIRTHS[..]),
            select(&["", "2490", "1947"][..]),
            select(&VILLAGES[..]),
            select(&HOUSES[..]),
            select(&PHONES[..]),
        ),
    )
        .prop_map(
            |((id, prefix, first, last, other, layout), (sex, bd, by, village, house, phone))| {
                let mut r = RawRecord {
                    id: "r".into(),
                    national_id: id.into(),
                    other_last_name: other.into(),
                    sex: sex.into(),
                    birth_date: bd.into(),
                    birth_year: by.into(),
                    village_code: village.into(),
                    house_number: house.into(),
                    phone: phone.into(),
                    ..Default::default()
                };
                match layout {
                    0 => {
                        r.prefix = prefix.into();
                        r.first_name = first.into();
                        r.last_name = last.into();
                    }
                    1 => {
                        r.first_name = format!("{prefix}{first}");
                        r.last_name = last.into();
                    }
                    _ => r.full_name = format!("{prefix}{first} {last}"),
                }
                r
            },
        )
}

/// The highest level a record can reach against itself, field by field.
fn self_levels(r: &Record) -> [Option<u8>; N_FIELDS] {
    let mut want = [None; N_FIELDS];
    want[NATIONAL_ID] = r.national_id.as_ref().map(|_| 3);
    want[FIRST_NAME] = r.first.as_ref().map(|_| 4);
    want[LAST_NAME] = (!r.last.is_empty()).then_some(4);
    want[BIRTH] = r.birth.map(|b| match (b.month, b.day) {
        (Some(_), Some(_)) => 4,
        (Some(_), None) => 3,
        _ => 2,
    });
    want[SEX] = r.sex.map(|_| 1);
    want[ADDRESS] = if r.phone.is_some() || (r.house.is_some() && r.village.is_some()) {
        Some(HOUSEHOLD)
    } else {
        r.village.as_ref().map(|_| 2)
    };
    // One household: the shared surname is no evidence.
    if want[ADDRESS] == Some(HOUSEHOLD) {
        want[LAST_NAME] = None;
    }
    want
}

proptest! {
    #[test]
    fn fold_is_idempotent(s in any_text()) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once.clone());
    }

    #[test]
    fn fold_leaves_no_marks_spaces_or_capitals(s in any_text()) {
        let f = fold(&s);
        for c in f.chars() {
            prop_assert!(!TONES.contains(&c) && c != MAI_TAIKHU, "{f:?}");
            prop_assert!(!matches!(c, '์' | 'ํ' | 'ๆ' | 'ฯ' | '๐'..='๙'), "{f:?}");
            prop_assert!(c.is_alphanumeric() || ('\u{0E00}'..='\u{0E7F}').contains(&c), "{f:?}");
            prop_assert!(!c.is_whitespace() && !c.is_ascii_uppercase(), "{f:?}");
        }
        prop_assert!(!f.contains("เเ"), "{f:?}");
    }

    #[test]
    fn tone_marks_do_not_change_the_fold(
        s in thai_text(),
        marks in prop::collection::vec((any::<usize>(), select(vec!['่', '้', '๊', '๋', '็'])), 0..4),
    ) {
        let marked = insert_marks(&s, &marks);
        prop_assert_eq!(fold(&marked), fold(&s), "{:?} / {:?}", marked, s);
        let stripped: String = s.chars().filter(|c| !TONES.contains(c) && *c != MAI_TAIKHU).collect();
        prop_assert_eq!(fold(&stripped), fold(&s));
    }

    #[test]
    fn tone_marks_do_not_change_the_phonetic_key(
        s in thai_text(),
        marks in prop::collection::vec((any::<usize>(), select(TONES.to_vec())), 0..4),
    ) {
        let marked = insert_marks(&s, &marks);
        prop_assert_eq!(phonetic(&marked), phonetic(&s), "{:?} / {:?}", marked, s);
    }

    #[test]
    fn phonetic_keys_have_a_fixed_shape(s in any_text()) {
        let k = phonetic(&s);
        prop_assert!(k.is_empty() || k.len() == PHONETIC_LEN, "{k:?}");
        prop_assert!(k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#'), "{k:?}");
        // A key only for text with letters in it.
        if !k.is_empty() {
            prop_assert!(s.chars().any(|c| c.is_alphabetic()), "{s:?} → {k:?}");
        }
    }

    #[test]
    fn thai_digits_fold_like_ascii(n in 0u64..10_000_000_000) {
        let ascii = n.to_string();
        let thai: String = ascii.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + 0x0E50).unwrap()).collect();
        prop_assert_eq!(fold(&thai), ascii.clone());
        prop_assert_eq!(fold(&ascii), ascii);
    }

    #[test]
    fn jaro_winkler_matches_strsim_and_is_symmetric(a in any_text(), b in any_text()) {
        let (x, y) = if a <= b { (&a, &b) } else { (&b, &a) };
        let ours = jaro_winkler(&a, &b);
        prop_assert_eq!(ours.to_bits(), strsim::jaro_winkler(x, y).to_bits());
        prop_assert_eq!(ours.to_bits(), jaro_winkler(&b, &a).to_bits());
        prop_assert!((0.0..=1.0).contains(&ours));
    }

    #[test]
    fn compare_is_symmetric_and_within_its_levels(a in raw_record(), b in raw_record()) {
        let (a, b) = (Record::from_raw(&a), Record::from_raw(&b));
        let ab = compare(&a, &b);
        prop_assert_eq!(ab, compare(&b, &a));
        for (i, level) in ab.iter().enumerate() {
            if let Some(l) = level {
                prop_assert!((*l as usize) < FIELDS[i].levels.len(), "{}: {}", FIELDS[i].name, l);
            }
        }
    }

    #[test]
    fn a_record_agrees_with_itself_as_far_as_its_data_goes(r in raw_record()) {
        let r = Record::from_raw(&r);
        prop_assert_eq!(compare(&r, &r), self_levels(&r));
        // And with a copy whose surnames come in the other order.
        let mut s = r.clone();
        s.last.reverse();
        prop_assert_eq!(compare(&r, &s), self_levels(&r));
    }

    #[test]
    fn id_slips_are_recognised(first12 in "[1-8][0-9]{11}", at in 0usize..13, to in 0u8..10) {
        let id = complete_id(&first12);
        prop_assert!(check_digit_ok(&id));
        prop_assert_eq!(national_id(&id), Some(id.clone()));
        prop_assert_eq!(id_level(&id, &id), 3);
        let mut slip = id.clone().into_bytes();
        if slip[at] != b'0' + to {
            slip[at] = b'0' + to;
            let slip = String::from_utf8(slip).unwrap();
            prop_assert_eq!(id_level(&id, &slip), 2);
            prop_assert_eq!(national_id(&slip), Some(slip.clone()), "kept with a slip");
        }
        if at < 12 && id.as_bytes()[at] != id.as_bytes()[at + 1] {
            let mut swapped = id.clone().into_bytes();
            swapped.swap(at, at + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            prop_assert_eq!(id_level(&id, &swapped), 1);
            prop_assert_eq!(id_level(&swapped, &id), 1);
        }
        // A wrong check digit is flagged.
        let mut bad = id.clone().into_bytes();
        bad[12] = b'0' + (bad[12] - b'0' + 1) % 10;
        prop_assert!(!check_digit_ok(&String::from_utf8(bad).unwrap()));
        // Printed with dashes, or in Thai digits: the same number.
        let dashed = format!("{}-{}-{}-{}-{}", &id[0..1], &id[1..5], &id[5..10], &id[10..12], &id[12..]);
        prop_assert_eq!(national_id(&dashed), Some(id.clone()));
        let thai: String = id.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + 0x0E50).unwrap()).collect();
        prop_assert_eq!(national_id(&thai), Some(id));
    }

    #[test]
    fn birth_dates_read_alike_in_either_era(ce in 1900i32..2026, month in 1u32..=12, day in 1u32..=28) {
        let want = Some(Birth { year: ce, month: Some(month), day: Some(day) });
        let be = ce + 543;
        prop_assert_eq!(parse_birth(&format!("{day}/{month}/{be}")), want);
        prop_assert_eq!(parse_birth(&format!("{day:02}/{month:02}/{ce}")), want);
        prop_assert_eq!(parse_birth(&format!("{ce}-{month:02}-{day:02}")), want);
        prop_assert_eq!(
            parse_birth(&format!("00/{month:02}/{be}")),
            Some(Birth { year: ce, month: Some(month), day: None })
        );
        let year = Some(Birth { year: ce, month: None, day: None });
        prop_assert_eq!(parse_birth(&be.to_string()), year);
        prop_assert_eq!(parse_birth(&ce.to_string()), year);
    }

    #[test]
    fn prefixes_are_cut_glued_or_spaced(
        form in select(vec![
            ("นาย", Some(Sex::Male)), ("นางสาว", Some(Sex::Female)), ("น.ส.", Some(Sex::Female)),
            ("นส.", Some(Sex::Female)), ("ด.ช.", Some(Sex::Male)), ("เด็กชาย", Some(Sex::Male)),
            ("ด.ญ.", Some(Sex::Female)), ("เด็กหญิง", Some(Sex::Female)), ("สามเณร", Some(Sex::Male)),
            ("แม่ชี", Some(Sex::Female)), ("ดร.", None), ("ร.ต.อ.", None),
        ]),
        name in select(vec!["สมชาย", "มาลี", "บุญมา", "ณัฐพล", "เอกชัย", "กาญจนา", "อรุณี", "ฤดี"]),
        sep in select(vec!["", " ", "  ", ". "]),
        last in select(vec!["", " ใจดี", " ณ อยุธยา"]),
    ) {
        let (form, sex) = form;
        let raw = format!("{form}{sep}{name}{last}");
        let (prefix, rest) = split_prefix(&raw);
        prop_assert_eq!(prefix.and_then(Prefix::sex), sex, "{}", raw);
        prop_assert!(prefix.is_some(), "{}", raw);
        prop_assert_eq!(rest, format!("{name}{last}"));
    }

    #[test]
    fn split_prefix_only_cuts_from_the_front(s in any_text()) {
        let (prefix, rest) = split_prefix(&s);
        let collapsed: String = s
            .split(char::is_whitespace)
            .filter(|w| !w.is_empty())
            .map(|w| w.replace(['\u{200B}', '\u{200C}', '\u{200D}', '\u{FEFF}'], ""))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        prop_assert!(collapsed.ends_with(&rest), "{s:?} → {rest:?}");
        // A name never vanishes: something is always left of a non-empty text.
        prop_assert_eq!(rest.is_empty(), collapsed.is_empty());
        if prefix.is_none() {
            prop_assert_eq!(rest, collapsed);
        }
    }
}
