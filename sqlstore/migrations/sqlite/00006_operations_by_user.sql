-- A user's operations, listed by id (toloka-kit pages through them with id_gt).

-- +goose Up
CREATE INDEX operations_user_id ON operations (user_id, id);

-- +goose Down
DROP INDEX operations_user_id;
