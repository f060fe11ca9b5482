/**
 * Limits what a partner user's call reaches to that partner's own records: a foreign id is
 * simply not found. Routes build it from the signed-in user (permissions.server.ts); domain
 * functions take it as their scope argument.
 */
export interface PartnerScope {
  partnerId: number;
}
