import { Alert, Button, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useRef, useState, type FormEvent } from "react";
import { Navigate, useNavigate } from "react-router";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { AuthCard, AuthLink } from "./AuthCard";
import { useAuth } from "./AuthProvider";

export function RegisterPage() {
  const { user, register } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [mailed, setMailed] = useState(false);
  const justRegistered = useRef(false);

  // A new account starts on its exchange accounts; anyone else logged in goes to the dashboard.
  if (user) return <Navigate to={justRegistered.current ? "/accounts" : "/"} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      justRegistered.current = true;
      if (await register(email, username, password)) {
        navigate("/accounts", { replace: true });
      } else {
        justRegistered.current = false;
        setMailed(true);
      }
    } catch (caught) {
      justRegistered.current = false;
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Create an account" footer={<AuthLink to="/login">I have an account: log in</AuthLink>}>
      {mailed ? (
        <Alert color="teal" title="Check your mailbox">
          We have sent a message to {email}. If the address already had an account, the message says how to log in to
          it or reset its password.
        </Alert>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <TextInput label="E-mail" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(error, "email")} />
            <TextInput label="Username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} error={fieldError(error, "username")} />
            <PasswordInput
              label="Password"
              description="At least 12 characters, with an upper-case letter and a digit"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={fieldError(error, "password")}
            />
            <ErrorAlert error={error} shownFields={["email", "username", "password"]} />
            <Button type="submit" loading={busy}>
              Create account
            </Button>
          </Stack>
        </form>
      )}
    </AuthCard>
  );
}
