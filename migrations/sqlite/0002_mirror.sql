-- The offline mirror of shared mode (unused by standalone mode, whose file is the database).

-- Which server this file mirrors, so a file left from another server is never mistaken for
-- this one's data. A fingerprint of host, port and database: no user name, no password.
CREATE TABLE mirror_meta (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    server TEXT NOT NULL
);

-- How far each mirrored tenant has pulled: the highest row version seen and the snapshot xmin
-- of that pull (see migrations/postgres/0002_mirror.sql), and when it last caught up.
CREATE TABLE mirror_state (
    tenant_id    TEXT PRIMARY KEY,
    last_version INTEGER NOT NULL DEFAULT 0,
    horizon      INTEGER NOT NULL DEFAULT 0,
    as_of        TEXT
);

-- Edits made offline, applied on the server in `seq` order when it answers again. A change
-- that meets a different change made on the server meanwhile becomes a CONFLICT and waits for
-- the user; it is never dropped or forced through.
CREATE TABLE outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        TEXT NOT NULL,
    integration_id   TEXT NOT NULL,
    integration_name TEXT NOT NULL,
    change           TEXT NOT NULL,
    base_version     INTEGER NOT NULL,
    state            TEXT NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'CONFLICT')),
    queued_at        TEXT NOT NULL
);
CREATE INDEX outbox_tenant ON outbox (tenant_id, seq);
