//! Generated demo data for `ruamjai demo`: villages for the real subdistricts of a province
//! (Nan), and households of persons with realistic northern Thai names, ages, identity
//! documents, vulnerability categories and poverty dimensions.
//!
//! Everything is **deterministic**: the same inputs and seed give the same output, byte for byte,
//! on every platform. The generator uses its own SplitMix64 random numbers (so a `rand` upgrade
//! cannot change it), and only integers and exactly rounded IEEE operations: no transcendental
//! floating-point functions, whose last bits may differ between platforms' maths libraries.
//!
//! Households are *streamed* ([`households`] returns an iterator), so a benchmark set of ten
//! million persons never sits in memory at once.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use ruamjai_domain::areas::{AreaCode, AreaLevel};
use ruamjai_domain::registry::ident::complete_id;
use ruamjai_domain::registry::{
    Category, CategoryInput, DisabilityType, ELDERLY_AGE, IdKind, PartialDate, PersonInput,
    PersonStatus, PovertyDimensions, Precision, Relation, Sex,
};

/// A generated village (หมู่บ้าน) of a subdistrict.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoVillage {
    /// Village code (subdistrict code + หมู่ที่, two digits).
    pub code: AreaCode,
    /// Thai name, e.g. `บ้านดอนแก้ว`.
    pub name_th: String,
    /// RTGS-style English name, e.g. `Ban Don Kaeo`.
    pub name_en: String,
    /// Centre of the village (lat, lon), WGS 84.
    pub centre: (f64, f64),
}

/// A generated household: one house number in one village, and the persons living there.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoHousehold {
    /// Village code.
    pub village: AreaCode,
    /// House number (บ้านเลขที่), e.g. `12`, `45/2`; unique within the village.
    pub house_number: String,
    /// Poverty dimensions (all `None` when the household was not surveyed).
    pub dims: PovertyDimensions,
    /// Members, the head first.
    pub members: Vec<DemoMember>,
}

/// A generated person with their vulnerability categories.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoMember {
    /// The person, as the registry stores it.
    pub person: PersonInput,
    /// Categories (never the derived *elderly*), in [`Category`] order.
    pub categories: Vec<CategoryInput>,
}

/// Average number of persons generated per village at scale 1.0 (≈ 480,000 for Nan's ≈ 900
/// villages).
pub const PERSONS_PER_VILLAGE: f64 = 530.0;

// ---------------------------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------------------------

/// SplitMix64: small, fast, and fixed forever (the demo data must not change with a library).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// Uniform in `[0, 1)`, exactly representable.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// Index chosen with the given integer weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut r = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }

    /// A point in the unit disc (rejection sampling: no trigonometry).
    fn disc(&mut self) -> (f64, f64) {
        loop {
            let x = 2.0 * self.unit() - 1.0;
            let y = 2.0 * self.unit() - 1.0;
            if x * x + y * y <= 1.0 {
                return (x, y);
            }
        }
    }
}

