//! The dashboard's data for one workspace, made up but shaped like the real thing: stores with
//! Vietnamese names, a Meta ad account of campaigns and ads, one insights row per ad per day,
//! and orders every day in every store. Deterministic (a fixed seed), so two runs load the same
//! rows; written to PostgreSQL with one `COPY` per table in one transaction.

use std::borrow::Cow;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use integrations_bench::tables::{AdRow, Figures, InsightRow, OrderRow, TenantCopy};
use integrations_core::analytics::DEFAULT_TIME_ZONE;
use integrations_core::store::PostgresStore;
use integrations_core::store::COUNTED_STATUSES;
use uuid::Uuid;

/// First shop id; store `i` is `FIRST_SHOP_ID + i`.
pub const FIRST_SHOP_ID: i64 = 6_036_602;

const STORE_NAMES: [&str; 10] = [
    "Thời Trang Hà Nội",
    "Mỹ Phẩm Sài Gòn",
    "Giày Dép Đà Nẵng",
    "Phụ Kiện Huế",
    "Đồ Gia Dụng Cần Thơ",
    "Thời Trang Trẻ Em Hải Phòng",
    "Nội Y Nha Trang",
    "Túi Xách Vũng Tàu",
    "Đồng Hồ Biên Hòa",
    "Trang Sức Quy Nhơn",
];

const THEMES: [&str; 12] = [
    "Khuyến mãi Tết",
    "Bộ sưu tập Hè",
    "Flash sale 9.9",
    "Ngày Phụ nữ Việt Nam 20/10",
    "Black Friday",
    "Giáng sinh",
    "Back to school",
    "Sinh nhật shop",
    "Xả kho cuối mùa",
    "Hàng mới về",
    "Freeship toàn quốc",
    "Quốc tế Thiếu nhi 1/6",
];

const PRODUCTS: [&str; 10] = [
    "áo dài lụa",
    "váy maxi",
    "son môi",
    "kem chống nắng",
    "giày thể thao",
    "túi đeo chéo",
    "đồng hồ nữ",
    "bộ nồi inox",
    "áo thun trẻ em",
    "khuyên tai bạc",
];

/// The name of store `i` (numbered past the ten names).
pub fn store_name(i: usize) -> String {
    match STORE_NAMES.get(i) {
        Some(name) => (*name).to_owned(),
        None => format!(
            "{} {}",
            STORE_NAMES[i % STORE_NAMES.len()],
            i / STORE_NAMES.len() + 1
        ),
    }
}

/// SplitMix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

pub struct Ad {
    pub ad_id: String,
    pub ad_name: String,
    pub adset_id: String,
    pub adset_name: String,
    pub campaign_id: String,
    pub campaign_name: String,
}

pub struct Insight {
    pub ad: usize,
    pub day: NaiveDate,
    pub figures: Figures,
}

pub struct Order {
    pub store: usize,
    pub order_id: i64,
    pub status: i64,
    pub inserted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub total_price: i64,
    pub total_discount: i64,
    pub shipping_fee: i64,
    pub cod: i64,
    pub ad_id: Option<String>,
}

impl Order {
    /// The report's revenue rule (crates/core/src/analytics), applied here independently.
    pub fn revenue(&self) -> i64 {
        if self.total_price > 0 {
            (self.total_price - self.total_discount).max(0)
        } else {
            (self.cod - self.shipping_fee).max(0)
        }
    }

    pub fn counted(&self) -> bool {
        COUNTED_STATUSES.contains(&self.status)
    }
}

pub struct Fixture {
    /// The first and last day of the data (local days in Asia/Ho_Chi_Minh).
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub ads: Vec<Ad>,
    pub insights: Vec<Insight>,
    pub orders: Vec<Order>,
}

