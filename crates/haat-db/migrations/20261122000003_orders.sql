-- Orders, carts, discounts, payments and the background job queue (issue #3).
-- Expand only: every column added to an existing table has a default, so the previous
-- release keeps working during a rolling deploy.
--
-- Lock order (the rule that keeps concurrent checkouts free of deadlocks): a transaction
-- that locks several of these rows always takes them in this order:
--   orders row (cancel, payments) → products (ascending id) → discounts → order_counters.

-- Store settings used by checkout and invoices.
ALTER TABLE stores
    ADD COLUMN upi_id             text,                         -- VPA, e.g. name@bank; NULL = cash on delivery only
    ADD COLUMN delivery_fee_minor bigint NOT NULL DEFAULT 0 CHECK (delivery_fee_minor >= 0),
    ADD COLUMN pickup_enabled     boolean NOT NULL DEFAULT true,
    ADD COLUMN address            text NOT NULL DEFAULT '',     -- printed on invoices
    ADD COLUMN gstin              text,                         -- printed on invoices when set
    ADD COLUMN tax_rate_bps       integer CHECK (tax_rate_bps BETWEEN 0 AND 10000); -- prices include this tax

-- Per-store order numbers (#1001, #1002, …). Taken inside the order's transaction, so a
-- failed checkout rolls its number back: sellers never see a gap.
CREATE TABLE order_counters (
    store_id    uuid PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    last_number bigint NOT NULL
);

CREATE TABLE discounts (
    id                 uuid PRIMARY KEY,
    store_id           uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    code               text NOT NULL,                -- as the seller typed it
    code_key           text NOT NULL,                -- upper-cased: codes are case-insensitive
    kind               text NOT NULL CHECK (kind IN ('percent', 'fixed')),
    value              bigint NOT NULL CHECK (value > 0), -- percent: 1..=100; fixed: minor units
    min_order_minor    bigint NOT NULL DEFAULT 0 CHECK (min_order_minor >= 0),
    starts_at          timestamptz,
    ends_at            timestamptz,
    max_uses           integer CHECK (max_uses > 0),
    max_uses_per_phone integer CHECK (max_uses_per_phone > 0),
    uses               integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'percent' OR value <= 100),
    CHECK (max_uses IS NULL OR uses <= max_uses),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
    UNIQUE (store_id, code_key),
    UNIQUE (store_id, id)
);

CREATE TABLE orders (
    id                 uuid PRIMARY KEY,
    store_id           uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    number             bigint NOT NULL,
    token              text NOT NULL UNIQUE,         -- unguessable; the shopper's key to the order
    payment_ref        text NOT NULL UNIQUE,         -- what the gateway quotes back (order_ref)
    status             text NOT NULL DEFAULT 'placed'
                       CHECK (status IN ('placed', 'accepted', 'shipped', 'delivered', 'cancelled')),
    payment_method     text NOT NULL CHECK (payment_method IN ('cod', 'upi')),
    payment_status     text NOT NULL DEFAULT 'pending'
                       CHECK (payment_status IN ('pending', 'paid', 'flagged', 'refunded')),
    customer_name      text NOT NULL,
    customer_phone     text NOT NULL,                -- E.164
    fulfilment         text NOT NULL CHECK (fulfilment IN ('delivery', 'pickup')),
    address            text,                         -- set iff fulfilment = 'delivery'
    note               text NOT NULL DEFAULT '',
    currency           text NOT NULL,
    subtotal_minor     bigint NOT NULL CHECK (subtotal_minor >= 0),
    discount_minor     bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    delivery_fee_minor bigint NOT NULL DEFAULT 0 CHECK (delivery_fee_minor >= 0),
    total_minor        bigint NOT NULL CHECK (total_minor >= 0),
    tax_rate_bps       integer,                      -- the store's rate when the order was placed
    discount_id        uuid,
    discount_code      text,
    tracking_id        text,
    shipping_provider  text,
    paid_at            timestamptz,
    cancel_reason      text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            bigint NOT NULL DEFAULT 1,
    CHECK (total_minor = subtotal_minor - discount_minor + delivery_fee_minor),
    CHECK ((fulfilment = 'delivery') = (address IS NOT NULL)),
    UNIQUE (store_id, number),
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, discount_id) REFERENCES discounts (store_id, id) ON DELETE SET NULL (discount_id)
);
-- The order desk: newest first, optionally by status; both end in the id for keyset pages.
CREATE INDEX orders_store_newest ON orders (store_id, created_at DESC, id DESC);
CREATE INDEX orders_store_status ON orders (store_id, status, created_at DESC, id DESC);

