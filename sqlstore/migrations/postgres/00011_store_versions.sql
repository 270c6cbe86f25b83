-- The version of the database's state that the page cache keeps pages under: every write
-- transaction adds one to a row of its own choosing (16, so that concurrent writers seldom
-- wait on one), so the sum changes with every commit to this database and with nothing
-- else — unlike the server's snapshot, which every database of the cluster moves.

-- +goose Up
CREATE TABLE store_versions (
    shard integer PRIMARY KEY,
    n     bigint  NOT NULL DEFAULT 0
);
INSERT INTO store_versions (shard) SELECT generate_series(0, 15);

-- +goose Down
DROP TABLE store_versions;
