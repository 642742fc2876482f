//! The operator's commands for a shared server (`integrations admin …`), run on the server side
//! with the schema owner's connection (`DATABASE_URL`, a role with CREATEROLE) and the master key.
//!
//! * [`Admin::init`] migrates, records the server's identity, creates the roles the design needs
//!   (`<prefix>_workspace`, the group every workspace role belongs to, and `<prefix>_server`, the
//!   login role of the worker and the server), grants each what it needs and no more, and gives
//!   every workspace that has no access yet (a database from before) its role and code.
//! * [`Admin::create_workspace`] makes a workspace, its owner, its login role (random password,
//!   sent as a SCRAM verifier) and its workspace key, and returns the connection code.
//! * [`Admin::rotate_workspace_access`] issues a new password and workspace key (data keys are
//!   re-wrapped, credentials untouched) and ends the role's open sessions: the old code is dead.
//! * [`Admin::revoke_workspace`] stops the role from logging in and ends its sessions.
//!
//! Role names are cluster-wide, so each carries the database's prefix (its name, or a hash of it
//! when that does not fit), recorded in `server_identity`. Everything the policies rely on is in
//! `migrations/postgres/0005_workspace_roles.sql`.

mod scram;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::PgConnectOptions;
use sqlx::{PgPool, Postgres, Row, Transaction};
use uuid::Uuid;

use crate::auth::{hash_password, validate_email, validate_new_password};
use crate::crypto::{DataKey, MasterKey, WorkspaceKey};
use crate::domain::{validate_name, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::store::PostgresStore;
use crate::workspace::{tls, ConnectionCode, ServerAddress, TlsMode};

pub use scram::{random_password, verifier as scram_verifier};

/// What `admin init` may be told.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Role names start with this (default: the database's name, or `im_<hash>`).
    pub role_prefix: Option<String>,
    /// The server as clients reach it, `host` or `host:port` (default: as the admin connects).
    pub public_host: Option<String>,
    /// The TLS mode codes carry (default: none, meaning verify-full off loopback).
    pub tls: Option<TlsMode>,
    /// A CA certificate (PEM) codes carry, for a server whose certificate no public authority
    /// signed.
    pub ca_certificate: Option<String>,
    /// Give the server role a new password (and print its URL again).
    pub new_server_password: bool,
}

/// A workspace's access, as issued: give `code` to the workspace's owner.
#[derive(Debug)]
pub struct IssuedAccess {
    pub workspace_id: TenantId,
    pub name: String,
    pub role: String,
    pub code: SecretString,
}

pub struct InitReport {
    pub role_prefix: String,
    pub server_role: String,
    /// The worker's `DATABASE_URL`, when its password was (re)made by this run.
    pub server_url: Option<SecretString>,
    pub schema_version: i64,
    /// Workspaces that had no access before this run (a database from before), with their codes.
    pub issued: Vec<IssuedAccess>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary {
    pub id: TenantId,
    pub name: String,
    pub role: Option<String>,
    /// `active`, `revoked` or `no-access` (made before `admin init` gave it a role).
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub users: i64,
    pub integrations: i64,
}

/// The admin's connection: the schema owner, with the master key.
pub struct Admin {
    store: PostgresStore,
    master: MasterKey,
    options: PgConnectOptions,
}

fn db_err(context: &'static str) -> impl Fn(sqlx::Error) -> CoreError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
            CoreError::Configuration(format!(
                "{context}: the database refused ({}). Admin commands need the schema owner's \
                 connection (DATABASE_URL) with CREATEROLE.",
                db.message()
            ))
        }
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
            tracing::warn!(context, error = %err, "admin: database unavailable");
            CoreError::DatabaseUnavailable
        }
        _ => CoreError::internal(context, &err),
    }
}

