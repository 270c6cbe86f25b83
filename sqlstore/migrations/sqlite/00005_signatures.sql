-- Request signatures already accepted, kept until their timestamp leaves the window in
-- which they could be replayed (NAVER API Gateway signature v2).

-- +goose Up
CREATE TABLE spent_signatures (
    hash       BLOB    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX spent_signatures_expiry ON spent_signatures (expires_at);

-- +goose Down
DROP TABLE spent_signatures;