/// Pancake statuses with a weight (in thousandths) close to a shop's mix: mostly received or
/// on the way, a tenth canceled, some returning or returned, the odd deleted order.
const STATUS_MIX: [(i64, u64); 19] = [
    (3, 430), // received
    (2, 110), // shipped
    (16, 90), // money collected
    (1, 60),  // confirmed
    (0, 40),  // new
    (17, 10), // waiting for confirmation
    (11, 5),  // restocking
    (20, 5),  // purchased
    (12, 10), // waiting for printing
    (13, 10), // printed
    (8, 15),  // packing
    (9, 15),  // waiting for pick-up
    (6, 100), // canceled
    (7, 10),  // deleted
    (4, 30),  // returning
    (15, 15), // partly returned
    (5, 40),  // returned
    (-1, 3),  // a code Pancake has not documented
    (99, 2),  // another one
];

fn status(rng: &mut Rng) -> i64 {
    let total: u64 = STATUS_MIX.iter().map(|(_, weight)| weight).sum();
    let mut pick = rng.next() % total;
    for (status, weight) in STATUS_MIX {
        if pick < weight {
            return status;
        }
        pick -= weight;
    }
    3
}

impl Fixture {
    /// `days` days ending `last_day`: `ads` ads in `campaigns` campaigns (four ad sets each),
    /// one insights row per ad per day, and `orders_per_day` orders a day in each of `stores`
    /// stores, created at random times of the local day (stored in UTC, as Pancake's are).
    pub fn generate(
        stores: usize,
        ads: usize,
        campaigns: usize,
        days: u32,
        orders_per_day: u32,
        last_day: NaiveDate,
    ) -> Self {
        let mut rng = Rng(0x5EED_2026);
        let campaigns = campaigns.clamp(1, ads.max(1));
        let first_day = last_day - Duration::days(i64::from(days.max(1)) - 1);

        let ads: Vec<Ad> = (0..ads)
            .map(|i| {
                let campaign = i % campaigns;
                let adset = (i / campaigns) % 4;
                let theme = THEMES[campaign % THEMES.len()];
                let product = PRODUCTS[i % PRODUCTS.len()];
                Ad {
                    ad_id: format!("1202100000{:08}", i + 1),
                    ad_name: format!("QC {} – {product} – mẫu {}", i + 1, i / campaigns + 1),
                    adset_id: format!("1202200000{:06}{adset:02}", campaign + 1),
                    adset_name: format!("Nhóm {} – {theme} – nữ 18-34 toàn quốc", adset + 1),
                    campaign_id: format!("1202300000{:08}", campaign + 1),
                    campaign_name: format!("{theme} {}", campaign / THEMES.len() + 2025),
                }
            })
            .collect();

        let mut insights = Vec::with_capacity(ads.len() * days as usize);
        let mut day = first_day;
        while day <= last_day {
            for ad in 0..ads.len() {
                let impressions = rng.range(500, 20_000);
                let clicks = impressions * rng.range(5, 30) / 1_000;
                let purchases = clicks * rng.range(0, 60) / 1_000;
                // CPM 20,000-60,000 VND.
                let spend_minor = impressions * rng.range(20_000, 60_000) / 1_000;
                insights.push(Insight {
                    ad,
                    day,
                    figures: Figures {
                        spend_minor,
                        impressions,
                        clicks,
                        reach: impressions * rng.range(55, 90) / 100,
                        purchases,
                        purchase_value_minor: purchases * rng.range(150_000, 600_000),
                    },
                });
            }
            day += Duration::days(1);
        }

        // Local midnight in Vietnam (UTC+7 all year).
        let midnight = |day: NaiveDate| {
            Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight")) - Duration::hours(7)
        };
        let mut orders =
            Vec::with_capacity(stores * orders_per_day as usize * days.max(1) as usize);
        let mut next_id = vec![1_i64; stores];
        let mut day = first_day;
        while day <= last_day {
            let start = midnight(day);
            for (store, next) in next_id.iter_mut().enumerate() {
                for _ in 0..orders_per_day {
                    let inserted_at = start + Duration::seconds(rng.range(0, 86_399));
                    let updated_at = inserted_at + Duration::minutes(rng.range(1, 7 * 24 * 60));
                    let shipping_fee = rng.range(15, 45) * 1_000;
                    // A few shops leave catalogue prices at 0: the money is only in the COD.
                    let (total_price, total_discount, cod) = if rng.percent(3) {
                        (0, 0, rng.range(150, 1_500) * 1_000 + shipping_fee)
                    } else {
                        let price = rng.range(99, 2_500) * 1_000;
                        let discount = if rng.percent(30) {
                            price * rng.range(5, 30) / 100
                        } else {
                            0
                        };
                        let cod = if rng.percent(80) {
                            price - discount + shipping_fee
                        } else {
                            0 // paid by bank transfer
                        };
                        (price, discount, cod)
                    };
                    let ad_id = match rng.range(0, 99) {
                        0..=59 => Some(
                            ads[rng.range(0, ads.len() as i64 - 1) as usize]
                                .ad_id
                                .clone(),
                        ),
                        60..=64 => Some(format!("2385000000{:08}", rng.range(1, 40))),
                        _ => None,
                    };
                    orders.push(Order {
                        store,
                        order_id: *next,
                        status: status(&mut rng),
                        inserted_at,
                        updated_at,
                        total_price,
                        total_discount,
                        shipping_fee,
                        cod,
                        ad_id,
                    });
                    *next += 1;
                }
            }
            day += Duration::days(1);
        }

        Self {
            first_day,
            last_day,
            ads,
            insights,
            orders,
        }
    }

