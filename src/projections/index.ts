import type { Projection } from './projection';

/** Every read model Roster maintains. The projector runs each of them. */
export const allProjections: readonly Projection[] = [];
