//! Everything the CLI writes: JSON (`--json`) or text for people on stdout, and failures on
//! stderr as `{"error":{code,message}}` with an exit code per kind of failure.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use integrations_core::alerts::{Alert, AlertDetails, AlertList};
use integrations_core::analytics::assignment::{
    percent_text, AssignedShare, Assignment, AssignmentState, Campaign, StoreSales,
};
use integrations_core::analytics::{
    minor_to_decimal, Report, ReportGrouping, ReportMetrics, ReportRowKind, ReportSource,
    ReportWarning,
};
use integrations_core::{
    AdAccountChoice, CoreError, CoreResult, ErrorCode, Integration, IntegrationConfig,
    OfflineChange, ShopChoice, SyncRun, SyncTrigger,
};
use serde::Serialize;

/// Distinct exit codes per kind of failure, for scripts.
pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Internal => 1,
        ErrorCode::Validation => 2,
        ErrorCode::NotFound => 3,
        ErrorCode::Conflict | ErrorCode::StaleEdit => 4,
        ErrorCode::Unauthenticated | ErrorCode::RateLimited => 5,
        ErrorCode::ProviderError => 6,
        ErrorCode::DatabaseUnavailable | ErrorCode::Offline => 7,
        ErrorCode::Configuration => 8,
        ErrorCode::ChoiceRequired => 9,
    }
}

/// Writes the failure to stderr as one JSON line and answers the exit code for its kind.
pub fn failure(err: &CoreError) -> ExitCode {
    let payload = serde_json::json!({ "error": err.payload() });
    let _ = writeln!(std::io::stderr(), "{payload}");
    ExitCode::from(exit_code(err.code()))
}

/// How results go to stdout: as JSON with `--json`, otherwise as text for people.
#[derive(Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// `value` as JSON with `--json`; otherwise whatever `text` prints of it. The last step of
    /// a subcommand, hence the (always `Ok`) result.
    pub fn show<T: Serialize + ?Sized>(self, value: &T, text: impl FnOnce(&T)) -> CoreResult<()> {
        if self.json {
            print_json(value);
        } else {
            text(value);
        }
        Ok(())
    }

    /// `value` as JSON with `--json`; otherwise the one line `text` makes of it.
    pub fn line<T: Serialize + ?Sized>(
        self,
        value: &T,
        text: impl FnOnce(&T) -> String,
    ) -> CoreResult<()> {
        self.show(value, |value| println!("{}", text(value)))
    }
}

pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("output serializes")
    );
}

pub fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

pub fn ago(secs: i64) -> String {
    match secs {
        0..=59 => format!("{secs} s ago"),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// Thousands separators on an exact amount in minor units (`123456789` with exponent 2 →
/// `1,234,567.89`), or on a count (exponent 0).
fn money(minor: i64, exponent: u32) -> String {
    let plain = minor_to_decimal(minor, exponent);
    let (sign, digits) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |d| ("-", d));
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
    format!("{sign}{grouped}{fraction}")
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×"))
}

pub fn print_integration(integration: &Integration) {
    println!("{}  {}", integration.id, integration.name);
    println!("  provider     {}", integration.provider.as_str());
    println!("  status       {}", integration.status.as_str());
    println!("  enabled      {}", integration.enabled);
    match &integration.config {
        IntegrationConfig::PancakePos { shop_id } => println!("  shop id      {shop_id}"),
        IntegrationConfig::MetaAds { ad_account_id } => println!("  ad account   {ad_account_id}"),
    }
    println!("  credentials  {}", integration.credentials_hint);
    if let Some(description) = &integration.description {
        println!("  description  {description}");
    }
    println!("  last sync    {}", when(integration.last_sync_at));
    if let Some(error) = &integration.last_error {
        println!("  last error   {error}");
    }
    println!("  version      {}", integration.version);
}

/// The integrations as a table, one line each.
pub fn print_integration_table(integrations: &[Integration]) {
    println!(
        "{:<36}  {:<30}  {:<11}  {:<8}  {:<7}  LAST SYNC",
        "ID", "NAME", "PROVIDER", "STATUS", "ENABLED"
    );
    for integration in integrations {
        let name: String = integration.name.chars().take(30).collect();
        println!(
            "{:<36}  {:<30}  {:<11}  {:<8}  {:<7}  {}",
            integration.id,
            name,
            integration.provider.as_str(),
            integration.status.as_str(),
            if integration.enabled { "yes" } else { "no" },
            when(integration.last_sync_at)
        );
    }
}

fn connected_mark(already_connected: bool) -> &'static str {
    if already_connected {
        "  (already connected)"
    } else {
        ""
    }
}

