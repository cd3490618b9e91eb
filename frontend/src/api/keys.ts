// Query keys in one place, so the live-event reducers and the pages agree on them.
export const keys = {
  me: ["me"] as const,
  positions: (filters: Record<string, string> = {}) => ["positions", filters] as const,
  positionsAll: ["positions"] as const,
  position: (id: string) => ["position", id] as const,
  performance: (days = 30) => ["performance", days] as const,
  performanceAll: ["performance"] as const,
  signals: ["signals"] as const,
  lastSignal: ["signals", "last"] as const,
  accounts: ["keys"] as const,
  exchanges: ["exchanges"] as const,
  equityBook: (exchange: string, label: string, part: string) => ["equity-book", exchange, label, part] as const,
  equityBookAll: (exchange: string, label: string) => ["equity-book", exchange, label] as const,
  dcaConfigs: ["dca-configs"] as const,
  tradingConfig: ["trading-config"] as const,
  presets: ["trading-config", "presets"] as const,
  webhook: ["webhook-secret"] as const,
  webhookTemplates: ["webhook-templates"] as const,
  logs: ["logs"] as const,
  logTail: ["logs", "tail"] as const,
  errors: ["logs", "errors"] as const,
  audit: ["audit"] as const,
  users: ["users"] as const,
  health: ["health", "detail"] as const,
  queue: ["queue"] as const,
  queueList: (status = "queued") => ["queue", "list", status] as const,
  queueSummary: ["queue", "summary"] as const,
  risk: ["risk"] as const,
  service: ["service"] as const,
  strategy: ["strategy"] as const, // the NSE strategy pages (features/strategy/api.ts)
  serviceStatus: ["service", "status"] as const,
  serviceLogs: ["service", "logs"] as const,
  // Notifications (features/notifications): the lists and the bell's count share a prefix, so a
  // reconnect or "mark all read" refreshes both; the preferences live apart (the live
  // `notification.created` event leaves them alone).
  notifications: ["notifications"] as const,
  notificationLists: ["notifications", "list"] as const,
  notificationList: (filters: { unread_only?: boolean; type?: string; page?: number; page_size?: number }) =>
    ["notifications", "list", filters] as const,
  notificationUnread: ["notifications", "unread-count"] as const,
  notificationPreferences: ["notification-preferences"] as const,
  // The ML area (features/ml): jobs pages and one job's detail apart, so the live
  // `ml.job.updated` event can patch each without refetching the other.
  ml: ["ml"] as const,
  mlJobs: ["ml", "jobs"] as const,
  mlJobsPage: (page: number) => ["ml", "jobs", page] as const,
  mlJob: (id: string) => ["ml", "job", id] as const,
  mlModels: ["ml", "models"] as const,
  mlCompare: (a: string, b: string) => ["ml", "compare", a, b] as const,
  mlActive: ["ml", "active"] as const,
  marketSeries: ["market-data", "series"] as const,
};
