import { Stack, Text, Title } from "@mantine/core";
import { lazy, Suspense, type ReactNode } from "react";
import { Link, Outlet, Route, Routes, useNavigate } from "react-router";
import { loginPathFor } from "./auth/AuthProvider";
import { ForgotPasswordPage } from "./auth/ForgotPasswordPage";
import { LoginPage } from "./auth/LoginPage";
import { RegisterPage } from "./auth/RegisterPage";
import { RequireAuth } from "./auth/RequireAuth";
import { ResetPasswordPage } from "./auth/ResetPasswordPage";
import { writeAuth } from "./auth/tokens";
import { LiveEventsProvider } from "./live/LiveEvents";
import { AppLayout } from "./shell/AppLayout";
import { RouteProgress } from "./shell/RouteProgress";
import { useRouteTitle, type TitledRoute } from "./shell/useRouteTitle";

interface PageRoute extends TitledRoute {
  element: ReactNode;
}

// Top-level paths must match SPA_ROUTES in config/spa.py (Django serves index.html for them).
const DashboardPage = lazy(() => import("./features/dashboard/DashboardPage"));
const PositionsPage = lazy(() => import("./features/positions/PositionsPage"));
const PositionDetailPage = lazy(() => import("./features/positions/PositionDetailPage"));
const DealsPage = lazy(() => import("./features/positions/DealsPage"));
const QueuePage = lazy(() => import("./features/queue/QueuePage"));
const RiskPage = lazy(() => import("./features/risk/RiskPage"));
const ServicePage = lazy(() => import("./features/service/ServicePage"));
const AccountsPage = lazy(() => import("./features/accounts/AccountsPage"));
const EquityAccountPage = lazy(() => import("./features/equities/EquityAccountPage"));
const DcaConfigsPage = lazy(() => import("./features/dca/DcaConfigsPage"));
const DcaEditorPage = lazy(() => import("./features/dca/DcaEditorPage"));
const TradingConfigPage = lazy(() => import("./features/settings/TradingConfigPage"));
const WebhookPage = lazy(() => import("./features/signals/WebhookPage"));
const SignalsPage = lazy(() => import("./features/signals/SignalsPage"));
const SignalDetailPage = lazy(() => import("./features/signals/SignalDetailPage"));
const LogsPage = lazy(() => import("./features/logs/LogsPage"));
const ProfilePage = lazy(() => import("./features/profile/ProfilePage"));
const AdminPage = lazy(() => import("./features/admin/AdminPage"));
const StrategyPage = lazy(() => import("./features/strategy/StrategyPage"));
const ScannerPage = lazy(() => import("./features/strategy/ScannerPage"));
const StrategyHoldingsPage = lazy(() => import("./features/strategy/HoldingsPage"));
const StrategyImportPage = lazy(() => import("./features/strategy/ImportPage"));
const NotificationsPage = lazy(() => import("./features/notifications/NotificationsPage"));
const NotificationSettingsPage = lazy(() => import("./features/notifications/NotificationSettingsPage"));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<RouteProgress />}>{children}</Suspense>;
}

function LiveShell() {
  const navigate = useNavigate();
  return (
    <LiveEventsProvider
      onSessionEnded={() => {
        writeAuth(null);
        navigate(loginPathFor(window.location), { replace: true, state: { expired: true } });
      }}
    >
      <AppLayout />
    </LiveEventsProvider>
  );
}

function NotFound() {
  return (
    <Stack align="center" p="xl">
      <Title order={1}>Page not found</Title>
      <Text>
        <Link to="/">Back to the dashboard</Link>
      </Text>
    </Stack>
  );
}

// Every page: its path, its window title ("<title> · Tradefleet") and what it shows. Pages
// reached without logging in, then the shell's pages.
const PUBLIC_PAGES: PageRoute[] = [
  { path: "/login", title: "Log in", element: <LoginPage /> },
  { path: "/register", title: "Create an account", element: <RegisterPage /> },
  { path: "/forgot-password", title: "Forgot password", element: <ForgotPasswordPage /> },
  { path: "/reset", title: "Choose a new password", element: <ResetPasswordPage /> },
];

