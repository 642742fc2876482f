-- Pull replication to the offline mirror.
--
-- A client pulls the rows whose row_version is above what it has. Row versions come from one
-- sequence when a row is written, but transactions commit in another order than they drew their
-- numbers, so a pull can see version 12 committed while version 11 is still in flight and would
-- then skip 11 for ever. Each row therefore also records the transaction that wrote it, and a
-- pull re-reads every row written by a transaction that was still running at the previous pull
-- (xid >= that pull's snapshot xmin). Re-reading is harmless: the mirror's upserts are
-- idempotent.

ALTER TABLE integrations ADD COLUMN write_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX integrations_write_xid ON integrations (tenant_id, write_xid);

CREATE OR REPLACE FUNCTION touch_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.row_version := nextval('row_version_seq');
    NEW.write_xid := pg_current_xact_id();
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

-- Deletes leave a tombstone so that they reach the mirrors too. No foreign key to tenants: a
-- tenant's cascade delete writes tombstones for rows of the tenant being deleted.
CREATE TABLE tombstones (
    tenant_id   uuid NOT NULL,
    table_name  text NOT NULL,
    row_id      uuid NOT NULL,
    row_version bigint NOT NULL,
    write_xid   xid8 NOT NULL DEFAULT pg_current_xact_id(),
    deleted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, table_name, row_id)
);
CREATE INDEX tombstones_row_version ON tombstones (tenant_id, row_version);
CREATE INDEX tombstones_write_xid ON tombstones (tenant_id, write_xid);

CREATE FUNCTION record_tombstone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tombstones (tenant_id, table_name, row_id, row_version)
    VALUES (OLD.tenant_id, TG_TABLE_NAME, OLD.id, nextval('row_version_seq'))
    ON CONFLICT (tenant_id, table_name, row_id) DO UPDATE
        SET row_version = EXCLUDED.row_version,
            write_xid = pg_current_xact_id(),
            deleted_at = now();
    RETURN OLD;
END
$$;

CREATE TRIGGER integrations_tombstone AFTER DELETE ON integrations
    FOR EACH ROW EXECUTE FUNCTION record_tombstone();

ALTER TABLE tombstones ENABLE ROW LEVEL SECURITY;
ALTER TABLE tombstones FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tombstones
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
