//! Pancake's webhook deliveries, read: what a body is and whether it belongs to the shop it was
//! sent for. Pure; `service::webhooks` stores what this reads and `integrations serve` speaks
//! HTTP around it.
//!
//! Pancake names no event and signs nothing (`shared/reference/pancake-pos-api.md` §6): the kind
//! is told from the payload's shape. An order is the bare Order object, a customer the bare
//! Customer, a product and a stock change come wrapped as `{"data": {"record": …}}`, and an
//! `auto_call` carries its `type`.

use chrono::{DateTime, Utc};
use integrations_providers::{PancakeOrder, PancakeVariation};
use serde_json::Value;

/// The largest body a delivery may have: Pancake's orders are a few kilobytes, a megabyte is
/// far beyond any real one and small enough that a flood cannot exhaust memory.
pub const MAX_DELIVERY_BYTES: usize = 1024 * 1024;

/// The header Pancake is told to send with every delivery (its `webhook_headers`), holding the
/// integration's secret.
pub const SECRET_HEADER: &str = "X-Integrations-Secret";

/// Where an integration's deliveries go, below the server's public URL.
pub fn webhook_path(integration: uuid::Uuid) -> String {
    format!("/webhooks/pancake/{integration}")
}

/// What a delivery was about, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryKind {
    Order,
    Stock,
    Customer,
    Product,
    AutoCall,
    /// Not read: refused before (bad secret, too large, not JSON) or of no known shape.
    Unknown,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Order => "order",
            Self::Stock => "stock",
            Self::Customer => "customer",
            Self::Product => "product",
            Self::AutoCall => "auto_call",
            Self::Unknown => "unknown",
        }
    }
}

/// What became of a delivery, as logged and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeliveryOutcome {
    /// Written (an order, a stock line).
    Stored,
    /// Read and valid, but older than what is stored (a late or repeated delivery).
    Unchanged,
    /// Valid, of a kind nothing here stores: acknowledged. Customers (the app keeps no customer
    /// records: a person's name and phone stay in Pancake), calls, and products that list no
    /// variation.
    Ignored,
    /// Refused: the secret header was missing or wrong (401).
    Unauthorized,
    /// Refused: the body was over [`MAX_DELIVERY_BYTES`] (413).
    TooLarge,
    /// Refused: the body was not JSON (400).
    NotJson,
    /// Refused: the payload names another shop than the integration's (422).
    WrongShop,
    /// Refused: JSON of no known shape, or an order or stock line without its ids (422).
    Invalid,
}

impl DeliveryOutcome {
    pub const ALL: [Self; 8] = [
        Self::Stored,
        Self::Unchanged,
        Self::Ignored,
        Self::Unauthorized,
        Self::TooLarge,
        Self::NotJson,
        Self::WrongShop,
        Self::Invalid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Unchanged => "unchanged",
            Self::Ignored => "ignored",
            Self::Unauthorized => "unauthorized",
            Self::TooLarge => "too_large",
            Self::NotJson => "not_json",
            Self::WrongShop => "wrong_shop",
            Self::Invalid => "invalid",
        }
    }

    /// Whether the delivery was taken (2xx): Pancake should not send it again.
    pub fn accepted(self) -> bool {
        matches!(self, Self::Stored | Self::Unchanged | Self::Ignored)
    }

    /// The HTTP status the sender gets.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Stored | Self::Unchanged | Self::Ignored => 200,
            Self::Unauthorized => 401,
            Self::TooLarge => 413,
            Self::NotJson => 400,
            Self::WrongShop | Self::Invalid => 422,
        }
    }
}

/// A change of one variation's stock in one warehouse.
#[derive(Debug, Clone, PartialEq)]
pub struct StockChange {
    pub variation_id: String,
    pub warehouse_id: String,
    pub remain_quantity: i64,
    /// When the change happened at Pancake (`inserted_at`), if said.
    pub changed_at: Option<DateTime<Utc>>,
}

/// A product change: its variations as a sync reads them from the catalogue.
#[derive(Debug, Clone)]
pub struct ProductChange {
    pub product_id: Option<String>,
    pub variations: Vec<PancakeVariation>,
}

/// A delivery read and checked against its shop.
#[derive(Debug, Clone)]
pub enum Delivery {
    Order(Box<PancakeOrder>),
    Stock(StockChange),
    Product(ProductChange),
    /// A kind nothing here stores, with the id it was about.
    Other {
        kind: DeliveryKind,
        reference: Option<String>,
    },
}

impl Delivery {
    pub fn kind(&self) -> DeliveryKind {
        match self {
            Self::Order(_) => DeliveryKind::Order,
            Self::Stock(_) => DeliveryKind::Stock,
            Self::Product(_) => DeliveryKind::Product,
            Self::Other { kind, .. } => *kind,
        }
    }

