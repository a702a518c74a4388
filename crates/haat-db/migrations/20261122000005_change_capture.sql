-- Change capture at the database level (ADR 0015, docs/events.md): every committed change
-- to stores, categories, products, images and orders leaves one row in `change_outbox`,
-- written by triggers in the changing transaction itself, so no code path can forget to
-- publish and nothing is published for a transaction that rolls back.
--
-- The triggers are deferred constraint triggers: they run at COMMIT, after every other
-- lock the transaction takes. There they take the store's row in `store_change_seq` and
-- number the change. That row lock is held until the commit completes, so a store's
-- numbers are gap-free and follow commit order exactly, and taking it last can never
-- close a deadlock cycle with the transaction's own row locks.
--
-- Payloads carry no personal data (no phone numbers, names of shoppers or addresses):
-- the log is kept for days and read by many consumers.

CREATE TABLE store_change_seq (
    store_id uuid PRIMARY KEY,
    seq      bigint NOT NULL
);

CREATE TABLE change_outbox (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id       uuid NOT NULL,
    store_seq      bigint NOT NULL,
    entity         text NOT NULL CHECK (entity IN ('store', 'category', 'product', 'image', 'order')),
    entity_id      uuid NOT NULL,
    op             text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    entity_version bigint,
    payload        jsonb NOT NULL,
    committed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION capture_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r          record;
    store      uuid;
    next_seq   bigint;
    version    bigint;
    body       jsonb;
    entity     text := TG_ARGV[0];
    operation  text := lower(TG_OP);
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF entity = 'store' THEN
        store := r.id;
        version := r.version;
        body := jsonb_build_object('slug', r.slug, 'name', r.name, 'currency', r.currency);
    ELSIF entity = 'category' THEN
        store := r.store_id;
        body := jsonb_build_object('name', r.name);
    ELSIF entity = 'product' THEN
        store := r.store_id;
        version := r.version;
        body := jsonb_build_object(
            'name', r.name, 'price_minor', r.price_minor, 'stock', r.stock,
            'active', r.active, 'category_id', r.category_id, 'image_id', r.image_id);
    ELSIF entity = 'image' THEN
        store := r.store_id;
        body := jsonb_build_object('hash', r.hash);
    ELSE
        store := r.store_id;
        body := jsonb_build_object(
            'number', r.number, 'status', r.status, 'payment_status', r.payment_status,
            'total_minor', r.total_minor, 'currency', r.currency);
    END IF;
    IF TG_OP = 'DELETE' THEN
        body := '{}'::jsonb;
    END IF;
    INSERT INTO store_change_seq AS s (store_id, seq) VALUES (store, 1)
        ON CONFLICT (store_id) DO UPDATE SET seq = s.seq + 1
        RETURNING s.seq INTO next_seq;
    INSERT INTO change_outbox (store_id, store_seq, entity, entity_id, op, entity_version, payload)
        VALUES (store, next_seq, entity, r.id, operation, version, body);
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER stores_capture AFTER INSERT OR UPDATE OR DELETE ON stores
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION capture_change('store');
CREATE CONSTRAINT TRIGGER categories_capture AFTER INSERT OR UPDATE OR DELETE ON categories
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION capture_change('category');
CREATE CONSTRAINT TRIGGER products_capture AFTER INSERT OR UPDATE OR DELETE ON products
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION capture_change('product');
CREATE CONSTRAINT TRIGGER images_capture AFTER INSERT OR UPDATE OR DELETE ON images
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION capture_change('image');
CREATE CONSTRAINT TRIGGER orders_capture AFTER INSERT OR UPDATE OR DELETE ON orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION capture_change('order');

-- The PostgreSQL event log (the embedded default engine): offsets are gap-free and
-- assigned by the relay, the only writer, in the transaction that deletes the outbox rows.
CREATE TABLE event_log (
    "offset"       bigint PRIMARY KEY,
    event_id       bigint NOT NULL UNIQUE,           -- the outbox id: stable across relays
    store_id       uuid NOT NULL,
    store_seq      bigint NOT NULL,
    entity         text NOT NULL,
    entity_id      uuid NOT NULL,
    op             text NOT NULL,
    entity_version bigint,
    payload        jsonb NOT NULL,
    committed_at   timestamptz NOT NULL,
    appended_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX event_log_appended ON event_log (appended_at);

-- The last offset ever assigned: offsets continue from it even after retention has
-- deleted every event, so a consumer's position never points past a reused offset.
CREATE TABLE event_log_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_offset bigint NOT NULL
);
INSERT INTO event_log_head (last_offset) VALUES (0);

-- Where each consumer group is: the offset of the last event it finished processing.
CREATE TABLE event_consumers (
    consumer   text PRIMARY KEY,
    position   bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
