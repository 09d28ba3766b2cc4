/** What the fuzz runs need of a running app: known ids and names to aim at, and a way to log in again. */
export interface KnownValues {
  [parameter: string]: string[];
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/**
 * Seeds what the fuzz aims at through the API (a partner, a location, an additional field, a customer
 * with a comment, a note, a CAP grant, an item, a contact and an address) and answers the values of
 * each path parameter name, so that generated requests reach the deciders, not only the 404s.
 */
export async function seedFuzzTargets(call: Call): Promise<KnownValues> {
  const partner = await call('POST', '/partners', { name: `Fuzz ISP ${Date.now()}` });
  const location = await call('POST', '/locations', { name: `Fuzz Town ${Date.now()}` });
  await call('POST', '/additional-fields', { name: 'fuzz_field', label: 'Fuzz', type: 'string' });
  let customer = { status: 0, body: undefined as any };
  for (let attempt = 0; attempt < 50 && customer.status !== 201; attempt++) {
    customer = await call('POST', '/customers', { fullName: 'Fuzz Target', partnerId: partner.body?.id, locationId: location.body?.id });
    if (customer.status !== 201) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const id = customer.body?.id;
  const comment = await call('POST', `/customers/${id}/comments`, { text: 'fuzz' });
  const note = await call('POST', `/customers/${id}/notes`, { text: 'fuzz' });
  const grant = await call('POST', `/customers/${id}/cap`, { amountGb: 1, reason: 'fuzz' });
  await call('POST', `/customers/${id}/hardware`, { itemId: 'INV-FUZZ-1', productName: 'Router' });
  const contact = await call('POST', `/customers/${id}/contacts`, { name: 'Fuzz Contact' });
  const address = await call('POST', `/customers/${id}/addresses`, { type: 'billing', street: 'Fuzz street 1' });
  const ids = [id, partner.body?.id, location.body?.id].filter((value) => value !== undefined).map(String);
  return {
    id: ids,
    name: ['fuzz_field', 'manager', 'customer_list'],
    commentId: [comment.body?.id].filter(Boolean).map(String),
    noteId: [note.body?.id].filter(Boolean).map(String),
    grantId: [grant.body?.id].filter(Boolean).map(String),
    itemId: ['INV-FUZZ-1'],
    contactId: [contact.body?.id].filter(Boolean).map(String),
    addressId: [address.body?.id].filter(Boolean).map(String),
  };
}
