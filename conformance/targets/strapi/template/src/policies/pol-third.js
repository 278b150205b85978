'use strict';

// Instrumented policy `global::pol-third`, configured per route (its marker carries config.label).
const { runPolicy } = require('../conformance/components');

module.exports = (policyContext, config) => runPolicy(policyContext, config, 'third');
