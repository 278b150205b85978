'use strict';

// Written by the conformance harness into a copy of your project (conformance/targets/strapi/own/).
// Wraps one of the project's own global middlewares (config: { wrap: <its entry in
// config/middlewares.js> }) so that the trace shows it: `project:<name>:in` / `:out`, and where it
// left the documented path: `swallowed=<error>` (an error thrown further in did not come out),
// `threw=<error>`, `short-circuit=<status>` (it answered without calling next),
// `changed=<status>-><status>` (it changed the status on the way out).
const path = require('path');

const TRACE_KEY = 'conformanceTrace';

function mark(ctx, name, phase, detail) {
  const trace = ctx && ctx.state && ctx.state[TRACE_KEY];
  if (!Array.isArray(trace)) return;
  let token = `project:${name}:${phase}`;
  if (detail !== undefined && detail !== null) token += '=' + String(detail).replace(/[\s:]/g, '_');
  trace.push(token);
}

function resolveFactory(item, strapi) {
  if (typeof item === 'function') return { name: item.name || 'anonymous', handler: item };
  const name = typeof item === 'string' ? item : item.name || item.resolve;
  const config = (typeof item === 'object' && item.config) || {};
  let factory;
  if (typeof item === 'string' || item.name) {
    factory = strapi.middleware(name);
  } else {
    let modulePath;
    try {
      modulePath = require.resolve(item.resolve);
    } catch {
      modulePath = path.resolve(strapi.dirs.dist.root, item.resolve);
    }
    const loaded = require(modulePath);
    factory = loaded && loaded.default ? loaded.default : loaded;
  }
  if (typeof factory !== 'function') throw new Error(`Middleware ${name} not found.`);
  return { name, handler: factory(config, { strapi }) || ((ctx, next) => next()) };
}

/**
 * One Document Service middleware the project registers (strapi.documents.use in its register),
 * wrapped so that the trace shows it as `project:documents.<function name>:in` / `:out` on a
 * request's document calls, with `threw=` and `swallowed=` as for the global middlewares.
 */
function wrapDocumentMiddleware(middleware, strapi, index) {
  if (typeof middleware !== 'function') return middleware;
  const label = `documents.${middleware.name || `middleware-${index}`}`.replace(/[\s:]/g, '_');
  return async (context, next) => {
    const ctx = strapi.requestContext.get();
    if (!ctx) return middleware(context, next);
    mark(ctx, label, 'in');
    let downstream = null;
    const wrappedNext = async () => {
      try {
        return await next();
      } catch (error) {
        downstream = error;
        throw error;
      }
    };
    let result;
    try {
      result = await middleware(context, wrappedNext);
    } catch (error) {
      if (error !== downstream) mark(ctx, label, 'threw', (error && error.name) || 'Error');
      throw error;
    }
    if (downstream) mark(ctx, label, 'swallowed', downstream.name || 'Error');
    mark(ctx, label, 'out');
    return result;
  };
}

module.exports = (config, { strapi }) => {
  const { name, handler } = resolveFactory(config.wrap, strapi);
  const label = String(name).replace(/^global::/, '').replace(/::/g, '.').replace(/:/g, '.');
  return async (ctx, next) => {
    mark(ctx, label, 'in');
    let calledNext = false;
    let downstream = null;
    let statusAfterNext;
    const wrappedNext = async () => {
      calledNext = true;
      try {
        await next();
        statusAfterNext = ctx.status;
      } catch (error) {
        downstream = error;
        throw error;
      }
    };
    try {
      await handler(ctx, wrappedNext);
    } catch (error) {
      // An error from further in that passes through skips this layer's way back, as it does the
      // fixture's layers: no `out` marker (scenarios assert that absence).
      if (error !== downstream) mark(ctx, label, 'threw', (error && error.name) || 'Error');
      throw error;
    }
    if (downstream) mark(ctx, label, 'swallowed', downstream.name || 'Error');
    else if (!calledNext) mark(ctx, label, 'short-circuit', ctx.status);
    else if (statusAfterNext !== undefined && ctx.status !== statusAfterNext) {
      mark(ctx, label, 'changed', `${statusAfterNext}->${ctx.status}`);
    }
    mark(ctx, label, 'out');
  };
};

module.exports.wrapDocumentMiddleware = wrapDocumentMiddleware;
