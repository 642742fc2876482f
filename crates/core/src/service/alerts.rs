//! Alerts as the operations see them: the rules of [`crate::alerts`] evaluated over the
//! workspace's data after every sync, each episode fired once (the store refuses a second open
//! episode of a rule for a subject, whichever computer asks), the list, dismissing, thresholds.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Core, StoreDaySpend};
use crate::alerts::{
    is_spend_spike, is_store_quiet, roas_drop, twice_median, Alert, AlertDetails, AlertList,
    AlertRule, AlertSettings, FiredAlert, ReportLink, StoredDetails, Week,
};
use crate::analytics::assignment::SpendOwner;
use crate::analytics::{
    build_report, plan, Report, ReportGrouping, ReportInputs, ReportQuery, ReportSource,
    ReportWarning,
};
use crate::auth::Session;
use crate::domain::{IntegrationId, Provider, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::store::{AlertRecord, InsightAggregate, IntegrationRecord, SyncRunRecord};
use crate::sync::SyncOutcome;

/// How many alerts the list shows (open ones and their history, newest first).
const LIST_LIMIT: i64 = 200;

/// The runs looked at to find when an integration started failing.
const RUN_HISTORY: i64 = 500;

/// A rule's verdict on one subject at one evaluation: `Some` while the condition holds.
struct Verdict {
    rule: AlertRule,
    subject: String,
    integration: Option<(IntegrationId, String)>,
    finding: Option<(AlertDetails, Option<ReportLink>)>,
}

impl Core {
    /// The workspace's alerts, newest first, with the count of open undismissed ones. Offline
    /// in shared mode, the open alerts are also computed from the mirror and marked so.
    pub async fn alerts(&self, session: &Session) -> CoreResult<AlertList> {
        let tenant = session.tenant_id();
        let mut alerts: Vec<Alert> = self
            .store
            .alerts(tenant, LIST_LIMIT)
            .await?
            .into_iter()
            .filter_map(to_alert)
            .collect();
        let computed_offline = self.is_offline();
        if computed_offline {
            let settings = self.settings_of(tenant).await?;
            let now = Utc::now();
            let open: HashSet<(AlertRule, String)> = alerts
                .iter()
                .filter(|alert| alert.cleared_at.is_none())
                .map(|alert| (alert.rule, alert.subject.clone()))
                .collect();
            let mut computed: Vec<Alert> = self
                .verdicts(tenant, now, &settings)
                .await?
                .into_iter()
                .filter(|verdict| !open.contains(&(verdict.rule, verdict.subject.clone())))
                .filter_map(|verdict| {
                    let (details, report) = verdict.finding?;
                    Some(Alert {
                        id: uuid::Uuid::new_v4(),
                        rule: verdict.rule,
                        subject: verdict.subject,
                        integration_id: verdict.integration.as_ref().map(|(id, _)| *id),
                        integration_name: verdict.integration.map(|(_, name)| name),
                        fired_at: now,
                        cleared_at: None,
                        dismissed_at: None,
                        details,
                        report,
                        computed_offline: true,
                    })
                })
                .collect();
            computed.append(&mut alerts);
            alerts = computed;
        }
        let unread = alerts
            .iter()
            .filter(|alert| alert.cleared_at.is_none() && alert.dismissed_at.is_none())
            .count() as u32;
        Ok(AlertList {
            alerts,
            unread,
            computed_offline,
        })
    }

    /// How many stored alerts are open and not dismissed (the tray's badge, asked often: no
    /// rule is evaluated for it).
    pub async fn unread_alerts(&self, session: &Session) -> CoreResult<u32> {
        let open = self.store.open_alerts(session.tenant_id()).await?;
        Ok(open
            .iter()
            .filter(|alert| alert.dismissed_at.is_none())
            .count() as u32)
    }

    /// Marks an alert dismissed; it stays in the history (and an open episode stays open, so
    /// it does not fire again until its condition has cleared). Offline in shared mode, a
    /// stored alert's dismissal is queued and shows at once; one computed offline is stored
    /// nowhere and waits for the server.
    pub async fn dismiss_alert(&self, session: &Session, id: uuid::Uuid) -> CoreResult<Alert> {
        let record = self
            .store
            .dismiss_alert(session.tenant_id(), id, Utc::now())
            .await?;
        let record = match record {
            Some(record) => record,
            None if self.is_offline() => {
                return Err(CoreError::Offline(
                    "An alert computed from the local copy can be dismissed once the server \
                     is back."
                        .into(),
                ))
            }
            None => return Err(CoreError::NotFound("There is no such alert.".into())),
        };
        to_alert(record).ok_or(CoreError::Internal)
    }

    /// The workspace's thresholds (the defaults for those it never set).
    pub async fn alert_settings(&self, session: &Session) -> CoreResult<AlertSettings> {
        self.settings_of(session.tenant_id()).await
    }

    pub async fn set_alert_settings(
        &self,
        session: &Session,
        settings: AlertSettings,
    ) -> CoreResult<AlertSettings> {
        // Offline in shared mode, queued like the other edits and applied on reconnect.
        settings.validate().map_err(CoreError::Validation)?;
        let text = serde_json::to_string(&settings).expect("settings serialize");
        self.store
            .set_alert_settings(session.tenant_id(), &text)
            .await?;
        Ok(settings)
    }

    /// Alerts as they fire, for the app's notifications and tray badge (each episode once).
    pub fn subscribe_alerts(&self) -> tokio::sync::broadcast::Receiver<FiredAlert> {
        self.alert_events.subscribe()
    }

    /// Evaluates every rule for the workspace as of `now`: fires the alerts whose condition
    /// started to hold (returned, and sent to [`Self::subscribe_alerts`]) and clears the
    /// episodes whose condition stopped. The sync engine calls it after every run.
    pub async fn evaluate_alerts(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
    ) -> CoreResult<Vec<Alert>> {
        let settings = self.settings_of(tenant).await?;
        let verdicts = self.verdicts(tenant, now, &settings).await?;
        let open: HashMap<(AlertRule, String), AlertRecord> = self
            .store
            .open_alerts(tenant)
            .await?
            .into_iter()
            .filter_map(|record| {
                let rule = AlertRule::parse(&record.rule)?;
                Some(((rule, record.subject.clone()), record))
            })
            .collect();
        let mut decided = HashSet::new();
        let mut fired = Vec::new();
        for verdict in verdicts {
            let key = (verdict.rule, verdict.subject.clone());
            decided.insert(key.clone());
            match (verdict.finding, open.get(&key)) {
                (Some((details, report)), None) => {
                    let (integration_id, integration_name) = verdict.integration.unzip();
                    let stored = StoredDetails {
                        details,
                        report,
                        integration_name,
                    };
                    let record = AlertRecord {
                        id: uuid::Uuid::new_v4(),
                        tenant_id: tenant,
                        rule: verdict.rule.as_str().to_owned(),
                        subject: verdict.subject,
                        integration_id,
                        fired_at: now,
                        cleared_at: None,
                        dismissed_at: None,
                        details: serde_json::to_string(&stored).expect("details serialize"),
                    };
                    if self.store.fire_alert(&record).await? {
                        if let Some(alert) = to_alert(record) {
                            let _ = self.alert_events.send(FiredAlert {
                                tenant,
                                alert: alert.clone(),
                            });
                            fired.push(alert);
                        }
                    }
                }
                (None, Some(record)) => {
                    self.store.clear_alert(tenant, record.id, now).await?;
                }
                _ => {}
            }
        }
        // Episodes no rule decided on any more: a spike day older than yesterday, or an
        // integration since deleted.
        let integrations: HashSet<IntegrationId> = self
            .store
            .list_integrations(tenant)
            .await?
            .into_iter()
            .map(|record| record.id)
            .collect();
        let yesterday = self.today(tenant, now).await?.pred_opt().expect("a day");
        for ((rule, subject), record) in &open {
            if decided.contains(&(*rule, subject.clone())) {
                continue;
            }
            let past_day = *rule == AlertRule::SpendSpike
                && subject
                    .parse::<NaiveDate>()
                    .is_ok_and(|day| day < yesterday);
            let gone = record
                .integration_id
                .is_some_and(|id| !integrations.contains(&id));
            if past_day || gone {
                self.store.clear_alert(tenant, record.id, now).await?;
            }
        }
        Ok(fired)
    }

    /// After a sync: a failure here is logged, never the sync's.
    pub(super) async fn alerts_after_sync(&self, tenant: TenantId) {
        if let Err(err) = self.evaluate_alerts(tenant, Utc::now()).await {
            tracing::warn!(error = %err, "alerts were not evaluated after a sync");
        }
    }

    async fn settings_of(&self, tenant: TenantId) -> CoreResult<AlertSettings> {
        Ok(match self.store.alert_settings(tenant).await? {
            Some(text) => serde_json::from_str(&text).unwrap_or_else(|err| {
                tracing::warn!(error = %err, "stored alert thresholds unreadable; defaults used");
                AlertSettings::default()
            }),
            None => AlertSettings::default(),
        })
    }

    async fn zone(&self, tenant: TenantId) -> CoreResult<Tz> {
        let record = self
            .store
            .get_tenant(tenant)
            .await?
            .ok_or_else(|| CoreError::NotFound("There is no such workspace.".into()))?;
        record
            .time_zone
            .parse()
            .map_err(|_| CoreError::Validation(format!("Unknown time zone {}.", record.time_zone)))
    }

    async fn today(&self, tenant: TenantId, now: DateTime<Utc>) -> CoreResult<NaiveDate> {
        Ok(now.with_timezone(&self.zone(tenant).await?).date_naive())
    }

    /// Every rule's verdict on every subject it can decide now.
    async fn verdicts(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
        settings: &AlertSettings,
    ) -> CoreResult<Vec<Verdict>> {
        let zone = self.zone(tenant).await?;
        let today = now.with_timezone(&zone).date_naive();
        let integrations = self.store.list_integrations(tenant).await?;
        let mut verdicts = self.spend_spikes(tenant, zone, today, settings).await?;
        verdicts.extend(
            self.roas_drops(tenant, zone, today, &integrations, settings)
                .await?,
        );
        for record in &integrations {
            let runs = self.store.runs(tenant, record.id, RUN_HISTORY).await?;
            verdicts.push(sync_failing(record, &runs, now, settings));
            if record.provider == Provider::PancakePos && record.enabled {
                verdicts.extend(
                    self.store_quiet(tenant, zone, now, record, &runs, settings)
                        .await?,
                );
            }
        }
        verdicts.extend(
            self.tokens_expiring(tenant, now, &integrations, settings)
                .await?,
        );
        Ok(verdicts)
    }

    /// The workspace's figures by day, as the analytics report counts them.
    async fn day_report(
        &self,
        tenant: TenantId,
        zone: Tz,
        from: NaiveDate,
        to: NaiveDate,
    ) -> CoreResult<Report> {
        let query = ReportQuery {
            from,
            to,
            store: None,
            by: ReportGrouping::Day,
            time_zone: Some(zone.name().to_owned()),
        };
        let (key, filter) = plan(&query, zone);
        let (orders, insights) = futures::try_join!(
            self.store.report_orders(tenant, &filter, key),
            self.store.report_insights(tenant, from, to, key),
        )?;
        let inputs = ReportInputs {
            orders: &orders,
            insights: &insights,
            ..Default::default()
        };
        Ok(local_report(&query, zone, inputs))
    }

    async fn spend_spikes(
        &self,
        tenant: TenantId,
        zone: Tz,
        today: NaiveDate,
        settings: &AlertSettings,
    ) -> CoreResult<Vec<Verdict>> {
        let first = today - Duration::days(15);
        let report = self.day_report(tenant, zone, first, today).await?;
        let Some(currency) = report.spend_currency.clone() else {
            return Ok(spike_verdicts(today, |_| None));
        };
        let several_currencies = report
            .warnings
            .iter()
            .any(|warning| matches!(warning, ReportWarning::SeveralSpendCurrencies { .. }));
        if several_currencies {
            // The days cannot be compared: undecided.
            return Ok(Vec::new());
        }
        let spend: Vec<i64> = report
            .rows
            .iter()
            .map(|row| row.metrics.spend_minor)
            .collect();
        Ok(spike_verdicts(today, |day| {
            let index = usize::try_from((day - first).num_days()).ok()?;
            let before = spend.get(index.checked_sub(14)?..index)?;
            let day_spend = *spend.get(index)?;
            is_spend_spike(day_spend, before, settings.spend_spike_percent)?.then(|| {
                let twice = twice_median(before).unwrap_or_default();
                (
                    AlertDetails::SpendSpike {
                        day,
                        currency: currency.clone(),
                        exponent: report.spend_exponent,
                        spend_minor: day_spend,
                        median_minor: (twice + 1) / 2,
                        threshold_percent: settings.spend_spike_percent,
                    },
                    Some(ReportLink {
                        from: day - Duration::days(14),
                        to: day,
                        store: None,
                    }),
                )
            })
        }))
    }

    /// ROAS drop for the whole workspace (subject: empty) and for each store (subject: the
    /// store), the store's spend being what its campaigns' assignments give it.
    async fn roas_drops(
        &self,
        tenant: TenantId,
        zone: Tz,
        today: NaiveDate,
        integrations: &[IntegrationRecord],
        settings: &AlertSettings,
    ) -> CoreResult<Vec<Verdict>> {
        let weeks = RoasWeeks::ending(today);
        let (week, previous) = futures::try_join!(
            self.day_report(tenant, zone, weeks.from, weeks.to),
            self.day_report(tenant, zone, weeks.previous_from, weeks.previous_to),
        )?;
        let mut verdicts = vec![Verdict {
            rule: AlertRule::RoasDrop,
            subject: String::new(),
            integration: None,
            finding: roas_finding(&weeks, &week, &previous, None, settings),
        }];
        let stores: Vec<&IntegrationRecord> = integrations
            .iter()
            .filter(|record| record.provider == Provider::PancakePos)
            .collect();
        if stores.is_empty() {
            return Ok(verdicts);
        }
        let spend = self
            .spend_per_store_in(tenant, weeks.previous_from, weeks.to)
            .await?;
        for store in stores {
            // A store switched off gets no new orders: its ROAS says nothing then.
            let finding = if store.enabled {
                let (week, previous) = futures::try_join!(
                    self.store_day_report(tenant, zone, store.id, weeks.from, weeks.to, &spend),
                    self.store_day_report(
                        tenant,
                        zone,
                        store.id,
                        weeks.previous_from,
                        weeks.previous_to,
                        &spend
                    ),
                )?;
                roas_finding(&weeks, &week, &previous, Some(store.id), settings)
            } else {
                None
            };
            verdicts.push(Verdict {
                rule: AlertRule::RoasDrop,
                subject: store.id.to_string(),
                integration: Some((store.id, store.name.clone())),
                finding,
            });
        }
        Ok(verdicts)
    }

    /// One store's figures by day, as the analytics report with that store chosen counts them:
    /// its own orders, and the share of Meta's spend its campaigns' assignments give it
    /// (`spend`, from [`Core::spend_per_store`], may cover more days and owners).
    async fn store_day_report(
        &self,
        tenant: TenantId,
        zone: Tz,
        store: IntegrationId,
        from: NaiveDate,
        to: NaiveDate,
        spend: &[StoreDaySpend],
    ) -> CoreResult<Report> {
        let query = ReportQuery {
            from,
            to,
            store: Some(store),
            by: ReportGrouping::Day,
            time_zone: Some(zone.name().to_owned()),
        };
        let (key, filter) = plan(&query, zone);
        let orders = self.store.report_orders(tenant, &filter, key).await?;
        let in_range: Vec<&StoreDaySpend> = spend
            .iter()
            .filter(|row| (from..=to).contains(&row.day))
            .collect();
        let insights: Vec<InsightAggregate> = in_range
            .iter()
            .filter(|row| row.owner == SpendOwner::Store(store))
            .map(|row| InsightAggregate {
                key: row.day.format("%Y-%m-%d").to_string(),
                currency: row.currency.clone(),
                spend_minor: row.spend_minor,
                impressions: 0,
                clicks: 0,
                purchases: 0,
                purchase_value_minor: row.purchase_value_minor,
            })
            .collect();
        // The account's currencies, as the report has them: a store's share in one currency
        // of an account spending in two has no ROAS (POS) either.
        let mut account_currencies: Vec<String> =
            in_range.iter().map(|row| row.currency.clone()).collect();
        account_currencies.sort();
        account_currencies.dedup();
        let inputs = ReportInputs {
            orders: &orders,
            insights: &insights,
            account_currencies: Some(account_currencies),
            ..Default::default()
        };
        Ok(local_report(&query, zone, inputs))
    }

    async fn store_quiet(
        &self,
        tenant: TenantId,
        zone: Tz,
        now: DateTime<Utc>,
        record: &IntegrationRecord,
        runs: &[SyncRunRecord],
        settings: &AlertSettings,
    ) -> CoreResult<Option<Verdict>> {
        // Undecided until the latest finished sync succeeded: the orders may just be missing.
        let latest = runs.iter().find(|run| finished(run).is_some());
        if latest.and_then(finished) != Some(true) {
            return Ok(None);
        }
        let mut verdict = Verdict {
            rule: AlertRule::StoreQuiet,
            subject: record.id.to_string(),
            integration: Some((record.id, record.name.clone())),
            finding: None,
        };
        let Some(last) = self.store.last_order_at(tenant, record.id).await? else {
            return Ok(Some(verdict));
        };
        let quiet_minutes = (now - last).num_minutes();
        if quiet_minutes < i64::from(settings.quiet_min_minutes) {
            return Ok(Some(verdict));
        }
        let mut usual_orders = Vec::new();
        for weeks in 1..=i64::from(settings.quiet_weeks) {
            let orders = self
                .store
                .orders_between(
                    tenant,
                    record.id,
                    weeks_back(zone, last, weeks),
                    weeks_back(zone, now, weeks),
                )
                .await?;
            usual_orders.push(orders);
            if orders == 0 {
                break;
            }
        }
        if is_store_quiet(quiet_minutes, &usual_orders, settings)
            && usual_orders.len() == settings.quiet_weeks as usize
        {
            let today = now.with_timezone(&zone).date_naive();
            verdict.finding = Some((
                AlertDetails::StoreQuiet {
                    last_order_at: last,
                    quiet_minutes,
                    usual_orders,
                },
                Some(ReportLink {
                    from: today - Duration::weeks(settings.quiet_weeks.into()),
                    to: today,
                    store: Some(record.id),
                }),
            ));
        }
        Ok(Some(verdict))
    }

    async fn tokens_expiring(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
        integrations: &[IntegrationRecord],
        settings: &AlertSettings,
    ) -> CoreResult<Vec<Verdict>> {
        let names: HashMap<IntegrationId, &IntegrationRecord> = integrations
            .iter()
            .map(|record| (record.id, record))
            .collect();
        let within = Duration::days(settings.token_expiry_days.into());
        Ok(self
            .store
            .token_expiries(tenant)
            .await?
            .into_iter()
            .filter_map(|token| {
                let record = names.get(&token.integration_id)?;
                let finding = token
                    .expires_at
                    .filter(|expires| *expires - now <= within)
                    .map(|expires_at| {
                        (
                            AlertDetails::TokenExpiring {
                                expires_at,
                                days_left: (expires_at - now).num_days(),
                            },
                            None,
                        )
                    });
                Some(Verdict {
                    rule: AlertRule::TokenExpiring,
                    subject: record.id.to_string(),
                    integration: Some((record.id, record.name.clone())),
                    finding,
                })
            })
            .collect())
    }
}

/// Today's and yesterday's spend spike verdicts.
fn spike_verdicts(
    today: NaiveDate,
    mut finding: impl FnMut(NaiveDate) -> Option<(AlertDetails, Option<ReportLink>)>,
) -> Vec<Verdict> {
    [today - Duration::days(1), today]
        .into_iter()
        .map(|day| Verdict {
            rule: AlertRule::SpendSpike,
            subject: day.format("%Y-%m-%d").to_string(),
            integration: None,
            finding: finding(day),
        })
        .collect()
}

/// `Some(true)` for a run that succeeded, `Some(false)` for one that failed, `None` for one
/// still running or interrupted (it says nothing either way).
fn finished(run: &SyncRunRecord) -> Option<bool> {
    match run.outcome.as_str() {
        outcome if outcome == SyncOutcome::Succeeded.as_str() => Some(true),
        outcome if outcome == SyncOutcome::Failed.as_str() => Some(false),
        _ => None,
    }
}

/// Sync failing: every finished run since the last success failed, the first of them more than
/// the threshold ago. `runs` are newest first.
fn sync_failing(
    record: &IntegrationRecord,
    runs: &[SyncRunRecord],
    now: DateTime<Utc>,
    settings: &AlertSettings,
) -> Verdict {
    let failures: Vec<&SyncRunRecord> = runs
        .iter()
        .filter(|run| finished(run).is_some())
        .take_while(|run| finished(run) == Some(false))
        .collect();
    let finding = match (record.enabled, failures.first(), failures.last()) {
        (true, Some(latest), Some(first))
            if now - first.started_at > Duration::hours(settings.sync_failing_hours.into()) =>
        {
            Some((
                AlertDetails::SyncFailing {
                    failing_since: first.started_at,
                    failed_runs: failures.len() as u32,
                    last_error: latest.error.clone(),
                    threshold_hours: settings.sync_failing_hours,
                },
                None,
            ))
        }
        _ => None,
    };
    Verdict {
        rule: AlertRule::SyncFailing,
        subject: record.id.to_string(),
        integration: Some((record.id, record.name.clone())),
        finding,
    }
}

/// The week a ROAS drop looks at (the 7 complete days before today) and the week before it.
struct RoasWeeks {
    from: NaiveDate,
    to: NaiveDate,
    previous_from: NaiveDate,
    previous_to: NaiveDate,
}

impl RoasWeeks {
    fn ending(today: NaiveDate) -> Self {
        let to = today - Duration::days(1);
        let from = to - Duration::days(6);
        Self {
            from,
            to,
            previous_from: from - Duration::days(7),
            previous_to: from - Duration::days(1),
        }
    }
}

/// ROAS drop over two weekly reports (the workspace's, or one store's): decided only for a
/// week with spend and counted orders in one currency; `store` goes into the report link.
fn roas_finding(
    weeks: &RoasWeeks,
    week: &Report,
    previous: &Report,
    store: Option<IntegrationId>,
    settings: &AlertSettings,
) -> Option<(AlertDetails, Option<ReportLink>)> {
    let as_week = |report: &Report| {
        let totals = &report.totals;
        totals.roas_pos.filter(|_| totals.orders > 0).map(|_| Week {
            spend_minor: totals.spend_minor,
            revenue_minor: totals.revenue_minor,
        })
    };
    let this = as_week(week)?;
    let before = as_week(previous);
    let (below_floor, dropped) = roas_drop(
        this,
        before,
        settings.roas_floor_percent,
        settings.roas_drop_percent,
    )?;
    (below_floor || dropped).then(|| {
        (
            AlertDetails::RoasDrop {
                from: weeks.from,
                to: weeks.to,
                currency: week.spend_currency.clone().unwrap_or_default(),
                exponent: week.spend_exponent,
                spend_minor: this.spend_minor,
                revenue_minor: this.revenue_minor,
                roas: this.roas().unwrap_or_default(),
                previous_spend_minor: previous.totals.spend_minor,
                previous_revenue_minor: previous.totals.revenue_minor,
                previous_roas: before.and_then(Week::roas),
                below_floor,
                dropped,
                floor_percent: settings.roas_floor_percent,
                drop_percent: settings.roas_drop_percent,
            },
            Some(ReportLink {
                from: weeks.previous_from,
                to: weeks.to,
                store,
            }),
        )
    })
}

/// The same local time `weeks` weeks before `at` (the same weekday and hour in the zone, across
/// a daylight-saving change too).
fn weeks_back(zone: Tz, at: DateTime<Utc>, weeks: i64) -> DateTime<Utc> {
    let local = at.with_timezone(&zone).naive_local() - Duration::weeks(weeks);
    zone.from_local_datetime(&local)
        .earliest()
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or(at - Duration::weeks(weeks))
}

fn to_alert(record: AlertRecord) -> Option<Alert> {
    let rule = AlertRule::parse(&record.rule)?;
    let stored: StoredDetails = match serde_json::from_str(&record.details) {
        Ok(stored) => stored,
        Err(err) => {
            tracing::warn!(error = %err, alert = %record.id, "an alert's details are unreadable");
            return None;
        }
    };
    Some(Alert {
        id: record.id,
        rule,
        subject: record.subject,
        integration_id: record.integration_id,
        integration_name: stored.integration_name,
        fired_at: record.fired_at,
        cleared_at: record.cleared_at,
        dismissed_at: record.dismissed_at,
        details: stored.details,
        report: stored.report,
        computed_offline: false,
    })
}

/// A report from this computer's own rows, as the alert rules read it.
fn local_report(query: &ReportQuery, zone: Tz, inputs: ReportInputs) -> Report {
    build_report(query, zone.name(), inputs, ReportSource::Local)
}
