//! Shared mode against a real PostgreSQL that the tests stop and start: the mirror serves reads
//! while the server is gone, offline edits survive a restart of the app and are applied when it
//! returns, conflicts are kept for the user, deletes and other clients' changes reach the
//! mirror, and the pull never skips a row committed out of order.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{described, new_meta, new_pancake, own_postgres::OwnPostgres, tenant_tx};
use common::{refused_sign_in, shared_client};
use integrations_core::store::prelude::*;
use integrations_core::store::{PostgresStore, PullCursor};
use integrations_core::{
    ConflictChoice, Core, CoreConfig, Credentials, DatabaseTarget, ErrorCode, Integration,
    IntegrationStatus, IntegrationUpdate, LinkMode, NewIntegration, Session, SyncOutcome,
    SyncSettings,
};
use integrations_fake_servers::{start_meta, start_pancake, FakeConfig, FakeMeta, FakePancake};
use integrations_providers::{MetaClient, PancakeClient};
use secrecy::SecretString;
use uuid::Uuid;

const EMAIL: &str = "chu@shop.vn";
const PASSWORD: &str = "mật khẩu 123";
const PANCAKE_KEY: &str = "pk_live_SECRET_6036602_abcdef";

/// The client's mirror file for this server, and a handle on it (as a second reader).
async fn open_mirror(
    data_dir: &Path,
    url: &str,
) -> (std::path::PathBuf, integrations_core::store::SqliteStore) {
    let file = data_dir.join(integrations_core::config::mirror_file_name(url).unwrap());
    let mirror = integrations_core::store::SqliteStore::open(&file)
        .await
        .unwrap();
    (file, mirror)
}

fn master_key() -> String {
    integrations_core::crypto::MasterKey::generate()
        .to_base64()
        .to_string()
}

