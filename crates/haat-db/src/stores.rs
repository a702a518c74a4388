//! Stores: creation with a unique slug, reads and edits scoped to the owning seller.

use haat_domain::catalog::ImageRef;
use haat_domain::{
    AccentColour, Currency, Description, ImageId, Phone, SellerId, StoreId, StoreName, StoreSlug,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::is_unique_violation;
use crate::rows::{image_ref, widths_to_sql};
use crate::{Db, DbError, Result};

#[derive(Clone, Debug)]
pub struct StoreRecord {
    pub id: StoreId,
    pub seller_id: SellerId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub whatsapp: Option<String>,
    pub logo: Option<ImageRef>,
    pub accent_colour: String,
    pub currency: Currency,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Fields a seller may change; `None` leaves a field as it is. The slug never changes:
/// links to the store have been shared.
#[derive(Clone, Debug, Default)]
pub struct StorePatch {
    pub name: Option<StoreName>,
    pub description: Option<Description>,
    pub whatsapp: Option<Option<Phone>>,
    pub accent_colour: Option<AccentColour>,
    pub currency: Option<Currency>,
}

pub(crate) const STORE_COLUMNS: &str =
    "s.id, s.seller_id, s.slug, s.name, s.description, s.whatsapp,
     s.accent_colour, s.currency, s.created_at, s.updated_at, s.version,
     i.hash, i.width, i.height, i.variant_widths";

pub(crate) type StoreRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    OffsetDateTime,
    OffsetDateTime,
    i64,
    Option<String>,
    Option<i32>,
    Option<i32>,
    Option<Vec<i32>>,
);

pub(crate) fn store_from_row(row: StoreRow) -> StoreRecord {
    let (
        id,
        seller_id,
        slug,
        name,
        description,
        whatsapp,
        accent_colour,
        currency,
        created_at,
        updated_at,
        version,
        hash,
        width,
        height,
        widths,
    ) = row;
    StoreRecord {
        id: StoreId::from_uuid(id),
        seller_id: SellerId::from_uuid(seller_id),
        slug,
        name,
        description,
        whatsapp,
        logo: image_ref(hash, width, height, widths),
        accent_colour,
        currency: Currency::parse(&currency).unwrap_or_default(),
        created_at,
        updated_at,
        version,
    }
}

/// How many numbered slugs (`name-2`, `name-3`, …) to try before giving up on a race.
const SLUG_ATTEMPTS: u32 = 20;

impl Db {
    /// Creates a store for `seller`, with the first free slug among `base`, `base-2`, …
    pub async fn create_store(
        &self,
        seller: SellerId,
        name: &StoreName,
        base: &StoreSlug,
    ) -> Result<StoreRecord> {
        // Find the highest numbered slug already taken, then insert; a concurrent insert
        // of the same slug loses the unique race and tries the next number.
        let taken: Vec<(String,)> = sqlx::query_as(
            "SELECT slug FROM stores WHERE slug = $1 OR slug ~ ('^' || $1 || '-[0-9]+$')",
        )
        .bind(base.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut next = next_free_suffix(base.as_str(), taken.iter().map(|(s,)| s.as_str()));
        for _ in 0..SLUG_ATTEMPTS {
            let slug = match next {
                None => base.clone(),
                Some(n) => base.with_suffix(n),
            };
            let id = StoreId::new();
            let result = sqlx::query(
                "INSERT INTO stores (id, seller_id, slug, name) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.as_uuid())
            .bind(seller.as_uuid())
            .bind(slug.as_str())
            .bind(name.as_str())
            .execute(&self.pool)
            .await;
            match result {
                Ok(_) => return self.store_for_seller(seller, id).await,
                Err(error) if is_unique_violation(&error, "stores_slug_key") => {
                    next = Some(next.map_or(2, |n| n + 1));
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(DbError::Unavailable(sqlx::Error::Protocol(
            "could not find a free store slug".into(),
        )))
    }

    /// The store if `seller` owns it; another seller's store is `NotFound`, exactly like a
    /// store that does not exist, so ids cannot be probed.
    pub async fn store_for_seller(&self, seller: SellerId, store: StoreId) -> Result<StoreRecord> {
        let sql = format!(
            "SELECT {STORE_COLUMNS} FROM stores s LEFT JOIN images i ON i.id = s.logo_image_id
             WHERE s.id = $1 AND s.seller_id = $2"
        );
        let row: Option<StoreRow> = sqlx::query_as(&sql)
            .bind(store.as_uuid())
            .bind(seller.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        row.map(store_from_row).ok_or(DbError::NotFound)
    }

    pub async fn stores_of_seller(&self, seller: SellerId) -> Result<Vec<StoreRecord>> {
        let sql = format!(
            "SELECT {STORE_COLUMNS} FROM stores s LEFT JOIN images i ON i.id = s.logo_image_id
             WHERE s.seller_id = $1 ORDER BY s.created_at LIMIT 100"
        );
        let rows: Vec<StoreRow> = sqlx::query_as(&sql)
            .bind(seller.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(store_from_row).collect())
    }

    pub async fn update_store(
        &self,
        seller: SellerId,
        store: StoreId,
        patch: &StorePatch,
    ) -> Result<StoreRecord> {
        let mut conn = self.pool.acquire().await?;
        update_store_row(&mut conn, seller, store, patch).await?;
        drop(conn);
        self.store_for_seller(seller, store).await
    }

    /// A store's profile and its checkout settings in one transaction (`PATCH
    /// /api/v1/stores/{id}` carries both): both are written or neither is.
    pub async fn update_store_and_checkout(
        &self,
        seller: SellerId,
        store: StoreId,
        patch: &StorePatch,
        checkout: &crate::CheckoutSettingsPatch,
    ) -> Result<StoreRecord> {
        let mut tx = self.pool.begin().await?;
        update_store_row(&mut tx, seller, store, patch).await?;
        crate::discounts::update_checkout_row(&mut tx, seller, store, checkout).await?;
        tx.commit().await?;
        self.store_for_seller(seller, store).await
    }

    /// Stores an uploaded image's metadata for a store; the variants themselves live in
    /// object storage under the content hash.
    pub async fn insert_image(&self, store: StoreId, image: &ImageRef) -> Result<ImageId> {
        let id = ImageId::new();
        sqlx::query(
            "INSERT INTO images (id, store_id, hash, width, height, variant_widths)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_uuid())
        .bind(store.as_uuid())
        .bind(&image.hash)
        .bind(image.width as i32)
        .bind(image.height as i32)
        .bind(widths_to_sql(image))
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn set_store_logo(
        &self,
        seller: SellerId,
        store: StoreId,
        image: &ImageRef,
    ) -> Result<StoreRecord> {
        // Ownership first, so an image row is never written for someone else's store.
        self.store_for_seller(seller, store).await?;
        let image_id = self.insert_image(store, image).await?;
        sqlx::query(
            "UPDATE stores SET logo_image_id = $3, updated_at = now(), version = version + 1
             WHERE id = $1 AND seller_id = $2",
        )
        .bind(store.as_uuid())
        .bind(seller.as_uuid())
        .bind(image_id.as_uuid())
        .execute(&self.pool)
        .await?;
        self.store_for_seller(seller, store).await
    }
}

/// The suffix to try first: `None` for the bare slug if free, else one past the highest
/// number taken.
fn next_free_suffix<'a>(base: &str, taken: impl Iterator<Item = &'a str>) -> Option<u32> {
    let mut bare_taken = false;
    let mut highest = 1;
    for slug in taken {
        if slug == base {
            bare_taken = true;
        } else if let Some(n) = slug
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|n| n.parse::<u32>().ok())
        {
            highest = highest.max(n);
        }
    }
    bare_taken.then_some(highest.saturating_add(1))
}

/// The profile's UPDATE, on a connection or inside a caller's transaction.
pub(crate) async fn update_store_row(
    conn: &mut sqlx::PgConnection,
    seller: SellerId,
    store: StoreId,
    patch: &StorePatch,
) -> Result<()> {
    let whatsapp = patch
        .whatsapp
        .as_ref()
        .map(|phone| phone.as_ref().map(|p| p.as_e164().to_owned()));
    let updated = sqlx::query(
        "UPDATE stores SET
            name = coalesce($3, name),
            description = coalesce($4, description),
            whatsapp = CASE WHEN $5 THEN $6 ELSE whatsapp END,
            accent_colour = coalesce($7, accent_colour),
            currency = coalesce($8, currency),
            updated_at = now(),
            version = version + 1
         WHERE id = $1 AND seller_id = $2",
    )
    .bind(store.as_uuid())
    .bind(seller.as_uuid())
    .bind(patch.name.as_ref().map(|n| n.as_str()))
    .bind(patch.description.as_ref().map(|d| d.as_str()))
    .bind(whatsapp.is_some())
    .bind(whatsapp.flatten())
    .bind(patch.accent_colour.as_ref().map(|c| c.as_str()))
    .bind(patch.currency.map(|c| c.code()))
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::next_free_suffix;

    fn check(taken: &[&str], expected: Option<u32>) {
        assert_eq!(
            next_free_suffix("tea", taken.iter().copied()),
            expected,
            "{taken:?}"
        );
    }

    #[test]
    fn suffixes() {
        check(&[], None);
        check(&["tea-2"], None);
        check(&["tea"], Some(2));
        check(&["tea", "tea-2"], Some(3));
        check(&["tea", "tea-7", "tea-3"], Some(8));
    }
}
