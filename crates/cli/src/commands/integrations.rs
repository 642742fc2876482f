//! The integrations themselves: list, get, discover, create, update, delete, enable, disable,
//! test the connection, and re-encrypt their credentials.

use integrations_core::{
    ConnectOutcome, CoreError, CoreResult, Credentials, Integration, IntegrationConfig,
    IntegrationId, IntegrationUpdate, NewIntegration, Provider,
};

use super::Ctx;
use crate::args::{CreateArgs, ProviderArg, ProviderIds, UpdateArgs};
use crate::input::{read_provider_secret, read_secret};
use crate::print::{account_lines, print_integration, print_integration_table, shop_lines};

pub async fn list(ctx: &Ctx) -> CoreResult<()> {
    let integrations = ctx.core.list_integrations(&ctx.session().await?).await?;
    ctx.out.show(&integrations, |integrations| {
        if integrations.is_empty() {
            println!("No integrations yet. Connect one with `integrations create`.");
        } else {
            print_integration_table(integrations);
        }
    })
}

pub async fn get(ctx: &Ctx, id: IntegrationId) -> CoreResult<()> {
    let integration = ctx.core.get_integration(&ctx.session().await?, id).await?;
    ctx.out.show(&integration, print_integration)
}

/// The shops (Pancake) or ad accounts (Meta) the secret on stdin reaches.
pub async fn discover(ctx: &Ctx, provider: ProviderArg) -> CoreResult<()> {
    let session = ctx.session().await?;
    let provider = Provider::from(provider);
    let secret = read_provider_secret(provider)?;
    match provider {
        Provider::PancakePos => {
            let shops = ctx.core.discover_shops(&session, &secret).await?;
            ctx.out
                .show(&shops, |shops| print!("{}", shop_lines(shops)))
        }
        Provider::MetaAds => {
            let accounts = ctx.core.discover_ad_accounts(&session, &secret).await?;
            ctx.out
                .show(&accounts, |accounts| print!("{}", account_lines(accounts)))
        }
    }
}

/// Without a name the provider is asked, which checks the key (and the id, if given) and names
/// the integration after the shop or ad account. With a name (and an id) it is created as told,
/// without asking the provider (scripting); `integrations test` checks it afterwards.
pub async fn create(ctx: &Ctx, args: CreateArgs) -> CoreResult<()> {
    let session = ctx.session().await?;
    let provider = Provider::from(args.provider);
    let created = match args.name {
        None => {
            let secret = read_provider_secret(provider)?;
            // The provider's own id, if given; the other provider's is refused.
            let wanted = ids_config(provider, args.ids)?;
            let wanted = wanted.as_ref().map(IntegrationConfig::external_id);
            let outcome = match provider {
                Provider::PancakePos => {
                    ctx.core
                        .connect_pancake(&session, secret, args.description, wanted)
                        .await?
                }
                Provider::MetaAds => {
                    ctx.core
                        .connect_meta(&session, secret, args.description, wanted)
                        .await?
                }
            };
            connected(outcome)?
        }
        Some(name) => {
            let config = config_from(provider, args.ids)?;
            let secret = read_provider_secret(provider)?;
            let new = NewIntegration {
                name,
                description: args.description,
                credentials: Credentials::for_provider(provider, secret),
                config,
            };
            ctx.core.create_integration(&session, new).await?
        }
    };
    ctx.out.show(&created, |created| {
        println!("Created:");
        print_integration(created);
    })
}

/// The integration a connect created, or the choices to pick from as a CHOICE_REQUIRED error.
fn connected(outcome: ConnectOutcome) -> CoreResult<Integration> {
    match outcome {
        ConnectOutcome::Created { integration } => Ok(integration),
        ConnectOutcome::ChooseShop { shops } => Err(CoreError::ChoiceRequired(format!(
            "This API key reaches {} shops; choose one with --shop-id:\n{}",
            shops.len(),
            shop_lines(&shops).trim_end()
        ))),
        ConnectOutcome::ChooseAdAccount { accounts } => Err(CoreError::ChoiceRequired(format!(
            "This token reaches {} ad accounts; choose one with --ad-account-id:\n{}",
            accounts.len(),
            account_lines(&accounts).trim_end()
        ))),
    }
}

/// `--shop-id` / `--ad-account-id` as the provider's configuration, by the domain's rule (a
/// Pancake POS integration takes a shop id, Meta Ads an ad account id); the other provider's
/// id is refused, naming its flag.
fn ids_config(provider: Provider, ids: ProviderIds) -> CoreResult<Option<IntegrationConfig>> {
    IntegrationConfig::from_ids(provider, ids.shop_id, ids.ad_account_id).map_err(|foreign| {
        CoreError::Validation(format!(
            "{} is for {}.",
            id_flag(foreign.owner),
            foreign.owner.as_str()
        ))
    })
}

/// The configuration the ids give: the provider's own id is required.
fn config_from(provider: Provider, ids: ProviderIds) -> CoreResult<IntegrationConfig> {
    ids_config(provider, ids)?.ok_or_else(|| {
        CoreError::Validation(format!(
            "{} is required for {}.",
            id_flag(provider),
            provider.as_str()
        ))
    })
}

