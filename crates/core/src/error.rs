//! The one error type that leaves the core.
//!
//! Every operation returns [`CoreError`]. At the boundary (Tauri command, CLI) it becomes an
//! [`ErrorPayload`]: a stable [`ErrorCode`] the UI and scripts switch on, and a message a shop
//! owner can act on. Internal causes (SQL, crypto) are logged by the layer that saw them and
//! replaced by a safe message here, so nothing secret can travel out inside an error.

use serde::Serialize;
use ts_rs::TS;

/// The closed set of error codes. Adding one is an interface change: the UI's generated types
/// and the CLI's exit codes follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum ErrorCode {
    Validation,
    NotFound,
    Conflict,
    /// The create flow found several shops / ad accounts and needs the caller to pick one.
    ChoiceRequired,
    StaleEdit,
    Unauthenticated,
    RateLimited,
    ProviderError,
    DatabaseUnavailable,
    /// Shared mode with the server out of reach, for an operation that needs it.
    Offline,
    Configuration,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "VALIDATION",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::ChoiceRequired => "CHOICE_REQUIRED",
            Self::StaleEdit => "STALE_EDIT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::RateLimited => "RATE_LIMITED",
            Self::ProviderError => "PROVIDER_ERROR",
            Self::DatabaseUnavailable => "DATABASE_UNAVAILABLE",
            Self::Offline => "OFFLINE",
            Self::Configuration => "CONFIGURATION",
            Self::Internal => "INTERNAL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    ChoiceRequired(String),
    #[error("This integration was changed by someone else since you opened it. Reload it and apply your change again.")]
    StaleEdit,
    /// A campaign's stores changed since the caller read them: the same code as [`Self::StaleEdit`].
    #[error("This campaign's stores were changed by someone else since you opened them. Reload and make your change again.")]
    StaleAssignment,
    #[error("{0}")]
    Unauthenticated(String),
    #[error(
        "Too many failed sign-in attempts. Try again in {}.",
        wait_in_words(*retry_after_secs)
    )]
    RateLimited { retry_after_secs: u64 },
    /// A provider (Pancake POS, Meta) refused or failed. `provider_code` is the provider layer's
    /// own stable code, e.g. `PROVIDER_AUTH_REJECTED`; the message is already redacted.
    #[error("{message}")]
    Provider {
        provider_code: String,
        message: String,
    },
    #[error("The database cannot be reached. Check the connection and try again.")]
    DatabaseUnavailable,
    /// Shared mode, offline: what was asked needs the server. The message says what and why.
    #[error("{0}")]
    Offline(String),
    #[error("{0}")]
    Configuration(String),
    /// Something that should not happen. The detail was logged; the user sees a generic message.
    #[error(
        "Something went wrong inside Integration Manager. The details were written to the log."
    )]
    Internal,
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation(_) => ErrorCode::Validation,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::ChoiceRequired(_) => ErrorCode::ChoiceRequired,
            Self::StaleEdit | Self::StaleAssignment => ErrorCode::StaleEdit,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Provider { .. } => ErrorCode::ProviderError,
            Self::DatabaseUnavailable => ErrorCode::DatabaseUnavailable,
            Self::Offline(_) => ErrorCode::Offline,
            Self::Configuration(_) => ErrorCode::Configuration,
            Self::Internal => ErrorCode::Internal,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            provider_code: match self {
                Self::Provider { provider_code, .. } => Some(provider_code.clone()),
                _ => None,
            },
            message: self.to_string(),
        }
    }

    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::Validation(message.into())
    }

    pub(crate) fn integration_not_found() -> Self {
        Self::NotFound("Integration not found.".into())
    }

    /// Shared mode, offline: `action` needs the server.
    pub(crate) fn offline(action: &str) -> Self {
        Self::Offline(format!(
            "{action} needs the shared database, which cannot be reached right now. You are \
             working offline from the copy on this computer; try again when the connection is \
             back."
        ))
    }

    /// The app's data directory could not be made: the user's to fix, so it says which one.
    /// For `map_err` after creating `dir`.
    pub(crate) fn data_dir(dir: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |cause| {
            Self::Configuration(format!(
                "Cannot create the data directory {}: {cause}",
                dir.display()
            ))
        }
    }

    /// Logs the real cause (which may be an SQL or crypto error) and returns the safe error.
    pub(crate) fn internal(context: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(context, %cause, "internal error");
        Self::Internal
    }
}

/// What crosses the IPC and CLI boundary: `{code, message}` and, for provider failures, the
/// provider's own code.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub provider_code: Option<String>,
    pub message: String,
}

pub type CoreResult<T> = Result<T, CoreError>;

/// A wait as a person says it, rounded up so nobody tries too early: `1 second`, `40 seconds`,
/// `3 minutes`, `2 hours`, `24 hours`.
fn wait_in_words(secs: u64) -> String {
    let (count, unit) = match secs {
        0..=59 => (secs.max(1), "second"),
        60..=3599 => (secs.div_ceil(60), "minute"),
        _ => (secs.div_ceil(3600), "hour"),
    };
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_wait_reads_in_the_largest_unit_rounded_up() {
        let message = |secs| {
            CoreError::RateLimited {
                retry_after_secs: secs,
            }
            .to_string()
        };
        assert_eq!(
            message(1),
            "Too many failed sign-in attempts. Try again in 1 second."
        );
        assert_eq!(
            message(40),
            "Too many failed sign-in attempts. Try again in 40 seconds."
        );
        assert_eq!(
            message(61),
            "Too many failed sign-in attempts. Try again in 2 minutes."
        );
        assert_eq!(
            message(86_400),
            "Too many failed sign-in attempts. Try again in 24 hours."
        );
    }
}
