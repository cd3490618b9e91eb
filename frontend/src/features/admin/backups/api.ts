// Reads and writes of the backups panel, with their query keys (kept here, next to the only page
// that uses them).
import { useQuery } from "@tanstack/react-query";
import { api, apiResponse } from "@/api/client";
import type { Page } from "@/api/types";
import { saveResponse } from "@/lib/download";
import type { Backup, BackupSchedule, BackupScheduleChange } from "./types";

export const backupKeys = {
  list: ["admin", "backups"] as const,
  schedule: ["admin", "backups", "schedule"] as const,
};

/** While a backup or a verification runs the list is asked for every second (the progress bar);
 * otherwise every half minute, so the nightly one shows up without a reload. */
export const ACTIVE_REFRESH_MS = 1_000;
export const IDLE_REFRESH_MS = 30_000;

export const isActive = (backup: Backup) => backup.status === "running" || backup.verify_status === "running";

export function useBackups() {
  return useQuery({
    queryKey: backupKeys.list,
    queryFn: () => api<Page<Backup>>("admin/backups", { query: { page_size: 100 } }),
    refetchInterval: (query) => (query.state.data?.results.some(isActive) ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS),
  });
}

export function useBackupSchedule() {
  return useQuery({ queryKey: backupKeys.schedule, queryFn: () => api<BackupSchedule>("admin/backups/schedule") });
}

export const startBackup = () => api<Backup>("admin/backups", { method: "POST" });

export const verifyBackup = (id: string) => api<Backup>(`admin/backups/${id}/verify`, { method: "POST" });

export const saveSchedule = (change: BackupScheduleChange) => api<BackupSchedule>("admin/backups/schedule", { method: "PATCH", body: change });

export async function downloadBackup(backup: Backup): Promise<void> {
  const response = await apiResponse(backup.download_url ?? `admin/backups/${backup.id}/download`);
  await saveResponse(response, `tradefleet-backup-${backup.id}.tar`);
}

/** 1536 -> "1.5 KiB": sizes in binary units, as `ls -lh` shows them. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
