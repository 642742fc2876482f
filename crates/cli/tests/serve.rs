//! `integrations serve` as an operator runs it: the real binary, with the server role's URL and
//! the master key, against a real PostgreSQL and the fake Pancake server; deliveries over HTTP
//! on loopback. A workspace's client (joined with its code, as in `cli.rs`) makes the endpoint
//! with `integrations webhook ID`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::own_postgres::free_port;
use common::{drop_shared_database, fresh_shared_database, Cli, MASTER, PASSWORD};
use integrations_fake_servers::{start_meta, start_pancake, FakeConfig, FakeMeta, FakePancake};
use serde_json::{json, Value};
use sqlx::Connection;

const PANCAKE_KEY: &str = "one-shop:SECRET-KEY-DO-NOT-LEAK-1234";
const SHOP: i64 = 6036602;

/// A running `integrations serve`, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    base: String,
    /// stderr lines, as they come (the server logs at info).
    log: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(cli: &Cli) -> Self {
        Self::start_on(cli, "127.0.0.1:0")
    }

    fn start_on(cli: &Cli, listen: &str) -> Self {
        let mut child = cli
            .command(&["serve", "--listen", listen, "--parallel", "2"])
            .env("INTEGRATIONS_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the first line names the address: {first:?}"))
            .to_owned();
        let (sender, log) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, base, log }
    }

    fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for a log line containing `text` (the server says what it does).
    fn wait_for_log(&self, text: &str) {
        loop {
            let line = self
                .log
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("the server never logged {text:?}"));
            if line.contains(text) {
                return;
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.terminate();
            let _ = self.child.wait();
        }
    }
}

struct Setup {
    database: String,
    client: Cli,
    server_cli: Cli,
    owner_url: String,
    integration: String,
    secret: String,
    pancake: FakePancake,
    _meta: FakeMeta,
}

