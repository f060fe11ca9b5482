import { HOUR_MS } from '../../app/domain/clock';
import { declineFor, dealValue, LOST_REASONS, needFor } from './deals';
import type { SizeSegment } from './partners-data';
import type { Random } from './random';
import type { Finale, LeadStage, Move, Script } from './script';

const DAY_MS = 24 * HOUR_MS;

export type Outcome = 'pending' | 'accepted' | 'contacted' | 'proposal' | 'won' | 'lost' | 'withdrawn';

/** Roughly three hundred leads, most of them history and about sixty live on the queue. */
const QUOTAS: [Outcome, number][] = [
  ['pending', 58],
  ['accepted', 26],
  ['contacted', 24],
  ['proposal', 24],
  ['won', 52],
  ['lost', 38],
  ['withdrawn', 14],
];
const UNCOVERED_LEADS = 12;
const RESCUED = { accepted: 3, pending: 2 };
const DECLINED_BY_ALL = 7;
const THIN_MARKETS = ['IR', 'MX', 'PL', 'ZA'];

/** How far back, beyond the time its own story takes, a lead of each outcome may have arrived. */
const SPREAD_MS: Record<Outcome, number> = {
  pending: 0,
  accepted: 18 * DAY_MS,
  contacted: 25 * DAY_MS,
  proposal: 30 * DAY_MS,
  won: 110 * DAY_MS,
  lost: 110 * DAY_MS,
  withdrawn: 120 * DAY_MS,
};

export interface PlanCustomer {
  id: number;
  country: string;
  sizeSegment: SizeSegment;
  ownerPartnerId: number | null;
}

export interface PlanPartner {
  id: number;
  slug: string;
  status: string;
  countries: string[];
  productLines: string[];
}

export interface PlanCampaign {
  id: number;
  customerIds: number[];
  productLines: string[];
  startsAt: number;
  endsAt: number;
  outcomes: Outcome[];
}

export interface PlanContext {
  random: Random;
  /** The present the demo history leads up to: every live deadline lies after it. */
  realNow: number;
  windowMs: number;
  customers: PlanCustomer[];
  partners: PlanPartner[];
  campaigns: PlanCampaign[];
  managerId: number;
  coordinatorId: number;
}

export function planScripts(ctx: PlanContext): Script[] {
  const planner = new Planner(ctx);
  const scripts: Script[] = [];
  for (const [outcome, count] of QUOTAS) {
    for (let i = 0; i < count; i++) scripts.push(planner.ordinary(outcome));
  }
  for (let i = 0; i < UNCOVERED_LEADS; i++) {
    const rescue =
      i < RESCUED.accepted ? 'accepted' : i < RESCUED.accepted + RESCUED.pending ? 'pending' : null;
    scripts.push(planner.uncovered(rescue));
  }
  for (let i = 0; i < DECLINED_BY_ALL; i++) scripts.push(planner.declinedByAll());
  for (const campaign of ctx.campaigns) {
    for (const outcome of campaign.outcomes) scripts.push(planner.forCampaign(campaign, outcome));
  }
  return scripts.sort((a, b) => a.arrivalAt - b.arrivalAt);
}

class Planner {
  private readonly random: Random;
  private readonly sold = new Map<string, string[]>();
  /** How many active partners sell a product line in a country: `${country}:${line}` → count. */
  private readonly depth = new Map<string, number>();
  private readonly routable: PlanCustomer[];
  constructor(private readonly ctx: PlanContext) {
    this.random = ctx.random;
    for (const p of ctx.partners.filter((p) => p.status === 'active')) {
      for (const country of p.countries) {
        this.sold.set(country, [...new Set([...(this.sold.get(country) ?? []), ...p.productLines])]);
        for (const line of p.productLines) {
          this.depth.set(`${country}:${line}`, (this.depth.get(`${country}:${line}`) ?? 0) + 1);
        }
      }
    }
    // Partner-contributed records stay with their partner; the vendor routes only its own.
    this.routable = ctx.customers.filter((c) => c.ownerPartnerId === null && this.sold.has(c.country));
  }

