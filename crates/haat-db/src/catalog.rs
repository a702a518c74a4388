//! The storefront's reads: a store page in three queries whatever the catalog size, and
//! the keyset pagination shared with the seller's product list.

use haat_domain::catalog::{
    CatalogCursor, CatalogPage, CatalogQuery, CatalogSort, CategoryEntry, ProductCard,
    StoreProfile, MAX_PAGE_SIZE,
};
use haat_domain::{CategoryId, ProductId, StoreSlug};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::Postgres;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::products::{ProductRow, PRODUCT_COLUMNS, PRODUCT_JOINS};
use crate::stores::{store_from_row, StoreRecord, StoreRow, STORE_COLUMNS};
use crate::{Db, Result};

/// Uncategorised products sort after every category: NULL is replaced by the largest uuid
/// (the same expression is indexed, see the migration).
const CATEGORY_KEY: &str = "coalesce(p.category_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)";
const NO_CATEGORY: Uuid = Uuid::max();
const NAME_KEY: &str = "lower(p.name) COLLATE \"C\"";

pub(crate) fn order_clause(sort: CatalogSort) -> String {
    match sort {
        CatalogSort::Category => format!(" ORDER BY {CATEGORY_KEY}, {NAME_KEY}, p.id"),
        CatalogSort::Newest => " ORDER BY p.created_at DESC, p.id DESC".to_owned(),
        CatalogSort::PriceAsc => " ORDER BY p.price_minor, p.id".to_owned(),
        CatalogSort::PriceDesc => " ORDER BY p.price_minor DESC, p.id DESC".to_owned(),
        CatalogSort::Name => format!(" ORDER BY {NAME_KEY}, p.id"),
    }
}

/// The `WHERE` part that starts after the cursor; parameters are numbered from `first`.
pub(crate) fn cursor_clause(sort: CatalogSort, has_cursor: bool, first: usize) -> String {
    if !has_cursor {
        return String::new();
    }
    let (a, b, c) = (first, first + 1, first + 2);
    match sort {
        CatalogSort::Category => {
            format!(
                " AND ({CATEGORY_KEY}, {NAME_KEY}, p.id) > (${a}::uuid, ${b}::text, ${c}::uuid)"
            )
        }
        CatalogSort::Newest => format!(" AND (p.created_at, p.id) < (${a}, ${b})"),
        CatalogSort::PriceAsc => format!(" AND (p.price_minor, p.id) > (${a}, ${b})"),
        CatalogSort::PriceDesc => format!(" AND (p.price_minor, p.id) < (${a}, ${b})"),
        CatalogSort::Name => format!(" AND ({NAME_KEY}, p.id) > (${a}::text, ${b}::uuid)"),
    }
}

/// The cursor's values, bound in the order `cursor_clause` numbers them.
pub(crate) enum CursorBinds {
    None,
    Category(Uuid, String, Uuid),
    Newest(OffsetDateTime, Uuid),
    Price(i64, Uuid),
    Name(String, Uuid),
}

impl CursorBinds {
    pub(crate) fn from_cursor(cursor: Option<&CatalogCursor>) -> CursorBinds {
        match cursor {
            None => CursorBinds::None,
            Some(CatalogCursor::Category {
                category_id,
                name_key,
                id,
            }) => CursorBinds::Category(
                category_id.map_or(NO_CATEGORY, |c| c.as_uuid()),
                name_key.clone(),
                id.as_uuid(),
            ),
            Some(CatalogCursor::Newest {
                created_at_micros,
                id,
            }) => CursorBinds::Newest(
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(*created_at_micros) * 1_000)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                id.as_uuid(),
            ),
            Some(CatalogCursor::Price { price_minor, id }) => {
                CursorBinds::Price(*price_minor, id.as_uuid())
            }
            Some(CatalogCursor::Name { name_key, id }) => {
                CursorBinds::Name(name_key.clone(), id.as_uuid())
            }
        }
    }

    pub(crate) fn bind<'q, O>(
        self,
        query: QueryAs<'q, Postgres, O, PgArguments>,
    ) -> QueryAs<'q, Postgres, O, PgArguments> {
        match self {
            CursorBinds::None => query,
            CursorBinds::Category(category, name, id) => query.bind(category).bind(name).bind(id),
            CursorBinds::Newest(at, id) => query.bind(at).bind(id),
            CursorBinds::Price(price, id) => query.bind(price).bind(id),
            CursorBinds::Name(name, id) => query.bind(name).bind(id),
        }
    }
}

