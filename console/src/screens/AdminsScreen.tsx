/** Administrators and roles: who may log in, with which role and partners; the roles' permissions. */
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';
import { ErrorMessage, Loading, Section, SelectField, TextField, formatTime } from '../components/ui';
import { WriteError, useWriteForm } from '../components/forms';
import { namesById, usePartners } from '../data/reference';

type Admins = ResponseOf<'/api/v1/admins'>;
type Roles = ResponseOf<'/api/v1/roles'>;

export function AdminsScreen() {
  const queryClient = useQueryClient();
  const admins = useQuery({ queryKey: ['admins'], queryFn: (): Promise<Admins> => ok(api.GET('/api/v1/admins')) });
  const roles = useQuery({ queryKey: ['roles'], queryFn: (): Promise<Roles> => ok(api.GET('/api/v1/roles')) });
  const partners = namesById(usePartners().data);
  const form = useWriteForm();
  const action = useWriteForm();
  const [draft, setDraft] = useState({ email: '', name: '', password: '', role: 'manager', partnerId: '' });
  const adminItems = (admins.data?.items ?? []) as { id: string; email: string; name: string; role: string; partnerIds: number[]; active: boolean; createdAt: string }[];
  const roleItems = (roles.data?.items ?? []) as { name: string; label?: string; permissions: string[]; builtIn?: boolean }[];
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admins'] });
  const create = () =>
    ok(
      api.POST('/api/v1/admins', {
        body: { email: draft.email, name: draft.name, password: draft.password, role: draft.role, partnerIds: draft.partnerId ? [Number(draft.partnerId)] : [] } as never,
      }),
    );

  return (
    <div className="page">
      <h1>Admins and roles</h1>
      <Section title="Administrators" id="admins">
        {admins.isPending ? (
          <Loading />
        ) : admins.isError ? (
          <ErrorMessage error={admins.error} retry={() => void admins.refetch()} />
        ) : (
          <div className="table-wrap" role="region" aria-label="Administrators" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Partners</th>
                  <th scope="col">Since</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {adminItems.map((admin) => (
                  <tr key={admin.id}>
                    <td>{admin.name}</td>
                    <td>{admin.email}</td>
                    <td>{admin.role}</td>
                    <td>{admin.partnerIds.length ? admin.partnerIds.map((id) => partners.get(id) ?? id).join(', ') : 'All'}</td>
                    <td>{formatTime(admin.createdAt)}</td>
                    <td>
                      {admin.active ? 'Active' : 'Deactivated'}{' '}
                      <button
                        type="button"
                        aria-label={`${admin.active ? 'Deactivate' : 'Reactivate'} ${admin.name}`}
                        disabled={action.busy}
                        onClick={action.submit(
                          () =>
                            admin.active
                              ? ok(api.POST('/api/v1/admins/{id}/deactivate', { params: { path: { id: admin.id } }, body: {} }))
                              : ok(api.POST('/api/v1/admins/{id}/reactivate', { params: { path: { id: admin.id } } })),
                          refresh,
                        )}
                      >
                        {admin.active ? 'Deactivate' : 'Reactivate'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <WriteError form={action} />
        <form
          aria-label="New administrator"
          noValidate
          onSubmit={form.submit(create, () => {
            setDraft({ email: '', name: '', password: '', role: 'manager', partnerId: '' });
            refresh();
          })}
        >
          <h3>New administrator</h3>
          <div className="form-grid">
            <TextField label="Name" name="name" value={draft.name} onChange={(event) => setDraft({ ...draft, name: event.target.value })} error={form.fieldError('name')} />
            <TextField label="Email" type="email" name="email" value={draft.email} onChange={(event) => setDraft({ ...draft, email: event.target.value })} error={form.fieldError('email')} />
            <TextField
              label="Password"
              type="password"
              name="password"
              autoComplete="new-password"
              hint="At least 10 characters"
              value={draft.password}
              onChange={(event) => setDraft({ ...draft, password: event.target.value })}
              error={form.fieldError('password')}
            />
            <SelectField label="Role" name="role" value={draft.role} onChange={(event) => setDraft({ ...draft, role: event.target.value })} error={form.fieldError('role')}>
              {roleItems.map((role) => (
                <option key={role.name} value={role.name}>
                  {role.label ?? role.name}
                </option>
              ))}
            </SelectField>
            <SelectField label="Partner" name="partnerId" value={draft.partnerId} onChange={(event) => setDraft({ ...draft, partnerId: event.target.value })} error={form.fieldError('partnerIds')}>
              <option value="">All partners</option>
              {[...partners].map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </SelectField>
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={form.busy}>
              Create administrator
            </button>
          </div>
          <WriteError form={form} fields={['name', 'email', 'password', 'role', 'partnerIds']} />
        </form>
      </Section>
      <Section title="Roles" id="roles">
        {roles.isPending ? (
          <Loading />
        ) : roles.isError ? (
          <ErrorMessage error={roles.error} retry={() => void roles.refetch()} />
        ) : (
          <ul className="notes">
            {roleItems.map((role) => (
              <li key={role.name}>
                <strong>{role.label ?? role.name}</strong> <code>{role.name}</code>
                {role.builtIn ? ' (built in)' : ''}: {role.permissions.join(', ')}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
