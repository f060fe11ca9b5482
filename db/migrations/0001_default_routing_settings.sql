-- The single routing_settings row; its values mirror DEFAULT_ROUTING_SETTINGS in app/domain/routing/settings.ts.
INSERT INTO "routing_settings" ("id", "window_hours", "reminder_offsets_hours", "round_limit", "weights")
VALUES (1, 48, '{24,4}', 10,
  '{"territory":10,"industry":15,"segment":10,"tier":10,"campaign":20,"relationship":30,"acceptance":15,"speed":10,"winRate":15}'::jsonb)
ON CONFLICT ("id") DO NOTHING;
