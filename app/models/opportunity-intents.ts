/** What a channel manager can do on an opportunity's page; shared by the form and the action. */
export const INTENTS = ['offer', 'withdraw', 'reroute', 'extend', 'takeBack'] as const;
export type Intent = (typeof INTENTS)[number];

export interface ActionAnswer {
  intent: Intent | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
  /** What was typed, for the form to show again (offer by hand: the partner chosen and the reason). */
  values?: Record<string, string>;
}
