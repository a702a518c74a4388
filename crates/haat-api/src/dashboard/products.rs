//! Adding, editing and deleting products from the dashboard.
//!
//! The form is multipart (text fields, the `csrf` field and an optional `image` photo;
//! `accept="image/*"` lets a phone offer its camera). Text is parsed with the JSON API's
//! `parse_product_fields` before the photo is touched; any refusal shows the form again
//! with what the seller typed and the message next to the field. Every product is looked
//! up inside the seller's own store, so another store's product is a 404.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Request, State};
use axum::Form;
use haat_db::{
    Created, DbError, IdempotencyKey, NewProduct, ProductPatch, ProductRecord, StoreRecord,
};
use haat_domain::catalog::ImageRef;
use haat_domain::ProductId;
use haat_http::ApiError;
use haat_storefront::urls;
use http::StatusCode;

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{self, csrf_ok, max_photo_label, text, FieldErrors, Fields};
use crate::dashboard::home::require_store;
use crate::dashboard::page::{self, ErrorKind, PageError, PageResult, EXPIRED_FORM};
use crate::dashboard::session::DashboardSeller;
use crate::dashboard::views::{Layout, ProductFormPage, ProductFormValues};
use crate::input::{
    parse_idempotency_key, parse_product_fields, product_fingerprint, ProductInput,
};
use crate::upload::{read_multipart, store_image};
use crate::{ApiState, Error};

/// The inputs of the product form, for placing error messages.
const FIELDS: [&str; 7] = [
    "name",
    "price",
    "description",
    "category",
    "stock",
    "active",
    "image",
];

/// `GET /dashboard/products/new`
pub(crate) async fn new(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let form = ProductForm::new(ProductFormValues::default());
    product_page(&state, &csrf, StatusCode::OK, &store, None, form).await
}

/// `POST /dashboard/products`: creates a product, `303 /dashboard`.
pub(crate) async fn create(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    request: Request,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let submitted = read_form(&state, &csrf, &store, None, request).await?;
    let page = Refusal {
        state: &state,
        csrf: &csrf,
        store: &store,
        product: None,
        values: submitted.values,
    };
    let mut new = match parse(&submitted.fields, &store) {
        Ok(new) => new,
        Err(errors) => return page.show(errors).await,
    };
    if let Some(bytes) = submitted.image {
        match store_image(&state, bytes).await {
            Ok(image) => new.image = Some(image),
            Err(error) => return page.refuse(error).await,
        }
    }
    // The form's one-time key makes a double tap or a resubmitted form create one
    // product, not two.
    let created = match submitted.fields.get("idempotency_key") {
        Some(key) if parse_idempotency_key(key).is_ok() => {
            let key = IdempotencyKey {
                seller: seller.seller.id,
                key: key.clone(),
                request_hash: product_fingerprint(&new),
            };
            state
                .db()
                .create_product_once(store.id, &new, &key)
                .await
                .map(Created::into_inner)
        }
        _ => state.db().create_product(store.id, &new).await,
    };
    let product = match created {
        Ok(product) => product,
        Err(error) => return page.refuse(error.into()).await,
    };
    tracing::info!(store.id = %store.id, product.id = %product.id, "product created from the dashboard");
    metrics::counter!("haat_products_created_total").increment(1);
    metrics::counter!("haat_dashboard_actions_total", "action" => "product_created").increment(1);
    Ok(page::see_other("/dashboard?done=added"))
}

/// `GET /dashboard/products/{id}/edit`
pub(crate) async fn edit(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    Path(product_id): Path<String>,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let product = owned_product(&state, &store, &product_id).await?;
    let form = ProductForm::new(ProductFormValues::from_product(&product, store.currency));
    product_page(&state, &csrf, StatusCode::OK, &store, Some(&product), form).await
}

