import { Alert, Button, Group, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "@/api/client";
import { fieldError } from "@/lib/errors";
import { AuthCard, AuthLink } from "./AuthCard";
import { useAuth } from "./AuthProvider";

/** Only paths of this app are followed after login (never another site). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const { user, login } = useAuth();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));
  const expired = (location.state as { expired?: boolean } | null)?.expired;

  if (user) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const message =
    error instanceof ApiError
      ? error.status === 429
        ? `Too many attempts. Try again in ${error.retryAfter ?? 60} seconds.`
        : error.status === 401
          ? "Wrong e-mail or password."
          : Object.keys(error.fieldErrors).length
            ? null
            : error.message
      : error
        ? "The server cannot be reached."
        : null;

  return (
    <AuthCard
      title="Log in"
      footer={
        <Group justify="space-between">
          <AuthLink to="/register">Create an account</AuthLink>
          <AuthLink to="/forgot-password">Forgot your password?</AuthLink>
        </Group>
      }
    >
      {expired && !error && (
        <Alert color="yellow" title="Your session ended">
          Log in again to continue where you were.
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={fieldError(error, "email")}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError(error, "password")}
          />
          {message && (
            <Alert color="red" role="alert">
              {message}
            </Alert>
          )}
          <Button type="submit" loading={busy}>
            Log in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
