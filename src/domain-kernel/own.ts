/**
 * Look-ups by a name that came from outside (a path, a body key, an event). `record[name]` also
 * finds what every object inherits (`constructor`, `toString`, `__proto__`…), so a role or field
 * "named" like that would exist; these only see the record's own entries.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, name: unknown): T | undefined {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
}

export function hasOwn(record: object, name: unknown): boolean {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(record, name);
}
