import { Stack, Text } from "@mantine/core";
import { formError } from "@/lib/errors";
import { ConfirmButton } from "@/lib/ui";
import { refusalTitle, useActivate } from "./modelActions";
import type { MLModel } from "./types";
import { modelTypeName } from "./words";

/** Activate a model, after a confirmation that says what changes for traders; a refusal (409
 * artifact_invalid, ...) is shown under the button with its code. */
export function ActivateModelButton({ model, size = "xs" }: { model: MLModel; size?: string }) {
  const activate = useActivate();
  const name = `${modelTypeName(model.model_type)} v${model.version}`;
  return (
    <Stack gap={4} align="flex-start">
      <ConfirmButton
        color="teal"
        size={size}
        title={`Activate ${name}?`}
        message={
          model.model_type === "verdict_classifier"
            ? `Traders who opted in will filter their next buys with v${model.version} (those who pinned a version keep theirs).`
            : `v${model.version} becomes the active price regressor.`
        }
        confirmLabel="Activate"
        onConfirm={() => activate.mutateAsync(model).catch(() => undefined)}
        loading={activate.isPending}
      >
        Activate
      </ConfirmButton>
      {activate.error && (
        <Text size="xs" c="red" role="alert" maw={260}>
          {refusalTitle(activate.error, "Not activated")}: {formError(activate.error)}
        </Text>
      )}
    </Stack>
  );
}
