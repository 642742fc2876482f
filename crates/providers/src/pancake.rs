//! Pancake POS Open API client (`https://pos.pages.fm/api/v1`, key in `?api_key=`).
//!
//! Facts from `shared/reference/pancake-pos-api.md`. The key travels in the query string, so
//! the URL is never logged (logs name the path only) and reqwest errors lose their URL before
//! they are looked at. Every answer is checked for `success:false`, including HTTP 200 ones.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::error::{scrubbed_of, Provider, ProviderError, ProviderResult};
use crate::http::{
    off_thread, retry_after, BodyKind, HttpCore, HttpSettings, RawResponse, Resend, Verdict,
};
use crate::values::{as_i64, bool_at, i64_at, str_at, time_at};

/// The production base URL.
pub const PANCAKE_DEFAULT_BASE_URL: &str = "https://pos.pages.fm/api/v1";
/// Environment variable overriding the base URL.
pub const PANCAKE_BASE_URL_ENV: &str = "PANCAKE_POS_BASE_URL";

const P: Provider = Provider::PancakePos;

/// A shop the key can see (`GET /shops`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PancakeShop {
    /// Shop id (integer).
    pub id: i64,
    /// Shop name as typed in Pancake, e.g. "Shop thời trang".
    pub name: String,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
}

/// One page of a paginated list (`{data, page_number, page_size, total_entries, total_pages}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// Rows of this page.
    pub data: Vec<T>,
    /// 1-based page number as answered (falls back to the one asked for).
    pub page_number: u32,
    /// Page size as answered (falls back to the one asked for).
    pub page_size: u32,
    /// Rows over all pages, when given.
    pub total_entries: Option<u64>,
    /// Pages in all, when given.
    pub total_pages: Option<u32>,
}

impl<T> Page<T> {
    /// True when a next page should be fetched: `total_pages` says so, or (without it) this
    /// page was full.
    pub fn has_more(&self) -> bool {
        match self.total_pages {
            Some(total) => self.page_number < total,
            None => !self.data.is_empty() && self.data.len() as u32 >= self.page_size,
        }
    }
}

/// Which timestamp an order time window applies to (`updateStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OrderTimeField {
    /// Creation time (the API default).
    #[default]
    InsertedAt,
    /// Last update time (incremental sync).
    UpdatedAt,
}

impl OrderTimeField {
    fn as_param(self) -> &'static str {
        match self {
            OrderTimeField::InsertedAt => "inserted_at",
            OrderTimeField::UpdatedAt => "updated_at",
        }
    }
}

/// Parameters of `GET /shops/{id}/orders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrdersQuery {
    /// 1-based page.
    pub page_number: u32,
    /// Rows per page (production clients use 100–200; the maximum is undocumented).
    pub page_size: u32,
    /// Window start, inclusive (sent as Unix seconds `startDateTime`).
    pub start: Option<DateTime<Utc>>,
    /// Window end (sent as Unix seconds `endDateTime`).
    pub end: Option<DateTime<Utc>>,
    /// Which timestamp the window applies to.
    pub time_field: OrderTimeField,
    /// `option_sort`, e.g. `last_updated_order_asc` (stable while rows change).
    pub option_sort: Option<String>,
    /// `filter_status[]` codes.
    pub filter_status: Vec<i64>,
    /// `include_removed=1`: also return deleted (status 7) orders.
    pub include_removed: bool,
}

