import type { Router } from 'express';
import { z } from 'zod';
import type { Endpoint, EndpointRegistry } from '../api';
import { ALL_SCOPES } from '../scopes';

/**
 * GET /api/v1/openapi.json: an OpenAPI 3.1 document generated from the same zod
 * schemas the routes parse requests with, so it cannot drift from them.
 */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
}

function parameters(e: Endpoint): object[] {
  const out: object[] = [];
  for (const [where, schema] of [
    ['path', e.params],
    ['query', e.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema) as { properties?: Record<string, object>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
    }
  }
  return out;
}

const errorResponse = {
  description: 'Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: { errors: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
      },
    },
  },
};

export function buildOpenApi(registry: EndpointRegistry) {
  const paths: Record<string, Record<string, object>> = {};
  for (const e of registry.endpoints) {
    const path = e.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][e.method] = {
      summary: e.summary,
      ...(e.operationId ? { operationId: e.operationId } : {}),
      security: [{ kindeBearerAuth: [e.scope] }],
      'x-required-scope': e.scope,
      parameters: parameters(e),
      ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(e.body) } } } } : {}),
      responses: {
        [String(e.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: e.response ? jsonSchema(e.response) : { type: 'object' } } } },
        '400': errorResponse,
        '403': errorResponse,
        '404': errorResponse,
        '409': errorResponse,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Roster Management API', version: '1', description: "Compatible with Kinde's Management API; Roster's additions follow the same conventions." },
    components: {
      securitySchemes: {
        kindeBearerAuth: {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: '/oauth2/token', scopes: Object.fromEntries(ALL_SCOPES.map((s) => [s, s])) } },
        },
      },
    },
    paths,
  };
}

export function openApiRoutes(registry: EndpointRegistry) {
  let cached: object | undefined;
  return (router: Router) => {
    router.get('/api/v1/openapi.json', (_req, res) => {
      res.json((cached ??= buildOpenApi(registry)));
    });
  };
}
