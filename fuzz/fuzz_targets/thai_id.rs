//! The identity-number parser (`ruamjai_domain::registry::ident`): what it accepts is checked
//! against a reference written here from the published rules, not merely for "no panic".
//!
//! Input: the first byte picks the kind, the rest is the typed text (UTF-8; invalid bytes are
//! replaced, as a form post would be). The same bytes, as 12 digits, also drive `complete_id`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruamjai_domain::registry::IdKind;
use ruamjai_domain::registry::ident::{check_digit, complete_id, format_thai_id, normalise_id};

/// The mod-11 check digit, written out again from the rule on the card:
/// Σ dᵢ·(13−i) for i = 0..12, then (11 − Σ mod 11) mod 10.
fn reference_check_digit(first12: &[u8]) -> u8 {
    let sum: u32 = first12
        .iter()
        .zip((2..=13).rev())
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

/// What a Thai 13-digit number typed as `raw` should normalise to, by the documented rules:
/// surrounding white space ignored, ASCII or Thai digits, spaces and dashes dropped, nothing
/// else allowed, 13 digits, a correct check digit, and (for a citizen) a first digit 1–8.
fn reference_thai(kind: IdKind, raw: &str) -> Option<String> {
    let mut digits = Vec::new();
    for c in raw.trim().chars() {
        match c {
            '0'..='9' => digits.push(c as u8 - b'0'),
            '๐'..='๙' => digits.push((c as u32 - '๐' as u32) as u8),
            ' ' | '-' => {}
            _ => return None,
        }
    }
    if digits.len() != 13 || reference_check_digit(&digits[..12]) != digits[12] {
        return None;
    }
    if kind == IdKind::Citizen && matches!(digits[0], 0 | 9) {
        return None;
    }
    Some(digits.iter().map(|d| char::from(b'0' + d)).collect())
}

fn is_thai(kind: IdKind) -> bool {
    matches!(kind, IdKind::Citizen | IdKind::OtherThai)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let kind = IdKind::ALL[usize::from(selector) % IdKind::ALL.len()];
    let raw = String::from_utf8_lossy(rest);

    // The library's own check digit agrees with the reference on any 12 digits.
    let mut first12 = [0u8; 12];
    for (slot, b) in first12
        .iter_mut()
        .zip(rest.iter().chain(std::iter::repeat(&7)))
    {
        *slot = b % 10;
    }
    assert_eq!(check_digit(&first12), reference_check_digit(&first12));

    // `complete_id` makes a number every Thai kind accepts as it is.
    let prefix: String = first12.iter().map(|d| char::from(b'0' + d)).collect();
    let made = complete_id(&prefix);
    assert_eq!(made.len(), 13);
    assert_eq!(
        normalise_id(IdKind::OtherThai, &made),
        Ok(Some(made.clone()))
    );

    // A single-digit slip is caught except where the published algorithm is blind: in the third
    // position (weight 11 ≡ 0 mod 11), and where the slip moves Σ mod 11 between 0 and 10
    // (both give check digit 1, because of the final mod 10).
    let pos = usize::from(selector) % 13;
    let mut slipped = made.clone().into_bytes();
    slipped[pos] = b'0' + (slipped[pos] - b'0' + 1 + selector % 9) % 10;
    let slipped = String::from_utf8(slipped).unwrap();
    if normalise_id(IdKind::OtherThai, &slipped).is_ok() {
        let residue = |s: &str| {
            s.bytes()
                .take(12)
                .zip((2..=13).rev())
                .map(|(d, w)| u32::from(d - b'0') * w)
                .sum::<u32>()
                % 11
        };
        let pair = [residue(&made), residue(&slipped)];
        assert!(
            pos == 2 || pair == [0, 10] || pair == [10, 0],
            "{made} → {slipped} accepted (Σ mod 11: {pair:?})"
        );
    }

    let result = normalise_id(kind, &raw);

    if is_thai(kind) {
        // Accepted exactly when the reference accepts, with the same digits.
        let expected = reference_thai(kind, &raw);
        match (&result, &expected) {
            (Ok(Some(got)), Some(want)) => assert_eq!(got, want, "{raw:?}"),
            (Err(_), None) => {}
            _ => panic!("{kind:?} {raw:?}: got {result:?}, reference says {expected:?}"),
        }
    }

    match (kind, &result) {
        (_, Err(e)) => assert_eq!(e.field, "id_number"),
        (IdKind::None, Ok(n)) => {
            assert!(n.is_none());
            assert!(raw.trim().is_empty());
        }
        (IdKind::Passport, Ok(n)) => {
            let n = n.as_deref().expect("a passport number");
            assert!((5..=20).contains(&n.len()), "{n:?}");
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
                "{n:?}"
            );
            // Normalising again changes nothing.
            assert_eq!(normalise_id(kind, n), Ok(Some(n.to_owned())));
        }
        (_, Ok(n)) => {
            let n = n.as_deref().expect("a Thai number");
            let b = n.as_bytes();
            assert_eq!(b.len(), 13, "{n:?}");
            assert!(b.iter().all(u8::is_ascii_digit), "{n:?}");
            let digits: Vec<u8> = b.iter().map(|d| d - b'0').collect();
            assert_eq!(reference_check_digit(&digits[..12]), digits[12], "{n:?}");
            if kind == IdKind::Citizen {
                assert!((1..=8).contains(&digits[0]), "{n:?}");
            }
            // Printed as on the card, it reads back to the same number…
            let printed = format_thai_id(n);
            assert_eq!(printed.len(), 17);
            assert_eq!(printed.replace('-', ""), n);
            assert_eq!(normalise_id(kind, &printed), Ok(Some(n.to_owned())));
            // …and so does the normalised number itself (idempotent), and with Thai digits.
            assert_eq!(normalise_id(kind, n), Ok(Some(n.to_owned())));
            let thai: String = n
                .chars()
                .map(|c| char::from_u32('๐' as u32 + (c as u32 - '0' as u32)).unwrap())
                .collect();
            assert_eq!(normalise_id(kind, &thai), Ok(Some(n.to_owned())));
        }
    }

    // Formatting anything else leaves it as it is.
    let printed = format_thai_id(&raw);
    if raw.len() != 13 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        assert_eq!(printed, raw);
    }
});