impl Default for OrdersQuery {
    fn default() -> Self {
        Self {
            page_number: 1,
            page_size: 100,
            start: None,
            end: None,
            time_field: OrderTimeField::UpdatedAt,
            option_sort: Some("last_updated_order_asc".to_owned()),
            filter_status: Vec::new(),
            include_removed: false,
        }
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PancakeOrderItem {
    /// Item id, when given.
    pub id: Option<String>,
    /// Product id (UUID string).
    pub product_id: Option<String>,
    /// Variation id (UUID string).
    pub variation_id: Option<String>,
    /// Quantity ordered.
    pub quantity: i64,
    /// Unit retail price (integer, shop currency) from `variation_info.retail_price`.
    pub price: Option<i64>,
    /// Discount per unit.
    pub discount_each_product: Option<i64>,
    /// Variation name from `variation_info.name`.
    pub name: Option<String>,
    /// SKU from `variation_info.display_id`.
    pub sku: Option<String>,
    /// True for gifts.
    pub is_bonus_product: bool,
}

/// A webhook to register with a shop: where Pancake posts, and the header (name and secret
/// value) it sends with every delivery.
#[derive(Debug, Clone)]
pub struct PancakeWebhook {
    pub url: String,
    pub header: String,
    pub secret: SecretString,
}

/// An order with the fields sync and analytics need. Money is integer in the shop currency
/// (whole đồng for VND); timestamps are UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PancakeOrder {
    /// Per-shop order id; key orders by `(shop_id, id)`.
    pub id: i64,
    /// Shop id when present in the row.
    pub shop_id: Option<i64>,
    /// Pancake's `system_id`.
    pub system_id: Option<i64>,
    /// Status code (0 new, 1 confirmed, 2 shipped, 3 received, 4 returning, 5 returned,
    /// 6 canceled, 7 deleted, 16 collected money…). Unknown codes are kept as they are.
    pub status: i64,
    /// Machine label, informational only.
    pub status_name: Option<String>,
    /// Creation time.
    pub inserted_at: Option<DateTime<Utc>>,
    /// Last update time.
    pub updated_at: Option<DateTime<Utc>>,
    /// Goods value.
    pub total_price: i64,
    /// Total discount.
    pub total_discount: i64,
    /// Shipping fee charged to the customer.
    pub shipping_fee: i64,
    /// Cash to collect on delivery.
    pub cod: i64,
    /// Money to collect, when given.
    pub money_to_collect: Option<i64>,
    /// Currency code, e.g. `VND`.
    pub order_currency: Option<String>,
    /// Meta ad id the order came from, when set.
    pub ad_id: Option<String>,
    /// `ads_source`.
    pub ads_source: Option<String>,
    /// Facebook page id.
    pub page_id: Option<String>,
    /// Facebook post id.
    pub post_id: Option<String>,
    /// `p_utm_source`.
    pub utm_source: Option<String>,
    /// `p_utm_campaign`.
    pub utm_campaign: Option<String>,
    /// True for counter sales.
    pub received_at_shop: Option<bool>,
    /// Customer name on the bill.
    pub bill_full_name: Option<String>,
    /// Warehouse the order ships from.
    pub warehouse_id: Option<String>,
    /// Lines.
    pub items: Vec<PancakeOrderItem>,
    /// The row exactly as received, for storage.
    pub raw: Value,
}

impl PancakeOrder {
    /// Extract the typed fields from a raw row. Fails only without an `id`.
    pub fn from_value(raw: Value) -> Result<Self, String> {
        let id = i64_at(&raw, "id").ok_or("order without an integer `id`")?;
        let items = raw
            .get("items")
            .and_then(Value::as_array)
            .map(|items| items.iter().map(order_item).collect())
            .unwrap_or_default();
        Ok(Self {
            id,
            shop_id: i64_at(&raw, "shop_id"),
            system_id: i64_at(&raw, "system_id"),
            status: i64_at(&raw, "status").unwrap_or(-1),
            status_name: str_at(&raw, "status_name"),
            inserted_at: time_at(&raw, "inserted_at"),
            updated_at: time_at(&raw, "updated_at"),
            total_price: i64_at(&raw, "total_price").unwrap_or(0),
            total_discount: i64_at(&raw, "total_discount").unwrap_or(0),
            shipping_fee: i64_at(&raw, "shipping_fee").unwrap_or(0),
            cod: i64_at(&raw, "cod").unwrap_or(0),
            money_to_collect: i64_at(&raw, "money_to_collect"),
            order_currency: str_at(&raw, "order_currency"),
            ad_id: str_at(&raw, "ad_id").filter(|s| !s.is_empty()),
            ads_source: str_at(&raw, "ads_source"),
            page_id: str_at(&raw, "page_id"),
            post_id: str_at(&raw, "post_id"),
            utm_source: str_at(&raw, "p_utm_source"),
            utm_campaign: str_at(&raw, "p_utm_campaign"),
            received_at_shop: bool_at(&raw, "received_at_shop"),
            bill_full_name: str_at(&raw, "bill_full_name"),
            warehouse_id: str_at(&raw, "warehouse_id"),
            items,
            raw,
        })
    }
}

fn order_item(v: &Value) -> PancakeOrderItem {
    let info = v.get("variation_info").unwrap_or(&Value::Null);
    PancakeOrderItem {
        id: str_at(v, "id"),
        product_id: str_at(v, "product_id"),
        variation_id: str_at(v, "variation_id"),
        quantity: i64_at(v, "quantity").unwrap_or(0),
        price: i64_at(info, "retail_price"),
        discount_each_product: i64_at(v, "discount_each_product"),
        name: str_at(info, "name"),
        sku: str_at(info, "display_id"),
        is_bonus_product: bool_at(v, "is_bonus_product").unwrap_or(false),
    }
}

/// Stock of one variation in one warehouse (`variations_warehouses[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariationStock {
    /// Warehouse id (UUID string).
    pub warehouse_id: String,
    /// Sellable quantity.
    pub remain_quantity: i64,
    /// Physically on hand.
    pub actual_remain_quantity: Option<i64>,
    /// `max(0, remain)`.
    pub available_quantity: Option<i64>,
    /// Average cost.
    pub avg_price: Option<i64>,
}

