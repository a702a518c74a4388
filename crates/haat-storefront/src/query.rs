//! The query string of a listing (`?sort=…&category=…&after=…&limit=…`), parsed once
//! into a [`CatalogQuery`] and written back into "next page" and filter links; and that
//! of a search (`?q=…&category=…&min_price=…&max_price=…&sort=…&page=…`), parsed once
//! into a [`SearchQuery`]: strictly for the JSON API, leniently for HTML pages.
//!
//! Parameters Haat does not know are ignored rather than refused: a link shared through
//! WhatsApp or an ad often comes back with `utm_source` or `fbclid` attached, and that
//! must still open the store. An empty value counts as absent (`?category=` is what a
//! form with an empty field submits).

use haat_domain::catalog::{CatalogCursor, CatalogQuery, CatalogSort, MAX_PAGE_SIZE};
use haat_domain::error::code;
use haat_domain::{decimal_string, CategoryId, Currency, ParseError, Price};

use crate::search::{
    SearchQuery, SearchSort, MAX_SEARCH_CHARS, MAX_SEARCH_PAGES, MAX_SEARCH_PAGE_SIZE,
};

/// A listing parameter that is present but not valid.
#[derive(Debug)]
pub(crate) struct InvalidParam {
    /// The query parameter at fault: `sort`, `category`, `after` or `limit` of a
    /// listing; `category`, `min_price`, `max_price`, `sort` or `page` of a search.
    pub field: &'static str,
    pub error: ParseError,
}

/// The listing parameters as sent, before parsing. The first occurrence of a repeated
/// parameter wins.
#[derive(Debug, Default)]
pub(crate) struct ListingParams {
    sort: Option<String>,
    category: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

impl ListingParams {
    pub fn from_query_string(raw: Option<&str>) -> ListingParams {
        let mut params = ListingParams::default();
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes());
        for (name, value) in pairs {
            let slot = match name.as_ref() {
                "sort" => &mut params.sort,
                "category" => &mut params.category,
                "after" => &mut params.after,
                "limit" => &mut params.limit,
                _ => continue,
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.into_owned());
            }
        }
        params
    }

    /// The catalog query for a page of `limit` products. The cursor is decoded for the
    /// requested order: a cursor from another order is refused, not misread.
    pub fn catalog_query(&self, limit: u32) -> Result<CatalogQuery, InvalidParam> {
        let sort = CatalogSort::parse(self.sort.as_deref().unwrap_or_default())
            .map_err(|error| invalid("sort", error))?;
        let category = self
            .category
            .as_deref()
            .map(CategoryId::parse)
            .transpose()
            .map_err(|error| invalid("category", error))?;
        let after = self
            .after
            .as_deref()
            .map(|cursor| CatalogCursor::decode(cursor, sort))
            .transpose()
            .map_err(|error| invalid("after", error))?;
        Ok(CatalogQuery {
            sort,
            category,
            after,
            limit,
        })
    }

    /// The page size a JSON client asked for: `1..=MAX_PAGE_SIZE`, `default` when absent.
    pub fn limit(&self, default: u32) -> Result<u32, InvalidParam> {
        let Some(text) = self.limit.as_deref() else {
            return Ok(default);
        };
        let out_of_range = || {
            let message = format!("limit must be a whole number from 1 to {MAX_PAGE_SIZE}");
            invalid("limit", ParseError::new("invalid_limit", message))
        };
        let is_digits = text.len() <= 4 && text.bytes().all(|byte| byte.is_ascii_digit());
        if !is_digits {
            return Err(out_of_range());
        }
        let limit: u32 = text.parse().map_err(|_| out_of_range())?;
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(out_of_range());
        }
        Ok(limit)
    }
}

fn invalid(field: &'static str, error: ParseError) -> InvalidParam {
    InvalidParam { field, error }
}

