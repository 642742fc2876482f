//! The synced rows as the store writes them, through `write_batch`, on both stores: a late,
//! older version never undoes a newer one, a key twice in one batch is stored once as its newest
//! version, and a batch that fails leaves neither rows nor checkpoint behind. On PostgreSQL, text
//! with tabs, newlines, backslashes and `\N` (what COPY's text format reads specially: a
//! staging table filled with COPY was tried, see the README), NULLs, the largest amounts and
//! instants given in another time zone are checked field by field.

mod common;

use chrono::{DateTime, FixedOffset, Utc};
use common::{tenant_tx, unused_credentials, Backend, TestEnv};
use integrations_core::store::{StoreError, SyncBatch, SyncStore};
use integrations_core::{IntegrationConfig, Session};
use integrations_providers::{AdInsightRow, PancakeOrder};
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

const SHOP: i64 = 4242;

async fn shop(backend: Backend) -> (TestEnv, Session, Uuid) {
    let env = TestEnv::new(backend).await;
    let session = env.sign_up_owner().await;
    let config = IntegrationConfig::PancakePos {
        shop_id: SHOP.to_string(),
    };
    let id = env
        .create_integration(
            &session,
            "Cửa hàng Hà Nội",
            unused_credentials(&config),
            config,
        )
        .await;
    (env, session, id)
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::<FixedOffset>::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn order(id: i64, status: i64, updated: Option<&str>) -> PancakeOrder {
    let mut order = PancakeOrder::from_value(json!({
        "id": id, "status": status, "total_price": 100_000 * id, "order_currency": "VND",
        "items": [{"quantity": 1, "variation_info": {"name": "Áo dài", "retail_price": 100_000}}]
    }))
    .unwrap();
    order.updated_at = updated.map(at);
    order.inserted_at = Some(at("2026-11-01T09:00:00+07:00"));
    order
}

async fn write_orders(
    env: &TestEnv,
    session: &Session,
    id: Uuid,
    orders: &[PancakeOrder],
    checkpoint: Option<&str>,
) -> Result<usize, StoreError> {
    env.store()
        .write_batch(
            session.tenant_id(),
            id,
            SyncBatch::Orders {
                shop_id: SHOP,
                orders,
            },
            checkpoint.map(|cursor| ("orders", cursor)),
        )
        .await
}

/// Each stored order's status, by id.
async fn statuses(env: &TestEnv, session: &Session, id: Uuid) -> Vec<(String, String)> {
    env.synced_rows(session.tenant_id(), id, "pancake_orders", "order_id")
        .await
        .into_iter()
        .map(|(order, row)| (order, row.split('|').nth(2).unwrap().to_owned()))
        .collect()
}

async fn a_late_batch_with_an_older_version_leaves_the_newer_order_stored(backend: Backend) {
    let (env, session, id) = shop(backend).await;
    let newer = [order(1, 3, Some("2026-11-02T10:00:00+07:00"))];
    write_orders(&env, &session, id, &newer, None)
        .await
        .unwrap();
    let late = [
        order(1, 1, Some("2026-11-02T09:59:59+07:00")),
        order(2, 1, Some("2026-11-02T08:00:00+07:00")),
    ];
    let written = write_orders(&env, &session, id, &late, None).await.unwrap();

    assert_eq!(
        written, 1,
        "only order 2 is written; order 1's stored version is newer"
    );
    assert_eq!(
        statuses(&env, &session, id).await,
        [("1".into(), "3".into()), ("2".into(), "1".into())]
    );
    // The same time given in another zone is the same instant: an equal version still applies.
    let same_instant = [order(1, 6, Some("2026-11-02T03:00:00Z"))];
    write_orders(&env, &session, id, &same_instant, None)
        .await
        .unwrap();
    assert_eq!(statuses(&env, &session, id).await[0].1, "6");
}

async fn an_order_twice_in_one_batch_is_stored_once_as_its_newest_version(backend: Backend) {
    let (env, session, id) = shop(backend).await;
    let batch = [
        order(7, 1, Some("2026-11-02T08:00:00+07:00")),
        order(7, 2, Some("2026-11-02T10:00:00+07:00")),
        order(8, 1, None),
        order(7, 3, Some("2026-11-02T09:00:00+07:00")),
        // The same version twice: the later in the batch wins, as it was read later.
        order(7, 4, Some("2026-11-02T10:00:00+07:00")),
        order(8, 2, Some("2026-11-01T00:00:00+07:00")),
        // A version without a date cannot be ordered: read later, it wins, within a batch as
        // across batches, on both stores.
        order(9, 1, Some("2026-11-02T10:00:00+07:00")),
        order(9, 5, None),
    ];
    write_orders(&env, &session, id, &batch, None)
        .await
        .unwrap();

    assert_eq!(
        statuses(&env, &session, id).await,
        [
            ("7".into(), "4".into()),
            ("8".into(), "2".into()),
            ("9".into(), "5".into())
        ]
    );

    // Insights: one row per ad and day, the last one of the batch.
    let config = IntegrationConfig::MetaAds {
        ad_account_id: "act_1234567890".into(),
    };
    let meta = env
        .create_integration(&session, "Quảng cáo", unused_credentials(&config), config)
        .await;
    let rows = [
        insight("a1", "2026-11-01", 10_000),
        insight("a1", "2026-11-02", 20_000),
        insight("a1", "2026-11-01", 30_000),
    ];
    env.store()
        .write_batch(
            session.tenant_id(),
            meta,
            SyncBatch::Insights {
                currency: "VND",
                rows: &rows,
            },
            None,
        )
        .await
        .unwrap();
    let stored = env
        .synced_rows(session.tenant_id(), meta, "meta_ad_insights", "day")
        .await;
    let spend: Vec<(String, bool)> = stored
        .iter()
        .map(|(day, row)| (day.clone(), row.contains("|30000|")))
        .collect();
    assert_eq!(
        spend,
        [("2026-11-01".into(), true), ("2026-11-02".into(), false)]
    );
}

fn insight(ad: &str, day: &str, spend: i64) -> AdInsightRow {
    AdInsightRow::from_value(
        json!({
            "date_start": day, "date_stop": day, "ad_id": ad, "ad_name": "Quảng cáo\tTết",
            "campaign_id": "c1", "campaign_name": "Khuyến mãi \\ mới", "adset_id": "s1",
            "spend": spend.to_string(), "impressions": "1000", "clicks": "10", "reach": "900"
        }),
        "VND",
    )
    .unwrap()
}

async fn a_failed_batch_leaves_neither_rows_nor_checkpoint(
    env: &TestEnv,
    session: &Session,
    id: Uuid,
    bad: &[PancakeOrder],
    checkpoint: &str,
) {
    let tenant = session.tenant_id();
    let before = env.store().cursor(tenant, id, "orders").await.unwrap();
    let failed = write_orders(env, session, id, bad, Some(checkpoint)).await;
    assert!(failed.is_err(), "the batch must be refused: {failed:?}");
    assert_eq!(
        env.store().cursor(tenant, id, "orders").await.unwrap(),
        before
    );
    assert!(
        env.synced_rows(tenant, id, "pancake_orders", "order_id")
            .await
            .is_empty(),
        "nothing of the failed batch is stored"
    );
}

/// PostgreSQL refuses a NUL character in text; SQLite stores it. So the failure mid-way (in
/// the rows, then after the upsert, at the checkpoint) is PostgreSQL's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_fails_mid_way_on_postgres_leaves_nothing_half_written() {
    let (env, session, id) = shop(Backend::Postgres).await;
    let mut bad_text = order(3, 1, Some("2026-11-02T10:00:00+07:00"));
    bad_text.utm_campaign = Some("Tết\0".into());
    let good = [order(1, 1, None), order(2, 1, None)];
    let with_bad_text = [good[0].clone(), good[1].clone(), bad_text];
    let cursor = r#"{"watermark":"2026-11-02T03:00:00Z"}"#;
    a_failed_batch_leaves_neither_rows_nor_checkpoint(&env, &session, id, &with_bad_text, cursor)
        .await;
    // Rows upserted, then a checkpoint that is not JSON: the whole transaction goes.
    a_failed_batch_leaves_neither_rows_nor_checkpoint(&env, &session, id, &good, "{not json").await;

    // Every connection of the pool writes a batch of its own next: none carries a failed
    // batch's rows into it.
    let batches: Vec<Vec<PancakeOrder>> = (0..12).map(|n| vec![order(100 + n, 1, None)]).collect();
    let writes = batches
        .iter()
        .map(|batch| write_orders(&env, &session, id, batch, Some(cursor)));
    for written in futures::future::join_all(writes).await {
        assert_eq!(written.unwrap(), 1);
    }
    let stored = statuses(&env, &session, id).await;
    let ids: Vec<&str> = stored.iter().map(|(order, _)| order.as_str()).collect();
    let expected: Vec<String> = (100..112).map(|n: i64| n.to_string()).collect();
    assert_eq!(ids, expected);
    assert_eq!(
        env.store()
            .cursor(session.tenant_id(), id, "orders")
            .await
            .unwrap()
            .as_deref()
            .map(|c| serde_json::from_str::<serde_json::Value>(c).unwrap()),
        Some(serde_json::from_str(cursor).unwrap())
    );
}