/// One catalogue row of `GET /shops/{id}/products/variations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PancakeVariation {
    /// Variation id (UUID string).
    pub id: String,
    /// Product id.
    pub product_id: Option<String>,
    /// SKU.
    pub display_id: Option<String>,
    /// Barcode.
    pub barcode: Option<String>,
    /// Product name (`product.name`).
    pub product_name: Option<String>,
    /// Attribute values, e.g. `[("Size", "M")]`.
    pub fields: Vec<(String, String)>,
    /// Retail price (integer, shop currency).
    pub retail_price: i64,
    /// Last import price.
    pub last_imported_price: Option<i64>,
    /// Average import price.
    pub average_imported_price: Option<i64>,
    /// Sellable quantity over all warehouses.
    pub remain_quantity: i64,
    /// Hidden in the catalogue.
    pub is_hidden: bool,
    /// Creation time.
    pub inserted_at: Option<DateTime<Utc>>,
    /// Last update.
    pub updated_at: Option<DateTime<Utc>>,
    /// Stock per warehouse.
    pub stock: Vec<VariationStock>,
    /// The row exactly as received.
    pub raw: Value,
}

impl PancakeVariation {
    /// Extract the typed fields. Fails only without an `id`.
    pub fn from_value(raw: Value) -> Result<Self, String> {
        let id = str_at(&raw, "id").ok_or("variation without an `id`")?;
        let fields = raw
            .get("fields")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|f| Some((str_at(f, "name")?, str_at(f, "value")?)))
                    .collect()
            })
            .unwrap_or_default();
        let stock = raw
            .get("variations_warehouses")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|w| {
                        Some(VariationStock {
                            warehouse_id: str_at(w, "warehouse_id")?,
                            remain_quantity: i64_at(w, "remain_quantity").unwrap_or(0),
                            actual_remain_quantity: i64_at(w, "actual_remain_quantity"),
                            available_quantity: i64_at(w, "available_quantity"),
                            avg_price: i64_at(w, "avg_price"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let product = raw.get("product").unwrap_or(&Value::Null);
        Ok(Self {
            id,
            product_id: str_at(&raw, "product_id"),
            display_id: str_at(&raw, "display_id"),
            barcode: str_at(&raw, "barcode"),
            product_name: str_at(product, "name"),
            fields,
            retail_price: i64_at(&raw, "retail_price").unwrap_or(0),
            last_imported_price: i64_at(&raw, "last_imported_price"),
            average_imported_price: i64_at(&raw, "average_imported_price"),
            remain_quantity: i64_at(&raw, "remain_quantity").unwrap_or(0),
            is_hidden: bool_at(&raw, "is_hidden").unwrap_or(false),
            inserted_at: time_at(&raw, "inserted_at"),
            updated_at: time_at(&raw, "updated_at"),
            stock,
            raw,
        })
    }
}

/// A warehouse (`GET /shops/{id}/warehouses`, not paginated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PancakeWarehouse {
    /// Warehouse id (UUID string).
    pub id: String,
    /// Name, e.g. "Kho chính".
    pub name: String,
    /// Full address.
    pub full_address: Option<String>,
    /// Phone.
    pub phone_number: Option<String>,
    /// The row exactly as received.
    pub raw: Value,
}

/// One stock movement (`GET /shops/{id}/inventory_histories`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryMovement {
    /// Movement id.
    pub id: String,
    /// Variation id, from `variation_now.id` or `variation_id`.
    pub variation_id: Option<String>,
    /// Warehouse id, from `warehouse.id` or `warehouse_id`.
    pub warehouse_id: Option<String>,
    /// Signed change.
    pub quantity: i64,
    /// Quantity after the change.
    pub remain_quantity: Option<i64>,
    /// Human label of the movement type.
    pub kind: Option<String>,
    /// When it happened.
    pub inserted_at: Option<DateTime<Utc>>,
    /// The row exactly as received.
    pub raw: Value,
}

