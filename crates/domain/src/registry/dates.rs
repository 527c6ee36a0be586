//! Partial dates: elders often know only their birth year (in the Buddhist era), sometimes the
//! month. A [`PartialDate`] keeps what is known and says so; it is stored as the first possible
//! day plus a [`Precision`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::thaidate::BE_OFFSET;

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Day, month and year.
    Day,
    /// Month and year.
    Month,
    /// Year only.
    Year,
}

impl Precision {
    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "month" => Some(Self::Month),
            "year" => Some(Self::Year),
            _ => None,
        }
    }
}

/// A date of which only part may be known (Gregorian inside; shown in the Buddhist era).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    /// The first day the date can be (month and day are 1 when unknown).
    pub date: NaiveDate,
    /// What is known.
    pub precision: Precision,
}

const MONTHS_TH_SHORT: [&str; 12] = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
];
const MONTHS_TH_LONG: [&str; 12] = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
];
const MONTHS_EN_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Years from this value up are read as Buddhist era (พ.ศ. 2400 = ค.ศ. 1857); below it as
/// Gregorian. No living person was born before 1857, and no Gregorian year reaches 2400.
pub const BE_YEAR_FROM: i32 = 2400;

impl PartialDate {
    /// A date of which only the year is known.
    pub fn year(ce_year: i32) -> Option<Self> {
        Some(Self {
            date: NaiveDate::from_ymd_opt(ce_year, 1, 1)?,
            precision: Precision::Year,
        })
    }

    /// Rebuild from storage.
    pub fn from_parts(date: NaiveDate, precision: Precision) -> Self {
        Self { date, precision }
    }

    /// Parse what people type or what agency files hold, reporting problems on `field`:
    /// `15/03/2490`, `15-3-1947`, `1947-03-15` (ISO), `03/2490`, `2490`, `15 มี.ค. 2490`,
    /// `15 มีนาคม 2490`, Thai digits. Years ≥ 2400 are Buddhist era. Dates after `today` are
    /// refused.
    pub fn parse(field: &'static str, raw: &str, today: NaiveDate) -> Result<Self, FieldError> {
        let d = Self::parse_any(field, raw)?;
        if d.date > today {
            return Err(FieldError::new(field, "date_in_future"));
        }
        Ok(d)
    }

    /// [`PartialDate::parse`] without the limit at today (for planned events such as a
    /// training session).
    pub fn parse_any(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let bad = FieldError::new(field, "date_invalid");
        let s: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                '๐'..='๙' => char::from(b'0' + (c as u32 - '๐' as u32) as u8),
                _ => c,
            })
            .collect();
        if s.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        // ISO first: 1947-03-15 (optionally with a time part from a spreadsheet).
        let iso = s.split(['T', ' ']).next().unwrap_or("");
        let parts: Vec<&str> = iso.split('-').collect();
        let (y, m, d): (i32, Option<u32>, Option<u32>) = if parts.len() == 3
            && parts[0].len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            (
                parts[0].parse().map_err(|_| bad)?,
                Some(parts[1].parse().map_err(|_| bad)?),
                Some(parts[2].parse().map_err(|_| bad)?),
            )
        } else if let Some((d, m, y)) = parse_month_name(&s) {
            (y, Some(m), d)
        } else {
            let nums: Vec<&str> = s
                .split(['/', '-', '.', ' '])
                .filter(|p| !p.is_empty())
                .collect();
            if !nums.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
                return Err(bad);
            }
            let n = |i: usize| nums[i].parse::<u32>().map_err(|_| bad);
            match nums.len() {
                1 if nums[0].len() == 4 => (n(0)? as i32, None, None),
                2 if nums[1].len() == 4 => (n(1)? as i32, Some(n(0)?), None),
                // ISO month (`1947-03`), as exports write a month-only date.
                2 if nums[0].len() == 4 => (n(0)? as i32, Some(n(1)?), None),
                3 if nums[2].len() == 4 => (n(2)? as i32, Some(n(1)?), Some(n(0)?)),
                _ => return Err(bad),
            }
        };
        let y = if y >= BE_YEAR_FROM { y - BE_OFFSET } else { y };
        if !(1850..=2200).contains(&y) {
            return Err(FieldError::new(field, "date_year_out_of_range"));
        }
        let (date, precision) = match (m, d) {
            (None, _) => (NaiveDate::from_ymd_opt(y, 1, 1), Precision::Year),
            (Some(m), None) => (NaiveDate::from_ymd_opt(y, m, 1), Precision::Month),
            (Some(m), Some(d)) => (NaiveDate::from_ymd_opt(y, m, d), Precision::Day),
        };
        let date = date.ok_or(bad)?;
        Ok(Self { date, precision })
    }

    /// Completed years of age on `today`. With a year only, the age the person reaches this
    /// calendar year (how Thai practice counts elders whose birthday is unknown); with a month,
    /// counted from the first of that month.
    pub fn age_on(&self, today: NaiveDate) -> i32 {
        let years = today.year() - self.date.year();
        match self.precision {
            Precision::Year => years,
            Precision::Month | Precision::Day => {
                if (today.month(), today.day()) < (self.date.month(), self.date.day()) {
                    years - 1
                } else {
                    years
                }
            }
        }
    }

    /// For display: `15 มี.ค. 2490`, `มี.ค. 2490`, `2490` in Thai (Buddhist era); `15 Mar 1947`,
    /// `Mar 1947`, `1947` in English.
    pub fn display(&self, lang: &str) -> String {
        let m = self.date.month0() as usize;
        let (y, month) = if lang == "en" {
            (self.date.year(), MONTHS_EN_SHORT[m])
        } else {
            (self.date.year() + BE_OFFSET, MONTHS_TH_SHORT[m])
        };
        match self.precision {
            Precision::Day => format!("{} {month} {y}", self.date.day()),
            Precision::Month => format!("{month} {y}"),
            Precision::Year => format!("{y}"),
        }
    }

    /// Machine form for exports: `1947-03-15`, `1947-03`, `1947`.
    pub fn iso(&self) -> String {
        match self.precision {
            Precision::Day => self.date.format("%Y-%m-%d").to_string(),
            Precision::Month => self.date.format("%Y-%m").to_string(),
            Precision::Year => self.date.format("%Y").to_string(),
        }
    }
}