/// FNV-1a of `bytes`, mixed with `seed`: an independent stream per village or subdistrict.
fn derive_seed(seed: u64, salt: &str, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in salt.bytes().chain([0u8]).chain(bytes.iter().copied()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    let mut r = Rng::new(seed ^ h);
    r.next_u64()
}

// ---------------------------------------------------------------------------------------------
// Geography
// ---------------------------------------------------------------------------------------------

/// Nan's bounding box (latitude, longitude); every generated centre lies inside.
const NAN_LAT: (f64, f64) = (17.9, 19.6);
const NAN_LON: (f64, f64) = (100.3, 101.3);
/// Kilometres per degree of latitude, and of longitude at Nan's latitude (≈ 18.8° N).
const KM_PER_LAT: f64 = 110.7;
const KM_PER_LON: f64 = 105.4;

/// Approximate centres of Nan's districts (อำเภอ), by DOPA code.
const DISTRICT_CENTRES: &[(&str, f64, f64)] = &[
    ("5501", 18.78, 100.77),
    ("5502", 18.70, 101.02),
    ("5503", 18.85, 100.45),
    ("5504", 18.32, 100.72),
    ("5505", 19.18, 100.92),
    ("5506", 19.12, 100.80),
    ("5507", 18.57, 100.75),
    ("5508", 19.40, 100.88),
    ("5509", 19.29, 100.86),
    ("5510", 18.18, 100.65),
    ("5511", 18.92, 100.93),
    ("5512", 19.15, 101.15),
    ("5513", 19.36, 100.69),
    ("5514", 18.77, 100.83),
    ("5515", 19.52, 101.05),
];

/// Mountain districts, where hill-tribe villages (often without registration) are common.
const MOUNTAIN_DISTRICTS: &[&str] = &[
    "5502", "5508", "5509", "5510", "5511", "5512", "5513", "5515",
];

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn clamp_in_nan((lat, lon): (f64, f64), margin: f64) -> (f64, f64) {
    (
        lat.clamp(NAN_LAT.0 + margin, NAN_LAT.1 - margin),
        lon.clamp(NAN_LON.0 + margin, NAN_LON.1 - margin),
    )
}

/// A point within `km` of `centre`.
fn near(rng: &mut Rng, centre: (f64, f64), km: f64) -> (f64, f64) {
    let (x, y) = rng.disc();
    (
        centre.0 + y * km / KM_PER_LAT,
        centre.1 + x * km / KM_PER_LON,
    )
}

/// The centre of a district: the table for Nan, else a point derived from the code.
fn district_centre(district: &str, seed: u64) -> (f64, f64) {
    if let Some((_, lat, lon)) = DISTRICT_CENTRES.iter().find(|(c, _, _)| *c == district) {
        return (*lat, *lon);
    }
    let mut r = Rng::new(derive_seed(seed, "district", district.as_bytes()));
    (
        NAN_LAT.0 + 0.1 + r.unit() * (NAN_LAT.1 - NAN_LAT.0 - 0.2),
        NAN_LON.0 + 0.1 + r.unit() * (NAN_LON.1 - NAN_LON.0 - 0.2),
    )
}

// ---------------------------------------------------------------------------------------------
// Villages
// ---------------------------------------------------------------------------------------------

/// First part of a northern Thai village name (after บ้าน), with its RTGS spelling.
const VILLAGE_FIRST: &[(&str, &str)] = &[
    ("ดอน", "Don"),
    ("นา", "Na"),
    ("ห้วย", "Huai"),
    ("ป่า", "Pa"),
    ("ทุ่ง", "Thung"),
    ("หนอง", "Nong"),
    ("น้ำ", "Nam"),
    ("สบ", "Sop"),
    ("ปาง", "Pang"),
    ("ม่วง", "Muang"),
    ("ไร่", "Rai"),
    ("แม่", "Mae"),
    ("ดง", "Dong"),
    ("โป่ง", "Pong"),
    ("บ่อ", "Bo"),
    ("ผา", "Pha"),
    ("ท่า", "Tha"),
    ("สัน", "San"),
    ("ต้น", "Ton"),
    ("เหล่า", "Lao"),
    ("วัง", "Wang"),
    ("เวียง", "Wiang"),
    ("ร้อง", "Rong"),
    ("สวน", "Suan"),
    ("หาด", "Hat"),
    ("ฝาย", "Fai"),
    ("เชียง", "Chiang"),
    ("ขุน", "Khun"),
    ("ม่อน", "Mon"),
    ("ดอย", "Doi"),
];

/// Second part of a village name, with its RTGS spelling.
const VILLAGE_SECOND: &[(&str, &str)] = &[
    ("แก้ว", "Kaeo"),
    ("ใหม่", "Mai"),
    ("หลวง", "Luang"),
    ("น้อย", "Noi"),
    ("คำ", "Kham"),
    ("ทอง", "Thong"),
    ("เงิน", "Ngoen"),
    ("ยาว", "Yao"),
    ("เกลือ", "Kluea"),
    ("เย็น", "Yen"),
    ("ใส", "Sai"),
    ("ลาด", "Lat"),
    ("พร้าว", "Phrao"),
    ("ขาม", "Kham"),
    ("หอย", "Hoi"),
    ("ปลา", "Pla"),
    ("ช้าง", "Chang"),
    ("เสือ", "Suea"),
    ("ไผ่", "Phai"),
    ("สัก", "Sak"),
    ("ยาง", "Yang"),
    ("แดง", "Daeng"),
    ("ขาว", "Khao"),
    ("ดำ", "Dam"),
    ("ตอง", "Tong"),
    ("ไคร้", "Khrai"),
    ("หวาย", "Wai"),
    ("ตาล", "Tan"),
    ("ซาง", "Sang"),
    ("บง", "Bong"),
    ("ผึ้ง", "Phueng"),
    ("แร่", "Rae"),
    ("ฮ่อ", "Ho"),
    ("ปู", "Pu"),
    ("เต่า", "Tao"),
    ("กุ่ม", "Kum"),
    ("ริน", "Rin"),
    ("ไฮ", "Hai"),
    ("พง", "Phong"),
    ("หก", "Hok"),
    ("มะนาว", "Manao"),
    ("มะเขือ", "Makhuea"),
    ("ขวาง", "Khwang"),
    ("เพียง", "Phiang"),
    ("โก๋น", "Kon"),
    ("สะเลียม", "Saliam"),
    ("ฟ้า", "Fa"),
    ("บัว", "Bua"),
    ("ดู่", "Du"),
    ("ครก", "Khrok"),
    ("หม้อ", "Mo"),
    ("งิ้ว", "Ngio"),
    ("ฮ้า", "Ha"),
    ("ทราย", "Sai"),
    ("จั่น", "Chan"),
];

/// Suffixes of a village split from an older one (บ้านนาแก้วใหม่, บ้านนาแก้วเหนือ).
const VILLAGE_SPLIT: &[(&str, &str)] = &[
    ("ใหม่", "Mai"),
    ("เหนือ", "Nuea"),
    ("ใต้", "Tai"),
    ("พัฒนา", "Phatthana"),
];

/// Weights of 4..=16 villages per subdistrict (mean ≈ 9.1: ≈ 900 for Nan's 99).
const VILLAGES_PER_SUBDISTRICT: [u32; 13] = [4, 7, 10, 11, 13, 13, 12, 10, 7, 5, 4, 2, 2];

/// Generate about nine villages (four to sixteen) for each subdistrict, numbered หมู่ที่ 1..=N,
/// with names composed from northern Thai village-name parts (Thai, and a consistent RTGS-style
/// English spelling) and centres clustered around a random point per subdistrict, near its
/// district, inside Nan. Codes that are not subdistrict codes are skipped.
pub fn villages(subdistricts: &[AreaCode], seed: u64) -> Vec<DemoVillage> {
    let mut out = Vec::with_capacity(subdistricts.len() * 10);
    for sub in subdistricts {
        if sub.level() != AreaLevel::Subdistrict {
            continue;
        }
        let code = sub.as_str();
        let mut rng = Rng::new(derive_seed(seed, "subdistrict", code.as_bytes()));
        let district = district_centre(&code[..4], seed);
        let centre = clamp_in_nan(near(&mut rng, district, 11.0), 0.06);
        let n = 4 + rng.weighted(&VILLAGES_PER_SUBDISTRICT) as u8;
        let mut names: Vec<(String, String)> = Vec::with_capacity(usize::from(n));
        for no in 1..=n {
            let name = loop {
                let candidate = if !names.is_empty() && rng.chance(80) {
                    let (th, en) = rng.pick(&names).clone();
                    let (sth, sen) = rng.pick(VILLAGE_SPLIT);
                    if VILLAGE_SPLIT.iter().any(|(s, _)| th.ends_with(s)) {
                        continue;
                    }
                    (format!("{th}{sth}"), format!("{en} {sen}"))
                } else {
                    let (fth, fen) = rng.pick(VILLAGE_FIRST);
                    let (sth, sen) = rng.pick(VILLAGE_SECOND);
                    (format!("บ้าน{fth}{sth}"), format!("Ban {fen} {sen}"))
                };
                if !names
                    .iter()
                    .any(|(th, en)| *th == candidate.0 || *en == candidate.1)
                {
                    break candidate;
                }
            };
            names.push(name.clone());
            let (lat, lon) = near(&mut rng, centre, 4.5);
            out.push(DemoVillage {
                code: sub.village(no).expect("a subdistrict and 1..=16"),
                name_th: name.0,
                name_en: name.1,
                centre: (round6(lat), round6(lon)),
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/// Men's names common among those born before about 1965 (northern rural flavour).
const MALE_OLD: &[&str] = &[
    "บุญมา",
    "บุญมี",
    "บุญเรือง",
    "บุญส่ง",
    "บุญชู",
    "บุญเลิศ",
    "บุญยืน",
    "บุญธรรม",
    "บุญทา",
    "บุญตัน",
    "บุญช่วย",
    "บุญเป็ง",
    "บุญทรง",
    "บุญลือ",
    "บุญปั๋น",
    "อินถา",
    "อินตา",
    "อินแก้ว",
    "อินสม",
    "อินหวัน",
    "คำปัน",
    "คำมูล",
    "คำแปง",
    "คำอ้าย",
    "คำแสน",
    "คำตัน",
    "คำหมื่น",
    "คำผาย",
    "แก้วมา",
    "แก้วมูล",
    "ปั๋น",
    "สิงห์คำ",
    "สิงห์แก้ว",
    "หน่อแก้ว",
    "ศรีทน",
    "ศรีมูล",
    "ทองดี",
    "ทองคำ",
    "ทองสุข",
    "ทองอินทร์",
    "ทองมา",
    "มั่น",
    "เป็ง",
    "ติ๊บ",
    "แสน",
    "แสนคำ",
    "จำรัส",
    "จำลอง",
    "จรัญ",
    "ฉลอง",
    "เฉลิม",
    "ถนอม",
    "ทวี",
    "พยุง",
    "สนั่น",
    "สมัย",
    "สมาน",
    "สมบัติ",
    "เสถียร",
    "อุดม",
    "ปวง",
    "มูล",
    "ตั๋น",
    "หมื่น",
    "อุ่น",
    "ผัด",
    "จันทร์",
    "ปัน",
];

/// Men's names common among those born about 1965–1994.
const MALE_MID: &[&str] = &[
    "สมชาย",
    "สมศักดิ์",
    "สมพงษ์",
    "สมบูรณ์",
    "สมหมาย",
    "สมเกียรติ",
    "สมคิด",
    "ประเสริฐ",
    "ประยุทธ",
    "ประสิทธิ์",
    "ประพันธ์",
    "ประวิทย์",
    "ประจวบ",
    "ไพโรจน์",
    "ไพบูลย์",
    "บรรจง",
    "มานพ",
    "มนตรี",
    "วิชัย",
    "วิทยา",
    "วิรัตน์",
    "วิโรจน์",
    "สงกรานต์",
    "สุวิทย์",
    "อำนาจ",
    "ชาตรี",
    "ชัยวัฒน์",
    "นิพนธ์",
    "นิรันดร์",
    "สุรศักดิ์",
    "ณรงค์",
    "ดำรง",
    "ธงชัย",
    "นคร",
    "ประทีป",
    "ปรีชา",
    "พิทักษ์",
    "ไพศาล",
    "มงคล",
    "เรืองศักดิ์",
    "วสันต์",
    "วันชัย",
    "สุพจน์",
    "สุรินทร์",
    "อนันต์",
    "เอนก",
    "ชาญ",
    "เจริญ",
    "ชูชาติ",
    "เทพ",
    "อนุชา",
    "อนุวัฒน์",
    "วีระพงษ์",
    "วีรยุทธ",
    "ศุภชัย",
    "ศักดิ์ชัย",
    "สุริยา",
    "สุรเชษฐ์",
    "พิชิต",
    "ยุทธนา",
    "รุ่งโรจน์",
    "วัชระ",
    "สุทธิพงษ์",
    "เสกสรรค์",
    "อดิศักดิ์",
    "อภิชาติ",
    "อรรถพล",
    "เอกชัย",
    "เอกพงษ์",
    "ธวัชชัย",
    "ธีระ",
    "นพดล",
    "กฤษดา",
    "คมสัน",
    "จตุพร",
    "เกียรติศักดิ์",
    "ทรงศักดิ์",
    "พรชัย",
    "มนัส",
    "วุฒิชัย",
    "ศราวุธ",
    "สิทธิชัย",
    "อานนท์",
    "ชัยพร",
    "ไกรสร",
    "บุญฤทธิ์",
    "จักรพันธ์",
];

/// Men's names common among those born since about 1995.
const MALE_YOUNG: &[&str] = &[
    "ธนากร",
    "ธนพล",
    "ธีรวัฒน์",
    "ณัฐพล",
    "ณัฐวุฒิ",
    "กิตติพงษ์",
    "กิตติศักดิ์",
    "พงศกร",
    "พีระพงษ์",
    "ภานุวัฒน์",
    "ภูมิพัฒน์",
    "ปิยะพงษ์",
    "ปกรณ์",
    "จิรายุ",
    "จิรวัฒน์",
    "เจษฎา",
    "ชยพล",
    "ปวริศ",
    "ธนวัฒน์",
    "ภาคิน",
    "ภูริ",
    "กันต์",
    "ปุณณวิช",
    "ณัฐภัทร",
    "ศิวกร",
    "ธีรภัทร",
    "พีรพัฒน์",
    "ชนาธิป",
    "ณัฐดนัย",
    "ธนภัทร",
    "ธนกฤต",
    "ปัณณวัฒน์",
    "ภัทรพล",
    "วรวุฒิ",
    "ศรายุทธ",
    "อิทธิพล",
    "กรกฎ",
    "ชานนท์",
    "ตะวัน",
    "ธนดล",
    "นันทวัฒน์",
    "พงศธร",
    "ภูวดล",
    "อัครพล",
    "นราธิป",
    "ปฏิภาณ",
    "ยศพล",
    "รัฐพล",
    "วิศรุต",
    "สรวิชญ์",
    "กวิน",
    "ชินพัฒน์",
    "ธนาวุฒิ",
    "พัสกร",
    "ภูผา",
    "ก้องภพ",
    "ปัณณทัต",
    "กฤตเมธ",
    "ณภัทร",
    "ธนกร",
    "นภัสกร",
    "ปรเมศวร์",
    "พชร",
    "ภัทรดนัย",
    "รชต",
    "วชิรวิทย์",
    "ศุภกร",
    "อชิตะ",
    "เตชินท์",
    "ภูมิรพี",
    "กิตติภูมิ",
    "จิรภัทร",
    "ณัฐกิตติ์",
    "ธราดล",
    "นิติภูมิ",
    "ปุณณพัฒน์",
    "พิริยะ",
    "ภาณุพงศ์",
    "วีรภัทร",
    "สิรภพ",
];

/// Women's names common among those born before about 1965 (northern rural flavour).
const FEMALE_OLD: &[&str] = &[
    "บัวคำ",
    "บัวผัน",
    "บัวลอย",
    "บัวตอง",
    "บัวเขียว",
    "บัวจีน",
    "บัวแก้ว",
    "บัวไหล",
    "คำแสง",
    "คำมอย",
    "คำหล้า",
    "คำปุ๋ย",
    "คำใส",
    "ศรีนวล",
    "ศรีพรรณ",
    "ศรีจันทร์",
    "ศรีไพร",
    "ศรีวรรณ",
    "สายทอง",
    "สายใจ",
    "สายบัว",
    "ทองใบ",
    "ทองพูน",
    "ทองม้วน",
    "แสงจันทร์",
    "แสงดาว",
    "แสงเดือน",
    "แสงหล้า",
    "แสงแก้ว",
    "จันทร์เพ็ญ",
    "จันทร์ทิพย์",
    "จันทร์ฟอง",
    "จันทร์แก้ว",
    "เพ็ญศรี",
    "เพ็ญแข",
    "อำพร",
    "อำไพ",
    "บุญศรี",
    "บุญเรือน",
    "บุญตา",
    "บุญยวง",
    "นวล",
    "นวลจันทร์",
    "ลำดวน",
    "ลำไย",
    "บุษบา",
    "ละเอียด",
    "สร้อย",
    "หล้า",
    "อุ่นเรือน",
    "อุ่นใจ",
    "เรือนแก้ว",
    "แก้วตา",
    "ผ่องศรี",
    "จำปา",
    "จำปี",
    "ชื่นใจ",
    "ขวัญเรือน",
    "หอมจันทร์",
    "ฟองจันทร์",
    "ประไพ",
    "ประนอม",
    "สมศรี",
    "สมใจ",
    "สมจิตร",
    "สมหวัง",
    "สมร",
    "สมปอง",
    "มาลี",
    "มาลัย",
    "มณี",
    "พิมพา",
    "ดวงแก้ว",
    "ปิ่นแก้ว",
    "ตุ่น",
    "อ่อน",
    "เอื้อย",
];

/// Women's names common among those born about 1965–1994.
const FEMALE_MID: &[&str] = &[
    "สมพร",
    "ดวงใจ",
    "ดวงเดือน",
    "ดวงพร",
    "ดวงจันทร์",
    "อรุณี",
    "อัมพร",
    "ประภา",
    "พรทิพย์",
    "พรรณี",
    "พิมพ์",
    "นงลักษณ์",
    "นงเยาว์",
    "นงคราญ",
    "นิตยา",
    "นันทนา",
    "นภา",
    "ลัดดา",
    "วันเพ็ญ",
    "วันดี",
    "วาสนา",
    "วิไล",
    "วิไลวรรณ",
    "ศิริพร",
    "สุนันทา",
    "สุภาพ",
    "สุมาลี",
    "สุดา",
    "สุนีย์",
    "สุพรรณ",
    "สุรีย์",
    "สุวรรณ",
    "เสาวลักษณ์",
    "อุไร",
    "อุษา",
    "อรทัย",
    "อรวรรณ",
    "อนงค์",
    "อัญชลี",
    "เยาวลักษณ์",
    "รัตนา",
    "รำไพ",
    "ราตรี",
    "เรณู",
    "จันทิมา",
    "กาญจนา",
    "กัลยา",
    "เกศินี",
    "ขวัญใจ",
    "ทิพวรรณ",
    "ทัศนีย์",
    "นิภา",
    "บังอร",
    "ปราณี",
    "มยุรี",
    "วรรณา",
    "ไพรวัลย์",
    "สายสุนีย์",
    "จิราพร",
    "ปิยะนุช",
    "พรพรรณ",
    "พัชรี",
    "รุ่งนภา",
    "รุ่งทิวา",
    "ศิริลักษณ์",
    "ศิริรัตน์",
    "สุพัตรา",
    "อัจฉรา",
    "อมรรัตน์",
    "จุฑามาศ",
    "ดารุณี",
    "นฤมล",
    "ประภาพร",
    "ปาริชาติ",
    "พรรณิภา",
    "มัลลิกา",
    "ยุพิน",
    "รัตติยา",
    "วิภาวดี",
    "ศุภลักษณ์",
    "อรัญญา",
    "อุมาพร",
    "ขนิษฐา",
    "จารุวรรณ",
    "ฐิติมา",
    "เนตรนภา",
    "ปนัดดา",
    "สุกัญญา",
    "สุดารัตน์",
    "รัชนี",
    "วราภรณ์",
    "ปัทมา",
    "เบญจวรรณ",
    "กนกวรรณ",
];

/// Women's names common among those born since about 1995.
const FEMALE_YOUNG: &[&str] = &[
    "ณัฐธิดา",
    "ณัฐนิชา",
    "ธิดารัตน์",
    "ปวีณา",
    "ปิยธิดา",
    "พิมพ์ชนก",
    "ภัทรา",
    "ภัทราภรณ์",
    "กมลชนก",
    "กัญญารัตน์",
    "ชนิดา",
    "ชุติมา",
    "ธนพร",
    "นภัสสร",
    "น้ำฝน",
    "น้ำทิพย์",
    "พัชราภรณ์",
    "พิชญา",
    "มณีรัตน์",
    "ศศิธร",
    "ศิรินภา",
    "สุภาวดี",
    "อรอุมา",
    "อภิญญา",
    "อารีรัตน์",
    "ไอลดา",
    "ชนัญชิดา",
    "ญาณิศา",
    "ธนัชพร",
    "ปุณยาพร",
    "พิชามญชุ์",
    "ภัคจิรา",
    "วริศรา",
    "อรปรียา",
    "กชกร",
    "เขมิกา",
    "ณิชา",
    "ปภาวรินทร์",
    "อลิสา",
    "ชาลิสา",
    "ณัฐณิชา",
    "ชลธิชา",
    "ธัญญารัตน์",
    "ลลิตา",
    "หทัยรัตน์",
    "เกวลิน",
    "ทิพย์สุดา",
    "นันทิดา",
    "พิมพ์ลดา",
    "แพรวา",
    "มินตรา",
    "ศิรประภา",
    "สิริกร",
    "อาทิตยา",
    "กัญญาภัค",
    "ธมลวรรณ",
    "ปาลิตา",
    "ชญานิศ",
    "กัญญาณัฐ",
    "ขวัญข้าว",
    "ณัฐชยา",
    "ธัญชนก",
    "นันท์นภัส",
    "ปริยากร",
    "ภัทรวดี",
    "รมิตา",
    "วรัญญา",
    "ศุภิสรา",
    "อัญชิสา",
    "อิงฟ้า",
    "เพชรลดา",
    "จิดาภา",
    "ฐิตาภา",
    "ปัณฑิตา",
    "กานต์ธิดา",
    "ธนภรณ์",
    "สุพิชญา",
    "อริสา",
];

/// Whole surnames of Nan and the north.
const SURNAMES: &[&str] = &[
    "อินต๊ะ",
    "ยาวิชัย",
    "ธรรมวงศ์",
    "กันทะวงศ์",
    "ปัญญาดี",
    "ใจแก้ว",
    "ใจมา",
    "คำลือ",
    "ศรีวงศ์",
    "อินทวงศ์",
    "ไชยวงศ์",
    "สุริยวงศ์",
    "ปัญญาวงศ์",
    "วงศ์ใหญ่",
    "ทาแก้ว",
    "ปันแก้ว",
    "มูลคำ",
    "ไชยลังกา",
    "ชัยลังกา",
    "ปัญญาไว",
    "อุปละ",
    "ขัติยะ",
    "ณ น่าน",
    "มหาวงศ์",
    "เทพวงศ์",
    "เตชะ",
    "จินะวงศ์",
    "มณีวงศ์",
    "ต๊ะวงศ์",
    "ศรีจันทร์",
    "อภิวงค์",
    "ยอดยิ่ง",
    "ใจหาญ",
    "ไชยสาร",
    "จันทร์แก้ว",
    "วงศ์แก้ว",
    "ใจปิน",
    "คำปวน",
    "คำอ้าย",
    "พรหมมินทร์",
    "พรหมวงศ์",
    "สุภา",
    "อุ่นเรือน",
    "ชมภู",
    "สุทธหลวง",
    "ทิพย์มณี",
    "กองแก้ว",
    "สุยะ",
    "ยะปัญญา",
    "ปินตา",
    "ปินใจ",
    "อินทนนท์",
    "กาวิละ",
    "ขันแก้ว",
    "ใจยา",
    "คำภีระ",
    "จันทร์ต๊ะ",
    "ต๊ะปัญญา",
    "ปัญญาฟู",
    "หน่อแก้ว",
    "ทะนันไชย",
    "แสนคำ",
    "เขื่อนแก้ว",
    "ปาลี",
    "ปาระมี",
    "คำมา",
    "ศักดิ์ดี",
    "เรือนคำ",
    "ดวงแก้ว",
    "ฝั้นแก้ว",
    "ฝั้นคำ",
    "ไชยมงคล",
    "ตาแก้ว",
    "นันทะ",
    "นันตา",
    "แก้วเรือน",
    "บุญยืน",
    "บุญเรือง",
    "ธิแก้ว",
    "ธิวงศ์",
    "ธิปัญญา",
    "ยานะ",
    "วรรณมูล",
    "อินทะรังษี",
    "สมฤทธิ์",
    "จันทร์หอม",
    "ปัญโญ",
    "วงศ์ไชย",
    "สิทธิวงศ์",
    "ศรีบุญเรือง",
    "อุตรวงศ์",
    "ยศปัญญา",
    "กันธิยะ",
    "ไชยเทพ",
    "คำน้อย",
    "จันทร์ดี",
    "ทองอินทร์",
    "วงศ์คำ",
    "ใจบุญ",
    "ใจคำ",
    "ปันคำ",
    "อินทร์ใจ",
    "ศรีใจ",
    "มโนวงศ์",
    "ธรรมลังกา",
    "ชัยเลิศ",
    "เป็งใจ",
    "ติ๊บกาศ",
    "นาคสุข",
    "ปวงคำ",
    "พุทธวงศ์",
    "ศรีสุข",
    "ศรีวิชัย",
    "ปัญญาเรือง",
    "วงศ์ชัย",
    "แก้วมูล",
    "แก้วปัน",
    "ทาคำ",
    "ตาคำ",
    "อินทร์แก้ว",
];

/// First parts of composed surnames.
const SURNAME_FIRST: &[&str] = &[
    "ใจ",
    "คำ",
    "ศรี",
    "อินทร์",
    "แก้ว",
    "ปัญญา",
    "ไชย",
    "ธรรม",
    "บุญ",
    "กันทะ",
    "ยา",
    "มูล",
    "ปัน",
    "ตา",
    "ทา",
    "จันทร์",
    "เทพ",
    "วงศ์",
    "ทอง",
    "สิงห์",
    "หน่อ",
    "จินะ",
    "ยศ",
    "ฟอง",
    "เรือน",
    "ชัย",
    "อุ่น",
    "สุข",
    "เมือง",
    "หมื่น",
    "แสน",
    "พรหม",
    "เป็ง",
    "ปิน",
    "ธิ",
    "นันทะ",
    "อุด",
    "ดวง",
];

/// Middle parts of three-part surnames (ศรี·บุญ·เรือง).
const SURNAME_MIDDLE: &[&str] = &["ศรี", "บุญ", "แก้ว", "คำ", "ทอง", "ใจ", "อินทร์", "ไชย"];

/// Last parts of composed surnames.
const SURNAME_LAST: &[&str] = &[
    "วงศ์",
    "ใจ",
    "คำ",
    "แก้ว",
    "ปัญญา",
    "ดี",
    "วิชัย",
    "มา",
    "ปัน",
    "เรือง",
    "มูล",
    "ชัย",
    "สุข",
    "ศรี",
    "ทิพย์",
    "ยศ",
    "อินทร์",
    "ธรรม",
    "บุญ",
    "เมือง",
    "หล้า",
    "ฟู",
    "ยืน",
    "วงค์",
    "ตา",
    "สิทธิ์",
    "นันท์",
    "กุล",
    "ราช",
    "ลือ",
    "แปง",
    "หาญ",
    "ประเสริฐ",
    "สม",
    "ลังกา",
    "มงคล",
    "ปวน",
    "เลิศ",
];

/// Clan surnames of Hmong and Mien families of Nan's hill villages.
const HILL_SURNAMES: &[&str] = &[
    "แซ่ลี",
    "แซ่ย่าง",
    "แซ่ว่าง",
    "แซ่ม้า",
    "แซ่ท้าว",
    "แซ่โซ้ง",
    "แซ่เฮ่อ",
    "แซ่หาง",
    "แซ่กือ",
    "แซ่จ๋าง",
    "แซ่จ๋าว",
    "แซ่เติ๋น",
    "แซ่ฟุ้ง",
];

/// A surname from the whole region: a listed one, or composed from two or three parts.
fn any_surname(rng: &mut Rng) -> String {
    let r = rng.below(100);
    if r < 25 {
        return (*rng.pick(SURNAMES)).to_owned();
    }
    loop {
        let first = *rng.pick(SURNAME_FIRST);
        let last = *rng.pick(SURNAME_LAST);
        if first == last {
            continue;
        }
        if r < 85 {
            return format!("{first}{last}");
        }
        let middle = *rng.pick(SURNAME_MIDDLE);
        if middle != first && middle != last {
            return format!("{first}{middle}{last}");
        }
    }
}

/// A first name fitting the sex and birth year (mostly of that generation).
fn first_name(rng: &mut Rng, sex: Sex, birth_year: i32) -> String {
    let tier: usize = if birth_year < 1965 {
        0
    } else if birth_year < 1995 {
        1
    } else {
        2
    };
    // 75% the person's own generation, else a neighbouring one.
    let tier = match rng.below(8) {
        0 | 1 if tier == 1 => rng.below(2) as usize * 2,
        0 | 1 => 1,
        _ => tier,
    };
    let list = match (sex, tier) {
        (Sex::Male, 0) => MALE_OLD,
        (Sex::Male, 1) => MALE_MID,
        (Sex::Male, _) => MALE_YOUNG,
        (Sex::Female, 0) => FEMALE_OLD,
        (Sex::Female, 1) => FEMALE_MID,
        (Sex::Female, _) => FEMALE_YOUNG,
    };
    (*rng.pick(list)).to_owned()
}

// ---------------------------------------------------------------------------------------------
// Identity numbers
// ---------------------------------------------------------------------------------------------

/// Serial numbers per (first digit, registration office): each pair gives ten million unique
/// numbers, spread over the 7 serial digits by a fixed bijection so they do not look sequential.
#[derive(Debug, Default)]
struct IdAllocator {
    serials: HashMap<(u8, String), u32>,
    passports: u64,
}

const SERIAL_SPACE: u64 = 10_000_000;

impl IdAllocator {
    /// A valid 13-digit number: the first of `digits` with a free serial, `office` (4 digits),
    /// 7 serial digits, the check digit.
    fn thai(&mut self, digits: &[u8], office: &str) -> String {
        for d in digits {
            let serial = self.serials.entry((*d, office.to_owned())).or_insert(0);
            if u64::from(*serial) >= SERIAL_SPACE {
                continue;
            }
            let n = u64::from(*serial);
            *serial += 1;
            let key = derive_seed(u64::from(*d), "id", office.as_bytes());
            let mixed = permute(n, SERIAL_SPACE, 24, key);
            return complete_id(&format!("{d}{office}{mixed:07}"));
        }
        panic!("demo data: more than ten million numbers per office and person type");
    }

    /// A unique Lao/Myanmar-style passport number: two letters and six digits.
    fn passport(&mut self) -> String {
        const PAIRS: [&str; 8] = ["PA", "PB", "PC", "MA", "MB", "MC", "MD", "ME"];
        let n = self.passports;
        self.passports += 1;
        let block = (n / 1_000_000) as usize;
        let letters = match PAIRS.get(block) {
            Some(p) => (*p).to_owned(),
            None => {
                let k = block - PAIRS.len();
                assert!(k < 26 * 26, "demo data: too many passports");
                let a = char::from(b'A' + (k / 26) as u8);
                let b = char::from(b'A' + (k % 26) as u8);
                format!("{a}{b}")
            }
        };
        let digits = permute(n % 1_000_000, 1_000_000, 20, 0x5EED_0F9A_5590_87AB);
        format!("{letters}{digits:06}")
    }
}

/// A fixed bijection of `0..space` (`space ≤ 2^bits`, `bits` even): a four-round Feistel
/// network on `bits` bits, walked until it lands inside the space. Serial numbers so mixed are
/// unique and do not look sequential.
fn permute(n: u64, space: u64, bits: u32, key: u64) -> u64 {
    debug_assert!(n < space && space <= 1 << bits && bits.is_multiple_of(2));
    let half = bits / 2;
    let mask = (1u64 << half) - 1;
    let mut x = n;
    loop {
        let (mut l, mut r) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = Rng::new(key ^ (round << 56) ^ r).next_u64() & mask;
            (l, r) = (r, l ^ f);
        }
        x = (l << half) | r;
        if x < space {
            return x;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Households
// ---------------------------------------------------------------------------------------------

/// Household types of an ageing rural province, with weights (per mille of households).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ElderAlone,
    ElderCouple,
    AdultAlone,
    Couple,
    Nuclear,
    SingleParent,
    ThreeGenerations,
    SkippedGeneration,
    ElderWithAdultChild,
}

const KINDS: [(Kind, u32); 9] = [
    (Kind::ElderAlone, 90),
    (Kind::ElderCouple, 68),
    (Kind::AdultAlone, 60),
    (Kind::Couple, 120),
    (Kind::Nuclear, 250),
    (Kind::SingleParent, 30),
    (Kind::ThreeGenerations, 200),
    (Kind::SkippedGeneration, 85),
    (Kind::ElderWithAdultChild, 80),
];

/// Where a household's members get their identity documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Regime {
    /// Thai citizens.
    Citizen,
    /// A hill-tribe family partly without registration.
    Hill,
    /// Migrant workers from Laos or Myanmar.
    Migrant,
}

/// A member before names, documents and dates are drawn.
#[derive(Debug, Clone)]
struct Plan {
    age: i64,
    sex: Sex,
    relation: Relation,
    surname: String,
    married: bool,
    single_parent: bool,
}

/// Weights of five-year age groups from 60 (60–64, 65–69, …, 95–99), then 100.
const ELDER_AGES: [u32; 9] = [300, 250, 180, 120, 80, 45, 18, 6, 1];

fn elder_age(rng: &mut Rng) -> i64 {
    let g = rng.weighted(&ELDER_AGES) as i64;
    if g == 8 {
        100
    } else {
        60 + g * 5 + rng.range(0, 4)
    }
}

fn opposite(sex: Sex) -> Sex {
    match sex {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

fn sex_with_male_share(rng: &mut Rng, per_mille: u64) -> Sex {
    if rng.chance(per_mille) {
        Sex::Male
    } else {
        Sex::Female
    }
}

/// Ages of 1–3 children (`weights` of one, two, three) of a parent aged `parent`; with `older`,
/// biased towards the oldest possible (few young children in an ageing province).
fn child_ages(
    rng: &mut Rng,
    parent: i64,
    max_age: i64,
    weights: &[u32; 3],
    older: bool,
) -> Vec<i64> {
    let n = 1 + rng.weighted(weights);
    let hi = (parent - 19).min(max_age);
    let lo = (parent - 42).max(0);
    let mut ages: Vec<i64> = (0..n)
        .map(|_| {
            let a = rng.range(lo, hi.max(lo));
            if older {
                a.max(rng.range(lo, hi.max(lo)))
            } else {
                a
            }
        })
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    ages
}

/// The state of one village while its households are generated.
struct VillageState {
    rng: Rng,
    index: usize,
    remaining: i64,
    house_base: u32,
    house_sub: u32,
    surnames: Vec<String>,
    hill_per_mille: u64,
}

/// The household stream of [`households`].
struct HouseholdIter<'a> {
    villages: &'a [DemoVillage],
    next: usize,
    scale: f64,
    seed: u64,
    today: NaiveDate,
    ids: IdAllocator,
    current: Option<VillageState>,
}

/// Stream households village by village: on average ≈ 530 × `scale` persons per village (each
/// village a random 55–145% of that), in households of 1–7 persons (mean ≈ 3.1; many elders
/// living alone or as a couple, grandparents raising grandchildren — Nan is an ageing province).
///
/// Identity numbers are unique across the whole stream (not across two calls: generate a data
/// set with one call over all its villages); house numbers are unique within a village. Dates
/// lie on or before `today`. The same villages, `scale`, `seed` and `today` give the same
/// households, byte for byte.
pub fn households(
    villages: &[DemoVillage],
    scale: f64,
    seed: u64,
    today: NaiveDate,
) -> impl Iterator<Item = DemoHousehold> {
    HouseholdIter {
        villages,
        next: 0,
        scale: if scale.is_finite() {
            scale.max(0.0)
        } else {
            0.0
        },
        seed,
        today,
        ids: IdAllocator::default(),
        current: None,
    }
}

impl Iterator for HouseholdIter<'_> {
    type Item = DemoHousehold;

    fn next(&mut self) -> Option<DemoHousehold> {
        loop {
            if let Some(state) = self.current.as_mut()
                && state.remaining > 0
            {
                let village = &self.villages[state.index];
                let h = household(state, village, &mut self.ids, self.today);
                state.remaining -= h.members.len() as i64;
                return Some(h);
            }
            let index = self.next;
            let village = self.villages.get(index)?;
            self.next += 1;
            self.current = Some(start_village(village, index, self.scale, self.seed));
        }
    }
}

fn start_village(village: &DemoVillage, index: usize, scale: f64, seed: u64) -> VillageState {
    let mut rng = Rng::new(derive_seed(
        seed,
        "village",
        village.code.as_str().as_bytes(),
    ));
    let size = PERSONS_PER_VILLAGE * scale * (0.55 + 0.9 * rng.unit());
    let pool = 25 + rng.below(30) as usize;
    let surnames = (0..pool).map(|_| any_surname(&mut rng)).collect();
    let district = &village.code.as_str()[..4];
    let hill_village = if MOUNTAIN_DISTRICTS.contains(&district) {
        rng.chance(190)
    } else {
        rng.chance(20)
    };
    VillageState {
        index,
        remaining: size.round() as i64,
        house_base: rng.below(3) as u32,
        house_sub: 0,
        surnames,
        hill_per_mille: if hill_village { 380 } else { 4 },
        rng,
    }
}

/// A surname of the village: a few families hold most of them.
fn village_surname(st: &mut VillageState) -> String {
    if st.rng.chance(250) {
        return any_surname(&mut st.rng);
    }
    let u = st.rng.unit();
    let i = ((u * u) * st.surnames.len() as f64) as usize;
    st.surnames[i.min(st.surnames.len() - 1)].clone()
}

fn next_house_number(st: &mut VillageState) -> String {
    if st.house_base > 0 && st.rng.chance(120) {
        st.house_sub += 1;
        return format!("{}/{}", st.house_base, st.house_sub);
    }
    st.house_base += 1;
    if st.rng.chance(150) {
        st.house_base += st.rng.range(1, 3) as u32;
    }
    st.house_sub = 0;
    st.house_base.to_string()
}

fn plan_members(st: &mut VillageState, kind: Kind, family: &str, regime: Regime) -> Vec<Plan> {
    // Another family of the village: a spouse's or an in-law's.
    let other_family = village_surname(st);
    let rng = &mut st.rng;
    let p = |age: i64, sex: Sex, relation: Relation, surname: &str, married: bool| Plan {
        age,
        sex,
        relation,
        surname: surname.to_owned(),
        married,
        single_parent: false,
    };
    let mut out = Vec::with_capacity(7);
    if regime == Regime::Migrant {
        let age = rng.range(19, 45);
        let sex = sex_with_male_share(rng, 650);
        let couple = rng.chance(650);
        out.push(p(age, sex, Relation::Head, family, couple));
        if couple {
            let a = (age + rng.range(-6, 4)).max(18);
            out.push(p(a, opposite(sex), Relation::Spouse, family, true));
            if rng.chance(500) {
                for a in child_ages(rng, age, 12, &[50, 40, 10], false) {
                    let s = sex_with_male_share(rng, 510);
                    out.push(p(a, s, Relation::Child, family, false));
                }
            }
        }
        return out;
    }
    match kind {
        Kind::ElderAlone => {
            let sex = sex_with_male_share(rng, 330);
            let age = elder_age(rng);
            out.push(p(age, sex, Relation::Head, family, rng.chance(880)));
            if rng.chance(80) {
                // An elderly sibling shares the house.
                let a = (age + rng.range(-8, 8)).max(55);
                let s = sex_with_male_share(rng, 300);
                out.push(p(a, s, Relation::Sibling, family, rng.chance(700)));
            }
        }
        Kind::ElderCouple => {
            let sex = sex_with_male_share(rng, 850);
            let age = elder_age(rng);
            let other = match sex {
                Sex::Male => (age - rng.range(-2, 8)).max(52),
                Sex::Female => (age + rng.range(-2, 8)).min(100),
            };
            out.push(p(age, sex, Relation::Head, family, true));
            out.push(p(other, opposite(sex), Relation::Spouse, family, true));
        }
        Kind::AdultAlone => {
            let age = if rng.chance(650) {
                rng.range(40, 59)
            } else {
                rng.range(20, 39)
            };
            let sex = sex_with_male_share(rng, 600);
            let married = rng.chance(if age >= 35 { 450 } else { 100 });
            out.push(p(age, sex, Relation::Head, family, married));
        }
        Kind::Couple => {
            // Often parents whose children work in Bangkok.
            let age = if rng.chance(650) {
                rng.range(45, 59)
            } else {
                rng.range(22, 44)
            };
            let other = (age - rng.range(-3, 7)).max(19);
            out.push(p(age, Sex::Male, Relation::Head, family, true));
            let own = rng.chance(200);
            let s = if own { other_family } else { family.to_owned() };
            out.push(p(other, Sex::Female, Relation::Spouse, &s, true));
        }
        Kind::Nuclear => {
            let age = if rng.chance(850) {
                rng.range(38, 59)
            } else {
                rng.range(25, 37)
            };
            let sex = sex_with_male_share(rng, 820);
            let other = match sex {
                Sex::Male => (age - rng.range(-3, 7)).max(20),
                Sex::Female => (age + rng.range(-3, 7)).min(64),
            };
            out.push(p(age, sex, Relation::Head, family, true));
            let spouse_surname = if rng.chance(200) {
                other_family
            } else {
                family.to_owned()
            };
            out.push(p(
                other,
                opposite(sex),
                Relation::Spouse,
                &spouse_surname,
                true,
            ));
            let mother = if sex == Sex::Female { age } else { other };
            for a in child_ages(rng, mother, 30, &[30, 50, 20], true) {
                let s = sex_with_male_share(rng, 510);
                let married = a >= 25 && rng.chance(150);
                out.push(p(a, s, Relation::Child, family, married));
            }
            if rng.chance(120) {
                // A younger brother or sister of the head, or a cousin, lives with them.
                let a = (age - rng.range(2, 15)).max(18);
                let s = sex_with_male_share(rng, 500);
                let relation = if rng.chance(600) {
                    Relation::Sibling
                } else {
                    Relation::Relative
                };
                out.push(p(a, s, relation, family, rng.chance(300)));
            }
        }
        Kind::SingleParent => {
            let age = rng.range(23, 52);
            let sex = sex_with_male_share(rng, 200);
            let mut head = p(age, sex, Relation::Head, family, rng.chance(650));
            let kids = child_ages(rng, age, 25, &[45, 40, 15], true);
            head.single_parent = kids.iter().any(|a| *a < 18);
            out.push(head);
            for a in kids {
                let s = sex_with_male_share(rng, 510);
                out.push(p(a, s, Relation::Child, family, false));
            }
        }
        Kind::ThreeGenerations => {
            let elders = 1 + rng.weighted(&[55, 45]);
            let eldest = elder_age(rng);
            let second = (elders == 2).then(|| (eldest - rng.range(-2, 8)).max(55));
            let youngest = second.unwrap_or(eldest).min(eldest);
            let middle_age = (youngest - rng.range(20, 36)).max(20);
            // Northern Thai families are matrilocal: more often a daughter stays.
            let middle_sex = sex_with_male_share(rng, 400);
            let partnered = rng.chance(650);
            let partner_family = other_family;
            let (middle_surname, kid_surname, partner_surname) = match (middle_sex, partnered) {
                (Sex::Female, true) => {
                    let took = rng.chance(500);
                    let own = if took {
                        partner_family.as_str()
                    } else {
                        family
                    };
                    (
                        own.to_owned(),
                        partner_family.clone(),
                        partner_family.clone(),
                    )
                }
                (Sex::Male, true) => {
                    let wife = if rng.chance(750) {
                        family
                    } else {
                        partner_family.as_str()
                    };
                    (family.to_owned(), family.to_owned(), wife.to_owned())
                }
                (_, false) => (family.to_owned(), family.to_owned(), String::new()),
            };
            let mut elder_plans = vec![p(
                eldest,
                if elders == 2 {
                    Sex::Male
                } else {
                    sex_with_male_share(rng, 330)
                },
                Relation::Head,
                family,
                true,
            )];
            if let Some(a) = second {
                elder_plans.push(p(a, Sex::Female, Relation::Spouse, family, true));
            }
            let mut middle = p(
                middle_age,
                middle_sex,
                Relation::Child,
                &middle_surname,
                partnered || rng.chance(300),
            );
            let kids = child_ages(rng, middle_age, 24, &[45, 40, 15], true);
            middle.single_parent = !partnered && kids.iter().any(|a| *a < 18) && rng.chance(350);
            let partner = partnered.then(|| {
                let a = (middle_age + rng.range(-5, 5)).max(20);
                p(
                    a,
                    opposite(middle_sex),
                    Relation::Relative,
                    &partner_surname,
                    true,
                )
            });
            let kid_plans: Vec<Plan> = kids
                .into_iter()
                .map(|a| {
                    let s = sex_with_male_share(rng, 510);
                    p(a, s, Relation::Grandchild, &kid_surname, false)
                })
                .collect();
            if rng.chance(550) {
                // The eldest is the head.
                out.extend(elder_plans);
                out.push(middle);
                out.extend(partner);
                out.extend(kid_plans);
            } else {
                // The middle generation is the head.
                middle.relation = Relation::Head;
                out.push(middle);
                if let Some(mut partner) = partner {
                    partner.relation = Relation::Spouse;
                    out.push(partner);
                }
                for mut e in elder_plans {
                    e.relation = Relation::Parent;
                    out.push(e);
                }
                for mut k in kid_plans {
                    k.relation = Relation::Child;
                    out.push(k);
                }
            }
        }
        Kind::SkippedGeneration => {
            let elders = 1 + rng.weighted(&[50, 50]);
            let age = if rng.chance(200) {
                rng.range(50, 59)
            } else {
                elder_age(rng).min(85)
            };
            let sex = if elders == 2 {
                Sex::Male
            } else {
                sex_with_male_share(rng, 250)
            };
            out.push(p(age, sex, Relation::Head, family, true));
            if elders == 2 {
                let a = (age - rng.range(-2, 8)).max(48);
                out.push(p(a, Sex::Female, Relation::Spouse, family, true));
            }
            let n = 1 + rng.weighted(&[65, 28, 7]);
            let own = rng.chance(600);
            let kid_surname = if own { family.to_owned() } else { other_family };
            for _ in 0..n {
                let a = rng.range(0, 17).min(age - 36);
                let s = sex_with_male_share(rng, 510);
                out.push(p(a.max(0), s, Relation::Grandchild, &kid_surname, false));
            }
        }
        Kind::ElderWithAdultChild => {
            let elders = 1 + rng.weighted(&[65, 35]);
            let age = elder_age(rng);
            let sex = if elders == 2 {
                Sex::Male
            } else {
                sex_with_male_share(rng, 300)
            };
            out.push(p(age, sex, Relation::Head, family, true));
            let mut youngest = age;
            if elders == 2 {
                let a = (age - rng.range(-2, 8)).max(55);
                youngest = youngest.min(a);
                out.push(p(a, Sex::Female, Relation::Spouse, family, true));
            }
            for _ in 0..1 + rng.weighted(&[75, 25]) {
                let a = (youngest - rng.range(20, 38)).max(20);
                let s = sex_with_male_share(rng, 500);
                let married = rng.chance(250);
                out.push(p(a, s, Relation::Child, family, married));
            }
        }
    }
    out
}

/// Notes for chronic illness, with weights.
const ILLNESSES: [(&str, u32); 11] = [
    ("ความดันโลหิตสูง", 30),
    ("เบาหวาน", 20),
    ("เบาหวาน, ความดันโลหิตสูง", 15),
    ("ไขมันในเลือดสูง", 6),
    ("โรคไตเรื้อรัง", 6),
    ("โรคหัวใจ", 5),
    ("โรคปอดอุดกั้นเรื้อรัง", 5),
    ("หลอดเลือดสมอง", 4),
    ("หอบหืด", 3),
    ("มะเร็ง", 2),
    ("", 4),
];

/// Disability types with weights (physical most common).
const DISABILITIES: [(DisabilityType, u32); 7] = [
    (DisabilityType::Physical, 480),
    (DisabilityType::Hearing, 180),
    (DisabilityType::Seeing, 110),
    (DisabilityType::Mental, 80),
    (DisabilityType::Intellectual, 100),
    (DisabilityType::Learning, 25),
    (DisabilityType::Autism, 25),
];

fn category(category: Category) -> CategoryInput {
    CategoryInput {
        category,
        disability_type: None,
        card_number: None,
        card_expiry: None,
        note: None,
    }
}

fn days_before(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_sub_days(Days::new(days.max(0) as u64))
        .unwrap_or(date)
}

fn household(
    st: &mut VillageState,
    village: &DemoVillage,
    ids: &mut IdAllocator,
    today: NaiveDate,
) -> DemoHousehold {
    let house_number = next_house_number(st);
    let kind = KINDS[st.rng.weighted(&KINDS.map(|(_, w)| w))].0;
    let regime = if st.rng.chance(st.hill_per_mille) {
        Regime::Hill
    } else if st.rng.chance(14) {
        Regime::Migrant
    } else {
        Regime::Citizen
    };
    let family = if regime == Regime::Hill && st.rng.chance(700) {
        (*st.rng.pick(HILL_SURNAMES)).to_owned()
    } else {
        village_surname(st)
    };
    let plans = plan_members(st, kind, &family, regime);
    let rng = &mut st.rng;

    let poor_per_mille = match kind {
        Kind::ElderAlone | Kind::SkippedGeneration => 190,
        Kind::SingleParent => 220,
        _ if regime != Regime::Citizen => 300,
        _ => 85,
    };
    let poor = rng.chance(poor_per_mille);
    let homeless = kind == Kind::AdultAlone && regime == Regime::Citizen && rng.chance(25);
    let location = (!homeless && rng.chance(800)).then(|| {
        let (lat, lon) = near(rng, village.centre, 1.2);
        (round6(lat), round6(lon))
    });
    let dims = if rng.chance(700) {
        let mut d =
            |poor_p: u64, other_p: u64| Some(rng.chance(if poor { poor_p } else { other_p }));
        PovertyDimensions {
            health: d(450, 120),
            living: d(420, 100),
            education: d(480, 150),
            income: d(700, 110),
            access: d(320, 80),
        }
    } else {
        PovertyDimensions::default()
    };
    let skipped = kind == Kind::SkippedGeneration;
    let office = &village.code.as_str()[..4];

    let members = plans
        .into_iter()
        .map(|plan| {
            member(
                rng,
                ids,
                plan,
                Context {
                    village: &village.code,
                    house_number: &house_number,
                    location,
                    office,
                    regime,
                    poor,
                    homeless,
                    skipped,
                    today,
                },
            )
        })
        .collect();
    DemoHousehold {
        village: village.code.clone(),
        house_number,
        dims,
        members,
    }
}

/// What a member takes from the household.
struct Context<'a> {
    village: &'a AreaCode,
    house_number: &'a str,
    location: Option<(f64, f64)>,
    office: &'a str,
    regime: Regime,
    poor: bool,
    homeless: bool,
    skipped: bool,
    today: NaiveDate,
}

fn member(rng: &mut Rng, ids: &mut IdAllocator, plan: Plan, cx: Context<'_>) -> DemoMember {
    let today = cx.today;
    // Birth: a day in the year of life the planned age implies; often only the year or month is
    // known for those born before 1950.
    let back = plan.age * 365 + plan.age / 4 + rng.range(0, 364);
    let born = days_before(today, back);
    let precision = if born.year() < 1950 {
        match rng.below(100) {
            0..60 => Precision::Year,
            60..75 => Precision::Month,
            _ => Precision::Day,
        }
    } else {
        match rng.below(1000) {
            0..30 => Precision::Year,
            30..40 => Precision::Month,
            _ => Precision::Day,
        }
    };
    let birth = match precision {
        Precision::Year => PartialDate::from_parts(
            NaiveDate::from_ymd_opt(born.year(), 1, 1).unwrap_or(born),
            precision,
        ),
        Precision::Month => PartialDate::from_parts(
            NaiveDate::from_ymd_opt(born.year(), born.month(), 1).unwrap_or(born),
            precision,
        ),
        Precision::Day => PartialDate::from_parts(born, precision),
    };
    let age = i64::from(birth.age_on(today));
    let sex = plan.sex;

    let prefix = match (age >= 15, sex) {
        (false, Sex::Male) => "เด็กชาย",
        (false, Sex::Female) => "เด็กหญิง",
        (true, Sex::Male) => "นาย",
        (true, Sex::Female) if plan.married => "นาง",
        (true, Sex::Female) => "นางสาว",
    };
    let first_name = first_name(rng, sex, born.year());

    // Identity document.
    let young = born.year() >= 1984;
    let (id_kind, id_number) = match cx.regime {
        Regime::Citizen => (
            IdKind::Citizen,
            Some(citizen_id(rng, ids, young, cx.office)),
        ),
        Regime::Hill => {
            // Children born lately are more often registered.
            let registered = if age < 18 { 250 } else { 120 };
            match rng.below(1000) {
                r if r < registered => (
                    IdKind::Citizen,
                    Some(citizen_id(rng, ids, young, cx.office)),
                ),
                r if r < registered + 430 => (IdKind::OtherThai, Some(ids.thai(&[0], cx.office))),
                _ => (IdKind::None, None),
            }
        }
        Regime::Migrant => {
            let r = rng.below(1000);
            if age < 18 {
                if r < 600 {
                    (IdKind::OtherThai, Some(ids.thai(&[7], cx.office)))
                } else {
                    (IdKind::None, None)
                }
            } else if r < 450 {
                (IdKind::Passport, Some(ids.passport()))
            } else if r < 850 {
                (IdKind::OtherThai, Some(ids.thai(&[6], cx.office)))
            } else {
                (IdKind::None, None)
            }
        }
    };
    let stateless = id_kind == IdKind::None
        || (id_kind == IdKind::OtherThai
            && id_number.as_deref().is_some_and(|n| n.starts_with('0')));

    let phone = (age >= 15
        && rng.chance(match age {
            15..20 => 300,
            20..60 => 640,
            _ => 420,
        }))
    .then(|| {
        let head = *rng.pick(&["06", "08", "09"]);
        let second = rng.range(
            if head == "06" { 1 } else { 0 },
            if head == "06" { 6 } else { 9 },
        );
        format!("{head}{second}{:07}", rng.below(10_000_000))
    });

    // Status: elders die, young adults move away.
    let deceased_p = if age >= 60 { 35 } else { 3 };
    let moved_p = if (18..40).contains(&age) { 35 } else { 7 };
    let (status, status_date) = match rng.below(1000) {
        r if r < deceased_p => (PersonStatus::Deceased, true),
        r if r < deceased_p + moved_p => (PersonStatus::Moved, true),
        _ => (PersonStatus::Active, false),
    };
    let status_date = status_date.then(|| {
        let earliest = days_before(today, 3 * 365).max(born);
        let span = (today - earliest).num_days();
        days_before(today, rng.range(0, span))
    });

    // Categories, in display order.
    let mut categories = Vec::new();
    let disabled_p = match age {
        0..15 => 10,
        15..60 => 22,
        _ => 70,
    };
    if rng.chance(disabled_p) {
        let t = DISABILITIES[rng.weighted(&DISABILITIES.map(|(_, w)| w))].0;
        let carded = id_number.is_some() && id_kind != IdKind::Passport && rng.chance(900);
        categories.push(CategoryInput {
            disability_type: Some(t),
            card_number: if carded { id_number.clone() } else { None },
            card_expiry: carded.then(|| {
                today
                    .checked_add_days(Days::new(rng.range(30, 8 * 365) as u64))
                    .unwrap_or(today)
            }),
            ..category(Category::Disabled)
        });
    }
    if age >= i64::from(ELDERLY_AGE) {
        let (bed, home) = match age {
            60..70 => (20, 80),
            70..80 => (60, 150),
            _ => (150, 250),
        };
        let r = rng.below(1000);
        if r < bed {
            categories.push(category(Category::Bedridden));
        } else if r < bed + home {
            categories.push(category(Category::Homebound));
        } else if rng.chance(500) {
            categories.push(category(Category::SociallyActive));
        }
    } else if age >= 40 && rng.chance(2) {
        categories.push(category(Category::Bedridden));
    }
    let chronic_p = match age {
        0..40 => 8,
        40..60 => 170,
        _ => 360,
    };
    if rng.chance(chronic_p) {
        let note = ILLNESSES[rng.weighted(&ILLNESSES.map(|(_, w)| w))].0;
        categories.push(CategoryInput {
            note: (!note.is_empty()).then(|| note.to_owned()),
            ..category(Category::ChronicIllness)
        });
    }
    if cx.poor {
        categories.push(category(Category::Poor));
    }
    if stateless {
        categories.push(category(Category::Stateless));
    }
    if age < 18 && rng.chance(if cx.skipped { 50 } else { 13 }) {
        categories.push(category(Category::ChildAtRisk));
    }
    if plan.single_parent && (18..=55).contains(&age) {
        categories.push(category(Category::SingleParent));
    }
    if cx.homeless {
        categories.push(category(Category::Homeless));
    }
    if (18..=70).contains(&age) && rng.chance(3) {
        categories.push(category(Category::Hiv));
    }
    if (20..=65).contains(&age) && rng.chance(if sex == Sex::Male { 10 } else { 1 }) {
        categories.push(category(Category::ExPrisoner));
    }

    DemoMember {
        person: PersonInput {
            id_kind,
            id_number,
            prefix: Some(prefix.to_owned()),
            first_name,
            last_name: plan.surname,
            sex: Some(sex),
            birth: Some(birth),
            phone,
            village: cx.village.clone(),
            house_number: Some(cx.house_number.to_owned()),
            relation: Some(plan.relation),
            location: cx.location,
            status,
            status_date,
        },
        categories,
    }
}

/// A citizen number: type 1 (born since 1984, registered at birth; a few 2, late registration)
/// or type 3 (in the 1984 census; a few 4 and 5, added later), at the district's office.
fn citizen_id(rng: &mut Rng, ids: &mut IdAllocator, young: bool, office: &str) -> String {
    let r = rng.below(1000);
    let digits: &[u8] = match (young, r) {
        (true, 0..970) => &[1, 2, 5, 8],
        (true, _) => &[2, 1, 5, 8],
        (false, 0..960) => &[3, 4, 5, 8],
        (false, 960..990) => &[4, 3, 5, 8],
        (false, _) => &[5, 3, 4, 8],
    };
    ids.thai(digits, office)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use ruamjai_domain::areas::catalogue;
    use ruamjai_domain::registry::ident::normalise_id;
    use ruamjai_domain::registry::person::{THAILAND_LAT, THAILAND_LON};
    use ruamjai_domain::registry::{CategoryForm, PersonForm};

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn nan_subdistricts() -> Vec<AreaCode> {
        catalogue()
            .iter()
            .filter(|a| a.code.level() == AreaLevel::Subdistrict && a.code.province() == "55")
            .map(|a| a.code.clone())
            .collect()
    }

    /// FNV-1a over the debug form of everything generated.
    fn digest(hs: impl Iterator<Item = DemoHousehold>) -> (u64, usize) {
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        let mut n = 0;
        for hh in hs {
            n += hh.members.len();
            for b in format!("{hh:?}").bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01B3);
            }
        }
        (h, n)
    }

    /// Every ninth village of Nan: about 53,000 persons from every district.
    fn sample() -> (Vec<DemoVillage>, Vec<DemoHousehold>) {
        let vs: Vec<DemoVillage> = villages(&nan_subdistricts(), 7)
            .into_iter()
            .step_by(9)
            .collect();
        let hs = households(&vs, 1.0, 7, today()).collect();
        (vs, hs)
    }

    #[test]
    fn same_seed_same_output_other_seed_other_output() {
        let subs = nan_subdistricts();
        let a = villages(&subs[..6], 1);
        assert_eq!(a, villages(&subs[..6], 1));
        assert_ne!(a, villages(&subs[..6], 2));
        let d1 = digest(households(&a[..5], 0.5, 1, today()));
        let d2 = digest(households(&a[..5], 0.5, 1, today()));
        let d3 = digest(households(&a[..5], 0.5, 2, today()));
        assert!(d1.1 > 500, "{d1:?}");
        assert_eq!(d1, d2);
        assert_ne!(d1.0, d3.0);
    }

    #[test]
    fn about_nine_hundred_villages_numbered_without_gaps() {
        let subs = nan_subdistricts();
        assert_eq!(subs.len(), 99);
        let vs = villages(&subs, 42);
        assert!((800..=1000).contains(&vs.len()), "{}", vs.len());
        let codes: HashSet<&str> = vs.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(codes.len(), vs.len());
        for sub in &subs {
            let mine: Vec<&DemoVillage> = vs
                .iter()
                .filter(|v| v.code.parent().as_ref() == Some(sub))
                .collect();
            assert!((4..=16).contains(&mine.len()), "{sub}: {}", mine.len());
            for (i, v) in mine.iter().enumerate() {
                assert_eq!(v.code, sub.village(i as u8 + 1).unwrap());
                assert!(v.name_th.starts_with("บ้าน") && v.name_en.starts_with("Ban "));
            }
            let names: HashSet<&str> = mine.iter().map(|v| v.name_th.as_str()).collect();
            assert_eq!(names.len(), mine.len(), "names repeat in {sub}");
        }
        for v in &vs {
            let (lat, lon) = v.centre;
            assert!(
                (17.9..=19.6).contains(&lat) && (100.3..=101.3).contains(&lon),
                "{v:?}"
            );
        }
    }

    #[test]
    fn name_lists_are_long_and_without_repeats() {
        for (list, min) in [
            ([MALE_OLD, MALE_MID, MALE_YOUNG].concat(), 150),
            ([FEMALE_OLD, FEMALE_MID, FEMALE_YOUNG].concat(), 150),
            (SURNAMES.to_vec(), 100),
        ] {
            let set: HashSet<&str> = list.iter().copied().collect();
            assert_eq!(set.len(), list.len(), "repeated names");
            assert!(list.len() >= min, "{}", list.len());
        }
        let mut rng = Rng::new(3);
        let composed: HashSet<String> = (0..20_000).map(|_| any_surname(&mut rng)).collect();
        assert!(composed.len() > 2_000, "{}", composed.len());
    }

    #[test]
    fn every_person_passes_the_registry_checks() {
        let (vs, hs) = sample();
        let today = today();
        let mut ids = HashSet::new();
        let mut houses = HashSet::new();
        let mut persons = 0;
        for h in &hs {
            assert!(vs.iter().any(|v| v.code == h.village));
            assert!((1..=7).contains(&h.members.len()), "{}", h.members.len());
            assert_eq!(h.members[0].person.relation, Some(Relation::Head));
            assert!(
                h.members[1..]
                    .iter()
                    .all(|m| m.person.relation != Some(Relation::Head))
            );
            for m in &h.members {
                persons += 1;
                let p = &m.person;
                assert_eq!(p.village, h.village);
                assert_eq!(p.house_number.as_deref(), Some(h.house_number.as_str()));
                // The identity number is valid, normalised and unique.
                match &p.id_number {
                    Some(id) => {
                        assert_eq!(normalise_id(p.id_kind, id).unwrap().as_ref(), Some(id));
                        assert!(ids.insert(id.clone()), "duplicate id {id}");
                    }
                    None => assert_eq!(p.id_kind, IdKind::None),
                }
                let birth = p.birth.unwrap();
                assert!(birth.date <= today);
                if let Some(sd) = p.status_date {
                    assert!(sd >= birth.date && sd <= today);
                    assert_ne!(p.status, PersonStatus::Active);
                } else {
                    assert_eq!(p.status, PersonStatus::Active);
                }
                if let Some((lat, lon)) = p.location {
                    assert!((THAILAND_LAT.0..=THAILAND_LAT.1).contains(&lat));
                    assert!((THAILAND_LON.0..=THAILAND_LON.1).contains(&lon));
                }
                let age = birth.age_on(today);
                let prefix = p.prefix.as_deref().unwrap();
                let ok = match (age >= 15, p.sex.unwrap()) {
                    (false, Sex::Male) => prefix == "เด็กชาย",
                    (false, Sex::Female) => prefix == "เด็กหญิง",
                    (true, Sex::Male) => prefix == "นาย",
                    (true, Sex::Female) => prefix == "นาง" || prefix == "นางสาว",
                };
                assert!(ok, "{prefix} aged {age}");
                if let Some(phone) = &p.phone {
                    assert!(phone.len() == 10 && phone.starts_with('0'), "{phone}");
                }
                // The same person typed into the form comes back unchanged.
                let form = PersonForm {
                    id_kind: p.id_kind.as_str().into(),
                    id_number: p.id_number.clone().unwrap_or_default(),
                    prefix: prefix.into(),
                    first_name: p.first_name.clone(),
                    last_name: p.last_name.clone(),
                    sex: p.sex.unwrap().as_str().into(),
                    birth_date: match birth.precision {
                        Precision::Year => birth.date.format("%Y").to_string(),
                        Precision::Month => birth.date.format("%m/%Y").to_string(),
                        Precision::Day => birth.date.format("%d/%m/%Y").to_string(),
                    },
                    phone: p.phone.clone().unwrap_or_default(),
                    village_code: p.village.to_string(),
                    house_number: h.house_number.clone(),
                    relation: p.relation.unwrap().as_str().into(),
                    lat: p.location.map(|l| l.0.to_string()).unwrap_or_default(),
                    lon: p.location.map(|l| l.1.to_string()).unwrap_or_default(),
                    status: p.status.as_str().into(),
                    status_date: p
                        .status_date
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                };
                assert_eq!(form.check(today).as_ref(), Ok(p));
                let mut last = None;
                for c in &m.categories {
                    assert!(!c.category.is_derived());
                    assert!(
                        last < Some(c.category),
                        "categories out of order or repeated"
                    );
                    last = Some(c.category);
                    let form = CategoryForm {
                        category: c.category.as_str().into(),
                        disability_type: c
                            .disability_type
                            .map(|t| t.as_str().into())
                            .unwrap_or_default(),
                        card_number: c.card_number.clone().unwrap_or_default(),
                        card_expiry: c
                            .card_expiry
                            .map(|d| d.format("%Y-%m-%d").to_string())
                            .unwrap_or_default(),
                        note: c.note.clone().unwrap_or_default(),
                    };
                    assert_eq!(form.check(today).as_ref(), Ok(c));
                }
                let stateless = m
                    .categories
                    .iter()
                    .any(|c| c.category == Category::Stateless);
                let zero = p.id_number.as_deref().is_some_and(|n| n.starts_with('0'));
                assert_eq!(stateless, p.id_kind == IdKind::None || zero);
            }
            assert!(
                houses.insert((h.village.as_str(), h.house_number.as_str())),
                "house number {} repeated",
                h.house_number
            );
        }
        assert!(persons > 40_000, "{persons}");
    }

    #[test]
    fn proportions_look_like_an_ageing_rural_province() {
        let (_, hs) = sample();
        let today = today();
        let persons: Vec<&DemoMember> = hs.iter().flat_map(|h| &h.members).collect();
        let n = persons.len() as f64;
        let share =
            |f: &dyn Fn(&DemoMember) -> bool| persons.iter().filter(|m| f(m)).count() as f64 / n;
        let age = |m: &DemoMember| m.person.birth.unwrap().age_on(today);
        let has = |m: &DemoMember, c: Category| m.categories.iter().any(|x| x.category == c);
        let within = |name: &str, v: f64, lo: f64, hi: f64| {
            assert!((lo..=hi).contains(&v), "{name}: {v:.4} not in {lo}..={hi}");
        };
        let mean_size = n / hs.len() as f64;
        within("mean household size", mean_size, 2.8, 3.4);
        within("60+", share(&|m| age(m) >= 60), 0.17, 0.27);
        within("under 15", share(&|m| age(m) < 15), 0.10, 0.20);
        within("80+", share(&|m| age(m) >= 80), 0.015, 0.06);
        assert!(persons.iter().any(|m| age(m) >= 95));
        within(
            "no id",
            share(&|m| m.person.id_kind == IdKind::None),
            0.01,
            0.03,
        );
        within(
            "other thai",
            share(&|m| m.person.id_kind == IdKind::OtherThai),
            0.01,
            0.03,
        );
        within(
            "passport",
            share(&|m| m.person.id_kind == IdKind::Passport),
            0.001,
            0.006,
        );
        within(
            "citizen",
            share(&|m| m.person.id_kind == IdKind::Citizen),
            0.94,
            0.975,
        );
        within(
            "located",
            share(&|m| m.person.location.is_some()),
            0.72,
            0.88,
        );
        within(
            "moved",
            share(&|m| m.person.status == PersonStatus::Moved),
            0.008,
            0.025,
        );
        within(
            "deceased",
            share(&|m| m.person.status == PersonStatus::Deceased),
            0.005,
            0.02,
        );
        within(
            "disabled",
            share(&|m| has(m, Category::Disabled)),
            0.02,
            0.04,
        );
        within("hiv", share(&|m| has(m, Category::Hiv)), 0.0005, 0.004);
        within(
            "ex-prisoner",
            share(&|m| has(m, Category::ExPrisoner)),
            0.001,
            0.005,
        );
        within(
            "homeless",
            share(&|m| has(m, Category::Homeless)),
            0.0001,
            0.0015,
        );

        let of = |sel: &dyn Fn(&DemoMember) -> bool, f: &dyn Fn(&DemoMember) -> bool| {
            let group: Vec<&&DemoMember> = persons.iter().filter(|m| sel(m)).collect();
            group.iter().filter(|m| f(m)).count() as f64 / group.len() as f64
        };
        let elder = |m: &DemoMember| age(m) >= 60;
        within(
            "bedridden of 60+",
            of(&elder, &|m| has(m, Category::Bedridden)),
            0.03,
            0.08,
        );
        within(
            "homebound of 60+",
            of(&elder, &|m| has(m, Category::Homebound)),
            0.08,
            0.17,
        );
        within(
            "social of 60+",
            of(&elder, &|m| has(m, Category::SociallyActive)),
            0.3,
            0.5,
        );
        within(
            "chronic of 40+",
            of(&|m| age(m) >= 40, &|m| has(m, Category::ChronicIllness)),
            0.18,
            0.32,
        );
        within(
            "phone of 20+",
            of(&|m| age(m) >= 20, &|m| m.person.phone.is_some()),
            0.45,
            0.65,
        );
        within(
            "child at risk",
            of(&|m| age(m) < 18, &|m| has(m, Category::ChildAtRisk)),
            0.01,
            0.035,
        );
        let old = |m: &DemoMember| m.person.birth.unwrap().date.year() < 1950;
        let prec = |p: Precision| move |m: &DemoMember| m.person.birth.unwrap().precision == p;
        within(
            "year-only before 1950",
            of(&old, &prec(Precision::Year)),
            0.5,
            0.7,
        );
        within(
            "month-only before 1950",
            of(&old, &prec(Precision::Month)),
            0.08,
            0.22,
        );
        within(
            "year-only since 1950",
            of(&|m| !old(m), &prec(Precision::Year)),
            0.015,
            0.05,
        );

        let poor = hs
            .iter()
            .filter(|h| h.members.iter().all(|m| has(m, Category::Poor)))
            .count() as f64
            / hs.len() as f64;
        within("poor households", poor, 0.08, 0.16);
        assert!(hs.iter().all(|h| {
            let p = h.members.iter().filter(|m| has(m, Category::Poor)).count();
            p == 0 || p == h.members.len()
        }));
        let surveyed: Vec<&DemoHousehold> = hs.iter().filter(|h| h.dims.health.is_some()).collect();
        within(
            "surveyed",
            surveyed.len() as f64 / hs.len() as f64,
            0.65,
            0.75,
        );
        for i in 0..5 {
            let d = surveyed
                .iter()
                .filter(|h| h.dims.values()[i] == Some(true))
                .count() as f64
                / surveyed.len() as f64;
            within(PovertyDimensions::NAMES[i], d, 0.08, 0.27);
        }
        let surnames: HashSet<&str> = persons
            .iter()
            .map(|m| m.person.last_name.as_str())
            .collect();
        assert!(surnames.len() > 1_000, "{}", surnames.len());
        let heads_share = hs
            .iter()
            .filter(|h| h.members.len() > 1)
            .flat_map(|h| h.members[1..].iter().map(move |m| (h, m)))
            .filter(|(h, m)| m.person.last_name == h.members[0].person.last_name)
            .count() as f64
            / hs.iter().map(|h| h.members.len() - 1).sum::<usize>() as f64;
        within("members with the head's surname", heads_share, 0.6, 0.92);
    }

    #[test]
    fn serial_mixing_is_a_bijection() {
        let out: HashSet<u64> = (0..1000).map(|n| permute(n, 1000, 10, 99)).collect();
        assert_eq!(out.len(), 1000);
        assert!(out.iter().all(|x| *x < 1000));
        // Not the identity, nor a shift.
        let moved = (0..1000)
            .filter(|n| permute(*n, 1000, 10, 99) != *n)
            .count();
        assert!(moved > 900);
    }

    #[test]
    fn scale_multiplies_the_persons_of_each_village() {
        let vs = villages(&nan_subdistricts()[..3], 5);
        let one = households(&vs, 1.0, 5, today())
            .map(|h| h.members.len())
            .sum::<usize>();
        let two = households(&vs, 2.0, 5, today())
            .map(|h| h.members.len())
            .sum::<usize>();
        let ratio = two as f64 / one as f64;
        assert!((1.9..=2.1).contains(&ratio), "{one} → {two}");
        assert_eq!(households(&vs, 0.0, 5, today()).count(), 0);
    }
}

/// A generated volunteer of the demo network.
#[derive(Debug, Clone)]
pub struct DemoVolunteer {
    /// The volunteer (checked by its types: generated values are valid).
    pub input: ruamjai_domain::network::VolunteerInput,
    /// Hours given in the last months: (days ago, minutes, activity).
    pub hours: Vec<(i64, u32, &'static str)>,
}

/// Two or three volunteers per village: a village health volunteer (อสม.) in every village, and
/// caregivers, social development volunteers, youth and general volunteers here and there,
/// living near the village centre, with skills, languages (hill-tribe languages in the mountain
/// districts), evening and weekend availability, and some hours given.
pub fn volunteers(villages: &[DemoVillage], seed: u64) -> Vec<DemoVolunteer> {
    use ruamjai_domain::network::{Availability, Language, Skill, VolunteerInput, VolunteerKind};
    let mut rng = Rng::new(seed ^ 0x766f_6c75_6e74);
    let mut out = Vec::new();
    let activities = [
        "เยี่ยมบ้าน",
        "วัดความดันในหมู่บ้าน",
        "ประชุมประจำเดือน",
        "ช่วยงานครัวกลาง",
        "อบรม",
    ];
    for v in villages {
        let mountain = MOUNTAIN_DISTRICTS.contains(&&v.code.as_str()[..4]);
        let n = 2 + rng.below(2);
        for i in 0..n {
            let kind = if i == 0 {
                VolunteerKind::HealthVolunteer
            } else {
                *rng.pick(&[
                    VolunteerKind::Caregiver,
                    VolunteerKind::SocialDevelopment,
                    VolunteerKind::General,
                    VolunteerKind::Youth,
                    VolunteerKind::Rescue,
                ])
            };
            let female = rng.chance(700);
            let first = if female {
                *rng.pick(FEMALE_MID)
            } else {
                *rng.pick(MALE_MID)
            };
            let last = if mountain && rng.chance(500) {
                *rng.pick(HILL_SURNAMES)
            } else {
                *rng.pick(SURNAMES)
            };
            let mut skills = match kind {
                VolunteerKind::HealthVolunteer => vec![Skill::HomeVisit],
                VolunteerKind::Caregiver => vec![Skill::BedriddenCare, Skill::HomeVisit],
                VolunteerKind::Rescue => vec![Skill::FirstAid, Skill::SearchRescue],
                VolunteerKind::Youth => vec![Skill::DataEntry],
                _ => vec![],
            };
            if rng.chance(300) {
                skills.push(Skill::Driving);
            }
            if rng.chance(150) && !skills.contains(&Skill::FirstAid) {
                skills.push(Skill::FirstAid);
            }
            let mut languages = vec![Language::Thai, Language::NorthernThai];
            if mountain && rng.chance(400) {
                languages.push(*rng.pick(&[
                    Language::Hmong,
                    Language::Mien,
                    Language::Lua,
                    Language::Khmu,
                ]));
                skills.push(Skill::Interpreting);
            }
            const WHEN: [&str; 4] = [
                "mon-fri 17:00-21:00, sat-sun 08:00-17:00",
                "always",
                "sat-sun 08:00-18:00",
                "mon-fri 08:00-16:00",
            ];
            let when: &&str = rng.pick(&WHEN);
            let availability = Availability::parse(when).expect("valid demo availability");
            let home = near(&mut rng, v.centre, 0.8);
            let hours = (0..rng.below(5))
                .map(|_| {
                    (
                        rng.range(1, 150),
                        (rng.range(1, 8) * 30) as u32,
                        *rng.pick(&activities),
                    )
                })
                .collect();
            out.push(DemoVolunteer {
                input: VolunteerInput {
                    prefix: Some(if female { "นาง" } else { "นาย" }.into()),
                    first_name: first.into(),
                    last_name: last.into(),
                    kind,
                    // Unique (a list with a phone twice is refused): numbered, not drawn.
                    phone: Some(format!("08{:08}", 61_000_000 + out.len() * 7)),
                    area: v.code.clone(),
                    home: Some((round6(home.0), round6(home.1))),
                    skills,
                    languages,
                    availability,
                    organisation_id: None,
                },
                hours,
            });
        }
    }
    out
}
