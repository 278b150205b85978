'use strict';

// Written by the conformance harness into a copy of your project (conformance/targets/strapi/own/).
// Your own register/bootstrap/destroy (your src/index.js, kept as src/index.project.js) run first,
// then the fixture's.
const { registerFixture, bootstrapFixture } = require('./conformance/components');

const loaded = require('./index.project.js');
const own = (loaded && loaded.default) || loaded || {};

module.exports = {
  async register(ctx) {
    if (typeof own.register === 'function') await own.register(ctx);
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
