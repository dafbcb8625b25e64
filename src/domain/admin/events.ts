import { z } from 'zod';
import type { DomainEvent } from '../shared';

/**
 * What operators do outside the user-management aggregates: operators created,
 * disabled, signing in and out; API clients created and revoked; projection
 * rebuilds and webhook retries asked for. Operators and API clients are
 * credentials kept in their own tables (no aggregate to fold), but every change
 * to them is still an event, so the audit log — a projection of the feed — has
 * it. Like the webhook events these are outside the domain catalogue
 * (src/domain/events.ts); no secret, hash or token is ever part of them.
 *
 * Streams:
 *   operator-<op_…>              an operator's life: created, disabled, sign-ins
 *   operator-sign-in-failures    failed sign-ins for an email no operator has
 *   api-client-<client id>       created, revoked
 *   system-projections           rebuilds asked for
 *   system-webhooks              manual delivery retries
 */
const OperatorId = z.string().regex(/^op_[0-9a-f]{8,64}$/);
const Email = z.string().min(1).max(320);

export const adminEventSchemas = {
  OperatorCreated: z.object({ operatorId: OperatorId, email: Email, totp: z.boolean(), firstOperator: z.boolean() }),
  OperatorDisabled: z.object({ operatorId: OperatorId, email: Email }),
  OperatorSignedIn: z.object({ operatorId: OperatorId, email: Email }),
  /** `operatorId` absent: no operator has the email. The email is the one typed (audit trail of attempts). */
  OperatorSignInFailed: z.object({
    operatorId: OperatorId.optional(),
    email: Email,
    reason: z.enum(['unknown_operator', 'operator_disabled', 'wrong_password', 'wrong_code']),
  }),
  OperatorSignedOut: z.object({ operatorId: OperatorId, email: Email }),
  ApiClientCreated: z.object({ clientId: z.string().min(1).max(200), name: z.string().min(1).max(200), scopes: z.array(z.string()) }),
  ApiClientRevoked: z.object({ clientId: z.string().min(1).max(200) }),
  ProjectionRebuildRequested: z.object({ projection: z.string().min(1).max(100), version: z.number().int() }),
  WebhookDeliveryRetryRequested: z.object({ webhookId: z.string().min(1).max(100), deliveryId: z.number().int() }),
} as const;

type Schemas = typeof adminEventSchemas;
export type AdminEventType = keyof Schemas;
export type AdminEvent = { [K in AdminEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[AdminEventType];

export function isAdminEventType(type: string): type is AdminEventType {
  return Object.prototype.hasOwnProperty.call(adminEventSchemas, type);
}

export const adminStreams = {
  operator: (operatorId: string) => `operator-${operatorId}`,
  unknownOperatorSignIns: () => 'operator-sign-in-failures',
  apiClient: (clientId: string) => `api-client-${clientId}`,
  projections: () => 'system-projections',
  webhookRetries: () => 'system-webhooks',
} as const;
