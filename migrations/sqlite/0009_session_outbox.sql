-- Shared mode's mirror: sign-outs and refreshes made while the server could not be reached,
-- applied in order when it answers again (mirror/sessions.rs). Without them the server would
-- never learn that an offline session ended or moved on, and an older refresh token (a stolen
-- copy) would stay usable there. Unused by the embedded database.
CREATE TABLE session_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    family_id TEXT NOT NULL,
    -- 'revoke': signed out; 'rotate': used_token_id was spent for successor_id (both rows are
    -- in refresh_tokens).
    kind TEXT NOT NULL CHECK (kind IN ('revoke', 'rotate')),
    used_token_id TEXT,
    successor_id TEXT,
    queued_at TEXT NOT NULL
);
