import type { Router } from 'express';
import type { ApiDeps, EndpointRegistry } from '../api';
import { userRoutes } from './users';

/** The Management API route modules (Kinde-compatible resources), in mount order. */
export function apiRouteModules(deps: ApiDeps, registry: EndpointRegistry): ((router: Router) => void)[] {
  return [userRoutes(deps, registry)];
}