impl InventoryMovement {
    fn from_value(raw: Value) -> Result<Self, String> {
        let id = str_at(&raw, "id").ok_or("movement without an `id`")?;
        let variation_id = raw
            .get("variation_now")
            .and_then(|v| str_at(v, "id"))
            .or_else(|| str_at(&raw, "variation_id"));
        let warehouse_id = raw
            .get("warehouse")
            .and_then(|v| str_at(v, "id"))
            .or_else(|| str_at(&raw, "warehouse_id"));
        Ok(Self {
            id,
            variation_id,
            warehouse_id,
            quantity: i64_at(&raw, "quantity").unwrap_or(0),
            remain_quantity: i64_at(&raw, "remain_quantity"),
            kind: str_at(&raw, "type"),
            inserted_at: time_at(&raw, "inserted_at"),
            raw,
        })
    }
}

/// Client for one Pancake POS base URL. Cheap to share behind an `Arc`; holds no key.
pub struct PancakeClient {
    base: Url,
    http: HttpCore,
}

impl std::fmt::Debug for PancakeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PancakeClient")
            .field("base", &self.base.as_str())
            .finish()
    }
}

impl PancakeClient {
    /// A client for `base_url` (e.g. `https://pos.pages.fm/api/v1`).
    pub fn new(base_url: impl AsRef<str>, settings: HttpSettings) -> ProviderResult<Self> {
        let base = parse_base(base_url.as_ref())?;
        Ok(Self {
            base,
            http: HttpCore::new(P, settings)?,
        })
    }

    /// A client for `PANCAKE_POS_BASE_URL`, or the production URL when it is unset.
    pub fn from_env(settings: HttpSettings) -> ProviderResult<Self> {
        let base = std::env::var(PANCAKE_BASE_URL_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| PANCAKE_DEFAULT_BASE_URL.to_owned());
        Self::new(base, settings)
    }

