-- Search (issue #5, ADR 0019). The node's tantivy index is the engine; PostgreSQL
-- full-text search is the fallback while an index is missing, corrupt or rebuilding.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Fallback: English full-text over name and description (pg_trgm's word similarity of
-- the name covers typos, computed on the store's rows). Queries always add the store:
-- the planner combines this with the store's b-tree indexes.
CREATE INDEX products_fulltext ON products
    USING gin (to_tsvector('english'::regconfig, name || ' ' || description));

-- Popularity (orders in the last 30 days) per product, read by the indexer.
CREATE INDEX order_items_product ON order_items (store_id, product_id);

-- A store's own synonym groups, edited in the dashboard: a JSON array of arrays of
-- words or phrases.
CREATE TABLE store_synonyms (
    store_id   uuid PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    groups     jsonb NOT NULL DEFAULT '[]'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
