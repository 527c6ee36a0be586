//! Whole runs on generated Thai lists whose truth is known: duplicates with the slips real
//! agency lists have are found, different people are not joined, and each candidate pair is
//! compared once however many blocking rules put it together.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ruamjai_linkage::block::Index;
use ruamjai_linkage::record::{RawRecord, Record};
use ruamjai_linkage::run::{Settings, clusters, dedup, link};

const FIRST: [&str; 24] = [
    "สมชาย",
    "สมศรี",
    "บุญมี",
    "บุญมา",
    "ประเสริฐ",
    "มาลี",
    "สุดา",
    "วิชัย",
    "สมหญิง",
    "ทองดี",
    "จันทร์เพ็ญ",
    "ศรีสุข",
    "ณัฐพล",
    "กาญจนา",
    "พงศ์ศักดิ์",
    "อรุณ",
    "สายทอง",
    "แก้ว",
    "บัวผัน",
    "คำปัน",
    "ผ่องศรี",
    "เกษม",
    "นิภา",
    "ประยูร",
];
const LAST: [&str; 16] = [
    "ใจดี",
    "มีสุข",
    "แสนทองฟู",
    "ศรีวงศ์",
    "คำยืน",
    "อินทร์แก้ว",
    "ปัญญาวงศ์",
    "สุวรรณ",
    "ทองคำ",
    "บุญเรือง",
    "ชัยมงคล",
    "วงศ์ใหญ่",
    "ธรรมใจ",
    "แก้วมา",
    "จันทร์ดี",
    "พรหมมา",
];

fn check_digit(d: &[u32]) -> u32 {
    let s: u32 = d.iter().enumerate().map(|(i, x)| x * (13 - i as u32)).sum();
    (11 - s % 11) % 10
}

fn id(rng: &mut StdRng) -> String {
    let mut d: Vec<u32> = (0..12).map(|_| rng.random_range(0..10)).collect();
    d[0] = rng.random_range(1..9);
    d.push(check_digit(&d));
    d.iter().map(|x| char::from(b'0' + *x as u8)).collect()
}

struct Person {
    id: String,
    first: &'static str,
    last: &'static str,
    male: bool,
    birth: (i32, u32, u32),
    village: String,
    house: u32,
}

fn people(n: usize, rng: &mut StdRng) -> Vec<Person> {
    (0..n)
        .map(|_| Person {
            id: id(rng),
            first: FIRST[rng.random_range(0..FIRST.len())],
            last: LAST[rng.random_range(0..LAST.len())],
            male: rng.random(),
            birth: (
                rng.random_range(1930..2010),
                rng.random_range(1..13),
                rng.random_range(1..29),
            ),
            village: format!("550101{:02}", rng.random_range(1..12)),
            house: rng.random_range(1..200),
        })
        .collect()
}

/// A record of a person as one agency wrote it, with that agency's habits and slips.
fn written(p: &Person, rec_id: String, style: u8, rng: &mut StdRng) -> RawRecord {
    let (y, m, d) = p.birth;
    let mut r = RawRecord {
        id: rec_id,
        national_id: p.id.clone(),
        prefix: if p.male { "นาย" } else { "นาง" }.into(),
        first_name: p.first.into(),
        last_name: p.last.into(),
        birth_date: format!("{d}/{m}/{}", y + 543),
        village_code: p.village.clone(),
        house_number: p.house.to_string(),
        ..Default::default()
    };
    match style {
        // The survey: prefix glued to the name, year only, no ID half of the time.
        1 => {
            r.first_name = format!("{}{}", r.prefix, p.first);
            r.prefix.clear();
            r.birth_date = (y + 543).to_string();
            if rng.random::<bool>() {
                r.national_id.clear();
            }
        }
        // The allowance roll: an ID slip now and then, ISO dates, tone marks dropped.
        2 => {
            if rng.random_range(0..4) == 0 {
                let mut b = r.national_id.into_bytes();
                let k = rng.random_range(1..12);
                b[k] = b'0' + (b[k] - b'0' + 1) % 10;
                r.national_id = String::from_utf8(b).unwrap();
            }
            r.birth_date = format!("{y}-{m:02}-{d:02}");
            r.first_name = p
                .first
                .chars()
                .filter(|c| !('\u{0E48}'..='\u{0E4B}').contains(c))
                .collect();
        }
        _ => {}
    }
    r
}

