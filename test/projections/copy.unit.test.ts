import { describe, expect, it } from 'vitest';
import { copyBytes } from '../../src/projections/copy';

describe('COPY text of read-model rows', () => {
  it('escapes what COPY reads specially and writes NULL, booleans, arrays and JSON', () => {
    const text = copyBytes({ id: 'text', name: 'text', ok: 'text', n: 'text', tags: 'text[]', doc: 'json', gone: 'text' }, [
      { id: 'u1', name: 'a\tb\nc\\d\re', ok: true, n: 3, tags: ['x', 'y "q"', 'back\\slash', null], doc: { s: 'line\nbreak', t: '\\' }, gone: null },
    ]).toString('utf8');
    expect(text).toBe('u1\ta\\tb\\nc\\\\d\\re\tt\t3\t{"x","y \\\\"q\\\\"","back\\\\\\\\slash",NULL}\t{"s":"line\\\\nbreak","t":"\\\\\\\\"}\t\\N\n');
  });

  it('encodes every row as UTF-8, one line each, in order', () => {
    const bytes = copyBytes({ id: 'text', name: 'text' }, [
      { id: 'a', name: 'Zoë' },
      { id: 'b', name: '李 🙂' },
      { id: 'c', name: null },
    ]);
    expect(bytes.equals(Buffer.from('a\tZoë\nb\t李 🙂\nc\t\\N\n', 'utf8'))).toBe(true);
  });
});
