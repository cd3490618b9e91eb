// Activating and rolling back models: after either, every ML query (the models, their comparison,
// the active model traders see) is read again.
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "@/api/client";
import { keys } from "@/api/keys";
import type { MLModel, ModelType } from "./types";
import { modelTypeName } from "./words";

function useRegistryChange<V>(request: (value: V) => Promise<MLModel>, message: (model: MLModel) => string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: request,
    onSuccess: (model) => {
      notifications.show({ color: "teal", message: message(model) });
      void client.invalidateQueries({ queryKey: keys.ml });
    },
  });
}

export function useActivate() {
  return useRegistryChange(
    (model: MLModel) => api<MLModel>(`ml/models/${model.id}/activate`, { method: "POST" }),
    (model) => `${modelTypeName(model.model_type)} v${model.version} is active`,
  );
}

export function useRollback() {
  return useRegistryChange(
    (modelType: ModelType) => api<MLModel>("ml/models/rollback", { method: "POST", body: { model_type: modelType } }),
    (model) => `Rolled back: ${modelTypeName(model.model_type)} v${model.version} is active again`,
  );
}

/** A refusal's title with its code (409 artifact_invalid, no_previous_model, ...). */
export function refusalTitle(error: unknown, what: string): string {
  return error instanceof ApiError && error.code && error.code !== "error" ? `${what} (${error.code})` : what;
}