    /// The order or variation id the delivery was about: logged, as it names nobody.
    pub fn reference(&self) -> Option<String> {
        match self {
            Self::Order(order) => Some(order.id.to_string()),
            Self::Stock(stock) => Some(stock.variation_id.clone()),
            Self::Product(product) => product.product_id.clone(),
            Self::Other { reference, .. } => reference.clone(),
        }
    }
}

/// Why a delivery was refused once its body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub kind: DeliveryKind,
    pub outcome: DeliveryOutcome,
}

/// Reads a delivery's body for the integration of shop `shop_id`.
pub fn read_delivery(body: &[u8], shop_id: i64) -> Result<Delivery, Refused> {
    let refused = |kind, outcome| Refused { kind, outcome };
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| refused(DeliveryKind::Unknown, DeliveryOutcome::NotJson))?;
    let Value::Object(top) = &value else {
        return Err(refused(DeliveryKind::Unknown, DeliveryOutcome::Invalid));
    };
    let record = top
        .get("data")
        .and_then(|data| data.get("record"))
        .filter(|record| record.is_object());
    let kind = match record {
        Some(record) if record.get("variation_id").is_some() => DeliveryKind::Stock,
        Some(_) => DeliveryKind::Product,
        None if top.get("type").and_then(Value::as_str) == Some("auto_call")
            || (top.contains_key("order_id") && top.contains_key("phone_number")) =>
        {
            DeliveryKind::AutoCall
        }
        None if top.contains_key("id") && top.contains_key("status") => DeliveryKind::Order,
        None if top.contains_key("id") => DeliveryKind::Customer,
        None => return Err(refused(DeliveryKind::Unknown, DeliveryOutcome::Invalid)),
    };
    // A shop id, where the payload has one, must be the integration's: a delivery for another
    // shop is a misconfiguration (or an attempt to write into this one) and changes nothing.
    let named_shop = match record {
        Some(record) => record.get("shop_id"),
        None => top.get("shop_id"),
    };
    if let Some(named) = named_shop.filter(|value| !value.is_null()) {
        if as_i64(named) != Some(shop_id) {
            return Err(refused(kind, DeliveryOutcome::WrongShop));
        }
    }
    match kind {
        DeliveryKind::Order => {
            if top.get("id").and_then(as_i64).is_none() {
                return Err(refused(kind, DeliveryOutcome::Invalid));
            }
            let order = PancakeOrder::from_value(value)
                .map_err(|_| refused(kind, DeliveryOutcome::Invalid))?;
            Ok(Delivery::Order(Box::new(order)))
        }
        DeliveryKind::Stock => {
            let record = record.expect("a stock delivery has a record");
            let text = |field: &str| {
                record.get(field).and_then(|value| match value {
                    Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
                    Value::Number(number) => Some(number.to_string()),
                    _ => None,
                })
            };
            let (Some(variation_id), Some(warehouse_id), Some(remain_quantity)) = (
                text("variation_id"),
                text("warehouse_id"),
                record.get("remain_quantity").and_then(as_i64),
            ) else {
                return Err(refused(kind, DeliveryOutcome::Invalid));
            };
            Ok(Delivery::Stock(StockChange {
                variation_id,
                warehouse_id,
                remain_quantity,
                changed_at: record
                    .get("inserted_at")
                    .and_then(Value::as_str)
                    .and_then(integrations_providers::parse_pancake_timestamp),
            }))
        }
        DeliveryKind::AutoCall => Ok(Delivery::Other {
            kind,
            reference: top
                .get("order_id")
                .and_then(as_i64)
                .map(|id| id.to_string()),
        }),
        // A customer's id is not logged: with the shop it points at a person.
        DeliveryKind::Customer => Ok(Delivery::Other {
            kind,
            reference: None,
        }),
        DeliveryKind::Product => {
            let record = record.expect("a product delivery has a record");
            let product_id = record.get("id").and_then(|id| match id {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            });
            let mut variations = Vec::new();
            for variation in record
                .get("variations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                // A variation inside its product names neither: the catalogue rows a sync
                // reads do (`product_id`, `product.name`).
                let mut variation = variation.clone();
                if let Value::Object(fields) = &mut variation {
                    if let (false, Some(id)) = (fields.contains_key("product_id"), &product_id) {
                        fields.insert("product_id".into(), Value::String(id.clone()));
                    }
                    if let (false, Some(name)) =
                        (fields.contains_key("product"), record.get("name"))
                    {
                        fields.insert("product".into(), serde_json::json!({ "name": name }));
                    }
                }
                variations.push(
                    PancakeVariation::from_value(variation)
                        .map_err(|_| refused(kind, DeliveryOutcome::Invalid))?,
                );
            }
            Ok(Delivery::Product(ProductChange {
                product_id,
                variations,
            }))
        }
        DeliveryKind::Unknown => unreachable!("returned above"),
    }
}

