import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DEFAULT_PASSWORD_LIMITS, type PasswordLimits, type StoredPassword } from './types';
import type { WorkerConfig, WorkerRequestBody, WorkerResponse } from './worker';

/**
 * bcrypt and crypt verification are CPU-bound (~100 ms to ~1 s each), so a
 * server runs them on a pool of worker threads and its event loop keeps
 * answering other requests. The queue is small and bounded: when it is full,
 * callers get PasswordVerifierBusyError at once instead of waiting behind a
 * flood of sign-ins (the HTTP layer can answer 503 or 429).
 */
export interface PasswordVerifier {
  /** Constant-time verification of `plain` against a stored hash, off the main thread. */
  verify(stored: StoredPassword, plain: string): Promise<boolean>;
  /**
   * Verifies against a dummy bcrypt hash at the configured cost and always
   * resolves false: for unknown identities and users without a password, so
   * they cost what a real attempt costs.
   */
  verifyDummy(plain: string): Promise<false>;
  /** A new bcrypt StoredPassword at the configured cost. */
  hash(plain: string): Promise<StoredPassword>;
  /** Rejects queued work and stops the threads. */
  close(): Promise<void>;
}

export interface PasswordVerifierOptions {
  /** Worker threads; default: the number of cores. */
  readonly threads?: number;
  /** Requests allowed to wait when every thread is busy; default 64. */
  readonly maxQueue?: number;
  /** Cost of new bcrypt hashes (upgrades, dummy); default 12. */
  readonly bcryptCost?: number;
  readonly limits?: PasswordLimits;
}

export class PasswordVerifierBusyError extends Error {
  readonly code = 'PASSWORD_VERIFIER_BUSY';
  constructor() {
    super('password verification queue is full');
    this.name = 'PasswordVerifierBusyError';
  }
}

export class PasswordVerifierError extends Error {
  readonly code = 'PASSWORD_VERIFIER_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'PasswordVerifierError';
  }
}

export const DEFAULT_BCRYPT_COST = 12;

type Job = {
  readonly request: WorkerRequestBody;
  readonly resolve: (response: WorkerResponse) => void;
  readonly reject: (error: Error) => void;
};

interface Slot {
  worker: Worker;
  ready: boolean;
  job: (Job & { readonly id: number }) | null;
}

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export function createPasswordVerifier(options: PasswordVerifierOptions = {}): PasswordVerifier {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const maxQueue = Math.max(0, Math.floor(options.maxQueue ?? 64));
  const config: WorkerConfig = {
    limits: options.limits ?? DEFAULT_PASSWORD_LIMITS,
    bcryptCost: options.bcryptCost ?? DEFAULT_BCRYPT_COST,
  };
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  let dummy: Promise<StoredPassword> | null = null;

  function spawn(): Slot {
    // execArgv [] : the entry loads TypeScript itself, whatever the parent runs under.
    const worker = new Worker(ENTRY, { workerData: config, execArgv: [] });
    const slot: Slot = { worker, ready: false, job: null };
    worker.unref();
    worker.on('message', (message: WorkerResponse | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true;
        pump();
        return;
      }
      const job = slot.job;
      slot.job = null;
      worker.unref();
      if (job && job.id === message.id) job.resolve(message);
      pump();
    });
    const fail = (reason: string) => {
      const job = slot.job;
      slot.job = null;
      job?.reject(new PasswordVerifierError(reason));
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      if (!closed) {
        slots.push(spawn());
      }
    };
    // An error event is followed by exit; handle the loss once, on exit.
    worker.on('error', () => undefined);
    worker.on('exit', (code) => {
      if (slots.includes(slot)) fail(`password worker exited (code ${code})`);
    });
    return slot;
  }

  function pump(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job !== null) continue;
      const job = queue.shift()!;
      const id = nextId++;
      slot.job = { ...job, id };
      slot.worker.ref();
      slot.worker.postMessage({ ...job.request, id });
    }
  }

  function submit(request: Job['request']): Promise<WorkerResponse> {
    if (closed) return Promise.reject(new PasswordVerifierError('password verifier is closed'));
    const idle = slots.some((s) => s.ready && s.job === null);
    if (!idle && queue.length >= maxQueue) return Promise.reject(new PasswordVerifierBusyError());
    return new Promise<WorkerResponse>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      pump();
    });
  }

  function unwrap(response: WorkerResponse): WorkerResponse & { ok: true } {
    if (!response.ok) throw new PasswordVerifierError(`password worker failed (${response.error})`);
    return response;
  }

  for (let i = 0; i < threads; i++) slots.push(spawn());

  const verifier: PasswordVerifier = {
    async verify(stored, plain) {
      const response = unwrap(await submit({ op: 'verify', stored, plain }));
      if (!('verified' in response)) throw new PasswordVerifierError('unexpected worker response');
      return response.verified;
    },
    async hash(plain) {
      const response = unwrap(await submit({ op: 'hash', plain }));
      if (!('stored' in response)) throw new PasswordVerifierError('unexpected worker response');
      return response.stored;
    },
    async verifyDummy(plain) {
      if (dummy === null) {
        dummy = verifier.hash(randomBytes(32).toString('base64'));
        dummy.catch(() => {
          dummy = null;
        });
      }
      await verifier.verify(await dummy, plain);
      return false;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const job of queue.splice(0)) job.reject(new PasswordVerifierError('password verifier is closed'));
      const all = slots.splice(0);
      for (const slot of all) {
        slot.job?.reject(new PasswordVerifierError('password verifier is closed'));
        slot.job = null;
      }
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
  return verifier;
}
