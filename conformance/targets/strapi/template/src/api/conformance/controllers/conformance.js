'use strict';

// The fixture's own controller: see conformance/PROTOCOL.md, "Fixture routes".
const { conformanceController } = require('../../../conformance/components');

module.exports = conformanceController;
