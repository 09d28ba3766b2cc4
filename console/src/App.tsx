import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useAuth } from './auth/auth';
import { Layout } from './components/Layout';
import { ErrorMessage, Loading } from './components/ui';
import { LoginScreen } from './screens/LoginScreen';
import { CustomerListScreen } from './screens/CustomerListScreen';
import { CustomerProfileScreen } from './screens/CustomerProfileScreen';
import { ActivityScreen } from './screens/ActivityScreen';
import { NotYetScreen } from './screens/NotYetScreen';

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
        <Route path="/reference-data" element={<NotYetScreen title="Reference data" />} />
        <Route path="/admins" element={<NotYetScreen title="Admins and roles" />} />
        <Route path="/operations" element={<NotYetScreen title="Operations" />} />
        <Route path="*" element={<NotYetScreen title="Not found" />} />
      </Route>
    </Routes>
  );
}
