//! Buddhist-era (พ.ศ.) date display: พ.ศ. = ค.ศ. + 543.
//!
//! Stored values are always UTC `chrono` types; these helpers only format for people.

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};

/// Offset between the Buddhist and the Gregorian era.
pub const BE_OFFSET: i32 = 543;

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
const MONTHS_EN_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Thailand's time zone (UTC+7, no daylight saving).
pub fn bangkok() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// Gregorian year to Buddhist-era year.
pub const fn to_be_year(ce_year: i32) -> i32 {
    ce_year + BE_OFFSET
}

/// A timestamp as Thai users read it: `23 พ.ย. 2569 16:31` (Bangkok time, Buddhist era); in
/// English `23 Nov 2026 16:31` (Gregorian, which English readers expect).
pub fn format_datetime(at: DateTime<Utc>, lang: &str) -> String {
    let local = at.with_timezone(&bangkok());
    let m = local.month0() as usize;
    if lang == "en" {
        format!(
            "{} {} {} {:02}:{:02}",
            local.day(),
            MONTHS_EN_SHORT[m],
            local.year(),
            local.hour(),
            local.minute()
        )
    } else {
        format!(
            "{} {} {} {:02}:{:02}",
            local.day(),
            MONTHS_TH_SHORT[m],
            to_be_year(local.year()),
            local.hour(),
            local.minute()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn thai_display_uses_buddhist_era_and_bangkok_time() {
        // 2026-11-23 17:30 UTC is already the 24th in Bangkok.
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 17, 30, 0).unwrap();
        assert_eq!(format_datetime(at, "th"), "24 พ.ย. 2569 00:30");
        assert_eq!(format_datetime(at, "en"), "24 Nov 2026 00:30");
        assert_eq!(to_be_year(1999), 2542);
    }
}
