//! What a client of the core keeps running, without Tauri: the session it hands to each
//! operation (refreshed before its access token expires, forgotten when a refresh is refused,
//! one refresh at a time) and the scheduler's rounds (at once, then after the pause or a
//! "Sync now", abandoned for a new scope, ended by stop), on both stores.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::{new_pancake, Backend, TestEnv, WithFakes};
use integrations_core::runtime::{renew, worker_name, Renewal, Scheduler, SessionKeeper};
use integrations_core::store::ClaimScope;
use integrations_core::{Core, ErrorCode, SignedIn, SyncOutcome, SyncRun, SyncTrigger};
use integrations_fake_servers::FakeConfig;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

const PASSWORD: &str = "mật khẩu 123";
/// A bound on waits that must end by themselves; reaching it is a failure, never a pass.
const GUARD: Duration = Duration::from_secs(60);

/// A core on `backend` whose access tokens last `access_ttl`, with a signed-up owner.
async fn signed_up(backend: Backend, access_ttl: Option<Duration>) -> (TestEnv, SignedIn) {
    let mut env = TestEnv::new(backend).await;
    if let Some(ttl) = access_ttl {
        let mut config = env.config.clone();
        config.access_ttl = ttl;
        env.core = config
            .open(Arc::new(common::NoProviderCalls))
            .await
            .unwrap();
        // Shared mode starts on its mirror until the server answers; find it now.
        env.core.check_link().await;
    }
    let signed_in = env
        .core
        .sign_up(
            "Shop thời trang",
            "chu@shop.vn",
            &SecretString::from(PASSWORD),
        )
        .await
        .unwrap();
    (env, signed_in)
}

fn access_token(tokens: &integrations_core::TokenPair) -> String {
    tokens.access_token.expose_secret().to_owned()
}

async fn a_session_with_time_left_is_handed_out_as_it_is(backend: Backend) {
    let (env, signed_in) = signed_up(backend, None).await;
    let issued = access_token(&signed_in.tokens);
    let keeper = SessionKeeper::new();
    assert!(keeper.replace(signed_in).await.is_none());

    for _ in 0..3 {
        let session = keeper.session(&env.core).await.unwrap();
        assert_eq!(session.email(), "chu@shop.vn");
    }
    let kept = keeper.take().await.expect("still signed in");
    assert_eq!(access_token(&kept), issued, "no refresh was needed");
    assert!(!keeper.is_signed_in().await);
}

async fn an_access_token_about_to_expire_is_refreshed_first(backend: Backend) {
    // Shorter than the refresh margin: every operation must refresh first.
    let (env, signed_in) = signed_up(backend, Some(Duration::from_secs(30))).await;
    let first = signed_in.tokens.refresh_token.clone();
    let issued = access_token(&signed_in.tokens);
    let keeper = SessionKeeper::new();
    keeper.replace(signed_in).await;

    let session = keeper.session(&env.core).await.unwrap();
    assert_eq!(session.email(), "chu@shop.vn");
    assert!(session.expires_at() > Utc::now());
    let kept = keeper.take().await.unwrap();
    assert_ne!(
        access_token(&kept),
        issued,
        "a new pair replaced the old one"
    );
    // The first refresh token was spent on the way: it no longer works.
    let err = env.core.refresh(&first).await.expect_err("spent");
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
}

async fn a_refused_refresh_ends_the_session(backend: Backend) {
    let (env, signed_in) = signed_up(backend, Some(Duration::from_secs(30))).await;
    // Signed out elsewhere: the refresh token is revoked.
    env.core
        .sign_out(&signed_in.tokens.refresh_token)
        .await
        .unwrap();
    let keeper = SessionKeeper::new();
    keeper.replace(signed_in).await;

    let err = keeper.session(&env.core).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    assert!(
        !keeper.is_signed_in().await,
        "the ended session is forgotten"
    );
    let again = keeper.session(&env.core).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::Unauthenticated);
    assert!(keeper.take().await.is_none());
}

