-- Integration Manager, shared mode. Every tenant table leads with tenant_id (so the schema can be
-- distributed by tenant) and has row-level security FORCED, so even the owning role only sees
-- the tenant set for the current transaction (`app.tenant_id`, set by the store from the
-- verified session). With no tenant set, tenant tables show no rows.

CREATE FUNCTION app_current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid
$$;

-- One global sequence: row versions increase across tables, which the offline mirror pulls by.
CREATE SEQUENCE row_version_seq;

-- The one helper that keeps updated_at and row_version honest on every write.
CREATE FUNCTION touch_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.row_version := nextval('row_version_seq');
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            uuid NOT NULL,
    email         text NOT NULL,
    password_hash text NOT NULL,
    role          text NOT NULL DEFAULT 'OWNER' CHECK (role IN ('OWNER', 'MEMBER')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
-- Email is the sign-in name, so it is unique across tenants.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

CREATE TABLE refresh_tokens (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    user_id     uuid NOT NULL,
    family_id   uuid NOT NULL,
    token_hash  text NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz,
    revoked_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX refresh_tokens_hash_unique ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);

CREATE TABLE tenant_keys (
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version > 0),
    wrapped_key text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenant_keys_pkey PRIMARY KEY (tenant_id, version)
);

CREATE TABLE integrations (
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               uuid NOT NULL,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    provider         text NOT NULL CHECK (provider IN ('META_ADS', 'PANCAKE_POS')),
    description      text CHECK (length(description) <= 1000),
    credentials      text NOT NULL CHECK (credentials LIKE 'ime1.%'),
    credentials_hint text NOT NULL,
    config           jsonb NOT NULL,
    external_id      text NOT NULL,
    status           text NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'ERROR', 'DISABLED')),
    enabled          boolean NOT NULL DEFAULT false,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    last_sync_at     timestamptz,
    row_version      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX integrations_id_unique ON integrations (id);
-- The seed's rule, now race-free: at most one Meta Ads integration per tenant...
CREATE UNIQUE INDEX integrations_one_meta_ads_per_tenant
    ON integrations (tenant_id) WHERE provider = 'META_ADS';
-- ...and each Pancake shop connected at most once per tenant.
CREATE UNIQUE INDEX integrations_pancake_shop_per_tenant
    ON integrations (tenant_id, external_id) WHERE provider = 'PANCAKE_POS';
CREATE INDEX integrations_row_version ON integrations (tenant_id, row_version);

CREATE TRIGGER integrations_touch BEFORE INSERT OR UPDATE ON integrations
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Failed sign-ins per email hash. Not tenant data: the email is unknown until it signs in.
CREATE TABLE login_throttle (
    email_hash      text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL
);

-- Row-level security, forced on every tenant table.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = app_current_tenant()) WITH CHECK (id = app_current_tenant());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
-- Signing in must find a user before the tenant is known: a transaction that sets
-- `app.login_email` may read that one user's row, and nothing else.
CREATE POLICY tenant_isolation ON users
    USING (
        tenant_id = app_current_tenant()
        OR lower(email) = NULLIF(current_setting('app.login_email', true), '')
    )
    WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
-- Likewise a refresh presents only the token: its hash unlocks that one row.
CREATE POLICY tenant_isolation ON refresh_tokens
    USING (
        tenant_id = app_current_tenant()
        OR token_hash = NULLIF(current_setting('app.refresh_token_hash', true), '')
    )
    WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE tenant_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_keys
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
