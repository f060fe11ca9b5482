import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../emails/html';
import type { EmailKind, EmailMessage, LeadCard, OpportunitySummary, Recipient } from '../../emails/messages';
import { renderEmail } from '../../emails/render';

// 13:00 UTC: 14:00 in Berlin (CET), 16:30 in Tehran, 08:00 in New York (EST).
const DEADLINE = new Date('2026-11-27T13:00:00Z');
const EARLIER = new Date('2026-11-25T13:00:00Z');

const berlin: Recipient = { name: 'Jana Weber', email: 'jana@kessler-it.example', timezone: 'Europe/Berlin' };

const storageLead: LeadCard = {
  opportunityId: 1042,
  need: 'Replace two ageing SAN arrays before the plant extension opens in spring',
  productLine: 'storage',
  valueBand: 'EUR 50k–100k',
  country: 'DE',
  industry: 'manufacturing',
  sizeSegment: 'mid_market',
  campaignName: 'Storage Refresh Q4',
};

const unroutableOpportunity: OpportunitySummary = {
  opportunityId: 2077,
  need: 'Zero-trust rollout for 40 branch offices',
  productLine: 'security',
  country: 'PT',
  value: 'EUR 12,500.00',
  campaignName: null,
};

const offerLinks = {
  offerUrl: 'https://baton.example.com/offers/881',
  acceptUrl: 'https://baton.example.com/offers/881/accept?token=a1b2&sig=c3d4',
  declineUrl: 'https://baton.example.com/offers/881/decline?token=a1b2&sig=e5f6',
};

function fixtures(
  recipient: Recipient = berlin,
  lead: LeadCard = storageLead,
): Record<EmailKind, EmailMessage> {
  const opportunity: OpportunitySummary = {
    ...unroutableOpportunity,
    opportunityId: lead.opportunityId,
    need: lead.need,
    campaignName: lead.campaignName,
  };
  return {
    offer_new: {
      kind: 'offer_new',
      recipient,
      partnerName: 'Kessler IT Systemhaus GmbH',
      lead,
      expiresAt: DEADLINE,
      links: offerLinks,
    },
    offer_reminder: {
      kind: 'offer_reminder',
      recipient,
      partnerName: 'Kessler IT Systemhaus GmbH',
      lead,
      expiresAt: DEADLINE,
      hoursBefore: 4,
      links: offerLinks,
    },
    offer_expired: { kind: 'offer_expired', recipient, lead, expiredAt: DEADLINE },
    offer_withdrawn: { kind: 'offer_withdrawn', recipient, lead, withdrawnAt: DEADLINE },
    offer_extended: {
      kind: 'offer_extended',
      recipient,
      partnerName: 'Kessler IT Systemhaus GmbH',
      lead,
      expiresAt: DEADLINE,
      links: offerLinks,
    },
    lead_taken_back: {
      kind: 'lead_taken_back',
      recipient,
      partnerName: 'Kessler IT Systemhaus GmbH',
      lead,
      takenBackAt: DEADLINE,
      reason: 'The customer asked for its incumbent reseller',
    },
    offer_accepted: {
      kind: 'offer_accepted',
      recipient,
      lead,
      acceptedAt: DEADLINE,
      leadUrl: 'https://baton.example.com/leads/1042',
    },
    offer_declined: {
      kind: 'offer_declined',
      recipient,
      lead,
      declinedAt: DEADLINE,
      reasonLabel: 'No capacity',
    },
    opportunity_unroutable: {
      kind: 'opportunity_unroutable',
      recipient,
      opportunity,
      reasonLabel: 'No eligible partner left',
      at: DEADLINE,
      opportunityUrl: 'https://baton.example.com/manager/opportunities/1042',
    },
    lead_accepted: {
      kind: 'lead_accepted',
      recipient,
      opportunity,
      partnerName: 'Kessler IT Systemhaus GmbH',
      acceptedAt: DEADLINE,
      forCoordinator: false,
      opportunityUrl: 'https://baton.example.com/manager/opportunities/1042',
    },
    registration_submitted: {
      kind: 'registration_submitted',
      recipient,
      opportunity,
      partnerName: 'Kessler IT Systemhaus GmbH',
      conflict: true,
      registeredAt: DEADLINE,
      registrationsUrl: 'https://baton.example.com/registrations',
    },
    registration_decided: {
      kind: 'registration_decided',
      recipient,
      opportunity,
      decidedAt: DEADLINE,
      decision: {
        outcome: 'declined',
        reason: 'We already have this deal registered with the customer’s incumbent reseller',
        registrationUrl: 'https://baton.example.com/registrations/1042',
      },
    },
    daily_digest: {
      kind: 'daily_digest',
      recipient,
      at: DEADLINE,
      pending: 128,
      expiringSoon: 9,
      unroutable: 3,
      acceptedLastDay: 41,
      queueUrl: 'https://baton.example.com/manager/queue',
      preferencesUrl: 'https://baton.example.com/settings/email',
    },
    password_reset: {
      kind: 'password_reset',
      recipient,
      resetUrl: 'https://baton.example.com/reset-password?token=9f8e7d',
      expiresAt: DEADLINE,
    },
    sign_in_link: {
      kind: 'sign_in_link',
      recipient,
      signInUrl: 'https://baton.example.com/sign-in-link/12.9f8e7d',
      expiresAt: DEADLINE,
    },
    campaign_invitation: {
      kind: 'campaign_invitation',
      recipient,
      partnerName: 'Kessler IT Systemhaus GmbH',
      campaign: {
        campaignId: 77,
        name: lead.campaignName ?? 'Storage Refresh Q4',
        goal: lead.need,
        startsOn: '2026-06-01',
        endsOn: '2026-08-31',
        countries: ['DE', 'AT'],
        industries: ['manufacturing', 'financial_services'],
        sizeSegments: ['mid_market'],
        productLines: ['storage'],
      },
      campaignUrl: 'https://baton.example.com/campaigns/77',
      joinUrl: 'https://baton.example.com/campaign-answer/77.5.9.j.1790000000000.sig',
      declineUrl: 'https://baton.example.com/campaign-answer/77.5.9.d.1790000000000.sig',
    },
  };
}

