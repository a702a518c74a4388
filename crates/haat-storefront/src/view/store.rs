//! The store page's view model: header, sort and category controls, product cards in
//! category sections, and the link to the next page.

use askama::Template;
use haat_domain::catalog::{CatalogPage, CatalogQuery, CatalogSort, ProductCard};
use haat_domain::{format_money, CategoryId, Currency};

use super::{icon, initial, summary, Head, StoreHeader, Theme};
use crate::images::{Picture, PreviewImage, Slot};
use crate::query::listing_href;
use crate::{urls, StorefrontConfig};

/// Cards whose photos load at once: the first screen on a phone shows about four.
const EAGER_IMAGES: usize = 4;

/// Stock at or below this shows "only N left".
const LOW_STOCK: i32 = 5;

/// The heading of products without a category, listed last in category order.
const UNCATEGORISED_HEADING: &str = "More";

#[derive(Template)]
#[template(path = "store.html")]
pub(crate) struct StorePage {
    pub head: Head,
    pub theme: Theme,
    pub header: StoreHeader,
    pub sorts: Vec<SortChoice>,
    pub chips: Vec<Chip>,
    /// The category filter in force, kept by the sort form as a hidden field.
    pub category: Option<String>,
    pub sections: Vec<Section>,
    pub empty: Option<EmptyState>,
    pub next_href: Option<String>,
    pub first_page_href: Option<String>,
}

pub(crate) struct SortChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub(crate) struct Chip {
    pub label: String,
    pub href: String,
    pub active: bool,
}

pub(crate) struct Section {
    /// `None` when the listing is not grouped (any order but by category).
    pub heading: Option<String>,
    pub cards: Vec<Card>,
}

pub(crate) struct Card {
    pub product_id: String,
    /// Where "Add to cart" posts: `/<slug>/cart`.
    pub cart_action: String,
    pub name: String,
    pub url: String,
    pub price: String,
    pub sold_out: bool,
    /// "Only 3 left" when stock is low but not gone.
    pub few_left: Option<i32>,
    pub image: Option<Picture>,
    pub initial: String,
}

pub(crate) struct EmptyState {
    pub heading: &'static str,
    pub message: String,
    pub link: Option<Chip>,
}

impl StorePage {
    /// `search`: whether the header offers a search box (this process has search).
    pub fn new(
        config: &StorefrontConfig,
        page: &CatalogPage,
        query: &CatalogQuery,
        search: bool,
    ) -> StorePage {
        let store = &page.store;
        let mut header = StoreHeader::new(config, store);
        if search {
            header = header.with_search_box("");
        }
        let category_name = |id: Option<CategoryId>| {
            page.categories
                .iter()
                .find(|category| Some(category.id) == id)
                .map(|category| category.name.clone())
        };
        let filtered_name = query.category.and_then(|id| category_name(Some(id)));

        let cards = page
            .products
            .iter()
            .enumerate()
            .map(|(index, product)| card(config, &store.slug, store.currency, product, index));
        let grouped = query.sort == CatalogSort::Category && !page.categories.is_empty();
        let mut sections: Vec<Section> = Vec::new();
        let mut previous: Option<Option<CategoryId>> = None;
        for (product, card) in page.products.iter().zip(cards) {
            let starts_section =
                sections.is_empty() || (grouped && previous != Some(product.category_id));
            if starts_section {
                let heading = grouped.then(|| {
                    category_name(product.category_id)
                        .unwrap_or_else(|| UNCATEGORISED_HEADING.to_owned())
                });
                sections.push(Section {
                    heading,
                    cards: Vec::new(),
                });
            }
            previous = Some(product.category_id);
            if let Some(section) = sections.last_mut() {
                section.cards.push(card);
            }
        }

        let og_image = page
            .products
            .iter()
            .filter_map(|product| product.image.as_ref())
            .chain(store.logo.as_ref())
            .find_map(|image| PreviewImage::new(config, image));
        let description = match store.description.trim() {
            "" => format!("Shop {} on Haat", store.name),
            text => summary(text),
        };
        let title = match &filtered_name {
            Some(category) => format!("{category} · {}", store.name),
            None => store.name.clone(),
        };
        let head = Head {
            title,
            description,
            canonical_url: header.url.clone(),
            og_type: "website",
            og_image,
            icon: icon(config, store),
        };

        StorePage {
            head,
            theme: Theme::new(&store.accent_colour),
            sorts: sort_choices(query.sort),
            chips: chips(page, query),
            category: query.category.map(|id| id.to_string()),
            empty: page
                .products
                .is_empty()
                .then(|| empty_state(page, query, &header)),
            next_href: page
                .next
                .as_ref()
                .map(|next| listing_href(query.sort, query.category, Some(next))),
            first_page_href: query
                .after
                .as_ref()
                .map(|_| listing_href(query.sort, query.category, None)),
            sections,
            header,
        }
    }
}

