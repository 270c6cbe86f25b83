-- Projects of a status in id order (the native API's default order, Toloka's sort=id):
-- without it SQLite took the (status, created_at, id) index and sorted every archived
-- project for each page (200,000 of 1,000,000: 13 ms a page).

-- +goose Up
CREATE INDEX projects_status_id ON projects (status, id);

-- +goose Down
DROP INDEX projects_status_id;