const KINDS = Object.keys(fixtures()) as EmailKind[];

/** Each kind with the facts a reader must find in both parts. */
function keyFacts(message: EmailMessage): string[] {
  switch (message.kind) {
    case 'offer_new':
    case 'offer_reminder':
      return [
        message.lead.need,
        'Storage',
        'EUR 50k–100k',
        'Germany',
        'Manufacturing',
        'Mid-market',
        'Storage Refresh Q4',
        'Fri 27 Nov 2026, 14:00 CET',
        message.links.acceptUrl,
        message.links.declineUrl,
        message.links.offerUrl,
      ];
    case 'offer_expired':
    case 'offer_withdrawn':
      return [message.lead.need, '#1042', 'Fri 27 Nov 2026, 14:00 CET'];
    case 'offer_extended':
      return [
        message.lead.need,
        '#1042',
        'The new deadline is Fri 27 Nov 2026, 14:00 CET',
        message.links.acceptUrl,
        message.links.declineUrl,
        message.links.offerUrl,
      ];
    case 'lead_taken_back':
      return [
        message.lead.need,
        '#1042',
        'Fri 27 Nov 2026, 14:00 CET',
        'The lead and its customer record are no longer yours',
        message.reason,
      ];
    case 'offer_accepted':
      return [message.lead.need, '#1042', 'customer record', message.leadUrl];
    case 'offer_declined':
      return [message.lead.need, '#1042', message.reasonLabel, 'Fri 27 Nov 2026, 14:00 CET'];
    case 'opportunity_unroutable':
      return [
        message.opportunity.need,
        message.reasonLabel,
        'Portugal',
        'EUR 12,500.00',
        message.opportunityUrl,
      ];
    case 'lead_accepted':
      return [message.opportunity.need, message.partnerName, 'Fri 27 Nov 2026, 14:00 CET'];
    case 'registration_submitted':
      return [
        message.opportunity.need,
        message.partnerName,
        'another partner already works this account',
        'Fri 27 Nov 2026, 14:00 CET',
        message.registrationsUrl,
      ];
    case 'registration_decided':
      return message.decision.outcome === 'declined'
        ? [message.opportunity.need, 'Declined', message.decision.reason, message.decision.registrationUrl]
        : [message.opportunity.need, 'Approved', message.decision.leadUrl];
    case 'daily_digest':
      return ['Fri 27 Nov 2026', '128', '9', '3', '41', message.queueUrl, message.preferencesUrl];
    case 'password_reset':
      return [message.resetUrl, 'Fri 27 Nov 2026, 14:00 CET', 'once', 'ignore this email'];
    case 'sign_in_link':
      return [message.signInUrl, 'Fri 27 Nov 2026, 14:00 CET', 'once', 'press the button'];
    case 'campaign_invitation':
      return [
        message.campaign.name,
        message.campaign.goal,
        'Mon 1 Jun 2026 to Mon 31 Aug 2026',
        'Germany, Austria',
        'Manufacturing, Financial services',
        'Mid-market',
        'Storage',
        message.campaignUrl,
        message.joinUrl,
        message.declineUrl,
      ];
  }
}