    /// The same base URL with other HTTP settings (e.g. no in-client retries, for a caller
    /// that paces and retries itself).
    pub fn with_settings(&self, settings: HttpSettings) -> ProviderResult<Self> {
        Ok(Self {
            base: self.base.clone(),
            http: HttpCore::new(P, settings)?,
        })
    }

    /// This client without in-client retries, for a caller that paces and retries itself;
    /// every other setting (timeouts, the usage pause, body limits) stays this client's.
    pub fn without_retries(&self) -> ProviderResult<Self> {
        self.with_settings(HttpSettings {
            max_attempts: 1,
            ..self.http.settings.clone()
        })
    }

    /// The base URL (holds no secret).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The shops the key can see, de-duplicated by id (first occurrence kept).
    #[tracing::instrument(skip_all)]
    pub async fn discover_shops(&self, api_key: &SecretString) -> ProviderResult<Vec<PancakeShop>> {
        scrubbed_of(api_key, async {
            let body = self
                .get_json(api_key, &["shops"], &[], None, BodyKind::Small)
                .await?;
            // `shops` per the spec; some clients defensively read `data`.
            let list = body
                .get("shops")
                .or_else(|| body.get("data"))
                .and_then(Value::as_array)
                .ok_or_else(|| malformed("the answer has no `shops` list"))?;
            let mut seen = HashSet::new();
            let mut shops = Vec::with_capacity(list.len());
            for row in list {
                let id =
                    i64_at(row, "id").ok_or_else(|| malformed("a shop has no integer `id`"))?;
                if seen.insert(id) {
                    shops.push(PancakeShop {
                        id,
                        name: str_at(row, "name").unwrap_or_default(),
                        avatar_url: str_at(row, "avatar_url"),
                    });
                }
            }
            Ok(shops)
        })
        .await
    }

    /// Check that the key works and reaches `shop_id`.
    ///
    /// Errors: [`ProviderError::AuthRejected`] for a refused key, [`ProviderError::NoShopAccess`]
    /// when the key lists no shop, [`ProviderError::ShopNotReachable`] when `shop_id` is not
    /// among them, plus the transport/rate-limit errors.
    #[tracing::instrument(skip_all, fields(shop_id))]
    pub async fn test_connection(
        &self,
        api_key: &SecretString,
        shop_id: i64,
    ) -> ProviderResult<PancakeShop> {
        let shops = self.discover_shops(api_key).await?;
        if shops.is_empty() {
            return Err(ProviderError::NoShopAccess);
        }
        shops
            .into_iter()
            .find(|s| s.id == shop_id)
            .ok_or(ProviderError::ShopNotReachable { shop_id })
    }

    /// Registers (`Some`) or removes (`None`) the shop's webhook: `PUT /shops/{shop_id}` with
    /// the URL, the data types to send (orders and stock changes) and the header Pancake must
    /// send with each delivery (the secret the receiver checks).
    #[tracing::instrument(skip_all, fields(shop_id))]
    pub async fn set_webhook(
        &self,
        api_key: &SecretString,
        shop_id: i64,
        webhook: Option<&PancakeWebhook>,
    ) -> ProviderResult<()> {
        let shop = match webhook {
            Some(webhook) => serde_json::json!({
                "webhook_enable": true,
                "webhook_url": webhook.url,
                "webhook_types": ["orders", "variations_warehouses"],
                "webhook_partner": "",
                "webhook_headers": { webhook.header.as_str(): webhook.secret.expose_secret() },
            }),
            // Off: Pancake forgets the URL and the secret too.
            None => serde_json::json!({
                "webhook_enable": false,
                "webhook_url": "",
                "webhook_types": [],
                "webhook_headers": {},
            }),
        };
        let body = serde_json::json!({ "shop": shop });
        let url = self.url(&["shops", &shop_id.to_string()])?;
        let result = self
            .send(
                reqwest::Method::PUT,
                api_key,
                &url,
                Some(&body),
                Some(shop_id),
                BodyKind::Small,
            )
            .await;
        result.map(|_| ()).map_err(|err| {
            let err = err.scrub_secret(api_key.expose_secret());
            match webhook {
                Some(webhook) => err.scrub_secret(webhook.secret.expose_secret()),
                None => err,
            }
        })
    }

