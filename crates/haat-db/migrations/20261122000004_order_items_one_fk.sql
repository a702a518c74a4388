-- order_items had two foreign keys to orders: (order_id) and (store_id, order_id). The
-- second implies the first (and cascades the same way), so the first only cost one more
-- referential check per order line at checkout. Keep the tenant-scoped one.
ALTER TABLE order_items DROP CONSTRAINT IF EXISTS order_items_order_id_fkey;
