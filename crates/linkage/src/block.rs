//! Blocking: which pairs are compared at all. Comparing every record with every other is
//! quadratic; instead each *rule* puts records that share a key into a block, and only pairs
//! inside a block are compared. Several rules together keep recall high (a pair missed by one —
//! a slip in the ID, a misspelt surname, a wrong birth year — is found by another). A pair
//! blocked by several rules is compared once: it belongs to the first rule that blocks it.
//!
//! Keys are 64-bit hashes of the normalised values (a collision can only add a candidate pair,
//! never lose one). Blocks larger than a limit are skipped and counted, so one common key (a
//! popular name in a big village) cannot blow up the run.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use crate::record::Record;

/// The fields of [`crate::compare::FIELDS`] each rule forces to agree (they tell nothing about
/// a pair the rule blocked, so a training session on that rule's pairs leaves them out).
pub const RULE_FIELDS: [&[usize]; 5] = {
    use crate::compare::{BIRTH, CONTACT, FIRST_NAME, LAST_NAME, NATIONAL_ID, VILLAGE};
    [
        &[NATIONAL_ID],
        &[FIRST_NAME, BIRTH],
        &[LAST_NAME, VILLAGE],
        &[FIRST_NAME, LAST_NAME],
        &[CONTACT],
    ]
};

/// The rules whose pairs train the model: between them every field is free in some session.
pub const TRAINING_RULES: [usize; 3] = [0, 1, 2];

/// The blocking rules, in order.
pub const RULES: [&str; 5] = [
    "national_id",
    "first_phonetic+birth_year",
    "last_phonetic+subdistrict",
    "first_folded+last_folded",
    "phone",
];

/// Up to two keys of a record under one rule (two surnames); 0 = no key.
type Keys = [u64; 2];

fn hash_of(parts: &[&str]) -> u64 {
    // A fixed hasher: the same keys on every run and thread.
    let mut h =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish().max(1)
}

fn keys(rule: usize, r: &Record) -> Keys {
    let mut out = [0u64; 2];
    match rule {
        0 => {
            if let Some(id) = &r.national_id {
                out[0] = hash_of(&["id", id]);
            }
        }
        1 => {
            if let (Some(f), Some(b)) = (&r.first, &r.birth) {
                out[0] = hash_of(&["fb", &f.phonetic, &b.year.to_string()]);
            }
        }
        2 => {
            if let Some(v) = &r.village {
                let sub = &v[..v.len().min(6)];
                for (slot, l) in r.last.iter().take(2).enumerate() {
                    out[slot] = hash_of(&["ls", &l.phonetic, sub]);
                }
            }
        }
        3 => {
            if let (Some(f), Some(l)) = (&r.first, r.last.first()) {
                out[0] = hash_of(&["fl", &f.folded, &l.folded]);
                if let Some(l2) = r.last.get(1) {
                    out[1] = hash_of(&["fl", &f.folded, &l2.folded]);
                }
            }
        }
        _ => {
            if let Some(p) = &r.phone {
                out[0] = hash_of(&["ph", p]);
            }
        }
    }
    out
}

fn share(a: &Keys, b: &Keys) -> bool {
    a.iter().any(|x| *x != 0 && b.contains(x))
}

/// The blocking index of one or two lists.
pub struct Index {
    /// `keys[rule][record]` (records of the right list follow the left's).
    keys: Vec<Vec<Keys>>,
    /// Blocks of every rule: (rule, key, members).
    pub blocks: Vec<(usize, u64, Vec<u32>)>,
    /// Records in the left list (the rest are the right list's; equal to the total when
    /// deduplicating one list).
    left: usize,
    /// Linking two lists (pairs across only) rather than deduplicating one.
    across: bool,
    /// Blocks skipped for being larger than the limit.
    pub skipped_blocks: usize,
}

impl Index {
    /// Index `records` (`left` of them from the first list; when `across`, only pairs between
    /// the lists are wanted).
    pub fn build(records: &[&Record], left: usize, across: bool, max_block: usize) -> Self {
        let keys: Vec<Vec<Keys>> = (0..RULES.len())
            .map(|rule| records.iter().map(|r| keys(rule, r)).collect())
            .collect();
        let mut blocks = Vec::new();
        let mut skipped_blocks = 0;
        for (rule, ks) in keys.iter().enumerate() {
            let mut map: HashMap<u64, Vec<u32>> = HashMap::new();
            for (i, k) in ks.iter().enumerate() {
                for key in k.iter().filter(|k| **k != 0) {
                    let members = map.entry(*key).or_default();
                    if members.last() != Some(&(i as u32)) {
                        members.push(i as u32);
                    }
                }
            }
            for (key, members) in map {
                if members.len() < 2 {
                    continue;
                }
                if members.len() > max_block {
                    skipped_blocks += 1;
                    continue;
                }
                if across
                    && (members.iter().all(|&i| (i as usize) < left)
                        || members.iter().all(|&i| (i as usize) >= left))
                {
                    continue;
                }
                blocks.push((rule, key, members));
            }
        }
        // Big blocks first: threads then finish at about the same time.
        blocks.sort_by_key(|(_, _, m)| std::cmp::Reverse(m.len()));
        Self {
            keys,
            blocks,
            left,
            across,
            skipped_blocks,
        }
    }

    /// The pairs of one block this block owns: (i, j) with i < j, across the lists when
    /// linking, not blocked by an earlier rule, and (two surnames giving two keys) not by a
    /// smaller key of the same rule.
    pub fn pairs(&self, block: usize, mut f: impl FnMut(u32, u32)) {
        self.all_pairs(block, |i, j, owned| {
            if owned {
                f(i, j);
            }
        });
    }

    /// Every pair of one block (across the lists when linking), and whether the block owns it.
    pub fn all_pairs(&self, block: usize, mut f: impl FnMut(u32, u32, bool)) {
        let (rule, key, members) = &self.blocks[block];
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (i, j) = if i < j { (i, j) } else { (j, i) };
                if self.across && ((j as usize) < self.left || (i as usize) >= self.left) {
                    continue;
                }
                let earlier =
                    (0..*rule).any(|r| share(&self.keys[r][i as usize], &self.keys[r][j as usize]));
                let (a, b) = (&self.keys[*rule][i as usize], &self.keys[*rule][j as usize]);
                let first_shared = a.iter().filter(|k| **k != 0 && b.contains(k)).min();
                f(i, j, !earlier && first_shared == Some(key));
            }
        }
    }
}
