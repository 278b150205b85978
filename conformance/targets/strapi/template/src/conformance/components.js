'use strict';

/*
 * The fixture's instrumented components for real Strapi 5 (see conformance/PROTOCOL.md).
 *
 * Each component appends its markers to the request's trace and obeys the directives addressed to
 * it in the control header. This is the JavaScript twin of conformance/fixture/components.py (and
 * probe.py): keep the two in step. Every component file of the template is a few lines calling
 * into this module. The shared facts (permissions, capabilities, names) come from fixture.json,
 * which the installer copies next to this file from conformance/fixture/fixture.json.
 */

const path = require('path');

const FIXTURE = require('./fixture.json');

const TRACE_KEY = 'conformanceTrace';
const CONTROL_KEY = 'conformanceControl';
const TRACE_HEADER = 'X-Conformance-Trace';
const CONTROL_HEADER = 'x-conformance-control';

// Errors must come from the very @strapi/utils copy that @strapi/core uses: the route's authorize
// step tells Forbidden/Unauthorized/PolicyError apart with instanceof.
function strapiUtils() {
  const strapiDir = path.dirname(require.resolve('@strapi/strapi/package.json'));
  const coreDir = path.dirname(require.resolve('@strapi/core/package.json', { paths: [strapiDir] }));
  return require(require.resolve('@strapi/utils', { paths: [coreDir] }));
}

const { errors } = strapiUtils();
const ERROR_CLASSES = Object.fromEntries(
  Object.entries(errors).filter(([, cls]) => cls === errors.ApplicationError || cls.prototype instanceof errors.ApplicationError)
);

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// -- probe: trace and control ---------------------------------------------------------------------

/** Append `stage:name:phase[=detail]` to the request's trace (nothing without a request). */
function mark(ctx, stage, name, phase, detail) {
  const state = ctx && ctx.state;
  if (!state || !Array.isArray(state[TRACE_KEY])) return;
  let token = `${stage}:${name}:${phase}`;
  if (detail !== undefined && detail !== null) token += '=' + String(detail).replace(/ /g, '_');
  state[TRACE_KEY].push(token);
}

/** The directives addressed to `address`, restricted to `action` when given. */
function directives(ctx, address, action) {
  const state = ctx && ctx.state;
  if (!state) return [];
  let control = state[CONTROL_KEY];
  if (control === undefined) {
    // A policy context is a shallow copy of ctx: `request` is there, the `headers` getter is not.
    const headers = (ctx.request && ctx.request.headers) || {};
    const raw = headers[CONTROL_HEADER] || '';
    try {
      control = raw ? JSON.parse(raw) : {};
    } catch {
      control = {};
    }
    if (!isObject(control)) control = {};
    state[CONTROL_KEY] = control;
  }
  let found = control[address] === undefined ? [] : control[address];
  if (!Array.isArray(found)) found = [found];
  return found.filter(
    (d) => isObject(d) && (action === undefined || d.action === undefined || d.action === null || d.action === action)
  );
}

function first(ctx, address, kinds, action) {
  return directives(ctx, address, action).find((d) => kinds.includes(d.do));
}

/** Throw the error a `throw` directive names; `Error` (or an unknown name) is a plain error. */
function raiseError(d) {
  const name = d.error === undefined || d.error === null ? 'Error' : d.error;
  const message = d.message === null ? undefined : d.message;
  const Cls = Object.prototype.hasOwnProperty.call(ERROR_CLASSES, name) ? ERROR_CLASSES[name] : undefined;
  if (!Cls) throw new Error(message || 'conformance fixture error');
  throw new Cls(message, d.details === null ? undefined : d.details);
}

function deepMerge(target, extra) {
  for (const [key, value] of Object.entries(extra || {})) {
    if (isObject(value) && isObject(target[key])) deepMerge(target[key], value);
    else target[key] = value;
  }
  return target;
}

// -- onion middlewares (global and route) ---------------------------------------------------------

function onionMiddleware(stage, name) {
  const address = `${stage}:${name}`;
  return async (ctx, next) => {
    mark(ctx, stage, name, 'in');
    for (const d of directives(ctx, address)) {
      switch (d.do) {
        case 'throw':
          raiseError(d);
          break;
        case 'respond':
          ctx.status = Number(d.status === undefined ? 200 : d.status);
          ctx.body = d.body;
          return undefined;
        case 'halt':
          return d.value;
        case 'set-query':
          ctx.query = deepMerge({ ...ctx.query }, d.query || {});
          break;
        case 'set-data': {
          const body = ctx.request.body;
          if (isObject(body)) {
            if (body.data === undefined) body.data = {};
            deepMerge(body.data, d.data || {});
          }
          break;
        }
        default:
      }
    }
    await next();
    mark(ctx, stage, name, 'out');
    const after = first(ctx, address, ['throw-after']);
    if (after) raiseError(after);
    return undefined;
  };
}

// -- policies -------------------------------------------------------------------------------------