#[test]
fn duplicates_with_slips_are_found_and_strangers_kept_apart() {
    let mut rng = StdRng::seed_from_u64(42);
    let ps = people(3_000, &mut rng);
    let mut raws = Vec::new();
    let mut truth = Vec::new(); // person index of each record
    for (k, p) in ps.iter().enumerate() {
        raws.push(written(p, format!("a{k}"), 0, &mut rng));
        truth.push(k);
        // A third of the people appear again in another agency's list.
        if k % 3 == 0 {
            let style = 1 + (k % 2) as u8;
            raws.push(written(p, format!("b{k}"), style, &mut rng));
            truth.push(k);
        }
    }
    let records: Vec<Record> = raws.iter().map(Record::from_raw).collect();
    let settings = Settings {
        threshold: 0.9,
        u_sample: 200_000,
        ..Settings::default()
    };
    let out = dedup(&records, &settings, &|_, _, _| {});
    let true_pairs = truth.len() - ps.len();
    let found = out
        .pairs
        .iter()
        .filter(|(i, j, _)| truth[*i as usize] == truth[*j as usize])
        .count();
    let wrong = out.pairs.len() - found;
    let recall = found as f64 / true_pairs as f64;
    let precision = found as f64 / out.pairs.len().max(1) as f64;
    assert!(
        recall >= 0.95,
        "recall {recall:.3} ({found} of {true_pairs})"
    );
    assert!(
        precision >= 0.98,
        "precision {precision:.3} ({wrong} wrong)"
    );
    assert!(out.training.iterations > 1);
    // Clusters: each found pair's records share a cluster.
    let c = clusters(records.len(), &out.pairs);
    for (i, j, _) in &out.pairs {
        assert_eq!(c[*i as usize], c[*j as usize]);
    }
}

#[test]
fn linking_two_lists_pairs_across_only() {
    let mut rng = StdRng::seed_from_u64(7);
    let ps = people(1_500, &mut rng);
    let left: Vec<Record> = ps
        .iter()
        .enumerate()
        .map(|(k, p)| Record::from_raw(&written(p, format!("L{k}"), 0, &mut rng)))
        .collect();
    // The roll holds every other person, written its own way.
    let right: Vec<Record> = ps
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 2 == 0)
        .map(|(k, p)| Record::from_raw(&written(p, format!("R{k}"), 2, &mut rng)))
        .collect();
    let out = link(
        &left,
        &right,
        &Settings {
            u_sample: 100_000,
            ..Settings::default()
        },
        &|_, _, _| {},
    );
    let correct = out
        .pairs
        .iter()
        .filter(|(i, j, _)| left[*i as usize].id[1..] == right[*j as usize].id[1..])
        .count();
    assert!(
        correct as f64 >= 0.95 * right.len() as f64,
        "{correct} of {}",
        right.len()
    );
    assert!(
        correct as f64 >= 0.98 * out.pairs.len() as f64,
        "{} pairs, {correct} right",
        out.pairs.len()
    );
}

#[test]
fn a_pair_blocked_by_several_rules_is_compared_once() {
    let raw = RawRecord {
        id: "1".into(),
        national_id: "1101700230708".into(),
        first_name: "สมศรี".into(),
        last_name: "ใจดี".into(),
        birth_date: "2490".into(),
        village_code: "55010101".into(),
        phone: "0812345678".into(),
        ..Default::default()
    };
    let a = Record::from_raw(&raw);
    let b = Record::from_raw(&RawRecord {
        id: "2".into(),
        ..raw.clone()
    });
    let index = Index::build(&[&a, &b], 2, false, 100);
    assert!(index.blocks.len() >= 4, "every rule blocks the pair");
    let mut seen = 0;
    for k in 0..index.blocks.len() {
        index.pairs(k, |_, _| seen += 1);
    }
    assert_eq!(seen, 1);
}
