//! The `changing-orders` scenario: a busy shop whose orders change while a client pages through
//! them. After every few order-list answers (per key) a round of changes applies, the way the
//! real list moves under a reader:
//!
//! - orders of the page just answered (already read by the client) are edited: their
//!   `updated_at` becomes the fake's "now", so they leave their place in a list sorted by
//!   update time and every later row moves up one place;
//! - orders read earlier are deleted: status 7 (`removed`) with a new `updated_at`, gone from
//!   the default list and visible with `include_removed=1`;
//! - new orders arrive, created and updated "now".
//!
//! Timestamps keep Pancake's whole seconds, so many orders share a second; a bulk edit made
//! before any request puts [`OrderChurn::bulk`] orders on one second. The fake's clock may run
//! behind the real one ([`OrderChurn::clock_lag`]), as another server's clock does, which lands
//! changes inside the window a client is reading.
//!
//! Everything is a function of the seed and the order of the requests, so a test that pages
//! the same way sees the same changes.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};

use crate::data::{self, ShopDef};
use crate::FakeConfig;

/// How the `changing-orders` scenario moves a shop's orders under a reader.
#[derive(Debug, Clone)]
pub struct OrderChurn {
    /// A round of changes follows every `every`-th order-list answer of a key.
    pub every: u32,
    /// Rounds in all; after the last one the orders stay still.
    pub rounds: u32,
    /// Orders of the page just answered that each round edits.
    pub updates: u32,
    /// Orders answered earlier that each round deletes.
    pub deletes: u32,
    /// New orders each round creates.
    pub inserts: u32,
    /// The fake's clock runs this far behind the real one: changes carry this "now".
    pub clock_lag: Duration,
    /// Orders edited together in one bulk action before the first request, all on one second.
    pub bulk: u32,
    /// How long before the fixture's end that bulk edit happened.
    pub bulk_age: Duration,
}

impl Default for OrderChurn {
    fn default() -> Self {
        Self {
            every: 2,
            rounds: 12,
            updates: 2,
            deletes: 1,
            inserts: 1,
            clock_lag: Duration::zero(),
            bulk: 0,
            bulk_age: Duration::days(3),
        }
    }
}

/// What changed about one order (or all of a new one).
#[derive(Debug, Clone)]
struct Changed {
    inserted_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    status: (i64, &'static str),
    /// Edits so far; each one changes the discount, so a stale copy is told apart.
    revision: i64,
}

/// One key's view of one shop's orders: the generated fixture plus every change made so far.
#[derive(Debug)]
pub(crate) struct Book {
    changed: BTreeMap<u64, Changed>,
    /// Ids in the order they were answered, for picking orders a client has already read.
    served: Vec<u64>,
    answers: u32,
    rounds: u32,
    next_new: u64,
}

/// Statuses an edit moves an order through (never 7: deleting is its own change).
const EDITED: [(i64, &str); 4] = [
    (1, "submitted"),
    (2, "shipped"),
    (3, "delivered"),
    (16, "received_money"),
];

fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::seconds(1)).unwrap_or(t)
}

impl Book {
    pub(crate) fn new(cfg: &FakeConfig, shop: ShopDef) -> Self {
        let n = u64::from(cfg.orders_per_shop);
        let mut book = Self {
            changed: BTreeMap::new(),
            served: Vec::new(),
            answers: 0,
            rounds: 0,
            next_new: n + 1,
        };
        let churn = &cfg.churn;
        // The bulk edit: the most recent orders created before it, all updated on its second.
        let at = whole_second(cfg.end_time - churn.bulk_age);
        let mut picked = 0;
        let mut id = n;
        while picked < churn.bulk && id >= 1 {
            if data::order_inserted_at(cfg, shop.id, id) <= at {
                book.edit(cfg, shop, id, at);
                picked += 1;
            }
            id -= 1;
        }
        book
    }

    fn base(cfg: &FakeConfig, shop: ShopDef, id: u64) -> Changed {
        Changed {
            inserted_at: data::order_inserted_at(cfg, shop.id, id),
            updated_at: data::order_updated_at(cfg, shop.id, id),
            status: data::order_status(cfg.seed, shop.id, id),
            revision: 0,
        }
    }

