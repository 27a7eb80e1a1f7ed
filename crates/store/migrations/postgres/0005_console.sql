-- The developer console: an app's icon and who created it (the creator may manage the app
-- besides the owner org's admins). Apps created before this migration have no creator.
ALTER TABLE apps ADD COLUMN icon_url TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN created_by TEXT REFERENCES users (union_id) ON DELETE SET NULL;