/// `15 มี.ค. 2490`, `มีนาคม 2490`, `15 Mar 1947` → (day, month, year).
fn parse_month_name(s: &str) -> Option<(Option<u32>, u32, i32)> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let (day, month, year) = match words.as_slice() {
        [d, m, y] => (Some(d.parse::<u32>().ok()?), *m, *y),
        [m, y] => (None, *m, *y),
        _ => return None,
    };
    let lower = month.to_lowercase();
    let idx = MONTHS_TH_SHORT
        .iter()
        .position(|x| *x == month || x.trim_end_matches('.') == month)
        .or_else(|| MONTHS_TH_LONG.iter().position(|x| *x == month))
        .or_else(|| {
            MONTHS_EN_SHORT
                .iter()
                .position(|x| lower.starts_with(&x.to_lowercase()))
        })?;
    Some((day, idx as u32 + 1, year.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn p(s: &str) -> Result<PartialDate, &'static str> {
        PartialDate::parse("birth_date", s, today()).map_err(|e| e.code)
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn formats_agencies_use() {
        let full = PartialDate::from_parts(ymd(1947, 3, 15), Precision::Day);
        for s in [
            "15/03/2490",
            "15/3/1947",
            "1947-03-15",
            "15-03-2490",
            "15 มี.ค. 2490",
            "15 มี.ค 2490",
            "15 มีนาคม 2490",
            "15 Mar 1947",
            "๑๕/๐๓/๒๔๙๐",
            "1947-03-15T00:00:00",
        ] {
            assert_eq!(p(s), Ok(full), "{s}");
        }
        assert_eq!(
            p("03/2490"),
            Ok(PartialDate::from_parts(ymd(1947, 3, 1), Precision::Month))
        );
        assert_eq!(
            p("มีนาคม 2490"),
            Ok(PartialDate::from_parts(ymd(1947, 3, 1), Precision::Month))
        );
        assert_eq!(
            p("1947-03"),
            Ok(PartialDate::from_parts(ymd(1947, 3, 1), Precision::Month))
        );
        // Whatever `iso()` writes reads back the same.
        for d in [
            PartialDate::from_parts(ymd(1947, 3, 15), Precision::Day),
            PartialDate::from_parts(ymd(1947, 3, 1), Precision::Month),
            PartialDate::year(1947).unwrap(),
        ] {
            assert_eq!(p(&d.iso()), Ok(d));
        }
        assert_eq!(p("2490"), Ok(PartialDate::year(1947).unwrap()));
        assert_eq!(p("1947"), Ok(PartialDate::year(1947).unwrap()));
    }

    #[test]
    fn bad_dates_name_the_problem() {
        assert_eq!(p(""), Err("required"));
        assert_eq!(p("31/02/2490"), Err("date_invalid"));
        assert_eq!(p("15/13/2490"), Err("date_invalid"));
        assert_eq!(p("yesterday"), Err("date_invalid"));
        assert_eq!(p("15/03/47"), Err("date_invalid"));
        assert_eq!(p("1/1/2600"), Err("date_in_future"));
        assert_eq!(p("2300"), Err("date_year_out_of_range"));
        assert_eq!(p("24/11/2026"), Err("date_in_future"));
        assert!(p("23/11/2026").is_ok());
    }

    #[test]
    fn age_respects_precision() {
        let t = today();
        let d = PartialDate::from_parts(ymd(1966, 11, 24), Precision::Day);
        assert_eq!(d.age_on(t), 59);
        let d = PartialDate::from_parts(ymd(1966, 11, 23), Precision::Day);
        assert_eq!(d.age_on(t), 60);
        let m = PartialDate::from_parts(ymd(1966, 12, 1), Precision::Month);
        assert_eq!(m.age_on(t), 59);
        let y = PartialDate::year(1966).unwrap();
        assert_eq!(y.age_on(t), 60);
    }

    #[test]
    fn display_in_buddhist_era() {
        let d = PartialDate::from_parts(ymd(1947, 3, 15), Precision::Day);
        assert_eq!(d.display("th"), "15 มี.ค. 2490");
        assert_eq!(d.display("en"), "15 Mar 1947");
        assert_eq!(PartialDate::year(1947).unwrap().display("th"), "2490");
        let m = PartialDate::from_parts(ymd(1947, 3, 1), Precision::Month);
        assert_eq!(m.display("th"), "มี.ค. 2490");
        assert_eq!(m.iso(), "1947-03");
    }
}
