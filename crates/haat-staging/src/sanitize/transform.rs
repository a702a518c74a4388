//! One row through its table's rules: kept columns are copied as bytes, the others are
//! decoded, replaced and encoded again. Errors name the table, column and what was
//! unexpected, never a value.

use anyhow::{anyhow, bail, Context};
use serde_json::{Map, Value};

use super::copy::Writer;
use super::fake::{scrub, Faker};
use super::rules::{Rule, TableRules};
use super::scale_minor;

/// Texts of `order_events.detail` the app writes without any personal data.
const SAFE_EVENT_DETAILS: &[&str] = &["", "cash received"];

/// The row being transformed: its fields (in rule order, then helpers).
pub struct Row<'a> {
    pub rules: &'static TableRules,
    pub fields: Vec<Option<&'a [u8]>>,
}

impl<'a> Row<'a> {
    fn position(&self, name: &str) -> Option<usize> {
        self.rules
            .columns
            .iter()
            .position(|(column, _)| *column == name)
    }

    fn text(&self, name: &str) -> anyhow::Result<Option<&'a str>> {
        let index = self
            .position(name)
            .ok_or_else(|| anyhow!("{}: the rule needs column {name}", self.rules.table))?;
        self.fields[index]
            .map(|bytes| std::str::from_utf8(bytes))
            .transpose()
            .with_context(|| format!("{}.{name} is not UTF-8", self.rules.table))
    }

    fn helper_i64(&self, name: &str) -> anyhow::Result<Option<i64>> {
        let index = self
            .rules
            .helpers
            .iter()
            .position(|(helper, _)| *helper == name)
            .ok_or_else(|| anyhow!("{}: the rule needs helper {name}", self.rules.table))?;
        self.fields[self.rules.columns.len() + index]
            .map(|bytes| -> anyhow::Result<i64> {
                Ok(match bytes.len() {
                    8 => i64::from_be_bytes(bytes.try_into()?),
                    4 => i64::from(i32::from_be_bytes(bytes.try_into()?)),
                    _ => bail!("{}: helper {name} is not an integer", self.rules.table),
                })
            })
            .transpose()
    }
}

/// Writes the row's written columns to `out`.
pub fn write_row(row: &Row<'_>, faker: &Faker, out: &mut Writer) -> anyhow::Result<()> {
    let table = row.rules.table;
    out.begin_row(row.rules.columns.len())?;
    for (index, (column, rule)) in row.rules.columns.iter().enumerate() {
        let value = row.fields[index];
        let replaced = transform(row, faker, column, *rule, value)
            .with_context(|| format!("sanitizing {table}.{column}"))?;
        match replaced {
            Replaced::Same => out.field(value)?,
            Replaced::Null => out.field(None)?,
            Replaced::Bytes(bytes) => out.field(Some(&bytes))?,
        }
    }
    Ok(())
}

enum Replaced {
    Same,
    Null,
    Bytes(Vec<u8>),
}

fn text_of(value: &[u8]) -> anyhow::Result<&str> {
    std::str::from_utf8(value).context("not UTF-8")
}

fn transform(
    row: &Row<'_>,
    faker: &Faker,
    column: &str,
    rule: Rule,
    value: Option<&[u8]>,
) -> anyhow::Result<Replaced> {
    let Some(value) = value else {
        // NULL stays NULL whatever the rule: "has an address" is part of the shape.
        return Ok(Replaced::Same);
    };
    let text = |f: &dyn Fn(&str) -> String| -> anyhow::Result<Replaced> {
        Ok(Replaced::Bytes(f(text_of(value)?).into_bytes()))
    };
    match rule {
        Rule::Keep | Rule::Sql(_) => Ok(Replaced::Same),
        Rule::KeepAfterLoad | Rule::Null => Ok(Replaced::Null),
        Rule::Phone => text(&|real| faker.phone(real)),
        Rule::PersonName => text(&|real| faker.person_name(real)),
        Rule::Address => text(&|real| faker.address(real)),
        Rule::Note => text(&|real| faker.note(real)),
        Rule::CancelReason => text(&|real| faker.cancel_reason(real)),
        Rule::StoreName => text(&|real| faker.store_name(real)),
        Rule::StoreDescription => text(&|real| faker.store_description(real)),
        Rule::Slug => text(&|real| faker.slug(real)),
        Rule::UpiId => text(&|real| faker.upi_id(real)),
        Rule::Gstin => text(&|real| faker.gstin(real)),
        Rule::OrderToken => text(&|real| faker.order_token(real)),
        Rule::PaymentRef => text(&|real| faker.payment_ref(real)),
        Rule::EventId => text(&|real| faker.event_id(real)),
        Rule::IdempotencyKey => text(&|real| faker.idempotency_key(real)),
        Rule::TrackingId => text(&|real| faker.tracking_id(real)),
        Rule::DiscountCode => text(&|real| faker.discount_code(real)),
        Rule::Scrub => text(&scrub),
        Rule::Redact => text(&|real| {
            if real.is_empty() {
                String::new()
            } else {
                "(text removed in the staging copy)".to_owned()
            }
        }),
        // Keyed by column name: `carts.token_hash` and `cart_items.token_hash` agree.
        Rule::Hash32 => Ok(Replaced::Bytes(faker.hash32(column, value))),
        Rule::OrderEventDetail => text(&|real| {
            if SAFE_EVENT_DETAILS.contains(&real) {
                real.to_owned()
            } else {
                "(detail removed in the staging copy)".to_owned()
            }
        }),
        Rule::JobPayload => {
            let kind = row.text("kind")?.unwrap_or("");
            let payload = decode_jsonb(value)?;
            Ok(Replaced::Bytes(encode_jsonb(&job_payload(
                kind, payload, faker,
            )?)))
        }
        Rule::ChangePayload => {
            let entity = row.text("entity")?.unwrap_or("");
            let factor = row.helper_i64("factor")?.unwrap_or(1000);
            let payload = decode_jsonb(value)?;
            Ok(Replaced::Bytes(encode_jsonb(&change_payload(
                entity, payload, factor, faker,
            )?)))
        }
        Rule::WebhookBody => {
            let totals = (row.helper_i64("old_total")?, row.helper_i64("new_total")?);
            let factor = row.helper_i64("factor")?.unwrap_or(1000);
            let body = webhook_body(value, totals, factor, faker);
            Ok(Replaced::Bytes(serde_json::to_vec(&body)?))
        }
    }
}

