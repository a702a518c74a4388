//! `GET /dashboard`, the page a seller lands on, in three states: signed out (the phone
//! form), signed in without a store ("Name your store"), and the store home (the link to
//! share, the products). Also `POST /dashboard/store`, which creates the store.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::Form;
use haat_db::{DbError, StoreRecord};
use haat_domain::catalog::{CatalogCursor, CatalogSort};
use haat_domain::StoreSlug;
use haat_storefront::urls;
use http::StatusCode;
use serde::Deserialize;

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{self, csrf_ok, sentence, text, Fields};
use crate::dashboard::login::{phone_page, PhoneForm};
use crate::dashboard::page::{self, ErrorKind, PageError, PageResult, EXPIRED_FORM};
use crate::dashboard::session::{DashboardSeller, MaybeDashboardSeller};
use crate::dashboard::views::{HomePage, Layout, ProductItem, SetupPage};
use crate::input::parse_store_name;
use crate::ApiState;

/// Products per page of the store home.
const PAGE_SIZE: u32 = 20;

#[derive(Deserialize)]
pub(crate) struct HomeQuery {
    after: Option<String>,
    /// Which action just succeeded; only known values show a notice.
    done: Option<String>,
}

/// `GET /dashboard`
pub(crate) async fn show(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    MaybeDashboardSeller(seller): MaybeDashboardSeller,
    query: Result<Query<HomeQuery>, QueryRejection>,
) -> PageResult {
    let Some(seller) = seller else {
        return Ok(phone_page(
            &state,
            &csrf,
            StatusCode::OK,
            PhoneForm::new(String::new()),
        ));
    };
    let Ok(Query(query)) = query else {
        return Err(bad_request());
    };
    let Some(store) = seller_store(&state, &seller).await? else {
        return Ok(setup_page(&csrf, StatusCode::OK, String::new(), None, None));
    };
    let after = query
        .after
        .as_deref()
        .filter(|text| !text.is_empty())
        .map(|text| CatalogCursor::decode(text, CatalogSort::Newest))
        .transpose()
        .map_err(|_| bad_request())?;
    let after = &after;
    let (products, next) = state
        .read(seller.read_floor, |db| async move {
            db.list_products(store.id, CatalogSort::Newest, after.as_ref(), PAGE_SIZE)
                .await
        })
        .await?;
    let config = state.config();
    let store_url = urls::store_url(&config.public_url, &store.slug);
    let mut layout = Layout::new(store.name.clone());
    layout.notice = query.done.as_deref().and_then(notice).map(str::to_owned);
    let page = HomePage {
        layout,
        csrf: csrf.value().to_owned(),
        whatsapp_share_url: whatsapp_share_url(&store.name, &store_url),
        store_name: store.name.clone(),
        store_url,
        logo_url: store.logo.as_ref().map(|logo| {
            urls::image_url(
                &config.media_base_url,
                &logo.hash,
                logo.best_width(160),
                "webp",
            )
        }),
        products: products
            .iter()
            .map(|product| ProductItem::new(product, store.currency, &config.media_base_url))
            .collect(),
        more_url: next.map(|cursor| format!("/dashboard?after={}", cursor.encode())),
        is_first_page: after.is_none(),
    };
    Ok(page::render(StatusCode::OK, &page, Some(&csrf)))
}

/// `POST /dashboard/store` (name): creates the seller's store, `303 /dashboard`.
pub(crate) async fn create_store(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let fields = form::urlencoded(form)?;
    let typed_name = text(&fields, "name");
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        let alert = Some(EXPIRED_FORM.to_owned());
        return Ok(setup_page(
            &csrf,
            StatusCode::FORBIDDEN,
            typed_name,
            None,
            alert,
        ));
    }
    // A second press of "Create" (or a second tab) must not make a second store.
    if seller_store(&state, &seller).await?.is_some() {
        return Ok(page::see_other("/dashboard"));
    }
    let name = match parse_store_name(&typed_name) {
        Ok(name) => name,
        Err(error) => {
            let message = Some(sentence(&error.message));
            return Ok(setup_page(&csrf, error.status, typed_name, message, None));
        }
    };
    let store = state
        .db()
        .create_store(seller.seller.id, &name, &StoreSlug::derive(&name))
        .await?;
    tracing::info!(store.id = %store.id, store.slug = %store.slug, "store created from the dashboard");
    metrics::counter!("haat_stores_created_total").increment(1);
    metrics::counter!("haat_dashboard_actions_total", "action" => "store_created").increment(1);
    Ok(page::see_other("/dashboard?done=created"))
}

/// The seller's dashboard store: the first they created. Scoped to the seller by the
/// query itself.
pub(crate) async fn seller_store(
    state: &ApiState,
    seller: &DashboardSeller,
) -> Result<Option<StoreRecord>, DbError> {
    let stores = state.db().stores_of_seller(seller.seller.id).await?;
    Ok(stores.into_iter().next())
}

/// The seller's store, or a redirect to the setup page when they have none yet.
pub(crate) async fn require_store(
    state: &ApiState,
    seller: &DashboardSeller,
) -> Result<StoreRecord, PageError> {
    seller_store(state, seller)
        .await?
        .ok_or_else(|| PageError::from(page::see_other("/dashboard")))
}

/// The signed-in seller's store with its checkout settings (order desk, payments &
/// delivery, discount codes).
pub(crate) async fn require_shop_store(
    state: &ApiState,
    seller: &DashboardSeller,
) -> Result<haat_db::ShopStore, PageError> {
    let store = require_store(state, seller).await?;
    Ok(state.db().shop_store_by_id(store.id).await?)
}

fn setup_page(
    csrf: &CsrfToken,
    status: StatusCode,
    name: String,
    error: Option<String>,
    alert: Option<String>,
) -> axum::response::Response {
    let page = SetupPage {
        layout: Layout::new("Name your store").with_alert(alert),
        csrf: csrf.value().to_owned(),
        name,
        error,
    };
    page::render(status, &page, Some(csrf))
}

fn bad_request() -> PageError {
    PageError::from(page::error_page(
        StatusCode::BAD_REQUEST,
        ErrorKind::BadRequest,
    ))
}

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "Your store is live! Add a product, then share the link.",
        "added" => "Product added. Share your store link so people can see it.",
        "saved" => "Product saved.",
        "deleted" => "Product deleted.",
        "settings" => "Store settings saved.",
        "checkout" => "Payments and delivery settings saved.",
        "synonyms" => "Search words saved. Shoppers' searches use them within seconds.",
        _ => return None,
    })
}

/// `https://wa.me/?text=…`: opens WhatsApp with a message carrying the store link.
fn whatsapp_share_url(store_name: &str, store_url: &str) -> String {
    haat_storefront::urls::whatsapp_share_url(&format!("Visit my store {store_name}: {store_url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_link_carries_the_store_link() {
        let url = whatsapp_share_url("Asha's Tea & Spices", "https://haat.example/ashas-tea");
        assert_eq!(
            url,
            "https://wa.me/?text=Visit%20my%20store%20Asha%27s%20Tea%20%26%20Spices%3A%20https%3A%2F%2Fhaat.example%2Fashas-tea"
        );
    }

    #[test]
    fn only_known_notices() {
        assert!(notice("added").is_some());
        assert!(notice("<script>").is_none());
    }
}
