import { verifyChain } from '../../src/audit/hash-chain.js';
import { loadAggregate, PreconditionFailedError, runCommand, StreamHeads } from '../../src/event-sourcing/command-runner.js';
import type { Decider } from '../../src/domain-kernel/decider.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { openFixture, type Fixture } from '../projections-runtime/support.js';
import { databaseBackends } from '../support/test-databases.js';

/** A tiny aggregate: a counter that can be closed (then it refuses increments) and reopened. */
interface Counter {
  count: number;
  closed: boolean;
}
type CounterEvent = { type: 'Incremented'; data: { by: number } } | { type: 'Closed'; data: Record<string, never> } | { type: 'Reopened'; data: Record<string, never> };
type CounterCommand = { type: 'Increment'; by: number } | { type: 'Close' } | { type: 'Reopen' };

const counterDecider: Decider<CounterCommand, Counter, CounterEvent, void> = {
  initialState: { count: 0, closed: false },
  evolve(state, event) {
    switch (event.type) {
      case 'Incremented':
        return { ...state, count: state.count + event.data.by };
      case 'Closed':
        return { ...state, closed: true };
      case 'Reopened':
        return { ...state, closed: false };
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'Increment':
        if (state.closed) throw new Error('the counter is closed');
        return [{ type: 'Incremented', data: { by: command.by } }];
      case 'Close':
        return state.closed ? [] : [{ type: 'Closed', data: {} }];
      case 'Reopen':
        return state.closed ? [{ type: 'Reopened', data: {} }] : [];
    }
  },
};

const STREAM = 'counter-1';

describe.each(databaseBackends)('commands decided on remembered stream heads, on $name', ({ open }) => {
  let fixture: Fixture;
  let streamReads: number;
  let store: EventStore;
  beforeEach(async () => {
    fixture = await openFixture(open);
    streamReads = 0;
    store = new Proxy(fixture.store, {
      get(target, property, receiver) {
        if (property === 'readStream') {
          return (...args: Parameters<EventStore['readStream']>) => {
            streamReads++;
            return target.readStream(...args);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  });
  afterEach(async () => {
    await fixture.close();
  });

  const run = (command: CounterCommand, heads: StreamHeads<Counter>, expectedRevision?: number) =>
    runCommand(store, STREAM, counterDecider, command, { context: () => undefined, metadata: { actor: { id: 'a1', name: 'Ann', role: 'super_admin' } }, heads, expectedRevision });

  /** What a fresh read of the stream gives, and whether its hash chain holds. */
  async function stored() {
    const fresh = await loadAggregate(fixture.store, STREAM, counterDecider);
    return { state: fresh.state, revision: fresh.revision, chain: verifyChain(fresh.events) };
  }

  it('the next command on a stream this process wrote is appended without reading it, and the hash chain holds', async () => {
    const heads = new StreamHeads<Counter>();
    await run({ type: 'Increment', by: 2 }, heads);
    expect(streamReads).toBe(1);
    const second = await run({ type: 'Increment', by: 3 }, heads);
    const third = await run({ type: 'Close' }, heads);
    expect(streamReads).toBe(1);
    expect(second.revision).toBe(1);
    expect(third).toMatchObject({ revision: 2, state: { count: 5, closed: true } });
    const fresh = await stored();
    expect(fresh).toMatchObject({ revision: 2, state: third.state, chain: { verified: true, events: 3 } });
  });

  it('when someone else appended meanwhile, the refused append is decided again on a fresh read', async () => {
    const heads = new StreamHeads<Counter>();
    const other = new StreamHeads<Counter>(); // another instance
    await run({ type: 'Increment', by: 1 }, heads);
    await run({ type: 'Increment', by: 10 }, other);
    const outcome = await run({ type: 'Increment', by: 100 }, heads);
    expect(outcome).toMatchObject({ revision: 2, state: { count: 111 } });
    expect(await stored()).toMatchObject({ revision: 2, state: { count: 111 }, chain: { verified: true, events: 3 } });
  });

  it('a refusal or a no-op on a remembered head is decided again on a fresh read', async () => {
    const heads = new StreamHeads<Counter>();
    const other = new StreamHeads<Counter>();
    await run({ type: 'Close' }, heads); // this instance remembers it closed
    await run({ type: 'Reopen' }, other); // reopened elsewhere
    const outcome = await run({ type: 'Increment', by: 4 }, heads); // refused on the remembered head, allowed on the stream
    expect(outcome).toMatchObject({ revision: 2, state: { count: 4, closed: false } });

    await run({ type: 'Close' }, other); // closed elsewhere: this instance remembers it open
    const noop = await run({ type: 'Reopen' }, heads); // a no-op on the remembered head; the stream says reopen
    expect(noop).toMatchObject({ revision: 4, state: { closed: false } });
    expect(noop.events).toHaveLength(1);
    expect(await stored()).toMatchObject({ revision: 4, chain: { verified: true, events: 5 } });
  });

  it('If-Match is checked against the stream, not against a stale remembered head', async () => {
    const heads = new StreamHeads<Counter>();
    const other = new StreamHeads<Counter>();
    await run({ type: 'Increment', by: 1 }, heads);
    await run({ type: 'Increment', by: 1 }, other);
    // The client saw revision 1 (written elsewhere): right, although this instance remembers revision 0.
    expect(await run({ type: 'Increment', by: 1 }, heads, 1)).toMatchObject({ revision: 2, state: { count: 3 } });
    // A stale If-Match is refused with the stream's actual revision, also when the remembered head agrees with it.
    await run({ type: 'Increment', by: 1 }, other);
    const refused = await run({ type: 'Increment', by: 1 }, heads, 2).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreconditionFailedError);
    expect(refused).toMatchObject({ expected: 2, actual: 3 });
    expect(await stored()).toMatchObject({ revision: 3, state: { count: 4 }, chain: { verified: true } });
  });

  it('keeps at most maxStreams heads, dropping the least recently used', () => {
    const heads = new StreamHeads<Counter>(2);
    const head = (revision: number) => ({ state: { count: revision, closed: false }, revision, chainHead: null });
    heads.remember('a', head(0));
    heads.remember('b', head(0));
    heads.get('a');
    heads.remember('c', head(0));
    expect(heads.get('b')).toBeUndefined();
    expect(heads.get('a')).toBeDefined();
    heads.remember('a', head(5));
    heads.remember('a', head(3)); // an older answer arriving late does not replace a newer head
    expect(heads.get('a')?.revision).toBe(5);
  });
});
