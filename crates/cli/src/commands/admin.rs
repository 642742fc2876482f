//! `integrations admin …`: the operator's commands (see `integrations_core::admin`). They take
//! the schema owner's `DATABASE_URL` and `INTEGRATIONS_MASTER_KEY` from the environment. Codes
//! and the worker's URL are printed on stdout only (never logged); a code is always the last
//! line, so `… | tail -n 1` picks it.

use std::path::Path;

use integrations_core::admin::{Admin, InitOptions, IssuedAccess};
use integrations_core::crypto::MasterKey;
use integrations_core::workspace::{normalize_ca_certificate, TlsMode};
use integrations_core::{CoreError, CoreResult};
use secrecy::{ExposeSecret, SecretString};

use crate::args::AdminCommand;
use crate::input::read_secret;
use crate::print::{print_json, Output};

fn required_env(name: &str, what: &str) -> CoreResult<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .map(SecretString::from)
        .ok_or_else(|| CoreError::Configuration(format!("Admin commands need {name}: {what}.")))
}

async fn connect() -> CoreResult<Admin> {
    let url = required_env(
        "DATABASE_URL",
        "the schema owner's PostgreSQL URL (a role with CREATEROLE)",
    )?;
    let key = required_env(
        "INTEGRATIONS_MASTER_KEY",
        "the server's master key, 32 random bytes in base64 (openssl rand -base64 32)",
    )?;
    let master = MasterKey::from_base64(key.expose_secret()).map_err(|_| {
        CoreError::Configuration(
            "INTEGRATIONS_MASTER_KEY must be 32 random bytes in base64 (e.g. the output of \
             `openssl rand -base64 32`)."
                .into(),
        )
    })?;
    Admin::connect(&url, master).await
}

fn save_code(path: &Path, code: &SecretString) -> CoreResult<()> {
    let text = format!("{}\n", code.expose_secret());
    integrations_core::master_key::write_private(path, text.as_bytes())
}

/// The issued access: a line for people, then the code as the last line.
fn print_access(out: Output, issued: &IssuedAccess, what: &str) {
    if out.json {
        print_json(&serde_json::json!({
            "workspaceId": issued.workspace_id,
            "name": issued.name,
            "role": issued.role,
            "code": issued.code.expose_secret(),
        }));
    } else {
        println!(
            "{what} \"{}\" ({}), role {}. Give this connection code to its owner (it is shown \
             once; `admin rotate-workspace-access` issues a new one):",
            issued.name, issued.workspace_id, issued.role
        );
        println!("{}", issued.code.expose_secret());
    }
}

pub async fn run(command: AdminCommand, out: Output) -> CoreResult<()> {
    let admin = connect().await?;
    match command {
        AdminCommand::Init {
            role_prefix,
            public_host,
            tls,
            ca_file,
            new_server_password,
        } => {
            let ca_certificate = ca_file
                .map(|path| {
                    std::fs::read_to_string(&path)
                        .map_err(|err| {
                            CoreError::Validation(format!(
                                "Cannot read the CA certificate {}: {err}",
                                path.display()
                            ))
                        })
                        .and_then(|text| normalize_ca_certificate(&text))
                })
                .transpose()?;
            let tls = tls
                .map(|mode| {
                    mode.parse::<TlsMode>()
                        .map_err(|err| CoreError::Validation(err.to_string()))
                })
                .transpose()?;
            let report = admin
                .init(InitOptions {
                    role_prefix,
                    public_host,
                    tls,
                    ca_certificate,
                    new_server_password,
                })
                .await?;
            if out.json {
                print_json(&serde_json::json!({
                    "rolePrefix": report.role_prefix,
                    "serverRole": report.server_role,
                    "schemaVersion": report.schema_version,
                    "serverUrl": report.server_url.as_ref().map(|url| url.expose_secret()),
                    "issued": report.issued.iter().map(|issued| serde_json::json!({
                        "workspaceId": issued.workspace_id,
                        "name": issued.name,
                        "role": issued.role,
                        "code": issued.code.expose_secret(),
                    })).collect::<Vec<_>>(),
                }));
                return Ok(());
            }
            println!(
                "Database ready (schema {}); roles {}_workspace and {}.",
                report.schema_version, report.role_prefix, report.server_role
            );
            for issued in &report.issued {
                print_access(out, issued, "Workspace from before");
            }
            if let Some(url) = &report.server_url {
                println!(
                    "The worker's and the server's DATABASE_URL (keep it with the master key; it \
                     is not shown again):"
                );
                println!("{}", url.expose_secret());
            }
            Ok(())
        }
        AdminCommand::CreateWorkspace {
            name,
            owner_email,
            code_file,
        } => {
            let password = read_secret("The owner's initial password: ")?;
            let issued = admin
                .create_workspace(&name, &owner_email, &password)
                .await?;
            if let Some(path) = code_file {
                save_code(&path, &issued.code)?;
            }
            print_access(out, &issued, "Created workspace");
            Ok(())
        }
        AdminCommand::RotateWorkspaceAccess {
            workspace,
            code_file,
        } => {
            let issued = admin.rotate_workspace_access(&workspace).await?;
            if let Some(path) = code_file {
                save_code(&path, &issued.code)?;
            }
            print_access(out, &issued, "New access for workspace");
            Ok(())
        }
        AdminCommand::RevokeWorkspace { workspace } => {
            let summary = admin.revoke_workspace(&workspace).await?;
            out.line(&summary, |summary| {
                format!(
                    "Revoked \"{}\" ({}): its role can no longer log in.",
                    summary.name, summary.id
                )
            })
        }
        AdminCommand::UnlockSignIn { email } => {
            let cleared = admin.unlock_sign_in(&email).await?;
            let email = email.trim().to_lowercase();
            out.line(
                &serde_json::json!({ "email": email, "clearedCounts": cleared }),
                |_| match cleared {
                    0 => format!("No failed sign-ins were counted on {email}; nothing to unlock."),
                    _ => {
                        format!("{email} can sign in again now: its failed sign-ins are forgotten.")
                    }
                },
            )
        }
        AdminCommand::ListWorkspaces => {
            let workspaces = admin.list_workspaces().await?;
            out.show(&workspaces, |workspaces| {
                let mut table = comfy_table::Table::new();
                table.load_preset(comfy_table::presets::NOTHING);
                table.set_header(["ID", "NAME", "ACCESS", "ROLE", "USERS", "INTEGRATIONS"]);
                for workspace in workspaces {
                    table.add_row([
                        workspace.id.to_string(),
                        workspace.name.clone(),
                        workspace.status.clone(),
                        workspace.role.clone().unwrap_or_default(),
                        workspace.users.to_string(),
                        workspace.integrations.to_string(),
                    ]);
                }
                println!("{table}");
            })
        }
    }
}
