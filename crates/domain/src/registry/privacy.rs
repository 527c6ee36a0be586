//! Data-subject rights under Thailand's PDPA (พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562): the rules
//! with no I/O behind export, erasure and retention.
//!
//! - **Erasure** needs a reason (kept in the audit log, with the person's name and ID number
//!   taken out of it) and an explicit confirmation on the form; it leaves a *pseudonym*
//!   (`erased-` and ten hex digits, random) as the only name the erased person has afterwards:
//!   the reference an administrator gives the person who asked.
//! - **Scrubbing**: the person's full name and ID number are also replaced by the pseudonym in
//!   free text about *other* people (a neighbour's visit note, a group's minutes, another
//!   agency's roll). First names alone are left: too common to replace without damaging other
//!   people's records.
//! - **Retention**: how long records may stay after they stop being needed (see
//!   [`RetentionRules`]).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::registry::ident::format_thai_id;
use crate::{FieldError, Invalid};

/// Longest erasure reason, in characters.
pub const MAX_REASON: usize = 500;

/// The prefix of every erasure pseudonym.
pub const PSEUDONYM_PREFIX: &str = "erased-";

/// The erasure form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EraseForm {
    /// Why (the request of the person, a court order, the end of a purpose…).
    pub reason: String,
    /// The "this cannot be undone" box was ticked.
    pub confirm: bool,
}

impl EraseForm {
    /// The checked reason. `require_confirm`: the web form's box must be ticked (an API caller
    /// has already decided by calling).
    pub fn check(&self, require_confirm: bool) -> Result<String, Invalid> {
        let mut errors = Vec::new();
        let reason = self.reason.trim();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", "required"));
        } else if reason.chars().count() > MAX_REASON {
            errors.push(FieldError::new("reason", "too_long"));
        }
        if require_confirm && !self.confirm {
            errors.push(FieldError::new("confirm", "erase_confirm_required"));
        }
        if errors.is_empty() {
            Ok(reason.to_owned())
        } else {
            Err(Invalid(errors))
        }
    }
}

