'use strict';

// Instrumented route middleware `api::article.rmw-second` (trace stage `rmw`, name `second`).
const { onionMiddleware } = require('../../../conformance/components');

module.exports = () => onionMiddleware('rmw', 'second');