/// A relative link (`?sort=price_asc&category=…&after=…`) to a listing of the current
/// store. The default order is left out so the plain store link stays `/{slug}`.
pub(crate) fn listing_href(
    sort: CatalogSort,
    category: Option<CategoryId>,
    after: Option<&CatalogCursor>,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if sort != CatalogSort::default() {
        query.append_pair("sort", sort.as_str());
    }
    if let Some(category) = category {
        query.append_pair("category", &category.to_string());
    }
    if let Some(after) = after {
        query.append_pair("after", &after.encode());
    }
    let query = query.finish();
    if query.is_empty() {
        // An empty relative reference would keep any query string the page had.
        return "?".to_owned();
    }
    format!("?{query}")
}

/// The currency whose decimal places a price filter is read with. The store (and so its
/// currency) is only known once the search has answered, and every supported currency
/// has two decimal places; `Currency::minor_exponent` is asked all the same.
const FILTER_CURRENCY: Currency = Currency::Inr;

/// The search parameters as sent (`?q=…&category=…&min_price=…&max_price=…&sort=…&page=…`),
/// before parsing. Like [`ListingParams`]: unknown parameters are ignored, the first
/// occurrence of a repeated one wins and an empty value counts as absent.
#[derive(Debug, Default)]
pub(crate) struct SearchParams {
    q: Option<String>,
    category: Option<String>,
    min_price: Option<String>,
    max_price: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

impl SearchParams {
    pub fn from_query_string(raw: Option<&str>) -> SearchParams {
        let mut params = SearchParams::default();
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes());
        for (name, value) in pairs {
            let slot = match name.as_ref() {
                "q" => &mut params.q,
                "category" => &mut params.category,
                "min_price" => &mut params.min_price,
                "max_price" => &mut params.max_price,
                "sort" => &mut params.sort,
                "page" => &mut params.page,
                _ => continue,
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.into_owned());
            }
        }
        params
    }

    /// The search for the JSON API: the first parameter that is present but not valid is
    /// an error naming it.
    pub fn search_query(&self, per_page: u32) -> Result<SearchQuery, InvalidParam> {
        let (query, invalid) = self.parse(per_page);
        match invalid {
            Some(invalid) => Err(invalid),
            None => Ok(query),
        }
    }

    /// The search for an HTML page, which never refuses a shopper's link: an invalid
    /// value is dropped (sort, category, a price), clamped (the page) or put right (a
    /// minimum above the maximum swaps them).
    pub fn lenient_search_query(&self, per_page: u32) -> SearchQuery {
        let (mut query, _) = self.parse(per_page);
        if let (Some(min), Some(max)) = (query.min_price_minor, query.max_price_minor) {
            if min > max {
                query.min_price_minor = Some(max);
                query.max_price_minor = Some(min);
            }
        }
        query
    }

    /// The query with every invalid value replaced by its lenient reading, and the first
    /// invalid parameter, if any.
    fn parse(&self, per_page: u32) -> (SearchQuery, Option<InvalidParam>) {
        let mut first_invalid: Option<InvalidParam> = None;
        let mut note = |field: &'static str, error: ParseError| {
            if first_invalid.is_none() {
                first_invalid = Some(invalid(field, error));
            }
        };
        let text = search_text(self.q.as_deref().unwrap_or_default());
        let category = match self.category.as_deref().map(CategoryId::parse) {
            Some(Ok(id)) => Some(id),
            Some(Err(error)) => {
                note("category", error);
                None
            }
            None => None,
        };
        let mut price = |field: &'static str, value: Option<&str>| match value.map(parse_price) {
            Some(Ok(minor)) => Some(minor),
            Some(Err(error)) => {
                note(field, error);
                None
            }
            None => None,
        };
        let min_price_minor = price("min_price", self.min_price.as_deref());
        let max_price_minor = price("max_price", self.max_price.as_deref());
        if let (Some(min), Some(max)) = (min_price_minor, max_price_minor) {
            if min > max {
                let message = "max_price must not be less than min_price";
                note("max_price", ParseError::new(code::INVALID_PRICE, message));
            }
        }
        let sort = match SearchSort::parse(self.sort.as_deref().unwrap_or_default()) {
            Ok(sort) => sort,
            Err(error) => {
                note("sort", error);
                SearchSort::default()
            }
        };
        let page = match self.page.as_deref().map(parse_page) {
            Some(Ok(page)) => page,
            Some(Err((error, clamped))) => {
                note("page", error);
                clamped
            }
            None => 1,
        };
        let query = SearchQuery {
            text,
            category,
            min_price_minor,
            max_price_minor,
            sort,
            page,
            per_page: per_page.clamp(1, MAX_SEARCH_PAGE_SIZE),
        };
        (query, first_invalid)
    }
}