/// A shared server (`admin init`), a workspace joined by a client who adds a Pancake store and
/// asks for its webhook, and the environment `serve` runs with.
async fn setup(fake: FakeConfig) -> Setup {
    let (owner_url, database) = fresh_shared_database().await;
    let pancake = start_pancake(fake.clone()).await.unwrap();
    let meta = start_meta(fake).await.unwrap();
    let fakes = vec![
        ("PANCAKE_POS_BASE_URL".to_owned(), pancake.base_url.clone()),
        ("META_GRAPH_BASE_URL".to_owned(), meta.base_url.clone()),
    ];
    let operator = Cli::operator(fakes.clone(), &owner_url);
    let server_url = operator.admin_init();
    let code = operator.create_workspace("Shop thời trang", "chu@shop.vn");

    let client = Cli::new(fakes.clone());
    client.ok(&["join"], Some(&code));
    client.ok(&["sign-in", "--email", "chu@shop.vn"], Some(PASSWORD));
    let store = client.ok_json(
        &[
            "--json",
            "create",
            "--provider",
            "PANCAKE_POS",
            "--shop-id",
            &SHOP.to_string(),
            "--name",
            "Shop thời trang",
        ],
        Some(PANCAKE_KEY),
    );
    let integration = store["id"].as_str().unwrap().to_owned();
    let webhook = client.ok_json(&["--json", "webhook", &integration], None);
    assert_eq!(
        webhook["path"],
        format!("/webhooks/pancake/{integration}"),
        "{webhook}"
    );
    assert_eq!(webhook["header"], "X-Integrations-Secret");
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    // The text form says the same, for someone typing it into Pancake's settings.
    let text = client.ok(&["webhook", &integration], None);
    assert!(
        text.contains(&format!("POST /webhooks/pancake/{integration}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("X-Integrations-Secret: {secret}")),
        "{text}"
    );

    let mut server_envs = fakes;
    server_envs.push(("DATABASE_URL".into(), server_url));
    server_envs.push(("INTEGRATIONS_MASTER_KEY".into(), MASTER.into()));
    server_envs.push((
        "INTEGRATIONS_PUBLIC_URL".into(),
        "https://hooks.shop.vn".into(),
    ));
    Setup {
        database,
        client,
        server_cli: Cli::new(server_envs),
        owner_url,
        integration,
        secret,
        pancake,
        _meta: meta,
    }
}

impl Setup {
    /// A query as the schema owner, across workspaces.
    async fn scalar(&self, sql: &str) -> i64 {
        let mut conn = self.owner_connection().await;
        let value: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        value
    }

    /// A connection as the schema owner that sees every workspace's rows.
    async fn owner_connection(&self) -> sqlx::PgConnection {
        common::owner_connection(&self.owner_url).await
    }

    /// Waits until `sql` counts a row; past `deadline`, fails saying what `never` happened.
    async fn wait_for_a_row(&self, sql: &str, deadline: Instant, never: &str) {
        while self.scalar(sql).await == 0 {
            assert!(Instant::now() < deadline, "{never}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn cleanup(self) {
        drop_shared_database(&self.database).await;
    }
}

fn order(id: i64, shop: i64, updated_at: &str) -> String {
    json!({"id": id, "shop_id": shop, "status": 1, "total_price": 250000,
           "inserted_at": "2026-03-01T08:00:00Z", "updated_at": updated_at,
           "bill_full_name": "Lê Văn Tám", "items": []})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_delivery_gets_its_status_and_nothing_more_and_good_ones_are_stored_once() {
    let setup = setup(FakeConfig::default()).await;
    let server = Server::start(&setup.server_cli);
    let http = reqwest::Client::new();
    let path = format!("{}/webhooks/pancake/{}", server.base, setup.integration);
    let post = |url: String, secret: Option<&str>, body: Vec<u8>| {
        let mut request = http.post(url).body(body);
        if let Some(secret) = secret {
            request = request.header("X-Integrations-Secret", secret);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    let good = order(1001, SHOP, "2026-03-01T10:00:00Z").into_bytes();
    let secret = Some(setup.secret.as_str());

    let refused = [
        (post(path.clone(), None, good.clone()).await, 401),
        (post(path.clone(), Some("wrong"), good.clone()).await, 401),
        (
            post(
                format!("{}/webhooks/pancake/{}", server.base, uuid::Uuid::new_v4()),
                secret,
                good.clone(),
            )
            .await,
            404,
        ),
        (
            post(
                format!("{}/webhooks/pancake/not-an-id", server.base),
                secret,
                good.clone(),
            )
            .await,
            404,
        ),
        (
            post(path.clone(), secret, vec![b' '; 1024 * 1024 + 1]).await,
            413,
        ),
        (
            post(path.clone(), secret, b"{\"id\": 1001,".to_vec()).await,
            400,
        ),
        (
            post(
                path.clone(),
                secret,
                order(1002, 999, "2026-03-01T10:00:00Z").into_bytes(),
            )
            .await,
            422,
        ),
    ];
    for ((status, body), expected) in &refused {
        assert_eq!(status, expected, "{body}");
        // One word of why, nothing about the integration, the secret or the data.
        let answer: Value = serde_json::from_str(body).unwrap();
        assert_eq!(answer.as_object().unwrap().len(), 1, "{body}");
        assert!(
            !body.contains(&setup.integration) && !body.contains(&setup.secret),
            "{body}"
        );
    }
    assert_eq!(
        setup.scalar("SELECT count(*) FROM pancake_orders").await,
        0,
        "no refusal wrote anything"
    );

    // A delivery, the same again, and an older version of it: one row, the newest.
    for _ in 0..3 {
        let (status, body) = post(path.clone(), secret, good.clone()).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = post(
        path.clone(),
        secret,
        order(1001, SHOP, "2026-03-01T09:00:00Z").into_bytes(),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (200, "{\"outcome\":\"unchanged\"}")
    );
    assert_eq!(setup.scalar("SELECT count(*) FROM pancake_orders").await, 1);

    // An unknown integration and a wrong secret take the same time: both look the id up and
    // compare a hash in constant time; only the status differs. Interleaved, so the machine's
    // load weighs on both alike; the bound is loose (a database write on one path only would
    // still show as a multiple).
    let unknown = format!("{}/webhooks/pancake/{}", server.base, uuid::Uuid::new_v4());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..60 {
        let started = Instant::now();
        assert_eq!(
            post(unknown.clone(), Some("x"), b"{}".to_vec()).await.0,
            404
        );
        a.push(started.elapsed());
        let started = Instant::now();
        assert_eq!(post(path.clone(), Some("x"), b"{}".to_vec()).await.0, 401);
        b.push(started.elapsed());
    }
    a.sort();
    b.sort();
    let (a, b) = (a[30].as_secs_f64(), b[30].as_secs_f64());
    println!(
        "median answer: unknown integration {:.2} ms, wrong secret {:.2} ms",
        a * 1e3,
        b * 1e3
    );
    assert!(
        a.max(b) / a.min(b) < 3.0,
        "unknown {a} s against wrong secret {b} s"
    );

    for (route, status) in [("/healthz", 200), ("/readyz", 200), ("/metrics", 200)] {
        let response = http
            .get(format!("{}{route}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{route}");
    }
    let metrics = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "integrations_webhook_deliveries_total{result=\"accepted\",outcome=\"stored\"} 3",
        "integrations_webhook_deliveries_total{result=\"accepted\",outcome=\"unchanged\"} 1",
        "integrations_webhook_deliveries_total{result=\"refused\",outcome=\"too_large\"} 1",
        "integrations_webhook_deliveries_total{result=\"refused\",outcome=\"not_json\"} 1",
        "integrations_webhook_deliveries_total{result=\"refused\",outcome=\"wrong_shop\"} 1",
        "integrations_webhook_deliveries_total{result=\"refused\",outcome=\"unauthorized\"} 62",
        "integrations_webhook_deliveries_total{result=\"refused\",outcome=\"unknown_integration\"} 62",
        "integrations_provider_throttled_total{provider=\"PANCAKE_POS\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
    drop(server);
    setup.cleanup().await;
}

/// SIGTERM while a delivery is half sent and a sync is running: the delivery is answered and
/// stored, the sync's lease is handed back (its run marked interrupted), and the process exits
/// cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_and_hands_back_the_sync_lease() {
    let setup = setup(FakeConfig {
        orders_per_shop: 400,
        days: 30,
        end_time: chrono::Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    })
    .await;
    // The sync stops after its first page of orders: it is running when the signal comes.
    setup.pancake.handle.hold_order_pages_after(1);
    setup.client.ok(&["enable", &setup.integration], None);
    let server = Server::start(&setup.server_cli);
    let deadline = Instant::now() + Duration::from_secs(60);
    setup
        .wait_for_a_row(
            "SELECT count(*) FROM sync_runs WHERE outcome = 'RUNNING' AND worker LIKE 'serve:%'",
            deadline,
            "the server never started the sync",
        )
        .await;

    // Half a delivery: headers and part of the body, then the signal, then the rest.
    let body = order(2002, SHOP, "2026-03-02T10:00:00Z");
    let address = server.base.strip_prefix("http://").unwrap().to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /webhooks/pancake/{} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         X-Integrations-Secret: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        setup.integration,
        setup.secret,
        body.len()
    )
    .unwrap();
    let (head, tail) = body.split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    // The signal must find the request in flight, not the connection still waiting to be
    // taken (a shutdown closes those): the delivery's transaction has read the endpoint and
    // holds its lock until the body is stored. Locks are visible to any role, unlike queries.
    setup
        .wait_for_a_row(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND c.relname = 'webhook_endpoints' AND l.granted",
            deadline,
            "the server never began the delivery",
        )
        .await;
    server.terminate();
    server.wait_for_log("finishing requests in flight");
    stream.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("{\"outcome\":\"stored\"}"), "{answer}");

    let mut server = server;
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    for (sql, expected, what) in [
        (
            "SELECT count(*) FROM pancake_orders WHERE order_id = 2002",
            1,
            "the delivery was stored",
        ),
        (
            "SELECT count(*) FROM sync_jobs WHERE claimed_by IS NOT NULL OR lease_until IS NOT NULL",
            0,
            "the lease was handed back",
        ),
        (
            "SELECT count(*) FROM sync_runs WHERE outcome = 'RUNNING'",
            0,
            "no run is left running",
        ),
        (
            "SELECT count(*) FROM sync_runs WHERE outcome = 'INTERRUPTED'",
            1,
            "the run was marked interrupted",
        ),
    ] {
        assert_eq!(setup.scalar(sql).await, expected, "{what}: {sql}");
    }
    setup.cleanup().await;
}

/// The whole path: the client turns real time on (the fake Pancake records the `PUT` with the
/// URL and the secret header); while the server's scheduled sync is part-way through the
/// orders, the fake posts every order to the running server; the sync then finishes. The
/// stored orders are the fake's, each once. Turning it off unregisters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_posted_by_pancake_while_a_scheduled_sync_runs_are_stored_once_each() {
    let mut setup = setup(FakeConfig {
        orders_per_shop: 250,
        days: 20,
        end_time: chrono::Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    })
    .await;
    // Free right now: the server's public URL must be known before it starts.
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    for env in &mut setup.server_cli.envs {
        if env.0 == "INTEGRATIONS_PUBLIC_URL" {
            env.1 = public.clone();
        }
    }
    // The sync will stop after its first page of orders until released.
    setup.pancake.handle.hold_order_pages_after(1);
    let server = Server::start_on(&setup.server_cli, &format!("127.0.0.1:{port}"));

    let before = setup
        .client
        .ok_json(&["--json", "realtime-orders", &setup.integration], None);
    assert_eq!(
        (before["available"].as_bool(), before["enabled"].as_bool()),
        (Some(true), Some(false)),
        "{before}"
    );
    let on = setup.client.ok_json(
        &["--json", "realtime-orders", &setup.integration, "--on"],
        None,
    );
    let url = format!("{public}/webhooks/pancake/{}", setup.integration);
    assert_eq!(on["enabled"], true, "{on}");
    assert_eq!(on["url"], url.as_str());
    let registered = setup
        .pancake
        .webhook(SHOP)
        .expect("the PUT reached Pancake");
    assert_eq!(registered["webhook_enable"], true);
    assert_eq!(registered["webhook_url"], url.as_str());
    assert_eq!(
        registered["webhook_headers"]["X-Integrations-Secret"],
        setup.secret.as_str()
    );
    assert!(setup
        .pancake
        .handle
        .requests()
        .iter()
        .any(|r| r.method == "PUT" && r.path.ends_with(&format!("/shops/{SHOP}"))));

    setup.client.ok(&["enable", &setup.integration], None);
    let deadline = Instant::now() + Duration::from_secs(120);
    setup
        .wait_for_a_row(
            "SELECT count(*) FROM sync_runs WHERE outcome = 'RUNNING'",
            deadline,
            "the server never started the sync",
        )
        .await;
    let orders = setup.pancake.orders_now(PANCAKE_KEY, SHOP).unwrap();
    let statuses = setup.pancake.deliver_orders(SHOP, &orders, 8).await;
    assert_eq!(statuses.len(), orders.len());
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    setup.pancake.handle.release_order_pages();
    setup
        .wait_for_a_row(
            "SELECT count(*) FROM sync_runs WHERE outcome <> 'RUNNING'",
            deadline,
            "the sync never finished",
        )
        .await;
    assert_eq!(
        setup
            .scalar("SELECT count(*) FROM sync_runs WHERE outcome = 'SUCCEEDED'")
            .await,
        1
    );
    assert_eq!(
        setup.scalar("SELECT count(*) FROM pancake_orders").await,
        orders.len() as i64,
        "nothing doubled, nothing missing"
    );
    let mut conn = setup.owner_connection().await;
    let stored: Vec<(i64, i64, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
        "SELECT order_id, total_price, updated_at FROM pancake_orders ORDER BY order_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let mut expected: Vec<(i64, i64, Option<chrono::DateTime<chrono::Utc>>)> = orders
        .iter()
        .map(|order| {
            let order = integrations_providers::PancakeOrder::from_value(order.clone()).unwrap();
            (order.id, order.total_price, order.updated_at)
        })
        .collect();
    expected.sort();
    assert_eq!(stored, expected);

    let status = setup
        .client
        .ok_json(&["--json", "realtime-orders", &setup.integration], None);
    assert!(status["lastDeliveryAt"].is_string(), "{status}");
    let off = setup.client.ok_json(
        &["--json", "realtime-orders", &setup.integration, "--off"],
        None,
    );
    assert_eq!(off["enabled"], false, "{off}");
    assert_eq!(
        setup.pancake.webhook(SHOP).unwrap()["webhook_enable"],
        false
    );
    // A late delivery after turning off finds no endpoint.
    let late = setup.pancake.deliver_orders(SHOP, &orders[..1], 1).await;
    assert!(late.is_empty(), "Pancake no longer posts");
    drop(server);
    setup.cleanup().await;
}
