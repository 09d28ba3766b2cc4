/** One customer's profile (GET /customers/{id}) with its ETag, and the writes screens make on it. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, okWithEtag, type ResponseOf } from '../api/client';

export type Customer = ResponseOf<'/api/v1/customers/{id}'>;

export function customerKey(id: number) {
  return ['customer', id] as const;
}

async function fetchCustomer(id: number, query: { minPosition?: string; consistent?: boolean } = {}): Promise<{ customer: Customer; etag: string }> {
  const { body, etag } = await okWithEtag(api.GET('/api/v1/customers/{id}', { params: { path: { id }, query } }));
  return { customer: body, etag: etag ?? `"${body.revision}"` };
}

export function useCustomer(id: number) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: customerKey(id), queryFn: () => fetchCustomer(id) });
  /**
   * Reads the profile again once the projections have reached `position` (the answer of a write).
   * Without one (after a 412: someone else wrote, we know not where) it reads the stream's head, so
   * the ETag is the revision the next If-Match needs.
   */
  const reloadAt = async (position?: string | null) => {
    const fresh = await fetchCustomer(id, position ? { minPosition: position } : { consistent: true });
    queryClient.setQueryData(customerKey(id), fresh);
    void queryClient.invalidateQueries({ queryKey: ['customers'] });
    return fresh;
  };
  return { ...query, reloadAt };
}
