import { getLogger } from '../logs/logger.ts';
import type { LogCategory } from '../logs/categories.ts';
import { failure, type HttpHandler, type HttpRequest, type HttpResponse } from './types.ts';

// A set of handlers under one path prefix, with the body limit its adapters enforce.
export type HttpRouter = {
  prefix: string;
  maxBodyBytes: number;
  logCategory: LogCategory;
  handlerFor: (pathname: string) => HttpHandler | null;
  notFound: (pathname: string) => HttpResponse;
};

export function createRouter(options: {
  prefix: string;
  maxBodyBytes: number;
  logCategory: LogCategory;
  routes: Record<string, HttpHandler>;
  notFound: (pathname: string) => HttpResponse;
}): HttpRouter {
  const routes = new Map(Object.entries(options.routes));
  return {
    prefix: options.prefix,
    maxBodyBytes: options.maxBodyBytes,
    logCategory: options.logCategory,
    notFound: options.notFound,
    handlerFor: (pathname) => (pathname.startsWith(options.prefix) ? (routes.get(pathname.slice(options.prefix.length)) ?? null) : null),
  };
}

// A handler's exception is a bug: it is logged and answered with a 500 that says nothing about internals.
export async function runHandler(category: LogCategory, handler: HttpHandler, request: HttpRequest): Promise<HttpResponse> {
  try {
    return await handler(request);
  } catch (error) {
    getLogger(category).error(
      { err: error instanceof Error ? (error.stack ?? error.message) : String(error), ip: request.ip },
      'request failed',
    );
    return failure(500, 'INTERNAL', 'The console failed to handle this request. It has been logged; retry later.');
  }
}
