import type { Sql } from 'postgres';
import type { Database } from '../../../db/client';
import type { Candidate, PartnerFigures, RoutingTarget } from './candidate';

/** A partner as the router keeps it in memory: its routing profile and its running figures. */
export interface PartnerProfile extends PartnerFigures {
  countries: string[];
  industries: string[];
  sizeSegments: string[];
  productLines: string[];
}

/** How old the running figures (load, rates, last offer) may get before a reload. */
const FIGURES_MAX_AGE_MS = 5_000;

/**
 * The partners a router chooses among, held in memory and indexed by (country, product line).
 *
 * Reading a hundred partner rows for every routing decision was most of routing's cost. The
 * profile (tier, territory, product lines, capacity, pause) is reloaded as soon as
 * `partner_directory_version` moves, which a trigger bumps on every profile change; the
 * running figures may be up to five seconds old. That only ever affects the ranking: every
 * rule that decides eligibility (active, not paused, under capacity) is checked again by the
 * conditional update that claims the partner's capacity when the offer is written.
 */
export class PartnerDirectory {
  private byCoverage = new Map<string, PartnerProfile[]>();
  private byId = new Map<number, PartnerProfile>();
  private version = -1;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly sql: Sql) {}

  /** Partners covering the target's country and product line, from a directory at least as new as `version`. */
  async covering(target: RoutingTarget, version: number): Promise<PartnerProfile[]> {
    await this.ensureFresh(version);
    return coveringFrom(this.byCoverage, target);
  }

  /** Every partner, whatever its state or coverage: the channel manager's list for offering by hand. */
  async all(version: number): Promise<PartnerProfile[]> {
    await this.ensureFresh(version);
    return [...this.byId.values()];
  }

  async get(partnerId: number, version: number): Promise<PartnerProfile | undefined> {
    await this.ensureFresh(version);
    return this.byId.get(partnerId);
  }

  /** What this process just did to a partner, so its next decisions see it before a reload. */
  noteOffered(partnerId: number, at: Date): void {
    const partner = this.byId.get(partnerId);
    if (!partner) return;
    partner.openLoad += 1;
    partner.lastOfferedAt = at;
  }

  /** Forget the running figures: the next decision reloads them. */
  invalidate(): void {
    this.loadedAt = 0;
  }

  /** The capacity claim failed: treat the partner as full until the next reload. */
  noteFull(partnerId: number): void {
    const partner = this.byId.get(partnerId);
    if (partner) partner.openLoad = Math.max(partner.openLoad, partner.maxOpen);
  }

  private async ensureFresh(version: number): Promise<void> {
    const stale = version > this.version || Date.now() - this.loadedAt > FIGURES_MAX_AGE_MS;
    if (!stale) return;
    // One reload at a time; callers that arrive meanwhile wait for it, then check again.
    this.loading ??= this.reload().finally(() => {
      this.loading = null;
    });
    await this.loading;
    if (version > this.version) await this.ensureFresh(version);
  }

  private async reload(): Promise<void> {
    const [versionRow] = await this.sql`SELECT version FROM partner_directory_version WHERE id = 1`;
    const rows = await this.sql`
      SELECT id, tier, status, countries, industries, size_segments, product_lines, max_open, open_load,
        (extract(epoch FROM paused_until) * 1000)::float8 AS paused_until_ms,
        (extract(epoch FROM last_offered_at) * 1000)::float8 AS last_offered_ms,
        offers_answered, offers_accepted, offers_expired, response_ms_total::float8 AS response_ms,
        leads_won, leads_closed
      FROM partners`;
    const byId = new Map<number, PartnerProfile>();
    for (const row of rows) {
      const partner: PartnerProfile = {
        id: row.id,
        tier: row.tier,
        status: row.status,
        countries: row.countries,
        industries: row.industries,
        sizeSegments: row.size_segments,
        productLines: row.product_lines,
        maxOpen: row.max_open,
        openLoad: row.open_load,
        pausedUntil: row.paused_until_ms === null ? null : new Date(row.paused_until_ms),
        lastOfferedAt: row.last_offered_ms === null ? null : new Date(row.last_offered_ms),
        offersAnswered: row.offers_answered,
        offersAccepted: row.offers_accepted,
        offersExpired: row.offers_expired,
        responseMsTotal: row.response_ms,
        leadsWon: row.leads_won,
        leadsClosed: row.leads_closed,
      };
      byId.set(partner.id, partner);
    }
    const byCoverage = coverageIndex(byId.values());
    // The version is read before the rows, so a change racing the reload triggers another.
    this.version = Number(versionRow?.version ?? 0);
    this.byCoverage = byCoverage;
    this.byId = byId;
    this.loadedAt = Date.now();
  }
}

const coverageKey = (country: string, productLine: string) => `${country}\u0000${productLine}`;

export type CoverageIndex = Map<string, PartnerProfile[]>;

/** The partners by each (country, product line) they cover: what routing looks a lead up in. */
export function coverageIndex(partners: Iterable<PartnerProfile>): CoverageIndex {
  const byCoverage: CoverageIndex = new Map();
  for (const partner of partners) {
    for (const country of new Set(partner.countries)) {
      for (const productLine of new Set(partner.productLines)) {
        const key = coverageKey(country, productLine);
        const list = byCoverage.get(key);
        if (list) list.push(partner);
        else byCoverage.set(key, [partner]);
      }
    }
  }
  return byCoverage;
}

export function coveringFrom(index: CoverageIndex, target: RoutingTarget): PartnerProfile[] {
  return index.get(coverageKey(target.country, target.productLine)) ?? [];
}

/** The facts routing weighs about one partner and one opportunity. */
export function candidateOf(
  partner: PartnerProfile,
  target: RoutingTarget,
  pair: { inCampaign: boolean; hasRelationship: boolean },
): Candidate {
  const { countries, industries, sizeSegments, productLines } = partner;
  // Field by field rather than a rest spread, which copied keys one by one and made this most of
  // routing's CPU time (it runs for every partner covering every lead).
  return {
    id: partner.id,
    tier: partner.tier,
    status: partner.status,
    maxOpen: partner.maxOpen,
    openLoad: partner.openLoad,
    pausedUntil: partner.pausedUntil,
    lastOfferedAt: partner.lastOfferedAt,
    offersAnswered: partner.offersAnswered,
    offersAccepted: partner.offersAccepted,
    offersExpired: partner.offersExpired,
    responseMsTotal: partner.responseMsTotal,
    leadsWon: partner.leadsWon,
    leadsClosed: partner.leadsClosed,
    coversCountry: countries.includes(target.country),
    homeTerritory: countries[0] === target.country,
    sellsProductLine: productLines.includes(target.productLine),
    servesIndustry: industries.includes(target.industry),
    servesSegment: sizeSegments.includes(target.sizeSegment),
    inCampaign: pair.inCampaign,
    hasRelationship: pair.hasRelationship,
  };
}

const directories = new WeakMap<Database, PartnerDirectory>();

/** One directory per database handle, so per process in production and per test database in tests. */
export function partnerDirectoryOf(db: Database): PartnerDirectory {
  let directory = directories.get(db);
  if (!directory) {
    directory = new PartnerDirectory(db.$client);
    directories.set(db, directory);
  }
  return directory;
}
