/** Locations (Splynx location): stream 'locations'. */
import { makeNamedEntityDecider, type NamedEntityCommand, type NamedEntityEvent } from './named-entities.js';

export const LOCATIONS_STREAM = 'locations';

export type LocationCommand = NamedEntityCommand<'Location'>;
export type LocationEvent = NamedEntityEvent<'Location'>;
export type CreateLocation = Extract<LocationCommand, { type: 'CreateLocation' }>;
export type RenameLocation = Extract<LocationCommand, { type: 'RenameLocation' }>;
export type DeleteLocation = Extract<LocationCommand, { type: 'DeleteLocation' }>;

/** Rules: location.not_found, location.name_taken, location.in_use; name validated (required, ≤128). */
export const locationsDecider = makeNamedEntityDecider('Location', 'location');
