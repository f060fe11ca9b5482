import { afterEach, describe, expect, it, vi } from 'vitest';
import { can, notFoundForForeign, partnerScope, PERMISSIONS, ROLE_PERMISSIONS } from './permissions.server';
import type { SessionUser } from './session.server';

const user = (overrides: Partial<SessionUser>): SessionUser => ({
  id: 7,
  email: 'someone@example.com',
  name: 'Someone',
  role: 'partner_rep',
  partnerId: 3,
  timezone: 'UTC',
  ...overrides,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the access rules', () => {
  it('let a partner rep read and answer their own company’s offers, never every company’s', () => {
    const rep = user({ role: 'partner_rep' });
    expect(can(rep, 'read:offer:own')).toBe(true);
    expect(can(rep, 'answer:offer:own')).toBe(true);
    expect(can(rep, 'read:offer:any')).toBe(false);
    expect(can(rep, 'read:routing-queue:any')).toBe(false);
    expect(can(rep, 'update:partner:own')).toBe(false);
  });

  it('give a partner admin the rep’s rights plus the company profile and its users', () => {
    const admin = user({ role: 'partner_admin' });
    for (const permission of ROLE_PERMISSIONS.partner_rep) expect(can(admin, permission)).toBe(true);
    expect(can(admin, 'update:partner:own')).toBe(true);
    expect(can(admin, 'create:user:own')).toBe(true);
    expect(can(admin, 'update:partner:any')).toBe(false);
  });

  it('give no partner role any `any` permission', () => {
    for (const role of ['partner_rep', 'partner_admin'] as const) {
      expect(ROLE_PERMISSIONS[role].filter((p) => p.endsWith(':any'))).toEqual([]);
    }
  });

  it('let a channel manager see the routing queue but not manage campaigns', () => {
    const manager = user({ role: 'channel_manager', partnerId: null });
    expect(can(manager, 'read:routing-queue:any')).toBe(true);
    expect(can(manager, 'read:offer:own')).toBe(true);
    expect(can(manager, 'update:campaign:any')).toBe(false);
  });

  it('keep the routing queue from campaign coordinators', () => {
    expect(can(user({ role: 'campaign_coordinator', partnerId: null }), 'read:routing-queue:any')).toBe(
      false,
    );
  });

  it('give an admin every vendor-wide permission, but not the partner’s own acts', () => {
    const admin = user({ role: 'admin', partnerId: null });
    for (const permission of PERMISSIONS.filter((p) => p.endsWith(':any'))) {
      expect(can(admin, permission), permission).toBe(true);
    }
    // Answering an offer or working a lead is the partner's word; staff act through their own actions.
    expect(can(admin, 'answer:offer:own')).toBe(false);
    expect(can(admin, 'update:lead:own')).toBe(false);
  });
});

describe('partnerScope', () => {
  it('limits a partner user to their own company and leaves vendor staff unscoped', () => {
    expect(partnerScope(user({ role: 'partner_admin', partnerId: 42 }))).toEqual({ partnerId: 42 });
    expect(partnerScope(user({ role: 'channel_manager', partnerId: null }))).toBeNull();
    expect(partnerScope(user({ role: 'admin', partnerId: null }))).toBeNull();
  });
});

describe('notFoundForForeign', () => {
  it('answers 404, exactly like a missing record, and logs who asked for what', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let thrown: unknown;
    try {
      notFoundForForeign(user({ id: 12, partnerId: 3 }), 'offer', 991);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(404);
    expect(await (thrown as Response).text()).not.toContain('991');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/user 12 .*partner 3.* foreign offer 991/);
  });
});
