//! The relevance suite (docs/search.md, "Relevance suite"): a generated catalog of six
//! stores and a table of shopper queries with the products that must be in the top 3
//! and those that must not be in the top 10. One `check` runs every case, collects every
//! failure, prints a table with precision@3 and nDCG@10 and fails if any case fails.
//!
//! `cargo test -p haat-search --test relevance -- --nocapture`

#[path = "relevance/catalog.rs"]
mod catalog;

use std::fmt::Write as _;

use haat_search::{Change, SearchIndex, SearchRequest};

use catalog::{Catalog, Store};

/// The table of cases (format in its header).
const CASES: &str = include_str!("relevance/cases.txt");
/// Results a case looks at.
const DEPTH: usize = 10;
/// Must-have products are looked for in this many first results.
const TOP: usize = 3;

/// One row of the table.
struct Case {
    line: usize,
    store: Store,
    kind: String,
    /// As the shopper typed it, without the trailing `*`.
    query: String,
    /// The last word is unfinished (the row's query ends in `*`).
    prefix: bool,
    /// Must-have slots: each must be filled by a different one of the top 3.
    must: Vec<Slot>,
    /// The search must find nothing at all.
    nothing: bool,
    /// A product whose name contains one of these (case-insensitive) is relevant too.
    also: Vec<String>,
    /// Names (of any store) that must not be in the top 10.
    never: Vec<String>,
}

/// One must-have product: a name, or interchangeable alternatives (`A / B`), each an
/// exact name or a pattern where `*` stands for any text (`*Biryani*`).
#[derive(Clone, Debug)]
struct Slot(Vec<String>);

impl Slot {
    fn accepts(&self, name: &str) -> bool {
        self.0.iter().any(|pattern| glob(pattern, name))
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0.join(" / "))
    }
}

