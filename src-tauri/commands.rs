//! The Tauri commands: each takes the state, gets the session, calls one core function and maps
//! the error to an [`ErrorPayload`]. Passwords become [`SecretString`]s on arrival; nothing
//! returned here holds a token or a password.

use integrations_core::{Account, Core, ErrorCode, ErrorPayload, Integration, SignedIn};
use secrecy::SecretString;
use tauri::State;

use crate::state::AppState;

type CommandResult<T> = Result<T, ErrorPayload>;

/// Keeps a new sign-in and answers with its account. A previous session in this window is
/// revoked on the way; failing to revoke it must not fail the new sign-in.
async fn start_session(
    state: &AppState,
    core: &Core,
    signed_in: SignedIn,
) -> CommandResult<Account> {
    let session = signed_in.session.clone();
    if let Some(previous) = state.replace_session(signed_in).await {
        let _ = core.sign_out(&previous.refresh_token).await;
    }
    core.whoami(&session).await.map_err(|err| err.payload())
}

/// Creates a workspace and its owner, and signs the owner in.
#[tauri::command]
pub async fn sign_up(
    state: State<'_, AppState>,
    tenant_name: String,
    email: String,
    password: String,
) -> CommandResult<Account> {
    let password = SecretString::from(password);
    let core = state.core()?;
    let signed_in = core
        .sign_up(&tenant_name, &email, &password)
        .await
        .map_err(|err| err.payload())?;
    start_session(&state, core, signed_in).await
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    email: String,
    password: String,
) -> CommandResult<Account> {
    let password = SecretString::from(password);
    let core = state.core()?;
    let signed_in = core
        .sign_in(&email, &password)
        .await
        .map_err(|err| err.payload())?;
    start_session(&state, core, signed_in).await
}

/// Forgets the session and revokes its refresh token. Signing out when signed out is not an error.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> CommandResult<()> {
    let core = state.core()?;
    match state.take_session().await {
        Some(tokens) => core
            .sign_out(&tokens.refresh_token)
            .await
            .map_err(|err| err.payload()),
        None => Ok(()),
    }
}

/// Who is signed in, or `None`. Errors only when the core itself is unusable, so the UI can
/// tell "sign in" from "the app is misconfigured".
#[tauri::command]
pub async fn current_account(state: State<'_, AppState>) -> CommandResult<Option<Account>> {
    let core = state.core()?;
    let session = match state.session().await {
        Ok(session) => session,
        Err(payload) if payload.code == ErrorCode::Unauthenticated => return Ok(None),
        Err(payload) => return Err(payload),
    };
    core.whoami(&session)
        .await
        .map(Some)
        .map_err(|err| err.payload())
}

#[tauri::command]
pub async fn list_integrations(state: State<'_, AppState>) -> CommandResult<Vec<Integration>> {
    let session = state.session().await?;
    let core = state.core()?;
    core.list(&session).await.map_err(|err| err.payload())
}
