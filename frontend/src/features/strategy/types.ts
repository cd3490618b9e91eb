// The NSE strategy's shapes and the legacy import's, as generated from their serializers (schema.d.ts).
import type { components } from "@/api/schema";

type S = components["schemas"];

export type StrategySettings = S["EquitiesStrategy"];
export type StrategyPatch = S["PatchedEquitiesStrategyPatchRequest"];
export type StrategyParams = S["StrategyParams"];
export type ParamKey = keyof StrategyParams;
export type StrategySchedule = S["StrategySchedule"];
export type TaskKey = keyof StrategySchedule;
export type StrategyTask = S["StrategyTask"];
export type AnalysisRun = S["AnalysisRun"];
export type AnalysisRunDetail = S["AnalysisRunDetail"];
export type SymbolAnalysis = S["SymbolAnalysis"];
export type Recommendation = S["Recommendation"];
export type StrategyHolding = S["StrategyHolding"];
export type StrategyDay = S["StrategyDay"];
export type Chart = S["Chart"];
export type ChartCandle = S["ChartCandle"];

export type LegacyImport = S["LegacyImport"];
export type ImportProblem = S["LegacyProblem"];
