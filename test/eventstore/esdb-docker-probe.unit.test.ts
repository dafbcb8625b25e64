import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerEndpoint, probeDocker } from '../support/esdb';

/**
 * The Docker probe decides whether the EventStoreDB suite runs. It must fail fast
 * (this machine has the Docker client but no engine) and never hang.
 */
describe('Docker engine probe', () => {
  const servers: net.Server[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const socketPath = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
    dirs.push(dir);
    return path.join(dir, 'docker.sock');
  };
  const serve = (p: string, onData: (socket: net.Socket) => void) =>
    new Promise<void>((resolve) => {
      const server = net.createServer((socket) => socket.once('data', () => onData(socket)));
      servers.push(server);
      server.listen(p, resolve);
    });

  it.each([
    [undefined, { path: '/var/run/docker.sock' }],
    ['unix:///run/user/0/docker.sock', { path: '/run/user/0/docker.sock' }],
    ['tcp://docker:2376', { host: 'docker', port: 2376 }],
    ['tcp://10.0.0.5', { host: '10.0.0.5', port: 2375 }],
  ])('reads DOCKER_HOST=%s', (host, endpoint) => {
    expect(dockerEndpoint(host)).toEqual(endpoint);
  });

  it('reports a missing socket without connecting', async () => {
    expect(await probeDocker({ path: '/nonexistent/docker.sock' })).toBe('/nonexistent/docker.sock does not exist');
  });

  it('gives up on an engine that never answers, within the timeout', async () => {
    const p = socketPath();
    await serve(p, () => {}); // accepts, reads, never answers
    const started = performance.now();
    expect(await probeDocker({ path: p }, 200)).toMatch(/did not answer within 200 ms/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('accepts an engine that answers /_ping with 200', async () => {
    const p = socketPath();
    await serve(p, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK'));
    expect(await probeDocker({ path: p }, 2000)).toBeUndefined();
  });

  it('refuses an endpoint that answers with an error status', async () => {
    const p = socketPath();
    await serve(p, (s) => s.end('HTTP/1.1 500 Internal Server Error\r\n\r\n'));
    expect(await probeDocker({ path: p }, 2000)).toMatch(/answered HTTP\/1.1 500/);
  });

  it('reports a refused TCP connection', async () => {
    const server = net.createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    servers.pop();
    expect(await probeDocker({ host: '127.0.0.1', port }, 2000)).toMatch(/ECONNREFUSED/);
  });
});
