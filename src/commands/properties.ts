import { propertyDecider, type PropertyCommand } from '../domain/property/decider';
import { streams } from '../domain/streams';
import type { EventStore } from '../eventstore/types';
import type { CommandContext } from './context';
import { handleCommand } from './handle';

/** Property definitions (Kinde `GET|POST /properties`); the key is the stream, so it is unique by construction. */
export const defineProperty = (store: EventStore, ctx: CommandContext, definition: Extract<PropertyCommand, { type: 'DefineProperty' }>['data']) =>
  handleCommand(store, streams.property(definition.key), propertyDecider, { type: 'DefineProperty', data: definition }, ctx);

export const updatePropertyDefinition = (store: EventStore, ctx: CommandContext, key: string, changes: { name?: string; description?: string | null; isPrivate?: boolean }) =>
  handleCommand(store, streams.property(key), propertyDecider, { type: 'UpdatePropertyDefinition', data: changes }, ctx);

export const deletePropertyDefinition = (store: EventStore, ctx: CommandContext, key: string) =>
  handleCommand(store, streams.property(key), propertyDecider, { type: 'DeletePropertyDefinition', data: {} }, ctx);