/// `POST /dashboard/products/{id}`: saves every field; a new photo replaces the old one,
/// no photo keeps it. `303 /dashboard`.
pub(crate) async fn update(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    Path(product_id): Path<String>,
    request: Request,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    // Ownership before reading the body: another store's id costs nothing to refuse.
    let product = owned_product(&state, &store, &product_id).await?;
    let submitted = read_form(&state, &csrf, &store, Some(&product), request).await?;
    let page = Refusal {
        state: &state,
        csrf: &csrf,
        store: &store,
        product: Some(&product),
        values: submitted.values,
    };
    let patch = match parse(&submitted.fields, &store) {
        Ok(new) => full_patch(new),
        Err(errors) => return page.show(errors).await,
    };
    let image: Option<ImageRef> = match submitted.image {
        None => None,
        Some(bytes) => match store_image(&state, bytes).await {
            Ok(image) => Some(image),
            Err(error) => return page.refuse(error).await,
        },
    };
    let db = state.db();
    if let Err(error) = db.update_product(store.id, product.id, &patch).await {
        return page.refuse(error.into()).await;
    }
    if let Some(image) = &image {
        db.set_product_image(store.id, product.id, image).await?;
    }
    tracing::info!(store.id = %store.id, product.id = %product.id, photo_changed = image.is_some(), "product updated from the dashboard");
    metrics::counter!("haat_dashboard_actions_total", "action" => "product_updated").increment(1);
    Ok(page::see_other("/dashboard?done=saved"))
}

/// `POST /dashboard/products/{id}/delete`: deletes at once, `303 /dashboard`. The edit
/// page asks for confirmation before showing this form's button.
pub(crate) async fn delete(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    Path(product_id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let product = owned_product(&state, &store, &product_id).await?;
    let fields = form::urlencoded(form)?;
    if !csrf_ok(&csrf, &fields) {
        page::count_csrf_rejection();
        let mut form = ProductForm::new(ProductFormValues::from_product(&product, store.currency));
        form.alert = Some(EXPIRED_FORM.to_owned());
        let status = StatusCode::FORBIDDEN;
        return product_page(&state, &csrf, status, &store, Some(&product), form).await;
    }
    match state.db().delete_product(store.id, product.id).await {
        Ok(()) => {}
        Err(DbError::NotFound) => return Err(product_not_found()),
        Err(error) => return Err(error.into()),
    }
    tracing::info!(store.id = %store.id, product.id = %product.id, "product deleted from the dashboard");
    metrics::counter!("haat_dashboard_actions_total", "action" => "product_deleted").increment(1);
    Ok(page::see_other("/dashboard?done=deleted"))
}

/// The product if it is in the seller's store; otherwise the product 404 page.
async fn owned_product(
    state: &ApiState,
    store: &StoreRecord,
    product_id: &str,
) -> Result<ProductRecord, PageError> {
    let product_id = ProductId::parse(product_id).map_err(|_| product_not_found())?;
    match state.db().product(store.id, product_id).await {
        Ok(product) => Ok(product),
        Err(DbError::NotFound) => Err(product_not_found()),
        Err(error) => Err(error.into()),
    }
}

fn product_not_found() -> PageError {
    PageError::from(page::error_page(
        StatusCode::NOT_FOUND,
        ErrorKind::ProductNotFound,
    ))
}

/// The text fields as a complete product; `into_new` insists on name and price, which a
/// full form always has. When something is wrong, every field is also checked on its own
/// with the same parser, so the seller sees all the problems at once, not one per try.
fn parse(fields: &Fields, store: &StoreRecord) -> Result<NewProduct, Vec<ApiError>> {
    let first_error =
        match parse_product_fields(fields, store.currency, true).and_then(ProductInput::into_new) {
            Ok(new) => return Ok(new),
            Err(error) => error,
        };
    let mut errors = vec![first_error];
    for name in ["name", "price", "description", "category", "stock"] {
        let Some(value) = fields.get(name) else {
            continue;
        };
        let alone = Fields::from([(name.to_owned(), value.clone())]);
        if let Err(error) = parse_product_fields(&alone, store.currency, true) {
            errors.push(error);
        }
    }
    Err(errors)
}

/// The edit form shows every field, so every field is saved: a blank stock means
/// unlimited and a blank category means none.
fn full_patch(new: NewProduct) -> ProductPatch {
    ProductPatch {
        name: Some(new.name),
        description: Some(new.description),
        price: Some(new.price),
        category: Some(new.category),
        stock: Some(new.stock),
        active: Some(new.active),
    }
}

/// A multipart product form, read and past its CSRF check.
struct Submitted {
    fields: Fields,
    values: ProductFormValues,
    image: Option<bytes::Bytes>,
}

/// Reads the body and checks the CSRF field. An unreadable or oversized body (nothing
/// typed survives it) or a refused token is the form shown again, as the early exit.
async fn read_form(
    state: &ApiState,
    csrf: &CsrfToken,
    store: &StoreRecord,
    product: Option<&ProductRecord>,
    request: Request,
) -> Result<Submitted, PageError> {
    let multipart = match read_multipart(state, request).await {
        Ok(multipart) => multipart,
        Err(error) => {
            let api = error.to_api_error();
            let values = product.map_or_else(ProductFormValues::default, |product| {
                ProductFormValues::from_product(product, store.currency)
            });
            let mut form = ProductForm::new(values);
            form.errors = FieldErrors::from_api_error(&api, &FIELDS, &max_photo_label(state));
            let page = product_page(state, csrf, api.status, store, product, form).await?;
            return Err(page.into());
        }
    };
    let values = typed_values(&multipart.fields);
    if !csrf_ok(csrf, &multipart.fields) {
        page::count_csrf_rejection();
        let mut form = ProductForm::new(values);
        form.alert = Some(EXPIRED_FORM.to_owned());
        let status = StatusCode::FORBIDDEN;
        let page = product_page(state, csrf, status, store, product, form).await?;
        return Err(page.into());
    }
    Ok(Submitted {
        fields: multipart.fields,
        values,
        image: multipart.image,
    })
}

/// The form as the seller filled it in.
fn typed_values(fields: &Fields) -> ProductFormValues {
    ProductFormValues {
        name: text(fields, "name"),
        price: text(fields, "price"),
        description: text(fields, "description"),
        category: text(fields, "category"),
        stock: text(fields, "stock"),
        // An unchecked checkbox sends nothing.
        active: fields.contains_key("active"),
    }
}

/// Everything needed to show the submitted form again with an error.
struct Refusal<'a> {
    state: &'a ApiState,
    csrf: &'a CsrfToken,
    store: &'a StoreRecord,
    product: Option<&'a ProductRecord>,
    values: ProductFormValues,
}

