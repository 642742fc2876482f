//! The Campaigns page: each Meta campaign with the store(s) its spend belongs to, what the
//! synced orders suggest, and the user's decisions (versioned like integrations). The rules are
//! in [`crate::analytics::assignment`].

use std::collections::BTreeMap;

use chrono::{Duration, Utc};

use super::Core;
use crate::analytics::assignment::{
    campaign_list, local_day, AssignmentChoice, Campaign, CampaignAssignment, CAMPAIGN_SPEND_DAYS,
};
use crate::auth::Session;
use crate::error::{CoreError, CoreResult};
use crate::store::{AggregateKey, SpendAssignmentRecord, StoreError};

impl Core {
    /// Every synced campaign, most spend (of the last 30 days) first, with its ad sets.
    pub async fn list_campaigns(&self, session: &Session) -> CoreResult<Vec<Campaign>> {
        let tenant = session.tenant_id();
        let zone: chrono_tz::Tz = self
            .current_account(session)
            .await?
            .time_zone
            .parse()
            .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
        let today = local_day(Utc::now(), zone);
        let from = today - Duration::days(CAMPAIGN_SPEND_DAYS - 1);
        let (ads, assignments, sales, spend, stores) = futures::try_join!(
            async { Ok::<_, CoreError>(self.store.report_ads(tenant).await?) },
            async { Ok::<_, CoreError>(self.store.spend_assignments(tenant).await?) },
            async { Ok::<_, CoreError>(self.store.ad_sales_by_store(tenant).await?) },
            async {
                Ok::<_, CoreError>(
                    self.store
                        .report_insights(tenant, from, today, AggregateKey::Ad)
                        .await?,
                )
            },
            self.pancake_stores(tenant),
        )?;
        let stores: BTreeMap<uuid::Uuid, String> = stores.into_iter().collect();
        Ok(campaign_list(&ads, &assignments, &sales, &spend, &stores))
    }

    /// Decides which store(s) a campaign's spend belongs to (or an ad set's, where a campaign
    /// serves several stores): one store, several with shares adding up to 100 %, no store, or
    /// back to unassigned. Every report, past days included, follows; replacing an earlier
    /// decision is recorded, and the reports covering days before it say so.
    ///
    /// Needs the server in shared mode (OFFLINE otherwise): an assignment changes every
    /// computer's figures, so it is never queued on one computer to show figures the others do
    /// not have.
    pub async fn assign_campaign(
        &self,
        session: &Session,
        assignment: CampaignAssignment,
    ) -> CoreResult<Campaign> {
        let CampaignAssignment {
            campaign_id,
            adset_id,
            choice,
            expected_version,
        } = assignment;
        choice.validate().map_err(CoreError::Validation)?;
        let campaign_id = campaign_id.trim().to_string();
        let adset_id = adset_id.map(|id| id.trim().to_string()).unwrap_or_default();
        self.require_online("Assigning a campaign to stores")?;
        let tenant = session.tenant_id();

        let ads = self.store.report_ads(tenant).await?;
        let campaign_ads: Vec<_> = ads
            .iter()
            .filter(|ad| ad.campaign_id.as_deref() == Some(campaign_id.as_str()))
            .collect();
        if campaign_ads.is_empty() {
            return Err(CoreError::NotFound(format!(
                "There is no campaign {campaign_id:?} among the synced Meta ads."
            )));
        }
        if !adset_id.is_empty()
            && !campaign_ads
                .iter()
                .any(|ad| ad.adset_id.as_deref() == Some(adset_id.as_str()))
        {
            return Err(CoreError::NotFound(format!(
                "Campaign {campaign_id:?} has no ad set {adset_id:?}."
            )));
        }
        if let AssignmentChoice::Stores { shares } = &choice {
            let stores = self.pancake_stores(tenant).await?;
            for share in shares {
                if !stores.iter().any(|(id, _)| *id == share.store) {
                    return Err(
                        match self.store.get_integration(tenant, share.store).await? {
                            Some(other) => CoreError::Validation(format!(
                                "“{}” is not a Pancake POS store.",
                                other.name
                            )),
                            None => {
                                CoreError::NotFound(format!("There is no store {}.", share.store))
                            }
                        },
                    );
                }
            }
        }

        // Read, decide, write if unchanged meanwhile; a lost race is retried on the fresh row
        // unless the caller said which version they decided on.
        const ATTEMPTS: usize = 5;
        let mut settled = false;
        for _ in 0..ATTEMPTS {
            let current = self
                .store
                .spend_assignments(tenant)
                .await?
                .into_iter()
                .find(|a| a.campaign_id == campaign_id && a.adset_id == adset_id);
            let version = current.as_ref().map_or(0, |a| a.version);
            if expected_version.is_some_and(|expected| expected != version) {
                return Err(CoreError::StaleAssignment);
            }
            let before =
                AssignmentChoice::from_stored(current.as_ref().and_then(|a| a.shares.as_deref()));
            if before == choice {
                settled = true;
                break;
            }
            let now = Utc::now();
            let record = SpendAssignmentRecord {
                tenant_id: tenant,
                campaign_id: campaign_id.clone(),
                adset_id: adset_id.clone(),
                shares: choice.to_stored(),
                decided_at: choice.is_decided().then_some(now),
                // Replacing a decision moves spend that reports already showed.
                reassigned_at: if before.is_decided() {
                    Some(now)
                } else {
                    current.as_ref().and_then(|a| a.reassigned_at)
                },
                changed_by: Some(session.email().to_string()),
                updated_at: now,
                version,
            };
            match self.store.put_spend_assignment(&record, version).await {
                Ok(_) => {
                    tracing::info!(campaign = %campaign_id, adset = %adset_id, "campaign assigned");
                    settled = true;
                    break;
                }
                Err(StoreError::Stale) if expected_version.is_none() => continue,
                Err(StoreError::Stale) => return Err(CoreError::StaleAssignment),
                Err(err) => return Err(err.into()),
            }
        }
        if !settled {
            return Err(CoreError::StaleAssignment);
        }
        self.list_campaigns(session)
            .await?
            .into_iter()
            .find(|c| c.campaign_id == campaign_id)
            .ok_or_else(|| CoreError::NotFound("The campaign is gone.".into()))
    }
}
