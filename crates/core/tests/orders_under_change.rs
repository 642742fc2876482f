//! Orders read page by page while the shop keeps changing them, on both stores. The fake's
//! `changing-orders` scenario edits orders on pages already answered (so later rows slide up
//! onto them), deletes orders read earlier, creates new ones, and holds a bulk edit of more
//! orders than a page on one second. Whatever the reader sees, the stored orders must end up
//! equal to the fake's, row for row and field by field.
//!
//! The reference rows are the fake's orders written by the store itself into a second
//! workspace, so the comparison covers every stored column without restating the mapping.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use common::{pancake, query_number, with_fake_config, Backend, WithFakes};
use integrations_core::store::{SyncBatch, SyncedTable};
use integrations_core::{Credentials, Session, SyncOutcome, SyncRun, SyncSettings};
use integrations_fake_servers::{FakeConfig, OrderChurn};
use integrations_providers::PancakeOrder;
use secrecy::SecretString;
use uuid::Uuid;

const ORDERS: u32 = 450;
const DAYS: u32 = 20;
const PAGE: u32 = 25;
const SHOP: i64 = 6036602;

fn settings() -> SyncSettings {
    SyncSettings {
        order_backfill: chrono::Duration::days(i64::from(DAYS) + 4),
        order_window: chrono::Duration::days(7),
        order_page_size: PAGE,
        initial_concurrency: 2,
        max_concurrency: 6,
        retry_backoff: Duration::from_millis(20),
        ..SyncSettings::default()
    }
}

/// A busy shop: after each of the first `rounds` order-list answers, two orders of the page just
/// answered are edited, one read earlier is deleted and one is created; 60 orders (more than
/// two pages) were bulk-edited on one second two days ago.
fn busy(rounds: u32, clock_lag: chrono::Duration) -> OrderChurn {
    OrderChurn {
        every: 1,
        rounds,
        updates: 2,
        deletes: 1,
        inserts: 1,
        clock_lag,
        bulk: 60,
        bulk_age: chrono::Duration::days(2),
    }
}

struct Shop {
    f: WithFakes,
    key: String,
    id: Uuid,
}

async fn integration(f: &WithFakes, session: &Session, key: &str) -> Uuid {
    f.env
        .create_integration(
            session,
            "Shop thời trang",
            Credentials::pancake(SecretString::from(key)),
            pancake(&SHOP.to_string()),
        )
        .await
}

async fn busy_shop(backend: Backend, churn: OrderChurn, key: &str) -> Shop {
    let config = FakeConfig {
        orders_per_shop: ORDERS,
        days: DAYS,
        // The data ends now, so a sync "up to now" covers all of it.
        end_time: Utc::now() - chrono::Duration::minutes(1),
        churn,
        ..FakeConfig::default()
    };
    let mut f = with_fake_config(backend, config).await;
    f.env.core.set_sync_settings(settings());
    let id = integration(&f, &f.session, key).await;
    f.env.core.enable_integration(&f.session, id).await.unwrap();
    Shop {
        f,
        key: key.to_owned(),
        id,
    }
}

impl Shop {
    async fn sync(&self) -> SyncRun {
        self.f.env.sync_succeeded(&self.f.session, self.id).await
    }

    /// The orders the fake holds now, parsed as the client parses them.
    fn fake_orders(&self) -> Vec<PancakeOrder> {
        self.f
            .pancake
            .orders_now(&self.key, SHOP)
            .unwrap()
            .into_iter()
            .map(|raw| PancakeOrder::from_value(raw).unwrap())
            .collect()
    }

    /// The fake's orders as the store writes them, from a workspace of their own.
    async fn reference_rows(&self, orders: &[PancakeOrder]) -> BTreeMap<String, String> {
        let f = &self.f;
        let other = f
            .env
            .core
            .sign_up(
                "Sổ đối chiếu",
                &format!("doi-chieu-{}@shop.vn", Uuid::new_v4().simple()),
                &SecretString::from("mật khẩu 123"),
            )
            .await
            .unwrap()
            .session;
        let reference = integration(f, &other, "one-shop:reference").await;
        f.env
            .store()
            .write_batch(
                other.tenant_id(),
                reference,
                SyncBatch::Orders {
                    shop_id: SHOP,
                    orders,
                },
                None,
            )
            .await
            .unwrap();
        f.env
            .synced_rows(other.tenant_id(), reference, "pancake_orders", "order_id")
            .await
    }

