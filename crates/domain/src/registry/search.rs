//! Thai-aware search keys.
//!
//! People type names without tone marks, and confuse letters that sound alike. Both the stored
//! key and the query are *folded* the same way, so `สมศรี ศรีสุข`, `สมสรี สรีสุข` and `สมศรี
//! ศรีสุข` without tone marks all meet. Folding is lossy on purpose: it is for finding, never for
//! showing or for deciding that two records are the same person.

/// Honorific prefixes, longest first so `นางสาว` wins over `นาง`. Forms with and without the dot.
pub const PREFIXES: [&str; 22] = [
    "เด็กชาย",
    "เด็กหญิง",
    "นางสาว",
    "ด.ช.",
    "ด.ญ.",
    "ดช.",
    "ดญ.",
    "น.ส.",
    "นส.",
    "นาย",
    "นาง",
    "พระภิกษุ",
    "พระ",
    "สามเณร",
    "แม่ชี",
    "ว่าที่ร้อยตรี",
    "จ.ส.อ.",
    "Mr.",
    "Mrs.",
    "Miss",
    "Ms.",
    "Mr",
];

/// Split an honorific prefix off a name, even when glued to it (`นางสมศรี` → (`นาง`,
/// `สมศรี`)). Returns the prefix and the rest, trimmed.
pub fn split_prefix(name: &str) -> (Option<&'static str>, &str) {
    // Longest first, so `นางสาว` wins over `นาง`.
    static LONGEST_FIRST: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        let mut sorted = PREFIXES.to_vec();
        sorted.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        sorted
    });
    let t = name.trim();
    for &p in LONGEST_FIRST.iter() {
        if let Some(rest) = t.strip_prefix(p) {
            let rest = rest.trim_start();
            // `นาย` glued to a name is a prefix; but `นางาม` is not `นาง`+`าม`: the rest must
            // start with a consonant or a leading vowel (เ แ โ ใ ไ) or be separated by a space.
            let ok = rest.len() < t.len() - p.len()
                || rest
                    .chars()
                    .next()
                    .is_some_and(|c| ('ก'..='ฮ').contains(&c) || ('เ'..='ไ').contains(&c))
                || p.ends_with('.');
            if ok && !rest.is_empty() {
                return (Some(p), rest);
            }
        }
    }
    (None, t)
}

/// Fold one character for search, or drop it (`None`).
fn fold_char(c: char) -> Option<char> {
    Some(match c {
        // Tone marks, mai taikhu, thanthakhat (silent-letter mark), nikhahit: dropped.
        '\u{0E48}'..='\u{0E4E}' | '\u{0E47}' => return None,
        // Sibilants that sound alike: ศ ษ → ส.
        'ศ' | 'ษ' => 'ส',
        // ใ/ไ both "ai".
        'ใ' => 'ไ',
        // Long and short vowels slip: ี→ิ, ื→ึ, ู→ุ.
        'ี' => 'ิ',
        'ื' => 'ึ',
        'ู' => 'ุ',
        // Aspirated pairs commonly confused in names.
        'ธ' | 'ฑ' | 'ฒ' => 'ท',
        'ฐ' => 'ถ',
        'ณ' => 'น',
        'ญ' => 'ย',
        'ฬ' => 'ล',
        'ฎ' => 'ด',
        'ฏ' => 'ต',
        'ภ' => 'พ',
        'ฆ' => 'ค',
        // Thai digits to ASCII.
        '๐'..='๙' => char::from(b'0' + (c as u32 - '๐' as u32) as u8),
        // Separators inside numbers (ID, phone, house number) are dropped.
        '-' | '.' | '/' | '(' | ')' => return None,
        c if c.is_ascii() => {
            if c.is_ascii_whitespace() {
                ' '
            } else {
                c.to_ascii_lowercase()
            }
        }
        // The rest of the Thai block has no case.
        '\u{0E00}'..='\u{0E7F}' => c,
        c if c.is_whitespace() => ' ',
        c => c.to_lowercase().next().unwrap_or(c),
    })
}

