/**
 * What a sub-resource write answers: the item it created (comment, note, CAP grant, hardware item,
 * contact, address, payment, charge) with the customer's id, revision and position, rather than
 * the whole customer the client would have to search for the new id.
 */
import type { CustomerWrite } from '../application/customer-command-executor.js';
import type { CustomerView } from '../domain/index.js';

export interface CustomerRevision {
  customerId: number;
  revision: number;
  position: string | null;
}

export type Created<Item> = Item & CustomerRevision;

export interface Payment {
  id: string;
  amount: number;
  method: string | null;
  reference: string | null;
  note: string | null;
  /** The customer's balance after the payment. */
  balance: number;
}

export interface Charge {
  id: string;
  amount: number;
  description: string;
  reference: string | null;
  /** The customer's balance after the charge. */
  balance: number;
}

type Finder<Item> = (view: CustomerView, result: CustomerWrite) => Item | undefined;

const byId =
  <Item extends { id: string }>(items: (view: CustomerView) => Item[]): Finder<Item> =>
  (view, result) =>
    items(view).find((item) => item.id === result.createdId);

export const CREATED = {
  comments: byId((view) => view.comments),
  notes: byId((view) => view.notes),
  cap: byId((view) => view.cap.grants),
  contacts: byId((view) => view.contacts),
  addresses: byId((view) => view.addresses),
  hardware: (itemId: string): Finder<CustomerView['hardware'][number]> => (view) => view.hardware.find((item) => item.itemId === itemId),
  payments: ((view, result) => {
    const data = result.createdData;
    if (!data || !result.createdId) return undefined;
    return { id: result.createdId, amount: data.amount as number, method: (data.method as string | null) ?? null, reference: (data.reference as string | null) ?? null, note: (data.note as string | null) ?? null, balance: view.balance };
  }) satisfies Finder<Payment>,
  charges: ((view, result) => {
    const data = result.createdData;
    if (!data || !result.createdId) return undefined;
    return { id: result.createdId, amount: data.amount as number, description: data.description as string, reference: (data.reference as string | null) ?? null, balance: view.balance };
  }) satisfies Finder<Charge>,
};

/** The created item with the customer's revision and position. */
export function createdItem<Item>(result: CustomerWrite, find: Finder<Item>): Created<Item> {
  const item = find(result.resource, result);
  // The command succeeded with its creating event, so the item is in the state folded from it.
  if (item === undefined) throw new Error(`The created item ${result.createdId ?? ''} is missing from customer ${result.resource.id}`);
  return { ...item, customerId: result.resource.id, revision: result.revision, position: result.position };
}
