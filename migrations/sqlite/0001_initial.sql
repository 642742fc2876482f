-- Integration Manager, standalone mode (and later the offline mirror). The same tables and
-- rules as PostgreSQL; SQLite has no row-level security, so the store filters every query by
-- the session's tenant. Ids are UUID text, times RFC 3339 text in UTC.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'OWNER' CHECK (role IN ('OWNER', 'MEMBER')),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

CREATE TABLE refresh_tokens (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX refresh_tokens_hash_unique ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);

CREATE TABLE tenant_keys (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL CHECK (version > 0),
    wrapped_key TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE integrations (
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    provider         TEXT NOT NULL CHECK (provider IN ('META_ADS', 'PANCAKE_POS')),
    description      TEXT CHECK (length(description) <= 1000),
    credentials      TEXT NOT NULL CHECK (credentials LIKE 'ime1.%'),
    credentials_hint TEXT NOT NULL,
    config           TEXT NOT NULL,
    external_id      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'ERROR', 'DISABLED')),
    enabled          INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    last_sync_at     TEXT,
    row_version      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX integrations_id_unique ON integrations (id);
CREATE UNIQUE INDEX integrations_one_meta_ads_per_tenant
    ON integrations (tenant_id) WHERE provider = 'META_ADS';
CREATE UNIQUE INDEX integrations_pancake_shop_per_tenant
    ON integrations (tenant_id, external_id) WHERE provider = 'PANCAKE_POS';
CREATE INDEX integrations_row_version ON integrations (tenant_id, row_version);

-- SQLite has no sequences: one counter row gives the same global, increasing row versions.
CREATE TABLE row_version_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO row_version_counter (id, value) VALUES (1, 0);

CREATE TABLE login_throttle (
    email_hash      TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL
);
