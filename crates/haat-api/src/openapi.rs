//! The OpenAPI 3 document, generated from the handlers' annotations and wire types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{auth, orders, products, stores};
use crate::wire;

#[derive(OpenApi)]
#[openapi(
    info(title = "Haat API", version = "1", description = "Seller API and headless storefront of Haat. Errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`."),
    paths(
        auth::request_otp, auth::verify, auth::logout,
        stores::create, stores::list, stores::get, stores::update, stores::put_logo,
        stores::get_synonyms, stores::put_synonyms,
        products::create, products::list, products::get, products::update, products::delete,
        products::put_image, products::categories,
        orders::list, orders::get, orders::transition, orders::mark_paid, orders::invoice,
        orders::export, orders::list_discounts, orders::create_discount, orders::update_discount,
        orders::delete_discount,
    ),
    components(schemas(haat_http::ErrorBody, wire::StoreBody, wire::ProductBody, wire::ImageBody,
        orders::OrderList, orders::OrderDetailBody, orders::DiscountBody, orders::CheckoutSettingsBody)),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "stores"), (name = "products"), (name = "orders"),
         (name = "discounts"), (name = "storefront"), (name = "payments"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The seller API and the storefront catalog's JSON endpoints; the binary adds the
/// checkout's and the payment webhooks' documents (crates this one does not depend on).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(haat_storefront::openapi());
    doc
}
