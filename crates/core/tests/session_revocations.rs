//! Sessions and the server, for a shared-mode client that goes offline (issue 13's hardening):
//! a sign-out or a refresh made offline reaches the server when it answers again, so an older
//! refresh token (a stolen copy) stops working there too; a refresh made offline that meets a
//! token already spent on the server ends the session everywhere; and sessions ended on the
//! server come down to the mirror with the pull. Against a real PostgreSQL the test stops and
//! starts, with each client's real mirror.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::own_postgres::OwnPostgres;
use common::shared_client;
use integrations_core::store::prelude::*;
use integrations_core::store::{PostgresStore, RefreshTokenRecord};
use integrations_core::{Core, ErrorCode, LinkMode, SignedIn};
use secrecy::{ExposeSecret, SecretString};

const EMAIL: &str = "chu@shop.vn";
const PASSWORD: &str = "mật khẩu 123";

/// The server's own record of a refresh token (as the schema owner sees it).
async fn on_server(server: &PostgresStore, token: &SecretString) -> Option<RefreshTokenRecord> {
    server
        .find_refresh_token(&integrations_core::auth::sha256_hex(token.expose_secret()))
        .await
        .unwrap()
}

/// Sign-outs and refreshes this computer still has to tell the server.
async fn queued(core: &Core) -> usize {
    core.shared_store()
        .unwrap()
        .queued_session_changes()
        .await
        .unwrap()
}

/// Computer A online on a server of the test's own, the owner signed up there and followed by
/// A's mirror; the master key, and a data directory for a computer B.
async fn signed_up_on_a() -> (OwnPostgres, String, [tempfile::TempDir; 2], Core, SignedIn) {
    let (pg, key, dir_a, a) = online_on_a().await;
    let first = a
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap();
    a.follow(Some(&first.session));
    (pg, key, [dir_a, tempfile::tempdir().unwrap()], a, first)
}