describe('every email kind', () => {
  it.each(KINDS)('%s has a subject, a full HTML document and a plain-text part', (kind) => {
    const email = renderEmail(fixtures()[kind]);
    expect(email.subject.trim()).not.toBe('');
    expect(email.subject).not.toMatch(/\n/);
    expect(email.text.trim()).not.toBe('');
    expect(email.html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(email.html).toContain('<html lang="en"');
    expect(email.html).toContain('<meta charset="utf-8">');
    expect(email.html).toContain('max-width:600px');
    expect(email.html).toContain(`<title>${escapeHtml(email.subject)}</title>`);
    expect(email.html.trimEnd().endsWith('</html>')).toBe(true);
    // Many clients drop <style> blocks: every style must be inline.
    expect(email.html).not.toMatch(/<style|<link|<script/i);
    expect(email.text).toContain('You receive this');
    expect(email.html).toContain('You receive this');
  });

  it.each(KINDS)('%s shows its key facts in both parts', (kind) => {
    const message = fixtures()[kind];
    const email = renderEmail(message);
    for (const fact of keyFacts(message)) {
      expect(email.text).toContain(fact);
      expect(email.html).toContain(escapeHtml(fact));
    }
  });

  it.each(KINDS)('%s prints no undefined, null, NaN, object or template placeholder', (kind) => {
    for (const message of [
      fixtures()[kind],
      fixtures(berlin, { ...storageLead, campaignName: null })[kind],
    ]) {
      const email = renderEmail(message);
      for (const part of [email.subject, email.html, email.text]) {
        expect(part).not.toMatch(/undefined|null|NaN|\[object Object\]|Invalid Date/);
        expect(part).not.toContain('{{');
        expect(part).not.toContain('${');
      }
    }
  });

  it.each(KINDS)('%s keeps Persian and Chinese text intact in both parts', (kind) => {
    for (const need of [
      'نیاز به ذخیره‌سازی برای ۲۰۰ کاربر در تهران',
      '为苏州工厂更换存储阵列，预计明年春季完成',
    ]) {
      const email = renderEmail(fixtures(berlin, { ...storageLead, need })[kind]);
      if (kind === 'daily_digest' || kind === 'password_reset' || kind === 'sign_in_link') continue; // no need in these
      expect(email.text).toContain(need);
      expect(email.html).toContain(need);
    }
  });

  it.each(KINDS)('%s escapes markup from every data field in HTML and keeps it verbatim in text', (kind) => {
    const hostile = '<script>alert(1)</script> & "quotes" \'single\'';
    const recipient = { ...berlin, name: hostile };
    const lead = { ...storageLead, need: hostile, campaignName: hostile, valueBand: hostile };
    const base = fixtures(recipient, lead)[kind];
    const message: EmailMessage =
      base.kind === 'offer_new' ||
      base.kind === 'offer_reminder' ||
      base.kind === 'lead_accepted' ||
      base.kind === 'campaign_invitation'
        ? { ...base, partnerName: hostile }
        : base.kind === 'offer_declined' || base.kind === 'opportunity_unroutable'
          ? { ...base, reasonLabel: hostile }
          : base.kind === 'registration_submitted'
            ? { ...base, partnerName: hostile }
            : base.kind === 'registration_decided' && base.decision.outcome === 'declined'
              ? { ...base, decision: { ...base.decision, reason: hostile } }
              : base;
    const email = renderEmail(message);
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('"quotes"');
    expect(email.html).toContain(escapeHtml(hostile));
    expect(email.text).toContain(hostile);
  });
});

describe('the new-offer email', () => {
  it('has a short subject naming the lead and the deadline in the recipient zone', () => {
    expect(renderEmail(fixtures().offer_new).subject).toBe(
      'New lead: Storage for a mid-market manufacturer in Germany — answer by Fri 27 Nov, 14:00 CET',
    );
  });

  it('shows the same deadline at the local time of each recipient', () => {
    const tehran = renderEmail(fixtures({ ...berlin, timezone: 'Asia/Tehran' }).offer_new);
    const newYork = renderEmail(fixtures({ ...berlin, timezone: 'America/New_York' }).offer_new);
    for (const part of [tehran.text, tehran.html, tehran.subject]) expect(part).toContain('16:30 GMT+3:30');
    for (const part of [newYork.text, newYork.html, newYork.subject]) expect(part).toContain('08:00 EST');
    expect(tehran.text).toContain('Fri 27 Nov 2026, 16:30 GMT+3:30');
    expect(newYork.text).toContain('Fri 27 Nov 2026, 08:00 EST');
    expect(tehran.text).not.toContain('14:00');
  });

  it('offers Accept and Decline as buttons and as raw URLs on their own lines', () => {
    const email = renderEmail(fixtures().offer_new);
    expect(email.html).toContain(`href="${escapeHtml(offerLinks.acceptUrl)}"`);
    expect(email.html).toContain(`href="${escapeHtml(offerLinks.declineUrl)}"`);
    expect(email.html).toContain(`href="${escapeHtml(offerLinks.offerUrl)}"`);
    expect(email.html).toMatch(/<td[^>]*bgcolor[^>]*>\s*<a [^>]*>Accept<\/a>/);
    expect(email.html).toMatch(/<td[^>]*bgcolor[^>]*>\s*<a [^>]*>Decline<\/a>/);
    const lines = email.text.split('\n');
    expect(lines).toContain(offerLinks.acceptUrl);
    expect(lines).toContain(offerLinks.declineUrl);
    expect(lines).toContain(offerLinks.offerUrl);
  });

  it('leaves the campaign out when the lead has none', () => {
    const email = renderEmail(fixtures(berlin, { ...storageLead, campaignName: null }).offer_new);
    expect(email.text).not.toMatch(/^Campaign:/m);
    expect(email.html).not.toContain('>Campaign<');
  });

  it('falls back to UTC, named as such, for a zone it does not know', () => {
    const email = renderEmail(fixtures({ ...berlin, timezone: 'Mars/Olympus_Mons' }).offer_new);
    expect(email.text).toContain('Fri 27 Nov 2026, 13:00 UTC');
  });

  it('refuses a link that is not http(s)', () => {
    const message = fixtures().offer_new;
    if (message.kind !== 'offer_new') throw new Error('fixture mismatch');
    expect(() =>
      renderEmail({ ...message, links: { ...message.links, acceptUrl: 'javascript:alert(1)' } }),
    ).toThrow(/http/);
  });
});

describe('the other emails', () => {
  it('a reminder says in its subject how long is left', () => {
    expect(renderEmail(fixtures().offer_reminder).subject).toBe(
      'Reminder: 4 hours left to answer — Storage for a mid-market manufacturer in Germany',
    );
  });

  it('a lead accepted email for the coordinator is worded about their campaign', () => {
    const message = fixtures().lead_accepted;
    if (message.kind !== 'lead_accepted') throw new Error('fixture mismatch');
    const manager = renderEmail(message);
    const coordinator = renderEmail({ ...message, forCoordinator: true });
    expect(coordinator.subject).toContain('Campaign “Storage Refresh Q4”');
    expect(coordinator.text).toContain('your campaign “Storage Refresh Q4”');
    expect(coordinator.text).toContain('you coordinate the campaign');
    expect(manager.text).not.toContain('your campaign');
    expect(manager.text).toContain('channel manager');
  });

  it('the daily digest shows its four counts as a table and links the preferences', () => {
    const email = renderEmail(fixtures().daily_digest);
    expect(email.html).toMatch(/<th[^>]*>Offers pending<\/th>\s*<td[^>]*>128<\/td>/);
    expect(email.text).toMatch(/^Offers pending:\s+128$/m);
    expect(email.text).toContain('only this digest');
  });

  it('the password reset says the link works once and until when', () => {
    const email = renderEmail(fixtures({ ...berlin, timezone: 'America/New_York' }).password_reset);
    expect(email.text).toContain('The link works once, and only until Fri 27 Nov 2026, 08:00 EST.');
    expect(email.text).toContain('If you did not ask for this, ignore this email');
  });

  it('a registration to review says whether it is a conflict, without naming the other partner', () => {
    const message = fixtures().registration_submitted;
    if (message.kind !== 'registration_submitted') throw new Error('fixture mismatch');
    const flagged = renderEmail(message);
    const clear = renderEmail({ ...message, conflict: false });
    expect(flagged.subject).toBe(
      'Conflict: Kessler IT Systemhaus GmbH registered lead #1042, Security in Portugal',
    );
    expect(flagged.text).toContain('Flagged as a conflict');
    expect(clear.subject).not.toContain('Conflict');
    expect(clear.text).toContain('No other partner works this account');
    expect(clear.text).not.toContain('Flagged as a conflict');
  });

  it('an approved registration sends the partner to the lead; a declined one gives the reason', () => {
    const message = fixtures().registration_decided;
    if (message.kind !== 'registration_decided') throw new Error('fixture mismatch');
    const declined = renderEmail(message);
    expect(declined.subject).toBe('Registration declined: lead #1042, Security in Portugal');
    expect(declined.text).toMatch(/^Reason:\s+We already have this deal registered/m);
    const approved = renderEmail({
      ...message,
      decision: { outcome: 'approved', leadUrl: 'https://baton.example.com/leads/1042' },
    });
    expect(approved.subject).toBe('Registration approved: lead #1042, Security in Portugal');
    expect(approved.text).toContain('My leads');
    expect(approved.text.split('\n')).toContain('https://baton.example.com/leads/1042');
    expect(approved.text).not.toContain('Reason');
  });

  it('a campaign invitation offers one-click Join and Decline, and the campaign page', () => {
    const message = fixtures().campaign_invitation;
    if (message.kind !== 'campaign_invitation') throw new Error('fixture mismatch');
    const email = renderEmail(message);
    expect(email.subject).toBe('Invitation to the joint campaign “Storage Refresh Q4”');
    expect(email.html).toMatch(
      /<td[^>]*bgcolor[^>]*>\s*<a href="https:\/\/baton\.example\.com\/campaign-answer\/77\.5\.9\.j\.[^"]*"[^>]*>Join<\/a>/,
    );
    expect(email.html).toMatch(
      /<td[^>]*bgcolor[^>]*>\s*<a href="https:\/\/baton\.example\.com\/campaign-answer\/77\.5\.9\.d\.[^"]*"[^>]*>Decline<\/a>/,
    );
    expect(email.html).toContain('href="https://baton.example.com/campaigns/77"');
    expect(email.text).toContain(`Join the campaign:\n${message.joinUrl}`);
    expect(email.text).toContain(`Decline the invitation:\n${message.declineUrl}`);
    expect(email.text).toContain('The campaign in Baton:\nhttps://baton.example.com/campaigns/77');
    expect(email.text).toContain('nothing happens until you do');
    expect(email.text).toContain('admins answer campaign invitations');
    const open = renderEmail({
      ...message,
      campaign: {
        ...message.campaign,
        goal: '',
        startsOn: null,
        endsOn: null,
        countries: [],
        industries: [],
      },
    });
    expect(open.text).toMatch(/^Runs:\s+Dates not set yet$/m);
    expect(open.text).toMatch(/^Countries:\s+Any$/m);
    expect(open.text).not.toMatch(/^Goal:/m);
  });

  it('an earlier instant in a different zone can fall on another day', () => {
    const message = fixtures({ ...berlin, timezone: 'Pacific/Auckland' }).daily_digest;
    if (message.kind !== 'daily_digest') throw new Error('fixture mismatch');
    expect(renderEmail({ ...message, at: EARLIER }).text).toContain('Thu 26 Nov 2026');
  });
});
