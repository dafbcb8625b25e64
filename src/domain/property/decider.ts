import type { z } from 'zod';
import { DomainError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { PropertyDefinedData, PropertyEvent } from './events';

type Definition = z.infer<typeof PropertyDefinedData>;

export type PropertyState = { readonly status: 'none' } | ({ readonly status: 'defined' } & Definition) | { readonly status: 'deleted'; readonly key: string };

export type PropertyCommand =
  | Command<'DefineProperty', Definition>
  | Command<'UpdatePropertyDefinition', { name?: string; description?: string | null; isPrivate?: boolean }>
  | Command<'DeletePropertyDefinition', Record<string, never>>;

export function evolveProperty(state: PropertyState, event: PropertyEvent): PropertyState {
  switch (event.type) {
    case 'PropertyDefined':
      return { status: 'defined', ...event.data };
    case 'PropertyDefinitionUpdated': {
      if (state.status !== 'defined') return state;
      const { name, description, isPrivate } = event.data;
      const next: Record<string, unknown> = { ...state, ...(name !== undefined ? { name } : {}), ...(isPrivate !== undefined ? { isPrivate } : {}) };
      if (description === null) delete next.description;
      else if (description !== undefined) next.description = description;
      return next as PropertyState;
    }
    case 'PropertyDefinitionDeleted':
      return state.status === 'defined' ? { status: 'deleted', key: state.key } : state;
    default:
      return assertNever(event, 'property event');
  }
}

export function decideProperty(command: PropertyCommand, state: PropertyState): PropertyEvent[] {
  switch (command.type) {
    case 'DefineProperty':
      if (state.status === 'defined') throw new DomainError('PROPERTY_KEY_TAKEN', 'a property with this key already exists', { key: state.key });
      return [{ type: 'PropertyDefined', data: command.data }];
    case 'UpdatePropertyDefinition': {
      if (state.status !== 'defined') throw new DomainError('PROPERTY_NOT_FOUND', 'property not found');
      const d = command.data;
      const data: { name?: string; description?: string | null; isPrivate?: boolean } = {};
      if (d.name !== undefined && d.name !== state.name) data.name = d.name;
      if (d.description !== undefined && (d.description ?? undefined) !== state.description) data.description = d.description;
      if (d.isPrivate !== undefined && d.isPrivate !== state.isPrivate) data.isPrivate = d.isPrivate;
      return Object.keys(data).length === 0 ? [] : [{ type: 'PropertyDefinitionUpdated', data }];
    }
    case 'DeletePropertyDefinition':
      if (state.status === 'deleted') return [];
      if (state.status !== 'defined') throw new DomainError('PROPERTY_NOT_FOUND', 'property not found');
      return [{ type: 'PropertyDefinitionDeleted', data: {} }];
    default:
      return assertNever(command, 'property command');
  }
}

export const propertyDecider: Decider<PropertyCommand, PropertyEvent, PropertyState> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolveProperty,
  decide: decideProperty,
};
