-- Operations that clients track as asynchronous (Toloka's archive). project_id has no
-- foreign key: the record outlives the project.

-- +goose Up
CREATE TABLE operations (
    id           TEXT    PRIMARY KEY,
    type         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    project_id   INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL
);

-- +goose Down
DROP TABLE operations;
