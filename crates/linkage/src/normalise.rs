//! Thai-aware normalisation for comparing person records.
//!
//! Agency lists spell the same person differently: a title glued to the name (`นายสมชาย`),
//! tone marks left out or doubled, letters that sound alike swapped (`ศรี`/`สรี`, `ณัฐ`/`นัท`),
//! Buddhist-era or Gregorian years, IDs with dashes or Thai digits. Everything here turns such
//! text into forms that compare well:
//!
//! - [`split_prefix`] / [`Prefix::parse`]: the title prefix and the sex it implies;
//! - [`fold`]: the comparison form of a name (equal folds = "exact" agreement);
//! - [`phonetic`]: a Thai sound key (equal keys = "sounds the same");
//! - [`parse_birth`], [`national_id`], [`village`], [`phone`], [`house`]: the other fields.
//!
//! All functions are pure and total: unreadable input gives `None` (or an empty string), never
//! a panic.

use chrono::Datelike;
use ruamjai_domain::registry::dates::{PartialDate, Precision};
use ruamjai_domain::registry::ident;

pub use ruamjai_domain::registry::Sex;

// ---------------------------------------------------------------------------------------------
// Thai character classes
// ---------------------------------------------------------------------------------------------

/// A Thai consonant letter (ก…ฮ), not counting the vowel letters ฤ and ฦ.
pub(crate) fn is_consonant(c: char) -> bool {
    matches!(c, 'ก'..='ฮ') && c != 'ฤ' && c != 'ฦ'
}

/// เ แ โ ใ ไ: vowels written before the consonant they follow in speech.
fn is_leading_vowel(c: char) -> bool {
    matches!(c, 'เ'..='ไ')
}

/// Vowel signs written after, above or below their consonant (ะ ั า ำ ิ ี ึ ื ุ ู ๅ ็).
fn is_following_vowel(c: char) -> bool {
    matches!(c, 'ะ'..='ู' | 'ๅ' | '็')
}

/// Vowel signs that sit above or below a consonant (what a thanthakhat may silence with it).
fn is_vowel_mark(c: char) -> bool {
    matches!(c, 'ั' | 'ิ'..='ู')
}

/// ่ ้ ๊ ๋: the four tone marks.
fn is_tone_mark(c: char) -> bool {
    matches!(c, '\u{0E48}'..='\u{0E4B}')
}

/// ์ (thanthakhat, การันต์): the letter it stands on is not pronounced.
const THANTHAKHAT: char = '\u{0E4C}';

/// A Thai digit ๐–๙ as its ASCII digit.
fn thai_digit(c: char) -> Option<char> {
    matches!(c, '๐'..='๙').then(|| char::from(b'0' + (c as u32 - '๐' as u32) as u8))
}

/// A letter of a name: a Thai consonant, vowel letter or vowel sign, or a letter of another
/// script (tone marks and punctuation are not letters).
fn is_name_letter(c: char) -> bool {
    is_consonant(c)
        || is_leading_vowel(c)
        || is_following_vowel(c)
        || matches!(c, 'ฤ' | 'ฦ')
        || (!matches!(c, '\u{0E00}'..='\u{0E7F}') && c.is_alphabetic())
}

/// Can a name start with this character? (A consonant, a leading vowel, ฤ/ฦ, or a letter of
/// another script; never a vowel sign or a tone mark, which belong to the letter before them.)
fn can_start_name(c: char) -> bool {
    is_consonant(c)
        || is_leading_vowel(c)
        || matches!(c, 'ฤ' | 'ฦ')
        || (!matches!(c, '\u{0E00}'..='\u{0E7F}') && c.is_alphabetic())
}

/// Trim, drop zero-width characters and collapse runs of whitespace into one space.
fn collapse_ws(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let word: String = word
            .chars()
            .filter(|c| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}'))
            .collect();
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Title prefixes
// ---------------------------------------------------------------------------------------------

/// A title prefix (คำนำหน้านาม), reduced to what matters for linkage: the sex it implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// นาย, Mr.
    Mr,
    /// นาง, Mrs.
    Mrs,
    /// นางสาว, น.ส., Miss, Ms.
    Miss,
    /// เด็กชาย, ด.ช.
    Boy,
    /// เด็กหญิง, ด.ญ.
    Girl,
    /// พระ, พระภิกษุ, พระมหา, พระครู (a monk).
    Monk,
    /// สามเณร (a novice).
    Novice,
    /// แม่ชี (a nun).
    Nun,
    /// A title only men bear: นายแพทย์ (นพ.).
    MaleTitle,
    /// A title only women bear: แพทย์หญิง (พญ.), or a rank followed by หญิง (`ร.ต.อ.หญิง`).
    FemaleTitle,
    /// A title that says nothing of sex: ดร., ผศ., รศ., ศ., military and police ranks,
    /// ว่าที่ร้อยตรี.
    Title,
}

impl Prefix {
    /// The sex the prefix implies, if any.
    pub const fn sex(self) -> Option<Sex> {
        match self {
            Self::Mr | Self::Boy | Self::Monk | Self::Novice | Self::MaleTitle => Some(Sex::Male),
            Self::Mrs | Self::Miss | Self::Girl | Self::Nun | Self::FemaleTitle => {
                Some(Sex::Female)
            }
            Self::Title => None,
        }
    }

    /// Stable name (for explanations and tests).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mr => "mr",
            Self::Mrs => "mrs",
            Self::Miss => "miss",
            Self::Boy => "boy",
            Self::Girl => "girl",
            Self::Monk => "monk",
            Self::Novice => "novice",
            Self::Nun => "nun",
            Self::MaleTitle => "male_title",
            Self::FemaleTitle => "female_title",
            Self::Title => "title",
        }
    }

    /// Read a prefix column: the whole text must be prefixes (`นาย`, `น.ส.`, `Mrs.`,
    /// `ร.ต.อ.หญิง`, `ดร.นาง`); anything else is `None`.
    pub fn parse(raw: &str) -> Option<Prefix> {
        let s = collapse_ws(raw);
        let (found, rest) = strip_prefixes(&s, true);
        (found.is_some() && rest.is_empty())
            .then_some(found)
            .flatten()
    }
}

/// How a prefix form may be cut from a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glue {
    /// Unambiguous even when glued to the name (`นางสาวสมศรี`, `ด.ช.สมชาย`): no Thai name starts
    /// with these letters.
    Strong,
    /// นาย, นาง, พระ: cut when followed by a space or dot; glued only under the rule of
    /// [`split_prefix`].
    Weak,
    /// Latin titles: case-insensitive, cut only when followed by a space or dot (`Mr. Somchai`,
    /// `MRS Malee`; never `Missy`).
    Latin,
}

/// One way of writing a prefix.
struct Form {
    text: &'static str,
    prefix: Prefix,
    glue: Glue,
}

const fn f(text: &'static str, prefix: Prefix, glue: Glue) -> Form {
    Form { text, prefix, glue }
}

use Glue::{Latin, Strong, Weak};
use Prefix::{Boy, FemaleTitle, Girl, MaleTitle, Miss, Monk, Mr, Mrs, Novice, Nun, Title};

