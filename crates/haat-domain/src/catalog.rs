//! The storefront's read model: what a shopper sees of a store, independent of how it is
//! stored. The database crate builds these; the storefront crate renders them. Keeping them
//! here lets the storefront render without depending on the database crate.

use time::OffsetDateTime;

use crate::{CategoryId, Currency, ParseError, ProductId, StoreId};

/// A stored photo: its content hash and the widths of the variants that exist for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub variant_widths: Vec<u32>,
}

impl ImageRef {
    /// The smallest variant at least `wanted` pixels wide, or the largest one.
    pub fn best_width(&self, wanted: u32) -> u32 {
        let mut widths = self.variant_widths.clone();
        widths.sort_unstable();
        widths
            .iter()
            .copied()
            .find(|width| *width >= wanted)
            .or_else(|| widths.last().copied())
            .unwrap_or(self.width)
    }
}

/// The public face of a store.
#[derive(Clone, Debug)]
pub struct StoreProfile {
    pub id: StoreId,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// E.164, for the "chat on WhatsApp" link; public by the seller's choice.
    pub whatsapp: Option<String>,
    pub accent_colour: String,
    pub currency: Currency,
    pub logo: Option<ImageRef>,
    pub updated_at: OffsetDateTime,
    /// The store's change sequence (docs/events.md) when this was read: every committed
    /// change to the store's catalog raises it, and it was read no later than the rest
    /// of the page, so a copy built from this read is stale once a higher number is
    /// known. 0 before the first captured change.
    pub change_seq: i64,
}

#[derive(Clone, Debug)]
pub struct CategoryEntry {
    pub id: CategoryId,
    pub name: String,
}

/// One product as shown in a listing or on its own page.
#[derive(Clone, Debug)]
pub struct ProductCard {
    pub id: ProductId,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub category_id: Option<CategoryId>,
    /// `None` means unlimited stock.
    pub stock: Option<i32>,
    pub image: Option<ImageRef>,
    pub created_at: OffsetDateTime,
}

impl ProductCard {
    pub fn is_sold_out(&self) -> bool {
        self.stock == Some(0)
    }
}

/// How a product listing is ordered. Every order has a unique tiebreaker (the id), so
/// keyset pagination never skips or repeats a product.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CatalogSort {
    /// Grouped by category (categories in creation order, uncategorised last), then name.
    #[default]
    Category,
    Newest,
    PriceAsc,
    PriceDesc,
    Name,
}

impl CatalogSort {
    pub const ALL: [CatalogSort; 5] = [
        CatalogSort::Category,
        CatalogSort::Newest,
        CatalogSort::PriceAsc,
        CatalogSort::PriceDesc,
        CatalogSort::Name,
    ];

    pub fn parse(input: &str) -> Result<CatalogSort, ParseError> {
        Ok(match input {
            "" | "category" => CatalogSort::Category,
            "newest" => CatalogSort::Newest,
            "price_asc" => CatalogSort::PriceAsc,
            "price_desc" => CatalogSort::PriceDesc,
            "name" => CatalogSort::Name,
            _ => {
                return Err(ParseError::new(
                    "invalid_sort",
                    "sort must be one of category, newest, price_asc, price_desc, name",
                ))
            }
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            CatalogSort::Category => "category",
            CatalogSort::Newest => "newest",
            CatalogSort::PriceAsc => "price_asc",
            CatalogSort::PriceDesc => "price_desc",
            CatalogSort::Name => "name",
        }
    }
}

/// The position after the last product of a page, as the values of its sort key.
/// Encoded into an opaque, URL-safe string for `?after=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogCursor {
    Category {
        category_id: Option<CategoryId>,
        name_key: String,
        id: ProductId,
    },
    Newest {
        created_at_micros: i64,
        id: ProductId,
    },
    Price {
        price_minor: i64,
        id: ProductId,
    },
    Name {
        name_key: String,
        id: ProductId,
    },
}

impl CatalogCursor {
    pub fn encode(&self) -> String {
        match self {
            CatalogCursor::Category {
                category_id,
                name_key,
                id,
            } => {
                let category = category_id.map_or_else(|| "-".to_owned(), |id| id.to_string());
                format!("c.{category}.{}.{id}", hex::encode(name_key))
            }
            CatalogCursor::Newest {
                created_at_micros,
                id,
            } => format!("t.{created_at_micros}.{id}"),
            CatalogCursor::Price { price_minor, id } => format!("p.{price_minor}.{id}"),
            CatalogCursor::Name { name_key, id } => format!("n.{}.{id}", hex::encode(name_key)),
        }
    }