function runPolicy(policyContext, config, name) {
  const address = `policy:${name}`;
  const label = config ? config.label : undefined;
  const d = first(policyContext, address, ['deny', 'return', 'throw']);
  const kind = d ? d.do : undefined;
  if (kind === 'throw') {
    mark(policyContext, 'policy', name, 'throw', label);
    raiseError(d);
  }
  if (kind === 'deny') {
    mark(policyContext, 'policy', name, 'deny', label);
    return false;
  }
  if (kind === 'return') {
    // Strapi lets a policy pass only on `true` or `undefined` (a missing `value`); JSON null blocks.
    const value = d.value;
    mark(policyContext, 'policy', name, value === true || value === undefined ? 'allow' : 'deny', label);
    return value;
  }
  mark(policyContext, 'policy', name, 'allow', label);
  return true;
}

// -- controller and service overrides -------------------------------------------------------------

const ACTIONS = ['find', 'findOne', 'create', 'update', 'delete'];

/** Methods for every core action, traced around the core (prototype) action. */
function traced(stage, short, ctxOf) {
  const address = `${stage}:${short}`;
  const methods = {};
  for (const action of ACTIONS) {
    const name = `${short}.${action}`;
    methods[action] = async function traceAction(...args) {
      const ctx = ctxOf(args);
      mark(ctx, stage, name, 'in');
      for (const d of directives(ctx, address, action)) {
        if (d.do === 'throw') raiseError(d);
        if (d.do === 'respond' && stage === 'controller') {
          ctx.status = Number(d.status === undefined ? 200 : d.status);
          ctx.body = d.body;
          return undefined;
        }
        if (d.do === 'return-value') return d.value;
      }
      // createCore* makes the core controller/service the prototype of `methods` ("super").
      const result = await Object.getPrototypeOf(methods)[action].apply(this || methods, args);
      mark(ctx, stage, name, 'out');
      const after = first(ctx, address, ['throw-after'], action);
      if (after) raiseError(after);
      return result;
    };
  }
  return methods;
}

function tracedController(uid, short) {
  const { factories } = require('@strapi/strapi');
  return factories.createCoreController(uid, () => traced('controller', short, (args) => args[0]));
}

function tracedService(uid, short) {
  const { factories } = require('@strapi/strapi');
  return factories.createCoreService(uid, ({ strapi }) =>
    traced('service', short, () => strapi.requestContext.get())
  );
}

// -- Document Service middlewares and lifecycle hooks ---------------------------------------------

function documentMiddleware(strapi, name) {
  const address = `docmw:${name}`;
  return async (context, next) => {
    const ctx = strapi.requestContext.get();
    if (context.uid !== FIXTURE.instrumentedUid || !ctx) return next();
    const action = context.action;
    mark(ctx, 'docmw', `${name}.${action}`, 'in');
    for (const d of directives(ctx, address, action)) {
      if (d.do === 'throw') raiseError(d);
      if (d.do === 'halt') return d.value;
      if (d.do === 'merge-params') deepMerge(context.params, d.params || {});
      if (d.do === 'set-data') {
        if (context.params.data === undefined) context.params.data = {};
        deepMerge(context.params.data, d.data || {});
      }
    }
    const result = await next();
    mark(ctx, 'docmw', `${name}.${action}`, 'out');
    return result;
  };
}

const QUERY_ACTIONS = [
  'create', 'createMany', 'update', 'updateMany', 'delete', 'deleteMany', 'count', 'findOne', 'findMany',
];

/** `beforeX`/`afterX` for every Query Engine action, traced as `lifecycle:<source>:<event>`. */
function lifecycleHooks(source) {
  const address = `lifecycle:${source}`;
  const hook = (eventName) =>
    function lifecycleHook(event) {
      const ctx = global.strapi && global.strapi.requestContext.get();
      if (!ctx) return;
      const detail = eventName.startsWith('after') && typeof event.state === 'string' ? event.state : undefined;
      mark(ctx, 'lifecycle', source, eventName, detail);
      for (const d of directives(ctx, address, eventName)) {
        if (d.do === 'throw') raiseError(d);
        if (d.do === 'set-state' && eventName.startsWith('before')) event.state = d.value;
        if (d.do === 'set-data' && event.params && isObject(event.params.data)) deepMerge(event.params.data, d.data || {});
      }
    };
  const hooks = {};
  for (const action of QUERY_ACTIONS) {
    for (const when of ['before', 'after']) {
      const eventName = when + action[0].toUpperCase() + action.slice(1);
      hooks[eventName] = hook(eventName);
    }
  }
  return hooks;
}

// -- trace writer ---------------------------------------------------------------------------------

/** Outermost global middleware: collects the request's markers and writes the trace header. */
function traceMiddleware() {
  return async (ctx, next) => {
    ctx.state[TRACE_KEY] = [];
    try {
      await next();
    } finally {
      ctx.set(TRACE_HEADER, ctx.state[TRACE_KEY].join(' '));
    }
  };
}

// -- fixture routes -------------------------------------------------------------------------------

// Keys of the API tokens created in bootstrap(): Strapi generates them, info() reports them.
const tokenKeys = {};

