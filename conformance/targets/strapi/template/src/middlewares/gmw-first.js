'use strict';

// Instrumented global middleware `global::gmw-first` (trace stage `gmw`, name `first`).
const { onionMiddleware } = require('../conformance/components');

module.exports = () => onionMiddleware('gmw', 'first');
