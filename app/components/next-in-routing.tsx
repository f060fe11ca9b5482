import type { NextInRouting } from '../domain/routing/next-partner.server';

/** Where the lead goes once it is back in routing, in a sentence, as routing ranks partners now. */
export function NextInRoutingSentence({ next }: { next: NextInRouting | null }) {
  if (next === null || next.kind === 'none_eligible') {
    return (
      <>
        The lead goes back into routing, but no other partner is eligible for it now: it becomes unroutable
        and waits in the routing queue for a channel manager to place it by hand.
      </>
    );
  }
  if (next.kind === 'round_limit') {
    return (
      <>
        The lead goes back into routing, but it has already had {next.roundLimit} rounds, the most the routing
        settings allow: it becomes unroutable and waits in the routing queue for a channel manager to place it
        by hand.
      </>
    );
  }
  return (
    <>
      The lead goes straight on to the next partner routing finds. Ranked as routing ranks them now, that is{' '}
      <strong>{next.partnerName}</strong> (score {next.score}); if it fills up or pauses before the offer is
      made, the next best eligible partner gets the lead instead. That partner has the usual response window
      to answer.
    </>
  );
}
