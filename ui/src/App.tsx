import { lazy, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router-dom";
import { Layout } from "./pages/Layout";
import { LoginPage } from "./pages/LoginPage";
import { HomeRedirect } from "./pages/HomeRedirect";
import { ProjectScope } from "./session";
import { RequireSession } from "./session";
import { Spinner } from "./components/Spinner";

// Routes are code-split: the live view never loads the dashboard grid or chart code.
const LivePage = lazy(() => import("./pages/LivePage"));
const TracePage = lazy(() => import("./pages/TracePage"));
const ExplorePage = lazy(() => import("./pages/ExplorePage"));
const DashboardsPage = lazy(() => import("./pages/DashboardsPage"));
const DashboardPage = lazy(() => import("./pages/DashboardPage"));
const AlertsPage = lazy(() => import("./pages/AlertsPage"));
const AlertEditPage = lazy(() => import("./pages/AlertEditPage"));
const SettingsPage = lazy(() => import("./pages/SettingsPage"));

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireSession />}>
        <Route path="/" element={<HomeRedirect />} />
        <Route path="/o/:org/p/:project" element={<ProjectScope />}>
          <Route element={<Layout />}>
            <Route index element={<Navigate to="live" replace />} />
            <Route path="live" element={<Page><LivePage /></Page>} />
            <Route path="trace/:traceId" element={<Page><TracePage /></Page>} />
            <Route path="explore" element={<Page><ExplorePage /></Page>} />
            <Route path="dashboards" element={<Page><DashboardsPage /></Page>} />
            <Route path="dashboards/:slug" element={<Page><DashboardPage /></Page>} />
            <Route path="alerts" element={<Page><AlertsPage /></Page>} />
            <Route path="alerts/new" element={<Page><AlertEditPage /></Page>} />
            <Route path="alerts/:alertId" element={<Page><AlertEditPage /></Page>} />
            <Route path="settings" element={<Page><SettingsPage /></Page>} />
          </Route>
        </Route>
        <Route path="*" element={<HomeRedirect />} />
      </Route>
    </Routes>
  );
}

function Page({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<Spinner label="Loading…" />}>{children}</Suspense>;
}