async fn operations_at_once_spend_each_refresh_token_once(backend: Backend) {
    // Every call refreshes; if two spent the same refresh token, the core would take it for a
    // stolen token's reuse and end the session.
    let (env, signed_in) = signed_up(backend, Some(Duration::from_secs(30))).await;
    let keeper = SessionKeeper::new();
    keeper.replace(signed_in).await;

    let calls = (0..8).map(|_| keeper.session(&env.core));
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap().email(), "chu@shop.vn");
    }
    assert!(keeper.session(&env.core).await.is_ok(), "still signed in");
}

async fn renew_keeps_a_fresh_access_token_and_refreshes_one_that_does_not_verify(backend: Backend) {
    let (env, signed_in) = signed_up(backend, None).await;
    let tokens = &signed_in.tokens;
    match renew(&env.core, &tokens.access_token, &tokens.refresh_token).await {
        Ok(Renewal::Current(session)) => assert_eq!(session.email(), "chu@shop.vn"),
        _ => panic!("a fresh access token is used as it is"),
    }
    let tampered = SecretString::from("expired.or.tampered".to_owned());
    match renew(&env.core, &tampered, &tokens.refresh_token).await {
        Ok(Renewal::Refreshed(renewed)) => {
            assert_eq!(renewed.session.email(), "chu@shop.vn");
            assert_eq!(
                env.core
                    .verify(&renewed.tokens.access_token)
                    .unwrap()
                    .email(),
                "chu@shop.vn"
            );
        }
        _ => panic!("an access token that does not verify is refreshed"),
    }
    // The refresh token is spent now; renewing with it again ends the session.
    let err = renew(&env.core, &tampered, &tokens.refresh_token)
        .await
        .err()
        .expect("spent");
    assert!(integrations_core::runtime::ends_session(&err));
}

/// A core talking to the fake servers (each answer slowed by `latency`), with one signed-in
/// owner.
async fn synced(backend: Backend, latency: Duration) -> WithFakes {
    let config = FakeConfig {
        orders_per_shop: 40,
        days: 3,
        end_time: Utc::now() - chrono::Duration::minutes(1),
        latency,
        ..FakeConfig::default()
    };
    common::with_fake_config(backend, config).await
}

impl WithFakes {
    fn core(&self) -> &Core {
        &self.env.core
    }

    /// An enabled Pancake store: due at once.
    async fn enabled_store(&self, shop_id: &str) -> Uuid {
        let created = self
            .core()
            .create_integration(
                &self.session,
                new_pancake(&format!("Cửa hàng {shop_id}"), shop_id, "one-shop:k"),
            )
            .await
            .unwrap();
        self.core()
            .enable_integration(&self.session, created.id)
            .await
            .unwrap();
        created.id
    }

    fn workspace(&self) -> ClaimScope {
        ClaimScope {
            tenant: Some(self.session.tenant_id()),
            integration: None,
        }
    }
}

/// The next round's runs (`None`: stopped), within the guard.
async fn next(scheduler: &mut Scheduler<'_>) -> Option<Vec<SyncRun>> {
    tokio::time::timeout(GUARD, scheduler.next_round())
        .await
        .expect("the round came before the guard")
        .map(|round| round.unwrap())
}

/// How many runs the next round had (`None`: stopped).
async fn next_count(scheduler: &mut Scheduler<'_>) -> Option<usize> {
    next(scheduler).await.map(|runs| runs.len())
}

async fn the_first_round_runs_at_once_and_sync_now_cuts_the_pause_short(backend: Backend) {
    let s = synced(backend, Duration::ZERO).await;
    let mut scheduler = Scheduler::with_fixed_scope(s.core(), worker_name("test"), s.workspace())
        .pause(Duration::from_secs(3600));
    // An hour's pause, yet the first round comes at once (within the guard).
    assert_eq!(
        next_count(&mut scheduler).await,
        Some(0),
        "nothing is due yet"
    );

    // Mid-pause, "Sync now" wakes the scheduler, which runs the store.
    let id = s.enabled_store("6036602").await;
    s.core().sync_now(&s.session, id).await.unwrap();
    let runs = next(&mut scheduler).await.expect("running");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].integration_id, id);
    assert_eq!(runs[0].trigger, SyncTrigger::Manual);
    assert_eq!(
        runs[0].outcome,
        SyncOutcome::Succeeded,
        "{:?}",
        runs[0].error
    );
    let history = s.core().sync_history(&s.session, id, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].id, runs[0].id);
}

