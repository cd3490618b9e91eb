import { Alert, Button, Card, List, PasswordInput, Radio, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, ApiError } from "@/api/client";
import { useAuth } from "@/auth/AuthProvider";
import { writeAuth } from "@/auth/tokens";
import { fieldError, formError } from "@/lib/errors";
import { formatTime } from "@/lib/format";

type Positions = "close" | "leave";

/** DELETE /api/v1/me's answer (accounts/deletion/serializers.py). */
export interface AccountDeleted {
  deleted_at: string;
  erase_after: string;
}

export const DELETED_NOTICE = "Your account is deleted.";

/** The profile's "Delete my account": the account closes at once, its data is erased later. */
export function DeleteAccountCard() {
  const { user } = useAuth();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [positions, setPositions] = useState<Positions | "">("");
  const [password, setPassword] = useState("");
  const [typed, setTyped] = useState("");
  const confirmation = user?.username ?? "DELETE";
  const confirmed = typed.trim() === confirmation;

  const remove = useMutation({
    mutationFn: () => api<AccountDeleted>("me", { method: "DELETE", body: { password, positions } }),
    onSuccess: (result) => {
      // The server has ended every session: forget the tokens without a logout call.
      writeAuth(null);
      client.clear();
      const message = `All your data will be erased on ${formatTime(result.erase_after)}. You can no longer log in.`;
      notifications.show({ color: "red", title: DELETED_NOTICE, message, autoClose: false });
      // The toast stays until closed: the login page is what the user sees next.
      navigate("/login", { replace: true });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (positions && password && confirmed) remove.mutate();
  };
  const error = remove.error;
  const locked = error instanceof ApiError && error.status === 429;

  return (
    <Card withBorder id="delete">
      <form onSubmit={submit}>
        <Stack>
          <Title order={2} size="h4">
            Delete my account
          </Title>
          <Text size="sm">When you delete your account:</Text>
          <List size="sm" spacing={4}>
            <List.Item>your trading service stops and every open order is cancelled at the exchange;</List.Item>
            <List.Item>your exchange API keys are deleted at once, and your webhook stops accepting alerts;</List.Item>
            <List.Item>you are logged out everywhere and can no longer log in;</List.Item>
            <List.Item>
              everything else is erased after a grace period (30 days unless your administrator set another). The
              audit trail keeps its entries about you, under a pseudonym instead of your name and e-mail.
            </List.Item>
          </List>
          <Text size="sm">Export your data first if you want a copy: it cannot be downloaded afterwards.</Text>
          <Radio.Group
            label="Your open positions"
            required
            value={positions}
            onChange={(value) => setPositions(value as Positions)}
            error={fieldError(error, "positions")}
          >
            <Stack gap={6} mt={6}>
              <Radio value="close" label="Close them: sell what they hold at market now" />
              <Radio value="leave" label="Leave them: keep the coins or shares in my exchange account" />
            </Stack>
          </Radio.Group>
          <PasswordInput
            label="Your password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError(error, "password")}
          />
          <TextInput
            label={`Type ${confirmation} to confirm`}
            autoComplete="off"
            required
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
          />
          {error && !locked && formError(error, ["password", "positions"]) && (
            <Alert color="red">{formError(error, ["password", "positions"])}</Alert>
          )}
          {locked && (
            <Alert color="red">Too many wrong passwords. Try again in {(error as ApiError).retryAfter ?? 60} seconds.</Alert>
          )}
          <Button type="submit" color="red" disabled={!positions || !password || !confirmed} loading={remove.isPending}>
            Delete my account
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
