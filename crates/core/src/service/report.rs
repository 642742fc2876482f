//! The analytics report: the store's sums, read from the server, the embedded database or
//! (offline) the mirror, put together by [`crate::analytics`].

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;

use super::Core;
use crate::analytics::assignment::{SpendOwner, SpendPlan};
use crate::analytics::{
    assignment_warnings, build_report, plan, validate, Report, ReportGrouping, ReportInputs,
    ReportQuery, ReportSource, ReportWarning,
};
use crate::auth::Session;
use crate::domain::{Provider, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::mirror::LinkMode;
use crate::store::{
    AdRecord, AggregateKey, InsightAggregate, OrderAggregate, OrderFilter, OwnedInsightAggregate,
};

/// Everything one report reads, from one side (server or mirror).
#[derive(Default)]
struct ReportData {
    orders: Vec<OrderAggregate>,
    insights: Vec<InsightAggregate>,
    ads: Vec<AdRecord>,
    stores: Vec<(uuid::Uuid, String)>,
    warnings: Vec<ReportWarning>,
    account_currencies: Option<Vec<String>>,
}

/// The synced ads, the split they follow, and the workspace's stores (id, name).
struct SpendBasis {
    ads: Vec<AdRecord>,
    plan: SpendPlan,
    stores: Vec<(uuid::Uuid, String)>,
}

/// One store's spend (and Meta purchase value) of one day, as the campaigns' assignments split
/// it; [`SpendOwner::NoStore`] and [`SpendOwner::Unassigned`] hold the spend of no store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDaySpend {
    pub day: NaiveDate,
    pub owner: SpendOwner,
    pub currency: String,
    pub spend_minor: i64,
    pub purchase_value_minor: i64,
}

impl Core {
    /// The report for `query`, from the server, the embedded database or (offline) the mirror.
    pub async fn report(&self, session: &Session, query: &ReportQuery) -> CoreResult<Report> {
        let tenant = session.tenant_id();
        let workspace_zone = match &query.time_zone {
            Some(_) => String::new(),
            None => self.current_account(session).await?.time_zone,
        };
        let zone = validate(query, &workspace_zone).map_err(CoreError::Validation)?;
        if let Some(store) = query.store {
            let record = self
                .store
                .get_integration(tenant, store)
                .await?
                .ok_or_else(|| CoreError::NotFound("There is no such store.".into()))?;
            if record.provider != Provider::PancakePos {
                return Err(CoreError::Validation(format!(
                    "“{}” is not a Pancake POS store.",
                    record.name
                )));
            }
        }
        let (key, filter) = plan(query, zone);
        // Spend only needs splitting among stores when the figures are a store's.
        let per_store = query.store.is_some() || query.by.is_by_store();
        let read = || async {
            if per_store {
                self.read_per_store(tenant, query, zone, &filter, key).await
            } else {
                self.read_account(tenant, query, &filter, key).await
            }
        };
        let mode = || self.shared_store().map(|shared| shared.mode());
        // In shared mode each read goes to the server or the mirror on its own: if the link
        // changed meanwhile the figures may mix both, so they are read again, all from one side.
        let before = mode();
        let mut data = read().await?;
        let mut after = mode();
        if after != before {
            data = read().await?;
            after = mode();
        }
        let source = match (after, self.shared_store()) {
            (None, _) | (_, None) => ReportSource::Local,
            (Some(LinkMode::Online), _) => ReportSource::Server,
            (Some(_), Some(shared)) => ReportSource::Mirror {
                as_of: shared.mirror_as_of(tenant).await?,
            },
        };
        let inputs = ReportInputs {
            orders: &data.orders,
            insights: &data.insights,
            ads: &data.ads,
            stores: &data.stores,
            warnings: data.warnings,
            account_currencies: data.account_currencies,
        };
        Ok(build_report(query, zone.name(), inputs, source))
    }