/// Trims the extra row fetched to detect a next page and returns the cursor after the
/// last row kept.
pub(crate) fn next_cursor(
    sort: CatalogSort,
    rows: &mut Vec<ProductRow>,
    limit: u32,
) -> Option<CatalogCursor> {
    if rows.len() <= limit as usize {
        return None;
    }
    rows.truncate(limit as usize);
    let last = rows.last()?;
    let id = ProductId::from_uuid(last.id);
    Some(match sort {
        CatalogSort::Category => CatalogCursor::Category {
            category_id: last.category_id.map(CategoryId::from_uuid),
            name_key: last.name_key.clone(),
            id,
        },
        CatalogSort::Newest => CatalogCursor::Newest {
            created_at_micros: (last.created_at.unix_timestamp_nanos() / 1_000) as i64,
            id,
        },
        CatalogSort::PriceAsc | CatalogSort::PriceDesc => CatalogCursor::Price {
            price_minor: last.price_minor,
            id,
        },
        CatalogSort::Name => CatalogCursor::Name {
            name_key: last.name_key.clone(),
            id,
        },
    })
}

/// A store row with its change sequence, read in the same statement (so no later than
/// the rest of a page).
#[derive(sqlx::FromRow)]
struct ProfileRow {
    #[sqlx(flatten)]
    store: StoreRow,
    change_seq: i64,
}

fn profile(store: StoreRecord, change_seq: i64) -> StoreProfile {
    StoreProfile {
        change_seq,
        id: store.id,
        slug: store.slug,
        name: store.name,
        description: store.description,
        whatsapp: store.whatsapp,
        accent_colour: store.accent_colour,
        currency: store.currency,
        logo: store.logo,
        updated_at: store.updated_at,
    }
}

pub(crate) fn card(row: ProductRow) -> ProductCard {
    let record = row.into_record();
    ProductCard {
        id: record.id,
        name: record.name,
        description: record.description,
        price_minor: record.price_minor,
        category_id: record.category.map(|c| c.id),
        stock: record.stock,
        image: record.image,
        created_at: record.created_at,
    }
}

impl Db {
    pub async fn store_profile(&self, slug: &StoreSlug) -> Result<Option<StoreProfile>> {
        let sql = format!(
            "SELECT {STORE_COLUMNS},
                    COALESCE((SELECT c.seq FROM store_change_seq c WHERE c.store_id = s.id), 0)
                        AS change_seq
             FROM stores s LEFT JOIN images i ON i.id = s.logo_image_id
             WHERE s.slug = $1"
        );
        let row: Option<ProfileRow> = sqlx::query_as(&sql)
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| profile(store_from_row(row.store), row.change_seq)))
    }

    /// Everything a store page shows, in three queries (store, categories, one page of
    /// active products) whatever the size of the catalog.
    pub async fn catalog_page(
        &self,
        slug: &StoreSlug,
        query: &CatalogQuery,
    ) -> Result<Option<CatalogPage>> {
        let Some(store) = self.store_profile(slug).await? else {
            return Ok(None);
        };
        let categories: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, name FROM categories WHERE store_id = $1 ORDER BY id LIMIT 500",
        )
        .bind(store.id.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);
        let mut sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM {PRODUCT_JOINS} WHERE p.store_id = $1 AND p.active"
        );
        let mut next_param = 2;
        if query.category.is_some() {
            sql.push_str(&format!(" AND {CATEGORY_KEY} = $2"));
            next_param = 3;
        }
        sql.push_str(&cursor_clause(
            query.sort,
            query.after.is_some(),
            next_param,
        ));
        sql.push_str(&order_clause(query.sort));
        sql.push_str(&format!(" LIMIT {}", limit + 1));
        let mut products_query = sqlx::query_as::<_, ProductRow>(&sql).bind(store.id.as_uuid());
        if let Some(category) = query.category {
            products_query = products_query.bind(category.as_uuid());
        }
        let mut rows = CursorBinds::from_cursor(query.after.as_ref())
            .bind(products_query)
            .fetch_all(&self.pool)
            .await?;
        let next = next_cursor(query.sort, &mut rows, limit);
        Ok(Some(CatalogPage {
            store,
            categories: categories
                .into_iter()
                .map(|(id, name)| CategoryEntry {
                    id: CategoryId::from_uuid(id),
                    name,
                })
                .collect(),
            products: rows.into_iter().map(card).collect(),
            next,
        }))
    }

    /// A store and one of its active products, in two queries.
    pub async fn product_page(
        &self,
        slug: &StoreSlug,
        product: ProductId,
    ) -> Result<Option<(StoreProfile, ProductCard, Option<String>)>> {
        let Some(store) = self.store_profile(slug).await? else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM {PRODUCT_JOINS}
             WHERE p.store_id = $1 AND p.id = $2 AND p.active"
        );
        let row: Option<ProductRow> = sqlx::query_as(&sql)
            .bind(store.id.as_uuid())
            .bind(product.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| {
            let category = row.category_name.clone();
            (store, card(row), category)
        }))
    }
}
