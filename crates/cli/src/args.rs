//! The command line: every subcommand, flag and default. These are contracts (scripts call
//! them), so a subcommand renamed to its operation's name keeps its old name as an alias.
//!
//! A subcommand is named after the core operation it runs, without the `_integration(s)` the
//! binary's name already says: `list` runs `list_integrations`, `get` runs `get_integration`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use integrations_core::analytics::ReportGrouping;
use integrations_core::{ConflictChoice, Provider};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "integrations",
    // The same version and commit as the desktop app's About section.
    version = integrations_build_info::VERSION_LINE,
    about = "Manage Meta Ads and Pancake POS integrations"
)]
pub struct Cli {
    /// Print machine-readable JSON (the seed's camelCase field names; never credentials).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a workspace (tenant) and its owner; the password is read from stdin.
    #[command(visible_alias = "signup")]
    SignUp {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Sign in; the password is read from stdin.
    #[command(visible_alias = "login")]
    SignIn {
        #[arg(long)]
        email: String,
    },
    /// Sign out and forget the stored session.
    #[command(visible_alias = "logout")]
    SignOut,
    /// Who is signed in, and to which workspace.
    #[command(visible_alias = "whoami")]
    CurrentAccount,
    /// Show the workspace, or set its time zone (the days of its reports) with --time-zone.
    Workspace {
        /// IANA name, e.g. Asia/Ho_Chi_Minh.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Where the data comes from (mode, database, online or offline, the mirror's age), the
    /// edits queued offline and their conflicts, and who is signed in.
    #[command(visible_alias = "status")]
    ConnectivityStatus,
    /// List the workspace's integrations.
    List,
    /// Show one integration.
    #[command(visible_alias = "show")]
    Get {
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
    Create(CreateArgs),
    /// Change name, description, configuration or (with --credentials-stdin) the secret.
    Update(UpdateArgs),
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
    #[command(visible_alias = "test")]
    TestConnection {
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
    /// Run the shared server: the worker's scheduler and an HTTP listener for Pancake's
    /// webhooks (`POST /webhooks/pancake/ID`), `/healthz`, `/readyz` and `/metrics`. Needs no
    /// sign-in; configured from the environment (see the README's "Running a shared server").
    Serve {
        /// Where to listen, e.g. 127.0.0.1:8787 (behind a TLS proxy).
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        /// Integrations synced at the same time.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
    },
    /// Where Pancake should post an integration's orders: the path (and URL, once the server's
    /// public URL is set) and the secret header. Makes the secret the first time.
    Webhook {
        id: Uuid,
    },
    /// Receive a Pancake store's orders in real time: shows whether it does, and its latest
    /// delivery; `--on` registers the server's webhook with Pancake, `--off` removes it. The
    /// polling schedule stays on either way.
    RealtimeOrders {
        id: Uuid,
        #[arg(long, conflicts_with = "off")]
        on: bool,
        #[arg(long)]
        off: bool,
    },
    /// The sync runs of an integration, newest first.
    #[command(visible_alias = "history")]
    SyncHistory {
        id: Uuid,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Show an integration's sync schedule, or change it with --every MINUTES.
    #[command(visible_alias = "schedule")]
    SyncSchedule {
        id: Uuid,
        #[arg(long)]
        every: Option<i32>,
    },
    /// Ad spend against sales for a range of days (in the workspace's time zone), by day,
    /// campaign, ad or store; all stores or one. Offline it reads the local copy and says how
    /// old it is.
    Report(ReportArgs),
    /// Join a shared server's workspace with the connection code its operator gave you (read
    /// from stdin). The code is tried first; nothing is kept if it does not work. Then `login`
    /// and every other command work against that workspace.
    #[command(visible_alias = "join-workspace")]
    Join,
    /// Leave the joined workspace: its code, key and local copy are removed from this computer.
    #[command(visible_alias = "leave-workspace")]
    Leave,
    /// The operator's commands for a shared server, run on the server side with the schema
    /// owner's DATABASE_URL (a role with CREATEROLE) and INTEGRATIONS_MASTER_KEY.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// What needs attention: alerts fired after syncs (spend spike, ROAS drop, a store gone
    /// quiet, a sync failing, a Meta token expiring), open ones and their history, newest
    /// first. Offline, the open ones are computed from the local copy and marked so.
    Alerts {
        #[command(subcommand)]
        action: Option<AlertsAction>,
    },
    /// Which store(s) each Meta campaign's spend belongs to: list them with what the orders
    /// suggest, or assign one.
    #[command(subcommand)]
    Campaigns(CampaignsCommand),
    /// Settle a conflict between an edit made offline and the server's version (see
    /// `connectivity-status`).
    #[command(visible_alias = "resolve")]
    ResolveConflict {
        /// The conflict's number, as `connectivity-status` lists it.
        seq: i64,
        #[arg(long, value_enum)]
        keep: KeepArg,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Prepare the database: migrations, the workspace and server roles and their grants, and a
    /// role and code for every workspace that has none (a database from before). Safe to run
    /// again after an upgrade. Prints the worker's DATABASE_URL when it makes its role.
    Init {
        /// Start of every role name (default: the database's name).
        #[arg(long)]
        role_prefix: Option<String>,
        /// The server as clients reach it, HOST or HOST:PORT (default: as DATABASE_URL has it).
        #[arg(long)]
        public_host: Option<String>,
        /// TLS mode the codes carry: verify-full, verify-ca, require or disable (default:
        /// verify-full for every host that is not this machine).
        #[arg(long)]
        tls: Option<String>,
        /// A CA certificate (PEM) the codes carry, for a server certificate no public
        /// authority signed.
        #[arg(long)]
        ca_file: Option<std::path::PathBuf>,
        /// Give the server role a new password and print its URL again.
        #[arg(long)]
        new_server_password: bool,
    },
    /// Create a workspace and its owner (password on stdin) with a login role of its own; the
    /// workspace's connection code is the last line of the output.
    CreateWorkspace {
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_email: String,
        /// Also save the code in this file (readable by you only).
        #[arg(long)]
        code_file: Option<std::path::PathBuf>,
    },
    /// A new password and key for a workspace (its id, name or role): the old code stops
    /// working at once. The new code is the last line of the output.
    RotateWorkspaceAccess {
        workspace: String,
        #[arg(long)]
        code_file: Option<std::path::PathBuf>,
    },
    /// The workspace's role can no longer log in; its open sessions end. Its data stays.
    RevokeWorkspace { workspace: String },
    /// Every workspace with its role and whether it has access.
    ListWorkspaces,
    /// Let an account sign in again at once: forgets the failed sign-ins counted on its email
    /// (someone else's guesses make it wait up to 15 minutes between attempts).
    UnlockSignIn {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum AlertsAction {
    /// Dismiss an alert (it stays in the history, and does not fire again until its condition
    /// has cleared).
    Dismiss { id: Uuid },
}

#[derive(Subcommand)]
pub enum CampaignsCommand {
    /// Every synced campaign (most spend of the last 30 days first) with its stores, what its
    /// orders suggest, and its ad sets.
    List {
        /// Only campaigns (or ad sets) not assigned yet.
        #[arg(long)]
        unassigned: bool,
    },
    /// Say which store(s) a campaign's spend belongs to. Every report follows, past days
    /// included. Needs the server in shared mode.
    ///
    /// Examples: `--store ID` (all of it), `--store ID:60 --store ID2:40` (shares in percent,
    /// to hundredths; one store without a share gets the rest), `--none` (no store),
    /// `--suggested` (confirm what the orders suggest), `--clear` (back to unassigned).
    #[command(group(clap::ArgGroup::new("choice").required(true).multiple(false)
        .args(["store", "none", "suggested", "clear"])))]
    Assign(AssignArgs),
}

#[derive(Args)]
pub struct AssignArgs {
    /// The campaign's id, as `campaigns list` shows it.
    pub campaign: String,
    /// One ad set of the campaign instead (where a campaign serves several stores); cleared,
    /// it follows its campaign again.
    #[arg(long)]
    pub adset: Option<String>,
    /// A store's integration id, with its share in percent after a colon: ID[:SHARE]. Repeat
    /// for several stores; the first listed among equal shares takes the rounding remainder.
    #[arg(long, value_name = "ID[:SHARE]")]
    pub store: Vec<String>,
    /// The spend belongs to no store.
    #[arg(long)]
    pub none: bool,
    /// Confirm what the synced orders suggest.
    #[arg(long)]
    pub suggested: bool,
    /// Back to unassigned.
    #[arg(long)]
    pub clear: bool,
    /// Refuse the change if the assignment changed since this version was read.
    #[arg(long)]
    pub expected_version: Option<i64>,
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(long, value_enum)]
    pub provider: ProviderArg,
    #[command(flatten)]
    pub ids: ProviderIds,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Args)]
pub struct UpdateArgs {
    pub id: Uuid,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, conflicts_with = "clear_description")]
    pub description: Option<String>,
    #[arg(long)]
    pub clear_description: bool,
    #[command(flatten)]
    pub ids: ProviderIds,
    /// Read a new API key / access token from stdin.
    #[arg(long)]
    pub credentials_stdin: bool,
    /// Refuse the edit if the integration changed since this version was read.
    #[arg(long)]
    pub expected_version: Option<i64>,
}

/// The provider's own id of what an integration connects: a Pancake shop or a Meta ad account.
#[derive(Args)]
pub struct ProviderIds {
    #[arg(long, conflicts_with = "ad_account_id")]
    pub shop_id: Option<String>,
    #[arg(long)]
    pub ad_account_id: Option<String>,
}

#[derive(Args)]
pub struct ReportArgs {
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    pub from: chrono::NaiveDate,
    /// Last day (inclusive), YYYY-MM-DD.
    #[arg(long)]
    pub to: chrono::NaiveDate,
    /// One Pancake store: its integration id.
    #[arg(long)]
    pub store: Option<Uuid>,
    #[arg(long, value_enum, default_value = "day")]
    pub by: ByArg,
    /// The table as CSV (UTF-8 with BOM, for spreadsheet apps) on stdout.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// IANA time zone of the days (default: the workspace's, see `workspace`).
    #[arg(long)]
    pub tz: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProviderArg {
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

#[derive(Clone, Copy, ValueEnum)]
pub enum ByArg {
    Day,
    Campaign,
    Ad,
    Store,
}

impl From<ByArg> for ReportGrouping {
    fn from(value: ByArg) -> Self {
        match value {
            ByArg::Day => ReportGrouping::Day,
            ByArg::Campaign => ReportGrouping::Campaign,
            ByArg::Ad => ReportGrouping::Ad,
            ByArg::Store => ReportGrouping::Store,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KeepArg {
    /// Apply my offline change on top of the server's version.
    Mine,
    /// Drop my offline change.
    Server,
}

impl From<KeepArg> for ConflictChoice {
    fn from(value: KeepArg) -> Self {
        match value {
            KeepArg::Mine => ConflictChoice::Mine,
            KeepArg::Server => ConflictChoice::Server,
        }
    }
}
