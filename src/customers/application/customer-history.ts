import { Inject, Injectable, Optional } from '@nestjs/common';
import { ANCHOR_FINDINGS, checkAgainstAnchor, type AnchorFinding, type AnchoredHead } from '../../audit/anchor-check.js';
import { AnchorService } from '../../audit/anchors/anchor-service.js';
import type { PersonalDataKeys } from '../../crypto/personal-data-keys.js';
import { PERSONAL_DATA_KEYS } from '../../event-store/event-store.module.js';
import { CHAIN_BREAK_REASONS, verifyChain, type ChainVerification } from '../../audit/hash-chain.js';
import { PartnerScope } from '../../auth/partner-scope.js';
import { redactSecrets } from '../../crypto/redaction.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import {
  CUSTOMER_RULES,
  DomainRuleViolation,
  customerDecider,
  customerIdOfStream,
  customerStreamId,
  toCustomerView,
  type CustomerEvent,
  type CustomerState,
  type CustomerView,
} from '../domain/index.js';
import { CustomerSnapshotCache } from './customer-snapshots.js';

export interface StreamEventView {
  id: string;
  type: string;
  schemaVersion: number;
  revision: number;
  position: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface CustomerEventsPage {
  customerId: number;
  events: StreamEventView[];
  /** Revision of the last event of the stream. */
  revision: number;
  /** Where to continue (fromRevision) when the page is full; null at the end. */
  nextRevision: number | null;
}

/** GET /customers/{id}/audit/verify: the stream's hash chain recomputed. */
export interface CustomerChainVerification extends Omit<ChainVerification, 'reason'> {
  customerId: number;
  /** Why the chain is broken at firstBrokenRevision: a code and its explanation. */
  reason?: string;
  reasonCode?: ChainVerification['reason'] | AnchorFinding;
  /** The head the newest anchor recorded for this stream (absent: not anchored yet). */
  anchor?: Omit<AnchoredHead, 'streamId'>;
}

/** GET /customers/{id}/audit/export: the whole stream, for auditors. */
export interface CustomerAuditExport {
  customerId: number;
  streamId: string;
  exportedAt: string;
  /** The chain recomputed over the stored events (before redaction). */
  verification: CustomerChainVerification;
  events: StreamEventView[];
}

export interface CustomerStateAt {
  customer: CustomerView;
  revision: number;
  /** Recorded time of the last event folded in. */
  at: string;
}

/**
 * Reads of one customer's stream for auditors: the raw events and the customer as of a time or a
 * revision (time travel). They read the event store, not the read models. Secrets stay out: the
 * password and the PIN are only ever in events sealed (a plain `pin` of an older event is redacted).
 */
@Injectable()
export class CustomerHistory {
  private readonly snapshots = new CustomerSnapshotCache();
  /** Streams whose snapshots were dropped after their erasure was seen. */
  private readonly erasedStreams = new Set<string>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() private readonly anchors?: AnchorService,
    /** To drop snapshots folded before an erasure (they hold the plain values). */
    @Optional() @Inject(PERSONAL_DATA_KEYS) private readonly keys?: PersonalDataKeys,
  ) {}

  /**
   * `scope`: the partners the reader may see. A customer whose CURRENT partner is outside it does
   * not exist for them (customer.not_found, 404), its whole history included, as on every read.
   */
  async events(customerId: number, options: { fromRevision?: number; limit?: number } = {}, scope: PartnerScope = PartnerScope.all()): Promise<CustomerEventsPage> {
    const limit = options.limit ?? 500;
    const from = options.fromRevision ?? 0;
    const streamId = customerStreamId(customerId);
    await this.assertInScope(customerId, scope);
    // Only the page, and the stream's last event for its revision (not the whole stream).
    const [page, lastEvents] = await Promise.all([
      limit > 0 ? this.readPage(streamId, from, limit) : Promise.resolve([]),
      this.readPage(streamId, undefined, 1, 'backwards'),
    ]);
    const last = lastEvents[0];
    if (!last) throw new DomainRuleViolation(CUSTOMER_RULES.notFound, `Customer ${customerId} does not exist`);
    const lastOfPage = page[page.length - 1];
    return {
      customerId,
      events: page.map((event) => redactedView(event)),
      revision: last.revision,
      nextRevision: lastOfPage && lastOfPage.revision < last.revision ? lastOfPage.revision + 1 : null,
    };
  }

