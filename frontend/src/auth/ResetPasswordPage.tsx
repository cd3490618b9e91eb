import { Alert, Button, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { api } from "@/api/client";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { AuthCard, AuthLink } from "./AuthCard";

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const [token, setToken] = useState(params.get("token") ?? "");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mismatch = confirm.length > 0 && confirm !== password;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    try {
      await api("auth/reset-password", { method: "POST", body: { token, new_password: password }, anonymous: true });
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Choose a new password" footer={<AuthLink to="/login">Back to log in</AuthLink>}>
      {done ? (
        <Alert color="teal" title="Your password is changed">
          Every session of your account has ended. Log in with the new password.
        </Alert>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            {!params.get("token") && (
              <TextInput label="Reset token (from the e-mail)" required value={token} onChange={(e) => setToken(e.currentTarget.value)} error={fieldError(error, "token")} />
            )}
            <PasswordInput label="New password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError(error, "new_password")} />
            <PasswordInput label="Repeat it" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} error={mismatch ? "The two passwords differ." : undefined} />
            <ErrorAlert error={error} shownFields={["new_password", ...(params.get("token") ? [] : ["token"])]} />
            <Button type="submit" loading={busy} disabled={mismatch}>
              Set the password
            </Button>
          </Stack>
        </form>
      )}
    </AuthCard>
  );
}