/// Text with what COPY's text format reads specially, Vietnamese, NULLs, the largest
/// amounts, and instants given at +07:00, back from PostgreSQL field by field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_text_nulls_large_amounts_and_time_zones_come_back_from_postgres_unchanged() {
    let (env, session, id) = shop(Backend::Postgres).await;
    let awkward = "Khuyến mãi\tTết\nmới \\N \\\\ 50%\r\\.";
    let mut full = PancakeOrder::from_value(json!({
        "id": 9_007_199_254_740_993_i64, "status": 3,
        "items": [{"quantity": 2, "variation_info": {"name": awkward, "retail_price": i64::MAX}}]
    }))
    .unwrap();
    full.total_price = i64::MAX;
    full.total_discount = i64::MIN;
    full.cod = -1;
    full.utm_campaign = Some(awkward.into());
    full.utm_source = Some("\\".into());
    full.page_id = Some(String::new());
    full.received_at_shop = Some(false);
    full.inserted_at = Some(at("2026-01-01T00:30:00.123456+07:00"));
    full.updated_at = Some(at("2026-12-31T23:59:59.999999+07:00"));
    let empty = order(2, 0, None);
    let mut empty = PancakeOrder {
        inserted_at: None,
        order_currency: None,
        items: Vec::new(),
        ..empty
    };
    empty.received_at_shop = None;
    write_orders(&env, &session, id, &[full.clone(), empty], None)
        .await
        .unwrap();

    let pool = env.pg.as_ref().unwrap().pool();
    let mut tx = tenant_tx(pool, session.tenant_id()).await;
    // A session in another zone reads the same instants.
    sqlx::query("SET LOCAL TimeZone = 'America/New_York'")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT order_id, total_price, total_discount, cod, utm_campaign, utm_source, page_id, \
         received_at_shop, inserted_at, updated_at, currency, items->0->>'name' AS item_name, \
         (items->0->>'price')::bigint AS item_price, jsonb_array_length(items) AS lines \
         FROM pancake_orders ORDER BY order_id DESC",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.rollback().await.unwrap();

    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    assert_eq!(row.get::<i64, _>("order_id"), 9_007_199_254_740_993);
    assert_eq!(row.get::<i64, _>("total_price"), i64::MAX);
    assert_eq!(row.get::<i64, _>("total_discount"), i64::MIN);
    assert_eq!(row.get::<i64, _>("cod"), -1);
    assert_eq!(
        row.get::<Option<String>, _>("utm_campaign").as_deref(),
        Some(awkward)
    );
    assert_eq!(
        row.get::<Option<String>, _>("utm_source").as_deref(),
        Some("\\")
    );
    assert_eq!(row.get::<Option<String>, _>("page_id").as_deref(), Some(""));
    assert_eq!(row.get::<Option<bool>, _>("received_at_shop"), Some(false));
    assert_eq!(
        row.get::<Option<DateTime<Utc>>, _>("inserted_at"),
        full.inserted_at
    );
    assert_eq!(
        row.get::<Option<DateTime<Utc>>, _>("updated_at"),
        full.updated_at
    );
    assert_eq!(
        row.get::<Option<String>, _>("item_name").as_deref(),
        Some(awkward)
    );
    assert_eq!(row.get::<Option<i64>, _>("item_price"), Some(i64::MAX));

    let row = &rows[1];
    assert_eq!(row.get::<i64, _>("order_id"), 2);
    assert_eq!(row.get::<Option<String>, _>("utm_campaign"), None);
    assert_eq!(row.get::<Option<String>, _>("currency"), None);
    assert_eq!(row.get::<Option<bool>, _>("received_at_shop"), None);
    assert_eq!(row.get::<Option<DateTime<Utc>>, _>("inserted_at"), None);
    assert_eq!(row.get::<Option<DateTime<Utc>>, _>("updated_at"), None);
    assert_eq!(row.get::<i32, _>("lines"), 0);
}

