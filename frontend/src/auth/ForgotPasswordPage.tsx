import { Alert, Button, Stack, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { AuthCard, AuthLink } from "./AuthCard";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("auth/forgot-password", { method: "POST", body: { email }, anonymous: true });
      setSent(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Forgot your password?" footer={<AuthLink to="/login">Back to log in</AuthLink>}>
      {sent ? (
        <Alert color="teal" title="Check your mail">
          If an account exists for {email}, an e-mail with a link to choose a new password is on its way. The link works once.
        </Alert>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <TextInput label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(error, "email")} />
            <ErrorAlert error={error} shownFields={["email"]} />
            <Button type="submit" loading={busy}>
              Send the reset link
            </Button>
          </Stack>
        </form>
      )}
    </AuthCard>
  );
}
