/** Reference data the screens show by name: partners and locations (cached for a minute). */
import { useQuery } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';

export type PartnerPage = ResponseOf<'/api/v1/partners'>;
export type LocationPage = ResponseOf<'/api/v1/locations'>;

export function usePartners() {
  return useQuery({ queryKey: ['partners'], staleTime: 60_000, queryFn: (): Promise<PartnerPage> => ok(api.GET('/api/v1/partners')) });
}

export function useLocations() {
  return useQuery({ queryKey: ['locations'], staleTime: 60_000, queryFn: (): Promise<LocationPage> => ok(api.GET('/api/v1/locations')) });
}

/** id → name of partners or locations. */
export function namesById(page: { items?: { id: number; name: string }[] } | undefined): Map<number, string> {
  return new Map((page?.items ?? []).map((item) => [item.id, item.name]));
}
