/**
 * Roster's dependency rule (CONTRIBUTING.md): imports point one way.
 *
 *   domain  <-  eventstore / commands / projections (+ webhooks beside them)  <-  http / cli
 *
 * db, passwords, logger and config are infrastructure the middle layers use;
 * src/runtime.ts, src/server.ts and src/all-projections.ts are composition
 * roots that may import anything and are imported only from the top.
 * Run: npm run depcheck
 */
const UPPER = '^src/(commands|projections|webhooks|http|cli)/';
const ROOTS = '^src/(runtime|server|all-projections)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds pure deciders and rules: it imports nothing of Roster outside itself.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'eventstore-below-use-cases',
      comment: 'The event store knows events, not the commands, read models or edges that use it.',
      severity: 'error',
      from: { path: '^src/eventstore/' },
      to: { path: [UPPER, ROOTS] },
    },
    {
      name: 'infrastructure-below-use-cases',
      comment: 'db, passwords, logger and config are used by the layers above; they do not reach up.',
      severity: 'error',
      from: { path: ['^src/(db|passwords|net)/', '^src/(logger|config)\\.ts$'] },
      to: { path: [UPPER, ROOTS] },
    },
    {
      name: 'commands-do-not-read-models',
      comment: 'The write side decides from streams (and unique-value rows), never from read models or edges.',
      severity: 'error',
      from: { path: '^src/commands/' },
      to: { path: ['^src/(projections|webhooks|http|cli)/', ROOTS] },
    },
    {
      name: 'projections-do-not-write',
      comment: 'Read models fold recorded events; they do not import commands, webhooks or edges.',
      severity: 'error',
      from: { path: '^src/projections/' },
      to: { path: ['^src/(commands|webhooks|http|cli)/', ROOTS] },
    },
    {
      name: 'webhooks-beside-projections',
      comment: 'Webhooks build on the projection framework and the store, never on commands or edges.',
      severity: 'error',
      from: { path: '^src/webhooks/' },
      to: { path: ['^src/(commands|http|cli)/', ROOTS] },
    },
    {
      name: 'http-does-not-import-cli',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: ['^src/cli/', '^src/(runtime|all-projections)\\.ts$'] },
    },
    {
      name: 'no-circular',
      comment: 'A cycle hides which module owns what (type-only imports, such as the CLI command registry type, do not count).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