/// A role or prefix name we made ourselves: safe to put between double quotes.
fn ident(name: &str) -> String {
    debug_assert!(name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    format!("\"{name}\"")
}

fn derive_prefix(database: &str) -> String {
    let lower = database.to_ascii_lowercase();
    let fits = lower.len() <= 40
        && lower.starts_with(|c: char| c.is_ascii_lowercase())
        && lower
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if fits {
        lower
    } else {
        format!("im_{}", &crate::auth::sha256_hex(database)[..12])
    }
}

fn validate_prefix(prefix: &str) -> CoreResult<()> {
    let valid = (1..=40).contains(&prefix.len())
        && prefix.starts_with(|c: char| c.is_ascii_lowercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(CoreError::Validation(
            "A role prefix is 1–40 characters: lowercase letters, digits and _, starting with a \
             letter."
                .into(),
        ))
    }
}

fn parse_host_port(text: &str) -> CoreResult<(String, Option<u16>)> {
    let text = text.trim();
    let bad = || CoreError::Validation(format!("\"{text}\" is not a host or host:port."));
    if text.is_empty() || text.contains('/') || text.contains('@') {
        return Err(bad());
    }
    // [v6]:port, v6 alone, host:port, host.
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port.parse().map_err(|_| bad())?),
            None if after.is_empty() => None,
            None => return Err(bad()),
        };
        return Ok((host.to_owned(), port));
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            Ok((host.to_owned(), Some(port.parse().map_err(|_| bad())?)))
        }
        _ => Ok((text.to_owned(), None)),
    }
}

/// The prefix and the facts codes carry, read in a transaction.
struct Identity {
    prefix: String,
    public_host: Option<String>,
    public_port: Option<i32>,
    tls: Option<TlsMode>,
    ca_certificate: Option<String>,
}

impl Admin {
    /// Connects as the schema owner. The master key is checked against the one recorded by
    /// `init` before anything is changed.
    pub async fn connect(url: &SecretString, master: MasterKey) -> CoreResult<Self> {
        let options = tls::options_from_url(url.expose_secret())?;
        let store = PostgresStore::connect_with(options.clone())
            .await
            .map_err(CoreError::from)?;
        let admin = Self {
            store,
            master,
            options,
        };
        admin.check_owner().await?;
        Ok(admin)
    }

    fn pool(&self) -> &PgPool {
        self.store.pool()
    }

    async fn check_owner(&self) -> CoreResult<()> {
        let row = sqlx::query(
            "SELECT has_schema_privilege('public', 'CREATE') AS can_create, \
                    (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) \
                        AS can_create_roles",
        )
        .fetch_one(self.pool())
        .await
        .map_err(db_err("checking the admin role"))?;
        if !row.get::<bool, _>("can_create") || !row.get::<bool, _>("can_create_roles") {
            return Err(CoreError::Configuration(
                "Admin commands need the schema owner's connection in DATABASE_URL: a role that \
                 owns the database's tables and has CREATEROLE (not a workspace's or the \
                 server's role)."
                    .into(),
            ));
        }
        Ok(())
    }