pub fn shop_lines(shops: &[ShopChoice]) -> String {
    shops
        .iter()
        .map(|shop| {
            let mark = connected_mark(shop.already_connected);
            format!("{:<12} {}{mark}\n", shop.id, shop.name)
        })
        .collect()
}

pub fn account_lines(accounts: &[AdAccountChoice]) -> String {
    accounts
        .iter()
        .map(|account| {
            let mark = connected_mark(account.already_connected);
            format!(
                "{:<22} {}  [{} {}]{mark}\n",
                account.id, account.name, account.status_name, account.currency
            )
        })
        .collect()
}

pub fn print_run(run: &SyncRun) {
    let counts: Vec<String> = run
        .counts
        .iter()
        .map(|(stream, count)| format!("{stream}={count}"))
        .collect();
    println!(
        "{}  {:<11}  {:<8}  started {}  {}{}",
        run.id,
        run.outcome.as_str(),
        match run.trigger {
            SyncTrigger::Manual => "manual",
            SyncTrigger::Schedule => "schedule",
        },
        run.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        counts.join(" "),
        run.error
            .as_deref()
            .map(|e| format!("\n  error: {e}"))
            .unwrap_or_default()
    );
}

pub fn describe_change(change: &OfflineChange) -> String {
    let mut parts = Vec::new();
    if let Some(name) = &change.name {
        parts.push(format!("name → \"{name}\""));
    }
    match &change.description {
        Some(Some(text)) => parts.push(format!("description → \"{text}\"")),
        Some(None) => parts.push("description cleared".to_owned()),
        None => {}
    }
    match change.enabled {
        Some(true) => parts.push("turned on".to_owned()),
        Some(false) => parts.push("turned off".to_owned()),
        None => {}
    }
    format!("({})", parts.join(", "))
}

pub fn print_report(report: &Report) {
    let scope = if report.store.is_some() {
        "one store"
    } else {
        "all stores"
    };
    println!(
        "Ad spend against sales, {} to {} ({}), {scope}",
        report.from, report.to, report.time_zone
    );
    if let ReportSource::Mirror { as_of } = &report.source {
        println!(
            "Offline: figures from the local copy as of {}.",
            when(*as_of)
        );
    }
    for warning in &report.warnings {
        println!("Note: {}", warning_text(warning));
    }
    println!("{}", report_table(report));
}

fn warning_text(warning: &ReportWarning) -> String {
    match warning {
        ReportWarning::UnassignedSpend {
            spend_minor: _,
            campaigns,
        } => format!(
            "spend of {} not assigned to a store counts for no store: {} (see `integrations \
             campaigns list`).",
            if campaigns.len() == 1 {
                "1 campaign".to_owned()
            } else {
                format!("{} campaigns", campaigns.len())
            },
            campaigns.join(", ")
        ),
        ReportWarning::Reassigned {
            campaign_id,
            campaign_name,
            adset_id,
            adset_name,
            at,
        } => {
            let campaign = campaign_name.as_deref().unwrap_or(campaign_id);
            let what = match (adset_id, adset_name) {
                (Some(id), name) => {
                    format!("ad set {} of {campaign}", name.as_deref().unwrap_or(id))
                }
                (None, _) => campaign.to_owned(),
            };
            format!(
                "{what} was reassigned on {}; its spend on earlier days moved with it.",
                at.format("%Y-%m-%d %H:%M UTC")
            )
        }
        ReportWarning::CurrenciesDiffer { spend, revenue } => {
            format!("spend is in {spend} and sales in {revenue}; POS ROAS is not computed.")
        }
        ReportWarning::SeveralOrderCurrencies { currencies } => format!(
            "orders in several currencies ({}) are added together.",
            currencies.join(", ")
        ),
        ReportWarning::SeveralSpendCurrencies { currencies } => format!(
            "spend in several currencies ({}) is added together; no ROAS.",
            currencies.join(", ")
        ),
        ReportWarning::OrderCurrencyAssumed { currency } => {
            format!("the orders carry no currency; taken to be {currency}, the ad account's.")
        }
    }
}

