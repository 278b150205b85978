'use strict';

// Core router of the instrumented type: three policies and two route middlewares on every action.
const { factories } = require('@strapi/strapi');

// One config object per action: Strapi writes each route's auth scope into its config object.
const actionConfig = () => ({
  policies: ['global::pol-first', 'pol-second', { name: 'global::pol-third', config: { label: 'third' } }],
  middlewares: ['api::article.rmw-first', 'api::article.rmw-second'],
});

module.exports = factories.createCoreRouter('api::article.article', {
  config: Object.fromEntries(['find', 'findOne', 'create', 'update', 'delete'].map((a) => [a, actionConfig()])),
});
