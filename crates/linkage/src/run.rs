//! A whole run: block, compare, train the model on the candidate pairs (EM, with `u` from
//! value frequencies and random pairs), then score every candidate pair again and hand on those
//! above the threshold. Two passes over the candidate pairs instead of keeping them: memory
//! holds the records, the blocking index and a count per comparison pattern, never the pairs.
//! Everything that takes time runs on every core (rayon).
//!
//! The model, and why it is estimated so:
//!
//! - `u` (how often two records of different people agree at a level) is over *all* pairs of
//!   records. The exact level of the ID, the names, the birth date and the sex comes from the
//!   value frequencies, Σ n_v(n_v−1) / n(n−1) (the chance that two records drawn at random share
//!   a value, as Splink's term-frequency tables give), so levels that random pairs almost never
//!   reach still get their real `u`; the address levels come from the frequencies of
//!   subdistricts and villages and, for one household, from random pairs drawn *within* a
//!   village (the house only means something there). The near levels come from random pairs,
//!   bounded by [`Model::bound_near_levels`] so that no near level outweighs the exact one.
//! - `m` by EM on the pairs of the [`TRAINING_RULES`] (national ID, first + last name), each
//!   rule's own fields left out, averaged over the sessions where a field was free. EM starts
//!   from, and is pulled towards, each field's [`crate::compare::Field::prior_m`] (a Dirichlet
//!   prior of `PRIOR_PAIRS` pseudo-pairs): a small list has too few matches to learn `m`.
//! - λ by EM over all candidate pairs with `m` and `u` fixed, then rescaled from "share of the
//!   candidates" to "share of all pairs" (× candidates ÷ all pairs), the pairs `u` is over.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::block::{Index, RULE_FIELDS, TRAINING_RULES};
use crate::compare::{
    ADDRESS, BIRTH, FIELDS, FIRST_NAME, Gamma, HOUSEHOLD, LAST_NAME, N_FIELDS, NATIONAL_ID, SEX,
    compare,
};
use crate::model::{Model, Patterns, Prior, Training};
use crate::record::Record;

/// Settings of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Pairs at or above this match probability are reported.
    pub threshold: f64,
    /// Blocks larger than this are skipped (and counted).
    pub max_block: usize,
    /// Random pairs drawn to estimate `u`.
    pub u_sample: usize,
    /// EM iterations at most.
    pub max_iterations: usize,
    /// Seed of the random pairs (the same input gives the same answer).
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold: 0.9,
            max_block: 2_000,
            u_sample: 1_000_000,
            max_iterations: 100,
            seed: 1,
        }
    }
}

/// Where a run is (for progress bars): stage, done, of.
pub type Progress<'a> = &'a (dyn Fn(&'static str, u64, u64) + Sync);

/// What a run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The trained model.
    pub model: Model,
    /// EM's iterations and last change.
    pub training: Training,
    /// Candidate pairs compared (each twice).
    pub candidates: u64,
    /// Blocks skipped as too large.
    pub skipped_blocks: usize,
    /// Pairs at or above the threshold: (i, j, probability), indexes into the input (for two
    /// lists, `j` counts from the start of the right list).
    pub pairs: Vec<(u32, u32, f32)>,
}

fn levels() -> Vec<usize> {
    FIELDS.iter().map(|f| f.levels.len()).collect()
}

/// Number of distinct comparison patterns: each field's levels and "missing".
/// Pseudo-pairs of the prior on `m` ([`Prior`]): enough to carry a village list, nothing
/// against the hundreds of thousands of matches a province's lists train on.
const PRIOR_PAIRS: f64 = 50.0;

const CODES: usize = {
    let mut n = 1;
    let mut f = 0;
    while f < N_FIELDS {
        n *= FIELDS[f].levels.len() + 1;
        f += 1;
    }
    n
};

const _: () = assert!(
    CODES <= u16::MAX as usize + 1,
    "pattern codes fit in 2 bytes"
);

/// A pattern as one number below [`CODES`] (mixed radix: 0 = missing, level + 1), so that the
/// passes count in a plain array and score by looking up a table.
pub fn code(g: &Gamma) -> usize {
    let mut c = 0;
    for (f, l) in g.iter().enumerate() {
        c = c * (FIELDS[f].levels.len() + 1) + l.map_or(0, |l| l as usize + 1);
    }
    c
}

/// The pattern of a [`code`].
pub fn decode(mut c: usize) -> Gamma {
    let mut g = [None; N_FIELDS];
    for f in (0..N_FIELDS).rev() {
        let radix = FIELDS[f].levels.len() + 1;
        let x = c % radix;
        c /= radix;
        g[f] = x.checked_sub(1).map(|l| l as u8);
    }
    g
}

/// Pattern counts in a dense array indexed by [`code`].
#[derive(Clone)]
struct Tally(Vec<u64>);

impl Tally {
    fn new() -> Self {
        Self(vec![0; CODES])
    }
    fn add(&mut self, other: &Tally) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }
    fn patterns(&self) -> Patterns {
        let mut p = Patterns::default();
        for (c, n) in self.0.iter().enumerate() {
            p.add_n(&decode(c), *n);
        }
        p
    }
}

