//! Rows in the text format of PostgreSQL's `COPY ... FROM STDIN`: how the sync's staging tables
//! are filled (`rows.rs`) and how the benchmark writes its ceiling, from one encoder.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use integrations_providers::{AdInsightRow, PancakeOrder};

use crate::store::order_items_json;

/// Rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
#[derive(Default)]
pub struct Line {
    pub buf: String,
    fields: usize,
}

impl Line {
    fn separate(&mut self) {
        if self.fields > 0 {
            self.buf.push('\t');
        }
        self.fields += 1;
    }

    pub fn value(&mut self, value: impl std::fmt::Display) {
        self.separate();
        let _ = write!(self.buf, "{value}");
    }

    pub fn null(&mut self) {
        self.separate();
        self.buf.push_str("\\N");
    }

    pub fn text(&mut self, text: &str) {
        self.separate();
        // Most text needs no escape: copy it whole, and go character by character only when not.
        if !text.contains(['\\', '\t', '\n', '\r']) {
            self.buf.push_str(text);
            return;
        }
        for c in text.chars() {
            match c {
                '\\' => self.buf.push_str("\\\\"),
                '\t' => self.buf.push_str("\\t"),
                '\n' => self.buf.push_str("\\n"),
                '\r' => self.buf.push_str("\\r"),
                c => self.buf.push(c),
            }
        }
    }

    pub fn opt_text(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.text(text),
            None => self.null(),
        }
    }

    pub fn opt_bool(&mut self, value: Option<bool>) {
        match value {
            Some(value) => self.value(if value { "t" } else { "f" }),
            None => self.null(),
        }
    }

    /// A UTC instant with its offset written out, so the session's `TimeZone` cannot shift it.
    pub fn time(&mut self, time: Option<DateTime<Utc>>) {
        match time {
            Some(time) => self.value(time.format("%Y-%m-%d %H:%M:%S%.6f+00")),
            None => self.null(),
        }
    }

    pub fn day(&mut self, day: NaiveDate) {
        self.value(day.format("%Y-%m-%d"));
    }

    pub fn end(&mut self) {
        self.buf.push('\n');
        self.fields = 0;
    }
}

/// An order's stored columns from `order_id` to `items` (see [`ORDER_COLUMNS`]), without ending
/// the line: callers that copy into the real table put the tenant's columns before them.
pub fn encode_order(line: &mut Line, order: &PancakeOrder) {
    line.value(order.id);
    line.value(order.status as i32);
    line.time(order.inserted_at);
    line.time(order.updated_at);
    line.value(order.total_price);
    line.value(order.total_discount);
    line.value(order.shipping_fee);
    line.value(order.cod);
    line.opt_text(order.order_currency.as_deref());
    line.opt_text(order.ad_id.as_deref());
    line.opt_text(order.page_id.as_deref());
    line.opt_text(order.utm_source.as_deref());
    line.opt_text(order.utm_campaign.as_deref());
    line.opt_bool(order.received_at_shop);
    line.text(&order_items_json(order));
}

/// The columns [`encode_order`] writes, in its order.
pub const ORDER_COLUMNS: &str = "order_id, status, inserted_at, updated_at, total_price, \
     total_discount, shipping_fee, cod, currency, ad_id, page_id, utm_source, utm_campaign, \
     received_at_shop, items";

/// An insights row's stored columns from `ad_id` on (see [`INSIGHT_COLUMNS`]), without ending
/// the line.
pub fn encode_insight(line: &mut Line, row: &AdInsightRow) {
    line.text(&row.ad_id);
    line.day(row.date_start);
    line.value(row.spend_minor);
    line.value(row.impressions);
    line.value(row.clicks);
    line.value(row.reach);
    line.value(row.purchases);
    line.value(row.purchase_value_minor);
}

/// The columns [`encode_insight`] writes, in its order.
pub const INSIGHT_COLUMNS: &str =
    "ad_id, day, spend_minor, impressions, clicks, reach, purchases, purchase_value_minor";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_only_what_copy_reads_specially_and_keeps_vietnamese_as_is() {
        let mut line = Line::default();
        line.text("Áo dài\tđỏ\\xanh\nmới\r");
        line.null();
        line.opt_bool(Some(false));
        line.end();
        assert_eq!(line.buf, "Áo dài\\tđỏ\\\\xanh\\nmới\\r\t\\N\tf\n");
    }

    #[test]
    fn times_carry_their_utc_offset() {
        let mut line = Line::default();
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456+07:00").unwrap();
        line.time(Some(at.with_timezone(&Utc)));
        line.time(None);
        assert_eq!(line.buf, "2026-01-01 20:04:05.123456+00\t\\N");
    }
}
