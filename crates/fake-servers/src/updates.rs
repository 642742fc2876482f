//! A fake update server for the app's updater: `/latest.json` answers the manifest the test set
//! (204 No Content while none is set), `/bundles/<name>` the bytes the test set. Signing is the
//! test's business: the server serves whatever it is given, tampered or not.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::{router, serve, Fake, FakeHandle, Request, Stats};

#[derive(Default)]
struct Served {
    manifest: Option<Value>,
    bundles: HashMap<String, Vec<u8>>,
}

struct State {
    served: Arc<Mutex<Served>>,
    stats: Arc<Stats>,
}

/// The fake update server. Dropping it stops the server.
pub struct FakeUpdates {
    /// e.g. `http://127.0.0.1:41236`.
    pub base_url: String,
    /// Counters, log and lifetime.
    pub handle: FakeHandle,
    served: Arc<Mutex<Served>>,
}

impl std::fmt::Debug for FakeUpdates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeUpdates")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeUpdates {
    /// Where the updater asks: `<base>/latest.json`.
    pub fn manifest_url(&self) -> String {
        format!("{}/latest.json", self.base_url)
    }

    /// Where a bundle served with [`Self::serve_bundle`] downloads from.
    pub fn bundle_url(&self, name: &str) -> String {
        format!("{}/bundles/{name}", self.base_url)
    }

    /// The manifest to answer from now on; `None`: 204 No Content ("no update").
    pub fn serve_manifest(&self, manifest: Option<Value>) {
        self.served.lock().expect("served lock").manifest = manifest;
    }

    pub fn serve_bundle(&self, name: &str, bytes: Vec<u8>) {
        self.served
            .lock()
            .expect("served lock")
            .bundles
            .insert(name.to_owned(), bytes);
    }

    /// How many times the manifest was asked for.
    pub fn manifest_requests(&self) -> usize {
        self.handle.path_count("/latest.json")
    }
}

/// Start a fake update server on `127.0.0.1` (random port), serving no update yet.
pub async fn start_updates() -> std::io::Result<FakeUpdates> {
    let served = Arc::new(Mutex::new(Served::default()));
    let for_router = served.clone();
    let bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let (base_url, handle) = serve(bind, move |_, stats| {
        let state = Arc::new(State {
            served: for_router,
            stats,
        });
        router(state)
    })
    .await?;
    Ok(FakeUpdates {
        base_url,
        handle,
        served,
    })
}

impl Fake for State {
    fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn respond(&self, request: Request<'_>) -> Response {
        answer(self, request.path)
    }
}

fn answer(state: &State, path: &str) -> Response {
    let served = state.served.lock().expect("served lock");
    if path == "/latest.json" {
        return match &served.manifest {
            Some(manifest) => (
                [(header::CONTENT_TYPE, "application/json")],
                manifest.to_string(),
            )
                .into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        };
    }
    match path
        .strip_prefix("/bundles/")
        .and_then(|name| served.bundles.get(name))
    {
        Some(bytes) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
