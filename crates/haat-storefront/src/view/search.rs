//! The search results page's view model: the store header with the search box filled
//! in, the count, category chips with counts, the filter and sort form, product cards,
//! page links; and, when nothing matched or nothing was asked, the store's popular
//! products, so the page is never empty.

use askama::Template;

use super::store::{card, Card, SortChoice};
use super::{icon, Head, StoreHeader, Theme};
use crate::images::PreviewImage;
use crate::query::{price_param, search_href};
use crate::search::page_count;
use crate::{SearchOutcome, SearchQuery, SearchSort, StorefrontConfig};

/// Page links shown on either side of the current page (the first and last always are).
const PAGE_WINDOW: u32 = 2;

#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchPage {
    pub head: Head,
    pub theme: Theme,
    pub header: StoreHeader,
    /// "12 results for “chai”"; `None` when nothing matched or nothing was asked.
    pub summary: Option<String>,
    pub chips: Vec<FacetChip>,
    pub filters: Option<Filters>,
    pub cards: Vec<Card>,
    pub pager: Option<Pager>,
    /// Nothing matched (or the store has nothing to show).
    pub notice: Option<Notice>,
    pub popular: Option<Popular>,
}

/// A category of the matching products and how many there are; links keep the search.
pub(crate) struct FacetChip {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

/// The filter and sort form; its hidden fields keep the search text and category.
pub(crate) struct Filters {
    pub text: String,
    pub category: Option<String>,
    /// As typed back into the fields: `500`, `499.50`; empty when not set.
    pub min_price: String,
    pub max_price: String,
    /// `₹`
    pub currency_symbol: String,
    pub sorts: Vec<SortChoice>,
}

pub(crate) struct Pager {
    /// "Page 2 of 5"
    pub label: String,
    pub items: Vec<PageItem>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// A page number (a link, or the current page), or a gap (`…`: no link, not current).
pub(crate) struct PageItem {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
}

pub(crate) struct SearchLink {
    pub label: String,
    pub href: String,
}

pub(crate) struct Notice {
    pub heading: String,
    pub did_you_mean: Option<SearchLink>,
    pub message: String,
    pub link: Option<SearchLink>,
}

pub(crate) struct Popular {
    pub heading: String,
    pub cards: Vec<Card>,
}

impl SearchPage {
    pub fn new(
        config: &StorefrontConfig,
        query: &SearchQuery,
        outcome: &SearchOutcome,
    ) -> SearchPage {
        let store = &outcome.store;
        let header = StoreHeader::new(config, store).with_search_box(&query.text);
        let cards_of = |products: &[haat_domain::catalog::ProductCard]| -> Vec<Card> {
            products
                .iter()
                .enumerate()
                .map(|(index, product)| card(config, &store.slug, store.currency, product, index))
                .collect()
        };
        let searched = !query.text.is_empty();
        let filtered = query.category.is_some()
            || query.min_price_minor.is_some()
            || query.max_price_minor.is_some();
        let found = searched && outcome.total > 0;

        let popular_products = if found {
            &[][..]
        } else if searched || !outcome.popular.is_empty() {
            &outcome.popular[..]
        } else {
            // An empty box: popular products, or whatever the engine listed instead.
            &outcome.products[..]
        };
        let popular = (!popular_products.is_empty()).then(|| Popular {
            heading: format!("Popular in {}", store.name),
            cards: cards_of(popular_products),
        });

        let notice = if found {
            None
        } else if searched {
            Some(no_results(query, outcome, filtered))
        } else if popular.is_none() {
            Some(Notice {
                heading: "No products yet".to_owned(),
                did_you_mean: None,
                message: format!("{} is setting up shop. Check back soon!", store.name),
                link: None,
            })
        } else {
            None
        };

        let title = if searched {
            format!("Search results for “{}” · {}", query.text, store.name)
        } else {
            format!("Search · {}", store.name)
        };
        let canonical_query = SearchQuery {
            text: query.text.clone(),
            ..SearchQuery::default()
        };
        let canonical_url = match search_href(&canonical_query).as_str() {
            "?" => format!("{}/search", header.url),
            href => format!("{}/search{href}", header.url),
        };
        let head = Head {
            title,
            description: format!("Search {} on Haat", store.name),
            canonical_url,
            og_type: "website",
            og_image: store
                .logo
                .as_ref()
                .and_then(|logo| PreviewImage::new(config, logo)),
            icon: icon(config, store),
        };

        SearchPage {
            head,
            theme: Theme::new(&store.accent_colour),
            summary: found.then(|| summary(query, outcome.total)),
            chips: if searched {
                chips(query, outcome)
            } else {
                Vec::new()
            },
            filters: (found || (searched && filtered)).then(|| Filters {
                text: query.text.clone(),
                category: query.category.map(|id| id.to_string()),
                min_price: query.min_price_minor.map(price_param).unwrap_or_default(),
                max_price: query.max_price_minor.map(price_param).unwrap_or_default(),
                currency_symbol: store.currency.symbol().trim().to_owned(),
                sorts: sort_choices(query.sort),
            }),
            cards: if found {
                cards_of(&outcome.products)
            } else {
                Vec::new()
            },
            pager: found.then(|| pager(query, outcome.total)).flatten(),
            notice,
            popular,
            header,
        }
    }
}

fn summary(query: &SearchQuery, total: u64) -> String {
    let results = if total == 1 { "result" } else { "results" };
    format!("{total} {results} for “{}”", query.text)
}

fn no_results(query: &SearchQuery, outcome: &SearchOutcome, filtered: bool) -> Notice {
    let did_you_mean = outcome
        .did_you_mean
        .as_deref()
        .map(str::trim)
        .filter(|suggestion| !suggestion.is_empty() && *suggestion != query.text)
        .map(|suggestion| SearchLink {
            label: suggestion.to_owned(),
            href: search_href(&SearchQuery {
                text: suggestion.to_owned(),
                page: 1,
                ..query.clone()
            }),
        });
    let (message, link) = if filtered {
        let unfiltered = SearchQuery {
            text: query.text.clone(),
            sort: query.sort,
            ..SearchQuery::default()
        };
        (
            "No product matches these words with the filters you chose.",
            Some(SearchLink {
                label: "Search without filters".to_owned(),
                href: search_href(&unfiltered),
            }),
        )
    } else {
        (
            "Check the spelling, or try fewer or more general words.",
            None,
        )
    };
    Notice {
        heading: format!("No results for “{}”", query.text),
        did_you_mean,
        message: message.to_owned(),
        link,
    }
}

/// "All" and one chip per category of the matches, each with its count; none when the
/// matches have no category. Uncategorised matches count towards "All" only (no link
/// can filter on "no category").
fn chips(query: &SearchQuery, outcome: &SearchOutcome) -> Vec<FacetChip> {
    let categorised: Vec<FacetChip> = outcome
        .facets
        .iter()
        .filter(|facet| facet.count > 0)
        .filter_map(|facet| {
            let category = facet.category.as_ref()?;
            Some(FacetChip {
                label: category.name.clone(),
                count: facet.count,
                href: search_href(&SearchQuery {
                    category: Some(category.id),
                    page: 1,
                    ..query.clone()
                }),
                active: query.category == Some(category.id),
            })
        })
        .collect();
    if categorised.is_empty() {
        return Vec::new();
    }
    let all = FacetChip {
        label: "All".to_owned(),
        count: outcome.facets.iter().map(|facet| facet.count).sum(),
        href: search_href(&SearchQuery {
            category: None,
            page: 1,
            ..query.clone()
        }),
        active: query.category.is_none(),
    };
    std::iter::once(all).chain(categorised).collect()
}

fn sort_choices(current: SearchSort) -> Vec<SortChoice> {
    SearchSort::ALL
        .into_iter()
        .map(|sort| SortChoice {
            value: sort.as_str(),
            label: match sort {
                SearchSort::Relevance => "Best match",
                SearchSort::PriceAsc => "Price: low to high",
                SearchSort::PriceDesc => "Price: high to low",
                SearchSort::Newest => "Newest first",
            },
            selected: sort == current,
        })
        .collect()
}

/// Links to the pages the results fill (at most `MAX_SEARCH_PAGES`): the first, the
/// last and a few around the current one, with gaps between; `None` for one page.
fn pager(query: &SearchQuery, total: u64) -> Option<Pager> {
    let last = page_count(total, query.per_page);
    if last <= 1 {
        return None;
    }
    let current = query.page.min(last);
    let href = |page: u32| {
        search_href(&SearchQuery {
            page,
            ..query.clone()
        })
    };
    let mut items = Vec::new();
    let mut gap = false;
    for page in 1..=last {
        let shown = page == 1 || page == last || page.abs_diff(current) <= PAGE_WINDOW;
        if !shown {
            if !gap {
                items.push(PageItem {
                    label: "…".to_owned(),
                    href: None,
                    current: false,
                });
            }
            gap = true;
            continue;
        }
        gap = false;
        items.push(PageItem {
            label: page.to_string(),
            href: (page != current).then(|| href(page)),
            current: page == current,
        });
    }
    Some(Pager {
        label: format!("Page {current} of {last}"),
        items,
        previous: (current > 1).then(|| href(current - 1)),
        next: (current < last).then(|| href(current + 1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pager: &Pager) -> Vec<String> {
        pager
            .items
            .iter()
            .map(|item| {
                if item.current {
                    format!("[{}]", item.label)
                } else {
                    item.label.clone()
                }
            })
            .collect()
    }

    #[track_caller]
    fn check_pager(total: u64, page: u32, expected: Option<&str>) {
        let query = SearchQuery {
            text: "chai".to_owned(),
            page,
            per_page: 10,
            ..SearchQuery::default()
        };
        let actual = pager(&query, total).map(|pager| labels(&pager).join(" "));
        assert_eq!(actual.as_deref(), expected, "total {total}, page {page}");
    }

    #[test]
    fn pager_windows_and_caps() {
        check_pager(0, 1, None);
        check_pager(10, 1, None);
        check_pager(11, 1, Some("[1] 2"));
        check_pager(50, 3, Some("1 2 [3] 4 5"));
        check_pager(100, 1, Some("[1] 2 3 … 10"));
        check_pager(100, 6, Some("1 … 4 5 [6] 7 8 … 10"));
        // Never more pages than a shopper may open.
        check_pager(10_000, 20, Some("1 … 18 19 [20]"));
        // A page past the last (the results shrank): the last is current.
        check_pager(30, 9, Some("1 2 [3]"));
    }

    #[test]
    fn page_links_keep_the_search() {
        let query = SearchQuery {
            text: "masala chai".to_owned(),
            min_price_minor: Some(49950),
            sort: SearchSort::PriceAsc,
            page: 2,
            per_page: 10,
            ..SearchQuery::default()
        };
        let pager = pager(&query, 35).unwrap();
        assert_eq!(
            pager.next.as_deref(),
            Some("?q=masala+chai&min_price=499.50&sort=price_asc&page=3")
        );
        assert_eq!(
            pager.previous.as_deref(),
            Some("?q=masala+chai&min_price=499.50&sort=price_asc")
        );
        assert_eq!(pager.label, "Page 2 of 4");
    }
}
