//! Seeded, deterministic fixture data shared by both fakes, generated lazily: any order, ad or
//! insights row is a pure function of `(seed, ids)`, so startup is instant and volume is free.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use crate::FakeConfig;

/// SplitMix64 finaliser: a good 64-bit mix, used as a keyed hash.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Hash of a seed and a list of parts.
pub fn h(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(mix(seed), |acc, p| {
        mix(acc ^ p.wrapping_mul(0x100_0000_01B3))
    })
}

fn pick<'a>(list: &[&'a str], x: u64) -> &'a str {
    list[(x % list.len() as u64) as usize]
}

/// A deterministic UUID-shaped id.
pub fn uuid_like(seed: u64, parts: &[u64]) -> String {
    let a = h(seed, parts);
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// A fake Pancake shop.
#[derive(Debug, Clone, Copy)]
pub struct ShopDef {
    /// Shop id.
    pub id: i64,
    /// Name (Vietnamese, exact).
    pub name: &'static str,
    /// Catalogue kind.
    pub kind: usize,
}

/// The three fixture shops.
pub const SHOPS: [ShopDef; 3] = [
    ShopDef {
        id: 6036602,
        name: "Shop thời trang",
        kind: 0,
    },
    ShopDef {
        id: 7012345,
        name: "Mỹ phẩm Hà Nội",
        kind: 1,
    },
    ShopDef {
        id: 8024680,
        name: "Giày dép Sài Gòn",
        kind: 2,
    },
];

/// The shop whose orders carry ad ids of [`AD_ACCOUNT_ID`].
pub const ADS_SHOP_ID: i64 = 6036602;

/// Look a shop up by id.
pub fn shop(id: i64) -> Option<ShopDef> {
    SHOPS.iter().copied().find(|s| s.id == id)
}

const PRODUCTS: [&[&str]; 3] = [
    &[
        "Áo thun cotton basic",
        "Quần jean ống rộng",
        "Váy hoa nhí vintage",
        "Áo sơ mi lụa công sở",
        "Chân váy xếp ly",
        "Áo khoác gió hai lớp",
        "Đầm maxi đi biển",
        "Quần tây ống suông",
        "Áo len cổ lọ",
        "Áo croptop tay phồng",
        "Set đồ bộ mặc nhà",
        "Áo dài cách tân",
    ],
    &[
        "Son kem lì màu đỏ gạch",
        "Kem chống nắng SPF50",
        "Sữa rửa mặt trà xanh",
        "Nước tẩy trang hoa hồng",
        "Mặt nạ ngủ dưỡng ẩm",
        "Serum vitamin C",
        "Phấn phủ kiềm dầu",
        "Kem dưỡng ẩm ban đêm",
        "Toner rau má",
        "Dầu gội bưởi",
    ],
    &[
        "Giày thể thao trắng",
        "Dép quai ngang",
        "Sandal nữ đế xuồng",
        "Giày lười da bò",
        "Giày cao gót mũi nhọn",
        "Dép tổ ong",
        "Giày búp bê",
        "Boot cổ ngắn",
        "Giày chạy bộ siêu nhẹ",
        "Dép sục nhựa",
    ],
];

const VARIANT_FIELDS: [(&str, &[&str]); 3] = [
    ("Size", &["S", "M", "L", "XL"]),
    ("Dung tích", &["30ml", "50ml", "100ml"]),
    ("Size", &["36", "37", "38", "39", "40", "41"]),
];

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: &[&str] = &[
    "Thị", "Văn", "Minh", "Ngọc", "Thanh", "Hoàng", "Đức", "Thu", "Bảo",
];
const GIVEN: &[&str] = &[
    "Anh", "Hương", "Lan", "Hùng", "Dũng", "Mai", "Linh", "Trang", "Tuấn", "Hà", "Phương", "Quân",
    "Thảo", "Nam", "Vy", "Yến", "Khoa", "Châu",
];
const CITIES: &[&str] = &[
    "Quận Hoàn Kiếm, Hà Nội",
    "Quận Cầu Giấy, Hà Nội",
    "Quận 1, TP. Hồ Chí Minh",
    "Quận 7, TP. Hồ Chí Minh",
    "Quận Hải Châu, Đà Nẵng",
    "TP. Biên Hòa, Đồng Nai",
    "Quận Ninh Kiều, Cần Thơ",
];

/// Number of products of a shop.
pub fn product_count(shop: ShopDef) -> usize {
    PRODUCTS[shop.kind].len()
}

/// Variations per product (2–4, deterministic).
pub fn variations_of(seed: u64, shop: ShopDef, product: usize) -> usize {
    let options = VARIANT_FIELDS[shop.kind].1.len() as u64;
    (2 + h(seed, &[11, shop.id as u64, product as u64]) % 3).min(options) as usize
}

/// All `(product, variation)` pairs of a shop, in catalogue order.
pub fn catalogue(seed: u64, shop: ShopDef) -> Vec<(usize, usize)> {
    (0..product_count(shop))
        .flat_map(|p| (0..variations_of(seed, shop, p)).map(move |v| (p, v)))
        .collect()
}

/// Retail price in whole đồng, rounded to 1,000.
pub fn retail_price(seed: u64, shop: ShopDef, product: usize) -> i64 {
    let base = [120_000, 90_000, 250_000][shop.kind];
    let x = h(seed, &[12, shop.id as u64, product as u64]) % 900;
    (base + (x as i64) * 1000).min(1_490_000)
}

/// Variation id.
pub fn variation_id(seed: u64, shop: ShopDef, product: usize, variation: usize) -> String {
    uuid_like(
        seed,
        &[13, shop.id as u64, product as u64, variation as u64],
    )
}

/// Product id.
pub fn product_id(seed: u64, shop: ShopDef, product: usize) -> String {
    uuid_like(seed, &[14, shop.id as u64, product as u64])
}

/// Warehouses of a shop: `(id, name, address)`.
pub fn warehouses(seed: u64, shop: ShopDef) -> Vec<(String, &'static str, &'static str)> {
    let second = ["Kho Hà Đông", "Kho Quận 7", "Kho Thủ Đức"][shop.kind];
    vec![
        (
            uuid_like(seed, &[15, shop.id as u64, 0]),
            "Kho chính",
            "12 Phố Huế, Quận Hai Bà Trưng, Hà Nội",
        ),
        (
            uuid_like(seed, &[15, shop.id as u64, 1]),
            second,
            "88 Nguyễn Thị Thập, Quận 7, TP. Hồ Chí Minh",
        ),
    ]
}

/// One variation row as `/products/variations` returns it.
pub fn variation_json(seed: u64, cfg: &FakeConfig, shop: ShopDef, p: usize, v: usize) -> Value {
    let (field_name, values) = VARIANT_FIELDS[shop.kind];
    let price = retail_price(seed, shop, p);
    let stocks: Vec<Value> = warehouses(seed, shop)
        .iter()
        .enumerate()
        .map(|(w, (wid, _, _))| {
            let q = (h(seed, &[16, shop.id as u64, p as u64, v as u64, w as u64]) % 120) as i64;
            json!({
                "warehouse_id": wid, "remain_quantity": q, "actual_remain_quantity": q,
                "available_quantity": q, "total_quantity": q + 3, "waitting_quantity": 0,
                "pending_quantity": 0, "returning_quantity": 0, "shipping_quantity": 3,
                "avg_price": price * 55 / 100
            })
        })
        .collect();
    let remain: i64 = stocks
        .iter()
        .filter_map(|s| s["remain_quantity"].as_i64())
        .sum();
    let created = cfg.start() + Duration::days((p as i64 * 3) % 30);
    let category = ["Thời trang", "Mỹ phẩm", "Giày dép"][shop.kind];
    json!({
        "id": variation_id(seed, shop, p, v),
        "product_id": product_id(seed, shop, p),
        "display_id": format!("SKU-{}-{:02}-{}", shop.id % 1000, p, values[v]),
        "barcode": format!("893{:010}", h(seed, &[17, shop.id as u64, p as u64, v as u64]) % 10_000_000_000),
        "retail_price": price,
        "price_at_counter": 0,
        "last_imported_price": price * 55 / 100,
        "average_imported_price": price * 54 / 100,
        "remain_quantity": remain,
        "is_hidden": false,
        "is_locked": false,
        "fields": [{"name": field_name, "value": values[v]}],
        "images": [],
        "inserted_at": naive(created),
        "updated_at": naive(created + Duration::days(7)),
        "product": {
            "name": PRODUCTS[shop.kind][p],
            "display_id": format!("SP{:03}", p + 1),
            "categories": [{"id": shop.kind as i64 + 1, "name": category}],
            "tags": []
        },
        "variations_warehouses": stocks,
    })
}

fn naive(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Format an order timestamp in one of the three documented shapes, chosen by `which`.
pub fn pancake_time(t: DateTime<Utc>, which: u64) -> String {
    match which % 3 {
        0 => naive(t),
        1 => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => t.format("%Y-%m-%d %H:%M:%S+00:00").to_string(),
    }
}

/// Order status codes with weights (per 100).
const STATUSES: &[(i64, &str, u64)] = &[
    (3, "delivered", 40),
    (16, "received_money", 14),
    (2, "shipped", 10),
    (1, "submitted", 8),
    (0, "new", 5),
    (9, "pending", 3),
    (6, "canceled", 9),
    (7, "removed", 4),
    (4, "returning", 2),
    (5, "returned", 5),
];

/// `(status, status_name)` of an order.
pub fn order_status(seed: u64, shop_id: i64, id: u64) -> (i64, &'static str) {
    let mut x = h(seed, &[20, shop_id as u64, id]) % 100;
    for (code, name, w) in STATUSES {
        if x < *w {
            return (*code, name);
        }
        x -= w;
    }
    (3, "delivered")
}

/// Creation time of order `id` (1-based); non-decreasing in `id`.
pub fn order_inserted_at(cfg: &FakeConfig, shop_id: i64, id: u64) -> DateTime<Utc> {
    let span = cfg.span_seconds();
    let n = u64::from(cfg.orders_per_shop.max(1));
    let slot = span / n;
    let offset = (id - 1) * span / n + h(cfg.seed, &[21, shop_id as u64, id]) % slot.max(1);
    cfg.start() + Duration::seconds(offset.min(span) as i64)
}

/// Last update time of order `id`: 0–72 h after creation, never after the fixture end.
pub fn order_updated_at(cfg: &FakeConfig, shop_id: i64, id: u64) -> DateTime<Utc> {
    let extra = h(cfg.seed, &[22, shop_id as u64, id]) % (72 * 3600);
    (order_inserted_at(cfg, shop_id, id) + Duration::seconds(extra as i64)).min(cfg.end_time)
}

/// The full order row.
pub fn order_json(cfg: &FakeConfig, shop: ShopDef, id: u64) -> Value {
    let seed = cfg.seed;
    let r = |k: u64| h(seed, &[30 + k, shop.id as u64, id]);
    let cat = catalogue(seed, shop);
    let n_items = 1 + r(1) % 3;
    let mut total = 0i64;
    let items: Vec<Value> = (0..n_items)
        .map(|k| {
            let (p, v) = cat[(h(seed, &[40, shop.id as u64, id, k]) % cat.len() as u64) as usize];
            let qty = 1 + (h(seed, &[41, shop.id as u64, id, k]) % 3) as i64;
            let price = retail_price(seed, shop, p);
            total += price * qty;
            json!({
                "id": format!("{}-{}", id, k),
                "product_id": product_id(seed, shop, p),
                "variation_id": variation_id(seed, shop, p, v),
                "quantity": qty,
                "discount_each_product": 0,
                "is_bonus_product": false,
                "variation_info": {
                    "name": PRODUCTS[shop.kind][p],
                    "display_id": format!("SKU-{}-{:02}-{}", shop.id % 1000, p, VARIANT_FIELDS[shop.kind].1[v]),
                    "retail_price": price,
                    "fields": [{"name": VARIANT_FIELDS[shop.kind].0, "value": VARIANT_FIELDS[shop.kind].1[v]}]
                }
            })
        })
        .collect();
    let discount = if r(2) % 5 == 0 {
        (total / 10 / 1000) * 1000
    } else {
        0
    };
    let shipping = [0, 20_000, 30_000, 35_000][(r(3) % 4) as usize];
    let (status, status_name) = order_status(seed, shop.id, id);
    let inserted = order_inserted_at(cfg, shop.id, id);
    let updated = order_updated_at(cfg, shop.id, id);
    let counter = r(4) % 10 == 0;
    let transfer = r(5) % 4 == 0;
    let cod = if counter || transfer {
        0
    } else {
        total - discount + shipping
    };
    let name = format!(
        "{} {} {}",
        pick(FAMILY, r(6)),
        pick(MIDDLE, r(7)),
        pick(GIVEN, r(8))
    );
    let phone = format!("09{:08}", r(9) % 100_000_000);
    let ad_id = (shop.id == ADS_SHOP_ID && !counter && r(10) % 100 < 35)
        .then(|| {
            let active: Vec<&AdDef> = ads()
                .iter()
                .filter(|a| ad_active_on(cfg, a, inserted.date_naive()))
                .collect();
            (!active.is_empty()).then(|| active[(r(11) % active.len() as u64) as usize].id.clone())
        })
        .flatten();
    let wh = warehouses(seed, shop);
    let warehouse_id = wh[(r(13) % 2) as usize].0.clone();
    let transfer_money = if transfer {
        total - discount + shipping
    } else {
        0
    };
    let cash = if counter { total - discount } else { 0 };
    let from_ad = |v: &str| {
        if ad_id.is_some() {
            Value::from(v)
        } else {
            Value::Null
        }
    };
    let customer_id = uuid_like(seed, &[50, shop.id as u64, r(6) % 5000]);
    json!({
        "id": id,
        "system_id": shop.id * 100_000 + id as i64,
        "display_id": id,
        "shop_id": shop.id,
        "status": status,
        "status_name": status_name,
        "inserted_at": pancake_time(inserted, id),
        "updated_at": pancake_time(updated, id + 1),
        "items": items,
        "total_price": total,
        "total_discount": discount,
        "shipping_fee": shipping,
        "surcharge": 0,
        "tax": 0,
        "cod": cod,
        "money_to_collect": cod,
        "transfer_money": transfer_money,
        "cash": cash,
        "order_currency": "VND",
        "received_at_shop": counter,
        "bill_full_name": name,
        "bill_phone_number": phone,
        "customer": {"id": customer_id, "name": name, "phone_numbers": [phone]},
        "shipping_address": {"full_name": name, "phone_number": phone, "full_address": pick(CITIES, r(12))},
        "warehouse_id": warehouse_id,
        "ad_id": ad_id,
        "ads_source": from_ad("facebook"),
        "page_id": from_ad("104438181227821"),
        "p_utm_source": from_ad("facebook"),
        "note": ""
    })
}

// ---------------------------------------------------------------- Meta fixtures

/// The fixture ad account id (the fashion shop's).
pub const AD_ACCOUNT_ID: &str = "act_1234567890";

/// A fake ad.
#[derive(Debug, Clone)]
pub struct AdDef {
    /// Ad id.
    pub id: String,
    /// Ad name.
    pub name: String,
    /// Campaign id.
    pub campaign_id: String,
    /// Campaign name.
    pub campaign_name: &'static str,
    /// Ad set id.
    pub adset_id: String,
    /// Ad set name.
    pub adset_name: &'static str,
    /// Campaign index (start offset in days = 10 × index).
    pub campaign: usize,
}

const CAMPAIGNS: [&str; 3] = ["Khuyến mãi hè", "Bộ sưu tập mới", "Xả kho cuối mùa"];
const ADSETS: [&str; 2] = ["Nữ 18-34 Hà Nội", "Nữ 25-44 TP.HCM"];

/// The 12 fixture ads: 3 campaigns × 2 ad sets × 2 ads.
pub fn ads() -> &'static [AdDef] {
    static ADS: std::sync::OnceLock<Vec<AdDef>> = std::sync::OnceLock::new();
    ADS.get_or_init(|| {
        let mut v = Vec::new();
        for (c, cname) in CAMPAIGNS.iter().enumerate() {
            for (s, sname) in ADSETS.iter().enumerate() {
                for a in 0..2 {
                    v.push(AdDef {
                        id: format!("1202100000000{}{}{}", c + 1, s + 1, a + 1),
                        name: format!("{cname} - Mẫu {}", a + 1),
                        campaign_id: format!("1202100000000{}00", c + 1),
                        campaign_name: cname,
                        adset_id: format!("1202100000000{}{}0", c + 1, s + 1),
                        adset_name: sname,
                        campaign: c,
                    });
                }
            }
        }
        v
    })
}

/// The Graph fake's ads for `cfg`: the fixture's 12 ([`ads`]), then as many more as
/// `cfg.ads` asks for, spread over the same campaigns and ad sets.
pub fn ads_for(cfg: &FakeConfig) -> std::borrow::Cow<'static, [AdDef]> {
    let fixture = ads();
    if cfg.ads <= fixture.len() {
        return std::borrow::Cow::Borrowed(&fixture[..cfg.ads]);
    }
    let mut v = fixture.to_vec();
    for n in fixture.len()..cfg.ads {
        let (c, s) = (n % CAMPAIGNS.len(), (n / CAMPAIGNS.len()) % ADSETS.len());
        v.push(AdDef {
            id: format!("120220{n:011}"),
            name: format!("{} - Mẫu {}", CAMPAIGNS[c], n + 1),
            campaign_id: format!("1202100000000{}00", c + 1),
            campaign_name: CAMPAIGNS[c],
            adset_id: format!("1202100000000{}{}0", c + 1, s + 1),
            adset_name: ADSETS[s],
            campaign: c,
        });
    }
    std::borrow::Cow::Owned(v)
}

