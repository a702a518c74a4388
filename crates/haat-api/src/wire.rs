//! The seller API's wire types (version 1). Only these serialize; they are converted by
//! hand from records, so renaming a Rust field never silently changes the API.

use haat_db::{CategoryRecord, ProductRecord, SellerRecord, StoreRecord};
use haat_domain::catalog::ImageRef;
use haat_domain::decimal_string;
use haat_storefront::urls;
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use url::Url;
use utoipa::ToSchema;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpRequest {
    /// E.164 (`+919812345678`) or a 10-digit Indian mobile number.
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct OtpSent {
    pub sent: bool,
    /// Seconds the code stays valid.
    pub expires_in: u64,
    /// Seconds before another code may be requested.
    pub retry_after: u64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub phone: String,
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct SellerBody {
    pub id: String,
    pub phone: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&SellerRecord> for SellerBody {
    fn from(seller: &SellerRecord) -> Self {
        SellerBody {
            id: seller.id.to_string(),
            phone: seller.phone.clone(),
            created_at: seller.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    pub token: String,
    pub seller: SellerBody,
    pub new_seller: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStoreRequest {
    pub name: String,
}

/// A store's own search synonyms: groups of equivalent words or phrases
/// (`[["kulfi", "ice cream"]]`), each 2 to 10 members of 1 to 3 words.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SynonymsBody {
    pub groups: Vec<Vec<String>>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateStoreRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    /// A phone number; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub whatsapp: Option<Option<String>>,
    /// `#rrggbb`
    pub accent_colour: Option<String>,
    /// ISO 4217 code, e.g. `INR`.
    pub currency: Option<String>,
    /// The store's UPI id (`name@bank`); `null` turns UPI payments off.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub upi_id: Option<Option<String>>,
    /// Delivery fee as a decimal amount, e.g. `"40.00"`.
    pub delivery_fee: Option<String>,
    pub pickup_enabled: Option<bool>,
    /// The store's address, printed on invoices.
    pub address: Option<String>,
    /// GSTIN printed on invoices; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub gstin: Option<Option<String>>,
    /// Tax included in prices, in percent (e.g. `"5"`); `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub tax_rate_percent: Option<Option<String>>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct ImageVariantBody {
    pub width: u32,
    pub webp: String,
    pub jpeg: String,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct ImageBody {
    pub width: u32,
    pub height: u32,
    pub variants: Vec<ImageVariantBody>,
}

pub fn image_body(media_base: &Url, image: &ImageRef) -> ImageBody {
    let mut widths = image.variant_widths.clone();
    widths.sort_unstable();
    ImageBody {
        width: image.width,
        height: image.height,
        variants: widths
            .into_iter()
            .map(|width| ImageVariantBody {
                width,
                webp: urls::image_url(media_base, &image.hash, width, "webp"),
                jpeg: urls::image_url(media_base, &image.hash, width, "jpg"),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct StoreBody {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub whatsapp: Option<String>,
    pub accent_colour: String,
    pub currency: String,
    pub logo: Option<ImageBody>,
    /// The store's public link, to share.
    pub url: String,
    /// Payment, delivery and invoice settings (on single-store reads and edits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkout: Option<crate::routes::orders::CheckoutSettingsBody>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl StoreBody {
    pub fn new(store: &StoreRecord, public_url: &Url, media_base: &Url) -> StoreBody {
        StoreBody {
            id: store.id.to_string(),
            slug: store.slug.clone(),
            name: store.name.clone(),
            description: store.description.clone(),
            whatsapp: store.whatsapp.clone(),
            accent_colour: store.accent_colour.clone(),
            currency: store.currency.code().to_owned(),
            logo: store.logo.as_ref().map(|logo| image_body(media_base, logo)),
            url: urls::store_url(public_url, &store.slug),
            checkout: None,
            created_at: store.created_at,
            updated_at: store.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StoreList {
    pub stores: Vec<StoreBody>,
}

/// Body of `POST /products` and `PATCH /products/{id}`. Give the price either as an
/// exact decimal (`"1299.50"` or `1299.5`) or in minor units (`129950`), not both.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProductRequest {
    pub name: Option<String>,
    #[schema(value_type = Option<String>, example = "1299.50")]
    pub price: Option<Box<serde_json::value::RawValue>>,
    pub price_minor: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// A category name: created if the store has none by that name.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub category_id: Option<Option<String>>,
    /// Units in stock; `null` means unlimited.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub stock: Option<Option<i64>>,
    pub active: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryBody {
    pub id: String,
    pub name: String,
}

impl From<&CategoryRecord> for CategoryBody {
    fn from(category: &CategoryRecord) -> Self {
        CategoryBody {
            id: category.id.to_string(),
            name: category.name.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    pub categories: Vec<CategoryBody>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductBody {
    pub id: String,
    pub store_id: String,
    pub name: String,
    pub description: String,
    /// Exact decimal string in the store's currency.
    pub price: String,
    pub price_minor: i64,
    pub currency: String,
    pub category: Option<CategoryBody>,
    /// `null` means unlimited.
    pub stock: Option<i32>,
    pub active: bool,
    pub image: Option<ImageBody>,
    /// The product's public page.
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl ProductBody {
    pub fn new(
        product: &ProductRecord,
        store: &StoreRecord,
        public_url: &Url,
        media_base: &Url,
    ) -> ProductBody {
        ProductBody {
            id: product.id.to_string(),
            store_id: product.store_id.to_string(),
            name: product.name.clone(),
            description: product.description.clone(),
            price: decimal_string(product.price_minor, store.currency),
            price_minor: product.price_minor,
            currency: store.currency.code().to_owned(),
            category: product.category.as_ref().map(CategoryBody::from),
            stock: product.stock,
            active: product.active,
            image: product
                .image
                .as_ref()
                .map(|image| image_body(media_base, image)),
            url: urls::product_url(public_url, &store.slug, &product.id.to_string()),
            created_at: product.created_at,
            updated_at: product.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductList {
    pub products: Vec<ProductBody>,
    /// Pass as `after` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ProductListQuery {
    /// `newest` (default), `price_asc`, `price_desc`, `name` or `category`.
    pub sort: Option<String>,
    /// 1..=100, default 50.
    pub limit: Option<u32>,
    pub after: Option<String>,
}
