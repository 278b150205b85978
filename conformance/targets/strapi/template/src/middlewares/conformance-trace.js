'use strict';

// Outermost global middleware: collects the request's markers and writes the trace header.
const { traceMiddleware } = require('../conformance/components');

module.exports = () => traceMiddleware();