    /// Parses a cursor and checks it belongs to `sort`; anything else is a client error.
    pub fn decode(input: &str, sort: CatalogSort) -> Result<CatalogCursor, ParseError> {
        let invalid = || ParseError::new("invalid_cursor", "the page cursor is not valid");
        if input.len() > 600 {
            return Err(invalid());
        }
        let parts: Vec<&str> = input.split('.').collect();
        let id = |text: &str| ProductId::parse(text).map_err(|_| invalid());
        let name = |text: &str| {
            let bytes = hex::decode(text).map_err(|_| invalid())?;
            String::from_utf8(bytes).map_err(|_| invalid())
        };
        let cursor = match (parts.as_slice(), sort) {
            (["c", category, name_hex, product], CatalogSort::Category) => {
                let category_id = match *category {
                    "-" => None,
                    text => Some(CategoryId::parse(text).map_err(|_| invalid())?),
                };
                CatalogCursor::Category {
                    category_id,
                    name_key: name(name_hex)?,
                    id: id(product)?,
                }
            }
            (["t", micros, product], CatalogSort::Newest) => CatalogCursor::Newest {
                created_at_micros: micros.parse().map_err(|_| invalid())?,
                id: id(product)?,
            },
            (["p", price, product], CatalogSort::PriceAsc | CatalogSort::PriceDesc) => {
                CatalogCursor::Price {
                    price_minor: price.parse().map_err(|_| invalid())?,
                    id: id(product)?,
                }
            }
            (["n", name_hex, product], CatalogSort::Name) => CatalogCursor::Name {
                name_key: name(name_hex)?,
                id: id(product)?,
            },
            _ => return Err(invalid()),
        };
        Ok(cursor)
    }
}

/// Upper bound on a page of products, whatever the client asks for.
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Clone, Debug)]
pub struct CatalogQuery {
    pub sort: CatalogSort,
    pub category: Option<CategoryId>,
    pub after: Option<CatalogCursor>,
    pub limit: u32,
}

/// A page of a store's catalog: everything a store page needs, fetched in a small,
/// constant number of queries whatever the catalog size.
#[derive(Clone, Debug)]
pub struct CatalogPage {
    pub store: StoreProfile,
    pub categories: Vec<CategoryEntry>,
    pub products: Vec<ProductCard>,
    pub next: Option<CatalogCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_roundtrip(cursor: CatalogCursor, sort: CatalogSort) {
        let encoded = cursor.encode();
        assert!(
            encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "{encoded}"
        );
        assert_eq!(CatalogCursor::decode(&encoded, sort), Ok(cursor));
    }

    #[test]
    fn cursors_roundtrip() {
        let id = ProductId::new();
        let name_key = "चाय & <b>tea</b>".to_owned();
        check_roundtrip(
            CatalogCursor::Category {
                category_id: None,
                name_key: name_key.clone(),
                id,
            },
            CatalogSort::Category,
        );
        check_roundtrip(
            CatalogCursor::Category {
                category_id: Some(CategoryId::new()),
                name_key: String::new(),
                id,
            },
            CatalogSort::Category,
        );
        check_roundtrip(
            CatalogCursor::Newest {
                created_at_micros: 1_700_000_000_123_456,
                id,
            },
            CatalogSort::Newest,
        );
        check_roundtrip(
            CatalogCursor::Price { price_minor: 0, id },
            CatalogSort::PriceDesc,
        );
        check_roundtrip(CatalogCursor::Name { name_key, id }, CatalogSort::Name);
    }

    #[test]
    fn bad_cursors_are_rejected() {
        let id = ProductId::new();
        for input in [
            "",
            "x",
            "p.1",
            "p.abc.x",
            "n.zz.00000000-0000-0000-0000-000000000000",
            "../../etc/passwd",
            &format!("t.1.{id}.extra"),
            &"a".repeat(10_000),
        ] {
            assert!(
                CatalogCursor::decode(input, CatalogSort::Newest).is_err(),
                "{input}"
            );
        }
        // A valid cursor for another sort order is refused, not misread.
        let price = CatalogCursor::Price { price_minor: 5, id }.encode();
        assert!(CatalogCursor::decode(&price, CatalogSort::Name).is_err());
    }

    #[test]
    fn best_width_picks_smallest_sufficient_variant() {
        let image = ImageRef {
            hash: "h".into(),
            width: 2000,
            height: 1000,
            variant_widths: vec![1600, 160, 480, 960],
        };
        assert_eq!(image.best_width(100), 160);
        assert_eq!(image.best_width(500), 960);
        assert_eq!(image.best_width(5000), 1600);
    }
}
