-- What a credential minted by another may do and until when: an auth code, the session it
-- opens and an access key carry the scopes of the token that made them and end no later.

-- +goose Up
ALTER TABLE auth_codes ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write';
ALTER TABLE auth_codes ADD COLUMN grant_expires_at BIGINT;
ALTER TABLE sessions ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write';
ALTER TABLE access_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write';
ALTER TABLE access_keys ADD COLUMN expires_at BIGINT;

-- +goose Down
ALTER TABLE access_keys DROP COLUMN expires_at;
ALTER TABLE access_keys DROP COLUMN scopes;
ALTER TABLE sessions DROP COLUMN scopes;
ALTER TABLE auth_codes DROP COLUMN grant_expires_at;
ALTER TABLE auth_codes DROP COLUMN scopes;
