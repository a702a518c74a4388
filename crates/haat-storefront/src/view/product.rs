//! The product page's view model: one big photo, price, stock, description and the
//! WhatsApp buttons to order or share.

use askama::Template;
use haat_domain::format_money;

use super::{icon, initial, summary, Head, StoreHeader, Theme};
use crate::images::{Picture, PreviewImage, Slot};
use crate::query::listing_href;
use crate::{urls, ProductView, StorefrontConfig};

#[derive(Template)]
#[template(path = "product.html")]
pub(crate) struct ProductPage {
    pub product_id: String,
    pub head: Head,
    pub theme: Theme,
    pub header: StoreHeader,
    pub name: String,
    pub price: String,
    pub sold_out: bool,
    pub description: String,
    pub picture: Option<Picture>,
    pub initial: String,
    /// The product's category and the store link filtered to it.
    pub category: Option<CategoryLink>,
    /// Opens a chat with the seller with the order message typed in.
    pub order_url: Option<String>,
    /// Shares the product link into a WhatsApp chat.
    pub share_url: String,
}

pub(crate) struct CategoryLink {
    pub name: String,
    pub href: String,
}

impl ProductPage {
    pub fn new(config: &StorefrontConfig, view: &ProductView) -> ProductPage {
        let store = &view.store;
        let product = &view.product;
        let header = StoreHeader::new(config, store);
        let url = urls::product_url(&config.public_url, &store.slug, &product.id.to_string());
        let price = format_money(product.price_minor, store.currency);
        let picture = product.image.as_ref().and_then(|image| {
            Picture::new(config, image, Slot::Hero, &product.name).map(Picture::eager)
        });
        let category = match (product.category_id, &view.category_name) {
            (Some(id), Some(name)) => Some(CategoryLink {
                name: name.clone(),
                href: format!(
                    "{}{}",
                    header.url,
                    listing_href(Default::default(), Some(id), None)
                ),
            }),
            _ => None,
        };
        let order_message = format!("Hi! I'd like to order {} ({price}): {url}", product.name);
        let description = match product.description.trim() {
            "" => format!("{price} at {}", store.name),
            text => summary(text),
        };
        let head = Head {
            title: format!("{} · {}", product.name, store.name),
            description,
            canonical_url: url.clone(),
            og_type: "website",
            og_image: product
                .image
                .as_ref()
                .or(store.logo.as_ref())
                .and_then(|image| PreviewImage::new(config, image)),
            icon: icon(config, store),
        };
        ProductPage {
            product_id: product.id.to_string(),
            head,
            theme: Theme::new(&store.accent_colour),
            order_url: store
                .whatsapp
                .as_deref()
                .filter(|_| !product.is_sold_out())
                .and_then(|number| urls::whatsapp_message_url(number, &order_message)),
            share_url: urls::whatsapp_share_url(&format!(
                "{} – {price} at {}: {url}",
                product.name, store.name
            )),
            name: product.name.clone(),
            sold_out: product.is_sold_out(),
            description: product.description.clone(),
            initial: initial(&product.name),
            picture,
            category,
            price,
            header,
        }
    }
}
