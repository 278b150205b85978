'use strict';

// Written by the conformance harness into a copy of your project (conformance/targets/strapi/own/).
// Your own list (kept in .conformance/config/middlewares.js) with the fixture around it: the trace
// writer outermost, the two instrumented global middlewares just before the router, and each of
// your own middlewares (not strapi::*) wrapped so that the trace shows where it ran.
const own = require('../.conformance/config/middlewares.js');

const FIXTURE = ['global::conformance-trace', 'global::gmw-first', 'global::gmw-second', 'global::conformance-project'];
const nameOf = (item) => (typeof item === 'string' ? item : (item && (item.name || item.resolve)) || '');

module.exports = (ctx) => {
  const list = typeof own === 'function' ? own(ctx) : own.default || own;
  const kept = list
    .filter((item) => !FIXTURE.includes(nameOf(item)))
    .map((item) => (nameOf(item).startsWith('strapi::') ? item : { name: 'global::conformance-project', config: { wrap: item } }));
  return ['global::conformance-trace', ...kept, 'global::gmw-first', 'global::gmw-second'];
};
