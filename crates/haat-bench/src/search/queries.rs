//! The query set: deterministic shopper queries of seven kinds, each paired with a store
//! and made from one of that store's own products, so every engine gets the very same
//! (store, text) pairs.
//!
//! Stores are chosen half the time in proportion to their size (a random product's
//! store: the big stores get their share) and half the time uniformly (a random store:
//! the long tail of small ones).

use std::collections::HashMap;

use uuid::Uuid;

use super::catalog::{products_of, Catalog, Product, SplitMix64};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueryKind {
    OneWord,
    TwoWords,
    BrandModel,
    Typo,
    Plural,
    Synonym,
    Prefix,
}

impl QueryKind {
    pub const ALL: [QueryKind; 7] = [
        QueryKind::OneWord,
        QueryKind::TwoWords,
        QueryKind::BrandModel,
        QueryKind::Typo,
        QueryKind::Plural,
        QueryKind::Synonym,
        QueryKind::Prefix,
    ];

    pub fn label(self) -> &'static str {
        match self {
            QueryKind::OneWord => "one word",
            QueryKind::TwoWords => "two words",
            QueryKind::BrandModel => "brand + model",
            QueryKind::Typo => "typo",
            QueryKind::Plural => "plural/singular",
            QueryKind::Synonym => "Hinglish/synonym",
            QueryKind::Prefix => "prefix",
        }
    }

    /// How a query of this kind is made from its product.
    pub fn how(self) -> &'static str {
        match self {
            QueryKind::OneWord => "the item's word (`atta`, `kurta`)",
            QueryKind::TwoWords => "a variant or brand word + the item's word",
            QueryKind::BrandModel => {
                "brand + first word of the model (a dish's name for a restaurant)"
            }
            QueryKind::Typo => "the name's longest word with two inner letters swapped",
            QueryKind::Plural => "the item's word in the other number (`kurtas` for Kurta)",
            QueryKind::Synonym => {
                "the Hinglish or other synonym (`cheeni` for sugar); 30% of names use it"
            }
            QueryKind::Prefix => "the first 4 letters of the name's longest word",
        }
    }
}

/// One query of the set.
#[derive(Clone, Debug)]
pub struct Query {
    pub store: usize,
    pub store_id: Uuid,
    pub slug: String,
    pub kind: QueryKind,
    pub text: String,
    /// Whether the store was drawn by size (else uniformly).
    pub by_size: bool,
}

impl Query {
    /// The words for `ILIKE`: every one must appear in the name or the description.
    pub fn words(&self) -> Vec<String> {
        self.text.split_whitespace().map(str::to_owned).collect()
    }
}

/// `count` queries over `catalog`, the same every time.
pub fn query_set(catalog: &Catalog, count: usize) -> Vec<Query> {
    let mut rng = SplitMix64::new(0x0051_EA2C_4E55_0005);
    let mut cumulative = Vec::with_capacity(catalog.stores.len());
    let mut total = 0usize;
    for store in &catalog.stores {
        total += store.products;
        cumulative.push(total);
    }
    let mut products: HashMap<usize, Vec<Product>> = HashMap::new();
    let mut queries = Vec::with_capacity(count);
    for n in 0..count {
        let kind = QueryKind::ALL[n % QueryKind::ALL.len()];
        let by_size = rng.chance(0.5);
        let store = if by_size {
            let target = rng.below(total.max(1));
            cumulative.partition_point(|&end| end <= target)
        } else {
            rng.below(catalog.stores.len())
        };
        let plan = &catalog.stores[store];
        let items = products.entry(store).or_insert_with(|| products_of(plan));
        if items.is_empty() {
            continue;
        }
        // An active product (hidden ones are not searchable anywhere); for the plural
        // kind, one whose word has another number, if the store has one.
        let wanted = |p: &Product| {
            p.active && (kind != QueryKind::Plural || !p.parts.other_number.is_empty())
        };
        let mut product = &items[rng.below(items.len())];
        for _ in 0..40 {
            if wanted(product) {
                break;
            }
            product = &items[rng.below(items.len())];
        }
        queries.push(Query {
            store,
            store_id: plan.id,
            slug: plan.slug.clone(),
            kind,
            text: text(kind, product, &mut rng),
            by_size,
        });
    }
    queries
}

fn words_of(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A word of at least three letters, without digits or apostrophes.
fn plain(word: &str) -> bool {
    word.chars().count() >= 3 && word.chars().all(char::is_alphabetic)
}

fn text(kind: QueryKind, product: &Product, rng: &mut SplitMix64) -> String {
    let parts = &product.parts;
    let name_words = words_of(&product.name);
    let longest = name_words
        .iter()
        .filter(|w| plain(w))
        .max_by_key(|w| w.chars().count())
        .cloned()
        .unwrap_or_else(|| parts.word.to_owned());
    match kind {
        QueryKind::OneWord => parts.word.to_owned(),
        QueryKind::TwoWords => {
            let qualifier = words_of(parts.variant)
                .into_iter()
                .find(|w| plain(w))
                .or_else(|| words_of(parts.brand).into_iter().find(|w| plain(w)))
                .unwrap_or_default();
            format!("{qualifier} {}", parts.word).trim().to_owned()
        }
        QueryKind::BrandModel => {
            let model = words_of(parts.model).into_iter().next();
            match (parts.brand.is_empty(), model) {
                (false, Some(model)) => format!("{} {model}", parts.brand.to_lowercase()),
                (false, None) => format!("{} {}", parts.brand.to_lowercase(), parts.word),
                // A restaurant's dishes have no brand: the dish's name.
                (true, _) => name_words
                    .iter()
                    .filter(|w| plain(w))
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        }
        QueryKind::Typo => typo(&longest, rng),
        QueryKind::Plural => {
            if parts.other_number.is_empty() {
                format!("{}s", parts.word)
            } else {
                parts.other_number.to_owned()
            }
        }
        QueryKind::Synonym => parts.synonym.to_owned(),
        QueryKind::Prefix => longest.chars().take(4).collect(),
    }
}

/// Two adjacent letters inside the word swapped (a transposition, one edit).
fn typo(word: &str, rng: &mut SplitMix64) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 {
        return word.to_owned();
    }
    let start = 1 + rng.below(chars.len() - 2);
    for offset in 0..chars.len() - 2 {
        let at = 1 + (start - 1 + offset) % (chars.len() - 2);
        if chars[at] != chars[at + 1] {
            chars.swap(at, at + 1);
            break;
        }
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_is_deterministic_and_covers_every_kind() {
        let catalog = Catalog::plan(50, 3_000);
        let once = query_set(&catalog, 140);
        let again = query_set(&catalog, 140);
        assert_eq!(once.len(), 140);
        assert!(once
            .iter()
            .zip(&again)
            .all(|(a, b)| a.text == b.text && a.store == b.store));
        for kind in QueryKind::ALL {
            assert_eq!(once.iter().filter(|q| q.kind == kind).count(), 20);
        }
        assert!(once.iter().all(|q| !q.text.trim().is_empty()));
    }

    #[test]
    fn a_typo_swaps_two_inner_letters() {
        let mut rng = SplitMix64::new(1);
        let typo = typo("basmati", &mut rng);
        assert_ne!(typo, "basmati");
        assert_eq!(typo.len(), 7);
        assert!(typo.starts_with('b') && typo.ends_with('i'));
    }
}
