/**
 * The console's one way to the server: same-origin fetch with the session cookie, the CSRF token
 * on every state-changing request, and RFC 9457 problems turned into `ApiError`s.
 */

export interface Problem {
  status: number;
  code: string;
  detail: string;
  field?: string;
  errors?: { field?: string; message: string; code?: string }[];
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || `HTTP ${status}`);
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

const CONSOLE_HEADERS = { 'X-Requested-With': 'threatshare-console' };

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    const body = JSON.parse(text);
    return { status: res.status, code: body.code ?? 'error', detail: body.detail ?? body.message ?? text, ...body };
  } catch {
    return { status: res.status, code: 'error', detail: text || res.statusText };
  }
}

export async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown; raw?: BodyInit; contentType?: string; headers?: Record<string, string> } = {}): Promise<T> {
  const headers: Record<string, string> = { ...CONSOLE_HEADERS, Accept: 'application/json', ...(options.headers ?? {}) };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let body: BodyInit | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    if (options.contentType) headers['Content-Type'] = options.contentType;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(withQuery(path, options.query), { method, headers, body, credentials: 'same-origin' });
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && path !== '/api/v1/session') onUnauthenticated?.();
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body: body ?? {}, query }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/**
 * Uploads a body with XMLHttpRequest, the one browser API that reports upload progress
 * (fetch does not), for evidence files and bulk imports.
 */
export function upload<T>(
  path: string,
  file: Blob,
  options: { query?: Query; contentType?: string; headers?: Record<string, string>; onProgress?: (sent: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', withQuery(path, options.query));
    xhr.setRequestHeader('X-Requested-With', CONSOLE_HEADERS['X-Requested-With']);
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.setRequestHeader('Content-Type', options.contentType || file.type || 'application/octet-stream');
    for (const [k, v] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: any = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { detail: xhr.responseText };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(new ApiError(xhr.status, { status: xhr.status, code: body?.code ?? 'error', detail: body?.detail ?? xhr.statusText, ...body }));
    };
    xhr.onerror = () => reject(new ApiError(0, { status: 0, code: 'network_error', detail: 'Network error' }));
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/**
 * The content type to upload an evidence file with. The server's JSON and text parsers would take
 * `application/json` and `text/plain` bodies before its raw-file parser sees them, so those go as
 * octet-stream (the file name keeps what it is).
 */
export function evidenceContentType(file: Blob): string {
  const t = (file.type || 'application/octet-stream').toLowerCase();
  return t.startsWith('text/plain') || t.startsWith('application/json') ? 'application/octet-stream' : t;
}

/** Whether an error means the endpoint does not exist on this server (yet). */
export function isMissingEndpoint(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && /^No route /.test(e.problem.detail);
}
