//! The synced tables as the benches fill them past the engine: `COPY ... FROM STDIN` in one
//! transaction as the tenant. Each table's row is a struct whose fields are its columns, named
//! and ordered as the table has them, so the `COPY` statement and the rows it takes come from
//! that one list.
//!
//! `COPY FROM` is refused on a table with row-level security in force, so each `COPY` lifts
//! `FORCE ROW LEVEL SECURITY` (the bench's role owns the tables) and puts it back before the
//! transaction commits; triggers and indexes work as for the engine.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::copy_text::Line;

/// A value that fills columns of a `COPY` row: one column, or one per field of a [`columns!`]
/// struct.
pub trait Columns {
    /// Adds the names of the columns this value fills; `field` is what the row calls it.
    fn names(field: &'static str, names: &mut Vec<&'static str>) {
        names.push(field);
    }

    /// Writes the value in `COPY`'s text format.
    fn put(&self, line: &mut Line);
}

/// A table's row (its columns after `tenant_id`, which the transaction fills).
pub trait Table: Columns {
    const NAME: &'static str;

    fn copy_statement() -> String {
        let mut columns = vec!["tenant_id"];
        // A struct of columns names its own; the name given for the whole row goes unused.
        Self::names(Self::NAME, &mut columns);
        format!("COPY {} ({}) FROM STDIN", Self::NAME, columns.join(", "))
    }
}

/// Declares a struct whose fields are columns (named as the table names them, in its order) and
/// implements [`Columns`] for it; with `in "table"`, also [`Table`].
macro_rules! columns {
    ($(#[$attr:meta])* pub struct $name:ident<$a:lifetime> in $table:literal $fields:tt) => {
        columns!(@struct [$(#[$attr])*] $name [<$a>] $fields);
        impl<$a> Table for $name<$a> {
            const NAME: &'static str = $table;
        }
    };
    ($(#[$attr:meta])* pub struct $name:ident $fields:tt) => {
        columns!(@struct [$(#[$attr])*] $name [] $fields);
    };
    (@struct [$($attrs:tt)*] $name:ident [$($generics:tt)*]
        { $($(#[$field_attr:meta])* $column:ident: $type:ty,)* }) => {
        $($attrs)*
        pub struct $name $($generics)* {
            $($(#[$field_attr])* pub $column: $type,)*
        }

        impl $($generics)* Columns for $name $($generics)* {
            fn names(_: &'static str, names: &mut Vec<&'static str>) {
                $(<$type as Columns>::names(stringify!($column), names);)*
            }

            fn put(&self, line: &mut Line) {
                $(self.$column.put(line);)*
            }
        }
    };
}

columns! {
    /// One `meta_ads` row.
    pub struct AdRow<'a> in "meta_ads" {
        integration_id: &'a str,
        ad_id: &'a str,
        ad_name: Option<&'a str>,
        adset_id: Option<&'a str>,
        adset_name: Option<&'a str>,
        campaign_id: Option<&'a str>,
        campaign_name: Option<&'a str>,
    }
}

columns! {
    /// What one ad did on one day: the figures of a `meta_ad_insights` row.
    #[derive(Clone, Copy)]
    pub struct Figures {
        spend_minor: i64,
        impressions: i64,
        clicks: i64,
        reach: i64,
        purchases: i64,
        purchase_value_minor: i64,
    }
}

columns! {
    /// One `meta_ad_insights` row.
    pub struct InsightRow<'a> in "meta_ad_insights" {
        integration_id: &'a str,
        currency: &'a str,
        ad_id: &'a str,
        day: NaiveDate,
        figures: Figures,
    }
}

columns! {
    /// One `pancake_orders` row.
    pub struct OrderRow<'a> in "pancake_orders" {
        integration_id: &'a str,
        shop_id: i64,
        order_id: i64,
        status: i64,
        inserted_at: Option<DateTime<Utc>>,
        updated_at: Option<DateTime<Utc>>,
        total_price: i64,
        total_discount: i64,
        shipping_fee: i64,
        cod: i64,
        currency: Option<&'a str>,
        ad_id: Option<&'a str>,
        page_id: Option<&'a str>,
        utm_source: Option<&'a str>,
        utm_campaign: Option<&'a str>,
        received_at_shop: Option<bool>,
        /// The order's lines as the store keeps them (JSON).
        items: Cow<'a, str>,
    }
}

impl Columns for &str {
    fn put(&self, line: &mut Line) {
        line.text(self);
    }
}

impl Columns for Option<&str> {
    fn put(&self, line: &mut Line) {
        line.opt_text(*self);
    }
}

impl Columns for Cow<'_, str> {
    fn put(&self, line: &mut Line) {
        line.text(self);
    }
}

impl Columns for i64 {
    fn put(&self, line: &mut Line) {
        line.value(self);
    }
}

impl Columns for NaiveDate {
    fn put(&self, line: &mut Line) {
        line.day(*self);
    }
}

impl Columns for Option<DateTime<Utc>> {
    fn put(&self, line: &mut Line) {
        line.time(*self);
    }
}

impl Columns for Option<bool> {
    fn put(&self, line: &mut Line) {
        match self {
            Some(yes) => line.value(if *yes { "t" } else { "f" }),
            None => line.null(),
        }
    }
}

/// A transaction as one tenant (`app.tenant_id`, as the store sets it) that synced tables are
/// `COPY`ed into.
pub struct TenantCopy {
    tx: Transaction<'static, Postgres>,
    tenant: String,
    line: Line,
}

impl TenantCopy {
    pub async fn begin(pool: &PgPool, tenant: Uuid) -> anyhow::Result<Self> {
        let mut tx = pool.begin().await?;
        let tenant = tenant.to_string();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(&tenant)
            .execute(&mut *tx)
            .await?;
        Ok(Self {
            tx,
            tenant,
            line: Line::default(),
        })
    }

    /// One `COPY` of `rows` into their table. Returns the rows copied.
    pub async fn rows<R: Table>(
        &mut self,
        rows: impl IntoIterator<Item = R>,
    ) -> anyhow::Result<u64> {
        self.force_row_security(R::NAME, false).await?;
        let mut copy = self.tx.copy_in_raw(&R::copy_statement()).await?;
        for row in rows {
            self.line.text(&self.tenant);
            row.put(&mut self.line);
            self.line.end_into(&mut copy).await?;
        }
        let copied = self.line.finish(copy).await?;
        self.force_row_security(R::NAME, true).await?;
        Ok(copied)
    }

    pub async fn commit(self) -> anyhow::Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    async fn force_row_security(&mut self, table: &str, force: bool) -> anyhow::Result<()> {
        let no = if force { "" } else { "NO " };
        sqlx::query(&format!("ALTER TABLE {table} {no}FORCE ROW LEVEL SECURITY"))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