fn decode_jsonb(value: &[u8]) -> anyhow::Result<Value> {
    match value.split_first() {
        Some((1, json)) => serde_json::from_slice(json).context("unreadable jsonb"),
        _ => bail!("unknown jsonb binary version"),
    }
}

fn encode_jsonb(value: &Value) -> Vec<u8> {
    let mut bytes = vec![1];
    serde_json::to_writer(&mut bytes, value).expect("a Value always serialises");
    bytes
}

fn object(value: Value, what: &str) -> anyhow::Result<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        _ => bail!("{what} is not a JSON object"),
    }
}

fn string_field<'v>(map: &'v Map<String, Value>, key: &str) -> anyhow::Result<Option<&'v str>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => bail!("key {key} is not a string"),
    }
}

/// Job payloads by kind; an unknown kind or key stops the run (it could hold anything).
fn job_payload(kind: &str, payload: Value, faker: &Faker) -> anyhow::Result<Value> {
    match kind {
        "sms" => {
            let map = object(payload, "an sms job payload")?;
            if let Some(key) = map
                .keys()
                .find(|key| !matches!(key.as_str(), "to" | "text"))
            {
                bail!("an sms job payload has a key with no rule: {key}");
            }
            let mut out = Map::new();
            if let Some(to) = string_field(&map, "to")? {
                out.insert("to".into(), Value::String(faker.phone(to)));
            }
            if let Some(text) = string_field(&map, "text")? {
                out.insert("text".into(), Value::String(sms_text(text)));
            }
            Ok(Value::Object(out))
        }
        _ => bail!("no rule for jobs of kind {kind:?}"),
    }
}

/// The seller's new-order alert keeps its order number and desk link (neither names the
/// shopper); any other text (it could hold a code or a name) is replaced whole.
fn sms_text(text: &str) -> String {
    const NEW_ORDER: &str = "Haat: new order #";
    const DESK: &str = "Open your orders: ";
    if let Some(rest) = text.strip_prefix(NEW_ORDER) {
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let desk = text
            .rfind(DESK)
            .map(|at| &text[at + DESK.len()..])
            .filter(|url| url.starts_with("http") && !url.contains(char::is_whitespace));
        if !number.is_empty() {
            return match desk {
                Some(url) => format!("{NEW_ORDER}{number} (staging copy). {DESK}{url}"),
                None => format!("{NEW_ORDER}{number} (staging copy)."),
            };
        }
    }
    "Haat staging copy: message text removed.".to_owned()
}

