//! The search index against small catalogs of two stores: what shoppers find, in what
//! order, and what they never see.

use haat_search::{Change, ProductDoc, SearchIndex, SearchRequest, Sort, Synonyms};
use uuid::Uuid;

struct Catalog {
    _dir: tempfile::TempDir,
    index: SearchIndex,
    shoes: Uuid,
    grocer: Uuid,
    running: Uuid,
}

fn product(store: Uuid, name: &str, category: Option<(Uuid, &str)>, price: u64) -> ProductDoc {
    ProductDoc {
        id: Uuid::now_v7(),
        store_id: store,
        name: name.to_owned(),
        description: String::new(),
        category_id: category.map(|(id, _)| id),
        category: category.map(|(_, name)| name.to_owned()),
        price_minor: price,
        in_stock: true,
        popularity: 0,
        created: 1_700_000_000,
    }
}

fn catalog() -> (Catalog, Vec<ProductDoc>) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let shoes = Uuid::now_v7();
    let grocer = Uuid::now_v7();
    let running = Uuid::now_v7();
    let casual = Uuid::now_v7();
    let staples = Uuid::now_v7();
    let mut products = vec![
        product(
            shoes,
            "Nike Pegasus 40 Running Shoes",
            Some((running, "Running")),
            899_900,
        ),
        product(
            shoes,
            "Asics Gel Kayano Trainers",
            Some((running, "Running")),
            1_199_900,
        ),
        product(
            shoes,
            "Canvas Sneakers White",
            Some((casual, "Casual")),
            149_900,
        ),
        product(shoes, "Leather Belt", None, 49_900),
        product(
            shoes,
            "Cotton T-Shirt Black",
            Some((casual, "Casual")),
            39_900,
        ),
        product(
            grocer,
            "Aashirvaad Whole Wheat Atta 5kg",
            Some((staples, "Staples")),
            28_500,
        ),
        product(grocer, "Sugar 1kg", Some((staples, "Staples")), 4_800),
        product(
            grocer,
            "Basmati Chawal 1kg",
            Some((staples, "Staples")),
            12_000,
        ),
        // The grocer sells a running shoe too: the shoe store must never see it.
        product(grocer, "Running Shoes Budget", None, 59_900),
    ];
    products[3].description = "Goes with running shoes and sneakers".into();
    let changes: Vec<Change> = products.iter().cloned().map(Change::Upsert).collect();
    index.apply(&changes, 7).unwrap();
    (
        Catalog {
            _dir: dir,
            index,
            shoes,
            grocer,
            running,
        },
        products,
    )
}

fn names(catalog: &Catalog, store: Uuid, text: &str) -> Vec<String> {
    search(catalog, store, text, Sort::Relevance)
}

