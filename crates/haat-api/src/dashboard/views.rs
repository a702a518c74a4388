//! The dashboard's templates and the plain values they show. Handlers build these from
//! records; templates only print them (askama escapes every value for HTML).

use askama::Template;
use haat_db::{ProductRecord, StoreRecord};
use haat_domain::{decimal_string, format_money, Currency};
use haat_storefront::urls;
use url::Url;

use crate::dashboard::form::FieldErrors;

/// What every page's frame shows: the title and the optional banners.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    pub title: String,
    /// "Development mode: SMS messages are written to …" on the sign-in pages.
    pub dev_notice: Option<String>,
    /// A problem with the whole form (shown in red at the top).
    pub alert: Option<String>,
    /// Good news (shown in green at the top).
    pub notice: Option<String>,
}

impl Layout {
    pub(crate) fn new(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            ..Layout::default()
        }
    }

    pub(crate) fn with_alert(mut self, alert: Option<String>) -> Layout {
        self.alert = alert;
        self
    }
}

/// A form that repeats a refused action with a fresh token (on the 403 page).
#[derive(Clone, Debug)]
pub(crate) struct RetryForm {
    pub action: &'static str,
    pub label: &'static str,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "dashboard/error.html")]
pub(crate) struct ErrorPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub message: String,
    pub retry: Option<RetryForm>,
}

