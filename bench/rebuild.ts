import { NotAvailable, type Context } from './context';

export async function runRebuild(_ctx: Context): Promise<void> {
  throw new NotAvailable('not written yet');
}
