import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useAuth } from './auth/auth';
import { Layout } from './components/Layout';
import { ErrorMessage, Loading } from './components/ui';
import { LoginScreen } from './screens/LoginScreen';
import { CustomerListScreen } from './screens/CustomerListScreen';
import { CustomerProfileScreen } from './screens/CustomerProfileScreen';
import { ActivityScreen } from './screens/ActivityScreen';
import { NotYetScreen } from './screens/NotYetScreen';
import { CustomerHistoryScreen } from './screens/CustomerHistoryScreen';
import { ReferenceDataScreen } from './screens/ReferenceDataScreen';
import { AdminsScreen } from './screens/AdminsScreen';
import { OperationsScreen } from './screens/OperationsScreen';
import { AuditLogScreen } from './screens/AuditLogScreen';
import { UpcomingScreen } from './screens/ScheduledChanges';

function RequireLogin() {
  const { loggedIn, loading, error, admin } = useAuth();
  const location = useLocation();
  if (!loggedIn) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (loading) return <Loading what="Opening your session" />;
  if (!admin) return <ErrorMessage error={error} retry={() => location.pathname && window.location.reload()} />;
  return <Layout />;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginScreen />} />
      <Route element={<RequireLogin />}>
        <Route index element={<Navigate to="/customers" replace />} />
        <Route path="/customers" element={<CustomerListScreen />} />
        <Route path="/customers/:id" element={<CustomerProfileScreen />} />
        <Route path="/activity" element={<ActivityScreen />} />
        <Route path="/upcoming" element={<UpcomingScreen />} />
        <Route path="/customers/:id/history" element={<CustomerHistoryScreen />} />
        <Route path="/reference-data" element={<ReferenceDataScreen />} />
        <Route path="/admins" element={<AdminsScreen />} />
        <Route path="/operations" element={<OperationsScreen />} />
        <Route path="/audit" element={<AuditLogScreen />} />
        <Route path="*" element={<NotYetScreen title="Not found" />} />
      </Route>
    </Routes>
  );
}
