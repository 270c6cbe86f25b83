-- A maintained count of each owner's projects per TextKing state, so that the totals a
-- surface must answer for an owner cost a few rows, not a scan of the owner's projects.
-- The store keeps it in step in the transaction of every write.

-- +goose Up
CREATE TABLE project_counts (
    owner_id INTEGER NOT NULL,
    state    TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (owner_id, state)
);
INSERT INTO project_counts (owner_id, state, n)
    SELECT owner_id, ext_textking_state, COUNT(*) FROM projects GROUP BY owner_id, ext_textking_state;

-- +goose Down
DROP TABLE project_counts;
