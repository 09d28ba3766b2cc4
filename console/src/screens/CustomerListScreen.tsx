/**
 * Customer list: search as you type, filters, sort, keyset paging and the total. Every choice lives in
 * the URL (?q=&status=&partnerId=&…&sort=&cursor=), so a filtered list can be bookmarked and shared.
 */
import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ok, type ResponseOf } from '../api/client';
import { ErrorMessage, Loading, SelectField, StatusBadge, TextField, formatMoney } from '../components/ui';
import { namesById, useLocations, usePartners } from '../data/reference';

type CustomerPage = ResponseOf<'/api/v1/customers'>;

const PAGE_SIZE = 25;
const FILTERS = ['q', 'status', 'partnerId', 'locationId', 'billingType', 'category', 'labels', 'sort', 'asOf'] as const;
const SORTS: [string, string][] = [
  ['-updatedAt', 'Recently changed'],
  ['fullName', 'Name A–Z'],
  ['-fullName', 'Name Z–A'],
  ['id', 'Oldest first'],
  ['-id', 'Newest first'],
  ['-balance', 'Balance, highest first'],
  ['balance', 'Balance, lowest first'],
  ['city', 'City'],
];

const list = (value: string | null) => (value ? value.split(',').filter(Boolean) : undefined);

export function CustomerListScreen() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const partners = usePartners();
  const locations = useLocations();
  const partnerNames = namesById(partners.data);
  const locationNames = namesById(locations.data);
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const cursor = params.get('cursor') ?? undefined;
  const previousCursors = ((location.state as { cursors?: string[] } | null)?.cursors ?? []) as string[];

  // Search as you type: the URL follows the box a moment after the last key (replace, not a history entry per key).
  useEffect(() => {
    if (search === q) return;
    const timer = setTimeout(() => update({ q: search }, true), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);
  useEffect(() => setSearch(q), [q]);

  function update(changes: Partial<Record<(typeof FILTERS)[number], string>>, replace = false) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    next.delete('cursor'); // another filter or sort starts again at the first page
    setParams(next, { replace });
  }

  const query = {
    q: q || undefined,
    status: list(params.get('status')),
    partnerId: list(params.get('partnerId')),
    locationId: list(params.get('locationId')),
    billingType: list(params.get('billingType')),
    category: list(params.get('category')),
    labels: list(params.get('labels')),
    sort: params.get('sort') ?? '-updatedAt',
    // A day in the URL (?asOf=2026-03-31): the customers as they were at the end of that day (UTC).
    asOf: params.get('asOf') ? `${params.get('asOf')}T23:59:59.999Z` : undefined,
    cursor,
    limit: PAGE_SIZE,
    total: true,
  };
  const page = useQuery({
    queryKey: ['customers', query],
    placeholderData: keepPreviousData,
    queryFn: (): Promise<CustomerPage> => ok(api.GET('/api/v1/customers', { params: { query } })),
  });

  function goTo(nextCursor: string | undefined, cursors: string[]) {
    const next = new URLSearchParams(params);
    if (nextCursor) next.set('cursor', nextCursor);
    else next.delete('cursor');
    navigate({ search: next.toString() }, { state: { cursors } });
  }

  const items = (page.data?.items ?? []) as CustomerPage['items'];
  const total = page.data?.total as number | undefined;
  const firstShown = previousCursors.length * PAGE_SIZE + 1;

  return (
    <div className="page">
      <h1>Customers</h1>
      <form className="filters" role="search" aria-label="Find customers" onSubmit={(event) => event.preventDefault()}>
        <TextField
          label="Search"
          type="search"
          name="q"
          placeholder="Name, login, email, phone digits, account number"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <SelectField label="Status" name="status" value={params.get('status') ?? ''} onChange={(event) => update({ status: event.target.value })}>
          <option value="">Any status</option>
          <option value="new">New</option>
          <option value="active">Active</option>
          <option value="blocked">Blocked</option>
          <option value="inactive">Inactive</option>
        </SelectField>
        <SelectField label="Partner" name="partnerId" value={params.get('partnerId') ?? ''} onChange={(event) => update({ partnerId: event.target.value })}>
          <option value="">Any partner</option>
          {[...partnerNames].map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Location" name="locationId" value={params.get('locationId') ?? ''} onChange={(event) => update({ locationId: event.target.value })}>
          <option value="">Any location</option>
          {[...locationNames].map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Billing type" name="billingType" value={params.get('billingType') ?? ''} onChange={(event) => update({ billingType: event.target.value })}>
          <option value="">Any billing type</option>
          <option value="recurring">Recurring</option>
          <option value="prepaid_custom">Prepaid (custom)</option>
          <option value="prepaid_daily">Prepaid (daily)</option>
        </SelectField>
        <SelectField label="Category" name="category" value={params.get('category') ?? ''} onChange={(event) => update({ category: event.target.value })}>
          <option value="">Person or company</option>
          <option value="person">Person</option>
          <option value="company">Company</option>
        </SelectField>
        <LabelsFilter value={params.get('labels') ?? ''} onChange={(labels) => update({ labels })} />
        <TextField label="As of (end of day, UTC)" name="asOf" type="date" value={params.get('asOf') ?? ''} onChange={(event) => update({ asOf: event.target.value })} />
        <SelectField label="Sort" name="sort" value={params.get('sort') ?? '-updatedAt'} onChange={(event) => update({ sort: event.target.value === '-updatedAt' ? '' : event.target.value })}>
          {SORTS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
      </form>

      <p className="result-count" role="status" aria-live="polite">
        {page.isPending
          ? 'Searching…'
          : page.isError
            ? ''
            : total === undefined
              ? `${items.length} shown`
              : total === 0
                ? 'No customers match'
                : `${firstShown}–${firstShown + items.length - 1} of ${total} customers`}
        {page.isFetching && !page.isPending ? ' (updating…)' : ''}
      </p>

      {page.isPending ? (
        <Loading what="Loading customers" />
      ) : page.isError ? (
        <ErrorMessage error={page.error} retry={() => void page.refetch()} />
      ) : (
        <div className="table-wrap" role="region" aria-label="Customers" tabIndex={0}>
          <table className="customers">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Login</th>
                <th scope="col">Account</th>
                <th scope="col">Partner</th>
                <th scope="col">Location</th>
                <th scope="col" className="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((customer: CustomerPage['items'][number]) => (
                <tr key={customer.id}>
                  <td>
                    <Link to={`/customers/${customer.id}`}>{customer.fullName}</Link>
                    {customer.isLead && <span className="badge">Lead</span>}
                    {customer.labels?.map((label: string) => (
                      <span key={label} className="badge label">
                        {label}
                      </span>
                    ))}
                  </td>
                  <td>
                    <StatusBadge status={customer.status} />
                  </td>
                  <td>{customer.login}</td>
                  <td>{customer.accountNumber ?? '—'}</td>
                  <td>{partnerNames.get(customer.partnerId) ?? customer.partnerId}</td>
                  <td>{locationNames.get(customer.locationId) ?? customer.locationId}</td>
                  <td className="num">{formatMoney(customer.balance)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={!cursor} onClick={() => goTo(previousCursors.at(-1) || undefined, previousCursors.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={!page.data?.nextCursor} onClick={() => goTo(page.data?.nextCursor ?? undefined, [...previousCursors, cursor ?? ''])}>
          Next page
        </button>
      </nav>
    </div>
  );
}

/** Labels the customers must all carry, typed comma separated; applied on Enter or when leaving the box. */
function LabelsFilter({ value, onChange }: { value: string; onChange: (labels: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const apply = () => {
    const labels = text
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean)
      .join(',');
    if (labels !== value) onChange(labels);
  };
  return (
    <TextField
      label="Labels"
      name="labels"
      hint="Comma separated; all must match"
      value={text}
      onChange={(event) => setText(event.target.value)}
      onBlur={apply}
      onKeyDown={(event) => {
        if (event.key === 'Enter') apply();
      }}
    />
  );
}
