CREATE INDEX "offers_pending_partner_expires_at_idx" ON "offers" USING btree ("partner_id","expires_at","id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "opportunities_unroutable_country_idx" ON "opportunities" USING btree ("country","id") WHERE status = 'unroutable';--> statement-breakpoint
CREATE INDEX "opportunities_unroutable_product_line_idx" ON "opportunities" USING btree ("product_line","id") WHERE status = 'unroutable';--> statement-breakpoint
CREATE INDEX "opportunities_unroutable_campaign_idx" ON "opportunities" USING btree ("campaign_id","id") WHERE status = 'unroutable' AND campaign_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "opportunity_events_endings_at_idx" ON "opportunity_events" USING btree ("at","id") WHERE kind IN ('declined', 'expired');