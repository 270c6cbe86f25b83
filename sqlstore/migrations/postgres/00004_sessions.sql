-- One-time auth codes and the sessions they are exchanged for (Movika's accounts API).
-- Only hashes of the secrets are stored.

-- +goose Up
CREATE TABLE auth_codes (
    hash       BYTEA   PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id),
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT 
);

CREATE TABLE sessions (
    refresh_hash BYTEA   PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    token_id     BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE sessions;
DROP TABLE auth_codes;
