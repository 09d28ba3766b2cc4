import type { EventMetadata } from '../event-store/event-store.port.js';

/** What every write command carries besides its data: who / where from, and the caller's If-Match. */
export interface WriteOptions {
  metadata: EventMetadata;
  /** The stream revision the caller last saw (If-Match); a mismatch is a 412, with no retry. */
  expectedRevision?: number;
}

/** A write's answer: the resource after the write, the stream revision and the global position. */
export interface WriteResult<Resource> {
  resource: Resource;
  /** Stream revision after the write (the ETag). */
  revision: number;
  /** Global position of the last event written; null when the command changed nothing. */
  position: string | null;
}