/// Every form we recognise. Matching takes the longest form that matches, so `นางสาว` wins over
/// `นาง`, `นายแพทย์` over `นาย`, `ร.ต.อ.` over `ร.ต.`.
const FORMS: &[Form] = &[
    f("นาย", Mr, Weak),
    f("นาง", Mrs, Weak),
    f("นางสาว", Miss, Strong),
    f("น.ส.", Miss, Strong),
    f("น.ส", Miss, Strong),
    f("นส.", Miss, Strong),
    f("นส", Miss, Strong),
    f("เด็กชาย", Boy, Strong),
    f("ด.ช.", Boy, Strong),
    f("ด.ช", Boy, Strong),
    f("ดช.", Boy, Strong),
    f("ดช", Boy, Strong),
    f("เด็กหญิง", Girl, Strong),
    f("ด.ญ.", Girl, Strong),
    f("ด.ญ", Girl, Strong),
    f("ดญ.", Girl, Strong),
    f("ดญ", Girl, Strong),
    f("พระ", Monk, Weak),
    f("พระภิกษุ", Monk, Strong),
    f("พระมหา", Monk, Strong),
    f("พระครู", Monk, Strong),
    f("สามเณร", Novice, Strong),
    f("แม่ชี", Nun, Strong),
    f("นายแพทย์", MaleTitle, Strong),
    f("นพ.", MaleTitle, Strong),
    f("แพทย์หญิง", FemaleTitle, Strong),
    f("พญ.", FemaleTitle, Strong),
    f("ว่าที่ร้อยตรี", Title, Strong),
    f("ว่าที่ ร้อยตรี", Title, Strong),
    f("ว่าที่ร.ต.", Title, Strong),
    f("ว่าที่ ร.ต.", Title, Strong),
    f("ดร.", Title, Strong),
    f("ผศ.", Title, Strong),
    f("รศ.", Title, Strong),
    f("ศ.", Title, Strong),
    // Police ranks.
    f("พล.ต.อ.", Title, Strong),
    f("พล.ต.ท.", Title, Strong),
    f("พล.ต.ต.", Title, Strong),
    f("พ.ต.อ.", Title, Strong),
    f("พ.ต.ท.", Title, Strong),
    f("พ.ต.ต.", Title, Strong),
    f("ร.ต.อ.", Title, Strong),
    f("ร.ต.ท.", Title, Strong),
    f("ร.ต.ต.", Title, Strong),
    f("ด.ต.", Title, Strong),
    f("จ.ส.ต.", Title, Strong),
    f("ส.ต.อ.", Title, Strong),
    f("ส.ต.ท.", Title, Strong),
    f("ส.ต.ต.", Title, Strong),
    // Military ranks.
    f("พล.อ.", Title, Strong),
    f("พล.ท.", Title, Strong),
    f("พล.ต.", Title, Strong),
    f("พ.อ.", Title, Strong),
    f("พ.ท.", Title, Strong),
    f("พ.ต.", Title, Strong),
    f("ร.อ.", Title, Strong),
    f("ร.ท.", Title, Strong),
    f("ร.ต.", Title, Strong),
    f("จ.ส.อ.", Title, Strong),
    f("จ.ส.ท.", Title, Strong),
    f("จ.อ.", Title, Strong),
    f("จ.ท.", Title, Strong),
    f("จ.ต.", Title, Strong),
    f("ส.อ.", Title, Strong),
    f("ส.ท.", Title, Strong),
    f("ส.ต.", Title, Strong),
    f("mr", Mr, Latin),
    f("mrs", Mrs, Latin),
    f("miss", Miss, Latin),
    f("ms", Miss, Latin),
    f("dr", Title, Latin),
];

/// Real first names that start with the letters of a weak prefix: never cut when glued
/// (compared after [`fold`], so tone-mark slips do not matter).
const GLUED_NAMES: &[&str] = &[
    "นางนวล",
    "นางฟ้า",
    "นางแย้ม",
    "นางงาม",
    "นางลอย",
    "พระพาย",
    "พระจันทร์",
    "พระพร",
];

/// The text after `form` if `s` starts with it.
fn match_form<'a>(s: &'a str, form: &Form) -> Option<&'a str> {
    let n = form.text.len();
    let head = s.get(..n)?;
    let ok = match form.glue {
        Latin => head.eq_ignore_ascii_case(form.text),
        Strong | Weak => head == form.text,
    };
    ok.then(|| &s[n..])
}

/// Cut the longest prefix form off `s` (whitespace already collapsed). `allow_empty`: a bare
/// prefix (a prefix column) counts; in a name, a prefix must leave a name behind.
fn strip_one(s: &str, allow_empty: bool) -> Option<(Prefix, &str)> {
    let (form, after) = FORMS
        .iter()
        .filter_map(|form| match_form(s, form).map(|after| (form, after)))
        .max_by_key(|(form, _)| form.text.len())?;
    let rest = after.trim_start_matches([' ', '.']);
    let separated = rest.len() < after.len() || form.text.ends_with('.');
    let Some(first) = rest.chars().next() else {
        return allow_empty.then_some((form.prefix, rest));
    };
    if !can_start_name(first) {
        // `นางาม`, `นายิกา`: the letters after belong to the word.
        return None;
    }
    let cut = match form.glue {
        Strong => true,
        Latin => separated,
        Weak if separated => true,
        Weak => {
            let word = s.split(' ').next().unwrap_or(s);
            let word_rest = rest.split(' ').next().unwrap_or(rest);
            let letters = word_rest.chars().filter(|c| is_name_letter(*c)).count();
            let folded = fold(word);
            letters >= 2 && !GLUED_NAMES.iter().any(|n| fold(n) == folded)
        }
    };
    cut.then_some((form.prefix, rest))
}

/// A rank or title followed by หญิง (`ร.ต.อ.หญิง`): the rest after it.
fn strip_female(s: &str, allow_empty: bool) -> Option<&str> {
    let after = s.strip_prefix("หญิง")?;
    let rest = after.trim_start_matches([' ', '.']);
    match rest.chars().next() {
        None => allow_empty.then_some(rest),
        Some(c) if can_start_name(c) => Some(rest),
        Some(_) => None,
    }
}

/// Cut up to three stacked prefixes (`ผศ.ดร.`, `ว่าที่ ร.ต.นาย`). The prefix returned is the
/// first one that implies a sex, else the first one.
fn strip_prefixes(s: &str, allow_empty: bool) -> (Option<Prefix>, &str) {
    let mut rest = s;
    let mut found: Option<Prefix> = None;
    let keep = |found: Option<Prefix>, p: Prefix| match found {
        Some(f) if f.sex().is_some() || p.sex().is_none() => f,
        _ => p,
    };
    for _ in 0..3 {
        let Some((p, r)) = strip_one(rest, allow_empty) else {
            break;
        };
        found = Some(keep(found, p));
        rest = r;
        if p == Title
            && let Some(r) = strip_female(rest, allow_empty)
        {
            found = Some(keep(found, FemaleTitle));
            rest = r;
        }
        if rest.is_empty() {
            break;
        }
    }
    (found, rest)
}

