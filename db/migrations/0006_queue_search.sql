-- The trigram operator classes of the queue's search indexes come from pg_trgm.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "customers_name_trgm_idx" ON "customers" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "offers_pending_count_idx" ON "offers" USING btree ("status") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "opportunities_need_trgm_idx" ON "opportunities" USING gin ("need" gin_trgm_ops);