/// A product card of a grid; the first [`EAGER_IMAGES`] (by `index`) load their photo
/// at once.
pub(super) fn card(
    config: &StorefrontConfig,
    slug: &str,
    currency: Currency,
    product: &ProductCard,
    index: usize,
) -> Card {
    let image = product.image.as_ref().and_then(|image| {
        let picture = Picture::new(config, image, Slot::Card, &product.name)?;
        Some(if index < EAGER_IMAGES {
            picture.eager()
        } else {
            picture
        })
    });
    Card {
        product_id: product.id.to_string(),
        cart_action: format!("/{slug}/cart"),
        url: urls::product_url(&config.public_url, slug, &product.id.to_string()),
        price: format_money(product.price_minor, currency),
        sold_out: product.is_sold_out(),
        few_left: product
            .stock
            .filter(|stock| (1..=LOW_STOCK).contains(stock)),
        initial: initial(&product.name),
        name: product.name.clone(),
        image,
    }
}

fn sort_choices(current: CatalogSort) -> Vec<SortChoice> {
    CatalogSort::ALL
        .into_iter()
        .map(|sort| SortChoice {
            value: sort.as_str(),
            label: match sort {
                CatalogSort::Category => "Featured",
                CatalogSort::Newest => "Newest first",
                CatalogSort::PriceAsc => "Price: low to high",
                CatalogSort::PriceDesc => "Price: high to low",
                CatalogSort::Name => "Name: A to Z",
            },
            selected: sort == current,
        })
        .collect()
}

/// "All" and one chip per category; none for a store without categories.
fn chips(page: &CatalogPage, query: &CatalogQuery) -> Vec<Chip> {
    if page.categories.is_empty() {
        return Vec::new();
    }
    let all = Chip {
        label: "All".to_owned(),
        href: listing_href(query.sort, None, None),
        active: query.category.is_none(),
    };
    let each = page.categories.iter().map(|category| Chip {
        label: category.name.clone(),
        href: listing_href(query.sort, Some(category.id), None),
        active: query.category == Some(category.id),
    });
    std::iter::once(all).chain(each).collect()
}

fn empty_state(page: &CatalogPage, query: &CatalogQuery, header: &StoreHeader) -> EmptyState {
    let see_everything = |label: &str| Chip {
        label: label.to_owned(),
        href: header.url.clone(),
        active: false,
    };
    if query.category.is_some() {
        return EmptyState {
            heading: "Nothing here right now",
            message: "There are no products in this category at the moment.".to_owned(),
            link: Some(see_everything("See all products")),
        };
    }
    if query.after.is_some() {
        return EmptyState {
            heading: "You've seen everything",
            message: "That's the whole catalog.".to_owned(),
            link: Some(see_everything("Back to the first page")),
        };
    }
    EmptyState {
        heading: "No products yet",
        message: format!("{} is setting up shop. Check back soon!", page.store.name),
        link: None,
    }
}
