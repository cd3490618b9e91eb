// Short names for the generated API types (schema.d.ts comes from the OpenAPI schema).
import type { components } from "./schema";

type S = components["schemas"];

export type User = S["User"];
export type AuthResult = S["AuthResult"];
export type TokenPair = S["TokenPair"];
export type Position = S["Position"];
export type PositionDetail = S["PositionDetail"];
export type PositionLeg = S["PositionLeg"];
export type Pyramid = S["Pyramid"];
export type ExitOrder = S["ExitOrder"];
export type PositionStatus = S["PositionStatusEnum"];
export type Performance = S["Performance"];
export type ExchangeAccount = S["ExchangeConfig"];
export type ExchangeAccountCreate = S["ExchangeConfigCreateRequest"];
export type Exchange = S["Exchange"];
export type CredentialField = S["CredentialField"];
// An equities account as its broker reports it (GET keys/{exchange}/holdings|positions|funds|orders).
export type EquityHolding = S["Holding"];
export type EquityPosition = S["EquityPosition"];
export type EquityFunds = S["Funds"];
export type EquityOrder = S["EquityOrder"];
export type DCAConfig = S["DCAConfig"];
export type DCAConfigWrite = S["DCAConfigWriteRequest"];
export type DCALevel = S["LevelRequest"];
export type PreviewRequest = S["PreviewRequestRequest"];
export type Preview = S["Preview"];
export type PreviewLeg = S["Leg"];
export type TradingConfig = S["TradingConfig"];
export type TradingConfigValues = S["TradingConfigValues"];
export type PresetList = S["PresetList"];
export type Preset = S["Preset"];
export type WebhookSecret = S["WebhookSecret"];
export type AlertSetup = S["AlertSetup"];
export type AlertTestResult = S["AlertTestResult"];
export type ServiceLog = S["ServiceLog"];
export type ErrorLog = S["ErrorLog"];
export type AuditLog = S["AuditLog"];
export type Signal = S["Signal"];
export type SignalDetail = S["SignalDetail"];
export type Session = S["Session"];
export type Role = S["UserRoleEnum"];
export type TpMode = S["TpModeEnum"];

/** Every list endpoint answers this page shape. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The error body of every endpoint: `{detail, code, errors: {field: [messages]}}`. */
export interface ApiErrorBody {
  detail?: string;
  code?: string;
  errors?: Record<string, unknown>;
}
