//! Array consistency: may one value per field be chosen without mixing array elements?
//!
//! Every value of an event carries its *positions*: for each array on the way down to it, the
//! array (an id unique within the event) and the element it sits in. The array a plain value
//! sits in directly is left out, as AWS's engine leaves it out: only objects and arrays are
//! tied to their element. Values are consistent when no array appears in both with different
//! elements.
//!
//! Two procedures decide whether a branch of a pattern can be satisfied:
//!
//! * [`satisfiable`] is exact for every pattern, `exists: false` included: fields in path
//!   order, with absence judged against the elements already fixed (AWS's rule). It backtracks,
//!   but a choice matters to later fields only through the arrays their values pass through, so
//!   choices that look alike there are tried once and failed states are remembered.
//! * [`covers`] handles the common case — every field needs a value — in time linear in the
//!   number of candidate values: it folds the tree of array elements bottom-up, keeping for each
//!   element the maximal sets of fields its subtree can satisfy together (a field set is a bit
//!   mask). An array offers the sets of any one of its elements; an element offers its own
//!   values combined with one set from each array inside it.

use std::collections::HashSet;

/// The positions of one value: `(array, element)` pairs, outermost first.
pub type Positions<'a> = &'a [(u32, u32)];

/// What one field of a branch offers to the search.
#[derive(Clone, Debug, Default)]
pub struct FieldOptions<'a> {
    /// The positions of the values that satisfy the field's matchers.
    pub matching: Vec<Positions<'a>>,
    /// Whether the field is also satisfied by absence (`exists: false`).
    pub accepts_absence: bool,
    /// The positions of every value at the field's path (consulted for absence).
    pub present: Vec<Positions<'a>>,
}

/// Whether one value can be chosen per field, in order, without mixing array elements; a field
/// accepting absence may instead have no value consistent with the choices before it.
///
/// `steps` counts the work done: one per value examined and per state of the search.
pub fn satisfiable(fields: &[FieldOptions<'_>], steps: &mut u64) -> bool {
    let mut relevant = vec![HashSet::new(); fields.len() + 1];
    for i in (0..fields.len()).rev() {
        let mut arrays = relevant[i + 1].clone();
        for p in fields[i].matching.iter().chain(&fields[i].present) {
            arrays.extend(p.iter().map(|&(array, _)| array));
        }
        relevant[i] = arrays;
    }
    // Sorted by position, the values of one element form a run and the values under one
    // array a run of runs: the values that fit the elements fixed so far are found by
    // descending into the fixed element of each array rather than by testing every value.
    let matching = fields.iter().map(|f| sorted(&f.matching)).collect();
    let present = fields.iter().map(|f| sorted(&f.present)).collect();
    let mut search = Search {
        fields,
        matching,
        present,
        relevant,
        fixed: Vec::new(),
        failed: HashSet::new(),
        steps: 0,
    };
    let found = search.satisfy(0);
    *steps += search.steps;
    found
}

fn sorted<'a>(values: &[Positions<'a>]) -> Vec<Positions<'a>> {
    let mut values = values.to_vec();
    values.sort_unstable();
    values.dedup();
    values
}

struct Search<'f, 'a> {
    fields: &'f [FieldOptions<'a>],
    /// Each field's matching values, sorted by position.
    matching: Vec<Vec<Positions<'a>>>,
    /// Each field's present values, sorted by position.
    present: Vec<Vec<Positions<'a>>>,
    /// `relevant[i]`: the arrays that values of fields `i..` pass through. A choice matters to
    /// the fields after it only through these.
    relevant: Vec<HashSet<u32>>,
    /// Elements fixed by the values chosen so far.
    fixed: Vec<(u32, u32)>,
    /// States known to fail: (field, fixed elements that matter from there on).
    failed: HashSet<(usize, Vec<(u32, u32)>)>,
    /// Work done: states entered and values examined.
    steps: u64,
}

