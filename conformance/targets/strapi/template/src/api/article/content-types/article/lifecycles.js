'use strict';

// lifecycles module of the instrumented type: every hook traced as `lifecycle:file:<event>`.
const { lifecycleHooks } = require('../../../../conformance/components');

module.exports = lifecycleHooks('file');