  /**
   * The tamper-evidence check: the stream's hash chain (src/audit/hash-chain.ts) recomputed from
   * the stored events. Events older than the chain count as unchained, not as a failure.
   */
  async verify(customerId: number, scope: PartnerScope = PartnerScope.all()): Promise<CustomerChainVerification> {
    await this.wholeStream(customerId, scope);
    const stored = await this.storedStream(customerId);
    return this.withAnchor(verification(customerId, stored), stored);
  }

  /**
   * The stream compared with its head in the newest anchor: a stream that ends before it (a cut-off
   * tail) or whose event there changed fails, with the finding as reasonCode.
   */
  private async withAnchor(result: CustomerChainVerification, events: readonly RecordedEvent[]): Promise<CustomerChainVerification> {
    const anchored = await this.anchors?.anchoredHead(customerStreamId(result.customerId));
    if (!anchored) return result;
    const { streamId: _streamId, ...anchor } = anchored;
    const withAnchor = { ...result, anchor };
    if (!result.verified) return withAnchor;
    const broken = checkAgainstAnchor(events as readonly (RecordedEvent & { metadata: Record<string, unknown> })[], anchored);
    if (!broken) return withAnchor;
    return { ...withAnchor, verified: false, firstBrokenRevision: broken.firstBrokenRevision, reasonCode: broken.finding, reason: ANCHOR_FINDINGS[broken.finding] };
  }

  /** The stream as stored (personal values as ciphertext): what the hash chain covers. */
  private async storedStream(customerId: number): Promise<RecordedEvent[]> {
    const stored = this.store.stored ?? this.store;
    return stored.readStream(customerStreamId(customerId)).catch((error: Error) => {
      if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
      throw error;
    });
  }

  /**
   * The customer's whole stream as /events shows it (envelope with actor, ip, user agent,
   * correlation ids, occurred time and chain links), with every sealed secret (…Ciphertext)
   * redacted too: an export leaves the system. The verification is of the stored events.
   */
  async export(customerId: number, scope: PartnerScope = PartnerScope.all()): Promise<CustomerAuditExport> {
    const events = await this.wholeStream(customerId, scope);
    const stored = this.store.stored ? await this.storedStream(customerId) : events;
    return {
      customerId,
      streamId: customerStreamId(customerId),
      exportedAt: new Date().toISOString(),
      verification: await this.withAnchor(verification(customerId, stored), stored),
      events: events.map((event) => redactedView(event)),
    };
  }

  private async wholeStream(customerId: number, scope: PartnerScope): Promise<RecordedEvent[]> {
    await this.assertInScope(customerId, scope);
    const events = await this.readAll(customerStreamId(customerId));
    if (events.length === 0) throw new DomainRuleViolation(CUSTOMER_RULES.notFound, `Customer ${customerId} does not exist`);
    return events;
  }

