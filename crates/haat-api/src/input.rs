//! Turning wire input (JSON bodies, multipart fields, dashboard forms) into domain values,
//! once, at the edge. Every failure names the field at fault.

use std::collections::HashMap;

use haat_db::{CategoryChoice, NewProduct, ProductPatch, StorePatch};
use haat_domain::{
    AccentColour, CategoryId, CategoryName, Currency, Description, ParseError, Phone, Price,
    ProductName, StockCount, StoreName,
};
use haat_http::ApiError;
use http::StatusCode;

use crate::wire::{ProductRequest, UpdateStoreRequest};

fn field<T>(name: &str, result: Result<T, ParseError>) -> Result<T, ApiError> {
    result.map_err(|error| ApiError::invalid(name, error))
}

fn missing(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        format!("{name} is required"),
    )
    .with_field(name)
}

/// A product's fields as given; `None` means "not given".
#[derive(Default, Debug)]
pub struct ProductInput {
    pub name: Option<ProductName>,
    pub price: Option<Price>,
    pub description: Option<Description>,
    pub category: Option<Option<CategoryChoice>>,
    pub stock: Option<Option<StockCount>>,
    pub active: Option<bool>,
}

impl ProductInput {
    pub fn into_new(self) -> Result<NewProduct, ApiError> {
        Ok(NewProduct {
            name: self.name.ok_or_else(|| missing("name"))?,
            price: self.price.ok_or_else(|| missing("price"))?,
            description: self.description.unwrap_or_default(),
            category: self.category.flatten(),
            stock: self.stock.flatten(),
            active: self.active.unwrap_or(true),
            image: None,
        })
    }

    pub fn into_patch(self) -> ProductPatch {
        ProductPatch {
            name: self.name,
            description: self.description,
            price: self.price,
            category: self.category,
            stock: self.stock,
            active: self.active,
        }
    }
}

fn parse_price_text(text: &str, currency: Currency) -> Result<Price, ApiError> {
    field("price", Price::parse_decimal(text, currency))
}

/// `price` may be a JSON string or number; either way its exact text is parsed as a
/// decimal, so `1299.5` is ₹1,299.50 and `0.1 + 0.2`-style float noise is impossible.
fn parse_raw_price(
    raw: &serde_json::value::RawValue,
    currency: Currency,
) -> Result<Price, ApiError> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        let value: String = serde_json::from_str(text).map_err(|_| {
            ApiError::bad_request("invalid_price", "price must be a decimal string")
                .with_field("price")
        })?;
        return parse_price_text(&value, currency);
    }
    if text.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return parse_price_text(text, currency);
    }
    Err(ApiError::invalid(
        "price",
        ParseError::new("invalid_price", "price must be a decimal like \"1299.50\""),
    ))
}

fn choose_price(price: Option<Price>, price_minor: Option<i64>) -> Result<Option<Price>, ApiError> {
    match (price, price_minor) {
        (Some(_), Some(_)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ambiguous_price",
            "give either price or price_minor, not both",
        )
        .with_field("price")),
        (Some(price), None) => Ok(Some(price)),
        (None, Some(minor)) => Ok(Some(field("price_minor", Price::from_minor(minor))?)),
        (None, None) => Ok(None),
    }
}

fn choose_category(
    category: Option<Option<String>>,
    category_id: Option<Option<String>>,
) -> Result<Option<Option<CategoryChoice>>, ApiError> {
    let by_name = match category {
        None => None,
        Some(None) => Some(None),
        Some(Some(name)) if name.trim().is_empty() => Some(None),
        Some(Some(name)) => Some(Some(CategoryChoice::Name(field(
            "category",
            CategoryName::parse(&name),
        )?))),
    };
    let by_id = match category_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(id)) if id.trim().is_empty() => Some(None),
        Some(Some(id)) => Some(Some(CategoryChoice::Id(field(
            "category_id",
            CategoryId::parse(id.trim()),
        )?))),
    };
    match (by_name, by_id) {
        (Some(Some(_)), Some(Some(_))) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ambiguous_category",
            "give either category or category_id, not both",
        )
        .with_field("category")),
        (Some(Some(choice)), _) | (_, Some(Some(choice))) => Ok(Some(Some(choice))),
        (Some(None), _) | (_, Some(None)) => Ok(Some(None)),
        (None, None) => Ok(None),
    }
}

