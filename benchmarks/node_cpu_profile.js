'use strict';

// Loaded into a Node server with NODE_OPTIONS="--require <this file>" (Node refuses --cpu-prof
// there) when CONFORMANCE_CPU_PROFILE_DIR is set: SIGUSR2 starts V8's sampling profiler, the next
// SIGUSR2 stops it and writes <dir>/node-<pid>-<n>.cpuprofile. So a benchmark profiles exactly the
// phase it measures (the catalogue), not the server's start-up. Nothing happens without the variable.
const dir = process.env.CONFORMANCE_CPU_PROFILE_DIR;

if (dir) {
  const fs = require('fs');
  const path = require('path');
  const inspector = require('inspector');
  const session = new inspector.Session();
  session.connect();
  const intervalUs = Number(process.env.CONFORMANCE_CPU_PROFILE_INTERVAL_US || 500);
  let running = false;
  let written = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: intervalUs }, () => session.post('Profiler.start')));
      return;
    }
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const file = path.join(dir, `node-${process.pid}-${written}.cpuprofile`);
      written += 1;
      fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
