-- Haat's initial schema. Every row of tenant data carries its store id, and composite
-- foreign keys make it impossible for a product to point at another store's category or
-- image. Money is integer minor units. Migrations are expand-then-contract: a later
-- migration never breaks the previous release still running during a rolling deploy.

CREATE TABLE sellers (
    id            uuid PRIMARY KEY,
    phone         text NOT NULL UNIQUE,          -- E.164
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);

-- One row per code sent. Codes are stored as HMAC-SHA256(secret, phone:code), never plain.
CREATE TABLE otp_challenges (
    id          uuid PRIMARY KEY,
    phone       text NOT NULL,
    code_hash   bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    consumed_at timestamptz
);
CREATE INDEX otp_challenges_phone_created ON otp_challenges (phone, created_at DESC);

-- Bearer tokens and dashboard sessions; only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    seller_id    uuid NOT NULL REFERENCES sellers (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('api', 'dashboard')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX sessions_seller ON sessions (seller_id);

CREATE TABLE stores (
    id            uuid PRIMARY KEY,
    seller_id     uuid NOT NULL REFERENCES sellers (id),
    slug          text NOT NULL UNIQUE,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    whatsapp      text,                          -- E.164, shown publicly by the seller's choice
    logo_image_id uuid,
    accent_colour text NOT NULL DEFAULT '#0f766e',
    currency      text NOT NULL DEFAULT 'INR',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       bigint NOT NULL DEFAULT 1
);
CREATE INDEX stores_seller ON stores (seller_id, created_at);

CREATE TABLE images (
    id             uuid PRIMARY KEY,
    store_id       uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    hash           text NOT NULL,                -- sha256 of the uploaded bytes; names the variants
    width          integer NOT NULL CHECK (width > 0),
    height         integer NOT NULL CHECK (height > 0),
    variant_widths integer[] NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, id)
);
CREATE INDEX images_store ON images (store_id);

ALTER TABLE stores
    ADD CONSTRAINT stores_logo_same_store
    FOREIGN KEY (id, logo_image_id) REFERENCES images (store_id, id) ON DELETE SET NULL (logo_image_id);

CREATE TABLE categories (
    id         uuid PRIMARY KEY,                 -- UUIDv7: ordering by id is creation order
    store_id   uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    name       text NOT NULL,
    name_key   text NOT NULL,                    -- lowercased name: one category per name per store
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, name_key),
    UNIQUE (store_id, id)
);

CREATE TABLE products (
    id          uuid PRIMARY KEY,
    store_id    uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    category_id uuid,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    price_minor bigint NOT NULL CHECK (price_minor >= 0),
    stock       integer CHECK (stock >= 0),      -- NULL means unlimited
    active      boolean NOT NULL DEFAULT true,
    image_id    uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     bigint NOT NULL DEFAULT 1,
    FOREIGN KEY (store_id, category_id) REFERENCES categories (store_id, id) ON DELETE SET NULL (category_id),
    FOREIGN KEY (store_id, image_id) REFERENCES images (store_id, id) ON DELETE SET NULL (image_id)
);
-- One index per listing order, each ending in the id so keyset pagination is exact.
CREATE INDEX products_store_newest ON products (store_id, created_at DESC, id DESC);
CREATE INDEX products_store_price ON products (store_id, price_minor, id);
CREATE INDEX products_store_name ON products (store_id, (lower(name) COLLATE "C"), id);
CREATE INDEX products_store_category ON products
    (store_id, coalesce(category_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), (lower(name) COLLATE "C"), id);
