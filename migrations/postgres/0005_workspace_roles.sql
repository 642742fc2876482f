-- Shared mode with the database as the boundary: each workspace logs in as a role of its own,
-- and row-level security keys on who is connected, never on a setting a client can change.
--
-- Who is who, decided from `session_user` (the role that logged in: `SET ROLE` does not change
-- it, and only a superuser may `SET SESSION AUTHORIZATION`):
-- * trusted sessions: the schema owner (who runs the migrations and the admin commands) and the
--   server role `<prefix>_server` (the headless worker and the server). They hold the master key
--   and pick the tenant per transaction with `app.tenant_id`, as the whole core did before; a
--   transaction that sets `app.all_tenants = 'on'` sees every tenant (the worker claiming jobs,
--   the admin listing workspaces).
-- * every other session: a workspace role, listed in `workspace_access`. It sees its own tenant
--   only, whatever it sets. A role that is not listed (or was revoked) sees nothing: fail closed.
--
-- The roles themselves are made by `integrations admin init` and `admin create-workspace`
-- (crates/core/src/admin), not here: role names are cluster-wide, so they carry a per-database
-- prefix kept in `server_identity`, and privileges are granted there too.
--
-- A new table is isolated with one call in its migration (the catalogue test in
-- crates/core/tests/workspace_boundary.rs fails the build for a table without it):
--     SELECT app_isolate_tenant_table('my_table');

-- The server's identity, one row, written by `admin init`: the role-name prefix, which master
-- key this database's keys are wrapped by (its id, never the key), the master key's public half
-- (clients wrap new data keys for the server with it, without being able to open them), and the
-- schema version clients check before they work against it.
CREATE TABLE server_identity (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    role_prefix       text NOT NULL CHECK (role_prefix ~ '^[a-z][a-z0-9_]{0,39}$'),
    master_key_id     text NOT NULL,
    master_public_key text NOT NULL,
    schema_version    bigint NOT NULL DEFAULT 0,
    -- What connection codes carry: the server as clients reach it (NULL: as the admin did), the
    -- operator's explicit TLS mode (NULL: verify-full off loopback) and a CA certificate (PEM).
    public_host       text,
    public_port       integer CHECK (public_port BETWEEN 1 AND 65535),
    tls_mode          text CHECK (tls_mode IN ('verify-full', 'verify-ca', 'require', 'disable')),
    ca_certificate    text,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Which login role is which workspace. Read by the policies; written only by trusted sessions.
-- `key_id` names the current workspace key (a hash, never the key) so a client can tell that the
-- key in its code is the one the data keys are wrapped by; `escrowed_key` is that workspace key
-- wrapped by the master key, so the server can wrap new data keys for the workspace too.
CREATE TABLE workspace_access (
    tenant_id    uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    role_name    text NOT NULL UNIQUE,
    key_id       text NOT NULL,
    escrowed_key text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    rotated_at   timestamptz,
    revoked_at   timestamptz
);

-- Each data key is stored wrapped twice: by the master key (`wrapped_key`, as before) and by the
-- workspace key its clients hold. NULL only for a workspace that has no access yet.
ALTER TABLE tenant_keys ADD COLUMN workspace_wrapped_key text;

-- Trusted: the schema owner (or a member of it) or the server role (or a member of it).
-- Invoker's rights: every role can run it, and it reads only the catalogue and server_identity.
CREATE FUNCTION app_trusted_session() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT pg_has_role(session_user,
                       (SELECT relowner FROM pg_class WHERE oid = 'public.tenants'::regclass),
                       'MEMBER')
        OR EXISTS (SELECT 1 FROM public.server_identity s
                   JOIN pg_roles r ON r.rolname = s.role_prefix || '_server'
                   WHERE pg_has_role(session_user, r.oid, 'MEMBER'))
$$;

-- The tenant of this session. The same function every policy has used since 0001, now deciding
-- by the connected role: a workspace role cannot choose another tenant by setting anything.
CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS uuid
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT CASE
        WHEN public.app_trusted_session()
            THEN NULLIF(current_setting('app.tenant_id', true), '')::uuid
        ELSE (SELECT tenant_id FROM public.workspace_access
              WHERE role_name = session_user::text AND revoked_at IS NULL)
    END
$$;

-- A trusted transaction that asked for every tenant.
CREATE FUNCTION app_all_tenants() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce(current_setting('app.all_tenants', true), '') = 'on'
       AND public.app_trusted_session()
$$;

-- Sign-in throttling is per workspace for workspace roles (one cannot reset or fill another's
-- counters) and one global scope for trusted sessions, which sign in before the tenant is known.
-- NULL for an unlisted role: it matches no row.
CREATE FUNCTION app_login_scope() RETURNS uuid
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT CASE
        WHEN public.app_trusted_session() THEN '00000000-0000-0000-0000-000000000000'::uuid
        ELSE public.app_current_tenant()
    END
$$;

-- The one way a table gets its tenant policy. The functions are wrapped in SELECT so PostgreSQL
-- evaluates them once per query, not once per row.
CREATE FUNCTION app_isolate_tenant_table(target regclass, tenant_column text DEFAULT 'tenant_id')
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    rule text := format('%I = (SELECT app_current_tenant()) OR (SELECT app_all_tenants())',
                        tenant_column);
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
    EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (%s) WITH CHECK (%s)',
                   target, rule, rule);