/// A private server and computer A's client of it, online; the master key and A's directory.
async fn online_on_a() -> (OwnPostgres, String, tempfile::TempDir, Core) {
    let pg = OwnPostgres::start().await;
    let key = integrations_core::crypto::MasterKey::generate()
        .to_base64()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let a = shared_client(&pg.url(), dir.path(), &key).await;
    assert_eq!(a.check_link().await, LinkMode::Online);
    (pg, key, dir, a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_and_a_sign_out_made_offline_reach_the_server_and_old_tokens_stop_working_there()
{
    let (pg, key, [_dir_a, dir_b], a, first) = signed_up_on_a().await;
    let server = PostgresStore::connect(&pg.url()).await.unwrap();

    // Offline, the session is refreshed from the mirror; the server learns it on return.
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let second = a.refresh(&first.tokens.refresh_token).await.unwrap();
    assert_eq!(queued(&a).await, 1);
    pg.start_again();
    assert!(
        on_server(&server, &second.tokens.refresh_token)
            .await
            .is_none(),
        "the server cannot know before the client is back"
    );
    assert_eq!(a.check_link().await, LinkMode::Online);
    assert_eq!(queued(&a).await, 0);
    let spent = on_server(&server, &first.tokens.refresh_token)
        .await
        .unwrap();
    assert!(
        spent.used_at.is_some(),
        "the older token is spent on the server"
    );
    let successor = on_server(&server, &second.tokens.refresh_token)
        .await
        .expect("the offline successor is on the server");
    assert!(successor.used_at.is_none() && successor.revoked_at.is_none());
    assert_eq!(successor.family_id, spent.family_id);

    // A stolen copy of the older token, tried on another computer: refused, and being a reuse
    // it ends the family on the server; the next pull ends it on the first computer too.
    let b = shared_client(&pg.url(), dir_b.path(), &key).await;
    assert_eq!(b.check_link().await, LinkMode::Online);
    let err = b.refresh(&first.tokens.refresh_token).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    assert!(on_server(&server, &second.tokens.refresh_token)
        .await
        .unwrap()
        .revoked_at
        .is_some());
    assert!(!a.session_ended(&second.tokens.refresh_token).await);
    assert_eq!(a.check_link().await, LinkMode::Online);
    assert!(
        a.session_ended(&second.tokens.refresh_token).await,
        "the revocation came down with the pull"
    );
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let err = a.refresh(&second.tokens.refresh_token).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Unauthenticated,
        "offline, the mirror refuses it too"
    );

    // Signing out offline: revoked in the mirror at once, on the server on return.
    pg.start_again();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let third = a
        .sign_in(EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap();
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    a.sign_out(&third.tokens.refresh_token).await.unwrap();
    assert!(a.session_ended(&third.tokens.refresh_token).await);
    assert_eq!(queued(&a).await, 1);
    pg.start_again();
    assert!(
        on_server(&server, &third.tokens.refresh_token)
            .await
            .unwrap()
            .revoked_at
            .is_none(),
        "not before the client is back"
    );
    assert_eq!(a.check_link().await, LinkMode::Online);
    assert_eq!(queued(&a).await, 0);
    assert!(on_server(&server, &third.tokens.refresh_token)
        .await
        .unwrap()
        .revoked_at
        .is_some());
    let err = b.refresh(&third.tokens.refresh_token).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_refresh_that_meets_a_token_spent_on_the_server_ends_the_session_everywhere() {
    let (pg, key, [_dir_a, dir_b], a, first) = signed_up_on_a().await;
    let b = shared_client(&pg.url(), dir_b.path(), &key).await;
    let server = PostgresStore::connect(&pg.url()).await.unwrap();

    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let mine = a.refresh(&first.tokens.refresh_token).await.unwrap();
    pg.start_again();
    // Before the first computer is back, a copy of the same token is used on the server.
    assert_eq!(b.check_link().await, LinkMode::Online);
    let theirs = b.refresh(&first.tokens.refresh_token).await.unwrap();

    // On return, the offline refresh is a reuse: the family ends on both sides.
    assert_eq!(a.check_link().await, LinkMode::Online);
    assert_eq!(queued(&a).await, 0);
    assert!(a.session_ended(&mine.tokens.refresh_token).await);
    assert!(
        on_server(&server, &mine.tokens.refresh_token)
            .await
            .is_none(),
        "the offline successor never reached the server"
    );
    assert!(on_server(&server, &theirs.tokens.refresh_token)
        .await
        .unwrap()
        .revoked_at
        .is_some());
    for (who, core, token) in [
        ("the offline computer", &a, &mine.tokens.refresh_token),
        ("the other computer", &b, &theirs.tokens.refresh_token),
    ] {
        let err = core.refresh(token).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated, "{who}");
    }
}

/// The expiry a refresh made offline gave its successor, as the mirror holds it (a client's
/// clock a year ahead, or a client changed on purpose).
async fn stretch_in_mirror(core: &Core, token: &SecretString, expires_at: DateTime<Utc>) {
    let hash = integrations_core::auth::sha256_hex(token.expose_secret());
    let changed = sqlx::query("UPDATE refresh_tokens SET expires_at = ? WHERE token_hash = ?")
        .bind(expires_at)
        .bind(hash)
        .execute(core.shared_store().unwrap().mirror().pool())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_replayed_from_offline_gets_no_longer_life_on_the_server_than_a_refresh_there() {
    let (pg, _key, _dirs, a, first) = signed_up_on_a().await;
    let server = PostgresStore::connect(&pg.url()).await.unwrap();

    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let offline = a.refresh(&first.tokens.refresh_token).await.unwrap();
    stretch_in_mirror(
        &a,
        &offline.tokens.refresh_token,
        Utc::now() + Duration::days(365),
    )
    .await;
    pg.start_again();
    assert_eq!(a.check_link().await, LinkMode::Online);
    assert_eq!(queued(&a).await, 0);
    let replayed = on_server(&server, &offline.tokens.refresh_token)
        .await
        .expect("the offline successor is on the server");
    let longest = Utc::now() + Duration::days(7);
    assert!(
        replayed.expires_at <= longest,
        "the server kept the client's expiry {} (longest {longest})",
        replayed.expires_at
    );
    assert!(replayed.expires_at > Utc::now() + Duration::days(6));

    // A shorter life than the server's is kept: the server only caps.
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let short = a.refresh(&offline.tokens.refresh_token).await.unwrap();
    let an_hour = Utc::now() + Duration::hours(1);
    stretch_in_mirror(&a, &short.tokens.refresh_token, an_hour).await;
    pg.start_again();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let kept = on_server(&server, &short.tokens.refresh_token)
        .await
        .unwrap();
    assert!(
        (kept.expires_at - an_hour).num_seconds().abs() <= 1,
        "{}",
        kept.expires_at
    );
}

/// Leaving deletes the mirror, the only copy of what this computer did offline: while the
/// server cannot be reached, leaving is refused and changes nothing; once it answers, the
/// sign-out made offline and the session still signed in both end on the server first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_waits_until_a_sign_out_made_offline_has_reached_the_server() {
    let (pg, _key, _dirs, a, earlier) = signed_up_on_a().await;
    let current = a
        .sign_in(EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap();
    let server = PostgresStore::connect(&pg.url()).await.unwrap();

    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    a.sign_out(&earlier.tokens.refresh_token).await.unwrap();
    assert_eq!(queued(&a).await, 1);
    for held in [Some(&current.tokens.refresh_token), None] {
        let err = a.settle_before_leaving(held).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Offline);
        assert!(
            err.to_string()
                .contains("Try again when the connection is back"),
            "{err}"
        );
    }
    assert_eq!(queued(&a).await, 1, "the queued sign-out is kept");
    assert!(
        !a.session_ended(&current.tokens.refresh_token).await,
        "a refused leave signs nobody out"
    );

    pg.start_again();
    a.settle_before_leaving(Some(&current.tokens.refresh_token))
        .await
        .unwrap();
    assert_eq!(queued(&a).await, 0);
    for (which, token) in [
        ("the sign-out made offline", &earlier.tokens.refresh_token),
        (
            "the session signed in when leaving",
            &current.tokens.refresh_token,
        ),
    ] {
        let record = on_server(&server, token).await.unwrap();
        assert!(record.revoked_at.is_some(), "{which} reached the server");
    }
}

/// Nothing queued and nobody signed in: nothing to lose, so leaving needs no server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_with_nothing_queued_and_nobody_signed_in_works_offline() {
    let (pg, _key, _dir, a) = online_on_a().await;
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    a.settle_before_leaving(None).await.unwrap();
}
