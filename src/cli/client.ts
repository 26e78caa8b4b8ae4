/** The CLI's HTTP client for commands that talk to a running server (submit, import, lookup). */
export interface ClientOptions {
  url: string;
  token: string;
}

export function clientOptions(opts: { url?: string; token?: string }): ClientOptions {
  const url = opts.url ?? process.env.THREATSHARE_URL ?? 'http://127.0.0.1:8080';
  const token = opts.token ?? process.env.THREATSHARE_TOKEN;
  if (!token) throw new Error('A token is required: --token or THREATSHARE_TOKEN (see demo-credentials.json for the demo)');
  return { url: url.replace(/\/$/, ''), token };
}

export async function call(c: ClientOptions, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${c.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined && !(body instanceof ReadableStream) ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : body instanceof ReadableStream ? body : JSON.stringify(body),
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

export function printResult(r: { status: number; body: unknown }): void {
  const out = typeof r.body === 'string' ? r.body : JSON.stringify(r.body, null, 2);
  if (r.status >= 400) {
    process.stderr.write(`${out}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`${out}\n`);
}
