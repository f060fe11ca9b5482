import type { ReactNode } from 'react';

export interface Fact {
  term: string;
  /** `null` or `undefined`: the fact does not apply and is left out (a placeholder such as "Not recorded" is the caller's word). */
  value: ReactNode;
}

/**
 * Term/value facts about one thing (a lead, a customer, a campaign) as a description list.
 * `rows` puts each term beside its value; `tiles` lays short facts side by side, for a card.
 */
export function FactsList({ facts, layout = 'rows' }: { facts: readonly Fact[]; layout?: 'rows' | 'tiles' }) {
  return (
    <dl className={layout === 'tiles' ? 'facts facts--tiles' : 'facts'}>
      {facts
        .filter((fact) => fact.value !== null && fact.value !== undefined)
        .map((fact) => (
          <div key={fact.term} className="facts__row">
            <dt>{fact.term}</dt>
            <dd>{fact.value}</dd>
          </div>
        ))}
    </dl>
  );
}

/** The `[label, value]` pairs the loaders present a lead card as. */
export const factsFromPairs = (pairs: readonly (readonly [string, string])[]): Fact[] =>
  pairs.map(([term, value]) => ({ term, value }));
