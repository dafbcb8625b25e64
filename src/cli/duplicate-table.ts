/** The dry run's POSSIBLE_DUPLICATE warnings as a table: line, user key, field, then what the row probably duplicates. */
export function duplicateTable(dups: readonly { line: number; user_key: string | null; field: string | null; message: string }[]): string {
  if (!dups.length) return '';
  const rows = dups.map((d) => [String(d.line), d.user_key ?? '', d.field ?? '', d.message]);
  const head = ['line', 'user', 'field', 'possible duplicate'];
  const width = [0, 1, 2].map((i) => Math.min(40, Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length))));
  const cell = (v: string, w: number) => (v.length > w ? `${v.slice(0, w - 1)}…` : v.padEnd(w));
  const line = (r: readonly string[]) =>
    `  ${r
      .slice(0, 3)
      .map((v, i) => cell(v, width[i]!))
      .join('  ')}  ${r[3]}\n`;
  return `\nPOSSIBLE_DUPLICATE (${dups.length}):\n${line(head)}${rows.map(line).join('')}`;
}
