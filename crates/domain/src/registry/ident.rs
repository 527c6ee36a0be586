//! Identity documents: the Thai 13-digit personal ID (with its mod-11 check digit), other
//! personal-status numbers, passports, or nothing at all (stateless and hill-tribe residents
//! often have no number, and must still be registered).

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Which kind of identity number a person has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// เลขประจำตัวประชาชน: 13 digits, mod-11 check digit, first digit 1–8 (the DOPA person types).
    Citizen,
    /// Another Thai personal-status number (e.g. the `0`-type number of people without
    /// registration status, or a type 6/7 number of a non-Thai resident): 13 digits with the same
    /// check digit, any first digit.
    OtherThai,
    /// A passport number: 5–20 letters and digits.
    Passport,
    /// No document.
    None,
}

impl IdKind {
    /// All kinds, in form order.
    pub const ALL: [IdKind; 4] = [Self::Citizen, Self::OtherThai, Self::Passport, Self::None];

    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::OtherThai => "other_thai",
            Self::Passport => "passport",
            Self::None => "none",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// The check digit of a 12-digit prefix of a Thai personal ID: `(11 - Σ dᵢ·(13-i) mod 11) mod 10`.
/// (A slip in the third digit, whose weight is 11, cannot be detected by this algorithm.)
pub fn check_digit(first12: &[u8; 12]) -> u8 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * (13 - i as u32))
        .sum();
    ((11 - sum % 11) % 10) as u8
}

/// Digits only: Thai digits (๐–๙) become ASCII; spaces and dashes (as printed on the card,
/// `1-2345-67890-12-1`) are dropped. `None` if anything else is present.
fn digits(s: &str) -> Option<String> {
    let mut out = String::with_capacity(13);
    for c in s.trim().chars() {
        match c {
            '0'..='9' => out.push(c),
            '๐'..='๙' => out.push(char::from(b'0' + (c as u32 - '๐' as u32) as u8)),
            ' ' | '-' => {}
            _ => return None,
        }
    }
    Some(out)
}

/// True when `s` is 13 digits with a correct check digit.
fn checksum_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 13 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut first = [0u8; 12];
    for (i, d) in b[..12].iter().enumerate() {
        first[i] = d - b'0';
    }
    check_digit(&first) == b[12] - b'0'
}

/// Validate and normalise an identity number of `kind`. Errors name the field `id_number`.
///
/// Returns `None` for [`IdKind::None`] (and an error if a number was given anyway).
pub fn normalise_id(kind: IdKind, raw: &str) -> Result<Option<String>, FieldError> {
    let raw = raw.trim();
    const FIELD: &str = "id_number";
    match kind {
        IdKind::None => {
            if raw.is_empty() {
                Ok(None)
            } else {
                Err(FieldError::new(FIELD, "id_given_for_none"))
            }
        }
        _ if raw.is_empty() => Err(FieldError::new(FIELD, "required")),
        IdKind::Citizen | IdKind::OtherThai => {
            let d = digits(raw).ok_or(FieldError::new(FIELD, "id_not_digits"))?;
            if d.len() != 13 {
                return Err(FieldError::new(FIELD, "id_length"));
            }
            if !checksum_ok(&d) {
                return Err(FieldError::new(FIELD, "id_check_digit"));
            }
            if kind == IdKind::Citizen && matches!(d.as_bytes()[0], b'0' | b'9') {
                return Err(FieldError::new(FIELD, "id_not_citizen"));
            }
            Ok(Some(d))
        }
        IdKind::Passport => {
            let p: String = raw
                .chars()
                .filter(|c| *c != ' ' && *c != '-')
                .collect::<String>()
                .to_uppercase();
            if !(5..=20).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(FieldError::new(FIELD, "passport_invalid"));
            }
            Ok(Some(p))
        }
    }
}

/// Show a 13-digit number the way it is printed on the card: `1-2345-67890-12-1`.
pub fn format_thai_id(id: &str) -> String {
    if id.len() != 13 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return id.to_owned();
    }
    format!(
        "{}-{}-{}-{}-{}",
        &id[0..1],
        &id[1..5],
        &id[5..10],
        &id[10..12],
        &id[12..13]
    )
}

/// Make a valid 13-digit number from 12 digits (for demo data and tests).
pub fn complete_id(first12: &str) -> String {
    let mut d = [0u8; 12];
    for (i, b) in first12.bytes().take(12).enumerate() {
        d[i] = b - b'0';
    }
    format!("{first12}{}", check_digit(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_matches_the_published_algorithm() {
        // 1-1017-00230-70-? : Σ = 1·13+1·12+0·11+1·10+7·9+0·8+0·7+2·6+3·5+0·4+7·3+0·2 = 146;
        // 146 mod 11 = 3; 11-3 = 8.
        assert_eq!(complete_id("110170023070"), "1101700230708");
        assert_eq!(
            normalise_id(IdKind::Citizen, "1-1017-00230-70-8").unwrap(),
            Some("1101700230708".into())
        );
        // Thai digits are accepted.
        assert_eq!(
            normalise_id(IdKind::Citizen, "๑๑๐๑๗๐๐๒๓๐๗๐๘").unwrap(),
            Some("1101700230708".into())
        );
    }

    #[test]
    fn every_single_digit_slip_is_caught() {
        let good = "1101700230708";
        // The third digit has weight 11 ≡ 0 (mod 11): the published algorithm cannot see a slip
        // there, so it is not asserted.
        for pos in (0..13).filter(|p| *p != 2) {
            for d in b'0'..=b'9' {
                let mut b = good.as_bytes().to_vec();
                if b[pos] == d {
                    continue;
                }
                b[pos] = d;
                let s = String::from_utf8(b).unwrap();
                let r = normalise_id(IdKind::OtherThai, &s);
                assert_eq!(
                    r,
                    Err(FieldError::new("id_number", "id_check_digit")),
                    "{s}"
                );
            }
        }
    }

    #[test]
    fn kinds_and_errors() {
        assert_eq!(
            normalise_id(IdKind::Citizen, "12345").unwrap_err().code,
            "id_length"
        );
        assert_eq!(
            normalise_id(IdKind::Citizen, "1101x00230708")
                .unwrap_err()
                .code,
            "id_not_digits"
        );
        assert_eq!(
            normalise_id(IdKind::Citizen, "").unwrap_err().code,
            "required"
        );
        // A 0-type number is valid as "other", not as a citizen ID.
        let zero = complete_id("000123456789");
        assert_eq!(
            normalise_id(IdKind::Citizen, &zero).unwrap_err().code,
            "id_not_citizen"
        );
        assert_eq!(
            normalise_id(IdKind::OtherThai, &zero).unwrap(),
            Some(zero.clone())
        );
        assert_eq!(
            normalise_id(IdKind::Passport, " aa 123456 ").unwrap(),
            Some("AA123456".into())
        );
        assert_eq!(
            normalise_id(IdKind::Passport, "ก12345").unwrap_err().code,
            "passport_invalid"
        );
        assert_eq!(normalise_id(IdKind::None, "  ").unwrap(), None);
        assert_eq!(
            normalise_id(IdKind::None, "1101700230708")
                .unwrap_err()
                .code,
            "id_given_for_none"
        );
        assert_eq!(format_thai_id("1101700230708"), "1-1017-00230-70-8");
    }
}