END
$$;
REVOKE EXECUTE ON FUNCTION app_isolate_tenant_table(regclass, text) FROM PUBLIC;

-- Every tenant table, with the policy above.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.table_name FROM information_schema.columns c
             JOIN information_schema.tables tb USING (table_schema, table_name)
             WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'
               AND tb.table_type = 'BASE TABLE'
               AND c.table_name NOT IN ('workspace_access')
    LOOP
        PERFORM app_isolate_tenant_table(t::regclass);
    END LOOP;
END
$$;
SELECT app_isolate_tenant_table('tenants', 'id');
-- workspace_access has its own policy below; it has a tenant_id too.

-- Signing in before the tenant is known (finding a user by email, a refresh token by its hash)
-- is for trusted sessions only. A workspace role signs in inside its own workspace, so these
-- doors, which crossed tenants, are closed to it.
DROP POLICY tenant_isolation ON users;
CREATE POLICY tenant_isolation ON users
    USING (
        tenant_id = (SELECT app_current_tenant()) OR (SELECT app_all_tenants())
        OR ((SELECT app_trusted_session())
            AND lower(email) = NULLIF(current_setting('app.login_email', true), ''))
    )
    WITH CHECK (tenant_id = (SELECT app_current_tenant()) OR (SELECT app_all_tenants()));

DROP POLICY tenant_isolation ON refresh_tokens;
CREATE POLICY tenant_isolation ON refresh_tokens
    USING (
        tenant_id = (SELECT app_current_tenant()) OR (SELECT app_all_tenants())
        OR ((SELECT app_trusted_session())
            AND token_hash = NULLIF(current_setting('app.refresh_token_hash', true), ''))
    )
    WITH CHECK (tenant_id = (SELECT app_current_tenant()) OR (SELECT app_all_tenants()));

-- The job queue now has a policy like every other table: a workspace role sees its own jobs;
-- the worker claims across tenants with app.all_tenants (see the store's claim_job).
-- (Done by the loop above: sync_jobs has a tenant_id.)

ALTER TABLE login_throttle ADD COLUMN scope uuid NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_pkey;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_pkey PRIMARY KEY (scope, email_hash);
ALTER TABLE login_throttle ALTER COLUMN scope SET DEFAULT app_login_scope();
ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_throttle FORCE ROW LEVEL SECURITY;
CREATE POLICY login_scope ON login_throttle
    USING (scope = (SELECT app_login_scope()) OR (SELECT app_all_tenants()))
    WITH CHECK (scope = (SELECT app_login_scope()) OR (SELECT app_all_tenants()));

ALTER TABLE workspace_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_access FORCE ROW LEVEL SECURITY;
-- A workspace role reads its own row (the id of its current workspace key); only trusted
-- sessions read the others or write any.
CREATE POLICY own_access ON workspace_access FOR SELECT
    USING (role_name = session_user::text OR (SELECT app_trusted_session()));
-- Writes are policies of their own (not FOR ALL, whose USING would join the SELECT policies).
CREATE POLICY trusted_inserts ON workspace_access FOR INSERT
    WITH CHECK ((SELECT app_trusted_session()));
CREATE POLICY trusted_updates ON workspace_access FOR UPDATE
    USING ((SELECT app_trusted_session())) WITH CHECK ((SELECT app_trusted_session()));
CREATE POLICY trusted_deletes ON workspace_access FOR DELETE
    USING ((SELECT app_trusted_session()));

ALTER TABLE server_identity ENABLE ROW LEVEL SECURITY;
ALTER TABLE server_identity FORCE ROW LEVEL SECURITY;
-- Public facts about the server (prefix, public key, schema version): everyone reads them.
CREATE POLICY everyone_reads ON server_identity FOR SELECT USING (true);
-- Writes only by trusted sessions; not FOR ALL, whose USING would join the SELECT policies and
-- make app_trusted_session(), which reads this table, recurse.
CREATE POLICY trusted_inserts ON server_identity FOR INSERT
    WITH CHECK ((SELECT app_trusted_session()));
CREATE POLICY trusted_updates ON server_identity FOR UPDATE
    USING ((SELECT app_trusted_session())) WITH CHECK ((SELECT app_trusted_session()));
CREATE POLICY trusted_deletes ON server_identity FOR DELETE
    USING ((SELECT app_trusted_session()));
