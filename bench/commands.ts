import { NotAvailable, type Context } from './context';

export async function runCommands(_ctx: Context): Promise<void> {
  throw new NotAvailable('not written yet');
}
