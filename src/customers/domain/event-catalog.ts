/** The whole domain's event catalogue: customer events and reference-data events. */
import { REFERENCE_DATA_EVENT_CATALOG } from '../../reference-data/domain/index.js';
import { CUSTOMER_EVENT_CATALOG } from './customer.event-catalog.js';
import type { EventCatalogEntry } from '../../domain-kernel/json-schema.js';

export type { EventCatalogEntry };
export { CUSTOMER_EVENT_CATALOG, REFERENCE_DATA_EVENT_CATALOG };

/** Every event type of the domain, its schema version and the JSON Schema of its data. */
export const EVENT_CATALOG: readonly EventCatalogEntry[] = [...CUSTOMER_EVENT_CATALOG, ...REFERENCE_DATA_EVENT_CATALOG];

/** Schema version per event type, for the envelope's schemaVersion when appending. */
export const EVENT_SCHEMA_VERSIONS: Readonly<Record<string, number>> = Object.fromEntries(EVENT_CATALOG.map((entry) => [entry.type, entry.version]));

export function catalogEntry(type: string): EventCatalogEntry | undefined {
  return EVENT_CATALOG.find((entry) => entry.type === type);
}
