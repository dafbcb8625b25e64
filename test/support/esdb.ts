import fs from 'node:fs';
import net from 'node:net';
import { createEsdbEventStore } from '../../src/eventstore/esdb';
import type { EventStore } from '../../src/eventstore/types';

/**
 * Where the EventStoreDB contract suite runs: EVENTSTORE_CONNECTION_STRING when
 * set, else a throwaway container (testcontainers) when a Docker engine answers,
 * else nowhere, with the reason. The Docker probe is a raw `/_ping` with a short
 * timeout, so a machine with only the Docker client never waits on it.
 */
export type EsdbTarget = { readonly available: true; readonly open: () => Promise<{ store: EventStore; close(): Promise<void> }> } | { readonly available: false; readonly reason: string };

/** The image started when no connection string is given (override with ESDB_IMAGE). */
export const ESDB_IMAGE = process.env.ESDB_IMAGE ?? 'eventstore/eventstore:24.10';
const PROBE_TIMEOUT_MS = 1500;

type DockerEndpoint = { readonly path: string } | { readonly host: string; readonly port: number };

/** The Docker engine endpoint from DOCKER_HOST, or the default unix socket. */
export function dockerEndpoint(dockerHost = process.env.DOCKER_HOST): DockerEndpoint {
  if (!dockerHost) return { path: '/var/run/docker.sock' };
  if (dockerHost.startsWith('unix://')) return { path: dockerHost.slice('unix://'.length) };
  const url = new URL(dockerHost.replace(/^tcp:\/\//, 'http://'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

function describe(endpoint: DockerEndpoint): string {
  return 'path' in endpoint ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}

/** Resolves with why the engine is not reachable, or undefined when it answered `/_ping`. */
export function probeDocker(endpoint = dockerEndpoint(), timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  if ('path' in endpoint && !fs.existsSync(endpoint.path)) return Promise.resolve(`${endpoint.path} does not exist`);
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const done = (reason: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const socket = 'path' in endpoint ? net.connect(endpoint.path) : net.connect(endpoint.port, endpoint.host);
    const timer = setTimeout(() => done(`${describe(endpoint)} did not answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('connect', () => socket.write('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (/^HTTP\/1\.[01] 200/.test(answer)) done(undefined);
      else if (/^HTTP\/1\.[01] \d{3}/.test(answer)) done(`${describe(endpoint)} answered ${answer.split('\r\n')[0]}`);
    });
    socket.on('error', (err) => done(`${describe(endpoint)}: ${err.message}`));
    socket.on('close', () => done(`${describe(endpoint)} closed the connection`));
  });
}

export async function esdbTarget(): Promise<EsdbTarget> {
  const url = process.env.EVENTSTORE_CONNECTION_STRING;
  if (url) {
    return {
      available: true,
      async open() {
        const store = createEsdbEventStore(url, { pollIntervalMs: 200 });
        return { store, close: () => store.close() };
      },
    };
  }

  const unreachable = await probeDocker();
  if (unreachable !== undefined) {
    return { available: false, reason: `EVENTSTORE_CONNECTION_STRING is not set and no Docker engine is reachable (${unreachable})` };
  }

  return {
    available: true,
    async open() {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer(ESDB_IMAGE)
        .withEnvironment({
          EVENTSTORE_INSECURE: 'true',
          EVENTSTORE_CLUSTER_SIZE: '1',
          EVENTSTORE_RUN_PROJECTIONS: 'None',
          EVENTSTORE_MEM_DB: 'true',
        })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((s) => s >= 200 && s < 300))
        .withStartupTimeout(120_000)
        .start();
      const store = createEsdbEventStore(`esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`, { pollIntervalMs: 200 });
      return {
        store,
        async close() {
          await store.close();
          await container.stop();
        },
      };
    },
  };
}