-- What was bought, as it was when bought: name and price are copied, so later edits or
-- deletion of the product never change an order.
CREATE TABLE order_items (
    order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line             integer NOT NULL CHECK (line > 0),
    store_id         uuid NOT NULL,
    product_id       uuid NOT NULL,                  -- no FK: the product may later be deleted
    name             text NOT NULL,
    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
    quantity         integer NOT NULL CHECK (quantity > 0),
    line_total_minor bigint NOT NULL CHECK (line_total_minor = unit_price_minor * quantity),
    PRIMARY KEY (order_id, line),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE
);

-- The order's history: every status and payment change, with who did it and when.
CREATE TABLE order_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   uuid NOT NULL,
    store_id   uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('status', 'payment')),
    from_state text,
    to_state   text NOT NULL,
    actor      text NOT NULL,                        -- 'shopper', 'seller:<uuid>', 'gateway:<provider>', 'system'
    detail     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- One use of a discount code by one order; deleted when the order is cancelled.
CREATE TABLE discount_uses (
    order_id       uuid PRIMARY KEY,
    discount_id    uuid NOT NULL,
    store_id       uuid NOT NULL,
    customer_phone text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE,
    FOREIGN KEY (store_id, discount_id) REFERENCES discounts (store_id, id) ON DELETE CASCADE
);
CREATE INDEX discount_uses_phone ON discount_uses (discount_id, customer_phone);

-- Exactly-once checkout: a shopper's Idempotency-Key (API) or the checkout form's
-- one-time token, stored in the order's own transaction.
CREATE TABLE order_requests (
    store_id     uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    order_id     uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, key)
);
CREATE INDEX order_requests_created ON order_requests (created_at);

-- Server-side carts, keyed by the SHA-256 of an unguessable cookie token and the store.
CREATE TABLE carts (
    token_hash bytea NOT NULL,
    store_id   uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (token_hash, store_id)
);
CREATE INDEX carts_expires ON carts (expires_at);

CREATE TABLE cart_items (
    token_hash bytea NOT NULL,
    store_id   uuid NOT NULL,
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    quantity   integer NOT NULL CHECK (quantity > 0),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_hash, store_id, product_id),
    FOREIGN KEY (token_hash, store_id) REFERENCES carts (token_hash, store_id) ON DELETE CASCADE
);

-- Every webhook delivery, stored raw before it is acted on (audit trail).
CREATE TABLE payment_webhooks (
    id              uuid PRIMARY KEY,
    provider        text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    signature_valid boolean NOT NULL,
    event_id        text,
    body            bytea NOT NULL,
    signature       text,
    outcome         text,                            -- filled in once processed
    processed_at    timestamptz
);
CREATE INDEX payment_webhooks_received ON payment_webhooks (received_at);
CREATE INDEX payment_webhooks_unprocessed ON payment_webhooks (received_at) WHERE processed_at IS NULL AND signature_valid;

-- Each provider event applied at most once.
CREATE TABLE payment_events (
    provider     text NOT NULL,
    event_id     text NOT NULL,
    order_id     uuid,
    status       text NOT NULL,
    amount_minor bigint NOT NULL,
    currency     text NOT NULL,
    outcome      text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

-- One payment record per order and provider ('manual' for cash the seller received).
CREATE TABLE payments (
    id           uuid PRIMARY KEY,
    order_id     uuid NOT NULL,
    store_id     uuid NOT NULL,
    provider     text NOT NULL,
    status       text NOT NULL CHECK (status IN ('captured', 'failed', 'refunded')),
    amount_minor bigint NOT NULL,
    currency     text NOT NULL,
    recorded_by  text NOT NULL,                      -- 'gateway:<provider>' or 'seller:<uuid>'
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, provider),
    FOREIGN KEY (store_id, order_id) REFERENCES orders (store_id, id) ON DELETE CASCADE
);

-- Background work queued in the same transaction as its cause, run by idempotent handlers
-- with retries. `id` is also the idempotency key handed to external providers.
CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL,
    payload      jsonb NOT NULL,
    run_at       timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 8,
    locked_until timestamptz,
    last_error   text,
    done_at      timestamptz,
    failed_at    timestamptz,                        -- gave up after max_attempts
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
