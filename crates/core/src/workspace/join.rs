//! Joining a workspace: a code is tried against its server before anything is kept, so a
//! damaged code, a revoked or rotated role, a wrong server, or a workspace key that does not
//! open the server's wrapped keys is a clear error and leaves this computer as it was. Errors
//! never quote the code; the server's own messages are logged, not shown.

use std::time::Duration;

use sqlx::{Connection, PgConnection, Row};

use super::code::ConnectionCode;
use crate::error::{CoreError, CoreResult};
use crate::store::PostgresStore;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn refused() -> CoreError {
    CoreError::Unauthenticated(
        "The server refused this code: the workspace's access was rotated or revoked since it \
         was made. Ask the operator for a new code."
            .into(),
    )
}

fn other_server() -> CoreError {
    CoreError::Validation(
        "This code does not belong to the server it names (no such database or workspace there): \
         check that it is the code the operator gave you."
            .into(),
    )
}

fn key_mismatch() -> CoreError {
    CoreError::Validation(
        "This code's workspace key does not match the server's: the code is out of date (its \
         access was rotated) or damaged. Ask the operator for a new code."
            .into(),
    )
}

fn connect_error(code: &ConnectionCode, err: sqlx::Error) -> CoreError {
    tracing::warn!(server = %code.server, error = %err, "joining: the server did not accept the connection");
    match &err {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_password (also an unknown role), invalid_authorization_specification
            // (a role that may not log in, or no pg_hba line for it).
            Some("28P01") | Some("28000") => refused(),
            // invalid_catalog_name, insufficient_privilege (CONNECT to another database).
            Some("3D000") | Some("42501") => other_server(),
            _ => CoreError::DatabaseUnavailable,
        },
        sqlx::Error::Tls(_) => CoreError::Configuration(format!(
            "The connection to {} could not be secured: its TLS certificate was not accepted for \
             that name (or the server does not offer TLS). Ask the operator; they may give a code \
             that carries the server's CA certificate.",
            code.server.host
        )),
        _ => CoreError::DatabaseUnavailable,
    }
}

/// Tries the code against its server; answers the workspace's name.
pub async fn verify(code: &ConnectionCode) -> CoreResult<String> {
    let options = code.connect_options()?;
    let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
        .await
        .map_err(|_| CoreError::DatabaseUnavailable)?
        .map_err(|err| connect_error(code, err))?;
    let result = check(&mut conn, code).await;
    conn.close().await.ok();
    result
}

async fn check(conn: &mut PgConnection, code: &ConnectionCode) -> CoreResult<String> {
    let internal = |err: sqlx::Error| match &err {
        // Tables of a shared server that `admin init` prepared are missing: another server.
        sqlx::Error::Database(db) if db.code().as_deref() == Some("42P01") => other_server(),
        _ => CoreError::internal("joining a workspace", &err),
    };
    let access = sqlx::query(
        "SELECT a.tenant_id, a.key_id, t.name FROM workspace_access a \
         LEFT JOIN tenants t ON t.id = a.tenant_id WHERE a.role_name = session_user::text",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(internal)?
    .ok_or_else(other_server)?;
    let workspace: uuid::Uuid = access.get("tenant_id");
    if workspace != code.workspace_id {
        return Err(other_server());
    }
    if access.get::<String, _>("key_id") != code.workspace_key.key_id() {
        return Err(key_mismatch());
    }
    let name: Option<String> = access.get("name");
    let name = name.ok_or_else(other_server)?;
    // The key id matched; the data keys must open with it too.
    let keys = sqlx::query("SELECT version, workspace_wrapped_key FROM tenant_keys")
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
    for key in keys {
        let version = key.get::<i32, _>("version") as u32;
        let wrapped: Option<String> = key.get("workspace_wrapped_key");
        let wrapped = wrapped.ok_or_else(key_mismatch)?;
        code.workspace_key
            .unwrap(workspace, version, &wrapped)
            .map_err(|_| key_mismatch())?;
    }
    let version: Option<i64> = sqlx::query_scalar("SELECT schema_version FROM server_identity")
        .fetch_optional(&mut *conn)
        .await
        .map_err(internal)?;
    if version.unwrap_or_default() < PostgresStore::expected_schema_version() {
        return Err(CoreError::Configuration(
            "The server's database is not up to date for this version of Integration Manager: \
             ask its operator to run `integrations admin init`."
                .into(),
        ));
    }
    Ok(name)
}
