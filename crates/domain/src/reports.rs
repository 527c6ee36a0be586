//! Small-count suppression for public dashboards.
//!
//! Public transparency pages show counts of vulnerable persons per area (province → district →
//! subdistrict → village). A count of 1 to 9 could point at a household, so it is shown as
//! "<10" (*primary* suppression); 0 and counts of [`SMALL_COUNT`] or more are shown.
//!
//! Hiding the small cells is not enough: every parent's count is the sum of its children's, so a
//! single hidden cell in a table could be worked out by subtraction. A *group* is a parent with
//! its children (the equation `parent = Σ children`); children with count 0 are shown and known,
//! so they take no part. *Complementary* (secondary) suppression hides more cells until no group
//! has exactly one hidden member. A cell's hidden status is global: an area hidden as a row of its
//! parent's table is also hidden as the total of its own table.
//!
//! The rule, per category column (call [`suppress`] once per column): start with primary
//! suppression, then while some group has exactly one hidden member, hide one more member of it
//! — the shown child with the smallest positive count (ties by code), or the parent when the group
//! has no such child. The hidden set only grows, so this ends.
//!
//! Because the areas form a tree, "no group has exactly one hidden member" is enough to make every
//! hidden cell undeterminable from the shown cells by *linear* equations (the tests check this
//! with exact linear algebra too). It does **not** protect against reasoning with *bounds*: a
//! reader who knows a hidden cell is 1–9 can still pin values in edge cases (a shown parent of 18
//! with two hidden children means both are 9; a shown 10 with ten hidden children means all are
//! 1). Root areas (no parent) are not summed against each other unless a national node is given.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use serde::Serialize;

/// The threshold: counts `1..SMALL_COUNT` are primary-suppressed.
pub const SMALL_COUNT: u64 = 10;

/// One area's count in one category, in a tree.
///
/// `parent` is the index of the parent node in the same slice (`None` for a root). Codes should
/// be unique; they order ties, so the result does not depend on the order of the slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountNode {
    /// The area code (DOPA code for provinces to villages).
    pub code: String,
    /// Index of the parent node in the same slice; `None` for a root.
    pub parent: Option<usize>,
    /// The true count.
    pub count: u64,
}

/// A count as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Published {
    /// The count is shown as is.
    Shown(u64),
    /// The count is hidden (primary: it is 1–9; secondary: it could be any positive count).
    Suppressed,
}

/// Whether a count is primary-suppressed (1 to `SMALL_COUNT - 1`).
const fn is_small(count: u64) -> bool {
    count > 0 && count < SMALL_COUNT
}

/// Decide for every node whether it is hidden. Returns one `Published` per node, same order.
///
/// Nodes may come in any order (a parent may come after its children) and there may be several
/// roots. The sums need not be consistent: the rule only looks at which cells are hidden. The
/// result does not depend on the order of `nodes` (as long as codes are unique).
///
/// # Panics
///
/// If a `parent` index is out of range or the parent links form a cycle.
pub fn suppress(nodes: &[CountNode]) -> Vec<Published> {
    let n = nodes.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, node) in nodes.iter().enumerate() {
        if let Some(p) = node.parent {
            assert!(
                p < n,
                "node {i} ({}) has parent index {p} out of range",
                node.code
            );
            children[p].push(i);
        }
    }
    // Candidates for secondary suppression come first in their group: smallest count, then code.
    for list in &mut children {
        list.sort_by(|&a, &b| {
            (nodes[a].count, &nodes[a].code, a).cmp(&(nodes[b].count, &nodes[b].code, b))
        });
    }

    // Groups are worked in a fixed order that does not depend on the input order: deepest first
    // (settle villages before subdistricts …), then by code.
    let depth = depths(nodes);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        (Reverse(depth[a]), &nodes[a].code, a).cmp(&(Reverse(depth[b]), &nodes[b].code, b))
    });
    let mut rank = vec![0; n];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }

    let mut hidden: Vec<bool> = nodes.iter().map(|node| is_small(node.count)).collect();
    // Ranks of the groups (by parent) to look at; popped smallest first.
    let mut pending: BTreeSet<usize> = (0..n)
        .filter(|&i| !children[i].is_empty())
        .map(|i| rank[i])
        .collect();

    while let Some(r) = pending.pop_first() {
        let p = order[r];
        let members = children[p].iter().filter(|&&c| nodes[c].count > 0);
        let hidden_members =
            usize::from(hidden[p]) + members.clone().filter(|&&c| hidden[c]).count();
        if hidden_members != 1 {
            continue;
        }
        let target = match members.clone().copied().find(|&c| !hidden[c]) {
            Some(c) => c,
            None if !hidden[p] => p,
            // The parent is the only hidden member and it has no positive child: the sums are
            // inconsistent (a positive parent of zeros), there is nothing else to hide.
            None => continue,
        };
        hidden[target] = true;
        if !children[target].is_empty() {
            pending.insert(rank[target]);
        }
        if let Some(q) = nodes[target].parent {
            pending.insert(rank[q]);
        }
    }

    nodes
        .iter()
        .zip(hidden)
        .map(|(node, h)| {
            if h {
                Published::Suppressed
            } else {
                Published::Shown(node.count)
            }
        })
        .collect()
}

