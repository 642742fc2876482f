-- What a user edits is versioned apart from what a sync records. `row_version` moves on with
-- every write (the mirror pulls by it), a sync's lastSyncAt, status and error included; an edit
-- is checked against `edit_version`, which only edits move on. So an Edit dialog opened before a
-- sync finished still saves, and an offline rename does not meet the sync as a conflict.
-- Existing rows start at 1: an offline edit queued before the upgrade meets the server as a
-- conflict for the user to settle, never as a silent overwrite.
ALTER TABLE integrations ADD COLUMN edit_version bigint NOT NULL DEFAULT 1;
