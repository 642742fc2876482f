//! Column types the two dialects store differently, decoded into one record type, so each
//! record has one derived `FromRow` for both: ids are `uuid` in PostgreSQL and text in SQLite;
//! run counts are `jsonb` and text. (Timestamps need nothing: sqlx reads SQLite's RFC 3339 text
//! as it reads PostgreSQL's `timestamptz`.)

use std::collections::BTreeMap;

use sqlx::error::BoxDynError;
use sqlx::postgres::PgValueRef;
use sqlx::sqlite::SqliteValueRef;
use sqlx::{Database, Decode, Postgres, Sqlite, Type};
use uuid::Uuid;

/// Gives a column wrapper the SQL type of what a dialect stores it as.
macro_rules! stored_as {
    ($wrapper:ty, $db:ty, $stored:ty) => {
        impl Type<$db> for $wrapper {
            fn type_info() -> <$db as Database>::TypeInfo {
                <$stored as Type<$db>>::type_info()
            }

            fn compatible(ty: &<$db as Database>::TypeInfo) -> bool {
                <$stored as Type<$db>>::compatible(ty)
            }
        }
    };
}

/// An id column: `#[sqlx(try_from = "DbUuid")]` on a `Uuid` field.
pub struct DbUuid(Uuid);

impl From<DbUuid> for Uuid {
    fn from(id: DbUuid) -> Self {
        id.0
    }
}

stored_as!(DbUuid, Postgres, Uuid);
stored_as!(DbUuid, Sqlite, &str);

impl<'r> Decode<'r, Postgres> for DbUuid {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<Uuid as Decode<Postgres>>::decode(value)?))
    }
}

impl<'r> Decode<'r, Sqlite> for DbUuid {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Self(
            Uuid::parse_str(text).map_err(|_| format!("unexpected stored id {text:?}"))?,
        ))
    }
}

/// A run's records per stream: `#[sqlx(try_from = "DbCounts")]`. Unreadable counts read as
/// none rather than hiding the run.
pub struct DbCounts(BTreeMap<String, i64>);

impl From<DbCounts> for BTreeMap<String, i64> {
    fn from(counts: DbCounts) -> Self {
        counts.0
    }
}

stored_as!(DbCounts, Postgres, serde_json::Value);
stored_as!(DbCounts, Sqlite, &str);

impl<'r> Decode<'r, Postgres> for DbCounts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let json = <serde_json::Value as Decode<Postgres>>::decode(value)?;
        Ok(Self(serde_json::from_value(json).unwrap_or_default()))
    }
}

impl<'r> Decode<'r, Sqlite> for DbCounts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Self(serde_json::from_str(text).unwrap_or_default()))
    }
}
