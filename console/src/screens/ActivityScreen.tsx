/** Everything the admin may see, live: every customer's events as they happen (Socket.IO, no customerId). */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { TimelineList } from '../components/Timeline';
import { useActivityFeed, type ActivityEvent, type LiveState } from '../live/activity';

const LIVE_LABELS: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', failed: 'Live updates unavailable' };
const KEEP = 200;

export function ActivityScreen() {
  const [events, setEvents] = useState<ActivityEvent[]>([]);
  const state = useActivityFeed(null, null, (event) => setEvents((previous) => [event, ...previous].slice(0, KEEP)));
  return (
    <div className="page">
      <h1>Activity</h1>
      <p>
        Changes to every customer you may see, as they happen.{' '}
        <span className={`live-state live-${state}`} role="status">
          {LIVE_LABELS[state]}
        </span>
      </p>
      {events.length === 0 ? (
        <p className="muted">Waiting for the next change…</p>
      ) : (
        <>
          <TimelineList entries={events} showCustomer />
          <p className="muted">
            Open a customer from the <Link to="/customers">list</Link> for their whole timeline.
          </p>
        </>
      )}
    </div>
  );
}
