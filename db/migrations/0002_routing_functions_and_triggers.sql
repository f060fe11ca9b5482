-- Lets one statement undo itself: a data-modifying CTE whose later step found nothing to do
-- calls this, and the error rolls the whole statement back.
CREATE FUNCTION baton_abort(code text, message text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END $$;
--> statement-breakpoint
-- Every offer and answer updates its partner's counters. Free space on each page lets those
-- updates stay HOT (no index entries rewritten), which keeps the hottest rows cheap.
ALTER TABLE partners SET (fillfactor = 70);
--> statement-breakpoint
ALTER TABLE opportunities SET (fillfactor = 80);
--> statement-breakpoint
INSERT INTO "partner_directory_version" ("id", "version") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION baton_bump_partner_directory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE partner_directory_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Routers keep the partner directory in memory (app/domain/routing/partner-directory.server.ts)
-- and reload it when this version moves. Only profile columns count: the counters that every
-- offer updates must not invalidate it.
CREATE TRIGGER partners_directory_changed
  AFTER INSERT OR DELETE OR UPDATE OF tier, status, countries, industries, size_segments, product_lines, max_open, paused_until
  ON partners FOR EACH STATEMENT EXECUTE FUNCTION baton_bump_partner_directory();