#[derive(Template)]
#[template(path = "dashboard/phone.html")]
pub(crate) struct PhonePage {
    pub layout: Layout,
    pub csrf: String,
    pub phone: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/code.html")]
pub(crate) struct CodePage {
    pub layout: Layout,
    pub csrf: String,
    /// E.164, in a hidden field; the page shows only `masked_phone`.
    pub phone: String,
    pub masked_phone: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/setup.html")]
pub(crate) struct SetupPage {
    pub layout: Layout,
    pub csrf: String,
    pub name: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/home.html")]
pub(crate) struct HomePage {
    pub layout: Layout,
    pub csrf: String,
    pub store_name: String,
    pub store_url: String,
    pub whatsapp_share_url: String,
    pub logo_url: Option<String>,
    pub products: Vec<ProductItem>,
    /// `/dashboard?after=…` when there are more products.
    pub more_url: Option<String>,
    pub is_first_page: bool,
}

/// One row of the product list.
#[derive(Clone, Debug)]
pub(crate) struct ProductItem {
    pub name: String,
    pub price: String,
    pub thumbnail_url: Option<String>,
    /// "Active", "Sold out" or "Hidden".
    pub status: &'static str,
    /// The CSS class for `status`.
    pub status_class: &'static str,
    /// "12 in stock", "Unlimited stock" or "Out of stock".
    pub stock: String,
    pub edit_url: String,
}

impl ProductItem {
    pub(crate) fn new(
        product: &ProductRecord,
        currency: Currency,
        media_base: &Url,
    ) -> ProductItem {
        let (status, status_class) = match (product.active, product.stock) {
            (false, _) => ("Hidden", "status-hidden"),
            (true, Some(0)) => ("Sold out", "status-soldout"),
            (true, _) => ("Active", "status-active"),
        };
        ProductItem {
            name: product.name.clone(),
            price: format_money(product.price_minor, currency),
            thumbnail_url: product.image.as_ref().map(|image| {
                urls::image_url(media_base, &image.hash, image.best_width(160), "webp")
            }),
            status,
            status_class,
            stock: stock_label(product.stock),
            edit_url: format!("/dashboard/products/{}/edit", product.id),
        }
    }
}

fn stock_label(stock: Option<i32>) -> String {
    match stock {
        None => "Unlimited stock".to_owned(),
        Some(0) => "Out of stock".to_owned(),
        Some(count) => format!("{count} in stock"),
    }
}

#[derive(Template)]
#[template(path = "dashboard/settings.html")]
pub(crate) struct SettingsPage {
    pub layout: Layout,
    pub csrf: String,
    pub values: StoreFormValues,
    pub errors: FieldErrors,
    pub currencies: Vec<CurrencyOption>,
    pub logo_url: Option<String>,
    pub store_url: String,
    /// "15 MB"
    pub max_photo: String,
}

/// The store settings form's fields, as text.
#[derive(Clone, Debug, Default)]
pub(crate) struct StoreFormValues {
    pub name: String,
    pub description: String,
    pub whatsapp: String,
    pub accent_colour: String,
    pub currency: String,
}

impl StoreFormValues {
    pub(crate) fn from_store(store: &StoreRecord) -> StoreFormValues {
        StoreFormValues {
            name: store.name.clone(),
            description: store.description.clone(),
            whatsapp: store.whatsapp.clone().unwrap_or_default(),
            accent_colour: store.accent_colour.clone(),
            currency: store.currency.code().to_owned(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CurrencyOption {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn currency_options(selected: &str) -> Vec<CurrencyOption> {
    Currency::ALL
        .iter()
        .map(|currency| CurrencyOption {
            code: currency.code(),
            label: format!("{} ({})", currency.code(), currency.symbol().trim()),
            selected: currency.code().eq_ignore_ascii_case(selected),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dashboard/product_form.html")]
pub(crate) struct ProductFormPage {
    pub layout: Layout,
    pub csrf: String,
    /// One-time key: a resubmitted add form creates the product once.
    pub submission_key: String,
    /// `/dashboard/products` or `/dashboard/products/{id}`.
    pub action: String,
    pub heading: &'static str,
    pub submit_label: &'static str,
    pub values: ProductFormValues,
    pub errors: FieldErrors,
    /// The store's categories, offered in a `<datalist>`.
    pub categories: Vec<String>,
    pub currency_symbol: String,
    pub photo_url: Option<String>,
    /// Set when editing: where the delete form posts.
    pub delete_action: Option<String>,
    /// "15 MB"
    pub max_photo: String,
}

impl ProductFormPage {
    /// The optional fields start folded on a new product, so adding one is photo, name,
    /// price, done; they are open when editing, when filled in, or when one has an error.
    pub(crate) fn details_open(&self) -> bool {
        let values = &self.values;
        self.delete_action.is_some()
            || !values.active
            || !values.description.is_empty()
            || !values.category.is_empty()
            || !values.stock.is_empty()
            || ["description", "category", "stock", "active"]
                .iter()
                .any(|field| self.errors.get(field).is_some())
    }
}

/// The product form's fields, as text.
#[derive(Clone, Debug)]
pub(crate) struct ProductFormValues {
    pub name: String,
    pub price: String,
    pub description: String,
    pub category: String,
    pub stock: String,
    pub active: bool,
}

impl Default for ProductFormValues {
    fn default() -> Self {
        ProductFormValues {
            name: String::new(),
            price: String::new(),
            description: String::new(),
            category: String::new(),
            stock: String::new(),
            // A new product is for sale unless the seller says otherwise.
            active: true,
        }
    }
}

impl ProductFormValues {
    pub(crate) fn from_product(product: &ProductRecord, currency: Currency) -> ProductFormValues {
        ProductFormValues {
            name: product.name.clone(),
            price: decimal_string(product.price_minor, currency),
            description: product.description.clone(),
            category: product
                .category
                .as_ref()
                .map(|category| category.name.clone())
                .unwrap_or_default(),
            stock: product
                .stock
                .map(|stock| stock.to_string())
                .unwrap_or_default(),
            active: product.active,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_labels() {
        assert_eq!(stock_label(None), "Unlimited stock");
        assert_eq!(stock_label(Some(0)), "Out of stock");
        assert_eq!(stock_label(Some(12)), "12 in stock");
    }

    #[test]
    fn currency_options_select_one() {
        let options = currency_options("inr");
        assert_eq!(options.len(), Currency::ALL.len());
        assert_eq!(options.iter().filter(|option| option.selected).count(), 1);
        assert_eq!(options[0].label, "INR (₹)");
    }

    #[test]
    fn error_page_escapes_and_renders() {
        let page = ErrorPage {
            layout: Layout::new("<b>title</b>"),
            heading: "Oops",
            message: "<script>alert(1)</script>".to_owned(),
            retry: None,
        };
        let html = page.render().unwrap();
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;b&gt;title"), "{html}");
    }
}
