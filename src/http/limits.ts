/** The largest request body a Ladder server accepts by default. Kept apart from the Hono middleware so the CLI can show it without loading Hono. */
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;
