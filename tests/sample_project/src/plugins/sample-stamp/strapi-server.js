'use strict';

// The sample project's local plugin: a content-API route, GET /api/sample-stamp/ping, and a
// middleware the project lists in config/middlewares.js ('plugin::sample-stamp.stamp') that stamps
// every answer with an X-Sample-Stamp header. Both must still work in the harness's copy.
module.exports = {
  middlewares: {
    stamp: () => async (ctx, next) => {
      await next();
      ctx.set('X-Sample-Stamp', 'sample-stamp');
    },
  },
  controllers: {
    ping: () => ({
      async index(ctx) {
        ctx.body = { data: { plugin: 'sample-stamp', pong: true } };
      },
    }),
  },
  routes: {
    'content-api': {
      type: 'content-api',
      routes: [{ method: 'GET', path: '/ping', handler: 'ping.index', config: { auth: false } }],
    },
  },
};
