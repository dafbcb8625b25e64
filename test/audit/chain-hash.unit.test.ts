import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, entryHash, GENESIS_HASH } from '../../src/projections/audit/entry';

/*
 * The audit chain's hash format must never change: entries written by an older
 * Roster are verified by a newer one. The expected text and hash come from
 * Python's json and hashlib, not from Roster:
 *   json.dumps(entry, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
 *   hashlib.sha256((prev_hash + text).encode()).hexdigest()
 */
const entry = {
  seq: 7,
  id: '0b5e2f4e-4d7c-4a43-9d2a-2f8f3c1d9e10',
  type: 'user.created',
  occurred_on: '2026-03-01T10:00:00.000Z',
  actor: { type: 'admin', id: 'admin_1' },
  source: 'admin',
  user_id: 'kp_1',
  email: 'ann@example.com',
  org_codes: ['org_a', 'org_b'],
  ip: null,
  user_agent: null,
  location: null,
  details: { zeta: [1, { b: 2, a: 'é"q' }], alpha: true },
  prev_hash: GENESIS_HASH,
};

describe('audit chain hash', () => {
  it('canonical JSON sorts keys at every level, as Python json.dumps(sort_keys=True) does', () => {
    expect(canonicalJson(entry)).toBe(
      '{"actor":{"id":"admin_1","type":"admin"},"details":{"alpha":true,"zeta":[1,{"a":"é\\"q","b":2}]},"email":"ann@example.com","id":"0b5e2f4e-4d7c-4a43-9d2a-2f8f3c1d9e10","ip":null,"location":null,"occurred_on":"2026-03-01T10:00:00.000Z","org_codes":["org_a","org_b"],"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":7,"source":"admin","type":"user.created","user_agent":null,"user_id":"kp_1"}',
    );
  });

  it('an entry hashes to sha256(prev_hash + canonical JSON), as computed by Python hashlib', () => {
    expect(entryHash(entry)).toBe('d405a3c2b84604e2def0c8c529df00a6e73fbe436d2fe29c90772223dd52078c');
  });

  it('undefined members are left out, undefined array items are null, dates are ISO strings', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, new Date('2026-01-02T03:04:05.000Z')] })).toBe('{"a":[null,"2026-01-02T03:04:05.000Z"]}');
  });

  it('hashes every entry as sha256(prev_hash + canonicalJson(entry)): nulls, no organizations, non-ASCII details', () => {
    const other = {
      ...entry,
      seq: 8,
      actor: { type: 'system', id: null },
      email: null,
      org_codes: [],
      ip: '10.0.0.1',
      user_agent: 'ua "quoted"',
      location: 'Zürich',
      details: { nested: { z: null, a: [{ y: 1, x: 'ü\n' }] }, password: { method: 'bcrypt' } },
      prev_hash: 'ab'.repeat(32),
    };
    const expected = createHash('sha256').update(other.prev_hash).update(canonicalJson(other)).digest('hex');
    expect(entryHash(other)).toBe(expected);
  });
});
