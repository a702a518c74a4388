//! `GET/POST /dashboard/settings`: the store's name, description, WhatsApp number, accent
//! colour, currency and logo. The form is multipart so the logo can ride along; the text
//! fields are checked with the JSON API's `parse_store_patch` before any photo work.

use axum::extract::{Request, State};
use axum::response::Response;
use haat_db::{StorePatch, StoreRecord};
use haat_http::ApiError;
use haat_storefront::urls;
use http::StatusCode;

use crate::dashboard::csrf::CsrfToken;
use crate::dashboard::form::{csrf_ok, max_photo_label, text, FieldErrors, Fields};
use crate::dashboard::home::require_store;
use crate::dashboard::page::{self, PageResult, EXPIRED_FORM};
use crate::dashboard::session::DashboardSeller;
use crate::dashboard::views::{currency_options, Layout, SettingsPage, StoreFormValues};
use crate::input::parse_store_patch;
use crate::upload::{read_multipart, store_image};
use crate::wire::UpdateStoreRequest;
use crate::ApiState;

/// The inputs of the settings form, for placing error messages.
const FIELDS: [&str; 6] = [
    "name",
    "description",
    "whatsapp",
    "accent_colour",
    "currency",
    "image",
];

/// `GET /dashboard/settings`
pub(crate) async fn show(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let values = StoreFormValues::from_store(&store);
    let form = SettingsForm {
        values,
        errors: FieldErrors::default(),
        alert: None,
    };
    Ok(settings_page(&state, &csrf, StatusCode::OK, &store, form))
}

/// `POST /dashboard/settings` (multipart; the logo is the optional `image` part).
pub(crate) async fn save(
    State(state): State<ApiState>,
    csrf: CsrfToken,
    seller: DashboardSeller,
    request: Request,
) -> PageResult {
    let store = require_store(&state, &seller).await?;
    let max_photo = max_photo_label(&state);
    let multipart = match read_multipart(&state, request).await {
        Ok(multipart) => multipart,
        Err(error) => {
            // Nothing was read, so the form comes back as saved, with the reason.
            let api = error.to_api_error();
            let form = SettingsForm {
                values: StoreFormValues::from_store(&store),
                errors: FieldErrors::from_api_error(&api, &FIELDS, &max_photo),
                alert: None,
            };
            return Ok(settings_page(&state, &csrf, api.status, &store, form));
        }
    };
    let values = typed_values(&multipart.fields);
    if !csrf_ok(&csrf, &multipart.fields) {
        page::count_csrf_rejection();
        let form = SettingsForm {
            values,
            errors: FieldErrors::default(),
            alert: Some(EXPIRED_FORM.to_owned()),
        };
        return Ok(settings_page(
            &state,
            &csrf,
            StatusCode::FORBIDDEN,
            &store,
            form,
        ));
    }
    let invalid = |errors: &[ApiError], values: StoreFormValues| {
        let status = errors
            .first()
            .map_or(StatusCode::UNPROCESSABLE_ENTITY, |error| error.status);
        let form = SettingsForm {
            values,
            errors: FieldErrors::from_api_errors(errors, &FIELDS, &max_photo),
            alert: None,
        };
        settings_page(&state, &csrf, status, &store, form)
    };
    let patch = match parse_settings(&values) {
        Ok(patch) => patch,
        Err(errors) => return Ok(invalid(&errors, values)),
    };
    // The photo is processed only once the text is known to be good.
    let logo = match multipart.image {
        None => None,
        Some(bytes) => match store_image(&state, bytes).await {
            Ok(image) => Some(image),
            Err(error) => {
                let api = error.to_api_error();
                if api.status.is_server_error() {
                    return Ok(page::failure(&error));
                }
                return Ok(invalid(&[api], values));
            }
        },
    };
    let seller_id = seller.seller.id;
    let mut updated = state.db().update_store(seller_id, store.id, &patch).await?;
    if let Some(logo) = &logo {
        updated = state.db().set_store_logo(seller_id, store.id, logo).await?;
    }
    tracing::info!(store.id = %updated.id, logo_changed = logo.is_some(), "store settings saved");
    metrics::counter!("haat_dashboard_actions_total", "action" => "settings_saved").increment(1);
    Ok(page::see_other("/dashboard?done=settings"))
}

/// Every field is saved (a blank WhatsApp number removes it). When something is wrong,
/// each field is also checked on its own, so all the problems show at once.
fn parse_settings(values: &StoreFormValues) -> Result<StorePatch, Vec<ApiError>> {
    let full = UpdateStoreRequest {
        name: Some(values.name.clone()),
        description: Some(values.description.clone()),
        whatsapp: Some(Some(values.whatsapp.clone())),
        accent_colour: Some(values.accent_colour.clone()),
        currency: Some(values.currency.clone()),
        ..UpdateStoreRequest::default()
    };
    let first_error = match parse_store_patch(&full) {
        Ok(patch) => return Ok(patch),
        Err(error) => error,
    };
    let one_by_one = [
        UpdateStoreRequest {
            name: full.name.clone(),
            ..UpdateStoreRequest::default()
        },
        UpdateStoreRequest {
            description: full.description.clone(),
            ..UpdateStoreRequest::default()
        },
        UpdateStoreRequest {
            whatsapp: full.whatsapp.clone(),
            ..UpdateStoreRequest::default()
        },
        UpdateStoreRequest {
            accent_colour: full.accent_colour.clone(),
            ..UpdateStoreRequest::default()
        },
        UpdateStoreRequest {
            currency: full.currency.clone(),
            ..UpdateStoreRequest::default()
        },
    ];
    let mut errors = vec![first_error];
    errors.extend(
        one_by_one
            .iter()
            .filter_map(|request| parse_store_patch(request).err()),
    );
    Err(errors)
}

/// The form as the seller filled it in.
fn typed_values(fields: &Fields) -> StoreFormValues {
    StoreFormValues {
        name: text(fields, "name"),
        description: text(fields, "description"),
        whatsapp: text(fields, "whatsapp"),
        accent_colour: text(fields, "accent_colour"),
        currency: text(fields, "currency"),
    }
}

struct SettingsForm {
    values: StoreFormValues,
    errors: FieldErrors,
    alert: Option<String>,
}

fn settings_page(
    state: &ApiState,
    csrf: &CsrfToken,
    status: StatusCode,
    store: &StoreRecord,
    form: SettingsForm,
) -> Response {
    let config = state.config();
    let alert = form.alert.or_else(|| form.errors.general());
    let page = SettingsPage {
        layout: Layout::new("Store settings").with_alert(alert),
        csrf: csrf.value().to_owned(),
        currencies: currency_options(&form.values.currency),
        values: form.values,
        errors: form.errors,
        logo_url: store.logo.as_ref().map(|logo| {
            urls::image_url(
                &config.media_base_url,
                &logo.hash,
                logo.best_width(160),
                "webp",
            )
        }),
        store_url: urls::store_url(&config.public_url, &store.slug),
        max_photo: max_photo_label(state),
    };
    page::render(status, &page, Some(csrf))
}
