import { parentPort, workerData } from 'node:worker_threads';
import { hashPassword, verifyPasswordSync } from './stored-password';
import type { PasswordLimits, StoredPassword } from './types';

/** Messages between pool.ts and this thread. Never echo passwords or hashes back in errors. */
export type WorkerRequestBody = { readonly op: 'verify'; readonly stored: StoredPassword; readonly plain: string } | { readonly op: 'hash'; readonly plain: string };
export type WorkerRequest = WorkerRequestBody & { readonly id: number };

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly verified: boolean }
  | { readonly id: number; readonly ok: true; readonly stored: StoredPassword }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface WorkerConfig {
  readonly limits: PasswordLimits;
  readonly bcryptCost: number;
}

function handle(request: WorkerRequest, config: WorkerConfig): WorkerResponse {
  switch (request.op) {
    case 'verify':
      return { id: request.id, ok: true, verified: verifyPasswordSync(request.stored, request.plain, config.limits) };
    case 'hash':
      return { id: request.id, ok: true, stored: hashPassword(request.plain, config.bcryptCost) };
    default: {
      const never: never = request;
      return never;
    }
  }
}

if (parentPort) {
  const port = parentPort;
  const config = workerData as WorkerConfig;
  port.on('message', (request: WorkerRequest) => {
    let response: WorkerResponse;
    try {
      response = handle(request, config);
    } catch (error) {
      // Only the error's class travels back: its message could quote input.
      response = { id: request.id, ok: false, error: error instanceof Error ? error.name : 'Error' };
    }
    port.postMessage(response);
  });
  port.postMessage({ ready: true });
}
