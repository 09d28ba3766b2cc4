/**
 * Which status changes to offer: the domain's own transition table (the server decides with the same
 * one), so the console never offers what the rules forbid.
 */
import { STATUS_TRANSITIONS } from '../../../src/customers/domain/customer.rules';

export function allowedStatusChanges(status: string): string[] {
  return [...(STATUS_TRANSITIONS[status as keyof typeof STATUS_TRANSITIONS] ?? [])];
}
