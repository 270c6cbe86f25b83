-- One-time auth codes and the sessions they are exchanged for (Movika's accounts API).
-- Only hashes of the secrets are stored.

-- +goose Up
CREATE TABLE auth_codes (
    hash       BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE TABLE sessions (
    refresh_hash BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    token_id     INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE sessions;
DROP TABLE auth_codes;