/// Whether an ad runs on a day.
pub fn ad_active_on(cfg: &FakeConfig, ad: &AdDef, day: NaiveDate) -> bool {
    let first = cfg.start().date_naive() + Duration::days(10 * ad.campaign as i64);
    day >= first && day <= cfg.end_time.date_naive()
}

/// One insights row (level=ad, one day).
pub fn insights_row(cfg: &FakeConfig, ad: &AdDef, day: NaiveDate) -> Value {
    let d = day.num_days_from_ce() as u64;
    let r = |k: u64| h(cfg.seed, &[60 + k, ad.id.parse::<u64>().unwrap_or(0), d]);
    let spend = 50_000 + (r(1) % 1_450) as i64 * 1000 + (r(2) % 1000) as i64;
    let impressions = spend / 40 + (r(3) % 500) as i64;
    let reach = impressions * 7 / 10;
    let clicks = impressions / 60 + (r(4) % 20) as i64;
    let purchases = (r(5) % 9) as i64;
    let aov = 250_000 + (r(6) % 400) as i64 * 1000;
    let mut actions = vec![
        json!({"action_type": "link_click", "value": clicks.to_string()}),
        json!({"action_type": "purchase", "value": purchases.to_string()}),
        json!({"action_type": "offsite_conversion.fb_pixel_purchase", "value": purchases.to_string()}),
    ];
    let mut values = vec![
        json!({"action_type": "purchase", "value": (purchases * aov).to_string()}),
        json!({"action_type": "offsite_conversion.fb_pixel_purchase", "value": (purchases * aov).to_string()}),
    ];
    // Most rows also carry omni_purchase (slightly higher: it includes on-site purchases);
    // one in five does not, to exercise the fallback to `purchase`.
    if r(7) % 5 != 0 {
        let omni = purchases + i64::from(r(8) % 3 == 0);
        actions.push(json!({"action_type": "omni_purchase", "value": omni.to_string()}));
        values.push(json!({"action_type": "omni_purchase", "value": (omni * aov).to_string()}));
    }
    let date = day.format("%Y-%m-%d").to_string();
    json!({
        "date_start": date, "date_stop": date,
        "account_id": AD_ACCOUNT_ID.trim_start_matches("act_"),
        "campaign_id": ad.campaign_id, "campaign_name": ad.campaign_name,
        "adset_id": ad.adset_id, "adset_name": ad.adset_name,
        "ad_id": ad.id, "ad_name": ad.name,
        "spend": spend.to_string(),
        "impressions": impressions.to_string(), "clicks": clicks.to_string(),
        "reach": reach.to_string(),
        "actions": actions, "action_values": values,
    })
}

use chrono::Datelike;

/// Default fixture end: 2026-07-01 00:00 in Vietnam.
pub fn default_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 17, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}