    fn current(&self, cfg: &FakeConfig, shop: ShopDef, id: u64) -> Changed {
        self.changed
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Self::base(cfg, shop, id))
    }

    fn edit(&mut self, cfg: &FakeConfig, shop: ShopDef, id: u64, at: DateTime<Utc>) {
        let mut order = self.current(cfg, shop, id);
        if order.status.0 == 7 {
            return;
        }
        order.revision += 1;
        order.status = EDITED[(order.revision as usize - 1) % EDITED.len()];
        order.updated_at = at.max(order.inserted_at);
        self.changed.insert(id, order);
    }

    fn delete(&mut self, cfg: &FakeConfig, shop: ShopDef, id: u64, at: DateTime<Utc>) {
        let mut order = self.current(cfg, shop, id);
        order.status = (7, "removed");
        order.updated_at = at.max(order.inserted_at);
        self.changed.insert(id, order);
    }

    /// Every order id the shop has now, whatever its status.
    pub(crate) fn ids(&self, cfg: &FakeConfig) -> impl Iterator<Item = u64> + '_ {
        (1..=u64::from(cfg.orders_per_shop)).chain(
            self.changed
                .range(u64::from(cfg.orders_per_shop) + 1..)
                .map(|(id, _)| *id),
        )
    }

    pub(crate) fn exists(&self, cfg: &FakeConfig, id: u64) -> bool {
        (id >= 1 && id <= u64::from(cfg.orders_per_shop)) || self.changed.contains_key(&id)
    }

    /// Orders changed since generation: they may have left the range their creation time
    /// suggests, so a listing considers them on their own.
    pub(crate) fn changed_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.changed.keys().copied()
    }

    pub(crate) fn is_changed(&self, id: u64) -> bool {
        self.changed.contains_key(&id)
    }

    pub(crate) fn updated_at(&self, cfg: &FakeConfig, shop: ShopDef, id: u64) -> DateTime<Utc> {
        match self.changed.get(&id) {
            Some(order) => order.updated_at,
            None => data::order_updated_at(cfg, shop.id, id),
        }
    }

    pub(crate) fn inserted_at(&self, cfg: &FakeConfig, shop: ShopDef, id: u64) -> DateTime<Utc> {
        match self.changed.get(&id) {
            Some(order) => order.inserted_at,
            None => data::order_inserted_at(cfg, shop.id, id),
        }
    }

    pub(crate) fn status(&self, cfg: &FakeConfig, shop: ShopDef, id: u64) -> i64 {
        match self.changed.get(&id) {
            Some(order) => order.status.0,
            None => data::order_status(cfg.seed, shop.id, id).0,
        }
    }

    /// The order as the API answers it now.
    pub(crate) fn order_json(&self, cfg: &FakeConfig, shop: ShopDef, id: u64) -> Value {
        let mut row = data::order_json(cfg, shop, id);
        let Some(order) = self.changed.get(&id) else {
            return row;
        };
        row["inserted_at"] = json!(data::pancake_time(order.inserted_at, id));
        row["updated_at"] = json!(data::pancake_time(order.updated_at, id + 1));
        row["status"] = json!(order.status.0);
        row["status_name"] = json!(order.status.1);
        if order.revision > 0 {
            let extra = 1000 * order.revision;
            let discount = row["total_discount"].as_i64().unwrap_or(0) + extra;
            row["total_discount"] = json!(discount);
            for field in ["cod", "money_to_collect"] {
                if let Some(cod) = row[field].as_i64().filter(|cod| *cod > 0) {
                    row[field] = json!((cod - extra).max(0));
                }
            }
            row["note"] = json!(format!("Sửa lần {}", order.revision));
        }
        row
    }

    /// Called once per order-list answer with the ids it carried: counts it, and applies a
    /// round of changes when one is due.
    pub(crate) fn answered(&mut self, cfg: &FakeConfig, shop: ShopDef, page: &[u64]) {
        self.served.extend_from_slice(page);
        self.answers += 1;
        let churn = &cfg.churn;
        if churn.every == 0
            || self.rounds >= churn.rounds
            || !self.answers.is_multiple_of(churn.every)
        {
            return;
        }
        self.rounds += 1;
        let round = u64::from(self.rounds);
        let now = whole_second(Utc::now() - churn.clock_lag);
        for &id in page.iter().take(churn.updates as usize) {
            self.edit(cfg, shop, id, now);
        }
        // Deleted: orders the client read some time before, chosen by the seed.
        let earlier = self.served.len() - page.len();
        for k in 0..u64::from(churn.deletes) {
            if earlier == 0 {
                break;
            }
            let pick = data::h(cfg.seed, &[90, shop.id as u64, round, k]) % earlier as u64;
            // The first one from there on that is not deleted already.
            let alive = (0..earlier)
                .map(|step| self.served[(pick as usize + step) % earlier])
                .find(|id| self.status(cfg, shop, *id) != 7);
            if let Some(id) = alive {
                self.delete(cfg, shop, id, now);
            }
        }
        for _ in 0..churn.inserts {
            let id = self.next_new;
            self.next_new += 1;
            self.changed.insert(
                id,
                Changed {
                    inserted_at: now,
                    updated_at: now,
                    status: (0, "new"),
                    revision: 0,
                },
            );
        }
    }
}
