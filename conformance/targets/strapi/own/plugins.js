'use strict';

// Written by the conformance harness into a copy of your project (conformance/targets/strapi/own/).
// Your own plugins (kept in .conformance/config/plugins.js) with the fixture's settings on top.
const own = require('../.conformance/config/plugins.js');
const fixture = require('../.conformance/fixture-plugins.js');

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const merge = (a, b) => {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = isObject(value) && isObject(out[key]) ? merge(out[key], value) : value;
  return out;
};
const call = (config, ctx) => {
  const value = config && config.default ? config.default : config;
  return typeof value === 'function' ? value(ctx) : value || {};
};

module.exports = (ctx) => merge(call(own, ctx), call(fixture, ctx));
