/**
 * The webhook host allow-list rule, shared by the webhook commands (on create)
 * and the dispatcher (on every send): true when `hostname` (a URL's) is allowed —
 * an exact match, or `*.example.com` for subdomains. No list allows every host.
 */
export function hostAllowed(hostname: string, allowedHosts: readonly string[] | undefined): boolean {
  if (!allowedHosts || allowedHosts.length === 0) return true;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return allowedHosts.some((rule) => {
    const r = rule.toLowerCase();
    if (r.startsWith('*.')) return host.endsWith(r.slice(1)) && host.length > r.length - 1;
    return host === r;
  });
}
