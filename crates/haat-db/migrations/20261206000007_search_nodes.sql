-- Search across a fleet (issue #5, docs/search.md). Every node keeps its own index;
-- these tables are how they report in and how an operator asks all of them at once.

-- Each node's indexer writes its row every few seconds (`haat status` reads them) and
-- deletes it when it stops cleanly. Rows not refreshed for an hour are removed by
-- maintenance.
CREATE TABLE search_nodes (
    node        text PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    seen_at     timestamptz NOT NULL,
    ready       boolean NOT NULL,
    -- Event-log position the node's index includes (in its log's numbering).
    position    bigint,
    products    bigint NOT NULL DEFAULT 0,
    lag_seconds double precision,
    -- The last reindex request the node's index has carried out.
    reindexed   bigint NOT NULL DEFAULT 0
);

-- `haat search reindex [--store]`: a request every node carries out once (the index
-- records the last one it did, so a node that was down does it when it starts).
CREATE TABLE search_reindex_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id     uuid REFERENCES stores (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now()
);

-- How far each node is with a request (the command's progress bars).
CREATE TABLE search_reindex_progress (
    request_id  bigint NOT NULL REFERENCES search_reindex_requests (id) ON DELETE CASCADE,
    node        text NOT NULL,
    total       bigint NOT NULL,
    done        bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    error       text,
    PRIMARY KEY (request_id, node)
);
