// Entry point of a password worker thread. Plain JavaScript on purpose: a
// worker does not inherit the TypeScript loader that vitest or `node --import
// tsx` gave the parent, so it loads the TypeScript worker through tsx's API
// (scoped to that import, so a parent's own tsx registration does not clash).
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker.ts', import.meta.url);
