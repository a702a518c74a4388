//! The rule for every column of Haat's schema, in one table. A column of the source
//! without a rule here stops `haat sanitize` before anything is written (fail closed), so
//! a migration that adds a column must add its rule in the same change; the test suite
//! checks that every column of the migrated schema has one.
//!
//! Tables are listed parents first: the target is loaded in this order with every
//! foreign key enforced.

/// What happens to one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Copied as is: ids, timestamps, enums, counts, flags, and business data that is
    /// public on the storefront and names no person.
    Keep,
    /// Copied as NULL, then set once every table is in (`stores.logo_image_id`: stores
    /// and images reference each other).
    KeepAfterLoad,
    /// Computed by the source query (money; see [`money`]).
    Sql(&'static str),
    /// Written as NULL.
    Null,
    Phone,
    PersonName,
    Address,
    Note,
    CancelReason,
    StoreName,
    StoreDescription,
    Slug,
    UpiId,
    Gstin,
    OrderToken,
    PaymentRef,
    EventId,
    IdempotencyKey,
    TrackingId,
    DiscountCode,
    /// Seller-written public text kept minus contact data ([`super::fake::scrub`]).
    Scrub,
    /// Free text the app writes for operators (error messages): could quote anything,
    /// so a non-empty value becomes a fixed text.
    Redact,
    /// `bytea` replaced by a keyed 32-byte digest (consistent: the relation between a
    /// cart and its items holds; no production token or code matches).
    Hash32,
    /// `order_events.detail`: kept only when it is one of the app's fixed texts.
    OrderEventDetail,
    /// `jobs.payload`, by the row's `kind`.
    JobPayload,
    /// `change_outbox.payload`, `event_log.payload`, by the row's `entity`.
    ChangePayload,
    /// `payment_webhooks.body`: rebuilt from the protocol's known fields only.
    WebhookBody,
}

impl Rule {
    /// The `information_schema.columns.data_type` a rule that reads values expects; a
    /// column whose type changed fails closed like an unknown one.
    pub fn expected_type(self) -> Option<&'static str> {
        match self {
            Rule::Keep | Rule::KeepAfterLoad | Rule::Sql(_) | Rule::Null => None,
            Rule::Hash32 | Rule::WebhookBody => Some("bytea"),
            Rule::JobPayload | Rule::ChangePayload => Some("jsonb"),
            _ => Some("text"),
        }
    }
}

/// One table: its columns' rules, and the source query's `FROM` (with the joins that
/// money rules need) and helper columns (read by a rule, not written).
pub struct TableRules {
    pub table: &'static str,
    pub from: &'static str,
    pub columns: &'static [(&'static str, Rule)],
    pub helpers: &'static [(&'static str, &'static str)],
}

/// Money. Every amount is multiplied by a factor between 0.75 and 1.25 drawn per
/// product (prices, order lines, product events), per store (delivery fees, fixed
/// discounts, minimum orders) or per row, from `hashtextextended(id, {seed})` with a
/// random seed per run; whole-rupee amounts stay whole rupees. Order subtotals are the
/// sums of the new lines, discounts keep their share of the subtotal, totals are
/// recomputed, and payments that matched their order's total match the new one.
pub mod money {
    /// `{id}` → the factor in thousandths, 750..=1250. `{seed}` is replaced by the run's seed.
    pub const FACTOR: &str = "(1000 + mod(hashtextextended(({id})::text, {seed}), 251))";
    /// `{amount}` scaled by `{factor}` (thousandths), rounded half up, to whole hundreds
    /// when it was whole hundreds. Mirrored by [`super::super::scale_minor`].
    pub const SCALE: &str = "(CASE WHEN ({amount}) % 100 = 0 \
         THEN ((({amount}) * ({factor}) + 50000) / 100000) * 100 \
         ELSE (({amount}) * ({factor}) + 500) / 1000 END)::bigint";
}

