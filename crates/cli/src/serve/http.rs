//! The routes: Pancake's webhooks, `/healthz`, `/readyz` and `/metrics`.
//!
//! A delivery is authenticated before its body is read, and refused alike whether the
//! integration is unknown or the secret wrong (the core does the same work for both; only the
//! status differs, 404 or 401, and the bodies say nothing more). Then the body is read up to
//! 1 MiB (413 above), read as JSON (400) and checked against the integration's shop (422).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State as Shared};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use integrations_core::webhook::{
    DeliveryKind, DeliveryOutcome, MAX_DELIVERY_BYTES, SECRET_HEADER,
};
use integrations_core::{Core, Readiness, WebhookRejection};

use super::Metrics;

/// How long an authenticated sender has to send its body (at most 1 MiB).
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct State {
    pub core: Arc<Core>,
    pub metrics: Metrics,
}

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/webhooks/pancake/{integration}", post(pancake_webhook))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn refusal(status: StatusCode, code: &str) -> Response {
    json(status, serde_json::json!({ "error": code }))
}

async fn pancake_webhook(
    Shared(state): Shared<Arc<State>>,
    Path(integration): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // A malformed id is looked up like any other (as the nil id), so it is refused the same way.
    let integration = uuid::Uuid::parse_str(&integration).unwrap_or_default();
    let secret = headers.get(SECRET_HEADER).map(|value| value.as_bytes());
    // One transaction from here on: the endpoint's lookup, then the write and its log line.
    let pending = match state.core.authenticate_webhook(integration, secret).await {
        Ok(Ok(pending)) => pending,
        Ok(Err(WebhookRejection::Unknown)) => {
            state.metrics.unknown_integration();
            return refusal(StatusCode::NOT_FOUND, "not_found");
        }
        Ok(Err(WebhookRejection::Unauthorized(pending))) => {
            state.metrics.delivery(DeliveryOutcome::Unauthorized);
            // Logged for the workspace after the answer is made, so the answer takes no
            // longer than for an unknown integration; the core logs a bounded number per hour
            // (the metrics count every one).
            let core = state.core.clone();
            tokio::spawn(async move {
                let _ = core
                    .log_webhook_refusal(
                        pending,
                        DeliveryKind::Unknown,
                        DeliveryOutcome::Unauthorized,
                        0,
                    )
                    .await;
            });
            return refusal(StatusCode::UNAUTHORIZED, "unauthorized");
        }
        Err(err) => return unavailable(&err),
    };
    // The sender is authenticated; a body that does not come within the time is refused, so
    // a stalled sender does not hold the transaction.
    let body =
        match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_DELIVERY_BYTES))
            .await
        {
            Ok(Ok(body)) => body,
            Ok(Err(_)) => {
                state.metrics.delivery(DeliveryOutcome::TooLarge);
                let size = headers
                    .get(header::CONTENT_LENGTH)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse().ok())
                    .unwrap_or(MAX_DELIVERY_BYTES + 1);
                let _ = state
                    .core
                    .log_webhook_refusal(
                        pending,
                        DeliveryKind::Unknown,
                        DeliveryOutcome::TooLarge,
                        size,
                    )
                    .await;
                return refusal(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
            }
            Err(_) => return refusal(StatusCode::REQUEST_TIMEOUT, "timeout"),
        };
    match state.core.take_webhook_delivery(pending, &body).await {
        Ok(outcome) => {
            state.metrics.delivery(outcome);
            let status = StatusCode::from_u16(outcome.http_status())
                .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            if outcome.accepted() {
                json(status, serde_json::json!({ "outcome": outcome.as_str() }))
            } else {
                refusal(status, outcome.as_str())
            }
        }
        Err(err) => unavailable(&err),
    }
}

/// The database failed us: Pancake may try again later; the polling sync catches up anyway.
fn unavailable(err: &integrations_core::CoreError) -> Response {
    tracing::warn!(error = %err, "a webhook delivery could not be taken");
    refusal(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
}

async fn healthz() -> Response {
    json(StatusCode::OK, serde_json::json!({ "status": "ok" }))
}

async fn readyz(Shared(state): Shared<Arc<State>>) -> Response {
    match state.core.readiness().await {
        Readiness::Ready => json(StatusCode::OK, serde_json::json!({ "status": "ready" })),
        Readiness::DatabaseUnreachable => json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "database_unreachable" }),
        ),
        Readiness::SchemaBehind => json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "schema_behind", "fix": "run `integrations admin init`" }),
        ),
    }
}

async fn metrics(Shared(state): Shared<Arc<State>>) -> Response {
    match state.core.server_metrics().await {
        Ok(server) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            state.metrics.render(&server),
        )
            .into_response(),
        Err(err) => unavailable(&err),
    }
}