    async fn stored_rows(&self) -> BTreeMap<String, String> {
        self.f
            .env
            .synced_rows(
                self.f.session.tenant_id(),
                self.id,
                "pancake_orders",
                "order_id",
            )
            .await
    }

    /// A sync reads whole seconds once they are over (the orders of the current second may
    /// still change while it reads): the next sync must begin after the newest change's second.
    async fn let_the_last_change_second_pass(&self) {
        let newest = self
            .fake_orders()
            .iter()
            .filter_map(|order| order.updated_at)
            .max()
            .unwrap();
        let due = newest + chrono::Duration::seconds(2);
        if let Ok(wait) = (due - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Order-list requests past the first page of a one-second window: how a second with more
    /// orders than a page is read.
    fn crowded_second_pages(&self) -> usize {
        self.f
            .pancake
            .handle
            .requests()
            .iter()
            .filter(|request| request.path.ends_with("/orders"))
            .filter(|request| {
                let query = request.query.as_str();
                let window = query_number(query, "endDateTime")
                    .zip(query_number(query, "startDateTime"))
                    .map(|(end, start)| end - start);
                window == Some(1) && query_number(query, "page_number").is_some_and(|page| page > 1)
            })
            .count()
    }

    /// The fake's orders as it answers them now, by id.
    fn snapshot(&self) -> BTreeMap<String, serde_json::Value> {
        self.f
            .pancake
            .orders_now(&self.key, SHOP)
            .unwrap()
            .into_iter()
            .map(|raw| (raw["id"].to_string(), raw))
            .collect()
    }

    /// After a sync that the fake's changes went on during: every order they did not touch
    /// (the same in `before` as now) is stored exactly as the fake has it. The touched ones may
    /// have moved where this sync had already read: the next sync's overlap reads them.
    async fn assert_untouched_orders_stored_exactly(
        &self,
        before: &BTreeMap<String, serde_json::Value>,
    ) {
        let now = self.snapshot();
        let untouched = |id: &String| before.get(id) == now.get(id);
        assert!(
            now.keys().any(|id| !untouched(id)),
            "the shop changed meanwhile"
        );
        let expected = self.reference_rows(&self.fake_orders()).await;
        let stored = self.stored_rows().await;
        let mut missing = Vec::new();
        for (id, row) in expected.iter().filter(|(id, _)| untouched(id)) {
            match stored.get(id) {
                Some(stored) => assert_eq!(stored, row, "order {id}"),
                None => missing.push(id.clone()),
            }
        }
        assert!(missing.is_empty(), "orders never read: {missing:?}");
    }

    async fn assert_stored_orders_equal_the_fakes(&self) {
        let expected = self.reference_rows(&self.fake_orders()).await;
        let stored = self.stored_rows().await;
        let missing: Vec<&String> = expected
            .keys()
            .filter(|id| !stored.contains_key(*id))
            .collect();
        let unknown: Vec<&String> = stored
            .keys()
            .filter(|id| !expected.contains_key(*id))
            .collect();
        assert!(missing.is_empty(), "orders never read: {missing:?}");
        assert!(
            unknown.is_empty(),
            "orders the fake does not have: {unknown:?}"
        );
        for (id, row) in &expected {
            assert_eq!(&stored[id], row, "order {id}");
        }
        let count = self
            .f
            .env
            .store()
            .synced_count(
                self.f.session.tenant_id(),
                self.id,
                SyncedTable::PancakeOrders,
            )
            .await
            .unwrap();
        assert_eq!(count, expected.len() as i64, "no order doubled");
    }

    /// The changes the scenario made: new orders, deleted ones, edited ones.
    fn assert_the_shop_changed(&self, rounds: u32) {
        let orders = self.fake_orders();
        assert_eq!(
            orders.len(),
            (ORDERS + rounds) as usize,
            "one new order per round"
        );
        let edited = self
            .f
            .pancake
            .orders_now(&self.key, SHOP)
            .unwrap()
            .into_iter()
            .filter(|raw| {
                raw["note"]
                    .as_str()
                    .is_some_and(|note| note.starts_with("Sửa"))
            })
            .count();
        assert!(edited >= 60 + rounds as usize, "edited: {edited}");
    }
}

/// A busy shop whose first sync saw twelve rounds of changes land (it makes far more than
/// twelve requests): the orders it did not change are stored exactly.
async fn shop_changed_during_its_first_sync(
    backend: Backend,
    clock_lag: chrono::Duration,
    key: &str,
) -> Shop {
    let shop = busy_shop(backend, busy(12, clock_lag), key).await;
    let before = shop.snapshot();
    shop.sync().await;
    shop.assert_the_shop_changed(12);
    shop.assert_untouched_orders_stored_exactly(&before).await;
    shop
}

async fn orders_changing_while_they_are_read_are_stored_exactly_as_the_fake_has_them(
    backend: Backend,
) {
    // Edits move orders past the first sync's end, so only the next sync can read them.
    let shop = shop_changed_during_its_first_sync(
        backend,
        chrono::Duration::zero(),
        "changing-orders:exact",
    )
    .await;
    assert!(
        shop.crowded_second_pages() > 0,
        "the bulk edit's second was paged on its own"
    );

    shop.let_the_last_change_second_pass().await;
    shop.sync().await;
    shop.assert_stored_orders_equal_the_fakes().await;
}

async fn changes_that_land_inside_the_window_being_read_are_stored_exactly(backend: Backend) {
    // The fake's clock is ten minutes behind: edits and new orders land inside the last window
    // while it is read, before or after the reader's place in it.
    let shop = shop_changed_during_its_first_sync(
        backend,
        chrono::Duration::minutes(10),
        "changing-orders:lagging",
    )
    .await;
    shop.let_the_last_change_second_pass().await;
    shop.sync().await;
    shop.assert_stored_orders_equal_the_fakes().await;
}

async fn a_changing_read_killed_at_several_points_resumes_exactly(backend: Backend) {
    // Ten rounds of changes: all made by the time the cut-off runs have stored their 14 pages.
    let mut shop = busy_shop(
        backend,
        busy(10, chrono::Duration::zero()),
        "changing-orders:killed",
    )
    .await;
    // Each answer its own transaction, so a run can be cut off between any two pages (the
    // engine otherwise stores the answers already waiting together).
    shop.f.env.core.set_sync_settings(SyncSettings {
        orders_per_transaction: 1,
        ..settings()
    });
    let core = &shop.f.env.core;
    // Each run is cut off (as by a crash: the task stops at whatever it awaited) once a few
    // more pages are stored, and the next worker takes over from the checkpoint.
    for (attempt, pages) in [2u32, 3, 5, 4].into_iter().enumerate() {
        let mut progress = core.subscribe_sync();
        let run = core.sync_integration(&shop.f.session, shop.id, "worker-that-dies");
        let stop = async {
            let mut seen = 0;
            loop {
                let event = progress.recv().await.unwrap();
                if event.integration_id == shop.id && event.stream == "orders" {
                    seen += 1;
                    if seen >= pages {
                        break;
                    }
                }
            }
        };
        tokio::select! {
            finished = run => panic!("run {attempt} should have been cut off: {finished:?}"),
            () = stop => {}
        }
        // The dead worker's lease runs out (made to, rather than waited for). A statement of the
        // cut-off run already on its way may still land after the expiry, as with a real crash.
        common::expire_leases(&shop.f.env).await;
    }
    let resumed = common::take_over_the_run(&shop.f.env, &shop.f.session, shop.id).await;
    assert_eq!(
        resumed.outcome,
        SyncOutcome::Succeeded,
        "{:?}",
        resumed.error
    );
    shop.let_the_last_change_second_pass().await;
    shop.sync().await;
    shop.assert_the_shop_changed(10);
    shop.assert_stored_orders_equal_the_fakes().await;
    let history = core
        .sync_history(&shop.f.session, shop.id, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 6);
    assert!(history[2..]
        .iter()
        .all(|run| run.outcome == SyncOutcome::Interrupted));
}

on_both_stores!(
    orders_changing_while_they_are_read_are_stored_exactly_as_the_fake_has_them,
    changes_that_land_inside_the_window_being_read_are_stored_exactly,
    a_changing_read_killed_at_several_points_resumes_exactly,
);
