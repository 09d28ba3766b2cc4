import { NavLink, Outlet } from 'react-router-dom';
import { useAuth } from '../auth/auth';
import { session } from '../auth/session';

/** The frame of every screen after login: skip link, navigation (only what the role allows), who is logged in. */
export function Layout() {
  const { admin, can } = useAuth();
  const scope = admin && admin.partnerIds.length > 0 ? `partners ${admin.partnerIds.join(', ')}` : 'all partners';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Chronicle</span>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/customers">Customers</NavLink>
            </li>
            {can('customers.read') && (
              <li>
                <NavLink to="/activity">Activity</NavLink>
              </li>
            )}
            {can('customers.read') && (
              <li>
                <NavLink to="/upcoming">Upcoming</NavLink>
              </li>
            )}
            {can('reference_data') && (
              <li>
                <NavLink to="/reference-data">Reference data</NavLink>
              </li>
            )}
            {can('admins') && (
              <li>
                <NavLink to="/admins">Admins</NavLink>
              </li>
            )}
            {can('audit.read') && (
              <li>
                <NavLink to="/audit">Audit log</NavLink>
              </li>
            )}
            {can('operations') && (
              <li>
                <NavLink to="/operations">Operations</NavLink>
              </li>
            )}
          </ul>
        </nav>
        <div className="who" aria-label="Logged in as">
          <span className="who-name">{admin?.name ?? '…'}</span>
          <span className="who-role" title={`Role ${admin?.role ?? ''}, ${scope}`}>
            {admin?.role} · {scope}
          </span>
          <button type="button" onClick={() => void session.logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