  private async readAll(streamId: string): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId).catch((error: Error) => {
      if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
      throw error;
    });
  }

  /**
   * The customer as it was at `asOf` (recorded time) or right after `revision` (both: whichever is
   * earlier). "As of a time" is the stream up to its first event recorded after that time. Folds
   * from the nearest in-memory snapshot (see CustomerSnapshotCache), reading only the events after
   * it, page by page, and stops at the target: a long stream costs at most one snapshot interval.
   */
  async stateAt(customerId: number, at: { asOf?: Date; revision?: number }, scope: PartnerScope = PartnerScope.all()): Promise<CustomerStateAt> {
    await this.assertInScope(customerId, scope);
    const { state, last, sawAny } = await this.fold(customerStreamId(customerId), at);
    if (!sawAny) throw new DomainRuleViolation(CUSTOMER_RULES.notFound, `Customer ${customerId} does not exist`);
    const customer = toCustomerView(state, { now: at.asOf?.toISOString() ?? last?.recordedAt.toISOString() });
    if (!customer || !last) {
      throw new DomainRuleViolation(CUSTOMER_RULES.notFound, `Customer ${customerId} did not exist yet at that ${at.revision !== undefined ? 'revision' : 'time'}`);
    }
    return { customer, revision: last.revision, at: last.recordedAt.toISOString() };
  }

  /**
   * A restricted scope sees a customer only while its current partner is one of theirs (the
   * stream folded to its end, from the nearest snapshot). An unknown customer passes: the read
   * itself answers customer.not_found, with the same status.
   */
  private async assertInScope(customerId: number, scope: PartnerScope): Promise<void> {
    if (scope.unrestricted) return;
    const { state } = await this.fold(customerStreamId(customerId), {});
    if (state.exists && !scope.allows(state.partnerId)) throw new DomainRuleViolation(CUSTOMER_RULES.notFound, `Customer ${customerId} does not exist`);
  }

  /** The stream folded up to a time and / or revision (none: to its end). */
  private async fold(streamId: string, at: { asOf?: Date; revision?: number }): Promise<{ state: CustomerState; last?: { revision: number; recordedAt: Date }; sawAny: boolean }> {
    const asOf = at.asOf?.getTime();
    await this.dropSnapshotsOfErased(streamId);
    const snapshot = this.snapshots.best(streamId, { revision: at.revision, asOf });
    let state: CustomerState = snapshot?.state ?? customerDecider.initialState;
    let last: { revision: number; recordedAt: Date } | undefined = snapshot;
    let coveredUntil = snapshot?.coveredUntil ?? -Infinity;
    let from = snapshot ? snapshot.revision + 1 : 0;
    let sawAny = snapshot !== undefined;
    // By time the end is unknown: small pages first (the target is usually near the snapshot).
    let page = at.revision === undefined ? FIRST_TIME_PAGE : HISTORY_PAGE;
    for (; ; page = Math.min(HISTORY_PAGE, page * 2)) {
      const wanted = at.revision === undefined ? page : Math.min(page, at.revision - from + 1);
      if (wanted <= 0) break;
      const events = await this.readPage(streamId, from, wanted);
      sawAny ||= events.length > 0;
      let reachedTime = false;
      for (const event of events) {
        const recorded = event.recordedAt.getTime();
        if (asOf !== undefined && recorded > asOf) {
          reachedTime = true;
          break;
        }
        state = customerDecider.evolve(state, event as unknown as CustomerEvent);
        last = event;
        coveredUntil = Math.max(coveredUntil, recorded);
        if (this.snapshots.wants(event.revision)) {
          this.snapshots.add(streamId, { revision: event.revision, recordedAt: event.recordedAt, coveredUntil, state });
        }
      }
      if (reachedTime || events.length < wanted) break;
      from = events[events.length - 1].revision + 1;
    }
    return { state, last, sawAny };
  }

  /** Snapshots folded before the customer's key was destroyed hold plain personal values: never fold from them again. */
  private async dropSnapshotsOfErased(streamId: string): Promise<void> {
    const customerId = customerIdOfStream(streamId);
    if (!this.keys || customerId === null || this.erasedStreams.has(streamId) || !this.snapshots.best(streamId, {})) return;
    if ((await this.keys.keysFor([customerId])).get(customerId) === 'erased') {
      // Snapshots made from now on are folded from erased reads.
      this.snapshots.clear(streamId);
      this.erasedStreams.add(streamId);
      if (this.erasedStreams.size > 10_000) this.erasedStreams.delete(this.erasedStreams.values().next().value!);
    }
  }

  private async readPage(streamId: string, fromRevision: number | undefined, maxCount: number, direction: 'forwards' | 'backwards' = 'forwards'): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, { fromRevision, maxCount, direction }).catch((error: Error) => {
      if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
      throw error;
    });
  }
}

/** Events read per query while folding a stream for time travel (by time: from the first size, doubling). */
const HISTORY_PAGE = 1000;
const FIRST_TIME_PAGE = 100;

function verification(customerId: number, events: readonly RecordedEvent[]): CustomerChainVerification {
  const { reason, ...result } = verifyChain(events as readonly (RecordedEvent & { metadata: Record<string, unknown> })[]);
  return { customerId, ...result, ...(reason ? { reasonCode: reason, reason: CHAIN_BREAK_REASONS[reason] } : {}) };
}

/**
 * What /events and the export show of a stored event: its data with every secret redacted by the
 * one redaction (src/crypto/redaction.ts): sealed values (passwordCiphertext, voip.pinCiphertext,
 * pinCiphertext, any …Ciphertext) and the plain PIN of events older than sealing read REDACTED.
 */
function redactedView(event: RecordedEvent): StreamEventView {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    revision: event.revision,
    position: event.position,
    recordedAt: event.recordedAt.toISOString(),
    data: redactSecrets(event.data),
    metadata: event.metadata as Record<string, unknown>,
  };
}
