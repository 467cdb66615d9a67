/**
 * A headless stand-in for the user's browser in the authorization code flow: follows the authorization
 * server's redirects (keeping its cookies) until it is sent to the client's redirect URI, and returns
 * that URL. Works with the example's automatic login and consent; a real AS would show a page instead.
 */
export async function headlessBrowser(authorizationUrl: URL, redirectUri: string): Promise<URL> {
  const jar = new Map<string, string>();
  let next = authorizationUrl;
  for (let hop = 0; hop < 12; hop++) {
    if (next.href.startsWith(redirectUri)) return next;
    const cookie = [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(next, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const body = await res.text();
    const location = res.headers.get('location');
    if (!location) throw new Error(`the authorization server stopped at HTTP ${res.status} (${next.pathname}): ${body.slice(0, 200)}`);
    next = new URL(location, next);
  }
  throw new Error('too many redirects during authorization');
}
