import { eventIdTime, newEventId } from '../../src/event-store/event-id.js';

const uuidVersion7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newEventId (UUID version 7)', () => {
  it('makes RFC 9562 version 7 ids that carry the time they were made', () => {
    const before = Date.now();
    const id = newEventId();
    const after = Date.now();
    expect(id).toMatch(uuidVersion7);
    expect(eventIdTime(id)).toBeGreaterThanOrEqual(before);
    // At most a few ms ahead, and only when thousands of ids were made within one millisecond.
    expect(eventIdTime(id)).toBeLessThanOrEqual(after + 10);
  });

  it('makes ids that sort in the order they were made, and never the same twice', () => {
    const ids = Array.from({ length: 50_000 }, () => newEventId());
    for (const id of ids) expect(id).toMatch(uuidVersion7);
    for (let index = 1; index < ids.length; index++) {
      if (!(ids[index - 1] < ids[index])) throw new Error(`id ${index} (${ids[index]}) sorts before id ${index - 1} (${ids[index - 1]})`);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the order when the clock steps back', () => {
    const realNow = Date.now;
    try {
      const first = newEventId();
      Date.now = () => realNow() - 60_000;
      const second = newEventId();
      expect(second > first).toBe(true);
      expect(eventIdTime(second)).toBeGreaterThanOrEqual(eventIdTime(first));
    } finally {
      Date.now = realNow;
    }
  });
});
