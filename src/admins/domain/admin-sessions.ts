/**
 * Logins, as events: each session an admin opens is its own small stream 'admin-session-<session
 * uuid>' holding AdminLoggedIn, so "who logged in when, from where" is in the audit trail (and its
 * hash chain) like every other action, without a stream that grows with every login.
 */
import type { Decider, DomainEvent } from '../../domain-kernel/decider.js';

export const ADMIN_SESSION_STREAM_PREFIX = 'admin-session-';
export const adminSessionStreamId = (sessionId: string): string => `${ADMIN_SESSION_STREAM_PREFIX}${sessionId}`;

export type RecordLogin = { type: 'RecordLogin'; data: { adminId: string; sessionId: string; email: string } };
export type AdminLoggedIn = DomainEvent<'AdminLoggedIn', { adminId: string; sessionId: string; email: string; at: string }>;

export interface AdminSessionState {
  loggedInAt: string | null;
}

export const adminSessionDecider: Decider<RecordLogin, AdminSessionState, AdminLoggedIn, { now: string }> = {
  initialState: { loggedInAt: null },
  decide(command, state, context) {
    if (state.loggedInAt !== null) return [];
    const { adminId, sessionId, email } = command.data;
    return [{ type: 'AdminLoggedIn', data: { adminId, sessionId, email, at: context.now } }];
  },
  evolve(state, event) {
    return event.type === 'AdminLoggedIn' ? { loggedInAt: event.data.at } : state;
  },
};
