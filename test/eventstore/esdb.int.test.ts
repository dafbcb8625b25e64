import { describe, it } from 'vitest';
import { eventStoreContract } from './contract';
import { esdbTarget } from '../support/esdb';

/**
 * The same contract against EventStoreDB. It runs when EVENTSTORE_CONNECTION_STRING
 * is set or a Docker engine is reachable (testcontainers); otherwise it is skipped
 * and says why.
 */
const target = await esdbTarget();
if (target.available) {
  eventStoreContract('EventStoreDB', target.open);
} else {
  console.warn(`[esdb] EventStoreDB contract suite skipped: ${target.reason}`);
  describe('EventStore contract: EventStoreDB', () => {
    it.skipIf(true)(`skipped: ${target.reason}`, () => {});
  });
}
