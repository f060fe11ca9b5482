/** What a channel manager can do on an opportunity's page; shared by the form and the action. */
export const INTENTS = ['offer', 'extend'] as const;
export type Intent = (typeof INTENTS)[number];

/**
 * What the page can say was just done (`?done=`): its own intents, and the actions confirmed on
 * pages of their own (withdraw, re-route, take back), which come back here when done.
 */
export const DONE_ACTIONS = [...INTENTS, 'withdraw', 'reroute', 'takeBack'] as const;
export type DoneAction = (typeof DONE_ACTIONS)[number];

export interface ActionAnswer {
  intent: Intent | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
  /** What was typed, for the form to show again (offer by hand: the partner chosen and the reason). */
  values?: Record<string, string>;
}
