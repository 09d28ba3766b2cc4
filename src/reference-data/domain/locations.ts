/** Locations (Splynx location): stream 'locations'. */
import { makeNamedEntityDecider, type NamedEntityCommand, type NamedEntityEvent } from './named-entities.js';

export const LOCATIONS_STREAM = 'locations';

export type LocationCommand = NamedEntityCommand<'Location'>;
export type LocationEvent = NamedEntityEvent<'Location'>;
export type CreateLocation = Extract<LocationCommand, { type: 'CreateLocation' }>;
export type RenameLocation = Extract<LocationCommand, { type: 'RenameLocation' }>;
export type DeleteLocation = Extract<LocationCommand, { type: 'DeleteLocation' }>;

export const LOCATION_RULES = { notFound: 'location.not_found', nameTaken: 'location.name_taken', inUse: 'location.in_use' } as const;

/** Name validated (required, ≤128). */
export const locationsDecider = makeNamedEntityDecider('Location', 'location', LOCATION_RULES);