/// A workspace's own role (as a client in shared mode connects) writes its batch, and the
/// upsert goes through row-level security: rows for another workspace are refused, whatever
/// tenant the call names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_role_writes_its_own_rows_and_cannot_write_another_workspaces() {
    let server = common::SharedServer::new().await;
    let mut config = integrations_core::CoreConfig::standalone(
        tempfile::tempdir().unwrap().path().to_path_buf(),
    );
    config.database = integrations_core::DatabaseTarget::Postgres {
        url: secrecy::SecretString::from(server.url.clone()),
    };
    config.master_key = Some(secrecy::SecretString::from(
        server.master.to_base64().to_string(),
    ));
    let core = config
        .open(std::sync::Arc::new(common::NoProviderCalls))
        .await
        .unwrap();
    assert_eq!(core.check_link().await, integrations_core::LinkMode::Online);
    let mut sides = Vec::new();
    for (name, email) in [("Cửa hàng A", "a@shop.vn"), ("Cửa hàng B", "b@shop.vn")] {
        let access = server.workspace(name, email).await;
        let session = core
            .sign_in(email, &secrecy::SecretString::from("mật khẩu 123"))
            .await
            .unwrap()
            .session;
        let config = IntegrationConfig::PancakePos {
            shop_id: SHOP.to_string(),
        };
        let id = core
            .create_integration(
                &session,
                integrations_core::NewIntegration {
                    name: name.into(),
                    description: None,
                    credentials: unused_credentials(&config),
                    config,
                },
            )
            .await
            .unwrap()
            .id;
        sides.push((access, session, id));
    }
    let (a, b) = (&sides[0], &sides[1]);
    let code = integrations_core::workspace::ConnectionCode::parse(&a.0.code).unwrap();
    let role_store =
        integrations_core::store::PostgresStore::connect_with(code.connect_options().unwrap())
            .await
            .unwrap();
    let orders = [order(1, 1, None), order(2, 3, None)];
    let batch = || SyncBatch::Orders {
        shop_id: SHOP,
        orders: &orders,
    };
    let written = role_store
        .write_batch(a.1.tenant_id(), a.2, batch(), Some(("orders", "{}")))
        .await
        .unwrap();
    assert_eq!(written, 2);
    let refused = role_store
        .write_batch(b.1.tenant_id(), b.2, batch(), Some(("orders", "{}")))
        .await;
    assert!(refused.is_err(), "B's rows from A's role: {refused:?}");
    let b_rows: i64 = {
        // The owner's view across workspaces (row-level security is forced on the owner too).
        let mut owner = common::databases::owner_connection(&server.url).await;
        let a_rows: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pancake_orders WHERE tenant_id = $1")
                .bind(a.1.tenant_id())
                .fetch_one(&mut owner)
                .await
                .unwrap();
        assert_eq!(
            a_rows, 2,
            "the owner's view sees A's rows, so it would see B's"
        );
        sqlx::query_scalar("SELECT count(*) FROM pancake_orders WHERE tenant_id = $1")
            .bind(b.1.tenant_id())
            .fetch_one(&mut owner)
            .await
            .unwrap()
    };
    assert_eq!(b_rows, 0);
    role_store.pool().close().await;
    drop(core);
    server.cleanup().await;
}

on_both_stores!(
    a_late_batch_with_an_older_version_leaves_the_newer_order_stored,
    an_order_twice_in_one_batch_is_stored_once_as_its_newest_version,
);
