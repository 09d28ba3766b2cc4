import type { ActivityPayload } from '../../src/live/activity-entry.js';
import { ACTIVITY_BATCH_EVENT, ActivityOutbox } from '../../src/live/activity-outbox.js';

const payload = (position: string, customerId = 1): ActivityPayload => ({
  customerId,
  position,
  revision: Number(position),
  type: 'CustomerCommentAdded',
  at: '2026-01-01T00:00:00.000Z',
  actor: null,
  summary: `comment ${position}`,
  changes: [],
  reason: null,
  revertible: true,
});

/** An outbox whose broadcasts are recorded and whose end-of-turn flush runs when the test says. */
function recordingOutbox() {
  const broadcasts: { socketIds: string[]; event: string; data: unknown }[] = [];
  const scheduled: (() => void)[] = [];
  const outbox = new ActivityOutbox(
    (socketIds, event, data) => broadcasts.push({ socketIds: [...socketIds].sort(), event, data }),
    (flush) => scheduled.push(flush),
  );
  const endOfTurn = () => {
    for (const flush of scheduled.splice(0)) flush();
  };
  return { outbox, broadcasts, scheduled, endOfTurn };
}

/** What one socket received, in order, as the client would see it. */
function receivedBy(socketId: string, broadcasts: { socketIds: string[]; event: string; data: unknown }[]): string[] {
  return broadcasts
    .filter((broadcast) => broadcast.socketIds.includes(socketId))
    .flatMap((broadcast) =>
      broadcast.event === ACTIVITY_BATCH_EVENT ? [`batch ${(broadcast.data as ActivityPayload[]).map((item) => item.position).join(',')}`] : [`activity ${(broadcast.data as ActivityPayload).position}`],
    );
}

describe('ActivityOutbox', () => {
  it('writes each event once for every socket that got it in this turn, in position order, at the end of the turn', () => {
    const { outbox, broadcasts, scheduled, endOfTurn } = recordingOutbox();
    const first = payload('0001');
    const second = payload('0002');
    // Subscriptions run concurrently: one socket may hand over the second event before another hands over the first.
    outbox.add('a', first);
    outbox.add('a', second);
    outbox.add('c', second);
    outbox.add('b', first);
    outbox.add('b', second);
    expect(scheduled).toHaveLength(1);
    expect(broadcasts).toEqual([]);
    expect(outbox.pendingFor('a')).toBe(2);
    expect(outbox.pendingFor('c')).toBe(1);

    endOfTurn();
    expect(broadcasts).toEqual([
      { socketIds: ['a', 'b'], event: 'activity', data: first },
      { socketIds: ['a', 'b', 'c'], event: 'activity', data: second },
    ]);
    expect(outbox.pendingFor('a')).toBe(0);

    outbox.add('a', payload('0003'));
    expect(scheduled).toHaveLength(1);
    endOfTurn();
    expect(receivedBy('a', broadcasts)).toEqual(['activity 0001', 'activity 0002', 'activity 0003']);
  });

  it('a socket with two subscriptions that both take an event gets it twice, as with one emit per subscription', () => {
    const { outbox, broadcasts, endOfTurn } = recordingOutbox();
    const event = payload('0007', 7);
    outbox.add('a', event); // subscription to every customer
    outbox.add('b', event);
    outbox.add('a', event); // subscription to customer 7
    endOfTurn();
    expect(receivedBy('a', broadcasts)).toEqual(['activity 0007', 'activity 0007']);
    expect(receivedBy('b', broadcasts)).toEqual(['activity 0007']);
    expect(broadcasts).toHaveLength(2);
  });

  it('batch subscribers get one array per socket per turn; equal arrays are written once', () => {
    const { outbox, broadcasts, endOfTurn } = recordingOutbox();
    const [one, two, three] = [payload('0001'), payload('0002', 2), payload('0003')];
    for (const socketId of ['full-1', 'full-2']) for (const item of [one, two, three]) outbox.add(socketId, item, true);
    // A partner-scoped admin does not get customer 2's event: a different array.
    outbox.add('scoped', one, true);
    outbox.add('scoped', three, true);
    outbox.add('classic', two);
    expect(outbox.pendingFor('full-1')).toBe(3);
    endOfTurn();
    expect(broadcasts).toEqual([
      { socketIds: ['classic'], event: 'activity', data: two },
      { socketIds: ['full-1', 'full-2'], event: ACTIVITY_BATCH_EVENT, data: [one, two, three] },
      { socketIds: ['scoped'], event: ACTIVITY_BATCH_EVENT, data: [one, three] },
    ]);
  });

  it('flushBefore writes what a socket has pending, so a notice sent after it does not overtake it', () => {
    const { outbox, broadcasts, endOfTurn } = recordingOutbox();
    outbox.add('a', payload('0001'));
    outbox.flushBefore('b');
    expect(broadcasts).toEqual([]);
    outbox.flushBefore('a');
    expect(receivedBy('a', broadcasts)).toEqual(['activity 0001']);
    expect(outbox.pendingFor('a')).toBe(0);
    endOfTurn(); // the scheduled flush finds nothing left
    expect(broadcasts).toHaveLength(1);
  });
});
