//! `integrations`: the same core as the desktop app, for scripts and headless use.
//!
//! Secrets (passwords, API keys, tokens) are read from standard input, never from argv, where
//! other users and shell histories could see them. The signed-in session's tokens are kept in a
//! user-only file in the data directory. Errors go to stderr as `{"error":{code,message}}` with
//! an exit code per kind (see [`exit_code`]).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use integrations_core::analytics::{
    minor_to_decimal, report_csv, Report, ReportGrouping, ReportQuery, ReportRowKind, ReportSource,
    ReportWarning,
};
use integrations_core::{
    AdAccountChoice, ConflictChoice, ConnectOutcome, Core, CoreConfig, CoreError, Credentials,
    ErrorCode, Integration, IntegrationConfig, IntegrationUpdate, LinkMode, NewIntegration,
    OfflineChange, Provider, Session, ShopChoice, SyncOutcome, SyncRun,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const SESSION_FILE: &str = "cli-session.json";

#[derive(Parser)]
#[command(
    name = "integrations",
    version,
    about = "Manage Meta Ads and Pancake POS integrations"
)]
struct Cli {
    /// Print machine-readable JSON (the seed's camelCase field names; never credentials).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
enum ProviderArg {
    PancakePos,
    MetaAds,
}

impl From<ProviderArg> for Provider {
    fn from(value: ProviderArg) -> Self {
        match value {
            ProviderArg::PancakePos => Provider::PancakePos,
            ProviderArg::MetaAds => Provider::MetaAds,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Create a workspace (tenant) and its owner; the password is read from stdin.
    Signup {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Sign in; the password is read from stdin.
    Login {
        #[arg(long)]
        email: String,
    },
    /// Sign out and forget the stored session.
    Logout,
    /// Who is signed in, and to which workspace.
    Whoami,
    /// Show the workspace, or set its time zone (the days of its reports) with --time-zone.
    Workspace {
        /// IANA name, e.g. Asia/Ho_Chi_Minh.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Mode, database and session state.
    Status,
    /// List the workspace's integrations.
    List,
    /// Show one integration.
    Show {
        id: Uuid,
    },
    /// List the shops (Pancake) or ad accounts (Meta) a key reaches; the secret is read from stdin.
    Discover {
        #[arg(long, value_enum)]
        provider: ProviderArg,
    },
    /// Create an integration; the API key or access token is read from stdin. Without
    /// --shop-id / --ad-account-id the key's shops or ad accounts are discovered: one is created
    /// at once, named after it; several make the command fail listing the choices.
    Create {
        #[arg(long, value_enum)]
        provider: ProviderArg,
        #[arg(long, conflicts_with = "ad_account_id")]
        shop_id: Option<String>,
        #[arg(long)]
        ad_account_id: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Change name, description, configuration or (with --credentials-stdin) the secret.
    Update {
        id: Uuid,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, conflicts_with = "clear_description")]
        description: Option<String>,
        #[arg(long)]
        clear_description: bool,
        #[arg(long, conflicts_with = "ad_account_id")]
        shop_id: Option<String>,
        #[arg(long)]
        ad_account_id: Option<String>,
        /// Read a new API key / access token from stdin.
        #[arg(long)]
        credentials_stdin: bool,
        /// Refuse the edit if the integration changed since this version was read.
        #[arg(long)]
        expected_version: Option<i64>,
    },
    /// Delete an integration (asks for --yes).
    Delete {
        id: Uuid,
        #[arg(long)]
        yes: bool,
    },
    Enable {
        id: Uuid,
    },
    Disable {
        id: Uuid,
    },
    /// Test the connection with the provider.
    Test {
        id: Uuid,
    },
    /// Re-encrypt all of the workspace's credentials under a new key version.
    RotateKeys,
    /// Sync one integration now and wait for it, printing progress to stderr.
    Sync {
        id: Uuid,
    },
    /// Run the scheduler headless (a server deployment): sync every workspace's due
    /// integrations, several at a time, until stopped. Needs no sign-in.
    Worker {
        /// Integrations synced at the same time.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// Run what is due now, then exit (for cron or a test).
        #[arg(long)]
        once: bool,
    },
    /// The sync runs of an integration, newest first.
    History {
        id: Uuid,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Show an integration's sync schedule, or change it with --every MINUTES.
    Schedule {
        id: Uuid,
        #[arg(long)]
        every: Option<i32>,
    },
    /// Ad spend against sales for a range of days (in the workspace's time zone), by day,
    /// campaign or ad; all stores or one. Offline it reads the local copy and says how old it is.
    Report {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day (inclusive), YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// One Pancake store: its integration id.
        #[arg(long)]
        store: Option<Uuid>,
        #[arg(long, value_enum, default_value = "day")]
        by: ByArg,
        /// The table as CSV (UTF-8 with BOM, for spreadsheet apps) on stdout.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// IANA time zone of the days (default: the workspace's, see `workspace`).
        #[arg(long)]
        tz: Option<String>,
    },
    /// Settle a conflict between an edit made offline and the server's version (see `status`).
    Resolve {
        /// The conflict's number, as `status` lists it.
        seq: i64,
        #[arg(long, value_enum)]
        keep: KeepArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ByArg {
    Day,
    Campaign,
    Ad,
}

impl From<ByArg> for ReportGrouping {
    fn from(value: ByArg) -> Self {
        match value {
            ByArg::Day => ReportGrouping::Day,
            ByArg::Campaign => ReportGrouping::Campaign,
            ByArg::Ad => ReportGrouping::Ad,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum KeepArg {
    /// Apply my offline change on top of the server's version.
    Mine,
    /// Drop my offline change.
    Server,
}

/// Distinct exit codes per kind of failure, for scripts.
fn exit_code(code: ErrorCode) -> u8 {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INTEGRATIONS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let payload = serde_json::json!({ "error": err.payload() });
            let _ = writeln!(std::io::stderr(), "{payload}");
            ExitCode::from(exit_code(err.code()))
        }
    }
}

/// The session file: tokens only, in a user-only file.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    access_token: String,
    refresh_token: String,
}

fn session_path(config: &CoreConfig) -> PathBuf {
    config.data_dir.join(SESSION_FILE)
}

fn save_session(path: &Path, tokens: &integrations_core::TokenPair) -> Result<(), CoreError> {
    let stored = StoredSession {
        access_token: tokens.access_token.expose_secret().to_owned(),
        refresh_token: tokens.refresh_token.expose_secret().to_owned(),
    };
    let text = SecretString::from(serde_json::to_string(&stored).expect("session serializes"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|err| {
            CoreError::Configuration(format!("Cannot create {}: {err}", dir.display()))
        })?;
    }
    // Written to a temp file and renamed: a reader never sees half a session.
    integrations_core::master_key::write_private(path, text.expose_secret().as_bytes())
}

/// Serialises the refresh of the stored session between CLI processes: two commands run at
/// once with an expired access token would otherwise both spend the same refresh token, and
/// the second would look like a stolen token's reuse and end the session.
fn lock_session(path: &Path) -> Result<std::fs::File, CoreError> {
    let lock_path = path.with_extension("lock");
    if let Some(dir) = lock_path.parent() {
        std::fs::create_dir_all(dir).map_err(|err| {
            CoreError::Configuration(format!("Cannot create {}: {err}", dir.display()))
        })?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|err| {
            CoreError::Configuration(format!("Cannot open {}: {err}", lock_path.display()))
        })?;
    file.lock().map_err(|err| {
        CoreError::Configuration(format!("Cannot lock {}: {err}", lock_path.display()))
    })?;
    Ok(file)
}

fn load_session(path: &Path) -> Option<(SecretString, SecretString)> {
    let text = SecretString::from(std::fs::read_to_string(path).ok()?);
    let stored: StoredSession = serde_json::from_str(text.expose_secret()).ok()?;
    Some((
        SecretString::from(stored.access_token),
        SecretString::from(stored.refresh_token),
    ))
}

/// Reads a secret: the whole of stdin when piped (trailing newline removed), or a hidden prompt
/// on a terminal.
fn read_secret(prompt: &str) -> Result<SecretString, CoreError> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(|err| {
                CoreError::Validation(format!("Could not read from the terminal: {err}"))
            });
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|err| CoreError::Validation(format!("Could not read standard input: {err}")))?;
    let trimmed = text.trim_end_matches(['\r', '\n']).to_owned();
    let secret = SecretString::from(trimmed);
    drop(SecretString::from(text));
    Ok(secret)
}

/// The verified session, refreshing (and re-saving) the tokens when the access token expired.
async fn signed_in(core: &Core, config: &CoreConfig) -> Result<Session, CoreError> {
    let path = session_path(config);
    // Held until the session is verified or refreshed and saved; released on drop.
    let _lock = lock_session(&path)?;
    let (access, refresh) = load_session(&path).ok_or_else(|| {
        CoreError::Unauthenticated(
            "Not signed in. Run `integrations login --email E` (password on stdin).".into(),
        )
    })?;
    match core.verify(&access) {
        Ok(session) => Ok(session),
        Err(_) => {
            let refreshed = core.refresh(&refresh).await?;
            save_session(&path, &refreshed.tokens)?;
            Ok(refreshed.session)
        }
    }
}

fn print_json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("output serializes")
    );
}

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// Names this process in the job queue: which machine and process holds a sync.
/// Unique per process even where HOSTNAME is unset or PIDs repeat (containers, cloned VMs).
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "cli".into());
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &nonce[..8])
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

fn print_report(report: &Report) {
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
        match warning {
            ReportWarning::SpendIsAccountWide => {
                println!("Note: spend is the whole ad account's, not this store's.")
            }
            ReportWarning::CurrenciesDiffer { spend, revenue } => println!(
                "Note: spend is in {spend} and sales in {revenue}; POS ROAS is not computed."
            ),
            ReportWarning::SeveralOrderCurrencies { currencies } => println!(
                "Note: orders in several currencies ({}) are added together.",
                currencies.join(", ")
            ),
            ReportWarning::SeveralSpendCurrencies { currencies } => println!(
                "Note: spend in several currencies ({}) is added together; no ROAS.",
                currencies.join(", ")
            ),
            ReportWarning::OrderCurrencyAssumed { currency } => println!(
                "Note: the orders carry no currency; taken to be {currency}, the ad account's."
            ),
        }
    }
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
    let cells = |label: String, m: &integrations_core::analytics::ReportMetrics| {
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
        };
        table.add_row(cells(label, &row.metrics));
    }
    table.add_row(cells("Total".to_owned(), &report.totals));
    for index in 1..11 {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    println!("{table}");
}

