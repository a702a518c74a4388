//! The query string of a listing (`?sort=…&category=…&after=…&limit=…`), parsed once
//! into a [`CatalogQuery`] and written back into "next page" and filter links.
//!
//! Parameters Haat does not know are ignored rather than refused: a link shared through
//! WhatsApp or an ad often comes back with `utm_source` or `fbclid` attached, and that
//! must still open the store. An empty value counts as absent (`?category=` is what a
//! form with an empty field submits).

use haat_domain::catalog::{CatalogCursor, CatalogQuery, CatalogSort, MAX_PAGE_SIZE};
use haat_domain::{CategoryId, ParseError};

/// A listing parameter that is present but not valid.
#[derive(Debug)]
pub(crate) struct InvalidParam {
    /// The query parameter at fault: `sort`, `category`, `after` or `limit`.
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
}
