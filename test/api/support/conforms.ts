import * as kinde from '@kinde/management-api-js';

/**
 * Checks a response body against one of the JSON schemas shipped in
 * @kinde/management-api-js (schemas.gen: `$users_response`, `$user`, …):
 * types, `nullable`, enums, `$ref`s into the same set. Returns the problems found.
 */
type Schema = {
  type?: string;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: readonly unknown[];
  $ref?: string;
  additionalProperties?: Schema | boolean;
};

function resolve(ref: string): Schema {
  const name = ref.replace('#/components/schemas/', '');
  const s = (kinde as unknown as Record<string, Schema>)[`$${name}`];
  if (!s) throw new Error(`schema ${name} is not exported by @kinde/management-api-js`);
  return s;
}

export function problems(schema: Schema | string, value: unknown, path = '$'): string[] {
  const s: Schema = typeof schema === 'string' ? resolve(`#/components/schemas/${schema}`) : schema.$ref ? resolve(schema.$ref) : schema;
  if (value === null) return s.nullable ? [] : [`${path}: null where ${s.type ?? 'a value'} is expected`];
  if (value === undefined) return [];
  const out: string[] = [];
  switch (s.type) {
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected object`];
      for (const [k, sub] of Object.entries(s.properties ?? {})) out.push(...problems(sub, (value as Record<string, unknown>)[k], `${path}.${k}`));
      break;
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected array`];
      value.forEach((v, i) => out.push(...(s.items ? problems(s.items, v, `${path}[${i}]`) : [])));
      break;
    case 'string':
      if (typeof value !== 'string') out.push(`${path}: expected string, got ${JSON.stringify(value)}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(`${path}: expected boolean`);
      break;
    case 'integer':
    case 'number':
      if (typeof value !== 'number') out.push(`${path}: expected number`);
      break;
    default:
      break;
  }
  if (s.enum && !s.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${s.enum.join(', ')}`);
  return out;
}
