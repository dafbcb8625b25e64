import type { Knex } from 'knex';
import { issueSetupToken, SETUP_TOKEN_HOURS } from './setup-token';

/** Where the console is reached: the public URL when configured, else the listening host and port. */
export function consoleBaseUrl(publicUrl: string | undefined, host: string, port: number): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/**
 * At start, while no operator exists: a fresh one-time setup link, printed on
 * stdout (never the log, which may be shipped elsewhere). Returns the link.
 */
export async function announceSetupLink(knex: Knex, baseUrl: string, print: (text: string) => void): Promise<string | undefined> {
  const token = await issueSetupToken(knex);
  if (!token) return undefined;
  const link = `${baseUrl}/admin/setup?token=${token}`;
  print(
    [
      'No operator exists yet. Create the first one in the admin console with this one-time link',
      `(valid ${SETUP_TOKEN_HOURS} hours; a restart issues a new one and the old one stops working):`,
      `  ${link}`,
      '',
    ].join('\n'),
  );
  return link;
}