/// Depth of every node (roots are 0). Panics on a cycle or an out-of-range parent.
fn depths(nodes: &[CountNode]) -> Vec<usize> {
    let n = nodes.len();
    let mut depth: Vec<Option<usize>> = vec![None; n];
    let mut path = Vec::new();
    for start in 0..n {
        path.clear();
        let mut cur = start;
        let mut d = loop {
            if let Some(d) = depth[cur] {
                break d;
            }
            match nodes[cur].parent {
                None => {
                    depth[cur] = Some(0);
                    break 0;
                }
                Some(p) => {
                    assert!(p < n, "node {cur} has parent index {p} out of range");
                    path.push(cur);
                    assert!(
                        path.len() <= n,
                        "the parent links of the count nodes form a cycle"
                    );
                    cur = p;
                }
            }
        };
        for &i in path.iter().rev() {
            d += 1;
            depth[i] = Some(d);
        }
    }
    depth.into_iter().map(|d| d.unwrap_or(0)).collect()
}

/// The text of a published count: `"<10"` for [`Published::Suppressed`], the number with
/// thousands separators (`"12,345"`) for [`Published::Shown`].
///
/// Note that a secondary-suppressed cell can hold a count of 10 or more, yet reads `"<10"` too.
pub fn published_label(p: Published) -> String {
    match p {
        Published::Suppressed => format!("<{SMALL_COUNT}"),
        Published::Shown(v) => {
            let digits = v.to_string();
            let mut out = String::with_capacity(digits.len() + digits.len() / 3);
            for (i, ch) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push(',');
                }
                out.push(ch);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Published::{Shown, Suppressed};

    fn node(code: &str, parent: Option<usize>, count: u64) -> CountNode {
        CountNode {
            code: code.to_owned(),
            parent,
            count,
        }
    }

    /// The groups: each parent with its children that matter (count > 0).
    fn groups(nodes: &[CountNode]) -> Vec<(usize, Vec<usize>)> {
        (0..nodes.len())
            .filter(|&p| nodes.iter().any(|c| c.parent == Some(p)))
            .map(|p| {
                let kids = (0..nodes.len())
                    .filter(|&c| nodes[c].parent == Some(p) && nodes[c].count > 0)
                    .collect();
                (p, kids)
            })
            .collect()
    }

    /// Whether some hidden value can be worked out from one group's total: exactly one member of
    /// the group (parent or positive child) is hidden.
    fn recoverable(nodes: &[CountNode], published: &[Published]) -> bool {
        groups(nodes).into_iter().any(|(p, kids)| {
            let hidden = std::iter::once(p)
                .chain(kids)
                .filter(|&i| published[i] == Suppressed)
                .count();
            hidden == 1
        })
    }

    /// Hidden cells whose value is determined by the linear system of all group equations (any
    /// combination of them, not only one group at a time). Exact rank over GF(p): the system is a
    /// network matrix (totally unimodular), so its rank over GF(p) equals its rank over ℚ.
    fn determined(nodes: &[CountNode], published: &[Published]) -> Vec<usize> {
        const P: u64 = 1_000_000_007;
        fn pow(mut b: u64, mut e: u64) -> u64 {
            let mut r = 1;
            while e > 0 {
                if e & 1 == 1 {
                    r = r * b % P;
                }
                b = b * b % P;
                e >>= 1;
            }
            r
        }
        let vars: Vec<usize> = (0..nodes.len())
            .filter(|&i| published[i] == Suppressed)
            .collect();
        let col = |i: usize| vars.iter().position(|&v| v == i);
        let m = vars.len();
        // Rows: parent − Σ children, over the hidden cells only (shown cells are constants).
        let mut rows: Vec<Vec<u64>> = Vec::new();
        for (p, kids) in groups(nodes) {
            let mut row = vec![0; m];
            if let Some(c) = col(p) {
                row[c] = 1;
            }
            for k in kids {
                if let Some(c) = col(k) {
                    row[c] = P - 1;
                }
            }
            rows.push(row);
        }
        // Reduced row echelon form.
        let mut basis: Vec<(usize, Vec<u64>)> = Vec::new();
        for mut row in rows {
            for (pc, b) in &basis {
                let f = row[*pc];
                if f != 0 {
                    for j in 0..m {
                        row[j] = (row[j] + (P - f) * b[j]) % P;
                    }
                }
            }
            if let Some(pc) = row.iter().position(|&x| x != 0) {
                let inv = pow(row[pc], P - 2);
                row.iter_mut().for_each(|x| *x = *x * inv % P);
                for (_, b) in &mut basis {
                    let f = b[pc];
                    if f != 0 {
                        for j in 0..m {
                            b[j] = (b[j] + (P - f) * row[j]) % P;
                        }
                    }
                }
                basis.push((pc, row));
            }
        }
        // A cell is determined iff its unit vector lies in the row space.
        (0..m)
            .filter(|&x| {
                let mut v = vec![0; m];
                v[x] = 1;
                for (pc, b) in &basis {
                    let f = v[*pc];
                    if f != 0 {
                        for j in 0..m {
                            v[j] = (v[j] + (P - f) * b[j]) % P;
                        }
                    }
                }
                v.iter().all(|&x| x == 0)
            })
            .map(|x| vars[x])
            .collect()
    }

    fn primary_only(nodes: &[CountNode]) -> Vec<Published> {
        nodes
            .iter()
            .map(|n| {
                if is_small(n.count) {
                    Suppressed
                } else {
                    Shown(n.count)
                }
            })
            .collect()
    }

    #[test]
    fn primary_suppression_hides_one_to_nine() {
        // Four unrelated roots: no groups, so only the primary rule applies.
        let nodes = [
            node("10", None, 0),
            node("11", None, 1),
            node("12", None, 9),
            node("13", None, 10),
        ];
        assert_eq!(
            suppress(&nodes),
            [Shown(0), Suppressed, Suppressed, Shown(10)]
        );
    }

    #[test]
    fn a_lone_small_child_gets_the_smallest_other_positive_child_hidden() {
        // Parent 60 = 4 + 0 + 25 + 13 + 18.
        let nodes = [
            node("55", None, 60),
            node("5501", Some(0), 4),
            node("5502", Some(0), 0),
            node("5503", Some(0), 25),
            node("5504", Some(0), 13),
            node("5505", Some(0), 18),
        ];
        let primary = primary_only(&nodes);
        assert!(
            recoverable(&nodes, &primary),
            "the helper must see 60 − 0 − 25 − 13 − 18 = 4"
        );
        assert_eq!(determined(&nodes, &primary), [1]);

        let published = suppress(&nodes);
        assert_eq!(
            published,
            [
                Shown(60),
                Suppressed,
                Shown(0),
                Shown(25),
                Suppressed,
                Shown(18)
            ],
            "13 is the smallest positive shown child; the zero is never picked"
        );
        assert!(!recoverable(&nodes, &published));
        assert!(determined(&nodes, &published).is_empty());
    }

    #[test]
    fn ties_are_broken_by_code_not_by_position() {
        let nodes = [
            node("55", None, 35),
            node("5503", Some(0), 15),
            node("5501", Some(0), 5),
            node("5502", Some(0), 15),
        ];
        assert_eq!(
            suppress(&nodes),
            [Shown(35), Shown(15), Suppressed, Suppressed]
        );
    }

    #[test]
    fn a_hidden_parent_with_a_single_positive_child_hides_that_child() {
        // 40 = A 3 + B 37, and B 37 = b1 37 + b2 0. A is small; B is the only other child so it is
        // hidden; then B's table would show b1 = 37 = B, so b1 must be hidden too.
        let nodes = [
            node("55", None, 40),
            node("5501", Some(0), 3),
            node("5502", Some(0), 37),
            node("550201", Some(2), 37),
            node("550202", Some(2), 0),
        ];
        let published = suppress(&nodes);
        assert_eq!(
            published,
            [Shown(40), Suppressed, Suppressed, Suppressed, Shown(0)]
        );
        assert!(!recoverable(&nodes, &published));
        assert!(determined(&nodes, &published).is_empty());
    }

    #[test]
    fn with_no_other_positive_child_the_parent_is_hidden_and_that_spreads_upwards() {
        // Inconsistent input: R says 30 but its only child says 3. With no other child to hide,
        // R is hidden; then R's parent group needs a second hidden cell (S), then S's own group.
        let nodes = [
            node("T", None, 100),
            node("R", Some(0), 30),
            node("S", Some(0), 70),
            node("R1", Some(1), 3),
            node("S1", Some(2), 70),
        ];
        let published = suppress(&nodes);
        assert_eq!(
            published,
            [Shown(100), Suppressed, Suppressed, Suppressed, Suppressed]
        );
        assert!(!recoverable(&nodes, &published));
    }

    /// The four-level tree used by the order test (parents before children).
    fn sample_tree() -> Vec<CountNode> {
        vec![
            node("55", None, 61),
            node("5501", Some(0), 48),
            node("5502", Some(0), 13),
            node("550101", Some(1), 30),
            node("550102", Some(1), 18),
            node("550201", Some(2), 13),
            node("55010101", Some(3), 2),
            node("55010102", Some(3), 28),
            node("55010201", Some(4), 11),
            node("55010202", Some(4), 7),
            node("55020101", Some(5), 13),
            node("55020102", Some(5), 0),
            node("56", None, 3),
        ]
    }

    #[test]
    fn scrambled_input_gives_the_same_result() {
        let sorted = sample_tree();
        let expected = suppress(&sorted);
        assert!(!recoverable(&sorted, &expected));
        assert!(
            expected.contains(&Suppressed)
                && expected.iter().filter(|p| **p == Suppressed).count() > 3
        );

        let mut rng = XorShift(0x5eed);
        for _ in 0..50 {
            let perm = rng.permutation(sorted.len());
            let scrambled = permute(&sorted, &perm);
            let got = suppress(&scrambled);
            for (new, &old) in perm.iter().enumerate() {
                assert_eq!(got[new], expected[old], "node {}", sorted[old].code);
            }
        }
        // One fixed order with every child before its parent.
        let reversed: Vec<usize> = (0..sorted.len()).rev().collect();
        let got = suppress(&permute(&sorted, &reversed));
        let back: Vec<Published> = (0..sorted.len()).rev().map(|i| got[i]).collect();
        assert_eq!(back, expected);
    }

    #[test]
    fn labels() {
        assert_eq!(published_label(Suppressed), "<10");
        assert_eq!(published_label(Shown(0)), "0");
        assert_eq!(published_label(Shown(10)), "10");
        assert_eq!(published_label(Shown(999)), "999");
        assert_eq!(published_label(Shown(1_000)), "1,000");
        assert_eq!(published_label(Shown(12_345)), "12,345");
        assert_eq!(published_label(Shown(123_456)), "123,456");
        assert_eq!(published_label(Shown(1_234_567)), "1,234,567");
    }

    #[test]
    #[should_panic(expected = "cycle")]
    fn a_cycle_panics() {
        suppress(&[node("a", Some(1), 5), node("b", Some(0), 5)]);
    }

    /// `perm[new] = old`: the node at `old` in `nodes` goes to `new`, parents remapped.
    fn permute(nodes: &[CountNode], perm: &[usize]) -> Vec<CountNode> {
        let mut new_of = vec![0; perm.len()];
        for (new, &old) in perm.iter().enumerate() {
            new_of[old] = new;
        }
        perm.iter()
            .map(|&old| CountNode {
                parent: nodes[old].parent.map(|p| new_of[p]),
                ..nodes[old].clone()
            })
            .collect()
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        /// Uniform-enough in `lo..=hi`.
        fn range(&mut self, lo: u64, hi: u64) -> u64 {
            lo + self.next() % (hi - lo + 1)
        }

        fn permutation(&mut self, n: usize) -> Vec<usize> {
            let mut v: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                let j = self.range(0, i as u64) as usize;
                v.swap(i, j);
            }
            v
        }
    }

    /// A random 3-level tree (roots → middles → leaves) with consistent sums and many small
    /// leaves, parents listed before their children.
    fn random_tree(rng: &mut XorShift) -> Vec<CountNode> {
        let mut nodes = Vec::new();
        for r in 0..rng.range(1, 3) {
            let root = nodes.len();
            nodes.push(node(&format!("{r:02}"), None, 0));
            for m in 0..rng.range(1, 5) {
                let mid = nodes.len();
                nodes.push(node(&format!("{r:02}{m:02}"), Some(root), 0));
                for l in 0..rng.range(1, 6) {
                    let count = match rng.range(0, 9) {
                        0..=2 => 0,
                        3..=7 => rng.range(1, 9),
                        _ => rng.range(10, 40),
                    };
                    nodes.push(node(&format!("{r:02}{m:02}{l:02}"), Some(mid), count));
                    nodes[mid].count += count;
                    nodes[root].count += count;
                }
            }
        }
        nodes
    }

    #[test]
    fn random_trees_are_protected() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut secondary = 0;
        let mut scrambled_checked = 0;
        for t in 0..500 {
            let nodes = random_tree(&mut rng);
            let published = suppress(&nodes);
            assert_eq!(published.len(), nodes.len());
            for (n, p) in nodes.iter().zip(&published) {
                match p {
                    Shown(v) => {
                        assert_eq!(
                            *v, n.count,
                            "tree {t}: a shown value must be the true count"
                        );
                        assert!(
                            !is_small(n.count),
                            "tree {t}: {} = {} is shown",
                            n.code,
                            n.count
                        );
                    }
                    Suppressed => {
                        assert_ne!(n.count, 0, "tree {t}: a zero was hidden");
                        if !is_small(n.count) {
                            secondary += 1;
                        }
                    }
                }
            }
            for (p, kids) in groups(&nodes) {
                let hidden = std::iter::once(p)
                    .chain(kids)
                    .filter(|&i| published[i] == Suppressed)
                    .count();
                assert_ne!(
                    hidden, 1,
                    "tree {t}: group of {} has exactly one hidden member",
                    nodes[p].code
                );
            }
            assert!(!recoverable(&nodes, &published));
            assert!(
                determined(&nodes, &published).is_empty(),
                "tree {t}: a hidden cell is determined by the sums"
            );

            if t % 10 == 0 {
                let perm = rng.permutation(nodes.len());
                let got = suppress(&permute(&nodes, &perm));
                for (new, &old) in perm.iter().enumerate() {
                    assert_eq!(
                        got[new], published[old],
                        "tree {t}: order changed {}",
                        nodes[old].code
                    );
                }
                scrambled_checked += 1;
            }
        }
        // The generator must actually exercise complementary suppression of large counts.
        assert!(
            secondary > 100,
            "only {secondary} secondary suppressions of counts ≥ 10"
        );
        assert_eq!(scrambled_checked, 50);
    }
}
