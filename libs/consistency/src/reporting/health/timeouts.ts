/** Each readiness indicator's own bound, so /health always answers within a second, up or down. */
export const HEALTH_TIMEOUT_MS = 800;

/** A scrape-time read for /metrics that takes longer is skipped: /metrics answers within a second, whatever is down. */
export const SCRAPE_READ_TIMEOUT_MS = 500;