/// Expands `{p:id}` (a product-style factor of `id`) in rule SQL: see [`expand`].
const NEW_TOTALS: &str = "LEFT JOIN LATERAL (
        SELECT coalesce(sum(SCALE(i.unit_price_minor, FACTOR(i.product_id)) * i.quantity), 0)::bigint AS subtotal
        FROM order_items i WHERE i.order_id = o.id) n1 ON true
    LEFT JOIN LATERAL (
        SELECT least(n1.subtotal, CASE WHEN o.subtotal_minor > 0
                   THEN round(o.discount_minor::numeric * n1.subtotal / o.subtotal_minor) ELSE 0 END)::bigint AS discount,
               SCALE(o.delivery_fee_minor, FACTOR(o.store_id)) AS fee) n2 ON true";

use Rule::*;

pub const TABLES: &[TableRules] = &[
    TableRules {
        table: "sellers",
        from: "sellers t",
        columns: &[
            ("id", Keep),
            ("phone", Phone),
            ("created_at", Keep),
            ("last_login_at", Keep),
            // A WAL position (read-your-writes across replicas, ADR 0022).
            ("read_floor", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "otp_challenges",
        from: "otp_challenges t",
        columns: &[
            ("id", Keep),
            ("phone", Phone),
            ("code_hash", Hash32),
            ("created_at", Keep),
            ("expires_at", Keep),
            ("attempts", Keep),
            ("consumed_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "sessions",
        from: "sessions t",
        columns: &[
            ("token_hash", Hash32),
            ("seller_id", Keep),
            ("kind", Keep),
            ("created_at", Keep),
            ("expires_at", Keep),
            ("revoked_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "stores",
        from: "stores t",
        columns: &[
            ("id", Keep),
            ("seller_id", Keep),
            ("slug", Slug),
            ("name", StoreName),
            ("description", StoreDescription),
            ("whatsapp", Phone),
            ("logo_image_id", KeepAfterLoad),
            ("accent_colour", Keep),
            ("currency", Keep),
            ("created_at", Keep),
            ("updated_at", Keep),
            ("version", Keep),
            ("upi_id", UpiId),
            ("delivery_fee_minor", Sql("SCALE(t.delivery_fee_minor, FACTOR(t.id))")),
            ("pickup_enabled", Keep),
            ("address", Address),
            ("gstin", Gstin),
            ("tax_rate_bps", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "images",
        from: "images t",
        columns: &[
            ("id", Keep),
            ("store_id", Keep),
            // The content hash names the media variants: kept so a staging copy of the
            // media bucket still serves them. It identifies a photo, not a person.
            ("hash", Keep),
            ("width", Keep),
            ("height", Keep),
            ("variant_widths", Keep),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "categories",
        from: "categories t",
        columns: &[
            ("id", Keep),
            ("store_id", Keep),
            ("name", Scrub),
            ("name_key", Scrub),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "products",
        from: "products t",
        columns: &[
            ("id", Keep),
            ("store_id", Keep),
            ("category_id", Keep),
            ("name", Scrub),
            ("description", Scrub),
            ("price_minor", Sql("SCALE(t.price_minor, FACTOR(t.id))")),
            ("stock", Keep),
            ("active", Keep),
            ("image_id", Keep),
            ("created_at", Keep),
            ("updated_at", Keep),
            ("version", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "store_synonyms",
        from: "store_synonyms t",
        // Search words a seller chose for their catalogue (public behaviour of the
        // storefront's search), not about any person.
        columns: &[("store_id", Keep), ("groups", Keep), ("updated_at", Keep)],
        helpers: &[],
    },
    TableRules {
        table: "idempotency_keys",
        from: "idempotency_keys t",
        columns: &[
            ("seller_id", Keep),
            ("key", IdempotencyKey),
            ("request_hash", Hash32),
            ("resource_id", Keep),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "order_counters",
        from: "order_counters t",
        columns: &[("store_id", Keep), ("last_number", Keep)],
        helpers: &[],
    },
    TableRules {
        table: "discounts",
        from: "discounts t",
        columns: &[
            ("id", Keep),
            ("store_id", Keep),
            ("code", DiscountCode),
            ("code_key", DiscountCode),
            ("kind", Keep),
            (
                "value",
                Sql("CASE WHEN t.kind = 'fixed' THEN greatest(1, SCALE(t.value, FACTOR(t.store_id))) ELSE t.value END"),
            ),
            ("min_order_minor", Sql("SCALE(t.min_order_minor, FACTOR(t.store_id))")),
            ("starts_at", Keep),
            ("ends_at", Keep),
            ("max_uses", Keep),
            ("max_uses_per_phone", Keep),
            ("uses", Keep),
            ("active", Keep),
            ("created_at", Keep),
            ("updated_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "orders",
        from: "orders o NEW_TOTALS",
        columns: &[
            ("id", Keep),
            ("store_id", Keep),
            ("number", Keep),
            ("token", OrderToken),
            ("payment_ref", PaymentRef),
            ("status", Keep),
            ("payment_method", Keep),
            ("payment_status", Keep),
            ("customer_name", PersonName),
            ("customer_phone", Phone),
            ("fulfilment", Keep),
            ("address", Address),
            ("note", Note),
            ("currency", Keep),
            ("subtotal_minor", Sql("n1.subtotal")),
            ("discount_minor", Sql("n2.discount")),
            ("delivery_fee_minor", Sql("n2.fee")),
            ("total_minor", Sql("n1.subtotal - n2.discount + n2.fee")),
            ("tax_rate_bps", Keep),
            ("discount_id", Keep),
            ("discount_code", DiscountCode),
            ("tracking_id", TrackingId),
            ("shipping_provider", Keep),
            ("paid_at", Keep),
            ("cancel_reason", CancelReason),
            ("created_at", Keep),
            ("updated_at", Keep),
            ("version", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "order_items",
        from: "order_items t",
        columns: &[
            ("order_id", Keep),
            ("line", Keep),
            ("store_id", Keep),
            ("product_id", Keep),
            ("name", Scrub),
            ("unit_price_minor", Sql("SCALE(t.unit_price_minor, FACTOR(t.product_id))")),
            ("quantity", Keep),
            (
                "line_total_minor",
                Sql("SCALE(t.unit_price_minor, FACTOR(t.product_id)) * t.quantity"),
            ),
        ],
        helpers: &[],
    },
    TableRules {
        table: "order_events",
        from: "order_events t",
        columns: &[
            ("id", Keep),
            ("order_id", Keep),
            ("store_id", Keep),
            ("kind", Keep),
            ("from_state", Keep),
            ("to_state", Keep),
            ("actor", Keep),
            ("detail", OrderEventDetail),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "discount_uses",
        from: "discount_uses t",
        columns: &[
            ("order_id", Keep),
            ("discount_id", Keep),
            ("store_id", Keep),
            ("customer_phone", Phone),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "order_requests",
        from: "order_requests t",
        columns: &[
            ("store_id", Keep),
            ("key", IdempotencyKey),
            ("request_hash", Hash32),
            ("order_id", Keep),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "carts",
        from: "carts t",
        columns: &[
            ("token_hash", Hash32),
            ("store_id", Keep),
            ("created_at", Keep),
            ("updated_at", Keep),
            ("expires_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "cart_items",
        from: "cart_items t",
        columns: &[
            ("token_hash", Hash32),
            ("store_id", Keep),
            ("product_id", Keep),
            ("quantity", Keep),
            ("added_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "payment_webhooks",
        from: "payment_webhooks t
            LEFT JOIN orders o ON o.payment_ref =
                substring(encode(t.body, 'escape') from '\"order_ref\"\\s*:\\s*\"([A-Za-z0-9]{4,40})\"')
            NEW_TOTALS",
        columns: &[
            ("id", Keep),
            ("provider", Keep),
            ("received_at", Keep),
            ("signature_valid", Keep),
            ("event_id", EventId),
            ("body", WebhookBody),
            // An HMAC of the real body: useless for a rebuilt body, and a fingerprint.
            ("signature", Null),
            ("outcome", Keep),
            ("processed_at", Keep),
        ],
        helpers: &[
            ("old_total", "o.total_minor"),
            ("new_total", "n1.subtotal - n2.discount + n2.fee"),
            ("factor", "FACTOR(t.id)"),
        ],
    },
    TableRules {
        table: "payment_events",
        from: "payment_events t LEFT JOIN orders o ON o.id = t.order_id NEW_TOTALS",
        columns: &[
            ("provider", Keep),
            ("event_id", EventId),
            ("order_id", Keep),
            ("status", Keep),
            (
                "amount_minor",
                Sql("CASE WHEN t.amount_minor = o.total_minor THEN n1.subtotal - n2.discount + n2.fee \
                     ELSE SCALE(t.amount_minor, FACTOR(t.event_id)) END"),
            ),
            ("currency", Keep),
            ("outcome", Keep),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "payments",
        from: "payments t LEFT JOIN orders o ON o.id = t.order_id NEW_TOTALS",
        columns: &[
            ("id", Keep),
            ("order_id", Keep),
            ("store_id", Keep),
            ("provider", Keep),
            ("status", Keep),
            (
                "amount_minor",
                Sql("CASE WHEN t.amount_minor = o.total_minor THEN n1.subtotal - n2.discount + n2.fee \
                     ELSE SCALE(t.amount_minor, FACTOR(t.id)) END"),
            ),
            ("currency", Keep),
            ("recorded_by", Keep),
            ("created_at", Keep),
            ("updated_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "jobs",
        from: "jobs t",
        columns: &[
            ("id", Keep),
            ("kind", Keep),
            ("payload", JobPayload),
            ("run_at", Keep),
            ("attempts", Keep),
            ("max_attempts", Keep),
            ("locked_until", Keep),
            ("last_error", Redact),
            ("done_at", Keep),
            ("failed_at", Keep),
            ("created_at", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "store_change_seq",
        from: "store_change_seq t",
        columns: &[("store_id", Keep), ("seq", Keep)],
        helpers: &[],
    },
    TableRules {
        table: "change_outbox",
        from: "change_outbox t",
        columns: &[
            ("id", Keep),
            ("store_id", Keep),
            ("store_seq", Keep),
            ("entity", Keep),
            ("entity_id", Keep),
            ("op", Keep),
            ("entity_version", Keep),
            ("payload", ChangePayload),
            ("committed_at", Keep),
        ],
        helpers: &[("factor", "FACTOR(t.entity_id)")],
    },
    TableRules {
        table: "event_log",
        from: "event_log t",
        columns: &[
            ("offset", Keep),
            ("event_id", Keep),
            ("store_id", Keep),
            ("store_seq", Keep),
            ("entity", Keep),
            ("entity_id", Keep),
            ("op", Keep),
            ("entity_version", Keep),
            ("payload", ChangePayload),
            ("committed_at", Keep),
            ("appended_at", Keep),
        ],
        helpers: &[("factor", "FACTOR(t.entity_id)")],
    },
    TableRules {
        table: "event_log_head",
        from: "event_log_head t",
        columns: &[("singleton", Keep), ("last_offset", Keep)],
        helpers: &[],
    },
    TableRules {
        table: "event_consumers",
        from: "event_consumers t",
        columns: &[("consumer", Keep), ("position", Keep), ("updated_at", Keep)],
        helpers: &[],
    },
    TableRules {
        table: "search_nodes",
        from: "search_nodes t",
        // Node names are host names of Haat's own servers.
        columns: &[
            ("node", Keep),
            ("started_at", Keep),
            ("seen_at", Keep),
            ("ready", Keep),
            ("position", Keep),
            ("products", Keep),
            ("lag_seconds", Keep),
            ("reindexed", Keep),
        ],
        helpers: &[],
    },
    TableRules {
        table: "search_reindex_requests",
        from: "search_reindex_requests t",
        columns: &[("id", Keep), ("store_id", Keep), ("requested_at", Keep)],
        helpers: &[],
    },
    TableRules {
        table: "search_reindex_progress",
        from: "search_reindex_progress t",
        columns: &[
            ("request_id", Keep),
            ("node", Keep),
            ("total", Keep),
            ("done", Keep),
            ("updated_at", Keep),
            ("finished_at", Keep),
            ("error", Redact),
        ],
        helpers: &[],
    },
];

/// Tables the migrations themselves fill (`event_log_head`'s one row): emptied in the
/// target before the copy, and not counted as "the target has data" while they hold
/// only what the migrations put there.
pub const SEEDED_BY_MIGRATIONS: &[(&str, &str)] = &[(
    "event_log_head",
    "SELECT count(*) FROM event_log_head WHERE last_offset <> 0",
)];

/// The rules of `table`, if it has any.
pub fn table(table: &str) -> Option<&'static TableRules> {
    TABLES.iter().find(|rules| rules.table == table)
}

/// The source query's alias for a table's own row: `o` for the money joins of orders.
fn alias(rules: &TableRules) -> &'static str {
    if rules.from.starts_with("orders o") {
        "o"
    } else {
        "t"
    }
}

/// `COPY (…) TO STDOUT` for `rules`: the written columns in rule order, then the helpers.
pub fn source_query(rules: &TableRules, seed: i64) -> String {
    let alias = alias(rules);
    let mut select: Vec<String> = rules
        .columns
        .iter()
        .map(|(column, rule)| match rule {
            Rule::Sql(sql) => format!("({})", expand(sql, seed)),
            _ => format!("{alias}.\"{column}\""),
        })
        .collect();
    select.extend(
        rules
            .helpers
            .iter()
            .map(|(_, sql)| format!("({})", expand(sql, seed))),
    );
    format!(
        "COPY (SELECT {} FROM {}) TO STDOUT (FORMAT binary)",
        select.join(", "),
        expand(rules.from, seed)
    )
}

/// Replaces the `NEW_TOTALS`, `SCALE(amount, factor)` and `FACTOR(id)` shorthands.
pub fn expand(sql: &str, seed: i64) -> String {
    let sql = sql.replace("NEW_TOTALS", NEW_TOTALS);
    let sql = replace_calls(&sql, "SCALE", &|args| {
        money::SCALE
            .replace("{amount}", args[0])
            .replace("{factor}", args[1])
    });
    replace_calls(&sql, "FACTOR", &|args| {
        money::FACTOR
            .replace("{id}", args[0])
            .replace("{seed}", &seed.to_string())
    })
}

/// Rewrites every `NAME(a, b, …)` (top-level commas split arguments) with `build`.
fn replace_calls(sql: &str, name: &str, build: &dyn Fn(&[&str]) -> String) -> String {
    let pattern = format!("{name}(");
    let mut out = String::with_capacity(sql.len() * 2);
    let mut rest = sql;
    while let Some(position) = rest.find(&pattern) {
        out.push_str(&rest[..position]);
        let arguments_start = position + pattern.len();
        let mut depth = 1;
        let mut end = arguments_start;
        let mut splits = vec![arguments_start];
        for (offset, character) in rest[arguments_start..].char_indices() {
            match character {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = arguments_start + offset;
                        break;
                    }
                }
                ',' if depth == 1 => splits.push(arguments_start + offset + 1),
                _ => {}
            }
        }
        let mut arguments: Vec<String> = Vec::new();
        for (index, start) in splits.iter().enumerate() {
            let stop = splits.get(index + 1).map_or(end, |next| next - 1);
            arguments.push(rest[*start..stop].trim().to_owned());
        }
        // Arguments may themselves use the shorthand (SCALE(x, FACTOR(y))).
        let arguments: Vec<String> = arguments
            .iter()
            .map(|argument| replace_calls(argument, name, build))
            .collect();
        let references: Vec<&str> = arguments.iter().map(String::as_str).collect();
        out.push_str(&build(&references));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_names_each_column_once() {
        for rules in TABLES {
            let mut names: Vec<&str> = rules.columns.iter().map(|(name, _)| *name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), rules.columns.len(), "{}", rules.table);
        }
    }

    #[test]
    fn shorthands_expand_inside_each_other() {
        let sql = expand("SCALE(t.a, FACTOR(t.id))", 5);
        assert!(!sql.contains("SCALE(") && !sql.contains("FACTOR("), "{sql}");
        assert!(sql.contains("hashtextextended((t.id)::text, 5)"), "{sql}");
    }
}