  ordinary(outcome: Outcome): Script {
    const customer = this.random.pick(this.routable);
    const productLine = this.random.pick(this.sold.get(customer.country)!);
    return this.story(outcome, customer, productLine, null);
  }

  forCampaign(campaign: PlanCampaign, outcome: Outcome): Script {
    const accounts = this.routable.filter((c) => campaign.customerIds.includes(c.id));
    const customer = this.random.pick(accounts);
    const lines = campaign.productLines.filter((l) => this.sold.get(customer.country)!.includes(l));
    return this.story(outcome, customer, this.random.pick(lines), campaign);
  }

  /** A lead from a country nobody covers: unroutable at once, sometimes rescued by hand. */
  uncovered(rescuedTo: 'accepted' | 'pending' | null): Script {
    const customer = this.random.pick(this.ctx.customers.filter((c) => !this.sold.has(c.country)));
    const productLine = this.random.pick(['storage', 'networking', 'cloud', 'security']);
    const input = this.input(customer, productLine, null);
    const neighbour = { KE: 'table-mountain-tech', NG: 'table-mountain-tech', AR: 'ipanema-tecnologia' };
    const slug = neighbour[customer.country as keyof typeof neighbour] ?? 'table-mountain-tech';
    const partnerId = this.ctx.partners.find((p) => p.slug === slug)!.id;
    if (rescuedTo === null) {
      const arrivalAt = this.ctx.realNow - this.random.between(2 * DAY_MS, 120 * DAY_MS);
      return { arrivalAt, input, moves: [], rescue: null, finale: { kind: 'wait', extendAfterMs: null } };
    }
    const rescueAfter = this.random.between(2 * HOUR_MS, 3 * DAY_MS);
    if (rescuedTo === 'pending') {
      const age = this.pendingAge();
      const arrivalAt = this.ctx.realNow - age - rescueAfter;
      const finale: Finale = { kind: 'wait', extendAfterMs: null };
      return { arrivalAt, input, moves: [], rescue: { afterMs: rescueAfter, partnerId }, finale };
    }
    const finale: Finale = { kind: 'accept', afterMs: this.answerDelay(), stages: [] };
    const arrivalAt = this.historicArrival('accepted', rescueAfter + finale.afterMs, null);
    return { arrivalAt, input, moves: [], rescue: { afterMs: rescueAfter, partnerId }, finale };
  }

  /** A lead in a market with one or two partners, all of whom turn it down. */
  declinedByAll(): Script {
    const customer = this.random.pick(this.routable.filter((c) => THIN_MARKETS.includes(c.country)));
    const productLine = this.random.pick(this.sold.get(customer.country)!);
    const rounds = this.depth.get(`${customer.country}:${productLine}`)!;
    const afterMs = this.answerDelay();
    const arrivalAt = this.historicArrival('withdrawn', rounds * afterMs, null);
    return {
      arrivalAt,
      input: this.input(customer, productLine, null),
      moves: [],
      rescue: null,
      finale: { kind: 'declineAll', afterMs },
    };
  }

  private story(
    outcome: Outcome,
    customer: PlanCustomer,
    productLine: string,
    campaign: PlanCampaign | null,
  ): Script {
    const input = this.input(customer, productLine, campaign?.id ?? null);
    // A lead only moves on as often as there are other partners to take it.
    const moves = this.moves().slice(0, this.depth.get(`${customer.country}:${productLine}`)! - 1);
    const movesMs = moves.reduce(
      (sum, m) => sum + (m.kind === 'expire' ? this.ctx.windowMs + m.lateMs : m.afterMs),
      0,
    );
    if (outcome === 'pending') {
      const age = this.pendingAge();
      const extendAfterMs =
        age > 6 * HOUR_MS && this.random.chance(0.08) ? age * this.random.between(0.3, 0.7) : null;
      const arrivalAt = this.ctx.realNow - age - movesMs;
      return { arrivalAt, input, moves, rescue: null, finale: { kind: 'wait', extendAfterMs } };
    }
    const finale = this.finale(outcome, input.valueMinor);
    const finaleMs =
      finale.kind === 'accept' ? finale.afterMs + finale.stages.reduce((sum, s) => sum + s.afterMs, 0) : 0;
    const withdrawMs = finale.kind === 'withdraw' ? finale.afterMs : 0;
    const arrivalAt = this.historicArrival(outcome, movesMs + finaleMs + withdrawMs, campaign);
    return { arrivalAt, input, moves, rescue: null, finale };
  }

