/** One customer's profile (GET /customers/{id}) with its ETag, and the writes screens make on it. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, okWithEtag, type ResponseOf } from '../api/client';

export type Customer = ResponseOf<'/api/v1/customers/{id}'>;

export function customerKey(id: number) {
  return ['customer', id] as const;
}

async function fetchCustomer(id: number, minPosition?: string | null): Promise<{ customer: Customer; etag: string }> {
  const { body, etag } = await okWithEtag(api.GET('/api/v1/customers/{id}', { params: { path: { id }, query: minPosition ? { minPosition } : {} } }));
  return { customer: body, etag: etag ?? `"${body.revision}"` };
}

export function useCustomer(id: number) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: customerKey(id), queryFn: () => fetchCustomer(id) });
  /** Reads the profile again once the projections have reached `position` (the answer of a write). */
  const reloadAt = async (position?: string | null) => {
    const fresh = await fetchCustomer(id, position);
    queryClient.setQueryData(customerKey(id), fresh);
    void queryClient.invalidateQueries({ queryKey: ['customers'] });
    return fresh;
  };
  return { ...query, reloadAt };
}
