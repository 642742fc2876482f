//! Which store(s) each campaign's spend belongs to: `campaigns list` and `campaigns assign`.

use integrations_core::analytics::assignment::{
    parse_percent, AssignedShare, AssignmentChoice, Campaign, CampaignAssignment, StoreShare,
};
use integrations_core::{CoreError, CoreResult};
use uuid::Uuid;

use super::Ctx;
use crate::args::{AssignArgs, CampaignsCommand};
use crate::print::{print_assigned, print_campaigns};

pub async fn campaigns(ctx: &Ctx, command: CampaignsCommand) -> CoreResult<()> {
    match command {
        CampaignsCommand::List { unassigned } => list(ctx, unassigned).await,
        CampaignsCommand::Assign(args) => assign(ctx, args).await,
    }
}

async fn list(ctx: &Ctx, unassigned: bool) -> CoreResult<()> {
    let session = ctx.session().await?;
    let mut campaigns = ctx.core.list_campaigns(&session).await?;
    if unassigned {
        campaigns.retain(Campaign::needs_decision);
    }
    ctx.out
        .show(&campaigns, |campaigns| print_campaigns(campaigns))
}

async fn assign(ctx: &Ctx, args: AssignArgs) -> CoreResult<()> {
    let session = ctx.session().await?;
    let choice = if args.none {
        AssignmentChoice::NoStore
    } else if args.clear {
        AssignmentChoice::Unassigned
    } else if args.suggested {
        let campaigns = ctx.core.list_campaigns(&session).await?;
        let campaign = campaigns
            .iter()
            .find(|c| c.campaign_id == args.campaign)
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "There is no campaign {:?} among the synced Meta ads.",
                    args.campaign
                ))
            })?;
        let suggestion = match &args.adset {
            None => campaign.suggestion.as_ref(),
            Some(adset) => campaign
                .ad_sets
                .iter()
                .find(|s| &s.adset_id == adset)
                .and_then(|s| s.suggestion.as_ref()),
        };
        let shares = suggestion.ok_or_else(|| {
            CoreError::Validation(
                "There is nothing to suggest: no synced order came from these ads. Name the \
                 store(s) with --store."
                    .into(),
            )
        })?;
        AssignmentChoice::Stores {
            shares: shares.iter().map(AssignedShare::as_share).collect(),
        }
    } else {
        AssignmentChoice::Stores {
            shares: store_shares(&args.store)?,
        }
    };
    let campaign = ctx
        .core
        .assign_campaign(
            &session,
            CampaignAssignment {
                campaign_id: args.campaign,
                adset_id: args.adset.clone(),
                choice,
                expected_version: args.expected_version,
            },
        )
        .await?;
    ctx.out.show(&campaign, |campaign| {
        print_assigned(campaign, args.adset.as_deref())
    })
}

/// `ID[:SHARE]` arguments as shares: one store alone takes 100 %; one store without a share
/// among others takes what they leave.
fn store_shares(args: &[String]) -> CoreResult<Vec<StoreShare>> {
    let mut parsed: Vec<(Uuid, Option<u32>)> = Vec::with_capacity(args.len());
    for arg in args {
        let (id, share) = match arg.rsplit_once(':') {
            Some((id, share)) => (id, Some(share)),
            None => (arg.as_str(), None),
        };
        let id = Uuid::parse_str(id.trim()).map_err(|_| {
            CoreError::Validation(format!(
                "{id:?} is not a store id: use the integration id `integrations list` shows."
            ))
        })?;
        let share = share
            .map(parse_percent)
            .transpose()
            .map_err(CoreError::Validation)?;
        parsed.push((id, share));
    }
    let open: Vec<usize> = (0..parsed.len())
        .filter(|&i| parsed[i].1.is_none())
        .collect();
    if open.len() > 1 {
        return Err(CoreError::Validation(
            "Give each store its share (--store ID:60 --store ID:40); at most one may go \
             without, and it gets the rest."
                .into(),
        ));
    }
    if let [index] = open[..] {
        let given: u32 = parsed.iter().filter_map(|(_, share)| *share).sum();
        if given >= 10_000 {
            return Err(CoreError::Validation(
                "The other stores' shares leave nothing for the store without one.".into(),
            ));
        }
        parsed[index].1 = Some(10_000 - given);
    }
    Ok(parsed
        .into_iter()
        .map(|(store, share)| StoreShare {
            store,
            basis_points: share.unwrap_or(10_000),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_arguments_become_shares_and_one_may_take_the_rest() {
        let a = "8d4f5e2a-0000-4000-8000-000000000001";
        let b = "8d4f5e2a-0000-4000-8000-000000000002";
        let shares = |args: &[String]| {
            store_shares(args).map(|s| s.iter().map(|s| s.basis_points).collect::<Vec<_>>())
        };
        assert_eq!(shares(&[a.into()]).unwrap(), [10_000]);
        assert_eq!(
            shares(&[format!("{a}:60"), format!("{b}:40")]).unwrap(),
            [6000, 4000]
        );
        assert_eq!(
            shares(&[format!("{a}:33.33"), b.into()]).unwrap(),
            [3333, 6667]
        );
        assert!(
            shares(&[a.into(), b.into()]).is_err(),
            "two without a share"
        );
        assert!(
            shares(&[format!("{a}:100"), b.into()]).is_err(),
            "nothing left"
        );
        assert!(shares(&["Cửa hàng:50".into()]).is_err(), "not an id");
        assert!(shares(&[format!("{a}:sáu mươi")]).is_err());
    }
}