/// The pseudonym of an erasure made from random bytes: `erased-` and ten hex digits.
pub fn pseudonym(random: [u8; 5]) -> String {
    let mut s = String::from(PSEUDONYM_PREFIX);
    for b in random {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// True for a string shaped like a pseudonym (what a page may show back from its address).
pub fn is_pseudonym(s: &str) -> bool {
    s.strip_prefix(PSEUDONYM_PREFIX).is_some_and(|h| {
        h.len() == 10
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// What identifies a person in free text: the full name (first and last, as written and glued
/// together) and the ID number (as stored and, for Thai numbers, with dashes). Pieces too short
/// to be specific are left out, so scrubbing never mangles unrelated text.
pub fn needles(first: &str, last: &str, id_number: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let (first, last) = (first.trim(), last.trim());
    if !first.is_empty() && !last.is_empty() && first.chars().count() + last.chars().count() >= 4 {
        out.push(format!("{first} {last}"));
        out.push(format!("{first}{last}"));
    }
    if let Some(id) = id_number.map(str::trim).filter(|n| n.chars().count() >= 6) {
        out.push(id.to_owned());
        let dashed = format_thai_id(id);
        if dashed != id {
            out.push(dashed);
        }
    }
    out
}

/// `text` with every needle replaced by `with`, or `None` when no needle occurs in it.
pub fn scrub(text: &str, needles: &[String], with: &str) -> Option<String> {
    let mut out = text.to_owned();
    let mut changed = false;
    for n in needles.iter().filter(|n| !n.is_empty()) {
        if out.contains(n.as_str()) {
            out = out.replace(n.as_str(), with);
            changed = true;
        }
    }
    changed.then_some(out)
}

/// How long records stay once they are no longer needed (configurable; 0 turns a rule off).
///
/// - `inactive_person_years`: a person recorded as moved away or deceased is erased this many
///   years after the status date (the last change when no date was given), with everything
///   about them, exactly like an erasure on request. Records merged into them go with them.
/// - `roll_years`: the rows of an agency's roll (names and ID numbers as the agency wrote them,
///   kept to show what linked and what did not) are emptied this many years after the run. The
///   row and what it linked stay; only the copied personal data goes.
///
/// Not here, because other code already does it: sessions end and are removed when they expire,
/// sign-in attempts after a day (hourly housekeeping). The audit log is kept: it holds no
/// names or ID numbers, only record numbers, which point at nothing once a person is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionRules {
    /// Years after moving away or death before a person is erased (0: never).
    pub inactive_person_years: u32,
    /// Years after a roll's run before its rows' copied personal data is emptied (0: never).
    pub roll_years: u32,
}

impl Default for RetentionRules {
    fn default() -> Self {
        Self {
            inactive_person_years: 5,
            roll_years: 2,
        }
    }
}

impl RetentionRules {
    /// The longest period accepted, in years.
    pub const MAX_YEARS: u32 = 100;

    /// Refuse periods beyond [`Self::MAX_YEARS`] (a slip such as days typed as years).
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.inactive_person_years > Self::MAX_YEARS {
            errors.push(FieldError::new("inactive_person_years", "out_of_range"));
        }
        if self.roll_years > Self::MAX_YEARS {
            errors.push(FieldError::new("roll_years", "out_of_range"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }
}

/// The day `years` years before `today` (29 February falls back to the 28th); records dated
/// before it are past their period.
pub fn cutoff(today: NaiveDate, years: u32) -> NaiveDate {
    let y = today.year() - years as i32;
    NaiveDate::from_ymd_opt(y, today.month(), today.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, today.month(), 28))
        .unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erasure_needs_a_reason_and_on_the_form_the_box() {
        let f = EraseForm {
            reason: "  คำขอของเจ้าของข้อมูล ".into(),
            confirm: true,
        };
        assert_eq!(f.check(true).unwrap(), "คำขอของเจ้าของข้อมูล");
        let Invalid(e) = EraseForm::default().check(true).unwrap_err();
        assert_eq!(
            e,
            vec![
                FieldError::new("reason", "required"),
                FieldError::new("confirm", "erase_confirm_required")
            ]
        );
        let api = EraseForm {
            reason: "court order".into(),
            confirm: false,
        };
        assert!(api.check(false).is_ok());
        let long = EraseForm {
            reason: "ก".repeat(MAX_REASON + 1),
            confirm: true,
        };
        assert_eq!(
            long.check(true).unwrap_err().0,
            vec![FieldError::new("reason", "too_long")]
        );
    }

    #[test]
    fn pseudonyms_have_one_shape() {
        let p = pseudonym([0, 1, 0xab, 0xcd, 0xef]);
        assert_eq!(p, "erased-0001abcdef");
        assert!(is_pseudonym(&p));
        for bad in [
            "erased-0001ABCDEF",
            "erased-01",
            "x-0001abcdef",
            "erased-0001abcdeg",
        ] {
            assert!(!is_pseudonym(bad), "{bad}");
        }
    }

    #[test]
    fn scrubbing_replaces_full_names_and_id_numbers_only() {
        let n = needles("สมศรี", "มีสุข", Some("1101700230708"));
        assert_eq!(
            n,
            ["สมศรี มีสุข", "สมศรีมีสุข", "1101700230708", "1-1017-00230-70-8"]
        );
        let x = "erased-0000000000";
        assert_eq!(
            scrub("เยี่ยมนางสมศรี มีสุข (1-1017-00230-70-8) กับสมศรีคนอื่น", &n, x).as_deref(),
            Some("เยี่ยมนางerased-0000000000 (erased-0000000000) กับสมศรีคนอื่น")
        );
        assert_eq!(scrub("ยายสมศรีสบายดี", &n, x), None);
        // Too short to be specific: nothing to look for.
        assert!(needles("ก", "ข", Some("123")).is_empty());
    }

    #[test]
    fn retention_cutoffs_and_limits() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(cutoff(d(2026, 12, 6), 5), d(2021, 12, 6));
        assert_eq!(cutoff(d(2028, 2, 29), 1), d(2027, 2, 28));
        assert!(RetentionRules::default().check().is_ok());
        let bad = RetentionRules {
            inactive_person_years: 365,
            roll_years: 2,
        };
        assert_eq!(bad.check().unwrap_err().0[0].field, "inactive_person_years");
    }
}