/// Strip a title prefix from a name, even when glued to it: `นายสมชาย` → (`Mr`, `สมชาย`),
/// `น.ส. มาลี` → (`Miss`, `มาลี`), `Mr. John` → (`Mr`, `John`). The longest form wins
/// (`นางสาว` before `นาง`); the dot and the space after it are optional; up to three stacked
/// prefixes are cut (`ผศ.ดร.นางมาลี` → `Mrs`, `มาลี`); a rank followed by หญิง is a woman
/// (`ร.ต.อ.หญิงมาลี` → `FemaleTitle`). The rest is trimmed with whitespace collapsed.
///
/// **When a prefix is not cut.** A name that only starts with the letters of a prefix must stay
/// whole, so:
///
/// 1. Nothing is cut when nothing would remain (`นาย` alone, `นางสาว` alone: use
///    [`Prefix::parse`] for a prefix column), or when what follows cannot start a name: a vowel
///    sign or tone mark belongs to the letters before it (`นางาม`, `นายิกา` stay whole).
/// 2. Prefixes no Thai name starts with (`นางสาว`, `เด็กชาย`, `เด็กหญิง`, `สามเณร`, `แม่ชี`,
///    `พระภิกษุ`, and every form written with a dot: `น.ส.`, `ด.ช.`, `ด.ญ.`, `ดร.`, ranks…, plus
///    the dotless `นส`, `ดช`, `ดญ`) are cut glued or spaced.
/// 3. `นาย`, `นาง` and `พระ` are cut when a space or a dot follows (`นาง นวล`, `นาง.นวล`). Glued
///    to the next letters they are cut only when the glued word leaves at least two letters of
///    name (`นายก` stays whole) **and** the glued word is not one of the real first names that
///    begin with these letters (`นางนวล`, `นางฟ้า`, `นางแย้ม`, `นางงาม`, `นางลอย`, `พระพาย`,
///    `พระจันทร์`, `พระพร`). So `นางสมศรี` → (`Mrs`, `สมศรี`) but `นางนวล` and `นางนวล ใจดี`
///    keep the first name `นางนวล`, with no prefix; a list that glues titles writes her
///    `นางนางนวล` (→ `Mrs`, `นางนวล`). The price: Mrs Nuan written `นางนวล` keeps `นาง` in her
///    name (a name kept whole still meets itself; a cut one would not).
/// 4. Latin titles (`Mr`, `Mrs`, `Miss`, `Ms`, `Dr`, any case, optional dot) are cut only when a
///    dot or a space follows (`Missy` stays whole).
pub fn split_prefix(raw: &str) -> (Option<Prefix>, String) {
    let s = collapse_ws(raw);
    let (found, rest) = strip_prefixes(&s, false);
    (found, rest.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Folding
// ---------------------------------------------------------------------------------------------

/// One Thai letter folded to the representative of letters that sound alike.
fn fold_letter(c: char) -> char {
    match c {
        'ศ' | 'ษ' | 'ซ' => 'ส',
        'ณ' => 'น',
        'ฬ' => 'ล',
        'ญ' => 'ย',
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ธ' => 'ท',
        'ฎ' => 'ด',
        'ฏ' => 'ต',
        'ภ' => 'พ',
        'ฝ' => 'ฟ',
        'ข' | 'ฃ' | 'ฅ' | 'ฆ' => 'ค',
        'ฌ' | 'ฉ' => 'ช',
        'ใ' => 'ไ',
        c => c,
    }
}

/// Remove from the end of `out` the letter a thanthakhat silences: the consonant it stands on,
/// with the vowel sign written on that consonant (`ศักดิ์` → `ศัก`, `จันทร์` → `จันท`). Nothing
/// happens when no Thai consonant is there.
fn silence_last(out: &mut String) {
    let mut cut = None;
    for (i, c) in out.char_indices().rev() {
        if is_vowel_mark(c) {
            continue;
        }
        if is_consonant(c) {
            cut = Some(i);
        }
        break;
    }
    if let Some(i) = cut {
        out.truncate(i);
    }
}

/// The comparison form of a name or any text: Thai digits → ASCII; letters of other scripts
/// lower-cased; whitespace, punctuation and symbols removed; tone marks (่ ้ ๊ ๋) and ็
/// removed; a letter silenced by ์ removed together with ์ (`จันทร์` → `จันท`); ๆ and ฯ
/// removed; `ํ`+`า` written as `ำ`, `เเ` typed for `แ` read as `แ`; letters that sound alike
/// folded to one (ศ ษ ซ → ส, ณ → น, ฬ → ล, ญ → ย, ฐ ฑ ฒ ถ ธ → ท, ฎ → ด, ฏ → ต, ภ → พ, ฝ → ฟ,
/// ข ฃ ฅ ฆ → ค, ฌ ฉ → ช, ใ → ไ). Vowels are kept: `สมศรี` and `สมสี` still differ (by ร),
/// which [`phonetic`] forgives.
///
/// Folding twice changes nothing more (`fold(fold(s)) == fold(s)`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // A nikhahit (ํ) waiting for the า that makes it ำ.
    let mut nikhahit = false;
    for c in s.chars() {
        if let Some(d) = thai_digit(c) {
            out.push(d);
            nikhahit = false;
            continue;
        }
        match c {
            '\u{0E47}'..='\u{0E4B}' => {}
            THANTHAKHAT => silence_last(&mut out),
            '\u{0E4D}' => nikhahit = true,
            'า' if nikhahit => {
                out.push('ำ');
                nikhahit = false;
            }
            'เ' if out.ends_with('เ') => {
                out.pop();
                out.push('แ');
                nikhahit = false;
            }
            c if is_consonant(c)
                || is_leading_vowel(c)
                || is_following_vowel(c)
                || matches!(c, 'ฤ' | 'ฦ') =>
            {
                out.push(fold_letter(c));
                nikhahit = false;
            }
            // The rest of the Thai block: ๆ ฯ ฺ ๎ ฿ ๏ ๚ ๛ and unassigned points.
            '\u{0E00}'..='\u{0E7F}' => {}
            c if c.is_alphanumeric() => {
                for l in c.to_lowercase().filter(|l| l.is_alphanumeric()) {
                    out.push(l);
                }
                nikhahit = false;
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Phonetic key
// ---------------------------------------------------------------------------------------------

/// Length of a [`phonetic`] key.
pub const PHONETIC_LEN: usize = 10;

/// The sound of a consonant that starts a syllable.
fn onset_sound(c: char) -> Option<u8> {
    Some(match c {
        'ก' => b'k',
        'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => b'K',
        'ง' => b'g',
        'จ' => b'c',
        'ฉ' | 'ช' | 'ฌ' => b'C',
        'ซ' | 'ศ' | 'ษ' | 'ส' => b's',
        'ญ' | 'ย' => b'y',
        'ฎ' | 'ด' => b'd',
        'ฏ' | 'ต' => b't',
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => b'T',
        'ณ' | 'น' => b'n',
        'บ' => b'b',
        'ป' => b'p',
        'ผ' | 'พ' | 'ภ' => b'P',
        'ฝ' | 'ฟ' => b'f',
        'ม' => b'm',
        'ร' => b'r',
        'ล' | 'ฬ' => b'l',
        'ว' => b'w',
        'ห' | 'ฮ' => b'h',
        'อ' => b'q',
        _ => return None,
    })
}

/// The sound of a consonant that closes a syllable: Thai finals collapse to k, t, p, n, m, ng,
/// y and w (`บุญ` and `บุน` both end in n). อ and ห there are vowels or silent: `None`.
fn coda_sound(c: char) -> Option<u8> {
    Some(match c {
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => b'k',
        'ง' => b'g',
        'จ' | 'ฉ' | 'ช' | 'ซ' | 'ฌ' | 'ฎ' | 'ฏ' | 'ฐ' | 'ฑ' | 'ฒ' | 'ด' | 'ต' | 'ถ' | 'ท' | 'ธ'
        | 'ศ' | 'ษ' | 'ส' => b't',
        'ญ' | 'ณ' | 'น' | 'ร' | 'ล' | 'ฬ' => b'n',
        'บ' | 'ป' | 'ผ' | 'ฝ' | 'พ' | 'ฟ' | 'ภ' => b'p',
        'ม' => b'm',
        'ย' => b'y',
        'ว' => b'w',
        _ => return None,
    })
}

/// The sound of a vowel sign, length ignored (`ิ`/`ี` alike): a, i, ue, u. ็ (a short
/// vowel with no sign of its own) has none.
fn vowel_sound(c: char) -> Option<u8> {
    Some(match c {
        'ะ' | 'ั' | 'า' | 'ๅ' | 'ำ' => b'A',
        'ิ' | 'ี' => b'I',
        'ึ' | 'ื' => b'V',
        'ุ' | 'ู' => b'U',
        _ => return None,
    })
}

/// The sound of a leading vowel, coded after its onset: e, ae, o, and ai for ใ/ไ (a, then the
/// final y they carry).
fn leading_vowel_sound(c: char) -> &'static [u8] {
    match c {
        'เ' => b"E",
        'แ' => b"X",
        'โ' => b"O",
        _ => b"Ay",
    }
}

/// Is `c`, after an onset that follows the leading vowel `lv`, the second letter of a cluster
/// (`เปรม`, `เกลี้ยง`, `ไกล`, `แปลง`)? ร/ล/ว are; but after แ โ ใ ไ one that carries its own
/// vowel sign (other than ะ) starts a new syllable (`วิไลวัณ`: ไล-วัณ).
fn is_cluster(lv: Option<char>, c: char, after: Option<char>) -> bool {
    matches!(c, 'ร' | 'ล' | 'ว')
        && (lv == Some('เ') || after.is_none_or(|a| !is_following_vowel(a) || a == 'ะ'))
}

fn is_sibilant(c: char) -> bool {
    matches!(c, 'ซ' | 'ศ' | 'ษ' | 'ส')
}

/// ห before these is silent (ห นำ: `หญิง`, `หนู`, `ไหม`).
fn is_sonorant(c: char) -> bool {
    matches!(c, 'ง' | 'ญ' | 'น' | 'ม' | 'ย' | 'ร' | 'ล' | 'ว')
}

/// The Thai letters of `s` as they are spoken: tone marks gone, silenced letters gone,
/// ํา read as ำ, and the spelling rules that do not sound applied (see [`phonetic`]).
fn spoken_letters(s: &str) -> Vec<char> {
    let mut v: Vec<char> = Vec::with_capacity(s.len() / 2);
    let mut nikhahit = false;
    for c in s.chars() {
        match c {
            c if is_tone_mark(c) => {}
            THANTHAKHAT => {
                // The consonant it stands on (with its vowel sign) is silent; in ทร์/ตร์ both
                // letters are (`จันทร์` = จัน, `ศาสตร์` = ศาส).
                while v.last().is_some_and(|c| is_vowel_mark(*c)) {
                    v.pop();
                }
                if v.last().is_some_and(|c| is_consonant(*c)) {
                    let silenced = v.pop();
                    if silenced == Some('ร') && v.last().is_some_and(|c| is_consonant(*c)) {
                        v.pop();
                    }
                }
            }
            '\u{0E4D}' => nikhahit = true,
            'า' if nikhahit => {
                v.push('ำ');
                nikhahit = false;
            }
            'เ' if v.last() == Some(&'เ') => {
                v.pop();
                v.push('แ');
            }
            c if is_consonant(c)
                || is_leading_vowel(c)
                || is_following_vowel(c)
                || matches!(c, 'ฤ' | 'ฦ') =>
            {
                v.push(c);
                nikhahit = false;
            }
            _ => {}
        }
    }
    // Spelling that is not spoken.
    let mut out: Vec<char> = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let c = v[i];
        let next = v.get(i + 1).copied();
        let prev = out.last().copied();
        // รร (ร หัน) is the vowel -ั-, and -ัน at the end: พรรณ = พัณ, สรร = สัน.
        if c == 'ร' && next == Some('ร') && prev.is_some_and(is_consonant) {
            out.push('ั');
            if v.get(i + 2).is_none_or(|c| !is_consonant(*c)) {
                out.push('น');
            }
            i += 2;
            continue;
        }
        // ทร at the start of a word sounds ซ: ทรง, ทราย, ทรัพย์.
        if c == 'ท' && next == Some('ร') && prev.is_none_or(is_leading_vowel) {
            out.push('ซ');
            i += 2;
            continue;
        }
        // ร after ส/ศ/ษ/ซ starting a syllable is silent: ศรี = สี, สร้อย = ส้อย. (Not after a
        // vowel, where the ส closes a syllable: ภัสรา, อิสระ.)
        if c == 'ร' && prev.is_some_and(is_sibilant) && next.is_some() {
            let before = out.len().checked_sub(2).map(|j| out[j]);
            if before.is_none_or(|p| is_leading_vowel(p) || is_consonant(p)) {
                i += 1;
                continue;
            }
        }
        // ห before a sonorant only sets the tone: หญิง = ญิง, หนู = นู.
        if c == 'ห' && next.is_some_and(is_sonorant) {
            i += 1;
            continue;
        }
        // อ before ย at the start of a syllable likewise: อยู่, อย่า.
        if c == 'อ' && next == Some('ย') && prev.is_none_or(is_leading_vowel) {
            i += 1;
            continue;
        }
        // A final ร after ต/ท closing a syllable is silent: บุตร, มิตร, ภัทร, สมุทร. (Not after
        // other letters: ศิริพร, ประภาพร end in n.)
        if c == 'ร'
            && next.is_none()
            && matches!(prev, Some('ต' | 'ท'))
            && out
                .len()
                .checked_sub(2)
                .is_some_and(|j| is_following_vowel(out[j]))
        {
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// American Soundex in the key's shape, for names written in Latin letters: `#` + first letter
/// + digits, padded with `0` (`Robert` and `Rupert` → `#r16300000`).
fn latin_key(s: &str) -> String {
    let code = |c: char| match c {
        'b' | 'f' | 'p' | 'v' => Some(b'1'),
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => Some(b'2'),
        'd' | 't' => Some(b'3'),
        'l' => Some(b'4'),
        'm' | 'n' => Some(b'5'),
        'r' => Some(b'6'),
        _ => None,
    };
    let mut letters = s
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase());
    let Some(first) = letters.next() else {
        return String::new();
    };
    let mut key = vec![b'#', first as u8];
    let mut last = code(first);
    for c in letters {
        let d = code(c);
        if let Some(d) = d
            && last != Some(d)
            && key.len() < PHONETIC_LEN
        {
            key.push(d);
        }
        // h and w do not separate two letters of one code; vowels do.
        if !matches!(c, 'h' | 'w') {
            last = d;
        }
    }
    key.resize(PHONETIC_LEN, b'0');
    String::from_utf8(key).unwrap_or_default()
}

/// A Thai phonetic key in the spirit of the LK82 and Udom83 Thai soundex algorithms (written
/// from their idea, not their tables): names that sound the same get the same key even when
/// spelled differently.
///
/// 1. Tone marks are dropped; letters silenced by ์ are dropped (in ทร์/ตร์ both letters);
///    spelling that is not spoken is removed: ร after ส/ศ/ษ/ซ at a syllable start
///    (`ศรี` = `สี`), ห before a sonorant (`หญิง` = `ญิง`), อ before ย (`อยู่`), a final ร after
///    a closing ต/ท (`บุตร`, `ภัทร`); ทร at the start sounds ซ (`ทรง`); รร is the vowel -ั-
///    (`พรรณ` = `พัณ`).
/// 2. Each consonant is a syllable *onset* when it starts the word, follows a leading vowel
///    (เ แ โ ใ ไ), carries a vowel sign (ะ ั า ิ ี ึ ื ุ ู ็ ำ), or is ร/ล/ว right after an onset
///    that follows a leading vowel (a cluster: `เปรม`); otherwise it *closes* a syllable.
/// 3. An onset is coded by its initial sound: `k` ก, `K` ข ฃ ค ฅ ฆ, `g` ง, `c` จ, `C` ฉ ช ฌ,
///    `s` ซ ศ ษ ส, `y` ญ ย, `d` ฎ ด, `t` ฏ ต, `T` ฐ ฑ ฒ ถ ท ธ, `n` ณ น, `b` บ, `p` ป,
///    `P` ผ พ ภ, `f` ฝ ฟ, `m` ม, `r` ร, `l` ล ฬ, `w` ว, `h` ห ฮ, `q` อ. A closing consonant is
///    coded by its final sound, to which Thai finals collapse: `k`, `t`, `p`, `n` (ญ ณ น ร ล ฬ
///    all end in n: `บุญ` = `บุน`), `m`, `g`, `y`, `w`; a closing อ or ห is a vowel or silent
///    and not coded.
/// 4. Vowels are coded by quality, not length (`ิ` = `ี`): `A` (ะ ั า), `I` (ิ ี), `V` (ึ ื),
///    `U` (ุ ู), and the leading vowels after their onset: `E` เ, `X` แ, `O` โ; ใ/ไ and ำ carry a
///    final sound: `Ay` and `Am` (so `ไช` = `ชัย` = `ชาย`, `คำ` = `คัม`). The inherent vowel
///    (none written) is not coded.
/// 5. A code equal to the one just before it is written once, as in Soundex (`กันนิกา` =
///    `กันิกา`). The key starts with the first consonant's class and is cut or padded with `0`
///    to [`PHONETIC_LEN`] characters.
///
/// So `ศรีสุข`/`สีสุข`, `พงษ์`/`พงศ์`/`พงส์`, `ณัฐพล`/`นัฐพล`/`นัทพล`, `บุญ`/`บุน`,
/// `สมชาย`/`สมชัย`/`สมไชย`, and also `สมศรี`/`สมสี` (spoken alike) share a key, while
/// `สมชาย`/`สมหญิง` and `บุญมา`/`บุญมี` do not. A name with no Thai consonant gets American
/// Soundex (`#` + letter + digits); a name with no letter gets the empty key.
pub fn phonetic(s: &str) -> String {
    let v = spoken_letters(s);
    if !v.iter().any(|c| is_consonant(*c)) {
        return latin_key(s);
    }
    /// Append a sound, once when it repeats the last one with no vowel between.
    fn emit(key: &mut Vec<u8>, vowel_between: &mut bool, sym: u8) {
        if *vowel_between || key.last() != Some(&sym) {
            key.push(sym);
        }
        *vowel_between = false;
    }
    let mut key: Vec<u8> = Vec::with_capacity(2 * PHONETIC_LEN);
    let mut vowel_between = false;
    // A leading vowel waiting for its onset (and the onset's cluster letter): its sound comes
    // after them.
    let mut pending: Option<char> = None;
    // The previous consonant was an onset right after a leading vowel (a cluster may follow),
    // and that vowel.
    let mut onset_after_leading = false;
    let mut prev_leading: Option<char> = None;
    for (i, &c) in v.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| v[j]);
        let next = v.get(i + 1).copied();
        if is_leading_vowel(c) {
            pending = Some(c);
            onset_after_leading = false;
            continue;
        }
        if is_following_vowel(c) {
            match vowel_sound(c) {
                Some(sym) => emit(&mut key, &mut vowel_between, sym),
                None => vowel_between = true,
            }
            if c == 'ำ' {
                emit(&mut key, &mut vowel_between, b'm');
            }
            onset_after_leading = false;
            continue;
        }
        if matches!(c, 'ฤ' | 'ฦ') {
            emit(
                &mut key,
                &mut vowel_between,
                if c == 'ฤ' { b'r' } else { b'l' },
            );
            emit(&mut key, &mut vowel_between, b'V');
            onset_after_leading = false;
            continue;
        }
        let cluster = onset_after_leading && is_cluster(prev_leading, c, next);
        let after_leading = prev.is_none_or(is_leading_vowel);
        let onset = after_leading || next.is_some_and(is_following_vowel) || cluster;
        let sound = if onset { onset_sound(c) } else { coda_sound(c) };
        match sound {
            Some(sym) => emit(&mut key, &mut vowel_between, sym),
            None => vowel_between = true,
        }
        onset_after_leading = after_leading && prev.is_some();
        prev_leading = if onset_after_leading { prev } else { None };
        let cluster_follows =
            onset_after_leading && next.is_some_and(|n| is_cluster(prev, n, v.get(i + 2).copied()));
        if let Some(lv) = pending
            && !cluster_follows
        {
            for &sym in leading_vowel_sound(lv) {
                emit(&mut key, &mut vowel_between, sym);
            }
            pending = None;
        }
    }
    key.truncate(PHONETIC_LEN);
    key.resize(PHONETIC_LEN, b'0');
    String::from_utf8(key).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Other fields
// ---------------------------------------------------------------------------------------------

/// A birth date of which only part may be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Birth {
    /// The year, Gregorian (ค.ศ.).
    pub year: i32,
    /// The month 1–12, when known.
    pub month: Option<u32>,
    /// The day of the month, when known (only with a month).
    pub day: Option<u32>,
}

/// An unknown day or month written as zero (`00/00/2490`, `0/3/2490`, `2490-03-00`), as
/// registry exports do: rewritten to what the domain parser reads (`2490`, `3/2490`).
fn drop_zero_parts(s: &str) -> Option<String> {
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'/' | b'-' | b'.'))
    {
        return None;
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let zero = |p: &str| p.bytes().all(|b| b == b'0');
    let (y, m, d) = if parts[2].len() == 4 {
        (parts[2], parts[1], parts[0])
    } else if parts[0].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else {
        return None;
    };
    if zero(m) {
        Some(y.to_owned())
    } else if zero(d) {
        Some(format!("{m}/{y}"))
    } else {
        None
    }
}

/// A birth date or year as agencies write it: `15/03/2490`, `1947-03-15`, `03/2490`, `2490`,
/// `พ.ศ. 2490`, `15 มี.ค. 2490`, Thai digits, an unknown day or month written as zero
/// (`00/00/2490`). Years from 2400 are Buddhist era (the domain's
/// [`PartialDate::parse_any`]). `None` when unreadable.
pub fn parse_birth(raw: &str) -> Option<Birth> {
    let mut s: String = raw
        .trim()
        .chars()
        .map(|c| thai_digit(c).unwrap_or(c))
        .collect();
    for era in ["พ.ศ.", "พ.ศ", "พศ.", "พศ", "ค.ศ.", "ค.ศ", "คศ.", "คศ"]
    {
        if let Some(rest) = s.strip_prefix(era) {
            s = rest.trim().to_owned();
            break;
        }
    }
    let s = drop_zero_parts(&s).unwrap_or(s);
    let d = PartialDate::parse_any("birth_date", &s).ok()?;
    let (month, day) = match d.precision {
        Precision::Day => (Some(d.date.month()), Some(d.date.day())),
        Precision::Month => (Some(d.date.month()), None),
        Precision::Year => (None, None),
    };
    Some(Birth {
        year: d.date.year(),
        month,
        day,
    })
}

/// The digits of `raw` (Thai digits as ASCII), skipping `skip`; `None` when anything else is
/// there.
fn digits_only(raw: &str, skip: &[char]) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if let Some(d) = thai_digit(c) {
            out.push(d);
        } else if !(skip.contains(&c) || c.is_whitespace()) {
            return None;
        }
    }
    Some(out)
}