async fn sign_in(core: &Core) -> Session {
    core.sign_in(EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session
}

fn pancake(name: &str, shop: &str) -> NewIntegration {
    described(
        new_pancake(name, shop, PANCAKE_KEY),
        "Cửa hàng ở TP. Hồ Chí Minh",
    )
}

fn rename(name: &str) -> IntegrationUpdate {
    IntegrationUpdate {
        name: Some(name.into()),
        ..IntegrationUpdate::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_review_and_queued_edits_survive_a_restart_and_reach_the_server() {
    let pg = OwnPostgres::start().await;
    let key = master_key();
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();

    // Client A creates the workspace and three integrations, and mirrors them.
    let a = shared_client(&pg.url(), dir_a.path(), &key).await;
    assert_eq!(a.check_link().await, LinkMode::Online);
    let session = a
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    let fashion = a
        .create_integration(&session, pancake("Shop thời trang", "6036602"))
        .await
        .unwrap();
    let cosmetics = a
        .create_integration(&session, pancake("Mỹ phẩm Hà Nội", "7012345"))
        .await
        .unwrap();
    let shoes = a
        .create_integration(&session, pancake("Giày dép Sài Gòn", "8024680"))
        .await
        .unwrap();
    a.enable_integration(&session, fashion.id).await.unwrap();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let before = a.connectivity_status(Some(&session)).await.unwrap();
    assert_eq!(before.mode, LinkMode::Online);
    assert!(before.mirror_as_of.is_some(), "the mirror has caught up");

    // Credentials are in the mirror exactly as on the server: the same ciphertext, no key.
    let server_rows = a.list_integrations(&session).await.unwrap();
    let (mirror_file, mirror) = open_mirror(dir_a.path(), &pg.url()).await;
    let server = PostgresStore::connect(&pg.url()).await.unwrap();
    for row in &server_rows {
        let on_server = server
            .get_integration(session.tenant_id(), row.id)
            .await
            .unwrap()
            .unwrap();
        let mirrored = mirror
            .get_integration(session.tenant_id(), row.id)
            .await
            .unwrap()
            .expect("mirrored");
        assert_eq!(mirrored.credentials, on_server.credentials);
        assert_eq!(mirrored.row_version, on_server.row_version);
        assert_eq!(mirrored.edit_version, on_server.edit_version);
        assert!(mirrored.credentials.starts_with("ime1."));
    }
    drop(mirror);
    server.pool().close().await;

    // The server goes away.
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let offline_list = a.list_integrations(&session).await.unwrap();
    assert_eq!(offline_list.len(), 3, "review works from the mirror");
    assert_eq!(
        a.get_integration(&session, cosmetics.id)
            .await
            .unwrap()
            .name,
        "Mỹ phẩm Hà Nội"
    );

    // What needs the server is refused with a reason; nothing is changed by trying.
    let err = a
        .create_integration(&session, pancake("Cửa hàng mới", "9999999"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline);
    assert!(err.to_string().contains("cannot be reached"), "{err}");
    assert_eq!(
        a.delete_integration(&session, shoes.id)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Offline
    );
    assert_eq!(
        a.test_connection(&session, shoes.id)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Offline
    );
    let new_key = IntegrationUpdate {
        credentials: Some(Credentials::pancake(SecretString::from(
            "pk_new_key_123456",
        ))),
        ..IntegrationUpdate::default()
    };
    assert_eq!(
        a.update_integration(&session, shoes.id, new_key)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Offline
    );

    // What may change offline is queued and shows at once.
    let disabled = a.disable_integration(&session, fashion.id).await.unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.status, IntegrationStatus::Disabled);
    let renamed = a
        .update_integration(
            &session,
            cosmetics.id,
            rename("Mỹ phẩm Hà Nội – chi nhánh 2"),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Mỹ phẩm Hà Nội – chi nhánh 2");
    let described = a
        .update_integration(
            &session,
            cosmetics.id,
            IntegrationUpdate {
                description: Some(None),
                ..IntegrationUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(described.description, None);
    assert_eq!(described.name, "Mỹ phẩm Hà Nội – chi nhánh 2");
    let queued = a.connectivity_status(Some(&session)).await.unwrap();
    assert_eq!(queued.mode, LinkMode::Offline);
    assert_eq!(queued.pending.len(), 3);
    assert!(queued.conflicts.is_empty());

    // The app restarts while still offline: the outbox and the mirror are still there, and the
    // user can sign in offline.
    drop(a);
    let a = shared_client(&pg.url(), dir_a.path(), &key).await;
    let listed_at_start = a.list_integrations(&session).await.unwrap();
    assert_eq!(
        listed_at_start.len(),
        3,
        "the mirror is shown at once on start"
    );
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let wrong = refused_sign_in(&a, EMAIL, "sai mật khẩu").await;
    assert_eq!(wrong.code(), ErrorCode::Unauthenticated);
    let unknown = refused_sign_in(&a, "khac@shop.vn", PASSWORD).await;
    // An email the mirror does not know reads exactly like a wrong password.
    assert_eq!(unknown.payload(), wrong.payload());
    assert_eq!(
        unknown.to_string(),
        integrations_core::auth::BAD_CREDENTIALS_OFFLINE
    );
    let session = sign_in(&a).await;
    let after_restart = a.list_integrations(&session).await.unwrap();
    let find = |id: Uuid| after_restart.iter().find(|i| i.id == id).unwrap().clone();
    assert!(!find(fashion.id).enabled);
    assert_eq!(find(cosmetics.id).name, "Mỹ phẩm Hà Nội – chi nhánh 2");
    assert_eq!(
        a.connectivity_status(Some(&session))
            .await
            .unwrap()
            .pending
            .len(),
        3
    );

    // The server returns; before A notices, B renames the same integration there.
    pg.start_again();
    let b = shared_client(&pg.url(), dir_b.path(), &key).await;
    assert_eq!(b.check_link().await, LinkMode::Online);
    let session_b = sign_in(&b).await;
    b.update_integration(
        &session_b,
        cosmetics.id,
        rename("Mỹ phẩm – đổi tên từ máy B"),
    )
    .await
    .unwrap();

    // A reconnects: the edit nobody else touched lands; the conflicting one is kept for the
    // user, with both versions, and the server's version is not overwritten.
    assert_eq!(a.check_link().await, LinkMode::Online);
    let on_server = b.get_integration(&session_b, fashion.id).await.unwrap();
    assert!(!on_server.enabled);
    assert_eq!(on_server.status, IntegrationStatus::Disabled);
    let state = a.connectivity_status(Some(&session)).await.unwrap();
    assert_eq!(state.mode, LinkMode::Online);
    assert!(state.pending.is_empty(), "{:?}", state.pending);
    assert_eq!(
        state.conflicts.len(),
        2,
        "both edits of that integration wait"
    );
    let first = &state.conflicts[0];
    assert_eq!(first.integration_id, cosmetics.id);
    assert_eq!(
        first.mine.name.as_deref(),
        Some("Mỹ phẩm Hà Nội – chi nhánh 2")
    );
    assert_eq!(
        first.server.as_ref().unwrap().name,
        "Mỹ phẩm – đổi tên từ máy B"
    );
    assert_eq!(
        b.get_integration(&session_b, cosmetics.id)
            .await
            .unwrap()
            .name,
        "Mỹ phẩm – đổi tên từ máy B"
    );

    // The user keeps their name, then lets the server's description stand.
    let state = a
        .resolve_conflict(&session, first.seq, ConflictChoice::Mine)
        .await
        .unwrap();
    assert_eq!(state.conflicts.len(), 1);
    let second = state.conflicts[0].clone();
    assert_eq!(second.mine.description, Some(None));
    let state = a
        .resolve_conflict(&session, second.seq, ConflictChoice::Server)
        .await
        .unwrap();
    assert!(state.conflicts.is_empty());
    let settled = b.get_integration(&session_b, cosmetics.id).await.unwrap();
    assert_eq!(settled.name, "Mỹ phẩm Hà Nội – chi nhánh 2");
    assert_eq!(
        settled.description.as_deref(),
        Some("Cửa hàng ở TP. Hồ Chí Minh")
    );
    assert_eq!(
        a.resolve_conflict(&session, second.seq, ConflictChoice::Server)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );

    // B deletes one and renames another: both reach A's mirror with the next pull.
    b.delete_integration(&session_b, shoes.id).await.unwrap();
    b.update_integration(&session_b, fashion.id, rename("Thời trang nữ"))
        .await
        .unwrap();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let (_, mirror) = open_mirror(dir_a.path(), &pg.url()).await;
    let mirrored = mirror.list_integrations(session.tenant_id()).await.unwrap();
    assert_eq!(mirrored.len(), 2);
    assert!(
        mirrored.iter().all(|i| i.id != shoes.id),
        "the delete reached the mirror"
    );
    assert_eq!(
        mirrored.iter().find(|i| i.id == fashion.id).unwrap().name,
        "Thời trang nữ"
    );

    // And offline again, the mirror shows exactly that.
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let names: Vec<String> = a
        .list_integrations(&session)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, vec!["Thời trang nữ", "Mỹ phẩm Hà Nội – chi nhánh 2"]);

    // No secret in the mirror file, the outbox or the server's tables: only ciphertext.
    let bytes = std::fs::read(&mirror_file).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(PANCAKE_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_background_link_notices_the_server_leave_and_return_and_pulls_others_changes() {
    let pg = OwnPostgres::start().await;
    let key = master_key();
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();

    let a = shared_client(&pg.url(), dir_a.path(), &key).await;
    let shared = a.shared_store().expect("shared mode");
    let mut watch = shared.subscribe();
    let link = tokio::spawn(shared.clone().run());

    let wait_for = |watch: &mut tokio::sync::watch::Receiver<_>, mode: LinkMode| {
        let mut watch = watch.clone();
        async move {
            tokio::time::timeout(
                Duration::from_secs(30),
                watch.wait_for(|s: &integrations_core::mirror::LinkSnapshot| s.mode == mode),
            )
            .await
            .unwrap_or_else(|_| panic!("the link never became {mode:?}"))
            .unwrap()
            .data_version
        }
    };
    wait_for(&mut watch, LinkMode::Online).await;
    let session = a
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    let fashion = a
        .create_integration(&session, pancake("Shop thời trang", "6036602"))
        .await
        .unwrap();

    // Another client's edit arrives in A's mirror by itself.
    let b = shared_client(&pg.url(), dir_b.path(), &key).await;
    assert_eq!(b.check_link().await, LinkMode::Online);
    let session_b = sign_in(&b).await;
    b.update_integration(&session_b, fashion.id, rename("Thời trang – từ máy B"))
        .await
        .unwrap();
    let (_, mirror) = open_mirror(dir_a.path(), &pg.url()).await;
    let mut changes = watch.clone();
    let arrived = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let row = mirror
                .get_integration(session.tenant_id(), fashion.id)
                .await
                .unwrap();
            if row.is_some_and(|r| r.name == "Thời trang – từ máy B") {
                break;
            }
            changes.changed().await.unwrap();
        }
    })
    .await;
    assert!(arrived.is_ok(), "B's edit never reached A's mirror");

    // The server stops: the link goes offline by itself, and reads keep working.
    let stopped_at = Instant::now();
    pg.stop();
    wait_for(&mut watch, LinkMode::Offline).await;
    println!(
        "server loss noticed after {} ms",
        stopped_at.elapsed().as_millis()
    );
    assert_eq!(
        a.list_integrations(&session).await.unwrap()[0].name,
        "Thời trang – từ máy B"
    );
    a.disable_integration(&session, fashion.id).await.unwrap();

    // It comes back: online again without a restart, and the queued edit is applied.
    pg.start_again();
    wait_for(&mut watch, LinkMode::Online).await;
    let state = a.connectivity_status(Some(&session)).await.unwrap();
    assert!(state.pending.is_empty() && state.conflicts.is_empty());
    assert!(
        !b.get_integration(&session_b, fashion.id)
            .await
            .unwrap()
            .enabled
    );
    link.abort();
}

/// Row versions are drawn when a row is written but become visible at commit, so a pull can see
/// a later version before an earlier one. The pull must still deliver the earlier one next time.
#[tokio::test(flavor = "multi_thread")]
async fn a_row_committed_after_a_later_version_was_pulled_is_not_skipped() {
    let url = common::fresh_postgres_url().await;
    let dir = tempfile::tempdir().unwrap();
    let core = shared_client(&url, dir.path(), &master_key()).await;
    assert_eq!(core.check_link().await, LinkMode::Online);
    let store = core.shared_store().unwrap().server().clone();
    let session = core
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    let tenant = session.tenant_id();
    let early = core
        .create_integration(&session, pancake("Shop thời trang", "6036602"))
        .await
        .unwrap();
    let late = core
        .create_integration(&session, pancake("Mỹ phẩm Hà Nội", "7012345"))
        .await
        .unwrap();
    let first = store
        .pull_changes(tenant, PullCursor::default())
        .await
        .unwrap();
    assert_eq!(first.integrations.len(), 2);

    // A transaction draws a version for `early` and stays open...
    let mut slow = tenant_tx(store.pool(), tenant).await;
    sqlx::query("UPDATE integrations SET name = 'Chậm' WHERE id = $1")
        .bind(early.id)
        .execute(&mut *slow)
        .await
        .unwrap();
    // ...while `late` gets a higher version and commits.
    core.update_integration(&session, late.id, rename("Nhanh"))
        .await
        .unwrap();
    let second = store.pull_changes(tenant, first.cursor).await.unwrap();
    let names: Vec<&str> = second
        .integrations
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    // The pull may hand back rows it already gave (its cursor holds back behind any transaction
    // open on the cluster, other tests' included); it must never show the uncommitted edit.
    assert!(names.contains(&"Nhanh"), "the committed rename: {names:?}");
    assert!(!names.contains(&"Chậm"), "an uncommitted edit: {names:?}");
    assert!(second.cursor.last_version > first.cursor.last_version);

    slow.commit().await.unwrap();
    let third = store.pull_changes(tenant, second.cursor).await.unwrap();
    assert!(
        third
            .integrations
            .iter()
            .any(|i| i.id == early.id && i.name == "Chậm"),
        "the early version committed late was skipped"
    );

    // Deletes come as tombstones, by the same rule.
    core.delete_integration(&session, late.id).await.unwrap();
    let fourth = store.pull_changes(tenant, third.cursor).await.unwrap();
    assert_eq!(fourth.deleted_integrations, vec![late.id]);
}

/// Three edits of one integration made offline land in order on reconnect, with no false
/// conflict; the session keeps refreshing offline (its refresh token is mirrored).
#[tokio::test(flavor = "multi_thread")]
async fn chained_offline_edits_land_in_order_and_the_session_refreshes_offline() {
    let pg = OwnPostgres::start().await;
    let key = master_key();
    let dir = tempfile::tempdir().unwrap();
    let a = shared_client(&pg.url(), dir.path(), &key).await;
    assert_eq!(a.check_link().await, LinkMode::Online);
    let signed_in = a
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap();
    let session = signed_in.session.clone();
    let shop = a
        .create_integration(&session, pancake("Shop thời trang", "6036602"))
        .await
        .unwrap();
    a.enable_integration(&session, shop.id).await.unwrap();
    assert_eq!(a.check_link().await, LinkMode::Online);

    // A worker somewhere records a sync run: it reaches the mirror for offline review.
    let server = PostgresStore::connect(&pg.url()).await.unwrap();
    let run_id = Uuid::new_v4();
    server
        .insert_run(&integrations_core::store::SyncRunRecord {
            id: run_id,
            tenant_id: session.tenant_id(),
            integration_id: shop.id,
            trigger: "SCHEDULE".into(),
            outcome: "SUCCEEDED".into(),
            started_at: chrono::Utc::now(),
            finished_at: Some(chrono::Utc::now()),
            counts: [("orders".to_owned(), 450)].into_iter().collect(),
            error: None,
            error_code: None,
            worker: "worker-elsewhere".into(),
        })
        .await
        .unwrap();
    // ...and the synced data itself, which the analytics read offline.
    let orders: Vec<integrations_providers::PancakeOrder> = (1..=3)
        .map(|id| {
            integrations_providers::PancakeOrder::from_value(serde_json::json!({
                "id": id, "shop_id": 6036602, "status": 3,
                "inserted_at": "2026-11-24T16:30:00", "updated_at": "2026-11-24T17:00:00",
                "total_price": 1_250_000, "total_discount": 0, "shipping_fee": 30_000,
                "cod": 1_280_000, "order_currency": "VND", "ad_id": "120210000000000001",
                "items": [{"variation_id": "v1", "quantity": 1,
                           "variation_info": {"name": "Áo dài lụa", "retail_price": 1_250_000}}]
            }))
            .unwrap()
        })
        .collect();
    server
        .write_batch(
            session.tenant_id(),
            shop.id,
            integrations_core::store::SyncBatch::Orders {
                shop_id: 6036602,
                orders: &orders,
            },
            None,
        )
        .await
        .unwrap();
    server.pool().close().await;
    assert_eq!(a.check_link().await, LinkMode::Online);
    // Three orders created at 23:30 on 24 November in Vietnam, from an ad Meta has not reported.
    let report_query = integrations_core::analytics::ReportQuery {
        from: "2026-11-24".parse().unwrap(),
        to: "2026-11-24".parse().unwrap(),
        store: None,
        by: integrations_core::analytics::ReportGrouping::Ad,
        time_zone: None,
    };
    // The workspace moves to Bangkok (same offset): the mirror learns it with the next pull.
    a.set_time_zone(&session, "Asia/Bangkok").await.unwrap();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let online = a.report(&session, &report_query).await.unwrap();
    assert_eq!(online.time_zone, "Asia/Bangkok");
    assert_eq!(
        online.source,
        integrations_core::analytics::ReportSource::Server
    );
    assert_eq!(online.totals.revenue_minor, 3 * 1_250_000);

    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let offline = a.report(&session, &report_query).await.unwrap();
    let integrations_core::analytics::ReportSource::Mirror { as_of } = offline.source else {
        panic!("offline figures come from the mirror: {:?}", offline.source);
    };
    assert!(as_of.is_some(), "the mirror's age is known");
    assert_eq!(
        offline.time_zone, "Asia/Bangkok",
        "the workspace's zone is mirrored"
    );
    let err = a.set_time_zone(&session, "UTC").await.unwrap_err();
    assert_eq!(err.code(), integrations_core::ErrorCode::Offline);
    assert_eq!(
        offline.rows, online.rows,
        "the mirror gives the server's figures"
    );
    assert_eq!(
        offline.rows[0].kind,
        integrations_core::analytics::ReportRowKind::UnknownAd
    );
    assert_eq!(
        a.shared_store()
            .unwrap()
            .synced_count(
                session.tenant_id(),
                shop.id,
                integrations_core::store::SyncedTable::PancakeOrders
            )
            .await
            .unwrap(),
        3,
        "synced orders are in the mirror"
    );
    let (_, mirror) = open_mirror(dir.path(), &pg.url()).await;
    let (updated_at, items): (String, String) =
        sqlx::query_as("SELECT updated_at, items FROM pancake_orders WHERE order_id = 1")
            .fetch_one(mirror.pool())
            .await
            .unwrap();
    // Stored exactly as the embedded database stores its own (RFC 3339, microseconds, Z).
    assert_eq!(updated_at, "2026-11-24T17:00:00.000000Z");
    assert!(items.contains("Áo dài lụa"));
    let history = a.sync_history(&session, shop.id, 10).await.unwrap();
    assert_eq!(history.len(), 1, "sync history is reviewable offline");
    assert_eq!(history[0].id, run_id);
    assert_eq!(history[0].counts["orders"], 450);
    a.update_integration(&session, shop.id, rename("Shop thoi trang"))
        .await
        .unwrap();
    a.update_integration(&session, shop.id, rename("Shop thời trang – Quận 1"))
        .await
        .unwrap();
    a.disable_integration(&session, shop.id).await.unwrap();
    // An hour later the access token needs refreshing: the mirror knows the refresh token.
    let refreshed = a.refresh(&signed_in.tokens.refresh_token).await.unwrap();
    assert_eq!(refreshed.session.tenant_id(), session.tenant_id());

    pg.start_again();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let state = a.connectivity_status(Some(&session)).await.unwrap();
    assert!(state.conflicts.is_empty(), "{:?}", state.conflicts);
    assert!(state.pending.is_empty());
    let on_server = a.get_integration(&session, shop.id).await.unwrap();
    assert_eq!(on_server.name, "Shop thời trang – Quận 1");
    assert!(!on_server.enabled);

    // A wrong URL for another server leaves this server's mirror and outbox alone.
    let other = shared_client("postgres://app:app@127.0.0.1:1/other", dir.path(), &key).await;
    assert_eq!(other.check_link().await, LinkMode::Offline);
    pg.stop();
    let again = shared_client(&pg.url(), dir.path(), &key).await;
    assert_eq!(again.check_link().await, LinkMode::Offline);
    let session = sign_in(&again).await;
    assert_eq!(
        again.list_integrations(&session).await.unwrap()[0].name,
        "Shop thời trang – Quận 1"
    );
}

/// Another computer that syncs: the same server and master key, the providers faked.
async fn syncing_client(
    url: &str,
    data_dir: &Path,
    master_key: &str,
    pancake: &FakePancake,
    meta: &FakeMeta,
) -> Core {
    let mut config = CoreConfig::standalone(data_dir.to_path_buf());
    config.database = DatabaseTarget::Postgres {
        url: SecretString::from(url.to_owned()),
    };
    config.master_key = Some(SecretString::from(master_key.to_owned()));
    let providers = integrations_core::gateway::HttpProviders {
        pancake: PancakeClient::new(&pancake.base_url, common::fast_http()).unwrap(),
        meta: MetaClient::new(&meta.base_url, "v27.0", common::fast_http()).unwrap(),
    };
    let mut core = config.open(Arc::new(providers)).await.unwrap();
    core.set_sync_settings(SyncSettings {
        order_backfill: chrono::Duration::days(4),
        ..SyncSettings::default()
    });
    assert_eq!(core.check_link().await, LinkMode::Online);
    core
}

async fn fakes() -> (FakePancake, FakeMeta) {
    let config = FakeConfig {
        orders_per_shop: 20,
        days: 2,
        end_time: chrono::Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    };
    (
        start_pancake(config.clone()).await.unwrap(),
        start_meta(config).await.unwrap(),
    )
}

/// The owner signs up on `a`, online, and connects an enabled store on the fake Pancake with
/// `key` (which names the fake's scenario).
async fn owner_with_a_store(a: &Core, key: &str) -> (Session, Integration) {
    assert_eq!(a.check_link().await, LinkMode::Online);
    let session = a
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    let shop = a
        .create_integration(&session, fake_store("Shop thời trang", key))
        .await
        .unwrap();
    a.enable_integration(&session, shop.id).await.unwrap();
    (session, shop)
}

fn fake_store(name: &str, key: &str) -> NewIntegration {
    NewIntegration {
        credentials: Credentials::pancake(SecretString::from(key)),
        ..pancake(name, "6036602")
    }
}

async fn sync(core: &Core, session: &Session, id: Uuid) {
    let run = core
        .sync_integration(session, id, "worker-elsewhere")
        .await
        .unwrap();
    assert_eq!(run.outcome, SyncOutcome::Succeeded, "{:?}", run.error);
}

/// A sync that another computer finishes while this one is offline is no edit: a rename
/// queued meanwhile applies without a conflict, and the mirror shows the run's outcome. An
/// edit made on the server meanwhile still makes the queued one a conflict.
#[tokio::test(flavor = "multi_thread")]
async fn a_sync_finished_elsewhere_is_no_conflict_for_an_offline_rename_but_an_edit_is() {
    let pg = OwnPostgres::start().await;
    let key = master_key();
    let (dir_a, dir_w) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (pancake, meta) = fakes().await;
    let a = shared_client(&pg.url(), dir_a.path(), &key).await;
    let (session, shop) = owner_with_a_store(&a, "one-shop:offline").await;
    assert_eq!(a.check_link().await, LinkMode::Online);

    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    let queued = a
        .update_integration(&session, shop.id, rename("Shop thời trang – Quận 1"))
        .await
        .unwrap();
    assert_eq!(queued.name, "Shop thời trang – Quận 1");
    pg.start_again();
    let w = syncing_client(&pg.url(), dir_w.path(), &key, &pancake, &meta).await;
    let w_session = sign_in(&w).await;
    sync(&w, &w_session, shop.id).await;

    assert_eq!(a.check_link().await, LinkMode::Online);
    let state = a.connectivity_status(Some(&session)).await.unwrap();
    assert!(state.conflicts.is_empty(), "{:?}", state.conflicts);
    assert!(state.pending.is_empty());
    let on_server = a.get_integration(&session, shop.id).await.unwrap();
    assert_eq!(on_server.name, "Shop thời trang – Quận 1");
    assert_eq!(on_server.status, IntegrationStatus::Active);
    assert!(on_server.last_sync_at.is_some());

    // The mirror has both, the rename and the run's outcome.
    pg.stop();
    assert_eq!(a.check_link().await, LinkMode::Offline);
    assert_eq!(
        a.get_integration(&session, shop.id).await.unwrap(),
        on_server
    );

    // Someone edits on the server while this computer's rename waits: a conflict, kept.
    a.update_integration(&session, shop.id, rename("Shop thời trang – chi nhánh 2"))
        .await
        .unwrap();
    pg.start_again();
    assert_eq!(w.check_link().await, LinkMode::Online);
    w.update_integration(
        &w_session,
        shop.id,
        IntegrationUpdate {
            description: Some(Some("Sửa trên máy khác".into())),
            ..IntegrationUpdate::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let state = a.connectivity_status(Some(&session)).await.unwrap();
    assert_eq!(state.conflicts.len(), 1, "{:?}", state.conflicts);
    let on_server = a.get_integration(&session, shop.id).await.unwrap();
    assert_eq!(on_server.name, "Shop thời trang – Quận 1");
    assert_eq!(on_server.description.as_deref(), Some("Sửa trên máy khác"));
}

/// Stock of a warehouse removed in Pancake leaves the mirror with the next pull, as it leaves
/// the server: the mirror holds the server's stock lines, line for line.
#[tokio::test(flavor = "multi_thread")]
async fn stock_of_a_removed_warehouse_leaves_the_mirror_with_the_next_pull() {
    let pg = OwnPostgres::start().await;
    let key = master_key();
    let (dir_a, dir_w) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (pancake, meta) = fakes().await;
    let a = shared_client(&pg.url(), dir_a.path(), &key).await;
    let (session, shop) = owner_with_a_store(&a, "one-shop:stock").await;
    let w = syncing_client(&pg.url(), dir_w.path(), &key, &pancake, &meta).await;
    let w_session = sign_in(&w).await;
    sync(&w, &w_session, shop.id).await;
    let pull = || async {
        a.shared_store()
            .unwrap()
            .pull(session.tenant_id())
            .await
            .expect("the pull applies")
    };
    assert!(pull().await > 0);

    let (_, mirror) = open_mirror(dir_a.path(), &pg.url()).await;
    let server = PostgresStore::connect(&pg.url()).await.unwrap();
    let tenant = session.tenant_id().to_string();
    let lines = || async {
        let mirrored: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT variation_id, warehouse_id, remain_quantity FROM pancake_stock \
             WHERE integration_id = ? ORDER BY 1, 2",
        )
        .bind(shop.id.to_string())
        .fetch_all(mirror.pool())
        .await
        .unwrap();
        let mut tx = tenant_tx(server.pool(), &tenant).await;
        let on_server: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT variation_id, warehouse_id, remain_quantity FROM pancake_stock \
             WHERE integration_id = $1 ORDER BY 1, 2",
        )
        .bind(shop.id)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        assert_eq!(mirrored, on_server, "the mirror holds the server's stock");
        mirrored
    };
    let before = lines().await;
    let warehouses: std::collections::BTreeSet<String> = before
        .iter()
        .map(|(_, warehouse, _)| warehouse.clone())
        .collect();
    assert_eq!(warehouses.len(), 2, "{warehouses:?}");
    let gone = warehouses.last().unwrap().clone();

    pancake.remove_warehouse(&gone);
    sync(&w, &w_session, shop.id).await;
    assert!(pull().await > 0);
    let after = lines().await;
    let kept: Vec<_> = before
        .iter()
        .filter(|(_, warehouse, _)| *warehouse != gone)
        .cloned()
        .collect();
    assert!(!kept.is_empty());
    assert_eq!(after, kept);
}

/// Which store each campaign's spend belongs to is the same on every computer of a workspace:
/// one computer decides, another pulls it, and offline that one still splits its reports the
/// same way from its mirror (but cannot decide: that needs the server).
#[tokio::test(flavor = "multi_thread")]
async fn campaign_assignments_reach_every_computer_and_work_offline() {
    use integrations_core::analytics::assignment::{
        AssignmentChoice, AssignmentState, CampaignAssignment, StoreShare,
    };
    use integrations_core::analytics::{ReportGrouping, ReportQuery};
    use integrations_providers::AdInsightRow;

    let pg = OwnPostgres::start().await;
    let key = master_key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = shared_client(&pg.url(), dir_a.path(), &key).await;
    assert_eq!(a.check_link().await, LinkMode::Online);
    let session = a
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    let hanoi = a
        .create_integration(&session, pancake("Cửa hàng Hà Nội", "101"))
        .await
        .unwrap();
    let saigon = a
        .create_integration(&session, pancake("Cửa hàng Sài Gòn", "202"))
        .await
        .unwrap();
    let meta = a
        .create_integration(
            &session,
            new_meta("Quảng cáo", "act_1234567890", "EAAB_token"),
        )
        .await
        .unwrap();
    // Two days of one ad of campaign c1: 100,001 and 50,000 đồng.
    let rows: Vec<AdInsightRow> = [("2026-11-01", 100_001), ("2026-11-02", 50_000)]
        .into_iter()
        .map(|(day, spend)| {
            AdInsightRow::from_value(
                serde_json::json!({
                    "date_start": day, "date_stop": day, "account_id": "1234567890",
                    "campaign_id": "c1", "campaign_name": "Khuyến mãi Tết",
                    "adset_id": "s1", "adset_name": "Hà Nội", "ad_id": "a1", "ad_name": "Video",
                    "spend": spend.to_string(), "impressions": "100", "clicks": "5", "reach": "90",
                }),
                "VND",
            )
            .unwrap()
        })
        .collect();
    let server = PostgresStore::connect(&pg.url()).await.unwrap();
    server
        .write_batch(
            session.tenant_id(),
            meta.id,
            integrations_core::store::SyncBatch::Insights {
                currency: "VND",
                rows: &rows,
            },
            None,
        )
        .await
        .unwrap();
    server.pool().close().await;

    let share = |store: Uuid, basis_points: u32| StoreShare {
        store,
        basis_points,
    };
    let decided = a
        .assign_campaign(
            &session,
            CampaignAssignment {
                campaign_id: "c1".into(),
                adset_id: None,
                choice: AssignmentChoice::Stores {
                    shares: vec![share(hanoi.id, 6000), share(saigon.id, 4000)],
                },
                expected_version: Some(0),
            },
        )
        .await
        .unwrap();
    let version = decided.assignment.version;
    let query = ReportQuery {
        from: "2026-11-01".parse().unwrap(),
        to: "2026-11-02".parse().unwrap(),
        store: Some(hanoi.id),
        by: ReportGrouping::Day,
        time_zone: None,
    };
    let online = a.report(&session, &query).await.unwrap();
    // 60 % of 100,001 is 60,000.6 → 60,000 and the largest share takes the remainder (1 đồng).
    assert_eq!(online.totals.spend_minor, 60_001 + 30_000);

    // Another computer of the workspace pulls the decision.
    let b = shared_client(&pg.url(), dir_b.path(), &key).await;
    assert_eq!(b.check_link().await, LinkMode::Online);
    let session_b = sign_in(&b).await;
    assert_eq!(b.check_link().await, LinkMode::Online);
    let (_, mirror_b) = open_mirror(dir_b.path(), &pg.url()).await;
    let mirrored = mirror_b
        .spend_assignments(session.tenant_id())
        .await
        .unwrap();
    assert_eq!(mirrored.len(), 1, "the decision is in B's mirror");
    assert_eq!(mirrored[0].version, version);

    pg.stop();
    assert_eq!(b.check_link().await, LinkMode::Offline);
    let campaigns = b.list_campaigns(&session_b).await.unwrap();
    assert_eq!(campaigns[0].assignment.state, AssignmentState::Stores);
    assert_eq!(campaigns[0].assignment.version, version);
    let offline = b.report(&session_b, &query).await.unwrap();
    assert!(matches!(
        offline.source,
        integrations_core::analytics::ReportSource::Mirror { .. }
    ));
    assert_eq!(offline.rows, online.rows, "offline, the same split");
    assert_eq!(offline.totals, online.totals);
    let err = b
        .assign_campaign(
            &session_b,
            CampaignAssignment {
                campaign_id: "c1".into(),
                adset_id: None,
                choice: AssignmentChoice::NoStore,
                expected_version: Some(version),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline);
    assert!(err.to_string().contains("Assigning a campaign"), "{err}");
    assert_eq!(
        mirror_b
            .spend_assignments(session.tenant_id())
            .await
            .unwrap()[0]
            .version,
        version,
        "nothing was queued or changed offline"
    );

    // Back online, A reassigns; B follows with its next pull.
    pg.start_again();
    assert_eq!(a.check_link().await, LinkMode::Online);
    a.assign_campaign(
        &session,
        CampaignAssignment {
            campaign_id: "c1".into(),
            adset_id: None,
            choice: AssignmentChoice::Stores {
                shares: vec![share(saigon.id, 10_000)],
            },
            expected_version: Some(version),
        },
    )
    .await
    .unwrap();
    assert_eq!(b.check_link().await, LinkMode::Online);
    let followed = b.list_campaigns(&session_b).await.unwrap();
    assert_eq!(followed[0].assignment.shares[0].store, saigon.id);
    assert!(followed[0].assignment.reassigned_at.is_some());
    let mirrored = mirror_b
        .spend_assignments(session.tenant_id())
        .await
        .unwrap();
    assert_eq!(mirrored[0].version, followed[0].assignment.version);
}

/// The Alerts list and the thresholds read offline as they are on the server: another computer
/// of the workspace pulls the alerts (an open one dismissed there, one already cleared) and the
/// thresholds, then reads them with the server gone; a later clearing and threshold change reach
/// it with the next pull.
#[tokio::test(flavor = "multi_thread")]
async fn alerts_and_thresholds_reach_every_computer_and_read_offline() {
    use integrations_core::alerts::{AlertRule, AlertSettings};
    use integrations_core::store::AlertRecord;

    let pg = OwnPostgres::start().await;
    let key = master_key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = shared_client(&pg.url(), dir_a.path(), &key).await;
    assert_eq!(a.check_link().await, LinkMode::Online);
    let session = a
        .sign_up("Shop thời trang", EMAIL, &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    let tenant = session.tenant_id();
    let hanoi = a
        .create_integration(&session, pancake("Cửa hàng Hà Nội", "101"))
        .await
        .unwrap();
    let thresholds = AlertSettings {
        sync_failing_hours: 12,
        roas_floor_percent: 150,
        ..AlertSettings::default()
    };
    a.set_alert_settings(&session, thresholds).await.unwrap();

    // Two episodes as the server's evaluation writes them: a store gone quiet (open, then
    // dismissed on A) and a sync that failed (cleared).
    let server = PostgresStore::connect(&pg.url()).await.unwrap();
    let episode = |rule: &str, details: serde_json::Value| AlertRecord {
        id: Uuid::new_v4(),
        tenant_id: tenant,
        rule: rule.into(),
        subject: hanoi.id.to_string(),
        integration_id: Some(hanoi.id),
        fired_at: "2026-11-20T05:00:00Z".parse().unwrap(),
        cleared_at: None,
        dismissed_at: None,
        details: serde_json::json!({
            "details": details,
            "report": null,
            "integrationName": "Cửa hàng Hà Nội",
        })
        .to_string(),
    };
    let quiet = episode(
        "STORE_QUIET",
        serde_json::json!({"rule": "STORE_QUIET", "lastOrderAt": "2026-11-20T02:00:00Z",
                           "quietMinutes": 180, "usualOrders": [3, 2, 4, 2]}),
    );
    let failing = episode(
        "SYNC_FAILING",
        serde_json::json!({"rule": "SYNC_FAILING", "failingSince": "2026-11-19T20:00:00Z",
                           "failedRuns": 7, "lastError": null, "thresholdHours": 6}),
    );
    for record in [&quiet, &failing] {
        assert!(server.fire_alert(record).await.unwrap());
    }
    let cleared_at = "2026-11-20T06:00:00Z".parse().unwrap();
    assert!(server
        .clear_alert(tenant, failing.id, cleared_at)
        .await
        .unwrap());
    let dismissed = a.dismiss_alert(&session, quiet.id).await.unwrap();

    // B signs in and pulls; then the server goes away.
    let b = shared_client(&pg.url(), dir_b.path(), &key).await;
    assert_eq!(b.check_link().await, LinkMode::Online);
    let session_b = sign_in(&b).await;
    assert_eq!(b.check_link().await, LinkMode::Online);
    let online = b.alerts(&session_b).await.unwrap();
    pg.stop();
    assert_eq!(b.check_link().await, LinkMode::Offline);

    let offline = b.alerts(&session_b).await.unwrap();
    assert!(offline.computed_offline);
    let stored: Vec<_> = offline
        .alerts
        .iter()
        .filter(|alert| !alert.computed_offline)
        .cloned()
        .collect();
    assert_eq!(stored, online.alerts, "the same list, read from the mirror");
    assert_eq!(stored.len(), 2);
    let quiet_b = stored.iter().find(|alert| alert.id == quiet.id).unwrap();
    assert_eq!(quiet_b.rule, AlertRule::StoreQuiet);
    assert_eq!(quiet_b.dismissed_at, dismissed.dismissed_at);
    assert_eq!(quiet_b.integration_name.as_deref(), Some("Cửa hàng Hà Nội"));
    let failing_b = stored.iter().find(|alert| alert.id == failing.id).unwrap();
    assert_eq!(failing_b.cleared_at, Some(cleared_at));
    assert_eq!(offline.unread, 0, "the open one was dismissed on A");
    assert_eq!(b.alert_settings(&session_b).await.unwrap(), thresholds);

    // Back online: A's later changes reach B with its next pull.
    pg.start_again();
    assert_eq!(a.check_link().await, LinkMode::Online);
    let server = PostgresStore::connect(&pg.url()).await.unwrap();
    assert!(server
        .clear_alert(tenant, quiet.id, cleared_at)
        .await
        .unwrap());
    let third = episode(
        "TOKEN_EXPIRING",
        serde_json::json!({"rule": "TOKEN_EXPIRING", "expiresAt": "2026-11-23T05:00:00Z",
                           "daysLeft": 3}),
    );
    assert!(server.fire_alert(&third).await.unwrap());
    server.pool().close().await;
    let lowered = AlertSettings {
        sync_failing_hours: 3,
        ..thresholds
    };
    a.set_alert_settings(&session, lowered).await.unwrap();
    assert_eq!(b.check_link().await, LinkMode::Online);
    pg.stop();
    assert_eq!(b.check_link().await, LinkMode::Offline);
    let later = b.alerts(&session_b).await.unwrap();
    let quiet_b = later
        .alerts
        .iter()
        .find(|alert| alert.id == quiet.id)
        .unwrap();
    assert_eq!(quiet_b.cleared_at, Some(cleared_at));
    assert_eq!(b.alert_settings(&session_b).await.unwrap(), lowered);
    assert_eq!(later.unread, 1, "the token alert, open and not dismissed");

    // Offline, B dismisses it and changes a threshold: both show at once, and survive a
    // restart of the app (a new client on the same mirror).
    let dismissed_b = b.dismiss_alert(&session_b, third.id).await.unwrap();
    let dismissed_at = dismissed_b.dismissed_at.expect("dismissed at once");
    let mine = AlertSettings {
        token_expiry_days: 14,
        ..lowered
    };
    b.set_alert_settings(&session_b, mine).await.unwrap();
    drop(b);
    let b = shared_client(&pg.url(), dir_b.path(), &key).await;
    assert_eq!(b.check_link().await, LinkMode::Offline);
    let session_b = sign_in(&b).await;
    let queued = b.alerts(&session_b).await.unwrap();
    let third_b = queued
        .alerts
        .iter()
        .find(|alert| alert.id == third.id)
        .unwrap();
    assert_eq!(third_b.dismissed_at, Some(dismissed_at));
    assert_eq!(queued.unread, 0);
    assert_eq!(b.alert_settings(&session_b).await.unwrap(), mine);
    // An alert computed offline is stored nowhere: it waits for the server.
    let err = b
        .dismiss_alert(&session_b, Uuid::new_v4())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");

    // The server returns: the queue is applied before B says online, and A reads it.
    pg.start_again();
    assert_eq!(b.check_link().await, LinkMode::Online);
    assert_eq!(a.check_link().await, LinkMode::Online);
    let on_a = a.alerts(&session).await.unwrap();
    let third_a = on_a
        .alerts
        .iter()
        .find(|alert| alert.id == third.id)
        .unwrap();
    assert_eq!(third_a.dismissed_at, Some(dismissed_at));
    assert_eq!(a.alert_settings(&session).await.unwrap(), mine);
    assert_eq!(b.alert_settings(&session_b).await.unwrap(), mine);
    // Applied once: the outbox is empty afterwards.
    let (_, mirror_b) = open_mirror(dir_b.path(), &pg.url()).await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_outbox")
        .fetch_one(mirror_b.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
}