/// What is searched for: control characters and runs of whitespace become one space, the
/// ends are trimmed, and only the first [`MAX_SEARCH_CHARS`] characters are kept.
pub(crate) fn search_text(raw: &str) -> String {
    let words = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty());
    let mut text = String::with_capacity(raw.len().min(MAX_SEARCH_CHARS * 4));
    let mut chars = 0;
    for word in words {
        if chars > 0 {
            text.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars == MAX_SEARCH_CHARS {
                return text.trim_end().to_owned();
            }
            text.push(c);
            chars += 1;
        }
    }
    text.trim_end().to_owned()
}

/// A price as a shopper types it, in major units (`500`, `499.50`, `₹1,200`), in minor
/// units. Signs, letters and more decimal places than the currency has are refused.
fn parse_price(text: &str) -> Result<i64, ParseError> {
    let text = text.trim();
    let text = text.strip_prefix('₹').unwrap_or(text).trim_start();
    let without_grouping: String = text.chars().filter(|c| *c != ',').collect();
    Price::parse_decimal(&without_grouping, FILTER_CURRENCY).map(|price| price.minor())
}

/// The value of a price filter in a link or a form field: `500`, `499.50`.
pub(crate) fn price_param(minor: i64) -> String {
    let decimal = decimal_string(minor, FILTER_CURRENCY);
    match decimal.strip_suffix(".00") {
        Some(whole) => whole.to_owned(),
        None => decimal,
    }
}

/// `1..=MAX_SEARCH_PAGES`; on error, also the page a lenient reader uses instead (the
/// last page for a number too large, the first for anything else).
fn parse_page(text: &str) -> Result<u32, (ParseError, u32)> {
    let error = || {
        let message = format!("page must be a whole number from 1 to {MAX_SEARCH_PAGES}");
        ParseError::new("invalid_page", message)
    };
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err((error(), 1));
    }
    // All digits: only its size can be wrong (and a long run of digits is large).
    match text.parse::<u32>() {
        Ok(0) => Err((error(), 1)),
        Ok(page) if page <= MAX_SEARCH_PAGES => Ok(page),
        _ => Err((error(), MAX_SEARCH_PAGES)),
    }
}

