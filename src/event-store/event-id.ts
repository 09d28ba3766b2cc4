import { randomFillSync } from 'node:crypto';

/**
 * Event ids for events appended without one: time-ordered UUIDs, version 7 (RFC 9562).
 *
 * Why not `randomUUID()` (version 4): the event store keeps a unique b-tree index on the event id
 * (idempotent retries). Random ids land on random leaf pages, so every append touches a page no
 * other recent append touched (cache misses; after each checkpoint a full-page image in the WAL).
 * Version 7 ids start with the time, so appends go to the right-most pages, like a sequence.
 *
 * Layout: 48 bits Unix time in ms, version 7, 12-bit counter (RFC 9562 method 1, seeded at random
 * in its lower half each millisecond), variant 10, 62 random bits. Ids made by one process sort in
 * the order they were made, even when the clock steps back or more than ~2,000 come in one
 * millisecond (the time field then runs ahead of the clock, as the RFC allows).
 */
export function newEventId(): string {
  let milliseconds = Date.now();
  if (milliseconds > lastMilliseconds) {
    counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
  } else {
    milliseconds = lastMilliseconds;
    counter++;
    if (counter > 0xfff) {
      milliseconds++;
      counter = 0;
    }
  }
  lastMilliseconds = milliseconds;

  const random = randomBytes(8);
  const high = Math.floor(milliseconds / 0x10000);
  return (
    hex8(high >>> 24) +
    hex8(high >>> 16) +
    hex8(high >>> 8) +
    hex8(high) +
    '-' +
    hex8(milliseconds >>> 8) +
    hex8(milliseconds) +
    '-' +
    hex8(0x70 | (counter >>> 8)) +
    hex8(counter) +
    '-' +
    hex8(0x80 | (random[0] & 0x3f)) +
    hex8(random[1]) +
    '-' +
    hex8(random[2]) +
    hex8(random[3]) +
    hex8(random[4]) +
    hex8(random[5]) +
    hex8(random[6]) +
    hex8(random[7])
  );
}

/** The Unix time in ms a version 7 id starts with. */
export function eventIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

let lastMilliseconds = -1;
let counter = 0;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex8(value: number): string {
  return HEX[value & 0xff];
}

// Entropy is drawn in blocks: one getrandom call per 256 ids instead of one per id.
const entropy = Buffer.alloc(2560);
let entropyOffset = entropy.length;

function randomBytes(count: number): Buffer {
  if (entropyOffset + count > entropy.length) {
    randomFillSync(entropy);
    entropyOffset = 0;
  }
  const bytes = entropy.subarray(entropyOffset, entropyOffset + count);
  entropyOffset += count;
  return bytes;
}
