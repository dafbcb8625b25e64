import { describe, expect, it } from 'vitest';
import { hostListed, parseAllowList } from '../../src/net/endpoint-policy';
import { decideWebhook, evolveWebhook, type WebhookCommand, type WebhookState } from '../../src/domain/webhook/decider';
import type { WebhookEvent } from '../../src/domain/webhook/events';
import { backoffDelay } from '../../src/webhooks/delivery-outcomes';

const ID = 'webhook_0123456789abcdef0123456789abcdef';
const given = (events: WebhookEvent[]): WebhookState => events.reduce<WebhookState>(evolveWebhook, { status: 'none' });
const created: WebhookEvent = {
  type: 'WebhookCreated',
  data: { webhookId: ID, name: 'CRM', endpoint: 'https://crm.example.com/hooks', eventTypes: ['user.created'], includeImportedUsers: false },
};
const create = (over: Partial<Extract<WebhookCommand, { type: 'CreateWebhook' }>['data']> = {}): WebhookCommand => ({
  type: 'CreateWebhook',
  data: { webhookId: ID, name: 'CRM', endpoint: 'https://crm.example.com/hooks', eventTypes: ['user.created'], ...over },
});

describe('webhook decider', () => {
  it.each([
    ['an ftp URL', { endpoint: 'ftp://crm.example.com/x' }, 'INVALID_WEBHOOK_ENDPOINT'],
    ['a javascript: URL', { endpoint: 'javascript:alert(1)' }, 'INVALID_WEBHOOK_ENDPOINT'],
    ['a file: URL', { endpoint: 'file:///etc/passwd' }, 'INVALID_WEBHOOK_ENDPOINT'],
    ['credentials in the URL', { endpoint: 'https://user:pw@crm.example.com/x' }, 'INVALID_WEBHOOK_ENDPOINT'],
    ['not a URL', { endpoint: 'crm.example.com' }, 'INVALID_WEBHOOK_ENDPOINT'],
    ['an unknown event type', { eventTypes: ['user.exploded'] }, 'UNKNOWN_EVENT_TYPE'],
    ['no event types', { eventTypes: [] }, 'VALIDATION_FAILED'],
    ['a blank name', { name: '   ' }, 'VALIDATION_FAILED'],
  ] as const)('refuses %s', (_what, over, code) => {
    expect(() => decideWebhook(create(over as never), { status: 'none' })).toThrow(expect.objectContaining({ code }));
  });

  it('creates with http and https endpoints, de-duplicated event types and the import opt-in off by default', () => {
    for (const endpoint of ['http://localhost:9000/hook', 'https://crm.example.com/hooks?x=1']) {
      const [e] = decideWebhook(create({ endpoint, eventTypes: ['user.created', 'user.created', 'import.completed'] }), { status: 'none' });
      expect(e).toEqual({ type: 'WebhookCreated', data: expect.objectContaining({ endpoint, eventTypes: ['user.created', 'import.completed'], includeImportedUsers: false }) });
    }
  });

  it('refuses a second create on the same stream', () => {
    expect(() => decideWebhook(create(), given([created]))).toThrow(expect.objectContaining({ code: 'WEBHOOK_ALREADY_EXISTS' }));
  });

  it('an update that changes nothing produces no event', () => {
    expect(decideWebhook({ type: 'UpdateWebhook', data: { name: 'CRM', eventTypes: ['user.created'] } }, given([created]))).toEqual([]);
  });

  it('an update carries only what changed, and description null clears it', () => {
    const state = given([created, { type: 'WebhookUpdated', data: { description: 'old' } }]);
    const events = decideWebhook({ type: 'UpdateWebhook', data: { name: 'CRM 2', eventTypes: ['user.created'], description: null, includeImportedUsers: true } }, state);
    expect(events).toEqual([{ type: 'WebhookUpdated', data: { name: 'CRM 2', description: null, includeImportedUsers: true } }]);
    const after = events.reduce(evolveWebhook, state);
    expect(after).toMatchObject({ status: 'active', name: 'CRM 2', includeImportedUsers: true });
    expect(after).not.toHaveProperty('description');
  });

  it('update and delete of a missing webhook are WEBHOOK_NOT_FOUND; deleting twice is a no-op', () => {
    expect(() => decideWebhook({ type: 'UpdateWebhook', data: { name: 'x' } }, { status: 'none' })).toThrow(expect.objectContaining({ code: 'WEBHOOK_NOT_FOUND' }));
    expect(() => decideWebhook({ type: 'DeleteWebhook', data: {} }, { status: 'none' })).toThrow(expect.objectContaining({ code: 'WEBHOOK_NOT_FOUND' }));
    const deleted = given([created, { type: 'WebhookDeleted', data: {} }]);
    expect(decideWebhook({ type: 'DeleteWebhook', data: {} }, deleted)).toEqual([]);
    expect(() => decideWebhook({ type: 'UpdateWebhook', data: { name: 'x' } }, deleted)).toThrow(expect.objectContaining({ code: 'WEBHOOK_NOT_FOUND' }));
  });
});

describe('allow-list of host names (ROSTER_WEBHOOK_ALLOWED_HOSTS)', () => {
  it.each([
    ['crm.example.com', undefined, false],
    ['crm.example.com', [], false],
    ['crm.example.com', ['crm.example.com'], true],
    ['CRM.example.com', ['crm.example.com'], true],
    ['evil.com', ['crm.example.com'], false],
    ['a.hooks.example.com', ['*.hooks.example.com'], true],
    ['hooks.example.com', ['*.hooks.example.com'], false],
    ['xhooks.example.com', ['*.hooks.example.com'], false],
    ['localhost', ['localhost'], true],
  ] as const)('%s with %j -> %s', (host, list, ok) => {
    expect(hostListed(host, parseAllowList(list as readonly string[] | undefined))).toBe(ok);
  });
});

describe('backoff', () => {
  const o = { baseMs: 1000, maxMs: 60_000, jitter: 0.25 };
  it('doubles per attempt up to the cap, without jitter at the midpoint', () => {
    expect([1, 2, 3, 4, 7, 8, 30].map((a) => backoffDelay(a, o, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });
  it('jitters within ±25%', () => {
    expect(backoffDelay(3, o, () => 0)).toBe(3000);
    expect(backoffDelay(3, o, () => 1)).toBe(5000);
  });
});
