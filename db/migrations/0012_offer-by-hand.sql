ALTER TABLE "offers" ADD COLUMN "overridden_rules" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "override_reason" text;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_overridden_rules_check" CHECK (overridden_rules <@ ARRAY['paused', 'at_capacity', 'outside_territory', 'product_line_not_sold', 'round_limit_reached']::text[]);--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_override_by_hand_check" CHECK ((override_reason IS NULL OR offered_by_user_id IS NOT NULL)
        AND (cardinality(overridden_rules) = 0 OR override_reason IS NOT NULL));