/**
 * What surrounds a customer: comments, notes, CAP grants, hardware, contacts, additional addresses,
 * payments and charges. Happy paths, bad input, and refusals leaving the stream unchanged.
 */
import {
  createCustomer,
  customerStream,
  customerWithStatus,
  expectNothingWritten,
  expectProblem,
  fieldRules,
  seedReferenceData,
  startHarness,
  streamEvents,
  type Harness,
  type Reference,
} from './customers-e2e-support.js';

describe('customer activity writes', () => {
  let h: Harness;
  let ref: Reference;
  let customer: Record<string, any>;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
    customer = await customerWithStatus(h, ref, 'active');
  });
  afterAll(async () => {
    await h?.close();
  });

  const path = (suffix: string) => `/customers/${customer.id}/${suffix}`;
  const lastEvent = async () => (await streamEvents(h.store, customerStream(customer.id))).at(-1)!;
  const refused = (send: () => ReturnType<Harness['post']>) => expectNothingWritten(h, customerStream(customer.id), send);
  const expect422 = async (send: () => ReturnType<Harness['post']>, ...fieldRule: string[]) => {
    const response = await refused(send);
    expectProblem(response, 422, 'request.validation_failed');
    expect(fieldRules(response)).toEqual(expect.arrayContaining(fieldRule));
  };

  describe('comments', () => {
    let commentId: string;

    it('adds one: 201, Location, the author is the acting admin', async () => {
      const response = await h.post(path('comments'), { text: 'Called about the router', type: 'support', pinned: true }).expect(201);
      // The answer is the new comment with the customer's revision and position, not the whole customer.
      const comment = response.body;
      commentId = comment.id;
      expect(comment.comments).toBeUndefined();
      expect(response.headers.location).toBe(`/api/v1/customers/${customer.id}/comments/${commentId}`);
      expect(response.headers.etag).toBe(`"${response.body.revision}"`);
      expect(comment).toMatchObject({
        text: 'Called about the router',
        type: 'support',
        pinned: true,
        author: { id: expect.any(String), name: expect.any(String) },
        customerId: customer.id,
        revision: expect.any(Number),
        position: expect.any(String),
      });
      expect(await lastEvent()).toMatchObject({ type: 'CustomerCommentAdded', data: { commentId, text: 'Called about the router' } });
    });

    it('edits it (changes recorded) and deletes it', async () => {
      const edited = await h.patch(path(`comments/${commentId}`), { text: 'Router replaced', pinned: false }).expect(200);
      expect(edited.body.comments.find((comment: { id: string }) => comment.id === commentId)).toMatchObject({ text: 'Router replaced', pinned: false, editedAt: expect.any(String) });
      expect(await lastEvent()).toMatchObject({ type: 'CustomerCommentEdited', data: { changes: expect.arrayContaining([{ field: 'text', from: 'Called about the router', to: 'Router replaced' }]) } });
      const deleted = await h.del(path(`comments/${commentId}`)).expect(200);
      expect(deleted.body.comments.some((comment: { id: string }) => comment.id === commentId)).toBe(false);
      expect(await lastEvent()).toMatchObject({ type: 'CustomerCommentDeleted', data: { commentId } });
    });

    it('refuses an unknown comment (404) and bad input (422)', async () => {
      expectProblem(await refused(() => h.patch(path('comments/nope'), { text: 'x' })), 404, 'customer.comment.not_found');
      expectProblem(await refused(() => h.del(path(`comments/${commentId}`))), 404, 'customer.comment.not_found');
      await expect422(() => h.post(path('comments'), {}), 'text:required');
      await expect422(() => h.post(path('comments'), { text: '' }), 'text:minLength');
      await expect422(() => h.post(path('comments'), { text: 'x'.repeat(10001) }), 'text:maxLength');
      await expect422(() => h.post(path('comments'), { text: 'x', type: 'gossip', pinned: 'yes', mood: 1 }), 'type:enum', 'pinned:type', 'mood:unknownField');
    });

    it('refuses with a stale If-Match (412) and for an unknown customer (404)', async () => {
      expectProblem(await refused(() => h.post(path('comments'), { text: 'late' }, { 'If-Match': '"1"' })), 412);
      expectProblem(await h.post('/customers/987654/comments', { text: 'x' }), 404, 'customer.not_found');
    });
  });

  describe('notes', () => {
    let noteId: string;

    it('adds an internal note and a debtor pop-up note', async () => {
      const internal = await h.post(path('notes'), { text: 'Prefers email' }).expect(201);
      expect(internal.body).toMatchObject({ id: expect.any(String), text: 'Prefers email', kind: 'internal', popup: false, customerId: customer.id, revision: expect.any(Number) });
      const debtor = await h.post(path('notes'), { text: 'Owes two months', kind: 'debtor', popup: true }).expect(201);
      noteId = debtor.body.id;
      expect(debtor.body.revision).toBe(internal.body.revision + 1);
      expect(debtor.headers.location).toBe(`/api/v1/customers/${customer.id}/notes/${noteId}`);
      expect(await lastEvent()).toMatchObject({ type: 'CustomerNoteAdded', data: { kind: 'debtor', popup: true } });
    });

    it('edits and deletes a note', async () => {
      await h.patch(path(`notes/${noteId}`), { popup: false }).expect(200);
      expect(await lastEvent()).toMatchObject({ type: 'CustomerNoteEdited', data: { changes: [{ field: 'popup', from: true, to: false }] } });
      await h.del(path(`notes/${noteId}`)).expect(200);
      expect(await lastEvent()).toMatchObject({ type: 'CustomerNoteDeleted', data: { noteId } });
    });

    it('refuses an unknown note (404) and bad input (422)', async () => {
      expectProblem(await refused(() => h.patch(path(`notes/${noteId}`), { text: 'x' })), 404, 'customer.note.not_found');
      await expect422(() => h.post(path('notes'), { text: 'x', kind: 'secret' }), 'kind:enum');
      await expect422(() => h.post(path('notes'), { text: 42, popup: 'no' }), 'text:type', 'popup:type');
      await expect422(() => h.patch(path('notes/any'), { text: '' }), 'text:minLength');
    });
  });

  describe('CAP bonus data', () => {
    let grantId: string;

    it('grants bonus data; the total counts active grants', async () => {
      const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const response = await h.post(path('cap'), { megabytes: 5000, reason: 'outage compensation', expiresAt }).expect(201);
      grantId = response.body.id;
      expect(response.body).toMatchObject({ id: grantId, megabytes: 5000, reason: 'outage compensation', expiresAt, revoked: false, customerId: customer.id });
      expect(response.headers.location).toBe(`/api/v1/customers/${customer.id}/cap/${grantId}`);
      expect(await lastEvent()).toMatchObject({ type: 'CapBonusGranted', data: { grantId, megabytes: 5000 } });
      const topUp = await h.post(path('cap'), { megabytes: 1000, reason: 'top-up' }).expect(201);
      const cap = await h.get(`${path('cap')}?minPosition=${topUp.body.position}`).expect(200);
      expect(cap.body.bonusMegabytesTotal).toBe(6000);
    });

    it('revokes a grant; revoking it again is refused', async () => {
      const response = await h.post(path(`cap/${grantId}/revoke`), { reason: 'mistake' }).expect(200);
      expect(response.body.cap.bonusMegabytesTotal).toBe(1000);
      expect(await lastEvent()).toMatchObject({ type: 'CapBonusRevoked', data: { grantId, reason: 'mistake' } });
      expectProblem(await refused(() => h.post(path(`cap/${grantId}/revoke`), {})), 409, 'customer.cap.grant_already_revoked');
      expectProblem(await refused(() => h.post(path('cap/nope/revoke'), {})), 404, 'customer.cap.grant.not_found');
    });

    it('refuses bad grants: 422', async () => {
      await expect422(() => h.post(path('cap'), { megabytes: 0, reason: 'x' }), 'megabytes:range');
      await expect422(() => h.post(path('cap'), { megabytes: 1.5, reason: 'x' }), 'megabytes:integer');
      await expect422(() => h.post(path('cap'), { megabytes: 100 }), 'reason:required');
      await expect422(() => h.post(path('cap'), { megabytes: 100, reason: 'x', expiresAt: 'next week' }), 'expiresAt:dateTime');
      await expect422(() => h.post(path('cap'), { megabytes: 100, reason: 'x', expiresAt: '2001-01-01T00:00:00Z' }), 'expiresAt:future');
    });
  });

  describe('hardware', () => {
    it('assigns an item (201, Location), refuses it twice (409), unassigns it', async () => {
      const response = await h.post(path('hardware'), { itemId: 'INV-42', productName: 'Fiber ONT', barcode: '4006381333931', status: 'rent' }).expect(201);
      expect(response.headers.location).toBe(`/api/v1/customers/${customer.id}/hardware/INV-42`);
      expect(response.body).toMatchObject({ itemId: 'INV-42', productName: 'Fiber ONT', status: 'rent', customerId: customer.id, revision: expect.any(Number) });
      expectProblem(await refused(() => h.post(path('hardware'), { itemId: 'INV-42', productName: 'Again' })), 409, 'customer.hardware.already_assigned');
      const removed = await h.del(path('hardware/INV-42'), { reason: 'returned' }).expect(200);
      expect(removed.body.hardware).toEqual([]);
      expect(await lastEvent()).toMatchObject({ type: 'HardwareUnassigned', data: { itemId: 'INV-42', reason: 'returned' } });
    });

    it('refuses an item not assigned (404) and bad input (422)', async () => {
      expectProblem(await refused(() => h.del(path('hardware/INV-404'))), 404, 'customer.hardware.not_found');
      await expect422(() => h.post(path('hardware'), { itemId: 42, productName: 'ONT' }), 'itemId:type');
      await expect422(() => h.post(path('hardware'), { itemId: 'X', productName: 'ONT', status: 'lost' }), 'status:enum');
      await expect422(() => h.post(path('hardware'), { itemId: 'X', productName: 'p'.repeat(256) }), 'productName:maxLength');
    });
  });

  describe('contacts', () => {
    it('adds and removes a contact person', async () => {
      const response = await h.post(path('contacts'), { name: 'Max Mustermann', role: 'IT', email: 'max@example.com', phone: '+49 170 1234567' }).expect(201);
      const contact = response.body;
      expect(contact).toMatchObject({ id: expect.any(String), name: 'Max Mustermann', role: 'IT', email: 'max@example.com', customerId: customer.id });
      expect(response.headers.location).toBe(`/api/v1/customers/${customer.id}/contacts/${contact.id}`);
      await h.del(path(`contacts/${contact.id}`)).expect(200);
      expect(await lastEvent()).toMatchObject({ type: 'ContactPersonRemoved', data: { contactId: contact.id } });
      expectProblem(await refused(() => h.del(path(`contacts/${contact.id}`))), 404, 'customer.contact.not_found');
    });

    it('refuses invalid email, phone, length: 422', async () => {
      await expect422(() => h.post(path('contacts'), { name: 'A', email: 'max(at)example.com' }), 'email:email');
      await expect422(() => h.post(path('contacts'), { name: 'A', phone: 'ring ring' }), 'phone:format');
      await expect422(() => h.post(path('contacts'), { name: 'n'.repeat(256) }), 'name:maxLength');
      await expect422(() => h.post(path('contacts'), {}), 'name:required');
    });
  });

  describe('additional addresses', () => {
    it('adds and removes one', async () => {
      const response = await h.post(path('addresses'), { label: 'Billing', street: 'Side Street 2', city: 'Berlin', country: 'de', geo: { lat: 52.5, lng: 13.4 } }).expect(201);
      const address = response.body;
      expect(address).toMatchObject({ id: expect.any(String), label: 'Billing', street: 'Side Street 2', country: 'DE', geo: { lat: 52.5, lng: 13.4 }, customerId: customer.id });
      expect(response.headers.location).toBe(`/api/v1/customers/${customer.id}/addresses/${address.id}`);
      await h.del(path(`addresses/${address.id}`)).expect(200);
      expect(await lastEvent()).toMatchObject({ type: 'AdditionalAddressRemoved', data: { addressId: address.id } });
      expectProblem(await refused(() => h.del(path(`addresses/${address.id}`))), 404, 'customer.address.not_found');
    });

    it('refuses bad coordinates, country codes, missing street: 422', async () => {
      await expect422(() => h.post(path('addresses'), { street: 'S', geo: { lat: 95, lng: 0 } }), 'geo.lat:range');
      await expect422(() => h.post(path('addresses'), { street: 'S', geo: 'here' }), 'geo:type');
      await expect422(() => h.post(path('addresses'), { street: 'S', country: 'DEU' }), 'country:format');
      await expect422(() => h.post(path('addresses'), { city: 'Berlin' }), 'street:required');
    });
  });

  describe('payments and charges', () => {
    it('a payment raises the balance, a charge lowers it', async () => {
      const paid = await h.post(path('payments'), { amount: 50.25, method: 'bank_transfer', reference: 'TX-1' }).expect(201);
      expect(paid.body).toMatchObject({ id: expect.any(String), amount: 50.25, method: 'bank_transfer', reference: 'TX-1', balance: 50.25, customerId: customer.id });
      expect(paid.headers.location).toBe(`/api/v1/customers/${customer.id}/payments/${paid.body.id}`);
      expect(await lastEvent()).toMatchObject({ type: 'PaymentRecorded', data: { amount: 50.25, changes: [{ field: 'balance', from: 0, to: 50.25 }] } });
      const charged = await h.post(path('charges'), { amount: 20.1, description: 'Monthly fee' }).expect(201);
      expect(charged.body).toMatchObject({ id: expect.any(String), amount: 20.1, description: 'Monthly fee', balance: 30.15, revision: paid.body.revision + 1 });
      expect(await lastEvent()).toMatchObject({ type: 'ChargeRecorded', data: { amount: 20.1, description: 'Monthly fee' } });
    });

    it('refuses zero, negative, textual amounts, unknown methods, a missing description: 422', async () => {
      await expect422(() => h.post(path('payments'), { amount: 0 }), 'amount:range');
      await expect422(() => h.post(path('payments'), { amount: -5 }), 'amount:range');
      await expect422(() => h.post(path('payments'), { amount: '10' }), 'amount:type');
      await expect422(() => h.post(path('payments'), { amount: 10, method: 'gold' }), 'method:enum');
      await expect422(() => h.post(path('charges'), { amount: 10 }), 'description:required');
    });
  });

  describe('refused for leads', () => {
    it('payments, charges, CAP grants and hardware: 409 customer.lead.not_a_customer', async () => {
      const lead = await createCustomer(h, ref);
      await h.post(`/customers/${lead.id}/convert-to-lead`, {}).expect(200);
      for (const [suffix, body] of [
        ['payments', { amount: 10 }],
        ['charges', { amount: 10, description: 'fee' }],
        ['cap', { megabytes: 10, reason: 'x' }],
        ['hardware', { itemId: 'I-1', productName: 'ONT' }],
      ] as const) {
        const response = await expectNothingWritten(h, customerStream(lead.id), () => h.post(`/customers/${lead.id}/${suffix}`, body));
        expectProblem(response, 409, 'customer.lead.not_a_customer');
      }
      // Comments and notes are fine on a lead.
      await h.post(`/customers/${lead.id}/comments`, { text: 'Interested in fiber' }).expect(201);
    });
  });
});