fn report_table(report: &Report) -> comfy_table::Table {
    let spend = report.spend_currency.as_deref();
    let revenue = report.revenue_currency.as_deref();
    let (spend_exp, revenue_exp) = (report.spend_exponent, report.revenue_exponent);
    let unit = |label: &str, currency: Option<&str>| match currency {
        Some(c) => format!("{label} ({c})"),
        None => label.to_owned(),
    };
    let first = match report.by {
        ReportGrouping::Day => "Day",
        ReportGrouping::Campaign => "Campaign",
        ReportGrouping::Ad => "Ad",
        ReportGrouping::Store => "Store",
    };
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec![
        first.to_owned(),
        unit("Spend", spend),
        "Impr.".into(),
        "Clicks".into(),
        "Meta purch.".into(),
        unit("Meta value", spend),
        unit("POS revenue", revenue),
        "Orders".into(),
        unit("AOV", revenue),
        "ROAS Meta".into(),
        "ROAS POS".into(),
    ]);
    let cells = |label: String, m: &ReportMetrics| {
        vec![
            label,
            money(m.spend_minor, spend_exp),
            money(m.impressions, 0),
            money(m.clicks, 0),
            money(m.meta_purchases, 0),
            money(m.meta_purchase_value_minor, spend_exp),
            money(m.revenue_minor, revenue_exp),
            money(m.orders, 0),
            m.average_order_value_minor
                .map_or_else(|| "–".to_owned(), |v| money(v, revenue_exp)),
            ratio(m.roas_meta),
            ratio(m.roas_pos),
        ]
    };
    for row in &report.rows {
        let label = match row.kind {
            ReportRowKind::Day => row.key.clone(),
            ReportRowKind::Campaign if row.key.is_empty() => "(no campaign)".to_owned(),
            ReportRowKind::Campaign => row.name.clone().unwrap_or_else(|| row.key.clone()),
            ReportRowKind::Ad => {
                let name = row.name.clone().unwrap_or_else(|| row.key.clone());
                match &row.campaign_name {
                    Some(campaign) => format!("{name} · {campaign}"),
                    None => name,
                }
            }
            ReportRowKind::UnknownAd if row.key.is_empty() => "Ads not in Meta".to_owned(),
            ReportRowKind::UnknownAd => format!("Ad not in Meta: {}", row.key),
            ReportRowKind::NoAd => "Orders without an ad".to_owned(),
            ReportRowKind::Store => row.name.clone().unwrap_or_else(|| row.key.clone()),
            ReportRowKind::Unassigned => "Not assigned to a store".to_owned(),
            ReportRowKind::NoStore => "No store".to_owned(),
        };
        table.add_row(cells(label, &row.metrics));
    }
    table.add_row(cells("Total".to_owned(), &report.totals));
    for index in 1..11 {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    table
}

pub fn print_alerts(list: &AlertList) {
    if list.computed_offline {
        println!(
            "Offline: open alerts computed just now from the local copy; they can be dismissed \
             once the server is back."
        );
    }
    if list.alerts.is_empty() {
        println!("No alerts.");
        return;
    }
    println!("{} open, not dismissed.", list.unread);
    for alert in &list.alerts {
        println!("{}", alert_line(alert));
    }
}

