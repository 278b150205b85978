'use strict';

// Written by the conformance harness into a copy of your project (conformance/targets/strapi/own/).
// Your own register/bootstrap/destroy (your src/index.js, kept as src/index.project.js) run first,
// then the fixture's; the Document Service middlewares your register adds show in the trace.
const { registerFixture, bootstrapFixture } = require('./conformance/components');
const { wrapDocumentMiddleware } = require('./middlewares/conformance-project');

const loaded = require('./index.project.js');
const own = (loaded && loaded.default) || loaded || {};

module.exports = {
  async register(ctx) {
    // The Document Service middlewares your register adds (strapi.documents.use) are wrapped so
    // that the trace shows them; the fixture's own are added afterwards, unwrapped.
    const documents = ctx.strapi.documents;
    const use = documents.use;
    let count = 0;
    documents.use = (middleware) => {
      count += 1;
      return use(wrapDocumentMiddleware(middleware, ctx.strapi, count));
    };
    try {
      if (typeof own.register === 'function') await own.register(ctx);
    } finally {
      documents.use = use;
    }
    registerFixture(ctx.strapi);
  },
  async bootstrap(ctx) {
    if (typeof own.bootstrap === 'function') await own.bootstrap(ctx);
    await bootstrapFixture(ctx.strapi);
  },
  async destroy(ctx) {
    if (typeof own.destroy === 'function') await own.destroy(ctx);
  },
};