  private finale(outcome: Exclude<Outcome, 'pending'>, valueMinor: number): Finale {
    if (outcome === 'withdrawn') return { kind: 'withdraw', afterMs: this.answerDelay() };
    const stages: LeadStage[] = [];
    const days = (min: number, max: number) => this.random.between(min * DAY_MS, max * DAY_MS);
    if (outcome !== 'accepted') stages.push({ to: 'contacted', afterMs: days(1, 4) });
    if (outcome === 'proposal' || outcome === 'won' || (outcome === 'lost' && this.random.chance(0.6))) {
      stages.push({ to: 'proposal', afterMs: days(3, 10) });
    }
    if (outcome === 'won') {
      const wonValueMinor = Math.round((valueMinor * this.random.between(0.8, 1.15)) / 100) * 100;
      stages.push({ to: 'won', afterMs: days(5, 25), wonValueMinor });
    }
    if (outcome === 'lost') {
      stages.push({ to: 'lost', afterMs: days(3, 20), lostReason: this.random.pick(LOST_REASONS) });
    }
    return { kind: 'accept', afterMs: this.answerDelay(), stages };
  }

  /** Declines, silences and reassignments before the final partner; most leads have none. */
  private moves(): Move[] {
    const roll = this.random.next();
    const count = roll < 0.55 ? 0 : roll < 0.85 ? 1 : roll < 0.97 ? 2 : 3;
    return Array.from({ length: count }, (): Move => {
      const kind = this.random.next();
      if (kind < 0.6) return { kind: 'decline', afterMs: this.answerDelay(), ...declineFor(this.random) };
      if (kind < 0.9) return { kind: 'expire', lateMs: this.random.between(50, 4000) };
      return { kind: 'reassign', afterMs: this.answerDelay() };
    });
  }

  /** How long a partner takes to answer: well inside the response window. */
  private answerDelay(): number {
    return this.random.between(0.3 * HOUR_MS, Math.min(30 * HOUR_MS, 0.8 * this.ctx.windowMs));
  }

  /** Time since a live offer was made; some are close to their deadline, for the "expiring soon" list. */
  private pendingAge(): number {
    const window = this.ctx.windowMs;
    if (window > 8 * HOUR_MS && this.random.chance(0.15)) {
      return window - this.random.between(0.75 * HOUR_MS, 4 * HOUR_MS);
    }
    return window * this.random.between(0.05, 0.9);
  }

  /** Early enough that the whole story ends before now, within the campaign's dates if any. */
  private historicArrival(outcome: Outcome, storyMs: number, campaign: PlanCampaign | null): number {
    const latest = this.ctx.realNow - 3 * HOUR_MS - storyMs;
    let arrivalAt = latest - this.random.between(0, SPREAD_MS[outcome]);
    if (campaign) arrivalAt = Math.min(Math.max(arrivalAt, campaign.startsAt), campaign.endsAt);
    return Math.min(arrivalAt, latest);
  }

  private input(customer: PlanCustomer, productLine: string, campaignId: number | null) {
    const { currency, valueMinor } = dealValue(customer.country, customer.sizeSegment, this.random);
    const roll = this.random.next();
    const source = campaignId !== null ? 'campaign' : roll < 0.45 ? 'form' : roll < 0.75 ? 'import' : 'api';
    const createdByUserId =
      source === 'campaign' ? this.ctx.coordinatorId : source === 'import' ? this.ctx.managerId : null;
    return {
      customerId: customer.id,
      need: needFor(productLine, this.random),
      productLine,
      valueMinor,
      currency,
      source,
      campaignId,
      createdByUserId,
    } as const;
  }
}
