//! Shared mode's link to the server, as the operations see it: following the signed-in
//! workspace, probing, where the data comes from, and settling offline edits' conflicts.

use secrecy::SecretString;

use super::integrations::to_integration;
use super::Core;
use crate::auth::Session;
use crate::error::{CoreError, CoreResult};
use crate::mirror::{ConflictChoice, Connectivity, LinkMode};
use crate::store::StoreError;

/// Why leaving waits for the server (see [`Core::settle_before_leaving`]).
fn leaving_would_lose() -> CoreError {
    CoreError::Offline(
        "This computer cannot leave the workspace while the shared database cannot be reached: \
         sign-outs or changes made here offline have not reached it yet, and leaving would \
         delete them. Try again when the connection is back."
            .into(),
    )
}

impl Core {
    /// Mirror this session's workspace (shared mode; nothing to do otherwise).
    pub fn follow(&self, session: Option<&Session>) {
        if let Some(shared) = &self.shared {
            shared.follow(session.map(Session::tenant_id));
        }
    }

    /// One probe of the server: outbox applied and mirror pulled if it answers.
    pub async fn check_link(&self) -> LinkMode {
        match &self.shared {
            Some(shared) => shared.tick().await,
            None => LinkMode::Standalone,
        }
    }

    /// Gets a joined workspace ready to be left by this computer: `refresh_token`'s session
    /// is signed out on the server, and whatever this computer did while the server could not
    /// be reached (sign-outs, refreshes, edits) is delivered. Leaving deletes the mirror, the
    /// only copy of that queue: a sign-out lost with it would leave an older refresh token (a
    /// stolen copy) usable on the server for the rest of its life, without anyone knowing. So
    /// while the server cannot be reached and anything would be lost, leaving is refused (an
    /// OFFLINE error saying why; nothing is changed, the session stays signed in) and works as
    /// soon as the connection is back. A server that answers but refuses this computer (its
    /// access revoked or rotated) will never take the queue: leaving goes ahead then, since
    /// waiting cannot help and those sessions can only be used with a valid code.
    pub async fn settle_before_leaving(
        &self,
        refresh_token: Option<&SecretString>,
    ) -> CoreResult<()> {
        let Some(shared) = &self.shared else {
            if let Some(token) = refresh_token {
                self.sign_out(token).await?;
            }
            return Ok(());
        };
        match shared.reach().await {
            Ok(()) => {}
            Err(err @ StoreError::Unavailable(_)) => {
                let waiting = shared.undelivered().await? + usize::from(refresh_token.is_some());
                if waiting > 0 {
                    tracing::info!(%err, waiting, "leaving refused while the server is away");
                    return Err(leaving_would_lose());
                }
                return Ok(());
            }
            Err(err) => {
                tracing::warn!(
                    %err,
                    "the server refuses this computer: leaving without its queued sign-outs"
                );
                return Ok(());
            }
        }
        if let Some(token) = refresh_token {
            self.sign_out(token).await?;
        }
        // The link applies the queued sign-outs, refreshes and edits before anything else.
        shared.tick().await;
        if shared.undelivered().await? > 0 {
            return Err(leaving_would_lose());
        }
        Ok(())
    }

    pub(super) fn is_offline(&self) -> bool {
        self.shared
            .as_ref()
            .is_some_and(|shared| shared.mode() == LinkMode::Offline)
    }

    /// Refuses at once, with a reason, what cannot work offline.
    pub(super) fn require_online(&self, action: &str) -> CoreResult<()> {
        if self.is_offline() {
            return Err(CoreError::offline(action));
        }
        Ok(())
    }

    /// Where the data comes from, the mirror's age, and this tenant's queued offline edits.
    pub async fn connectivity_status(&self, session: Option<&Session>) -> CoreResult<Connectivity> {
        let Some(shared) = &self.shared else {
            return Ok(Connectivity {
                mode: LinkMode::Standalone,
                mirror_as_of: None,
                data_version: 0,
                pending: Vec::new(),
                conflicts: Vec::new(),
            });
        };
        let snapshot = *shared.subscribe().borrow();
        let (mirror_as_of, pending, conflicts) = match session {
            Some(session) => {
                let tenant = session.tenant_id();
                let (pending, conflicts) = shared.queued(tenant).await?;
                let conflicts = conflicts
                    .into_iter()
                    .map(|(mut conflict, server)| {
                        conflict.server = server.map(to_integration).transpose()?;
                        Ok(conflict)
                    })
                    .collect::<CoreResult<Vec<_>>>()?;
                let as_of = shared.mirror_as_of(tenant).await?;
                (as_of, pending, conflicts)
            }
            None => (None, Vec::new(), Vec::new()),
        };
        Ok(Connectivity {
            mode: snapshot.mode,
            mirror_as_of,
            data_version: snapshot.data_version,
            pending,
            conflicts,
        })
    }

    /// Settles a conflict between an offline edit and the server's version.
    pub async fn resolve_conflict(
        &self,
        session: &Session,
        seq: i64,
        choice: ConflictChoice,
    ) -> CoreResult<Connectivity> {
        let Some(shared) = &self.shared else {
            return Err(CoreError::NotFound("There is no such conflict.".into()));
        };
        if choice == ConflictChoice::Mine {
            self.require_online("Keeping your offline change")?;
        }
        let found = shared
            .resolve(session.tenant_id(), seq, choice)
            .await
            .map_err(|err| match err {
                StoreError::Offline => CoreError::offline("Keeping your offline change"),
                other => other.into(),
            })?;
        if !found {
            return Err(CoreError::NotFound(
                "This conflict was already settled.".into(),
            ));
        }
        self.connectivity_status(Some(session)).await
    }
}
