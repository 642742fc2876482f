//! Meta Ads: daily insights per ad, by day windows in the ad account's time zone.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use integrations_providers::{InsightsQuery, MetaClient};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::store::SyncBatch;
use crate::sync::engine::{RunContext, RunFailure};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InsightsCursor {
    /// Every day up to this one (account time zone) has been read at least once.
    through: Option<NaiveDate>,
}

/// Daily insights per ad, by day windows in the account's time zone: history on the first
/// run, then from the last day read minus the lookback (attribution keeps changing them).
pub(in crate::sync) async fn sync_insights(
    ctx: &RunContext<'_>,
    client: &MetaClient,
    token: &SecretString,
    ad_account_id: &str,
) -> Result<(), RunFailure> {
    const STREAM: &str = "insights";
    let settings = ctx.settings();
    let account = ctx.call(|| client.ad_account(token, ad_account_id)).await?;
    let zone: chrono_tz::Tz = account.timezone_name.parse().unwrap_or(chrono_tz::UTC);
    let today = Utc::now().with_timezone(&zone).date_naive();
    let mut cursor: InsightsCursor = ctx.load_cursor(STREAM).await?;
    let mut since = match cursor.through {
        Some(through) => through - chrono::Duration::days(settings.meta_lookback_days - 1),
        None => today - chrono::Duration::days(settings.meta_backfill_days - 1),
    }
    .min(today);
    // Meta keeps insights for 37 months and refuses older start dates.
    let oldest = today - chrono::Duration::days(37 * 30);
    since = since.max(oldest);
    let window_days = settings.meta_window_days.max(1);
    let total = ((today - since).num_days() / window_days + 1) as u32;
    let mut done = 0;
    let mut ads = BTreeSet::new();
    // The next window is fetched while the last one is stored; windows stay in order, so
    // the checkpoint only ever moves forward.
    let (windows_tx, mut windows_rx) = tokio::sync::mpsc::channel(1);
    let fetcher = async {
        // Owned here, so the channel closes when fetching ends.
        let windows_tx = windows_tx;
        while since <= today {
            let until = (since + chrono::Duration::days(window_days - 1)).min(today);
            let query = InsightsQuery::new(ad_account_id, since, until, &account.currency);
            let result = ctx.call(|| client.insights(token, &query)).await;
            let failed = result.is_err();
            if windows_tx.send((until, result)).await.is_err() || failed {
                return;
            }
            since = until + chrono::Duration::days(1);
        }
    };
    let storer = async {
        while let Some((until, result)) = windows_rx.recv().await {
            let rows = result?;
            ads.extend(rows.iter().map(|row| row.ad_id.clone()));
            cursor.through = Some(cursor.through.map_or(until, |through| through.max(until)));
            let written = ctx
                .store(
                    STREAM,
                    SyncBatch::Insights {
                        currency: &account.currency,
                        rows: &rows,
                    },
                    &cursor,
                )
                .await?;
            ctx.count(STREAM, written);
            done += 1;
            ctx.progress(STREAM, done, total);
        }
        Ok::<(), RunFailure>(())
    };
    let ((), stored) = futures::join!(fetcher, storer);
    stored?;
    ctx.count("ads", ads.len());
    Ok(())
}

/// Asks Graph when the token expires and keeps the answer (the token-expiring alert reads it).
/// After the insights, and never the run's failure: the data is in either way, and a token
/// Graph refuses outright has already failed the run above.
pub(in crate::sync) async fn check_token(
    ctx: &RunContext<'_>,
    client: &MetaClient,
    token: &SecretString,
) {
    let checked = match ctx.call(|| client.token_expiry(token)).await {
        Ok(expires_at) => ctx
            .record_token_expiry(expires_at)
            .await
            .map_err(|f| f.message),
        Err(err) => Err(err.to_string()),
    };
    if let Err(error) = checked {
        tracing::warn!(%error, "the Meta token's expiry was not checked");
    }
}