fn id_flag(provider: Provider) -> &'static str {
    match provider {
        Provider::PancakePos => "--shop-id",
        Provider::MetaAds => "--ad-account-id",
    }
}

pub async fn update(ctx: &Ctx, args: UpdateArgs) -> CoreResult<()> {
    let session = ctx.session().await?;
    let current = ctx.core.get_integration(&session, args.id).await?;
    let config = ids_config(current.provider, args.ids)?;
    let credentials = if args.credentials_stdin {
        let secret = read_secret("New secret: ")?;
        Some(Credentials::for_provider(current.provider, secret))
    } else {
        None
    };
    let description = if args.clear_description {
        Some(None)
    } else {
        args.description.map(Some)
    };
    let update = IntegrationUpdate {
        name: args.name,
        description,
        credentials,
        config,
        expected_version: args.expected_version,
    };
    let updated = ctx
        .core
        .update_integration(&session, args.id, update)
        .await?;
    ctx.out.show(&updated, |updated| {
        println!("Updated:");
        print_integration(updated);
    })
}

pub async fn delete(ctx: &Ctx, id: IntegrationId, yes: bool) -> CoreResult<()> {
    let session = ctx.session().await?;
    let integration = ctx.core.get_integration(&session, id).await?;
    if !yes {
        return Err(CoreError::Validation(format!(
            "Deleting \"{}\" cannot be undone. Run again with --yes to confirm.",
            integration.name
        )));
    }
    ctx.core.delete_integration(&session, id).await?;
    ctx.out.line(&serde_json::json!({ "deleted": id }), |_| {
        format!("Deleted \"{}\".", integration.name)
    })
}

/// `enable` and `disable`.
pub async fn set_enabled(ctx: &Ctx, id: IntegrationId, enable: bool) -> CoreResult<()> {
    let session = ctx.session().await?;
    let integration = if enable {
        ctx.core.enable_integration(&session, id).await?
    } else {
        ctx.core.disable_integration(&session, id).await?
    };
    ctx.out.line(&integration, |integration| {
        format!(
            "\"{}\" is now {} (status {}).",
            integration.name,
            if integration.enabled {
                "enabled"
            } else {
                "disabled"
            },
            integration.status.as_str()
        )
    })
}

/// Asks the provider; a failed test is a PROVIDER_ERROR exit after the result is printed.
pub async fn test_connection(ctx: &Ctx, id: IntegrationId) -> CoreResult<()> {
    let result = ctx.core.test_connection(&ctx.session().await?, id).await?;
    ctx.out.line(&result, |result| {
        format!(
            "{} \"{}\": {}",
            if result.success { "PASSED" } else { "FAILED" },
            result.integration.name,
            result.message
        )
    })?;
    if !result.success {
        return Err(CoreError::Provider {
            provider_code: result.provider_code.unwrap_or_default(),
            message: result.message,
        });
    }
    Ok(())
}

pub async fn rotate_keys(ctx: &Ctx) -> CoreResult<()> {
    let rotation = ctx.core.rotate_keys(&ctx.session().await?).await?;
    ctx.out.line(&rotation, |rotation| {
        format!(
            "Re-encrypted {} credential(s) under key version {}.",
            rotation.reencrypted, rotation.key_version
        )
    })
}

/// `integrations webhook ID`: what to configure in Pancake (Cấu hình → Nâng cao → Kết nối bên
/// thứ 3 → Webhook/API) for the server to receive this integration's orders. The secret is
/// printed because this is where it is needed; it is never logged.
pub async fn webhook(ctx: &Ctx, id: IntegrationId) -> CoreResult<()> {
    use secrecy::ExposeSecret;
    let setup = ctx.core.webhook_setup(&ctx.session().await?, id).await?;
    let shown = serde_json::json!({
        "integrationId": setup.integration_id,
        "path": setup.path,
        "url": setup.url,
        "header": setup.header,
        "secret": setup.secret.expose_secret(),
    });
    ctx.out.show(&shown, |_| {
        println!("POST {}", setup.path);
        match &setup.url {
            Some(url) => println!("URL: {url}"),
            None => println!(
                "URL: the server's public URL followed by the path (the operator has not set \
                 INTEGRATIONS_PUBLIC_URL on the server yet)"
            ),
        }
        println!("{}: {}", setup.header, setup.secret.expose_secret());
    })
}

/// `integrations realtime-orders ID [--on|--off]`.
pub async fn realtime_orders(ctx: &Ctx, id: IntegrationId, change: Option<bool>) -> CoreResult<()> {
    let session = ctx.session().await?;
    let status = match change {
        Some(enabled) => ctx.core.set_realtime_orders(&session, id, enabled).await?,
        None => ctx.core.realtime_orders(&session, id).await?,
    };
    ctx.out.line(&status, |status| {
        let last = status.last_delivery_at.map_or_else(
            || "no delivery yet".to_owned(),
            |at| format!("last delivery {}", at.to_rfc3339()),
        );
        match (&status.url, status.available) {
            (Some(url), _) => format!("Receiving orders in real time at {url}; {last}."),
            (None, true) => "Not receiving orders in real time (turn it on with --on).".to_owned(),
            (None, false) => {
                "Real time is not available: the server's public URL is not set.".to_owned()
            }
        }
    })
}