const APP_PAGES: PageRoute[] = [
  { path: "/", title: "Dashboard", element: <DashboardPage /> },
  { path: "/positions", title: "Positions", element: <PositionsPage /> },
  { path: "/positions/:id", title: "Position", element: <PositionDetailPage /> },
  { path: "/deals", title: "Deal history", element: <DealsPage /> },
  { path: "/signals", title: "Signals", element: <SignalsPage /> },
  { path: "/signals/:id", title: "Signal", element: <SignalDetailPage /> },
  { path: "/queue", title: "Queue", element: <QueuePage /> },
  { path: "/risk", title: "Risk", element: <RiskPage /> },
  { path: "/service", title: "Service", element: <ServicePage /> },
  { path: "/strategy", title: "NSE strategy", element: <StrategyPage /> },
  { path: "/strategy/scanner", title: "Scanner · NSE strategy", element: <ScannerPage /> },
  { path: "/strategy/holdings", title: "Holdings · NSE strategy", element: <StrategyHoldingsPage /> },
  { path: "/strategy/import", title: "Import · NSE strategy", element: <StrategyImportPage /> },
  { path: "/accounts", title: "Exchange accounts", element: <AccountsPage /> },
  { path: "/accounts/:exchange/:label", title: "Equity account", element: <EquityAccountPage /> },
  { path: "/dca", title: "DCA configurations", element: <DcaConfigsPage /> },
  { path: "/dca/new", title: "New DCA configuration", element: <DcaEditorPage /> },
  { path: "/dca/:id", title: "Edit DCA configuration", element: <DcaEditorPage /> },
  { path: "/trading-config", title: "Trading config", element: <TradingConfigPage /> },
  { path: "/webhook", title: "Webhook setup", element: <WebhookPage /> },
  { path: "/logs", title: "Logs", element: <LogsPage /> },
  { path: "/notifications", title: "Notifications", element: <NotificationsPage /> },
  { path: "/notifications/settings", title: "Notification settings", element: <NotificationSettingsPage /> },
  { path: "/profile", title: "Your data", element: <ProfilePage /> },
  { path: "/manage/*", title: "Admin", element: <AdminPage /> },
  { path: "*", title: "Page not found", element: <NotFound /> },
];

// The admin area is one page with a tab per path: each tab gets its own window title.
const ADMIN_TAB_TITLES: TitledRoute[] = [
  { path: "/manage/users", title: "Users and roles · Admin" },
  { path: "/manage/audit", title: "Audit trail · Admin" },
  { path: "/manage/health", title: "Health · Admin" },
  { path: "/manage/logs", title: "System logs · Admin" },
  { path: "/manage/backups", title: "Backups · Admin" },
  { path: "/manage/performance", title: "Performance · Admin" },
  { path: "/manage/ml/*", title: "ML models · Admin" },
];

export const PAGE_TITLES: TitledRoute[] = [
  ...[...PUBLIC_PAGES, ...APP_PAGES].map(({ path, title }) => ({ path, title })),
  ...ADMIN_TAB_TITLES,
];

export function AppRoutes() {
  useRouteTitle(PAGE_TITLES);
  return (
    <Routes>
      {PUBLIC_PAGES.map(({ path, element }) => (
        <Route key={path} path={path} element={element} />
      ))}
      <Route element={<RequireAuth />}>
        <Route element={<LiveShell />}>
          <Route element={<Page><Outlet /></Page>}>
            {APP_PAGES.map(({ path, element }) =>
              path === "/" ? <Route key={path} index element={element} /> : <Route key={path} path={path} element={element} />,
            )}
          </Route>
        </Route>
      </Route>
    </Routes>
  );
}
