-- partner_coverage mirrors partners.countries × partners.product_lines. A trigger keeps it true
-- whatever writes the partner (portal, import, seed, psql), so routing can trust it.
CREATE FUNCTION baton_sync_partner_coverage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM partner_coverage WHERE partner_id = NEW.id;
  INSERT INTO partner_coverage (country, product_line, partner_id)
  SELECT DISTINCT c, pl, NEW.id FROM unnest(NEW.countries) c, unnest(NEW.product_lines) pl;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER partners_coverage_insert AFTER INSERT ON partners
  FOR EACH ROW EXECUTE FUNCTION baton_sync_partner_coverage();
--> statement-breakpoint
CREATE TRIGGER partners_coverage_update AFTER UPDATE OF countries, product_lines ON partners
  FOR EACH ROW WHEN (OLD.countries IS DISTINCT FROM NEW.countries OR OLD.product_lines IS DISTINCT FROM NEW.product_lines)
  EXECUTE FUNCTION baton_sync_partner_coverage();
--> statement-breakpoint
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
