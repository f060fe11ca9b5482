import { z } from 'zod';

export const WEIGHT_KEYS = [
  'territory',
  'industry',
  'segment',
  'tier',
  'campaign',
  'relationship',
  'acceptance',
  'speed',
  'winRate',
] as const;
export type WeightKey = (typeof WEIGHT_KEYS)[number];
export type RoutingWeights = Record<WeightKey, number>;

export const routingWeightsSchema = z.object(
  Object.fromEntries(WEIGHT_KEYS.map((key) => [key, z.number().min(0).max(100)])) as Record<
    WeightKey,
    z.ZodNumber
  >,
);

export const routingSettingsSchema = z
  .object({
    windowHours: z.number().int().min(1).max(720),
    reminderOffsetsHours: z.array(z.number().int().min(1)).max(5),
    roundLimit: z.number().int().min(1).max(100),
    weights: routingWeightsSchema,
  })
  .refine((s) => s.reminderOffsetsHours.every((h) => h < s.windowHours), {
    message: 'every reminder must fall inside the response window',
    path: ['reminderOffsetsHours'],
  });

export type RoutingSettings = z.infer<typeof routingSettingsSchema>;

/** Mirrors the row written by migration 0001. */
export const DEFAULT_ROUTING_SETTINGS: RoutingSettings = {
  windowHours: 48,
  reminderOffsetsHours: [24, 4],
  roundLimit: 10,
  weights: {
    territory: 10,
    industry: 15,
    segment: 10,
    tier: 10,
    campaign: 20,
    relationship: 30,
    acceptance: 15,
    speed: 10,
    winRate: 15,
  },
};
