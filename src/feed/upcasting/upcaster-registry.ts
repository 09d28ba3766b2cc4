/**
 * Versioned event schemas for the public feed. Every event type has a current schema version (the
 * one the catalogue publishes); an event stored at an older version is upgraded on the way out,
 * one version at a time, by pure upcasters. Events in the store are never rewritten.
 */
import type { JsonSchema } from '../../domain-kernel/index.js';

export type EventData = Record<string, unknown>;

/** One incompatible change of one event type: from `version - 1` to `version`. */
export interface SchemaRevision {
  type: string;
  /** The version this revision produces (≥ 2); it upgrades data written at `version - 1`. */
  version: number;
  /** What changed and why, for the catalogue's history. */
  change: string;
  /** Data of the previous version → data of this version. Pure; must not mutate its input. */
  upcast(data: EventData): EventData;
  /** JSON Schema of the previous version's data → this version's. */
  schema(previous: JsonSchema): JsonSchema;
}

export class UpcastError extends Error {
  constructor(readonly type: string, readonly fromVersion: number, readonly toVersion: number) {
    super(`No upcaster for ${type} from schema version ${fromVersion} to ${toVersion}`);
    this.name = 'UpcastError';
  }
}

export interface VersionHistoryEntry {
  version: number;
  change: string;
}

export class UpcasterRegistry {
  private readonly revisions = new Map<string, Map<number, SchemaRevision>>();
  private readonly currentVersions = new Map<string, number>();

  /**
   * @param writtenVersions the version the domain writes today, per type (the domain catalogue).
   * @param revisions the changes of shape; a type's current version is the highest of both.
   * Throws when a type's versions cannot all be reached from 1 (a bump without its upcaster).
   */
  constructor(
    private readonly writtenVersions: Readonly<Record<string, number>>,
    revisions: readonly SchemaRevision[],
  ) {
    for (const revision of revisions) {
      if (!Number.isInteger(revision.version) || revision.version < 2) {
        throw new RangeError(`${revision.type}: a schema revision produces version 2 or later, not ${revision.version}`);
      }
      const byVersion = this.revisions.get(revision.type) ?? new Map<number, SchemaRevision>();
      if (byVersion.has(revision.version)) throw new Error(`${revision.type} v${revision.version} has two revisions`);
      byVersion.set(revision.version, revision);
      this.revisions.set(revision.type, byVersion);
    }
    const types = new Set([...Object.keys(writtenVersions), ...this.revisions.keys()]);
    for (const type of types) {
      const highestRevision = Math.max(0, ...(this.revisions.get(type)?.keys() ?? []));
      const current = Math.max(writtenVersions[type] ?? 1, highestRevision);
      for (let version = 2; version <= current; version++) {
        if (!this.revisions.get(type)?.has(version)) throw new UpcastError(type, version - 1, version);
      }
      this.currentVersions.set(type, current);
    }
  }

  /** The version the feed publishes for a type (undefined: a type it does not know). */
  currentVersion(type: string): number | undefined {
    return this.currentVersions.get(type);
  }

  /** The version the domain writes for a type today. */
  writtenVersion(type: string): number | undefined {
    return this.writtenVersions[type];
  }

  /**
   * Data of `fromVersion` upgraded to the current version. Unknown types and versions at or past
   * the current one (written by a newer release during a rolling deploy) pass through unchanged.
   */
  upcast(type: string, fromVersion: number, data: EventData): { schemaVersion: number; data: EventData } {
    const target = this.currentVersions.get(type);
    if (target === undefined || fromVersion >= target) return { schemaVersion: fromVersion, data };
    let version = fromVersion;
    let upgraded = data;
    while (version < target) {
      const revision = this.revisions.get(type)?.get(version + 1);
      if (!revision) throw new UpcastError(type, version, version + 1);
      upgraded = revision.upcast(upgraded);
      version++;
    }
    return { schemaVersion: version, data: upgraded };
  }

  /**
   * The schema of the current version. Versions the domain writes natively keep the domain's
   * schema; later ones (published ahead of the domain) derive from it through the revisions.
   */
  currentSchema(type: string, writtenSchema: JsonSchema): JsonSchema {
    const target = this.currentVersions.get(type) ?? 1;
    let schema = writtenSchema;
    for (let version = (this.writtenVersions[type] ?? 1) + 1; version <= target; version++) {
      schema = this.revisions.get(type)!.get(version)!.schema(schema);
    }
    return schema;
  }

  history(type: string): VersionHistoryEntry[] {
    const revisions = [...(this.revisions.get(type)?.values() ?? [])].sort((a, b) => a.version - b.version);
    return [{ version: 1, change: 'First version.' }, ...revisions.map(({ version, change }) => ({ version, change }))];
  }
}