/// Fold text for search: lower-case, tone marks dropped, sound-alike letters merged, spaces
/// collapsed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.chars().filter_map(fold_char) {
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The search key stored with a person: folded names, the name with no space between first and
/// last name, ID number, phone and house number, separated by spaces and wrapped in spaces so
/// that `% word%` patterns match word starts.
pub fn person_key(
    first_name: &str,
    last_name: &str,
    id_number: Option<&str>,
    phone: Option<&str>,
    house_number: Option<&str>,
) -> String {
    let mut k = String::from(" ");
    for part in [
        Some(first_name),
        Some(last_name),
        id_number,
        phone,
        house_number.map(|h| h.trim()),
    ]
    .into_iter()
    .flatten()
    {
        let f = fold(part);
        if !f.is_empty() {
            k.push_str(&f);
            k.push(' ');
        }
    }
    k
}

/// Terms of a query, folded; each must occur in the key. Empty terms are dropped; at most eight.
pub fn query_terms(q: &str) -> Vec<String> {
    let (_, rest) = split_prefix(q);
    fold(rest)
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(8)
        .map(|t| t.replace(['%', '_', '\\'], ""))
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(query: &str, first: &str, last: &str) -> bool {
        let key = person_key(
            first,
            last,
            Some("1101700230708"),
            Some("081-234-5678"),
            None,
        );
        query_terms(query).iter().all(|t| key.contains(t.as_str()))
    }

    #[test]
    fn spelling_slips_and_missing_tone_marks_still_find() {
        assert!(finds("สมศรี ศรีสุข", "สมศรี", "ศรีสุข"));
        assert!(finds("สมศรี สรีสุข", "สมศรี", "ศรีสุข"));
        assert!(finds("สมสรี", "สมศรี", "ศรีสุข"));
        assert!(finds("สมศริ", "สมศรี", "ศรีสุข"));
        // Tone marks dropped: ผู้ใหญ่ typed as ผุใหญ.
        assert!(finds("บุญเรือน ใจดี", "บุญเรือน", "ใจดี"));
        assert!(finds("บุญเรือน ไจดี", "บุญเรือน", "ใจดี"));
        assert!(finds("สมชาย", "สมช้าย", "แก้วมณี"));
        assert!(finds("แกวมณี", "สมช้าย", "แก้วมณี"));
        assert!(finds("แก้วมนี", "สมช้าย", "แก้วมณี"));
        // A prefix in the query is ignored.
        assert!(finds("นางสมศรี", "สมศรี", "ศรีสุข"));
        // IDs and phones with or without dashes; prefix of the number.
        assert!(finds("1-1017-00230-70-8", "สมศรี", "ศรีสุข"));
        assert!(finds("0812345678", "สมศรี", "ศรีสุข"));
        assert!(finds("110170", "สมศรี", "ศรีสุข"));
        // But not anyone.
        assert!(!finds("สมศักดิ์", "สมศรี", "ศรีสุข"));
        assert!(!finds("สมศรี ใจดี", "สมศรี", "ศรีสุข"));
    }

    #[test]
    fn prefixes_come_off_even_when_glued() {
        assert_eq!(split_prefix("นางสาวสมศรี"), (Some("นางสาว"), "สมศรี"));
        assert_eq!(split_prefix("นาง สมศรี"), (Some("นาง"), "สมศรี"));
        assert_eq!(split_prefix("ด.ช.ก้อง"), (Some("ด.ช."), "ก้อง"));
        assert_eq!(split_prefix("เด็กหญิงมะลิ"), (Some("เด็กหญิง"), "มะลิ"));
        assert_eq!(split_prefix("สมศรี"), (None, "สมศรี"));
        // A name that merely starts like a prefix keeps its letters.
        assert_eq!(split_prefix("นางาม"), (None, "นางาม"));
        assert_eq!(split_prefix("นาย"), (None, "นาย"));
    }

    #[test]
    fn fold_is_stable() {
        assert_eq!(fold("  สมศรี   ศรีสุข "), "สมสริ สริสุข");
        assert_eq!(fold(&fold("ไม้เอก่")), fold("ไม้เอก่"));
        assert_eq!(fold("๐๘๑-๒๓๔"), "081234");
    }
}
