import fs from 'node:fs';
import path from 'node:path';

/*
 * Where the time of a profiled process went: a V8 .cpuprofile (node --cpu-prof)
 * folded into self time per function and per area (parser, domain, event store,
 * projections, pg driver, zod, GC, idle…).
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const AREAS: readonly [RegExp, string][] = [
  [/\/src\/commands\/import\/parse\//, 'import parser'],
  [/\/src\/commands\/import\//, 'import apply/run'],
  [/\/src\/commands\//, 'commands'],
  [/\/src\/domain\//, 'domain deciders'],
  [/\/src\/eventstore\//, 'event store'],
  [/\/src\/projections\//, 'projections'],
  [/\/src\/passwords\//, 'passwords'],
  [/\/src\//, 'other src'],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//, 'pg driver'],
  [/node_modules\/knex\//, 'knex'],
  [/node_modules\/zod\//, 'zod'],
  [/node_modules\/libphonenumber-js\//, 'libphonenumber'],
  [/node_modules\/rxjs\//, 'rxjs'],
  [/node_modules\//, 'other node_modules'],
  [/^node:|^internal\//, 'node core'],
];

function areaOf(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle (waiting on I/O)';
  if (functionName === '(program)') return 'V8 / native';
  for (const [re, name] of AREAS) if (re.test(url)) return name;
  return url === '' ? `native: ${functionName || '(anonymous)'}` : 'other';
}

export interface ProfileSummary {
  readonly file: string;
  readonly total_ms: number;
  readonly by_area: Record<string, number>;
  readonly top_functions: { fn: string; where: string; self_ms: number; share: number }[];
  /** Self time charged to the nearest Roster source file on the stack (so pg driver and JSON work land on their caller). */
  readonly by_roster_file: Record<string, number>;
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const area = new Map<string, number>();
  const fn = new Map<string, { where: string; us: number }>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const a = areaOf(n);
    area.set(a, (area.get(a) ?? 0) + us);
    const where = n.callFrame.url ? `${n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`;
    const cur = fn.get(key) ?? { where, us: 0 };
    cur.us += us;
    fn.set(key, cur);
  }
  const share = (us: number) => Math.round((us / total) * 1000) / 10;
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byFile = new Map<string, number>();
  for (const [id, us] of self) {
    let cur: number | undefined = id;
    let file = areaOf(byId.get(id)!);
    while (cur !== undefined) {
      const url = byId.get(cur)!.callFrame.url;
      const m = /\/(src\/.*)$/.exec(url);
      if (m && !url.includes('node_modules')) {
        file = m[1]!;
        break;
      }
      cur = parent.get(cur);
    }
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  return {
    file: path.basename(file),
    total_ms: Math.round(total / 1000),
    by_area: Object.fromEntries([
      ...[...area.entries()]
        .filter(([, v]) => v / total >= 0.003)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, share(v)] as const),
      ['other (under 0.3% each)', share([...area.values()].filter((v) => v / total < 0.003).reduce((a, b) => a + b, 0))] as const,
    ]),
    top_functions: [...fn.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([k, v]) => ({ fn: k.split(' ')[0]!, where: v.where, self_ms: Math.round(v.us / 1000), share: share(v.us) })),
    by_roster_file: Object.fromEntries(
      [...byFile.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .map(([k, v]) => [k, share(v)]),
    ),
  };
}