/// One alert in a line: its state, when it fired, what it says with its numbers, and its id.
pub fn alert_line(alert: &Alert) -> String {
    let state = match (alert.cleared_at, alert.dismissed_at) {
        (Some(cleared), _) => format!("cleared {}", when(Some(cleared))),
        (None, Some(_)) => "open, dismissed".to_owned(),
        (None, None) if alert.computed_offline => "open (offline)".to_owned(),
        (None, None) => "open".to_owned(),
    };
    let name = alert.integration_name.as_deref().unwrap_or("");
    let what = match &alert.details {
        AlertDetails::SpendSpike {
            day,
            currency,
            exponent,
            spend_minor,
            median_minor,
            threshold_percent,
        } => format!(
            "Spend spike on {day}: {} {currency}, above {threshold_percent}% of the 14-day \
             median {} {currency}",
            money(*spend_minor, *exponent),
            money(*median_minor, *exponent)
        ),
        AlertDetails::RoasDrop {
            from,
            to,
            roas,
            previous_roas,
            below_floor,
            dropped,
            floor_percent,
            drop_percent,
            ..
        } => {
            let mut why = Vec::new();
            if *below_floor {
                why.push(format!("below {:.2}", f64::from(*floor_percent) / 100.0));
            }
            if *dropped {
                why.push(format!(
                    "down {drop_percent}% or more on the week before ({})",
                    ratio(*previous_roas)
                ));
            }
            // A store's own ROAS (its assigned campaigns' spend) names the store.
            let whose = match alert.integration_name.as_deref() {
                Some(store) => format!("{store}: "),
                None => String::new(),
            };
            format!(
                "{whose}ROAS (POS) {from} to {to}: {} — {}",
                ratio(Some(*roas)),
                why.join("; ")
            )
        }
        AlertDetails::StoreQuiet {
            last_order_at,
            quiet_minutes,
            usual_orders,
        } => format!(
            "{name} gone quiet: no order for {} h {} min (last {}); the same hours of the {} \
             weeks before had {} orders",
            quiet_minutes / 60,
            quiet_minutes % 60,
            when(Some(*last_order_at)),
            usual_orders.len(),
            usual_orders
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AlertDetails::SyncFailing {
            failing_since,
            failed_runs,
            last_error,
            ..
        } => format!(
            "{name}: syncs failing since {} ({failed_runs} runs){}",
            when(Some(*failing_since)),
            last_error
                .as_deref()
                .map(|error| format!(": {error}"))
                .unwrap_or_default()
        ),
        AlertDetails::TokenExpiring {
            expires_at,
            days_left,
        } => format!(
            "{name}: the Meta access token expires {} ({days_left} days left)",
            when(Some(*expires_at))
        ),
    };
    let report = alert
        .report
        .as_ref()
        .map(|link| format!(" [report {} to {}]", link.from, link.to))
        .unwrap_or_default();
    format!(
        "{state:<24} {}  {what}{report}  id {}",
        when(Some(alert.fired_at)),
        alert.id
    )
}

/// `Shop A 60 %, Shop B 40 %`; a removed store by its id.
fn shares_text(shares: &[AssignedShare]) -> String {
    shares
        .iter()
        .map(|share| {
            let name = share
                .store_name
                .clone()
                .unwrap_or_else(|| format!("removed store {}", share.store));
            format!("{name} {} %", percent_text(share.basis_points))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn assignment_text(assignment: &Assignment, unassigned: &str) -> String {
    match assignment.state {
        AssignmentState::Unassigned => unassigned.to_owned(),
        AssignmentState::NoStore => "no store".to_owned(),
        AssignmentState::Stores => shares_text(&assignment.shares),
    }
}

fn suggestion_text(suggestion: Option<&Vec<AssignedShare>>, orders: i64) -> String {
    match suggestion {
        Some(shares) => format!(
            "{} ({orders} order{})",
            shares_text(shares),
            if orders == 1 { "" } else { "s" }
        ),
        None => "–".to_owned(),
    }
}

/// One row of the campaigns table, for a campaign or one of its ad sets: its name, spend,
/// stores (`unassigned` when it has none), the stores its orders suggest, and the version an
/// `assign` must quote.
fn plan_row(
    title: String,
    spend_minor: i64,
    exponent: u32,
    assignment: &Assignment,
    unassigned: &str,
    suggestion: Option<&Vec<AssignedShare>>,
    sales: &[StoreSales],
) -> Vec<String> {
    vec![
        title,
        money(spend_minor, exponent),
        assignment_text(assignment, unassigned),
        suggestion_text(suggestion, sales.iter().map(|s| s.orders).sum()),
        assignment.version.to_string(),
    ]
}

pub fn print_campaigns(campaigns: &[Campaign]) {
    if campaigns.is_empty() {
        println!("No campaigns: sync a Meta Ads integration first.");
        return;
    }
    let currency = campaigns.iter().find_map(|c| c.spend_currency.clone());
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "Campaign".to_owned(),
        match &currency {
            Some(c) => format!("Spend, 30 days ({c})"),
            None => "Spend, 30 days".to_owned(),
        },
        "Stores".to_owned(),
        "Orders suggest".to_owned(),
        "Version".to_owned(),
    ]);
    for campaign in campaigns {
        table.add_row(plan_row(
            format!(
                "{}\n{}",
                campaign.name.as_deref().unwrap_or("(no name)"),
                campaign.campaign_id
            ),
            campaign.spend_minor,
            campaign.spend_exponent,
            &campaign.assignment,
            "UNASSIGNED",
            campaign.suggestion.as_ref(),
            &campaign.sales,
        ));
        // Ad sets are listed where they matter: several of them, or one deciding for itself.
        if campaign.ad_sets.len() > 1
            || campaign
                .ad_sets
                .iter()
                .any(|s| s.assignment.state != AssignmentState::Unassigned)
        {
            for adset in &campaign.ad_sets {
                table.add_row(plan_row(
                    format!(
                        "  ad set {}\n  --adset {}",
                        adset.name.as_deref().unwrap_or("(no name)"),
                        adset.adset_id
                    ),
                    adset.spend_minor,
                    campaign.spend_exponent,
                    &adset.assignment,
                    "follows the campaign",
                    adset.suggestion.as_ref(),
                    &adset.sales,
                ));
            }
        }
    }
    if let Some(column) = table.column_mut(1) {
        column.set_cell_alignment(comfy_table::CellAlignment::Right);
    }
    println!("{table}");
}

/// What an assignment did, in one line.
pub fn print_assigned(campaign: &Campaign, adset: Option<&str>) {
    let name = campaign.name.as_deref().unwrap_or(&campaign.campaign_id);
    match adset.and_then(|id| campaign.ad_sets.iter().find(|s| s.adset_id == id)) {
        Some(set) => println!(
            "Ad set {} of {name}: {}.",
            set.name.as_deref().unwrap_or(&set.adset_id),
            assignment_text(&set.assignment, "follows the campaign")
        ),
        None => println!(
            "{name}: {}.",
            assignment_text(&campaign.assignment, "unassigned")
        ),
    }
    println!("Every report, past days included, follows this assignment.");
}

/// The alert fixtures the desktop's tests use too.
#[cfg(test)]
#[path = "../../core/tests/common/alert_fixtures.rs"]
mod alert_fixtures;

#[cfg(test)]
mod tests {
    use super::alert_fixtures::roas_drop;
    use super::*;

    #[test]
    fn a_stores_own_roas_drop_names_the_store_and_the_workspaces_names_none() {
        let line = alert_line(&roas_drop(Some("Cửa hàng Hà Nội")));
        assert!(
            line.contains(
                "Cửa hàng Hà Nội: ROAS (POS) 2026-11-13 to 2026-11-19: 2.10× — down 30% or more \
                 on the week before (3.00×)"
            ),
            "{line}"
        );
        let line = alert_line(&roas_drop(None));
        assert!(
            line.contains("  ROAS (POS) 2026-11-13 to 2026-11-19"),
            "{line}"
        );
        assert!(!line.contains("Hà Nội"), "{line}");
    }
}