    /// One page of `GET /shops/{shop_id}/orders`.
    #[tracing::instrument(skip_all, fields(shop_id, page = query.page_number))]
    pub async fn orders_page(
        &self,
        api_key: &SecretString,
        shop_id: i64,
        query: &OrdersQuery,
    ) -> ProviderResult<Page<PancakeOrder>> {
        let mut params: Vec<(String, String)> = vec![
            ("page_number".into(), query.page_number.max(1).to_string()),
            ("page_size".into(), query.page_size.max(1).to_string()),
            ("updateStatus".into(), query.time_field.as_param().into()),
        ];
        if let Some(start) = query.start {
            params.push(("startDateTime".into(), start.timestamp().to_string()));
        }
        if let Some(end) = query.end {
            params.push(("endDateTime".into(), end.timestamp().to_string()));
        }
        if let Some(sort) = &query.option_sort {
            params.push(("option_sort".into(), sort.clone()));
        }
        for s in &query.filter_status {
            params.push(("filter_status[]".into(), s.to_string()));
        }
        if query.include_removed {
            params.push(("include_removed".into(), "1".into()));
        }
        let path = ["shops".to_owned(), shop_id.to_string(), "orders".to_owned()];
        self.page(
            api_key,
            shop_id,
            &path,
            &params,
            (query.page_number, query.page_size),
            PancakeOrder::from_value,
        )
        .await
    }

    /// One page of `GET /shops/{shop_id}/products/variations` (`page_number`, `page_size`).
    #[tracing::instrument(skip_all, fields(shop_id, page = page_number))]
    pub async fn variations_page(
        &self,
        api_key: &SecretString,
        shop_id: i64,
        page_number: u32,
        page_size: u32,
    ) -> ProviderResult<Page<PancakeVariation>> {
        let params = vec![
            ("page_number".to_owned(), page_number.max(1).to_string()),
            ("page_size".to_owned(), page_size.max(1).to_string()),
        ];
        let path = [
            "shops".to_owned(),
            shop_id.to_string(),
            "products".to_owned(),
            "variations".into(),
        ];
        self.page(
            api_key,
            shop_id,
            &path,
            &params,
            (page_number, page_size),
            PancakeVariation::from_value,
        )
        .await
    }

    /// One page of `GET /shops/{shop_id}/inventory_histories` (this endpoint pages with `page`).
    #[tracing::instrument(skip_all, fields(shop_id, page))]
    pub async fn inventory_histories_page(
        &self,
        api_key: &SecretString,
        shop_id: i64,
        page: u32,
        page_size: u32,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> ProviderResult<Page<InventoryMovement>> {
        let mut params = vec![
            ("page".to_owned(), page.max(1).to_string()),
            ("page_size".to_owned(), page_size.max(1).to_string()),
        ];
        if let Some((start, end)) = window {
            params.push(("startDate".into(), start.timestamp().to_string()));
            params.push(("endDate".into(), end.timestamp().to_string()));
        }
        let path = [
            "shops".to_owned(),
            shop_id.to_string(),
            "inventory_histories".to_owned(),
        ];
        self.page(
            api_key,
            shop_id,
            &path,
            &params,
            (page, page_size),
            InventoryMovement::from_value,
        )
        .await
    }

    /// `GET /shops/{shop_id}/warehouses` (not paginated).
    #[tracing::instrument(skip_all, fields(shop_id))]
    pub async fn warehouses(
        &self,
        api_key: &SecretString,
        shop_id: i64,
    ) -> ProviderResult<Vec<PancakeWarehouse>> {
        scrubbed_of(api_key, async {
            let shop = shop_id.to_string();
            let body = self
                .get_json(
                    api_key,
                    &["shops", &shop, "warehouses"],
                    &[],
                    Some(shop_id),
                    BodyKind::Small,
                )
                .await?;
            let rows = body
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| malformed("the answer has no `data` list"))?;
            rows.iter()
                .map(|raw| {
                    Ok(PancakeWarehouse {
                        id: str_at(raw, "id")
                            .ok_or_else(|| malformed("a warehouse has no `id`"))?,
                        name: str_at(raw, "name").unwrap_or_default(),
                        full_address: str_at(raw, "full_address"),
                        phone_number: str_at(raw, "phone_number"),
                        raw: raw.clone(),
                    })
                })
                .collect::<ProviderResult<Vec<_>>>()
        })
        .await
    }

