//! Discount codes and the store's checkout settings (UPI id, delivery fee, pickup,
//! address, GSTIN, tax rate), both edited by the owning seller. The limits of a code are
//! enforced by the checkout transaction (`orders::lock_discount`).

use haat_domain::{
    DiscountCode, DiscountId, DiscountKind, Gstin, Price, SellerId, StoreAddress, StoreId, TaxRate,
    UpiId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::is_unique_violation;
use crate::{Db, DbError, Result};

/// A new discount code.
#[derive(Clone, Debug)]
pub struct NewDiscount {
    pub code: DiscountCode,
    pub kind: DiscountKind,
    pub min_order: Price,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub max_uses: Option<i32>,
    pub max_uses_per_phone: Option<i32>,
}

#[derive(Clone, Debug)]
pub struct DiscountRecord {
    pub id: DiscountId,
    pub code: String,
    pub kind: DiscountKind,
    pub min_order_minor: i64,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub max_uses: Option<i32>,
    pub max_uses_per_phone: Option<i32>,
    pub uses: i32,
    pub active: bool,
    pub created_at: OffsetDateTime,
}

/// Checkout settings to change; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct CheckoutSettingsPatch {
    pub upi_id: Option<Option<UpiId>>,
    pub delivery_fee: Option<Price>,
    pub pickup_enabled: Option<bool>,
    pub address: Option<StoreAddress>,
    pub gstin: Option<Option<Gstin>>,
    pub tax_rate: Option<Option<TaxRate>>,
}

type DiscountRow = (
    Uuid,
    String,
    String,
    i64,
    i64,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
    Option<i32>,
    Option<i32>,
    i32,
    bool,
    OffsetDateTime,
);

const DISCOUNT_COLUMNS: &str = "id, code, kind, value, min_order_minor, starts_at, ends_at,
    max_uses, max_uses_per_phone, uses, active, created_at";

fn discount_from_row(row: DiscountRow) -> Result<DiscountRecord> {
    let (
        id,
        code,
        kind,
        value,
        min_order_minor,
        starts_at,
        ends_at,
        max_uses,
        per_phone,
        uses,
        active,
        created_at,
    ) = row;
    Ok(DiscountRecord {
        id: DiscountId::from_uuid(id),
        code,
        kind: DiscountKind::from_parts(&kind, value)
            .map_err(|_| DbError::Other(sqlx::Error::Decode("discounts.kind".into())))?,
        min_order_minor,
        starts_at,
        ends_at,
        max_uses,
        max_uses_per_phone: per_phone,
        uses,
        active,
        created_at,
    })
}

impl Db {
    /// Creates a code; a code the store already has (ignoring case) is `409 code_taken`.
    pub async fn create_discount(
        &self,
        store: StoreId,
        new: &NewDiscount,
    ) -> Result<DiscountRecord> {
        if let (Some(start), Some(end)) = (new.starts_at, new.ends_at) {
            if end <= start {
                return Err(DbError::Invalid(
                    "ends_at",
                    "the end must be after the start".into(),
                ));
            }
        }
        let sql = format!(
            "INSERT INTO discounts (id, store_id, code, code_key, kind, value, min_order_minor,
                 starts_at, ends_at, max_uses, max_uses_per_phone)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             RETURNING {DISCOUNT_COLUMNS}"
        );
        let row: std::result::Result<DiscountRow, sqlx::Error> = sqlx::query_as(&sql)
            .bind(DiscountId::new().as_uuid())
            .bind(store.as_uuid())
            .bind(new.code.as_str())
            .bind(new.code.key())
            .bind(new.kind.kind_str())
            .bind(new.kind.value())
            .bind(new.min_order.minor())
            .bind(new.starts_at)
            .bind(new.ends_at)
            .bind(new.max_uses)
            .bind(new.max_uses_per_phone)
            .fetch_one(&self.pool)
            .await;
        match row {
            Ok(row) => discount_from_row(row),
            Err(error) if is_unique_violation(&error, "discounts_store_id_code_key_key") => {
                Err(DbError::Conflict(
                    "code_taken",
                    "this store already has that discount code".into(),
                ))
            }
            Err(error) => Err(error.into()),
        }
    }

    pub async fn discounts(&self, store: StoreId) -> Result<Vec<DiscountRecord>> {
        let sql = format!(
            "SELECT {DISCOUNT_COLUMNS} FROM discounts WHERE store_id = $1 ORDER BY created_at DESC LIMIT 500"
        );
        let rows: Vec<DiscountRow> = sqlx::query_as(&sql)
            .bind(store.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(discount_from_row).collect()
    }

    /// Turns a code on or off; another store's code is `NotFound`.
    pub async fn set_discount_active(
        &self,
        store: StoreId,
        discount: DiscountId,
        active: bool,
    ) -> Result<DiscountRecord> {
        let sql = format!(
            "UPDATE discounts SET active = $3, updated_at = now() WHERE id = $1 AND store_id = $2
             RETURNING {DISCOUNT_COLUMNS}"
        );
        let row: Option<DiscountRow> = sqlx::query_as(&sql)
            .bind(discount.as_uuid())
            .bind(store.as_uuid())
            .bind(active)
            .fetch_optional(&self.pool)
            .await?;
        discount_from_row(row.ok_or(DbError::NotFound)?)
    }

    /// Deletes a code; orders that used it keep the code's text.
    pub async fn delete_discount(&self, store: StoreId, discount: DiscountId) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM discounts WHERE id = $1 AND store_id = $2")
            .bind(discount.as_uuid())
            .bind(store.as_uuid())
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    /// Edits the checkout settings of `store` if `seller` owns it.
    pub async fn update_checkout_settings(
        &self,
        seller: SellerId,
        store: StoreId,
        patch: &CheckoutSettingsPatch,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        update_checkout_row(&mut conn, seller, store, patch).await
    }
}

/// The checkout settings' UPDATE, on a connection or inside a caller's transaction.
pub(crate) async fn update_checkout_row(
    conn: &mut sqlx::PgConnection,
    seller: SellerId,
    store: StoreId,
    patch: &CheckoutSettingsPatch,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE stores SET
            upi_id = CASE WHEN $3 THEN $4 ELSE upi_id END,
            delivery_fee_minor = coalesce($5, delivery_fee_minor),
            pickup_enabled = coalesce($6, pickup_enabled),
            address = coalesce($7, address),
            gstin = CASE WHEN $8 THEN $9 ELSE gstin END,
            tax_rate_bps = CASE WHEN $10 THEN $11 ELSE tax_rate_bps END,
            updated_at = now(), version = version + 1
         WHERE id = $1 AND seller_id = $2",
    )
    .bind(store.as_uuid())
    .bind(seller.as_uuid())
    .bind(patch.upi_id.is_some())
    .bind(
        patch
            .upi_id
            .as_ref()
            .and_then(|u| u.as_ref().map(|u| u.as_str().to_owned())),
    )
    .bind(patch.delivery_fee.map(|p| p.minor()))
    .bind(patch.pickup_enabled)
    .bind(patch.address.as_ref().map(|a| a.as_str()))
    .bind(patch.gstin.is_some())
    .bind(
        patch
            .gstin
            .as_ref()
            .and_then(|g| g.as_ref().map(|g| g.as_str().to_owned())),
    )
    .bind(patch.tax_rate.is_some())
    .bind(patch.tax_rate.and_then(|t| t.map(|t| t.bps())))
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}
