// The backups admin API's shapes (ops/backups/api/serializers.py).
export type BackupStatus = "running" | "succeeded" | "failed";
export type VerifyStatus = "pending" | "running" | "passed" | "failed";

export interface Backup {
  id: string;
  created_at: string;
  finished_at: string | null;
  trigger: "scheduled" | "manual" | "cli";
  requested_by: string | null;
  status: BackupStatus;
  progress: number;
  step: string;
  size_bytes: number | null;
  encrypted: boolean;
  uploaded: boolean;
  verify_status: VerifyStatus;
  verified_at: string | null;
  verify_detail: string;
  error: string;
  pruned_at: string | null;
  download_url: string | null;
}

export interface BackupSchedule {
  enabled: boolean;
  time_of_day: string; // "HH:MM", UTC
  verify_after: boolean;
  next_run_at: string | null;
  encryption: boolean;
  s3: boolean;
  keep: { daily: number; weekly: number; monthly: number };
  updated_at: string;
}

export type BackupScheduleChange = Partial<Pick<BackupSchedule, "enabled" | "time_of_day" | "verify_after">>;
