import { Injectable } from '@nestjs/common';
import type { AutomaticDecision } from '../customers/application/customer-command-executor.js';
import type { CustomerState } from '../customers/domain/index.js';
import type { DueAction } from './due-actions.schema.js';

/**
 * What a kind of due action does when it falls due: given the row and the customer as it is now,
 * the command to run (decided by the customer decider, with the system actor), or `{skip}` when
 * there is nothing to do any more (the row is done, the note says why). A refusal of the decider,
 * or a DomainRuleViolation thrown here, marks the row failed with its rule: an illegal transition
 * is never taken.
 */
export interface DueActionHandler {
  /**
   * Optional, asynchronous, before the decisions (e.g. reading settings): its result is `decide`'s
   * fourth argument. Runs once per claimed batch for all its rows of this kind (not once per row),
   * outside the append's retry loop; throwing leaves those rows pending (retried with back-off),
   * as any infrastructure error does.
   */
  prepare?(): Promise<unknown>;
  decide(action: DueAction, customer: CustomerState, now: Date, prepared?: unknown): AutomaticDecision;
  /**
   * The `reason` written into the automatic event's metadata (the timeline shows it), e.g.
   * "scheduled by Ann on 3 Nov: vacation". Default: none.
   */
  reason?(action: DueAction, customer: CustomerState): string | null;
}

/** Handlers by kind. Each module registers its own kinds (in onModuleInit); a kind is registered once. */
@Injectable()
export class DueActionRegistry {
  private readonly handlers = new Map<string, DueActionHandler>();

  register(kind: string, handler: DueActionHandler): void {
    if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(kind)) throw new Error(`Due action kind "${kind}" must be dotted lowercase (area.action)`);
    if (this.handlers.has(kind)) throw new Error(`Due action kind "${kind}" is registered twice`);
    this.handlers.set(kind, handler);
  }

  get(kind: string): DueActionHandler | undefined {
    return this.handlers.get(kind);
  }

  kinds(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
