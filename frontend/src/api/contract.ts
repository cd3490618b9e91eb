// The queue, risk and service shapes, as generated from their serializers (schema.d.ts).
import type { components } from "./schema";

type S = components["schemas"];

export type QueueEntry = S["QueueEntry"];
export type QueueSummary = S["QueueSummary"];
export type RiskGroup = S["RiskGroup"];
export type RiskGroupState = S["RiskGroup"]["state"];
export type RiskWinner = S["RiskWinner"];
export type RiskPlan = S["RiskPlan"];
export type RiskAction = S["RiskAction"];
export type RiskPanel = S["RiskPanel"];
export type RiskRunResult = S["RiskRun"];
export type ServiceStatus = S["ServiceStatus"];
export type ServiceSchedule = S["Schedule"];
export type ServiceTask = S["TaskExecution"];
