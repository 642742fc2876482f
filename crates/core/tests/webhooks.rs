//! Pancake webhooks against a real shared server: workspaces make their endpoints with their own
//! role and key; the server (its role, the master key) authenticates deliveries, stores orders
//! and stock lines by their keys, never going back to an older version, refuses bad input
//! changing nothing, logs every delivery without secrets or personal data, and never lets one
//! workspace's delivery touch another's rows. The HTTP side is `crates/cli/tests/serve.rs`.

mod common;

use common::{all_tenants_tx, new_pancake, open_joined, providers_for, tenant_tx, SharedServer};
use integrations_core::store::webhooks::DeliveryRecord;
use integrations_core::webhook::{DeliveryOutcome, SECRET_HEADER};
use integrations_core::{Core, CoreConfig, Session, WebhookRejection, WebhookSetup};
use integrations_fake_servers::{start_meta, start_pancake, FakeConfig, FakeMeta, FakePancake};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

const PASSWORD: &str = "mật khẩu 123";
const SHOP: &str = "6036602";
const CUSTOMER: &str = "Nguyễn Thị Hồng Nhung";
const PHONE: &str = "0912345678";

struct Fixture {
    server: SharedServer,
    host: Core,
    a: Client,
    b: Client,
    _fakes: (FakePancake, FakeMeta),
    _dirs: Vec<tempfile::TempDir>,
}

struct Client {
    core: Core,
    session: Session,
    shop: uuid::Uuid,
}

impl Client {
    /// The store's webhook as its workspace's own client reads it (secret, path, header, URL).
    async fn webhook_setup(&self) -> WebhookSetup {
        self.core
            .webhook_setup(&self.session, self.shop)
            .await
            .unwrap()
    }

    /// The newest `limit` lines of the store's delivery log, as its own client reads them.
    async fn webhook_log(&self, limit: i64) -> Vec<DeliveryRecord> {
        self.core
            .webhook_deliveries(&self.session, self.shop, limit)
            .await
            .unwrap()
    }
}

/// Two workspaces on one server, each with a Pancake store of the same shop id (one shop id per
/// workspace is the rule, not one per server), and the server's own core.
async fn fixture() -> Fixture {
    let server = SharedServer::new().await;
    let pancake = start_pancake(FakeConfig::default()).await.unwrap();
    let meta = start_meta(FakeConfig::default()).await.unwrap();
    let mut dirs = Vec::new();
    let mut clients = Vec::new();
    for (name, email) in [("Shop A", "a@shop.vn"), ("Shop B", "b@shop.vn")] {
        let access = server.workspace(name, email).await;
        let dir = tempfile::tempdir().unwrap();
        let config = CoreConfig::standalone(dir.path().to_path_buf());
        config.join(&access.code).await.unwrap();
        let core = open_joined(&config, providers_for(&pancake, &meta)).await;
        let session = core
            .sign_in(email, &SecretString::from(PASSWORD))
            .await
            .unwrap()
            .session;
        let shop = core
            .create_integration(
                &session,
                new_pancake(&format!("{name} Pancake"), SHOP, "one-shop:KEY-123"),
            )
            .await
            .unwrap()
            .id;
        dirs.push(dir);
        clients.push(Client {
            core,
            session,
            shop,
        });
    }
    let (host, dir) = server.worker(providers_for(&pancake, &meta)).await;
    dirs.push(dir);
    let b = clients.pop().unwrap();
    let a = clients.pop().unwrap();
    Fixture {
        server,
        host,
        a,
        b,
        _fakes: (pancake, meta),
        _dirs: dirs,
    }
}

fn order(id: i64, updated_at: &str, total: i64) -> Vec<u8> {
    json!({
        "id": id, "shop_id": SHOP.parse::<i64>().unwrap(), "status": 1,
        "inserted_at": "2026-03-01T08:00:00Z", "updated_at": updated_at,
        "total_price": total, "order_currency": "VND",
        "bill_full_name": CUSTOMER, "bill_phone_number": PHONE,
        "items": [{"variation_id": "v-1", "quantity": 1, "variation_info": {"retail_price": total}}]
    })
    .to_string()
    .into_bytes()
}

