//! Keeping a signed-in session usable from one operation to the next: the one rule for when to
//! refresh its tokens and what a refused refresh means, for the desktop app (which holds the
//! tokens in memory, in a [`SessionKeeper`]) and the CLI (which keeps them in a file).

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use tokio::sync::RwLock;

use crate::auth::{Session, TokenPair};
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::service::{Core, SignedIn};

/// Refresh the access token when it has less than this left, so an operation never starts with
/// a token that expires halfway through.
pub const REFRESH_MARGIN: Duration = Duration::seconds(60);

/// Whether an access token that expires at `expires_at` may still be used at `now`.
pub fn is_fresh(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    expires_at - now > REFRESH_MARGIN
}

/// Whether a failed [`renew`] ended the session: the refresh token expired, was revoked or was
/// already spent, so its holder must forget the tokens and sign in again. Any other failure
/// (the server out of reach) leaves them for the next try.
pub fn ends_session(err: &CoreError) -> bool {
    err.code() == ErrorCode::Unauthenticated
}

/// What a held token pair is good for now.
pub enum Renewal {
    /// The access token has more than [`REFRESH_MARGIN`] left: use it as it is.
    Current(Session),
    /// It had expired, was about to, or did not verify: the refresh token was spent on this new
    /// pair, which the holder must keep from now on (the old refresh token is used up).
    Refreshed(SignedIn),
}

/// The session of a held token pair, refreshed first unless the access token verifies with more
/// than [`REFRESH_MARGIN`] left. See [`ends_session`] for what a failure means.
///
/// A holder shared by several tasks or processes must let one renew at a time: two refreshes
/// with the same refresh token look like a stolen token's reuse, which ends the session.
pub async fn renew(
    core: &Core,
    access_token: &SecretString,
    refresh_token: &SecretString,
) -> CoreResult<Renewal> {
    if core.session_ended(refresh_token).await {
        return Err(session_ended());
    }
    if let Ok(session) = core.verify(access_token) {
        if is_fresh(session.expires_at(), Utc::now()) {
            return Ok(Renewal::Current(session));
        }
    }
    core.refresh(refresh_token).await.map(Renewal::Refreshed)
}

/// A signed-in session held in memory (the desktop app's), handed out fresh to each operation.
/// The tokens never leave it except to be revoked.
#[derive(Default)]
pub struct SessionKeeper {
    held: RwLock<Option<(Session, TokenPair)>>,
}

impl SessionKeeper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps a new sign-in, returning the tokens it replaces (to be revoked).
    pub async fn replace(&self, signed_in: SignedIn) -> Option<TokenPair> {
        self.held
            .write()
            .await
            .replace((signed_in.session, signed_in.tokens))
            .map(|(_, tokens)| tokens)
    }

    /// Forgets the session, returning its tokens (to be revoked).
    pub async fn take(&self) -> Option<TokenPair> {
        self.held.write().await.take().map(|(_, tokens)| tokens)
    }

    /// The held refresh token, to sign its session out with (leaving a workspace).
    pub async fn refresh_token(&self) -> Option<SecretString> {
        self.held
            .read()
            .await
            .as_ref()
            .map(|(_, tokens)| tokens.refresh_token.clone())
    }

    /// Whether someone is signed in (without refreshing anything).
    pub async fn is_signed_in(&self) -> bool {
        self.held.read().await.is_some()
    }

    /// The signed-in session, refreshed first if the access token is expired or about to be.
    /// A refresh the core refuses ends the session here too.
    pub async fn session(&self, core: &Core) -> CoreResult<Session> {
        let ended = match self.held.read().await.as_ref() {
            Some((_, tokens)) => core.session_ended(&tokens.refresh_token).await,
            None => false,
        };
        if ended {
            self.held.write().await.take();
            return Err(session_ended());
        }
        if let Some((session, tokens)) = self.held.read().await.as_ref() {
            if is_fresh(tokens.access_expires_at, Utc::now()) {
                return Ok(session.clone());
            }
        }
        let mut held = self.held.write().await;
        // Another operation may have refreshed or signed out while this one waited for the lock.
        let Some((session, tokens)) = held.as_ref() else {
            return Err(sign_in_first());
        };
        if is_fresh(tokens.access_expires_at, Utc::now()) {
            return Ok(session.clone());
        }
        match renew(core, &tokens.access_token, &tokens.refresh_token).await {
            Ok(Renewal::Current(session)) => Ok(session),
            Ok(Renewal::Refreshed(signed_in)) => {
                let session = signed_in.session.clone();
                *held = Some((signed_in.session, signed_in.tokens));
                Ok(session)
            }
            Err(err) => {
                if ends_session(&err) {
                    *held = None;
                }
                Err(err)
            }
        }
    }
}

/// The answer to an operation whose session was ended on the server while its access token was
/// still fresh.
pub fn session_ended() -> CoreError {
    CoreError::Unauthenticated(
        "This session was ended (signed out on the server or on another computer). Sign in again."
            .into(),
    )
}

/// The answer to an operation that needs a session when nobody is signed in.
pub fn sign_in_first() -> CoreError {
    CoreError::Unauthenticated("Sign in first.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_fresh_only_with_more_than_the_margin_left() {
        let now = Utc::now();
        assert!(is_fresh(now + Duration::hours(1), now));
        assert!(is_fresh(now + REFRESH_MARGIN + Duration::seconds(1), now));
        assert!(!is_fresh(now + REFRESH_MARGIN, now));
        assert!(!is_fresh(now + Duration::seconds(30), now));
        assert!(!is_fresh(now - Duration::seconds(1), now), "expired");
    }

    #[test]
    fn only_a_refusal_ends_the_session() {
        assert!(ends_session(&sign_in_first()));
        assert!(!ends_session(&CoreError::DatabaseUnavailable));
        assert!(!ends_session(&CoreError::Offline("Signing in".into())));
    }
}
