//! When a volunteer can be called: weekly time slots in Thai local time.
//!
//! Written as `mon 08:00-17:00, sat 09:00-12:00`; a day range `mon-fri 18:00-21:00`, `daily`
//! for every day, a slot past midnight (`fri 22:00-06:00` runs into Saturday), and `always` for
//! round the clock. Thai day abbreviations (จ อ พ พฤ ศ ส อา) are read too. An empty text means
//! "not stated", which matching treats as not available.

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use serde::Serialize;

use crate::FieldError;

/// One weekly slot: a day and minutes since midnight; `end > 1440` runs into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// Day the slot starts on (0 = Monday).
    pub day: u8,
    /// Start, minutes after midnight.
    pub start: u16,
    /// End, minutes after the start day's midnight (up to 2 × 1440).
    pub end: u16,
}

/// Weekly availability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Availability {
    /// The slots, in the order written.
    pub slots: Vec<Slot>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const THAI_DAYS: [&str; 7] = ["จ", "อ", "พ", "พฤ", "ศ", "ส", "อา"];
const FIELD: &str = "availability";

fn day(s: &str) -> Option<u8> {
    let s = s.trim().trim_end_matches('.').to_lowercase();
    DAYS.iter()
        .position(|d| s == *d || (s.is_ascii() && s.len() > 3 && d.starts_with(&s[..3])))
        .or_else(|| THAI_DAYS.iter().position(|d| s == *d))
        .map(|i| i as u8)
}

fn minutes(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once([':', '.'])?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl Availability {
    /// Every day, all day.
    pub fn always() -> Self {
        Self {
            slots: (0..7)
                .map(|day| Slot {
                    day,
                    start: 0,
                    end: 1440,
                })
                .collect(),
        }
    }

    /// Read the written form; an error names the `availability` field.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new(FIELD, "availability_invalid");
        let t = raw.trim();
        if t.eq_ignore_ascii_case("always") || t == "ตลอดเวลา" {
            return Ok(Self::always());
        }
        let mut slots = Vec::new();
        for part in t.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let (days, time) = part.rsplit_once(' ').ok_or_else(bad)?;
            let (from, to) = time.split_once('-').ok_or_else(bad)?;
            let (start, end) = (minutes(from).ok_or_else(bad)?, minutes(to).ok_or_else(bad)?);
            if start == end || start >= 1440 {
                return Err(bad());
            }
            // Past midnight: the end belongs to the next day.
            let end = if end < start { end + 1440 } else { end };
            let days: Vec<u8> = match days.trim() {
                d if d.eq_ignore_ascii_case("daily") || d == "ทุกวัน" => {
                    (0..7).collect()
                }
                d => match d.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?);
                        if a > b {
                            return Err(bad());
                        }
                        (a..=b).collect()
                    }
                    None => vec![day(d).ok_or_else(bad)?],
                },
            };
            slots.extend(days.into_iter().map(|day| Slot { day, start, end }));
        }
        Ok(Self { slots })
    }

    /// The canonical written form (one slot per day, English day names).
    pub fn to_text(&self) -> String {
        if *self == Self::always() {
            return "always".into();
        }
        let hm = |m: u16| {
            format!(
                "{:02}:{:02}",
                (m / 60) % 24 + if m == 1440 { 24 } else { 0 },
                m % 60
            )
        };
        self.slots
            .iter()
            .map(|s| format!("{} {}-{}", DAYS[s.day as usize], hm(s.start), hm(s.end)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Free at this local (Thai) time?
    pub fn available_at(&self, at: NaiveDateTime) -> bool {
        let today = at.weekday().num_days_from_monday() as u8;
        let yesterday = (today + 6) % 7;
        let m = (at.hour() * 60 + at.minute()) as u16;
        self.slots.iter().any(|s| {
            (s.day == today && s.start <= m && m < s.end)
                || (s.day == yesterday && s.end > 1440 && m + 1440 < s.end)
        })
    }

    /// Nothing stated.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// The weekday of a slot (for display).
pub fn weekday(day: u8) -> Weekday {
    Weekday::try_from(day).unwrap_or(Weekday::Mon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        // 2026-11-23 is a Monday.
        NaiveDate::from_ymd_opt(2026, 11, 23 + d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn slots_cover_their_hours_only() {
        let a = Availability::parse("mon-fri 18:00-21:00, sat 09:00-12:00").unwrap();
        assert_eq!(a.slots.len(), 6);
        assert!(a.available_at(at(0, 18, 0)));
        assert!(a.available_at(at(4, 20, 59)));
        assert!(!a.available_at(at(4, 21, 0)), "the end is exclusive");
        assert!(!a.available_at(at(0, 17, 59)));
        assert!(a.available_at(at(5, 9, 30)));
        assert!(!a.available_at(at(6, 10, 0)), "not on Sunday");
        assert_eq!(
            Availability::parse(&a.to_text()).unwrap(),
            a,
            "the written form reads back"
        );
    }

    #[test]
    fn night_slots_run_into_the_next_day() {
        let a = Availability::parse("fri 22:00-06:00").unwrap();
        assert!(a.available_at(at(4, 23, 0)));
        assert!(a.available_at(at(5, 5, 59)));
        assert!(!a.available_at(at(5, 6, 0)));
        assert!(!a.available_at(at(3, 23, 0)));
        // Sunday night runs into Monday.
        let s = Availability::parse("sun 20:00-02:00").unwrap();
        assert!(s.available_at(at(7, 1, 0)));
    }

    #[test]
    fn thai_days_always_and_errors() {
        let a = Availability::parse("ส-อา 08.00-12.00; ทุกวัน 19:00-20:00").unwrap();
        assert!(a.available_at(at(6, 8, 0)));
        assert!(a.available_at(at(2, 19, 30)));
        assert!(
            Availability::parse("always")
                .unwrap()
                .available_at(at(3, 3, 3))
        );
        assert!(Availability::parse("").unwrap().is_empty());
        assert!(!Availability::parse("").unwrap().available_at(at(0, 12, 0)));
        for bad in [
            "mon",
            "ééé 08:00-09:00",
            "mon 25:00-26:00",
            "xyz 08:00-09:00",
            "fri-mon 08:00-09:00",
            "mon 08:00-08:00",
        ] {
            assert_eq!(
                Availability::parse(bad),
                Err(FieldError::new("availability", "availability_invalid")),
                "{bad}"
            );
        }
        assert_eq!(Availability::always().to_text(), "always");
        assert_eq!(
            Availability::parse("wed 08:00-24:00").unwrap().to_text(),
            "wed 08:00-24:00"
        );
    }
}
