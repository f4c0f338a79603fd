/** Values of headers that may carry credentials (Authorization, x-api-key, cookies...), to scrub from messages. */
export function sensitiveHeaderValues(headers: Record<string, string> | undefined): string[] {
  return Object.entries(headers ?? {})
    .filter(([name]) => /auth|key|token|secret|cookie|session|password/i.test(name))
    .flatMap(([, value]) => [value, value.replace(/^(Bearer|Basic)\s+/i, '')]);
}
