import type { Router } from 'express';
import type { ApiDeps, EndpointRegistry } from '../api';
import { businessRoutes } from './business';
import { identityRoutes } from './identities';
import { listRoutes } from './lists';
import { organizationPropertyRoutes } from './organization-properties';
import { organizationUserAccessRoutes } from './organization-user-access';
import { organizationUserRoutes } from './organization-users';
import { organizationRoutes } from './organizations';
import { propertyRoutes } from './properties';
import { roleRoutes } from './roles';
import { subscriberRoutes } from './subscribers';
import { userIdentityRoutes } from './user-identities';
import { userMfaRoutes } from './user-mfa';
import { userPropertyRoutes } from './user-properties';
import { userRoutes } from './users';

/** The Management API route modules (Kinde-compatible resources), in mount order. */
export function apiRouteModules(deps: ApiDeps, registry: EndpointRegistry): ((router: Router) => void)[] {
  return [
    listRoutes(deps, registry),
    userRoutes(deps, registry),
    userPropertyRoutes(deps, registry),
    userIdentityRoutes(deps, registry),
    userMfaRoutes(deps, registry),
    identityRoutes(deps, registry),
    organizationRoutes(deps, registry),
    organizationUserRoutes(deps, registry),
    organizationUserAccessRoutes(deps, registry),
    organizationPropertyRoutes(deps, registry),
    roleRoutes(deps, registry),
    propertyRoutes(deps, registry),
    subscriberRoutes(deps, registry),
    businessRoutes(deps, registry),
  ];
}
