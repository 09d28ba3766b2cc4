import type { EventStore, EventSubscription, RecordedEvent } from '../../event-store/event-store.port.js';
import { loadAggregate } from '../../event-sourcing/command-runner.js';
import {
  ADMIN_STREAM_PREFIX,
  adminDecider,
  adminStreamId,
  isAdminId,
  permissionsOfRole,
  ROLES_STREAM,
  rolesDecider,
  SUPER_ADMINISTRATOR,
  type AdminEvent,
  type AdminState,
  type Permission,
  type RoleEvent,
  type RolesState,
} from '../domain/index.js';
import type { EmailReservations } from './email-reservations.js';

export interface Versioned<State> {
  state: State;
  /** Stream revision the state was folded to. */
  revision: number;
}

export interface DirectoryLogger {
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/**
 * Every admin and the custom roles, folded in memory from their streams and kept current by a
 * subscription to the 'admin-' streams (admins are few; the guard reads this on every request).
 * On start it loads each admin stream named by the email reservations plus the roles stream, then
 * follows the store from the head it saw before loading (events seen twice are skipped by revision).
 * A command's outcome is recorded at once (`record`), so a write is visible to the next request on
 * this instance; other instances see it when their subscription delivers it.
 */
export class AdminDirectory {
  private readonly admins = new Map<string, Versioned<AdminState>>();
  private roles: Versioned<RolesState> = { state: rolesDecider.initialState, revision: -1 };
  private subscription?: EventSubscription;
  private following?: Promise<void>;
  private lastPosition?: string;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly reservations: EmailReservations,
    private readonly logger: DirectoryLogger,
  ) {}

  async start(): Promise<void> {
    const head = await this.store.headPosition();
    await this.reloadRoles();
    for (const id of await this.reservations.adminIds()) await this.reloadAdmin(id);
    this.follow(head ?? undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.following;
  }

  // ----- reads ------------------------------------------------------------------------------------

  get(id: string): Versioned<AdminState> | undefined {
    if (!isAdminId(id)) return undefined;
    const entry = this.admins.get(id);
    return entry?.state.exists ? entry : undefined;
  }

  /** Like `get`, reading the stream when this instance has not seen the admin yet. */
  async resolve(id: string): Promise<Versioned<AdminState> | undefined> {
    if (!isAdminId(id)) return undefined;
    return this.get(id) ?? (await this.reloadAdmin(id));
  }

  async findByEmail(email: string): Promise<Versioned<AdminState> | undefined> {
    for (const entry of this.admins.values()) if (entry.state.exists && entry.state.email === email) return entry;
    const id = await this.reservations.adminIdOf(email);
    const entry = id ? await this.reloadAdmin(id) : undefined;
    return entry?.state.email === email ? entry : undefined;
  }

  /** Every admin, by email. */
  list(): Versioned<AdminState>[] {
    return [...this.admins.values()].filter((entry) => entry.state.exists).sort((a, b) => a.state.email.localeCompare(b.state.email));
  }

  get size(): number {
    return this.list().length;
  }

  rolesState(): Versioned<RolesState> {
    return this.roles;
  }

  permissionsOf(admin: AdminState): Permission[] {
    return permissionsOfRole(this.roles.state, admin.role);
  }

  activeSuperAdministrators(): string[] {
    return this.list().filter(({ state }) => state.active && state.role === SUPER_ADMINISTRATOR).map(({ state }) => state.id);
  }

  /** Role names held by at least one admin, active or not (a reactivated admin keeps their role). */
  rolesInUse(): string[] {
    return [...new Set(this.list().map(({ state }) => state.role))];
  }

  // ----- writes -----------------------------------------------------------------------------------

  /** A command's outcome on `streamId`: kept when newer than what the directory holds. */
  record(streamId: string, state: AdminState | RolesState, revision: number): void {
    if (streamId === ROLES_STREAM) {
      if (revision > this.roles.revision) this.roles = { state: state as RolesState, revision };
      return;
    }
    const id = streamId.slice(ADMIN_STREAM_PREFIX.length);
    if (!isAdminId(id)) return;
    const current = this.admins.get(id);
    if (!current || revision > current.revision) this.admins.set(id, { state: state as AdminState, revision });
  }

  // ----- following the store ----------------------------------------------------------------------

  private follow(after: string | undefined): void {
    const subscription = this.store.subscribeToAll({ after, filter: { streamPrefixes: [ADMIN_STREAM_PREFIX] } });
    this.subscription = subscription;
    this.following = (async () => {
      try {
        for await (const event of subscription) {
          await this.apply(event);
          this.lastPosition = event.position;
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.error('Admin directory subscription failed; resubscribing', error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (!this.stopped) this.follow(this.lastPosition ?? after);
      }
    })();
  }

  private async apply(event: RecordedEvent): Promise<void> {
    if (event.streamId === ROLES_STREAM) {
      if (event.revision <= this.roles.revision) return;
      if (event.revision !== this.roles.revision + 1) {
        await this.reloadRoles();
        return;
      }
      this.roles = { state: rolesDecider.evolve(this.roles.state, event as unknown as RoleEvent), revision: event.revision };
      return;
    }
    const id = event.streamId.slice(ADMIN_STREAM_PREFIX.length);
    if (!isAdminId(id)) return;
    const current = this.admins.get(id) ?? { state: adminDecider.initialState, revision: -1 };
    if (event.revision <= current.revision) return;
    if (event.revision !== current.revision + 1) {
      await this.reloadAdmin(id);
      return;
    }
    this.admins.set(id, { state: adminDecider.evolve(current.state, event as unknown as AdminEvent), revision: event.revision });
  }

  private async reloadAdmin(id: string): Promise<Versioned<AdminState> | undefined> {
    if (!isAdminId(id)) return undefined;
    const { state, revision } = await loadAggregate(this.store, adminStreamId(id), adminDecider);
    if (revision < 0) return undefined;
    this.record(adminStreamId(id), state, revision);
    return this.get(id);
  }

  private async reloadRoles(): Promise<void> {
    const { state, revision } = await loadAggregate(this.store, ROLES_STREAM, rolesDecider);
    this.record(ROLES_STREAM, state, revision);
  }
}
