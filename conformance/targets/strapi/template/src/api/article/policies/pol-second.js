'use strict';

// Instrumented policy `api::article.pol-second`, referenced by its bare name from the article routes.
const { runPolicy } = require('../../../conformance/components');

module.exports = (policyContext, config) => runPolicy(policyContext, config, 'second');
