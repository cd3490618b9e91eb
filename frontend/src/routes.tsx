import { Center, Loader, Stack, Text, Title } from "@mantine/core";
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

// Top-level paths must match SPA_ROUTES in config/spa.py (Django serves index.html for them).
const DashboardPage = lazy(() => import("./features/dashboard/DashboardPage"));
const PositionsPage = lazy(() => import("./features/positions/PositionsPage"));
const PositionDetailPage = lazy(() => import("./features/positions/PositionDetailPage"));
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
const AdminPage = lazy(() => import("./features/admin/AdminPage"));
const StrategyPage = lazy(() => import("./features/strategy/StrategyPage"));
const ScannerPage = lazy(() => import("./features/strategy/ScannerPage"));
const StrategyHoldingsPage = lazy(() => import("./features/strategy/HoldingsPage"));
const StrategyImportPage = lazy(() => import("./features/strategy/ImportPage"));
const NotificationsPage = lazy(() => import("./features/notifications/NotificationsPage"));
const NotificationSettingsPage = lazy(() => import("./features/notifications/NotificationSettingsPage"));

function Page({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <Center p="xl">
          <Loader />
        </Center>
      }
    >
      {children}
    </Suspense>
  );
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
      <Title order={2}>Page not found</Title>
      <Text>
        <Link to="/">Back to the dashboard</Link>
      </Text>
    </Stack>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset" element={<ResetPasswordPage />} />
      <Route element={<RequireAuth />}>
        <Route element={<LiveShell />}>
          <Route element={<Page><Outlet /></Page>}>
            <Route index element={<DashboardPage />} />
            <Route path="/positions" element={<PositionsPage />} />
            <Route path="/positions/:id" element={<PositionDetailPage />} />
            <Route path="/signals" element={<SignalsPage />} />
            <Route path="/signals/:id" element={<SignalDetailPage />} />
            <Route path="/queue" element={<QueuePage />} />
            <Route path="/risk" element={<RiskPage />} />
            <Route path="/service" element={<ServicePage />} />
            <Route path="/strategy" element={<StrategyPage />} />
            <Route path="/strategy/scanner" element={<ScannerPage />} />
            <Route path="/strategy/holdings" element={<StrategyHoldingsPage />} />
            <Route path="/strategy/import" element={<StrategyImportPage />} />
            <Route path="/accounts" element={<AccountsPage />} />
            <Route path="/accounts/:exchange/:label" element={<EquityAccountPage />} />
            <Route path="/dca" element={<DcaConfigsPage />} />
            <Route path="/dca/new" element={<DcaEditorPage />} />
            <Route path="/dca/:id" element={<DcaEditorPage />} />
            <Route path="/trading-config" element={<TradingConfigPage />} />
            <Route path="/webhook" element={<WebhookPage />} />
            <Route path="/logs" element={<LogsPage />} />
            <Route path="/notifications" element={<NotificationsPage />} />
            <Route path="/notifications/settings" element={<NotificationSettingsPage />} />
            <Route path="/manage/*" element={<AdminPage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Route>
      </Route>
    </Routes>
  );
}
