-- Expand: remembers which resource a client's Idempotency-Key created, so a retry after
-- a timeout or a crash, or a double tap, returns the first result instead of a duplicate.
-- The row is written in the same transaction as the resource it names.
CREATE TABLE idempotency_keys (
    seller_id    uuid NOT NULL REFERENCES sellers (id) ON DELETE CASCADE,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    resource_id  uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
