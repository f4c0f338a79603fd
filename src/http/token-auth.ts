import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Token auth for a browser app, Jupyter style: the printed URL carries `?token=…`; the first visit with it sets
 * an HttpOnly, SameSite=Strict cookie and redirects to the same URL without the token (so it does not linger in
 * the address bar or history). Later requests — pages, fetches, EventSource — carry the cookie. A script client
 * may send `Authorization: Bearer <token>` instead. Anything else is 401. Compared in constant time.
 */
export function requireToken(token: string, options: { cookie?: string } = {}): MiddlewareHandler {
  const cookie = options.cookie ?? 'ladder_token';
  const expected = digest(token);
  const valid = (candidate: string | undefined) => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
  return async (c, next) => {
    const fromQuery = c.req.query('token');
    if (valid(fromQuery)) {
      setCookie(c, cookie, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (valid(getCookie(c, cookie)) || valid(bearer)) return next();
    c.header('WWW-Authenticate', 'Bearer');
    return c.text('401 Unauthorized: open the URL `ladder ui` printed (it carries the token)', 401);
  };
}