    async fn begin(&self) -> CoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.pool().begin().await.map_err(db_err("starting"))?;
        // The owner is a trusted session: it sees every workspace only when it asks to.
        sqlx::query("SELECT set_config('app.all_tenants', 'on', true)")
            .execute(&mut *tx)
            .await
            .map_err(db_err("starting"))?;
        Ok(tx)
    }

    async fn identity(&self, tx: &mut Transaction<'static, Postgres>) -> CoreResult<Identity> {
        let row = sqlx::query(
            "SELECT role_prefix, master_key_id, public_host, public_port, tls_mode, \
                    ca_certificate FROM server_identity",
        )
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err("reading the server's identity"))?
        .ok_or_else(|| {
            CoreError::Configuration(
                "This database has not been prepared for shared use: run `integrations admin \
                 init` first."
                    .into(),
            )
        })?;
        if row.get::<String, _>("master_key_id") != self.master.key_id() {
            return Err(CoreError::Configuration(
                "INTEGRATIONS_MASTER_KEY is not the master key this database was prepared with: \
                 set the one `admin init` used."
                    .into(),
            ));
        }
        let tls = row
            .get::<Option<String>, _>("tls_mode")
            .map(|mode| TlsMode::from_str(&mode))
            .transpose()?;
        Ok(Identity {
            prefix: row.get("role_prefix"),
            public_host: row.get("public_host"),
            public_port: row.get("public_port"),
            tls,
            ca_certificate: row.get("ca_certificate"),
        })
    }

    async fn server_address(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        identity: &Identity,
    ) -> CoreResult<ServerAddress> {
        let database: String = sqlx::query_scalar("SELECT current_database()::text")
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err("reading the database name"))?;
        Ok(ServerAddress {
            host: identity
                .public_host
                .clone()
                .unwrap_or_else(|| self.options.get_host().to_owned()),
            port: identity
                .public_port
                .map_or(self.options.get_port(), |port| port as u16),
            database,
        })
    }

    /// Prepares the database for shared use; safe to run again (after an upgrade, to apply new
    /// migrations and grants).
    pub async fn init(&self, options: InitOptions) -> CoreResult<InitReport> {
        if let Some(prefix) = &options.role_prefix {
            validate_prefix(prefix)?;
        }
        let public = options
            .public_host
            .as_deref()
            .map(parse_host_port)
            .transpose()?;
        self.store.migrate().await.map_err(CoreError::from)?;
        let schema_version = crate::store::PostgresStore::expected_schema_version();

        let mut tx = self.begin().await?;
        // One init at a time: two would race on the roles they create.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('integrations admin init'))")
            .execute(&mut *tx)
            .await
            .map_err(db_err("locking"))?;
        let recorded: Option<(String, String)> =
            sqlx::query_as("SELECT role_prefix, master_key_id FROM server_identity")
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err("reading the server's identity"))?;
        let prefix = match recorded {
            Some((prefix, key_id)) => {
                if key_id != self.master.key_id() {
                    return Err(CoreError::Configuration(
                        "INTEGRATIONS_MASTER_KEY is not the master key this database was \
                         prepared with: set the one the first `admin init` used."
                            .into(),
                    ));
                }
                if options
                    .role_prefix
                    .as_ref()
                    .is_some_and(|given| *given != prefix)
                {
                    return Err(CoreError::Validation(format!(
                        "This database's roles already use the prefix {prefix}; it cannot change."
                    )));
                }
                prefix
            }
            None => {
                let database: String = sqlx::query_scalar("SELECT current_database()::text")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err("reading the database name"))?;
                let prefix = options
                    .role_prefix
                    .clone()
                    .unwrap_or_else(|| derive_prefix(&database));
                let taken: Vec<String> = sqlx::query_scalar(
                    "SELECT rolname::text FROM pg_roles WHERE rolname LIKE $1 || '\\_%' \
                     ORDER BY 1 LIMIT 3",
                )
                .bind(&prefix)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err("checking role names"))?;
                if !taken.is_empty() {
                    return Err(CoreError::Configuration(format!(
                        "Roles named {prefix}_… already exist on this PostgreSQL server ({}): \
                         another database uses the prefix. Run admin init with --role-prefix.",
                        taken.join(", ")
                    )));
                }
                sqlx::query(
                    "INSERT INTO server_identity (role_prefix, master_key_id, master_public_key) \
                     VALUES ($1, $2, $3)",
                )
                .bind(&prefix)
                .bind(self.master.key_id())
                .bind(self.master.public_key().to_base64())
                .execute(&mut *tx)
                .await
                .map_err(db_err("recording the server's identity"))?;
                prefix
            }
        };
        sqlx::query(
            "UPDATE server_identity SET schema_version = $1, \
                 public_host = coalesce($2, public_host), public_port = coalesce($3, public_port), \
                 tls_mode = coalesce($4, tls_mode), ca_certificate = coalesce($5, ca_certificate)",
        )
        .bind(schema_version)
        .bind(public.as_ref().map(|(host, _)| host.clone()))
        .bind(public.as_ref().and_then(|(_, port)| port.map(i32::from)))
        .bind(options.tls.map(TlsMode::as_str))
        .bind(options.ca_certificate.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(db_err("recording the server's identity"))?;

        let workspace_group = format!("{prefix}_workspace");
        let server_role = format!("{prefix}_server");
        let existing: Vec<String> =
            sqlx::query_scalar("SELECT rolname::text FROM pg_roles WHERE rolname = ANY($1)")
                .bind([workspace_group.clone(), server_role.clone()])
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err("reading roles"))?;
        if !existing.contains(&workspace_group) {
            execute(
                &mut tx,
                &format!("CREATE ROLE {} NOLOGIN", ident(&workspace_group)),
            )
            .await?;
        }
        let server_password = if !existing.contains(&server_role) {
            let password = random_password();
            execute(
                &mut tx,
                &format!(
                    "CREATE ROLE {} LOGIN PASSWORD '{}'",
                    ident(&server_role),
                    scram_verifier(&password)
                ),
            )
            .await?;
            // Membership lets the owner end the server role's sessions (and drop it).
            execute(
                &mut tx,
                &format!("GRANT {} TO CURRENT_USER", ident(&server_role)),
            )
            .await?;
            Some(password)
        } else if options.new_server_password {
            let password = random_password();
            execute(
                &mut tx,
                &format!(
                    "ALTER ROLE {} LOGIN PASSWORD '{}'",
                    ident(&server_role),
                    scram_verifier(&password)
                ),
            )
            .await?;
            Some(password)
        } else {
            None
        };
        self.apply_grants(&mut tx, &workspace_group, &server_role)
            .await?;

        // Workspaces made before (sign-up on a shared database): each gets its role and code.
        let without: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT t.id, t.name FROM tenants t \
             WHERE NOT EXISTS (SELECT 1 FROM workspace_access a WHERE a.tenant_id = t.id) \
             ORDER BY t.created_at, t.id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("listing workspaces"))?;
        let identity = self.identity(&mut tx).await?;
        let address = self.server_address(&mut tx, &identity).await?;
        let mut issued = Vec::with_capacity(without.len());
        for (tenant, name) in without {
            let (role, code) = self
                .give_access(&mut tx, &identity, &address, tenant)
                .await?;
            issued.push(IssuedAccess {
                workspace_id: tenant,
                name,
                role,
                code,
            });
        }
        tx.commit().await.map_err(db_err("committing"))?;

        let server_url = server_password.map(|password| {
            let host = identity
                .public_host
                .clone()
                .unwrap_or_else(|| self.options.get_host().to_owned());
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host
            };
            let port = identity
                .public_port
                .map_or(self.options.get_port(), |port| port as u16);
            let query = identity
                .tls
                .map(|mode| format!("?sslmode={}", mode.as_str()))
                .unwrap_or_default();
            SecretString::from(format!(
                "postgres://{server_role}:{}@{host}:{port}/{}{query}",
                password.expose_secret(),
                address.database
            ))
        });
        Ok(InitReport {
            role_prefix: prefix,
            server_role,
            server_url,
            schema_version,
            issued,
        })
    }

    /// Each role gets what it needs. The workspace group may read its own rows everywhere, and
    /// write only what a client writes (no users, no keys but new ones, no access rows); the
    /// server role everything but the access list and the server's identity. Tables that later
    /// migrations add get full read and write for both (default privileges): row-level
    /// security, which every table must have, keeps each workspace to its own rows.
    async fn apply_grants(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        workspace_group: &str,
        server_role: &str,
    ) -> CoreResult<()> {
        let (workspace, server) = (ident(workspace_group), ident(server_role));
        let database: String = sqlx::query_scalar("SELECT current_database()::text")
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err("reading the database name"))?;
        let database = format!("\"{}\"", database.replace('"', "\"\""));
        let mut statements = vec![
            // Nobody but these roles (and the owner) connects; nobody creates objects.
            format!("REVOKE ALL ON DATABASE {database} FROM PUBLIC"),
            format!("GRANT CONNECT ON DATABASE {database} TO {workspace}, {server}"),
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC".to_owned(),
            format!("GRANT USAGE ON SCHEMA public TO {workspace}, {server}"),
            format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {workspace}, {server}"),
            format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {workspace}, {server}"),
            format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE \
                 ON TABLES TO {workspace}, {server}"
            ),
            format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO \
                 {workspace}, {server}"
            ),
            format!(
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {workspace}, {server}"
            ),
        ];
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
        )
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err("listing tables"))?;
        for table in tables {
            if table.starts_with("_sqlx") {
                continue;
            }
            let quoted = format!("\"{}\"", table.replace('"', "\"\""));
            let for_workspace = match table.as_str() {
                "tenants" => "SELECT, UPDATE (time_zone)",
                "users" => "SELECT",
                "refresh_tokens" => "SELECT, INSERT, UPDATE (used_at, revoked_at)",
                "tenant_keys" => "SELECT, INSERT",
                "workspace_access" | "server_identity" => "SELECT",
                _ => "SELECT, INSERT, UPDATE, DELETE",
            };
            let for_server = match table.as_str() {
                "workspace_access" => "SELECT",
                // `integrations serve` records the public URL Pancake posts to.
                "server_identity" => "SELECT, UPDATE (webhook_base_url)",
                _ => "SELECT, INSERT, UPDATE, DELETE",
            };
            statements.push(format!("GRANT {for_workspace} ON {quoted} TO {workspace}"));
            statements.push(format!("GRANT {for_server} ON {quoted} TO {server}"));
        }
        for statement in statements {
            execute(tx, &statement).await?;
        }
        Ok(())
    }

    /// A new login role, workspace key and wrapped data keys for one workspace, in `tx`.
    async fn give_access(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        identity: &Identity,
        address: &ServerAddress,
        tenant: TenantId,
    ) -> CoreResult<(String, SecretString)> {
        let role = format!(
            "{}_w_{}",
            identity.prefix,
            &Uuid::new_v4().simple().to_string()[..10]
        );
        let password = random_password();
        execute(
            tx,
            &format!(
                "CREATE ROLE {} LOGIN IN ROLE {} PASSWORD '{}'",
                ident(&role),
                ident(&format!("{}_workspace", identity.prefix)),
                scram_verifier(&password)
            ),
        )
        .await?;
        // Membership lets the owner end the role's sessions when access is rotated or revoked.
        execute(tx, &format!("GRANT {} TO CURRENT_USER", ident(&role))).await?;
        let key = WorkspaceKey::generate();
        sqlx::query(
            "INSERT INTO workspace_access (tenant_id, role_name, key_id, escrowed_key) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant)
        .bind(&role)
        .bind(key.key_id())
        .bind(self.master.escrow(tenant, &key))
        .execute(&mut **tx)
        .await
        .map_err(db_err("recording the workspace's role"))?;
        self.wrap_data_keys(tx, tenant, &key).await?;
        let code = ConnectionCode {
            server: address.clone(),
            role: role.clone(),
            password,
            workspace_id: tenant,
            workspace_key: key,
            tls: identity.tls,
            ca_certificate: identity.ca_certificate.clone(),
        };
        Ok((role, code.encode()))
    }

    /// Wraps every data key of the workspace by `key` (making version 1 if there is none):
    /// re-wrapping, not re-encrypting, so no credential changes.
    async fn wrap_data_keys(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        tenant: TenantId,
        key: &WorkspaceKey,
    ) -> CoreResult<()> {
        let records: Vec<(i32, String)> = sqlx::query_as(
            "SELECT version, wrapped_key FROM tenant_keys WHERE tenant_id = $1 ORDER BY version",
        )
        .bind(tenant)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err("reading data keys"))?;
        if records.is_empty() {
            let data_key = DataKey::generate(1);
            sqlx::query(
                "INSERT INTO tenant_keys (tenant_id, version, wrapped_key, workspace_wrapped_key) \
                 VALUES ($1, 1, $2, $3)",
            )
            .bind(tenant)
            .bind(self.master.wrap(tenant, &data_key))
            .bind(key.wrap(tenant, &data_key))
            .execute(&mut **tx)
            .await
            .map_err(db_err("storing the first data key"))?;
            return Ok(());
        }
        for (version, wrapped) in records {
            let data_key = self
                .master
                .unwrap(tenant, version as u32, &wrapped)
                .map_err(|_| {
                    CoreError::Configuration(format!(
                        "A data key of workspace {tenant} does not open with this master key: \
                         is INTEGRATIONS_MASTER_KEY the one this database was created with?"
                    ))
                })?;
            sqlx::query(
                "UPDATE tenant_keys SET workspace_wrapped_key = $3 \
                 WHERE tenant_id = $1 AND version = $2",
            )
            .bind(tenant)
            .bind(version)
            .bind(key.wrap(tenant, &data_key))
            .execute(&mut **tx)
            .await
            .map_err(db_err("re-wrapping data keys"))?;
        }
        Ok(())
    }

    /// Creates a workspace with its owner (the password is theirs to change later) and returns
    /// its access; the code is the owner's to share with their staff.
    pub async fn create_workspace(
        &self,
        name: &str,
        owner_email: &str,
        owner_password: &SecretString,
    ) -> CoreResult<IssuedAccess> {
        let name = validate_name(name).map_err(|_| {
            CoreError::Validation("Workspace name is required (1–200 characters).".into())
        })?;
        let email = validate_email(owner_email)?;
        validate_new_password(owner_password)?;
        let password_hash = hash_password(owner_password).await?;
        let mut tx = self.begin().await?;
        let identity = self.identity(&mut tx).await?;
        let address = self.server_address(&mut tx, &identity).await?;
        let tenant = Uuid::new_v4();
        sqlx::query("INSERT INTO tenants (id, name) VALUES ($1, $2)")
            .bind(tenant)
            .bind(&name)
            .execute(&mut *tx)
            .await
            .map_err(db_err("creating the workspace"))?;
        let inserted = sqlx::query(
            "INSERT INTO users (tenant_id, id, email, password_hash, role) \
             VALUES ($1, $2, $3, $4, 'OWNER')",
        )
        .bind(tenant)
        .bind(Uuid::new_v4())
        .bind(&email)
        .bind(&password_hash)
        .execute(&mut *tx)
        .await;
        if let Err(sqlx::Error::Database(db)) = &inserted {
            if db.constraint() == Some("users_email_unique") {
                return Err(CoreError::Conflict(format!(
                    "{email} already signs in to another workspace on this server; use another \
                     email for this workspace's owner."
                )));
            }
        }
        inserted.map_err(db_err("creating the owner"))?;
        let (role, code) = self
            .give_access(&mut tx, &identity, &address, tenant)
            .await?;
        tx.commit().await.map_err(db_err("committing"))?;
        Ok(IssuedAccess {
            workspace_id: tenant,
            name,
            role,
            code,
        })
    }

    /// A workspace named by its id, its role, or its name (when no other has it).
    async fn find(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        which: &str,
    ) -> CoreResult<(TenantId, String, Option<String>)> {
        let which = which.trim();
        let rows: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
            "SELECT t.id, t.name, a.role_name FROM tenants t \
             LEFT JOIN workspace_access a ON a.tenant_id = t.id \
             WHERE t.id::text = lower($1) OR a.role_name = $1 OR lower(t.name) = lower($1) \
             ORDER BY (t.id::text = lower($1) OR a.role_name = $1) DESC LIMIT 3",
        )
        .bind(which)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err("finding the workspace"))?;
        match rows.as_slice() {
            [] => Err(CoreError::NotFound(format!(
                "No workspace is called or numbered \"{which}\" (see admin list-workspaces)."
            ))),
            [one] => Ok(one.clone()),
            [first, ..]
                if first.0.to_string() == which.to_lowercase()
                    || first.2.as_deref() == Some(which) =>
            {
                Ok(first.clone())
            }
            _ => Err(CoreError::Validation(format!(
                "Several workspaces are called \"{which}\": name it by its id (see admin \
                 list-workspaces)."
            ))),
        }
    }

    /// New password and workspace key for a workspace; its data keys are re-wrapped and its
    /// open sessions ended, so the old code stops working at once. A revoked workspace gets
    /// its access back this way.
    pub async fn rotate_workspace_access(&self, which: &str) -> CoreResult<IssuedAccess> {
        let mut tx = self.begin().await?;
        let identity = self.identity(&mut tx).await?;
        let address = self.server_address(&mut tx, &identity).await?;
        let (tenant, name, role) = self.find(&mut tx, which).await?;
        let Some(role) = role else {
            // A workspace from before `admin init`: this is its first access.
            let (role, code) = self
                .give_access(&mut tx, &identity, &address, tenant)
                .await?;
            tx.commit().await.map_err(db_err("committing"))?;
            return Ok(IssuedAccess {
                workspace_id: tenant,
                name,
                role,
                code,
            });
        };
        let password = random_password();
        execute(
            &mut tx,
            &format!(
                "ALTER ROLE {} LOGIN PASSWORD '{}'",
                ident(&role),
                scram_verifier(&password)
            ),
        )
        .await?;
        let key = WorkspaceKey::generate();
        sqlx::query(
            "UPDATE workspace_access SET key_id = $2, escrowed_key = $3, rotated_at = now(), \
             revoked_at = NULL WHERE tenant_id = $1",
        )
        .bind(tenant)
        .bind(key.key_id())
        .bind(self.master.escrow(tenant, &key))
        .execute(&mut *tx)
        .await
        .map_err(db_err("recording the new key"))?;
        self.wrap_data_keys(&mut tx, tenant, &key).await?;
        tx.commit().await.map_err(db_err("committing"))?;
        self.end_sessions(&role).await?;
        let code = ConnectionCode {
            server: address,
            role: role.clone(),
            password,
            workspace_id: tenant,
            workspace_key: key,
            tls: identity.tls,
            ca_certificate: identity.ca_certificate,
        };
        Ok(IssuedAccess {
            workspace_id: tenant,
            name,
            role,
            code: code.encode(),
        })
    }

    /// The workspace's role can no longer log in, and its open sessions end. Its data stays;
    /// `rotate-workspace-access` gives it a new code.
    pub async fn revoke_workspace(&self, which: &str) -> CoreResult<WorkspaceSummary> {
        let mut tx = self.begin().await?;
        self.identity(&mut tx).await?;
        let (tenant, _, role) = self.find(&mut tx, which).await?;
        let Some(role) = role else {
            return Err(CoreError::Validation(
                "This workspace has no access to revoke (it has no role yet).".into(),
            ));
        };
        execute(&mut tx, &format!("ALTER ROLE {} NOLOGIN", ident(&role))).await?;
        sqlx::query(
            "UPDATE workspace_access SET revoked_at = coalesce(revoked_at, now()) \
             WHERE tenant_id = $1",
        )
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .map_err(db_err("revoking"))?;
        tx.commit().await.map_err(db_err("committing"))?;
        self.end_sessions(&role).await?;
        self.list_workspaces()
            .await?
            .into_iter()
            .find(|summary| summary.id == tenant)
            .ok_or_else(|| CoreError::NotFound("The workspace is gone.".into()))
    }

    async fn end_sessions(&self, role: &str) -> CoreResult<()> {
        sqlx::query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1",
        )
        .bind(role)
        .execute(self.pool())
        .await
        .map_err(db_err("ending the role's sessions"))?;
        Ok(())
    }

    /// Forgets the failed sign-ins on `email` wherever they were counted (every workspace's
    /// role and the server's), so its owner can sign in at once instead of waiting out the
    /// delay someone else's guesses put on the account. Returns how many counts were cleared.
    pub async fn unlock_sign_in(&self, email: &str) -> CoreResult<u64> {
        let email = crate::auth::validate_email(email)?;
        let mut tx = self.begin().await?;
        self.identity(&mut tx).await?;
        let cleared = sqlx::query("DELETE FROM login_throttle WHERE email_hash = $1")
            .bind(crate::auth::sha256_hex(&email))
            .execute(&mut *tx)
            .await
            .map_err(db_err("clearing failed sign-ins"))?
            .rows_affected();
        tx.commit().await.map_err(db_err("committing"))?;
        Ok(cleared)
    }

    pub async fn list_workspaces(&self) -> CoreResult<Vec<WorkspaceSummary>> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.created_at, a.role_name, a.rotated_at, \
                    CASE WHEN a.tenant_id IS NULL THEN 'no-access' \
                         WHEN a.revoked_at IS NOT NULL THEN 'revoked' ELSE 'active' END AS status, \
                    (SELECT count(*) FROM users u WHERE u.tenant_id = t.id) AS users, \
                    (SELECT count(*) FROM integrations i WHERE i.tenant_id = t.id) AS integrations \
             FROM tenants t LEFT JOIN workspace_access a ON a.tenant_id = t.id \
             ORDER BY t.created_at, t.id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("listing workspaces"))?;
        tx.commit().await.map_err(db_err("committing"))?;
        Ok(rows
            .into_iter()
            .map(|row| WorkspaceSummary {
                id: row.get("id"),
                name: row.get("name"),
                role: row.get("role_name"),
                status: row.get("status"),
                created_at: row.get("created_at"),
                rotated_at: row.get("rotated_at"),
                users: row.get("users"),
                integrations: row.get("integrations"),
            })
            .collect())
    }
}

