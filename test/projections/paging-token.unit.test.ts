import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from '../../src/projections/support';

/** The one paging-token helper (lists, audit, imports, webhook deliveries): opaque base64url JSON of the last row's sort keys. */
describe('paging tokens', () => {
  it('round-trips the sort keys of the last row', () => {
    expect(decodeToken(encodeToken(['2026-03-01T10:00:00.000Z', 'imp_1']), 2)).toEqual(['2026-03-01T10:00:00.000Z', 'imp_1']);
    expect(decodeToken(encodeToken([42]), 1)).toEqual([42]);
  });
  it('no token is the first page', () => {
    expect(decodeToken(undefined, 1)).toBeUndefined();
  });
  it.each([
    ['not base64url JSON', 'not-a-token'],
    ['the wrong number of keys', encodeToken([1, 2])],
    ['not a list', Buffer.from('{"a":1}').toString('base64url')],
  ])('%s is refused as INVALID_NEXT_TOKEN (kind invalid)', (_name, token) => {
    expect(() => decodeToken(token, 1)).toThrow(expect.objectContaining({ code: 'INVALID_NEXT_TOKEN', kind: 'invalid' }));
  });
});
