'use strict';

// Instrumented global middleware `global::gmw-second` (trace stage `gmw`, name `second`).
const { onionMiddleware } = require('../conformance/components');

module.exports = () => onionMiddleware('gmw', 'second');
