import { describe, expect, it } from 'vitest';
import { postgresTimestampMs } from '../../src/commands/import/parse/supabase';
import { jsonl, parseAll, rowIssues } from './parse-helpers';

/**
 * How each provider's "may not sign in" state is read: the record's suspension reason
 * and its SUSPENDED_AT_SOURCE warning; a value that cannot be read fails the row
 * rather than importing an account that may be banned as active.
 */
const issues = (p: Awaited<ReturnType<typeof parseAll>>) =>
  rowIssues(p)
    .map((i) => `${i.line}:${i.code}:${i.field}`)
    .sort();
const reasons = (p: Awaited<ReturnType<typeof parseAll>>) => p.records.map((r) => r.suspendedAtSource ?? null);

describe('Auth0 blocked', () => {
  it('true suspends; false or absent does not', async () => {
    const user = (id: string, blocked?: boolean) => ({ user_id: `auth0|${id}`, email: `${id}@x.io`, ...(blocked === undefined ? {} : { blocked }) });
    const p = await parseAll(jsonl(user('a', true), user('b', false), user('c')), { format: 'auth0' });
    expect(reasons(p)).toEqual(['blocked in Auth0', null, null]);
    expect(issues(p)).toEqual(['1:SUSPENDED_AT_SOURCE:blocked']);
    expect(rowIssues(p)[0]!.severity).toBe('warning');
  });
});

describe('Supabase banned_until', () => {
  it('reads Postgres text timestamps, ISO 8601 and infinity; anything else is undefined', () => {
    expect(postgresTimestampMs('2125-01-05 10:00:00.123456+00')).toBe(Date.UTC(2125, 0, 5, 10, 0, 0, 123));
    expect(postgresTimestampMs('2125-01-05 10:00:00+05:30')).toBe(Date.UTC(2125, 0, 5, 4, 30));
    expect(postgresTimestampMs('2125-01-05 10:00:00-0800')).toBe(Date.UTC(2125, 0, 5, 18, 0));
    expect(postgresTimestampMs('2125-01-05T10:00:00Z')).toBe(Date.UTC(2125, 0, 5, 10));
    expect(postgresTimestampMs('2125-01-05 10:00:00')).toBe(Date.UTC(2125, 0, 5, 10));
    expect(postgresTimestampMs('infinity')).toBe(Number.POSITIVE_INFINITY);
    for (const bad of ['', 'tomorrow', '2125-01-05', '2125-13-45 99:00:00+00', '876000h']) expect(postgresTimestampMs(bad), bad).toBeUndefined();
  });

  const row = (id: string, bannedUntil: unknown) => ({ id, email: `${id}@x.io`, encrypted_password: null, banned_until: bannedUntil });
  const now = new Date('2030-06-01T00:00:00Z');

  it("compared with the import's clock: a ban after it suspends, a ban that has ended does not", async () => {
    const p = await parseAll(jsonl(row('future', '2030-06-01T00:00:01+00:00'), row('past', '2030-05-31T23:59:59+00:00'), row('forever', 'infinity'), row('none', null)), { format: 'supabase', now });
    expect(reasons(p)).toEqual(['banned in Supabase until 2030-06-01T00:00:01.000Z', null, 'banned in Supabase (no end)', null]);
    expect(issues(p)).toEqual(['1:SUSPENDED_AT_SOURCE:banned_until', '3:SUSPENDED_AT_SOURCE:banned_until']);
  });

  it('a banned_until that is not a timestamp fails the row (INVALID_FIELD)', async () => {
    const p = await parseAll(jsonl(row('bad', 'soon')), { format: 'supabase', now });
    expect(p.records).toEqual([]);
    expect(issues(p)).toEqual(['1:INVALID_FIELD:banned_until']);
  });
});

describe('Cognito enabled and user status', () => {
  const header = 'cognito:username,email,sub,Enabled,cognito:user_status';
  it('enabled false (any case), or COMPROMISED / ARCHIVED / DISABLED, suspends; other statuses do not', async () => {
    const csv = [header, 'u1,u1@x.io,s1,False,CONFIRMED', 'u2,u2@x.io,s2,true,compromised', 'u3,u3@x.io,s3,,ARCHIVED', 'u4,u4@x.io,s4,true,FORCE_CHANGE_PASSWORD', 'u5,u5@x.io,s5,,'].join('\n') + '\n';
    const p = await parseAll(csv, { format: 'cognito' });
    expect(reasons(p)).toEqual(['disabled in Cognito', 'disabled in Cognito (user status COMPROMISED)', 'disabled in Cognito (user status ARCHIVED)', null, null]);
    expect(issues(p).filter((i) => i.includes('SUSPENDED'))).toEqual(['2:SUSPENDED_AT_SOURCE:enabled', '3:SUSPENDED_AT_SOURCE:cognito:user_status', '4:SUSPENDED_AT_SOURCE:cognito:user_status']);
    expect(p.summary.warnings.filter((w) => w.code === 'UNKNOWN_COLUMN')).toEqual([]);
  });

  it('an enabled value that is not true/false fails the row', async () => {
    const p = await parseAll(`${header}\nu1,u1@x.io,s1,maybe,\n`, { format: 'cognito' });
    expect(p.records).toEqual([]);
    expect(issues(p)).toEqual(['2:INVALID_FIELD:enabled']);
  });
});

describe('Clerk banned (optional column)', () => {
  const header = 'id,primary_email_address,banned';
  it('true suspends, false does not; another value fails the row', async () => {
    const p = await parseAll(`${header}\nuser_1,a@x.io,true\nuser_2,b@x.io,false\nuser_3,c@x.io,perhaps\n`, { format: 'clerk' });
    expect(reasons(p)).toEqual(['banned in Clerk', null]);
    expect(issues(p)).toEqual(['2:SUSPENDED_AT_SOURCE:banned', '4:INVALID_FIELD:banned']);
  });
});