/// `pattern` matches `name` exactly, or, if it has `*`s, with each standing for any
/// text (case-insensitive).
fn glob(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let (pattern, name) = (pattern.to_lowercase(), name.to_lowercase());
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

fn list(column: &str) -> Vec<String> {
    column
        .split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `A; B / C; 2 of D / *E*`: slot A, slot B-or-C, and two slots D-or-anything-with-E.
fn slots(column: &str) -> Vec<Slot> {
    let mut out = Vec::new();
    for entry in list(column) {
        let (count, alternatives) = match entry.split_once(" of ") {
            Some((count, rest)) if count.parse::<usize>().is_ok() => {
                (count.parse().unwrap_or(1), rest)
            }
            _ => (1, entry.as_str()),
        };
        let slot = Slot(
            alternatives
                .split(" / ")
                .map(|a| a.trim().to_owned())
                .collect(),
        );
        out.extend(std::iter::repeat_n(slot, count));
    }
    out
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(
            (4..=6).contains(&columns.len()),
            "cases.txt:{line_no}: 4 to 6 columns, found {}",
            columns.len()
        );
        let column = |n: usize| columns.get(n).copied().unwrap_or_default();
        let store = Store::parse(column(0))
            .unwrap_or_else(|| panic!("cases.txt:{line_no}: unknown store {:?}", column(0)));
        let (query, prefix) = match column(2).strip_suffix('*') {
            Some(query) => (query.to_owned(), true),
            None => (column(2).to_owned(), false),
        };
        let nothing = column(3) == "nothing";
        cases.push(Case {
            line: line_no,
            store,
            kind: column(1).to_owned(),
            query,
            prefix,
            must: if nothing {
                Vec::new()
            } else {
                slots(column(3))
            },
            nothing,
            also: list(column(4)),
            never: list(column(5)),
        });
    }
    cases
}

/// The most slots that different products of `top` can fill.
fn filled(slots: &[Slot], top: &[&str], used: &mut Vec<bool>) -> usize {
    let Some((slot, rest)) = slots.split_first() else {
        return 0;
    };
    let mut best = filled(rest, top, used);
    for (i, name) in top.iter().enumerate() {
        if !used[i] && slot.accepts(name) {
            used[i] = true;
            best = best.max(1 + filled(rest, top, used));
            used[i] = false;
        }
    }
    best
}

/// What one case measured.
struct Outcome {
    /// `None` for a case with no must-have products (a negative case).
    precision: Option<f64>,
    ndcg: Option<f64>,
    failures: Vec<String>,
    found: Vec<String>,
}

/// Relevance of a result: 2 must-have, 1 also relevant, 0 otherwise (and always 0 for
/// a product the case says must not be in the top 10).
fn grade(case: &Case, name: &str) -> u32 {
    if case.never.iter().any(|never| never == name) {
        0
    } else if case.must.iter().any(|slot| slot.accepts(name)) {
        2
    } else if contains_any(name, &case.also) {
        1
    } else {
        0
    }
}

fn contains_any(name: &str, patterns: &[String]) -> bool {
    let name = name.to_lowercase();
    patterns
        .iter()
        .any(|pattern| name.contains(&pattern.to_lowercase()))
}

/// DCG with linear gain: sum of rel_i / log2(i + 1), i from 1.
fn dcg(grades: impl IntoIterator<Item = u32>) -> f64 {
    grades
        .into_iter()
        .enumerate()
        .map(|(i, rel)| f64::from(rel) / ((i + 2) as f64).log2())
        .fold(0.0, |sum, gain| sum + gain)
}

fn run(index: &SearchIndex, catalog: &Catalog, case: &Case) -> Outcome {
    let mut failures = Vec::new();
    // The table itself: every must-have alternative names a product of the case's
    // store, every never-name a product of some store.
    for alternative in case.must.iter().flat_map(|slot| &slot.0) {
        if !catalog
            .in_store(case.store)
            .any(|p| glob(alternative, &p.name))
        {
            failures.push(format!(
                "table: no product {alternative:?} in {}",
                case.store.key()
            ));
        }
    }
    for name in &case.never {
        if !Store::ALL.iter().any(|&s| catalog.find(s, name).is_some()) {
            failures.push(format!("table: no product {name:?} in any store"));
        }
    }
    if case.must.len() > TOP {
        failures.push(format!("table: more than {TOP} must-have slots"));
    }

    let results = index
        .search(&SearchRequest {
            store_id: case.store.id(),
            text: &case.query,
            prefix_last: case.prefix,
            limit: DEPTH,
            ..SearchRequest::default()
        })
        .unwrap_or_else(|error| panic!("cases.txt:{}: {error}", case.line));
    let found: Vec<String> = results.hits.iter().map(|hit| hit.name.clone()).collect();

    // Every hit is the store's own.
    for hit in &results.hits {
        let store = catalog.store_of.get(&hit.product_id);
        if store != Some(&case.store) {
            failures.push(format!("{:?} is from {:?}", hit.name, store));
        }
    }
    if case.nothing && !found.is_empty() {
        failures.push(format!("expected nothing, found {}", found.len()));
    }
    let top: Vec<&str> = found.iter().take(TOP).map(String::as_str).collect();
    let filled = filled(&case.must, &top, &mut vec![false; top.len()]);
    if filled < case.must.len() {
        failures.push(format!(
            "the top {TOP} fill {filled} of {} must-have slots",
            case.must.len()
        ));
        for slot in &case.must {
            if !top.iter().any(|name| slot.accepts(name)) {
                let at = found.iter().position(|name| slot.accepts(name));
                failures.push(match at {
                    Some(at) => format!("{slot}: first at {}", at + 1),
                    None => format!("{slot}: not in the top {DEPTH}"),
                });
            }
        }
    }
    for name in &case.never {
        if let Some(at) = found.iter().position(|f| f == name) {
            failures.push(format!(
                "{name:?} at {} (must not be in the top {DEPTH})",
                at + 1
            ));
        }
    }

    let (precision, ndcg) = if case.must.is_empty() {
        (None, None)
    } else {
        let precision = filled as f64 / case.must.len() as f64;
        let actual = dcg(found.iter().map(|name| grade(case, name)));
        // The ideal: the store's products in order of their grade.
        let mut grades: Vec<u32> = catalog
            .in_store(case.store)
            .map(|p| grade(case, &p.name))
            .collect();
        grades.sort_unstable_by(|a, b| b.cmp(a));
        grades.truncate(DEPTH);
        (Some(precision), Some(actual / dcg(grades)))
    };
    Outcome {
        precision,
        ndcg,
        failures,
        found,
    }
}

fn mean(values: impl Iterator<Item = f64>) -> (f64, usize) {
    let (sum, n) = values.fold((0.0, 0), |(sum, n), v| (sum + v, n + 1));
    (if n == 0 { f64::NAN } else { sum / n as f64 }, n)
}

fn check(index: &SearchIndex, catalog: &Catalog, cases: &[Case]) {
    let outcomes: Vec<Outcome> = cases.iter().map(|case| run(index, catalog, case)).collect();

    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:>4}  {:<11}  {:<9}  {:<36}  {:>4}  {:>7}  result",
        "line", "store", "kind", "query", "P@3", "nDCG@10"
    );
    for (case, outcome) in cases.iter().zip(&outcomes) {
        let metric = |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{v:.2}"));
        let query = format!("{}{}", case.query, if case.prefix { "*" } else { "" });
        let _ = writeln!(
            table,
            "{:>4}  {:<11}  {:<9}  {:<36}  {:>4}  {:>7}  {}",
            case.line,
            case.store.key(),
            case.kind,
            query,
            metric(outcome.precision),
            metric(outcome.ndcg),
            if outcome.failures.is_empty() {
                "ok"
            } else {
                "FAIL"
            }
        );
    }

    let mut kinds: Vec<&str> = Vec::new();
    for case in cases {
        if !kinds.contains(&case.kind.as_str()) {
            kinds.push(&case.kind);
        }
    }
    let _ = writeln!(table, "\nby kind:");
    for kind in kinds {
        let of_kind = || {
            cases
                .iter()
                .zip(&outcomes)
                .filter(move |(case, _)| case.kind == kind)
        };
        let metric = |value: (f64, usize)| match value {
            (_, 0) => "    -".to_owned(),
            (mean, _) => format!("{mean:.3}"),
        };
        let precision = metric(mean(of_kind().filter_map(|(_, o)| o.precision)));
        let ndcg = metric(mean(of_kind().filter_map(|(_, o)| o.ndcg)));
        let failed = of_kind().filter(|(_, o)| !o.failures.is_empty()).count();
        let _ = writeln!(
            table,
            "  {kind:<9} {:>3} cases  P@3 {precision}  nDCG@10 {ndcg}  failed {failed}",
            of_kind().count()
        );
    }

    let (precision, scored) = mean(outcomes.iter().filter_map(|o| o.precision));
    let (ndcg, _) = mean(outcomes.iter().filter_map(|o| o.ndcg));
    let failed: Vec<(&Case, &Outcome)> = cases
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| !o.failures.is_empty())
        .collect();
    let _ = writeln!(
        table,
        "\nproducts {}  stores {}  cases {} ({} scored, {} negative)",
        catalog.products.len(),
        Store::ALL.len(),
        cases.len(),
        scored,
        cases.len() - scored
    );
    let _ = writeln!(
        table,
        "precision@3 {precision:.3}  nDCG@10 {ndcg:.3}  passed {}/{}",
        cases.len() - failed.len(),
        cases.len()
    );
    for (case, outcome) in &failed {
        let _ = writeln!(
            table,
            "\nFAIL cases.txt:{} {} {:?}{}",
            case.line,
            case.store.key(),
            case.query,
            if case.prefix { " (prefix)" } else { "" }
        );
        for failure in &outcome.failures {
            let _ = writeln!(table, "  - {failure}");
        }
        for (i, name) in outcome.found.iter().enumerate() {
            let stock = catalog.find(case.store, name).map_or("", |p| {
                if p.in_stock {
                    ""
                } else {
                    "  [out of stock]"
                }
            });
            let _ = writeln!(table, "    {:>2}. {name}{stock}", i + 1);
        }
    }
    println!("{table}");
    assert!(
        failed.is_empty(),
        "{} of {} relevance cases failed (see the table above)",
        failed.len(),
        cases.len()
    );
}

/// The generated catalog, indexed (the directory lives as long as the index is used).
fn indexed() -> (tempfile::TempDir, SearchIndex, Catalog) {
    let catalog = catalog::generate();
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let changes: Vec<Change> = catalog
        .products
        .iter()
        .cloned()
        .map(Change::Upsert)
        .collect();
    index.apply(&changes, 1).unwrap();
    assert_eq!(index.len(), catalog.products.len() as u64);
    (dir, index, catalog)
}

#[test]
fn relevance() {
    let (_dir, index, catalog) = indexed();
    let cases = parse_cases(CASES);
    assert!(cases.len() >= 100, "the suite has {} cases", cases.len());
    check(&index, &catalog, &cases);
}
