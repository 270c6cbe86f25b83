-- +goose Up
-- Where migrate found each project it brought: the source (surface and URL) and the
-- project's id there, and a fingerprint of what it wrote, so that a second run updates
-- or skips instead of duplicating.
CREATE TABLE project_sources (
    source      TEXT    NOT NULL,
    source_id   TEXT    NOT NULL,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    fingerprint TEXT    NOT NULL,
    PRIMARY KEY (source, source_id)
);
CREATE INDEX project_sources_project ON project_sources (project_id);

-- +goose Down
DROP TABLE project_sources;
