// The e2e specs' environment: Node's, plus a flag a spec's helpers read to tell whether any test or
// hook in the file has failed (TestContext prints the logs it held back only then).
const { TestEnvironment } = require('jest-environment-node');

class PolarisEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') this.global.__polarisSpecFailed = true;
  }
}

module.exports = PolarisEnvironment;