/// Deduplicate one list.
pub fn dedup(records: &[Record], s: &Settings, progress: Progress) -> Outcome {
    let all: Vec<&Record> = records.iter().collect();
    run(&all, records.len(), false, s, progress)
}

/// Link two lists (pairs across them only).
pub fn link(left: &[Record], right: &[Record], s: &Settings, progress: Progress) -> Outcome {
    let all: Vec<&Record> = left.iter().chain(right.iter()).collect();
    let mut out = run(&all, left.len(), true, s, progress);
    let l = left.len() as u32;
    for p in &mut out.pairs {
        p.1 -= l;
    }
    out
}

/// The pairs a run could compare: every pair of one list, or every pair across two.
fn all_pairs(n: usize, left: usize, across: bool) -> f64 {
    if across {
        left as f64 * (n - left) as f64
    } else {
        n as f64 * (n as f64 - 1.0) / 2.0
    }
}

/// The chance that two records drawn at random (across the lists when `across`), both with a
/// key, share one: Σ n_v(n_v−1) / n(n−1), or Σ n_v·n'_v / n·n' across. A record may give two
/// keys (two surnames); 0 = no key.
fn same_value(keys: &[[u64; 2]], left: usize, across: bool) -> Option<f64> {
    let mut v: Vec<(u64, bool)> = keys
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, k)| {
            let second = (k[1] != k[0]).then_some(k[1]);
            [Some(k[0]), second]
                .into_iter()
                .flatten()
                .filter(|x| *x != 0)
                .map(move |x| (x, across && i >= left))
        })
        .collect();
    let with: Vec<bool> = keys.iter().map(|k| k[0] != 0 || k[1] != 0).collect();
    let n_left = with[..left.min(with.len())].iter().filter(|x| **x).count() as f64;
    let n_all = with.iter().filter(|x| **x).count() as f64;
    v.par_sort_unstable();
    let mut same = 0.0;
    let mut k = 0;
    while k < v.len() {
        let mut e = k;
        let (mut a, mut b) = (0.0f64, 0.0f64);
        while e < v.len() && v[e].0 == v[k].0 {
            if v[e].1 {
                b += 1.0;
            } else {
                a += 1.0;
            }
            e += 1;
        }
        same += if across { a * b } else { a * (a - 1.0) };
        k = e;
    }
    let total = if across {
        n_left * (n_all - n_left)
    } else {
        n_all * (n_all - 1.0)
    };
    (total > 0.0).then(|| same / total)
}

fn hash(x: impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
        .hash_one(x)
        .max(1)
}

/// Records ordered by group, and each record's group as a range of that order.
type Groups<'a> = (&'a [u32], &'a [(u32, u32)]);

