-- Users' passwords for the console, as bcrypt hashes; NULL: none set (sign in with a token).

-- +goose Up
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- +goose Down
ALTER TABLE users DROP COLUMN password_hash;