/// Calls `visit` with every value of `values` (sorted, all sharing their first `depth`
/// positions) that fits the `fixed` elements, until it returns `true`; returns whether it did.
fn any_fitting<'a>(
    values: &[Positions<'a>],
    depth: usize,
    fixed: &[(u32, u32)],
    visit: &mut dyn FnMut(Positions<'a>) -> bool,
) -> bool {
    let mut i = 0;
    while i < values.len() && values[i].len() == depth {
        if visit(values[i]) {
            return true;
        }
        i += 1;
    }
    while i < values.len() {
        let array = values[i][depth].0;
        let end = i + values[i..].partition_point(|v| v[depth].0 == array);
        let under = &values[i..end];
        if let Some(&(_, element)) = fixed.iter().find(|&&(a, _)| a == array) {
            let lo = under.partition_point(|v| v[depth].1 < element);
            let hi = lo + under[lo..].partition_point(|v| v[depth].1 == element);
            if any_fitting(&under[lo..hi], depth + 1, fixed, visit) {
                return true;
            }
        } else {
            let mut k = 0;
            while k < under.len() {
                let element = under[k][depth].1;
                let stop = k + under[k..].partition_point(|v| v[depth].1 == element);
                if any_fitting(&under[k..stop], depth + 1, fixed, visit) {
                    return true;
                }
                k = stop;
            }
        }
        i = end;
    }
    false
}

impl Search<'_, '_> {
    fn projection(&self, positions: Positions<'_>, from: usize) -> Vec<(u32, u32)> {
        let mut p: Vec<(u32, u32)> = positions
            .iter()
            .copied()
            .filter(|(array, _)| self.relevant[from].contains(array))
            .collect();
        p.sort_unstable();
        p.dedup();
        p
    }

    fn satisfy(&mut self, i: usize) -> bool {
        let Some(field) = self.fields.get(i) else {
            return true;
        };
        self.steps += 1;
        let key = (i, self.projection(&self.fixed, i));
        if self.failed.contains(&key) {
            return false;
        }
        if field.accepts_absence
            && !any_fitting(&self.present[i], 0, &self.fixed, &mut |_| true)
            && self.satisfy(i + 1)
        {
            return true;
        }
        // The values that fit, collected first because the search below changes `fixed`.
        let mut fitting = Vec::new();
        let values = std::mem::take(&mut self.matching[i]);
        any_fitting(&values, 0, &self.fixed, &mut |p| {
            fitting.push(p);
            false
        });
        self.matching[i] = values;
        self.steps += fitting.len() as u64;
        // Values that look alike to the later fields lead to the same outcome: try each once.
        let mut tried: HashSet<Vec<(u32, u32)>> = HashSet::new();
        for positions in fitting {
            if !tried.insert(self.projection(positions, i + 1)) {
                continue;
            }
            let mark = self.fixed.len();
            self.fixed.extend_from_slice(positions);
            let found = self.satisfy(i + 1);
            self.fixed.truncate(mark);
            if found {
                return true;
            }
        }
        self.failed.insert(key);
        false
    }
}

/// Whether two values can be used together: wherever they sit in the same array, they sit in
/// the same element of it. (Arrays nest, so shared arrays form a common prefix of the two
/// position lists.)
pub fn compatible(a: Positions<'_>, b: Positions<'_>) -> bool {
    a.iter()
        .zip(b)
        .take_while(|(x, y)| x.0 == y.0)
        .all(|(x, y)| x.1 == y.1)
}

/// Whether the candidate values, each satisfying the fields in its bit mask, cover `all`
/// without mixing array elements. Sorts `hits` by position. `steps` counts the work done: one
/// per value and per set combined.
pub fn covers(hits: &mut [(u64, Positions<'_>)], all: u64, steps: &mut u64) -> bool {
    hits.sort_unstable_by(|a, b| a.1.cmp(b.1));
    let mut family = Vec::new();
    element_family(hits, 0, &mut family, steps);
    family.iter().any(|&set| set & all == all)
}

/// Adds `set` to an antichain of maximal sets.
fn insert_maximal(family: &mut Vec<u64>, set: u64) {
    if family.iter().any(|&f| f & set == set) {
        return;
    }
    family.retain(|&f| f & set != f);
    family.push(set);
}

/// The maximal field sets satisfiable within one element, given the values under it (sorted by
/// position, all sharing their first `depth` positions).
fn element_family(
    hits: &[(u64, Positions<'_>)],
    depth: usize,
    out: &mut Vec<u64>,
    steps: &mut u64,
) {
    *steps += 1;
    let mut i = 0;
    let mut direct = 0u64;
    // A prefix sorts before its extensions: values directly in this element come first.
    while i < hits.len() && hits[i].1.len() == depth {
        *steps += 1;
        direct |= hits[i].0;
        i += 1;
    }
    let mut family = vec![direct];
    while i < hits.len() {
        let array = hits[i].1[depth].0;
        let end = i + hits[i..].partition_point(|h| h.1[depth].0 == array);
        // An array offers what any one of its elements offers.
        let mut offered = Vec::new();
        let mut k = i;
        while k < end {
            let element = hits[k].1[depth].1;
            let stop = k + hits[k..end].partition_point(|h| h.1[depth].1 == element);
            let mut inner = Vec::new();
            element_family(&hits[k..stop], depth + 1, &mut inner, steps);
            for set in inner {
                insert_maximal(&mut offered, set);
            }
            k = stop;
        }
        let mut combined = Vec::new();
        for &a in &family {
            for &b in &offered {
                *steps += 1;
                insert_maximal(&mut combined, a | b);
            }
        }
        family = combined;
        i = end;
    }
    *out = family;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatible_positions() {
        // items[0].sku and items[0].qty; items[0].sku and items[1].qty.
        assert!(compatible(&[(0, 0)], &[(0, 0)]));
        assert!(!compatible(&[(0, 0)], &[(0, 1)]));
        // A value outside every array goes with anything.
        assert!(compatible(&[], &[(0, 1)]));
    }

    #[test]
    fn covers_respects_elements() {
        // Fields a (bit 1) and b (bit 2) in one array of two elements.
        let e0: &[(u32, u32)] = &[(0, 0)];
        let e1: &[(u32, u32)] = &[(0, 1)];
        assert!(!covers(&mut [(1, e0), (2, e1)], 3, &mut 0));
        assert!(covers(&mut [(1, e0), (2, e1), (2, e0)], 3, &mut 0));
        // A value outside any array combines with any element.
        assert!(covers(&mut [(1, e0), (2, &[])], 3, &mut 0));
        // Independent arrays combine freely.
        let f0: &[(u32, u32)] = &[(1, 5)];
        assert!(covers(&mut [(1, e0), (2, f0)], 3, &mut 0));
        // Nested: outer element 0 holds inner array 2 with elements 0 and 1.
        let n00: &[(u32, u32)] = &[(0, 0), (2, 0)];
        let n01: &[(u32, u32)] = &[(0, 0), (2, 1)];
        assert!(!covers(&mut [(1, n00), (2, n01)], 3, &mut 0));
        assert!(covers(&mut [(1, n00), (2, n00)], 3, &mut 0));
    }

    #[test]
    fn covers_is_linear_in_practice() {
        // Half the elements have only a, half only b: no match, and no quadratic pairing.
        let positions: Vec<[(u32, u32); 1]> = (0..200_000).map(|i| [(0, i)]).collect();
        let mut hits: Vec<(u64, Positions<'_>)> = positions
            .iter()
            .enumerate()
            .map(|(i, p)| (if i % 2 == 0 { 1 } else { 2 }, &p[..]))
            .collect();
        let mut steps = 0;
        assert!(!covers(&mut hits, 3, &mut steps));
        // A value, an element and a combination each: a quadratic pairing would take 10^10.
        assert!(steps <= 4 * 200_000, "{steps} steps");
    }

    #[test]
    fn absence_is_judged_against_fixed_elements() {
        let e0: &[(u32, u32)] = &[(0, 0)];
        let e1: &[(u32, u32)] = &[(0, 1)];
        // Field 0 needs a value (in element 1); field 1 accepts absence, present in element 0.
        let fields = [
            FieldOptions {
                matching: vec![e1],
                ..Default::default()
            },
            FieldOptions {
                matching: vec![],
                accepts_absence: true,
                present: vec![e0],
            },
        ];
        assert!(satisfiable(&fields, &mut 0));
        let fields = [
            FieldOptions {
                matching: vec![],
                accepts_absence: true,
                present: vec![e0],
            },
            FieldOptions {
                matching: vec![e1],
                ..Default::default()
            },
        ];
        assert!(!satisfiable(&fields, &mut 0));
    }
}
