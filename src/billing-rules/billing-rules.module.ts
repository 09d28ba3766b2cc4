import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { DueActionRegistry, type DueActionHandler } from '../automation/due-action-registry.js';
import type { DueAction } from '../automation/due-actions.schema.js';
import type { AutomaticDecision } from '../customers/application/customer-command-executor.js';
import {
  AUTOMATIC_KINDS,
  activationReason,
  blockReason,
  capExpiryReason,
  deactivationReason,
  voipExpiresAt,
  voipExpiryReason,
  type AutomaticKind,
  type CustomerCommand,
  type CustomerState,
} from '../customers/domain/index.js';
import { ReferenceDataReader } from '../reference-data/application/reference-data.reader.js';
import { ReferenceDataModule } from '../reference-data/reference-data.module.js';
import { automationPolicyFor, type CustomerSettings } from '../reference-data/domain/index.js';

/**
 * The billing-driven rules' due actions (scheduled by the automation_due_times projection): each
 * kind becomes the customer command of its rule, decided by the customer decider as the system
 * actor, with the rules' switches of the customer's partner from the customer settings (read when
 * the actions run, once per claimed batch, so a switch turned off stops what is already scheduled). A rule that no longer
 * holds, or is switched off, is refused by the decider with its rule code and the due action is
 * recorded as not taken (failed, with that rule).
 */
@Injectable()
export class BillingRuleHandlers {
  constructor(@Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader) {}

  handler(kind: AutomaticKind): DueActionHandler {
    return {
      prepare: async () => (await this.reader.settings()).state.settings,
      decide: (action, customer, now, prepared) => decisionFor(kind, action, customer, now, prepared as CustomerSettings),
    };
  }
}

/** The command (and its timeline reason) of one billing rule's due action. */
export function decisionFor(kind: AutomaticKind, action: DueAction, state: CustomerState, now: Date, settings: CustomerSettings): AutomaticDecision {
  const dueAt = action.dueAt.toISOString();
  const at = now.toISOString();
  const automation = state.exists ? automationPolicyFor(settings, state.partnerId) : automationPolicyFor(settings, 0);
  const say = (words: () => string): string | undefined => {
    try {
      return words();
    } catch {
      return undefined; // the decider refuses what does not hold; its refusal is what is recorded
    }
  };
  const command = ((): CustomerCommand => {
    switch (kind) {
      case 'billing.block':
        return { type: 'BlockAutomatically', data: { dueAt } };
      case 'billing.deactivate':
        return { type: 'DeactivateAutomatically', data: { dueAt } };
      case 'billing.activate':
        return { type: 'ActivateAutomatically', data: { dueAt } };
      case 'voip.expire':
        return { type: 'ExpireVoipAccount', data: { dueAt } };
      case 'cap.expire':
        return { type: 'ExpireCapBonus', data: { grantId: String(action.payload.grantId ?? ''), dueAt } };
    }
  })();
  if (!state.exists) return { command, context: { automation } };
  const customer = state;
  const reason = say(() => {
    switch (kind) {
      case 'billing.block':
        return customer.belowThresholdSince ? blockReason(customer, at) : '';
      case 'billing.deactivate':
        return customer.block ? deactivationReason(customer, at) : '';
      case 'billing.activate':
        return activationReason(customer);
      case 'voip.expire': {
        const expiresAt = voipExpiresAt(customer);
        return expiresAt ? voipExpiryReason(expiresAt, at) : '';
      }
      case 'cap.expire': {
        const grant = customer.capGrants.find((item) => item.id === action.payload.grantId);
        return grant?.expiresAt ? capExpiryReason(grant, at) : '';
      }
    }
  });
  return { command, context: { automation }, ...(reason ? { reason } : {}) };
}


/** Registers the billing rules' kinds with the automation's registry. */
@Module({
  imports: [ReferenceDataModule],
  providers: [BillingRuleHandlers],
})
export class BillingRulesModule implements OnModuleInit {
  constructor(
    @Inject(DueActionRegistry) private readonly registry: DueActionRegistry,
    @Inject(BillingRuleHandlers) private readonly handlers: BillingRuleHandlers,
  ) {}

  onModuleInit(): void {
    for (const kind of AUTOMATIC_KINDS) this.registry.register(kind, this.handlers.handler(kind));
  }
}