/// All the same digit (`0000000000000`, `1111111111111`): a placeholder, not a number.
fn placeholder(d: &str) -> bool {
    let b = d.as_bytes();
    b.iter().all(|x| Some(x) == b.first())
}

/// A 13-digit Thai personal ID: dashes, dots, spaces, quotes (Excel's leading `'`) removed,
/// Thai digits read. Kept even when the check digit fails — a slip is still evidence (see
/// [`check_digit_ok`]). `None` when anything else is there (letters, Excel's `1.1E+12`), when
/// the length is not 13, or for a placeholder of one repeated digit.
pub fn national_id(raw: &str) -> Option<String> {
    let d = digits_only(raw, &['-', '.', '\'', '"'])?;
    (d.len() == 13 && !placeholder(&d)).then_some(d)
}

/// True when a 13-digit ID's last digit is its mod-11 check digit.
pub fn check_digit_ok(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 13 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut first = [0u8; 12];
    for (x, d) in first.iter_mut().zip(b) {
        *x = d - b'0';
    }
    ident::check_digit(&first) == b[12] - b'0'
}

/// An 8-digit DOPA village code (2 province, 2 district, 2 subdistrict, 2 village digits):
/// spaces, dashes and dots removed, Thai digits read. `None` for anything else.
pub fn village(raw: &str) -> Option<String> {
    let d = digits_only(raw, &['-', '.'])?;
    (d.len() == 8).then_some(d)
}

