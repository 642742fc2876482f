//! The analytics report: the store's sums, read from the server, the embedded database or
//! (offline) the mirror, put together by [`crate::analytics`].

use super::Core;
use crate::analytics::{build_report, plan, validate, Report, ReportQuery, ReportSource};
use crate::auth::Session;
use crate::domain::Provider;
use crate::error::{CoreError, CoreResult};
use crate::mirror::LinkMode;
use crate::store::AggregateKey;

impl Core {
    /// The report for `query`, from the server, the embedded database or (offline) the mirror.
    pub async fn report(&self, session: &Session, query: &ReportQuery) -> CoreResult<Report> {
        let tenant = session.tenant_id();
        let workspace_zone = match &query.time_zone {
            Some(_) => String::new(),
            None => self.whoami(session).await?.time_zone,
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
        // The three reads are independent: side by side, a report takes the slowest, not the sum.
        let read = || async {
            let ads = async {
                match key {
                    AggregateKey::Day => Ok(Vec::new()),
                    AggregateKey::Ad => self.store.report_ads(tenant).await,
                }
            };
            futures::try_join!(
                self.store.report_orders(tenant, &filter, key),
                self.store
                    .report_insights(tenant, query.from, query.to, key),
                ads,
            )
        };
        let mode = || self.shared_store().map(|shared| shared.mode());
        // In shared mode each read goes to the server or the mirror on its own: if the link
        // changed meanwhile the figures may mix both, so they are read again, all from one side.
        let before = mode();
        let (mut orders, mut insights, mut ads) = read().await?;
        let mut after = mode();
        if after != before {
            (orders, insights, ads) = read().await?;
            after = mode();
        }
        let source = match (after, self.shared_store()) {
            (None, _) | (_, None) => ReportSource::Local,
            (Some(LinkMode::Online), _) => ReportSource::Server,
            (Some(_), Some(shared)) => ReportSource::Mirror {
                as_of: shared.mirror_as_of(tenant).await?,
            },
        };
        Ok(build_report(
            query,
            zone.name(),
            &orders,
            &insights,
            &ads,
            source,
        ))
    }
}
