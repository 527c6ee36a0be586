//! Blocking: which pairs are compared at all. Comparing every record with every other is
//! quadratic; instead each *rule* puts records that share a key into a block, and only pairs
//! inside a block are compared. Several rules together keep recall high (a pair missed by one —
//! a slip in the ID, a misspelt surname, a wrong birth year — is found by another). A pair
//! blocked by several rules is compared once: it belongs to the first rule that blocks it.
//!
//! Keys are 64-bit hashes of the normalised values (a collision can only add a candidate pair,
//! never lose one). Blocks larger than a limit are skipped and counted, so one common key (a
//! popular name in a big village) cannot blow up the run.

use std::hash::{BuildHasher, Hash, Hasher};

use rayon::prelude::*;

use crate::record::Record;

/// The fields of [`crate::compare::FIELDS`] each rule forces to agree (they tell nothing about
/// a pair the rule blocked, so a training session on that rule's pairs leaves them out).
pub const RULE_FIELDS: [&[usize]; 5] = {
    use crate::compare::{ADDRESS, BIRTH, FIRST_NAME, LAST_NAME, NATIONAL_ID};
    [
        &[NATIONAL_ID],
        &[FIRST_NAME, BIRTH],
        &[LAST_NAME, ADDRESS],
        &[FIRST_NAME, LAST_NAME],
        &[ADDRESS],
    ]
};

/// The rules whose pairs train `m`: between them every field is free in some session, and
/// neither makes the members of one household look alike. (Sessions on *first name + birth
/// year* or *last name + subdistrict* blocks are dominated by pairs of one family — same
/// surname, house and phone — and EM's "match" class then learns "same household": with them
/// a match had a different first name, birth date and ID 36–40 % of the time.)
pub const TRAINING_RULES: [usize; 2] = [0, 3];

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

/// One block: (rule, key, members).
pub type Block = (usize, u64, Vec<u32>);

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
            .map(|rule| records.par_iter().map(|r| keys(rule, r)).collect())
            .collect();
        // Each rule's blocks: its (key, record) entries sorted, runs of one key.
        let per_rule: Vec<(Vec<Block>, usize)> = keys
            .par_iter()
            .enumerate()
            .map(|(rule, ks)| {
                let mut entries: Vec<(u64, u32)> = ks
                    .iter()
                    .enumerate()
                    .flat_map(|(i, k)| k.iter().filter(|k| **k != 0).map(move |k| (*k, i as u32)))
                    .collect();
                entries.par_sort_unstable();
                entries.dedup();
                let mut blocks = Vec::new();
                let mut skipped = 0;
                for run in entries.chunk_by(|a, b| a.0 == b.0) {
                    if run.len() < 2 {
                        continue;
                    }
                    if run.len() > max_block {
                        skipped += 1;
                        continue;
                    }
                    if across
                        && (run.iter().all(|&(_, i)| (i as usize) < left)
                            || run.iter().all(|&(_, i)| (i as usize) >= left))
                    {
                        continue;
                    }
                    blocks.push((rule, run[0].0, run.iter().map(|x| x.1).collect()));
                }
                (blocks, skipped)
            })
            .collect();
        let skipped_blocks = per_rule.iter().map(|x| x.1).sum();
        let mut blocks: Vec<Block> = per_rule.into_iter().flat_map(|x| x.0).collect();
        // Big blocks first: threads then finish at about the same time.
        blocks.par_sort_by_key(|(_, _, m)| std::cmp::Reverse(m.len()));
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
