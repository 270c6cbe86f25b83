-- +goose Up
-- Where each user's last write ended in the primary's WAL, so that serve sends that
-- user's reads only to replicas that have replayed it (read-your-writes across serve
-- processes). UNLOGGED: it writes no WAL and is not replicated; a crash or a failover
-- empties it, which costs only that reads go by each process's own memory for a while.
CREATE UNLOGGED TABLE write_positions (
    user_id BIGINT PRIMARY KEY,
    lsn     BIGINT NOT NULL
);

-- +goose Down
DROP TABLE write_positions;
