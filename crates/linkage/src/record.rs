//! One person record ready to compare: built once from the raw text of any list
//! ([`RawRecord`] → [`Record`]), with the folded and phonetic forms of the names and the parsed
//! fields precomputed, so that [`crate::compare::compare`] only compares.

use crate::normalise::{self, Birth, Prefix, Sex};

/// A name in its two comparison forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameKey {
    /// [`normalise::fold`]: never empty.
    pub folded: String,
    /// [`normalise::phonetic`]: empty when the name has no letter.
    pub phonetic: String,
}

impl NameKey {
    /// The keys of one name; `None` when nothing is left after folding.
    pub fn new(name: &str) -> Option<NameKey> {
        let folded = normalise::fold(name);
        (!folded.is_empty()).then(|| NameKey {
            folded,
            phonetic: normalise::phonetic(name),
        })
    }
}

/// One person record, normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The source's record id.
    pub id: String,
    /// 13 digits ([`normalise::national_id`]); the check digit may be wrong.
    pub national_id: Option<String>,
    /// The first name, prefix removed.
    pub first: Option<NameKey>,
    /// The last name, plus an other surname (maiden or married) when given; empty when none.
    pub last: Vec<NameKey>,
    /// The sex given, else the one the prefix implies.
    pub sex: Option<Sex>,
    /// The birth date or year.
    pub birth: Option<Birth>,
    /// The 8-digit DOPA village code (its first 6 digits: the subdistrict).
    pub village: Option<String>,
    /// [`normalise::house`].
    pub house: Option<String>,
    /// [`normalise::phone`]: the last 9 digits.
    pub phone: Option<String>,
}

/// A record as a list gives it: every field optional, an empty string meaning missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    /// The source's record id.
    pub id: String,
    /// The Thai personal ID, in any writing (`1-1017-00230-70-8`, Thai digits…).
    pub national_id: String,
    /// The title prefix column (`นาย`, `น.ส.`…).
    pub prefix: String,
    /// The first name (a prefix glued to it is removed).
    pub first_name: String,
    /// The last name. An other surname may be written in brackets or after a slash:
    /// `ใจดี (สุขใจ)`, `ใจดี/เดิม สุขใจ`.
    pub last_name: String,
    /// An other surname (maiden or married).
    pub other_last_name: String,
    /// `นายสมชาย ใจดี`, when first and last names are not separate: used only when both are
    /// empty.
    pub full_name: String,
    /// ช/ญ/ชาย/หญิง/M/F/1/2/male/female.
    pub sex: String,
    /// The birth date (see [`normalise::parse_birth`]).
    pub birth_date: String,
    /// The birth year alone (Buddhist era or Gregorian): used when there is no readable birth
    /// date.
    pub birth_year: String,
    /// The 8-digit village code.
    pub village_code: String,
    /// The house number.
    pub house_number: String,
    /// The phone number.
    pub phone: String,
}

/// Words that introduce an other surname inside a last-name field.
const FORMER: [&str; 5] = ["นามสกุลเดิม", "สกุลเดิม", "เดิม", "née", "nee"];

/// The surnames of a last-name field: `ใจดี (สุขใจ)` → `ใจดี`, `สุขใจ`; `ใจดี/เดิม สุขใจ` too.
fn surnames(field: &str) -> impl Iterator<Item = &str> {
    field.split(['(', ')', '/', '[', ']']).filter_map(|part| {
        let mut p = part.trim();
        for w in FORMER {
            if let Some(rest) = p.strip_prefix(w) {
                let cut = rest.trim_start_matches([' ', ':', '.']);
                // `เดิม` glued to a word may be a surname of its own (`เดิมพันธ์`).
                if w.chars().count() > 4 || cut.len() < rest.len() {
                    p = cut.trim();
                }
                break;
            }
        }
        (!p.is_empty()).then_some(p)
    })
}

