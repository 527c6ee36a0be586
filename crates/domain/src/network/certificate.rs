//! Certificate verification codes: ten characters of Crockford's base32 (no I, L, O or U, so a
//! code read aloud or typed from paper survives), shown as `XXXXX-XXXXX`. 50 bits from a random
//! source: guessing a valid code is hopeless even with millions issued.

/// The alphabet (Crockford base32).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code (without the dash).
pub const CODE_LEN: usize = 10;

/// A code from 50 random bits (`random` is read from its low 50 bits).
pub fn code_from_bits(random: u64) -> String {
    let mut out = String::with_capacity(CODE_LEN + 1);
    for i in 0..CODE_LEN {
        if i == 5 {
            out.push('-');
        }
        let v = (random >> (5 * (CODE_LEN - 1 - i))) & 31;
        out.push(ALPHABET[v as usize] as char);
    }
    out
}

/// The canonical form of a code as someone typed it (case, spaces and dashes ignored, O read as
/// 0 and I/L as 1), or `None` when it cannot be a code.
pub fn normalise_code(typed: &str) -> Option<String> {
    let mut chars = Vec::with_capacity(CODE_LEN);
    for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
            return None;
        }
        chars.push(c);
    }
    if chars.len() != CODE_LEN {
        return None;
    }
    let mut out: String = chars[..5].iter().collect();
    out.push('-');
    out.extend(&chars[5..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_typed_forms_are_forgiven() {
        let c = code_from_bits(0x3_FFFF_FFFF_FFFF);
        assert_eq!(c, "ZZZZZ-ZZZZZ");
        let c = code_from_bits(0x0123_4567_89AB);
        assert_eq!(c.len(), 11);
        assert_eq!(normalise_code(&c), Some(c.clone()));
        assert_eq!(
            normalise_code(&c.to_lowercase().replace('-', " ")),
            Some(c.clone())
        );
        assert_eq!(normalise_code("0o1il-23456"), Some("00111-23456".into()));
        assert_eq!(normalise_code("ABCDE-FGHJ"), None, "too short");
        assert_eq!(
            normalise_code("ABCDE-FGHJU"),
            None,
            "U is not in the alphabet"
        );
        assert_eq!(normalise_code("ABCDE-FGHJก"), None);
        assert_ne!(code_from_bits(1), code_from_bits(2));
    }
}