    /// The whole account's figures: Meta's rows as they are.
    async fn read_account(
        &self,
        tenant: TenantId,
        query: &ReportQuery,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> CoreResult<ReportData> {
        // The three reads are independent: side by side, a report takes the slowest, not the sum.
        let ads = async {
            match key {
                AggregateKey::Day | AggregateKey::Store => Ok(Vec::new()),
                AggregateKey::Ad => self.store.report_ads(tenant).await,
            }
        };
        let (orders, insights, ads) = futures::try_join!(
            self.store.report_orders(tenant, filter, key),
            self.store
                .report_insights(tenant, query.from, query.to, key),
            ads,
        )?;
        Ok(ReportData {
            orders,
            insights,
            ads,
            ..ReportData::default()
        })
    }

    /// A store's figures (one chosen, or each by store): Meta's rows split by the campaigns'
    /// assignments, and what the reader must know about them.
    async fn read_per_store(
        &self,
        tenant: TenantId,
        query: &ReportQuery,
        zone: chrono_tz::Tz,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> CoreResult<ReportData> {
        let (orders, SpendBasis { ads, plan, stores }) = futures::try_join!(
            async { Ok::<_, CoreError>(self.store.report_orders(tenant, filter, key).await?) },
            self.spend_basis(tenant),
        )?;
        let owner = query.store.map(|store| store.to_string());
        // Every owner's spend per ad serves the warnings, and is the figures themselves for
        // all but the days.
        let by_ad = self
            .store
            .report_split_insights(
                tenant,
                query.from,
                query.to,
                AggregateKey::Ad,
                &plan.shares,
                None,
            )
            .await?;
        let mine = |row: &&OwnedInsightAggregate| owner.as_deref().is_none_or(|o| row.owner == o);
        let insights = match query.by {
            ReportGrouping::Day => self
                .store
                .report_split_insights(
                    tenant,
                    query.from,
                    query.to,
                    AggregateKey::Day,
                    &plan.shares,
                    owner.as_deref(),
                )
                .await?
                .into_iter()
                .map(|row| row.figures)
                .collect(),
            ReportGrouping::Campaign | ReportGrouping::Ad => by_ad
                .iter()
                .filter(mine)
                .map(|row| row.figures.clone())
                .collect(),
            ReportGrouping::Store => by_owner(by_ad.iter().filter(mine)),
        };
        let warnings = assignment_warnings(query, zone, &by_ad, &plan, &ads);
        let mut account_currencies: Vec<String> = by_ad
            .iter()
            .map(|row| row.figures.currency.clone())
            .collect();
        account_currencies.sort();
        account_currencies.dedup();
        Ok(ReportData {
            orders,
            insights,
            ads,
            stores,
            warnings,
            account_currencies: Some(account_currencies),
        })
    }

    /// How the workspace's spend is split among its stores right now, with what it is made of.
    async fn spend_basis(&self, tenant: TenantId) -> CoreResult<SpendBasis> {
        let (ads, assignments, stores) = futures::try_join!(
            async { Ok::<_, CoreError>(self.store.report_ads(tenant).await?) },
            async { Ok::<_, CoreError>(self.store.spend_assignments(tenant).await?) },
            self.pancake_stores(tenant),
        )?;
        let ids: HashSet<uuid::Uuid> = stores.iter().map(|(id, _)| *id).collect();
        let plan = SpendPlan::new(&ads, &assignments, &ids);
        Ok(SpendBasis { ads, plan, stores })
    }

    /// The workspace's Pancake stores, id and name, in its order.
    pub(super) async fn pancake_stores(
        &self,
        tenant: TenantId,
    ) -> CoreResult<Vec<(uuid::Uuid, String)>> {
        Ok(self
            .store
            .list_integrations(tenant)
            .await?
            .into_iter()
            .filter(|record| record.provider == Provider::PancakePos)
            .map(|record| (record.id, record.name))
            .collect())
    }

    /// Each store's spend of each day of `from..=to` (Meta's days), split by the campaigns'
    /// assignments as the reports split it, with the spend of no store; for rules that watch a
    /// store's figures (alerts). Days without spend have no rows.
    pub async fn spend_per_store(
        &self,
        session: &Session,
        from: NaiveDate,
        to: NaiveDate,
    ) -> CoreResult<Vec<StoreDaySpend>> {
        self.spend_per_store_in(session.tenant_id(), from, to).await
    }

    /// [`Self::spend_per_store`] for the core's own work on a tenant's behalf.
    pub(crate) async fn spend_per_store_in(
        &self,
        tenant: TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> CoreResult<Vec<StoreDaySpend>> {
        if from > to {
            return Err(CoreError::validation(format!(
                "The range starts ({from}) after it ends ({to})."
            )));
        }
        let SpendBasis { plan, .. } = self.spend_basis(tenant).await?;
        let rows = self
            .store
            .report_split_insights(tenant, from, to, AggregateKey::Day, &plan.shares, None)
            .await?;
        let mut out: Vec<StoreDaySpend> = rows
            .into_iter()
            .filter_map(|row| {
                let day = row.figures.key.parse().ok()?;
                Some(StoreDaySpend {
                    day,
                    owner: SpendOwner::from_key(&row.owner),
                    currency: row.figures.currency,
                    spend_minor: row.figures.spend_minor,
                    purchase_value_minor: row.figures.purchase_value_minor,
                })
            })
            .collect();
        out.sort_by_key(|spend| (spend.day, spend.owner));
        Ok(out)
    }
}

/// Split figures summed by owner (and currency), keyed by the owner as the store rows read it.
fn by_owner<'a>(rows: impl Iterator<Item = &'a OwnedInsightAggregate>) -> Vec<InsightAggregate> {
    let mut sums: BTreeMap<(String, String), InsightAggregate> = BTreeMap::new();
    for row in rows {
        let f = &row.figures;
        let sum = sums
            .entry((row.owner.clone(), f.currency.clone()))
            .or_insert_with(|| InsightAggregate {
                key: row.owner.clone(),
                currency: f.currency.clone(),
                spend_minor: 0,
                impressions: 0,
                clicks: 0,
                purchases: 0,
                purchase_value_minor: 0,
            });
        sum.spend_minor += f.spend_minor;
        sum.impressions += f.impressions;
        sum.clicks += f.clicks;
        sum.purchases += f.purchases;
        sum.purchase_value_minor += f.purchase_value_minor;
    }
    sums.into_values().collect()
}