impl Refusal<'_> {
    /// The form again with the message by its field, for anything the seller can fix
    /// (422, 400, 413, 415); server faults are the error page.
    async fn refuse(self, error: Error) -> PageResult {
        let api = error.to_api_error();
        if api.status == StatusCode::NOT_FOUND {
            // Deleted meanwhile (in another tab, say).
            return Err(product_not_found());
        }
        if !api.status.is_client_error() {
            return Ok(page::failure(&error));
        }
        self.show(vec![api]).await
    }

    /// The form again with each message by its field; the status is the first error's.
    async fn show(self, errors: Vec<ApiError>) -> PageResult {
        let status = errors
            .first()
            .map_or(StatusCode::UNPROCESSABLE_ENTITY, |error| error.status);
        let mut form = ProductForm::new(self.values);
        form.errors = FieldErrors::from_api_errors(&errors, &FIELDS, &max_photo_label(self.state));
        product_page(
            self.state,
            self.csrf,
            status,
            self.store,
            self.product,
            form,
        )
        .await
    }
}

struct ProductForm {
    values: ProductFormValues,
    errors: FieldErrors,
    alert: Option<String>,
}

impl ProductForm {
    fn new(values: ProductFormValues) -> ProductForm {
        ProductForm {
            values,
            errors: FieldErrors::default(),
            alert: None,
        }
    }
}

/// The add form (`product` is `None`) or the edit form.
async fn product_page(
    state: &ApiState,
    csrf: &CsrfToken,
    status: StatusCode,
    store: &StoreRecord,
    product: Option<&ProductRecord>,
    form: ProductForm,
) -> PageResult {
    let categories = state.db().categories(store.id).await?;
    let media_base = &state.config().media_base_url;
    let (heading, submit_label) = match product {
        None => ("Add a product", "Add product"),
        Some(_) => ("Edit product", "Save changes"),
    };
    let alert = form.alert.or_else(|| form.errors.general());
    let page = ProductFormPage {
        layout: Layout::new(heading).with_alert(alert),
        csrf: csrf.value().to_owned(),
        submission_key: submission_key(),
        action: product.map_or_else(
            || "/dashboard/products".to_owned(),
            |product| format!("/dashboard/products/{}", product.id),
        ),
        heading,
        submit_label,
        values: form.values,
        errors: form.errors,
        categories: categories
            .into_iter()
            .map(|category| category.name)
            .collect(),
        currency_symbol: store.currency.symbol().trim().to_owned(),
        photo_url: product
            .and_then(|product| product.image.as_ref())
            .map(|image| urls::image_url(media_base, &image.hash, image.best_width(480), "webp")),
        delete_action: product.map(|product| format!("/dashboard/products/{}/delete", product.id)),
        max_photo: max_photo_label(state),
    };
    Ok(page::render(status, &page, Some(csrf)))
}

/// A fresh one-time key for a product form (128 random bits, hex).
fn submission_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