const DOCUMENT_ACTIONS = [
  'findOne', 'findFirst', 'findMany', 'create', 'update', 'delete', 'count', 'publish', 'unpublish', 'discardDraft', 'clone',
];

function conformanceController({ strapi }) {
  return {
    async info() {
      return {
        protocol: FIXTURE.protocol,
        implementation: { name: 'strapi', version: strapiVersion() },
        capabilities: [...FIXTURE.capabilities],
        tokens: { ...tokenKeys },
        user: { identifier: FIXTURE.user.username, password: FIXTURE.user.password },
      };
    },

    async whoami(ctx) {
      const auth = ctx.state.auth || {};
      const credentials = auth.credentials;
      const user = ctx.state.user;
      return {
        isAuthenticated: Boolean(ctx.state.isAuthenticated),
        strategy: (auth.strategy && auth.strategy.name) || null,
        credentials: credentials === undefined || credentials === null ? null : user ? 'user' : 'token',
        user: user ? { username: user.username } : null,
      };
    },

    async documents(ctx) {
      const body = isObject(ctx.request.body) ? ctx.request.body : {};
      const { uid, action } = body;
      const params = body.params || {};
      if (typeof uid !== 'string' || !strapi.contentTypes[uid]) return ctx.badRequest(`unknown uid ${uid}`);
      const docs = strapi.documents(uid);
      if (!DOCUMENT_ACTIONS.includes(action) || typeof docs[action] !== 'function') {
        return ctx.badRequest(`${action} is not an action of ${uid}`);
      }
      return { result: await docs[action](params) };
    },
  };
}

function strapiVersion() {
  return require('@strapi/strapi/package.json').version;
}

// -- register and bootstrap -----------------------------------------------------------------------

function registerFixture(strapi) {
  strapi.documents.use(documentMiddleware(strapi, 'first'));
  strapi.documents.use(documentMiddleware(strapi, 'second'));
  strapi.db.lifecycles.subscribe({ models: [FIXTURE.instrumentedUid], ...lifecycleHooks('subscriber') });
}

async function grant(strapi, roleType, actions) {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: roleType } });
  if (!role) throw new Error(`conformance fixture: no users-permissions role of type ${roleType}`);
  const permissions = strapi.db.query('plugin::users-permissions.permission');
  const existing = await permissions.findMany({ where: { role: { id: role.id } } });
  const have = new Set(existing.map((p) => p.action));
  for (const action of actions) {
    if (!have.has(action)) await permissions.create({ data: { action, role: role.id } });
  }
  return role;
}

function tokenService(strapi) {
  // 5.31+ names it api-token-content-api; earlier releases only have api-token.
  return strapi.service('admin::api-token-content-api') || strapi.service('admin::api-token');
}

async function ensureTokens(strapi) {
  const service = tokenService(strapi);
  for (const [type, name] of Object.entries(FIXTURE.tokens)) {
    // Names are not unique, so look up first; a token whose key cannot be read back is replaced.
    const existing = await service.getByName(name, { includeDecryptedKey: true });
    if (existing && existing.accessKey && existing.type === type) {
      tokenKeys[type] = existing.accessKey;
      continue;
    }
    if (existing) await service.revoke(existing.id);
    const created = await service.create({
      name,
      type,
      lifespan: null,
      description: `conformance fixture (${type})`,
      permissions: [],
    });
    tokenKeys[type] = created.accessKey;
  }
}

async function ensureUser(strapi, role) {
  const { username, email, password } = FIXTURE.user;
  const found = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { username } });
  if (found) return;
  await strapi.plugin('users-permissions').service('user').add({
    username, email, password, provider: 'local', confirmed: true, blocked: false, role: role.id,
  });
}

async function ensureWebhook(strapi) {
  const { name, urlEnv, events, headers } = FIXTURE.webhook;
  const store = strapi.get('webhookStore');
  const runner = strapi.get('webhookRunner');
  for (const stale of await store.findWebhooks()) {
    if (stale.name === name) {
      await store.deleteWebhook(stale.id);
      runner.remove(stale);
    }
  }
  const url = process.env[urlEnv];
  if (!url) return;
  const webhook = await store.createWebhook({ name, url, headers: { ...headers }, events: [...events], isEnabled: true });
  // Stored webhooks are loaded before bootstrap(): without add() nothing would be sent until a restart.
  runner.add(webhook);
}

async function bootstrapFixture(strapi) {
  await grant(strapi, 'public', FIXTURE.publicActions);
  const authenticated = await grant(strapi, 'authenticated', FIXTURE.publicActions);
  await ensureTokens(strapi);
  await ensureUser(strapi, authenticated);
  await ensureWebhook(strapi);
}

module.exports = {
  FIXTURE,
  TRACE_HEADER,
  mark,
  directives,
  raiseError,
  deepMerge,
  onionMiddleware,
  runPolicy,
  tracedController,
  tracedService,
  documentMiddleware,
  lifecycleHooks,
  traceMiddleware,
  conformanceController,
  registerFixture,
  bootstrapFixture,
};
