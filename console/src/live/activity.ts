/**
 * Live activity over Socket.IO (namespace /activity): one connection per session, subscriptions per
 * screen. Each subscription remembers the last position it received and, after a dropped connection,
 * subscribes again with `after` = that position, so nothing is missed and nothing repeats.
 */
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ResponseOf } from '../api/client';
import { session } from '../auth/session';

export type TimelineEntry = ResponseOf<'/api/v1/customers/{id}/activity'>['items'][number];
export type ActivityEvent = TimelineEntry & { customerId: number };

let socket: Socket | null = null;

function activitySocket(): Socket {
  if (!socket) {
    socket = io('/activity', {
      transports: ['websocket'],
      // Read at every (re)connection, so a refreshed token is used after a drop.
      auth: (send) => void session.validAccessToken().then((token) => send({ token })),
    });
    session.subscribe((tokens) => {
      if (!tokens && socket) {
        socket.disconnect();
        socket = null;
      }
    });
  }
  return socket;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'failed';

/**
 * Follows the activity of one customer (or of every customer the admin may see, customerId null),
 * starting after `after` (null: from now). Calls onEvent once per event, in position order.
 */
export function useActivityFeed(customerId: number | null, after: string | null | undefined, onEvent: (event: ActivityEvent) => void, enabled = true): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    if (!enabled || after === undefined) return;
    const live = activitySocket();
    let last = after;
    const seen = new Set<string>();
    const key = customerId ?? null;
    const subscribe = () => {
      const request = { ...(key === null ? {} : { customerId: key }), ...(last ? { after: last } : {}) };
      live.emit('subscribe', request, (ack: { ok: boolean }) => setState(ack?.ok ? 'live' : 'failed'));
    };
    const onActivity = (event: ActivityEvent) => {
      if (key !== null && event.customerId !== key) return;
      if (seen.has(event.position)) return;
      seen.add(event.position);
      last = event.position;
      handler.current(event);
    };
    const onDisconnect = () => setState('reconnecting');
    const onFailed = (notice: { customerId: number | null; position: string }) => {
      if ((notice.customerId ?? null) === key) {
        last = notice.position ?? last;
        subscribe();
      }
    };
    live.on('activity', onActivity);
    live.on('connect', subscribe);
    live.on('disconnect', onDisconnect);
    live.on('subscriptionError', onFailed);
    if (live.connected) subscribe();
    return () => {
      live.off('activity', onActivity);
      live.off('connect', subscribe);
      live.off('disconnect', onDisconnect);
      live.off('subscriptionError', onFailed);
      if (live.connected) live.emit('unsubscribe', key === null ? {} : { customerId: key });
    };
  }, [customerId, after, enabled]);

  return state;
}
