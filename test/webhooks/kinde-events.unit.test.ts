import { describe, expect, it } from 'vitest';
import type { RecordedEvent, Source } from '../../src/eventstore/types';
import { kindeEventKind, webhookSource } from '../../src/webhooks/kinde-event-type';
import { domainEventIdOf, toKindeEvent, webhookEventId, type MappingView } from '../../src/webhooks/kinde-events';
import { webhooksFor } from '../../src/webhooks/outbox-configs';

const empty: MappingView = { user: () => undefined, role: () => undefined, permission: () => undefined, organization: () => undefined };
const recorded = (streamId: string, type: string, data: unknown, source: Source = 'admin'): RecordedEvent => ({
  id: '0190c5a1-7b2e-7c3d-8e4f-a0b1c2d3e4f5',
  streamId,
  type,
  data,
  revision: 0,
  position: '1',
  recordedAt: new Date('2026-03-03T10:00:00.000Z'),
  metadata: { actor: { type: 'admin' }, source, occurredAt: '2026-03-03T09:59:59.000Z' },
});

describe('mapping domain events to Kinde webhook events', () => {
  it('event ids are stable per domain event and reversible, so receivers can de-duplicate', () => {
    const id = webhookEventId('0190C5A1-7B2E-7C3D-8E4F-A0B1C2D3E4F5');
    expect(id).toBe('event_0190c5a17b2e7c3d8e4fa0b1c2d3e4f5');
    expect(domainEventIdOf(id)).toBe('0190c5a1-7b2e-7c3d-8e4f-a0b1c2d3e4f5');
    expect(domainEventIdOf('event_nothex')).toBeUndefined();
  });

  it.each([
    ['admin', 'admin'],
    ['api', 'api'],
    ['self', 'user'],
    ['import', 'import'],
    ['system', 'admin'],
  ] as const)('source %s -> %s', (from, to) => {
    expect(webhookSource(from)).toBe(to);
  });

  it('import job events tolerate absent fields', () => {
    expect(toKindeEvent(recorded('import-imp_9', 'ImportStarted', {}), empty)).toEqual({
      type: 'import.started',
      event_id: 'event_0190c5a17b2e7c3d8e4fa0b1c2d3e4f5',
      source: 'admin',
      timestamp: '2026-03-03T09:59:59.000Z',
      data: { import: { id: 'imp_9', status: 'started' } },
    });
    expect(toKindeEvent(recorded('import-imp_9', 'ImportFailed', { importId: 'imp_9', counts: { rows: 4, junk: 'x' }, errors: [{}, {}] }), empty)!.data).toEqual({
      import: { id: 'imp_9', status: 'failed', counts: { rows: 4 }, error_count: 2 },
    });
  });

  it('events Kinde sends nothing for map to null', () => {
    for (const type of ['ReservationClaimed', 'UserPropertySet', 'MfaFactorEnrolled', 'ImportBatchProcessed', 'BusinessSettingsUpdated']) {
      expect(toKindeEvent(recorded('user-kp_00000000000000000000000000000001', type, {}), empty)).toBeNull();
    }
  });

  it.each([
    ['user-kp_00000000000000000000000000000001', 'UserImported', { isNew: true }, 'api', { type: 'user.created', source: 'import' }],
    ['user-kp_00000000000000000000000000000001', 'UserImported', { isNew: false }, 'admin', { type: 'user.updated', source: 'import' }],
    ['user-kp_00000000000000000000000000000001', 'UserSignedUp', {}, 'self', { type: 'user.created', source: 'user' }],
    ['user-kp_00000000000000000000000000000001', 'RoleAssignedToUser', {}, 'api', { type: 'user.updated', source: 'api' }],
    ['role-role_1', 'PermissionAddedToRole', {}, 'admin', { type: 'role.updated', source: 'admin' }],
    ['user-kp_00000000000000000000000000000001', 'UserPropertySet', {}, 'api', null],
  ] as const)('the webhook event type is known from the domain event alone, before any state: %s %s', (streamId, type, data, source, kind) => {
    expect(kindeEventKind(recorded(streamId, type, data, source))).toEqual(kind);
  });

  it('routes imported user events only to webhooks that opted in; other events to every subscriber', () => {
    const configs = [
      { webhook_id: 'a', event_types: ['user.created'], include_imported_users: true, deleted: false },
      { webhook_id: 'b', event_types: ['user.created'], include_imported_users: false, deleted: false },
      { webhook_id: 'c', event_types: ['user.created'], include_imported_users: true, deleted: true },
      { webhook_id: 'd', event_types: ['import.completed'], include_imported_users: false, deleted: false },
    ];
    const ev = (type: 'user.created' | 'import.completed', source: 'api' | 'import') => ({ type, source, event_id: 'e', timestamp: 't', data: {} });
    expect(webhooksFor(ev('user.created', 'api'), configs)).toEqual(['a', 'b']);
    expect(webhooksFor(ev('user.created', 'import'), configs)).toEqual(['a']);
    expect(webhooksFor(ev('import.completed', 'import'), configs)).toEqual(['d']);
  });
});