fn search(catalog: &Catalog, store: Uuid, text: &str, sort: Sort) -> Vec<String> {
    catalog
        .index
        .search(&SearchRequest {
            store_id: store,
            text,
            limit: 10,
            sort,
            ..SearchRequest::default()
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.name)
        .collect()
}

/// The first result for `text` in `store` is `expected`.
fn check_top(catalog: &Catalog, store: Uuid, text: &str, expected: &str) {
    let found = names(catalog, store, text);
    assert_eq!(
        found.first().map(String::as_str),
        Some(expected),
        "{text:?} found {found:?}"
    );
}

#[test]
fn shoppers_find_products_by_stem_typo_prefix_synonym_and_hinglish() {
    let (catalog, _) = catalog();
    let (shoes, grocer) = (catalog.shoes, catalog.grocer);
    check_top(
        &catalog,
        shoes,
        "running shoes",
        "Nike Pegasus 40 Running Shoes",
    );
    check_top(&catalog, shoes, "shoe run", "Nike Pegasus 40 Running Shoes");
    check_top(
        &catalog,
        shoes,
        "runnig shoes",
        "Nike Pegasus 40 Running Shoes",
    );
    check_top(&catalog, shoes, "pegasus", "Nike Pegasus 40 Running Shoes");
    check_top(&catalog, shoes, "pegasis", "Nike Pegasus 40 Running Shoes");
    check_top(&catalog, shoes, "trainer", "Asics Gel Kayano Trainers");
    check_top(&catalog, shoes, "tee", "Cotton T-Shirt Black");
    check_top(&catalog, shoes, "tshirt", "Cotton T-Shirt Black");
    check_top(&catalog, grocer, "atta", "Aashirvaad Whole Wheat Atta 5kg");
    check_top(&catalog, grocer, "flour", "Aashirvaad Whole Wheat Atta 5kg");
    check_top(&catalog, grocer, "cheeni", "Sugar 1kg");
    check_top(&catalog, grocer, "rice", "Basmati Chawal 1kg");

    let mut prefix = catalog
        .index
        .search(&SearchRequest {
            store_id: shoes,
            text: "nike peg",
            prefix_last: true,
            limit: 5,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(prefix.hits.remove(0).name, "Nike Pegasus 40 Running Shoes");

    // Sneakers: the synonym finds the trainers and running shoes as well as the
    // sneakers themselves, which rank first.
    let sneakers = names(&catalog, shoes, "sneakers");
    assert_eq!(sneakers[0], "Canvas Sneakers White");
    assert!(sneakers.contains(&"Nike Pegasus 40 Running Shoes".to_owned()));
    assert!(sneakers.contains(&"Asics Gel Kayano Trainers".to_owned()));
}

#[test]
fn a_store_never_sees_another_stores_products() {
    let (catalog, products) = catalog();
    let shoe_names: Vec<&str> = products
        .iter()
        .filter(|p| p.store_id == catalog.shoes)
        .map(|p| p.name.as_str())
        .collect();
    for text in [
        "running shoes",
        "budget",
        "atta",
        "sugar",
        "shoes budget",
        "chawal",
    ] {
        for name in names(&catalog, catalog.shoes, text) {
            assert!(
                shoe_names.contains(&name.as_str()),
                "{text:?} leaked {name}"
            );
        }
    }
    assert!(names(&catalog, catalog.shoes, "budget").is_empty());
    assert_eq!(
        catalog.index.did_you_mean(catalog.shoes, "budgt").unwrap(),
        None,
        "a suggestion must come from the store's own words"
    );
    assert!(names(&catalog, Uuid::now_v7(), "running").is_empty());
}

#[test]
fn name_outranks_description_and_in_stock_outranks_out_of_stock() {
    let (catalog, mut products) = catalog();
    // The belt mentions running shoes only in its description.
    let found = names(&catalog, catalog.shoes, "running shoes");
    let belt = found.iter().position(|n| n == "Leather Belt").unwrap();
    let pegasus = found
        .iter()
        .position(|n| n == "Nike Pegasus 40 Running Shoes")
        .unwrap();
    assert!(pegasus < belt, "{found:?}");

    products[0].in_stock = false;
    catalog
        .index
        .apply(&[Change::Upsert(products[0].clone())], 8)
        .unwrap();
    let found = names(&catalog, catalog.shoes, "running shoes");
    assert_eq!(
        found.last().unwrap(),
        "Nike Pegasus 40 Running Shoes",
        "{found:?}"
    );
}

#[test]
fn popularity_then_recency_break_ties() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let store = Uuid::now_v7();
    let mut a = product(store, "Masala Chai", None, 10_000);
    let mut b = product(store, "Masala Chai", None, 10_000);
    let mut c = product(store, "Masala Chai", None, 10_000);
    a.name = "Masala Chai A".into();
    b.name = "Masala Chai B".into();
    c.name = "Masala Chai C".into();
    b.popularity = 5;
    c.created += 100;
    index
        .apply(
            &[
                Change::Upsert(a.clone()),
                Change::Upsert(b.clone()),
                Change::Upsert(c.clone()),
            ],
            1,
        )
        .unwrap();
    let found: Vec<String> = index
        .search(&SearchRequest {
            store_id: store,
            text: "masala chai",
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.name)
        .collect();
    assert_eq!(found, ["Masala Chai B", "Masala Chai C", "Masala Chai A"]);
    let popular: Vec<String> = index
        .popular(store, 2)
        .unwrap()
        .into_iter()
        .map(|hit| hit.name)
        .collect();
    assert_eq!(popular, ["Masala Chai B", "Masala Chai C"]);
}

#[test]
fn filters_facets_and_sorts() {
    let (catalog, _) = catalog();
    let results = catalog
        .index
        .search(&SearchRequest {
            store_id: catalog.shoes,
            text: "shoes",
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    assert!(results.total >= 3, "{results:?}");
    assert_eq!(results.categories[0], (Some(catalog.running), 2));

    let running_only = catalog
        .index
        .search(&SearchRequest {
            store_id: catalog.shoes,
            text: "shoes",
            category_id: Some(catalog.running),
            max_price_minor: Some(1_000_000),
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    let names: Vec<&str> = running_only.hits.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["Nike Pegasus 40 Running Shoes"]);
    assert_eq!(running_only.total, 1);
    // Facets ignore the filters, so the shopper can switch category.
    assert_eq!(running_only.categories, results.categories);

    let cheap_first = search(&catalog, catalog.shoes, "shoes", Sort::PriceLowToHigh);
    let dear_first = search(&catalog, catalog.shoes, "shoes", Sort::PriceHighToLow);
    // The belt matches by its description; an explicit sort orders every match.
    assert_eq!(cheap_first.first().unwrap(), "Leather Belt");
    assert_eq!(dear_first.first().unwrap(), "Asics Gel Kayano Trainers");
}

#[test]
fn did_you_mean_corrects_far_typos_from_the_stores_own_words() {
    let (catalog, _) = catalog();
    assert!(!names(&catalog, catalog.shoes, "kayanno pegasuss").is_empty());
    assert!(names(&catalog, catalog.shoes, "kyanoo").is_empty());
    assert_eq!(
        catalog.index.did_you_mean(catalog.shoes, "kyanoo").unwrap(),
        Some("kayano".to_owned())
    );
    assert_eq!(
        catalog
            .index
            .did_you_mean(catalog.shoes, "pegasus")
            .unwrap(),
        None
    );
}

#[test]
fn bad_input_finds_nothing_or_something_never_an_error() {
    let (catalog, _) = catalog();
    let long = "shoes ".repeat(10_000);
    for text in [
        "",
        "   ",
        "!!!???",
        "🙂👟",
        "name:foo OR *",
        "\"unterminated",
        "\\",
        "'; DROP TABLE products; --",
        "*",
        "shoes AND NOT running",
        "(((",
        "\u{0}\u{1}",
        long.as_str(),
        "दूध",
    ] {
        let results = catalog.index.search(&SearchRequest {
            store_id: catalog.shoes,
            text,
            prefix_last: true,
            limit: 10,
            ..SearchRequest::default()
        });
        let results = results.unwrap_or_else(|e| panic!("{text:?}: {e}"));
        for hit in results.hits {
            assert_ne!(hit.name, "Running Shoes Budget");
        }
        catalog.index.did_you_mean(catalog.shoes, text).unwrap();
    }
    assert!(names(&catalog, catalog.shoes, "!!!").is_empty());
}

#[test]
fn deletes_store_synonyms_and_the_position_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Uuid::now_v7();
    let kulfi = product(store, "Malai Kulfi", None, 5_000);
    let cone = product(store, "Choco Cone", None, 6_000);
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.position().unwrap(), None);
        index
            .apply(
                &[Change::Upsert(kulfi.clone()), Change::Upsert(cone.clone())],
                41,
            )
            .unwrap();
        index.apply(&[Change::Delete(cone.id)], 42).unwrap();
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.position().unwrap(), Some(42));
    assert_eq!(index.len(), 1);
    let own = Synonyms::from_groups([vec!["ice cream", "kulfi"]]);
    let with_own = index
        .search(&SearchRequest {
            store_id: store,
            text: "ice cream",
            limit: 10,
            store_synonyms: Some(&own),
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(with_own.hits[0].name, "Malai Kulfi");
    let without = index
        .search(&SearchRequest {
            store_id: store,
            text: "ice cream",
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    assert!(without.hits.is_empty());
    index.apply(&[Change::DeleteStore(store)], 43).unwrap();
    assert!(index.is_empty());
}
