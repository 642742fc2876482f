-- Shared mode's mirror keeps each data key as the server holds it: wrapped by the master key
-- and by the workspace key its clients hold (see migrations/postgres/0005_workspace_roles.sql).
-- Standalone databases leave it NULL: their keys are wrapped by their own master key only.
ALTER TABLE tenant_keys ADD COLUMN workspace_wrapped_key TEXT;