impl Record {
    /// Normalise a raw record.
    ///
    /// - Names: a prefix glued to the first name is removed ([`normalise::split_prefix`]); with
    ///   no first and last name, the full name is split after its prefix into the first word
    ///   (first name) and the rest (last name, spaces folded away: `ณ อยุธยา`). A first-name
    ///   field holding two words and no last name is read as a full name.
    /// - Sex: the sex column, else the prefix column, else a prefix cut from the name.
    /// - Birth: the birth date, else the birth year.
    /// - Village: [`normalise::village`] (8 digits, else missing).
    pub fn from_raw(r: &RawRecord) -> Record {
        let column_prefix = Prefix::parse(&r.prefix);
        let (first, last_field, name_prefix) = {
            let first = r.first_name.trim();
            let last = r.last_name.trim();
            let whole = if !first.is_empty() && last.is_empty() && first.contains(' ') {
                Some(first)
            } else if first.is_empty() && last.is_empty() {
                Some(r.full_name.trim())
            } else {
                None
            };
            match whole {
                Some(whole) => {
                    let (p, rest) = normalise::split_prefix(whole);
                    let (f, l) = rest.split_once(' ').unwrap_or((&rest, ""));
                    (f.to_owned(), l.to_owned(), p)
                }
                None => {
                    let (p, f) = normalise::split_prefix(first);
                    (f, last.to_owned(), p)
                }
            }
        };
        let mut last: Vec<NameKey> = Vec::with_capacity(2);
        for s in surnames(&last_field).chain(surnames(&r.other_last_name)) {
            if let Some(k) = NameKey::new(s)
                && !last.iter().any(|x| x.folded == k.folded)
            {
                last.push(k);
            }
        }
        let sex = Sex::parse(&r.sex)
            .or(column_prefix.and_then(Prefix::sex))
            .or(name_prefix.and_then(Prefix::sex));
        let birth =
            normalise::parse_birth(&r.birth_date).or_else(|| normalise::parse_birth(&r.birth_year));
        Record {
            id: r.id.trim().to_owned(),
            national_id: normalise::national_id(&r.national_id),
            first: NameKey::new(&first),
            last,
            sex,
            birth,
            village: normalise::village(&r.village_code),
            house: normalise::house(&r.house_number),
            phone: normalise::phone(&r.phone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> NameKey {
        NameKey::new(s).unwrap()
    }

    fn folded(keys: &[NameKey]) -> Vec<&str> {
        keys.iter().map(|k| k.folded.as_str()).collect()
    }

    #[test]
    fn a_full_record_is_normalised_field_by_field() {
        let r = Record::from_raw(&RawRecord {
            id: " A-17 ".into(),
            national_id: "1-1017-00230-70-8".into(),
            prefix: "นาง".into(),
            first_name: "สมศรี".into(),
            last_name: "ใจดี".into(),
            other_last_name: "สุขใจ".into(),
            birth_date: "15/03/2490".into(),
            village_code: "55010101".into(),
            house_number: "เลขที่ 12 / 3".into(),
            phone: "081-234-5678".into(),
            ..Default::default()
        });
        assert_eq!(
            r,
            Record {
                id: "A-17".into(),
                national_id: Some("1101700230708".into()),
                first: Some(key("สมศรี")),
                last: vec![key("ใจดี"), key("สุขใจ")],
                sex: Some(Sex::Female),
                birth: Some(Birth {
                    year: 1947,
                    month: Some(3),
                    day: Some(15)
                }),
                village: Some("55010101".into()),
                house: Some("12/3".into()),
                phone: Some("812345678".into()),
            }
        );
        assert_eq!(r.first.unwrap().folded, "สมสรี");
    }

    #[test]
    fn an_empty_record_has_nothing() {
        let r = Record::from_raw(&RawRecord::default());
        assert_eq!(r, Record::default());
        assert!(r.first.is_none() && r.last.is_empty() && r.birth.is_none());
        // Only punctuation in the names: still nothing.
        let r = Record::from_raw(&RawRecord {
            first_name: "-".into(),
            last_name: " . ".into(),
            ..Default::default()
        });
        assert_eq!((r.first, r.last), (None, vec![]));
    }

    #[test]
    fn a_prefix_glued_to_the_first_name_is_cut_and_tells_the_sex() {
        let r = Record::from_raw(&RawRecord {
            first_name: "นายสมชาย".into(),
            last_name: "ใจดี".into(),
            ..Default::default()
        });
        assert_eq!(r.first, Some(key("สมชาย")));
        assert_eq!(r.sex, Some(Sex::Male));
        // The prefix column and the same prefix glued again.
        let r = Record::from_raw(&RawRecord {
            prefix: "น.ส.".into(),
            first_name: "น.ส.มาลี".into(),
            ..Default::default()
        });
        assert_eq!(r.first, Some(key("มาลี")));
        assert_eq!(r.sex, Some(Sex::Female));
        // นางนวล is a name: it stays whole, the prefix column gives the sex.
        let r = Record::from_raw(&RawRecord {
            prefix: "นาง".into(),
            first_name: "นางนวล".into(),
            ..Default::default()
        });
        assert_eq!(r.first, Some(key("นางนวล")));
        assert_eq!(r.sex, Some(Sex::Female));
    }

    #[test]
    fn the_sex_column_wins_over_prefixes() {
        for (sex, prefix, first, want) in [
            ("ช", "", "", Some(Sex::Male)),
            ("หญิง", "", "", Some(Sex::Female)),
            ("F", "นาย", "", Some(Sex::Female)),
            ("2", "", "นายสมชาย", Some(Sex::Female)),
            ("", "เด็กชาย", "", Some(Sex::Male)),
            ("", "ด.ญ.", "", Some(Sex::Female)),
            ("", "", "ด.ญ.ฝน", Some(Sex::Female)),
            ("", "ดร.", "สมชาย", None),
            ("ไม่ระบุ", "", "สมชาย", None),
        ] {
            let r = Record::from_raw(&RawRecord {
                sex: sex.into(),
                prefix: prefix.into(),
                first_name: first.into(),
                ..Default::default()
            });
            assert_eq!(r.sex, want, "{sex:?} {prefix:?} {first:?}");
        }
    }

    #[test]
    fn a_full_name_is_split_after_its_prefix() {
        let r = Record::from_raw(&RawRecord {
            full_name: "นายสมชาย  ณ อยุธยา".into(),
            ..Default::default()
        });
        assert_eq!(r.first, Some(key("สมชาย")));
        assert_eq!(folded(&r.last), ["นอยุทยา"]);
        assert_eq!(r.sex, Some(Sex::Male));
        // Two words in the first-name field and no last name: a full name too.
        let r = Record::from_raw(&RawRecord {
            first_name: "นางสาวมาลี ศรีสุข".into(),
            ..Default::default()
        });
        assert_eq!(r.first, Some(key("มาลี")));
        assert_eq!(folded(&r.last), ["สรีสุค"]);
        assert_eq!(r.sex, Some(Sex::Female));
        // The full name is ignored when first or last name is given.
        let r = Record::from_raw(&RawRecord {
            first_name: "มาลี".into(),
            full_name: "นายสมชาย ใจดี".into(),
            ..Default::default()
        });
        assert_eq!((r.first, r.last, r.sex), (Some(key("มาลี")), vec![], None));
    }

    #[test]
    fn maiden_and_married_surnames_are_both_kept() {
        for (last, other, want) in [
            ("ใจดี", "สุขใจ", &["ไจดี", "สุคไจ"][..]),
            ("ใจดี (สุขใจ)", "", &["ไจดี", "สุคไจ"]),
            ("ใจดี/เดิม สุขใจ", "", &["ไจดี", "สุคไจ"]),
            ("ใจดี (สกุลเดิมสุขใจ)", "", &["ไจดี", "สุคไจ"]),
            ("ใจดี", "ใจดี", &["ไจดี"]),
            ("ใจดี", "ใจดี่", &["ไจดี"]),
            ("", "สุขใจ", &["สุคไจ"]),
            // เดิม glued to letters is a surname of its own.
            ("เดิมพันธ์", "", &["เดิมพัน"]),
        ] {
            let r = Record::from_raw(&RawRecord {
                first_name: "มาลี".into(),
                last_name: last.into(),
                other_last_name: other.into(),
                ..Default::default()
            });
            assert_eq!(folded(&r.last), want, "{last:?} {other:?}");
        }
    }

    #[test]
    fn birth_year_stands_in_for_a_missing_date() {
        let birth = |date: &str, year: &str| {
            Record::from_raw(&RawRecord {
                birth_date: date.into(),
                birth_year: year.into(),
                ..Default::default()
            })
            .birth
        };
        let y1947 = Some(Birth {
            year: 1947,
            month: None,
            day: None,
        });
        assert_eq!(birth("", "2490"), y1947);
        assert_eq!(birth("", "1947"), y1947);
        assert_eq!(birth("ไม่ทราบ", "๒๔๙๐"), y1947);
        assert_eq!(birth("", ""), None);
        // A readable date wins over the year column.
        assert_eq!(
            birth("03/2491", "2490"),
            Some(Birth {
                year: 1948,
                month: Some(3),
                day: None
            })
        );
    }

    #[test]
    fn village_house_and_phone_are_normalised_or_missing() {
        let r = Record::from_raw(&RawRecord {
            village_code: "๕๕๐๑๐๑๐๑".into(),
            house_number: "๑๒/๓".into(),
            phone: "+66 81 234 5678".into(),
            ..Default::default()
        });
        assert_eq!(r.village.as_deref(), Some("55010101"));
        assert_eq!(r.house.as_deref(), Some("12/3"));
        assert_eq!(r.phone.as_deref(), Some("812345678"));
        let r = Record::from_raw(&RawRecord {
            village_code: "550101".into(),
            house_number: "-".into(),
            phone: "ไม่มี".into(),
            national_id: "0000000000000".into(),
            ..Default::default()
        });
        assert_eq!(
            (r.village, r.house, r.phone, r.national_id),
            (None, None, None, None)
        );
    }
}
