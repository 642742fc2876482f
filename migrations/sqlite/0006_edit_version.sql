-- What a user edits is versioned apart from what a sync records (see the PostgreSQL migration
-- of the same number): edits are checked against `edit_version`, which a sync leaves alone.
-- The mirror copies the server's edit version, so offline edits are checked against it too.
ALTER TABLE integrations ADD COLUMN edit_version INTEGER NOT NULL DEFAULT 1;

-- The job triggers' OR IGNORE gave way to the conflict policy of the statement that fired them
-- (SQLite uses the outer one): the mirror's upsert of a pulled row of an enabled integration
-- that already had a job failed on sync_jobs' key, and with it the whole pull. So a sync's
-- outcome never reached a mirror. NOT EXISTS does not depend on any conflict policy.
DROP TRIGGER integrations_schedule_insert;
DROP TRIGGER integrations_schedule_update;
CREATE TRIGGER integrations_schedule_insert AFTER INSERT ON integrations WHEN NEW.enabled
BEGIN
    INSERT INTO sync_jobs (tenant_id, integration_id, next_run_at)
    SELECT NEW.tenant_id, NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE NOT EXISTS (
        SELECT 1 FROM sync_jobs WHERE tenant_id = NEW.tenant_id AND integration_id = NEW.id
    );
END;
CREATE TRIGGER integrations_schedule_update AFTER UPDATE OF enabled ON integrations
BEGIN
    INSERT INTO sync_jobs (tenant_id, integration_id, next_run_at)
    SELECT NEW.tenant_id, NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE NEW.enabled AND NOT EXISTS (
        SELECT 1 FROM sync_jobs WHERE tenant_id = NEW.tenant_id AND integration_id = NEW.id
    );
    DELETE FROM sync_jobs
    WHERE tenant_id = NEW.tenant_id AND integration_id = NEW.id AND NOT NEW.enabled;
END;