async fn execute(tx: &mut Transaction<'static, Postgres>, statement: &str) -> CoreResult<()> {
    sqlx::query(statement)
        .execute(&mut **tx)
        .await
        .map_err(db_err("changing roles and grants"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_the_database_name_when_it_fits_and_a_hash_otherwise() {
        assert_eq!(derive_prefix("integrations"), "integrations");
        assert_eq!(derive_prefix("Shop_DB"), "shop_db");
        let odd = derive_prefix("shop-db with spaces");
        assert!(odd.starts_with("im_") && odd.len() == 15, "{odd}");
        assert!(validate_prefix("integrations").is_ok());
        assert!(validate_prefix("Bad-Prefix").is_err());
    }

    #[test]
    fn public_hosts_read_with_or_without_a_port() {
        assert_eq!(
            parse_host_port("db.shop.vn:6432").unwrap(),
            ("db.shop.vn".into(), Some(6432))
        );
        assert_eq!(
            parse_host_port("db.shop.vn").unwrap(),
            ("db.shop.vn".into(), None)
        );
        assert_eq!(
            parse_host_port("[::1]:5432").unwrap(),
            ("::1".into(), Some(5432))
        );
        assert!(parse_host_port("db:port").is_err());
        assert!(parse_host_port("user@db").is_err());
    }
}