/// Random pairs (across the lists when `across`), drawn on every core; the same seed gives the
/// same pairs. `within` picks the second record of each pair from the first one's group
/// (`group[i]` = its members' range in `order`), weighting the pair by the group's size so that
/// every pair of a group is as likely.
fn random_tally(
    all: &[&Record],
    left: usize,
    across: bool,
    draws: usize,
    seed: u64,
    within: Option<Groups>,
) -> (Tally, f64, f64) {
    const CHUNKS: u64 = 64;
    let n = all.len();
    (0..CHUNKS)
        .into_par_iter()
        .map(|c| {
            let mut rng = StdRng::seed_from_u64(seed ^ (c + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut t = Tally::new();
            let (mut weight, mut household) = (0.0, 0.0);
            let share = draws / CHUNKS as usize + usize::from(c < draws as u64 % CHUNKS);
            for _ in 0..share {
                let (i, j) = match within {
                    None if across => (rng.random_range(0..left), rng.random_range(left..n)),
                    None => {
                        let i = rng.random_range(0..n);
                        let mut j = rng.random_range(0..n - 1);
                        if j >= i {
                            j += 1;
                        }
                        (i, j)
                    }
                    Some((order, group)) => {
                        let i = rng.random_range(0..if across { left } else { n });
                        let (lo, hi) = group[i];
                        let members = &order[lo as usize..hi as usize];
                        // Across: the group's right-list members; else anyone but i.
                        let pool: &[u32] = if across {
                            let k = members.partition_point(|x| (*x as usize) < left);
                            &members[k..]
                        } else {
                            members
                        };
                        let choices = if across { pool.len() } else { pool.len() - 1 };
                        if choices == 0 {
                            continue;
                        }
                        let mut k = rng.random_range(0..choices);
                        if !across && pool[k] as usize == i {
                            k = choices;
                        }
                        let w = choices as f64;
                        weight += w;
                        let j = pool[k] as usize;
                        if crate::compare::address_level(all[i], all[j]) == Some(HOUSEHOLD) {
                            household += w;
                        }
                        (i, j)
                    }
                };
                if within.is_none() {
                    t.0[code(&compare(all[i], all[j]))] += 1;
                }
            }
            (t, weight, household)
        })
        .reduce(
            || (Tally::new(), 0.0, 0.0),
            |(mut a, w1, h1), (b, w2, h2)| {
                a.add(&b);
                (a, w1 + w2, h1 + h2)
            },
        )
}

/// `u` of every field and level over all pairs (see the module documentation).
fn estimate_u(all: &[&Record], left: usize, across: bool, s: &Settings) -> Model {
    let mut model = Model::start(&levels());
    let n = all.len();
    if n < 2 || (across && (left == 0 || left == n)) {
        return model;
    }
    let (random, _, _) = random_tally(all, left, across, s.u_sample, s.seed, None);
    model.set_u_from(&random.patterns());

    // Exact levels from the value frequencies.
    let key = |f: &(dyn Fn(&Record) -> [u64; 2] + Sync)| -> Vec<[u64; 2]> {
        all.par_iter().map(|r| f(r)).collect()
    };
    let one = |x: Option<u64>| [x.unwrap_or(0), 0];
    let exact: [(usize, Vec<[u64; 2]>); 5] = [
        (
            NATIONAL_ID,
            key(&|r| one(r.national_id.as_deref().map(hash))),
        ),
        (
            FIRST_NAME,
            key(&|r| one(r.first.as_ref().map(|k| hash(&k.folded)))),
        ),
        (
            LAST_NAME,
            key(&|r| {
                let mut k = [0; 2];
                for (slot, l) in r.last.iter().take(2).enumerate() {
                    k[slot] = hash(&l.folded);
                }
                k
            }),
        ),
        (
            BIRTH,
            key(&|r| {
                one(r.birth.and_then(|b| match (b.month, b.day) {
                    (Some(m), Some(d)) => Some(hash((b.year, m, d))),
                    _ => None,
                }))
            }),
        ),
        (SEX, key(&|r| one(r.sex.map(|x| hash(x as u8))))),
    ];
    for (f, keys) in &exact {
        let top = FIELDS[*f].levels.len() - 1;
        if let Some(p) = same_value(keys, left, across) {
            // Birth: the share of full-date pairs among the pairs with a birth on both sides.
            let p = if *f == BIRTH {
                let with = all.iter().filter(|r| r.birth.is_some()).count() as f64;
                let full = keys.iter().filter(|k| k[0] != 0).count() as f64;
                p * (full * full.max(1.0)) / (with * with.max(1.0)).max(1.0)
            } else {
                p
            };
            model.set_u_level(*f, top, p);
        }
    }

    // The address: subdistrict and village from their frequencies; one household as a share of
    // the pairs of one village, from random pairs drawn within villages.
    let village = key(&|r| one(r.village.as_deref().map(hash)));
    let subdistrict = key(&|r| one(r.village.as_deref().map(|v| hash(&v[..v.len().min(6)]))));
    if let (Some(p_sub), Some(p_vil)) = (
        same_value(&subdistrict, left, across),
        same_value(&village, left, across),
    ) {
        let mut order: Vec<(u64, u32)> = village
            .iter()
            .enumerate()
            .map(|(i, k)| (k[0], i as u32))
            .collect();
        order.par_sort_unstable();
        let mut group = vec![(0u32, 0u32); n];
        let mut k = 0;
        while k < order.len() {
            let mut e = k;
            while e < order.len() && order[e].0 == order[k].0 {
                e += 1;
            }
            for x in &order[k..e] {
                group[x.1 as usize] = (k as u32, e as u32);
            }
            k = e;
        }
        // Records without a village form one group apart: give them no partner.
        for (i, k) in village.iter().enumerate() {
            if k[0] == 0 {
                group[i] = (0, 0);
            }
        }
        let order: Vec<u32> = order.into_iter().map(|x| x.1).collect();
        let (_, weight, household) = random_tally(
            all,
            left,
            across,
            s.u_sample / 2,
            s.seed.wrapping_add(1),
            Some((&order, &group)),
        );
        let share = if weight > 0.0 {
            household / weight
        } else {
            0.0
        };
        let p_house = (p_vil * share).max(1e-12);
        model.u[ADDRESS] = vec![
            (1.0 - p_sub).max(1e-12),
            (p_sub - p_vil).max(1e-12),
            (p_vil - p_house).max(1e-12),
            p_house,
        ];
    }
    model
}

fn run(all: &[&Record], left: usize, across: bool, s: &Settings, progress: Progress) -> Outcome {
    progress("block", 0, 1);
    let index = Index::build(all, left, across, s.max_block);
    progress("block", 1, 1);
    let blocks = index.blocks.len() as u64;

    progress("u", 0, 1);
    let model = estimate_u(all, left, across, s);
    progress("u", 1, 1);

    // Pass 1: compare every candidate pair once; count the patterns of all of them and, for
    // each training rule, of the pairs it blocked with the fields it forced to agree left out;
    // keep each owned pair's pattern code (2 bytes), so that scoring needs no second compare.
    let done = std::sync::atomic::AtomicU64::new(0);
    let sessions = || vec![Tally::new(); TRAINING_RULES.len()];
    type Acc = (Tally, Vec<Tally>, Vec<(u32, Box<[u16]>)>);
    let (patterns, by_rule, coded): Acc = (0..index.blocks.len())
        .into_par_iter()
        .fold(
            || (Tally::new(), sessions(), Vec::new()),
            |(mut all_p, mut by_rule, mut coded), b| {
                let rule = index.blocks[b].0;
                let session = TRAINING_RULES.iter().position(|r| *r == rule);
                let mut codes = Vec::new();
                index.all_pairs(b, |i, j, owned| {
                    let mut g = compare(all[i as usize], all[j as usize]);
                    if owned {
                        let c = code(&g);
                        all_p.0[c] += 1;
                        codes.push(c as u16);
                    }
                    if let Some(k) = session {
                        for f in RULE_FIELDS[rule] {
                            g[*f] = None;
                        }
                        by_rule[k].0[code(&g)] += 1;
                    }
                });
                coded.push((b as u32, codes.into_boxed_slice()));
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if d.is_multiple_of(1024) {
                    progress("compare", d, blocks);
                }
                (all_p, by_rule, coded)
            },
        )
        .reduce(
            || (Tally::new(), sessions(), Vec::new()),
            |(mut a, mut ra, mut ca), (b, rb, mut cb)| {
                a.add(&b);
                for (x, y) in ra.iter_mut().zip(&rb) {
                    x.add(y);
                }
                ca.append(&mut cb);
                (a, ra, ca)
            },
        );
    let mut codes: Vec<Box<[u16]>> = vec![Box::default(); index.blocks.len()];
    for (b, c) in coded {
        codes[b as usize] = c;
    }
    progress("compare", blocks, blocks);
    let patterns = patterns.patterns();
    let candidates = patterns.total();

    // Training: `m` by EM on each training rule's pairs (the rule's own fields left out), `u`
    // fixed; the m of each field averaged over the sessions where it was free; the near levels'
    // `u` bounded; then λ alone over all candidates, rescaled to all pairs.
    progress("train", 0, 1);
    let prior = Prior {
        m: FIELDS.iter().map(|f| f.prior_m.to_vec()).collect(),
        weight: PRIOR_PAIRS,
    };
    let mut model = model;
    model.m.clone_from(&prior.m);
    let mut trained = model.clone();
    let mut counted = vec![0u32; levels().len()];
    let mut iterations = 0;
    for (k, rule) in TRAINING_RULES.iter().enumerate() {
        let session_patterns = by_rule[k].patterns();
        if session_patterns.total() == 0 {
            continue;
        }
        let mut session = model.clone();
        let t = session.train(
            &session_patterns,
            (false, true),
            Some(&prior),
            s.max_iterations,
            1e-6,
        );
        iterations += t.iterations;
        let free: Vec<usize> = (0..levels().len())
            .filter(|f| !RULE_FIELDS[*rule].contains(f))
            .collect();
        trained.take_m(&session, &free, &mut counted);
    }
    let mut model = trained;
    model.bound_near_levels();
    let last = model.train(&patterns, (true, true), None, s.max_iterations, 1e-7);
    let total = all_pairs(all.len(), left, across);
    if total > 0.0 {
        model.lambda = (model.lambda * candidates as f64 / total).clamp(1e-15, 0.5);
    }
    let training = Training {
        iterations: iterations + last.iterations,
        last_change: last.last_change,
    };
    progress("train", 1, 1);

    // Pass 2: each pair's probability from its pattern code; only the blocks with a pair at
    // or above the threshold are walked again (for the pairs' records).
    let table: Vec<f32> = (0..CODES)
        .map(|c| model.probability(&decode(c)) as f32)
        .collect();
    let threshold = s.threshold as f32;
    let mut pairs: Vec<(u32, u32, f32)> = codes
        .par_iter()
        .enumerate()
        .fold(Vec::new, |mut acc, (b, codes)| {
            if codes.iter().any(|c| table[*c as usize] >= threshold) {
                let mut k = 0;
                index.pairs(b, |i, j| {
                    let p = table[codes[k] as usize];
                    k += 1;
                    if p >= threshold {
                        acc.push((i, j, p));
                    }
                });
            }
            acc
        })
        .reduce(Vec::new, |mut a, mut b| {
            a.append(&mut b);
            a
        });
    progress("score", blocks, blocks);
    pairs.par_sort_unstable_by_key(|p| (p.0, p.1));
    Outcome {
        model,
        training,
        candidates,
        skipped_blocks: index.skipped_blocks,
        pairs,
    }
}

/// Clusters from pairs (union–find): `cluster[i]` is the smallest record index of i's cluster.
pub fn clusters(n: usize, pairs: &[(u32, u32, f32)]) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for &(a, b, _) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi as usize] = lo;
        }
    }
    (0..n as u32).map(|i| root(&mut parent, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_codes_are_one_to_one() {
        let mut seen = std::collections::HashSet::new();
        for c in 0..CODES {
            let g = decode(c);
            assert_eq!(code(&g), c);
            for (f, l) in g.iter().enumerate() {
                assert!(l.is_none_or(|l| (l as usize) < FIELDS[f].levels.len()));
            }
            assert!(seen.insert(g));
        }
        assert_eq!(code(&[None; N_FIELDS]), 0);
    }

    #[test]
    fn shared_values_are_counted_over_pairs() {
        // Values a, a, a, b, c and one record without: 3·2 of 5·4 ordered pairs share.
        let k = |x: u64| [x, 0];
        let keys = [k(1), k(1), k(1), k(2), k(3), k(0)];
        let p = same_value(&keys, keys.len(), false).unwrap();
        assert!((p - 6.0 / 20.0).abs() < 1e-12, "{p}");
        // Two surnames: a record shares if either matches, and counts once per value.
        let keys = [[1, 2], [2, 0], [3, 0]];
        let p = same_value(&keys, 3, false).unwrap();
        assert!((p - 2.0 / 6.0).abs() < 1e-12, "{p}");
        // Across two lists: left {1, 1, 2}, right {1, 3}: 2 of 3·2 pairs share.
        let keys = [k(1), k(1), k(2), k(1), k(3)];
        let p = same_value(&keys, 3, true).unwrap();
        assert!((p - 2.0 / 6.0).abs() < 1e-12, "{p}");
        assert_eq!(same_value(&[k(0), k(0)], 2, false), None);
    }

    #[test]
    fn the_prior_is_over_all_pairs() {
        assert_eq!(all_pairs(5, 5, false), 10.0);
        assert_eq!(all_pairs(5, 2, true), 6.0);
    }
}
