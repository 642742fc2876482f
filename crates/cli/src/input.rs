//! Secrets come in on standard input (or a hidden prompt on a terminal), never on the command
//! line, where other users and shell histories could see them.

use std::io::{IsTerminal, Read};

use integrations_core::{CoreError, Provider};
use secrecy::SecretString;

/// Reads a secret: the whole of stdin when piped (trailing newline removed), or a hidden prompt
/// on a terminal.
pub fn read_secret(prompt: &str) -> Result<SecretString, CoreError> {
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

/// The provider's secret: a Pancake POS API key or a Meta access token.
pub fn read_provider_secret(provider: Provider) -> Result<SecretString, CoreError> {
    read_secret(match provider {
        Provider::PancakePos => "Pancake POS API key: ",
        Provider::MetaAds => "Meta access token: ",
    })
}