/// A relative link (`?q=…&category=…&sort=…&page=…`) to a search of the current store.
/// Defaults are left out: the first page, relevance order, no filter.
pub(crate) fn search_href(query: &SearchQuery) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    if !query.text.is_empty() {
        pairs.append_pair("q", &query.text);
    }
    if let Some(category) = query.category {
        pairs.append_pair("category", &category.to_string());
    }
    if let Some(min) = query.min_price_minor {
        pairs.append_pair("min_price", &price_param(min));
    }
    if let Some(max) = query.max_price_minor {
        pairs.append_pair("max_price", &price_param(max));
    }
    if query.sort != SearchSort::default() {
        pairs.append_pair("sort", query.sort.as_str());
    }
    if query.page > 1 {
        pairs.append_pair("page", &query.page.to_string());
    }
    let pairs = pairs.finish();
    if pairs.is_empty() {
        return "?".to_owned();
    }
    format!("?{pairs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(raw: &str, expected: Result<(&str, bool, bool, u32), &str>) {
        let params = ListingParams::from_query_string(Some(raw));
        let actual = params
            .limit(48)
            .and_then(|limit| params.catalog_query(limit))
            .map(|query| {
                let sort = query.sort.as_str();
                (
                    sort,
                    query.category.is_some(),
                    query.after.is_some(),
                    query.limit,
                )
            })
            .map_err(|invalid| invalid.field);
        assert_eq!(actual, expected, "query: {raw:?}");
    }

    #[test]
    fn parses_listing_parameters() {
        let category = "0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8f";
        check("", Ok(("category", false, false, 48)));
        check(
            "sort=&category=&after=&limit=",
            Ok(("category", false, false, 48)),
        );
        check(
            "utm_source=whatsapp&fbclid=x",
            Ok(("category", false, false, 48)),
        );
        check(
            "sort=price_desc&limit=100",
            Ok(("price_desc", false, false, 100)),
        );
        check(
            &format!("category={category}"),
            Ok(("category", true, false, 48)),
        );
        check(
            "sort=price_asc&after=p.100.0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8f",
            Ok(("price_asc", false, true, 48)),
        );
        check("sort=cheapest", Err("sort"));
        check("category=12", Err("category"));
        check("after=garbage", Err("after"));
        check(
            "sort=name&after=p.100.0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8f",
            Err("after"),
        );
        check("limit=0", Err("limit"));
        check("limit=101", Err("limit"));
        check("limit=-1", Err("limit"));
        check("limit=99999999999", Err("limit"));
        check("sort=name&sort=bogus", Ok(("name", false, false, 48)));
    }

    #[test]
    fn listing_links_leave_out_defaults() {
        assert_eq!(listing_href(CatalogSort::Category, None, None), "?");
        assert_eq!(listing_href(CatalogSort::Name, None, None), "?sort=name");
    }

    const TEA: &str = "0190a5c4-7b1e-7c3a-8f2d-3e4b5c6d7e8f";

    fn search(raw: &str) -> SearchParams {
        SearchParams::from_query_string(Some(raw))
    }

    /// `(text, category?, min, max, sort, page)` of a query.
    type Summary = (String, bool, Option<i64>, Option<i64>, &'static str, u32);

    fn summarise(query: &SearchQuery) -> Summary {
        (
            query.text.clone(),
            query.category.is_some(),
            query.min_price_minor,
            query.max_price_minor,
            query.sort.as_str(),
            query.page,
        )
    }

    fn summary(text: &str, min: Option<i64>, max: Option<i64>, sort: &'static str) -> Summary {
        (text.to_owned(), false, min, max, sort, 1)
    }

    /// Checks the strict reading (the JSON API) of `raw`: the query, or the field at
    /// fault.
    #[track_caller]
    fn check_strict(raw: &str, expected: Result<Summary, &str>) {
        let actual = search(raw)
            .search_query(48)
            .map(|query| summarise(&query))
            .map_err(|invalid| invalid.field);
        assert_eq!(actual, expected, "query: {raw:?}");
    }

    /// Checks the lenient reading (HTML pages) of `raw`.
    #[track_caller]
    fn check_lenient(raw: &str, expected: Summary) {
        let query = search(raw).lenient_search_query(48);
        assert_eq!(summarise(&query), expected, "query: {raw:?}");
        assert_eq!(query.per_page, 48);
    }

    #[test]
    fn parses_search_parameters() {
        check_strict("", Ok(summary("", None, None, "relevance")));
        check_strict(
            "q=&category=&min_price=&max_price=&sort=&page=&utm_source=x",
            Ok(summary("", None, None, "relevance")),
        );
        check_strict(
            "q=masala+chai&min_price=500&max_price=1299.5&sort=price_asc",
            Ok(summary(
                "masala chai",
                Some(50000),
                Some(129950),
                "price_asc",
            )),
        );
        check_strict(
            &format!("q=chai&category={TEA}&sort=newest&page=3"),
            Ok(("chai".to_owned(), true, None, None, "newest", 3)),
        );
        check_strict(
            "min_price=%E2%82%B91%2C200&max_price=1200.00",
            Ok(summary("", Some(120000), Some(120000), "relevance")),
        );
        check_strict(
            "page=20",
            Ok(("".to_owned(), false, None, None, "relevance", 20)),
        );
        check_strict("q=a&q=b", Ok(summary("a", None, None, "relevance")));

        check_strict("category=12", Err("category"));
        check_strict("min_price=abc", Err("min_price"));
        check_strict("min_price=-5", Err("min_price"));
        check_strict("max_price=1e3", Err("max_price"));
        check_strict("max_price=10.999", Err("max_price"));
        check_strict("min_price=99999999999999", Err("min_price"));
        check_strict("min_price=500&max_price=100", Err("max_price"));
        check_strict("sort=cheapest", Err("sort"));
        check_strict("sort=category", Err("sort"));
        check_strict("page=0", Err("page"));
        check_strict("page=21", Err("page"));
        check_strict("page=-1", Err("page"));
        check_strict("page=abc", Err("page"));
        check_strict("page=99999999999999999999", Err("page"));
        // The first parameter at fault is named, in a fixed order.
        check_strict("page=0&category=x", Err("category"));
    }

    #[test]
    fn html_pages_read_bad_parameters_leniently() {
        let page = |page: u32| ("".to_owned(), false, None, None, "relevance", page);
        check_lenient("page=0", page(1));
        check_lenient("page=abc", page(1));
        check_lenient("page=-3", page(1));
        check_lenient("page=21", page(MAX_SEARCH_PAGES));
        check_lenient("page=99999999999999999999", page(MAX_SEARCH_PAGES));
        check_lenient(
            "q=chai&category=12&min_price=abc&max_price=-1&sort=bogus",
            summary("chai", None, None, "relevance"),
        );
        check_lenient(
            "min_price=900&max_price=100",
            summary("", Some(10000), Some(90000), "relevance"),
        );
        check_lenient(
            "min_price=100&max_price=oops&sort=price_desc",
            summary("", Some(10000), None, "price_desc"),
        );
    }

    #[test]
    fn search_text_is_collapsed_and_capped() {
        assert_eq!(search_text("  masala \t\n chai  "), "masala chai");
        assert_eq!(search_text("a\u{0}b"), "a b");
        assert_eq!(search_text(""), "");
        assert_eq!(search_text("name:foo OR *"), "name:foo OR *");
        let long = "चाय ".repeat(100);
        let capped = search_text(&long);
        assert!(capped.chars().count() <= MAX_SEARCH_CHARS);
        assert!(capped.starts_with("चाय चाय"));
        assert!(!capped.ends_with(' '));
        let emoji = "☕".repeat(500);
        assert_eq!(search_text(&emoji).chars().count(), MAX_SEARCH_CHARS);
        let query = search(&format!("q={}", "x".repeat(10_000))).lenient_search_query(48);
        assert_eq!(query.text.len(), MAX_SEARCH_CHARS);
    }

    #[test]
    fn search_links_round_trip() {
        let query = SearchQuery {
            text: "masala chai & more".to_owned(),
            category: Some(CategoryId::parse(TEA).unwrap()),
            min_price_minor: Some(49950),
            max_price_minor: Some(100000),
            sort: SearchSort::PriceDesc,
            page: 4,
            per_page: 48,
        };
        let href = search_href(&query);
        assert_eq!(
            href,
            format!(
                "?q=masala+chai+%26+more&category={TEA}&min_price=499.50&max_price=1000&sort=price_desc&page=4"
            )
        );
        let parsed = search(href.trim_start_matches('?'))
            .search_query(48)
            .unwrap();
        assert_eq!(parsed, query);
        assert_eq!(search_href(&SearchQuery::default()), "?");
        assert_eq!(price_param(5), "0.05");
        assert_eq!(price_param(0), "0");
    }
}
