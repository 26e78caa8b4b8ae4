/**
 * One place where every error becomes RFC 9457 problem+json: status, a stable `code`, the field
 * at fault as a JSON pointer, and a human message. Stack traces and SQL never reach a client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem, PROBLEM_CODES, type ProblemCode, type ProblemDetail } from '../lib/problem.js';
import { ajvErrorsToDetails, collapseUnionErrors } from './validation.js';
import { isDatabaseBusy, isDataException } from '../db/database.js';
import type { Socket } from 'node:net';

export function problemBody(code: ProblemCode, message: string, instance: string, extra: { field?: string; errors?: ProblemDetail[]; [k: string]: unknown } = {}) {
  const { status, title } = PROBLEM_CODES[code];
  return {
    type: `urn:threatshare:problem:${code}`,
    title,
    status,
    code,
    detail: message,
    instance,
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, code: ProblemCode, message: string, extra: Record<string, unknown> = {}) {
  const body = problemBody(code, message, reply.request.url, extra);
  if (code === 'unauthenticated') reply.header('WWW-Authenticate', 'Bearer realm="threatshare", Basic realm="threatshare"');
  if (code === 'rate_limited' && typeof extra.retry_after === 'number') reply.header('Retry-After', String(extra.retry_after));
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Problem | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof Problem) {
      return sendProblem(reply, err.code, err.message, { ...(err.field !== undefined ? { field: err.field } : {}), ...(err.errors ? { errors: err.errors } : {}), ...(err.extra ?? {}) });
    }
    const fe = err as FastifyError & { validation?: any[]; validationContext?: string };
    if (fe.validation) {
      const part = fe.validationContext ?? 'body';
      const details = collapseUnionErrors(ajvErrorsToDetails(fe.validation, part), fe.validation);
      const first = details[0];
      return sendProblem(reply, 'validation_failed', first ? `${first.field || part}: ${first.message}` : 'The request is not valid', {
        field: first?.field ?? '',
        errors: details,
      });
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, 'malformed_json', fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The JSON body is empty' : 'The body is not valid JSON', { field: '' });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, 'payload_too_large', 'The request body is larger than this endpoint accepts');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendProblem(reply, 'unsupported_media_type', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here`);
    }
    if (err instanceof SyntaxError && (fe.statusCode === 400 || /JSON/.test(err.message))) return sendProblem(reply, 'malformed_json', 'The body is not valid JSON', { field: '' });
    if (fe.statusCode === 429) return sendProblem(reply, 'rate_limited', err.message);
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code: ProblemCode = fe.statusCode === 404 ? 'not_found' : fe.statusCode === 413 ? 'payload_too_large' : fe.statusCode === 415 ? 'unsupported_media_type' : fe.statusCode === 406 ? 'not_acceptable' : 'validation_failed';
      return sendProblem(reply, code, err.message);
    }
    // gzip (Content-Encoding or a .gz upload) that is not gzip: the client's bytes, not our fault.
    const zlibCode = (err as { code?: string }).code;
    if (zlibCode === 'Z_DATA_ERROR' || zlibCode === 'Z_BUF_ERROR') {
      return sendProblem(reply, 'malformed_body', 'The body is not valid gzip (Content-Encoding: gzip)', { field: '' });
    }
    // A value the database refuses as data (out of range, NUL, bad encoding, impossible date):
    // the transaction has rolled back, so nothing changed; the client is told which kind of value.
    if (isDataException(err)) {
      request.log.warn({ err }, 'data exception from the database');
      return sendProblem(reply, 'validation_failed', 'A value in the request is out of the range the platform stores (number, date or text)', { field: '' });
    }
    if (isDatabaseBusy(err)) {
      request.log.warn({ err }, 'database busy');
      return sendProblem(reply, 'unavailable', 'The database is too busy to take this now; nothing was changed, try again shortly');
    }
    request.log.error({ err }, 'unhandled error');
    return sendProblem(reply, 'internal_error', 'Something went wrong on our side; it has been logged');
  });

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
}

/** A request that is not HTTP (a malformed request line or header): a problem+json 400, and close. */
export function writeClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const code: ProblemCode = tooLarge ? 'payload_too_large' : 'validation_failed';
  const body = JSON.stringify(problemBody(code, tooLarge ? 'The request headers are too large' : 'The request is not valid HTTP', '', { field: '' }));
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
