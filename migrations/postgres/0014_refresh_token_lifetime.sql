-- A refresh token's lifetime is the server's to decide. A shared-mode client that refreshed
-- while the server was away replays the rotation when it is back (mirror/sessions.rs), with the
-- successor it made offline, expiry included; a client's clock, or a client changed on purpose
-- (its workspace role may insert its own refresh tokens), must not give a session a longer
-- life than a refresh on the server would. Every new or changed expiry is capped here at seven
-- days from the server's now (auth::DEFAULT_REFRESH_TTL); a shorter one is kept.
CREATE FUNCTION app_cap_refresh_token_lifetime() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    NEW.expires_at := LEAST(NEW.expires_at, now() + interval '7 days');
    RETURN NEW;
END
$$;

CREATE TRIGGER refresh_tokens_lifetime
    BEFORE INSERT OR UPDATE OF expires_at ON refresh_tokens
    FOR EACH ROW EXECUTE FUNCTION app_cap_refresh_token_lifetime();
