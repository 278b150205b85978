'use strict';

// register(): Document Service middlewares and a lifecycle subscriber; bootstrap(): permissions,
// API tokens, a user and the webhook, all as conformance/PROTOCOL.md describes them.
const { registerFixture, bootstrapFixture } = require('./conformance/components');

module.exports = {
  register({ strapi }) {
    registerFixture(strapi);
  },
  async bootstrap({ strapi }) {
    await bootstrapFixture(strapi);
  },
};