async fn rounds_are_the_pause_apart(backend: Backend) {
    let s = synced(backend, Duration::ZERO).await;
    let pause = Duration::from_millis(300);
    let mut scheduler =
        Scheduler::with_fixed_scope(s.core(), worker_name("test"), s.workspace()).pause(pause);
    assert_eq!(next_count(&mut scheduler).await, Some(0), "nothing is due");
    let ended = std::time::Instant::now();
    assert_eq!(next_count(&mut scheduler).await, Some(0));
    assert!(ended.elapsed() >= pause, "{:?}", ended.elapsed());
}

async fn stop_ends_the_scheduler_during_a_pause(backend: Backend) {
    let s = synced(backend, Duration::ZERO).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut scheduler = Scheduler::with_fixed_scope(s.core(), worker_name("test"), s.workspace())
        .pause(Duration::from_secs(3600))
        .stop_on(async {
            let _ = stopped.await;
        });
    assert_eq!(next_count(&mut scheduler).await, Some(0));
    stop.send(()).unwrap();
    assert_eq!(next_count(&mut scheduler).await, None);
}

async fn without_a_scope_nothing_is_claimed_and_a_new_scope_abandons_the_round(backend: Backend) {
    // Each answer of the fake takes a while: a sync is still running when the scope changes.
    let s = synced(backend, Duration::from_millis(400)).await;
    let id = s.enabled_store("6036602").await;
    let (scope, scope_rx) = tokio::sync::watch::channel(None);
    let mut scheduler =
        Scheduler::new(s.core(), worker_name("test"), scope_rx).pause(Duration::from_secs(3600));

    // Nobody signed in: no round at all (waited for a moment, nothing ran).
    let idle = tokio::time::timeout(Duration::from_millis(300), scheduler.next_round()).await;
    assert!(idle.is_err(), "no round without a scope");
    let runs = s.core().sync_history(&s.session, id, 10).await.unwrap();
    assert!(runs.is_empty());

    // Signed in: the due store starts syncing; signing out mid-sync abandons the round at once.
    let mut progress = s.core().subscribe_sync();
    scope.send_replace(Some(s.workspace()));
    {
        let round = scheduler.next_round();
        tokio::pin!(round);
        let started = async {
            while let Ok(event) = progress.recv().await {
                if event.integration_id == id {
                    return;
                }
            }
        };
        tokio::select! {
            _ = &mut round => panic!("the slow sync cannot have finished yet"),
            _ = tokio::time::timeout(GUARD, started) => {}
        }
        let other = ClaimScope {
            tenant: Some(Uuid::new_v4()),
            integration: None,
        };
        scope.send_replace(Some(other));
        let runs = tokio::time::timeout(GUARD, round).await.unwrap();
        assert_eq!(
            runs.unwrap().unwrap().len(),
            0,
            "the new scope's round, not the abandoned sync"
        );
    }

    // The sender's end stops the scheduler.
    drop(scope);
    assert_eq!(next_count(&mut scheduler).await, None);
}

on_both_stores!(
    a_session_with_time_left_is_handed_out_as_it_is,
    an_access_token_about_to_expire_is_refreshed_first,
    a_refused_refresh_ends_the_session,
    operations_at_once_spend_each_refresh_token_once,
    renew_keeps_a_fresh_access_token_and_refreshes_one_that_does_not_verify,
    the_first_round_runs_at_once_and_sync_now_cuts_the_pause_short,
    rounds_are_the_pause_apart,
    stop_ends_the_scheduler_during_a_pause,
    without_a_scope_nothing_is_claimed_and_a_new_scope_abandons_the_round,
);