/// A phone number as its last 9 digits (`081-234-5678`, `+66 81 234 5678`, `๐๘๑๒๓๔๕๖๗๘` alike;
/// a landline `02 123 4567` and `+66 2 123 4567` alike). With several numbers in one field
/// (split by `,` `;` `/` `|`), the first. `None` with fewer than 9 digits or a placeholder.
pub fn phone(raw: &str) -> Option<String> {
    raw.split([',', ';', '/', '|']).find_map(|part| {
        let mut d: String = part
            .chars()
            .filter_map(|c| {
                if c.is_ascii_digit() {
                    Some(c)
                } else {
                    thai_digit(c)
                }
            })
            .collect();
        // The country code +66 stands for the leading 0.
        if d.starts_with("66") && matches!(d.len(), 10 | 11) {
            d.replace_range(..2, "0");
        }
        if d.len() < 9 || placeholder(&d) {
            return None;
        }
        Some(d[d.len() - 9..].to_owned())
    })
}

/// A house number (บ้านเลขที่) in one form: `12/3`, `๑๒/๓`, `12 / 3`, `เลขที่ 12/3`,
/// `บ้านเลขที่ 12/3 หมู่ 4` all give `12/3`; letters glued to the number kept (`12ก`).
/// `None` when there is no number, or for `0` and `-` (placeholders).
pub fn house(raw: &str) -> Option<String> {
    let s: String = raw.chars().map(|c| thai_digit(c).unwrap_or(c)).collect();
    // Spaces around a slash belong to the number.
    let mut joined = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if joined.ends_with('/') || chars.peek() == Some(&'/') {
                continue;
            }
        }
        joined.push(c);
    }
    // The first word that starts with a digit (after `เลขที่`, `บ้านเลขที่`, `No.`).
    let word = joined.split_whitespace().find_map(|w| {
        let at = w.find(|c: char| c.is_ascii_digit())?;
        let head = &w[..at];
        // `เลขที่12/3`, `No.12`: a label glued to the number; `ม.4` is a village, not a house.
        let label = head.is_empty()
            || ["เลขที่", "บ้านเลขที่", "no.", "no", "#"]
                .iter()
                .any(|l| head.eq_ignore_ascii_case(l));
        label.then_some(&w[at..])
    })?;
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_ascii_digit() || c == '/' {
            out.push(c);
        } else if is_consonant(c) || c.is_alphabetic() {
            out.push_str(&fold(&c.to_string()));
        } else {
            break;
        }
    }
    let out = out.trim_end_matches('/').to_owned();
    let zero = out.bytes().all(|b| b == b'0' || b == b'/');
    (!out.is_empty() && !zero).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(s: &str) -> (Option<Prefix>, String) {
        split_prefix(s)
    }

    #[test]
    fn prefixes_glued_or_spaced_are_cut() {
        use Prefix::*;
        for (raw, prefix, rest) in [
            ("นายสมชาย", Mr, "สมชาย"),
            ("นาย สมชาย", Mr, "สมชาย"),
            ("นาย.สมชาย", Mr, "สมชาย"),
            ("  นาย   สมชาย  ใจดี ", Mr, "สมชาย ใจดี"),
            ("นางสมศรี", Mrs, "สมศรี"),
            ("นางสาวมาลี", Miss, "มาลี"),
            ("นางสาว มาลี", Miss, "มาลี"),
            ("น.ส.มาลี", Miss, "มาลี"),
            ("น.ส. มาลี", Miss, "มาลี"),
            ("น.สมาลี", Miss, "มาลี"),
            ("นส.มาลี", Miss, "มาลี"),
            ("นสมาลี", Miss, "มาลี"),
            ("ด.ช.ก้องภพ", Boy, "ก้องภพ"),
            ("ด.ชก้องภพ", Boy, "ก้องภพ"),
            ("ดช.ก้องภพ", Boy, "ก้องภพ"),
            ("เด็กชายก้องภพ", Boy, "ก้องภพ"),
            ("ด.ญ.ฝน", Girl, "ฝน"),
            ("ด.ญฝน", Girl, "ฝน"),
            ("ดญ.ฝน", Girl, "ฝน"),
            ("เด็กหญิง ฝน", Girl, "ฝน"),
            ("พระสมชาย", Monk, "สมชาย"),
            ("พระภิกษุสมชาย", Monk, "สมชาย"),
            ("พระมหาสมชาย", Monk, "สมชาย"),
            ("สามเณรเอก", Novice, "เอก"),
            ("แม่ชีบุญมา", Nun, "บุญมา"),
            ("นายแพทย์สมชาย", MaleTitle, "สมชาย"),
            ("พญ.มาลี", FemaleTitle, "มาลี"),
            ("ว่าที่ร้อยตรีสมชาย", Title, "สมชาย"),
            ("ว่าที่ ร.ต. สมชาย", Title, "สมชาย"),
            ("ร.ต.อ.สมชาย", Title, "สมชาย"),
            ("พ.ต.ท. สมชาย", Title, "สมชาย"),
            ("ดร.สมชาย", Title, "สมชาย"),
            ("ผศ.สมชาย", Title, "สมชาย"),
            ("รศ. สมชาย", Title, "สมชาย"),
            ("ศ.สมชาย", Title, "สมชาย"),
            ("Mr. John Smith", Mr, "John Smith"),
            ("MR JOHN", Mr, "JOHN"),
            ("mrs.Jane", Mrs, "Jane"),
            ("Miss Jane", Miss, "Jane"),
            ("Ms. Jane", Miss, "Jane"),
            ("Dr. Jane", Title, "Jane"),
        ] {
            assert_eq!(sp(raw), (Some(prefix), rest.to_owned()), "{raw}");
        }
    }

    #[test]
    fn stacked_prefixes_keep_the_one_that_tells_the_sex() {
        use Prefix::*;
        assert_eq!(sp("ผศ.ดร.นางมาลี"), (Some(Mrs), "มาลี".to_owned()));
        assert_eq!(sp("ว่าที่ ร.ต.นายสมชาย"), (Some(Mr), "สมชาย".to_owned()));
        assert_eq!(
            sp("ร.ต.อ.หญิงมาลี ใจดี"),
            (Some(FemaleTitle), "มาลี ใจดี".to_owned())
        );
        assert_eq!(sp("พ.ต.ท.หญิง มาลี"), (Some(FemaleTitle), "มาลี".to_owned()));
        assert_eq!(sp("ผศ.ดร. สมชาย"), (Some(Title), "สมชาย".to_owned()));
    }

    #[test]
    fn names_that_only_look_like_a_prefix_stay_whole() {
        for raw in [
            // Real first names beginning with a weak prefix's letters.
            "นางนวล",
            "นางฟ้า",
            "นางแย้ม",
            "พระพาย",
            "นางนวล ใจดี",
            // The letters after are a vowel sign or a tone mark: one word.
            "นางาม",
            "นายิกา",
            "พระ่",
            // Less than two letters left.
            "นายก",
            // Nothing left: a bare prefix is not a name.
            "นาย",
            "นางสาว",
            "น.ส.",
            "Mr.",
            // No dot: not the abbreviation.
            "ดรุณี",
            "ศรีสุข",
            "รศมี",
            "ผศวรรณ",
            // Latin titles glued to letters are names.
            "Missy",
            "Drew",
            "Mrsomething",
            // Names that do not start with a prefix at all.
            "สมชาย",
            "",
        ] {
            let want = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(sp(raw), (None, want), "{raw}");
        }
        // With a space or a dot, นาง is a prefix after all.
        assert_eq!(sp("นาง นวล"), (Some(Prefix::Mrs), "นวล".to_owned()));
        assert_eq!(sp("นาง.นวล"), (Some(Prefix::Mrs), "นวล".to_owned()));
        // A list that glues titles, with a name from the list.
        assert_eq!(
            sp("นางนางนวล ใจดี"),
            (Some(Prefix::Mrs), "นางนวล ใจดี".to_owned())
        );
        // A tone-mark slip does not hide the exception.
        assert_eq!(sp("นางนว่ล"), (None, "นางนว่ล".to_owned()));
        // But a longer glued name is cut: นางนวลจันทร์ is not in the list.
        assert_eq!(sp("นางนวลจันทร์"), (Some(Prefix::Mrs), "นวลจันทร์".to_owned()));
    }

    #[test]
    fn prefix_column_is_read_whole() {
        use Prefix::*;
        for (raw, want) in [
            ("นาย", Some(Mr)),
            (" นาง ", Some(Mrs)),
            ("น.ส.", Some(Miss)),
            ("น.ส", Some(Miss)),
            ("นางสาว", Some(Miss)),
            ("ด.ช.", Some(Boy)),
            ("เด็กหญิง", Some(Girl)),
            ("Mrs.", Some(Mrs)),
            ("MR", Some(Mr)),
            ("ร.ต.อ.หญิง", Some(FemaleTitle)),
            ("ร.ต.อ.", Some(Title)),
            ("ดร.นาง", Some(Mrs)),
            ("", None),
            ("สมชาย", None),
            ("นางนวล", None),
            ("นายสมชาย", None),
        ] {
            assert_eq!(Prefix::parse(raw), want, "{raw}");
        }
    }

    #[test]
    fn prefixes_tell_the_sex() {
        use Prefix::*;
        for p in [Mr, Boy, Monk, Novice, MaleTitle] {
            assert_eq!(p.sex(), Some(Sex::Male), "{p:?}");
        }
        for p in [Mrs, Miss, Girl, Nun, FemaleTitle] {
            assert_eq!(p.sex(), Some(Sex::Female), "{p:?}");
        }
        assert_eq!(Title.sex(), None);
        assert_eq!(sp("สามเณรเอก").0.and_then(Prefix::sex), Some(Sex::Male));
        assert_eq!(sp("แม่ชีบุญมา").0.and_then(Prefix::sex), Some(Sex::Female));
    }

    #[test]
    fn fold_forgives_slips_that_do_not_change_the_name() {
        for (a, b) in [
            ("ศรีสุข", "สรีสุข"),
            ("ษมา", "สมา"),
            ("ซอ", "สอ"),
            ("ณัฐ", "นัท"),
            ("ธนา", "ทนา"),
            ("ฐิติ", "ถิติ"),
            ("จันทร์", "จันท"),
            ("ศักดิ์", "ศัก"),
            ("สิทธิ์", "สิท"),
            ("พงษ์", "พงศ์"),
            ("พงศ์", "พง"),
            ("กาญจนา", "ก้าญจน่า"),
            ("แก้ว", "แกว"),
            ("เเก้ว", "แก้ว"),
            ("คํา", "คำ"),
            ("เก่ง", "เก็ง"),
            ("ใจดี", "ไจดี"),
            ("ญาดา", "ยาดา"),
            ("ภูมิ", "พูมิ"),
            ("ฆ้อง", "ค้อง"),
            ("ฉวี", "ชวี"),
            ("ฝน", "ฟน"),
            ("กุลดา ฬา", "กุลดาลา"),
            ("บุญ ๆ", "บุญ"),
            ("Somchai  Jai-Dee", "somchaijaidee"),
            ("๑๒๓", "123"),
        ] {
            assert_eq!(fold(a), fold(b), "{a} / {b}");
        }
        assert_eq!(fold("จันทร์"), "จันท");
        assert_eq!(fold("ศรีสุข"), "สรีสุค");
        assert_eq!(fold("ณัฐ"), "นัท");
        assert_eq!(fold(" Somchai. O'Neil "), "somchaioneil");
    }

    #[test]
    fn fold_keeps_what_makes_names_differ() {
        for (a, b) in [
            ("สมศรี", "สมสี"),
            ("สมชาย", "สมหญิง"),
            ("มาลี", "มะลิ"),
            ("สมชาย", "สมชัย"),
            ("บุญ", "บุน"),
            ("ก้อง", "ค้อง"),
        ] {
            assert_ne!(fold(a), fold(b), "{a} / {b}");
        }
    }

    #[test]
    fn phonetic_keys_meet_on_spelling_variants() {
        for group in [
            &["ศรีสุข", "สีสุข", "สรีสุข", "ศรีสุ่ข"][..],
            &["พงษ์", "พงศ์", "พงส์"],
            &["ณัฐพล", "นัฐพล", "นัทพล", "ณัฏฐ์พล"],
            &["บุญ", "บุน"],
            &["กาญจนา", "ก้าญจนา", "กาญจน่า", "กาญจณา"],
            &["สมศรี", "สมสี", "สมศรี่"],
            &["สมชาย", "สมชัย", "สมไชย"],
            &["สมหญิง", "สมยิ่ง"],
            &["ทรงศักดิ์", "ซงศักดิ์", "ทรงศักด์"],
            &["พรรณี", "พัณณี", "พันนี"],
            &["จันทร์", "จัน"],
            &["คำแก้ว", "คํ่าแก้ว", "คัมแก้ว"],
            &["กลาย", "ไกล"],
            &["ประเสริฐ", "ประเสิฐ"],
            &["อรุณี", "อรุนี"],
            &["กันนิกา", "กันิกา"],
            &["บุตร", "บุต"],
            &["Robert", "Rupert"],
            &["Ashcraft", "Ashcroft"],
        ] {
            let key = phonetic(group[0]);
            assert_eq!(key.len(), PHONETIC_LEN, "{group:?}");
            for s in group {
                assert_eq!(phonetic(s), key, "{s} in {group:?}");
            }
        }
    }

    #[test]
    fn phonetic_keys_part_different_names() {
        let names = [
            "สมชาย",
            "สมหญิง",
            "สมศักดิ์",
            "สมศรี",
            "สมใจ",
            "สมจิต",
            "วิชัย",
            "วิชา",
            "มาลี",
            "มานี",
            "บุญมา",
            "บุญมี",
            "ประเสริฐ",
            "ประสิทธิ์",
            "ณัฐพล",
            "ณัฐวุฒิ",
            "กาญจนา",
            "กัญญา",
            "Somchai",
            "Robert",
        ];
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(phonetic(a), phonetic(b), "{a} / {b}");
            }
        }
    }

    #[test]
    fn phonetic_key_shape() {
        assert_eq!(phonetic("สมชาย"), "smCAy00000");
        assert_eq!(phonetic("บุญ"), "bUn0000000");
        assert_eq!(phonetic("ศรีสุข"), "sIsUk00000");
        assert_eq!(phonetic("Robert"), "#r16300000");
        assert_eq!(phonetic("Tymczak"), "#t52200000");
        assert_eq!(phonetic("Pfister"), "#p23600000");
        // The first consonant keeps its class, not its letter: ณ and น alike.
        assert_eq!(&phonetic("ณัฐ")[..1], "n");
        // Long names are cut to the key length.
        assert_eq!(phonetic("กาญจนาภรณ์ศรีสุขสวัสดิ์").len(), PHONETIC_LEN);
        // No letters: no key (never a key that would make two blanks "sound alike").
        assert_eq!(phonetic(""), "");
        assert_eq!(phonetic("123 - ."), "");
        assert_eq!(phonetic("่้"), "");
    }

    #[test]
    fn birth_dates_in_either_era() {
        let full = Some(Birth {
            year: 1947,
            month: Some(3),
            day: Some(15),
        });
        for s in [
            "15/03/2490",
            "15/3/1947",
            "1947-03-15",
            "๑๕/๐๓/๒๔๙๐",
            "15 มี.ค. 2490",
            "15 มีนาคม 2490",
        ] {
            assert_eq!(parse_birth(s), full, "{s}");
        }
        let month = Some(Birth {
            year: 1947,
            month: Some(3),
            day: None,
        });
        for s in ["03/2490", "00/03/2490", "0/3/2490", "2490-03-00", "1947-03"] {
            assert_eq!(parse_birth(s), month, "{s}");
        }
        let year = Some(Birth {
            year: 1947,
            month: None,
            day: None,
        });
        for s in [
            "2490",
            "1947",
            "๒๔๙๐",
            "พ.ศ. 2490",
            "พ.ศ.2490",
            "00/00/2490",
            "2490-00-00",
        ] {
            assert_eq!(parse_birth(s), year, "{s}");
        }
        for s in ["", "-", "ไม่ทราบ", "31/02/2490", "15/03/90", "2300"] {
            assert_eq!(parse_birth(s), None, "{s}");
        }
    }

    #[test]
    fn national_ids_are_kept_even_with_a_slip() {
        for s in [
            "1101700230708",
            "1-1017-00230-70-8",
            "1 1017 00230 70 8",
            "๑๑๐๑๗๐๐๒๓๐๗๐๘",
            "'1101700230708",
        ] {
            assert_eq!(national_id(s).as_deref(), Some("1101700230708"), "{s}");
        }
        assert!(check_digit_ok("1101700230708"));
        // A slip in the last digit: kept, flagged.
        assert_eq!(
            national_id("1101700230709").as_deref(),
            Some("1101700230709")
        );
        assert!(!check_digit_ok("1101700230709"));
        assert!(!check_digit_ok("110170023070"));
        for s in [
            "",
            "110170023070",
            "11017002307089",
            "0000000000000",
            "1111111111111",
            "1.10170E+12",
            "ไม่มี",
        ] {
            assert_eq!(national_id(s), None, "{s}");
        }
    }

    #[test]
    fn village_codes_are_eight_digits() {
        for s in ["55010101", " 55-01-01-01 ", "๕๕๐๑๐๑๐๑", "55 01 01 01"] {
            assert_eq!(village(s).as_deref(), Some("55010101"), "{s}");
        }
        for s in ["", "550101", "5501010", "550101011", "หมู่ 1", "55O10101"] {
            assert_eq!(village(s), None, "{s}");
        }
    }

    #[test]
    fn phones_keep_their_last_nine_digits() {
        for s in [
            "0812345678",
            "081-234-5678",
            "+66 81 234 5678",
            "66812345678",
            "๐๘๑๒๓๔๕๖๗๘",
            "081-234-5678, 089-999-9999",
            "โทร. 081 234 5678",
        ] {
            assert_eq!(phone(s).as_deref(), Some("812345678"), "{s}");
        }
        assert_eq!(phone("02 123 4567").as_deref(), Some("021234567"));
        assert_eq!(phone("+66 2 123 4567").as_deref(), Some("021234567"));
        for s in ["", "-", "1234", "0000000000", "ไม่มี"] {
            assert_eq!(phone(s), None, "{s}");
        }
    }

    #[test]
    fn house_numbers_in_one_form() {
        for s in [
            "12/3",
            "๑๒/๓",
            "12 / 3",
            "12/ 3",
            "เลขที่ 12/3",
            "เลขที่12/3",
            "บ้านเลขที่ 12/3 หมู่ 4",
            "ม.4 12/3",
            "12/3/",
        ] {
            assert_eq!(house(s).as_deref(), Some("12/3"), "{s}");
        }
        assert_eq!(house("12ก").as_deref(), Some("12ก"));
        assert_eq!(house("12A").as_deref(), Some("12a"));
        assert_eq!(house("99").as_deref(), Some("99"));
        for s in ["", "-", "0", "ไม่มี", "ม.4"] {
            assert_eq!(house(s), None, "{s}");
        }
    }
}
