import { NotAvailable, type Context } from './context';

export async function runImport(_ctx: Context): Promise<void> {
  throw new NotAvailable('not written yet');
}