fn stock(variation: &str, warehouse: &str, remain: i64, at: &str) -> Vec<u8> {
    json!({"data": {"record": {
        "variation_id": variation, "warehouse_id": warehouse, "remain_quantity": remain,
        "actual_remain_quantity": remain, "change_quantity": -1, "inserted_at": at,
        "type": "order"}, "success": true}})
    .to_string()
    .into_bytes()
}

impl Fixture {
    /// A delivery as the server takes it: authenticated with `secret`, then its body.
    async fn deliver(
        &self,
        integration: uuid::Uuid,
        secret: &str,
        body: &[u8],
    ) -> Result<DeliveryOutcome, &'static str> {
        match self
            .host
            .authenticate_webhook(integration, Some(secret.as_bytes()))
            .await
            .unwrap()
        {
            Ok(pending) => Ok(self
                .host
                .take_webhook_delivery(pending, body)
                .await
                .unwrap()),
            Err(WebhookRejection::Unknown) => Err("unknown"),
            Err(WebhookRejection::Unauthorized(_)) => Err("unauthorized"),
        }
    }

    /// A delivery to `client`'s own store, authenticated with the secret its setup gave.
    async fn deliver_to(
        &self,
        client: &Client,
        secret: &SecretString,
        body: &[u8],
    ) -> Result<DeliveryOutcome, &'static str> {
        self.deliver(client.shop, secret.expose_secret(), body)
            .await
    }

    /// Rows of a table in one workspace, as the schema owner sees them (every column as text).
    async fn rows(&self, table: &str, tenant: &Client) -> Vec<String> {
        let owner = sqlx::PgPool::connect(&self.server.url).await.unwrap();
        let mut tx = all_tenants_tx(&owner).await;
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT row_to_json(t)::text FROM {table} t WHERE tenant_id = $1 ORDER BY 1"
        ))
        .bind(tenant.session.tenant_id())
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        owner.close().await;
        rows
    }

    async fn cleanup(self) {
        drop(self.host);
        drop(self.a);
        drop(self.b);
        self.server.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_gets_one_secret_per_store_sealed_and_the_url_once_the_operator_set_it() {
    let f = fixture().await;
    let first = f.a.webhook_setup().await;
    let again = f.a.webhook_setup().await;
    assert_eq!(first.secret.expose_secret(), again.secret.expose_secret());
    assert!(first.secret.expose_secret().len() >= 43, "32 random bytes");
    assert_eq!(first.path, format!("/webhooks/pancake/{}", f.a.shop));
    assert_eq!(first.header, SECRET_HEADER);
    assert_eq!(first.url, None, "no public URL yet");
    let b = f.b.webhook_setup().await;
    assert_ne!(b.secret.expose_secret(), first.secret.expose_secret());

    // The server records its public URL (INTEGRATIONS_PUBLIC_URL); clients read it.
    let refused = f
        .host
        .set_webhook_base_url(Some("ftp://hooks.shop.vn"))
        .await;
    assert!(refused.is_err());
    f.host
        .set_webhook_base_url(Some("https://hooks.shop.vn/"))
        .await
        .unwrap();
    let setup = f.a.webhook_setup().await;
    assert_eq!(
        setup.url.as_deref(),
        Some(format!("https://hooks.shop.vn/webhooks/pancake/{}", f.a.shop).as_str())
    );
    // A workspace's role may read the URL but not change it.
    assert!(f
        .a
        .core
        .set_webhook_base_url(Some("https://evil.example"))
        .await
        .is_err());

    // Stored sealed and hashed, never in plaintext.
    let stored = f.rows("webhook_endpoints", &f.a).await.join("\n");
    assert!(!stored.contains(first.secret.expose_secret()), "{stored}");
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_and_stock_are_upserted_by_key_and_late_or_repeated_deliveries_change_nothing() {
    let f = fixture().await;
    let secret = f.a.webhook_setup().await.secret;
    let secret = secret.expose_secret();
    let deliver = |body: Vec<u8>| {
        let f = &f;
        async move { f.deliver(f.a.shop, secret, &body).await }
    };

    assert_eq!(
        deliver(order(501, "2026-03-01T10:00:00Z", 100_000)).await,
        Ok(DeliveryOutcome::Stored)
    );
    // The same delivery again, and again: still one row.
    for _ in 0..2 {
        assert!(deliver(order(501, "2026-03-01T10:00:00Z", 100_000))
            .await
            .unwrap()
            .accepted());
    }
    assert_eq!(
        deliver(order(501, "2026-03-01T12:00:00Z", 120_000)).await,
        Ok(DeliveryOutcome::Stored)
    );
    // A delivery that arrives late, older than the stored version, is taken and changes nothing.
    assert_eq!(
        deliver(order(501, "2026-03-01T11:00:00Z", 999_999)).await,
        Ok(DeliveryOutcome::Unchanged)
    );
    let orders = f.rows("pancake_orders", &f.a).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert!(orders[0].contains("\"total_price\":120000"), "{orders:?}");

    for (warehouse, remain, at, outcome) in [
        ("w-1", 12, "2026-03-01T10:00:00", DeliveryOutcome::Stored),
        ("w-2", 5, "2026-03-01T10:00:00", DeliveryOutcome::Stored),
        ("w-1", 11, "2026-03-01T10:05:00", DeliveryOutcome::Stored),
        ("w-1", 40, "2026-03-01T09:00:00", DeliveryOutcome::Unchanged),
    ] {
        assert_eq!(
            deliver(stock("v-1", warehouse, remain, at)).await,
            Ok(outcome)
        );
    }
    let lines = f.rows("pancake_stock", &f.a).await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("\"warehouse_id\":\"w-1\"") && l.contains("\"remain_quantity\":11")), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"warehouse_id\":\"w-2\"") && l.contains("\"remain_quantity\":5")),
        "{lines:?}"
    );

    // Kinds nothing stores are acknowledged.
    let customer =
        json!({"id": "c-9", "shop_id": 6036602, "name": CUSTOMER, "phone_numbers": [PHONE]});
    assert_eq!(
        deliver(customer.to_string().into_bytes()).await,
        Ok(DeliveryOutcome::Ignored)
    );
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_deliveries_are_refused_change_nothing_and_are_logged_without_secrets_or_names() {
    let f = fixture().await;
    let secret = f.a.webhook_setup().await.secret;
    let secret = secret.expose_secret().to_owned();
    let good = order(7, "2026-03-01T10:00:00Z", 50_000);

    // Wrong or missing secret; an unknown integration; one that receives no webhooks (B's,
    // with no endpoint yet) is unknown too.
    assert_eq!(
        f.deliver(f.a.shop, "not-the-secret", &good).await,
        Err("unauthorized")
    );
    let missing = f.host.authenticate_webhook(f.a.shop, None).await.unwrap();
    assert!(matches!(missing, Err(WebhookRejection::Unauthorized(_))));
    assert_eq!(
        f.deliver(uuid::Uuid::new_v4(), &secret, &good).await,
        Err("unknown")
    );
    assert_eq!(f.deliver(f.b.shop, &secret, &good).await, Err("unknown"));
    // A's secret does not open B's endpoint.
    f.b.webhook_setup().await;
    assert_eq!(
        f.deliver(f.b.shop, &secret, &good).await,
        Err("unauthorized")
    );

    for (body, outcome) in [
        (
            b"{\"id\": 7, \"shop_id\":".to_vec(),
            DeliveryOutcome::NotJson,
        ),
        (b"<xml/>".to_vec(), DeliveryOutcome::NotJson),
        (
            json!({"id": 8, "shop_id": 1234, "status": 1, "total_price": 1})
                .to_string()
                .into_bytes(),
            DeliveryOutcome::WrongShop,
        ),
        (
            json!({"hello": "world"}).to_string().into_bytes(),
            DeliveryOutcome::Invalid,
        ),
        (
            json!({"data": {"record": {"variation_id": "v-1", "remain_quantity": 3}}})
                .to_string()
                .into_bytes(),
            DeliveryOutcome::Invalid,
        ),
    ] {
        assert_eq!(f.deliver(f.a.shop, &secret, &body).await, Ok(outcome));
        assert_eq!(outcome.http_status() / 100, 4);
    }
    assert_eq!(f.rows("pancake_orders", &f.a).await, Vec::<String>::new());
    assert_eq!(f.rows("pancake_stock", &f.a).await, Vec::<String>::new());

    assert_eq!(
        f.deliver(f.a.shop, &secret, &good).await,
        Ok(DeliveryOutcome::Stored)
    );
    let log = f.a.webhook_log(50).await;
    let outcomes: Vec<&str> = log.iter().rev().map(|d| d.outcome.as_str()).collect();
    // The bad secret's line is written in the background by the HTTP layer, not here; the
    // core's refusals are logged as they happen.
    assert_eq!(
        outcomes,
        [
            "not_json",
            "not_json",
            "wrong_shop",
            "invalid",
            "invalid",
            "stored"
        ],
        "{log:?}"
    );
    assert_eq!(log[0].kind, "order");
    assert_eq!(log[0].reference.as_deref(), Some("7"));
    assert_eq!(log[0].size_bytes as usize, good.len());
    let stored = f.rows("webhook_deliveries", &f.a).await.join("\n");
    for private in [secret.as_str(), CUSTOMER, PHONE] {
        assert!(
            !stored.contains(private),
            "the log holds {private:?}: {stored}"
        );
    }
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_for_one_workspace_never_touches_another_and_reaches_its_clients_mirror() {
    let f = fixture().await;
    let a_secret = f.a.webhook_setup().await.secret;
    let b_secret = f.b.webhook_setup().await.secret;
    // Both stores have the same shop id: only the endpoint decides whose rows a delivery writes.
    assert_eq!(
        f.deliver_to(&f.a, &a_secret, &order(42, "2026-03-01T10:00:00Z", 70_000))
            .await,
        Ok(DeliveryOutcome::Stored)
    );
    assert_eq!(f.rows("pancake_orders", &f.a).await.len(), 1);
    assert_eq!(f.rows("pancake_orders", &f.b).await, Vec::<String>::new());
    assert_eq!(
        f.rows("webhook_deliveries", &f.b).await,
        Vec::<String>::new()
    );
    // B's client, with its own role, sees none of A's endpoint or log.
    let seen =
        f.b.core
            .webhook_deliveries(&f.b.session, f.a.shop, 10)
            .await;
    assert!(seen.is_err() || seen.unwrap().is_empty());
    assert_eq!(
        f.deliver_to(&f.b, &b_secret, &order(42, "2026-03-01T09:00:00Z", 1))
            .await,
        Ok(DeliveryOutcome::Stored),
        "B's own order 42 is another row"
    );
    let a_orders = f.rows("pancake_orders", &f.a).await;
    assert!(
        a_orders[0].contains("\"total_price\":70000"),
        "{a_orders:?}"
    );

    // A desktop client of A pulls the new order into its mirror.
    let shared = f.a.core.shared_store().unwrap();
    assert!(shared.pull(f.a.session.tenant_id()).await.unwrap() > 0);
    let mirrored: Vec<(i64, i64)> =
        sqlx::query_as("SELECT order_id, total_price FROM pancake_orders")
            .fetch_all(shared.mirror().pool())
            .await
            .unwrap();
    assert_eq!(mirrored, vec![(42, 70_000)]);
    f.cleanup().await;
}

fn product(updated_at: &str, price: i64, warehouses: Option<&[(&str, i64)]>) -> Vec<u8> {
    // Without lines, no total either (the stored ones stand).
    let mut variation = json!({
        "id": "v-7", "display_id": "AO-DAI-M", "retail_price": price,
        "is_hidden": false, "updated_at": updated_at,
    });
    if let Some(lines) = warehouses {
        variation["remain_quantity"] = lines.iter().map(|(_, q)| q).sum::<i64>().into();
        variation["variations_warehouses"] = lines
            .iter()
            .map(
                |(warehouse, remain)| json!({"warehouse_id": warehouse, "remain_quantity": remain}),
            )
            .collect();
    }
    json!({"data": {"record": {
        "id": "p-7", "name": "Áo dài lụa Hà Đông", "shop_id": SHOP.parse::<i64>().unwrap(),
        "variations": [variation]}, "success": true}})
    .to_string()
    .into_bytes()
}

/// The variation as stored: (name, price, total remain, updated_at) and its lines by warehouse.
async fn variation_row(f: &Fixture) -> (String, i64, i64, String, Vec<(String, i64)>) {
    let owner = sqlx::PgPool::connect(&f.server.url).await.unwrap();
    let mut tx = tenant_tx(&owner, f.a.session.tenant_id()).await;
    let (name, price, remain, updated): (String, i64, i64, String) = sqlx::query_as(
        "SELECT product_name, retail_price, remain_quantity, updated_at::text \
         FROM pancake_variations WHERE variation_id = 'v-7'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let lines = sqlx::query_as(
        "SELECT warehouse_id, remain_quantity FROM pancake_stock WHERE variation_id = 'v-7' \
         ORDER BY warehouse_id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    owner.close().await;
    (name, price, remain, updated, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_delivery_writes_its_variations_as_a_sync_would_and_a_late_one_changes_nothing() {
    let f = fixture().await;
    let secret = f.a.webhook_setup().await.secret;
    let deliver = |body: Vec<u8>| f.deliver_to(&f.a, &secret, body.leak());

    assert_eq!(
        deliver(product(
            "2026-03-01T10:00:00Z",
            350_000,
            Some(&[("w-1", 5), ("w-2", 3)])
        ))
        .await,
        Ok(DeliveryOutcome::Stored)
    );
    let (name, price, remain, _, lines) = variation_row(&f).await;
    assert_eq!(
        (name.as_str(), price, remain),
        ("Áo dài lụa Hà Đông", 350_000, 8)
    );
    assert_eq!(lines, [("w-1".to_owned(), 5), ("w-2".to_owned(), 3)]);

    // Older than what is stored: taken, and nothing moves.
    assert_eq!(
        deliver(product("2026-03-01T09:00:00Z", 1, Some(&[("w-1", 99)]))).await,
        Ok(DeliveryOutcome::Unchanged)
    );
    assert_eq!(variation_row(&f).await.1, 350_000);

    // A newer price without stock per warehouse keeps the stored lines.
    assert_eq!(
        deliver(product("2026-03-01T11:00:00Z", 320_000, None)).await,
        Ok(DeliveryOutcome::Stored)
    );
    let (_, price, remain, updated, lines) = variation_row(&f).await;
    assert_eq!((price, remain), (320_000, 8));
    assert!(updated.starts_with("2026-03-01 11:00:00"), "{updated}");
    assert_eq!(lines, [("w-1".to_owned(), 5), ("w-2".to_owned(), 3)]);

    // A stock change of one warehouse moves the variation's total with it. (Lines written
    // with a variation are stamped with the time of the write, as a sync's are: the changes
    // come after it.)
    let later = |minutes: i64| {
        (chrono::Utc::now() + chrono::Duration::minutes(minutes))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    assert_eq!(
        deliver(stock("v-7", "w-1", 2, &later(10))).await,
        Ok(DeliveryOutcome::Stored)
    );
    let (_, _, remain, _, lines) = variation_row(&f).await;
    assert_eq!(lines, [("w-1".to_owned(), 2), ("w-2".to_owned(), 3)]);
    assert_eq!(
        remain, 5,
        "the total over the warehouses, as Pancake gives it"
    );
    // A late stock change moves neither the line nor the total.
    assert_eq!(
        deliver(stock("v-7", "w-1", 40, &later(5))).await,
        Ok(DeliveryOutcome::Unchanged)
    );
    assert_eq!(variation_row(&f).await.2, 5);

    // A product that lists no variation is acknowledged; customers are too, and kept nowhere
    // (the app holds no customer records: names and phones stay in Pancake).
    let bare = json!({"data": {"record": {"id": "p-8", "name": "Khăn"}, "success": true}});
    assert_eq!(
        deliver(bare.to_string().into_bytes()).await,
        Ok(DeliveryOutcome::Ignored)
    );
    let log = f.a.webhook_log(10).await;
    assert_eq!(
        log.iter()
            .rev()
            .map(|d| (d.kind.as_str(), d.outcome.as_str(), d.reference.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("product", "stored", Some("p-7")),
            ("product", "unchanged", Some("p-7")),
            ("product", "stored", Some("p-7")),
            ("stock", "stored", Some("v-7")),
            ("stock", "unchanged", Some("v-7")),
            ("product", "ignored", Some("p-8")),
        ]
    );
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_fill_at_most_their_hourly_share_of_a_workspace_s_log() {
    let f = fixture().await;
    let secret = f.a.webhook_setup().await.secret;
    let limit = integrations_core::store::REFUSALS_LOGGED_PER_HOUR;
    let mut logged = 0;
    for _ in 0..limit + 20 {
        let Err(WebhookRejection::Unauthorized(pending)) = f
            .host
            .authenticate_webhook(f.a.shop, Some(b"guessing"))
            .await
            .unwrap()
        else {
            panic!("a wrong secret is refused");
        };
        if f.host
            .log_webhook_refusal(
                pending,
                integrations_core::webhook::DeliveryKind::Unknown,
                DeliveryOutcome::Unauthorized,
                0,
            )
            .await
            .unwrap()
        {
            logged += 1;
        }
    }
    assert_eq!(logged, limit);
    // Refusals after an authentication count against the same share.
    assert_eq!(
        f.deliver_to(&f.a, &secret, b"not json").await,
        Ok(DeliveryOutcome::NotJson)
    );
    // Deliveries taken are always logged.
    assert_eq!(
        f.deliver_to(&f.a, &secret, &order(9, "2026-03-01T10:00:00Z", 1))
            .await,
        Ok(DeliveryOutcome::Stored)
    );
    let lines = f.rows("webhook_deliveries", &f.a).await;
    let refused = lines
        .iter()
        .filter(|line| !line.contains("\"outcome\":\"stored\""))
        .count();
    assert_eq!(refused as i64, limit, "{} lines", lines.len());
    assert_eq!(lines.len() as i64, limit + 1);
    f.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_delivery_is_one_transaction_from_the_lookup_to_the_log_line() {
    let f = fixture().await;
    let secret = f.a.webhook_setup().await.secret;
    let pending = f
        .host
        .authenticate_webhook(f.a.shop, Some(secret.expose_secret().as_bytes()))
        .await
        .unwrap()
        .unwrap();
    // The lookup's transaction is still open while the body is awaited: the only session of
    // this database inside a transaction.
    let owner = sqlx::PgPool::connect(&f.server.url).await.unwrap();
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT xact_start::text FROM pg_stat_activity \
         WHERE datname = current_database() AND state = 'idle in transaction'",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        f.host
            .take_webhook_delivery(pending, &order(77, "2026-03-01T10:00:00Z", 5))
            .await
            .unwrap(),
        DeliveryOutcome::Stored
    );
    let mut tx = all_tenants_tx(&owner).await;
    // now() is the transaction's start: the log line was written in the lookup's transaction,
    // and with the order (the same xmin).
    let (received, log_xmin): (String, String) = sqlx::query_as(
        "SELECT received_at::text, xmin::text FROM webhook_deliveries WHERE reference = '77'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let order_xmin: String =
        sqlx::query_scalar("SELECT xmin::text FROM pancake_orders WHERE order_id = 77")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(received, open[0]);
    assert_eq!(log_xmin, order_xmin);
    assert_eq!(transactions_left_open(&owner).await, 0);

    // Refused before its body (an unknown integration), a delivery's transaction is rolled
    // back at once, not left open holding its locks until its connection's next use.
    assert!(matches!(
        f.host
            .authenticate_webhook(uuid::Uuid::new_v4(), Some(b"guess"))
            .await
            .unwrap(),
        Err(WebhookRejection::Unknown)
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while transactions_left_open(&owner).await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the unknown delivery's transaction stays open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    owner.close().await;
    f.cleanup().await;
}

/// How many sessions of the server's database sit in a transaction, waiting.
async fn transactions_left_open(owner: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND state = 'idle in transaction'",
    )
    .fetch_one(owner)
    .await
    .unwrap()
}