fn print_run(run: &SyncRun) {
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
            integrations_core::SyncTrigger::Manual => "manual",
            integrations_core::SyncTrigger::Schedule => "schedule",
        },
        run.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        counts.join(" "),
        run.error
            .as_deref()
            .map(|e| format!("\n  error: {e}"))
            .unwrap_or_default()
    );
}

fn ago(secs: i64) -> String {
    match secs {
        0..=59 => format!("{secs} s ago"),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

fn describe_change(change: &OfflineChange) -> String {
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

fn print_integration(integration: &Integration) {
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

fn secret_prompt(provider: Provider) -> &'static str {
    match provider {
        Provider::PancakePos => "Pancake POS API key: ",
        Provider::MetaAds => "Meta access token: ",
    }
}

fn shop_lines(shops: &[ShopChoice]) -> String {
    shops
        .iter()
        .map(|shop| {
            let mark = if shop.already_connected {
                "  (already connected)"
            } else {
                ""
            };
            format!("{:<12} {}{mark}\n", shop.id, shop.name)
        })
        .collect()
}

fn account_lines(accounts: &[AdAccountChoice]) -> String {
    accounts
        .iter()
        .map(|account| {
            let mark = if account.already_connected {
                "  (already connected)"
            } else {
                ""
            };
            format!(
                "{:<22} {}  [{} {}]{mark}\n",
                account.id, account.name, account.status_name, account.currency
            )
        })
        .collect()
}

fn config_from(
    provider: Provider,
    shop_id: Option<String>,
    ad_account_id: Option<String>,
) -> Result<IntegrationConfig, CoreError> {
    match provider {
        Provider::PancakePos => {
            if ad_account_id.is_some() {
                return Err(CoreError::Validation(
                    "--ad-account-id is for META_ADS.".into(),
                ));
            }
            let shop_id = shop_id.ok_or_else(|| {
                CoreError::Validation("--shop-id is required for PANCAKE_POS.".into())
            })?;
            Ok(IntegrationConfig::PancakePos { shop_id })
        }
        Provider::MetaAds => {
            if shop_id.is_some() {
                return Err(CoreError::Validation(
                    "--shop-id is for PANCAKE_POS.".into(),
                ));
            }
            let ad_account_id = ad_account_id.ok_or_else(|| {
                CoreError::Validation("--ad-account-id is required for META_ADS.".into())
            })?;
            Ok(IntegrationConfig::MetaAds { ad_account_id })
        }
    }
}

async fn run(cli: Cli) -> Result<(), CoreError> {
    let config = CoreConfig::from_env()?;
    let core = config.open(integrations_core::gateway_from_env()?).await?;
    // Shared mode: find the server (applying edits queued offline, refreshing the mirror of the
    // signed-in workspace) or settle for the mirror. A no-op on the embedded database.
    if let Some((access, _)) = load_session(&session_path(&config)) {
        if let Ok(session) = core.verify(&access) {
            core.follow(Some(&session));
        }
    }
    core.check_link().await;
    let json = cli.json;
    match cli.command {
        Command::Signup { tenant, email } => {
            let password = read_secret("Password: ")?;
            let signed_in = core.sign_up(&tenant, &email, &password).await?;
            save_session(&session_path(&config), &signed_in.tokens)?;
            let account = core.whoami(&signed_in.session).await?;
            if json {
                print_json(&account);
            } else {
                println!(
                    "Created workspace \"{}\"; signed in as {}.",
                    account.tenant_name, account.email
                );
            }
        }
        Command::Login { email } => {
            let password = read_secret("Password: ")?;
            let signed_in = core.sign_in(&email, &password).await?;
            save_session(&session_path(&config), &signed_in.tokens)?;
            let account = core.whoami(&signed_in.session).await?;
            if json {
                print_json(&account);
            } else {
                println!(
                    "Signed in to \"{}\" as {}.",
                    account.tenant_name, account.email
                );
            }
        }
        Command::Logout => {
            let path = session_path(&config);
            if let Some((_, refresh)) = load_session(&path) {
                core.sign_out(&refresh).await?;
            }
            let _ = std::fs::remove_file(&path);
            if json {
                print_json(&serde_json::json!({ "signedOut": true }));
            } else {
                println!("Signed out.");
            }
        }
        Command::Whoami => {
            let session = signed_in(&core, &config).await?;
            let account = core.whoami(&session).await?;
            if json {
                print_json(&account);
            } else {
                println!(
                    "{} in workspace \"{}\" ({})",
                    account.email, account.tenant_name, account.tenant_id
                );
            }
        }
        Command::Workspace { time_zone } => {
            let session = signed_in(&core, &config).await?;
            let account = match time_zone {
                Some(zone) => core.set_time_zone(&session, &zone).await?,
                None => core.whoami(&session).await?,
            };
            if json {
                print_json(&account);
            } else {
                println!(
                    "workspace \"{}\" ({}); time zone {}",
                    account.tenant_name, account.tenant_id, account.time_zone
                );
            }
        }
        Command::Status => {
            let session = signed_in(&core, &config).await.ok();
            let link = core.connectivity(session.as_ref()).await?;
            let age_secs = link
                .mirror_as_of
                .map(|at| (Utc::now() - at).num_seconds().max(0));
            let status = serde_json::json!({
                "mode": config.mode(),
                "database": core.store_kind(),
                "connection": link.mode,
                "online": matches!(link.mode, LinkMode::Online | LinkMode::Standalone),
                "mirrorAsOf": link.mirror_as_of,
                "mirrorAgeSeconds": age_secs,
                "pending": link.pending,
                "conflicts": link.conflicts,
                "dataDir": config.data_dir,
                "signedInAs": session.as_ref().map(|s| s.email().to_owned()),
            });
            if json {
                print_json(&status);
            } else {
                println!("mode        {} ({})", config.mode(), core.store_kind());
                let mirror = match (link.mirror_as_of, age_secs) {
                    (Some(at), Some(age)) => format!("as of {} ({})", when(Some(at)), ago(age)),
                    _ => "never filled".to_owned(),
                };
                match link.mode {
                    LinkMode::Standalone => {
                        println!("connection  local database, always available")
                    }
                    LinkMode::Online | LinkMode::Connecting => {
                        println!("connection  online; mirror {mirror}")
                    }
                    LinkMode::Offline => println!(
                        "connection  OFFLINE: the server cannot be reached; showing the mirror \
                         {mirror}"
                    ),
                }
                if !link.pending.is_empty() {
                    println!(
                        "queued      {} change(s) waiting for the server",
                        link.pending.len()
                    );
                }
                for conflict in &link.conflicts {
                    println!(
                        "conflict    #{} {}: your offline change {} meets a newer version on \
                         the server; settle it with `integrations resolve {} --keep mine|server`",
                        conflict.seq,
                        conflict.integration_name,
                        describe_change(&conflict.mine),
                        conflict.seq
                    );
                }
                println!("data dir    {}", config.data_dir.display());
                println!(
                    "signed in   {}",
                    session
                        .as_ref()
                        .map_or_else(|| "no".into(), |s| s.email().to_owned())
                );
            }
        }
        Command::Sync { id } => {
            let session = signed_in(&core, &config).await?;
            let mut progress = core.subscribe_sync();
            let printer = tokio::spawn(async move {
                while let Ok(event) = progress.recv().await {
                    if event.integration_id != id || event.outcome.is_some() {
                        continue;
                    }
                    let _ = writeln!(
                        std::io::stderr(),
                        "progress {} {}/{} records={}",
                        if event.stream.is_empty() {
                            "start"
                        } else {
                            &event.stream
                        },
                        event.done,
                        event.total,
                        event.records
                    );
                }
            });
            let run = core.sync_integration(&session, id, &worker_name()).await;
            printer.abort();
            let run = run?;
            if json {
                print_json(&run);
            } else {
                print_run(&run);
            }
            if run.outcome != SyncOutcome::Succeeded {
                return Err(CoreError::Provider {
                    provider_code: run
                        .error_code
                        .clone()
                        .unwrap_or_else(|| "PROVIDER_UPSTREAM_ERROR".into()),
                    message: run
                        .error
                        .clone()
                        .unwrap_or_else(|| "The sync failed.".into()),
                });
            }
        }
        Command::Worker { parallel, once } => {
            let worker = worker_name();
            let scope = integrations_core::store::ClaimScope::default();
            // One Ctrl-C listener for the whole life of the worker: it also interrupts a round
            // in progress (whose jobs are then taken over when their leases run out).
            let stop = tokio::signal::ctrl_c();
            tokio::pin!(stop);
            loop {
                core.check_link().await;
                let round = tokio::select! {
                    round = core.run_due_jobs(&worker, scope, parallel) => round,
                    _ = &mut stop => break,
                };
                match round {
                    Ok(runs) => {
                        for run in &runs {
                            if json {
                                println!(
                                    "{}",
                                    serde_json::to_string(run).expect("a run serializes")
                                );
                            } else {
                                print_run(run);
                            }
                        }
                    }
                    Err(err) if once => return Err(err),
                    Err(err) => tracing::warn!(error = %err, "worker round failed"),
                }
                if once {
                    break;
                }
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(15)) => {}
                    _ = &mut stop => break,
                }
            }
        }
        Command::History { id, limit } => {
            let session = signed_in(&core, &config).await?;
            let runs = core.sync_history(&session, id, limit).await?;
            if json {
                print_json(&runs);
            } else if runs.is_empty() {
                println!("No sync has run yet. Start one with `integrations sync {id}`.");
            } else {
                for run in &runs {
                    print_run(run);
                }
            }
        }
        Command::Report {
            from,
            to,
            store,
            by,
            csv,
            tz,
        } => {
            let session = signed_in(&core, &config).await?;
            let query = ReportQuery {
                from,
                to,
                store,
                by: by.into(),
                time_zone: tz,
            };
            let report = core.report(&session, &query).await?;
            if json {
                print_json(&report);
            } else if csv {
                print!("{}", report_csv(&report));
            } else {
                print_report(&report);
            }
        }
        Command::Schedule { id, every } => {
            let session = signed_in(&core, &config).await?;
            let schedule = match every {
                Some(minutes) => Some(core.set_sync_interval(&session, id, minutes).await?),
                None => core.sync_schedule(&session, id).await?,
            };
            if json {
                print_json(&schedule);
            } else {
                match schedule {
                    Some(s) => println!(
                        "every {} min; next run {}{}{}",
                        s.interval_minutes,
                        when(Some(s.next_run_at)),
                        if s.requested { "; sync requested" } else { "" },
                        if s.running { "; running now" } else { "" }
                    ),
                    None => println!("Not scheduled: the integration is turned off."),
                }
            }
        }
        Command::Resolve { seq, keep } => {
            let session = signed_in(&core, &config).await?;
            let choice = match keep {
                KeepArg::Mine => ConflictChoice::Mine,
                KeepArg::Server => ConflictChoice::Server,
            };
            let link = core.resolve_conflict(&session, seq, choice).await?;
            if json {
                print_json(&link);
            } else {
                println!(
                    "Settled: {}. {} conflict(s) left.",
                    match choice {
                        ConflictChoice::Mine => "your offline change was applied",
                        ConflictChoice::Server => "the server's version stands",
                    },
                    link.conflicts.len()
                );
            }
        }
        Command::List => {
            let session = signed_in(&core, &config).await?;
            let integrations = core.list_integrations(&session).await?;
            if json {
                print_json(&integrations);
            } else if integrations.is_empty() {
                println!("No integrations yet. Connect one with `integrations create`.");
            } else {
                println!(
                    "{:<36}  {:<30}  {:<11}  {:<8}  {:<7}  LAST SYNC",
                    "ID", "NAME", "PROVIDER", "STATUS", "ENABLED"
                );
                for integration in &integrations {
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
        }
        Command::Show { id } => {
            let session = signed_in(&core, &config).await?;
            let integration = core.get_integration(&session, id).await?;
            if json {
                print_json(&integration);
            } else {
                print_integration(&integration);
            }
        }
        Command::Discover { provider } => {
            let session = signed_in(&core, &config).await?;
            let provider = Provider::from(provider);
            let secret = read_secret(secret_prompt(provider))?;
            match provider {
                Provider::PancakePos => {
                    let shops = core.discover_shops(&session, &secret).await?;
                    if json {
                        print_json(&shops);
                    } else {
                        print!("{}", shop_lines(&shops));
                    }
                }
                Provider::MetaAds => {
                    let accounts = core.discover_ad_accounts(&session, &secret).await?;
                    if json {
                        print_json(&accounts);
                    } else {
                        print!("{}", account_lines(&accounts));
                    }
                }
            }
        }
        Command::Create {
            provider,
            shop_id,
            ad_account_id,
            name: None,
            description,
        } => {
            // No name: the provider is asked, which checks the key (and the id, if given) and
            // names the integration after the shop or ad account.
            let session = signed_in(&core, &config).await?;
            let provider = Provider::from(provider);
            let secret = read_secret(secret_prompt(provider))?;
            let outcome = match provider {
                Provider::PancakePos => {
                    if ad_account_id.is_some() {
                        return Err(CoreError::Validation(
                            "--ad-account-id is for META_ADS.".into(),
                        ));
                    }
                    core.connect_pancake(&session, secret, description, shop_id.as_deref())
                        .await?
                }
                Provider::MetaAds => {
                    if shop_id.is_some() {
                        return Err(CoreError::Validation(
                            "--shop-id is for PANCAKE_POS.".into(),
                        ));
                    }
                    core.connect_meta(&session, secret, description, ad_account_id.as_deref())
                        .await?
                }
            };
            let created = match outcome {
                ConnectOutcome::Created { integration } => integration,
                ConnectOutcome::ChooseShop { shops } => {
                    return Err(CoreError::ChoiceRequired(format!(
                        "This API key reaches {} shops; choose one with --shop-id:\n{}",
                        shops.len(),
                        shop_lines(&shops).trim_end()
                    )))
                }
                ConnectOutcome::ChooseAdAccount { accounts } => {
                    return Err(CoreError::ChoiceRequired(format!(
                        "This token reaches {} ad accounts; choose one with --ad-account-id:\n{}",
                        accounts.len(),
                        account_lines(&accounts).trim_end()
                    )))
                }
            };
            if json {
                print_json(&created);
            } else {
                println!("Created:");
                print_integration(&created);
            }
        }
        Command::Create {
            provider,
            shop_id,
            ad_account_id,
            name: Some(name),
            description,
        } => {
            // Id and name both given: created as told, without asking the provider (scripting);
            // `integrations test` checks it afterwards.
            let session = signed_in(&core, &config).await?;
            let provider = Provider::from(provider);
            let config = config_from(provider, shop_id, ad_account_id)?;
            let secret = read_secret(secret_prompt(provider))?;
            let created = core
                .create_integration(
                    &session,
                    NewIntegration {
                        name,
                        description,
                        credentials: Credentials::for_provider(provider, secret),
                        config,
                    },
                )
                .await?;
            if json {
                print_json(&created);
            } else {
                println!("Created:");
                print_integration(&created);
            }
        }
        Command::Update {
            id,
            name,
            description,
            clear_description,
            shop_id,
            ad_account_id,
            credentials_stdin,
            expected_version,
        } => {
            let session = signed_in(&core, &config).await?;
            let current = core.get_integration(&session, id).await?;
            let config = match (shop_id, ad_account_id) {
                (None, None) => None,
                (shop_id, ad_account_id) => {
                    Some(config_from(current.provider, shop_id, ad_account_id)?)
                }
            };
            let credentials = if credentials_stdin {
                let secret = read_secret("New secret: ")?;
                Some(Credentials::for_provider(current.provider, secret))
            } else {
                None
            };
            let description = if clear_description {
                Some(None)
            } else {
                description.map(Some)
            };
            let updated = core
                .update_integration(
                    &session,
                    id,
                    IntegrationUpdate {
                        name,
                        description,
                        credentials,
                        config,
                        expected_version,
                    },
                )
                .await?;
            if json {
                print_json(&updated);
            } else {
                println!("Updated:");
                print_integration(&updated);
            }
        }
        Command::Delete { id, yes } => {
            let session = signed_in(&core, &config).await?;
            let integration = core.get_integration(&session, id).await?;
            if !yes {
                return Err(CoreError::Validation(format!(
                    "Deleting \"{}\" cannot be undone. Run again with --yes to confirm.",
                    integration.name
                )));
            }
            core.delete_integration(&session, id).await?;
            if json {
                print_json(&serde_json::json!({ "deleted": id }));
            } else {
                println!("Deleted \"{}\".", integration.name);
            }
        }
        Command::Enable { id } | Command::Disable { id } => {
            let session = signed_in(&core, &config).await?;
            let enable = matches!(cli.command, Command::Enable { .. });
            let integration = if enable {
                core.enable_integration(&session, id).await?
            } else {
                core.disable_integration(&session, id).await?
            };
            if json {
                print_json(&integration);
            } else {
                println!(
                    "\"{}\" is now {} (status {}).",
                    integration.name,
                    if integration.enabled {
                        "enabled"
                    } else {
                        "disabled"
                    },
                    integration.status.as_str()
                );
            }
        }
        Command::Test { id } => {
            let session = signed_in(&core, &config).await?;
            let result = core.test_connection(&session, id).await?;
            if json {
                print_json(&result);
            } else {
                println!(
                    "{} \"{}\": {}",
                    if result.success { "PASSED" } else { "FAILED" },
                    result.integration.name,
                    result.message
                );
            }
            if !result.success {
                return Err(CoreError::Provider {
                    provider_code: result.provider_code.unwrap_or_default(),
                    message: result.message,
                });
            }
        }
        Command::RotateKeys => {
            let session = signed_in(&core, &config).await?;
            let rotation = core.rotate_keys(&session).await?;
            if json {
                print_json(&rotation);
            } else {
                println!(
                    "Re-encrypted {} credential(s) under key version {}.",
                    rotation.reencrypted, rotation.key_version
                );
            }
        }
    }
    Ok(())
}
