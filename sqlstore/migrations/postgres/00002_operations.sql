-- Operations that clients track as asynchronous (Toloka's archive). project_id has no
-- foreign key: the record outlives the project.

-- +goose Up
CREATE TABLE operations (
    id           TEXT    PRIMARY KEY,
    type         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    project_id   BIGINT  NOT NULL,
    submitted_at BIGINT  NOT NULL,
    started_at   BIGINT  NOT NULL,
    finished_at  BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE operations;
