'use strict';

// Instrumented route middleware `api::article.rmw-first` (trace stage `rmw`, name `first`).
const { onionMiddleware } = require('../../../conformance/components');

module.exports = () => onionMiddleware('rmw', 'first');
