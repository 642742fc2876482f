//! Meta Ads: daily insights per ad, by day windows in the ad account's time zone.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use integrations_providers::{AdSlice, InsightsQuery, MetaClient};
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
    // Only this account's "slow down" answers (and the app's) cut this run's limit.
    let slow_downs = || client.high_usage_answers_of(ad_account_id);
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
    let slices = if settings.meta_ads_per_slice == 0 {
        vec![AdSlice::All]
    } else {
        let listed = ctx
            .call_watching(slow_downs, || client.ad_ids(token, ad_account_id))
            .await?;
        ad_slices(
            listed,
            settings.meta_ads_per_slice,
            settings.max_concurrency.saturating_sub(1).max(1),
        )
    };
    let total = windows.len() as u32;
    let mut done = 0;
    let mut ads = BTreeSet::new();
    // Several windows, and the ad slices of each, are fetched side by side (as many requests
    // as the adaptive limit lets out, which Graph's "slow down" answers shrink), but windows
    // come out whole and in order: a window is stored, with its checkpoint, only once all its
    // slices are in and after every earlier window, so a run stopped at any point resumes
    // after the last window stored and never skips one still in flight.
    let ahead = settings.max_concurrency.max(1);
    let (windows_tx, mut windows_rx) = tokio::sync::mpsc::channel(ahead);
    // While the storer is writing, or has windows waiting, more windows out at once cannot
    // make the run quicker (the storer is the slower side) and only take cores from the
    // database: the reader then keeps one window out (its slices still side by side), and
    // goes wide again when the storer, done with a transaction, waits for it. A slow Graph
    // keeps the storer waiting, so its windows still go side by side.
    let storer_busy = AtomicBool::new(false);
    let storer_waits = tokio::sync::Notify::new();
    let fetch_window = |(since, until): (NaiveDate, NaiveDate)| {
        let currency = &account.currency;
        let slices = slices.iter().map(move |ads| {
            let query = InsightsQuery {
                ads: ads.clone(),
                ..InsightsQuery::new(ad_account_id, since, until, currency)
            };
            async move {
                ctx.call_watching(slow_downs, || client.insights(token, &query))
                    .await
            }
        });
        async move {
            let result = futures::future::try_join_all(slices)
                .await
                .map(|slices| slices.into_iter().flatten().collect::<Vec<_>>());
            // The one sign outside the run that a window is in its hands (Graph having answered
            // is not the answer read): tests that hold a window back wait for it before letting
            // that one go. A disabled event costs a check of its level.
            tracing::debug!(%since, "insights window in hand");
            (until, result)
        }
    };
    let fetcher = async {
        // Owned here, so the channel closes when fetching ends.
        let windows_tx = windows_tx;
        let mut windows = windows.into_iter();
        let mut fetched = futures::stream::FuturesOrdered::new();
        loop {
            let storer_waiting = !storer_busy.load(Ordering::Acquire)
                && windows_tx.capacity() == windows_tx.max_capacity();
            let most = if storer_waiting { ahead } else { 1 };
            while fetched.len() < most {
                match windows.next() {
                    Some(window) => fetched.push_back(fetch_window(window)),
                    None => break,
                }
            }
            let waits = storer_waits.notified();
            tokio::select! {
                next = fetched.next() => {
                    let Some((until, result)) = next else { return };
                    let failed = result.is_err();
                    if windows_tx.send((until, result)).await.is_err() || failed {
                        return;
                    }
                }
                () = waits => {}
            }
        }
    };
    let storer = async {
        while let Some((until, result)) = windows_rx.recv().await {
            storer_busy.store(true, Ordering::Release);
            let mut rows = result?;
            let mut through = until;
            // Windows already waiting join this one in the same transaction: they come in
            // order, so the last one's day is the checkpoint of them all. A failure behind
            // them stops the run once what came before it is stored.
            let mut windows = 1;
            let mut failed = None;
            while rows.len() < settings.insights_per_transaction {
                match windows_rx.try_recv() {
                    Ok((until, Ok(more))) => {
                        rows.extend(more);
                        through = until;
                        windows += 1;
                    }
                    Ok((_, Err(failure))) => {
                        failed = Some(failure);
                        break;
                    }
                    Err(_) => break,
                }
            }
            ads.extend(rows.iter().map(|row| row.ad_id.clone()));
            cursor.through = Some(cursor.through.map_or(through, |was| was.max(through)));
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
            done += windows;
            ctx.progress(STREAM, done, total);
            if let Some(failure) = failed {
                return Err(failure.into());
            }
            storer_busy.store(false, Ordering::Release);
            storer_waits.notify_one();
        }
        Ok::<(), RunFailure>(())
    };
    let ((), stored) = futures::join!(fetcher, storer);
    stored?;
    ctx.count("ads", ads.len());
    Ok(())
}

/// The account's `listed` ads cut into slices of `per_slice`, at most `most` of them, and one
/// slice more for every other ad (those past the slices, and any the list missed: created
/// since, or deleted and no longer listed), so the slices cover every ad exactly once. An
/// account with no more than `per_slice` ads is read whole.
fn ad_slices(mut listed: Vec<String>, per_slice: usize, most: usize) -> Vec<AdSlice> {
    listed.sort();
    listed.dedup();
    if listed.len() <= per_slice.max(1) {
        return vec![AdSlice::All];
    }
    let mut slices: Vec<AdSlice> = listed
        .chunks(per_slice.max(1))
        .take(most)
        .map(|ads| AdSlice::Only(ads.to_vec()))
        .collect();
    let sliced: Vec<String> = slices
        .iter()
        .flat_map(|slice| match slice {
            AdSlice::Only(ads) => ads.clone(),
            _ => Vec::new(),
        })
        .collect();
    slices.push(AdSlice::AllBut(sliced));
    slices
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|n| format!("{}", 1000 + n)).collect()
    }

    #[test]
    fn a_few_ads_are_read_whole() {
        assert_eq!(ad_slices(ids(0..50), 50, 4), vec![AdSlice::All]);
        assert_eq!(ad_slices(Vec::new(), 50, 4), vec![AdSlice::All]);
    }

    #[test]
    fn slices_and_the_rest_cover_every_listed_ad_once() {
        let slices = ad_slices(ids(0..120), 50, 4);
        assert_eq!(slices.len(), 4);
        assert_eq!(slices[0], AdSlice::Only(ids(0..50)));
        assert_eq!(slices[1], AdSlice::Only(ids(50..100)));
        assert_eq!(slices[2], AdSlice::Only(ids(100..120)));
        // The rest is every ad but the sliced ones: here only ads the list missed.
        assert_eq!(slices[3], AdSlice::AllBut(ids(0..120)));
    }

    #[test]
    fn ads_past_the_most_slices_go_to_the_rest() {
        let slices = ad_slices(ids(0..300), 50, 2);
        assert_eq!(
            slices,
            vec![
                AdSlice::Only(ids(0..50)),
                AdSlice::Only(ids(50..100)),
                AdSlice::AllBut(ids(0..100)),
            ]
        );
    }
}