pub fn parse_product_request(
    request: ProductRequest,
    currency: Currency,
) -> Result<ProductInput, ApiError> {
    let price = match &request.price {
        Some(raw) => Some(parse_raw_price(raw, currency)?),
        None => None,
    };
    Ok(ProductInput {
        name: request
            .name
            .as_deref()
            .map(|name| field("name", ProductName::parse(name)))
            .transpose()?,
        price: choose_price(price, request.price_minor)?,
        description: request
            .description
            .map(|text| {
                field(
                    "description",
                    Description::parse(text.as_deref().unwrap_or("")),
                )
            })
            .transpose()?,
        category: choose_category(request.category, request.category_id)?,
        stock: request
            .stock
            .map(|stock| {
                stock
                    .map(|n| field("stock", StockCount::from_i64(n)))
                    .transpose()
            })
            .transpose()?,
        active: request.active,
    })
}

/// Fields from a multipart body or an HTML form; all text. An empty optional field
/// means "none" (no category, unlimited stock).
pub fn parse_product_fields(
    fields: &HashMap<String, String>,
    currency: Currency,
    is_form_with_checkbox: bool,
) -> Result<ProductInput, ApiError> {
    const KNOWN: [&str; 10] = [
        "name",
        "price",
        "price_minor",
        "description",
        "category",
        "category_id",
        "stock",
        "active",
        "csrf",
        "idempotency_key",
    ];
    if let Some(unknown) = fields.keys().find(|key| !KNOWN.contains(&key.as_str())) {
        return Err(
            ApiError::bad_request("unknown_field", format!("unknown field {unknown}"))
                .with_field(unknown.clone()),
        );
    }
    let text = |name: &str| fields.get(name).map(|value| value.as_str());
    let price = text("price")
        .filter(|value| !value.trim().is_empty())
        .map(|value| parse_price_text(value, currency))
        .transpose()?;
    let price_minor = text("price_minor")
        .filter(|value| !value.trim().is_empty())
        .map(|value| {
            value.trim().parse::<i64>().map_err(|_| {
                ApiError::invalid(
                    "price_minor",
                    ParseError::new("invalid_price", "price_minor must be a whole number"),
                )
            })
        })
        .transpose()?;
    let stock = match text("stock") {
        None => None,
        Some(value) if value.trim().is_empty() => Some(None),
        Some(value) => Some(Some(field("stock", StockCount::parse(value.trim()))?)),
    };
    let active = match text("active") {
        Some(value) => Some(matches!(value, "true" | "on" | "1" | "yes")),
        // An unchecked checkbox sends nothing at all.
        None if is_form_with_checkbox => Some(false),
        None => None,
    };
    Ok(ProductInput {
        name: text("name")
            .map(|name| field("name", ProductName::parse(name)))
            .transpose()?,
        price: choose_price(price, price_minor)?,
        description: text("description")
            .map(|value| field("description", Description::parse(value)))
            .transpose()?,
        category: choose_category(
            text("category").map(|v| Some(v.to_owned())),
            text("category_id").map(|v| Some(v.to_owned())),
        )?,
        stock,
        active,
    })
}

pub fn parse_store_name(name: &str) -> Result<StoreName, ApiError> {
    field("name", StoreName::parse(name))
}

pub fn parse_store_patch(request: &UpdateStoreRequest) -> Result<StorePatch, ApiError> {
    Ok(StorePatch {
        name: request.name.as_deref().map(parse_store_name).transpose()?,
        description: request
            .description
            .as_deref()
            .map(|text| field("description", Description::parse(text)))
            .transpose()?,
        whatsapp: match &request.whatsapp {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) if text.trim().is_empty() => Some(None),
            Some(Some(text)) => Some(Some(field("whatsapp", Phone::parse(text))?)),
        },
        accent_colour: request
            .accent_colour
            .as_deref()
            .map(|text| field("accent_colour", AccentColour::parse(text)))
            .transpose()?,
        currency: request
            .currency
            .as_deref()
            .map(|text| field("currency", Currency::parse(text)))
            .transpose()?,
    })
}

/// A client's `Idempotency-Key` (header or form field): 1..=200 visible ASCII characters.
pub fn parse_idempotency_key(text: &str) -> Result<String, ApiError> {
    let valid = !text.is_empty() && text.len() <= 200 && text.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(text.to_owned())
    } else {
        Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 200 visible ASCII characters",
        )
        .with_field("idempotency_key"))
    }
}

/// A fingerprint of everything a new product is made of, so a key reused with another
/// request can be told apart from a retry of the same one.
pub fn product_fingerprint(new: &NewProduct) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let category = match &new.category {
        None => String::new(),
        Some(CategoryChoice::Id(id)) => format!("id:{id}"),
        Some(CategoryChoice::Name(name)) => format!("name:{}", name.key()),
    };
    let stock = new.stock.map(|s| s.get().to_string()).unwrap_or_default();
    let image = new.image.as_ref().map(|i| i.hash.as_str()).unwrap_or("");
    for part in [
        new.name.as_str(),
        &new.price.minor().to_string(),
        new.description.as_str(),
        &category,
        &stock,
        if new.active { "1" } else { "0" },
        image,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().to_vec()
}