/// Change payloads as `capture_change()` builds them (docs/events.md), key by key.
fn change_payload(
    entity: &str,
    payload: Value,
    factor: i64,
    faker: &Faker,
) -> anyhow::Result<Value> {
    let map = object(payload, "a change payload")?;
    let mut out = Map::new();
    for (key, value) in map {
        let replaced = match (entity, key.as_str(), value) {
            (_, _, Value::Null) => Value::Null,
            ("store", "slug", Value::String(slug)) => Value::String(faker.slug(&slug)),
            ("store", "name", Value::String(name)) => Value::String(faker.store_name(&name)),
            ("store" | "order", "currency", value @ Value::String(_)) => value,
            ("category" | "product", "name", Value::String(name)) => Value::String(scrub(&name)),
            ("product", "price_minor", Value::Number(price)) => {
                let price = price.as_i64().context("price_minor is not an integer")?;
                Value::from(scale_minor(price, factor))
            }
            ("order", "total_minor", Value::Number(total)) => {
                let total = total.as_i64().context("total_minor is not an integer")?;
                Value::from(scale_minor(total, factor))
            }
            ("product", "stock", value @ Value::Number(_))
            | ("product", "active", value @ Value::Bool(_))
            | ("product", "category_id" | "image_id", value @ Value::String(_))
            | ("image", "hash", value @ Value::String(_))
            | ("order", "number", value @ Value::Number(_))
            | ("order", "status" | "payment_status", value @ Value::String(_)) => value,
            (entity, key, _) => {
                bail!("a change payload of entity {entity:?} has a key with no rule: {key}")
            }
        };
        out.insert(key, replaced);
    }
    Ok(Value::Object(out))
}

/// A webhook body rebuilt from the `haatpay` fields only (docs/payments.md): whatever
/// else a gateway sent (a payer's name, VPA, phone) is dropped, and a body that is not a
/// JSON object becomes `{}`. The amount follows its order's new total when it matched
/// the old one, so re-applying a stored webhook in staging behaves as in production.
fn webhook_body(
    body: &[u8],
    (old_total, new_total): (Option<i64>, Option<i64>),
    factor: i64,
    faker: &Faker,
) -> Value {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    if let Some(Value::String(id)) = map.get("event_id") {
        out.insert("event_id".into(), Value::String(faker.event_id(id)));
    }
    if let Some(Value::String(reference)) = map.get("order_ref") {
        out.insert(
            "order_ref".into(),
            Value::String(faker.payment_ref(reference)),
        );
    }
    if let Some(amount) = map.get("amount_minor").and_then(Value::as_i64) {
        let amount = match (old_total, new_total) {
            (Some(old), Some(new)) if old == amount => new,
            _ => scale_minor(amount, factor),
        };
        out.insert("amount_minor".into(), Value::from(amount));
    }
    if let Some(Value::String(currency)) = map.get("currency") {
        if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            out.insert("currency".into(), Value::String(currency.clone()));
        }
    }
    if let Some(Value::String(status)) = map.get("status") {
        if matches!(status.as_str(), "captured" | "failed" | "refunded") {
            out.insert("status".into(), Value::String(status.clone()));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn faker() -> Faker {
        Faker::new([3; 32])
    }

    #[test]
    fn sms_payloads_keep_the_order_number_and_nothing_personal() {
        let payload = json!({"to": "+919812345678",
            "text": "Haat: new order #1042 for ₹450.00 from Zubeida. Open your orders: https://haat.example/dashboard/orders"});
        let out = job_payload("sms", payload, &faker()).unwrap();
        assert_eq!(out["to"], faker().phone("+919812345678"));
        assert_eq!(
            out["text"],
            "Haat: new order #1042 (staging copy). Open your orders: https://haat.example/dashboard/orders"
        );
        let otp = job_payload(
            "sms",
            json!({"to": "+919812345678", "text": "Your code is 123456"}),
            &faker(),
        )
        .unwrap();
        assert!(!otp["text"].as_str().unwrap().contains("123456"));
        assert!(job_payload("sms", json!({"to": "x", "name": "Zubeida"}), &faker()).is_err());
        assert!(job_payload("email", json!({}), &faker()).is_err());
    }

    #[test]
    fn change_payloads_fail_closed_on_unknown_keys() {
        let store = json!({"slug": "zubeida", "name": "Zubeida Sarees", "currency": "INR"});
        let out = change_payload("store", store, 1000, &faker()).unwrap();
        assert_eq!(out["slug"], faker().slug("zubeida"));
        let product = json!({"name": "Tea", "price_minor": 10000, "stock": null, "active": true,
            "category_id": null, "image_id": null});
        let out = change_payload("product", product, 1100, &faker()).unwrap();
        assert_eq!(out["price_minor"], 11000);
        assert!(change_payload("order", json!({"customer_phone": "+91"}), 1000, &faker()).is_err());
        assert_eq!(
            change_payload("order", json!({}), 1000, &faker()).unwrap(),
            json!({})
        );
    }

    #[test]
    fn webhook_bodies_keep_only_protocol_fields() {
        let body = br#"{"event_id":"evt_1","order_ref":"HT123456","amount_minor":45000,"currency":"INR","status":"captured","payer":{"vpa":"zubeida@okbank"}}"#;
        let out = webhook_body(body, (Some(45000), Some(47000)), 1000, &faker());
        assert_eq!(out["amount_minor"], 47000);
        assert_eq!(out["order_ref"], faker().payment_ref("HT123456"));
        assert!(out.get("payer").is_none());
        assert_eq!(
            webhook_body(b"not json", (None, None), 1000, &faker()),
            json!({})
        );
    }
}
