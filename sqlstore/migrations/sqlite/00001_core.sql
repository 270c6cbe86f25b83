-- Core schema. Times are microseconds since the Unix epoch, UTC. ext is the JSON text
-- exactly as written. The ext paths that lists filter or sort on are generated columns
-- (dialect.ext in sqlstore names them), indexed like any other.

-- +goose Up
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    uid        TEXT    NOT NULL UNIQUE,
    login      TEXT    NOT NULL UNIQUE,
    email      TEXT    NOT NULL,
    first_name TEXT    NOT NULL DEFAULT '',
    last_name  TEXT    NOT NULL DEFAULT '',
    avatar_url TEXT    NOT NULL DEFAULT '',
    role       TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
    created_at INTEGER NOT NULL
);

CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE workspace_members (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    role         TEXT    NOT NULL CHECK (role IN ('owner', 'member')),
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id, workspace_id);

CREATE TABLE projects (
    id           INTEGER PRIMARY KEY,
    uid          TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('active', 'archived')),
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    workspace_id INTEGER REFERENCES workspaces (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id),
    updated_by   INTEGER NOT NULL REFERENCES users (id),
    version      INTEGER NOT NULL DEFAULT 1,
    ext          TEXT    NOT NULL DEFAULT '{}',
    -- ext.textking.state, a column so that indexes need no JSON
    ext_textking_state TEXT GENERATED ALWAYS AS (COALESCE(json_extract(ext, '$.textking.state'), 'prepared')) STORED,
    -- ext.tasks.private_comment, a column so that indexes need no JSON
    ext_tasks_private_comment TEXT GENERATED ALWAYS AS (COALESCE(json_extract(ext, '$.tasks.private_comment'), '')) STORED,
    -- ext.tervis.Status, a column so that indexes need no JSON
    ext_tervis_status INTEGER GENERATED ALWAYS AS (COALESCE(json_extract(ext, '$.tervis.Status'), 0)) STORED,
    -- ext.maiu.isBaseProject, a column so that indexes need no JSON
    ext_maiu_is_base INTEGER GENERATED ALWAYS AS (COALESCE(json_extract(ext, '$.maiu.isBaseProject'), 0)) STORED
);
CREATE INDEX projects_created ON projects (created_at, id);
CREATE INDEX projects_updated ON projects (updated_at, id);
CREATE INDEX projects_name ON projects (name, id);
CREATE INDEX projects_owner_created ON projects (owner_id, created_at, id);
CREATE INDEX projects_owner_id ON projects (owner_id, id);
CREATE INDEX projects_workspace_id ON projects (workspace_id, id);
CREATE INDEX projects_status_created ON projects (status, created_at, id);
-- TextKing lists a customer's projects by state, newest first, and counts them.
CREATE INDEX projects_ext_textking_state ON projects (owner_id, ext_textking_state, created_at, id);
-- Yandex Tasks sorts by private_comment.
CREATE INDEX projects_ext_tasks_private_comment ON projects (ext_tasks_private_comment, id);
-- Tervis finds a user's projects by status and name.
CREATE INDEX projects_ext_tervis_status ON projects (owner_id, ext_tervis_status, name, id);
-- NAVER finds the base project of a workspace.
CREATE INDEX projects_ext_maiu_is_base ON projects (workspace_id, ext_maiu_is_base, id);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    hash         BLOB    NOT NULL UNIQUE,
    scopes       TEXT    NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id, id);

CREATE TABLE access_keys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    access_key    TEXT    NOT NULL UNIQUE,
    sealed_secret BLOB    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE app_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    hash       BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE app_keys;
DROP TABLE access_keys;
DROP TABLE tokens;
DROP TABLE projects;
DROP TABLE workspace_members;
DROP TABLE workspaces;
DROP TABLE users;
