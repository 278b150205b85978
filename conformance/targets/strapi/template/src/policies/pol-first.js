'use strict';

// Instrumented policy `global::pol-first` (trace stage `policy`, name `first`).
const { runPolicy } = require('../conformance/components');

module.exports = (policyContext, config) => runPolicy(policyContext, config, 'first');