    /// One page of `path`; the page number and size asked for stand in where the answer leaves
    /// its own out.
    async fn page<T: Send + 'static>(
        &self,
        api_key: &SecretString,
        shop_id: i64,
        path: &[String],
        params: &[(String, String)],
        (asked_number, asked_size): (u32, u32),
        parse: fn(Value) -> Result<T, String>,
    ) -> ProviderResult<Page<T>> {
        scrubbed_of(api_key, async {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let mut body = self
                .get_json(api_key, &path, params, Some(shop_id), BodyKind::Page)
                .await?;
            let page_number = body
                .get("page_number")
                .and_then(as_i64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(asked_number);
            let page_size = body
                .get("page_size")
                .and_then(as_i64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(asked_size);
            let total_entries = body
                .get("total_entries")
                .and_then(as_i64)
                .and_then(|n| u64::try_from(n).ok());
            let total_pages = body
                .get("total_pages")
                .and_then(as_i64)
                .and_then(|n| u32::try_from(n).ok());
            let rows = match body.get_mut("data").map(Value::take) {
                Some(Value::Array(rows)) => rows,
                _ => return Err(malformed("the answer has no `data` list")),
            };
            let data = off_thread(move || {
                rows.into_iter()
                    .map(|row| parse(row).map_err(|e| malformed(&e)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
            Ok(Page {
                data,
                page_number,
                page_size,
                total_entries,
                total_pages,
            })
        })
        .await
    }

    /// GET `base/<path segments>?<params>&api_key=…` with retries; returns the checked body.
    async fn get_json(
        &self,
        api_key: &SecretString,
        path: &[&str],
        params: &[(String, String)],
        shop_id: Option<i64>,
        kind: BodyKind,
    ) -> ProviderResult<Value> {
        let mut url = self.url(path)?;
        url.query_pairs_mut().extend_pairs(params);
        self.send(reqwest::Method::GET, api_key, &url, None, shop_id, kind)
            .await
    }

    /// `base/<path segments>`, without query.
    fn url(&self, path: &[&str]) -> ProviderResult<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| ProviderError::InvalidConfig {
                detail: "the Pancake POS base URL cannot hold a path".into(),
            })?
            .pop_if_empty()
            .extend(path);
        Ok(url)
    }

    /// `method url&api_key=…` (with `body` as JSON) with retries; returns the checked body.
    /// Pancake's requests (GET, PUT) are all idempotent, so any of them may be resent.
    async fn send(
        &self,
        method: reqwest::Method,
        api_key: &SecretString,
        url: &Url,
        body: Option<&Value>,
        shop_id: Option<i64>,
        kind: BodyKind,
    ) -> ProviderResult<Value> {
        // The log label is the path only: the query will carry the key.
        let label = format!("{method} {}", url.path());
        // The one place the key is exposed: appended to the query of a URL that is only
        // handed to reqwest.
        let make = || {
            let mut u = url.clone();
            u.query_pairs_mut()
                .append_pair("api_key", api_key.expose_secret());
            let request = self.http.client.request(method.clone(), u);
            match body {
                Some(body) => request.json(body),
                None => request,
            }
        };
        self.http
            .execute(&label, kind, Resend::Always, None, make, |raw| {
                interpret(raw, shop_id, api_key.expose_secret())
            })
            .await
    }
}

fn parse_base(s: &str) -> ProviderResult<Url> {
    let url = Url::parse(s.trim()).map_err(|e| ProviderError::InvalidConfig {
        detail: format!("the base URL is not a valid URL ({e})"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(ProviderError::InvalidConfig {
            detail: "the base URL must be an http(s) URL".into(),
        });
    }
    Ok(url)
}

fn malformed(detail: &str) -> ProviderError {
    ProviderError::MalformedResponse {
        provider: P,
        detail: detail.to_owned(),
    }
}

/// Decide what a Pancake answer means (reference §Errors and limits).
/// `secret` is the key, masked out of upstream messages before they are cut to length.
fn interpret(mut raw: RawResponse, shop_id: Option<i64>, secret: &str) -> Verdict<Value> {
    let status = raw.status;
    let wait = retry_after(&raw.headers);
    if status.as_u16() == 429 {
        return Verdict::Retry {
            error: ProviderError::RateLimited {
                provider: P,
                retry_after: wait,
            },
            wait,
        };
    }
    let parsed = raw.json(P);
    if status.is_server_error() {
        let detail = parsed
            .as_ref()
            .ok()
            .and_then(|b| upstream_message(b, secret))
            .unwrap_or_else(|| "the server had a problem".to_owned());
        return Verdict::Retry {
            error: ProviderError::Upstream {
                provider: P,
                status: Some(status.as_u16()),
                detail,
            },
            wait,
        };
    }
    let body = match parsed {
        Ok(body) => body,
        Err(e) if status.is_success() => return Verdict::Fail(e),
        Err(_) if matches!(status.as_u16(), 401 | 403) => {
            return Verdict::Fail(ProviderError::AuthRejected {
                provider: P,
                detail: None,
            })
        }
        Err(_) => {
            return Verdict::Fail(ProviderError::Upstream {
                provider: P,
                status: Some(status.as_u16()),
                detail: "an error answer that is not JSON".into(),
            })
        }
    };
    let success_false = body.get("success").and_then(Value::as_bool) == Some(false);
    if status.is_success() && !success_false {
        return Verdict::Done(body);
    }
    let code = i64_at(&body, "error_code");
    let message = upstream_message(&body, secret);
    let error = match code {
        // 105: invalid or disabled key; 101: "Missing access_token" (legacy form, HTTP 200).
        Some(101 | 102 | 105) => ProviderError::AuthRejected {
            provider: P,
            detail: message,
        },
        Some(106) => {
            return Verdict::Retry {
                error: ProviderError::RateLimited {
                    provider: P,
                    retry_after: wait,
                },
                wait,
            }
        }
        _ if body.get("permission").is_some()
            || message.as_deref() == Some("Insufficient permissions") =>
        {
            let perm = str_at(&body, "permission");
            ProviderError::PermissionDenied {
                provider: P,
                detail: perm.map_or_else(
                    || "insufficient permissions".to_owned(),
                    |p| format!("permission `{p}` is missing"),
                ),
            }
        }
        _ if matches!(status.as_u16(), 401 | 403) => ProviderError::AuthRejected {
            provider: P,
            detail: message,
        },
        _ if status.as_u16() == 404 && shop_id.is_some() => ProviderError::ShopNotReachable {
            shop_id: shop_id.unwrap_or_default(),
        },
        _ => ProviderError::Upstream {
            provider: P,
            status: Some(status.as_u16()),
            detail: message.unwrap_or_else(|| "the request was not successful".into()),
        },
    };
    Verdict::Fail(error)
}

/// The upstream explanation, with `secret` masked before the text is cut to 300 characters.
fn upstream_message(body: &Value, secret: &str) -> Option<String> {
    str_at(body, "message")
        .or_else(|| str_at(body, "error"))
        .map(|m| crate::redact::clean_upstream_text(&m, secret, 300))
}