    /// Revenue and counted orders of all the orders (all lie in the fixture's days), and the
    /// spend of all insights: what the full-range report must show.
    pub fn expected_totals(&self) -> (i64, i64, i64) {
        let counted = self.orders.iter().filter(|order| order.counted());
        let (revenue, orders) = counted.fold((0, 0), |(revenue, orders), order| {
            (revenue + order.revenue(), orders + 1)
        });
        let spend = self
            .insights
            .iter()
            .map(|row| row.figures.spend_minor)
            .sum();
        (revenue, orders, spend)
    }

    /// Writes everything for `tenant`: ads and insights under `meta`, the orders of store `i`
    /// under `stores[i]`. One transaction, `COPY` per table.
    pub async fn copy_into(
        &self,
        store: &PostgresStore,
        tenant: Uuid,
        stores: &[Uuid],
        meta: Uuid,
    ) -> anyhow::Result<()> {
        let meta = meta.to_string();
        let stores: Vec<String> = stores.iter().map(Uuid::to_string).collect();
        let mut copy = TenantCopy::begin(store.pool(), tenant).await?;
        copy.rows(self.ads.iter().map(|ad| AdRow {
            integration_id: &meta,
            ad_id: &ad.ad_id,
            ad_name: Some(&ad.ad_name),
            adset_id: Some(&ad.adset_id),
            adset_name: Some(&ad.adset_name),
            campaign_id: Some(&ad.campaign_id),
            campaign_name: Some(&ad.campaign_name),
        }))
        .await?;
        copy.rows(self.insights.iter().map(|row| InsightRow {
            integration_id: &meta,
            currency: "VND",
            ad_id: &self.ads[row.ad].ad_id,
            day: row.day,
            figures: row.figures,
        }))
        .await?;
        copy.rows(self.orders.iter().map(|order| {
            let ad_id = order.ad_id.as_deref();
            OrderRow {
                integration_id: &stores[order.store],
                shop_id: FIRST_SHOP_ID + order.store as i64,
                order_id: order.order_id,
                status: order.status,
                inserted_at: Some(order.inserted_at),
                updated_at: Some(order.updated_at),
                total_price: order.total_price,
                total_discount: order.total_discount,
                shipping_fee: order.shipping_fee,
                cod: order.cod,
                currency: Some("VND"),
                ad_id,
                page_id: ad_id.map(|_| "1064830460000000"),
                utm_source: ad_id.map(|_| "facebook"),
                utm_campaign: None,
                received_at_shop: Some(order.order_id % 10 == 0),
                items: Cow::Borrowed("[]"),
            }
        }))
        .await?;
        copy.commit().await
    }
}

/// Today in the report's default time zone (Vietnam: UTC+7, no daylight saving).
pub fn today_in_vietnam() -> NaiveDate {
    debug_assert_eq!(DEFAULT_TIME_ZONE, "Asia/Ho_Chi_Minh");
    (Utc::now() + Duration::hours(7)).date_naive()
}
