//! Meta Ads: daily insights per ad, by day windows in the ad account's time zone.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use futures::StreamExt;
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
    let slow_downs = || client.high_usage_answers();
    let account = ctx
        .call_watching(slow_downs, || client.ad_account(token, ad_account_id))
        .await?;
    let zone: chrono_tz::Tz = account.timezone_name.parse().unwrap_or(chrono_tz::UTC);
    let today = Utc::now().with_timezone(&zone).date_naive();
    let mut cursor: InsightsCursor = ctx.load_cursor(STREAM).await?;
    let since = match cursor.through {
        Some(through) => through - chrono::Duration::days(settings.meta_lookback_days - 1),
        None => today - chrono::Duration::days(settings.meta_backfill_days - 1),
    }
    .min(today);
    // Meta keeps insights for 37 months and refuses older start dates.
    let oldest = today - chrono::Duration::days(37 * 30);
    let windows = day_windows(since.max(oldest), today, settings.meta_window_days.max(1));
    let total = windows.len() as u32;
    let mut done = 0;
    let mut ads = BTreeSet::new();
    // Several windows are fetched side by side (as many as the adaptive limit lets out, which
    // Graph's "slow down" answers shrink), but they come out in order: a window is stored,
    // with its checkpoint, only after every earlier one, so a run stopped at any point resumes
    // after the last window stored and never skips one still in flight.
    let ahead = settings.max_concurrency.max(1);
    let (windows_tx, mut windows_rx) = tokio::sync::mpsc::channel(ahead);
    let fetcher = async {
        // Owned here, so the channel closes when fetching ends.
        let windows_tx = windows_tx;
        let mut fetched = futures::stream::iter(windows)
            .map(|(since, until)| {
                let query = InsightsQuery::new(ad_account_id, since, until, &account.currency);
                async move {
                    let result = ctx
                        .call_watching(slow_downs, || client.insights(token, &query))
                        .await;
                    (until, result)
                }
            })
            .buffered(ahead);
        while let Some((until, result)) = fetched.next().await {
            let failed = result.is_err();
            if windows_tx.send((until, result)).await.is_err() || failed {
                return;
            }
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

/// `[since, through]` cut into windows of `days` days, oldest first (the last one may be shorter).
fn day_windows(since: NaiveDate, through: NaiveDate, days: i64) -> Vec<(NaiveDate, NaiveDate)> {
    let mut windows = Vec::new();
    let mut start = since;
    while start <= through {
        let end = (start + chrono::Duration::days(days - 1)).min(through);
        windows.push((start, end));
        start = end + chrono::Duration::days(1);
    }
    windows
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
