/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9449 §7.1): parsing on the client and
 * formatting on the resource server. Both sides of velomcp's authorization share this module.
 */

/** One parsed challenge: the scheme (lower-cased) and its auth-params (names lower-cased). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parses a `WWW-Authenticate` header value (or several, as Node gives repeated headers) into challenges.
 * Tolerant of the quoting mistakes servers make (unquoted values with `/` or `:`); a malformed tail is
 * dropped rather than thrown. At most 8 KiB of header text is read.
 * @param value - The raw header value(s).
 * @returns The challenges in order; empty when there is none.
 */
export function parseWwwAuthenticate(value: string | string[] | undefined): AuthChallenge[] {
  if (value === undefined) return [];
  const text = (Array.isArray(value) ? value.join(', ') : value).slice(0, 8192);
  const out: AuthChallenge[] = [];
  let i = 0;
  let current: AuthChallenge | undefined;
  const skipWs = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  while (i < text.length) {
    skipWs();
    if (text[i] === ',') {
      i++;
      continue;
    }
    const m = TOKEN.exec(text.slice(i));
    if (!m) break;
    const word = m[0];
    i += word.length;
    skipWs();
    if (text[i] === '=' && current !== undefined) {
      // An auth-param of the current challenge (token68 values are not used by MCP; they end up ignored).
      i++;
      skipWs();
      let v = '';
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          v += text[i];
          i++;
        }
        i++;
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') v += text[i++];
      }
      current.params[word.toLowerCase()] = v;
      continue;
    }
    // A new challenge starts with a scheme token.
    current = { scheme: word.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}

/** Quotes an auth-param value (RFC 9110 quoted-string). */
function quote(v: string): string {
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Formats one challenge, e.g. `Bearer error="insufficient_scope", scope="a b", resource_metadata="…"`.
 * Parameters whose value is undefined are left out.
 */
export function formatChallenge(scheme: string, params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${quote(v)}`);
  return parts.length ? `${scheme} ${parts.join(', ')}` : scheme;
}
