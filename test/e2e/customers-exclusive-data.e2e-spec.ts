/**
 * Data that must not survive: an inventory item is with one customer at a time (even when two
 * admins assign it at once), and the values of a removed additional field (or of one defined again
 * with another type) are on no profile, in no write answer and in no list item.
 */
import { createCustomer, customerWithStatus, expectNothingWritten, expectProblem, seedReferenceData, startHarness, type Harness, type Reference } from './customers-e2e-support.js';

describe('exclusive and stale customer data', () => {
  let h: Harness;
  let reference: Reference;
  beforeAll(async () => {
    h = await startHarness();
    reference = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('an inventory item is assigned to one customer at a time', () => {
    it('refuses the item on a second customer with 409 customer.hardware.assigned_elsewhere, nothing written; free again once unassigned', async () => {
      const a = await createCustomer(h, reference);
      const b = await createCustomer(h, reference);
      await h.post(`/customers/${a.id}/hardware`, { itemId: 'INV-SEQ-1', productName: 'ONT' }).expect(201);
      const refused = await expectNothingWritten(h, `customer-${b.id}`, () => h.post(`/customers/${b.id}/hardware`, { itemId: 'INV-SEQ-1', productName: 'ONT' }));
      expectProblem(refused, 409, 'customer.hardware.assigned_elsewhere');
      expect(refused.body.details).toMatchObject({ itemId: 'INV-SEQ-1' });
      await h.del(`/customers/${a.id}/hardware/INV-SEQ-1`).expect(200);
      await h.post(`/customers/${b.id}/hardware`, { itemId: 'INV-SEQ-1', productName: 'ONT' }).expect(201);
    });

    it('two customers asking for one item at once: exactly one gets it, in every round', async () => {
      const customers = await Promise.all(Array.from({ length: 4 }, () => createCustomer(h, reference)));
      for (let round = 0; round < 5; round++) {
        const itemId = `INV-RACE-${round}`;
        const answers = await Promise.all(customers.map((customer) => h.post(`/customers/${customer.id}/hardware`, { itemId, productName: 'Router' })));
        const statuses = answers.map((answer) => answer.status).sort();
        expect(statuses).toEqual([201, 409, 409, 409]);
        for (const answer of answers.filter((item) => item.status === 409)) expect(answer.body.rule).toBe('customer.hardware.assigned_elsewhere');
        // The streams agree: one HardwareAssigned for the item in all of them.
        let assigned = 0;
        for (const customer of customers) {
          const events = await h.store.readStream(`customer-${customer.id}`);
          assigned += events.filter((event) => event.type === 'HardwareAssigned' && (event.data as { itemId: string }).itemId === itemId).length;
        }
        expect(assigned).toBe(1);
      }
    });

    it("a deleted customer's items are free; restoring it while one is elsewhere is refused", async () => {
      const a = await customerWithStatus(h, reference, 'inactive');
      const b = await createCustomer(h, reference);
      await h.post(`/customers/${a.id}/hardware`, { itemId: 'INV-DEL-1', productName: 'ONT' }).expect(201);
      await h.del(`/customers/${a.id}`).expect(200);
      await h.post(`/customers/${b.id}/hardware`, { itemId: 'INV-DEL-1', productName: 'ONT' }).expect(201);
      const restore = await h.post(`/customers/${a.id}/restore`, {});
      expectProblem(restore, 409, 'customer.hardware.assigned_elsewhere');
    });
  });

  describe('additional field values follow their definitions', () => {
    it('a removed field leaves no value on the profile, the write answer or the list; a field defined again with another type keeps no value of the old type', async () => {
      await h.post('/additional-fields', { name: 'contract_ref', label: 'Contract', type: 'string', showInList: true }).expect(201);
      const customer = await createCustomer(h, reference, { additionalFields: { contract_ref: 'C-1001' } });
      expect(customer.additionalFields).toEqual({ contract_ref: 'C-1001' });

      const removed = await h.del('/additional-fields/contract_ref').expect(200);
      const profile = await h.get(`/customers/${customer.id}?minPosition=${encodeURIComponent(removed.body.position)}`).expect(200);
      expect(profile.body.additionalFields).toEqual({});
      expect(profile.body.additionalFieldLabels).toEqual({});
      const written = await h.patch(`/customers/${customer.id}`, { city: 'Riga' }).expect(200);
      expect(written.body.additionalFields).toEqual({});
      const list = await h.get(`/customers?minPosition=${encodeURIComponent(written.body.position)}&limit=200`).expect(200);
      expect(list.body.items.find((item: { id: number }) => item.id === customer.id).additionalFields).toEqual({});

      // Defined again, now as an integer: the old text is no value of it.
      const redefined = await h.post('/additional-fields', { name: 'contract_ref', label: 'Contract no.', type: 'integer', showInList: true }).expect(201);
      const again = await h.get(`/customers/${customer.id}?minPosition=${encodeURIComponent(redefined.body.position)}`).expect(200);
      expect(again.body.additionalFields).toEqual({});
      const answer = await h.patch(`/customers/${customer.id}`, { city: 'Cesis' }).expect(200);
      expect(answer.body.additionalFields).toEqual({});

      // Setting any additional field records the clearing of the stale value; the new integer is kept.
      const set = await h.put(`/customers/${customer.id}/additional-fields`, { contract_ref: 42 }).expect(200);
      expect(set.body.additionalFields).toEqual({ contract_ref: 42 });
      const events = await h.store.readStream(`customer-${customer.id}`);
      const last = events[events.length - 1];
      expect(last.type).toBe('CustomerAdditionalFieldsChanged');
      expect((last.data as { changes: unknown[] }).changes).toEqual([{ field: 'additionalFields.contract_ref', from: 'C-1001', to: 42 }]);
      const read = await h.get(`/customers/${customer.id}?minPosition=${encodeURIComponent(set.body.position)}`).expect(200);
      expect(read.body.additionalFields).toEqual({ contract_ref: 42 });
    });
  });
});