/// A whole number given as a JSON number or a string of digits (Pancake sends both).
fn as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> Result<Delivery, Refused> {
        read_delivery(value.to_string().as_bytes(), 42)
    }

    #[test]
    fn an_order_is_the_bare_order_object_of_its_shop() {
        let delivery = read(
            json!({"id": 7, "shop_id": 42, "status": 1, "total_price": 150000,
                                   "updated_at": "2026-03-01T10:00:00Z"}),
        )
        .unwrap();
        let Delivery::Order(order) = &delivery else {
            panic!("read as {delivery:?}")
        };
        assert_eq!((order.id, order.total_price), (7, 150000));
        assert_eq!(delivery.reference().as_deref(), Some("7"));
    }

    #[test]
    fn a_payload_for_another_shop_is_refused_whatever_its_kind() {
        for body in [
            json!({"id": 7, "shop_id": 43, "status": 1}),
            json!({"id": 7, "shop_id": "43", "status": 1}),
            json!({"id": "c1", "shop_id": 43, "name": "Nguyễn Văn A"}),
            json!({"data": {"record": {"id": "p1", "shop_id": 43}, "success": true}}),
        ] {
            assert_eq!(
                read(body.clone()).unwrap_err().outcome,
                DeliveryOutcome::WrongShop,
                "{body}"
            );
        }
    }

    #[test]
    fn a_stock_change_names_its_variation_warehouse_and_time() {
        let delivery = read(json!({"data": {"record": {
            "variation_id": "v-1", "warehouse_id": "w-2", "remain_quantity": 12,
            "actual_remain_quantity": 12, "change_quantity": -1,
            "inserted_at": "2026-03-01T10:00:00"}, "success": true}}))
        .unwrap();
        let Delivery::Stock(stock) = delivery else {
            panic!("not stock")
        };
        assert_eq!(
            (stock.variation_id.as_str(), stock.warehouse_id.as_str()),
            ("v-1", "w-2")
        );
        assert_eq!(stock.remain_quantity, 12);
        assert!(stock.changed_at.is_some());
    }

    #[test]
    fn bodies_that_are_not_json_or_of_no_known_shape_are_told_apart() {
        assert_eq!(
            read_delivery(b"{not json", 42).unwrap_err().outcome,
            DeliveryOutcome::NotJson
        );
        for body in [
            json!([1, 2]),
            json!({"hello": "world"}),
            json!({"id": "x", "status": 1}),
        ] {
            assert_eq!(
                read(body.clone()).unwrap_err().outcome,
                DeliveryOutcome::Invalid,
                "{body}"
            );
        }
        let stock_without_warehouse =
            json!({"data": {"record": {"variation_id": "v", "remain_quantity": 1}}});
        assert_eq!(
            read(stock_without_warehouse).unwrap_err().outcome,
            DeliveryOutcome::Invalid
        );
    }

    #[test]
    fn customers_products_and_calls_are_acknowledged_without_naming_a_person() {
        let customer = read(json!({"id": "c1", "shop_id": 42, "name": "Trần Thị B",
                                   "phone_numbers": ["0901234567"]}))
        .unwrap();
        assert_eq!(customer.kind(), DeliveryKind::Customer);
        assert_eq!(customer.reference(), None);
        let call = read(json!({"type": "auto_call", "shop_id": 42, "order_id": 9,
                               "phone_number": "0901234567", "answered": true}))
        .unwrap();
        assert_eq!(
            (call.kind(), call.reference().as_deref()),
            (DeliveryKind::AutoCall, Some("9"))
        );
        let product =
            read(json!({"data": {"record": {"id": "p1", "name": "Áo"}, "success": true}})).unwrap();
        assert_eq!(product.kind(), DeliveryKind::Product);
    }

    #[test]
    fn a_product_carries_its_variations_as_catalogue_rows() {
        let delivery = read(json!({"data": {"record": {
            "id": "p1", "name": "Áo dài lụa", "shop_id": 42,
            "variations": [
                {"id": "v-1", "display_id": "AO-M", "retail_price": 350000, "remain_quantity": 5,
                 "updated_at": "2026-03-01T10:00:00Z",
                 "variations_warehouses": [{"warehouse_id": "w-1", "remain_quantity": 5}]},
                {"id": "v-2", "product_id": "p-other", "retail_price": 360000}
            ]}, "success": true}}))
        .unwrap();
        let Delivery::Product(product) = &delivery else {
            panic!("read as {delivery:?}")
        };
        assert_eq!(delivery.reference().as_deref(), Some("p1"));
        let first = &product.variations[0];
        assert_eq!(
            (first.product_id.as_deref(), first.product_name.as_deref()),
            (Some("p1"), Some("Áo dài lụa"))
        );
        assert_eq!((first.retail_price, first.stock.len()), (350000, 1));
        assert_eq!(product.variations[1].product_id.as_deref(), Some("p-other"));
        let without_id =
            json!({"data": {"record": {"id": "p1", "variations": [{"retail_price": 1}]}}});
        assert_eq!(
            read(without_id).unwrap_err().outcome,
            DeliveryOutcome::Invalid
        );
    }
}
