-- Maintained counts of projects by owner, workspace, status and TextKing state, so that a
-- total of any combination of those filters costs a few rows instead of a scan of the
-- rows it counts: project_owner_totals holds each owner's over every workspace, and
-- project_totals everyone's, in 16 shards (by owner) so that concurrent writers on
-- PostgreSQL rarely wait for one row. The store keeps all three in step in the
-- transaction of every write; they replace project_counts.

-- +goose Up
CREATE TABLE project_tallies (
    owner_id  BIGINT  NOT NULL,
    workspace TEXT    NOT NULL, -- the workspace's name (names never change); '' for none
    status    TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    n         BIGINT  NOT NULL,
    PRIMARY KEY (owner_id, workspace, status, state)
);
CREATE INDEX project_tallies_workspace ON project_tallies (workspace, owner_id);
INSERT INTO project_tallies (owner_id, workspace, status, state, n)
    SELECT p.owner_id, COALESCE(w.name, ''), p.status, p.ext_textking_state, COUNT(*)
    FROM projects p LEFT JOIN workspaces w ON w.id = p.workspace_id
    GROUP BY p.owner_id, COALESCE(w.name, ''), p.status, p.ext_textking_state;
CREATE TABLE project_owner_totals (
    owner_id BIGINT  NOT NULL,
    status   TEXT    NOT NULL,
    state    TEXT    NOT NULL,
    n        BIGINT  NOT NULL,
    PRIMARY KEY (owner_id, status, state)
);
INSERT INTO project_owner_totals (owner_id, status, state, n)
    SELECT owner_id, status, state, SUM(n) FROM project_tallies GROUP BY owner_id, status, state;
CREATE TABLE project_totals (
    status TEXT    NOT NULL,
    state  TEXT    NOT NULL,
    shard  INTEGER NOT NULL,
    n      BIGINT  NOT NULL,
    PRIMARY KEY (status, state, shard)
);
INSERT INTO project_totals (status, state, shard, n)
    SELECT status, state, (owner_id % 16)::int, SUM(n) FROM project_tallies GROUP BY status, state, (owner_id % 16)::int;
DROP TABLE project_counts;

-- +goose Down
CREATE TABLE project_counts (
    owner_id BIGINT  NOT NULL,
    state    TEXT    NOT NULL,
    n        BIGINT  NOT NULL,
    PRIMARY KEY (owner_id, state)
);
INSERT INTO project_counts (owner_id, state, n)
    SELECT owner_id, state, SUM(n) FROM project_tallies GROUP BY owner_id, state;
DROP TABLE project_totals;
DROP TABLE project_owner_totals;
DROP TABLE project_tallies;
